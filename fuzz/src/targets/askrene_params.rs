//! `askrene_params`: the params of `getroutes` and the `askrene-*` commands
//! (`lnpay_rpc::askrene::command`) and the `sendpay` route parser (`lnpay_rpc::params::route`).
//!
//! Any bytes are parsed as a JSON value and given as the params of every askrene method.
//! Checks:
//! - parsing never panics and each method gives its own command (or a `-32602`);
//! - each command the machine takes (on an empty graph) gets exactly one reply, whose JSON is
//!   an object, and `askrene-listlayers` still answers after all of them;
//! - a route that parses, written back as `getroute` hops and as `getroutes` path entries,
//!   parses to the same hops.

use payment::{Action, AskreneCommand, Command, Config, Input, Machine, Reply};
use route::graph::GraphBuilder;
use rpc::askrene::{command, METHODS};
use rpc::jsonrpc::INVALID_PARAMS;
use serde_json::{json, Value};

const NOW_MS: u64 = 1_770_076_800_000;

fn replies(actions: &[Action]) -> Vec<&Reply> {
    actions
        .iter()
        .filter_map(|a| match a {
            Action::Reply { result, .. } => Some(result),
            _ => None,
        })
        .collect()
}

/// Runs the checks above on `data`, panicking when one fails.
pub fn do_test(data: &[u8]) {
    let Ok(v) = serde_json::from_slice::<Value>(data) else { return };
    let Ok(node_id) = "0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798".parse()
    else {
        panic!("fixed node id does not parse");
    };
    let cfg = Config { node_id, seed: [1; 32], currency: bolt11::Currency::Bitcoin, max_parts: 4 };
    let mut m = Machine::new(cfg, GraphBuilder::new().build(), 900_000);
    for (i, method) in METHODS.iter().enumerate() {
        match command(method, &v) {
            Ok(Some(c)) => {
                let is_getroutes = matches!(c, Command::Getroutes(_));
                assert_eq!(is_getroutes, *method == "getroutes", "{method} gave {c:?}");
                let actions = m.handle(Input::Command { id: i as u64, command: c }, NOW_MS);
                let r = replies(&actions);
                assert_eq!(r.len(), 1, "{method}: {} replies", r.len());
                if let Some(reply) = r.first() {
                    if let Ok(j) = rpc::payments::reply_json((*reply).clone()) {
                        assert!(j.is_object(), "{method} replied {j}");
                    }
                }
            }
            Ok(None) => panic!("{method} is not an askrene method"),
            Err(e) => assert_eq!(e.code, INVALID_PARAMS, "{method}: {}", e.message),
        }
    }
    let list = Command::Askrene(AskreneCommand::ListLayers { layer: None });
    let actions = m.handle(Input::Command { id: 99, command: list }, NOW_MS);
    assert!(matches!(replies(&actions).first(), Some(Reply::Askrene(Ok(_)))));

    if let Ok(hops) = rpc::params::route(&v) {
        let old = serde_json::to_value(&hops).unwrap_or_default();
        let new: Vec<Value> = hops
            .iter()
            .map(|h| {
                json!({"short_channel_id_dir": h.channel_dir().to_string(),
                       "node_id_out": h.id.to_string(), "amount_out_msat": h.amount.0,
                       "cltv_out": h.delay})
            })
            .collect();
        let norm: Vec<types::Hop> =
            hops.iter().map(|h| types::Hop { direction: h.direction & 1, ..*h }).collect();
        match rpc::params::route(&old) {
            Ok(again) => assert_eq!(again, hops, "getroute hops changed"),
            Err(e) => panic!("written getroute hops do not parse: {}", e.message),
        }
        match rpc::params::route(&Value::Array(new)) {
            Ok(again) => assert_eq!(again, norm, "getroutes entries changed"),
            Err(e) => panic!("written getroutes entries do not parse: {}", e.message),
        }
    }
}
