//! Core Lightning's `decodepay` and `decode` (bolt11) response objects for a verified invoice,
//! and `decodepay`'s checks: the field names and forms of `lightningd/invoice.c`'s
//! `json_add_invoice_fields`, used by the daemon's methods and the offline `lnpay decode`.

use crate::jsonrpc::RpcFailure;
use bolt11::{Currency, Description, Invoice};
use serde_json::{json, Map, Value};
use types::hex;

/// Core Lightning's error code for an invoice `decodepay` cannot accept.
pub const INVALID_BOLT11: i64 = -1;

/// Decodes and checks `bolt11` for `currency`, and `description` against its hash: the
/// `decodepay` object, or `-1 "Invalid bolt11: <reason>"`. A `lightning:` URI prefix is
/// accepted, as Core Lightning does.
pub fn decodepay(
    bolt11: &str,
    currency: Currency,
    description: Option<&str>,
) -> Result<Value, RpcFailure> {
    let invalid = |reason: &dyn std::fmt::Display| {
        RpcFailure::new(INVALID_BOLT11, format!("Invalid bolt11: {reason}"))
    };
    let mut s = bolt11.trim();
    if s.get(..10).is_some_and(|p| p.eq_ignore_ascii_case("lightning:")) {
        s = s.get(10..).unwrap_or_default();
    }
    let invoice = Invoice::decode(s, currency).map_err(|e| invalid(&e))?;
    if let Some(d) = description {
        invoice.check_description(d).map_err(|e| invalid(&e))?;
    }
    Ok(decodepay_json(&invoice))
}

/// The `decodepay` response for a verified invoice, with Core Lightning's field names.
pub fn decodepay_json(invoice: &Invoice) -> Value {
    let mut o = Map::new();
    o.insert("currency".into(), json!(invoice.currency().prefix()));
    o.insert("created_at".into(), json!(invoice.timestamp()));
    o.insert("expiry".into(), json!(invoice.expiry()));
    o.insert("payee".into(), json!(invoice.payee().to_string()));
    if let Some(amount) = invoice.amount() {
        o.insert("amount_msat".into(), json!(amount.msat()));
    }
    match invoice.description() {
        Description::Direct(d) => o.insert("description".into(), json!(d)),
        Description::Hash(h) => o.insert("description_hash".into(), json!(hex::encode(h))),
    };
    o.insert("min_final_cltv_expiry".into(), json!(invoice.min_final_cltv_expiry_delta()));
    o.insert("payment_secret".into(), json!(invoice.payment_secret().to_string()));
    if !invoice.features().is_empty() {
        o.insert("features".into(), json!(hex::encode(&invoice.features().to_be_bytes())));
    }
    if let Some(m) = invoice.payment_metadata() {
        o.insert("payment_metadata".into(), json!(hex::encode(m)));
    }
    if !invoice.fallbacks().is_empty() {
        let fallbacks: Vec<Value> = invoice
            .fallbacks()
            .iter()
            .map(|f| {
                let mut fb = Map::new();
                if let Some(kind) = f.kind() {
                    fb.insert("type".into(), json!(kind));
                    if let Some(addr) = f.address(invoice.currency()) {
                        fb.insert("addr".into(), json!(addr.to_string()));
                    }
                }
                fb.insert("hex".into(), json!(hex::encode(f.script_pubkey().as_bytes())));
                Value::Object(fb)
            })
            .collect();
        o.insert("fallbacks".into(), Value::Array(fallbacks));
    }
    if !invoice.route_hints().is_empty() {
        let routes: Vec<Value> = invoice
            .route_hints()
            .iter()
            .map(|hint| {
                hint.0
                    .iter()
                    .map(|hop| {
                        json!({
                            "pubkey": hop.node_id.to_string(),
                            "short_channel_id": hop.short_channel_id.to_string(),
                            "fee_base_msat": hop.fee_base_msat,
                            "fee_proportional_millionths": hop.fee_proportional_millionths,
                            "cltv_expiry_delta": hop.cltv_expiry_delta,
                        })
                    })
                    .collect()
            })
            .collect();
        o.insert("routes".into(), Value::Array(routes));
    }
    let extra: Vec<Value> = invoice
        .unknown_fields()
        .map(|f| json!({ "tag": f.letter().to_string(), "data": f.data_chars() }))
        .collect();
    if !extra.is_empty() {
        o.insert("extra".into(), Value::Array(extra));
    }
    o.insert("payment_hash".into(), json!(invoice.payment_hash().to_string()));
    o.insert("signature".into(), json!(hex::encode(&invoice.signature().serialize_der())));
    Value::Object(o)
}

/// The `decode` response for a bolt11 invoice: `decodepay`'s fields, `type` and `valid`.
pub fn decode_json(invoice: &Invoice) -> Value {
    let mut v = decodepay_json(invoice);
    if let Value::Object(o) = &mut v {
        o.insert("type".into(), json!("bolt11 invoice"));
        o.insert("valid".into(), json!(true));
    }
    v
}
