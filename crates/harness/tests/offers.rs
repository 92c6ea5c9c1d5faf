//! The payment machine pays BOLT 12 offers over the simulated network through the driver:
//! `fetchinvoice` sends its invoice request as an onion message, the simulated receiver
//! answers over the reply path, the machine checks the invoice and pays it through its blinded
//! paths; the preimage it returns is the invoice's. A pay stopped at any of its actions (a
//! crash) and restored from its records completes once, through the invoice's paths.

use lnpay_harness::driver::Driver;
use payment::{BlindedPayRequest, Command, FetchinvoiceRequest, PartStatus, PayOptions, Reply};
use sim::workload::add_payer;
use sim::{generate, GeneratorParams, SimConfig, Simulator};
use types::Msat;

fn driver(seed: u64) -> Driver {
    let mut topo = generate(&GeneratorParams { nodes: 40, seed, ..Default::default() });
    let payer = add_payer(&mut topo, 6, Msat(100_000_000_000));
    let mut sim = Simulator::new(&topo, SimConfig { seed, ..Default::default() }).unwrap();
    sim.set_payer(payer);
    Driver::new(sim, [7; 32]).unwrap()
}

/// Fetches an invoice for `offer`; returns it and the request paying it.
fn fetch(
    d: &mut Driver,
    offer: bolt12::Offer,
    amount: Option<Msat>,
) -> (String, BlindedPayRequest) {
    let fetch = FetchinvoiceRequest {
        offer: Box::new(offer),
        amount_msat: amount,
        quantity: None,
        payer_note: None,
        timeout: None,
        payer_metadata: vec![0x42; 16],
    };
    let reply = d.call(Command::Fetchinvoice(fetch));
    let Some(Reply::Fetchinvoice(Ok(fetched))) = reply else {
        panic!("fetchinvoice failed: {reply:?}; dropped: {:?}", d.sim.dropped_onion_messages())
    };
    let invoice: bolt12::Invoice = fetched.invoice.parse().unwrap();
    let req =
        BlindedPayRequest::from_invoice(&invoice, fetched.invoice.clone(), PayOptions::default());
    (fetched.invoice, req)
}

/// Fetches an invoice for `offer` and pays it; returns the pay's reply and the invoice.
fn fetch_and_pay(d: &mut Driver, offer: bolt12::Offer, amount: Option<Msat>) -> (Reply, String) {
    let (text, req) = fetch(d, offer, amount);
    let reply = d.call(Command::PayBlinded(Box::new(req))).expect("a reply");
    (reply, text)
}

/// Pays the invoice `text` through its blinded paths.
fn pay(d: &mut Driver, text: &str) -> Reply {
    let invoice: bolt12::Invoice = text.parse().unwrap();
    let req = BlindedPayRequest::from_invoice(&invoice, text.to_owned(), PayOptions::default());
    d.call(Command::PayBlinded(Box::new(req))).expect("a reply")
}

/// The payer's channel peers (their offer paths may start at the payer, which the machine,
/// holding no node key, cannot advance).
fn payer_peers(d: &Driver) -> Vec<u32> {
    let payer = d.sim.payer();
    d.sim
        .node_channels(payer)
        .into_iter()
        .filter_map(|c| d.sim.balances(c))
        .map(|(nodes, _)| if nodes[0] == payer { nodes[1] } else { nodes[0] })
        .collect()
}

#[test]
fn offers_blinded_and_clear_are_fetched_and_paid() {
    let mut d = driver(3);
    let payer = d.sim.payer();
    let peers = payer_peers(&d);
    let mut paid = 0;
    let mut kinds = [0; 2];
    let mut tried = Vec::new();
    for node in 0..d.sim.node_count() as u32 {
        if node == payer || peers.contains(&node) || paid >= 4 {
            continue;
        }
        let blinded = node % 2 == 0;
        let Ok(offer) = d.sim.create_offer(node, Some(Msat(20_000_000)), "coffee", blinded) else {
            continue;
        };
        let (reply, text) = fetch_and_pay(&mut d, offer, None);
        let invoice: bolt12::Invoice = text.parse().unwrap();
        match reply {
            Reply::Pay(Ok(r)) => {
                let pre = r.payment_preimage.expect("a preimage");
                assert_eq!(pre.hash(), *invoice.payment_hash(), "node {node}");
                assert_eq!(r.amount_msat, Msat(20_000_000));
                assert!(r.amount_sent_msat >= r.amount_msat);
                paid += 1;
                kinds[usize::from(blinded)] += 1;
            }
            other => tried.push((node, blinded, format!("{other:?}"))),
        }
    }
    assert!(paid >= 4, "only {paid} offers paid; failures: {tried:?}");
    assert!(kinds[0] > 0 && kinds[1] > 0, "clear and blinded offers both paid: {kinds:?}");
}

/// What a payer learns of an invoice's blinded paths stays with those paths: after every path
/// of one invoice failed inside (its introduction nodes' channels to the payee were disabled,
/// then enabled again), the payee's next invoice, whose paths start at the same nodes in the
/// same order, is paid at once.
#[test]
fn failed_paths_of_one_invoice_say_nothing_of_the_next_invoices_paths() {
    use route::graph::EdgePolicy;
    use types::ShortChannelId;
    // 0 (payer) - 1, 0 - 2, 1 - 3, 2 - 3 (payee).
    let mut t = sim::Topology::new();
    for _ in 0..4 {
        t.add_node();
    }
    let policy = EdgePolicy {
        timestamp: 1_770_000_000,
        enabled: true,
        base_fee_msat: 1_000,
        fee_ppm: 100,
        cltv_delta: 40,
        htlc_min: Msat(1_000),
        htlc_max: Msat(9_000_000_000),
    };
    let scid = |i: u64| ShortChannelId((700_000 + i) << 40);
    for (i, (a, b)) in [(0, 1), (0, 2), (1, 3), (2, 3)].into_iter().enumerate() {
        t.add_channel(scid(i as u64), a, b, Msat(10_000_000_000), policy);
    }
    let cfg = SimConfig { seed: 5, liquidity: sim::Liquidity::Even, ..Default::default() };
    let mut s = Simulator::new(&t, cfg).unwrap();
    s.set_payer(0);
    let mut d = Driver::new(s, [7; 32]).unwrap();
    let amount = Msat(50_000_000);
    let set_enabled = |d: &mut Driver, enabled: bool| {
        for (i, from) in [(2, 1), (3, 2)] {
            assert!(d.sim.set_actual_policy(scid(i), from, |p| EdgePolicy { enabled, ..p }));
        }
    };

    let offer = d.sim.create_offer(3, Some(amount), "first", false).unwrap();
    let (text, _) = fetch(&mut d, offer, None);
    assert_eq!(text.parse::<bolt12::Invoice>().unwrap().paths().len(), 2);
    set_enabled(&mut d, false);
    let reply = pay(&mut d, &text);
    assert!(matches!(reply, Reply::Pay(Err(_))), "no path can deliver: {reply:?}");
    let failed = d.sent;
    assert!(failed >= 2, "both paths were tried: {failed} parts");

    set_enabled(&mut d, true);
    let offer = d.sim.create_offer(3, Some(amount), "second", false).unwrap();
    let (reply, _) = fetch_and_pay(&mut d, offer, None);
    let Reply::Pay(Ok(paid)) = reply else { panic!("the second invoice is not paid: {reply:?}") };
    assert_eq!(paid.amount_msat, amount);
}

/// `xpay` of an offer is one command: the machine fetches the invoice and pays it under the
/// same id. With the receiver's first (best funded) payment path failing inside it (its last
/// channel disabled), a part fails there and the pay completes through the other paths.
/// The amount is small: a larger one makes the payer's clear routes to one introduction node
/// run through the payee and drain the channel of another path (the payer cannot tell a
/// blinded path's channels), which is the machine's routing, not what this test checks.
#[test]
fn xpay_of_an_offer_fetches_then_pays_and_survives_a_failing_path() {
    use payment::{Bolt12PayRequest, Bolt12Target};
    use sim::OfferSettings;
    let mut d = driver(5);
    let payer = d.sim.payer();
    let me = d.sim.node_id(payer).unwrap();
    let near: Vec<u32> = d
        .sim
        .node_channels(payer)
        .into_iter()
        .filter_map(|c| d.sim.balances(c))
        .map(|(nodes, _)| if nodes[0] == payer { nodes[1] } else { nodes[0] })
        .collect();
    let mut failed_then_paid = 0;
    let mut outcomes = Vec::new();
    for node in 0..d.sim.node_count() as u32 {
        if node == payer || near.contains(&node) || failed_then_paid >= 2 {
            continue;
        }
        // Payment paths from two peers at least (a payee with one peer also gets paths
        // introduced two hops away, which may start at the payer and are then skipped).
        let peers: std::collections::HashSet<u32> = d
            .sim
            .node_channels(node)
            .into_iter()
            .filter_map(|c| d.sim.balances(c))
            .map(|(nodes, _)| if nodes[0] == node { nodes[1] } else { nodes[0] })
            .collect();
        if peers.len() < 3 {
            continue;
        }
        let settings = OfferSettings { blinded: true, payment_paths: 3, fail_first_path: true };
        let Ok(offer) = d.sim.create_offer_with(node, Some(Msat(5_000_000)), "tea", settings)
        else {
            continue;
        };
        let fetch = FetchinvoiceRequest {
            offer: Box::new(offer),
            amount_msat: None,
            quantity: None,
            payer_note: None,
            timeout: None,
            payer_metadata: vec![node as u8; 16],
        };
        let r = Bolt12PayRequest {
            target: Bolt12Target::Offer(fetch),
            options: PayOptions::default(),
            xpay: true,
        };
        let reply = d.call(Command::PayBolt12(Box::new(r)));
        let paths = d.sim.answered_requests().iter().rev().find_map(|a| match a.outcome {
            sim::RequestOutcome::Invoiced { paths, .. } if a.node == node => Some(paths),
            _ => None,
        });
        if paths.unwrap_or(0) < 2 {
            continue; // One path, failing: nothing to retry on.
        }
        match reply {
            Some(Reply::Xpay(Ok(x))) => {
                assert_eq!(x.amount_msat, Msat(5_000_000));
                assert!(x.amount_sent_msat >= x.amount_msat);
                if x.failed_parts > 0 {
                    failed_then_paid += 1;
                }
                outcomes.push((node, x.successful_parts, x.failed_parts));
            }
            other => {
                let parts: Vec<_> = d
                    .machine
                    .parts()
                    .iter()
                    .map(|p| (p.key.partid, p.status, p.amount_msat, p.failure.clone()))
                    .collect();
                panic!("node {node} (peers {peers:?}): {other:?}; parts {parts:?}")
            }
        }
    }
    assert!(failed_then_paid >= 2, "{outcomes:?} (payer {me})");
}

#[test]
fn a_bolt12_pay_restarted_at_every_action_completes_once() {
    // A fresh network and the invoice of a blinded offer of `node` for `amount`, fetched;
    // the pay not yet sent.
    let start = |node: u32, amount: Msat| {
        let mut d = driver(3);
        let offer = d.sim.create_offer(node, None, "coffee", true).ok()?;
        let (text, req) = fetch(&mut d, offer, Some(amount));
        Some((d, text, req))
    };
    // The first blinded payee (not the payer nor its peer) with two paths or more, and an
    // amount that no path carries alone (the largest path's most and half the next's), that
    // the uncrashed run pays in parts through two paths at least.
    let d = driver(3);
    let (payer, peers) = (d.sim.payer(), payer_peers(&d));
    let mut found = None;
    for node in (0..d.sim.node_count() as u32).filter(|n| *n != payer && !peers.contains(n)) {
        let Some((_, _, probe)) = start(node, Msat(1_000_000)) else { continue };
        let mut most: Vec<u64> = probe.paths.iter().map(|p| p.htlc_maximum_msat.0).collect();
        most.sort_unstable_by(|a, b| b.cmp(a));
        let [first, second, ..] = most[..] else { continue };
        let amount = Msat(first + second / 2);
        if amount.0 > 5_000_000_000 {
            continue;
        }
        let Some((mut d, _, req)) = start(node, amount) else { continue };
        let before = d.actions_done;
        let r = d.call(Command::PayBlinded(Box::new(req)));
        let mut tails: Vec<_> = d
            .machine
            .parts()
            .iter()
            .filter(|p| p.status == PartStatus::Complete)
            .map(|p| p.blinded_tail)
            .collect();
        tails.sort();
        tails.dedup();
        if matches!(r, Some(Reply::Pay(Ok(_)))) && tails.len() >= 2 {
            found = Some((node, amount, d.actions_done - before, d.machine.parts().len()));
            break;
        }
    }
    let (node, amount, total, parts) = found.expect("a blinded offer paid without a crash");
    assert!(parts >= 2, "{parts} parts");
    let mut crashes = 0;
    for k in 0..total {
        let (mut d, text, req) = start(node, amount).unwrap();
        let invoice: bolt12::Invoice = text.parse().unwrap();
        d.crash_at = Some(d.actions_done + k);
        let id = d.submit(Command::PayBlinded(Box::new(req.clone())));
        let first = d.run_until_reply(id);
        if d.crashed {
            crashes += 1;
            d.restart();
        } else {
            assert!(matches!(first, Some(Reply::Pay(Ok(_)))), "crash at {k}: {first:?}");
        }
        // The caller asks again: it latches on the restored pay, or reads its result.
        let reply = d.call(Command::PayBlinded(Box::new(req.clone())));
        let Some(Reply::Pay(Ok(r))) = reply else { panic!("crash at {k} of {total}: {reply:?}") };
        d.run_until_idle();
        assert_eq!(r.payment_preimage.map(|p| p.hash()), Some(*invoice.payment_hash()));
        assert_eq!(r.amount_msat, amount, "crash at {k}");
        // Delivered once: exactly the amount over the fulfilled parts of one group, none in
        // flight, each through one of the invoice's paths.
        let complete: Vec<_> =
            d.machine.parts().iter().filter(|p| p.status == PartStatus::Complete).collect();
        let delivered: u64 = complete.iter().map(|p| p.amount_msat.0).sum();
        assert_eq!(delivered, amount.0, "crash at {k}");
        assert!(complete.len() >= 2, "crash at {k}: {} parts", complete.len());
        assert!(complete.iter().all(|p| p.key.groupid == complete[0].key.groupid));
        assert!(complete.iter().all(|p| p.blinded_tail.is_some()), "crash at {k}");
        assert!(d.machine.parts().iter().all(|p| p.status != PartStatus::Pending));
        assert_eq!(d.sim.htlcs_in_flight(), 0, "crash at {k}");
    }
    assert_eq!(crashes, total);
    eprintln!("bolt12 pay of {amount} to node {node}: {total} actions, {parts} parts");
}
