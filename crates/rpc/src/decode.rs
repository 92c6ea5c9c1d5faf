//! Core Lightning's `decodepay` and `decode` response objects: for a verified bolt11 invoice
//! (and `decodepay`'s checks: the field names and forms of `lightningd/invoice.c`'s
//! `json_add_invoice_fields`), and for a verified bolt12 offer, invoice request or invoice
//! (the `bolt12 …` branches of `decode`'s schema: every field under its TLV name, paths with
//! their payinfo, unknown records, the offer id as Core Lightning computes it). Used by the
//! daemon's methods and the offline `lnpay decode`.

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

/// A decoded BOLT 12 string, by its prefix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Bolt12 {
    /// `lno1…`.
    Offer(Box<bolt12::Offer>),
    /// `lnr1…`.
    InvoiceRequest(Box<bolt12::InvoiceRequest>),
    /// `lni1…`.
    Invoice(Box<bolt12::Invoice>),
}

/// Why a string is not a BOLT 12 message `decode` can show.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Bolt12Error {
    /// The prefix is none of `lno`, `lnr`, `lni`.
    NotBolt12,
    /// An offer that does not decode.
    Offer(bolt12::offer::DecodeError),
    /// An invoice request that does not decode.
    InvoiceRequest(bolt12::invoice_request::DecodeError),
    /// An invoice that does not decode.
    Invoice(bolt12::invoice::DecodeError),
}

impl std::fmt::Display for Bolt12Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Bolt12Error::NotBolt12 => write!(f, "not a bolt12 string"),
            Bolt12Error::Offer(e) => write!(f, "{e}"),
            Bolt12Error::InvoiceRequest(e) => write!(f, "{e}"),
            Bolt12Error::Invoice(e) => write!(f, "{e}"),
        }
    }
}
impl std::error::Error for Bolt12Error {}

/// Whether `s` (without a `lightning:` prefix) looks like a BOLT 12 string.
pub fn is_bolt12(s: &str) -> bool {
    s.get(..4).is_some_and(|p| ["lno1", "lnr1", "lni1"].iter().any(|x| p.eq_ignore_ascii_case(x)))
}

/// Decodes a BOLT 12 string by its prefix.
pub fn decode_bolt12(s: &str) -> Result<Bolt12, Bolt12Error> {
    let prefix = s.get(..3).map(str::to_ascii_lowercase);
    match prefix.as_deref() {
        Some("lno") => s.parse().map(|m| Bolt12::Offer(Box::new(m))).map_err(Bolt12Error::Offer),
        Some("lnr") => s
            .parse()
            .map(|m| Bolt12::InvoiceRequest(Box::new(m)))
            .map_err(Bolt12Error::InvoiceRequest),
        Some("lni") => {
            s.parse().map(|m| Bolt12::Invoice(Box::new(m))).map_err(Bolt12Error::Invoice)
        }
        _ => Err(Bolt12Error::NotBolt12),
    }
}

/// Core Lightning's `decode` object for a verified BOLT 12 message.
pub fn decode_bolt12_json(msg: &Bolt12) -> Value {
    let mut o = Map::new();
    let (kind, records, unknown_key) = match msg {
        Bolt12::Offer(m) => ("bolt12 offer", m.records(), "unknown_offer_tlvs"),
        Bolt12::InvoiceRequest(m) => {
            ("bolt12 invoice_request", m.records(), "unknown_invoice_request_tlvs")
        }
        Bolt12::Invoice(m) => ("bolt12 invoice", m.records(), "unknown_invoice_tlvs"),
    };
    o.insert("type".into(), json!(kind));
    o.insert("valid".into(), json!(true));
    let offer = match msg {
        Bolt12::Offer(m) => m.fields(),
        Bolt12::InvoiceRequest(m) => m.offer_fields(),
        Bolt12::Invoice(m) => m.offer_fields(),
    };
    if offer.issuer_id.is_some() || offer.paths.is_some() {
        o.insert("offer_id".into(), json!(hex::encode(&offer_id(records))));
    }
    offer_json(offer, &mut o);
    let invreq = match msg {
        Bolt12::Offer(_) => None,
        Bolt12::InvoiceRequest(m) => Some(m.fields()),
        Bolt12::Invoice(m) => Some(m.invreq_fields()),
    };
    if let Some(r) = invreq {
        invreq_json(r, &mut o);
    }
    if let Bolt12::Invoice(m) = msg {
        invoice_json(m, &mut o);
    }
    let signature = match msg {
        Bolt12::Offer(_) => None,
        Bolt12::InvoiceRequest(m) => Some(m.signature()),
        Bolt12::Invoice(m) => Some(m.signature()),
    };
    if let Some(sig) = signature {
        o.insert("signature".into(), json!(hex::encode(sig.as_ref())));
    }
    let known = |t: u64| {
        bolt12::fields::offer_type::ALL.contains(&t)
            || (!matches!(msg, Bolt12::Offer(_))
                && (bolt12::fields::invreq_type::ALL.contains(&t)
                    || t == bolt12::fields::SIGNATURE_TYPE))
            || (matches!(msg, Bolt12::Invoice(_)) && bolt12::fields::invoice_type::ALL.contains(&t))
    };
    let unknown: Vec<Value> = records
        .records
        .iter()
        .filter(|r| !known(r.typ))
        .map(|r| json!({"type": r.typ, "length": r.value.len(), "value": hex::encode(&r.value)}))
        .collect();
    if !unknown.is_empty() {
        o.insert(unknown_key.into(), Value::Array(unknown));
    }
    Value::Object(o)
}

/// Core Lightning's offer id: the SHA256 of the offer's records (types 1 to 79, then
/// 1000000000 to 1999999999) as written, wherever they appear (an offer, an invoice request or
/// an invoice).
fn offer_id(records: &types::tlv::TlvStream) -> [u8; 32] {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    for r in records.records.iter().filter(|r| bolt12::offer::in_range(r.typ)) {
        let mut one = Vec::with_capacity(r.value.len() + 10);
        types::tlv::encode_record(r.typ, &r.value, &mut one);
        h.update(&one);
    }
    h.finalize().into()
}

fn paths_json(
    paths: &[types::BlindedPath],
    payinfo: Option<&[bolt12::fields::BlindedPayInfo]>,
) -> Value {
    paths
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let mut o = Map::new();
            match &p.introduction_node {
                types::IntroductionNode::NodeId(k) => {
                    o.insert("first_node_id".into(), json!(k.to_string()));
                }
                types::IntroductionNode::Channel(c) => {
                    o.insert("first_scid".into(), json!(c.scid.to_string()));
                    o.insert("first_scid_dir".into(), json!(c.direction));
                }
            }
            o.insert("first_path_key".into(), json!(p.first_path_key.to_string()));
            if let Some(info) = payinfo.and_then(|all| all.get(i)) {
                o.insert(
                    "payinfo".into(),
                    json!({
                        "fee_base_msat": info.fee_base_msat,
                        "fee_proportional_millionths": info.fee_proportional_millionths,
                        "cltv_expiry_delta": info.cltv_expiry_delta,
                        "htlc_minimum_msat": info.htlc_minimum_msat.0,
                        "htlc_maximum_msat": info.htlc_maximum_msat.0,
                        "features": hex::encode(&info.features.to_be_bytes()),
                    }),
                );
            }
            let hops: Vec<Value> = p
                .hops
                .iter()
                .map(|h| {
                    json!({
                        "blinded_node_id": h.blinded_node_id.to_string(),
                        "encrypted_recipient_data": hex::encode(&h.encrypted_recipient_data),
                    })
                })
                .collect();
            o.insert("path".into(), Value::Array(hops));
            Value::Object(o)
        })
        .collect()
}

fn offer_json(f: &bolt12::OfferFields, o: &mut Map<String, Value>) {
    if let Some(c) = &f.chains {
        let chains: Vec<Value> = c.iter().map(|c| json!(hex::encode(&c.to_bytes()))).collect();
        o.insert("offer_chains".into(), Value::Array(chains));
    }
    if let Some(m) = &f.metadata {
        o.insert("offer_metadata".into(), json!(hex::encode(m)));
    }
    match (&f.currency, f.amount) {
        (Some(c), amount) => {
            o.insert("offer_currency".into(), json!(c));
            if let Some(a) = amount {
                o.insert("offer_amount".into(), json!(a));
            }
        }
        (None, Some(a)) => {
            o.insert("offer_amount_msat".into(), json!(a));
        }
        (None, None) => {}
    }
    if let Some(d) = &f.description {
        o.insert("offer_description".into(), json!(d));
    }
    if let Some(i) = &f.issuer {
        o.insert("offer_issuer".into(), json!(i));
    }
    if let Some(x) = &f.features {
        o.insert("offer_features".into(), json!(hex::encode(&x.to_be_bytes())));
    }
    if let Some(e) = f.absolute_expiry {
        o.insert("offer_absolute_expiry".into(), json!(e));
    }
    if let Some(q) = f.quantity_max {
        o.insert("offer_quantity_max".into(), json!(q));
    }
    if let Some(p) = &f.paths {
        o.insert("offer_paths".into(), paths_json(p, None));
    }
    if let Some(k) = &f.issuer_id {
        o.insert("offer_issuer_id".into(), json!(k.to_string()));
    }
}

fn invreq_json(f: &bolt12::InvreqFields, o: &mut Map<String, Value>) {
    if let Some(m) = &f.metadata {
        o.insert("invreq_metadata".into(), json!(hex::encode(m)));
    }
    if let Some(k) = &f.payer_id {
        o.insert("invreq_payer_id".into(), json!(k.to_string()));
    }
    if let Some(c) = &f.chain {
        o.insert("invreq_chain".into(), json!(hex::encode(&c.to_bytes())));
    }
    if let Some(a) = f.amount {
        o.insert("invreq_amount_msat".into(), json!(a.0));
    }
    if let Some(x) = &f.features {
        o.insert("invreq_features".into(), json!(hex::encode(&x.to_be_bytes())));
    }
    if let Some(q) = f.quantity {
        o.insert("invreq_quantity".into(), json!(q));
    }
    if let Some(n) = &f.payer_note {
        o.insert("invreq_payer_note".into(), json!(n));
    }
    if let Some(p) = &f.paths {
        o.insert("invreq_paths".into(), paths_json(p, None));
    }
    if let Some(b) = &f.bip_353_name {
        o.insert("invreq_bip_353_name".into(), json!({"name": b.name, "domain": b.domain}));
    }
}

fn invoice_json(inv: &bolt12::Invoice, o: &mut Map<String, Value>) {
    let f = inv.fields();
    let paths: Vec<types::BlindedPath> = inv.paths().iter().map(|(p, _)| p.clone()).collect();
    let payinfo: Vec<bolt12::fields::BlindedPayInfo> =
        inv.paths().iter().map(|(_, i)| i.clone()).collect();
    o.insert("invoice_paths".into(), paths_json(&paths, Some(&payinfo)));
    o.insert("invoice_created_at".into(), json!(inv.created_at()));
    if let Some(e) = f.relative_expiry {
        o.insert("invoice_relative_expiry".into(), json!(e));
    }
    o.insert("invoice_payment_hash".into(), json!(inv.payment_hash().to_string()));
    o.insert("invoice_amount_msat".into(), json!(inv.amount().0));
    if let Some(fb) = &f.fallbacks {
        let all: Vec<Value> = fb
            .iter()
            .map(|a| json!({"version": a.version, "hex": hex::encode(&a.address)}))
            .collect();
        o.insert("invoice_fallbacks".into(), Value::Array(all));
    }
    if let Some(x) = &f.features {
        o.insert("invoice_features".into(), json!(hex::encode(&x.to_be_bytes())));
    }
    o.insert("invoice_node_id".into(), json!(inv.node_id().to_string()));
}
