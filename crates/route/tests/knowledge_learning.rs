//! Learning from outcomes: after failures are reported the next flow avoids the learned
//! bottleneck; re-routing after a partial failure routes only the failed amount, around what
//! is still in flight; a success makes the same amount certain.

use lnpay_route::flow::{flow, Flow, FlowParams};
use lnpay_route::graph::{EdgePolicy, Graph, GraphBuilder};
use lnpay_route::knowledge::{Knowledge, KnowledgeConfig, TEMPORARY_CHANNEL_FAILURE};
use std::collections::HashMap;
use std::sync::Arc;
use types::{Msat, NodeId, ShortChannelId, ShortChannelIdDir};

fn node(b: u8) -> NodeId {
    let mut a = [b; 33];
    a[0] = 2;
    NodeId::from_array(a).unwrap()
}

/// 1 -> {2, 3, 5} -> 4, each middle channel 2M msat; the route over 2 is cheapest, then 3, 5.
fn graph() -> Arc<Graph> {
    let mut g = GraphBuilder::new();
    let mut add = |scid: u64, a: u8, b: u8, cap: u64, ppm: u32| {
        g.add_channel(ShortChannelId(scid), node(a), node(b), Some(Msat(cap)));
        for d in 0..2 {
            let p = EdgePolicy {
                timestamp: 1,
                enabled: true,
                base_fee_msat: 0,
                fee_ppm: ppm,
                cltv_delta: 12,
                htlc_min: Msat(1),
                htlc_max: Msat(cap),
            };
            g.update_direction(ShortChannelId(scid), d, p).unwrap();
        }
    };
    add(1, 1, 2, 100_000_000, 0);
    add(2, 2, 4, 2_000_000, 100);
    add(3, 1, 3, 100_000_000, 0);
    add(4, 3, 4, 2_000_000, 300);
    add(5, 1, 5, 100_000_000, 0);
    add(6, 5, 4, 2_000_000, 600);
    g.build()
}

/// Amount per directed channel over all parts.
fn loads(f: &Flow) -> HashMap<ShortChannelIdDir, u64> {
    let mut out = HashMap::new();
    for p in &f.parts {
        for h in &p.hops {
            *out.entry(h.channel_dir()).or_default() += h.amount.0;
        }
    }
    out
}

fn on(f: &Flow, scid: u64) -> u64 {
    loads(f).iter().filter(|(c, _)| c.scid == ShortChannelId(scid)).map(|(_, a)| *a).sum()
}

#[test]
fn next_flow_avoids_the_learned_bottleneck() {
    let g = graph();
    let mut k = Knowledge::new(KnowledgeConfig::default());
    let p = FlowParams::new(node(1), node(4), Msat(600_000));
    let first = flow(&g, &k.snapshot(&g, 0), &p).unwrap();
    assert!(on(&first, 2) >= 300_000, "{first:?}");
    // Every part over channel 2 fails there.
    for part in &first.parts {
        k.part_sent(&part.hops);
    }
    for part in &first.parts {
        let i = part.hops.iter().position(|h| h.channel == ShortChannelId(2));
        match i {
            Some(i) => k.part_failed(&g, &part.hops, i, TEMPORARY_CHANNEL_FAILURE, 10),
            None => k.part_succeeded(&g, &part.hops, 10),
        }
    }
    let smallest_failed = first
        .parts
        .iter()
        .filter_map(|p| p.hops.iter().find(|h| h.channel == ShortChannelId(2)))
        .map(|h| h.amount.0)
        .min()
        .unwrap();
    let second = flow(&g, &k.snapshot(&g, 10), &p).unwrap();
    assert!(on(&second, 2) < smallest_failed, "{second:?}");
    assert!(on(&second, 4) + on(&second, 6) > on(&first, 4) + on(&first, 6));
    assert!(second.probability > 0.0);
    // An hour later (one half-life) the bound has relaxed half-way back.
    let c = first.parts.iter().flat_map(|p| &p.hops).find(|h| h.channel == ShortChannelId(2));
    let c = c.unwrap().channel_dir();
    let now = k.liquidity(c, Msat(2_000_000), 10).hi;
    let later = k.liquidity(c, Msat(2_000_000), 10 + 3600).hi;
    assert_eq!(now, smallest_failed - 1);
    assert!((later as i64 - (2_000_000 + now as i64) / 2).abs() <= 1);
}

#[test]
fn reroute_sends_only_the_failed_amount_around_what_is_in_flight() {
    let g = graph();
    let mut k = Knowledge::new(KnowledgeConfig::default());
    let mut p = FlowParams::new(node(1), node(4), Msat(2_400_000));
    p.prob_cost_ppm = 50_000;
    let first = flow(&g, &k.snapshot(&g, 0), &p).unwrap();
    assert!(first.parts.len() >= 2, "{first:?}");
    for part in &first.parts {
        k.part_sent(&part.hops);
    }
    // The largest part fails at its last channel; the others stay in flight.
    let failed = &first.parts[0];
    let last = failed.hops.len() - 1;
    k.part_failed(&g, &failed.hops, last, TEMPORARY_CHANNEL_FAILURE, 5);
    let snap = k.snapshot(&g, 5);
    let again = FlowParams { amount: failed.amount, ..p.clone() };
    let second = flow(&g, &snap, &again).unwrap();
    assert_eq!(second.amount, failed.amount);
    // Nothing may exceed what the channels can hold beside the parts still in flight.
    for (c, a) in loads(&second) {
        let e = g.edge_of(c.scid, c.direction).unwrap();
        let l = snap.liquidity(e);
        assert!(a + l.in_flight <= l.hi, "{c}: {a} + {} > {}", l.in_flight, l.hi);
    }
    let bottleneck = failed.hops[last].channel_dir();
    let load = loads(&second).get(&bottleneck).copied().unwrap_or(0);
    assert!(load < failed.hops[last].amount.0);
}

#[test]
fn success_makes_the_amount_certain() {
    let g = graph();
    let mut k = Knowledge::new(KnowledgeConfig::default());
    let mut p = FlowParams::new(node(1), node(4), Msat(1_000_000));
    p.max_parts = 1;
    let first = flow(&g, &k.snapshot(&g, 0), &p).unwrap();
    assert!(first.probability < 0.6);
    k.part_sent(&first.parts[0].hops);
    k.part_succeeded(&g, &first.parts[0].hops, 1);
    let second = flow(&g, &k.snapshot(&g, 1), &p).unwrap();
    assert_eq!(second.probability, 1.0);
    assert_eq!(second.parts[0].hops, first.parts[0].hops);
}
