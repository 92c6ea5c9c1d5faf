//! Flows on the real mainnet graphs with balances drawn from the prior: the probability a flow
//! reports must match how often the drawn balances actually carry it.
//!
//! For each graph, every channel gets a balance drawn uniformly on `[0, capacity]` (seeded);
//! a hundred random payments per graph are routed with no knowledge, and for each we compare the
//! predicted set probability with whether the drawn balances carry every part (each directed
//! channel's total load at most its balance). Over the payments, the number carried must lie
//! within statistical tolerance of the sum of the predictions.

mod common;

use common::{load, GRAPH_2021, GRAPH_2026};
use lnpay_route::flow::{flow, FlowParams};
use lnpay_route::graph::Graph;
use lnpay_route::knowledge::{Knowledge, KnowledgeConfig};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::collections::HashMap;
use types::{Msat, ShortChannelIdDir};

/// Balance of each directed channel: direction 0 holds `x ~ U[0, cap]`, direction 1 the rest.
fn draw_balances(g: &Graph, rng: &mut StdRng) -> HashMap<ShortChannelIdDir, u64> {
    let mut out = HashMap::new();
    for c in g.channels() {
        let cap = c.capacity.map_or(0, |m| m.0);
        let x = rng.gen_range(0..=cap);
        out.insert(ShortChannelIdDir { scid: c.scid, direction: 0 }, x);
        out.insert(ShortChannelIdDir { scid: c.scid, direction: 1 }, cap - x);
    }
    out
}

fn check(name: &str, payments: usize, seed: u64) {
    let t = std::time::Instant::now();
    let (_, g) = load(name);
    let loaded = t.elapsed();
    assert!(g.edge_count() > 50_000, "{name}: only {} edges", g.edge_count());
    let mut rng = StdRng::seed_from_u64(seed);
    let balances = draw_balances(&g, &mut rng);
    let snap = Knowledge::new(KnowledgeConfig::default()).snapshot(&g, 0);
    // Endpoints among well-connected nodes (at least 4 enabled channels each way), so that
    // most payments have a flow at all.
    let hubs: Vec<_> = (0..g.node_count() as u32)
        .map(lnpay_route::graph::NodeIdx)
        .filter(|&n| {
            g.outgoing(n).iter().filter(|&&e| g.edge(e).is_some_and(|e| e.enabled)).count() >= 4
                && g.incoming(n).iter().filter(|e| e.enabled).count() >= 4
        })
        .collect();
    assert!(hubs.len() > 1000, "{name}: {} hubs", hubs.len());
    let (mut sum_p, mut var, mut carried, mut routed, mut multi) = (0.0, 0.0, 0usize, 0usize, 0);
    for _ in 0..payments {
        let s = hubs[rng.gen_range(0..hubs.len())];
        let d = hubs[rng.gen_range(0..hubs.len())];
        if s == d {
            continue;
        }
        // Log-uniform between 10k and 1M sat.
        let sat = 10f64.powf(rng.gen_range(4.0..6.0)) as u64;
        let mut p =
            FlowParams::new(*g.node_id(s).unwrap(), *g.node_id(d).unwrap(), Msat(sat * 1000));
        p.max_fee = Msat(sat * 1000 / 50); // 2%
        let Ok(f) = flow(&g, &snap, &p) else { continue };
        routed += 1;
        assert_eq!(f.amount, p.amount);
        assert!(f.fee <= p.max_fee);
        multi += usize::from(f.parts.len() > 1);
        let mut load: HashMap<ShortChannelIdDir, u64> = HashMap::new();
        for part in &f.parts {
            for h in &part.hops {
                *load.entry(h.channel_dir()).or_default() += h.amount.0;
            }
        }
        let ok = load.iter().all(|(c, a)| balances.get(c).is_some_and(|b| b >= a));
        sum_p += f.probability;
        var += f.probability * (1.0 - f.probability);
        carried += usize::from(ok);
    }
    let sigma = var.sqrt();
    eprintln!(
        "{name}: {routed} routed ({multi} multi-part), predicted {sum_p:.1} carried {carried} \
         (σ {sigma:.1}); load {:.1} s, flows {:.1} s",
        loaded.as_secs_f64(),
        (t.elapsed() - loaded).as_secs_f64()
    );
    assert!(routed >= payments * 3 / 4, "{name}: only {routed} of {payments} routed");
    assert!(multi > 0, "{name}: no payment split");
    let diff = (carried as f64 - sum_p).abs();
    assert!(
        diff <= 3.0 * sigma + 3.0,
        "{name}: predicted {sum_p:.1} successes, balances carried {carried} (σ {sigma:.1})"
    );
}

#[test]
fn predicted_probability_matches_drawn_balances_2026() {
    check(GRAPH_2026, 100, 2026);
}

#[test]
fn predicted_probability_matches_drawn_balances_2021() {
    check(GRAPH_2021, 100, 2021);
}
