//! BOLT 12 across the simulated network, the payer's side scripted from `onion` and `bolt12`:
//! node 0 asks node 3's offer for an invoice (an `invoice_request` in an onion message with a
//! reply path), node 3 answers over the reply path with a signed invoice whose blinded payment
//! paths start at its two channel peers, node 0 checks the invoice against its request and pays
//! it in two parts, one through each path, with the onion crate's blinded payment onion; node 3
//! settles both. A payment the payee refuses inside a path comes back as BOLT 4 route blinding
//! wants: `update_fail_malformed_htlc` (`invalid_onion_blinding`) from the payee to the
//! introduction node, which answers the payer with `invalid_onion_blinding` of its own.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use bolt12::fields::BlindedPayInfo;
use bolt12::{Invoice, InvoiceRequest, InvreqFields, Offer};
use lnpay_sim::{
    ChannelBackend, LogKind, RefusedRequest, RequestOutcome, Resolution, SimConfig, Simulator,
    Topology,
};
use onion::blinded_payment::{build_blinded_payment_onion, BlindedFinalData};
use onion::blinding::{build_blinded_path, BlindedPath, EncryptedDataTlv, IntroductionNode};
use onion::crypto::SharedSecret;
use onion::failure::{decode_return_packet, FailureMessage};
use onion::message::path::build_message_path;
use onion::message::tlv::MessageContents;
use onion::message::{build_onion_message, FinalContents, MessageKeys};
use secp256k1::{PublicKey, Secp256k1, SecretKey};
use types::{Hop, Msat, NodeId, PaymentHash, ShortChannelId};

const FEE_BASE: u32 = 1_000;
const FEE_PPM: u32 = 100;
const CLTV_DELTA: u16 = 40;

/// 0 — 1 — 3 and 0 — 2 — 3: the payer 0, the payee 3, its two peers 1 and 2.
fn square() -> Simulator {
    let mut t = Topology::new();
    for _ in 0..4 {
        t.add_node();
    }
    let policy = common::policy(FEE_BASE, FEE_PPM, CLTV_DELTA);
    for (i, (a, b)) in [(0, 1), (0, 2), (1, 3), (2, 3)].into_iter().enumerate() {
        t.add_channel(scid(i as u32), a, b, Msat(1_000_000_000), policy);
    }
    let cfg = SimConfig { seed: 5, ..Default::default() };
    Simulator::new(&t, cfg).unwrap()
}

fn scid(i: u32) -> ShortChannelId {
    ShortChannelId((700_000 + u64::from(i)) << 40)
}

fn key(b: u8) -> SecretKey {
    SecretKey::from_slice(&[b; 32]).unwrap()
}

fn pk(sim: &Simulator, n: u32) -> PublicKey {
    sim.node_pubkey(n).unwrap()
}

/// The payer's channel to the node `intro` (a peer of node 0 in this network).
fn channel_to(sim: &Simulator, intro: &PublicKey) -> ShortChannelId {
    let n = sim.node_index(&types::NodeId::from_pubkey(intro)).unwrap();
    sim.node_channels(0).into_iter().find(|c| sim.balances(*c).unwrap().0.contains(&n)).unwrap()
}

/// Node 0 requests an invoice for `offer` and returns the request and node 3's invoice.
fn fetch(sim: &mut Simulator, offer: &Offer, to: &BlindedPath) -> (InvoiceRequest, Invoice) {
    let secp = Secp256k1::new();
    let request = InvoiceRequest::for_offer(
        offer,
        &InvreqFields { metadata: Some(vec![7; 16]), ..Default::default() },
        &key(42),
    )
    .unwrap();
    let reply_path =
        build_message_path(&secp, &key(2), &[pk(sim, 1)], pk(sim, 0), 0, Some(b"r".to_vec()))
            .unwrap();
    let contents = FinalContents {
        reply_path: Some(reply_path),
        contents: Some(MessageContents::InvoiceRequest(request.to_bytes())),
        unknown: vec![],
    };
    let keys = MessageKeys { session_key: key(3), path_key: key(4) };
    let intro = to.introduction_node.node_id().unwrap();
    // The introduction node is a peer of node 0, or the payee itself behind node 1.
    let intermediate = if intro == pk(sim, 3) { vec![pk(sim, 1)] } else { vec![] };
    let (peer, message) = build_onion_message(&secp, &keys, &intermediate, to, &contents).unwrap();
    sim.send_onion_message(0, peer, message).unwrap();
    sim.run_until_idle();
    assert_eq!(sim.dropped_onion_messages(), &[]);
    let got = sim.take_onion_messages();
    assert_eq!(got.len(), 1, "one reply: {:?}", sim.answered_requests());
    assert_eq!(got[0].node, 0);
    assert_eq!(got[0].message.path_id.as_deref(), Some(&b"r"[..]));
    let Some(MessageContents::Invoice(bytes)) = &got[0].message.contents else {
        panic!("not an invoice: {:?}", got[0].message.contents)
    };
    let invoice = Invoice::from_bytes(bytes).unwrap();
    invoice.check_response(&request).unwrap();
    (request, invoice)
}

/// The payer's onion of `part` (of `total`) over `hops` (ending at the introduction node of
/// `path`) and through `path`, the payee told `height` as its CLTV.
fn blinded_onion(
    session: u8,
    hops: &[Hop],
    height: u32,
    path: &BlindedPath,
    part: u64,
    total: u64,
    hash: PaymentHash,
) -> (onion::packet::OnionPacket, Vec<SharedSecret>) {
    let fin = BlindedFinalData { amount: Msat(part), delay: 0, total_amount: Msat(total) };
    build_blinded_payment_onion(&key(session), hops, height, path, &fin, &hash).unwrap()
}

/// The hop reaching `node` over `channel` with `amount`, `delay` blocks over the payee's.
fn hop(node: PublicKey, channel: ShortChannelId, amount: u64, delay: u32) -> Hop {
    Hop { id: NodeId::from_pubkey(&node), channel, direction: 0, amount: Msat(amount), delay }
}

/// Sends `part` of an invoice of `total` through `path` from node 0 (whose channel reaches the
/// introduction node directly); returns the HTLC and the hops' shared secrets.
fn pay_part(
    sim: &mut Simulator,
    path: &BlindedPath,
    info: &BlindedPayInfo,
    hash: PaymentHash,
    part: u64,
    total: u64,
    session: u8,
) -> (lnpay_sim::HtlcId, Vec<SharedSecret>) {
    let height = sim.config().block_height;
    let fee = u64::from(info.fee_base_msat)
        + (part * u64::from(info.fee_proportional_millionths)).div_ceil(1_000_000);
    let IntroductionNode::NodeId(intro) = path.introduction_node else { panic!("by channel") };
    let first = channel_to(sim, &intro);
    let delta = u32::from(info.cltv_expiry_delta);
    let to_intro = [hop(intro, first, part + fee, delta)];
    let (onion, secrets) = blinded_onion(session, &to_intro, height, path, part, total, hash);
    let cltv = height + delta;
    let htlc = sim.send_htlc_from(0, first, Msat(part + fee), cltv, hash, onion).unwrap();
    (htlc, secrets)
}

#[test]
fn blinded_offer_invoice_and_mpp_across_two_paths() {
    let mut sim = square();
    let offer = sim.create_offer(3, Some(Msat(300_000)), "coffee", true).unwrap();
    let text = offer.to_string();
    assert!(text.starts_with("lno1"));
    let offer: Offer = text.parse().unwrap();
    assert_eq!(offer.fields().issuer_id, None);
    let offer_path = offer.fields().paths.clone().unwrap().remove(0);
    let intro = offer_path.introduction_node.node_id().unwrap();
    assert!(intro == pk(&sim, 1) || intro == pk(&sim, 2), "a peer of the payee introduces it");

    let (_, invoice) = fetch(&mut sim, &offer, &offer_path);
    assert_eq!(invoice.amount(), Msat(300_000));
    assert!(invoice.allows_mpp());
    // Signed by the offer path's last blinded key (the offer names no issuer).
    assert_eq!(Some(invoice.node_id()), offer_path.final_blinded_node_id());
    let paths = invoice.paths().to_vec();
    assert_eq!(paths.len(), 2);
    let intros: Vec<PublicKey> =
        paths.iter().map(|(p, _)| p.introduction_node.node_id().unwrap()).collect();
    assert!(intros.contains(&pk(&sim, 1)) && intros.contains(&pk(&sim, 2)), "{intros:?}");
    for (p, info) in &paths {
        assert_eq!(p.hops.len(), 2);
        assert_eq!(
            (info.fee_base_msat, info.fee_proportional_millionths),
            (FEE_BASE, FEE_PPM),
            "payinfo is the introduction node's real policy"
        );
        assert_eq!(
            u32::from(info.cltv_expiry_delta),
            u32::from(CLTV_DELTA) + sim.config().min_final_cltv_delta
        );
    }
    let [RequestOutcome::Invoiced { payment_hash, amount, paths: 2 }] =
        sim.answered_requests().iter().map(|a| a.outcome.clone()).collect::<Vec<_>>()[..]
    else {
        panic!("{:?}", sim.answered_requests())
    };
    assert_eq!((payment_hash, amount), (*invoice.payment_hash(), Msat(300_000)));

    // Two parts, one per path; the payee settles when both are in.
    let hash = *invoice.payment_hash();
    let (a, _) = pay_part(&mut sim, &paths[0].0, &paths[0].1, hash, 100_000, 300_000, 10);
    let (b, _) = pay_part(&mut sim, &paths[1].0, &paths[1].1, hash, 200_000, 300_000, 11);
    sim.run_until_idle();
    let mut preimages = vec![];
    while let Some(r) = sim.poll_resolution() {
        assert!([a, b].contains(&r.htlc));
        match r.resolution {
            Resolution::Fulfilled(p) => preimages.push(p),
            other => panic!("part failed: {other:?}"),
        }
    }
    assert_eq!(preimages.len(), 2);
    assert!(preimages.iter().all(|p| p.hash() == hash));
    let s = sim.settlements();
    assert_eq!(s.len(), 1);
    assert_eq!(
        (s[0].payee, s[0].payment_hash, s[0].amount, s[0].parts),
        (3, hash, Msat(300_000), 2)
    );
    sim.check_conservation().unwrap();
}

#[test]
fn clear_issuer_offer_and_a_failure_inside_the_blinded_path() {
    let secp = Secp256k1::new();
    let mut sim = square();
    let offer = sim.create_offer(3, None, "tips", false).unwrap();
    assert_eq!(offer.fields().issuer_id, Some(pk(&sim, 3)));
    assert_eq!(offer.fields().paths, None);
    // No offer path: the payer makes a one-hop path to the issuer itself.
    let to_issuer =
        build_blinded_path(&secp, &key(9), &[(pk(&sim, 3), EncryptedDataTlv::default().encode())])
            .unwrap();
    // An offer without amount needs one in the request: refused, then asked with one.
    let request = InvoiceRequest::for_offer(
        &offer,
        &InvreqFields { metadata: Some(vec![1]), ..Default::default() },
        &key(43),
    );
    assert!(request.is_err(), "bolt12 wants an amount for an offer without one");
    let request = InvoiceRequest::for_offer(
        &offer,
        &InvreqFields { metadata: Some(vec![1]), amount: Some(Msat(50_000)), ..Default::default() },
        &key(43),
    )
    .unwrap();
    let reply_path =
        build_message_path(&secp, &key(2), &[pk(&sim, 2)], pk(&sim, 0), 0, None).unwrap();
    let contents = FinalContents {
        reply_path: Some(reply_path),
        contents: Some(MessageContents::InvoiceRequest(request.to_bytes())),
        unknown: vec![],
    };
    let keys = MessageKeys { session_key: key(5), path_key: key(6) };
    let (peer, message) =
        build_onion_message(&secp, &keys, &[pk(&sim, 1)], &to_issuer, &contents).unwrap();
    sim.send_onion_message(0, peer, message).unwrap();
    sim.run_until_idle();
    let got = sim.take_onion_messages();
    assert_eq!(got.len(), 1, "{:?}", sim.answered_requests());
    let Some(MessageContents::Invoice(bytes)) = &got[0].message.contents else { panic!() };
    let invoice = Invoice::from_bytes(bytes).unwrap();
    invoice.check_response(&request).unwrap();
    assert_eq!(invoice.node_id(), &pk(&sim, 3));
    assert_eq!(invoice.amount(), Msat(50_000));

    // A payment for a hash the payee never issued, through the first path: the payee fails it
    // malformed, the introduction node answers invalid_onion_blinding.
    let (path, info) = invoice.paths()[0].clone();
    let (htlc, secrets) =
        pay_part(&mut sim, &path, &info, PaymentHash([0x77; 32]), 50_000, 50_000, 12);
    let r = sim.run_until_resolution().unwrap();
    assert_eq!(r.htlc, htlc);
    let Resolution::Failed(reason) = r.resolution else { panic!("{:?}", r.resolution) };
    let d = decode_return_packet(&secrets, &reason).unwrap();
    assert_eq!(d.erring_index, 0, "the introduction node answers");
    assert!(matches!(d.failure, FailureMessage::InvalidOnionBlinding { .. }), "{:?}", d.failure);
    let payee_malformed = sim.log().iter().any(|e| {
        matches!(e.kind, LogKind::Malformed { code } if code == wire::failure::code::INVALID_ONION_BLINDING)
    });
    assert!(payee_malformed, "the payee inside the path sends update_fail_malformed_htlc");

    // The invoice's own hash still pays through the same path.
    let (_, _) = pay_part(&mut sim, &path, &info, *invoice.payment_hash(), 50_000, 50_000, 13);
    let r = sim.run_until_resolution().unwrap();
    assert!(
        matches!(r.resolution, Resolution::Fulfilled(p) if p.hash() == *invoice.payment_hash())
    );
    sim.check_conservation().unwrap();
}

#[test]
fn a_failure_at_the_introduction_node_is_invalid_onion_blinding_too() {
    let mut sim = square();
    let offer = sim.create_offer(3, Some(Msat(10_000)), "tea", true).unwrap();
    let offer_path = offer.fields().paths.clone().unwrap().remove(0);
    let (request, invoice) = fetch(&mut sim, &offer, &offer_path);
    let (path, info) = invoice.paths()[0].clone();
    let hash = *invoice.payment_hash();

    // The same request sent to node 3 around its offer path is not answered.
    let secp = Secp256k1::new();
    let direct =
        build_blinded_path(&secp, &key(21), &[(pk(&sim, 3), EncryptedDataTlv::default().encode())])
            .unwrap();
    let reply_path =
        build_message_path(&secp, &key(22), &[pk(&sim, 1)], pk(&sim, 0), 0, None).unwrap();
    let contents = FinalContents {
        reply_path: Some(reply_path),
        contents: Some(MessageContents::InvoiceRequest(request.to_bytes())),
        unknown: vec![],
    };
    let keys = MessageKeys { session_key: key(23), path_key: key(24) };
    let (peer, message) =
        build_onion_message(&secp, &keys, &[pk(&sim, 2)], &direct, &contents).unwrap();
    sim.send_onion_message(0, peer, message).unwrap();
    sim.run_until_idle();
    assert!(sim.take_onion_messages().is_empty());
    assert_eq!(
        sim.answered_requests().last().map(|a| a.outcome.clone()),
        Some(RequestOutcome::Refused(RefusedRequest::NoOffer))
    );

    // An expiry beyond the path's payment_constraints: the introduction node refuses it itself.
    let height = sim.config().block_height;
    let intro = path.introduction_node.node_id().unwrap();
    let first = channel_to(&sim, &intro);
    let fee = u64::from(info.fee_base_msat) + 1;
    let to_intro = [hop(intro, first, 10_000 + fee, u32::from(info.cltv_expiry_delta))];
    let (onion, secrets) = blinded_onion(20, &to_intro, height, &path, 10_000, 10_000, hash);
    let far = height + 3_000;
    let htlc = sim.send_htlc_from(0, first, Msat(10_000 + fee), far, hash, onion).unwrap();
    let r = sim.run_until_resolution().unwrap();
    assert_eq!(r.htlc, htlc);
    let Resolution::Failed(reason) = r.resolution else { panic!("{:?}", r.resolution) };
    let d = decode_return_packet(&secrets, &reason).unwrap();
    assert_eq!(d.erring_index, 0);
    assert!(matches!(d.failure, FailureMessage::InvalidOnionBlinding { .. }), "{:?}", d.failure);
    assert!(!sim.log().iter().any(|e| matches!(e.kind, LogKind::Malformed { .. })));
    assert!(sim.settlements().is_empty());
}

/// 0 — 1 — 2 — 3: the payee 3 has a single peer, so its invoice adds a path introduced two
/// hops away (1 → 2 → 3) beside the one from its peer (2 → 3).
fn line() -> Simulator {
    let mut t = Topology::new();
    for _ in 0..4 {
        t.add_node();
    }
    let policy = common::policy(FEE_BASE, FEE_PPM, CLTV_DELTA);
    for i in 0..3u32 {
        t.add_channel(scid(i), i, i + 1, Msat(1_000_000_000), policy);
    }
    Simulator::new(&t, SimConfig { seed: 6, ..Default::default() }).unwrap()
}

#[test]
fn a_path_introduced_two_hops_away_aggregates_payinfo_and_pays_mpp_with_a_prefix() {
    let mut sim = line();
    let offer = sim.create_offer(3, Some(Msat(300_000)), "bread", false).unwrap();
    let to_issuer =
        build_blinded_path(&Secp256k1::new(), &key(9), &[(pk(&sim, 3), vec![])]).unwrap();
    // Node 0 reaches the issuer through 1 and 2.
    let secp = Secp256k1::new();
    let request = InvoiceRequest::for_offer(
        &offer,
        &InvreqFields { metadata: Some(vec![2]), ..Default::default() },
        &key(44),
    )
    .unwrap();
    let reply_path =
        build_message_path(&secp, &key(2), &[pk(&sim, 1)], pk(&sim, 0), 0, None).unwrap();
    let contents = FinalContents {
        reply_path: Some(reply_path),
        contents: Some(MessageContents::InvoiceRequest(request.to_bytes())),
        unknown: vec![],
    };
    let keys = MessageKeys { session_key: key(5), path_key: key(6) };
    let (peer, message) =
        build_onion_message(&secp, &keys, &[pk(&sim, 1), pk(&sim, 2)], &to_issuer, &contents)
            .unwrap();
    sim.send_onion_message(0, peer, message).unwrap();
    sim.run_until_idle();
    let got = sim.take_onion_messages();
    let Some(MessageContents::Invoice(bytes)) = &got[0].message.contents else { panic!() };
    let invoice = Invoice::from_bytes(bytes).unwrap();
    invoice.check_response(&request).unwrap();
    let paths = invoice.paths().to_vec();
    assert_eq!(paths.len(), 2);
    let (one, two) = (&paths[0], &paths[1]);
    assert_eq!(one.0.introduction_node.node_id(), Some(pk(&sim, 2)));
    assert_eq!((one.0.hops.len(), two.0.hops.len()), (2, 3));
    assert_eq!(two.0.introduction_node.node_id(), Some(pk(&sim, 1)));
    // BOLT 4's aggregation of two hops of base 1000, 100 ppm, delta 40:
    // base = ceil(1000 + 1000 * 1.0001) = 2001, ppm = ceil(200 + 0.01) = 201.
    let final_delta = sim.config().min_final_cltv_delta;
    assert_eq!(
        (
            two.1.fee_base_msat,
            two.1.fee_proportional_millionths,
            u32::from(two.1.cltv_expiry_delta)
        ),
        (2001, 201, 80 + final_delta)
    );

    // Part A through the two-hop path (node 0 is next to its introduction node 1).
    let hash = *invoice.payment_hash();
    let (a, _) = pay_part(&mut sim, &two.0, &two.1, hash, 100_000, 300_000, 30);
    // Part B through the one-hop path, reached through node 1 in the clear.
    let height = sim.config().block_height;
    let part = 200_000u64;
    let to_intro = part
        + u64::from(one.1.fee_base_msat)
        + (part * u64::from(one.1.fee_proportional_millionths)).div_ceil(1_000_000);
    let intro_cltv = height + u32::from(one.1.cltv_expiry_delta);
    let delta = u32::from(one.1.cltv_expiry_delta);
    let hops = [
        hop(
            pk(&sim, 1),
            scid(0),
            to_intro + common::fee(&common::policy(FEE_BASE, FEE_PPM, CLTV_DELTA), to_intro),
            delta + u32::from(CLTV_DELTA),
        ),
        hop(pk(&sim, 2), scid(1), to_intro, delta),
    ];
    let (onion, _) = blinded_onion(31, &hops, height, &one.0, part, 300_000, hash);
    let p1 = common::policy(FEE_BASE, FEE_PPM, CLTV_DELTA);
    let first_amount = to_intro + common::fee(&p1, to_intro);
    let b = sim
        .send_htlc_from(
            0,
            scid(0),
            Msat(first_amount),
            intro_cltv + u32::from(CLTV_DELTA),
            hash,
            onion,
        )
        .unwrap();
    sim.run_until_idle();
    let mut paid = 0;
    while let Some(r) = sim.poll_resolution() {
        assert!([a, b].contains(&r.htlc));
        assert!(matches!(r.resolution, Resolution::Fulfilled(p) if p.hash() == hash), "{r:?}");
        paid += 1;
    }
    assert_eq!(paid, 2);
    let s = sim.settlements();
    assert_eq!((s.len(), s[0].parts), (1, 2));
    // The aggregated payinfo rounds up at each hop: the payee may get a few msat more.
    assert!((300_000..=300_004).contains(&s[0].amount.0), "{:?}", s[0].amount);

    // A failure at the payee, two blinded hops in: malformed to 2, malformed to 1, and the
    // introduction node 1 answers invalid_onion_blinding.
    let (htlc, secrets) =
        pay_part(&mut sim, &two.0, &two.1, PaymentHash([5; 32]), 1_000, 1_000, 32);
    let r = sim.run_until_resolution().unwrap();
    assert_eq!(r.htlc, htlc);
    let Resolution::Failed(reason) = r.resolution else { panic!("{:?}", r.resolution) };
    let d = decode_return_packet(&secrets, &reason).unwrap();
    assert_eq!(d.erring_index, 0);
    assert!(matches!(d.failure, FailureMessage::InvalidOnionBlinding { .. }), "{:?}", d.failure);
    let malformed = sim
        .log()
        .iter()
        .filter(|e| {
            matches!(e.kind, LogKind::Malformed { code } if code == wire::failure::code::INVALID_ONION_BLINDING)
        })
        .count();
    assert_eq!(malformed, 2, "the payee and the hop after the introduction node");
    sim.check_conservation().unwrap();
}

/// The payer 0 with big channels to 1, 2, 3 and 4, each a peer of the payee 5 with less and
/// less on its side: the payee's three paths leave 4 out.
fn star() -> Simulator {
    let mut t = Topology::new();
    for _ in 0..6 {
        t.add_node();
    }
    let policy = common::policy(FEE_BASE, FEE_PPM, CLTV_DELTA);
    for k in 1..=4u32 {
        t.add_channel(scid(k), 0, k, Msat(10_000_000_000), policy);
        // Half each: the peer has 200k, 150k, 100k, 50k sat toward the payee.
        let cap = Msat(u64::from(5 - k) * 100_000_000);
        t.add_channel(scid(10 + k), k, 5, cap, policy);
    }
    let cfg = SimConfig { seed: 5, liquidity: lnpay_sim::Liquidity::Even, ..Default::default() };
    Simulator::new(&t, cfg).unwrap()
}

#[test]
fn feasibility_through_the_invoice_paths_is_what_they_can_carry() {
    let mut sim = star();
    let offer = sim.create_offer(5, Some(Msat(1_000_000)), "bike", true).unwrap();
    let offer_path = offer.fields().paths.clone().unwrap().remove(0);
    assert_eq!(offer_path.introduction_node.node_id(), Some(pk(&sim, 1)), "the best funded");
    let (_, invoice) = fetch(&mut sim, &offer, &offer_path);
    assert_eq!(invoice.paths().len(), 3);
    let hash = *invoice.payment_hash();
    // 490k sat can reach the payee (each channel keeps a 1 % reserve), 441k through its
    // paths (from 1, 2 and 3: 196k + 147k + 98k).
    assert_eq!(sim.max_flow(0, 5), Msat(490_000_000));
    let via = |sim: &Simulator, sat: u64| sim.can_deliver_via_paths(0, 5, &hash, Msat(sat * 1000));
    assert_eq!(via(&sim, 441_000), Some(true));
    assert_eq!(via(&sim, 441_001), Some(false));
    assert!(sim.can_deliver(0, 5, Msat(480_000_000)));
    // Paths end at the payee: another node or another invoice is not known.
    assert_eq!(sim.can_deliver_via_paths(0, 4, &hash, Msat(1)), None);
    assert_eq!(sim.can_deliver_via_paths(0, 5, &PaymentHash([0; 32]), Msat(1)), None);
}
