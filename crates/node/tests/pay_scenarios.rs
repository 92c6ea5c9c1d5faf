//! Core Lightning's `test_pay.py` scenarios that apply to a payer, rewritten over the
//! simulated network through the driver: the payment state machine sends real onions, the
//! simulator forwards, settles and fails them with real BOLT 4 failures.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use harness::driver::Driver;
use onion::failure::code;
use payment::{
    Command, Exclusion, ListRequest, PartStatus, PayRequest, PaymentEvent, Reply, SendpayRequest,
    WaitsendpayRequest,
};
use route::getroute::{get_route, RouteRequest};
use route::graph::EdgePolicy;
use rpc::jsonrpc::RpcFailure;
use rpc::payments::{pay_failure, reply_json};
use serde_json::Value;
use sim::{NodeFault, SimConfig, Simulator, Topology};
use types::{Hop, Msat, NodeId, PaymentHash, ShortChannelId, ShortChannelIdDir};

const CAP: u64 = 10_000_000_000; // 10M sat
const AMT: u64 = 100_000_000; // 100k sat

fn scid(i: u64) -> ShortChannelId {
    ShortChannelId::new(800_000, i, 0).unwrap()
}

fn policy(base: u32, ppm: u32, cltv: u16, cap: u64) -> EdgePolicy {
    EdgePolicy {
        timestamp: 1_770_000_000,
        enabled: true,
        base_fee_msat: base,
        fee_ppm: ppm,
        cltv_delta: cltv,
        htlc_min: Msat(1000),
        htlc_max: Msat(cap),
    }
}

/// A channel `a`–`b` of capacity `cap`, with `a_share` of it at `a`.
#[allow(clippy::too_many_arguments)]
fn chan(t: &mut Topology, i: u64, a: u32, b: u32, cap: u64, a_share: u64, base: u32, ppm: u32) {
    t.add_channel(scid(i), a, b, Msat(cap), policy(base, ppm, 40, cap)).balance_a =
        Some(Msat(a_share));
}

fn driver(t: &Topology) -> Driver {
    let mut sim = Simulator::new(t, SimConfig { seed: 1, ..Default::default() }).unwrap();
    sim.set_payer(0);
    Driver::new(sim, [42; 32]).unwrap()
}

fn nodes(n: u32) -> Topology {
    let mut t = Topology::new();
    for _ in 0..n {
        t.add_node();
    }
    t
}

/// 0 - 1 - 2 - 3, 60% of each channel at the lower node.
fn line() -> Driver {
    let mut t = nodes(4);
    for i in 0..3u32 {
        chan(&mut t, u64::from(i) + 1, i, i + 1, CAP, CAP / 10 * 6, 1000, 100);
    }
    driver(&t)
}

/// 0-1-3 (cheap, channels 1 and 3) and 0-2-3 (dearer, channels 2 and 4).
fn diamond(bal_13: u64) -> Driver {
    let mut t = nodes(4);
    chan(&mut t, 1, 0, 1, CAP, CAP / 2, 1000, 100);
    chan(&mut t, 2, 0, 2, CAP, CAP / 2, 2000, 500);
    chan(&mut t, 3, 1, 3, CAP, bal_13, 1000, 100);
    chan(&mut t, 4, 2, 3, CAP, CAP / 2, 2000, 500);
    driver(&t)
}

fn node(d: &Driver, i: u32) -> NodeId {
    d.sim.node_id(i).unwrap()
}

fn pay_req(bolt11: &str) -> PayRequest {
    let inv = bolt11::Invoice::decode(bolt11, bolt11::Currency::Bitcoin).expect("a valid invoice");
    PayRequest::new(inv, bolt11)
}

fn pay(d: &mut Driver, r: PayRequest) -> Reply {
    d.call(Command::Pay(r)).expect("pay replies")
}

fn ok(r: Reply) -> Value {
    match reply_json(r) {
        Ok(v) => v,
        Err(e) => panic!("expected success, got {e:?}"),
    }
}

fn err(r: Reply) -> RpcFailure {
    match reply_json(r) {
        Err(e) => e,
        Ok(v) => panic!("expected an error, got {v}"),
    }
}

fn invoice(d: &mut Driver, payee: u32, amount: u64) -> sim::Invoice {
    d.sim.create_invoice(payee, Some(Msat(amount))).unwrap()
}

/// Checks a successful `pay` result against the invoice and the fee budget.
fn check_paid(d: &Driver, v: &Value, inv: &sim::Invoice, max_fee: u64) {
    assert_eq!(v["status"], "complete");
    assert_eq!(v["payment_hash"], inv.payment_hash.to_string());
    let pre: types::PaymentPreimage = v["payment_preimage"].as_str().unwrap().parse().unwrap();
    assert_eq!(pre.hash(), inv.payment_hash);
    let amount = v["amount_msat"].as_u64().unwrap();
    let sent = v["amount_sent_msat"].as_u64().unwrap();
    assert_eq!(amount, inv.amount.unwrap().0);
    assert!(sent >= amount && sent - amount <= max_fee, "fee {} > {max_fee}", sent - amount);
    assert_eq!(v["destination"], inv.payee.to_string());
    assert!(v["created_at"].as_f64().unwrap() > 1.7e9);
    // Nothing is left in flight anywhere and no part of ours is pending.
    assert_eq!(d.sim.htlcs_in_flight(), 0);
    assert_eq!(d.sim.check_conservation(), Ok(()));
    assert!(d.machine.parts().iter().all(|p| p.status != PartStatus::Pending));
    assert!(d.events.iter().any(|e| matches!(e, PaymentEvent::PaymentSent { payment_hash, .. } if *payment_hash == inv.payment_hash)));
}

fn default_budget(amount: u64) -> u64 {
    (amount / 200).max(5000)
}

fn route_to(d: &Driver, dest: u32, amount: u64) -> Vec<Hop> {
    let mut req = RouteRequest::new(node(d, 0), node(d, dest), Msat(amount), 10);
    req.final_cltv = 18;
    req.fuzz_percent = 0.0;
    let r = get_route(d.machine.graph(), &req).unwrap();
    r.hops
        .iter()
        .map(|h| Hop {
            id: h.id,
            channel: h.channel,
            direction: h.direction,
            amount: h.amount,
            delay: h.delay,
        })
        .collect()
}

fn sendpay_req(inv: &sim::Invoice, route: Vec<Hop>) -> SendpayRequest {
    SendpayRequest {
        route,
        payment_hash: inv.payment_hash,
        payment_secret: Some(inv.payment_secret),
        bolt11: Some(inv.bolt11.clone()),
        label: Some("test".into()),
        ..Default::default()
    }
}

fn wait(hash: PaymentHash, timeout: Option<u32>) -> Command {
    Command::Waitsendpay(WaitsendpayRequest { payment_hash: hash, timeout, ..Default::default() })
}

fn listpays(d: &mut Driver, hash: PaymentHash) -> Vec<Value> {
    let v = ok(d
        .call(Command::Listpays(ListRequest { payment_hash: Some(hash), ..Default::default() }))
        .unwrap());
    v["pays"].as_array().unwrap().clone()
}

fn listsendpays(d: &mut Driver, hash: PaymentHash) -> Vec<Value> {
    let v = ok(d
        .call(Command::Listsendpays(ListRequest { payment_hash: Some(hash), ..Default::default() }))
        .unwrap());
    v["payments"].as_array().unwrap().clone()
}

fn path_failures(d: &Driver) -> Vec<u16> {
    d.events
        .iter()
        .filter_map(|e| match e {
            PaymentEvent::PaymentPathFailed { failure, .. } => Some(failure.unwrap_or(0)),
            _ => None,
        })
        .collect()
}

#[test]
fn plain_pay() {
    let mut d = line();
    let inv = invoice(&mut d, 3, AMT);
    let v = ok(pay(&mut d, pay_req(&inv.bolt11)));
    check_paid(&d, &v, &inv, default_budget(AMT));
    // Two forwarding hops at 1000 + 100 ppm each (of what they forward).
    let sent = v["amount_sent_msat"].as_u64().unwrap();
    assert_eq!(sent - AMT, 1000 + AMT / 10_000 + 1000 + (AMT + 1000 + AMT / 10_000) / 10_000);
    let pays = listpays(&mut d, inv.payment_hash);
    assert_eq!(pays.len(), 1);
    assert_eq!(pays[0]["status"], "complete");
    assert_eq!(pays[0]["preimage"], v["payment_preimage"]);
    assert_eq!(pays[0]["amount_msat"], AMT);
    assert_eq!(pays[0]["bolt11"], inv.bolt11);
    let parts = listsendpays(&mut d, inv.payment_hash);
    assert_eq!(parts.len(), 1);
    assert_eq!(parts[0]["status"], "complete");
    assert_eq!(parts[0]["amount_sent_msat"], sent);
}

#[test]
fn pay_again_returns_the_stored_result() {
    let mut d = line();
    let inv = invoice(&mut d, 3, AMT);
    let first = ok(pay(&mut d, pay_req(&inv.bolt11)));
    let sent = d.sent;
    let again = ok(pay(&mut d, pay_req(&inv.bolt11)));
    assert_eq!(d.sent, sent, "no second HTLC");
    assert_eq!(again["payment_preimage"], first["payment_preimage"]);
    assert_eq!(again["amount_sent_msat"], first["amount_sent_msat"]);
    assert_eq!(again["status"], "complete");
}

#[test]
fn sendpay_then_waitsendpay_and_idempotency() {
    let mut d = line();
    let inv = invoice(&mut d, 3, AMT);
    let route = route_to(&d, 3, AMT);
    let id = d.submit(Command::Sendpay(sendpay_req(&inv, route.clone())));
    let v = ok(d.replies[&id].clone());
    assert_eq!(v["status"], "pending");
    assert_eq!(v["message"], "Monitor status with listpays or waitsendpay");
    assert_eq!(v["amount_msat"], AMT);
    assert_eq!(v["groupid"], 0);
    assert!(v.get("partid").is_none());
    // Still in flight: a poll times out with 200.
    let poll = err(d.call(wait(inv.payment_hash, Some(0))).unwrap());
    assert_eq!(poll.code, 200);
    let done = ok(d.call(wait(inv.payment_hash, None)).unwrap());
    assert_eq!(done["status"], "complete");
    assert!(done["payment_preimage"].is_string());
    // The same route again: complete at once, no HTLC.
    let sent = d.sent;
    let again = ok(d.call(Command::Sendpay(sendpay_req(&inv, route.clone()))).unwrap());
    assert_eq!(again["status"], "complete");
    assert_eq!(d.sent, sent);
    // A different amount after success: 201.
    let mut more = route.clone();
    for h in &mut more {
        h.amount = Msat(h.amount.0 + 1000);
    }
    let e = err(d.call(Command::Sendpay(sendpay_req(&inv, more))).unwrap());
    assert_eq!(e.code, 201);
    assert!(e.message.starts_with("Already succeeded with amount"), "{}", e.message);
    // Never attempted part: 208.
    let e = err(d
        .call(Command::Waitsendpay(WaitsendpayRequest {
            payment_hash: inv.payment_hash,
            partid: Some(7),
            ..Default::default()
        }))
        .unwrap());
    assert_eq!(e.code, 208);
}

#[test]
fn sendpay_amount_rules() {
    let mut d = line();
    let inv = invoice(&mut d, 3, AMT);
    let route = route_to(&d, 3, AMT);
    // Without partid: less than amount_msat is refused, more than twice it too.
    let mut r = sendpay_req(&inv, route.clone());
    r.amount_msat = Some(Msat(AMT + 1));
    let e = err(d.call(Command::Sendpay(r)).unwrap());
    assert_eq!(e.code, -32602);
    assert!(e.message.starts_with("Do not specify msatoshi"));
    let mut r = sendpay_req(&inv, route.clone());
    r.amount_msat = Some(Msat(AMT / 2 - 1));
    let e = err(d.call(Command::Sendpay(r)).unwrap());
    assert_eq!(e.code, -32602);
    assert_eq!(
        e.message,
        format!("final amount {AMT}msat is more than twice amount_msat {}msat", AMT / 2 - 1)
    );
    let mut r = sendpay_req(&inv, route.clone());
    r.partid = Some(1);
    r.amount_msat = Some(Msat(AMT - 1));
    let e = err(d.call(Command::Sendpay(r)).unwrap());
    assert!(e.message.contains("despite MPP"), "{}", e.message);
    let mut r = sendpay_req(&inv, route);
    r.partid = Some(1);
    r.payment_secret = None;
    r.amount_msat = Some(Msat(AMT));
    let e = err(d.call(Command::Sendpay(r)).unwrap());
    assert_eq!(e.message, "partid requires payment_secret");
    assert_eq!(d.sent, 0);
}

#[test]
fn sendpay_overpayment_up_to_twice_is_accepted_by_the_payee() {
    // amount_msat is the invoice's amount; the route delivers 1.5 times it. BOLT 4 lets the
    // payee accept up to twice what it expects, and the sim's payee does.
    let mut d = line();
    let inv = invoice(&mut d, 3, AMT);
    let route = route_to(&d, 3, AMT * 3 / 2);
    let mut r = sendpay_req(&inv, route);
    r.amount_msat = Some(Msat(AMT));
    let v = ok(d.call(Command::Sendpay(r)).unwrap());
    assert_eq!(v["status"], "pending");
    assert_eq!(v["amount_msat"], AMT * 3 / 2);
    let done = ok(d.call(wait(inv.payment_hash, None)).unwrap());
    assert_eq!(done["status"], "complete");
    assert_eq!(done["amount_msat"], AMT * 3 / 2);
    assert_eq!(d.sent, 1);
}

#[test]
fn pay_in_progress_200() {
    let mut d = line();
    let inv = invoice(&mut d, 3, AMT);
    let route = route_to(&d, 3, AMT);
    let id = d.submit(Command::Sendpay(sendpay_req(&inv, route.clone())));
    assert_eq!(ok(d.replies[&id].clone())["status"], "pending");
    // Another group while the first is pending.
    let mut r = sendpay_req(&inv, route.clone());
    r.groupid = Some(5);
    let id = d.submit(Command::Sendpay(r));
    let e = err(d.replies[&id].clone());
    assert_eq!(e.code, 200);
    assert!(e.message.contains("still in progress"));
    // The same part again: its pending status (idempotent), no second HTLC.
    let id = d.submit(Command::Sendpay(sendpay_req(&inv, route)));
    assert_eq!(ok(d.replies[&id].clone())["status"], "pending");
    assert_eq!(d.sent, 1);
    // pay refuses while a sendpay is in flight.
    let id = d.submit(Command::Pay(pay_req(&inv.bolt11)));
    assert_eq!(err(d.replies[&id].clone()).code, 200);
    let done = ok(d.call(wait(inv.payment_hash, None)).unwrap());
    assert_eq!(done["status"], "complete");
    assert_eq!(d.sent, 1);
}

#[test]
fn pay_latches_onto_a_pay_in_progress() {
    let mut d = line();
    let inv = invoice(&mut d, 3, AMT);
    let a = d.submit(Command::Pay(pay_req(&inv.bolt11)));
    let b = d.submit(Command::Pay(pay_req(&inv.bolt11)));
    let ra = ok(d.run_until_reply(a).unwrap());
    let rb = ok(d.run_until_reply(b).unwrap());
    assert_eq!(ra["payment_preimage"], rb["payment_preimage"]);
    assert_eq!(d.sent, 1);
}

fn first_hops_used(d: &Driver) -> Vec<ShortChannelId> {
    d.machine.parts().iter().filter_map(|p| p.route.first().map(|h| h.channel)).collect()
}

#[test]
fn exclude_a_node_and_a_channel() {
    let mut d = diamond(CAP / 2);
    let inv = invoice(&mut d, 3, AMT);
    let n1 = node(&d, 1);
    let mut r = pay_req(&inv.bolt11);
    r.options.exclude = vec![Exclusion::Node(n1)];
    ok(pay(&mut d, r));
    assert_eq!(first_hops_used(&d), vec![scid(2)]);

    let mut d = diamond(CAP / 2);
    let inv = invoice(&mut d, 3, AMT);
    let mut r = pay_req(&inv.bolt11);
    r.options.exclude = (0..2)
        .map(|dir| Exclusion::Channel(ShortChannelIdDir::new(scid(3), dir).unwrap()))
        .collect();
    ok(pay(&mut d, r));
    assert_eq!(first_hops_used(&d), vec![scid(2)]);
    // Without exclusions the cheap side is taken.
    let mut d = diamond(CAP / 2);
    let inv = invoice(&mut d, 3, AMT);
    ok(pay(&mut d, pay_req(&inv.bolt11)));
    assert_eq!(first_hops_used(&d), vec![scid(1)]);
    // Excluding the payee is refused.
    let mut d = diamond(CAP / 2);
    let inv = invoice(&mut d, 3, AMT);
    let mut r = pay_req(&inv.bolt11);
    r.options.exclude = vec![Exclusion::Node(node(&d, 3))];
    assert_eq!(err(pay(&mut d, r)).code, 217);
}

#[test]
fn exemptfee_allows_small_payments() {
    // 100 sat: two hops of 1000 msat base cost 2%, far above 0.5%, under the 5000 msat exemption.
    let small = 100_000;
    let mut d = line();
    let inv = invoice(&mut d, 3, small);
    let v = ok(pay(&mut d, pay_req(&inv.bolt11)));
    check_paid(&d, &v, &inv, 5000);
    let mut d = line();
    let inv = invoice(&mut d, 3, small);
    let mut r = pay_req(&inv.bolt11);
    r.options.exemptfee = Some(Msat(0));
    let e = err(pay(&mut d, r));
    assert_eq!(e.code, 206);
    assert_eq!(d.sent, 0);
}

#[test]
fn maxfee_too_low_206() {
    let mut d = line();
    let inv = invoice(&mut d, 3, AMT);
    let mut r = pay_req(&inv.bolt11);
    r.options.maxfee = Some(Msat(1));
    let e = err(pay(&mut d, r));
    assert_eq!(e.code, 206);
    let data = e.data.unwrap();
    assert!(data["fee"].as_u64().unwrap() > 1);
    assert!(data["feepercent"].as_f64().unwrap() > 0.0);
    assert!(data["delay"].as_u64().unwrap() >= 18 + 80);
    assert_eq!(d.sent, 0);
    // maxfee with maxfeepercent is refused.
    let mut r = pay_req(&inv.bolt11);
    r.options.maxfee = Some(Msat(10_000));
    r.options.maxfeepercent = Some(1.0);
    assert_eq!(err(pay(&mut d, r)).code, -32602);
}

#[test]
fn expired_invoice_207() {
    let mut d = line();
    let inv = invoice(&mut d, 3, AMT);
    let t = d.sim.now_ms() + 3_601_000;
    d.sim.advance_to(t);
    let e = err(pay(&mut d, pay_req(&inv.bolt11)));
    assert_eq!(e.code, 207);
    assert_eq!(e.message, "Invoice expired");
    let data = e.data.unwrap();
    assert!(data["now"].as_u64().unwrap() > data["expiry"].as_u64().unwrap());
    assert_eq!(d.sent, 0);
}

#[test]
fn amount_rules_of_pay() {
    let mut d = line();
    let inv = invoice(&mut d, 3, AMT);
    let mut r = pay_req(&inv.bolt11);
    r.options.amount_msat = Some(Msat(AMT));
    assert_eq!(err(pay(&mut d, r)).message, "amount_msat parameter unnecessary");
    let open = d.sim.create_invoice(3, None).unwrap();
    assert_eq!(err(pay(&mut d, pay_req(&open.bolt11))).message, "amount_msat parameter required");
    let mut r = pay_req(&open.bolt11);
    r.options.amount_msat = Some(Msat(AMT));
    let v = ok(pay(&mut d, r));
    assert_eq!(v["amount_msat"], AMT);
}

#[test]
fn description_hash_mismatch() {
    use onion::secp256k1::SecretKey;
    let mut d = line();
    let key = SecretKey::from_slice(&[0x11; 32]).unwrap();
    let right = "a description only the payer holds";
    let b11 = bolt11::InvoiceBuilder::new(bolt11::Currency::Bitcoin, 1_770_076_800)
        .payment_hash(PaymentHash([5; 32]))
        .payment_secret(types::PaymentSecret([6; 32]))
        .description_hash(sha256_impl(right.as_bytes()))
        .amount(Msat(AMT))
        .build_signed(&key)
        .unwrap()
        .to_string();
    let e = err(pay(&mut d, pay_req(&b11)));
    assert_eq!(e.code, -32602);
    assert!(e.message.contains("did not provide description"), "{}", e.message);
    let mut r = pay_req(&b11);
    r.options.description = Some("another description".into());
    let e = err(pay(&mut d, r));
    assert_eq!(e.message, "description does not match description_hash");
    // The right description passes the check (the payee is not in the graph: 205).
    let mut r = pay_req(&b11);
    r.options.description = Some(right.into());
    assert_eq!(err(pay(&mut d, r)).code, 205);
    assert_eq!(d.sent, 0);
}

fn sha256_impl(data: &[u8]) -> [u8; 32] {
    use sha2::Digest;
    sha2::Sha256::digest(data).into()
}

#[test]
fn route_hint_to_a_private_channel() {
    let mut t = nodes(4);
    chan(&mut t, 1, 0, 1, CAP, CAP / 2, 1000, 100);
    chan(&mut t, 2, 1, 2, CAP, CAP / 2, 1000, 100);
    chan(&mut t, 3, 2, 3, CAP, CAP / 2, 1000, 100);
    t.channels[2].public = false;
    let mut d = driver(&t);
    let inv = invoice(&mut d, 3, AMT);
    assert_eq!(inv.route_hints.len(), 1);
    assert!(d.machine.graph().channel(scid(3)).is_none(), "the private channel is not gossiped");
    let v = ok(pay(&mut d, pay_req(&inv.bolt11)));
    check_paid(&d, &v, &inv, default_budget(AMT));
    let last = d.machine.parts()[0].route.last().unwrap().channel;
    assert_eq!(last, scid(3));
}

/// Three two-hop paths 0-k-4 (k = 1, 2, 3) of 5M msat each; 8M msat needs two of them.
fn three_paths(bal_14: u64) -> Driver {
    let cap = 5_000_000u64;
    let mut t = nodes(5);
    for k in 1..=3u32 {
        let (first, second) = (u64::from(k) * 2 - 1, u64::from(k) * 2);
        chan(&mut t, first, 0, k, cap, cap, 1000, 100 * k);
        let bal = if k == 1 { bal_14 } else { cap };
        chan(&mut t, second, k, 4, cap, bal, 1000, 100 * k);
    }
    driver(&t)
}

#[test]
fn multi_part_succeeds() {
    let mut d = three_paths(5_000_000);
    let amount = 8_000_000;
    let inv = invoice(&mut d, 4, amount);
    let v = ok(pay(&mut d, pay_req(&inv.bolt11)));
    check_paid(&d, &v, &inv, default_budget(amount));
    let pays = listpays(&mut d, inv.payment_hash);
    assert_eq!(pays.len(), 1);
    assert!(pays[0]["number_of_parts"].as_u64().unwrap() >= 2);
    let parts = listsendpays(&mut d, inv.payment_hash);
    assert!(parts.iter().all(|p| p["groupid"] == parts[0]["groupid"]));
    assert!(parts.iter().all(|p| p["partid"].as_u64().unwrap() >= 1));
}

#[test]
fn multi_part_with_a_failed_part_rerouted() {
    // Path 1 looks as good as the others but its second channel is empty at node 1.
    let mut d = three_paths(0);
    let amount = 8_000_000;
    let inv = invoice(&mut d, 4, amount);
    let v = ok(pay(&mut d, pay_req(&inv.bolt11)));
    check_paid(&d, &v, &inv, default_budget(amount));
    let parts = listsendpays(&mut d, inv.payment_hash);
    let failed = parts.iter().filter(|p| p["status"] == "failed").count();
    let complete = parts.iter().filter(|p| p["status"] == "complete").count();
    assert!(complete >= 2, "{parts:?}");
    // Whatever went over path 1 failed with temporary_channel_failure and was re-routed.
    let over_1 = d.machine.parts().iter().filter(|p| p.route[0].channel == scid(1)).count();
    assert_eq!(failed, over_1, "{parts:?}");
    assert!(failed >= 1, "a part went over the empty path and was re-routed: {parts:?}");
    assert!(path_failures(&d).iter().all(|&c| c == code::TEMPORARY_CHANNEL_FAILURE));
    let delivered: u64 = parts
        .iter()
        .filter(|p| p["status"] == "complete")
        .map(|p| p["amount_msat"].as_u64().unwrap())
        .sum();
    assert_eq!(delivered, amount);
}

#[test]
fn retry_after_temporary_channel_failure() {
    // The cheap side's second channel is empty at node 1.
    let mut d = diamond(0);
    let inv = invoice(&mut d, 3, AMT);
    let v = ok(pay(&mut d, pay_req(&inv.bolt11)));
    check_paid(&d, &v, &inv, default_budget(AMT));
    assert_eq!(path_failures(&d), vec![code::TEMPORARY_CHANNEL_FAILURE]);
    assert_eq!(first_hops_used(&d), vec![scid(1), scid(2)]);
    let parts = listsendpays(&mut d, inv.payment_hash);
    assert_eq!(parts.len(), 2);
    assert_eq!(parts[0]["status"], "failed");
    assert_eq!(parts[1]["status"], "complete");
    assert_eq!(v["parts"], 2);
}

#[test]
fn stale_fee_recovered_by_the_channel_update_in_the_failure() {
    let mut d = line();
    // Node 1 charges more on 1→2 than it announced, with a newer update to say so.
    assert!(d.sim.set_actual_policy(scid(2), 1, |p| EdgePolicy {
        timestamp: p.timestamp + 10,
        base_fee_msat: 5000,
        fee_ppm: 1000,
        ..p
    }));
    let inv = invoice(&mut d, 3, AMT);
    let v = ok(pay(&mut d, pay_req(&inv.bolt11)));
    check_paid(&d, &v, &inv, default_budget(AMT));
    assert_eq!(path_failures(&d), vec![code::FEE_INSUFFICIENT]);
    let g = d.machine.graph();
    let (n1, n2) = (node(&d, 1), node(&d, 2));
    let dir = u8::from(n1 > n2);
    let e = g.edge_of(scid(2), dir).unwrap();
    assert_eq!(g.edge_policy(e).unwrap().fee_ppm, 1000, "the update was applied");
    assert_eq!(d.machine.parts().len(), 2);
}

#[test]
fn unparseable_failure_202() {
    let mut d = line();
    d.sim.set_fault(2, NodeFault { corrupt_failures: true, ..Default::default() });
    let inv = invoice(&mut d, 3, AMT);
    let mut r = sendpay_req(&inv, route_to(&d, 3, AMT));
    r.payment_hash = PaymentHash([9; 32]); // unknown to the payee: it fails, node 2 garbles
    r.bolt11 = None;
    ok(d.call(Command::Sendpay(r)).unwrap());
    let e = err(d.call(wait(PaymentHash([9; 32]), None)).unwrap());
    assert_eq!(e.code, 202);
    assert_eq!(e.message, "Malformed error reply");
    let data = e.data.unwrap();
    assert!(data["onionreply"].is_string());
    assert_eq!(data["status"], "failed");
    // The stored failure is returned again.
    let e2 = err(d.call(wait(PaymentHash([9; 32]), None)).unwrap());
    assert_eq!(e2.code, 202);
    let parts = listsendpays(&mut d, PaymentHash([9; 32]));
    assert!(parts[0]["erroronion"].is_string());
}

#[test]
fn destination_permanent_failure_203() {
    let mut d = line();
    let inv = invoice(&mut d, 3, AMT);
    let mut r = sendpay_req(&inv, route_to(&d, 3, AMT));
    r.payment_hash = PaymentHash([8; 32]);
    ok(d.call(Command::Sendpay(r)).unwrap());
    let e = err(d.call(wait(PaymentHash([8; 32]), None)).unwrap());
    assert_eq!(e.code, 203);
    assert_eq!(e.message, "failed: WIRE_INCORRECT_OR_UNKNOWN_PAYMENT_DETAILS (reply from remote)");
    let data = e.data.unwrap();
    assert_eq!(data["erring_index"], 3);
    assert_eq!(data["erring_node"], node(&d, 3).to_string());
    assert_eq!(data["erring_channel"], scid(3).to_string());
    assert_eq!(data["failcode"], code::INCORRECT_OR_UNKNOWN_PAYMENT_DETAILS);
    assert_eq!(data["failcodename"], "WIRE_INCORRECT_OR_UNKNOWN_PAYMENT_DETAILS");
    assert!(data["raw_message"].as_str().unwrap().starts_with("400f"));
}

#[test]
fn intermediate_failure_204_routing_failure_object() {
    let mut d = diamond(0);
    let inv = invoice(&mut d, 3, AMT);
    let route = route_to(&d, 3, AMT);
    assert_eq!(route[0].channel, scid(1));
    ok(d.call(Command::Sendpay(sendpay_req(&inv, route))).unwrap());
    let e = err(d.call(wait(inv.payment_hash, None)).unwrap());
    assert_eq!(e.code, 204);
    let data = e.data.unwrap();
    assert_eq!(data["erring_index"], 1);
    assert_eq!(data["erring_node"], node(&d, 1).to_string());
    assert_eq!(data["erring_channel"], scid(3).to_string());
    assert_eq!(data["failcodename"], "WIRE_TEMPORARY_CHANNEL_FAILURE");
    // A retry needs a new group (same partid and group exists).
    let mut r = sendpay_req(&inv, route_to(&d, 3, AMT));
    r.groupid = Some(0);
    let e = err(d.call(Command::Sendpay(r)).unwrap());
    assert_eq!(e.code, 201);
    assert!(e.message.starts_with("There already is a payment"));
}

#[test]
fn retry_for_expiry_210() {
    let mut d = diamond(0);
    // Node 1 holds each HTLC 5 s before failing it; retry_for is 2 s.
    d.sim.set_fault(1, NodeFault { hold_ms: 5_000, ..Default::default() });
    let inv = invoice(&mut d, 3, AMT);
    let mut r = pay_req(&inv.bolt11);
    r.options.retry_for = Some(2);
    let e = err(pay(&mut d, r));
    assert_eq!(e.code, 210);
    assert_eq!(e.message, "Ran out of routes to try after 1 attempt: see `paystatus`");
    // It answered only once nothing was in flight.
    assert!(d.sim.now_ms() >= 5_000);
    assert!(d.machine.parts().iter().all(|p| p.status == PartStatus::Failed));
    let attempts = e.data.unwrap()["attempts"].as_array().unwrap().clone();
    assert_eq!(attempts.len(), 1);
    assert_eq!(attempts[0]["status"], "failed");
    assert!(d.events.iter().any(|e| matches!(e, PaymentEvent::PaymentFailed { reason, .. } if pay_failure(reason).code == 210)));
}

#[test]
fn no_route_205() {
    let mut d = line();
    let inv = invoice(&mut d, 3, CAP * 2);
    let e = err(pay(&mut d, pay_req(&inv.bolt11)));
    assert_eq!(e.code, 205);
    assert_eq!(d.sent, 0);
}

#[test]
fn paystatus_shows_the_attempts() {
    let mut d = diamond(0);
    let inv = invoice(&mut d, 3, AMT);
    ok(pay(&mut d, pay_req(&inv.bolt11)));
    let v = ok(d.call(Command::Paystatus(Some(inv.bolt11.clone()))).unwrap());
    let attempts = v["pay"][0]["attempts"].as_array().unwrap();
    assert_eq!(attempts.len(), 2);
    assert_eq!(attempts[0]["strategy"], "Initial attempt");
    assert_eq!(attempts[0]["failure"]["code"], 204);
    assert!(attempts[1]["success"]["payment_preimage"].is_string());
    assert_eq!(attempts[1]["route"].as_array().unwrap().len(), 2);
}

#[test]
fn delpay_removes_finished_parts() {
    let mut d = line();
    let inv = invoice(&mut d, 3, AMT);
    ok(pay(&mut d, pay_req(&inv.bolt11)));
    let e = err(d
        .call(Command::Delpay(payment::DelpayRequest {
            payment_hash: inv.payment_hash,
            status: PartStatus::Failed,
            partid: None,
            groupid: None,
        }))
        .unwrap());
    assert_eq!(e.code, 211);
    let v = ok(d
        .call(Command::Delpay(payment::DelpayRequest {
            payment_hash: inv.payment_hash,
            status: PartStatus::Complete,
            partid: None,
            groupid: None,
        }))
        .unwrap());
    assert_eq!(v["payments"].as_array().unwrap().len(), 1);
    assert!(listsendpays(&mut d, inv.payment_hash).is_empty());
    assert!(d.store.values().all(|r| !matches!(r, payment::Record::Part(_))));
}

/// The payer's balance over its channels.
fn payer_balance(d: &Driver) -> u64 {
    d.sim
        .node_channels(0)
        .into_iter()
        .map(|s| {
            let (n, b) = d.sim.balances(s).unwrap();
            if n[0] == 0 {
                b[0].0
            } else {
                b[1].0
            }
        })
        .sum()
}

#[test]
fn restart_at_every_action_of_a_multi_part_pay() {
    let amount = 8_000_000;
    // The uncrashed run, to count its actions.
    let mut d = three_paths(0);
    let inv = invoice(&mut d, 4, amount);
    ok(pay(&mut d, pay_req(&inv.bolt11)));
    let total = d.actions_done;
    assert!(total > 10, "{total} actions");
    let mut crashes = 0;
    for k in 0..total {
        let mut d = three_paths(0);
        let inv = invoice(&mut d, 4, amount);
        let before = payer_balance(&d);
        d.crash_at = Some(k);
        let id = d.submit(Command::Pay(pay_req(&inv.bolt11)));
        let first = d.run_until_reply(id);
        if d.crashed {
            crashes += 1;
            d.restart();
        } else {
            assert!(first.is_some());
        }
        let v = ok(pay(&mut d, pay_req(&inv.bolt11)));
        d.run_until_idle();
        assert_eq!(v["status"], "complete", "crash at {k}");
        // No lost part, no double payment: exactly the amount delivered, in one group, and
        // the payer's balance fell by exactly what the completed parts sent.
        let complete: Vec<_> = d
            .machine
            .parts()
            .iter()
            .filter(|p| p.status == PartStatus::Complete)
            .cloned()
            .collect();
        let delivered: u64 = complete.iter().map(|p| p.amount_msat.0).sum();
        let sent: u64 = complete.iter().map(|p| p.amount_sent_msat.0).sum();
        assert_eq!(delivered, amount, "crash at {k}");
        assert!(complete.iter().all(|p| p.key.groupid == complete[0].key.groupid));
        assert_eq!(before - payer_balance(&d), sent, "crash at {k}");
        assert!(sent - delivered <= default_budget(amount));
        assert_eq!(d.sim.htlcs_in_flight(), 0);
        assert!(d.machine.parts().iter().all(|p| p.status != PartStatus::Pending));
        // The store agrees with the machine.
        let stored_complete = d
            .store
            .values()
            .filter(|r| matches!(r, payment::Record::Part(p) if p.status == PartStatus::Complete))
            .count();
        assert_eq!(stored_complete, complete.len(), "crash at {k}");
    }
    assert_eq!(crashes, total);
}

#[test]
fn fees_never_exceed_the_limit() {
    // Random amounts and fee limits over the diamond; every outcome respects the budget.
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let mut paid = 0;
    let mut refused = 0;
    for _ in 0..40 {
        let mut d = diamond(if next() % 2 == 0 { 0 } else { CAP / 2 });
        let amount = 10_000 + next() % 500_000_000;
        let pct = (next() % 25) as f64 / 1000.0; // 0 to 0.024%: around the fees asked
        let exempt = next() % 3_000;
        let inv = invoice(&mut d, 3, amount);
        let mut r = pay_req(&inv.bolt11);
        r.options.maxfeepercent = Some(pct);
        r.options.exemptfee = Some(Msat(exempt));
        let budget = Msat(amount).mul_ppm((pct * 10_000.0) as u32).0.max(exempt);
        let before = payer_balance(&d);
        match reply_json(pay(&mut d, r)) {
            Ok(v) => {
                let fee = v["amount_sent_msat"].as_u64().unwrap() - amount;
                assert!(fee <= budget, "fee {fee} > budget {budget}");
                assert_eq!(before - payer_balance(&d), amount + fee);
                paid += 1;
            }
            Err(e) => {
                assert!([206, 210, 205].contains(&e.code), "{e:?}");
                assert_eq!(before, payer_balance(&d));
                refused += 1;
            }
        }
    }
    assert!(paid > 5 && refused > 5, "paid {paid}, refused {refused}");
}

#[test]
fn keysend_pays_without_an_invoice() {
    let mut d = line();
    let dest = node(&d, 3);
    let r = payment::KeysendRequest {
        destination: dest,
        amount_msat: Msat(AMT),
        label: None,
        maxfeepercent: None,
        retry_for: None,
        maxdelay: None,
        exemptfee: None,
        maxfee: None,
    };
    let v = ok(d.call(Command::Keysend(r)).unwrap());
    assert_eq!(v["status"], "complete");
    assert_eq!(v["destination"], dest.to_string());
    assert_eq!(v["amount_msat"], AMT);
    let pre: types::PaymentPreimage = v["payment_preimage"].as_str().unwrap().parse().unwrap();
    assert_eq!(pre.hash().to_string(), v["payment_hash"].as_str().unwrap());
    assert!(v["amount_sent_msat"].as_u64().unwrap() - AMT <= default_budget(AMT));
    assert_eq!(d.sim.htlcs_in_flight(), 0);
}

/// The response schema of a Core Lightning command, from /work/shared.
fn schema(name: &str) -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/spec/cln-schemas/");
    let file = format!("{path}{name}.json");
    let text = std::fs::read_to_string(&file)
        .unwrap_or_else(|e| panic!("missing Core Lightning schema {file}: {e}"));
    serde_json::from_str::<Value>(&text).unwrap()["response"].clone()
}

/// Checks `v` against an object schema: required members, and members allowed by
/// `properties` or, where an `allOf` `if` (on enum values) matches, by its `then`
/// (strictly when the `then` forbids additional properties). Returns members checked.
fn check_object(v: &Value, s: &Value, what: &str) -> usize {
    let obj = v.as_object().unwrap_or_else(|| panic!("{what}: not an object: {v}"));
    for r in s["required"].as_array().into_iter().flatten() {
        let r = r.as_str().unwrap();
        assert!(obj.contains_key(r), "{what}: required member {r} missing in {v}");
    }
    let props = s["properties"].as_object().cloned().unwrap_or_default();
    let mut strict: Option<serde_json::Map<String, Value>> = None;
    for branch in s["allOf"].as_array().into_iter().flatten() {
        let cond = branch["if"]["properties"].as_object().cloned().unwrap_or_default();
        let matches = cond.iter().all(|(k, c)| {
            c["enum"].as_array().is_some_and(|e| obj.get(k).is_some_and(|x| e.contains(x)))
        });
        if matches {
            let then = &branch["then"];
            for r in then["required"].as_array().into_iter().flatten() {
                let r = r.as_str().unwrap();
                assert!(obj.contains_key(r), "{what}: required member {r} missing in {v}");
            }
            if then["additionalProperties"] == false {
                strict = then["properties"].as_object().cloned();
            }
        }
    }
    for k in obj.keys() {
        match &strict {
            Some(allowed) => assert!(allowed.contains_key(k), "{what}: member {k} not allowed"),
            None => assert!(props.contains_key(k), "{what}: member {k} not in the schema"),
        }
        if let Some(t) = props.get(k).and_then(|p| p["type"].as_str()) {
            if t == "msat" || t == "u64" || t == "u32" {
                assert!(obj[k].is_u64(), "{what}: {k} should be an integer, got {}", obj[k]);
            }
        }
    }
    obj.len()
}

#[test]
fn replies_validate_against_core_lightnings_schemas() {
    let mut checked = 0;
    let mut d = diamond(0);
    let inv = invoice(&mut d, 3, AMT);
    let v = ok(pay(&mut d, pay_req(&inv.bolt11)));
    checked += check_object(&v, &schema("pay"), "pay");
    let lsp = ok(d
        .call(Command::Listsendpays(ListRequest {
            payment_hash: Some(inv.payment_hash),
            ..Default::default()
        }))
        .unwrap());
    let s = schema("listsendpays");
    checked += check_object(&lsp, &s, "listsendpays");
    let items = &s["properties"]["payments"]["items"];
    let parts = lsp["payments"].as_array().unwrap();
    assert_eq!(parts.len(), 2, "one failed and one complete part");
    for p in parts {
        checked += check_object(p, items, "listsendpays.payments[]");
    }
    let lp = ok(d.call(Command::Listpays(ListRequest::default())).unwrap());
    let s = schema("listpays");
    checked += check_object(&lp, &s, "listpays");
    for p in lp["pays"].as_array().unwrap() {
        checked += check_object(p, &s["properties"]["pays"]["items"], "listpays.pays[]");
    }
    // sendpay (pending), then waitsendpay (complete), then a failed group in listpays.
    let inv2 = invoice(&mut d, 3, AMT);
    let mut req = RouteRequest::new(node(&d, 0), node(&d, 3), Msat(AMT), 10);
    req.final_cltv = 18;
    req.exclude_nodes = vec![node(&d, 1)]; // the empty side
    let route: Vec<Hop> = get_route(d.machine.graph(), &req)
        .unwrap()
        .hops
        .iter()
        .map(|h| Hop {
            id: h.id,
            channel: h.channel,
            direction: h.direction,
            amount: h.amount,
            delay: h.delay,
        })
        .collect();
    let sp = ok(d.call(Command::Sendpay(sendpay_req(&inv2, route))).unwrap());
    checked += check_object(&sp, &schema("sendpay"), "sendpay");
    let w = ok(d.call(wait(inv2.payment_hash, None)).unwrap());
    checked += check_object(&w, &schema("waitsendpay"), "waitsendpay");
    let mut r = sendpay_req(&inv, route_to(&d, 3, AMT));
    r.payment_hash = PaymentHash([1; 32]);
    ok(d.call(Command::Sendpay(r)).unwrap());
    err(d.call(wait(PaymentHash([1; 32]), None)).unwrap());
    let lp = ok(d.call(Command::Listpays(ListRequest::default())).unwrap());
    let pays = lp["pays"].as_array().unwrap();
    assert!(pays.iter().any(|p| p["status"] == "failed"));
    for p in pays {
        checked += check_object(p, &s["properties"]["pays"]["items"], "listpays.pays[]");
    }
    let ks = ok(d
        .call(Command::Keysend(payment::KeysendRequest {
            destination: node(&d, 3),
            amount_msat: Msat(AMT),
            label: None,
            maxfeepercent: None,
            retry_for: None,
            maxdelay: None,
            exemptfee: None,
            maxfee: None,
        }))
        .unwrap());
    checked += check_object(&ks, &schema("keysend"), "keysend");
    let del = ok(d
        .call(Command::Delpay(payment::DelpayRequest {
            payment_hash: inv2.payment_hash,
            status: PartStatus::Complete,
            partid: None,
            groupid: None,
        }))
        .unwrap());
    let s = schema("delpay");
    checked += check_object(&del, &s, "delpay");
    for p in del["payments"].as_array().unwrap() {
        checked += check_object(p, &s["properties"]["payments"]["items"], "delpay.payments[]");
    }
    assert!(checked > 100, "{checked} members checked");
}

#[test]
fn listsendpays_pages_by_index() {
    let mut d = diamond(0);
    let inv = invoice(&mut d, 3, AMT);
    ok(pay(&mut d, pay_req(&inv.bolt11)));
    let all = listsendpays(&mut d, inv.payment_hash);
    assert_eq!(all.len(), 2);
    let second = all[1]["created_index"].as_u64().unwrap();
    let page = ok(d
        .call(Command::Listsendpays(ListRequest {
            index: Some(payment::ListIndex::Created),
            start: Some(second),
            limit: Some(1),
            ..Default::default()
        }))
        .unwrap());
    let page = page["payments"].as_array().unwrap();
    assert_eq!(page.len(), 1);
    assert_eq!(page[0]["created_index"], second);
    let e = err(d
        .call(Command::Listsendpays(ListRequest { limit: Some(1), ..Default::default() }))
        .unwrap());
    assert_eq!(e.code, -32602);
    // By update order, the complete part (updated last) comes last.
    let by_update = ok(d
        .call(Command::Listsendpays(ListRequest {
            index: Some(payment::ListIndex::Updated),
            ..Default::default()
        }))
        .unwrap());
    let by_update = by_update["payments"].as_array().unwrap();
    assert_eq!(by_update.last().unwrap()["status"], "complete");
    // Both filters at once: the RPC layer, which reads the invoice, refuses them.
    let params = serde_json::json!({
        "bolt11": inv.bolt11,
        "payment_hash": inv.payment_hash.to_string(),
    });
    let both =
        rpc::methods::command("listsendpays", &params, bolt11::Currency::Bitcoin).unwrap_err();
    assert_eq!(both.code, -32602);
}

#[test]
fn partial_pay_is_held_by_the_payee_until_the_rest_arrives() {
    let mut d = line();
    let inv = invoice(&mut d, 3, AMT);
    // Half the invoice by pay's partial_msat: the parts carry the invoice total.
    let mut r = pay_req(&inv.bolt11);
    r.options.partial_msat = Some(Msat(AMT / 2));
    let pay_id = d.submit(Command::Pay(r));
    let parts = listsendpays(&mut d, inv.payment_hash);
    assert!(!parts.is_empty());
    let half: u64 = parts.iter().map(|p| p["amount_msat"].as_u64().unwrap()).sum();
    assert_eq!(half, AMT / 2);
    // Alone it is held: run the sim up to the payee's MPP timeout (60 s after arrival).
    let mut steps = 0;
    while d.sim.next_event_time().is_some_and(|t| t < d.sim.now_ms() + 30_000) && d.step() {
        steps += 1;
    }
    assert!(steps > 0);
    assert!(d.sim.next_event_time().is_some(), "the payee's MPP timeout is still ahead");
    assert!(!d.replies.contains_key(&pay_id), "a partial part alone must not settle");
    // The rest, as another payer would send it: a part of the same set (same total).
    let mut rest = sendpay_req(&inv, route_to(&d, 3, AMT / 2));
    rest.partid = Some(1000);
    rest.groupid = Some(0);
    rest.amount_msat = Some(Msat(AMT));
    assert_eq!(ok(d.call(Command::Sendpay(rest)).unwrap())["status"], "pending");
    let v = ok(d.run_until_reply(pay_id).expect("pay replies"));
    assert_eq!(v["status"], "complete");
    assert_eq!(v["payment_preimage"].as_str().unwrap().len(), 64);
    let parts = listsendpays(&mut d, inv.payment_hash);
    assert!(parts.iter().all(|p| p["status"] == "complete"), "{parts:?}");
    let total: u64 = parts.iter().map(|p| p["amount_msat"].as_u64().unwrap()).sum();
    assert_eq!(total, AMT);
}

#[test]
fn a_lone_partial_pay_times_out_at_the_payee() {
    let mut d = line();
    let inv = invoice(&mut d, 3, AMT);
    let mut r = pay_req(&inv.bolt11);
    r.options.partial_msat = Some(Msat(AMT / 2));
    let e = err(pay(&mut d, r));
    assert_eq!(e.code, 210, "{e:?}");
    let data = e.data.unwrap();
    assert_eq!(data["attempts"][0]["amount_msat"], AMT / 2);
    assert_eq!(data["attempts"][0]["failreason"], "failed: WIRE_MPP_TIMEOUT (reply from remote)");
}
