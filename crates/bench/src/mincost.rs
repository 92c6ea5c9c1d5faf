//! Ground truth with fees: whether the true balances could deliver an amount for at most a
//! fee limit. A min-cost flow (successive shortest paths, Dijkstra with potentials) over each
//! usable direction's spendable balance, where sending `x` msat over a channel costs
//! `x · (fee_ppm + base_fee · 10⁶ / amount) / 10⁶` of the forwarding node's announced policy
//! (the payer's own channels cost nothing).
//!
//! The BOLT 7 fee `base + ppm · x / 10⁶` is linearised: the base fee is spread over the whole
//! payment, so it is exact for a channel that carries the whole amount and an underestimate
//! for one that carries only a part; fees on fees (what upstream hops forward for downstream
//! fees) are left out. The figure is therefore a slight underestimate of the cheapest real
//! cost, i.e. a slightly generous notion of "feasible within the fee limit".

use sim::Simulator;
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use types::Msat;

/// One directed edge: from, to, capacity (msat), cost per msat in millionths of a msat.
pub type CostEdge = (u32, u32, u64, u64);

/// What the cheapest flow came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MinCost {
    /// The amount fits for this linearised fee (msat, rounded up).
    Fee(u64),
    /// The amount fits, but only for more than the limit given.
    OverLimit,
    /// The amount does not fit at all.
    NoFlow,
}

/// The cheapest cost of sending `amount` from `src` to `dst` over `edges` between nodes
/// `0..n`, stopping as soon as it must exceed `max_fee` msat.
pub fn min_cost_flow(
    n: usize,
    edges: &[CostEdge],
    src: u32,
    dst: u32,
    amount: u64,
    max_fee: u64,
) -> MinCost {
    let (s, t) = (src as usize, dst as usize);
    if s >= n || t >= n || s == t {
        return MinCost::NoFlow;
    }
    // Residual graph: edge 2k forward, 2k+1 its reverse (negative cost).
    let mut head = vec![usize::MAX; n];
    let mut next = Vec::with_capacity(edges.len() * 2);
    let mut to = Vec::with_capacity(edges.len() * 2);
    let mut cap = Vec::with_capacity(edges.len() * 2);
    let mut cost: Vec<i64> = Vec::with_capacity(edges.len() * 2);
    for &(a, b, c, w) in edges {
        let (a, b) = (a as usize, b as usize);
        if a >= n || b >= n || a == b || c == 0 {
            continue;
        }
        let w = i64::try_from(w).unwrap_or(i64::MAX / 64);
        for (u, v, c, w) in [(a, b, c, w), (b, a, 0, -w)] {
            to.push(v);
            cap.push(c);
            cost.push(w);
            next.push(head[u]);
            head[u] = to.len() - 1;
        }
    }
    let limit = u128::from(max_fee) * 1_000_000;
    let (mut sent, mut total) = (0u64, 0u128);
    let mut pot = vec![0i64; n];
    let mut dist = vec![i64::MAX; n];
    let mut pred = vec![usize::MAX; n];
    let mut done = vec![false; n];
    let mut heap = BinaryHeap::new();
    while sent < amount {
        dist.fill(i64::MAX);
        pred.fill(usize::MAX);
        done.fill(false);
        dist[s] = 0;
        heap.clear();
        heap.push(Reverse((0i64, s)));
        while let Some(Reverse((d, u))) = heap.pop() {
            if done[u] {
                continue;
            }
            done[u] = true;
            if u == t {
                break;
            }
            let mut e = head[u];
            while e != usize::MAX {
                let v = to[e];
                if cap[e] > 0 && !done[v] {
                    // Reduced costs are >= 0 with the potentials kept below.
                    let nd = d.saturating_add((cost[e] + pot[u] - pot[v]).max(0));
                    if nd < dist[v] {
                        dist[v] = nd;
                        pred[v] = e;
                        heap.push(Reverse((nd, v)));
                    }
                }
                e = next[e];
            }
        }
        if !done[t] {
            return MinCost::NoFlow;
        }
        // Settled nodes move by their distance, the others by the target's: reduced costs
        // stay non-negative although the search stopped early.
        let dt = dist[t];
        for v in 0..n {
            pot[v] += if done[v] { dist[v] } else { dt };
        }
        let (mut b, mut unit, mut v) = (amount - sent, 0i64, t);
        while v != s {
            let e = pred[v];
            b = b.min(cap[e]);
            unit += cost[e];
            v = to[e ^ 1];
        }
        let unit = u128::try_from(unit.max(0)).unwrap_or(0);
        // Path costs only grow: if the rest at this cost already breaks the limit, stop.
        if total + u128::from(amount - sent) * unit > limit {
            return MinCost::OverLimit;
        }
        let mut v = t;
        while v != s {
            let e = pred[v];
            cap[e] -= b;
            cap[e ^ 1] += b;
            v = to[e ^ 1];
        }
        sent += b;
        total += u128::from(b) * unit;
    }
    MinCost::Fee(u64::try_from(total.div_ceil(1_000_000)).unwrap_or(u64::MAX))
}

/// The cheapest linearised fee of `amount` from `src` to `dst` over `sim`'s true balances
/// now (see the module documentation), against `max_fee`.
pub fn cheapest(sim: &Simulator, src: u32, dst: u32, amount: Msat, max_fee: u64) -> MinCost {
    let slots = u64::from(sim.config().max_htlcs);
    let offline = |n: u32| sim.fault(n).map_or(true, |f| f.offline);
    let a = amount.0.max(1);
    let mut edges = Vec::with_capacity(sim.channel_count() * 2);
    for (scid, nodes, _) in sim.channel_balances() {
        for side in 0..2 {
            let (from, to) = (nodes[side], nodes[1 - side]);
            if offline(from) || offline(to) {
                continue;
            }
            let Some(p) = sim.announced_policy(scid, from).filter(|p| p.enabled) else {
                continue;
            };
            let Some(spendable) = sim.spendable_by(scid, from) else { continue };
            let c = spendable.0.min(p.htlc_max.0.saturating_mul(slots));
            let unit = if from == src {
                0
            } else {
                u64::from(p.fee_ppm)
                    + (u128::from(p.base_fee_msat) * 1_000_000).div_ceil(u128::from(a)) as u64
            };
            // A channel costing more than the whole amount per msat can never help.
            if c > 0 && unit <= 1_000_000 {
                edges.push((from, to, c, unit));
            }
        }
    }
    min_cost_flow(sim.node_count(), &edges, src, dst, amount.0, max_fee)
}

#[cfg(test)]
mod tests {
    use super::{min_cost_flow, MinCost};

    #[test]
    fn cheapest_paths_first_and_the_limit() {
        // 0→1→3 cheap (100 ppm) but 5 wide, 0→2→3 dear (1000 ppm) 10 wide.
        let e = [(0, 1, 5_000, 100), (1, 3, 5_000, 0), (0, 2, 10_000, 1_000), (2, 3, 10_000, 0)];
        // 5k at 100 ppm = 0.5 msat, 3k at 1000 ppm = 3 msat: 3.5, rounded up to 4.
        assert_eq!(min_cost_flow(4, &e, 0, 3, 8_000, 10), MinCost::Fee(4));
        assert_eq!(min_cost_flow(4, &e, 0, 3, 5_000, 10), MinCost::Fee(1));
        assert_eq!(min_cost_flow(4, &e, 0, 3, 8_000, 3), MinCost::OverLimit);
        assert_eq!(min_cost_flow(4, &e, 0, 3, 15_001, 1_000), MinCost::NoFlow);
        assert_eq!(min_cost_flow(4, &e, 0, 3, 15_000, 1_000), MinCost::Fee(11));
        assert_eq!(min_cost_flow(4, &e, 3, 0, 1, 1_000), MinCost::NoFlow);
    }

    #[test]
    fn reroutes_through_reverse_edges() {
        // The cheapest first path 0→1→2→3 must be partly undone to carry 2 units:
        // 0→1 (1, cost 0), 0→2 (1, cost 10), 1→2 (1, 0), 1→3 (1, 10), 2→3 (1, 0).
        let e = [(0, 1, 1, 0), (0, 2, 1, 10), (1, 2, 1, 0), (1, 3, 1, 10), (2, 3, 1, 0)];
        // Best for 2 units: 0→1→3 (10) + 0→2→3 (10) = 20 millionths → 1 msat rounded up.
        assert_eq!(min_cost_flow(4, &e, 0, 3, 2, 1), MinCost::Fee(1));
        assert_eq!(min_cost_flow(4, &e, 0, 3, 2, 0), MinCost::OverLimit);
        // In msat-sized numbers: 2 × 1e6 units at 10 ppm each = 20 msat.
        let big: Vec<_> = e.iter().map(|&(a, b, c, w)| (a, b, c * 1_000_000, w)).collect();
        assert_eq!(min_cost_flow(4, &big, 0, 3, 2_000_000, 100), MinCost::Fee(20));
        assert_eq!(min_cost_flow(4, &big, 0, 3, 1_000_000, 100), MinCost::Fee(0));
    }
}
