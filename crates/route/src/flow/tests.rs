//! The flow solvers' tests: single paths, multi-part flows, pruning and fix-up.

use super::*;
use crate::graph::{EdgePolicy, GraphBuilder};
use crate::knowledge::{Knowledge, KnowledgeConfig};
use std::sync::Arc;
use types::ShortChannelId;

use crate::test_util::node;

fn chan(g: &mut GraphBuilder, scid: u64, a: u8, b: u8, cap: u64, base: u32, ppm: u32) {
    chan_cltv(g, scid, (a, b), cap, (base, ppm), 10);
}

fn chan_cltv(
    g: &mut GraphBuilder,
    scid: u64,
    ends: (u8, u8),
    cap: u64,
    fee: (u32, u32),
    cltv: u16,
) {
    let (a, b) = ends;
    let (base, ppm) = fee;
    let scid = ShortChannelId(scid);
    g.add_channel(scid, node(a), node(b), Some(Msat(cap)));
    let p = EdgePolicy {
        timestamp: 1,
        enabled: true,
        base_fee_msat: base,
        fee_ppm: ppm,
        cltv_delta: cltv,
        htlc_min: Msat(1),
        htlc_max: Msat(cap),
    };
    g.update_direction(scid, 0, p).unwrap();
    g.update_direction(scid, 1, p).unwrap();
}

#[test]
fn hop_amounts_and_delays_are_bolt7() {
    // 1 -> 2 -> 3 -> 4: fees of 2 and 3 accrue, 1's own channel is free.
    let mut g = GraphBuilder::new();
    chan(&mut g, 1, 1, 2, 1_000_000_000, 1000, 100);
    chan(&mut g, 2, 2, 3, 1_000_000_000, 100, 1000);
    chan(&mut g, 3, 3, 4, 1_000_000_000, 10, 10);
    let g = g.build();
    let snap = Knowledge::new(KnowledgeConfig::default()).snapshot(&g, 0);
    let mut p = FlowParams::new(node(1), node(4), Msat(1_000_000));
    p.max_parts = 1;
    let part = route(&g, &snap, &p).unwrap();
    let amounts: Vec<u64> = part.hops.iter().map(|h| h.amount.0).collect();
    let fee3 = 10 + 10; // 1_000_000 * 10 / 1e6
    let fee2 = 100 + (1_000_000 + fee3) / 1000;
    assert_eq!(amounts, vec![1_000_000 + fee3 + fee2, 1_000_000 + fee3, 1_000_000]);
    let delays: Vec<u32> = part.hops.iter().map(|h| h.delay).collect();
    assert_eq!(delays, vec![38, 28, 18]);
    assert_eq!(part.fee, Msat(fee2 + fee3));
}

/// Makes channel `scid` (both directions) certain at exactly `liq` msat.
fn know(k: &mut Knowledge, scid: u64, liq: u64) {
    for d in 0..2 {
        let c = ShortChannelIdDir::new(ShortChannelId(scid), d).unwrap();
        k.learn_at_least(c, Msat(liq), None, 0);
        k.learn_less_than(c, Msat(liq + 1), None, 0);
    }
}

/// 1 -> {2, 3} -> 4: a cheap route over 2 and a dear one over 3.
fn diamond(cap_cheap: u64, cap_dear: u64) -> std::sync::Arc<Graph> {
    let mut g = GraphBuilder::new();
    chan(&mut g, 1, 1, 2, 100_000_000, 0, 0);
    chan(&mut g, 2, 2, 4, cap_cheap, 0, 100);
    chan(&mut g, 3, 1, 3, 100_000_000, 0, 0);
    chan(&mut g, 4, 3, 4, cap_dear, 0, 500);
    g.build()
}

fn amounts(f: &Flow) -> Vec<(u64, u64)> {
    f.parts.iter().map(|p| (p.hops[1].channel.0, p.amount.0)).collect()
}

#[test]
fn riskfactor_weighs_cltv_delay_against_fees() {
    // 1 -> 2 -> 4 costs 100 msat in fees over 200 blocks; 1 -> 3 -> 4 costs 500 msat over
    // 10 blocks. Risk at riskfactor 20: 1e6 * 200 * 20 / 5,259,600 = 760 msat against
    // 38 msat, so the dear short path wins; at riskfactor 0 or 2 the cheap long one does.
    // (The flow solver also keeps its own small delay weight of 1e-6 per msat and block.)
    let mut g = GraphBuilder::new();
    chan_cltv(&mut g, 1, (1, 2), 100_000_000, (0, 0), 10);
    chan_cltv(&mut g, 2, (2, 4), 100_000_000, (0, 100), 200);
    chan_cltv(&mut g, 3, (1, 3), 100_000_000, (0, 0), 10);
    chan_cltv(&mut g, 4, (3, 4), 100_000_000, (0, 500), 10);
    let g = g.build();
    let mut k = Knowledge::new(KnowledgeConfig::default());
    for scid in 1..=4 {
        know(&mut k, scid, 50_000_000);
    }
    let snap = k.snapshot(&g, 0);
    let mut ran = 0;
    for max_parts in [1, 100] {
        let mut p = FlowParams::new(node(1), node(4), Msat(1_000_000));
        p.max_parts = max_parts;
        let f = flow(&g, &snap, &p).unwrap();
        assert_eq!(amounts(&f), vec![(2, 1_000_000)], "riskfactor 0, {max_parts} parts");
        assert_eq!(f.fee, Msat(100));
        p.riskfactor_millionths = 20_000_000;
        let f = flow(&g, &snap, &p).unwrap();
        assert_eq!(amounts(&f), vec![(4, 1_000_000)], "riskfactor 20, {max_parts} parts");
        assert_eq!(f.fee, Msat(500));
        p.riskfactor_millionths = 2_000_000;
        let f = flow(&g, &snap, &p).unwrap();
        assert_eq!(amounts(&f), vec![(2, 1_000_000)], "riskfactor 2, {max_parts} parts");
        ran += 1;
    }
    assert_eq!(ran, 2);
}

#[test]
fn known_liquidity_gives_the_textbook_min_cost_flow() {
    // With every balance known the cost is fees only: fill the cheap path, then the dear.
    let g = diamond(1_000_000, 2_000_000);
    let mut k = Knowledge::new(KnowledgeConfig::default());
    know(&mut k, 1, 50_000_000);
    know(&mut k, 3, 50_000_000);
    know(&mut k, 2, 600_000);
    know(&mut k, 4, 2_000_000);
    let snap = k.snapshot(&g, 0);
    let p = FlowParams::new(node(1), node(4), Msat(1_000_000));
    let f = flow(&g, &snap, &p).unwrap();
    assert_eq!(amounts(&f), vec![(2, 600_000), (4, 400_000)]);
    assert_eq!(f.fee, Msat(60 + 200));
    assert_eq!(f.probability, 1.0);
}

#[test]
fn improbable_cheapest_path_makes_the_flow_split() {
    // Nothing known: 900k over a 1M channel has P ~ 0.1; two halves have P ~ 0.55 each.
    let g = diamond(1_000_000, 1_000_000);
    let snap = Knowledge::new(KnowledgeConfig::default()).snapshot(&g, 0);
    let mut p = FlowParams::new(node(1), node(4), Msat(900_000));
    let single = route(&g, &snap, &FlowParams { max_parts: 1, ..p.clone() }).unwrap();
    assert!(single.probability < 0.15, "{}", single.probability);
    p.prob_cost_ppm = 100_000;
    let f = flow(&g, &snap, &p).unwrap();
    assert_eq!(f.parts.len(), 2, "{f:?}");
    assert_eq!(f.amount, Msat(900_000));
    assert!(
        f.probability > 2.0 * single.probability,
        "{} vs {}",
        f.probability,
        single.probability
    );
    // With probability weighted little, fees win and the flow stays on the cheap path.
    p.prob_cost_ppm = 0;
    p.max_parts = 1;
    let f = flow(&g, &snap, &p).unwrap();
    assert_eq!(amounts(&f), vec![(2, 900_000)]);
}

#[test]
fn fee_budget_escalates_then_fails_typed() {
    let g = diamond(1_000_000, 1_000_000);
    let snap = Knowledge::new(KnowledgeConfig::default()).snapshot(&g, 0);
    let mut p = FlowParams::new(node(1), node(4), Msat(900_000));
    p.prob_cost_ppm = 100_000;
    // Budget only fits the cheap path: μ escalation moves the flow onto it.
    p.max_fee = Msat(90);
    let f = flow(&g, &snap, &p).unwrap();
    assert!(f.fee <= Msat(90));
    p.max_fee = Msat(10);
    assert_eq!(
        flow(&g, &snap, &p),
        Err(FlowError::TooExpensive { fee: Msat(90), max_fee: Msat(10) })
    );
}

#[test]
fn too_little_liquidity_and_bad_requests_are_typed() {
    let g = diamond(1_000_000, 1_000_000);
    let snap = Knowledge::new(KnowledgeConfig::default()).snapshot(&g, 0);
    let p = FlowParams::new(node(1), node(4), Msat(3_000_000));
    assert!(matches!(flow(&g, &snap, &p), Err(FlowError::InsufficientLiquidity { .. })));
    let p = FlowParams::new(node(1), node(1), Msat(3));
    assert_eq!(flow(&g, &snap, &p), Err(FlowError::SelfPayment { node: node(1) }));
    let p = FlowParams::new(node(1), node(9), Msat(3));
    assert_eq!(flow(&g, &snap, &p), Err(FlowError::UnknownDestination { node: node(9) }));
    let p = FlowParams::new(node(1), node(4), Msat(0));
    assert_eq!(flow(&g, &snap, &p), Err(FlowError::ZeroAmount));
    assert_eq!(
        FlowError::TooExpensive { fee: Msat(5), max_fee: Msat(1) }.to_string(),
        "flow fee 5msat exceeds the budget 1msat"
    );
}

#[test]
fn parts_cap_and_min_part() {
    // Three parallel 2-hop paths, each certain at 400k: 1M needs all three.
    let mut g = GraphBuilder::new();
    let mut k = Knowledge::new(KnowledgeConfig::default());
    for (i, mid) in [2u8, 3, 5].into_iter().enumerate() {
        let i = i as u64 * 2;
        chan(&mut g, 10 + i, 1, mid, 10_000_000, 0, 0);
        chan(&mut g, 11 + i, mid, 4, 10_000_000, 0, 100 * (i as u32 + 1));
        know(&mut k, 10 + i, 5_000_000);
        know(&mut k, 11 + i, 400_000);
    }
    let g = g.build();
    let snap = k.snapshot(&g, 0);
    let mut p = FlowParams::new(node(1), node(4), Msat(1_000_000));
    let f = flow(&g, &snap, &p).unwrap();
    assert_eq!(f.parts.len(), 3);
    p.max_parts = 2;
    assert!(matches!(flow(&g, &snap, &p), Err(FlowError::InsufficientLiquidity { .. })));
    p.amount = Msat(700_000);
    let f = flow(&g, &snap, &p).unwrap();
    // The cheap path is filled to within one flow unit (700 msat) of its liquidity.
    let a = amounts(&f);
    assert_eq!((a.len(), a[0].0, a[1].0), (2, 11, 13), "{a:?}");
    assert!(a[0].1 > 400_000 - 700 && a[0].1 <= 400_000, "{a:?}");
    p.min_part = Msat(350_000);
    let f = flow(&g, &snap, &p).unwrap();
    assert!(f.parts.iter().all(|x| x.amount >= Msat(350_000)), "{f:?}");
    assert_eq!(f.amount, Msat(700_000));
}

/// 1 -> 2 -> 4: channel 1 (1 -> 2) wide and known to hold 50M; channel 2 (2 -> 4) of
/// `capacity`, 100 ppm, taking at most `htlc_max` per HTLC and known to hold `known`.
fn htlc_max_bottleneck(capacity: u64, htlc_max: u64, known: u64) -> (Arc<Graph>, Knowledge) {
    let mut g = GraphBuilder::new();
    chan(&mut g, 1, 1, 2, 100_000_000, 0, 0);
    g.add_channel(ShortChannelId(2), node(2), node(4), Some(Msat(capacity)));
    let pol = EdgePolicy {
        timestamp: 1,
        enabled: true,
        base_fee_msat: 0,
        fee_ppm: 100,
        cltv_delta: 10,
        htlc_min: Msat(1),
        htlc_max: Msat(htlc_max),
    };
    g.update_direction(ShortChannelId(2), 0, pol).unwrap();
    let g = g.build();
    let mut k = Knowledge::new(KnowledgeConfig::default());
    know(&mut k, 1, 50_000_000);
    know(&mut k, 2, known);
    (g, k)
}

#[test]
fn htlc_max_limits_each_part_not_the_channel() {
    // 1 -> 2 -> 4 where 2 -> 4 has 1M of known liquidity but takes at most 400k per HTLC:
    // 700k goes as two parts over the same path (BOLT 7: the limit is per HTLC).
    let (g, k) = htlc_max_bottleneck(2_000_000, 400_000, 1_000_000);
    let snap = k.snapshot(&g, 0);
    let mut p = FlowParams::new(node(1), node(4), Msat(700_000));
    let f = flow(&g, &snap, &p).unwrap();
    assert_eq!(f.amount, Msat(700_000));
    assert_eq!(f.parts.len(), 2, "{f:?}");
    assert!(f.parts.iter().all(|x| x.hops[1].amount <= Msat(400_000)), "{f:?}");
    // Three parts' worth does not fit in two parts, nor more than the liquidity at all.
    p.amount = Msat(1_000_000);
    p.max_parts = 2;
    assert!(matches!(flow(&g, &snap, &p), Err(FlowError::InsufficientLiquidity { .. })));
    p.max_parts = 16;
    assert_eq!(flow(&g, &snap, &p).unwrap().parts.len(), 3);
    p.amount = Msat(1_100_000);
    assert!(matches!(flow(&g, &snap, &p), Err(FlowError::InsufficientLiquidity { .. })));
}

#[test]
fn pruning_to_max_edges_does_not_lose_a_feasible_flow() {
    // The cheap path carries 100k; 500k needs the dear one, which a 2-edge prune drops.
    let g = diamond(1_000_000, 2_000_000);
    let mut k = Knowledge::new(KnowledgeConfig::default());
    know(&mut k, 1, 50_000_000);
    know(&mut k, 3, 50_000_000);
    know(&mut k, 2, 300_000);
    know(&mut k, 4, 300_000);
    let snap = k.snapshot(&g, 0);
    let mut p = FlowParams::new(node(1), node(4), Msat(500_000));
    p.max_edges = 2;
    let f = flow(&g, &snap, &p).unwrap();
    assert_eq!(f.amount, Msat(500_000));
    assert!(f.parts.iter().any(|x| x.hops[1].channel == ShortChannelId(4)), "{f:?}");
}

#[test]
fn the_top_of_uncertain_ranges_is_used_when_nothing_else_fits() {
    // Nothing known: each 1M channel into 4 is used to at most 95% (950k) by the
    // linearisation, so 1.93M needs the last 5% of both ranges; one more msat than both
    // channels hold cannot be carried at all.
    let g = diamond(1_000_000, 1_000_000);
    let snap = Knowledge::new(KnowledgeConfig::default()).snapshot(&g, 0);
    let mut p = FlowParams::new(node(1), node(4), Msat(1_930_000));
    let f = flow(&g, &snap, &p).unwrap();
    assert_eq!(f.amount, Msat(1_930_000));
    assert_eq!(f.parts.len(), 2, "{f:?}");
    assert!(f.parts.iter().any(|x| x.amount > Msat(950_000)), "{f:?}");
    assert!(f.probability > 0.0 && f.probability < 0.01, "{}", f.probability);
    // Where 95% suffices the top of the ranges stays unused.
    p.amount = Msat(1_800_000);
    let f = flow(&g, &snap, &p).unwrap();
    assert!(f.parts.iter().all(|x| x.amount <= Msat(950_000)), "{f:?}");
    p.amount = Msat(2_000_001);
    assert!(matches!(flow(&g, &snap, &p), Err(FlowError::InsufficientLiquidity { .. })));
}

#[test]
fn a_small_htlc_max_does_not_prune_away_the_only_flow() {
    // 1 -> 2 -> 4 where 2 -> 4 holds 2M for certain but takes at most 25k per HTLC: 1M
    // goes as 40 parts, although the prune leaves such channels out at first.
    let (g, k) = htlc_max_bottleneck(4_000_000, 25_000, 2_000_000);
    let snap = k.snapshot(&g, 0);
    let mut p = FlowParams::new(node(1), node(4), Msat(1_000_000));
    let f = flow(&g, &snap, &p).unwrap();
    assert_eq!(f.amount, Msat(1_000_000));
    assert!(f.parts.len() >= 40, "{} parts", f.parts.len());
    assert!(f.parts.iter().all(|x| x.hops[1].amount <= Msat(25_000)), "{f:?}");
    p.max_parts = 39;
    assert!(matches!(flow(&g, &snap, &p), Err(FlowError::InsufficientLiquidity { .. })));
}

#[test]
fn exclusions_first_hops_and_hints() {
    let g = diamond(1_000_000, 1_000_000);
    let snap = Knowledge::new(KnowledgeConfig::default()).snapshot(&g, 0);
    let mut p = FlowParams::new(node(1), node(4), Msat(100_000));
    p.max_parts = 1;
    p.exclude_nodes = vec![node(2)];
    let f = flow(&g, &snap, &p).unwrap();
    assert_eq!(amounts(&f), vec![(4, 100_000)]);
    p.exclude_nodes.clear();
    p.exclude_channels = vec![ShortChannelIdDir::new(ShortChannelId(2), 0).unwrap()];
    assert_eq!(amounts(&flow(&g, &snap, &p).unwrap()), vec![(4, 100_000)]);
    p.exclude_channels.clear();
    // A first hop to 3 replaces the graph channels out of 1.
    p.first_hops =
        vec![FirstHop { scid: ShortChannelId(77), peer: node(3), spendable: Msat(500_000) }];
    let f = flow(&g, &snap, &p).unwrap();
    assert_eq!(f.parts[0].hops[0].channel, ShortChannelId(77));
    p.first_hops[0].spendable = Msat(50_000);
    assert!(flow(&g, &snap, &p).is_err());
    p.first_hops.clear();
    // A private payee 9 behind node 3.
    p.destination = node(9);
    p.route_hints = vec![vec![RouteHintHop {
        node_id: node(3),
        short_channel_id: ShortChannelId(99),
        fee_base_msat: 1,
        fee_proportional_millionths: 0,
        cltv_expiry_delta: 40,
    }]];
    let f = flow(&g, &snap, &p).unwrap();
    let hops = &f.parts[0].hops;
    assert_eq!(hops.last().map(|h| (h.channel, h.id)), Some((ShortChannelId(99), node(9))));
    assert_eq!(hops[0].delay, 18 + 40);
}

#[test]
fn a_bias_moves_the_route_single_and_multi_part() {
    // 1 -> 2 -> 4 is cheaper than 1 -> 3 -> 4.
    let mut g = GraphBuilder::new();
    chan(&mut g, 1, 1, 2, 1_000_000_000, 0, 0);
    chan(&mut g, 2, 1, 3, 1_000_000_000, 0, 0);
    chan(&mut g, 3, 2, 4, 1_000_000_000, 1000, 100);
    chan(&mut g, 4, 3, 4, 1_000_000_000, 1000, 150);
    let g = g.build();
    let snap = Knowledge::new(KnowledgeConfig::default()).snapshot(&g, 0);
    let via = |f: &Flow| -> Vec<NodeId> { f.parts.iter().map(|p| p.hops[0].id).collect() };
    for parts in [1, 4] {
        let mut p = FlowParams::new(node(1), node(4), Msat(10_000_000));
        p.max_parts = parts;
        assert_eq!(via(&flow(&g, &snap, &p).unwrap()), vec![node(2)], "{parts} parts");
        // Channel 3 (2 -> 4, direction 0) disliked: the dearer way wins.
        p.biases = vec![(ShortChannelIdDir { scid: ShortChannelId(3), direction: 0 }, -100)];
        assert_eq!(via(&flow(&g, &snap, &p).unwrap()), vec![node(3)], "{parts} parts");
        // Channel 4 liked as much: back to the cheap one.
        p.biases.push((ShortChannelIdDir { scid: ShortChannelId(4), direction: 0 }, -100));
        assert_eq!(via(&flow(&g, &snap, &p).unwrap()), vec![node(2)], "{parts} parts");
    }
}

/// 1 -> {2, 3} -> 4 -> 5 with a bottleneck at {2, 3} -> 4 that the payer's and payee's own
/// channels do not show: the maximum flow finds it, and the flow is refused as proven.
#[test]
fn a_bottleneck_past_the_ends_is_found_by_the_maximum_flow() {
    let mut g = GraphBuilder::new();
    chan(&mut g, 1, 1, 2, 100_000_000, 0, 0);
    chan(&mut g, 2, 1, 3, 100_000_000, 0, 0);
    chan(&mut g, 3, 2, 4, 100_000_000, 0, 10);
    chan(&mut g, 4, 3, 4, 100_000_000, 0, 20);
    chan(&mut g, 5, 4, 5, 100_000_000, 0, 10);
    chan(&mut g, 6, 4, 5, 100_000_000, 0, 10);
    let g = g.build();
    let mut k = Knowledge::new(KnowledgeConfig::default());
    know(&mut k, 3, 20_000_000);
    know(&mut k, 4, 25_000_000);
    let snap = k.snapshot(&g, 0);
    let p = FlowParams::new(node(1), node(5), Msat(50_000_000));
    let net = Net::new(&g, &snap, &p).unwrap();
    // The ends alone would allow 200M out of 1 and into 5; the middle carries 45M.
    assert_eq!(mcf::cut_bound(&net, &p), 200_000_000);
    let (carried, used) = mcf::max_flow(&net, &p, u64::MAX);
    assert_eq!(carried, 45_000_000);
    let scids: std::collections::BTreeSet<u64> =
        used.iter().filter_map(|&e| g.edge(EdgeIdx(e))).map(|e| e.scid.0).collect();
    assert!(scids.contains(&3) && scids.contains(&4), "{scids:?}");
    // Up to a target it stops there.
    assert_eq!(mcf::max_flow(&net, &p, 10_000_000).0, 10_000_000);
    // 50M cannot fit: refused, whatever the fee weight.
    assert!(matches!(flow(&g, &snap, &p), Err(FlowError::InsufficientLiquidity { .. })));
    let r = mcf::solve_mcf(&net, &p, 1.0).unwrap_err();
    assert!(r.proven && r.deliverable <= 45_000_000);
    // 44M fits, over both 2 and 3.
    let p = FlowParams::new(node(1), node(5), Msat(44_000_000));
    let f = flow(&g, &snap, &p).unwrap();
    assert_eq!(f.amount, Msat(44_000_000));
}

/// A payee whose channels cannot take the amount in all is refused before any search, with
/// what its channels carry as the most that fits: 1 -> 2 -> 3 with 3's only channel holding
/// 30M, asked for 40M.
#[test]
fn a_payee_that_cannot_take_the_amount_is_refused_before_any_search() {
    let mut g = GraphBuilder::new();
    chan(&mut g, 1, 1, 2, 100_000_000, 0, 0);
    chan(&mut g, 2, 2, 3, 30_000_000, 0, 10);
    let g = g.build();
    let snap = Knowledge::new(KnowledgeConfig::default()).snapshot(&g, 0);
    let p = FlowParams::new(node(1), node(3), Msat(40_000_000));
    let net = Net::new(&g, &snap, &p).unwrap();
    assert_eq!(mcf::cut_bound(&net, &p), 30_000_000);
    let r = mcf::solve_mcf(&net, &p, 1.0).unwrap_err();
    assert!(r.proven);
    assert_eq!(r.deliverable, 30_000_000);
    assert_eq!(
        flow(&g, &snap, &p),
        Err(FlowError::InsufficientLiquidity {
            amount: Msat(40_000_000),
            deliverable: Msat(30_000_000)
        })
    );
}
