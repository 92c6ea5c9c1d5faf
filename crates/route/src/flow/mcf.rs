//! The multi-part flow ([`flow`](super::flow)): prune, linearise, solve the min-cost flow,
//! decompose into paths and fix them up.

use super::*;

// ---------------------------------------------------------------------------------------------
// Multi-part.

/// The flow delivering `p.amount` at least cost `μ·fee + λ·(−ln P)`, in at most
/// `p.max_parts` parts. With `max_parts == 1` this is [`route`].
pub fn flow(graph: &Graph, snap: &KnowledgeSnapshot, p: &FlowParams) -> Result<Flow, FlowError> {
    if p.amount.0 == 0 {
        return Err(FlowError::ZeroAmount);
    }
    let net = Net::new(graph, snap, p)?;
    let mut best_fee: Option<Msat> = None;
    let mut deliverable = 0u64;
    // μ escalation: fee weight 1, 4, 16, ... 4096 (then λ is negligible).
    for step in 0..7 {
        let mu = 4f64.powi(step);
        let found = if p.max_parts <= 1 {
            single_path(&net, p, p.amount.0, mu)?.map(|part| vec![part])
        } else {
            match solve_mcf(&net, p, mu) {
                Ok(paths) => Some(paths),
                Err(r) => {
                    deliverable = deliverable.max(r.deliverable);
                    // The linearisation leaves 5% of each range unused: one path may still
                    // fit, unless no flow of the amount fits at all.
                    if r.proven {
                        None
                    } else {
                        single_path(&net, p, p.amount.0, mu)?.map(|part| vec![part])
                    }
                }
            }
        };
        let Some(parts) = found else {
            return Err(FlowError::InsufficientLiquidity {
                amount: p.amount,
                deliverable: Msat(deliverable),
            });
        };
        let f = finish(&net, parts);
        if f.fee <= p.max_fee {
            return Ok(f);
        }
        best_fee = Some(best_fee.map_or(f.fee, |b| b.min(f.fee)));
    }
    Err(FlowError::TooExpensive { fee: best_fee.unwrap_or(Msat::MAX), max_fee: p.max_fee })
}

/// Totals, sorting and the set probability.
pub(super) fn finish(net: &Net<'_>, parts: Vec<Part>) -> Flow {
    let mut parts = blinded::strip_tails(net, parts);
    parts.sort_by_key(|p| Reverse(p.amount));
    let mut load: HashMap<ShortChannelIdDir, (u64, Liquidity)> = HashMap::new();
    let mut liq_of: HashMap<ShortChannelIdDir, Liquidity> = HashMap::new();
    for x in &net.extra {
        liq_of.insert(x.channel, x.liq);
    }
    for part in &parts {
        for h in &part.hops {
            let liq = match liq_of.get(&h.channel_dir()) {
                Some(l) => *l,
                None => net
                    .graph
                    .edge_of(h.channel, h.direction)
                    .map_or(Liquidity::unknown(0), |e| net.snap.liquidity(e)),
            };
            let slot = load.entry(h.channel_dir()).or_insert((0, liq));
            slot.0 = slot.0.saturating_add(h.amount.0);
        }
    }
    let probability = load.values().map(|(a, l)| l.probability(*a, net.prior)).product();
    let amount = parts.iter().map(|p| p.amount.0).sum();
    let fee = parts.iter().map(|p| p.fee.0).sum();
    Flow { parts, amount: Msat(amount), fee: Msat(fee), probability }
}

/// A residual arc of the flow network.
#[derive(Clone, Copy)]
pub(super) struct Arc {
    to: u32,
    cap: i64,
    cost: i64,
}

/// The edges a prune keeps.
pub(super) struct Pruned {
    /// Edge ids, best first.
    edges: Vec<u32>,
    /// Whether edges were left out for the limit.
    truncated: bool,
    /// Whether usable edges were left out for a small `htlc_max`.
    narrowed: bool,
}

/// Keeps the `limit` edges on the cheapest paths. With `wide`, edges are not left out for a
/// small `htlc_max`. (One [`Pruner`], used once.)
pub(super) fn prune(net: &Net<'_>, p: &FlowParams, mu: f64, limit: usize, wide: bool) -> Pruned {
    Pruner::new(net, p, mu, wide).prune(limit)
}

/// The prune's state, kept between prunes of growing limits over the same costs: edge costs
/// and the backward distances to the payee are computed once.
///
/// An edge's score is the cost of the cheapest payer–payee path through it. A backward
/// Dijkstra from the payee gives each node's distance `h` to it; a forward A* from the payer
/// keyed by `g + h` (exact, hence consistent) settles nodes in order of the cheapest path
/// through them, a lower bound on the score of every edge out of them, so it stops as soon as
/// `limit` edges score no more than that bound. The backward search only runs as far as the
/// forward one needs: to a radius that doubles on demand.
pub(super) struct Pruner<'n, 'a> {
    net: &'n Net<'a>,
    part: u64,
    mu: f64,
    lambda: f64,
    risk: f64,
    min_htlc_max: u64,
    narrowed: bool,
    /// Per-edge (cost, src, dst), computed on first use; NaN cost: not yet.
    costs: Vec<(f64, u32, u32)>,
    h: Vec<f64>,
    h_done: Vec<bool>,
    bheap: BinaryHeap<Reverse<(u64, u32)>>,
    /// Whether the backward search has nodes left.
    more: bool,
    /// How far the backward search has settled every node.
    radius: f64,
    started: bool,
    /// The nodes the backward search settled, in order.
    order: Vec<u32>,
}

impl<'n, 'a> Pruner<'n, 'a> {
    pub(super) fn new(net: &'n Net<'a>, p: &FlowParams, mu: f64, wide: bool) -> Self {
        let amount = p.amount.0;
        let part = (amount / p.max_parts.clamp(1, 4) as u64).max(p.min_part.0).max(1);
        let n = net.node_count();
        let ne = net.graph.edge_count();
        let mut pr = Pruner {
            net,
            part,
            mu,
            lambda: lambda_msat(p),
            risk: risk_per_msat_block(p),
            min_htlc_max: if wide { 1 } else { part.min(amount) / 8 },
            narrowed: false,
            costs: vec![(f64::NAN, 0, 0); ne + net.extra.len()],
            h: vec![f64::INFINITY; n],
            h_done: vec![false; n],
            bheap: BinaryHeap::new(),
            more: true,
            radius: 0.0,
            started: false,
            order: Vec::new(),
        };
        if let Some(h) = pr.h.get_mut(net.dest as usize) {
            *h = 0.0;
        }
        pr.bheap.push(Reverse((0u64, net.dest)));
        pr
    }

    fn cost_of(&mut self, e: &XEdge) -> f64 {
        if e.liq.possible() == 0 {
            return f64::INFINITY;
        }
        if e.htlc_max < self.min_htlc_max {
            self.narrowed = true;
            return f64::INFINITY;
        }
        let part = self.part;
        let a = part.min(e.htlc_max);
        let prob = e.liq.probability(a, self.net.prior).max(1e-3);
        let (fee, cltv) =
            if e.src == self.net.source { (0, 0.0) } else { (e.fee(a), e.cltv as f64) };
        let risk_cost = self.risk * part as f64 * cltv;
        self.mu * fee as f64 * (part as f64 / a as f64) + risk_cost + self.lambda * -prob.ln() + 1.0
    }

    #[inline]
    fn cost(&mut self, id: u32) -> (f64, u32, u32) {
        let Some(&slot) = self.costs.get(id as usize) else { return (f64::INFINITY, 0, 0) };
        if !slot.0.is_nan() {
            return slot;
        }
        let v = match self.net.edge(id) {
            Some(e) => (self.cost_of(&e) * self.net.cost_factor(id), e.src, e.dst),
            None => (f64::INFINITY, 0, 0),
        };
        if let Some(slot) = self.costs.get_mut(id as usize) {
            *slot = v;
        }
        v
    }

    /// Settles every node within `bound` of the payee (or up to `stop`); returns whether nodes
    /// remain unsettled.
    fn grow(&mut self, bound: f64, stop: u32) -> bool {
        let net = self.net;
        let mut ins: Vec<u32> = Vec::new();
        while let Some(&Reverse((bits, v))) = self.bheap.peek() {
            let d = f64::from_bits(bits);
            if d > bound {
                return true;
            }
            self.bheap.pop();
            if self.h_done[v as usize] || d > self.h[v as usize] {
                continue;
            }
            self.h_done[v as usize] = true;
            self.order.push(v);
            ins.clear();
            net.for_in(v, |id| ins.push(id));
            for &id in &ins {
                // An edge from a settled node gives nothing: its cost is not needed (only
                // whether it narrows the prune).
                if let Some((u, htlc_max)) = net.tail(id) {
                    if self.h_done[u as usize] {
                        if htlc_max < self.min_htlc_max {
                            self.cost(id);
                        }
                        continue;
                    }
                }
                let (c, u, _) = self.cost(id);
                if !c.is_finite() || self.h_done[u as usize] {
                    continue;
                }
                let nd = d + c;
                if nd < self.h[u as usize] {
                    self.h[u as usize] = nd;
                    self.bheap.push(Reverse((nd.to_bits(), u)));
                }
            }
            if v == stop {
                return !self.bheap.is_empty();
            }
        }
        false
    }

    /// The `limit` best-scoring edges. Later calls with larger limits reuse the costs and the
    /// backward distances of earlier ones.
    ///
    /// The forward search pauses when its key passes the radius the backward search has
    /// settled: the radius grows by [`RADIUS_STEP`] and the search resumes where it was. The
    /// edges it met into nodes not settled backward yet wait in a list: once their heads are
    /// settled they score more than every key popped so far, so resuming settles nodes in the
    /// same order as a search over exact distances from the start. The backward search thus
    /// only settles nodes a little beyond the score of the last edge kept.
    pub(super) fn prune(&mut self, limit: usize) -> Pruned {
        let net = self.net;
        let n = net.node_count();
        let ne = net.graph.edge_count();
        let source = net.source;
        if !self.started {
            self.started = true;
            self.more = self.grow(f64::INFINITY, source);
            if !self.h_done[source as usize] {
                return Pruned { edges: Vec::new(), truncated: false, narrowed: self.narrowed };
            }
            let best = self.h[source as usize];
            // Without a limit every distance is needed: no point in growing the radius by
            // steps.
            self.radius = if self.more && limit < ne { best * RADIUS_STEP } else { f64::INFINITY };
            if self.more {
                let r = self.radius;
                self.more = self.grow(r, u32::MAX);
            }
        }
        if !self.h_done[source as usize] {
            return Pruned { edges: Vec::new(), truncated: false, narrowed: self.narrowed };
        }
        let best = self.h[source as usize];
        let mut g = vec![f64::INFINITY; n];
        let mut g_done = vec![false; n];
        let mut fheap: BinaryHeap<Reverse<(u64, u32)>> = BinaryHeap::new();
        // The `limit` best candidates so far (max-heap by score), and how many were seen.
        let mut top: BinaryHeap<(u64, u32)> = BinaryHeap::new();
        let mut seen = 0usize;
        // Edges into nodes beyond the radius, by head: their costs are only computed once
        // their heads are settled, when the backward search hands them over.
        let mut waiting = Waiting::new(n);
        let mut released = self.order.len();
        let mut outs: Vec<u32> = Vec::new();
        g[source as usize] = 0.0;
        fheap.push(Reverse((best.to_bits(), source)));
        loop {
            if !self.more {
                self.radius = f64::INFINITY;
            }
            let radius = self.radius;
            let more = self.more;
            let mut stopped = false;
            while let Some(&Reverse((bits, u))) = fheap.peek() {
                let key = f64::from_bits(bits);
                // Every edge not yet seen scores at least `key`, or more than `radius`.
                if top.len() >= limit
                    && top.peek().is_some_and(|&(t, _)| f64::from_bits(t) <= key.min(radius))
                {
                    stopped = true;
                    break;
                }
                if key > radius && more {
                    break;
                }
                fheap.pop();
                if std::mem::replace(&mut g_done[u as usize], true) {
                    continue;
                }
                let gu = g[u as usize];
                outs.clear();
                net.for_out(u, |id| outs.push(id));
                for &id in &outs {
                    if let Some((v, htlc_max)) = net.head(id) {
                        if !self.h_done[v as usize] {
                            // Whether the edge narrows the prune does not wait.
                            if htlc_max < self.min_htlc_max {
                                self.cost(id);
                            }
                            if more {
                                waiting.push(v, gu, id);
                            }
                            continue;
                        }
                    }
                    let (c, _, v) = self.cost(id);
                    if !c.is_finite() || !self.h_done[v as usize] {
                        continue;
                    }
                    let score = gu + c + self.h[v as usize];
                    seen += 1;
                    push_top(&mut top, limit, (score.to_bits(), id));
                    let nd = gu + c;
                    if nd < g[v as usize] && !g_done[v as usize] {
                        g[v as usize] = nd;
                        fheap.push(Reverse(((nd + self.h[v as usize]).to_bits(), v)));
                    }
                }
            }
            let enough =
                top.len() >= limit && top.peek().is_some_and(|&(t, _)| f64::from_bits(t) <= radius);
            if stopped || !more || (fheap.is_empty() && enough) {
                // Edges still waiting were left out too (unless their heads cannot reach the
                // payee at all, which only an exhausted backward search knows).
                let mut truncated = seen > limit || (stopped && !fheap.is_empty());
                if more && !truncated {
                    let mut left = 0;
                    for id in waiting.left() {
                        left += usize::from(self.cost(id).0.is_finite());
                    }
                    truncated = seen + left > limit;
                }
                let mut out = top.into_vec();
                out.sort_unstable();
                let edges = out.into_iter().map(|(_, id)| id).collect();
                return Pruned { edges, truncated, narrowed: self.narrowed };
            }
            self.radius *= RADIUS_STEP;
            let r = self.radius;
            self.more = self.grow(r, u32::MAX);
            // Edges whose heads are now settled join the search (in any order: the best
            // `limit` of a set and the least distance to a node do not depend on it).
            let mut ready: Vec<(f64, u32)> = Vec::new();
            for &v in self.order.get(released..).unwrap_or_default() {
                waiting.release(v, &mut ready);
            }
            released = self.order.len();
            for (gu, id) in ready {
                let (c, _, v) = self.cost(id);
                if !c.is_finite() {
                    continue;
                }
                let score = gu + c + self.h[v as usize];
                seen += 1;
                push_top(&mut top, limit, (score.to_bits(), id));
                let nd = gu + c;
                if nd < g[v as usize] && !g_done[v as usize] {
                    g[v as usize] = nd;
                    fheap.push(Reverse(((nd + self.h[v as usize]).to_bits(), v)));
                }
            }
        }
    }
}

/// Edges waiting for the backward search to settle their heads, in a list per head node.
struct Waiting {
    /// Per node, its first entry (`u32::MAX`: none).
    first: Vec<u32>,
    /// `(distance from the payer to the tail, edge id, next entry of the same head)`; a
    /// released entry's id is `u32::MAX`.
    entries: Vec<(f64, u32, u32)>,
}

impl Waiting {
    fn new(nodes: usize) -> Waiting {
        Waiting { first: vec![u32::MAX; nodes], entries: Vec::new() }
    }

    fn push(&mut self, head: u32, g: f64, id: u32) {
        let Some(first) = self.first.get_mut(head as usize) else { return };
        let Ok(at) = u32::try_from(self.entries.len()) else { return };
        self.entries.push((g, id, *first));
        *first = at;
    }

    /// Moves the entries of `head` to `out`.
    fn release(&mut self, head: u32, out: &mut Vec<(f64, u32)>) {
        let Some(first) = self.first.get_mut(head as usize) else { return };
        let mut at = std::mem::replace(first, u32::MAX);
        while let Some(e) = self.entries.get_mut(at as usize) {
            out.push((e.0, e.1));
            e.1 = u32::MAX;
            at = e.2;
        }
    }

    /// The ids still waiting.
    fn left(&self) -> impl Iterator<Item = u32> + '_ {
        self.entries.iter().map(|e| e.1).filter(|&id| id != u32::MAX)
    }
}

/// Adds a candidate to the `limit` best (a max-heap by score, then id), unless it is worse
/// than all of them already.
#[inline]
fn push_top(top: &mut BinaryHeap<(u64, u32)>, limit: usize, x: (u64, u32)) {
    if top.len() >= limit && top.peek().is_some_and(|&t| x > t) {
        return;
    }
    top.push(x);
    if top.len() > limit {
        top.pop();
    }
}

/// How much the prune's backward radius grows at a time (and its first radius, in units of
/// the best path's cost).
pub(super) const RADIUS_STEP: f64 = 1.125;

/// How much wider the prune gets when the edges it kept cannot carry the amount.
pub(super) const PRUNE_GROW: usize = 4;

/// The askrene pivots of the uncertain range.
pub(super) const PIVOTS: [f64; 5] = [0.0, 0.5, 0.8, 0.95, 1.0];

/// Solves the min-cost flow; returns the parts, or why the whole amount does not fit. Before
/// any search it refuses an amount the payer's or the payee's channels cannot carry in all
/// ([`cut_bound`]). When the pruned edges cannot carry it, it first asks whether any flow can
/// ([`max_flow`] over every usable edge, hop and delay limits aside): when none can, it refuses
/// at once, which is what the wider solves below would have found at far greater cost. Then
/// it asks whether one can within 95% of the uncertain ranges, the solver's first capacities
/// ([`max_flow_over`]): when one can, it solves over [`PRUNE_GROW`] times as many edges as
/// the prune kept (the cheapest edges may all sit on exhausted channels while the liquidity
/// is elsewhere); no wider prune (a 32× one cost most of the tail's time). When that is
/// still short, or no flow fits within 95% of
/// the uncertain ranges, it solves again with the whole of each range (the top 5% at a steep
/// cost), first over the first edge set, then over the first set with the maximum flow's
/// edges (a solve within 95% of the ranges over the wider set and those edges chose dearer
/// routes: the 1M sat median fee of the delivery bench went 46 → 60 ppm), then over every edge leading from the payer to the payee: a flow is only refused
/// when none exists.
pub(super) fn solve_mcf(net: &Net<'_>, p: &FlowParams, mu: f64) -> Result<Vec<Part>, Refusal> {
    // What the payer's and the payee's channels carry in all bounds every flow, and costs a
    // look at their edges: a payee that cannot receive the amount (the commonest refusal) is
    // told before any search.
    let cut = cut_bound(net, p);
    if cut < p.amount.0 {
        return Err(Refusal { deliverable: cut, proven: true });
    }
    let mut pruner = Pruner::new(net, p, mu, false);
    let first = pruner.prune(p.max_edges);
    let mut deliverable = match solve_pruned(net, p, mu, &first.edges, false) {
        Ok(parts) => return Ok(parts),
        Err(d) => d,
    };
    // Only failures get here: the checks and fallbacks below cost nothing in the common case.
    // First within 95% of the ranges, the solver's first capacities, over the edges a prune
    // keeps: the amount may not fit so over any of them (often the payer's or the payee's
    // channels are the bottleneck), and then no wider prune is tried. When it does fit so, it
    // fits over the whole ranges and every edge too.
    let (within, within_edges) = max_flow_over(net, p, p.amount.0, false, pruner.min_htlc_max);
    let fits_within = within >= p.amount.0;
    let flow_edges = if fits_within {
        within_edges
    } else {
        let (carried, flow_edges) = max_flow(net, p, p.amount.0);
        if carried < p.amount.0 {
            return Err(Refusal { deliverable, proven: true });
        }
        flow_edges
    };
    let mut guided = first.edges.clone();
    let kept: std::collections::HashSet<u32> = first.edges.iter().copied().collect();
    guided.extend(flow_edges.into_iter().filter(|id| !kept.contains(id)));
    let mut wide = None;
    if fits_within && first.truncated {
        // A wider prune, reusing the first one's work: the cheapest edges may all sit on
        // exhausted channels while the liquidity is elsewhere.
        let w = pruner.prune(p.max_edges.saturating_mul(PRUNE_GROW));
        match solve_pruned(net, p, mu, &w.edges, false) {
            Ok(parts) => return Ok(parts),
            Err(d) => deliverable = deliverable.max(d),
        }
        wide = Some(w);
    }
    let refused = |deliverable| Refusal { deliverable, proven: false };
    // The whole ranges over the first edges (cheap; the wider set would be as dear as all).
    match solve_pruned(net, p, mu, &first.edges, true) {
        Ok(parts) => return Ok(parts),
        Err(d) => deliverable = deliverable.max(d),
    }
    // The whole ranges over the first edges and those of the maximum flow: they carry the
    // amount, so only the limits (hops, delay, parts) or the unit rounding refuse it here.
    if guided.len() > first.edges.len() {
        match solve_pruned(net, p, mu, &guided, true) {
            Ok(parts) => return Ok(parts),
            Err(d) => deliverable = deliverable.max(d),
        }
    }
    let narrowed = first.narrowed || wide.as_ref().is_some_and(|w| w.narrowed);
    if !(first.truncated || narrowed) {
        return Err(refused(deliverable));
    }
    let all = prune(net, p, mu, usize::MAX, true);
    solve_pruned(net, p, mu, &all.edges, true).map_err(|d| refused(d.max(deliverable)))
}

/// Why [`solve_mcf`] found no flow.
#[derive(Debug, Clone, Copy)]
pub(super) struct Refusal {
    /// The most a flow it found delivers; refused before any search, what the payer's or the
    /// payee's channels carry in all ([`cut_bound`]).
    pub(super) deliverable: u64,
    /// Whether no flow of the amount exists at all over the usable edges (so no single path
    /// either).
    pub(super) proven: bool,
}

/// The most a flow from payer to payee carries over the usable edges, up to `target`, with
/// the capacities the solver gives them (each edge's possible liquidity, at most `htlc_max`
/// per part); hop and delay limits aside, so no flow the solver finds can carry more. Also
/// the edges that carry some of it. Dinic's algorithm: breadth-first levels from the payer,
/// stopped at the payee's level, then augmenting paths along them with a current-arc pointer
/// per node; capacities are read only for the edges it reaches.
pub(super) fn max_flow(net: &Net<'_>, p: &FlowParams, target: u64) -> (u64, Vec<u32>) {
    max_flow_over(net, p, target, true, 0)
}

/// [`max_flow`] with, unless `full`, each edge's capacity what [`solve_pruned`] gives it
/// without `full` (its certain liquidity and 95% of its uncertain range, at most `htlc_max`
/// per part), and without the edges whose `htlc_max` is below `min_htlc_max` (as a prune
/// that is not wide leaves them out): an upper bound on what any such solve carries over
/// such a prune.
pub(super) fn max_flow_over(
    net: &Net<'_>,
    p: &FlowParams,
    target: u64,
    full: bool,
    min_htlc_max: u64,
) -> (u64, Vec<u32>) {
    const UNKNOWN: u64 = u64::MAX;
    let parts = p.max_parts.max(1) as u64;
    let ne = net.graph.edge_count();
    let total_edges = ne + net.extra.len();
    let n = net.node_count();
    let (s, t) = (net.source, net.dest);
    let mut cap = vec![UNKNOWN; total_edges];
    let mut flow = vec![0u64; total_edges];
    let mut level = vec![u32::MAX; n];
    let mut next = vec![0u32; n];
    let mut queue: Vec<u32> = Vec::new();
    let mut path: Vec<(u32, bool)> = Vec::new();
    let ends = |id: u32| -> (u32, u32) {
        if (id as usize) < ne {
            net.graph.edge(EdgeIdx(id)).map_or((u32::MAX, u32::MAX), |e| (e.src.0, e.dst.0))
        } else {
            net.extra.get(id as usize - ne).map_or((u32::MAX, u32::MAX), |x| (x.src, x.dst))
        }
    };
    // The `i`-th residual arc candidate of node `u`: an edge out of it (forward) or into it
    // (backward, cancelling flow).
    let arc = |u: u32, i: u32| -> Option<(u32, bool)> {
        let mut i = i as usize;
        if u < net.n_graph {
            let out = net.graph.outgoing(NodeIdx(u));
            if let Some(e) = out.get(i) {
                return Some((e.0, true));
            }
            i -= out.len();
            let inr = net.graph.incoming_range(NodeIdx(u));
            if i < inr.len() {
                return Some(((inr.start + i) as u32, false));
            }
            i -= inr.len();
        }
        if net.extra.is_empty() {
            return None;
        }
        let xo = net.extra_out.get(&u).map_or(&[][..], Vec::as_slice);
        if let Some(&e) = xo.get(i) {
            return Some((e, true));
        }
        i -= xo.len();
        net.extra_in.get(&u).and_then(|v| v.get(i)).map(|&e| (e, false))
    };
    let residual = |id: u32, forward: bool, cap: &mut [u64], flow: &[u64]| -> u64 {
        let k = id as usize;
        let f = flow.get(k).copied().unwrap_or(0);
        if !forward {
            return f;
        }
        let Some(c) = cap.get_mut(k) else { return 0 };
        if *c == UNKNOWN {
            *c = net
                .edge(id)
                .filter(|e| e.htlc_max >= min_htlc_max)
                .map_or(0, |e| solver_capacity(&e, parts, full))
                .min(UNKNOWN - 1);
        }
        c.saturating_sub(f)
    };
    let mut carried = 0u64;
    'phases: while carried < target {
        level.iter_mut().for_each(|l| *l = u32::MAX);
        level[s as usize] = 0;
        queue.clear();
        queue.push(s);
        let mut head = 0;
        while let Some(&u) = queue.get(head) {
            head += 1;
            let lu = level[u as usize];
            if lu >= level[t as usize] {
                break;
            }
            let mut i = 0;
            while let Some((id, forward)) = arc(u, i) {
                i += 1;
                let (a, b) = ends(id);
                let v = if forward { b } else { a };
                if level.get(v as usize) != Some(&u32::MAX)
                    || residual(id, forward, &mut cap, &flow) == 0
                {
                    continue;
                }
                level[v as usize] = lu + 1;
                queue.push(v);
            }
        }
        if level[t as usize] == u32::MAX {
            break;
        }
        next.iter_mut().for_each(|x| *x = 0);
        // Augmenting paths along the levels until none is left.
        loop {
            path.clear();
            let mut u = s;
            while u != t {
                let mut advanced = false;
                while let Some((id, forward)) = arc(u, next[u as usize]) {
                    let (a, b) = ends(id);
                    let v = if forward { b } else { a };
                    let lv = level.get(v as usize).copied().unwrap_or(u32::MAX);
                    if lv != u32::MAX
                        && lv == level[u as usize] + 1
                        && residual(id, forward, &mut cap, &flow) > 0
                    {
                        path.push((id, forward));
                        u = v;
                        advanced = true;
                        break;
                    }
                    next[u as usize] += 1;
                }
                if advanced {
                    continue;
                }
                // A dead end: no path to the payee through `u` in this phase.
                level[u as usize] = u32::MAX;
                let Some((id, forward)) = path.pop() else { continue 'phases };
                let (a, b) = ends(id);
                u = if forward { a } else { b };
                next[u as usize] += 1;
            }
            let mut push = target - carried;
            for &(id, forward) in &path {
                push = push.min(residual(id, forward, &mut cap, &flow));
            }
            for &(id, forward) in &path {
                let f = &mut flow[id as usize];
                *f = if forward { *f + push } else { *f - push };
            }
            carried += push;
            if carried >= target {
                break 'phases;
            }
        }
    }
    let used = flow.iter().enumerate().filter(|(_, &f)| f > 0).map(|(i, _)| i as u32).collect();
    (carried, used)
}

/// The capacity [`solve_pruned`] gives an edge, in msat (before rounding to units): its
/// possible liquidity, at most `htlc_max` per part; unless `full`, only the certain liquidity
/// and the range up to the second-to-last pivot.
fn solver_capacity(e: &XEdge, parts: u64, full: bool) -> u64 {
    let cap = e.liq.possible().min(e.htlc_max.saturating_mul(parts));
    if full {
        return cap;
    }
    let certain = e.liq.certain().min(cap);
    let range = e.liq.possible().saturating_sub(certain);
    cap.min(certain.saturating_add((range as f64 * PIVOTS[3]) as u64))
}

/// An upper bound on what any flow delivers: the least of what the payer's channels and
/// what the payee's channels can carry in all.
pub(super) fn cut_bound(net: &Net<'_>, p: &FlowParams) -> u64 {
    let parts = p.max_parts.max(1) as u64;
    let cap = |id: u32| {
        net.edge(id).map_or(0, |e| e.liq.possible().min(e.htlc_max.saturating_mul(parts)))
    };
    let (mut out, mut into) = (0u64, 0u64);
    net.for_out(net.source, |id| out = out.saturating_add(cap(id)));
    net.for_in(net.dest, |id| into = into.saturating_add(cap(id)));
    out.min(into)
}

/// [`solve_mcf`] over the given edges.
/// With `full`, each edge's uncertain range is used to its end: 95–100% as a fifth arc.
pub(super) fn solve_pruned(
    net: &Net<'_>,
    p: &FlowParams,
    mu: f64,
    edges: &[u32],
    full: bool,
) -> Result<Vec<Part>, u64> {
    let amount = p.amount.0;
    if edges.is_empty() {
        return Err(0);
    }
    let unit = amount.div_ceil(1000).max(1);
    let demand = amount.div_ceil(unit) as i64;
    let lambda = lambda_msat(p);
    let risk = risk_per_msat_block(p);
    let part_guess = (amount / p.max_parts.clamp(1, 10) as u64).max(p.min_part.0).max(1);
    // Local node numbering (u32::MAX: not in the pruned graph).
    let mut local: Vec<u32> = vec![u32::MAX; net.node_count()];
    let mut nodes: Vec<u32> = Vec::new();
    let mut loc = |g: u32, nodes: &mut Vec<u32>| -> u32 {
        match local.get_mut(g as usize) {
            Some(slot) if *slot != u32::MAX => *slot,
            Some(slot) => {
                nodes.push(g);
                *slot = nodes.len() as u32 - 1;
                *slot
            }
            // Every index is below node_count; a stray one gets a node of its own.
            None => {
                nodes.push(g);
                nodes.len() as u32 - 1
            }
        }
    };
    let s = loc(net.source, &mut nodes);
    let t = loc(net.dest, &mut nodes);
    let mut arcs: Vec<Arc> = Vec::with_capacity(edges.len() * 8);
    let mut arc_from: Vec<u32> = Vec::with_capacity(edges.len() * 8);
    let mut arc_edge: Vec<u32> = Vec::with_capacity(edges.len() * 4);
    let scale = 1000.0; // costs in 1/1000 msat per unit
    for (k, &id) in edges.iter().enumerate() {
        let Some(e) = net.edge(id) else { continue };
        let (a, b) = (loc(e.src, &mut nodes), loc(e.dst, &mut nodes));
        let fee_unit = if e.src == net.source {
            0.0
        } else {
            unit as f64 * e.ppm as f64 / 1e6 + e.base as f64 * unit as f64 / part_guess as f64
        };
        let risk_unit = if e.src == net.source { 0.0 } else { risk };
        let delay_unit = e.cltv as f64 * unit as f64 * (1e-6 + risk_unit);
        // `htlc_max` bounds each HTLC, not the channel: parts may share it.
        let cap_msat = e.htlc_max.saturating_mul(p.max_parts.max(1) as u64).min(e.liq.possible());
        let certain = e.liq.certain().min(cap_msat);
        let range = e.liq.possible().saturating_sub(certain);
        let n_segs = if full { 5 } else { 4 };
        let mut segs: [(u64, f64); 5] = [(0, 0.0); 5];
        segs[0] = (certain, 0.0);
        for i in 1..n_segs {
            let from = certain + (range as f64 * PIVOTS[i - 1]) as u64;
            let to =
                if i == 4 { certain + range } else { certain + (range as f64 * PIVOTS[i]) as u64 };
            let (pa, mut pb) =
                (e.liq.probability(from, net.prior), e.liq.probability(to, net.prior));
            if i == 4 && pb <= 0.0 {
                // The very top of a range may have no mass: price its last msat instead.
                pb = e.liq.probability(to.saturating_sub(1), net.prior).max(1e-9);
            }
            let slope = if to > from && pa > 0.0 && pb > 0.0 {
                (pa / pb).ln() / (to - from) as f64
            } else {
                0.0
            };
            segs[i] = (to - from, slope * unit as f64);
        }
        let mut used = 0u64;
        for (len, prob_unit) in segs {
            let len = len.min(cap_msat.saturating_sub(used));
            used += len;
            let cap_units = (len / unit) as i64;
            if cap_units == 0 {
                continue;
            }
            let cost =
                ((mu * fee_unit + delay_unit + lambda * prob_unit) * scale * net.cost_factor(id))
                    .round() as i64
                    + 1;
            arcs.push(Arc { to: b, cap: cap_units.min(demand), cost });
            arc_from.push(a);
            arcs.push(Arc { to: a, cap: 0, cost: -cost });
            arc_from.push(b);
            arc_edge.push(k as u32);
        }
    }
    let nn = nodes.len();
    // CSR adjacency of arcs by tail.
    let mut start = vec![0u32; nn + 1];
    for &f in &arc_from {
        start[f as usize + 1] += 1;
    }
    for i in 0..nn {
        start[i + 1] += start[i];
    }
    let mut fill = start.clone();
    let mut adj = vec![0u32; arcs.len()];
    for (i, &f) in arc_from.iter().enumerate() {
        adj[fill[f as usize] as usize] = i as u32;
        fill[f as usize] += 1;
    }
    // Successive shortest paths with potentials.
    let mut pot = vec![0i64; nn];
    let mut dist = vec![i64::MAX; nn];
    let mut pred = vec![u32::MAX; nn];
    let mut flowed = 0i64;
    let mut heap = BinaryHeap::new();
    while flowed < demand {
        dist.iter_mut().for_each(|d| *d = i64::MAX);
        pred.iter_mut().for_each(|x| *x = u32::MAX);
        dist[s as usize] = 0;
        heap.clear();
        heap.push(Reverse((0i64, s)));
        while let Some(Reverse((d, v))) = heap.pop() {
            if d > dist[v as usize] {
                continue;
            }
            if v == t {
                // Nodes not settled yet are at least as far: their potentials rise by `dt`.
                break;
            }
            for &ai in &adj[start[v as usize] as usize..start[v as usize + 1] as usize] {
                let a = arcs[ai as usize];
                if a.cap <= 0 {
                    continue;
                }
                let rc = a.cost + pot[v as usize] - pot[a.to as usize];
                let nd = d + rc.max(0);
                if nd < dist[a.to as usize] {
                    dist[a.to as usize] = nd;
                    pred[a.to as usize] = ai;
                    heap.push(Reverse((nd, a.to)));
                }
            }
        }
        if dist[t as usize] == i64::MAX {
            break;
        }
        let dt = dist[t as usize];
        for v in 0..nn {
            pot[v] += dist[v].min(dt);
        }
        let mut push = demand - flowed;
        let mut v = t;
        while v != s {
            let ai = pred[v as usize] as usize;
            push = push.min(arcs[ai].cap);
            v = arc_from[ai];
        }
        let mut v = t;
        while v != s {
            let ai = pred[v as usize] as usize;
            arcs[ai].cap -= push;
            arcs[ai ^ 1].cap += push;
            v = arc_from[ai];
        }
        flowed += push;
    }
    if flowed < demand {
        return Err(flowed as u64 * unit);
    }
    // Flow per pruned edge, in units.
    let mut eflow = vec![0i64; edges.len()];
    for (j, &k) in arc_edge.iter().enumerate() {
        eflow[k as usize] += arcs[2 * j + 1].cap;
    }
    let paths = decompose(net, edges, &mut eflow, &local, s, t, &nodes);
    let mut parts: Vec<(Vec<u32>, u64)> =
        paths.into_iter().map(|(es, units)| (es, units as u64 * unit)).collect();
    // Trim the rounding excess from the largest part.
    let excess = (demand as u64 * unit).saturating_sub(amount);
    if let Some(big) = parts.iter_mut().max_by_key(|x| x.1) {
        big.1 -= excess.min(big.1);
    }
    fix_up(net, p, parts)
}

/// Splits an edge flow into paths (edge ids, units), cancelling any cycle.
pub(super) fn decompose(
    net: &Net<'_>,
    edges: &[u32],
    eflow: &mut [i64],
    local: &[u32],
    s: u32,
    t: u32,
    nodes: &[u32],
) -> Vec<(Vec<u32>, i64)> {
    let nn = nodes.len();
    let mut out: Vec<Vec<usize>> = vec![Vec::new(); nn];
    let mut head = vec![0u32; edges.len()];
    for (k, &id) in edges.iter().enumerate() {
        if eflow[k] <= 0 {
            continue;
        }
        let Some(e) = net.edge(id) else { continue };
        let (Some(&a), Some(&b)) = (local.get(e.src as usize), local.get(e.dst as usize)) else {
            continue;
        };
        if a as usize >= nn || b as usize >= nn {
            continue;
        }
        out[a as usize].push(k);
        head[k] = b;
    }
    let mut paths = Vec::new();
    let mut on_path = vec![usize::MAX; nn];
    for _ in 0..edges.len() * 2 + 10 {
        let mut walk: Vec<usize> = Vec::new();
        let mut v = s;
        on_path[s as usize] = 0;
        let mut stuck = false;
        while v != t {
            let Some(&k) = out[v as usize].iter().find(|&&k| eflow[k] > 0) else {
                stuck = true;
                break;
            };
            let w = head[k];
            walk.push(k);
            if on_path[w as usize] != usize::MAX {
                // A cycle: cancel it and continue from w.
                let from = on_path[w as usize];
                let m = walk[from..].iter().map(|&k| eflow[k]).min().unwrap_or(0);
                for &k in &walk[from..] {
                    eflow[k] -= m;
                }
                for &k in &walk[from..] {
                    let x = head[k];
                    if x != w {
                        on_path[x as usize] = usize::MAX;
                    }
                }
                walk.truncate(from);
                v = w;
                continue;
            }
            on_path[w as usize] = walk.len();
            v = w;
        }
        for &k in &walk {
            on_path[head[k] as usize] = usize::MAX;
        }
        on_path[s as usize] = usize::MAX;
        if stuck || walk.is_empty() {
            break;
        }
        let m = walk.iter().map(|&k| eflow[k]).min().unwrap_or(0);
        if m <= 0 {
            break;
        }
        for &k in &walk {
            eflow[k] -= m;
        }
        paths.push((walk.iter().map(|&k| edges[k]).collect(), m));
    }
    paths
}

/// Makes the decomposed paths sendable and within every limit; spreads any shortfall.
pub(super) fn fix_up(
    net: &Net<'_>,
    p: &FlowParams,
    mut parts: Vec<(Vec<u32>, u64)>,
) -> Result<Vec<Part>, u64> {
    let amount = p.amount.0;
    let min_part = p.min_part.0.min(amount);
    // Merge identical paths.
    parts.sort_by(|a, b| a.0.cmp(&b.0));
    parts.dedup_by(|b, a| {
        if a.0 == b.0 {
            a.1 += b.1;
            true
        } else {
            false
        }
    });
    parts.retain(|(es, a)| *a > 0 && es.len() <= p.max_hops);
    for _round in 0..16 {
        // Exact parts, dropping those over the delay limit.
        parts.retain(|(es, a)| {
            make_part(net, es, *a, p.final_cltv)
                .hops
                .first()
                .is_some_and(|h| h.delay <= p.max_delay)
        });
        parts.sort_by_key(|x| Reverse(x.1));
        parts.truncate(p.max_parts.max(1));
        // Per-edge load of exact hop amounts.
        let mut load: HashMap<u32, u64> = HashMap::new();
        let mut built: Vec<Part> = Vec::with_capacity(parts.len());
        for (es, a) in &parts {
            let part = make_part(net, es, *a, p.final_cltv);
            for (id, h) in es.iter().zip(&part.hops) {
                *load.entry(*id).or_default() += h.amount.0;
            }
            built.push(part);
        }
        // Split parts that break htlc_max (a limit per HTLC: the excess goes as another part
        // over the same path); shrink those that break a channel's upper bound.
        let mut changed = false;
        let mut split: Vec<(Vec<u32>, u64)> = Vec::new();
        for ((es, a), part) in parts.iter_mut().zip(&built) {
            let (mut over_max, mut cut) = (0u64, 0u64);
            for (id, h) in es.iter().zip(&part.hops) {
                let Some(e) = net.edge(*id) else { continue };
                over_max = over_max.max(h.amount.0.saturating_sub(e.htlc_max));
                let l = load.get(id).copied().unwrap_or(0);
                cut = cut.max(l.saturating_sub(e.liq.possible()));
            }
            if cut > 0 {
                *a = a.saturating_sub(cut);
                changed = true;
            } else if over_max > 0 {
                let moved = over_max.min(*a);
                *a -= moved;
                // What stays fits: move the excess in pieces of that size at once (each
                // round verifies them), unless that would make too many parts anyway.
                let piece = *a;
                if piece > 0 && moved.div_ceil(piece) <= p.max_parts as u64 {
                    let mut left = moved;
                    while left > 0 {
                        let c = left.min(piece);
                        split.push((es.clone(), c));
                        left -= c;
                    }
                } else {
                    split.push((es.clone(), moved));
                }
                changed = true;
            }
        }
        parts.extend(split);
        if changed {
            continue;
        }
        // Raise parts below the minimum part with amount taken from parts above it.
        let room_of = |es: &[u32], load: &HashMap<u32, u64>, frac: f64| -> u64 {
            let mut room = u64::MAX;
            for id in es {
                let Some(e) = net.edge(*id) else { return 0 };
                let l = load.get(id).copied().unwrap_or(0);
                let c = e.liq.certain();
                let lim = c + ((e.liq.possible().saturating_sub(c)) as f64 * frac) as u64;
                room = room.min(lim.min(e.htlc_max).saturating_sub(l));
            }
            // Fees grow with the amount: leave a margin the next round verifies.
            room.saturating_sub(room / 100 + 1)
        };
        for i in 0..parts.len() {
            let a = parts[i].1;
            if a == 0 || a >= min_part {
                continue;
            }
            let need = min_part - a;
            let spare: u64 = parts.iter().map(|x| x.1.saturating_sub(min_part)).sum();
            if spare < need || room_of(&parts[i].0, &load, 1.0) < need {
                continue;
            }
            let mut left = need;
            for (j, x) in parts.iter_mut().enumerate() {
                let take = left.min(x.1.saturating_sub(min_part));
                if j != i && take > 0 {
                    x.1 -= take;
                    left -= take;
                }
            }
            parts[i].1 += need - left;
            changed = true;
            break;
        }
        if changed {
            continue;
        }
        // Drop parts below the minimum part or an htlc_min they cannot reach.
        let before = parts.len();
        parts.retain(|(es, a)| {
            *a >= min_part.max(1)
                && make_part(net, es, *a, p.final_cltv)
                    .hops
                    .iter()
                    .zip(es.iter())
                    .all(|(h, id)| net.edge(*id).is_some_and(|e| h.amount.0 >= e.htlc_min))
        });
        changed |= parts.len() != before;
        if changed {
            continue;
        }
        let total: u64 = parts.iter().map(|x| x.1).sum();
        if total == amount {
            return Ok(built);
        }
        if total > amount {
            // Only after a merge of rounding: trim the largest.
            if let Some(big) = parts.iter_mut().max_by_key(|x| x.1) {
                big.1 -= (total - amount).min(big.1);
            }
            continue;
        }
        // Spread the shortfall by headroom (first within 95% of each range, then the rest).
        let mut short = amount - total;
        for frac in [0.95, 1.0] {
            for (es, a) in parts.iter_mut() {
                if short == 0 {
                    break;
                }
                let add = short.min(room_of(es, &load, frac));
                if add > 0 {
                    *a += add;
                    short -= add;
                    for id in es.iter() {
                        *load.entry(*id).or_default() += add;
                    }
                }
            }
        }
        if short == amount - total {
            return Err(total);
        }
    }
    Err(parts.iter().map(|x| x.1).sum())
}

#[cfg(test)]
mod prune_tests {
    use super::*;
    use crate::graph::{EdgePolicy, GraphBuilder};
    use crate::knowledge::{Knowledge, KnowledgeConfig};
    use crate::test_util::node;
    use types::ShortChannelId;

    /// A random connected network of `n` nodes, with some liquidity learned.
    fn random_network(seed: u64, n: u8) -> (std::sync::Arc<Graph>, Knowledge) {
        let mut x = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
        let mut next = move |m: u64| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x % m
        };
        let mut g = GraphBuilder::new();
        let mut k = Knowledge::new(KnowledgeConfig::default());
        let mut scid = 0u64;
        let mut chans = Vec::new();
        for i in 1..n {
            // A tree first (connected), then random chords.
            let mut ends = vec![(next(i as u64) as u8, i)];
            for _ in 0..2 {
                ends.push((next(n as u64) as u8, next(n as u64) as u8));
            }
            for (a, b) in ends {
                if a == b {
                    continue;
                }
                scid += 1;
                let cap = 1_000_000 * (1 + next(500));
                let id = ShortChannelId(scid);
                g.add_channel(id, node(a), node(b), Some(Msat(cap)));
                for d in 0..2 {
                    let p = EdgePolicy {
                        timestamp: 1,
                        enabled: true,
                        base_fee_msat: next(3) as u32 * 1000,
                        fee_ppm: next(2000) as u32,
                        cltv_delta: 6 + next(140) as u16,
                        htlc_min: Msat(1),
                        htlc_max: Msat(if next(6) == 0 { cap / 50 } else { cap }),
                    };
                    g.update_direction(id, d, p).unwrap();
                }
                chans.push((scid, cap));
            }
        }
        for &(scid, cap) in &chans {
            let c = ShortChannelIdDir::new(ShortChannelId(scid), next(2) as u8).unwrap();
            match next(4) {
                0 => k.learn_at_least(c, Msat(cap / (2 + next(8))), None, 0),
                1 => k.learn_less_than(c, Msat(cap / (2 + next(8))), None, 0),
                _ => {}
            }
        }
        (g.build(), k)
    }

    /// Every edge's score (the cost of the cheapest payer–payee path through it; infinite
    /// when none), by full Dijkstra searches both ways.
    fn reference_scores(net: &Net<'_>, p: &FlowParams, mu: f64) -> Vec<f64> {
        let mut pr = Pruner::new(net, p, mu, false);
        let n = net.node_count();
        let total = net.graph.edge_count() + net.extra.len();
        let costs: Vec<(f64, u32, u32)> = (0..total as u32).map(|id| pr.cost(id)).collect();
        let dijkstra = |from: u32, forward: bool| -> Vec<f64> {
            let mut d = vec![f64::INFINITY; n];
            let mut done = vec![false; n];
            let mut heap = BinaryHeap::new();
            d[from as usize] = 0.0;
            heap.push(Reverse((0u64, from)));
            while let Some(Reverse((bits, v))) = heap.pop() {
                if std::mem::replace(&mut done[v as usize], true) {
                    continue;
                }
                let dv = f64::from_bits(bits);
                let mut ids = Vec::new();
                if forward {
                    net.for_out(v, |id| ids.push(id));
                } else {
                    net.for_in(v, |id| ids.push(id));
                }
                for id in ids {
                    let (c, a, b) = costs[id as usize];
                    let w = if forward { b } else { a };
                    if c.is_finite() && dv + c < d[w as usize] {
                        d[w as usize] = dv + c;
                        heap.push(Reverse(((dv + c).to_bits(), w)));
                    }
                }
            }
            d
        };
        let g = dijkstra(net.source, true);
        let h = dijkstra(net.dest, false);
        costs.iter().map(|&(c, a, b)| g[a as usize] + c + h[b as usize]).collect()
    }

    #[test]
    fn the_prune_keeps_the_best_scoring_edges_at_every_limit() {
        let mut checked = 0;
        for seed in 1..40u64 {
            let (g, k) = random_network(seed, 60);
            let snap = k.snapshot(&g, 0);
            let (s, d) = (1 + (seed % 7) as u8, 59 - (seed % 5) as u8);
            let mut p = FlowParams::new(node(s), node(d), Msat(20_000_000 * (1 + seed % 9)));
            p.max_parts = 1 + (seed % 20) as usize;
            let net = Net::new(&g, &snap, &p).unwrap();
            let mu = [1.0, 4.0, 64.0][(seed % 3) as usize];
            let score = reference_scores(&net, &p, mu);
            let mut want: Vec<f64> = score.iter().copied().filter(|s| s.is_finite()).collect();
            want.sort_by(f64::total_cmp);
            let mut grown = Pruner::new(&net, &p, mu, false);
            for limit in [3usize, 10, 40, 160, usize::MAX] {
                let want = &want[..limit.min(want.len())];
                // Growing limits over one pruner, and a fresh pruner per limit.
                for pruned in [grown.prune(limit), prune(&net, &p, mu, limit, false)] {
                    let mut got: Vec<f64> =
                        pruned.edges.iter().map(|&id| score[id as usize]).collect();
                    got.sort_by(f64::total_cmp);
                    assert_eq!(got.len(), want.len(), "seed {seed} limit {limit}");
                    for (x, y) in got.iter().zip(want) {
                        assert!((x - y).abs() <= 1e-9 * y.abs(), "seed {seed} limit {limit}");
                    }
                    checked += 1;
                }
            }
        }
        assert_eq!(checked, 39 * 5 * 2);
    }

    /// When the wider prune cannot carry the amount within 95% of the ranges but the whole
    /// network can, the wider prune grown by the maximum flow's edges carries all of it, as a
    /// solve over every edge does, and `solve_mcf` carries all of it too; and no
    /// solve within 95% of the ranges carries more than [`max_flow_over`] says.
    #[test]
    fn the_grown_prune_carries_what_the_whole_network_carries() {
        let (mut grown_used, mut refused) = (0, 0);
        for seed in 1..120u64 {
            let (g, k) = random_network(seed, 60);
            let snap = k.snapshot(&g, 0);
            let (s, d) = (1 + (seed % 7) as u8, 59 - (seed % 5) as u8);
            let mut p = FlowParams::new(node(s), node(d), Msat(40_000_000 * (1 + seed % 9)));
            p.max_edges = 3 + (seed % 8) as usize;
            let Ok(net) = Net::new(&g, &snap, &p) else { continue };
            let mu = [1.0, 4.0, 64.0][(seed % 3) as usize];
            let all = prune(&net, &p, mu, usize::MAX, false);
            let whole = solve_pruned(&net, &p, mu, &all.edges, false);
            let mut pruner = Pruner::new(&net, &p, mu, false);
            let (within, within_edges) =
                max_flow_over(&net, &p, u64::MAX, false, pruner.min_htlc_max);
            let carried = |r: &Result<Vec<Part>, u64>| match r {
                Ok(parts) => parts.iter().map(|x| x.amount.0).sum(),
                Err(d) => *d,
            };
            assert!(carried(&whole) <= within, "seed {seed}");
            let first = pruner.prune(p.max_edges);
            let w = pruner.prune(p.max_edges * PRUNE_GROW);
            if whole.is_err() {
                refused += 1;
                continue;
            }
            if solve_pruned(&net, &p, mu, &first.edges, false).is_ok()
                || solve_pruned(&net, &p, mu, &w.edges, false).is_ok()
            {
                continue;
            }
            let mut grown = w.edges.clone();
            grown.extend(within_edges.iter().filter(|id| !w.edges.contains(id)));
            let parts = solve_pruned(&net, &p, mu, &grown, false)
                .unwrap_or_else(|d| panic!("seed {seed}: grown prune carried {d}"));
            assert_eq!(parts.iter().map(|x| x.amount.0).sum::<u64>(), p.amount.0, "seed {seed}");
            let got = solve_mcf(&net, &p, mu).unwrap_or_else(|r| panic!("seed {seed}: {r:?}"));
            assert_eq!(got.iter().map(|x| x.amount.0).sum::<u64>(), p.amount.0, "seed {seed}");
            grown_used += 1;
        }
        assert!(grown_used >= 15 && refused >= 5, "{grown_used} grown, {refused} refused");
    }
}
