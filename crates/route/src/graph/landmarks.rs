//! Lower bounds of the fees between any two nodes, from a few landmarks (the ALT technique:
//! A*, landmarks, triangle inequality), which let a search aim at its target.
//!
//! For an amount class `A` (0, then each power of ten from 1,000 msat), every enabled edge
//! weighs `w(e) = fee(A) = base + A * ppm / 1e6`: fees only grow with the amount, so `w(e)` is
//! at most the fee of `e` for any amount of at least `A`. From [`LANDMARKS`] nodes chosen
//! far apart (each the node farthest, both ways, from those chosen before), two Dijkstras
//! per landmark `L` give `d(L, v)` and `d(v, L)` by `w` for every node, kept as `u32`
//! capped at `u32::MAX` (unreachable is the cap).
//!
//! **The bound.** For nodes `x`, `u`, by the triangle inequality
//! `d(x, u) >= d(L, u) - d(L, x)` and `d(x, u) >= d(x, L) - d(u, L)`. Capping at `c`
//! keeps both: `min(d, c)` still satisfies `min(d(L, v), c) <= min(d(L, u), c) + w(u, v)`,
//! and when a subtracted distance is capped the difference is at most 0. For a set of
//! start nodes `S`, [`Goal::lower_bound`]`(u)` is the largest of 0 and, over landmarks,
//! `d(L, u) - max_{x in S} d(L, x)` and `min_{x in S} d(x, L) - d(u, L)`: at most
//! `min_{x in S} d(x, u)`, the cheapest way from `S` to `u` by `w` (admissible).
//!
//! **Consistency.** Each term is a potential `p` with `p(v) - p(u) <= w(u, v)` on every edge
//! (the same inequalities), so is their maximum, and 0 is one; the bound is 0 at every node
//! of `S`. A search whose edge costs are at least `w` (or at least `w` times a factor
//! applied to the bound as well) can therefore add it to its keys and settle each node with
//! the label a plain Dijkstra would have given it.
//!
//! Computed lazily per amount class (`Graph::landmarks`) and forgotten by
//! [`Graph::set_policy`]: `2 * LANDMARKS * 4` bytes per node and class.

use super::{Graph, NodeIdx};
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use types::Msat;

/// The number of landmarks per amount class.
pub const LANDMARKS: usize = 4;

/// The number of amount classes: 0 and 10^3 ..= 10^11 msat.
pub(super) const CLASSES: usize = 10;

/// The class of `amount`: its lower limit and index.
pub(super) fn class_of(amount: u64) -> (u64, usize) {
    if amount < 1_000 {
        return (0, 0);
    }
    let mut a = 1_000u64;
    let mut i = 1;
    while i + 1 < CLASSES && a * 10 <= amount {
        a *= 10;
        i += 1;
    }
    (a, i)
}

/// Fee distances from and to [`LANDMARKS`] landmarks, for amounts of at least
/// [`Landmarks::amount`].
#[derive(Debug, Clone, Default)]
pub struct Landmarks {
    amount: u64,
    /// The landmarks (fewer than [`LANDMARKS`] in a graph too small or too cut up).
    nodes: Vec<NodeIdx>,
    /// Per node, `LANDMARKS` distances from each landmark then `LANDMARKS` to each.
    dist: Vec<[u32; 2 * LANDMARKS]>,
}

/// Fee distances from one node by `w` over enabled edges, forwards (`d(start, v)`) or
/// backwards (`d(v, start)`), capped at `u32::MAX`.
fn distances(g: &Graph, start: NodeIdx, amount: u64, forward: bool) -> Vec<u32> {
    let mut dist = vec![u64::MAX; g.node_count()];
    let mut heap = BinaryHeap::new();
    if let Some(d) = dist.get_mut(start.0 as usize) {
        *d = 0;
        heap.push(Reverse((0u64, start.0)));
    }
    let amount = Msat(amount);
    while let Some(Reverse((d, v))) = heap.pop() {
        if dist.get(v as usize).is_some_and(|&x| d > x) {
            continue;
        }
        let mut relax = |next: NodeIdx, w: Msat| {
            let nd = d.saturating_add(w.0);
            if let Some(x) = dist.get_mut(next.0 as usize) {
                if nd < *x {
                    *x = nd;
                    heap.push(Reverse((nd, next.0)));
                }
            }
        };
        if forward {
            for &e in g.outgoing(NodeIdx(v)) {
                if let Some(e) = g.edge(e).filter(|e| e.enabled) {
                    relax(e.dst, e.fee(amount));
                }
            }
        } else {
            for e in g.incoming(NodeIdx(v)).iter().filter(|e| e.enabled) {
                relax(e.src, e.fee(amount));
            }
        }
    }
    dist.into_iter().map(|d| u32::try_from(d).unwrap_or(u32::MAX)).collect()
}

impl Landmarks {
    /// Chooses the landmarks of `g` for amounts of at least `amount` and measures the
    /// distances: first the node farthest both ways from the node with the most edges in,
    /// then each time the node whose distance both ways to its nearest landmark is largest,
    /// among the nodes that reach and are reached by that first node (ties to the lowest
    /// index).
    pub fn new(g: &Graph, amount: u64) -> Landmarks {
        let n = g.node_count();
        let mut dist = vec![[u32::MAX; 2 * LANDMARKS]; n];
        let mut nodes = Vec::with_capacity(LANDMARKS);
        let hub = (0..n as u32)
            .map(NodeIdx)
            .max_by_key(|&v| (g.incoming(v).len(), Reverse(v.0)))
            .unwrap_or(NodeIdx(0));
        if n == 0 {
            return Landmarks { amount, nodes, dist };
        }
        let (from_hub, to_hub) =
            (distances(g, hub, amount, true), distances(g, hub, amount, false));
        // Nodes in the hub's strongly connected part, with the sum of both ways so far.
        let mut far: Vec<Option<u64>> = from_hub
            .iter()
            .zip(&to_hub)
            .map(|(&a, &b)| (a < u32::MAX && b < u32::MAX).then(|| a as u64 + b as u64))
            .collect();
        for i in 0..LANDMARKS {
            let mut best: Option<(u64, usize)> = None;
            for (v, f) in far.iter().enumerate() {
                if let Some(f) = *f {
                    if best.map_or(true, |(b, _)| f > b) {
                        best = Some((f, v));
                    }
                }
            }
            let Some((_, l)) = best else { break };
            let l = NodeIdx(l as u32);
            let (from, to) = (distances(g, l, amount, true), distances(g, l, amount, false));
            for (v, row) in dist.iter_mut().enumerate() {
                let a = from.get(v).copied().unwrap_or(u32::MAX);
                let b = to.get(v).copied().unwrap_or(u32::MAX);
                row[i] = a;
                row[LANDMARKS + i] = b;
                // The round trip to the nearest landmark (the hub is none).
                if let Some(f) = far.get_mut(v) {
                    let trip = a as u64 + b as u64;
                    *f = if v == l.0 as usize {
                        None
                    } else {
                        f.map(|x| if i == 0 { trip } else { x.min(trip) })
                    };
                }
            }
            nodes.push(l);
        }
        Landmarks { amount, nodes, dist }
    }

    /// The smallest amount the distances are a lower bound of the fees for.
    pub fn amount(&self) -> u64 {
        self.amount
    }

    /// The landmarks.
    pub fn nodes(&self) -> &[NodeIdx] {
        &self.nodes
    }

    /// The bound towards node `u` from the start nodes `starts` (graph nodes; others are
    /// ignored): see [`Goal::lower_bound`]. `None` when no start is a node of the graph.
    pub fn goal(&self, starts: impl IntoIterator<Item = NodeIdx>) -> Option<Goal<'_>> {
        let mut from_max = [0u32; LANDMARKS];
        let mut to_min = [u32::MAX; LANDMARKS];
        let mut any = false;
        for x in starts {
            let Some(row) = self.dist.get(x.0 as usize) else { continue };
            any = true;
            for i in 0..LANDMARKS {
                from_max[i] = from_max[i].max(row[i]);
                to_min[i] = to_min[i].min(row[LANDMARKS + i]);
            }
        }
        any.then_some(Goal { landmarks: self, from_max, to_min })
    }
}

/// The lower bound of the fee by `w` from a set of start nodes to any node.
#[derive(Debug, Clone, Copy)]
pub struct Goal<'a> {
    landmarks: &'a Landmarks,
    /// Per landmark, the largest distance from it to a start.
    from_max: [u32; LANDMARKS],
    /// Per landmark, the smallest distance from a start to it.
    to_min: [u32; LANDMARKS],
}

impl Goal<'_> {
    /// At most the cheapest way by `w` from any start to `u` (0 for a node outside the
    /// graph), and consistent: `lower_bound(v) <= w(u, v) + lower_bound(u)` on every enabled
    /// edge `u -> v` (see the module documentation).
    #[inline]
    pub fn lower_bound(&self, u: NodeIdx) -> u32 {
        let Some(row) = self.landmarks.dist.get(u.0 as usize) else { return 0 };
        let mut h = 0u32;
        for i in 0..LANDMARKS {
            h = h.max(row[i].saturating_sub(self.from_max[i]));
            h = h.max(self.to_min[i].saturating_sub(row[LANDMARKS + i]));
        }
        h
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::{EdgePolicy, GraphBuilder};
    use crate::test_util::node;
    use proptest::prelude::*;
    use types::ShortChannelId;

    #[test]
    fn classes_are_powers_of_ten() {
        assert_eq!(class_of(0), (0, 0));
        assert_eq!(class_of(999), (0, 0));
        assert_eq!(class_of(1_000), (1_000, 1));
        assert_eq!(class_of(9_999), (1_000, 1));
        assert_eq!(class_of(50_000), (10_000, 2));
        assert_eq!(class_of(500_000_000), (100_000_000, 6));
        assert_eq!(class_of(u64::MAX), (100_000_000_000, CLASSES - 1));
    }

    /// A random graph: `n` nodes, channels with random policies (some directions disabled
    /// or missing).
    fn graph(n: u8, chans: &[(u8, u8, u32, u32, bool, bool)]) -> Graph {
        let mut b = GraphBuilder::new();
        for (i, &(x, y, base, ppm, on, both)) in chans.iter().enumerate() {
            let (x, y) = (node(x % n + 1), node(y % n + 1));
            let scid = ShortChannelId(i as u64 + 1);
            if !b.add_channel(scid, x, y, None) {
                continue;
            }
            let policy = |base: u32, ppm: u32, enabled: bool| EdgePolicy {
                timestamp: 1,
                enabled,
                base_fee_msat: base,
                fee_ppm: ppm,
                cltv_delta: 40,
                htlc_min: Msat(0),
                htlc_max: Msat(u64::MAX),
            };
            let _ = b.update_direction(scid, 0, policy(base, ppm, on));
            if both {
                let _ = b.update_direction(scid, 1, policy(ppm % 2_000, base % 5_000, true));
            }
        }
        (*b.build()).clone()
    }

    proptest! {
        /// For random graphs, start sets and amounts: the bound is at most the exact
        /// cheapest way by `w` from the starts (admissible) and never rises along an edge by
        /// more than its weight (consistent).
        #[test]
        fn the_bound_is_admissible_and_consistent(
            n in 2u8..24,
            chans in prop::collection::vec(
                (0u8..24, 0u8..24, 0u32..5_000, 0u32..20_000, prop::bool::weighted(0.9),
                 any::<bool>()),
                1..80),
            starts in prop::collection::vec(0u32..24, 1..4),
            amount in prop_oneof![Just(0u64), 0u64..10_000_000],
        ) {
            let g = graph(n, &chans);
            let (a, _) = class_of(amount);
            let lm = Landmarks::new(&g, a);
            let starts: Vec<NodeIdx> =
                starts.iter().map(|&s| NodeIdx(s % g.node_count().max(1) as u32)).collect();
            let Some(goal) = lm.goal(starts.iter().copied()) else { return Ok(()) };
            // Exact: a Dijkstra from all starts at once.
            let mut exact = vec![u64::MAX; g.node_count()];
            for s in &starts {
                exact[s.0 as usize] = 0;
            }
            let mut todo: Vec<usize> = (0..g.node_count()).collect();
            while !todo.is_empty() {
                todo.sort_by_key(|&v| Reverse(exact[v]));
                let v = todo.pop().unwrap();
                if exact[v] == u64::MAX {
                    break;
                }
                for &e in g.outgoing(NodeIdx(v as u32)) {
                    let e = g.edge(e).unwrap();
                    if e.enabled {
                        let d = exact[v] + e.fee(Msat(amount)).0;
                        let x = &mut exact[e.dst.0 as usize];
                        *x = (*x).min(d);
                    }
                }
            }
            for (v, &d) in exact.iter().enumerate() {
                let h = goal.lower_bound(NodeIdx(v as u32)) as u64;
                prop_assert!(h <= d, "bound {h} above the exact {d} at node {v}");
            }
            for e in g.edges().iter().filter(|e| e.enabled) {
                let (hu, hv) = (goal.lower_bound(e.src), goal.lower_bound(e.dst));
                prop_assert!(hv as u64 <= hu as u64 + e.fee(Msat(a)).0);
            }
            for s in &starts {
                prop_assert_eq!(goal.lower_bound(*s), 0);
            }
        }
    }
}
