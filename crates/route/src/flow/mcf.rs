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
                Err(d) => {
                    deliverable = deliverable.max(d);
                    // The linearisation leaves 5% of each range unused: one path may still fit.
                    single_path(&net, p, p.amount.0, mu)?.map(|part| vec![part])
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
/// small `htlc_max`.
///
/// An edge's score is the cost of the cheapest payer–payee path through it. A backward
/// Dijkstra from the payee gives each node's distance `h` to it; a forward A* from the payer
/// keyed by `g + h` (exact, hence consistent) settles nodes in order of the cheapest path
/// through them, a lower bound on the score of every edge out of them, so it stops as soon as
/// `limit` edges score no more than that bound. The backward search only runs as far as the
/// forward one needs: to a radius that doubles on demand. Edge costs are computed once.
pub(super) fn prune(net: &Net<'_>, p: &FlowParams, mu: f64, limit: usize, wide: bool) -> Pruned {
    let amount = p.amount.0;
    let part = (amount / p.max_parts.clamp(1, 4) as u64).max(p.min_part.0).max(1);
    let lambda = lambda_msat(p);
    let risk = risk_per_msat_block(p);
    let min_htlc_max = if wide { 1 } else { part.min(amount) / 8 };
    let narrowed = std::cell::Cell::new(false);
    let cost_of = |e: &XEdge| -> f64 {
        if e.liq.possible() == 0 {
            return f64::INFINITY;
        }
        if e.htlc_max < min_htlc_max {
            narrowed.set(true);
            return f64::INFINITY;
        }
        let a = part.min(e.htlc_max);
        let prob = e.liq.probability(a, net.prior).max(1e-3);
        let (fee, cltv) = if e.src == net.source { (0, 0.0) } else { (e.fee(a), e.cltv as f64) };
        let risk_cost = risk * part as f64 * cltv;
        mu * fee as f64 * (part as f64 / a as f64) + risk_cost + lambda * -prob.ln() + 1.0
    };
    let n = net.node_count();
    let ne = net.graph.edge_count();
    // Per-edge (cost, src, dst), computed on first use; NaN cost: not yet.
    let mut costs: Vec<(f64, u32, u32)> = vec![(f64::NAN, 0, 0); ne + net.extra.len()];
    let mut cost = |id: u32| -> (f64, u32, u32) {
        let Some(slot) = costs.get_mut(id as usize) else { return (f64::INFINITY, 0, 0) };
        if slot.0.is_nan() {
            *slot = match net.edge(id) {
                Some(e) => (cost_of(&e) * net.cost_factor(id), e.src, e.dst),
                None => (f64::INFINITY, 0, 0),
            };
        }
        *slot
    };
    // Backward search state (resumable).
    let mut h = vec![f64::INFINITY; n];
    let mut h_done = vec![false; n];
    let mut bheap: BinaryHeap<Reverse<(u64, u32)>> = BinaryHeap::new();
    h[net.dest as usize] = 0.0;
    bheap.push(Reverse((0u64, net.dest)));
    // Settles every node within `bound` of the payee (or up to `stop`); returns whether
    // nodes remain unsettled.
    let mut grow = |h: &mut Vec<f64>,
                    h_done: &mut Vec<bool>,
                    cost: &mut dyn FnMut(u32) -> (f64, u32, u32),
                    bound: f64,
                    stop: u32|
     -> bool {
        while let Some(&Reverse((bits, v))) = bheap.peek() {
            let d = f64::from_bits(bits);
            if d > bound {
                return true;
            }
            bheap.pop();
            if h_done[v as usize] || d > h[v as usize] {
                continue;
            }
            h_done[v as usize] = true;
            net.for_in(v, |id| {
                let (c, u, _) = cost(id);
                if !c.is_finite() || h_done[u as usize] {
                    return;
                }
                let nd = d + c;
                if nd < h[u as usize] {
                    h[u as usize] = nd;
                    bheap.push(Reverse((nd.to_bits(), u)));
                }
            });
            if v == stop {
                return !bheap.is_empty();
            }
        }
        false
    };
    let mut more = grow(&mut h, &mut h_done, &mut cost, f64::INFINITY, net.source);
    if !h_done[net.source as usize] {
        return Pruned { edges: Vec::new(), truncated: false, narrowed: narrowed.get() };
    }
    let best = h[net.source as usize];
    // Without a limit every distance is needed: no point in growing the radius by steps.
    let mut radius = if more && limit < ne { best * 2.0 } else { f64::INFINITY };
    if more {
        more = grow(&mut h, &mut h_done, &mut cost, radius, u32::MAX);
    }
    let mut g = vec![f64::INFINITY; n];
    let mut g_done = vec![false; n];
    let mut fheap: BinaryHeap<Reverse<(u64, u32)>> = BinaryHeap::new();
    // The `limit` best candidates so far (max-heap by score), and how many were seen.
    let mut top: BinaryHeap<(u64, u32)> = BinaryHeap::new();
    loop {
        if !more {
            radius = f64::INFINITY;
        }
        g.iter_mut().for_each(|x| *x = f64::INFINITY);
        g_done.iter_mut().for_each(|x| *x = false);
        fheap.clear();
        top.clear();
        let mut seen = 0usize;
        g[net.source as usize] = 0.0;
        fheap.push(Reverse((best.to_bits(), net.source)));
        let mut stopped = false;
        while let Some(Reverse((bits, u))) = fheap.pop() {
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
            if std::mem::replace(&mut g_done[u as usize], true) {
                continue;
            }
            let gu = g[u as usize];
            net.for_out(u, |id| {
                let (c, _, v) = cost(id);
                if !c.is_finite() || !h_done[v as usize] {
                    return;
                }
                let score = gu + c + h[v as usize];
                seen += 1;
                top.push((score.to_bits(), id));
                if top.len() > limit {
                    top.pop();
                }
                let nd = gu + c;
                if nd < g[v as usize] && !g_done[v as usize] {
                    g[v as usize] = nd;
                    fheap.push(Reverse(((nd + h[v as usize]).to_bits(), v)));
                }
            });
        }
        let enough =
            top.len() >= limit && top.peek().is_some_and(|&(t, _)| f64::from_bits(t) <= radius);
        if stopped || !more || (fheap.is_empty() && enough) {
            let truncated = seen > limit || (stopped && !fheap.is_empty());
            let mut out = top.into_vec();
            out.sort_unstable();
            let edges = out.into_iter().map(|(_, id)| id).collect();
            return Pruned { edges, truncated, narrowed: narrowed.get() };
        }
        radius *= 2.0;
        more = grow(&mut h, &mut h_done, &mut cost, radius, u32::MAX);
    }
}

/// How much wider the prune gets when the edges it kept cannot carry the amount.
pub(super) const PRUNE_WIDEN: usize = 32;

/// The askrene pivots of the uncertain range.
pub(super) const PIVOTS: [f64; 5] = [0.0, 0.5, 0.8, 0.95, 1.0];

/// Solves the min-cost flow; returns the parts, or the deliverable amount when the whole
/// amount does not fit. When the pruned edges cannot carry it and the prune left edges out,
/// solves once more over [`PRUNE_WIDEN`] times as many (the cheapest edges may all sit on
/// exhausted channels while the liquidity is elsewhere). When no flow fits within 95% of the
/// uncertain ranges, and the payer's and payee's channels could hold the amount at all, it
/// solves again with the whole of each range (the top 5% at a steep cost), first over the
/// first edge set, then over every edge leading from the payer to the payee: a flow is only
/// refused when none exists.
pub(super) fn solve_mcf(net: &Net<'_>, p: &FlowParams, mu: f64) -> Result<Vec<Part>, u64> {
    let first = prune(net, p, mu, p.max_edges, false);
    let mut deliverable = match solve_pruned(net, p, mu, &first.edges, false) {
        Ok(parts) => return Ok(parts),
        Err(d) => d,
    };
    let mut wide = None;
    if first.truncated {
        let w = prune(net, p, mu, p.max_edges.saturating_mul(PRUNE_WIDEN), false);
        match solve_pruned(net, p, mu, &w.edges, false) {
            Ok(parts) => return Ok(parts),
            Err(d) => deliverable = deliverable.max(d),
        }
        wide = Some(w);
    }
    // Only failures get here: the fallbacks below cost nothing in the common case.
    if cut_bound(net, p) < p.amount.0 {
        return Err(deliverable);
    }
    // The whole ranges over the first edges (cheap; the wider set would be as dear as all).
    match solve_pruned(net, p, mu, &first.edges, true) {
        Ok(parts) => return Ok(parts),
        Err(d) => deliverable = deliverable.max(d),
    }
    let narrowed = first.narrowed || wide.as_ref().is_some_and(|w| w.narrowed);
    if !(first.truncated || narrowed) {
        return Err(deliverable);
    }
    let all = prune(net, p, mu, usize::MAX, true);
    solve_pruned(net, p, mu, &all.edges, true).map_err(|d| d.max(deliverable))
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
