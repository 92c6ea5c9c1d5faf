//! One parser per RPC concept, used by every command that takes it: amounts (every form of
//! Core Lightning's `parse_amount_msat`, plus `N.NNNsat`), `riskfactor`, `exclude` entries,
//! node ids and short channel ids. Each failure is Core Lightning's `-32602`
//! (`command_fail_badparam`: `"<name>: should be <what>: invalid token '<value>'"`).

use crate::jsonrpc::{bad_param, RpcFailure, INVALID_PARAMS};
use payment::Exclusion;
use serde_json::Value;
use types::{Msat, NodeId, ShortChannelId, ShortChannelIdDir};

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

/// A `sendpay` route: each hop as `getroute` writes it (`id`, `channel`, `direction`,
/// `amount_msat`, `delay`) or as `getroutes` does (`short_channel_id_dir`, `node_id_out`,
/// `amount_out_msat`, `cltv_out`; the newer name wins when both are there); other members are
/// ignored.
pub fn route(v: &Value) -> Result<Vec<types::Hop>, RpcFailure> {
    let bad = || bad_param("route", "an array of route hops", v);
    let hop = |h: &Value| -> Option<types::Hop> {
        let field = |new: &str, old: &str| h.get(new).or_else(|| h.get(old));
        let (channel, direction) = match h.get("short_channel_id_dir") {
            Some(c) => {
                let c: ShortChannelIdDir = c.as_str()?.parse().ok()?;
                (c.scid, c.direction)
            }
            None => {
                let scid: ShortChannelId = h.get("channel")?.as_str()?.parse().ok()?;
                let d = u8::try_from(h.get("direction")?.as_u64()?).ok()?;
                (scid, d)
            }
        };
        Some(types::Hop {
            id: field("node_id_out", "id")?.as_str()?.parse().ok()?,
            channel,
            direction,
            amount: amount("amount_msat", field("amount_out_msat", "amount_msat")?).ok()?,
            delay: u32::try_from(field("cltv_out", "delay")?.as_u64()?).ok()?,
        })
    };
    v.as_array().ok_or_else(bad)?.iter().map(|h| hop(h).ok_or_else(bad)).collect()
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
    fn route_takes_getroute_and_getroutes_hops() {
        let id = "02".to_string() + &"11".repeat(32);
        let old = json!([{"id": id, "channel": "1x2x3", "direction": 1, "amount_msat": 5,
                          "delay": 9, "style": "tlv"}]);
        let new = json!([{"short_channel_id_dir": "1x2x3/1", "node_id_out": id,
                          "amount_out_msat": 5, "cltv_out": 9, "amount_msat": 6, "delay": 10}]);
        let a = route(&old).unwrap();
        assert_eq!(a, route(&new).unwrap());
        assert_eq!((a[0].amount.0, a[0].delay, a[0].direction), (5, 9, 1));
        assert!(
            route(&json!([{"id": id, "channel": "1x2x3", "amount_msat": 5, "delay": 9}])).is_err()
        );
        assert!(route(&json!({})).is_err());
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
