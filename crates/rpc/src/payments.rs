//! The payment machine's typed replies and errors in Core Lightning's JSON shapes, codes and
//! messages (`lightningd/pay.c` `json_add_payment_fields`, `json_add_routefail_info`,
//! `sendpay_fail`; the pay plugin's results): written once, here, for every caller.

use crate::jsonrpc::{RpcFailure, INVALID_PARAMS};
use onion::failure::{self, code as fc};
use payment::{
    DelpayError, FailureRecord, ListError, PartRecord, PartStatus, PayAttempt, PayError,
    PayListing, PayResult, PayStatus, Reply, SendpayError, WaitsendpayError, WaitsendpayReply,
    XpayError, XpayResult,
};
use serde_json::{json, Map, Value};

/// What `sendpay` says of a part in flight.
const MONITOR: &str = "Monitor status with listpays or waitsendpay";

/// A machine reply as an RPC result.
pub fn reply_json(r: Reply) -> Result<Value, RpcFailure> {
    match r {
        Reply::Sendpay(r) => r.map(|p| sendpay_json(&p)).map_err(|e| sendpay_failure(&e)),
        Reply::Waitsendpay(r) => {
            r.map(|w| waitsendpay_json(&w)).map_err(|e| waitsendpay_failure(&e))
        }
        Reply::Listsendpays(r) => r
            .map(|ps| json!({ "payments": ps.iter().map(part_json).collect::<Vec<_>>() }))
            .map_err(|e| list_failure(&e)),
        Reply::Listpays(r) => r
            .map(|ps| json!({ "pays": ps.iter().map(listpays_entry).collect::<Vec<_>>() }))
            .map_err(|e| list_failure(&e)),
        Reply::Pay(r) => r.map(|p| pay_json(&p)).map_err(|e| pay_failure(&e)),
        Reply::Xpay(r) => r.map(|p| xpay_json(&p)).map_err(|e| xpay_failure(&e)),
        Reply::Paystatus(ps) => {
            Ok(json!({ "pay": ps.iter().map(paystatus_entry).collect::<Vec<_>>() }))
        }
        Reply::Delpay(r) => r
            .map(|ps| json!({ "payments": ps.iter().map(part_json).collect::<Vec<_>>() }))
            .map_err(|e| delpay_failure(&e)),
        Reply::Getroutes(r) => r
            .map(|x| crate::askrene::routes_json(&x))
            .map_err(|e| crate::askrene::getroutes_failure(&e)),
        Reply::Askrene(r) => r
            .map(|x| crate::askrene::askrene_json(&x))
            .map_err(|e| crate::askrene::askrene_failure(&e)),
        Reply::Fetchinvoice(r) => r
            .map(|x| crate::offers::fetchinvoice_json(&x))
            .map_err(|e| crate::offers::fetchinvoice_failure(&e)),
        _ => Err(RpcFailure::new(-1, "unknown reply")),
    }
}

fn insert(v: &mut Value, k: &str, x: Value) {
    if let Some(m) = v.as_object_mut() {
        m.insert(k.into(), x);
    }
}

/// The payment fields of a part (`json_add_payment_fields`).
pub fn part_json(p: &PartRecord) -> Value {
    let mut m = Map::new();
    m.insert("created_index".into(), json!(p.created_index));
    m.insert("id".into(), json!(p.created_index));
    m.insert("payment_hash".into(), json!(p.key.payment_hash.to_string()));
    m.insert("groupid".into(), json!(p.key.groupid));
    m.insert("updated_index".into(), json!(p.updated_index));
    if p.key.partid != 0 {
        m.insert("partid".into(), json!(p.key.partid));
    }
    if let Some(d) = &p.destination {
        m.insert("destination".into(), json!(d.to_string()));
    }
    if p.amount_msat.0 != 0 {
        m.insert("amount_msat".into(), json!(p.amount_msat.0));
    }
    m.insert("amount_sent_msat".into(), json!(p.amount_sent_msat.0));
    m.insert("created_at".into(), json!(p.created_at));
    if let Some(c) = p.completed_at {
        m.insert("completed_at".into(), json!(c));
    }
    m.insert("status".into(), json!(p.status.as_str()));
    if let Some(pre) = &p.payment_preimage {
        m.insert("payment_preimage".into(), json!(pre.to_string()));
    }
    if let Some(l) = &p.label {
        m.insert("label".into(), json!(l));
    }
    if let Some(b) = &p.bolt11 {
        m.insert("bolt11".into(), json!(b));
    }
    if let Some(d) = &p.description {
        m.insert("description".into(), json!(d));
    }
    if let Some(o) = p.failure.as_ref().and_then(|f| f.onionreply.as_ref()) {
        m.insert("erroronion".into(), json!(types::hex::encode(o)));
    }
    Value::Object(m)
}

/// `sendpay`'s result: the part, with a word on how to follow it while it is in flight.
fn sendpay_json(p: &PartRecord) -> Value {
    let mut v = part_json(p);
    if p.status == PartStatus::Pending {
        insert(&mut v, "message", json!(MONITOR));
    }
    v
}

fn waitsendpay_json(w: &WaitsendpayReply) -> Value {
    match w {
        WaitsendpayReply::Part(p) => part_json(p),
        WaitsendpayReply::Group { first, amount_msat, amount_sent_msat } => {
            let mut v = part_json(first);
            if let Some(m) = v.as_object_mut() {
                m.remove("partid");
                m.insert("amount_msat".into(), json!(amount_msat.0));
                m.insert("amount_sent_msat".into(), json!(amount_sent_msat.0));
            }
            v
        }
    }
}

/// The routing failure object plus the part's fields, as `waitsendpay`'s error data.
pub fn routing_failure(p: &PartRecord, f: &FailureRecord) -> RpcFailure {
    let mut data = part_json(p);
    if let Some(i) = f.erring_index {
        insert(&mut data, "erring_index", json!(i));
    }
    if let Some(c) = f.failcode {
        insert(&mut data, "failcode", json!(c));
        if let Some(n) = failure::code_name(c) {
            insert(&mut data, "failcodename", json!(n));
        }
    }
    if let Some(n) = &f.erring_node {
        insert(&mut data, "erring_node", json!(n.to_string()));
    }
    if let Some(c) = &f.erring_channel {
        insert(&mut data, "erring_channel", json!(c.to_string()));
    }
    if let Some(d) = f.erring_direction {
        insert(&mut data, "erring_direction", json!(d));
    }
    if let Some(r) = &f.raw_message {
        insert(&mut data, "raw_message", json!(types::hex::encode(r)));
    }
    if let Some(o) = &f.onionreply {
        insert(&mut data, "onionreply", json!(types::hex::encode(o)));
    }
    RpcFailure { code: f.code, message: f.message.clone(), data: Some(data) }
}

fn invalid(message: impl Into<String>) -> RpcFailure {
    RpcFailure::new(INVALID_PARAMS, message)
}

fn already(state: PartStatus) -> &'static str {
    if state == PartStatus::Complete {
        "succeeded"
    } else {
        state.as_str()
    }
}

/// `sendpay`'s error.
pub fn sendpay_failure(e: &SendpayError) -> RpcFailure {
    use SendpayError as E;
    match e {
        E::SelfPaymentWithoutAmount => RpcFailure::new(-1, "Self-payment requires amount_msat"),
        E::SelfPaymentWithPartid { .. } => {
            RpcFailure::new(-1, "Self-payment does not allow (non-zero) partid")
        }
        E::UnknownInvoice => RpcFailure::new(203, "Unknown invoice"),
        E::PartidWithoutSecret { .. } => invalid("partid requires payment_secret"),
        E::MissingAmount { .. } => invalid("missing required parameter: amount_msat"),
        E::Overpayment { final_amount, amount } => invalid(format!(
            "final amount {}msat is more than twice amount_msat {}msat",
            final_amount.0, amount.0
        )),
        E::AmountNotFinal { amount, final_amount } => invalid(format!(
            "Do not specify msatoshi ({}msat) without partid: if you do, it must be exactly the final amount ({}msat)",
            amount.0, final_amount.0
        )),
        E::FinalAboveAmount { final_amount, amount } => invalid(format!(
            "Final amount {}msat is greater than {}msat, despite MPP",
            final_amount.0, amount.0
        )),
        E::AlreadyWithAmount { state, existing, requested } => RpcFailure::new(
            201,
            format!(
                "Already {} with amount {}msat (not {}msat)",
                already(*state),
                existing.0,
                requested.0
            ),
        ),
        E::AlreadyToDestination { state, destination } => {
            let to = destination.map(|d| d.to_string()).unwrap_or_default();
            RpcFailure::new(201, format!("Already {} to {to}", already(*state)))
        }
        E::GroupInProgress { groupid } => in_progress(*groupid),
        E::KindInProgress { parallel } => {
            let kind = if *parallel { "parallel" } else { "non-parallel" };
            RpcFailure::new(200, format!("Already have {kind} payment in progress"))
        }
        E::TotalChanged { previous, now } => {
            invalid(format!("msatoshi was previously {}msat, now {}msat", previous.0, now.0))
        }
        E::PartFailed { key } => RpcFailure::new(
            201,
            format!(
                "There already is a payment with payment_hash={}, groupid={}, partid={}. Either change the partid, or wait for the payment to complete and start a new group.",
                key.payment_hash, key.groupid, key.partid
            ),
        ),
        E::OtherPartsSucceeded => RpcFailure::new(201, "Already succeeded other parts"),
        E::InFlightCoversTotal { in_flight, total } => RpcFailure::new(
            200,
            format!("Already have {}msat of {}msat payments in progress", in_flight.0, total.0),
        ),
        E::NoFirstPeer { node, channel, direction, payment_hash } => {
            let mut data = json!({
                "erring_index": 0,
                "failcode": fc::UNKNOWN_NEXT_PEER,
                "failcodename": "WIRE_UNKNOWN_NEXT_PEER",
                "erring_node": node.to_string(),
                "erring_channel": channel.to_string(),
                "erring_direction": direction,
            });
            insert(&mut data, "payment_hash", json!(payment_hash.to_string()));
            RpcFailure {
                code: 204,
                message: "No connection to first peer found".into(),
                data: Some(data),
            }
        }
        E::EmptyRoute => RpcFailure::new(-1, "empty route"),
        E::BadNodeId(n) => invalid(format!("route: bad node id {n}")),
        E::Onion => RpcFailure::new(-1, "Could not create onion packet"),
        other => RpcFailure::new(-1, other.to_string()),
    }
}

fn in_progress(groupid: u64) -> RpcFailure {
    RpcFailure::new(
        200,
        format!(
            "Payment with groupid={groupid} still in progress, cannot retry before that completes."
        ),
    )
}

const TIMED_OUT: &str = "Timed out while waiting";
const UNKNOWN_REASON: &str = "Payment failure reason unknown";

/// `waitsendpay`'s error.
pub fn waitsendpay_failure(e: &WaitsendpayError) -> RpcFailure {
    match e {
        WaitsendpayError::TimedOut => RpcFailure::new(200, TIMED_OUT),
        WaitsendpayError::NeverAttempted { payment_hash, partid } => RpcFailure::new(
            208,
            format!("Never attempted payment part {partid} for '{payment_hash}'"),
        ),
        WaitsendpayError::Failed { part, failure } => routing_failure(part, failure),
        WaitsendpayError::Unknown => RpcFailure::new(209, UNKNOWN_REASON),
        other => RpcFailure::new(-1, other.to_string()),
    }
}

/// `pay`'s (and `keysend`'s) result.
pub fn pay_json(p: &PayResult) -> Value {
    let mut v = json!({
        "payment_preimage": p.payment_preimage.map(|p| p.to_string()),
        "payment_hash": p.payment_hash.to_string(),
        "created_at": p.created_at_ms as f64 / 1000.0,
        "parts": p.parts,
        "amount_msat": p.amount_msat.0,
        "amount_sent_msat": p.amount_sent_msat.0,
        "status": "complete",
    });
    if let Some(d) = p.destination {
        insert(&mut v, "destination", json!(d.to_string()));
    }
    v
}

/// `pay`'s (and `keysend`'s) error.
pub fn pay_failure(e: &PayError) -> RpcFailure {
    use PayError as E;
    match e {
        E::MaxfeeConflict => {
            invalid("If you specify maxfee, cannot specify maxfeepercent or exemptfee.")
        }
        E::UnknownLayer { layer } => invalid(format!("Unknown layer {layer}")),
        E::AmountUnnecessary { .. } => invalid("amount_msat parameter unnecessary"),
        E::AmountRequired => invalid("amount_msat parameter required"),
        E::PartialAboveAmount { partial, amount } => invalid(format!(
            "partial_msat {}msat must be less or equal to total amount {}msat",
            partial.0, amount.0
        )),
        E::PartialZero => invalid("partial_msat must be greater than zero"),
        E::DescriptionRequired => {
            invalid("bolt11 uses description_hash, but you did not provide description parameter")
        }
        E::DescriptionMismatch { .. } => invalid("description does not match description_hash"),
        E::Expired { now, expiry } => RpcFailure {
            code: 207,
            message: "Invoice expired".into(),
            data: Some(json!({"now": now, "expiry": expiry})),
        },
        E::PartialSelfPay => invalid("partial_msat not supported (yet?) for self-pay"),
        E::UnknownInvoice => RpcFailure::new(203, "Unknown invoice"),
        E::PayeeExcluded(_) => RpcFailure::new(217, "Payee is manually excluded"),
        E::PayerExcluded(_) => RpcFailure::new(217, "Payer is manually excluded"),
        E::InProgress { groupid } => in_progress(*groupid),
        E::KeysendToSelf => RpcFailure::new(-1, "Cannot keysend to ourselves"),
        E::NoRoute => RpcFailure::new(205, "Could not find a route"),
        E::TooExpensive { fee, max_fee, amount, delay } => RpcFailure {
            code: 206,
            message: format!(
                "Fee exceeds our fee budget: {}msat > {}msat, discarding route",
                fee.0, max_fee.0
            ),
            data: Some(json!({
                "fee": fee.0,
                "feepercent": PayError::feepercent(*fee, *amount),
                "delay": delay,
            })),
        },
        E::GaveUp { attempts, parts } => {
            let list = attempts_json(parts);
            RpcFailure {
                code: 210,
                message: format!(
                    "Ran out of routes to try after {attempts} attempt{}: see `paystatus`",
                    if *attempts == 1 { "" } else { "s" }
                ),
                data: Some(json!({ "attempts": list })),
            }
        }
        E::OutOfRoutes => RpcFailure::new(210, "Ran out of routes to try"),
        E::Failed { part, failure } => routing_failure(part, failure),
        E::Unknown => RpcFailure::new(209, UNKNOWN_REASON),
        E::Fetch(f) => crate::offers::fetchinvoice_failure(f),
        E::Invoice(i) => invalid(format!("Invalid bolt12 invoice: {i}")),
        E::OwnPathsOnly => RpcFailure::new(205, "Could not find a route"),
        other => RpcFailure::new(-1, other.to_string()),
    }
}

/// `xpay`'s (and `xkeysend`'s) result.
pub fn xpay_json(p: &XpayResult) -> Value {
    json!({
        "payment_preimage": p.payment_preimage.to_string(),
        "failed_parts": p.failed_parts,
        "successful_parts": p.successful_parts,
        "amount_msat": p.amount_msat.0,
        "amount_sent_msat": p.amount_sent_msat.0,
    })
}

/// The attempts of a pay that gave up, as `pay`'s 210 and `xpay`'s 209 list them.
fn attempts_json(parts: &[payment::AttemptSummary]) -> Vec<Value> {
    parts
        .iter()
        .map(|p| {
            let mut a = json!({
                "status": match p.status {
                    PartStatus::Pending => "pending",
                    PartStatus::Complete => "success",
                    PartStatus::Failed => "failed",
                },
                "partid": p.partid,
                "amount_msat": p.amount_msat.0,
            });
            if let Some(r) = &p.failreason {
                insert(&mut a, "failreason", json!(r));
            }
            a
        })
        .collect()
}

/// `xpay`'s (and `xkeysend`'s) error: Core Lightning's 203 (the payee failed it), 205 (no
/// route), 207 (expired), 219 (already paid), 209 (anything else, fees included), `-32602`
/// for parameters and `-1` for keysend to ourselves.
pub fn xpay_failure(e: &XpayError) -> RpcFailure {
    use XpayError as E;
    match e {
        E::UnknownLayer { layer } => invalid(format!("Unknown layer {layer}")),
        E::AmountUnnecessary { .. } => invalid("amount_msat parameter unnecessary"),
        E::AmountRequired => invalid("amount_msat parameter required"),
        E::PartialAboveAmount { partial, amount } => invalid(format!(
            "partial_msat {}msat must be less or equal to total amount {}msat",
            partial.0, amount.0
        )),
        E::PartialZero => invalid("partial_msat must be greater than zero"),
        E::PartialSelfPay => invalid("partial_msat not supported (yet?) for self-pay"),
        E::PayerNoteWithoutOffer { .. } => {
            invalid("payer_note: only an offer takes a payer_note, not a bolt11 invoice")
        }
        E::Expired { now, expiry } => RpcFailure {
            code: 207,
            message: "Invoice expired".into(),
            data: Some(json!({"now": now, "expiry": expiry})),
        },
        E::AlreadyPaid { .. } => RpcFailure::new(219, "Already paid this invoice successfully"),
        E::UnknownInvoice => RpcFailure::new(203, "Unknown invoice"),
        E::KeysendToSelf => RpcFailure::new(-1, "Cannot keysend to ourselves"),
        E::InProgress { groupid } => RpcFailure::new(
            209,
            format!("Payment group {groupid} already in progress (sent with sendpay)"),
        ),
        E::NoRoute => RpcFailure::new(205, "Failed: could not find a route"),
        E::TooExpensive { fee, max_fee, amount } => RpcFailure {
            code: 209,
            message: format!(
                "Failed: the cheapest route found costs {}msat in fees, more than maxfee {}msat",
                fee.0, max_fee.0
            ),
            data: Some(json!({
                "fee_msat": fee.0,
                "maxfee_msat": max_fee.0,
                "feepercent": PayError::feepercent(*fee, *amount),
            })),
        },
        E::DestinationFailed { part, failure } => {
            let mut f = routing_failure(part, failure);
            f.code = 203;
            f.message = format!("Destination failed the payment: {}", f.message);
            f
        }
        E::Failed { attempts, parts } => {
            let mut reasons: Vec<&str> =
                parts.iter().filter_map(|p| p.failreason.as_deref()).collect();
            reasons.sort_unstable();
            reasons.dedup();
            let mut message = format!(
                "Failed after {attempts} attempt{}.",
                if *attempts == 1 { "" } else { "s" }
            );
            for r in reasons {
                message.push(' ');
                message.push_str(r);
                message.push('.');
            }
            RpcFailure {
                code: 209,
                message,
                data: Some(json!({
                    "failed_parts": e.failed_parts(),
                    "attempts": attempts_json(parts),
                })),
            }
        }
        E::Unknown => RpcFailure::new(209, UNKNOWN_REASON),
        E::Fetch(f) => crate::offers::fetchinvoice_failure(f),
        E::Invoice(i) => invalid(format!("Invalid bolt12 invoice: {i}")),
        E::OwnPathsOnly => RpcFailure::new(205, "Failed: could not find a route"),
        other => RpcFailure::new(-1, other.to_string()),
    }
}

/// `listsendpays`' and `listpays`' error.
pub fn list_failure(e: &ListError) -> RpcFailure {
    match e {
        ListError::StartOrLimitWithoutIndex => {
            invalid("Can only specify {start} or {limit} with {index}")
        }
        other => RpcFailure::new(-1, other.to_string()),
    }
}

/// `delpay`'s error.
pub fn delpay_failure(e: &DelpayError) -> RpcFailure {
    match e {
        DelpayError::PendingStatus => invalid("status: should be 'complete' or 'failed'"),
        DelpayError::UnknownPayment { .. } => {
            RpcFailure::new(208, "Unknown payment with payment_hash")
        }
        DelpayError::StatusMismatch { payment_hash, status, expected } => RpcFailure::new(
            211,
            format!(
                "Payment with hash {payment_hash} has {} status but it should be {}",
                status.as_str(),
                expected.as_str()
            ),
        ),
        other => RpcFailure::new(-1, other.to_string()),
    }
}

/// One `listpays` entry.
fn listpays_entry(p: &PayListing) -> Value {
    let mut m = Map::new();
    m.insert("payment_hash".into(), json!(p.payment_hash.to_string()));
    m.insert("status".into(), json!(p.status.as_str()));
    if let Some(d) = &p.destination {
        m.insert("destination".into(), json!(d.to_string()));
    }
    m.insert("created_at".into(), json!(p.created_at));
    if let Some(c) = p.completed_at {
        m.insert("completed_at".into(), json!(c));
    }
    if let Some(l) = &p.label {
        m.insert("label".into(), json!(l));
    }
    if let Some(b) = &p.bolt11 {
        m.insert("bolt11".into(), json!(b));
    }
    if let Some(d) = &p.description {
        m.insert("description".into(), json!(d));
    }
    if let Some(pre) = &p.preimage {
        m.insert("preimage".into(), json!(pre.to_string()));
    }
    if p.live_parts > 0 {
        m.insert("amount_msat".into(), json!(p.amount_msat.0));
    }
    m.insert("amount_sent_msat".into(), json!(p.amount_sent_msat.0));
    if p.live_parts > 1 {
        m.insert("number_of_parts".into(), json!(p.live_parts));
    }
    m.insert("created_index".into(), json!(p.created_index));
    m.insert("updated_index".into(), json!(p.updated_index));
    Value::Object(m)
}

/// One `paystatus` entry.
fn paystatus_entry(s: &PayStatus) -> Value {
    let attempts: Vec<Value> = s.attempts.iter().map(paystatus_attempt).collect();
    let mut v = json!({
        "bolt11": s.bolt11,
        "amount_msat": s.amount_msat.0,
        "destination": s.destination.to_string(),
        "attempts": attempts,
    });
    if let Some(l) = &s.label {
        insert(&mut v, "label", json!(l));
    }
    v
}

fn paystatus_attempt(a: &PayAttempt) -> Value {
    let p = &a.part;
    let strategy = if a.index == 0 {
        "Initial attempt".to_string()
    } else {
        format!("Attempt {}", a.index + 1)
    };
    let mut v = json!({
        "strategy": strategy,
        "start_time": a.start_ms as f64 / 1000.0,
        "age_in_seconds": a.age_seconds,
        "state": if p.status == PartStatus::Pending { "pending" } else { "completed" },
        "partid": p.key.partid,
        "amount_msat": p.amount_msat.0,
        "route": p.route.iter().map(|h| json!({
            "id": h.id.to_string(), "channel": h.channel.to_string(),
            "direction": h.direction, "amount_msat": h.amount.0, "delay": h.delay,
        })).collect::<Vec<_>>(),
    });
    if let Some(e) = a.end_ms {
        insert(&mut v, "end_time", json!(e as f64 / 1000.0));
    }
    match (p.status, &p.failure) {
        (PartStatus::Complete, _) => insert(
            &mut v,
            "success",
            json!({
                "id": p.created_index,
                "payment_preimage": p.payment_preimage.map(|x| x.to_string()),
            }),
        ),
        (PartStatus::Failed, Some(f)) => {
            insert(&mut v, "failure", routing_failure(p, f).to_json());
        }
        _ => {}
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;
    use payment::{AttemptSummary, PartKey};
    use types::{Msat, NodeId, PaymentHash, ShortChannelId};

    fn check(f: RpcFailure, code: i64, message: &str) {
        assert_eq!((f.code, f.message.as_str()), (code, message));
    }

    fn node() -> NodeId {
        "02aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa".parse().unwrap()
    }

    #[test]
    fn sendpay_errors_keep_core_lightnings_codes_and_messages() {
        let h = PaymentHash([1; 32]);
        let s = |e: SendpayError| sendpay_failure(&e);
        check(s(SendpayError::SelfPaymentWithoutAmount), -1, "Self-payment requires amount_msat");
        check(
            s(SendpayError::SelfPaymentWithPartid { partid: 2 }),
            -1,
            "Self-payment does not allow (non-zero) partid",
        );
        check(s(SendpayError::UnknownInvoice), 203, "Unknown invoice");
        check(
            s(SendpayError::PartidWithoutSecret { partid: 1 }),
            -32602,
            "partid requires payment_secret",
        );
        check(
            s(SendpayError::MissingAmount { partid: 1 }),
            -32602,
            "missing required parameter: amount_msat",
        );
        check(
            s(SendpayError::AmountNotFinal { amount: Msat(5), final_amount: Msat(4) }),
            -32602,
            "Do not specify msatoshi (5msat) without partid: if you do, it must be exactly the final amount (4msat)",
        );
        check(
            s(SendpayError::AlreadyWithAmount {
                state: PartStatus::Complete,
                existing: Msat(1),
                requested: Msat(2),
            }),
            201,
            "Already succeeded with amount 1msat (not 2msat)",
        );
        check(
            s(SendpayError::AlreadyToDestination { state: PartStatus::Pending, destination: None }),
            201,
            "Already pending to ",
        );
        check(
            s(SendpayError::GroupInProgress { groupid: 3 }),
            200,
            "Payment with groupid=3 still in progress, cannot retry before that completes.",
        );
        check(
            s(SendpayError::KindInProgress { parallel: false }),
            200,
            "Already have non-parallel payment in progress",
        );
        check(
            s(SendpayError::PartFailed { key: PartKey { payment_hash: h, partid: 1, groupid: 2 } }),
            201,
            &format!("There already is a payment with payment_hash={h}, groupid=2, partid=1. Either change the partid, or wait for the payment to complete and start a new group."),
        );
        check(
            s(SendpayError::InFlightCoversTotal { in_flight: Msat(7), total: Msat(7) }),
            200,
            "Already have 7msat of 7msat payments in progress",
        );
        let f = s(SendpayError::NoFirstPeer {
            node: node(),
            channel: ShortChannelId::new(1, 2, 3).unwrap(),
            direction: 1,
            payment_hash: h,
        });
        assert_eq!(f.data.as_ref().unwrap()["failcodename"], "WIRE_UNKNOWN_NEXT_PEER");
        assert_eq!(f.data.as_ref().unwrap()["erring_channel"], "1x2x3");
        check(f, 204, "No connection to first peer found");
    }

    #[test]
    fn pay_errors_keep_core_lightnings_codes_messages_and_data() {
        let p = |e: PayError| pay_failure(&e);
        let f = p(PayError::Expired { now: 10, expiry: 5 });
        assert_eq!(f.data, Some(json!({"now": 10, "expiry": 5})));
        check(f, 207, "Invoice expired");
        let f = p(PayError::TooExpensive {
            fee: Msat(2_000),
            max_fee: Msat(1_000),
            amount: Msat(100_000),
            delay: 40,
        });
        assert_eq!(f.data, Some(json!({"fee": 2000, "feepercent": 2.0, "delay": 40})));
        check(f, 206, "Fee exceeds our fee budget: 2000msat > 1000msat, discarding route");
        let f = p(PayError::GaveUp {
            attempts: 1,
            parts: vec![AttemptSummary {
                partid: 1,
                status: PartStatus::Failed,
                amount_msat: Msat(9),
                failreason: Some("r".into()),
            }],
        });
        assert_eq!(
            f.data,
            Some(json!({"attempts": [
                {"status": "failed", "partid": 1, "amount_msat": 9, "failreason": "r"}
            ]}))
        );
        check(f, 210, "Ran out of routes to try after 1 attempt: see `paystatus`");
        check(p(PayError::NoRoute), 205, "Could not find a route");
        check(p(PayError::PayeeExcluded(node())), 217, "Payee is manually excluded");
        check(p(PayError::KeysendToSelf), -1, "Cannot keysend to ourselves");
        check(
            p(PayError::MaxfeeConflict),
            -32602,
            "If you specify maxfee, cannot specify maxfeepercent or exemptfee.",
        );
        check(
            p(PayError::PartialAboveAmount { partial: Msat(2), amount: Msat(1) }),
            -32602,
            "partial_msat 2msat must be less or equal to total amount 1msat",
        );
    }

    #[test]
    fn wait_list_and_delpay_errors_keep_core_lightnings_codes_and_messages() {
        let h = PaymentHash([1; 32]);
        check(waitsendpay_failure(&WaitsendpayError::TimedOut), 200, "Timed out while waiting");
        check(
            waitsendpay_failure(&WaitsendpayError::NeverAttempted { payment_hash: h, partid: 0 }),
            208,
            &format!("Never attempted payment part 0 for '{h}'"),
        );
        check(
            list_failure(&ListError::StartOrLimitWithoutIndex),
            -32602,
            "Can only specify {start} or {limit} with {index}",
        );
        check(
            delpay_failure(&DelpayError::StatusMismatch {
                payment_hash: h,
                status: PartStatus::Failed,
                expected: PartStatus::Complete,
            }),
            211,
            &format!("Payment with hash {h} has failed status but it should be complete"),
        );
    }
}
