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
