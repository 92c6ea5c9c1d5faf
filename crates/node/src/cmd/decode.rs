//! `lnpay decode BOLT11`: check a BOLT 11 invoice and print its fields as Core Lightning's
//! `decodepay` does.
//!
//! A `lightning:` prefix is accepted. `--network` names the chain the invoice must be for (default `bitcoin`); `--description`
//! is checked against the invoice's description hash (as `decodepay`'s `description`). A valid
//! invoice prints the `decodepay` object and exits 0; an invalid one prints
//! `{"code": -1, "message": "Invalid bolt11: <reason>"}` and exits 1.
//!
//! [`decodepay_json`] and [`decode_json`] build the response objects for the daemon to reuse.

use super::error_json;
use bolt11::{Currency, Description, Invoice};
use serde_json::{json, Map, Value};
use std::process::ExitCode;
use types::hex;

/// Core Lightning's error code for an invoice `decodepay` cannot accept.
pub const INVALID_BOLT11: i64 = -1;

/// The chain the invoice is expected to be for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Network {
    /// Bitcoin mainnet (`lnbc`).
    Bitcoin,
    /// Testnet (`lntb`).
    Testnet,
    /// Signet (`lntbs`).
    Signet,
    /// Regtest (`lnbcrt`).
    Regtest,
}

impl Network {
    /// The invoice currency of this chain.
    pub fn currency(self) -> Currency {
        match self {
            Network::Bitcoin => Currency::Bitcoin,
            Network::Testnet => Currency::Testnet,
            Network::Signet => Currency::Signet,
            Network::Regtest => Currency::Regtest,
        }
    }
}

/// Check a BOLT 11 invoice and print its fields (Core Lightning's `decodepay`).
#[derive(clap::Args)]
pub struct Args {
    /// The invoice.
    #[arg(value_name = "BOLT11")]
    pub bolt11: String,
    /// The chain the invoice must be for.
    #[arg(long, value_enum, default_value = "bitcoin")]
    pub network: Network,
    /// The description the invoice's description hash must commit to.
    #[arg(long)]
    pub description: Option<String>,
}

/// Decodes and checks `bolt11` for `network`, and `description` against its hash: the
/// `decodepay` object, or the error object.
pub fn decodepay(
    bolt11: &str,
    network: Network,
    description: Option<&str>,
) -> Result<Value, Value> {
    let invalid = |reason: &dyn std::fmt::Display| {
        error_json(INVALID_BOLT11, &format!("Invalid bolt11: {reason}"))
    };
    // A `lightning:` URI prefix is accepted, as Core Lightning does.
    let mut s = bolt11.trim();
    if s.get(..10).is_some_and(|p| p.eq_ignore_ascii_case("lightning:")) {
        s = s.get(10..).unwrap_or_default();
    }
    let invoice = Invoice::decode(s, network.currency()).map_err(|e| invalid(&e))?;
    if let Some(d) = description {
        invoice.check_description(d).map_err(|e| invalid(&e))?;
    }
    Ok(decodepay_json(&invoice))
}

/// Runs `lnpay decode`.
pub fn run(args: Args) -> ExitCode {
    match decodepay(&args.bolt11, args.network, args.description.as_deref()) {
        Ok(v) => {
            println!("{v}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            println!("{e}");
            ExitCode::FAILURE
        }
    }
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
// For the daemon's `decode` (through the library); the CLI prints `decodepay`'s form.
#[allow(dead_code)]
pub fn decode_json(invoice: &Invoice) -> Value {
    let mut v = decodepay_json(invoice);
    if let Value::Object(o) = &mut v {
        o.insert("type".into(), json!("bolt11 invoice"));
        o.insert("valid".into(), json!(true));
    }
    v
}
