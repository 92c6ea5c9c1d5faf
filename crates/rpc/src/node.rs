//! The node's own methods over typed values: `getinfo`, `listpeerchannels`, `stop` and the
//! simulated network's `dev-siminvoice` and `dev-simoffer` (params in, Core Lightning's result
//! objects out). What they report (our id, channels, block height) is the caller's to gather.

use crate::jsonrpc::{bad_param, bind, required, RpcFailure, INVALID_PARAMS};
use crate::methods::{msat, string};
use crate::params;
use bolt11::{Currency, Invoice};
use serde_json::{json, Value};
use types::{Msat, NodeId, ShortChannelId};

/// `-1`: what Core Lightning answers when a command could not do its work.
const FAILED: i64 = -1;

/// One of our channels, as `getinfo` counts it and `listpeerchannels` lists it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PeerChannel {
    /// The channel.
    pub scid: ShortChannelId,
    /// The peer at the other end.
    pub peer: NodeId,
    /// What we can send on it now.
    pub spendable: Msat,
    /// Whether the peer is connected.
    pub connected: bool,
}

/// What `getinfo` reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NodeInfo<'a> {
    /// Our node id, once known.
    pub id: Option<NodeId>,
    /// Our channels.
    pub channels: &'a [PeerChannel],
    /// The block height.
    pub blockheight: u32,
    /// The network's name (`sim`).
    pub network: &'a str,
    /// The program's version.
    pub version: &'a str,
}

/// `getinfo` (no params).
pub fn getinfo(params: &Value, info: &NodeInfo<'_>) -> Result<Value, RpcFailure> {
    bind(params, &[])?;
    let id = info.id.map(|n| n.to_string()).unwrap_or_default();
    let total = info.channels.len();
    let active = info.channels.iter().filter(|c| c.connected).count();
    Ok(json!({
        "id": id,
        "alias": "lnpay",
        "color": "000000",
        "num_peers": total,
        "num_pending_channels": 0,
        "num_active_channels": active,
        "num_inactive_channels": total.saturating_sub(active),
        "address": [],
        "binding": [],
        "version": info.version,
        "blockheight": info.blockheight,
        "network": info.network,
        "fees_collected_msat": 0,
        "lightning-dir": "",
    }))
}

/// `listpeerchannels [id]`: our channels, or those with peer `id`.
pub fn listpeerchannels(params: &Value, channels: &[PeerChannel]) -> Result<Value, RpcFailure> {
    let p = bind(params, &["id"])?;
    let only = p.first().and_then(Option::as_ref).map(|v| params::node_id("id", v)).transpose()?;
    let channels: Vec<Value> = channels
        .iter()
        .filter(|c| only.map_or(true, |n| n == c.peer))
        .map(|c| {
            json!({
                "peer_id": c.peer.to_string(),
                "peer_connected": c.connected,
                "state": "CHANNELD_NORMAL",
                "short_channel_id": c.scid.to_string(),
                "spendable_msat": c.spendable.0,
            })
        })
        .collect();
    Ok(json!({ "channels": channels }))
}

/// `stop`'s result.
pub fn stop_json() -> Value {
    json!({"result": "Shutdown complete"})
}

/// `dev-siminvoice`'s params: a simulated receiver and what its invoice asks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SiminvoiceParams {
    /// The receiver (`node_id`).
    pub node: NodeId,
    /// `amount_msat`.
    pub amount: Msat,
    /// `description` (empty when not given).
    pub description: String,
}

/// Reads `dev-siminvoice node_id amount_msat [description]`.
pub fn siminvoice_params(params: &Value) -> Result<SiminvoiceParams, RpcFailure> {
    let p = bind(params, &["node_id", "amount_msat", "description"])?;
    let slot = |i: usize| p.get(i).cloned().flatten();
    let node = params::node_id("node_id", &required(&slot(0), "node_id")?)?;
    let amount = msat(&Some(required(&slot(1), "amount_msat")?), "amount_msat")?;
    let description = string(&slot(2), "description")?.unwrap_or_default();
    Ok(SiminvoiceParams { node, amount: amount.unwrap_or_default(), description })
}

/// `dev-siminvoice`'s refusal of a receiver the network does not have.
pub fn unknown_node() -> RpcFailure {
    RpcFailure::new(INVALID_PARAMS, "node_id: unknown node")
}

/// `dev-siminvoice`'s failure when the request could not be sent (`reason`).
pub fn siminvoice_failed(reason: &dyn std::fmt::Display) -> RpcFailure {
    RpcFailure::new(FAILED, format!("could not create invoice: {reason}"))
}

/// `dev-siminvoice`'s result from the receiver's answer: its invoice (checked to decode for
/// `currency`) and payment hash, or `-1` when it sent none or a bad one.
pub fn siminvoice_json(bolt11: Option<String>, currency: Currency) -> Result<Value, RpcFailure> {
    let Some(b) = bolt11 else {
        return Err(RpcFailure::new(FAILED, "could not create invoice"));
    };
    let inv = Invoice::decode(&b, currency)
        .map_err(|_| RpcFailure::new(FAILED, "the network sent a bad invoice"))?;
    Ok(json!({"bolt11": b, "payment_hash": inv.payment_hash().to_string()}))
}

/// `dev-simoffer`'s params: a simulated receiver and what its offer asks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimofferParams {
    /// The receiver (`node_id`).
    pub node: NodeId,
    /// `amount_msat` (`None`: the offer takes any amount).
    pub amount: Option<Msat>,
    /// `description` (empty when not given).
    pub description: String,
    /// `blinded`: a blinded offer path (`true`) or the receiver's id in the clear (`false`);
    /// not given: blinded when the receiver has a peer.
    pub blinded: Option<bool>,
    /// `payment_paths`: the most blinded payment paths its invoices carry, 1 to 3.
    pub payment_paths: Option<u8>,
    /// `fail_first_path`: the first payment path of each invoice fails inside it.
    pub fail_first_path: bool,
}

/// Reads `dev-simoffer node_id [amount_msat] [description] [blinded] [payment_paths]
/// [fail_first_path]` (the last three lnpay's test knobs, best given by name).
pub fn simoffer_params(params: &Value) -> Result<SimofferParams, RpcFailure> {
    let p = bind(
        params,
        &["node_id", "amount_msat", "description", "blinded", "payment_paths", "fail_first_path"],
    )?;
    let slot = |i: usize| p.get(i).cloned().flatten();
    let node = params::node_id("node_id", &required(&slot(0), "node_id")?)?;
    let amount = msat(&slot(1), "amount_msat")?;
    let description = string(&slot(2), "description")?.unwrap_or_default();
    let flag = |i: usize, name: &str| match slot(i) {
        None => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(b)),
        Some(v) => Err(bad_param(name, "a boolean", &v)),
    };
    let blinded = flag(3, "blinded")?;
    let payment_paths = match slot(4) {
        None => None,
        Some(v) => Some(
            v.as_u64()
                .filter(|n| (1..=3).contains(n))
                .and_then(|n| u8::try_from(n).ok())
                .ok_or_else(|| bad_param("payment_paths", "1, 2 or 3", &v))?,
        ),
    };
    let fail_first_path = flag(5, "fail_first_path")?.unwrap_or(false);
    Ok(SimofferParams { node, amount, description, blinded, payment_paths, fail_first_path })
}

/// `dev-simoffer`'s failure when the request could not be sent (`reason`).
pub fn simoffer_failed(reason: &dyn std::fmt::Display) -> RpcFailure {
    RpcFailure::new(FAILED, format!("could not create offer: {reason}"))
}

/// `dev-simoffer`'s result from the receiver's answer: `{"offer": "lno1…", "offer_id": hex}`
/// (`offer_id` as `decode` and Core Lightning's `offer` give it: SHA256 of the offer's
/// records), checked to decode; `-1` when the network sent none or a bad one.
pub fn simoffer_json(offer: Option<String>) -> Result<Value, RpcFailure> {
    let Some(text) = offer else {
        return Err(RpcFailure::new(FAILED, "could not create offer"));
    };
    let o: bolt12::Offer =
        text.parse().map_err(|_| RpcFailure::new(FAILED, "the network sent a bad offer"))?;
    let id = crate::decode::offer_id(o.records());
    Ok(json!({"offer": text, "offer_id": types::hex::encode(&id)}))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn channel(peer: NodeId, connected: bool) -> PeerChannel {
        PeerChannel { scid: ShortChannelId(1 << 40), peer, spendable: Msat(7), connected }
    }

    #[test]
    fn getinfo_counts_channels_and_listpeerchannels_filters_by_peer() {
        let a: NodeId =
            "02aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa".parse().unwrap();
        let channels = [channel(a, true), channel(a, false)];
        let info = NodeInfo {
            id: Some(a),
            channels: &channels,
            blockheight: 800_000,
            network: "sim",
            version: "0.1.0",
        };
        let v = getinfo(&Value::Null, &info).unwrap();
        assert_eq!(
            (v["num_active_channels"].clone(), v["num_inactive_channels"].clone()),
            (json!(1), json!(1))
        );
        assert_eq!(v["id"], a.to_string());
        assert_eq!(getinfo(&json!([1]), &info).unwrap_err().code, INVALID_PARAMS);
        let all = listpeerchannels(&Value::Null, &channels).unwrap();
        assert_eq!(all["channels"].as_array().map(Vec::len), Some(2));
        assert_eq!(all["channels"][0]["spendable_msat"], 7);
        let b = "02bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";
        let none = listpeerchannels(&json!({ "id": b }), &channels).unwrap();
        assert_eq!(none["channels"], json!([]));
        assert_eq!(listpeerchannels(&json!(["x"]), &channels).unwrap_err().code, INVALID_PARAMS);
    }

    #[test]
    fn siminvoice_params_are_checked() {
        let a = "02aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
        let p = siminvoice_params(&json!([a, "1.001sat"])).unwrap();
        assert_eq!((p.amount, p.description.as_str()), (Msat(1001), ""));
        let e = siminvoice_params(&json!([a])).unwrap_err();
        assert_eq!(e.message, "missing required parameter: amount_msat");
        assert_eq!(siminvoice_params(&json!(["x", 1])).unwrap_err().code, INVALID_PARAMS);
        assert_eq!(siminvoice_json(None, Currency::Bitcoin).unwrap_err().code, -1);
        let p = simoffer_params(&json!([a])).unwrap();
        assert_eq!((p.amount, p.description.as_str()), (None, ""));
        let p = simoffer_params(&json!({"node_id": a, "amount_msat": "2sat", "description": "t"}))
            .unwrap();
        assert_eq!((p.amount, p.description.as_str()), (Some(Msat(2000)), "t"));
        assert_eq!(simoffer_params(&json!([])).unwrap_err().code, INVALID_PARAMS);
        let knobs =
            json!({"node_id": a, "blinded": false, "payment_paths": 3, "fail_first_path": true});
        let p = simoffer_params(&knobs).unwrap();
        assert_eq!((p.blinded, p.payment_paths, p.fail_first_path), (Some(false), Some(3), true));
        for bad in [json!({"node_id": a, "payment_paths": 4}), json!({"node_id": a, "blinded": 1})]
        {
            assert_eq!(simoffer_params(&bad).unwrap_err().code, INVALID_PARAMS);
        }
        assert_eq!(simoffer_json(None).unwrap_err().code, -1);
        assert_eq!(simoffer_json(Some("lno1x".into())).unwrap_err().code, -1);
        let offer = bolt12::Offer::new(&bolt12::OfferFields {
            description: Some("t".into()),
            issuer_id: Some(
                bolt12::secp256k1::SecretKey::from_slice(&[3; 32])
                    .unwrap()
                    .public_key(bolt12::secp256k1::SECP256K1),
            ),
            ..Default::default()
        })
        .unwrap();
        let v = simoffer_json(Some(offer.to_string())).unwrap();
        assert_eq!(v["offer"], offer.to_string());
        let decoded = crate::decode::decode_bolt12(&offer.to_string()).unwrap();
        assert_eq!(v["offer_id"], crate::decode::decode_bolt12_json(&decoded)["offer_id"]);
        let e = siminvoice_json(Some("lnbc1".into()), Currency::Bitcoin).unwrap_err();
        assert_eq!(e.message, "the network sent a bad invoice");
    }
}
