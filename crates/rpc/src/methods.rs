//! Binding of each method's params (Core Lightning's names and positional order) to the
//! payment machine's typed commands ([`command`]), the methods that need no state at all
//! ([`stateless`]), and the list of methods the daemon serves ([`METHODS`]).

use crate::jsonrpc::{bad_param, bind, required, RpcFailure, INVALID_PARAMS};
use crate::params;
use bolt11::{Currency, Invoice};
use payment::{
    Bolt12PayRequest, Bolt12Target, Command, DelpayRequest, FetchinvoiceRequest, KeysendRequest,
    ListRequest, PartStatus, PayOptions, PayRequest, Reply, SendpayRequest, WaitsendpayRequest,
    XkeysendRequest, XpayRequest,
};
use serde_json::{json, Value};
use types::{Msat, NodeId, PaymentHash, PaymentSecret};

/// The methods the daemon serves, as `help` lists them.
pub const METHODS: &[&str] = &[
    "getinfo",
    "decode",
    "decodepay",
    "pay",
    "listpays",
    "listsendpays",
    "stop",
    "help",
    "dev-siminvoice",
    "dev-simoffer",
    "listpeerchannels",
    "sendpay",
    "waitsendpay",
    "keysend",
    "delpay",
    "paystatus",
    "getroute",
    "listchannels",
    "xpay",
    "xkeysend",
    "fetchinvoice",
];

/// A machine reply as an RPC result.
pub fn from_reply(r: Reply) -> Result<Value, RpcFailure> {
    crate::payments::reply_json(r)
}

/// An invoice parameter, decoded and verified (`-32602 "Invalid bolt11: ..."` otherwise).
fn invoice(text: &str, currency: Currency) -> Result<Invoice, RpcFailure> {
    Invoice::decode(text, currency)
        .map_err(|e| RpcFailure::new(INVALID_PARAMS, format!("Invalid bolt11: {e}")))
}

/// A string param.
pub fn string(slot: &Option<Value>, name: &str) -> Result<Option<String>, RpcFailure> {
    match slot {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(v) => Err(bad_param(name, "a string", v)),
    }
}

/// An amount param.
pub fn msat(slot: &Option<Value>, name: &str) -> Result<Option<Msat>, RpcFailure> {
    match slot {
        None => Ok(None),
        Some(v) => params::amount(name, v).map(Some),
    }
}

/// A 32-byte hex parameter (payment hash or payment secret).
fn hex32<T: std::str::FromStr>(slot: &Option<Value>, name: &str) -> Result<Option<T>, RpcFailure> {
    match slot {
        None => Ok(None),
        Some(v) => v
            .as_str()
            .and_then(|s| s.parse().ok())
            .map(Some)
            .ok_or_else(|| bad_param(name, "a 32 byte hex value", v)),
    }
}

fn hash(slot: &Option<Value>, name: &str) -> Result<Option<PaymentHash>, RpcFailure> {
    hex32(slot, name)
}

fn secret(slot: &Option<Value>, name: &str) -> Result<Option<PaymentSecret>, RpcFailure> {
    hex32(slot, name)
}

fn u32_param(slot: &Option<Value>, name: &str) -> Result<Option<u32>, RpcFailure> {
    match slot {
        None => Ok(None),
        Some(v) => v
            .as_u64()
            .and_then(|n| u32::try_from(n).ok())
            .map(Some)
            .ok_or_else(|| bad_param(name, "a 32 bit unsigned integer", v)),
    }
}

pub(crate) fn f64_param(slot: &Option<Value>, name: &str) -> Result<Option<f64>, RpcFailure> {
    match slot {
        None => Ok(None),
        Some(v) => {
            let f = match v {
                Value::Number(n) => n.as_f64(),
                Value::String(s) => s.parse().ok(),
                _ => None,
            };
            f.filter(|f| f.is_finite() && *f >= 0.0)
                .map(Some)
                .ok_or_else(|| bad_param(name, "a non-negative floating-point number", v))
        }
    }
}

fn exclusions(slot: &Option<Value>) -> Result<Vec<payment::Exclusion>, RpcFailure> {
    slot.as_ref().map_or(Ok(Vec::new()), params::exclusions)
}

fn riskfactor(slot: &Option<Value>) -> Result<Option<u64>, RpcFailure> {
    slot.as_ref().map(params::riskfactor).transpose()
}

fn layers(slot: &Option<Value>) -> Result<Vec<String>, RpcFailure> {
    slot.as_ref().map_or(Ok(Vec::new()), params::layers)
}

/// What an invoice string names: a BOLT 11 invoice, or a BOLT 12 offer or invoice (decoded
/// here). BIP 353 names (`₿user@domain`) are refused as a parameter lnpay cannot act on.
enum Invstring {
    Bolt11,
    Offer(Box<bolt12::Offer>),
    Bolt12Invoice(Box<bolt12::Invoice>),
}

fn invstring_kind(name: &str, text: &str) -> Result<Invstring, RpcFailure> {
    let t = text.trim();
    let prefix = t.get(..4).map(str::to_ascii_lowercase);
    match prefix.as_deref() {
        Some("lno1") => t
            .parse()
            .map(|o| Invstring::Offer(Box::new(o)))
            .map_err(|e| RpcFailure::new(INVALID_PARAMS, format!("{name}: unparsable offer: {e}"))),
        Some("lni1") => t.parse().map(|i| Invstring::Bolt12Invoice(Box::new(i))).map_err(|e| {
            RpcFailure::new(INVALID_PARAMS, format!("{name}: unparsable bolt12 invoice: {e}"))
        }),
        _ if t.contains('@') => Err(RpcFailure::new(
            INVALID_PARAMS,
            format!("{name}: BIP353 names are not supported by lnpay yet"),
        )),
        _ => Ok(Invstring::Bolt11),
    }
}

/// The BOLT 12 pay of `kind` (`None` for a BOLT 11 string): an offer is fetched with
/// `amount_msat` and `payer_note` (and `payer_metadata`, the caller's randomness), an
/// invoice takes neither a note nor metadata.
fn bolt12_pay(
    kind: Invstring,
    text: String,
    mut options: PayOptions,
    payer_note: Option<String>,
    payer_metadata: Vec<u8>,
    xpay: bool,
) -> Result<Option<Command>, RpcFailure> {
    let target = match kind {
        Invstring::Bolt11 => return Ok(None),
        Invstring::Offer(offer) => {
            if payer_metadata.is_empty() {
                return Err(RpcFailure::new(-1, "no randomness for the invoice request"));
            }
            Bolt12Target::Offer(FetchinvoiceRequest {
                offer,
                amount_msat: options.amount_msat.take(),
                quantity: None,
                payer_note,
                timeout: None,
                payer_metadata,
            })
        }
        Invstring::Bolt12Invoice(invoice) => {
            if payer_note.is_some() {
                return Err(RpcFailure::new(
                    INVALID_PARAMS,
                    "payer_note: only an offer takes a payer_note, not an invoice",
                ));
            }
            Bolt12Target::Invoice { invoice, text }
        }
    };
    Ok(Some(Command::PayBolt12(Box::new(Bolt12PayRequest { target, options, xpay }))))
}

/// Parameters CLN takes that lnpay does not act on: refused rather than ignored.
pub(crate) fn unsupported(p: &[Option<Value>], which: &[(usize, &str)]) -> Result<(), RpcFailure> {
    for &(i, name) in which {
        if p.get(i).is_some_and(Option::is_some) {
            return Err(RpcFailure::new(INVALID_PARAMS, format!("{name}: not supported by lnpay")));
        }
    }
    Ok(())
}

pub(crate) fn u64_param(slot: &Option<Value>, name: &str) -> Result<Option<u64>, RpcFailure> {
    match slot {
        None => Ok(None),
        Some(v) => {
            v.as_u64().map(Some).ok_or_else(|| bad_param(name, "an unsigned 64 bit integer", v))
        }
    }
}

/// The payment machine command a request makes, or `None` for methods answered here.
/// Invoices are decoded for `currency`. Without randomness for invoice requests: see
/// [`command_with`] for `fetchinvoice` and the pay of an offer.
pub fn command(
    method: &str,
    params: &Value,
    currency: Currency,
) -> Result<Option<Command>, RpcFailure> {
    command_with(method, params, currency, Vec::new())
}

/// [`command`], with `payer_metadata`: fresh random bytes (16 or more) from the caller for
/// the `invreq_metadata` of an invoice request (`fetchinvoice`, or `pay` and `xpay` of an
/// offer; this crate draws no randomness).
pub fn command_with(
    method: &str,
    params: &Value,
    currency: Currency,
    payer_metadata: Vec<u8>,
) -> Result<Option<Command>, RpcFailure> {
    if method == "fetchinvoice" {
        return crate::offers::fetchinvoice_command(params, payer_metadata).map(Some);
    }
    if let Some(c) = crate::askrene::command(method, params)? {
        return Ok(Some(c));
    }
    Ok(Some(match method {
        "pay" => {
            let p = bind(
                params,
                &[
                    "bolt11",
                    "amount_msat",
                    "label",
                    "riskfactor",
                    "maxfeepercent",
                    "retry_for",
                    "maxdelay",
                    "exemptfee",
                    "localinvreqid",
                    "exclude",
                    "maxfee",
                    "description",
                    "partial_msat",
                    "layers",
                ],
            )?;
            unsupported(&p, &[(8, "localinvreqid")])?;
            let bolt11 = string(&Some(required(&p[0], "bolt11")?), "bolt11")?.unwrap_or_default();
            let options = PayOptions {
                amount_msat: msat(&p[1], "amount_msat")?,
                label: string(&p[2], "label")?,
                maxfeepercent: f64_param(&p[4], "maxfeepercent")?,
                retry_for: u64_param(&p[5], "retry_for")?,
                maxdelay: u32_param(&p[6], "maxdelay")?,
                exemptfee: msat(&p[7], "exemptfee")?,
                exclude: exclusions(&p[9])?,
                maxfee: msat(&p[10], "maxfee")?,
                description: string(&p[11], "description")?,
                riskfactor_millionths: riskfactor(&p[3])?,
                partial_msat: msat(&p[12], "partial_msat")?,
                layers: layers(&p[13])?,
                ..PayOptions::default()
            };
            let kind = invstring_kind("bolt11", &bolt11)?;
            let text = bolt11.trim().to_string();
            if let Some(c) = bolt12_pay(kind, text, options.clone(), None, payer_metadata, false)? {
                return Ok(Some(c));
            }
            let inv = invoice(&bolt11, currency)?;
            Command::Pay(PayRequest { options, ..PayRequest::new(inv, bolt11) })
        }
        "keysend" => {
            let p = bind(
                params,
                &[
                    "destination",
                    "amount_msat",
                    "label",
                    "maxfeepercent",
                    "retry_for",
                    "maxdelay",
                    "exemptfee",
                    "routehints",
                    "extratlvs",
                    "maxfee",
                ],
            )?;
            unsupported(&p, &[(7, "routehints"), (8, "extratlvs")])?;
            let dest = required(&p[0], "destination")?;
            let destination: NodeId = params::node_id("destination", &dest)?;
            let amount = msat(&Some(required(&p[1], "amount_msat")?), "amount_msat")?;
            Command::Keysend(KeysendRequest {
                destination,
                amount_msat: amount.unwrap_or_default(),
                label: string(&p[2], "label")?,
                maxfeepercent: f64_param(&p[3], "maxfeepercent")?,
                retry_for: u64_param(&p[4], "retry_for")?,
                maxdelay: u32_param(&p[5], "maxdelay")?,
                exemptfee: msat(&p[6], "exemptfee")?,
                maxfee: msat(&p[9], "maxfee")?,
            })
        }
        "xpay" => {
            let p = bind(
                params,
                &[
                    "invstring",
                    "amount_msat",
                    "maxfee",
                    "layers",
                    "retry_for",
                    "partial_msat",
                    "maxdelay",
                    "payer_note",
                    "label",
                    "localinvreqid",
                    "dev_use_shadow",
                ],
            )?;
            unsupported(&p, &[(9, "localinvreqid"), (10, "dev_use_shadow")])?;
            let v = required(&p[0], "invstring")?;
            let invstring = string(&Some(v), "invstring")?.unwrap_or_default();
            let kind = invstring_kind("invstring", &invstring)?;
            if !matches!(kind, Invstring::Bolt11) {
                let options = PayOptions {
                    amount_msat: msat(&p[1], "amount_msat")?,
                    maxfee: msat(&p[2], "maxfee")?,
                    layers: layers(&p[3])?,
                    retry_for: u32_param(&p[4], "retry_for")?.map(u64::from),
                    partial_msat: msat(&p[5], "partial_msat")?,
                    maxdelay: u32_param(&p[6], "maxdelay")?,
                    label: string(&p[8], "label")?,
                    ..PayOptions::default()
                };
                let note = string(&p[7], "payer_note")?;
                let text = invstring.trim().to_string();
                return bolt12_pay(kind, text, options, note, payer_metadata, true);
            }
            let inv = invoice(&invstring, currency)?;
            Command::Xpay(XpayRequest {
                amount_msat: msat(&p[1], "amount_msat")?,
                maxfee: msat(&p[2], "maxfee")?,
                layers: layers(&p[3])?,
                retry_for: u32_param(&p[4], "retry_for")?.map(u64::from),
                partial_msat: msat(&p[5], "partial_msat")?,
                maxdelay: u32_param(&p[6], "maxdelay")?,
                payer_note: string(&p[7], "payer_note")?,
                label: string(&p[8], "label")?,
                ..XpayRequest::new(inv, invstring)
            })
        }
        "xkeysend" => {
            let p = bind(
                params,
                &[
                    "destination",
                    "amount_msat",
                    "label",
                    "maxfee",
                    "layers",
                    "retry_for",
                    "maxdelay",
                    "extratlvs",
                ],
            )?;
            unsupported(&p, &[(7, "extratlvs")])?;
            let dest = required(&p[0], "destination")?;
            let amount = required(&p[1], "amount_msat")?;
            Command::Xkeysend(XkeysendRequest {
                destination: params::node_id("destination", &dest)?,
                amount_msat: params::amount("amount_msat", &amount)?,
                label: string(&p[2], "label")?,
                maxfee: msat(&p[3], "maxfee")?,
                layers: layers(&p[4])?,
                retry_for: u32_param(&p[5], "retry_for")?.map(u64::from),
                maxdelay: u32_param(&p[6], "maxdelay")?,
                max_parts: None,
            })
        }
        "sendpay" => {
            let p = bind(
                params,
                &[
                    "route",
                    "payment_hash",
                    "label",
                    "amount_msat",
                    "bolt11",
                    "payment_secret",
                    "partid",
                    "localinvreqid",
                    "groupid",
                    "payment_metadata",
                    "description",
                ],
            )?;
            unsupported(&p, &[(7, "localinvreqid")])?;
            let route_v = required(&p[0], "route")?;
            let route = params::route(&route_v)?;
            let payment_metadata = match string(&p[9], "payment_metadata")? {
                None => None,
                Some(h) => Some(
                    types::hex::decode(&h)
                        .map_err(|_| bad_param("payment_metadata", "hex", &Value::String(h)))?,
                ),
            };
            Command::Sendpay(SendpayRequest {
                route,
                payment_hash: hash(&Some(required(&p[1], "payment_hash")?), "payment_hash")?
                    .unwrap_or(PaymentHash([0; 32])),
                label: string(&p[2], "label")?,
                amount_msat: msat(&p[3], "amount_msat")?,
                bolt11: string(&p[4], "bolt11")?,
                payment_secret: secret(&p[5], "payment_secret")?,
                partid: u64_param(&p[6], "partid")?,
                groupid: u64_param(&p[8], "groupid")?,
                payment_metadata,
                description: string(&p[10], "description")?,
            })
        }
        "waitsendpay" => {
            let p = bind(params, &["payment_hash", "timeout", "partid", "groupid"])?;
            Command::Waitsendpay(WaitsendpayRequest {
                payment_hash: hash(&Some(required(&p[0], "payment_hash")?), "payment_hash")?
                    .unwrap_or(PaymentHash([0; 32])),
                timeout: u32_param(&p[1], "timeout")?,
                partid: u64_param(&p[2], "partid")?,
                groupid: u64_param(&p[3], "groupid")?,
            })
        }
        "delpay" => {
            let p = bind(params, &["payment_hash", "status", "partid", "groupid"])?;
            let payment_hash = hash(&Some(required(&p[0], "payment_hash")?), "payment_hash")?
                .unwrap_or(PaymentHash([0; 32]));
            let st = required(&p[1], "status")?;
            let status = match st.as_str() {
                Some("complete") => PartStatus::Complete,
                Some("failed") => PartStatus::Failed,
                Some("pending") => PartStatus::Pending,
                _ => return Err(bad_param("status", "a payment status", &st)),
            };
            Command::Delpay(DelpayRequest {
                payment_hash,
                status,
                partid: u64_param(&p[2], "partid")?,
                groupid: u64_param(&p[3], "groupid")?,
            })
        }
        "paystatus" => {
            let p = bind(params, &["bolt11"])?;
            Command::Paystatus(string(&p[0], "bolt11")?)
        }
        "listpays" | "listsendpays" => {
            let p = bind(params, &["bolt11", "payment_hash"])?;
            let bolt11 = string(&p[0], "bolt11")?;
            let payment_hash = match (bolt11, hash(&p[1], "payment_hash")?) {
                (Some(_), Some(_)) => {
                    return Err(RpcFailure::new(
                        INVALID_PARAMS,
                        "Can only specify one of {bolt11} or {payment_hash}",
                    ))
                }
                (Some(b), None) => Some(*invoice(&b, currency)?.payment_hash()),
                (None, h) => h,
            };
            let req = ListRequest { payment_hash, ..Default::default() };
            if method == "listpays" {
                Command::Listpays(req)
            } else {
                Command::Listsendpays(req)
            }
        }
        _ => return Ok(None),
    }))
}

/// The methods answered without any state (`help`, `decode`, `decodepay`); `None` for others.
pub fn stateless(method: &str, params: &Value) -> Option<Result<Value, RpcFailure>> {
    match method {
        "help" | "decode" | "decodepay" => Some(answer(method, params)),
        _ => None,
    }
}

fn answer(method: &str, params: &Value) -> Result<Value, RpcFailure> {
    match method {
        "help" => {
            bind(params, &["command"])?;
            let help: Vec<Value> = METHODS
                .iter()
                .chain(crate::askrene::METHODS)
                .map(|m| json!({"command": m}))
                .collect();
            Ok(json!({"help": help}))
        }
        "decode" => {
            let p = bind(params, &["string"])?;
            let v = required(&p[0], "string")?;
            let text = string(&Some(v.clone()), "string")?.unwrap_or_default();
            let mut t = text.trim();
            if t.get(..10).is_some_and(|x| x.eq_ignore_ascii_case("lightning:")) {
                t = t.get(10..).unwrap_or_default();
            }
            if crate::decode::is_bolt12(t) {
                let msg = crate::decode::decode_bolt12(t).map_err(|_| {
                    bad_param("string", "a bolt12 offer, invoice_request or invoice", &v)
                })?;
                return Ok(crate::decode::decode_bolt12_json(&msg));
            }
            let inv = bolt11::Invoice::decode(t, bolt11::Currency::Bitcoin)
                .map_err(|_| bad_param("string", "a bolt11 invoice", &v))?;
            Ok(crate::decode::decode_json(&inv))
        }
        _ => {
            let p = bind(params, &["bolt11", "description"])?;
            let b = string(&Some(required(&p[0], "bolt11")?), "bolt11")?.unwrap_or_default();
            let d = string(&p[1], "description")?;
            crate::decode::decodepay(&b, Currency::Bitcoin, d.as_deref())
        }
    }
}
