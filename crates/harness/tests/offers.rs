//! The payment machine pays BOLT 12 offers over the simulated network through the driver:
//! `fetchinvoice` sends its invoice request as an onion message, the simulated receiver
//! answers over the reply path, the machine checks the invoice and pays it through its blinded
//! paths; the preimage it returns is the invoice's.

use lnpay_harness::driver::Driver;
use payment::{BlindedPayRequest, Command, FetchinvoiceRequest, PayOptions, Reply};
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

/// Fetches an invoice for `offer` and pays it; returns the pay's reply and the invoice.
fn fetch_and_pay(d: &mut Driver, offer: bolt12::Offer, amount: Option<Msat>) -> (Reply, String) {
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
    let reply = d.call(Command::PayBlinded(Box::new(req))).expect("a reply");
    (reply, fetched.invoice)
}

#[test]
fn offers_blinded_and_clear_are_fetched_and_paid() {
    let mut d = driver(3);
    let payer = d.sim.payer();
    // The payer's own peers are left out: their offer paths may start at the payer, and the
    // machine (which holds no node key) cannot advance a path that starts with itself.
    let peers: Vec<u32> = d
        .sim
        .node_channels(payer)
        .into_iter()
        .filter_map(|c| d.sim.balances(c))
        .map(|(nodes, _)| if nodes[0] == payer { nodes[1] } else { nodes[0] })
        .collect();
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
