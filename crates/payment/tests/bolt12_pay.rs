//! Paying a BOLT 12 invoice's blinded paths with the pay engine: parts route to each
//! introduction node and pay the path's aggregate fee and CLTV, the onion runs through the
//! blinded path (each node peels its layer; the payee learns the amount and the total), the
//! amount spreads over several paths when none carries it alone, and a path that failed
//! inside (`invalid_onion_blinding` from its introduction node) is left for the others. A pay
//! restored from its records after a restart goes on exactly as one never interrupted.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use lnpay_payment::{
    Action, BlindedPayPath, BlindedPayRequest, Command, Config, Input, Machine, PartKey, PayError,
    PayOptions, Record, Reply,
};
use onion::blinding::{blinded_node_secret, build_blinded_path, EncryptedDataTlv};
use onion::crypto::SharedSecret;
use onion::failure::{build_return_packet, FailureMessage, LEGACY_PAYLOAD_LEN};
use onion::packet::{peel, OnionPacket};
use onion::payload::HopPayload;
use onion::secp256k1::{PublicKey, Secp256k1, SecretKey};
use route::flow::FirstHop;
use route::graph::GraphBuilder;
use std::collections::HashSet;
use types::{Msat, NodeId, PaymentPreimage, ShortChannelId};

const NOW_MS: u64 = 1_770_076_800_000;
const HEIGHT: u32 = 900_000;
const PREIMAGE: PaymentPreimage = PaymentPreimage([7; 32]);

fn key(b: u8) -> (SecretKey, PublicKey) {
    let k = SecretKey::from_slice(&[b; 32]).unwrap();
    (k, PublicKey::from_secret_key(&Secp256k1::new(), &k))
}

fn node(b: u8) -> NodeId {
    NodeId::from_pubkey(&key(b).1)
}

/// Us (1) with a channel of `spendable` to each introduction node 11, 12, ...
fn machine(intros: &[u8], spendable: u64) -> Machine {
    let mut m = Machine::new(config(), GraphBuilder::new().build(), HEIGHT);
    m.set_first_hops(first_hops(intros, spendable));
    m
}

fn config() -> Config {
    Config { node_id: node(1), seed: [3; 32], currency: bolt11::Currency::Bitcoin, max_parts: 8 }
}

fn first_hops(intros: &[u8], spendable: u64) -> Vec<FirstHop> {
    intros
        .iter()
        .map(|&i| FirstHop {
            scid: ShortChannelId(100 + u64::from(i)),
            peer: node(i),
            spendable: Msat(spendable),
        })
        .collect()
}

/// A blinded path from introduction node `intro` to the payee (20), with its payinfo.
fn path(intro: u8, base: u32, ppm: u32, cltv: u16) -> BlindedPayPath {
    let secp = Secp256k1::new();
    let tlv = |id: u8| EncryptedDataTlv { path_id: Some(vec![id; 8]), ..Default::default() };
    let p = build_blinded_path(
        &secp,
        &SecretKey::from_slice(&[intro + 40; 32]).unwrap(),
        &[(key(intro).1, tlv(intro).encode()), (key(20).1, tlv(20).encode())],
    )
    .unwrap();
    BlindedPayPath {
        path: p,
        fee_base_msat: base,
        fee_proportional_millionths: ppm,
        cltv_expiry_delta: cltv,
        htlc_minimum_msat: Msat(1),
        htlc_maximum_msat: Msat(1_000_000_000),
    }
}

fn request(amount: u64, paths: Vec<BlindedPayPath>) -> BlindedPayRequest {
    BlindedPayRequest {
        payment_hash: PREIMAGE.hash(),
        amount_msat: Msat(amount),
        payee: node(20),
        expires_at: NOW_MS / 1000 + 7200,
        paths,
        mpp: true,
        invoice: "lni1test".into(),
        options: PayOptions::default(),
    }
}

struct Sent {
    part: PartKey,
    first_hop: ShortChannelId,
    amount: Msat,
    cltv_expiry: u32,
    onion: OnionPacket,
}

fn sent(actions: &[Action]) -> Vec<Sent> {
    actions
        .iter()
        .filter_map(|a| match a {
            Action::SendHtlc { part, first_hop, amount, cltv_expiry, onion, .. } => Some(Sent {
                part: *part,
                first_hop: *first_hop,
                amount: *amount,
                cltv_expiry: *cltv_expiry,
                onion: (**onion).clone(),
            }),
            _ => None,
        })
        .collect()
}

fn pay_reply(actions: &[Action]) -> Option<Reply> {
    actions.iter().find_map(|a| match a {
        Action::Reply { command: 1, result } => Some(result.clone()),
        _ => None,
    })
}

/// The introduction node `intro` peels the part's onion, the payee then peels its layer:
/// returns the intro's shared secret and what the payee was told.
fn peel_through(
    s: &Sent,
    intro: u8,
    p: &BlindedPayPath,
) -> (SharedSecret, onion::payload::BlindedFinal) {
    let hash = PREIMAGE.hash();
    let at_intro = peel(&key(intro).0, &s.onion, &hash.0).unwrap();
    let HopPayload::Blinded(b) = HopPayload::decode(&at_intro.payload, false).unwrap() else {
        panic!("the introduction node's payload is a blinded one");
    };
    assert_eq!(b.current_path_key, Some(p.path.first_path_key));
    let un = onion::blinding::decrypt_recipient_data(
        &Secp256k1::new(),
        &key(intro).0,
        &p.path.first_path_key,
        &b.encrypted_recipient_data,
    )
    .unwrap();
    let payee_key = blinded_node_secret(&key(20).0, &un.next_path_key).unwrap();
    let at_payee = peel(&payee_key, &at_intro.next.unwrap(), &hash.0).unwrap();
    assert!(at_payee.next.is_none());
    let HopPayload::Blinded(f) = HopPayload::decode(&at_payee.payload, true).unwrap() else {
        panic!("the payee's payload is a blinded one");
    };
    (at_intro.shared_secret, f.final_values.unwrap())
}

#[test]
fn no_path_carries_the_amount_alone_so_parts_spread_over_three_and_the_pay_succeeds() {
    let intros = [11u8, 12, 13];
    let mut m = machine(&intros, 400_000);
    let paths: Vec<BlindedPayPath> =
        intros.iter().map(|&i| path(i, 100 * u32::from(i - 10), 1_000, 100)).collect();
    let cmd = Command::PayBlinded(Box::new(request(1_000_000, paths.clone())));
    let actions = m.handle(Input::Command { id: 1, command: cmd }, NOW_MS);
    let parts = sent(&actions);
    assert!(parts.len() >= 3, "{} parts", parts.len());
    let mut delivered = 0;
    let mut channels: Vec<ShortChannelId> = parts.iter().map(|s| s.first_hop).collect();
    channels.sort();
    channels.dedup();
    assert_eq!(channels.len(), 3, "every path is used");
    for s in &parts {
        let i = (s.first_hop.0 - 100) as u8;
        let p = &paths[usize::from(i - 11)];
        let (_, fin) = peel_through(s, i, p);
        assert_eq!(fin.total_amount_msat, Msat(1_000_000));
        let fee = u64::from(p.fee_base_msat) + fin.amt_to_forward.0 * 1_000 / 1_000_000;
        assert_eq!(s.amount.0, fin.amt_to_forward.0 + fee, "the HTLC pays the path's fee");
        // The payee's CLTV is the height plus any shadow offset; the HTLC adds the path's.
        let shadow = fin.outgoing_cltv_value - (HEIGHT + 1);
        assert_eq!(s.cltv_expiry, HEIGHT + 1 + 100 + shadow);
        assert!(s.amount.0 <= 400_000);
        delivered += fin.amt_to_forward.0;
    }
    assert_eq!(delivered, 1_000_000);
    let mut last = Vec::new();
    for s in &parts {
        last = m.handle(Input::Fulfilled { part: s.part, preimage: PREIMAGE }, NOW_MS + 1_000);
    }
    let Some(Reply::Pay(Ok(r))) = pay_reply(&last) else { panic!("{last:?}") };
    assert_eq!(r.amount_msat, Msat(1_000_000));
    assert_eq!(r.payment_preimage, Some(PREIMAGE));
    assert_eq!(r.destination, Some(node(20)));
    assert!(r.amount_sent_msat.0 > 1_000_000);
}

#[test]
fn an_invoice_without_mpp_is_paid_in_one_part_or_not_at_all() {
    let intros = [11u8, 12, 13];
    let mut m = machine(&intros, 400_000);
    let paths: Vec<BlindedPayPath> = intros.iter().map(|&i| path(i, 100, 1_000, 100)).collect();
    let mut r = request(1_000_000, paths.clone());
    r.mpp = false;
    let actions =
        m.handle(Input::Command { id: 1, command: Command::PayBlinded(Box::new(r)) }, NOW_MS);
    assert!(sent(&actions).is_empty());
    assert_eq!(pay_reply(&actions), Some(Reply::Pay(Err(PayError::NoRoute))));
    let mut r = request(300_000, paths);
    r.mpp = false;
    let actions =
        m.handle(Input::Command { id: 1, command: Command::PayBlinded(Box::new(r)) }, NOW_MS);
    assert_eq!(sent(&actions).len(), 1);
}

#[test]
fn a_path_that_failed_inside_is_left_for_the_other_and_the_pay_goes_on() {
    let mut m = machine(&[11, 12], 10_000_000);
    // The path at 11 is cheaper: the first part goes there.
    let paths = vec![path(11, 0, 0, 50), path(12, 2_000, 2_000, 50)];
    let cmd = Command::PayBlinded(Box::new(request(100_000, paths.clone())));
    let actions = m.handle(Input::Command { id: 1, command: cmd }, NOW_MS);
    let first = sent(&actions);
    assert_eq!(first.len(), 1);
    assert_eq!(first[0].first_hop, ShortChannelId(111));
    let (secret, _) = peel_through(&first[0], 11, &paths[0]);
    // Something inside the path failed: the introduction node answers invalid_onion_blinding.
    let msg = FailureMessage::InvalidOnionBlinding { sha256_of_onion: [0; 32] }.encode();
    let reason = build_return_packet(&secret, &msg, LEGACY_PAYLOAD_LEN).unwrap();
    let actions = m.handle(Input::Failed { part: first[0].part, reason }, NOW_MS + 500);
    assert_eq!(pay_reply(&actions), None, "the pay goes on");
    // The path is known to carry less than the part: it is not asked for that again, the
    // other path takes the rest (a smaller part may still try the cheaper path).
    let mut again = sent(&actions);
    assert!(!again.is_empty());
    let delivered = |s: &Sent| {
        let intro = (s.first_hop.0 - 100) as u8;
        peel_through(s, intro, &paths[usize::from(intro - 11)]).1.amt_to_forward.0
    };
    let at = |parts: &[Sent], scid: u64| -> u64 {
        parts.iter().filter(|s| s.first_hop == ShortChannelId(scid)).map(delivered).sum()
    };
    assert!(at(&again, 111) < 100_000 && at(&again, 112) > 0);
    assert_eq!(at(&again, 111) + at(&again, 112), 100_000);
    // If it did, that part fails inside the path too, nothing having passed it between the
    // two failures: the path is held unusable, and the pay goes on through the other.
    let retried: Vec<PartKey> =
        again.iter().filter(|s| s.first_hop == ShortChannelId(111)).map(|s| s.part).collect();
    for part in retried {
        let s = again.iter().find(|s| s.part == part).unwrap();
        let reason = blinding_failure(s, &paths);
        let actions = m.handle(Input::Failed { part, reason }, NOW_MS + 700);
        assert_eq!(pay_reply(&actions), None, "the pay goes on");
        let more = sent(&actions);
        assert!(more.iter().all(|s| s.first_hop == ShortChannelId(112)), "the other path");
        again.retain(|s| s.part != part);
        again.extend(more);
    }
    assert!(again.iter().all(|s| s.first_hop == ShortChannelId(112)), "the other path");
    assert_eq!(at(&again, 112), 100_000);
    let mut last = Vec::new();
    for s in &again {
        last = m.handle(Input::Fulfilled { part: s.part, preimage: PREIMAGE }, NOW_MS + 900);
    }
    let Some(Reply::Pay(Ok(r))) = pay_reply(&last) else { panic!("{last:?}") };
    assert_eq!(r.amount_msat, Msat(100_000));
}

#[test]
fn a_path_that_failed_a_large_part_inside_still_takes_the_rest_in_smaller_parts() {
    // 1M over two paths: our channel to 11 holds 700k, the path at 12 is dearer and takes
    // at most 500k a part. The part through 11 fails inside its path (liquidity inside it):
    // the path is known to carry less than that part, not nothing, so the rest goes through
    // 11 again in smaller parts beside the part in flight at 12, and the pay succeeds.
    let mut m = Machine::new(config(), GraphBuilder::new().build(), HEIGHT);
    let mut hops = first_hops(&[11, 12], 10_000_000);
    hops[0].spendable = Msat(700_000);
    m.set_first_hops(hops);
    let mut paths = vec![path(11, 0, 0, 50), path(12, 1_000, 1_000, 50)];
    paths[1].htlc_maximum_msat = Msat(500_000);
    let cmd = Command::PayBlinded(Box::new(request(1_000_000, paths.clone())));
    let actions = m.handle(Input::Command { id: 1, command: cmd }, NOW_MS);
    let delivered = |s: &Sent| {
        let intro = (s.first_hop.0 - 100) as u8;
        peel_through(s, intro, &paths[usize::from(intro - 11)]).1.amt_to_forward.0
    };
    let mut in_flight = sent(&actions);
    let at = |parts: &[Sent], scid: u64| -> u64 {
        parts.iter().filter(|s| s.first_hop == ShortChannelId(scid)).map(delivered).sum()
    };
    assert_eq!(at(&in_flight, 111) + at(&in_flight, 112), 1_000_000);
    assert!(at(&in_flight, 112) <= 500_000 && at(&in_flight, 111) >= 500_000);
    // The largest part through 11 fails inside the path.
    let big = in_flight
        .iter()
        .filter(|s| s.first_hop == ShortChannelId(111))
        .max_by_key(|s| delivered(s))
        .map(|s| s.part)
        .unwrap();
    let failed = in_flight.iter().find(|s| s.part == big).map(delivered).unwrap();
    let reason = blinding_failure(in_flight.iter().find(|s| s.part == big).unwrap(), &paths);
    let actions = m.handle(Input::Failed { part: big, reason }, NOW_MS + 500);
    assert_eq!(pay_reply(&actions), None, "the pay goes on");
    let again = sent(&actions);
    in_flight.retain(|s| s.part != big);
    // The failed path takes some of the rest again, in parts smaller than the one that
    // failed.
    assert!(at(&again, 111) > 0 && at(&again, 111) < failed, "{} of {failed}", at(&again, 111));
    assert!(again
        .iter()
        .filter(|s| s.first_hop == ShortChannelId(111))
        .all(|s| delivered(s) < failed));
    in_flight.extend(again);
    let mut last = Vec::new();
    for s in &in_flight {
        last = m.handle(Input::Fulfilled { part: s.part, preimage: PREIMAGE }, NOW_MS + 900);
    }
    let Some(Reply::Pay(Ok(r))) = pay_reply(&last) else { panic!("{last:?}") };
    assert_eq!(r.amount_msat, Msat(1_000_000));
}

#[test]
fn an_expired_invoice_or_an_amount_given_is_refused() {
    let mut m = machine(&[11], 1_000_000);
    let mut r = request(1_000, vec![path(11, 0, 0, 40)]);
    r.expires_at = NOW_MS / 1000 - 1;
    let a = m.handle(Input::Command { id: 1, command: Command::PayBlinded(Box::new(r)) }, NOW_MS);
    assert_eq!(
        pay_reply(&a),
        Some(Reply::Pay(Err(PayError::Expired { now: NOW_MS / 1000, expiry: NOW_MS / 1000 - 1 })))
    );
    let mut r = request(1_000, vec![path(11, 0, 0, 40)]);
    r.options.amount_msat = Some(Msat(5));
    let a = m.handle(Input::Command { id: 1, command: Command::PayBlinded(Box::new(r)) }, NOW_MS);
    assert_eq!(
        pay_reply(&a),
        Some(Reply::Pay(Err(PayError::AmountUnnecessary { amount: Msat(5) })))
    );
}

/// An offer of 5,000 msat per item by the payee (20), our request for `quantity` items and
/// the payee's answer with `amount`, created at `created` with the path at 11.
fn offer_request_invoice(
    quantity: Option<u64>,
    amount: u64,
    created: u64,
) -> (bolt12::InvoiceRequest, bolt12::Invoice) {
    use bolt12::fields::BlindedPayInfo;
    use bolt12::{Invoice, InvoiceFields, InvoiceRequest, InvreqFields, Offer, OfferFields};
    let offer = Offer::new(&OfferFields {
        description: Some("coffee".into()),
        amount: Some(5_000),
        issuer_id: Some(key(20).1),
        quantity_max: quantity.map(|_| 10),
        ..OfferFields::default()
    })
    .unwrap();
    let request = InvoiceRequest::for_offer(
        &offer,
        &InvreqFields { metadata: Some(vec![7; 16]), quantity, ..Default::default() },
        &key(30).0,
    )
    .unwrap();
    let p = path(11, 10, 100, 40);
    let info = BlindedPayInfo {
        fee_base_msat: p.fee_base_msat,
        fee_proportional_millionths: p.fee_proportional_millionths,
        cltv_expiry_delta: p.cltv_expiry_delta,
        htlc_minimum_msat: p.htlc_minimum_msat,
        htlc_maximum_msat: p.htlc_maximum_msat,
        features: types::Features::new(),
    };
    let invoice = Invoice::respond(
        &request,
        &InvoiceFields {
            paths: Some(vec![p.path]),
            blindedpay: Some(vec![info]),
            created_at: Some(created),
            payment_hash: Some(PREIMAGE.hash()),
            amount: Some(Msat(amount)),
            ..Default::default()
        },
        &key(20).0,
    )
    .unwrap();
    (request, invoice)
}

#[test]
fn an_invoice_is_checked_against_the_request_the_offer_the_chain_and_the_time() {
    use lnpay_payment::offers::{chain_of, check_invoice, InvoiceCheckError};
    let now = NOW_MS / 1000;
    let chain = chain_of(bolt11::Currency::Bitcoin);
    let (req, inv) = offer_request_invoice(Some(3), 15_000, now);
    assert_eq!(check_invoice(&inv, &req, chain, now), Ok(()));
    // The offer's amount times the quantity, nothing else.
    let (req, inv) = offer_request_invoice(Some(3), 14_999, now);
    assert_eq!(
        check_invoice(&inv, &req, chain, now),
        Err(InvoiceCheckError::AmountNotOffer { amount: Msat(14_999), expected: Msat(15_000) })
    );
    // Another chain.
    let (req, inv) = offer_request_invoice(None, 5_000, now);
    let regtest = chain_of(bolt11::Currency::Regtest);
    assert_eq!(
        check_invoice(&inv, &req, regtest, now),
        Err(InvoiceCheckError::WrongChain { chain })
    );
    // Expired (the default relative expiry is two hours).
    let (req, inv) = offer_request_invoice(None, 5_000, now - 7_201);
    assert_eq!(
        check_invoice(&inv, &req, chain, now),
        Err(InvoiceCheckError::Expired { now, expiry: now - 1 })
    );
    // The answer to another request (two items) does not answer ours (one).
    let (_, other) = offer_request_invoice(Some(2), 10_000, now);
    let (ours, _) = offer_request_invoice(Some(1), 5_000, now);
    assert!(matches!(
        check_invoice(&other, &ours, chain, now),
        Err(InvoiceCheckError::Response(_))
    ));
}

#[test]
fn a_checked_invoice_pays_through_its_path() {
    let (_, inv) = offer_request_invoice(None, 5_000, NOW_MS / 1000);
    let r = BlindedPayRequest::from_invoice(&inv, inv.to_string(), PayOptions::default());
    assert_eq!(r.amount_msat, Msat(5_000));
    assert_eq!(r.payee, node(20));
    assert_eq!(r.paths.len(), 1);
    assert!(!r.mpp, "the invoice sets no MPP feature");
    let mut m = machine(&[11], 1_000_000);
    let paths = r.paths.clone();
    let a = m.handle(Input::Command { id: 1, command: Command::PayBlinded(Box::new(r)) }, NOW_MS);
    let s = sent(&a);
    assert_eq!(s.len(), 1);
    let (_, fin) = peel_through(&s[0], 11, &paths[0]);
    assert_eq!((fin.amt_to_forward, fin.total_amount_msat), (Msat(5_000), Msat(5_000)));
    // 5,000 msat at 100 ppm is 0.5 msat, rounded down: the base fee alone.
    assert_eq!(s[0].amount, Msat(5_000 + 10));
    let a = m.handle(Input::Fulfilled { part: s[0].part, preimage: PREIMAGE }, NOW_MS + 10);
    assert!(matches!(pay_reply(&a), Some(Reply::Pay(Ok(_)))));
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

/// What a part's HTLC carries, comparable across two machines.
fn wire_of(s: &Sent) -> (PartKey, ShortChannelId, Msat, u32, Vec<u8>) {
    (s.part, s.first_hop, s.amount, s.cltv_expiry, s.onion.to_bytes().to_vec())
}

/// The introduction node of the path a part went to answers `invalid_onion_blinding`.
fn blinding_failure(s: &Sent, paths: &[BlindedPayPath]) -> Vec<u8> {
    let intro = (s.first_hop.0 - 100) as u8;
    let (secret, _) = peel_through(s, intro, &paths[usize::from(intro - 11)]);
    let msg = FailureMessage::InvalidOnionBlinding { sha256_of_onion: [0; 32] }.encode();
    build_return_packet(&secret, &msg, LEGACY_PAYLOAD_LEN).unwrap()
}

/// Two machines pay `amount` through `paths` over first hops to `intros` and take the same
/// inputs: `failures` times the part just sent fails inside its path; then one of them is
/// rebuilt from the records it asked to persist (the HTLCs in flight live, the first hops set
/// again, the pay command given again, as a caller reconnecting would). Both then take the
/// same inputs ([`Twins::step`]).
struct Twins {
    straight: Machine,
    restored: Machine,
}

impl Twins {
    /// The twins and the parts in flight at the restart.
    fn new(
        intros: &[u8],
        paths: &[BlindedPayPath],
        amount: u64,
        failures: usize,
    ) -> (Twins, Vec<Sent>) {
        let mut straight = machine(intros, 10_000_000);
        let cmd = Command::PayBlinded(Box::new(request(amount, paths.to_vec())));
        let mut log = straight.handle(Input::Command { id: 1, command: cmd }, NOW_MS);
        let mut in_flight = sent(&log);
        let mut now = NOW_MS;
        for _ in 0..failures {
            now += 100;
            let s = in_flight.first().expect("a part to fail");
            let reason = blinding_failure(s, paths);
            let a = straight.handle(Input::Failed { part: s.part, reason }, now);
            assert_eq!(pay_reply(&a), None, "the pay goes on");
            in_flight = sent(&a);
            log.extend(a);
        }
        let live: HashSet<PartKey> = in_flight.iter().map(|s| s.part).collect();
        now += 100;
        let graph = GraphBuilder::new().build();
        let (mut restored, actions) =
            Machine::restore(config(), graph, HEIGHT, records(&log), &live, now);
        assert!(sent(&actions).is_empty(), "nothing new while the parts are in flight");
        restored.set_first_hops(first_hops(intros, 10_000_000));
        let cmd = Command::PayBlinded(Box::new(request(amount, paths.to_vec())));
        let a = restored.handle(Input::Command { id: 1, command: cmd }, now);
        assert!(sent(&a).is_empty() && pay_reply(&a).is_none(), "the caller waits: {a:?}");
        (Twins { straight, restored }, in_flight)
    }

    /// Feeds both machines `input`; asserts they send the same HTLCs and give the same reply,
    /// and returns what was sent and the reply.
    fn step(&mut self, input: Input, now_ms: u64) -> (Vec<Sent>, Option<Reply>) {
        let a = self.straight.handle(input.clone(), now_ms);
        let b = self.restored.handle(input, now_ms);
        let (sa, sb) = (sent(&a), sent(&b));
        assert_eq!(
            sa.iter().map(wire_of).collect::<Vec<_>>(),
            sb.iter().map(wire_of).collect::<Vec<_>>(),
            "the same HTLCs after the restart"
        );
        assert_eq!(pay_reply(&a), pay_reply(&b), "the same reply after the restart");
        (sa, pay_reply(&a))
    }
}

#[test]
fn a_restored_pay_retries_a_part_failed_inside_its_path_through_the_next_path() {
    // Three paths, cheapest first, none taking less than the amount (their `htlc_min`), so a
    // failure inside one leaves no smaller part to try there: the part goes to 11, fails
    // inside its path and goes to 12; the restart comes with that part in flight. It fails
    // too: both machines, the restored one included, know both paths failed and go to 13.
    let mut paths =
        vec![path(11, 0, 0, 50), path(12, 1_000, 1_000, 50), path(13, 2_000, 2_000, 50)];
    for p in &mut paths {
        p.htlc_minimum_msat = Msat(100_000);
    }
    let (mut twins, second) = Twins::new(&[11, 12, 13], &paths, 100_000, 1);
    assert_eq!(second.iter().map(|s| s.first_hop).collect::<Vec<_>>(), [ShortChannelId(112)]);
    let reason = blinding_failure(&second[0], &paths);
    let (third, reply) = twins.step(Input::Failed { part: second[0].part, reason }, NOW_MS + 500);
    assert_eq!(reply, None, "the pay goes on");
    assert_eq!(third.iter().map(|s| s.first_hop).collect::<Vec<_>>(), [ShortChannelId(113)]);
    let (_, fin) = peel_through(&third[0], 13, &paths[2]);
    assert_eq!((fin.amt_to_forward, fin.total_amount_msat), (Msat(100_000), Msat(100_000)));
    let (more, reply) =
        twins.step(Input::Fulfilled { part: third[0].part, preimage: PREIMAGE }, NOW_MS + 900);
    assert!(more.is_empty());
    let Some(Reply::Pay(Ok(r))) = reply else { panic!("{reply:?}") };
    assert_eq!((r.amount_msat, r.parts, r.destination), (Msat(100_000), 3, Some(node(20))));
    assert_eq!(r.payment_preimage, Some(PREIMAGE));
}

#[test]
fn a_restored_pay_completes_when_its_parts_in_flight_are_fulfilled() {
    // No path carries the amount alone: parts go over three paths, all in flight at the
    // restart; once fulfilled, the restored pay answers as the uninterrupted one.
    let intros = [11u8, 12, 13];
    let paths: Vec<BlindedPayPath> = intros
        .iter()
        .map(|&i| {
            let mut p = path(i, 100 * u32::from(i - 10), 1_000, 100);
            p.htlc_maximum_msat = Msat(400_000);
            p
        })
        .collect();
    let (mut twins, parts) = Twins::new(&intros, &paths, 1_000_000, 0);
    assert!(parts.len() >= 3, "{} parts", parts.len());
    let mut reply = None;
    for (i, s) in parts.iter().enumerate() {
        let input = Input::Fulfilled { part: s.part, preimage: PREIMAGE };
        let (more, r) = twins.step(input, NOW_MS + 1_000 + i as u64);
        assert!(more.is_empty());
        assert_eq!(r.is_some(), i + 1 == parts.len(), "the reply comes with the last part");
        reply = r;
    }
    let Some(Reply::Pay(Ok(r))) = reply else { panic!("{reply:?}") };
    assert_eq!(r.amount_msat, Msat(1_000_000));
    assert_eq!(r.parts as usize, parts.len());
}

#[test]
fn a_bolt12_pay_record_keeps_its_paths_and_an_old_one_reads_without() {
    let paths = vec![path(11, 0, 0, 50), path(12, 1_000, 1_000, 50)];
    let mut m = machine(&[11, 12], 10_000_000);
    let cmd = Command::PayBlinded(Box::new(request(100_000, paths.clone())));
    let log = m.handle(Input::Command { id: 1, command: cmd }, NOW_MS);
    let recs = records(&log);
    let pay = recs
        .iter()
        .find_map(|r| match r {
            Record::Pay(p) => Some(p.clone()),
            _ => None,
        })
        .unwrap();
    let b = pay.blinded.as_ref().expect("the pay's paths are in its record");
    assert_eq!((&b.paths, b.mpp), (&paths, true));
    let part = recs
        .iter()
        .find_map(|r| match r {
            Record::Part(p) => Some(p.clone()),
            _ => None,
        })
        .unwrap();
    assert_eq!(part.blinded_tail, Some(0));
    // Through JSON (as the node stores it) and back, equal.
    let text = serde_json::to_string(&recs).unwrap();
    assert_eq!(serde_json::from_str::<Vec<Record>>(&text).unwrap(), recs);
    // A record written before: no paths, no tail, and the BOLT 12 pay is not resumed.
    let mut old = serde_json::to_value(&recs).unwrap();
    for r in old.as_array_mut().unwrap() {
        for kind in ["Pay", "Part"] {
            if let Some(o) = r.get_mut(kind).and_then(|v| v.as_object_mut()) {
                assert!(o.remove("blinded").is_some() || o.remove("blinded_tail").is_some());
            }
        }
    }
    let old: Vec<Record> = serde_json::from_value(old).unwrap();
    let live: HashSet<PartKey> = sent(&log).iter().map(|s| s.part).collect();
    let graph = GraphBuilder::new().build();
    let (_, actions) = Machine::restore(config(), graph, HEIGHT, old, &live, NOW_MS + 100);
    assert!(sent(&actions).is_empty());
}
