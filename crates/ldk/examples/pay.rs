//! The seed flow on real LDK nodes: a payee's LDK node makes a BOLT 11 invoice, the payer
//! decodes it with `lnpay-bolt11`, pays it through its `ChannelManager` routed by
//! `LnpayRouter`, and reads `PaymentSent` / `PaymentFailed` from LDK's events.
//!
//! ```sh
//! cargo run -p lnpay-ldk --example pay -- 250000000
//! ```

use lightning::events::Event;
use lnpay_ldk::network::{Network, RouterKind, Topology};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let amount_msat: u64 = std::env::args().nth(1).map_or(Ok(250_000_000), |a| a.parse())?;
    // Twenty LDK nodes, channels opened, confirmed and announced over real gossip.
    let mut net = Network::build(&Topology::generated(20, 3, 7), RouterKind::Lnpay, 7);
    let (payer, payee) = (net.by_degree()[0], net.by_degree()[19]);

    let invoice = net.invoice(payee, amount_msat, "lnpay in LDK")?;
    let decoded = bolt11::Invoice::decode(&invoice.to_string(), bolt11::Currency::Regtest)?;
    println!(
        "invoice {} msat to {}, hash {}",
        amount_msat,
        decoded.payee(),
        decoded.payment_hash()
    );

    let id = net.pay(payer, &invoice)?;
    net.settle();
    for event in &net.nodes[payer].events {
        match event {
            Event::PaymentSent { payment_id: Some(p), payment_preimage, fee_paid_msat, .. }
                if *p == id =>
            {
                println!("sent: preimage {payment_preimage}, fee {fee_paid_msat:?} msat");
            }
            Event::PaymentFailed { payment_id, reason, .. } if *payment_id == id => {
                println!("failed: {reason:?}");
            }
            Event::PaymentPathFailed { payment_id: Some(p), short_channel_id, .. } if *p == id => {
                println!("a part failed at channel {short_channel_id:?}; LDK retries it");
            }
            _ => {}
        }
    }
    Ok(())
}
