//! `fetchinvoice` in Core Lightning's shapes: its params bound to the payment machine's
//! [`FetchinvoiceRequest`] ([`fetchinvoice_command`]), the reply ([`fetchinvoice_json`]) and
//! the errors with `fetchinvoice`'s codes ([`fetchinvoice_failure`]: 1002 offer expired,
//! 1003 no route to the offer, 1004 the issuer's `invoice_error`, 1005 timeout).
//!
//! The request's `invreq_metadata` is fresh randomness: the daemon passes it in (this crate
//! draws none) unless the caller gave `payer_metadata`.

use crate::jsonrpc::{bind, required, RpcFailure, INVALID_PARAMS};
use crate::methods::{f64_param, msat, string, u64_param, unsupported};
use payment::offers::FetchinvoiceError;
use payment::{Command, FetchinvoiceReply, FetchinvoiceRequest};
use serde_json::{json, Value};

/// `fetchinvoice`'s `offer expired` code.
pub const OFFER_EXPIRED: i64 = 1002;
/// `fetchinvoice`'s `cannot find a route to the node making the offer` code.
pub const OFFER_ROUTE_NOT_FOUND: i64 = 1003;
/// `fetchinvoice`'s `the node making the offer returned an error message` code.
pub const OFFER_BAD_INVREQ_REPLY: i64 = 1004;
/// `fetchinvoice`'s `timed out` code.
pub const OFFER_TIMEOUT: i64 = 1005;

/// The `fetchinvoice` command of `params` (Core Lightning's names and positional order);
/// `payer_metadata` is used unless the params give one (hex).
pub fn fetchinvoice_command(
    params: &Value,
    payer_metadata: Vec<u8>,
) -> Result<Command, RpcFailure> {
    let p = bind(
        params,
        &[
            "offer",
            "amount_msat",
            "quantity",
            "recurrence_counter",
            "recurrence_start",
            "recurrence_label",
            "timeout",
            "payer_note",
            "payer_metadata",
            "bip353",
            "dev_reply_path",
            "dev_path_use_scidd",
        ],
    )?;
    unsupported(
        &p,
        &[
            (3, "recurrence_counter"),
            (4, "recurrence_start"),
            (5, "recurrence_label"),
            (9, "bip353"),
            (10, "dev_reply_path"),
            (11, "dev_path_use_scidd"),
        ],
    )?;
    let text = string(&Some(required(&p[0], "offer")?), "offer")?.unwrap_or_default();
    let offer: bolt12::Offer = text
        .parse()
        .map_err(|e| RpcFailure::new(INVALID_PARAMS, format!("offer: unparsable offer: {e}")))?;
    let timeout = match f64_param(&p[6], "timeout")? {
        Some(t) if t.is_finite() && t >= 0.0 => Some(t.min(f64::from(u32::MAX)) as u32),
        Some(t) => {
            return Err(RpcFailure::new(INVALID_PARAMS, format!("timeout: invalid value {t}")))
        }
        None => None,
    };
    let payer_metadata = match string(&p[8], "payer_metadata")? {
        Some(h) => types::hex::decode(&h).map_err(|e| {
            RpcFailure::new(INVALID_PARAMS, format!("payer_metadata: should be hex: {e}"))
        })?,
        None => payer_metadata,
    };
    Ok(Command::Fetchinvoice(FetchinvoiceRequest {
        offer: Box::new(offer),
        amount_msat: msat(&p[1], "amount_msat")?,
        quantity: u64_param(&p[2], "quantity")?,
        payer_note: string(&p[7], "payer_note")?,
        timeout,
        payer_metadata,
    }))
}

/// `fetchinvoice`'s result object.
pub fn fetchinvoice_json(r: &FetchinvoiceReply) -> Value {
    let mut changes = serde_json::Map::new();
    if let Some(a) = r.changes.amount_msat {
        changes.insert("amount_msat".into(), json!(a.0));
    }
    json!({ "invoice": r.invoice, "changes": Value::Object(changes) })
}

/// A `fetchinvoice` error with Core Lightning's code.
pub fn fetchinvoice_failure(e: &FetchinvoiceError) -> RpcFailure {
    let code = match e {
        FetchinvoiceError::OfferExpired { .. } => OFFER_EXPIRED,
        FetchinvoiceError::NoPeer
        | FetchinvoiceError::NoPath { .. }
        | FetchinvoiceError::NoDestination => OFFER_ROUTE_NOT_FOUND,
        FetchinvoiceError::Remote(_) => OFFER_BAD_INVREQ_REPLY,
        FetchinvoiceError::Timeout { .. } => OFFER_TIMEOUT,
        FetchinvoiceError::WrongChain { .. }
        | FetchinvoiceError::AmountRequired
        | FetchinvoiceError::QuantityRequired
        | FetchinvoiceError::QuantityNotAllowed { .. }
        | FetchinvoiceError::QuantityOutOfRange { .. } => INVALID_PARAMS,
        _ => -1,
    };
    let mut f = RpcFailure::new(code, e.to_string());
    if let FetchinvoiceError::Remote(ie) = e {
        let mut data = serde_json::Map::new();
        if let Some(t) = ie.erroneous_field {
            data.insert("erroneous_field".into(), json!(t));
        }
        if let Some(v) = &ie.suggested_value {
            data.insert("suggested_value".into(), json!(types::hex::encode(v)));
        }
        data.insert("error".into(), json!(ie.error));
        f.data = Some(json!({ "invoice_error": Value::Object(data) }));
    }
    f
}

#[cfg(test)]
mod tests {
    use super::*;
    use payment::FetchinvoiceChanges;
    use types::Msat;

    fn schema() -> Value {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../../shared/spec/cln-schemas/fetchinvoice.json"
        );
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
    }

    /// The object's fields are the schema's, with the required ones present and every value
    /// of the declared type (string, or msat as an integer), recursively for objects.
    fn conforms(v: &Value, s: &Value) {
        let props = s["properties"].as_object().unwrap();
        let obj = v.as_object().unwrap();
        for r in s["required"].as_array().unwrap() {
            assert!(obj.contains_key(r.as_str().unwrap()), "missing {r}");
        }
        for (k, x) in obj {
            let p = props.get(k).unwrap_or_else(|| panic!("{k} is not in the schema"));
            match p["type"].as_str().unwrap() {
                "string" => assert!(x.is_string(), "{k}"),
                "msat" | "u64" => assert!(x.is_u64(), "{k}"),
                "object" => conforms(x, p),
                t => panic!("{k}: type {t} unchecked"),
            }
        }
    }

    #[test]
    fn the_reply_has_the_schema_shape() {
        let s = schema();
        for amount in [None, Some(Msat(12_345))] {
            let r = FetchinvoiceReply {
                invoice: "lni1xyz".into(),
                changes: FetchinvoiceChanges { amount_msat: amount },
            };
            let v = fetchinvoice_json(&r);
            conforms(&v, &s["response"]);
            assert_eq!(
                v["changes"].get("amount_msat").and_then(Value::as_u64),
                amount.map(|a| a.0)
            );
        }
    }

    #[test]
    fn errors_carry_fetchinvoices_codes() {
        let c = |e: FetchinvoiceError| fetchinvoice_failure(&e).code;
        assert_eq!(c(FetchinvoiceError::OfferExpired { now: 2, expiry: 1 }), 1002);
        assert_eq!(c(FetchinvoiceError::NoPeer), 1003);
        assert_eq!(c(FetchinvoiceError::Timeout { seconds: 60 }), 1005);
        assert_eq!(c(FetchinvoiceError::AmountRequired), -32602);
        let remote = bolt12::InvoiceError {
            erroneous_field: Some(82),
            suggested_value: Some(vec![1]),
            error: "no".into(),
            unknown: Vec::new(),
        };
        let f = fetchinvoice_failure(&FetchinvoiceError::Remote(remote));
        assert_eq!(f.code, 1004);
        assert_eq!(
            f.data,
            Some(json!({ "invoice_error": {
                "erroneous_field": 82,
                "suggested_value": "01",
                "error": "no",
            } }))
        );
    }

    #[test]
    fn params_bind_by_name_and_position_and_refuse_what_is_not_supported() {
        let offer = bolt12::Offer::new(&bolt12::OfferFields {
            description: Some("tea".into()),
            amount: Some(1_000),
            issuer_id: Some(
                bolt12::secp256k1::PublicKey::from_slice(
                    &types::hex::decode(
                        "02eec7245d6b7d2ccb30380bfbe2a3648cd7a942653f5aa340edcea1f283686619",
                    )
                    .unwrap(),
                )
                .unwrap(),
            ),
            ..Default::default()
        })
        .unwrap()
        .to_string();
        let by_name =
            json!({ "offer": offer, "amount_msat": "2000msat", "payer_note": "hi", "timeout": 30 });
        let Command::Fetchinvoice(r) = fetchinvoice_command(&by_name, vec![9; 16]).unwrap() else {
            panic!()
        };
        assert_eq!(r.amount_msat, Some(Msat(2_000)));
        assert_eq!((r.payer_note.as_deref(), r.timeout), (Some("hi"), Some(30)));
        assert_eq!(r.payer_metadata, vec![9; 16]);
        let by_pos = json!([offer, null, null, null, null, null, null, null, "0a0b"]);
        let Command::Fetchinvoice(r) = fetchinvoice_command(&by_pos, vec![9; 16]).unwrap() else {
            panic!()
        };
        assert_eq!(r.payer_metadata, vec![10, 11]);
        let rec = json!({ "offer": offer, "recurrence_counter": 0 });
        assert_eq!(fetchinvoice_command(&rec, vec![]).unwrap_err().code, INVALID_PARAMS);
        let bad = json!({ "offer": "lno1notanoffer" });
        assert_eq!(fetchinvoice_command(&bad, vec![]).unwrap_err().code, INVALID_PARAMS);
    }
}
