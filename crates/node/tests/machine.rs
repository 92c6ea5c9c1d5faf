//! The payment state machine driven directly (its replies read through the node's RPC
//! layer), over a fake three-node network A → B → C built from the
//! onion crate: each hop peels the real onion with its key, and failures are real return
//! packets built with the hop's shared secret and wrapped back towards the payer.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use onion::crypto::SharedSecret;
use onion::failure::{self, FailureMessage, LEGACY_PAYLOAD_LEN};
use onion::packet::{self, OnionPacket};
use onion::payload::HopPayload;
use onion::secp256k1::{PublicKey, Secp256k1, SecretKey};
use payment::{
    Action, Command, Config, Input, Machine, PartKey, PartStatus, PayOptions, PayRequest,
    PaymentEvent, Record, SendpayRequest, WaitsendpayRequest,
};
use route::graph::{EdgePolicy, GraphBuilder};
use rpc::jsonrpc::RpcFailure;
use rpc::payments::{pay_failure, reply_json};
use serde_json::Value;
use std::collections::HashSet;
use std::sync::Arc;
use types::features::Feature;
use types::{Features, Msat, NodeId, PaymentPreimage, PaymentSecret, ShortChannelId};

const NOW_MS: u64 = 1_770_076_800_000;
const HEIGHT: u32 = 900_000;
const AMT: u64 = 50_000_000;

struct Net {
    keys: [SecretKey; 3],
    ids: [NodeId; 3],
    graph: Arc<route::graph::Graph>,
    preimage: PaymentPreimage,
    secret: PaymentSecret,
    bolt11: String,
}

fn scid(i: u64) -> ShortChannelId {
    ShortChannelId::new(800_000, i, 0).unwrap()
}

fn net() -> Net {
    let secp = Secp256k1::new();
    let keys = [1u8, 2, 3].map(|b| SecretKey::from_slice(&[b; 32]).unwrap());
    let ids = keys.map(|k| NodeId::from_pubkey(&PublicKey::from_secret_key(&secp, &k)));
    let mut b = GraphBuilder::new();
    let p = EdgePolicy {
        timestamp: 1,
        enabled: true,
        base_fee_msat: 1000,
        fee_ppm: 100,
        cltv_delta: 40,
        htlc_min: Msat(1),
        htlc_max: Msat(1_000_000_000),
    };
    for (i, (x, y)) in [(0usize, 1usize), (1, 2)].into_iter().enumerate() {
        let (n1, n2) = if ids[x] < ids[y] { (ids[x], ids[y]) } else { (ids[y], ids[x]) };
        b.add_channel(scid(i as u64 + 1), n1, n2, Some(Msat(1_000_000_000)));
        b.update_direction(scid(i as u64 + 1), 0, p).unwrap();
        b.update_direction(scid(i as u64 + 1), 1, p).unwrap();
    }
    let preimage = PaymentPreimage([7; 32]);
    let secret = PaymentSecret([8; 32]);
    let mut f = Features::new();
    f.set_required(Feature::VAR_ONION_OPTIN);
    f.set_required(Feature::PAYMENT_SECRET);
    let bolt11 = bolt11::InvoiceBuilder::new(bolt11::Currency::Bitcoin, NOW_MS / 1000)
        .payment_hash(preimage.hash())
        .payment_secret(secret)
        .description("fake")
        .amount(Msat(AMT))
        .min_final_cltv_expiry_delta(18)
        .features(&f)
        .build_signed(&keys[2])
        .unwrap()
        .to_string();
    Net { keys, ids, graph: b.build(), preimage, secret, bolt11 }
}

fn machine(n: &Net) -> Machine {
    let cfg = Config {
        node_id: n.ids[0],
        seed: [3; 32],
        currency: bolt11::Currency::Bitcoin,
        max_parts: 4,
    };
    Machine::new(cfg, n.graph.clone(), HEIGHT)
}

/// What the fake network saw of one HTLC: each hop's payload and shared secret.
struct Peeled {
    payloads: Vec<HopPayload>,
    secrets: Vec<SharedSecret>,
}

fn peel_all(n: &Net, onion: &OnionPacket, hash: &[u8; 32]) -> Peeled {
    let mut payloads = Vec::new();
    let mut secrets = Vec::new();
    let mut cur = onion.clone();
    for k in &n.keys[1..] {
        let p = packet::peel(k, &cur, hash).unwrap();
        payloads.push(HopPayload::decode(&p.payload, p.next.is_none()).unwrap());
        secrets.push(p.shared_secret);
        match p.next {
            Some(next) => cur = next,
            None => break,
        }
    }
    Peeled { payloads, secrets }
}

/// A failure created at hop `at` (0 = B, 1 = C), wrapped back to the payer.
fn fail_from(p: &Peeled, at: usize, msg: &FailureMessage) -> Vec<u8> {
    let mut pkt =
        failure::build_return_packet(&p.secrets[at], &msg.encode(), LEGACY_PAYLOAD_LEN).unwrap();
    for s in p.secrets[..at].iter().rev() {
        failure::wrap_return_packet(s, &mut pkt);
    }
    pkt
}

fn sends(actions: &[Action]) -> Vec<(PartKey, OnionPacket, Msat, u32)> {
    actions
        .iter()
        .filter_map(|a| match a {
            Action::SendHtlc { part, onion, amount, cltv_expiry, .. } => {
                Some((*part, (**onion).clone(), *amount, *cltv_expiry))
            }
            _ => None,
        })
        .collect()
}

/// A command's reply, in Core Lightning's JSON through the node's RPC layer.
fn reply(actions: &[Action], id: u64) -> Option<Result<Value, RpcFailure>> {
    actions.iter().find_map(|a| match a {
        Action::Reply { command, result } if *command == id => Some(reply_json(result.clone())),
        _ => None,
    })
}

fn records(actions: &[Action]) -> Vec<Record> {
    actions
        .iter()
        .filter_map(|a| match a {
            Action::Persist(r) => Some(r.clone()),
            _ => None,
        })
        .collect()
}

fn pay_req(bolt11: &str) -> PayRequest {
    let inv = bolt11::Invoice::decode(bolt11, bolt11::Currency::Bitcoin).unwrap();
    PayRequest::new(inv, bolt11)
}

fn pay(m: &mut Machine, n: &Net) -> Vec<Action> {
    let req = pay_req(&n.bolt11);
    m.handle(Input::Command { id: 1, command: Command::Pay(req) }, NOW_MS)
}

#[test]
fn the_onion_carries_what_the_route_says() {
    let n = net();
    let mut m = machine(&n);
    let a = pay(&mut m, &n);
    let s = sends(&a);
    assert_eq!(s.len(), 1);
    let (key, onion, amount, cltv) = &s[0];
    // Persisted before sent.
    let persist_at = a
        .iter()
        .position(|x| matches!(x, Action::Persist(Record::Part(p)) if p.key == *key))
        .unwrap();
    let send_at = a.iter().position(|x| matches!(x, Action::SendHtlc { .. })).unwrap();
    assert!(persist_at < send_at);
    let p = peel_all(&n, onion, &n.preimage.hash().0);
    assert_eq!(p.payloads.len(), 2);
    let HopPayload::Forward(f) = &p.payloads[0] else { panic!("{:?}", p.payloads[0]) };
    let HopPayload::Final(last) = &p.payloads[1] else { panic!("{:?}", p.payloads[1]) };
    assert_eq!(f.short_channel_id, scid(2));
    assert_eq!(f.amt_to_forward, Msat(AMT));
    assert_eq!(last.amt_to_forward, Msat(AMT));
    assert_eq!(*amount, Msat(AMT + 1000 + AMT / 10_000));
    assert_eq!(last.payment_data.unwrap().payment_secret, n.secret);
    assert_eq!(last.payment_data.unwrap().total_msat, Msat(AMT));
    // Final CLTV: height + 1 + 18 + any shadow padding; the first hop adds B's 40.
    assert!(last.outgoing_cltv_value >= HEIGHT + 1 + 18);
    assert_eq!(f.outgoing_cltv_value, last.outgoing_cltv_value);
    assert_eq!(*cltv, f.outgoing_cltv_value + 40);
    // Fulfil: success only now.
    assert!(reply(&a, 1).is_none());
    let a = m.handle(Input::Fulfilled { part: *key, preimage: n.preimage }, NOW_MS + 1000);
    let v = reply(&a, 1).unwrap().unwrap();
    assert_eq!(v["status"], "complete");
    assert_eq!(v["amount_sent_msat"], amount.0);
    assert!(a.iter().any(|x| matches!(x, Action::Event(PaymentEvent::PaymentSent { fee_paid_msat, .. }) if fee_paid_msat.0 == amount.0 - AMT)));
}

#[test]
fn destination_failure_is_final_203_without_retry() {
    let n = net();
    let mut m = machine(&n);
    let a = pay(&mut m, &n);
    let (key, onion, _, _) = sends(&a).remove(0);
    let p = peel_all(&n, &onion, &n.preimage.hash().0);
    let msg =
        FailureMessage::IncorrectOrUnknownPaymentDetails { htlc_msat: Msat(AMT), height: HEIGHT };
    let a = m.handle(Input::Failed { part: key, reason: fail_from(&p, 1, &msg) }, NOW_MS + 10);
    assert!(sends(&a).is_empty(), "no retry after a destination failure");
    let e = reply(&a, 1).unwrap().unwrap_err();
    assert_eq!(e.code, 203);
    let data = e.data.unwrap();
    assert_eq!(data["erring_index"], 2);
    assert_eq!(data["erring_node"], n.ids[2].to_string());
    assert_eq!(data["erring_channel"], scid(2).to_string());
    assert_eq!(data["failcodename"], "WIRE_INCORRECT_OR_UNKNOWN_PAYMENT_DETAILS");
    assert!(a
        .iter()
        .any(|x| matches!(x, Action::Event(PaymentEvent::PaymentFailed { reason, .. }) if pay_failure(reason).code == 203)));
}

#[test]
fn intermediate_node_failure_gives_up_when_no_route_is_left() {
    let n = net();
    let mut m = machine(&n);
    let a = pay(&mut m, &n);
    let (key, onion, _, _) = sends(&a).remove(0);
    let p = peel_all(&n, &onion, &n.preimage.hash().0);
    let a = m.handle(
        Input::Failed {
            part: key,
            reason: fail_from(&p, 0, &FailureMessage::TemporaryNodeFailure),
        },
        NOW_MS + 10,
    );
    // B is the only way: nothing left to try.
    assert!(sends(&a).is_empty());
    let e = reply(&a, 1).unwrap().unwrap_err();
    assert_eq!(e.code, 210);
    assert!(m.knowledge().node_failed(&n.ids[1], (NOW_MS + 10) / 1000));
}

#[test]
fn a_failure_after_a_restart_is_decoded_with_the_stored_secrets() {
    let n = net();
    let mut m = machine(&n);
    let route = vec![
        types::Hop {
            id: n.ids[1],
            channel: scid(1),
            direction: u8::from(n.ids[0] > n.ids[1]),
            amount: Msat(AMT + 6000),
            delay: 58,
        },
        types::Hop {
            id: n.ids[2],
            channel: scid(2),
            direction: u8::from(n.ids[1] > n.ids[2]),
            amount: Msat(AMT),
            delay: 18,
        },
    ];
    let req = SendpayRequest {
        route,
        payment_hash: n.preimage.hash(),
        payment_secret: Some(n.secret),
        ..Default::default()
    };
    let a = m.handle(Input::Command { id: 1, command: Command::Sendpay(req) }, NOW_MS);
    assert_eq!(reply(&a, 1).unwrap().unwrap()["status"], "pending");
    let (key, onion, _, _) = sends(&a).remove(0);
    // The records go through JSON (what a store keeps), then the machine restarts.
    let stored: Vec<Record> = records(&a)
        .iter()
        .map(|r| serde_json::from_str(&serde_json::to_string(r).unwrap()).unwrap())
        .collect();
    drop(m);
    let live: HashSet<PartKey> = [key].into_iter().collect();
    let cfg = Config {
        node_id: n.ids[0],
        seed: [3; 32],
        currency: bolt11::Currency::Bitcoin,
        max_parts: 4,
    };
    let (mut m, a) = Machine::restore(cfg, n.graph.clone(), HEIGHT, stored, &live, NOW_MS);
    assert!(sends(&a).is_empty(), "nothing is sent again");
    let p = peel_all(&n, &onion, &n.preimage.hash().0);
    let msg = FailureMessage::TemporaryNodeFailure;
    m.handle(Input::Failed { part: key, reason: fail_from(&p, 0, &msg) }, NOW_MS + 5);
    let wait = WaitsendpayRequest { payment_hash: n.preimage.hash(), ..Default::default() };
    let a = m.handle(Input::Command { id: 2, command: Command::Waitsendpay(wait) }, NOW_MS + 6);
    let e = reply(&a, 2).unwrap().unwrap_err();
    assert_eq!(e.code, 204);
    let data = e.data.unwrap();
    assert_eq!(data["erring_index"], 1);
    assert_eq!(data["failcodename"], "WIRE_TEMPORARY_NODE_FAILURE");
    assert_eq!(data["erring_channel"], scid(2).to_string());
}

#[test]
fn a_part_that_never_left_is_failed_on_restart_and_the_pay_goes_on() {
    let n = net();
    let mut m = machine(&n);
    let a = pay(&mut m, &n);
    let (key, _, _, _) = sends(&a).remove(0);
    let cfg = Config {
        node_id: n.ids[0],
        seed: [3; 32],
        currency: bolt11::Currency::Bitcoin,
        max_parts: 4,
    };
    let (m2, a) =
        Machine::restore(cfg, n.graph.clone(), HEIGHT, records(&a), &HashSet::new(), NOW_MS + 1);
    let failed = m2.parts().iter().find(|p| p.key == key).unwrap();
    assert_eq!(failed.status, PartStatus::Failed);
    // The pay resumes with a new part (new partid, same group).
    let s = sends(&a);
    assert_eq!(s.len(), 1);
    assert_eq!(s[0].0.groupid, key.groupid);
    assert_ne!(s[0].0.partid, key.partid);
}

#[test]
fn waitsendpay_times_out_with_200() {
    let n = net();
    let mut m = machine(&n);
    let a = pay(&mut m, &n);
    let (key, _, _, _) = sends(&a).remove(0);
    let wait = WaitsendpayRequest {
        payment_hash: n.preimage.hash(),
        timeout: Some(5),
        partid: Some(key.partid),
        groupid: Some(key.groupid),
    };
    let a = m.handle(Input::Command { id: 9, command: Command::Waitsendpay(wait) }, NOW_MS);
    let timer = a
        .iter()
        .find_map(|x| match x {
            Action::ArmTimer { timer, at_ms } => Some((*timer, *at_ms)),
            _ => None,
        })
        .unwrap();
    assert_eq!(timer.1, NOW_MS + 5000);
    let a = m.handle(Input::Timer(timer.0), NOW_MS + 5000);
    let e = reply(&a, 9).unwrap().unwrap_err();
    assert_eq!(e.code, 200);
    assert_eq!(e.message, "Timed out while waiting");
}

fn two_hop_route(n: &Net, amount: u64) -> Vec<types::Hop> {
    vec![
        types::Hop {
            id: n.ids[1],
            channel: scid(1),
            direction: u8::from(n.ids[0] > n.ids[1]),
            amount: Msat(amount + 1000 + amount / 10_000),
            delay: 58,
        },
        types::Hop {
            id: n.ids[2],
            channel: scid(2),
            direction: u8::from(n.ids[1] > n.ids[2]),
            amount: Msat(amount),
            delay: 18,
        },
    ]
}

#[test]
fn multi_part_sendpay_rules() {
    let n = net();
    let mut m = machine(&n);
    let part = |partid: u64, amount: u64, total: u64| SendpayRequest {
        route: two_hop_route(&n, amount),
        payment_hash: n.preimage.hash(),
        payment_secret: Some(n.secret),
        partid: Some(partid),
        amount_msat: Some(Msat(total)),
        ..Default::default()
    };
    let mut call = |id: u64, r: SendpayRequest| {
        let a = m.handle(Input::Command { id, command: Command::Sendpay(r) }, NOW_MS);
        (reply(&a, id).unwrap(), sends(&a).len())
    };
    let (r, sent) = call(1, part(1, AMT / 2, AMT));
    assert_eq!(r.unwrap()["partid"], 1);
    assert_eq!(sent, 1);
    // Another total for the same payment.
    let e = call(2, part(2, AMT / 2, AMT + 1)).0.unwrap_err();
    assert_eq!(
        (e.code, e.message.as_str()),
        (-32602, "msatoshi was previously 50000000msat, now 50000001msat")
    );
    // A non-parallel part while parallel ones are pending.
    let mut single = part(0, AMT, AMT);
    single.partid = None;
    let e = call(3, single).0.unwrap_err();
    assert_eq!((e.code, e.message.as_str()), (200, "Already have parallel payment in progress"));
    let (r, sent) = call(4, part(2, AMT / 2, AMT));
    assert_eq!(r.unwrap()["status"], "pending");
    assert_eq!(sent, 1);
    // Everything is in flight already.
    let e = call(5, part(3, AMT / 2, AMT)).0.unwrap_err();
    assert_eq!(e.code, 200);
    assert_eq!(e.message, "Already have 50000000msat of 50000000msat payments in progress");
    // Part 1 again: its pending status, no second HTLC.
    let (r, sent) = call(6, part(1, AMT / 2, AMT));
    assert_eq!(r.unwrap()["status"], "pending");
    assert_eq!(sent, 0);
}

/// Sends one `sendpay` without `partid` over A → B → C delivering `final_amount` for
/// `amount_msat`; returns the reply and what C's final payload says (amount, total).
fn sendpay_single(
    amount_msat: u64,
    final_amount: u64,
) -> (Result<Value, RpcFailure>, Option<(u64, u64)>) {
    let n = net();
    let mut m = machine(&n);
    let r = SendpayRequest {
        route: two_hop_route(&n, final_amount),
        payment_hash: n.preimage.hash(),
        payment_secret: Some(n.secret),
        amount_msat: Some(Msat(amount_msat)),
        ..Default::default()
    };
    let a = m.handle(Input::Command { id: 1, command: Command::Sendpay(r) }, NOW_MS);
    let final_payload = sends(&a).first().map(|(_, onion, _, _)| {
        let p = peel_all(&n, onion, &n.preimage.hash().0);
        let HopPayload::Final(last) = &p.payloads[1] else { panic!("{:?}", p.payloads[1]) };
        (last.amt_to_forward.0, last.payment_data.unwrap().total_msat.0)
    });
    (reply(&a, 1).unwrap(), final_payload)
}

#[test]
fn sendpay_without_partid_accepts_an_overpayment_up_to_twice_amount_msat() {
    // Equal: the plain case.
    let (r, sent) = sendpay_single(AMT, AMT);
    assert_eq!(r.unwrap()["status"], "pending");
    assert_eq!(sent, Some((AMT, AMT)));
    // Between amount_msat and twice it: sent, total_msat is amount_msat (BOLT 4 lets the
    // payee accept up to twice what it expects).
    let (r, sent) = sendpay_single(AMT, AMT * 3 / 2);
    let v = r.unwrap();
    assert_eq!(v["status"], "pending");
    assert_eq!(v["amount_msat"], AMT * 3 / 2);
    assert_eq!(sent, Some((AMT * 3 / 2, AMT)));
    // Exactly twice is still allowed.
    let (r, sent) = sendpay_single(AMT, 2 * AMT);
    assert!(r.is_ok(), "{r:?}");
    assert_eq!(sent, Some((2 * AMT, AMT)));
    // Above twice: refused, naming both amounts, nothing sent.
    let (r, sent) = sendpay_single(AMT, 2 * AMT + 1);
    let e = r.unwrap_err();
    assert_eq!(e.code, -32602);
    assert_eq!(e.message, "final amount 100000001msat is more than twice amount_msat 50000000msat");
    assert_eq!(sent, None);
    // Less than amount_msat without partid: still refused.
    let (r, sent) = sendpay_single(AMT, AMT - 1);
    let e = r.unwrap_err();
    assert_eq!(e.code, -32602);
    assert!(
        e.message.starts_with("Do not specify msatoshi (50000000msat) without partid"),
        "{}",
        e.message
    );
    assert_eq!(sent, None);
}

#[test]
fn partial_pay_sends_partial_msat_with_the_invoice_total() {
    let n = net();
    let mut m = machine(&n);
    let req = PayRequest {
        options: PayOptions { partial_msat: Some(Msat(AMT / 2)), ..Default::default() },
        ..pay_req(&n.bolt11)
    };
    let a = m.handle(Input::Command { id: 1, command: Command::Pay(req) }, NOW_MS);
    let s = sends(&a);
    assert_eq!(s.len(), 1);
    let (key, onion, _, _) = &s[0];
    let p = peel_all(&n, onion, &n.preimage.hash().0);
    let HopPayload::Final(last) = &p.payloads[1] else { panic!("{:?}", p.payloads[1]) };
    assert_eq!(last.amt_to_forward, Msat(AMT / 2));
    assert_eq!(last.payment_data.unwrap().total_msat, Msat(AMT));
    assert_eq!(last.payment_data.unwrap().payment_secret, n.secret);
    // The pay record keeps both, so a restart goes on with the same split.
    let pay = records(&a)
        .into_iter()
        .find_map(|r| match r {
            Record::Pay(p) => Some(p),
            _ => None,
        })
        .unwrap();
    assert_eq!((pay.amount_msat, pay.total_msat), (Msat(AMT / 2), Some(Msat(AMT))));
    // Once the payee has the whole total (the rest from elsewhere), it releases the preimage.
    let a = m.handle(Input::Fulfilled { part: *key, preimage: n.preimage }, NOW_MS + 1000);
    let v = reply(&a, 1).unwrap().unwrap();
    assert_eq!(v["status"], "complete");
    assert_eq!(v["amount_msat"], AMT / 2);
    let list = m.handle(
        Input::Command { id: 2, command: Command::Listsendpays(Default::default()) },
        NOW_MS + 1001,
    );
    let v = reply(&list, 2).unwrap().unwrap();
    assert_eq!(v["payments"].as_array().unwrap().len(), 1);
    assert_eq!(v["payments"][0]["amount_msat"], AMT / 2);
}

#[test]
fn partial_msat_above_the_invoice_amount_is_refused() {
    let n = net();
    let mut m = machine(&n);
    let mut call = |id: u64, partial: u64| {
        let req = PayRequest {
            options: PayOptions { partial_msat: Some(Msat(partial)), ..Default::default() },
            ..pay_req(&n.bolt11)
        };
        let a = m.handle(Input::Command { id, command: Command::Pay(req) }, NOW_MS);
        (reply(&a, id), sends(&a).len())
    };
    let (r, sent) = call(1, AMT + 1);
    let e = r.unwrap().unwrap_err();
    assert_eq!(e.code, -32602);
    assert_eq!(
        e.message,
        "partial_msat 50000001msat must be less or equal to total amount 50000000msat"
    );
    assert_eq!(sent, 0);
    // The whole amount as partial_msat is an ordinary pay.
    let (r, sent) = call(2, AMT);
    assert!(r.is_none(), "pending until resolved");
    assert_eq!(sent, 1);
}

/// A → {B, C} → D: over B the fee is 100 ppm but B's CLTV delta is 500 blocks; over C it is
/// 1000 ppm with a delta of 10. Returns the machine's chosen middle node for `riskfactor`.
fn middle_hop_for(riskfactor: Option<f64>) -> (NodeId, [NodeId; 4]) {
    let secp = Secp256k1::new();
    let keys = [1u8, 2, 3, 4].map(|b| SecretKey::from_slice(&[b; 32]).unwrap());
    let ids = keys.map(|k| NodeId::from_pubkey(&PublicKey::from_secret_key(&secp, &k)));
    let mut b = GraphBuilder::new();
    let chans = [(0usize, 1usize, 0u32, 40u16), (1, 3, 100, 500), (0, 2, 0, 40), (2, 3, 1000, 10)];
    for (i, &(x, y, ppm, cltv)) in chans.iter().enumerate() {
        let p = EdgePolicy {
            timestamp: 1,
            enabled: true,
            base_fee_msat: 0,
            fee_ppm: ppm,
            cltv_delta: cltv,
            htlc_min: Msat(1),
            htlc_max: Msat(1_000_000_000),
        };
        let (n1, n2) = if ids[x] < ids[y] { (ids[x], ids[y]) } else { (ids[y], ids[x]) };
        b.add_channel(scid(i as u64 + 1), n1, n2, Some(Msat(1_000_000_000)));
        b.update_direction(scid(i as u64 + 1), 0, p).unwrap();
        b.update_direction(scid(i as u64 + 1), 1, p).unwrap();
    }
    let preimage = PaymentPreimage([7; 32]);
    let mut f = Features::new();
    f.set_required(Feature::VAR_ONION_OPTIN);
    f.set_required(Feature::PAYMENT_SECRET);
    let bolt11 = bolt11::InvoiceBuilder::new(bolt11::Currency::Bitcoin, NOW_MS / 1000)
        .payment_hash(preimage.hash())
        .payment_secret(PaymentSecret([8; 32]))
        .description("risk")
        .amount(Msat(AMT))
        .min_final_cltv_expiry_delta(18)
        .features(&f)
        .build_signed(&keys[3])
        .unwrap()
        .to_string();
    let cfg = Config {
        node_id: ids[0],
        seed: [3; 32],
        currency: bolt11::Currency::Bitcoin,
        max_parts: 4,
    };
    let mut m = Machine::new(cfg, b.build(), HEIGHT);
    let riskfactor_millionths = riskfactor.map(|r| (r * 1e6).round() as u64);
    let options = PayOptions { riskfactor_millionths, ..Default::default() };
    let req = PayRequest { options, ..pay_req(&bolt11) };
    let a = m.handle(Input::Command { id: 1, command: Command::Pay(req) }, NOW_MS);
    let parts: Vec<_> = records(&a)
        .into_iter()
        .filter_map(|r| match r {
            Record::Part(p) => Some(p),
            _ => None,
        })
        .collect();
    assert_eq!(parts.len(), 1, "{a:?}");
    assert_eq!(parts[0].route.len(), 2);
    (parts[0].route[0].id, ids)
}

#[test]
fn riskfactor_steers_away_from_a_cheap_long_delay_path() {
    // Fees: 5,000 msat over B, 50,000 over C. Risk over B at riskfactor r:
    // 50,000,000 * 500 * r / 5,259,600 = 4,753 * r msat (over C: 95 * r).
    let (mid, ids) = middle_hop_for(Some(0.0));
    assert_eq!(mid, ids[1], "riskfactor 0 takes the cheap path over B");
    let (mid, _) = middle_hop_for(Some(5.0));
    assert_eq!(mid, ids[1], "riskfactor 5: 5,000 + 23,766 < 50,000 + 475");
    let (mid, _) = middle_hop_for(Some(50.0));
    assert_eq!(mid, ids[2], "riskfactor 50 avoids B's 500 blocks");
    // The default is Core Lightning's 10: 5,000 + 47,531 > 50,000 + 951.
    let (mid, _) = middle_hop_for(None);
    assert_eq!(mid, ids[2], "default riskfactor 10");
    // A negative riskfactor is refused (by the RPC layer: the machine's riskfactor is exact
    // non-negative millionths).
    let n = net();
    let params = serde_json::json!({"bolt11": n.bolt11, "riskfactor": -1.0});
    let r = rpc::methods::command("pay", &params, bolt11::Currency::Bitcoin);
    assert_eq!(r.unwrap_err().code, -32602);
}
