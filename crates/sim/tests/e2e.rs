//! End to end over small networks: real onions, every failure kind provoked on purpose and
//! decoded at the sender by the onion crate, to the right hop and code.

mod common;

use common::*;
use lnpay_sim::{ChannelBackend, LocalFailure, NodeFault, SimConfig, Simulator, Topology};
use onion::failure::code;
use onion::failure::FailureMessage;
use route::gossip::{ChannelUpdate, UnsignedChannelUpdate};
use types::{Msat, PaymentHash, PaymentPreimage, ShortChannelId};

const CAP: u64 = 10_000_000_000; // 10M sat
const AMT: u64 = 100_000_000; // 100k sat

fn scid(i: u64) -> ShortChannelId {
    ShortChannelId::new(800_000, i, 0).unwrap()
}

/// 0 - 1 - 2 - 3 - 4, 60% of each channel at the lower node; payer 0.
fn line() -> (Simulator, Vec<PathHop>) {
    let mut t = Topology::new();
    for _ in 0..5 {
        t.add_node();
    }
    for i in 0..4u32 {
        t.add_channel(scid(u64::from(i) + 1), i, i + 1, Msat(CAP), policy(1000, 100, 40))
            .balance_a = Some(Msat(CAP / 10 * 6));
    }
    let mut sim = Simulator::new(&t, SimConfig { seed: 1, ..Default::default() }).unwrap();
    sim.set_payer(0);
    let path = (1..5).map(|n| PathHop { scid: scid(u64::from(n)), node: n }).collect();
    (sim, path)
}

fn invoice_pay(sim: &mut Simulator, path: &[PathHop]) -> (Outcome, PaymentPreimage) {
    let inv = sim.create_invoice(4, Some(Msat(AMT))).unwrap();
    let out = pay(sim, 0, path, AMT, inv.payment_hash, Some((inv.payment_secret, Msat(AMT))), None);
    (out, PaymentPreimage([0; 32]))
}

fn assert_clean(sim: &Simulator) {
    assert_eq!(sim.check_conservation(), Ok(()));
    assert_eq!(sim.htlcs_in_flight(), 0);
}

fn failed(out: &Outcome) -> (usize, u16) {
    match out {
        Outcome::Failed { index, failure } => (*index, failure.code()),
        other => panic!("expected a decoded failure, got {other:?}"),
    }
}

/// The channel_update of a failure: verified as signed by `node`, for `scid`.
fn update_of(
    sim: &Simulator,
    f: &FailureMessage,
    node: u32,
    scid: ShortChannelId,
) -> UnsignedChannelUpdate {
    let u = f.channel_update().expect("failure carries a channel_update");
    let u = ChannelUpdate::parse_from_failure(u).unwrap();
    u.verify_with_key(&sim.node_pubkey(node).unwrap()).unwrap();
    assert_eq!(u.contents.short_channel_id, scid);
    u.contents
}

#[test]
fn line_success_moves_balances() {
    let (mut sim, path) = line();
    let inv = sim.create_invoice(4, Some(Msat(AMT))).unwrap();
    let before = sim.balances(scid(4)).unwrap().1;
    let out =
        pay(&mut sim, 0, &path, AMT, inv.payment_hash, Some((inv.payment_secret, Msat(AMT))), None);
    let Outcome::Paid(p) = out else { panic!("{out:?}") };
    assert_eq!(p.hash(), inv.payment_hash);
    let after = sim.balances(scid(4)).unwrap();
    let (nodes, bal) = after;
    let at3 = nodes.iter().position(|&n| n == 3).unwrap();
    assert_eq!(bal[at3].0, before[at3].0 - AMT);
    assert_eq!(bal[1 - at3].0, before[1 - at3].0 + AMT);
    // 3 hops of forwarding, 4 messages each way at 50 ms.
    assert_eq!(sim.now_ms(), 8 * 50);
    assert_clean(&sim);
}

#[test]
fn unknown_next_peer() {
    let (mut sim, path) = line();
    let inv = sim.create_invoice(4, Some(Msat(AMT))).unwrap();
    let (a, c, mut payloads) =
        plan(&sim, 0, &path, AMT, 18, Some((inv.payment_secret, Msat(AMT))), None);
    payloads[1].short_channel_id = Some(scid(99));
    let bytes: Vec<_> = payloads.iter().map(HopSpec::encode).collect();
    let att = send_raw(&mut sim, 0, &path, a, c, &bytes, inv.payment_hash, 3).unwrap();
    let out = resolve(&mut sim, &att);
    assert_eq!(failed(&out), (1, code::UNKNOWN_NEXT_PEER));
    assert_clean(&sim);
}

#[test]
fn fee_insufficient_and_incorrect_cltv_with_updates() {
    let (mut sim, path) = line();
    // Stale gossip: node 2 charges more than it announced on channel 3.
    assert!(sim.set_actual_policy(scid(3), 2, |p| route::graph::EdgePolicy {
        fee_ppm: 5000,
        timestamp: p.timestamp + 1,
        ..p
    }));
    let (out, _) = invoice_pay(&mut sim, &path);
    let (i, c) = failed(&out);
    assert_eq!((i, c), (1, code::FEE_INSUFFICIENT));
    let Outcome::Failed { failure: f @ FailureMessage::FeeInsufficient { htlc_msat, .. }, .. } =
        &out
    else {
        panic!()
    };
    let expected_incoming = AMT + 2 * 1000 + (AMT * 100 / 1_000_000) * 2; // amount node 2 received
    assert!(htlc_msat.0 >= AMT && htlc_msat.0 <= expected_incoming + 10, "{htlc_msat:?}");
    let u = update_of(&sim, f, 2, scid(3));
    assert_eq!(u.fee_proportional_millionths, 5000);
    assert_clean(&sim);

    let (mut sim, path) = line();
    assert!(
        sim.set_actual_policy(scid(2), 1, |p| route::graph::EdgePolicy { cltv_delta: 100, ..p })
    );
    let (out, _) = invoice_pay(&mut sim, &path);
    assert_eq!(failed(&out), (0, code::INCORRECT_CLTV_EXPIRY));
    let Outcome::Failed { failure: f, .. } = &out else { panic!() };
    assert_eq!(update_of(&sim, f, 1, scid(2)).cltv_expiry_delta, 100);
    assert_clean(&sim);
}

#[test]
fn amount_below_minimum_and_channel_disabled() {
    let (mut sim, path) = line();
    sim.set_actual_policy(scid(4), 3, |p| route::graph::EdgePolicy {
        htlc_min: Msat(AMT * 2),
        ..p
    });
    let (out, _) = invoice_pay(&mut sim, &path);
    assert_eq!(failed(&out), (2, code::AMOUNT_BELOW_MINIMUM));
    let Outcome::Failed { failure: FailureMessage::AmountBelowMinimum { htlc_msat, .. }, .. } =
        &out
    else {
        panic!()
    };
    assert_eq!(htlc_msat.0, AMT);
    assert_clean(&sim);

    let (mut sim, path) = line();
    sim.set_actual_policy(scid(3), 2, |p| route::graph::EdgePolicy { enabled: false, ..p });
    let (out, _) = invoice_pay(&mut sim, &path);
    assert_eq!(failed(&out), (1, code::CHANNEL_DISABLED));
    let Outcome::Failed { failure: f, .. } = &out else { panic!() };
    assert!(update_of(&sim, f, 2, scid(3)).is_disabled());
    assert_clean(&sim);
}

#[test]
fn temporary_channel_failure_when_balance_is_short() {
    let mut t = Topology::new();
    for _ in 0..5 {
        t.add_node();
    }
    for i in 0..4u32 {
        // Channel 4 has almost nothing at node 3.
        let bal = if i == 3 { CAP / 100 + AMT / 2 } else { CAP / 2 };
        t.add_channel(scid(u64::from(i) + 1), i, i + 1, Msat(CAP), policy(1000, 100, 40))
            .balance_a = Some(Msat(bal));
    }
    let mut sim = Simulator::new(&t, SimConfig::default()).unwrap();
    let path: Vec<_> = (1..5).map(|n| PathHop { scid: scid(u64::from(n)), node: n }).collect();
    assert_eq!(sim.max_flow(0, 4), Msat(AMT / 2));
    let (out, _) = invoice_pay(&mut sim, &path);
    assert_eq!(failed(&out), (2, code::TEMPORARY_CHANNEL_FAILURE));
    let Outcome::Failed { failure: f, .. } = &out else { panic!() };
    update_of(&sim, f, 3, scid(4));
    assert_clean(&sim);
    // Half the amount goes through.
    let inv = sim.create_invoice(4, None).unwrap();
    let half = AMT / 2 - 1000;
    let out = pay(
        &mut sim,
        0,
        &path,
        half,
        inv.payment_hash,
        Some((inv.payment_secret, Msat(half))),
        None,
    );
    assert!(matches!(out, Outcome::Paid(_)), "{out:?}");
    assert_clean(&sim);
}

#[test]
fn expiry_too_soon() {
    let (mut sim, path) = line();
    let inv = sim.create_invoice(4, Some(Msat(AMT))).unwrap();
    // A final CLTV of 1 block: node 3's outgoing expiry is within its 6-block margin.
    let (a, c, payloads) =
        plan(&sim, 0, &path, AMT, 1, Some((inv.payment_secret, Msat(AMT))), None);
    let bytes: Vec<_> = payloads.iter().map(HopSpec::encode).collect();
    let att = send_raw(&mut sim, 0, &path, a, c, &bytes, inv.payment_hash, 3).unwrap();
    let out = resolve(&mut sim, &att);
    assert_eq!(failed(&out), (2, code::EXPIRY_TOO_SOON));
    assert_clean(&sim);
}

#[test]
fn expiry_too_far() {
    let (mut sim, path) = line();
    let inv = sim.create_invoice(4, Some(Msat(AMT))).unwrap();
    // A final CLTV of 2000 blocks: node 1's incoming expiry is beyond its 2016-block horizon.
    let (a, c, payloads) =
        plan(&sim, 0, &path, AMT, 2000, Some((inv.payment_secret, Msat(AMT))), None);
    let bytes: Vec<_> = payloads.iter().map(HopSpec::encode).collect();
    let att = send_raw(&mut sim, 0, &path, a, c, &bytes, inv.payment_hash, 3).unwrap();
    let out = resolve(&mut sim, &att);
    assert_eq!(failed(&out), (0, code::EXPIRY_TOO_FAR));
    assert_clean(&sim);
}

#[test]
fn bad_onions_malformed_path() {
    // First hop cannot parse: the payer gets update_fail_malformed_htlc.
    for (tamper, expected) in [
        (0usize, code::INVALID_ONION_VERSION),
        (1, code::INVALID_ONION_KEY),
        (2, code::INVALID_ONION_HMAC),
    ] {
        let (mut sim, path) = line();
        let inv = sim.create_invoice(4, Some(Msat(AMT))).unwrap();
        let (a, c, payloads) =
            plan(&sim, 0, &path, AMT, 18, Some((inv.payment_secret, Msat(AMT))), None);
        let bytes: Vec<_> = payloads.iter().map(HopSpec::encode).collect();
        let (mut o, secrets) = onion_for(&sim, &path, &bytes, &inv.payment_hash, 5);
        match tamper {
            0 => o.version = 1,
            1 => o.public_key[0] = 0x05,
            _ => o.hmac[0] ^= 1,
        }
        let htlc = sim.send_htlc(path[0].scid, Msat(a), c, inv.payment_hash, o).unwrap();
        let out = resolve(&mut sim, &Attempt { htlc, secrets });
        assert_eq!(out, Outcome::Malformed { code: expected });
        assert_clean(&sim);
    }
    // Node 2 cannot parse (onion built to a wrong key for it): node 1 turns the malformed
    // report into invalid_onion_hmac with the SHA-256 of the onion, from itself.
    let (mut sim, path) = line();
    let inv = sim.create_invoice(4, Some(Msat(AMT))).unwrap();
    let (a, c, payloads) =
        plan(&sim, 0, &path, AMT, 18, Some((inv.payment_secret, Msat(AMT))), None);
    let bytes: Vec<_> = payloads.iter().map(HopSpec::encode).collect();
    let mut hops: Vec<_> = path
        .iter()
        .zip(&bytes)
        .map(|(h, p)| (sim.node_pubkey(h.node).unwrap(), p.clone()))
        .collect();
    hops[1].0 = sim.node_pubkey(3).unwrap();
    let key = secp256k1::SecretKey::from_slice(&[9; 32]).unwrap();
    let (o, secrets) = onion::packet::build(&key, &hops, &inv.payment_hash.0).unwrap();
    let htlc = sim.send_htlc(path[0].scid, Msat(a), c, inv.payment_hash, o).unwrap();
    let out = resolve(&mut sim, &Attempt { htlc, secrets });
    assert_eq!(failed(&out), (0, code::INVALID_ONION_HMAC));
    assert!(matches!(
        out,
        Outcome::Failed { failure: FailureMessage::InvalidOnionHmac { .. }, .. }
    ));
    assert_clean(&sim);
}

#[test]
fn invalid_onion_payload() {
    let (mut sim, path) = line();
    let inv = sim.create_invoice(4, Some(Msat(AMT))).unwrap();
    let (a, c, payloads) =
        plan(&sim, 0, &path, AMT, 18, Some((inv.payment_secret, Msat(AMT))), None);
    let mut bytes: Vec<_> = payloads.iter().map(HopSpec::encode).collect();
    // Node 2's payload lacks its short_channel_id.
    bytes[1] =
        HopSpec::final_hop(payloads[1].amt_to_forward, payloads[1].outgoing_cltv, None, None)
            .encode();
    let att = send_raw(&mut sim, 0, &path, a, c, &bytes, inv.payment_hash, 3).unwrap();
    let out = resolve(&mut sim, &att);
    assert_eq!(failed(&out), (1, code::INVALID_ONION_PAYLOAD));
    let Outcome::Failed { failure: FailureMessage::InvalidOnionPayload { position }, .. } = out
    else {
        panic!()
    };
    assert_eq!(position.map(|p| p.0), Some(6));
    assert_clean(&sim);
}

#[test]
fn final_hop_failures() {
    // final_incorrect_cltv_expiry: the final payload asks for more than the HTLC carries.
    let (mut sim, path) = line();
    let inv = sim.create_invoice(4, Some(Msat(AMT))).unwrap();
    let pd = Some((inv.payment_secret, Msat(AMT)));
    let (a, c, mut payloads) = plan(&sim, 0, &path, AMT, 18, pd, None);
    payloads[3].outgoing_cltv += 10;
    let bytes: Vec<_> = payloads.iter().map(HopSpec::encode).collect();
    let att = send_raw(&mut sim, 0, &path, a, c, &bytes, inv.payment_hash, 3).unwrap();
    let out = resolve(&mut sim, &att);
    assert_eq!(failed(&out), (3, code::FINAL_INCORRECT_CLTV_EXPIRY));
    assert_clean(&sim);

    // final_incorrect_htlc_amount: the final payload claims more than node 3 forwards.
    let (a, c, mut payloads) = plan(&sim, 0, &path, AMT, 18, pd, None);
    payloads[3].amt_to_forward = Msat(AMT + 1);
    let bytes: Vec<_> = payloads.iter().map(HopSpec::encode).collect();
    let att = send_raw(&mut sim, 0, &path, a, c, &bytes, inv.payment_hash, 4).unwrap();
    let out = resolve(&mut sim, &att);
    assert_eq!(failed(&out), (3, code::FINAL_INCORRECT_HTLC_AMOUNT));
    let Outcome::Failed {
        failure: FailureMessage::FinalIncorrectHtlcAmount { incoming_htlc_amt },
        ..
    } = out
    else {
        panic!()
    };
    assert_eq!(incoming_htlc_amt.0, AMT);

    // Wrong secret, unknown hash: incorrect_or_unknown_payment_details from the payee.
    let wrong = Some((types::PaymentSecret([1; 32]), Msat(AMT)));
    let out = pay(&mut sim, 0, &path, AMT, inv.payment_hash, wrong, None);
    assert_eq!(failed(&out), (3, code::INCORRECT_OR_UNKNOWN_PAYMENT_DETAILS));
    let Outcome::Failed {
        failure: FailureMessage::IncorrectOrUnknownPaymentDetails { htlc_msat, height },
        ..
    } = out
    else {
        panic!()
    };
    assert_eq!((htlc_msat.0, height), (AMT, sim.block_height()));
    let out = pay(&mut sim, 0, &path, AMT, PaymentHash([7; 32]), pd, None);
    assert_eq!(failed(&out), (3, code::INCORRECT_OR_UNKNOWN_PAYMENT_DETAILS));
    // And the right one still pays.
    let out = pay(&mut sim, 0, &path, AMT, inv.payment_hash, pd, None);
    assert!(matches!(out, Outcome::Paid(p) if p.hash() == inv.payment_hash), "{out:?}");
    assert_clean(&sim);
}

#[test]
fn keysend() {
    let (mut sim, path) = line();
    let preimage = PaymentPreimage([42; 32]);
    let out = pay(&mut sim, 0, &path, AMT, preimage.hash(), None, Some(preimage));
    assert_eq!(out, Outcome::Paid(preimage));
    // A keysend whose preimage does not match the hash is refused by the payee.
    let out = pay(&mut sim, 0, &path, AMT, PaymentHash([1; 32]), None, Some(preimage));
    assert_eq!(failed(&out), (3, code::INCORRECT_OR_UNKNOWN_PAYMENT_DETAILS));
    assert_clean(&sim);
}

/// 0 → {1, 2} → 3.
fn diamond() -> (Simulator, [Vec<PathHop>; 2]) {
    let mut t = Topology::new();
    for _ in 0..4 {
        t.add_node();
    }
    let chans = [(1, 0, 1), (2, 0, 2), (3, 1, 3), (4, 2, 3)];
    for (s, a, b) in chans {
        t.add_channel(scid(s), a, b, Msat(CAP), policy(0, 1000, 40)).balance_a =
            Some(Msat(CAP / 2));
    }
    let sim = Simulator::new(&t, SimConfig { seed: 5, ..Default::default() }).unwrap();
    let p1 = vec![PathHop { scid: scid(1), node: 1 }, PathHop { scid: scid(3), node: 3 }];
    let p2 = vec![PathHop { scid: scid(2), node: 2 }, PathHop { scid: scid(4), node: 3 }];
    (sim, [p1, p2])
}

#[test]
fn diamond_multi_part_settles_together() {
    let (mut sim, [p1, p2]) = diamond();
    let total = 2 * AMT;
    assert!(sim.max_flow(0, 3).0 >= total);
    let inv = sim.create_invoice(3, Some(Msat(total))).unwrap();
    let pd = Some((inv.payment_secret, Msat(total)));
    let mut atts = Vec::new();
    for (i, p) in [&p1, &p2].into_iter().enumerate() {
        let (a, c, payloads) = plan(&sim, 0, p, AMT, 18, pd, None);
        let bytes: Vec<_> = payloads.iter().map(HopSpec::encode).collect();
        atts.push(send_raw(&mut sim, 0, p, a, c, &bytes, inv.payment_hash, 10 + i as u8).unwrap());
    }
    sim.run_until_idle();
    let mut got = Vec::new();
    while let Some(r) = sim.poll_resolution() {
        let att = atts.iter().find(|a| a.htlc == r.htlc).unwrap();
        got.push((r.time_ms, classify(&att.secrets, r.resolution)));
    }
    assert_eq!(got.len(), 2);
    for (_, o) in &got {
        assert!(matches!(o, Outcome::Paid(p) if p.hash() == inv.payment_hash), "{o:?}");
    }
    assert!(got.iter().all(|(t, _)| *t < 1000));
    assert_clean(&sim);
}

#[test]
fn diamond_mpp_timeout() {
    let (mut sim, [p1, _]) = diamond();
    let inv = sim.create_invoice(3, Some(Msat(2 * AMT))).unwrap();
    let pd = Some((inv.payment_secret, Msat(2 * AMT)));
    let (a, c, payloads) = plan(&sim, 0, &p1, AMT, 18, pd, None);
    let bytes: Vec<_> = payloads.iter().map(HopSpec::encode).collect();
    let att = send_raw(&mut sim, 0, &p1, a, c, &bytes, inv.payment_hash, 3).unwrap();
    assert_eq!(sim.next_event_time(), Some(50));
    sim.advance_to(59_000);
    assert_eq!(sim.poll_resolution(), None, "part held until the timeout");
    assert_eq!(sim.htlcs_in_flight(), 2);
    let out = resolve(&mut sim, &att);
    assert_eq!(failed(&out), (1, code::MPP_TIMEOUT));
    assert!(sim.now_ms() >= 60_000);
    assert_clean(&sim);
}

#[test]
fn diamond_route_hint_to_private_channel() {
    let mut t = Topology::new();
    for _ in 0..3 {
        t.add_node();
    }
    t.add_channel(scid(1), 0, 1, Msat(CAP), policy(1000, 100, 40)).balance_a = Some(Msat(CAP / 2));
    let c = t.add_channel(scid(2), 1, 2, Msat(CAP), policy(1000, 100, 40));
    c.public = false;
    c.balance_a = Some(Msat(CAP / 2));
    let mut sim = Simulator::new(&t, SimConfig::default()).unwrap();
    assert_eq!(sim.graph().channel_count(), 1, "the private channel is not announced");
    let inv = sim.create_invoice(2, Some(Msat(AMT))).unwrap();
    assert_eq!(inv.route_hints.len(), 1);
    assert_eq!(inv.route_hints[0].node_id, sim.node_id(1).unwrap());
    // The BOLT 11 form decodes and verifies with the bolt11 crate, signed by the payee.
    let decoded = bolt11::Invoice::decode(&inv.bolt11, bolt11::Currency::Bitcoin).unwrap();
    assert_eq!(decoded.payee(), sim.node_id(2).unwrap());
    assert_eq!(decoded.payment_hash(), &inv.payment_hash);
    assert_eq!(decoded.payment_secret(), &inv.payment_secret);
    assert_eq!(decoded.amount(), Some(Msat(AMT)));
    assert_eq!(decoded.min_final_cltv_expiry_delta(), 18);
    let hints = decoded.route_hints();
    assert_eq!(hints.len(), 1);
    assert_eq!(
        (hints[0].0[0].node_id, hints[0].0[0].short_channel_id),
        (inv.route_hints[0].node_id, scid(2))
    );
    let path = [
        PathHop { scid: scid(1), node: 1 },
        PathHop { scid: inv.route_hints[0].short_channel_id, node: 2 },
    ];
    let out =
        pay(&mut sim, 0, &path, AMT, inv.payment_hash, Some((inv.payment_secret, Msat(AMT))), None);
    assert!(matches!(out, Outcome::Paid(_)), "{out:?}");
    assert_clean(&sim);
}

#[test]
fn faults_offline_hold_corrupt_silent() {
    // Offline next peer: node 2 answers temporary_channel_failure with a disabled update.
    let (mut sim, path) = line();
    sim.set_fault(3, NodeFault { offline: true, ..Default::default() });
    let (out, _) = invoice_pay(&mut sim, &path);
    assert_eq!(failed(&out), (1, code::TEMPORARY_CHANNEL_FAILURE));
    let Outcome::Failed { failure: f, .. } = &out else { panic!() };
    assert!(update_of(&sim, f, 2, scid(3)).is_disabled());
    assert_eq!(sim.max_flow(0, 4), Msat(0));
    // Offline first peer: a local failure, nothing sent.
    sim.set_fault(1, NodeFault { offline: true, ..Default::default() });
    let (out, _) = invoice_pay(&mut sim, &path);
    assert_eq!(out, Outcome::Local(LocalFailure::PeerOffline { scid: scid(1) }));
    assert_clean(&sim);

    // A holding node delays but the payment succeeds.
    let (mut sim, path) = line();
    sim.set_fault(2, NodeFault { hold_ms: 30_000, ..Default::default() });
    let (out, _) = invoice_pay(&mut sim, &path);
    assert!(matches!(out, Outcome::Paid(_)));
    assert!(sim.now_ms() >= 30_000);
    assert_clean(&sim);

    // A corrupting node makes the failure of a later hop unreadable.
    let (mut sim, path) = line();
    sim.set_fault(2, NodeFault { corrupt_failures: true, ..Default::default() });
    sim.set_actual_policy(scid(4), 3, |p| route::graph::EdgePolicy { enabled: false, ..p });
    let (out, _) = invoice_pay(&mut sim, &path);
    assert_eq!(out, Outcome::Unattributable);
    assert_clean(&sim);

    // A silent node: the HTLC stays locked until its expiry, then the previous hop fails it
    // with permanent_channel_failure.
    let (mut sim, path) = line();
    sim.set_fault(3, NodeFault { silent: true, ..Default::default() });
    let (out, _) = invoice_pay(&mut sim, &path);
    assert_eq!(failed(&out), (1, code::PERMANENT_CHANNEL_FAILURE));
    assert!(sim.now_ms() >= 18 * 600_000);
    assert_clean(&sim);
}

#[test]
fn local_failures() {
    let (mut sim, path) = line();
    let inv = sim.create_invoice(4, Some(Msat(AMT))).unwrap();
    let (_, c, payloads) = plan(&sim, 0, &path, AMT, 18, None, None);
    let bytes: Vec<_> = payloads.iter().map(HopSpec::encode).collect();
    let (o, _) = onion_for(&sim, &path, &bytes, &inv.payment_hash, 3);
    let r = sim.send_htlc(scid(1), Msat(CAP), c, inv.payment_hash, o.clone());
    assert!(
        matches!(r, Err(LocalFailure::InsufficientBalance { available, .. }) if available.0 == CAP / 10 * 6 - CAP / 100)
    );
    assert_eq!(
        sim.send_htlc(scid(3), Msat(AMT), c, inv.payment_hash, o.clone()),
        Err(LocalFailure::NotOurChannel { scid: scid(3) })
    );
    assert_eq!(
        sim.send_htlc(scid(77), Msat(AMT), c, inv.payment_hash, o),
        Err(LocalFailure::UnknownChannel { scid: scid(77) })
    );
    assert_clean(&sim);
}

#[test]
fn htlc_slots_per_direction() {
    let mut t = Topology::new();
    for _ in 0..3 {
        t.add_node();
    }
    for i in 0..2u32 {
        t.add_channel(scid(u64::from(i) + 1), i, i + 1, Msat(CAP), policy(0, 0, 40)).balance_a =
            Some(Msat(CAP / 2));
    }
    let cfg = SimConfig { max_htlcs: 2, ..Default::default() };
    let mut sim = Simulator::new(&t, cfg).unwrap();
    let path: Vec<_> = (1..3).map(|n| PathHop { scid: scid(u64::from(n)), node: n }).collect();
    let inv = sim.create_invoice(2, Some(Msat(3 * AMT))).unwrap();
    let pd = Some((inv.payment_secret, Msat(3 * AMT)));
    let (a, c, payloads) = plan(&sim, 0, &path, AMT, 18, pd, None);
    let bytes: Vec<_> = payloads.iter().map(HopSpec::encode).collect();
    let mut atts = Vec::new();
    for i in 0..2 {
        atts.push(send_raw(&mut sim, 0, &path, a, c, &bytes, inv.payment_hash, 20 + i).unwrap());
    }
    // The payer's direction is full.
    let third = send_raw(&mut sim, 0, &path, a, c, &bytes, inv.payment_hash, 30);
    assert_eq!(third.err(), Some(LocalFailure::TooManyHtlcs { scid: scid(1) }));
    // Two of three parts arrived: the set times out and both parts fail with mpp_timeout.
    sim.run_until_idle();
    let mut n = 0;
    while let Some(r) = sim.poll_resolution() {
        let att = atts.iter().find(|x| x.htlc == r.htlc).unwrap();
        assert_eq!(failed(&classify(&att.secrets, r.resolution)), (1, code::MPP_TIMEOUT));
        n += 1;
    }
    assert_eq!(n, 2);
    assert_clean(&sim);
}

#[test]
fn heavy_tailed_latency_stays_deterministic() {
    let mk = |seed| {
        let mut t = Topology::new();
        for _ in 0..5 {
            t.add_node();
        }
        for i in 0..4u32 {
            t.add_channel(scid(u64::from(i) + 1), i, i + 1, Msat(CAP), policy(1000, 100, 40))
                .balance_a = Some(Msat(CAP / 2));
        }
        let latency = lnpay_sim::Latency::HeavyTail { min_ms: 20, alpha: 1.2 };
        Simulator::new(&t, SimConfig { seed, latency, ..Default::default() }).unwrap()
    };
    let path: Vec<_> = (1..5).map(|n| PathHop { scid: scid(u64::from(n)), node: n }).collect();
    let mut times = Vec::new();
    for seed in [1, 1, 2] {
        let mut sim = mk(seed);
        let inv = sim.create_invoice(4, Some(Msat(AMT))).unwrap();
        let pd = Some((inv.payment_secret, Msat(AMT)));
        let out = pay(&mut sim, 0, &path, AMT, inv.payment_hash, pd, None);
        assert!(matches!(out, Outcome::Paid(_)), "{out:?}");
        assert!(sim.now_ms() >= 8 * 20);
        times.push(sim.now_ms());
    }
    assert_eq!(times[0], times[1]);
    assert_ne!(times[0], times[2]);
}
