//! One parser per RPC concept, used by every command that takes it: amounts (every form of
//! Core Lightning's `parse_amount_msat`, plus `N.NNNsat`), `riskfactor`, `exclude` entries,
//! node ids and short channel ids. Each failure is Core Lightning's `-32602`
//! (`command_fail_badparam`: `"<name>: should be <what>: invalid token '<value>'"`).

use crate::jsonrpc::{bad_param, RpcFailure, INVALID_PARAMS};
use payment::Exclusion;
use serde_json::Value;
use types::{Hop, Msat, NodeId, ShortChannelId, ShortChannelIdDir};

/// The text of a string or number parameter (`None` for any other JSON value).
fn text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// An amount: a JSON integer, or a string `N`, `Nmsat`, `Nsat`, `N.NNNsat`, `Nbtc` or
/// `N.{1..11}btc` ([`Msat`]'s `FromStr`, the same for every command).
pub fn amount(name: &str, v: &Value) -> Result<Msat, RpcFailure> {
    let parsed = match v {
        Value::Number(n) => n.as_u64().map(Msat),
        Value::String(s) => s.parse().ok(),
        _ => None,
    };
    parsed.ok_or_else(|| bad_param(name, "a millisatoshi amount", v))
}

/// An amount given as text (the offline `lnpay getroute`).
pub fn amount_str(name: &str, s: &str) -> Result<Msat, RpcFailure> {
    amount(name, &Value::String(s.to_string()))
}

/// `riskfactor`: a non-negative decimal (`10`, `0.5`, at most six decimals) in millionths.
pub fn riskfactor(v: &Value) -> Result<u64, RpcFailure> {
    let bad = || {
        let t = text(v).unwrap_or_else(|| v.to_string());
        RpcFailure::new(
            INVALID_PARAMS,
            format!("riskfactor: should be a non-negative number: invalid token '{t}'"),
        )
    };
    let s = text(v).ok_or_else(bad)?;
    let (int, frac) = s.split_once('.').unwrap_or((&s, ""));
    let digits = |t: &str| t.bytes().all(|b| b.is_ascii_digit());
    if int.is_empty() || !digits(int) || !digits(frac) || frac.len() > 6 {
        return Err(bad());
    }
    let whole: u64 = int.parse().map_err(|_| bad())?;
    let mut f: u64 = if frac.is_empty() { 0 } else { frac.parse().map_err(|_| bad())? };
    for _ in frac.len()..6 {
        f *= 10;
    }
    whole.checked_mul(1_000_000).and_then(|w| w.checked_add(f)).ok_or_else(bad)
}

/// `riskfactor` given as text.
pub fn riskfactor_str(s: &str) -> Result<u64, RpcFailure> {
    riskfactor(&Value::String(s.to_string()))
}

/// One `exclude` entry: a directed channel (`BLOCKxTXxOUT/DIR`) or a node id.
pub fn exclusion(s: &str) -> Result<Exclusion, RpcFailure> {
    if let Ok(c) = s.parse::<ShortChannelIdDir>() {
        return Ok(Exclusion::Channel(c));
    }
    if let Ok(n) = s.parse::<NodeId>() {
        return Ok(Exclusion::Node(n));
    }
    Err(RpcFailure::new(
        INVALID_PARAMS,
        format!("exclude: should be a short_channel_id_dir or node id: invalid token '{s}'"),
    ))
}

/// `exclude`: an array of [`exclusion`]s.
pub fn exclusions(v: &Value) -> Result<Vec<Exclusion>, RpcFailure> {
    let items = v.as_array().ok_or_else(|| {
        RpcFailure::new(INVALID_PARAMS, format!("exclude: should be an array: invalid token '{v}'"))
    })?;
    items.iter().map(|i| exclusion(&text(i).unwrap_or_else(|| i.to_string()))).collect()
}

/// A node id (33-byte compressed public key, hex).
pub fn node_id(name: &str, v: &Value) -> Result<NodeId, RpcFailure> {
    v.as_str().and_then(|s| s.parse().ok()).ok_or_else(|| bad_param(name, "a node id", v))
}

/// A node id given as text.
pub fn node_id_str(name: &str, s: &str) -> Result<NodeId, RpcFailure> {
    node_id(name, &Value::String(s.to_string()))
}

/// A short channel id (`BLOCKxTXxOUT`).
pub fn short_channel_id(name: &str, v: &Value) -> Result<ShortChannelId, RpcFailure> {
    v.as_str().and_then(|s| s.parse().ok()).ok_or_else(|| bad_param(name, "a short_channel_id", v))
}

/// `layers`: an array of layer names.
pub fn layers(v: &Value) -> Result<Vec<String>, RpcFailure> {
    let bad = || bad_param("layers", "an array of layer names", v);
    let items = v.as_array().ok_or_else(bad)?;
    items.iter().map(|i| i.as_str().map(str::to_string).ok_or_else(bad)).collect()
}

/// A `sendpay` route: each hop in `getroute`'s shape (`id`, `channel`, `direction`,
/// `amount_msat`, `delay`) or `getroutes`' (`short_channel_id_dir`, `next_node_id` or
/// `node_id_out`, `amount_msat` or `amount_out_msat`, `delay` or `cltv_out`); other members
/// are ignored, as Core Lightning does.
pub fn route(v: &Value) -> Result<Vec<Hop>, RpcFailure> {
    let hops = v.as_array().ok_or_else(|| bad_param("route", "an array of route hops", v))?;
    hops.iter().map(route_hop).collect()
}

fn route_hop(h: &Value) -> Result<Hop, RpcFailure> {
    let bad = |what: &str| bad_param("route", what, h);
    let first = |names: &[&str]| names.iter().find_map(|n| h.get(*n));
    let (channel, direction) = match (h.get("short_channel_id_dir"), h.get("channel")) {
        (Some(c), _) => {
            let c: ShortChannelIdDir = c
                .as_str()
                .and_then(|s| s.parse().ok())
                .ok_or_else(|| bad("hops with a short_channel_id_dir"))?;
            (c.scid, c.direction)
        }
        (None, Some(c)) => {
            let scid = short_channel_id("route", c)?;
            let dir = h
                .get("direction")
                .and_then(Value::as_u64)
                .filter(|d| *d <= 1)
                .ok_or_else(|| bad("hops with a direction of 0 or 1"))?;
            (scid, dir as u8)
        }
        (None, None) => return Err(bad("hops with a short_channel_id_dir or channel")),
    };
    let id = first(&["node_id_out", "next_node_id", "id"])
        .ok_or_else(|| bad("hops with a node_id_out, next_node_id or id"))?;
    let id = node_id("route", id)?;
    let amount = first(&["amount_out_msat", "amount_msat"])
        .ok_or_else(|| bad("hops with an amount_out_msat or amount_msat"))?;
    let amount = self::amount("route", amount)?;
    let delay = first(&["cltv_out", "delay"])
        .and_then(Value::as_u64)
        .and_then(|d| u32::try_from(d).ok())
        .ok_or_else(|| bad("hops with a cltv_out or delay"))?;
    Ok(Hop { id, channel, direction, amount, delay })
}

/// A directed short channel id (`BLOCKxTXxOUT/DIR`).
pub fn short_channel_id_dir(name: &str, v: &Value) -> Result<ShortChannelIdDir, RpcFailure> {
    v.as_str()
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| bad_param(name, "a short_channel_id_dir", v))
}

/// A boolean.
pub fn boolean(name: &str, v: &Value) -> Result<bool, RpcFailure> {
    v.as_bool().ok_or_else(|| bad_param(name, "a boolean", v))
}

/// A signed integer (a bias).
pub fn integer(name: &str, v: &Value) -> Result<i64, RpcFailure> {
    v.as_i64().ok_or_else(|| bad_param(name, "an integer", v))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn check_amount(v: Value, want: Option<u64>) {
        assert_eq!(amount("amount_msat", &v).ok().map(|m| m.0), want, "{v}");
    }

    #[test]
    fn amounts_take_every_form() {
        check_amount(json!(5), Some(5));
        check_amount(json!("5"), Some(5));
        check_amount(json!("5msat"), Some(5));
        check_amount(json!("5sat"), Some(5000));
        check_amount(json!("1.001sat"), Some(1001));
        check_amount(json!("1btc"), Some(100_000_000_000));
        check_amount(json!("0.00000000001btc"), Some(1));
        check_amount(json!("1.0001sat"), None);
        check_amount(json!("1.5sat"), None);
        check_amount(json!(-1), None);
        check_amount(json!(1.5), None);
        check_amount(json!("1msatX"), None);
        check_amount(json!(true), None);
        let e = amount("maxfee", &json!("1.0001sat")).unwrap_err();
        assert_eq!(e.message, "maxfee: should be a millisatoshi amount: invalid token '1.0001sat'");
    }

    #[test]
    fn a_route_takes_getroute_and_getroutes_hops() {
        let n = "02aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
        let want = Hop {
            id: n.parse().unwrap(),
            channel: "800000x1x0".parse().unwrap(),
            direction: 1,
            amount: Msat(1_000_500),
            delay: 58,
        };
        let shapes = [
            json!({"id": n, "channel": "800000x1x0", "direction": 1, "amount_msat": 1_000_500,
                   "delay": 58, "style": "tlv"}),
            json!({"short_channel_id_dir": "800000x1x0/1", "next_node_id": n,
                   "amount_msat": "1000500msat", "delay": 58}),
            json!({"short_channel_id_dir": "800000x1x0/1", "node_id_out": n, "node_id_in": n,
                   "amount_out_msat": 1_000_500, "amount_in_msat": 1_000_600, "cltv_out": 58,
                   "cltv_in": 98}),
        ];
        for h in shapes {
            assert_eq!(route(&json!([h])).unwrap(), vec![want], "{h}");
        }
        for bad in [
            json!({"channel": "800000x1x0", "id": n, "amount_msat": 1, "delay": 1}),
            json!({"short_channel_id_dir": "800000x1x0/2", "id": n, "amount_msat": 1, "delay": 1}),
            json!({"short_channel_id_dir": "800000x1x0/1", "amount_msat": 1, "delay": 1}),
            json!({"short_channel_id_dir": "800000x1x0/1", "id": n, "delay": 1}),
            json!({"short_channel_id_dir": "800000x1x0/1", "id": n, "amount_msat": 1}),
        ] {
            assert!(route(&json!([bad])).is_err(), "{bad}");
        }
        assert!(route(&json!({"id": n})).is_err());
    }

    #[test]
    fn layers_are_an_array_of_names() {
        assert_eq!(layers(&json!(["a", "xpay"])).unwrap(), ["a", "xpay"]);
        assert!(layers(&json!("a")).is_err());
        assert!(layers(&json!([1])).is_err());
    }

    #[test]
    fn short_channel_id_dir_needs_a_direction() {
        let c = short_channel_id_dir("c", &json!("700000x1x0/1")).unwrap();
        assert_eq!(c.to_string(), "700000x1x0/1");
        for bad in [json!("700000x1x0"), json!("700000x1x0/2"), json!(5)] {
            assert!(short_channel_id_dir("c", &bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn riskfactor_is_exact_millionths() {
        assert_eq!(riskfactor(&json!(10)).ok(), Some(10_000_000));
        assert_eq!(riskfactor(&json!("0.5")).ok(), Some(500_000));
        assert_eq!(riskfactor(&json!(0.5)).ok(), Some(500_000));
        assert!(riskfactor(&json!("-1")).is_err());
        assert!(riskfactor(&json!("x")).is_err());
        assert!(riskfactor(&json!(null)).is_err());
    }
}
