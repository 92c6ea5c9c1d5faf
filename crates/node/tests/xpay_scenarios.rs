//! `xpay` and `xkeysend` over the simulated network through the driver, and the guarantees
//! Core Lightning's users asked of a payer: a part cap per payment that is never exceeded, a
//! payee that refuses a set of too many parts gets fewer next time (never a stall at the
//! cap), and a payment stopped by fees alone says so, also after attempts were made.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use harness::driver::Driver;
use payment::{
    Command, PartStatus, PayRequest, PaymentEvent, Reply, XkeysendRequest, XpayError, XpayRequest,
};
use route::graph::EdgePolicy;
use rpc::payments::reply_json;
use serde_json::Value;
use sim::{SimConfig, Simulator, Topology};
use types::{Msat, PaymentHash, ShortChannelId};

fn scid(i: u64) -> ShortChannelId {
    ShortChannelId::new(800_000, i, 0).unwrap()
}

fn policy(base: u32, ppm: u32, cap: u64) -> EdgePolicy {
    EdgePolicy {
        timestamp: 1_770_000_000,
        enabled: true,
        base_fee_msat: base,
        fee_ppm: ppm,
        cltv_delta: 40,
        htlc_min: Msat(1000),
        htlc_max: Msat(cap),
    }
}

/// A channel `a`–`b` of capacity `cap`, with `a_share` of it at `a`.
#[allow(clippy::too_many_arguments)]
fn chan(t: &mut Topology, i: u64, a: u32, b: u32, cap: u64, a_share: u64, base: u32, ppm: u32) {
    t.add_channel(scid(i), a, b, Msat(cap), policy(base, ppm, cap)).balance_a = Some(Msat(a_share));
}

fn nodes(n: u32) -> Topology {
    let mut t = Topology::new();
    for _ in 0..n {
        t.add_node();
    }
    t
}

fn driver_with(t: &Topology, cfg: SimConfig) -> Driver {
    let mut sim = Simulator::new(t, cfg).unwrap();
    sim.set_payer(0);
    Driver::new(sim, [42; 32]).unwrap()
}

/// The payer 0 and the payee 1 joined by `k` two-hop paths through nodes `2..2+k`, each path's
/// second channel of capacity `cap` with `share` of it at the middle node (the first channels
/// hold plenty at the payer).
fn fan(k: u32, cap: u64, share: u64, cfg: SimConfig) -> Driver {
    fan_with(k, cap, |_| share, cfg)
}

/// [`fan`] with the share at the middle node of path `i` given by `share(i)`.
fn fan_with(k: u32, cap: u64, share: impl Fn(u32) -> u64, cfg: SimConfig) -> Driver {
    let mut t = nodes(2 + k);
    for i in 0..k {
        let mid = 2 + i;
        let big = 100 * cap;
        chan(&mut t, 2 * u64::from(i) + 1, 0, mid, big, big, 1000, 100);
        chan(&mut t, 2 * u64::from(i) + 2, mid, 1, cap, share(i), 1000, 100);
    }
    driver_with(&t, cfg)
}

fn cfg() -> SimConfig {
    SimConfig { seed: 1, ..Default::default() }
}

fn xpay_req(bolt11: &str) -> XpayRequest {
    let inv = bolt11::Invoice::decode(bolt11, bolt11::Currency::Bitcoin).unwrap();
    XpayRequest::new(inv, bolt11)
}

fn pay_req(bolt11: &str) -> PayRequest {
    let inv = bolt11::Invoice::decode(bolt11, bolt11::Currency::Bitcoin).unwrap();
    PayRequest::new(inv, bolt11)
}

fn json(r: Reply) -> Result<Value, rpc::jsonrpc::RpcFailure> {
    reply_json(r)
}

/// Runs command `id` to its reply, noting the most parts of `hash` in flight at any moment.
fn run_counting(d: &mut Driver, id: u64, hash: PaymentHash) -> (Reply, usize) {
    let pending = |d: &Driver| {
        d.machine
            .parts()
            .iter()
            .filter(|p| p.key.payment_hash == hash && p.status == PartStatus::Pending)
            .count()
    };
    let mut most = pending(d);
    loop {
        if let Some(r) = d.replies.get(&id) {
            return (r.clone(), most);
        }
        assert!(d.step(), "the network went idle before the reply");
        most = most.max(pending(d));
    }
}

fn parts_of(d: &Driver, hash: PaymentHash, st: PartStatus) -> usize {
    d.machine.parts().iter().filter(|p| p.key.payment_hash == hash && p.status == st).count()
}

#[test]
fn xpay_pays_and_counts_its_parts() {
    // Four paths of 5M msat, 8M to pay: several parts, none failing.
    let mut d = fan(4, 5_000_000, 5_000_000, cfg());
    let inv = d.sim.create_invoice(1, Some(Msat(8_000_000))).unwrap();
    let r = d.call(Command::Xpay(xpay_req(&inv.bolt11))).unwrap();
    let Reply::Xpay(Ok(x)) = &r else { panic!("{r:?}") };
    assert_eq!(x.payment_preimage.hash(), inv.payment_hash);
    assert_eq!(x.amount_msat, Msat(8_000_000));
    assert!(x.amount_sent_msat > x.amount_msat);
    // Default budget: 1 % of the amount (80,000 msat) over 5,000 msat.
    assert!(x.amount_sent_msat.0 - x.amount_msat.0 <= 80_000);
    let complete = parts_of(&d, inv.payment_hash, PartStatus::Complete) as u64;
    let failed = parts_of(&d, inv.payment_hash, PartStatus::Failed) as u64;
    assert!(complete >= 2);
    assert_eq!((x.successful_parts, x.failed_parts), (complete, failed));
    let preimage = x.payment_preimage.to_string();
    let v = json(r).unwrap();
    assert_eq!(v["successful_parts"], complete);
    assert_eq!(v["failed_parts"], failed);
    assert_eq!(v["payment_preimage"], preimage);
    // Asked again: already paid (219), as Core Lightning's xpay says.
    let again = d.call(Command::Xpay(xpay_req(&inv.bolt11))).unwrap();
    let Reply::Xpay(Err(XpayError::AlreadyPaid { payment_hash })) = &again else {
        panic!("{again:?}")
    };
    assert_eq!(*payment_hash, inv.payment_hash);
    assert_eq!(json(again).unwrap_err().code, 219);
}

#[test]
fn xkeysend_pays_without_an_invoice() {
    let mut d = fan(2, 5_000_000, 5_000_000, cfg());
    let destination = d.sim.node_id(1).unwrap();
    let req = XkeysendRequest {
        destination,
        amount_msat: Msat(1_000_000),
        label: Some("xk".into()),
        maxfee: None,
        layers: vec![],
        retry_for: None,
        maxdelay: None,
        max_parts: None,
    };
    let r = d.call(Command::Xkeysend(req.clone())).unwrap();
    let Reply::Xpay(Ok(x)) = &r else { panic!("{r:?}") };
    assert_eq!(x.amount_msat, Msat(1_000_000));
    assert_eq!(x.successful_parts, 1);
    assert_eq!(d.sim.settlements().len(), 1);
    // To ourselves: Core Lightning's -1.
    let me = d.sim.node_id(0).unwrap();
    let r = d.call(Command::Xkeysend(XkeysendRequest { destination: me, ..req })).unwrap();
    assert!(matches!(r, Reply::Xpay(Err(XpayError::KeysendToSelf))), "{r:?}");
}

/// `k` paths of 3.2M msat, three in four empty at their middle node and the others full:
/// parts over the empty ones fail and are re-sent while the others are held at the payee,
/// and the payer, unsure of the balances, would rather send each failed amount again in
/// several smaller parts.
fn wide(k: u32) -> Driver {
    fan_with(k, 3_200_000, |i| if i % 4 == 3 { 3_200_000 } else { 0 }, cfg())
}

#[test]
fn the_part_cap_of_a_payment_is_never_exceeded() {
    let cap = 3u32;
    let mut d = wide(20);
    let inv = d.sim.create_invoice(1, Some(Msat(8_000_000))).unwrap();
    let mut req = xpay_req(&inv.bolt11);
    req.max_parts = Some(cap);
    let id = d.submit(Command::Xpay(req));
    let (r, most) = run_counting(&mut d, id, inv.payment_hash);
    assert!(most <= cap as usize, "{most} parts in flight, cap {cap}");
    // Reaching the cap: the cap is what held the payer back, not the network.
    assert_eq!(most, cap as usize, "cap {cap}");
    let Reply::Xpay(Ok(x)) = r else { panic!("cap {cap}: {r:?}") };
    assert_eq!(x.amount_msat, Msat(8_000_000));
    assert!(x.failed_parts >= 1, "parts failed and were re-sent: {x:?}");
    // `pay` under the default cap (16), with 40M to pay: at least 13 parts.
    let mut d = wide(80);
    let inv = d.sim.create_invoice(1, Some(Msat(40_000_000))).unwrap();
    let id = d.submit(Command::Pay(pay_req(&inv.bolt11)));
    let (r, most) = run_counting(&mut d, id, inv.payment_hash);
    assert!(most <= 16, "{most} parts in flight");
    assert!(most >= 13, "{most} parts in flight: the cap is not what was tested");
    assert!(r.is_ok(), "{r:?}");
}

#[test]
fn a_payee_refusing_too_many_parts_gets_fewer_rather_than_a_stall() {
    // Every receiver takes at most 3 parts of a payment. 9M over paths of 6M (all of it at
    // the middle nodes): the payer, unsure of the balances, splits it into more parts than
    // that at first, though 2 or 3 parts would do.
    let cfg = SimConfig { receiver_max_parts: Some(3), ..cfg() };
    let mut d = fan(20, 6_000_000, 6_000_000, cfg);
    let inv = d.sim.create_invoice(1, Some(Msat(9_000_000))).unwrap();
    let id = d.submit(Command::Xpay(xpay_req(&inv.bolt11)));
    let (r, most) = run_counting(&mut d, id, inv.payment_hash);
    let Reply::Xpay(Ok(x)) = &r else { panic!("{r:?}") };
    assert_eq!(x.amount_msat, Msat(9_000_000));
    assert!(x.successful_parts <= 3, "{x:?}");
    // The first set was bigger than the payee takes: it was refused, and the payer learned.
    assert!(most > 3, "the first attempt sent {most} parts: the test proves nothing");
    let refused = d
        .events
        .iter()
        .filter(|e| {
            matches!(e, PaymentEvent::PaymentPathFailed { failure: Some(c), .. }
                if *c == onion::failure::code::MPP_TIMEOUT)
        })
        .count();
    assert!(refused > 3, "{refused} parts refused");
    let settled = d.sim.settlements();
    assert_eq!(settled.len(), 1);
    assert!(settled[0].parts <= 3);
}

/// 0-2-1 (cheap, empty at 2) and 0-3-1 (dear): the cheap path fails, and the dear one is over
/// the fee budget.
fn cheap_empty_dear_full() -> Driver {
    let cap = 1_000_000_000u64;
    let mut t = nodes(4);
    chan(&mut t, 1, 0, 2, cap, cap, 1000, 100);
    chan(&mut t, 2, 2, 1, cap, 0, 1000, 100);
    chan(&mut t, 3, 0, 3, cap, cap, 2000, 5000);
    chan(&mut t, 4, 3, 1, cap, cap, 2000, 5000);
    driver_with(&t, cfg())
}

#[test]
fn a_payment_stopped_by_fees_alone_says_so_after_attempts() {
    const AMT: u64 = 100_000_000;
    // The dear path costs 2,000 + 0.5 % = 502,000 msat; the budget is 100,000.
    for xpay in [false, true] {
        let mut d = cheap_empty_dear_full();
        let inv = d.sim.create_invoice(1, Some(Msat(AMT))).unwrap();
        let r = if xpay {
            let mut req = xpay_req(&inv.bolt11);
            req.maxfee = Some(Msat(100_000));
            d.call(Command::Xpay(req)).unwrap()
        } else {
            let mut req = pay_req(&inv.bolt11);
            req.options.maxfee = Some(Msat(100_000));
            d.call(Command::Pay(req)).unwrap()
        };
        assert!(d.sent >= 1, "an attempt was made over the cheap path");
        let e = json(r).unwrap_err();
        let data = e.data.clone().unwrap_or_default();
        let fee = if xpay {
            assert_eq!(e.code, 209, "{e:?}");
            data["fee_msat"].as_u64().unwrap()
        } else {
            assert_eq!(e.code, 206, "{e:?}");
            data["fee"].as_u64().unwrap()
        };
        // The cheapest fee found is named, over the budget (the dear path, or part of it).
        assert!(fee > 100_000 && fee <= 502_000, "{e:?}");
        assert!(e.message.contains(&format!("{fee}msat")), "{e:?}");
    }
}

#[test]
fn xpay_waits_for_parts_sendpay_left_in_flight() {
    use route::getroute::{get_route, RouteRequest};
    let mut d = fan(2, 5_000_000, 5_000_000, cfg());
    let inv = d.sim.create_invoice(1, Some(Msat(2_000_000))).unwrap();
    // Half the amount by sendpay as part 1: the payee holds it, waiting for the rest.
    let (me, payee) = (d.sim.node_id(0).unwrap(), d.sim.node_id(1).unwrap());
    let mut rr = RouteRequest::new(me, payee, Msat(1_000_000), 10);
    rr.final_cltv = 18;
    rr.fuzz_percent = 0.0;
    let route = get_route(d.machine.graph(), &rr).unwrap().hops;
    let sent = d.call(Command::Sendpay(payment::SendpayRequest {
        route,
        payment_hash: inv.payment_hash,
        payment_secret: Some(inv.payment_secret),
        bolt11: Some(inv.bolt11.clone()),
        amount_msat: Some(Msat(2_000_000)),
        partid: Some(1),
        ..Default::default()
    }));
    assert!(matches!(sent, Some(Reply::Sendpay(Ok(_)))), "{sent:?}");
    let id = d.submit(Command::Xpay(xpay_req(&inv.bolt11)));
    // No answer while the part is held; the payee gives up on the set after 60 s.
    let mut answered_with_pending = false;
    while !d.replies.contains_key(&id) {
        assert!(d.step(), "idle before the reply");
        if d.replies.contains_key(&id) {
            answered_with_pending = parts_of(&d, inv.payment_hash, PartStatus::Pending) > 0;
        }
    }
    assert!(!answered_with_pending);
    assert!(d.sim.now_ms() >= d.sim.config().mpp_timeout_ms, "answered before the part came back");
    assert_eq!(parts_of(&d, inv.payment_hash, PartStatus::Failed), 1);
    let e = json(d.replies[&id].clone()).unwrap_err();
    assert_eq!(e.code, 209, "{e:?}");
}
