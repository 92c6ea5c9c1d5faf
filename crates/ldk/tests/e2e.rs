//! End to end on real LDK nodes: invoices made by LDK, paid by a `ChannelManager` routed by
//! `LnpayRouter`; every failure comes from a real LDK forwarding node.

use lightning::events::PaymentFailureReason;
use lightning::util::ser::{ReadableArgs, Writeable};
use lnpay_ldk::network::{AnyScorer, ChannelSpec, Network, RouterKind, Topology};
use lnpay_ldk::LnpayScorer;
use std::sync::Arc;

const CHEAP: (u32, u32, u16) = (0, 10, 48);
const DEAR: (u32, u32, u16) = (1_000, 1_000, 48);

/// `a` funds `capacity_sat`, all of it on `a`'s side.
fn chan(a: usize, b: usize, capacity_sat: u64, policy_a: (u32, u32, u16)) -> ChannelSpec {
    ChannelSpec { a, b, capacity_sat, push_msat: 0, policies: [policy_a, CHEAP], announced: true }
}

/// 0 payer, 1 A, 2 B, 3 C, 4 payee; cheap 0-1-2-4, dear 0-3-4; 5-6 apart from the rest.
fn diamond() -> Topology {
    Topology {
        nodes: 7,
        channels: vec![
            chan(0, 1, 2_000_000, CHEAP),
            chan(1, 2, 2_000_000, CHEAP),
            chan(2, 4, 2_000_000, CHEAP),
            chan(0, 3, 2_000_000, CHEAP),
            chan(3, 4, 2_000_000, DEAR),
            chan(5, 6, 1_000_000, CHEAP),
        ],
    }
}

fn lnpay_scorer(net: &Network, i: usize) -> Arc<std::sync::RwLock<lnpay_ldk::network::Knowledge>> {
    match &net.nodes[i].scorer {
        AnyScorer::Lnpay(s) => Arc::clone(s),
        AnyScorer::Ldk(_) => panic!("node {i} does not route with lnpay"),
    }
}

#[test]
fn an_ldk_invoice_decodes_the_same_with_lnpay_bolt11_and_is_paid_through_lnpay_routing() {
    let mut net = Network::build(&diamond(), RouterKind::Lnpay, 1);
    let invoice = net.invoice(4, 150_000_000, "coffee").unwrap();
    let ours = bolt11::Invoice::decode(&invoice.to_string(), bolt11::Currency::Regtest).unwrap();
    assert_eq!(ours.payment_hash().as_bytes(), invoice.payment_hash().as_byte_array());
    assert_eq!(ours.payment_secret().as_bytes(), &invoice.payment_secret().0);
    assert_eq!(ours.amount().map(|m| m.0), invoice.amount_milli_satoshis());
    assert_eq!(ours.payee_pubkey(), &invoice.recover_payee_pub_key());
    assert_eq!(ours.payee_pubkey(), &net.nodes[4].node_id);
    assert_eq!(ours.min_final_cltv_expiry_delta(), invoice.min_final_cltv_expiry_delta());
    assert_eq!(ours.expiry(), invoice.expiry_time().as_secs());
    assert_eq!(ours.timestamp(), invoice.duration_since_epoch().as_secs());
    assert_eq!(
        ours.features().to_be_bytes(),
        invoice
            .features()
            .unwrap()
            .le_flags()
            .iter()
            .rev()
            .copied()
            .skip_while(|b| *b == 0)
            .collect::<Vec<u8>>()
    );

    let before = net.balance(0, 1) + net.balance(0, 3);
    let id = net.pay(0, &invoice).unwrap();
    net.settle();
    let out = net.outcome(0, id);
    assert_eq!(out.failed, None, "{out:?}");
    let preimage = out.preimage.expect("PaymentSent");
    let hash = bitcoin::hashes::sha256::Hash::hash(&preimage);
    use bitcoin::hashes::Hash;
    assert_eq!(hash.as_byte_array(), invoice.payment_hash().as_byte_array());
    // The cheap way: A forwards over A-B (10 ppm), B over B-payee (10 ppm).
    let fee = out.fee_msat.unwrap();
    assert!((1_500..=3_100).contains(&fee), "fee {fee} msat, {out:?}");
    let spent = before - (net.balance(0, 1) + net.balance(0, 3));
    assert!(spent >= 150_000_000 + fee && spent < 150_000_000 + fee + 10_000_000, "{spent}");
}

#[test]
fn a_payment_no_single_channel_can_carry_goes_in_parts() {
    // 0 payer with two 600k sat channels, to 1 and 2, each on to 3, the payee.
    let topology = Topology {
        nodes: 4,
        channels: vec![
            chan(0, 1, 600_000, CHEAP),
            chan(0, 2, 600_000, CHEAP),
            chan(1, 3, 600_000, CHEAP),
            chan(2, 3, 600_000, CHEAP),
        ],
    };
    let mut net = Network::build(&topology, RouterKind::Lnpay, 2);
    let invoice = net.invoice(3, 900_000_000, "big").unwrap();
    let id = net.pay(0, &invoice).unwrap();
    net.settle();
    let out = net.outcome(0, id);
    assert!(out.preimage.is_some(), "{out:?}");
    assert!(out.paths_succeeded.len() >= 2, "{out:?}");
    let firsts: std::collections::BTreeSet<u64> =
        out.paths_succeeded.iter().map(|p| p[0]).collect();
    assert_eq!(firsts.len(), 2, "both first channels carried a part: {out:?}");
}

#[test]
fn a_drained_channel_fails_is_learned_avoided_on_retry_and_after_a_restart() {
    let mut net = Network::build(&diamond(), RouterKind::Lnpay, 3);
    let ab = net.scids(1, 2)[0];
    // Drain A -> B with a real payment from A to B.
    let drain = net.invoice(2, net.balance(1, 2) - 1_000_000, "drain").unwrap();
    let id = net.pay(1, &drain).unwrap();
    net.settle();
    assert!(net.outcome(1, id).preimage.is_some(), "{:?}", net.outcome(1, id));
    assert!(net.balance(1, 2) <= 1_000_000, "A -> B holds {}", net.balance(1, 2));

    // One part, so that the amount tried over A-B is the whole payment.
    let amount = 300_000_000;
    let invoice = net.invoice(4, amount, "first").unwrap();
    let id = net.pay_in_parts(0, &invoice, 1).unwrap();
    net.settle();
    let out = net.outcome(0, id);
    assert!(out.paths_failed.contains(&Some(ab)), "A-B was tried and failed at A: {out:?}");
    assert!(out.preimage.is_some(), "the retry went around: {out:?}");
    assert!(out.paths_succeeded.iter().all(|p| !p.contains(&ab)), "{out:?}");

    // Knowledge now bounds A -> B below what was tried.
    let scorer = lnpay_scorer(&net, 0);
    let a = lnpay_types_id(&net, 1);
    let b = lnpay_types_id(&net, 2);
    let direction = u8::from(a > b);
    let known = scorer.read().unwrap().liquidity(ab, direction).unwrap();
    // A was asked to forward the amount plus B's fee (10 ppm): A -> B holds less than that,
    // relaxed towards the capacity by the seconds since (half-life one hour: ~330 sat/s).
    let forwarded = amount + amount / 100_000;
    assert_eq!(known.capacity, 2_000_000_000);
    assert!(known.hi >= forwarded - 1, "{known:?}");
    assert!(known.hi < forwarded + 20_000_000, "A -> B known at most {} msat", known.hi);

    // Restart the payer's scorer: written, read back, put in place of the old one.
    let bytes = scorer.read().unwrap().encode();
    let restored = LnpayScorer::read(&mut &bytes[..], Arc::clone(&net.nodes[0].graph)).unwrap();
    assert_eq!(restored.liquidity(ab, direction).unwrap().hi, known.hi);
    let invoice = net.invoice(4, amount, "second").unwrap();
    // Control: with nothing learned the router would still take A-B.
    let fresh = LnpayScorer::new(Default::default(), Arc::clone(&net.nodes[0].graph));
    *scorer.write().unwrap() = fresh;
    assert!(first_route(&net, &invoice).contains(&ab));
    *scorer.write().unwrap() = restored;
    assert!(!first_route(&net, &invoice).contains(&ab));

    let id = net.pay_in_parts(0, &invoice, 1).unwrap();
    net.settle();
    let out = net.outcome(0, id);
    assert!(out.preimage.is_some(), "{out:?}");
    assert!(out.paths_failed.is_empty(), "the first attempt avoided A-B: {out:?}");
    assert!(out.paths_succeeded.iter().all(|p| !p.contains(&ab)), "{out:?}");
}

#[test]
fn a_payee_behind_a_private_channel_is_reached_through_its_invoices_route_hint() {
    // 4 has one private channel, from B; the public graph does not know 4 at all.
    let mut topology = diamond();
    topology.channels.retain(|c| c.b != 4);
    topology.channels.push(ChannelSpec { announced: false, ..chan(2, 4, 1_000_000, (5, 50, 48)) });
    let mut net = Network::build(&topology, RouterKind::Lnpay, 5);
    let payee = lightning::routing::gossip::NodeId::from_pubkey(&net.nodes[4].node_id);
    assert!(net.nodes[0].graph.read_only().node(&payee).is_none());
    let invoice = net.invoice(4, 200_000_000, "private").unwrap();
    let hints = invoice.route_hints();
    assert_eq!(hints.len(), 1, "{hints:?}");
    assert_eq!(hints[0].0[0].src_node_id, net.nodes[2].node_id);
    let ours = bolt11::Invoice::decode(&invoice.to_string(), bolt11::Currency::Regtest).unwrap();
    assert_eq!(ours.route_hints().len(), 1);

    let id = net.pay(0, &invoice).unwrap();
    net.settle();
    let out = net.outcome(0, id);
    assert!(out.preimage.is_some(), "{out:?}");
    let hinted = hints[0].0[0].short_channel_id;
    assert!(out.paths_succeeded.iter().all(|p| p.last() == Some(&hinted)), "{out:?}");
    // B's private-channel fee: 5 msat + 50 ppm of 200k sat; A's 10 ppm on top.
    assert!(out.fee_msat.unwrap() >= 10_005, "{out:?}");
}

#[test]
fn an_unreachable_payee_fails_with_route_not_found() {
    let mut net = Network::build(&diamond(), RouterKind::Lnpay, 4);
    let invoice = net.invoice(6, 10_000_000, "island").unwrap();
    let started = net.pay(0, &invoice);
    net.settle();
    match started {
        Ok(id) => {
            let out = net.outcome(0, id);
            assert_eq!(out.failed, Some(Some(PaymentFailureReason::RouteNotFound)), "{out:?}");
            assert_eq!(out.preimage, None);
        }
        Err(e) => assert!(e.to_string().contains("RouteNotFound"), "{e}"),
    }
}

/// The channels of the single path node 0's router picks for `invoice` now.
fn first_route(net: &Network, invoice: &lightning::bolt11_invoice::Bolt11Invoice) -> Vec<u64> {
    use lightning::routing::router::{InFlightHtlcs, PaymentParameters, RouteParameters, Router};
    let payer = &net.nodes[0];
    let params = RouteParameters::from_payment_params_and_value(
        PaymentParameters::from_bolt11_invoice(invoice).with_max_path_count(1),
        invoice.amount_milli_satoshis().unwrap(),
    );
    let hops = payer.manager.list_usable_channels();
    let hops: Vec<_> = hops.iter().collect();
    let route = payer
        .router
        .find_route(&payer.node_id, &params, Some(&hops), InFlightHtlcs::new())
        .unwrap();
    assert_eq!(route.paths.len(), 1);
    route.paths[0].hops.iter().map(|h| h.short_channel_id).collect()
}

fn lnpay_types_id(net: &Network, i: usize) -> Vec<u8> {
    net.nodes[i].node_id.serialize().to_vec()
}

#[test]
fn a_small_payment_goes_whole_over_the_cheapest_path_even_when_its_fee_is_mostly_base() {
    // 0 pays 4 10k sat: through 1 (base 1,000 msat, 1 ppm: 1,010 msat) or through 2 (no base,
    // 200 ppm: 2,000 msat). Priced as if split in ten, the base fee looked ten times dearer.
    let topology = Topology {
        nodes: 5,
        channels: vec![
            chan(0, 1, 2_000_000, CHEAP),
            chan(1, 4, 2_000_000, (1_000, 1, 48)),
            chan(0, 2, 2_000_000, CHEAP),
            chan(2, 4, 2_000_000, (0, 200, 48)),
        ],
    };
    let mut net = Network::build(&topology, RouterKind::Lnpay, 4);
    let invoice = net.invoice(4, 10_000_000, "small").unwrap();
    let id = net.pay(0, &invoice).unwrap();
    net.settle();
    let out = net.outcome(0, id);
    assert!(out.preimage.is_some(), "{out:?}");
    assert_eq!(out.paths_succeeded.len(), 1, "one part: {out:?}");
    assert!(out.paths_failed.is_empty(), "{out:?}");
    assert_eq!(out.paths_succeeded[0][1], net.scids(1, 4)[0], "{out:?}");
    assert_eq!(out.fee_msat, Some(1_010), "{out:?}");
}
