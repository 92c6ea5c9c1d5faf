//! Persisted payment records (`payment::Record`, JSON as a store keeps them) and a restart of
//! the payment machine from them (`payment::Machine::restore`).
//!
//! Any bytes are parsed as a JSON array of records. Checks:
//! - records that parse serialise and parse back to the same records;
//! - a restart from them (parts with an even part id counted as still in the channels) never
//!   panics, and leaves pending only parts the channels still hold;
//! - failing every pending part with the input bytes as the return packet (hostile, undecodable
//!   or not) resolves it: nothing stays pending, and `listpays`/`listsendpays` still answer.

use payment::{Command, Config, Input, ListRequest, Machine, PartKey, PartStatus, Record};
use route::graph::GraphBuilder;
use std::collections::HashSet;

const NOW_MS: u64 = 1_770_076_800_000;

/// Runs the checks above on `data`, panicking when one fails.
pub fn do_test(data: &[u8]) {
    let Ok(records) = serde_json::from_slice::<Vec<Record>>(data) else { return };
    let text = match serde_json::to_vec(&records) {
        Ok(t) => t,
        Err(e) => panic!("records that parsed do not serialise: {e}"),
    };
    match serde_json::from_slice::<Vec<Record>>(&text) {
        Ok(again) => assert_eq!(again, records, "round trip changed the records"),
        Err(e) => panic!("serialised records do not parse: {e}"),
    }
    let live: HashSet<PartKey> = records
        .iter()
        .filter_map(|r| match r {
            Record::Part(p) if p.key.partid % 2 == 0 => Some(p.key),
            _ => None,
        })
        .collect();
    let Ok(node_id) = "0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798".parse()
    else {
        panic!("fixed node id does not parse");
    };
    let cfg = Config { node_id, seed: [1; 32], currency: bolt11::Currency::Bitcoin, max_parts: 4 };
    let (mut m, _) =
        Machine::restore(cfg, GraphBuilder::new().build(), 900_000, records, &live, NOW_MS);
    let pending: Vec<PartKey> =
        m.parts().iter().filter(|p| p.status == PartStatus::Pending).map(|p| p.key).collect();
    for k in &pending {
        assert!(live.contains(k), "part {k:?} pending without an HTLC");
    }
    for k in pending {
        m.handle(Input::Failed { part: k, reason: data.to_vec() }, NOW_MS + 1);
    }
    assert!(m.parts().iter().all(|p| p.status != PartStatus::Pending), "a part stayed pending");
    for (id, command) in [
        (1, Command::Listpays(ListRequest::default())),
        (2, Command::Listsendpays(ListRequest::default())),
    ] {
        let actions = m.handle(Input::Command { id, command }, NOW_MS + 2);
        assert!(
            actions
                .iter()
                .any(|a| matches!(a, payment::Action::Reply { result, .. } if result.is_ok())),
            "list command {id} did not answer"
        );
    }
}
