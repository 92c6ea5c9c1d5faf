//! Single-path routing with Core Lightning's `getroute` semantics, plus first hops and route
//! hints as LDK takes them.
//!
//! The search is a Dijkstra from the destination backwards (as Core Lightning's
//! `common/dijkstra.c` does), so the amount each node must receive is exact when its edge is
//! relaxed: walking towards the payer, each edge's source adds its fee
//! `base + amount * ppm / 1_000_000` and its CLTV delta (BOLT 7). The payer's own first hop
//! charges nothing. An edge is usable when it is enabled, not excluded, its far node not
//! excluded, and `htlc_min <= amount <= htlc_max` (the minimum is not checked for amount 0, a
//! probe). A node is kept only while the cumulative delay stays within
//! [`RouteRequest::max_total_cltv`].
//!
//! Cost per edge is `fee + risk`, `risk = amount * cltv_delta * riskfactor / 5_259_600`
//! (Core Lightning's), where the fee may be fuzzed by ± `fuzzpercent` with a deterministic
//! pseudo-random factor per edge drawn from the request's seed (the amounts returned are
//! always the real ones). Ties go to fewer hops. When the cheapest route has more than
//! `max_hops` hops, the search is rerun with hops first, then cost; a route still too long is
//! [`RouteError::TooManyHops`].
//!
//! The search is goal-directed (A*): each node's key adds a lower bound of what the route
//! still costs from the payer's side to reach it, from the graph's landmarks for the amount's
//! class ([`Graph::landmarks`]). The bound is admissible and consistent for every amount of
//! at least the class's floor (fees only grow with the amount; the fuzz scales it down by
//! its largest discount; the risk only adds), so every node is settled with the label the
//! plain backwards Dijkstra gives it, and ties between equal labels are broken explicitly
//! as that Dijkstra breaks them (first the label from the node it settles first, then the
//! lower edge index): the route is the same, found settling fewer nodes. Route hints and
//! the hops-first rerun search without it.
//!
//! All per-search state lives in a reusable [`Scratch`] (labels stamped with a generation
//! counter, never cleared between searches), so a search allocates only its result.

use crate::graph::{Edge, EdgeIdx, Graph, NodeIdx};
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::fmt;
use types::{Hop, Msat, NodeId, Path, ShortChannelId, ShortChannelIdDir};

pub use types::RouteHintHop;

/// Core Lightning's default final CLTV delta for `getroute`.
pub const DEFAULT_FINAL_CLTV: u32 = 9;
/// Core Lightning's default `maxhops`.
pub const DEFAULT_MAX_HOPS: u32 = 20;
/// The default limit on the total CLTV delta of a route (Core Lightning's
/// `max-locktime-blocks`).
pub const DEFAULT_MAX_TOTAL_CLTV: u32 = 2016;
/// Core Lightning's default `fuzzpercent`.
pub const DEFAULT_FUZZ_PERCENT: f64 = 5.0;
/// The risk denominator: `BLOCKS_PER_YEAR * 100` (riskfactor is a yearly percentage).
const RISK_DIVISOR: u128 = 5_259_600;

/// One of the payer's own channels, with what it can really send now. When a request lists
/// first hops, they replace every graph edge out of the payer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FirstHop {
    /// The channel (its real scid or an alias the peer knows).
    pub scid: ShortChannelId,
    /// The peer at the other end.
    pub peer: NodeId,
    /// What the channel can send now.
    pub spendable: Msat,
}

/// What to route, with Core Lightning's `getroute` parameters.
#[derive(Debug, Clone, PartialEq)]
pub struct RouteRequest {
    /// The payer (`fromid`).
    pub source: NodeId,
    /// The payee (`id`).
    pub destination: NodeId,
    /// The amount the payee must receive (`amount_msat`; 0 probes and ignores `htlc_min`).
    pub amount: Msat,
    /// The risk factor in millionths (`riskfactor` 10 is 10_000_000).
    pub riskfactor_millionths: u64,
    /// The final CLTV delta (`cltv`).
    pub final_cltv: u32,
    /// Fee randomisation, in percent (`fuzzpercent`), clamped to 0..=100.
    pub fuzz_percent: f64,
    /// The seed of the fee randomisation.
    pub seed: u64,
    /// Directed channels that must not be used.
    pub exclude_channels: Vec<ShortChannelIdDir>,
    /// Nodes that must not be used.
    pub exclude_nodes: Vec<NodeId>,
    /// The most hops a route may have (`maxhops`).
    pub max_hops: u32,
    /// The largest total delay (the first hop's `delay`, final CLTV included).
    pub max_total_cltv: u32,
    /// The payer's own channels; when not empty they replace the graph's edges out of it.
    pub first_hops: Vec<FirstHop>,
    /// Private routes to the payee, each ending at it.
    pub route_hints: Vec<Vec<RouteHintHop>>,
}

impl RouteRequest {
    /// A request with Core Lightning's defaults: cltv 9, fuzzpercent 5, maxhops 20,
    /// no exclusions, no first hops, no hints, seed 0.
    pub fn new(
        source: NodeId,
        destination: NodeId,
        amount: Msat,
        riskfactor_millionths: u64,
    ) -> Self {
        RouteRequest {
            source,
            destination,
            amount,
            riskfactor_millionths,
            final_cltv: DEFAULT_FINAL_CLTV,
            fuzz_percent: DEFAULT_FUZZ_PERCENT,
            seed: 0,
            exclude_channels: Vec::new(),
            exclude_nodes: Vec::new(),
            max_hops: DEFAULT_MAX_HOPS,
            max_total_cltv: DEFAULT_MAX_TOTAL_CLTV,
            first_hops: Vec::new(),
            route_hints: Vec::new(),
        }
    }
}

/// Why no route was returned.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum RouteError {
    /// The payer has no channel in the graph and no first hop was given.
    UnknownSource(NodeId),
    /// The payee has no channel in the graph and no route hint reaches it.
    UnknownDestination(NodeId),
    /// Payer and payee are the same node.
    SameNode(NodeId),
    /// No path satisfies the constraints.
    NoRoute,
    /// The shortest route found has more hops than allowed.
    TooManyHops {
        /// Its number of hops.
        shortest: usize,
        /// The limit.
        max_hops: u32,
    },
}

impl fmt::Display for RouteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RouteError::UnknownSource(id) => {
                write!(f, "{id}: unknown source node_id (no public channels?)")
            }
            RouteError::UnknownDestination(id) => {
                write!(f, "{id}: unknown destination node_id (no public channels?)")
            }
            RouteError::SameNode(id) => write!(f, "{id}: source and destination are the same"),
            RouteError::NoRoute => write!(f, "Could not find a route"),
            RouteError::TooManyHops { shortest, .. } => write!(f, "Shortest route was {shortest}"),
        }
    }
}

impl std::error::Error for RouteError {}

/// A node's best known way to the payee during a search.
#[derive(Debug, Clone, Copy, Default)]
struct Label {
    /// The search this label belongs to; any other value means "unreached".
    gen: u32,
    settled: bool,
    hops: u32,
    cost: u64,
    /// What must arrive at this node.
    amount: u64,
    /// The cumulative delay at this node.
    delay: u32,
    /// The edge towards the payee: a graph edge index, or `EXTRA | i` for overlay edge `i`.
    pred: u32,
    /// The lower bound of the cost still to come from the payer's side (0 without a goal).
    bound: u32,
}

const EXTRA: u32 = 1 << 31;

/// Reusable search state: keep one per thread and pass it to every [`get_route_with`].
#[derive(Debug, Default)]
pub struct Scratch {
    gen: u32,
    labels: Vec<Label>,
    /// Per graph edge: the generation in which it was excluded.
    edge_excluded: Vec<u32>,
    /// Per node: the generation in which it was excluded.
    node_excluded: Vec<u32>,
    /// Per node: the generation in which it was settled (what the edge loop checks first,
    /// without reading the wider label).
    settled: Vec<u32>,
    /// Keys packed by [`heap_key`]: one 128-bit comparison per heap step.
    heap: BinaryHeap<Reverse<u128>>,
    extras: Vec<Edge>,
    extra_nodes: Vec<NodeId>,
}

impl Scratch {
    /// Empty scratch; it grows to the graph's size on first use.
    pub fn new() -> Self {
        Scratch::default()
    }

    fn next_gen(&mut self, nodes: usize, edges: usize) -> u32 {
        if self.labels.len() < nodes {
            self.labels.resize(nodes, Label::default());
            self.node_excluded.resize(nodes, 0);
            self.settled.resize(nodes, 0);
        }
        if self.edge_excluded.len() < edges {
            self.edge_excluded.resize(edges, 0);
        }
        self.gen = self.gen.wrapping_add(1);
        if self.gen == 0 {
            self.labels.iter_mut().for_each(|l| l.gen = 0);
            self.edge_excluded.iter_mut().for_each(|g| *g = 0);
            self.node_excluded.iter_mut().for_each(|g| *g = 0);
            self.settled.iter_mut().for_each(|g| *g = 0);
            self.gen = 1;
        }
        self.gen
    }
}

/// Finds a route with fresh scratch state (see [`get_route_with`] to reuse it).
pub fn get_route(graph: &Graph, req: &RouteRequest) -> Result<Path, RouteError> {
    get_route_with(graph, req, &mut Scratch::new())
}

/// Finds the cheapest route for `req` in `graph`, reusing `scratch`.
pub fn get_route_with(
    graph: &Graph,
    req: &RouteRequest,
    scratch: &mut Scratch,
) -> Result<Path, RouteError> {
    route_with(graph, req, scratch, true)
}

/// [`get_route_with`], goal-directed or (`aim` false) the plain Dijkstra it must agree with.
fn route_with(
    graph: &Graph,
    req: &RouteRequest,
    scratch: &mut Scratch,
    aim: bool,
) -> Result<Path, RouteError> {
    if req.source == req.destination {
        return Err(RouteError::SameNode(req.source));
    }
    let n = graph.node_count();
    // Overlay: nodes unknown to the graph get indices from n on; first hops and hints become
    // extra edges.
    scratch.extras.clear();
    scratch.extra_nodes.clear();
    let index_of = |id: &NodeId, extra_nodes: &mut Vec<NodeId>| -> NodeIdx {
        if let Some(i) = graph.node_index(id) {
            return i;
        }
        match extra_nodes.iter().position(|x| x == id) {
            Some(p) => NodeIdx((n + p) as u32),
            None => {
                extra_nodes.push(*id);
                NodeIdx((n + extra_nodes.len() - 1) as u32)
            }
        }
    };
    let source = index_of(&req.source, &mut scratch.extra_nodes);
    let destination = index_of(&req.destination, &mut scratch.extra_nodes);
    for fh in &req.first_hops {
        let peer = index_of(&fh.peer, &mut scratch.extra_nodes);
        scratch.extras.push(Edge {
            htlc_min: Msat::ZERO,
            htlc_max: fh.spendable,
            scid: fh.scid,
            src: source,
            dst: peer,
            base_fee_msat: 0,
            fee_ppm: 0,
            cltv_delta: 0,
            direction: u8::from(req.source > fh.peer),
            enabled: true,
        });
    }
    for hint in &req.route_hints {
        for (i, hop) in hint.iter().enumerate() {
            let dst_id = hint.get(i + 1).map_or(req.destination, |next| next.node_id);
            if hop.node_id == dst_id {
                continue;
            }
            let src = index_of(&hop.node_id, &mut scratch.extra_nodes);
            let dst = index_of(&dst_id, &mut scratch.extra_nodes);
            scratch.extras.push(Edge {
                htlc_min: Msat::ZERO,
                htlc_max: Msat::MAX,
                scid: hop.short_channel_id,
                src,
                dst,
                base_fee_msat: hop.fee_base_msat,
                fee_ppm: hop.fee_proportional_millionths,
                cltv_delta: hop.cltv_expiry_delta,
                direction: u8::from(hop.node_id > dst_id),
                enabled: true,
            });
        }
    }
    let has_out = |v: NodeIdx| scratch.extras.iter().any(|e| e.src == v);
    let has_in = |v: NodeIdx| scratch.extras.iter().any(|e| e.dst == v);
    if (source.0 as usize) >= n && !has_out(source) {
        return Err(RouteError::UnknownSource(req.source));
    }
    if (destination.0 as usize) >= n && !has_in(destination) {
        return Err(RouteError::UnknownDestination(req.destination));
    }

    let route = search::<false>(graph, req, scratch, source, destination, aim)?;
    if route.hops.len() <= req.max_hops as usize {
        return Ok(route);
    }
    let shortest = search::<true>(graph, req, scratch, source, destination, false)?;
    if shortest.hops.len() <= req.max_hops as usize {
        Ok(shortest)
    } else {
        Err(RouteError::TooManyHops { shortest: shortest.hops.len(), max_hops: req.max_hops })
    }
}

/// The heap order of a label: cost, then hops, then node index (hops first when
/// `hops_first`), packed into one integer whose order is that lexicographic order.
#[inline(always)]
fn heap_key(hops_first: bool, cost: u64, hops: u32, node: u32) -> u128 {
    if hops_first {
        (hops as u128) << 96 | (cost as u128) << 32 | node as u128
    } else {
        (cost as u128) << 64 | (hops as u128) << 32 | node as u128
    }
}

/// SplitMix64: a well-mixed 64-bit hash for the per-edge fuzz factor.
fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// One search, by cost then hops, or by hops then cost (`HOPS_FIRST`), goal-directed when
/// `aim` (and not hops first).
fn search<const HOPS_FIRST: bool>(
    graph: &Graph,
    req: &RouteRequest,
    scratch: &mut Scratch,
    source: NodeIdx,
    destination: NodeIdx,
    aim: bool,
) -> Result<Path, RouteError> {
    let hops_first = HOPS_FIRST;
    let n = graph.node_count();
    let total_nodes = n + scratch.extra_nodes.len();
    let edges = graph.edges();
    let gen = scratch.next_gen(total_nodes, edges.len());
    for x in &req.exclude_channels {
        if let Some(e) = graph.edge_of(x.scid, x.direction) {
            scratch.edge_excluded[e.0 as usize] = gen;
        }
    }
    for id in &req.exclude_nodes {
        if let Some(i) = graph.node_index(id) {
            scratch.node_excluded[i.0 as usize] = gen;
        } else if let Some(p) = scratch.extra_nodes.iter().position(|x| x == id) {
            scratch.node_excluded[n + p] = gen;
        }
    }
    let extra_excluded = |e: &Edge| {
        req.exclude_channels.iter().any(|x| x.scid == e.scid && x.direction == e.direction)
    };
    let replace_source_edges = !req.first_hops.is_empty();
    let fuzz_ppm =
        if req.fuzz_percent > 0.0 { (req.fuzz_percent.min(100.0) * 10_000.0) as u64 } else { 0 };
    let rf = req.riskfactor_millionths as u128;
    let max_cltv = req.max_total_cltv;
    let amount0 = req.amount.msat();
    let src = source.0;

    let excluding = !req.exclude_channels.is_empty() || !req.exclude_nodes.is_empty();
    // The goal: the payer's first hops are free, so what remains from a node `u` is at least
    // the fees from one of its peers to `u`, at amounts of at least `amount0`, each cut by
    // the fuzz by at most `fuzz_ppm` millionths (see `relax`: the fuzzed fee is at least
    // `fee - fee * fuzz_ppm / 1e6`). The graph's bound is consistent on its weights, which
    // are at most these fees, and its scaled floor stays consistent on integer costs:
    // `floor(k·h(v)) - floor(k·h(u)) <= ceil(k·(h(v) - h(u))) <= ceil(k·w) <= cost`.
    let keep_ppm = 1_000_000u64.saturating_sub(fuzz_ppm);
    let goal = if aim && !hops_first && req.route_hints.is_empty() && keep_ppm > 0 {
        let lm = graph.landmarks(amount0);
        if replace_source_edges {
            lm.goal(req.first_hops.iter().filter_map(|fh| graph.node_index(&fh.peer)))
        } else {
            lm.goal(graph.outgoing(source).iter().filter_map(|&e| graph.edge(e)).map(|e| e.dst))
        }
    } else {
        None
    };
    let bound = |u: usize| -> u32 {
        match &goal {
            Some(g) if u != src as usize => {
                (g.lower_bound(NodeIdx(u as u32)) as u64 * keep_ppm / 1_000_000) as u32
            }
            _ => 0,
        }
    };

    let Scratch {
        labels, node_excluded, edge_excluded, settled, heap, extras, extra_nodes, ..
    } = scratch;
    heap.clear();
    let key =
        |cost: u64, hops: u32| if hops_first { (hops as u64, cost) } else { (cost, hops as u64) };
    if req.final_cltv > max_cltv {
        return Err(RouteError::NoRoute);
    }
    let b = bound(destination.0 as usize);
    labels[destination.0 as usize] = Label {
        gen,
        settled: false,
        hops: 0,
        cost: 0,
        amount: amount0,
        delay: req.final_cltv,
        pred: u32::MAX,
        bound: b,
    };
    heap.push(Reverse(heap_key(hops_first, b as u64, 0, destination.0)));

    // Relaxes edge `e` (u -> v) given v's label; returns the new label for u if better.
    #[inline(always)]
    #[allow(clippy::too_many_arguments)]
    fn relax(
        e: &Edge,
        pred: u32,
        at: &Label,
        src: u32,
        rf: u128,
        fuzz_ppm: u64,
        seed: u64,
        max_cltv: u32,
        gen: u32,
    ) -> Option<Label> {
        let a = at.amount;
        if a > e.htlc_max.msat() || (a < e.htlc_min.msat() && a != 0) {
            return None;
        }
        let (fee, cltv) =
            if e.src.0 == src { (0, 0) } else { (e.fee(Msat(a)).msat(), e.cltv_delta as u32) };
        let delay = at.delay.checked_add(cltv)?;
        if delay > max_cltv {
            return None;
        }
        let amount = a.checked_add(fee)?;
        let mut fee_cost = fee;
        if fuzz_ppm > 0 && fee > 0 {
            let h = mix(seed ^ (e.scid.0 << 1 | e.direction as u64));
            let r = h % (2 * fuzz_ppm + 1);
            // fee * (1e6 + r - fuzz) / 1e6, with r - fuzz in [-fuzz, fuzz].
            let f = fee as u128 * (1_000_000 + r as u128) / 1_000_000;
            let f = f.saturating_sub(fee as u128 * fuzz_ppm as u128 / 1_000_000);
            fee_cost = u64::try_from(f).unwrap_or(u64::MAX);
        }
        let risk = if rf == 0 || cltv == 0 {
            0
        } else {
            let r = a as u128 * cltv as u128 * rf / (RISK_DIVISOR * 1_000_000);
            u64::try_from(r).unwrap_or(u64::MAX)
        };
        let cost = at.cost.saturating_add(fee_cost).saturating_add(risk);
        Some(Label { gen, settled: false, hops: at.hops + 1, cost, amount, delay, pred, bound: 0 })
    }

    // Whether `new`, relaxed from node `v`, replaces `old`. On equal keys, the label the
    // plain Dijkstra relaxes first stays: it settles nodes by (key, index), and two labels of
    // equal key at one node come from nodes of equal hops, so the first is from the cheaper
    // node, then the lower index, then over the lower edge index (graph edges before
    // overlay ones, as it walks them).
    let better = |new: &Label, v: u32, old: &Label, labels: &[Label]| -> bool {
        if old.gen != gen {
            return true;
        }
        if old.settled {
            return false;
        }
        let (kn, ko) = (key(new.cost, new.hops), key(old.cost, old.hops));
        if kn != ko {
            return kn < ko;
        }
        let old_from = if old.pred & EXTRA != 0 {
            extras.get((old.pred & !EXTRA) as usize).map(|e| e.dst)
        } else {
            graph.edge(EdgeIdx(old.pred)).map(|e| e.dst)
        };
        let Some(w) = old_from else { return false };
        let old_cost = labels.get(w.0 as usize).map_or(u64::MAX, |l| l.cost);
        let at_cost = labels.get(v as usize).map_or(u64::MAX, |l| l.cost);
        (at_cost, v, new.pred) < (old_cost, w.0, old.pred)
    };

    while let Some(Reverse(k)) = heap.pop() {
        let v = k as u32;
        let vi = v as usize;
        let at = labels[vi];
        if at.settled {
            continue;
        }
        labels[vi].settled = true;
        settled[vi] = gen;
        if v == src {
            break;
        }
        if vi < n {
            let range = graph.incoming_range(NodeIdx(v));
            for (ei, e) in (range.start..).zip(&edges[range]) {
                let u = e.src.0 as usize;
                // The checks on the edge alone first: they need no other memory.
                if !e.enabled
                    || at.amount > e.htlc_max.msat()
                    || (replace_source_edges && e.src.0 == src)
                {
                    continue;
                }
                if excluding && (edge_excluded[ei] == gen || node_excluded[u] == gen) {
                    continue;
                }
                if settled[u] == gen {
                    continue;
                }
                if let Some(mut l) =
                    relax(e, ei as u32, &at, src, rf, fuzz_ppm, req.seed, max_cltv, gen)
                {
                    let old = labels[u];
                    if better(&l, v, &old, labels) {
                        l.bound = if old.gen == gen { old.bound } else { bound(u) };
                        labels[u] = l;
                        let k = l.cost.saturating_add(l.bound as u64);
                        heap.push(Reverse(heap_key(hops_first, k, l.hops, u as u32)));
                    }
                }
            }
        }
        for (i, e) in extras.iter().enumerate() {
            if e.dst.0 != v || extra_excluded(e) {
                continue;
            }
            let u = e.src.0 as usize;
            if node_excluded[u] == gen {
                continue;
            }
            if let Some(mut l) =
                relax(e, EXTRA | i as u32, &at, src, rf, fuzz_ppm, req.seed, max_cltv, gen)
            {
                let old = labels[u];
                if better(&l, v, &old, labels) {
                    l.bound = if old.gen == gen { old.bound } else { bound(u) };
                    labels[u] = l;
                    let k = l.cost.saturating_add(l.bound as u64);
                    heap.push(Reverse(heap_key(hops_first, k, l.hops, u as u32)));
                }
            }
        }
    }

    let start = labels[src as usize];
    if start.gen != gen || !start.settled {
        return Err(RouteError::NoRoute);
    }
    // Walk from the payer along the predecessor edges.
    let mut hops = Vec::with_capacity(start.hops as usize);
    let mut cur = start;
    while cur.pred != u32::MAX {
        let e = if cur.pred & EXTRA != 0 {
            extras.get((cur.pred & !EXTRA) as usize)
        } else {
            edges.get(cur.pred as usize)
        };
        let Some(e) = e else { return Err(RouteError::NoRoute) };
        let d = e.dst.0 as usize;
        let next = labels[d];
        let id =
            if d < n { graph.node_id(e.dst).copied() } else { extra_nodes.get(d - n).copied() };
        let Some(id) = id else { return Err(RouteError::NoRoute) };
        hops.push(Hop {
            id,
            channel: e.scid,
            direction: e.direction,
            amount: Msat(next.amount),
            delay: next.delay,
        });
        if hops.len() > total_nodes {
            return Err(RouteError::NoRoute);
        }
        cur = next;
    }
    Ok(Path { hops })
}

#[cfg(test)]
mod tests;
