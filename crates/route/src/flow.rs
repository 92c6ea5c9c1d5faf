//! Probability-aware routing: a single path minimising `fee + λ·(−ln P)` ([`route`]), and a
//! multi-part flow minimising the same over a set of paths ([`flow`]), solved as a min-cost
//! flow over a pruned, piecewise-linearised graph.
//!
//! The flow solver works in four steps:
//! 1. **Prune.** With a per-edge cost at a typical part size, each edge scores the cost of
//!    the cheapest payer–payee path through it, and the [`FlowParams::max_edges`] best-scoring
//!    edges are kept (32 times as many when those cannot carry the amount). A backward
//!    Dijkstra from the payee, run only as far as needed, gives the exact heuristic of a
//!    forward A* from the payer, which stops once enough edges score below every edge it has
//!    not reached yet.
//! 2. **Linearise.** Each kept edge becomes up to 4 arcs, as Core Lightning's askrene does:
//!    the certain part of its liquidity at fee cost only, then 0–50%, 50–80% and 80–95% of the
//!    uncertain range, each at the fee cost plus `λ` times the slope of `−ln P` over it.
//!    Nothing beyond 95% of the uncertainty is used. The flow unit is `⌈amount/1000⌉` msat.
//! 3. **Solve** by successive shortest paths with Dijkstra on reduced costs (potentials).
//!    Only when no flow fits is it solved once more over every edge leading from payer to
//!    payee (channels with a small `htlc_max` included) with a fifth arc per edge for the
//!    last 95–100% of its uncertain range, at the steep slope of `−ln P` there: a flow is
//!    refused only when the channels cannot carry it at all.
//! 4. **Decompose** into paths, then fix them up: drop paths over the hop or CLTV limits or
//!    below the minimum part, keep at most [`FlowParams::max_parts`], respect `htlc_min`,
//!    `htlc_max` (per HTLC: a path over it is split into parts) and each channel's upper
//!    liquidity bound with exact per-hop amounts (fees as BOLT 7), and spread any shortfall
//!    over the remaining paths' headroom.
//!
//! When the fees exceed [`FlowParams::max_fee`], the weight of fees against probability (μ) is
//! raised and the flow solved again; when even a fee-only flow is too expensive the answer
//! is [`FlowError::TooExpensive`]. After a partial failure, call [`flow`] again for the failed
//! amount only, with the remaining parts recorded in flight in the [`crate::knowledge`].

use crate::graph::{EdgeIdx, Graph, NodeIdx};
use crate::knowledge::{KnowledgeSnapshot, SentHop};
use crate::probability::{Liquidity, Prior};
use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::fmt;
use types::{Msat, NodeId, ShortChannelIdDir};

pub use crate::getroute::{FirstHop, RouteHintHop};

/// What to route and under which limits.
#[derive(Debug, Clone, PartialEq)]
pub struct FlowParams {
    /// The payer.
    pub source: NodeId,
    /// The payee.
    pub destination: NodeId,
    /// The amount the payee must receive.
    pub amount: Msat,
    /// The payee's `min_final_cltv_expiry_delta`.
    pub final_cltv: u32,
    /// The most all parts together may pay in fees.
    pub max_fee: Msat,
    /// The largest total CLTV delay of a part (its first hop's delay), `maxdelay`.
    pub max_delay: u32,
    /// The most hops in a part.
    pub max_hops: usize,
    /// The most parts (1 = single path).
    pub max_parts: usize,
    /// The smallest part (ignored when the amount itself is smaller).
    pub min_part: Msat,
    /// Directed channels not to use.
    pub exclude_channels: Vec<ShortChannelIdDir>,
    /// Nodes not to route through.
    pub exclude_nodes: Vec<NodeId>,
    /// Our channels; when non-empty they replace the graph's edges out of the payer.
    pub first_hops: Vec<FirstHop>,
    /// BOLT 11 route hints, each leading to the payee.
    pub route_hints: Vec<Vec<RouteHintHop>>,
    /// λ: the cost of one unit of `−ln P`, in millionths of the amount (msat per nat =
    /// `amount * prob_cost_ppm / 1e6`). Larger favours probability over fees.
    pub prob_cost_ppm: u64,
    /// The most edges the pruned flow graph keeps (32 times as many are tried when these
    /// cannot carry the amount).
    pub max_edges: usize,
    /// Core Lightning's `riskfactor` in millionths (`riskfactor` 10 is 10_000_000; default 0):
    /// each edge other than the payer's own costs a further
    /// `amount * cltv_delta * riskfactor / 5,259,600` msat, weighing CLTV delay against fees.
    pub riskfactor_millionths: u64,
}

impl FlowParams {
    /// Defaults as Core Lightning's `getroutes`/`xpay` use them: fee budget 0.5% (at least
    /// 5 sat), `maxdelay` 2016, 20 hops, 100 parts, final CLTV 18.
    pub fn new(source: NodeId, destination: NodeId, amount: Msat) -> FlowParams {
        FlowParams {
            source,
            destination,
            amount,
            final_cltv: 18,
            max_fee: amount.mul_ppm(5_000).max(Msat(5_000)),
            max_delay: 2016,
            max_hops: 20,
            max_parts: 100,
            min_part: Msat(0),
            exclude_channels: Vec::new(),
            exclude_nodes: Vec::new(),
            first_hops: Vec::new(),
            route_hints: Vec::new(),
            prob_cost_ppm: 1_000,
            max_edges: 1_500,
            riskfactor_millionths: 0,
        }
    }
}

/// One hop of a part.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Hop {
    /// The directed channel.
    pub channel: ShortChannelIdDir,
    /// The node at its far end.
    pub node: NodeId,
    /// The amount forwarded over the channel (what `node` receives).
    pub amount: Msat,
    /// The CLTV delay `node` receives (final CLTV plus the deltas of the hops after it).
    pub delay: u32,
}

/// One part of a payment: a path and the amount it delivers.
#[derive(Debug, Clone, PartialEq)]
pub struct Part {
    /// The hops, payer side first.
    pub hops: Vec<Hop>,
    /// The amount delivered to the payee.
    pub amount: Msat,
    /// The fees this part pays (first hop amount minus delivered).
    pub fee: Msat,
    /// The probability this part succeeds on its own.
    pub probability: f64,
}

impl Part {
    /// The part as [`crate::knowledge::Knowledge`] records it.
    pub fn sent_hops(&self) -> Vec<SentHop> {
        self.hops
            .iter()
            .map(|h| SentHop { channel: h.channel, node: h.node, amount: h.amount })
            .collect()
    }
}

/// A set of parts delivering an amount.
#[derive(Debug, Clone, PartialEq)]
pub struct Flow {
    /// The parts, largest first.
    pub parts: Vec<Part>,
    /// Their total delivered amount.
    pub amount: Msat,
    /// Their total fee.
    pub fee: Msat,
    /// The probability all parts succeed (channels shared by parts counted once, with their
    /// total load).
    pub probability: f64,
}

/// Why no route was found.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum RouteError {
    /// The payer is not in the graph and has no first hops.
    UnknownSource {
        /// The payer.
        node: NodeId,
    },
    /// The payee is not in the graph nor reached by a route hint.
    UnknownDestination {
        /// The payee.
        node: NodeId,
    },
    /// Payer and payee are the same node.
    SelfPayment {
        /// The node.
        node: NodeId,
    },
    /// No path can carry the amount within the limits.
    NoRoute {
        /// The amount asked for.
        amount: Msat,
    },
    /// The best path costs more fees than allowed.
    TooExpensive {
        /// The fee of the cheapest path found.
        fee: Msat,
        /// The budget.
        max_fee: Msat,
    },
}

impl fmt::Display for RouteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RouteError::UnknownSource { node } => write!(f, "unknown source node {node}"),
            RouteError::UnknownDestination { node } => write!(f, "unknown destination node {node}"),
            RouteError::SelfPayment { node } => write!(f, "source and destination are both {node}"),
            RouteError::NoRoute { amount } => write!(f, "no route can carry {amount}"),
            RouteError::TooExpensive { fee, max_fee } => {
                write!(f, "route fee {fee} exceeds the budget {max_fee}")
            }
        }
    }
}

impl std::error::Error for RouteError {}

/// Why no flow was found.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum FlowError {
    /// The payer is not in the graph and has no first hops.
    UnknownSource {
        /// The payer.
        node: NodeId,
    },
    /// The payee is not in the graph nor reached by a route hint.
    UnknownDestination {
        /// The payee.
        node: NodeId,
    },
    /// Payer and payee are the same node.
    SelfPayment {
        /// The node.
        node: NodeId,
    },
    /// The amount is zero.
    ZeroAmount,
    /// The usable channels cannot carry the amount within the limits (parts, hops, delay,
    /// liquidity bounds).
    InsufficientLiquidity {
        /// The amount asked for.
        amount: Msat,
        /// The most a flow found could deliver.
        deliverable: Msat,
    },
    /// Every flow found pays more fees than allowed, even with fees weighted most.
    TooExpensive {
        /// The fee of the cheapest flow found.
        fee: Msat,
        /// The budget.
        max_fee: Msat,
    },
}

impl fmt::Display for FlowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FlowError::UnknownSource { node } => write!(f, "unknown source node {node}"),
            FlowError::UnknownDestination { node } => write!(f, "unknown destination node {node}"),
            FlowError::SelfPayment { node } => write!(f, "source and destination are both {node}"),
            FlowError::ZeroAmount => write!(f, "amount is zero"),
            FlowError::InsufficientLiquidity { amount, deliverable } => {
                write!(f, "cannot deliver {amount}: at most {deliverable} fits")
            }
            FlowError::TooExpensive { fee, max_fee } => {
                write!(f, "flow fee {fee} exceeds the budget {max_fee}")
            }
        }
    }
}

impl std::error::Error for FlowError {}

impl From<RouteError> for FlowError {
    fn from(e: RouteError) -> FlowError {
        match e {
            RouteError::UnknownSource { node } => FlowError::UnknownSource { node },
            RouteError::UnknownDestination { node } => FlowError::UnknownDestination { node },
            RouteError::SelfPayment { node } => FlowError::SelfPayment { node },
            RouteError::NoRoute { amount } => {
                FlowError::InsufficientLiquidity { amount, deliverable: Msat::ZERO }
            }
            RouteError::TooExpensive { fee, max_fee } => FlowError::TooExpensive { fee, max_fee },
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The routing network: the graph's edges plus first hops and route hints, with usability.

/// A directed edge as the solvers see it (graph edge or overlay).
#[derive(Debug, Clone, Copy)]
struct XEdge {
    src: u32,
    dst: u32,
    base: u32,
    ppm: u32,
    cltv: u16,
    htlc_min: u64,
    htlc_max: u64,
    liq: Liquidity,
    channel: ShortChannelIdDir,
}

impl XEdge {
    #[inline]
    fn fee(&self, amount: u64) -> u64 {
        (self.base as u64).saturating_add(Msat(amount).mul_ppm(self.ppm).0)
    }
}

struct Net<'a> {
    graph: &'a Graph,
    snap: &'a KnowledgeSnapshot,
    prior: Prior,
    n_graph: u32,
    extra_nodes: Vec<NodeId>,
    extra: Vec<XEdge>,
    extra_out: HashMap<u32, Vec<u32>>,
    extra_in: HashMap<u32, Vec<u32>>,
    edge_ok: Vec<bool>,
    node_ok: Vec<bool>,
    source: u32,
    dest: u32,
    source_id: NodeId,
}

impl<'a> Net<'a> {
    fn new(
        graph: &'a Graph,
        snap: &'a KnowledgeSnapshot,
        p: &FlowParams,
    ) -> Result<Net<'a>, RouteError> {
        if p.source == p.destination {
            return Err(RouteError::SelfPayment { node: p.source });
        }
        let n_graph = graph.node_count() as u32;
        let mut extra_nodes: Vec<NodeId> = Vec::new();
        let node_of = |id: &NodeId, extra_nodes: &mut Vec<NodeId>| -> u32 {
            if let Some(i) = graph.node_index(id) {
                return i.0;
            }
            if let Some(pos) = extra_nodes.iter().position(|n| n == id) {
                return n_graph + pos as u32;
            }
            extra_nodes.push(*id);
            n_graph + extra_nodes.len() as u32 - 1
        };
        let source = node_of(&p.source, &mut extra_nodes);
        let dest = node_of(&p.destination, &mut extra_nodes);
        let mut extra = Vec::new();
        for fh in &p.first_hops {
            let peer = node_of(&fh.peer, &mut extra_nodes);
            let direction = u8::from(p.source > fh.peer);
            let s = fh.spendable.0;
            extra.push(XEdge {
                src: source,
                dst: peer,
                base: 0,
                ppm: 0,
                cltv: 0,
                htlc_min: 0,
                htlc_max: s,
                liq: Liquidity { lo: s, hi: s, in_flight: 0, capacity: s },
                channel: ShortChannelIdDir { scid: fh.scid, direction },
            });
        }
        let hint_cap = p.amount.0.saturating_add(p.max_fee.0).saturating_mul(2);
        for hint in &p.route_hints {
            for (i, h) in hint.iter().enumerate() {
                let to = hint.get(i + 1).map_or(p.destination, |n| n.src);
                let src = node_of(&h.src, &mut extra_nodes);
                let dst = node_of(&to, &mut extra_nodes);
                let cap = hint_cap;
                extra.push(XEdge {
                    src,
                    dst,
                    base: h.base_fee_msat,
                    ppm: h.fee_ppm,
                    cltv: h.cltv_delta,
                    htlc_min: 0,
                    htlc_max: cap,
                    liq: Liquidity { lo: cap, hi: cap, in_flight: 0, capacity: cap },
                    channel: ShortChannelIdDir { scid: h.scid, direction: u8::from(h.src > to) },
                });
            }
        }
        let total = n_graph as usize + extra_nodes.len();
        let mut node_ok = vec![true; total];
        for (i, ok) in snap.node_usable.iter().enumerate() {
            if let Some(slot) = node_ok.get_mut(i) {
                *slot = *ok;
            }
        }
        for n in &p.exclude_nodes {
            if let Some(i) = graph.node_index(n) {
                node_ok[i.0 as usize] = false;
            } else if let Some(pos) = extra_nodes.iter().position(|x| x == n) {
                node_ok[n_graph as usize + pos] = false;
            }
        }
        // The payer and payee themselves are never excluded by node failures.
        node_ok[source as usize] = true;
        node_ok[dest as usize] = true;
        let mut edge_ok = snap.usable.clone();
        edge_ok.resize(graph.edge_count(), false);
        for c in &p.exclude_channels {
            if let Some(e) = graph.edge_of(c.scid, c.direction) {
                edge_ok[e.0 as usize] = false;
            }
        }
        if !p.first_hops.is_empty() && source < n_graph {
            for &e in graph.outgoing(NodeIdx(source)) {
                edge_ok[e.0 as usize] = false;
            }
        }
        extra.retain(|x| !p.exclude_channels.contains(&x.channel));
        let mut extra_out: HashMap<u32, Vec<u32>> = HashMap::new();
        let mut extra_in: HashMap<u32, Vec<u32>> = HashMap::new();
        for (i, x) in extra.iter().enumerate() {
            let id = graph.edge_count() as u32 + i as u32;
            extra_out.entry(x.src).or_default().push(id);
            extra_in.entry(x.dst).or_default().push(id);
        }
        let net = Net {
            graph,
            snap,
            prior: snap.prior,
            n_graph,
            extra_nodes,
            extra,
            extra_out,
            extra_in,
            edge_ok,
            node_ok,
            source,
            dest,
            source_id: p.source,
        };
        if source >= n_graph && !net.extra_out.contains_key(&source) {
            return Err(RouteError::UnknownSource { node: p.source });
        }
        if dest >= n_graph && !net.extra_in.contains_key(&dest) {
            return Err(RouteError::UnknownDestination { node: p.destination });
        }
        Ok(net)
    }

    fn node_count(&self) -> usize {
        self.n_graph as usize + self.extra_nodes.len()
    }

    fn node_id(&self, n: u32) -> NodeId {
        if n < self.n_graph {
            if let Some(id) = self.graph.node_id(NodeIdx(n)) {
                return *id;
            }
        }
        // Every other index comes from the overlays; the fallback is never taken.
        self.extra_nodes
            .get(n.saturating_sub(self.n_graph) as usize)
            .copied()
            .unwrap_or(self.source_id)
    }

    /// Edge `id` if it exists and may be used.
    #[inline]
    fn edge(&self, id: u32) -> Option<XEdge> {
        let ne = self.graph.edge_count() as u32;
        let x = if id < ne {
            if !self.edge_ok.get(id as usize).copied().unwrap_or(false) {
                return None;
            }
            let e = self.graph.edge(EdgeIdx(id))?;
            XEdge {
                src: e.src.0,
                dst: e.dst.0,
                base: e.base_fee_msat,
                ppm: e.fee_ppm,
                cltv: e.cltv_delta,
                htlc_min: e.htlc_min.0,
                htlc_max: e.htlc_max.0,
                liq: self.snap.liquidity(EdgeIdx(id)),
                channel: ShortChannelIdDir { scid: e.scid, direction: e.direction },
            }
        } else {
            *self.extra.get((id - ne) as usize)?
        };
        let ok = |n: u32| self.node_ok.get(n as usize).copied().unwrap_or(false);
        (ok(x.src) && ok(x.dst)).then_some(x)
    }

    fn for_out(&self, n: u32, mut f: impl FnMut(u32)) {
        if n < self.n_graph {
            for e in self.graph.outgoing(NodeIdx(n)) {
                f(e.0);
            }
        }
        if self.extra.is_empty() {
            return;
        }
        if let Some(v) = self.extra_out.get(&n) {
            v.iter().for_each(|&e| f(e));
        }
    }

    fn for_in(&self, n: u32, mut f: impl FnMut(u32)) {
        if n < self.n_graph {
            for e in self.graph.incoming_range(NodeIdx(n)) {
                f(e as u32);
            }
        }
        if self.extra.is_empty() {
            return;
        }
        if let Some(v) = self.extra_in.get(&n) {
            v.iter().for_each(|&e| f(e));
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Single path.

/// The best single path for `p.amount` by `μ·fee + λ·(−ln P)`, searched backwards from the
/// payee with exact amounts (fees accumulate towards the payer as BOLT 7 has them).
pub fn route(graph: &Graph, snap: &KnowledgeSnapshot, p: &FlowParams) -> Result<Part, RouteError> {
    let net = Net::new(graph, snap, p)?;
    let part =
        single_path(&net, p, p.amount.0, 1.0)?.ok_or(RouteError::NoRoute { amount: p.amount })?;
    if part.fee > p.max_fee {
        return Err(RouteError::TooExpensive { fee: part.fee, max_fee: p.max_fee });
    }
    Ok(part)
}

#[derive(Clone, Copy)]
struct Label {
    cost: f64,
    amount: u64,
    delay: u32,
    hops: u32,
    pred: u32,
}

fn single_path(
    net: &Net<'_>,
    p: &FlowParams,
    amount: u64,
    mu: f64,
) -> Result<Option<Part>, RouteError> {
    if amount == 0 {
        return Ok(None);
    }
    let lambda = lambda_msat(p);
    let risk = risk_per_msat_block(p);
    let n = net.node_count();
    let mut label: Vec<Label> =
        vec![Label { cost: f64::INFINITY, amount: 0, delay: 0, hops: 0, pred: u32::MAX }; n];
    let mut done = vec![false; n];
    let mut heap = BinaryHeap::new();
    label[net.dest as usize] =
        Label { cost: 0.0, amount, delay: p.final_cltv, hops: 0, pred: u32::MAX };
    heap.push(Reverse((0u64, net.dest)));
    while let Some(Reverse((_, v))) = heap.pop() {
        if std::mem::replace(&mut done[v as usize], true) {
            continue;
        }
        if v == net.source {
            break;
        }
        let lv = label[v as usize];
        if lv.hops as usize >= p.max_hops {
            continue;
        }
        net.for_in(v, |id| {
            let Some(e) = net.edge(id) else { return };
            let u = e.src as usize;
            if done[u] || lv.amount < e.htlc_min || lv.amount > e.htlc_max {
                return;
            }
            let prob = e.liq.probability(lv.amount, net.prior);
            if prob <= 0.0 {
                return;
            }
            let (fee, delay) = if e.src == net.source {
                (0, lv.delay)
            } else {
                (e.fee(lv.amount), lv.delay.saturating_add(e.cltv as u32))
            };
            if delay > p.max_delay {
                return;
            }
            let cltv = if e.src == net.source { 0.0 } else { e.cltv as f64 };
            let cost = lv.cost
                + mu * fee as f64
                + risk * lv.amount as f64 * cltv
                + lambda * -prob.ln()
                + 1e-9;
            if cost < label[u].cost {
                label[u] = Label {
                    cost,
                    amount: lv.amount.saturating_add(fee),
                    delay,
                    hops: lv.hops + 1,
                    pred: id,
                };
                heap.push(Reverse((cost.to_bits(), e.src)));
            }
        });
    }
    let src = label[net.source as usize];
    if src.pred == u32::MAX {
        return Ok(None);
    }
    let mut edges = Vec::with_capacity(src.hops as usize);
    let mut at = net.source;
    while at != net.dest {
        let id = label[at as usize].pred;
        let Some(e) = net.edge(id) else { return Ok(None) };
        edges.push(id);
        at = e.dst;
        if edges.len() > n {
            return Ok(None);
        }
    }
    Ok(Some(make_part(net, &edges, amount, p.final_cltv)))
}

/// The risk denominator: `BLOCKS_PER_YEAR * 100` (riskfactor is a yearly percentage).
const RISK_DIVISOR: f64 = 5_259_600.0;

/// Msat of risk per msat carried per block of CLTV delta.
fn risk_per_msat_block(p: &FlowParams) -> f64 {
    p.riskfactor_millionths as f64 / 1e6 / RISK_DIVISOR
}

/// λ in msat per nat of `−ln P`.
fn lambda_msat(p: &FlowParams) -> f64 {
    p.amount.0 as f64 * p.prob_cost_ppm as f64 / 1e6
}

/// Builds a part over `edges` delivering `amount`: per-hop amounts and delays backwards.
fn make_part(net: &Net<'_>, edges: &[u32], amount: u64, final_cltv: u32) -> Part {
    let mut hops = Vec::with_capacity(edges.len());
    let mut amt = amount;
    let mut delay = final_cltv;
    let mut prob = 1.0;
    for (i, &id) in edges.iter().enumerate().rev() {
        let Some(e) = net.edge(id) else { continue };
        hops.push(Hop { channel: e.channel, node: net.node_id(e.dst), amount: Msat(amt), delay });
        prob *= e.liq.probability(amt, net.prior);
        if i > 0 {
            amt = amt.saturating_add(e.fee(amt));
            delay = delay.saturating_add(e.cltv as u32);
        }
    }
    hops.reverse();
    let first = hops.first().map_or(amount, |h| h.amount.0);
    Part { hops, amount: Msat(amount), fee: Msat(first.saturating_sub(amount)), probability: prob }
}

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
fn finish(net: &Net<'_>, mut parts: Vec<Part>) -> Flow {
    parts.sort_by_key(|p| Reverse(p.amount));
    let mut load: HashMap<ShortChannelIdDir, (u64, Liquidity)> = HashMap::new();
    let mut liq_of: HashMap<ShortChannelIdDir, Liquidity> = HashMap::new();
    for x in &net.extra {
        liq_of.insert(x.channel, x.liq);
    }
    for part in &parts {
        for h in &part.hops {
            let liq = match liq_of.get(&h.channel) {
                Some(l) => *l,
                None => net
                    .graph
                    .edge_of(h.channel.scid, h.channel.direction)
                    .map_or(Liquidity::unknown(0), |e| net.snap.liquidity(e)),
            };
            let slot = load.entry(h.channel).or_insert((0, liq));
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
struct Arc {
    to: u32,
    cap: i64,
    cost: i64,
}

/// The edges a prune keeps.
struct Pruned {
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
fn prune(net: &Net<'_>, p: &FlowParams, mu: f64, limit: usize, wide: bool) -> Pruned {
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
                Some(e) => (cost_of(&e), e.src, e.dst),
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
const PRUNE_WIDEN: usize = 32;

/// The askrene pivots of the uncertain range.
const PIVOTS: [f64; 5] = [0.0, 0.5, 0.8, 0.95, 1.0];

/// Solves the min-cost flow; returns the parts, or the deliverable amount when the whole
/// amount does not fit. When the pruned edges cannot carry it and the prune left edges out,
/// solves once more over [`PRUNE_WIDEN`] times as many (the cheapest edges may all sit on
/// exhausted channels while the liquidity is elsewhere). When no flow fits within 95% of the
/// uncertain ranges, and the payer's and payee's channels could hold the amount at all, it
/// solves again with the whole of each range (the top 5% at a steep cost), first over the
/// first edge set, then over every edge leading from the payer to the payee: a flow is only
/// refused when none exists.
fn solve_mcf(net: &Net<'_>, p: &FlowParams, mu: f64) -> Result<Vec<Part>, u64> {
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
fn cut_bound(net: &Net<'_>, p: &FlowParams) -> u64 {
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
fn solve_pruned(
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
                ((mu * fee_unit + delay_unit + lambda * prob_unit) * scale).round() as i64 + 1;
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
fn decompose(
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
fn fix_up(
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
mod tests {
    use super::*;
    use crate::graph::{EdgePolicy, GraphBuilder};
    use crate::knowledge::{Knowledge, KnowledgeConfig};
    use std::sync::Arc;
    use types::ShortChannelId;

    fn node(b: u8) -> NodeId {
        let mut a = [b; 33];
        a[0] = 2;
        NodeId::from_array(a).unwrap()
    }

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
        f.parts.iter().map(|p| (p.hops[1].channel.scid.0, p.amount.0)).collect()
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
        assert!(f.parts.iter().any(|x| x.hops[1].channel.scid == ShortChannelId(4)), "{f:?}");
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
        assert_eq!(f.parts[0].hops[0].channel.scid, ShortChannelId(77));
        p.first_hops[0].spendable = Msat(50_000);
        assert!(flow(&g, &snap, &p).is_err());
        p.first_hops.clear();
        // A private payee 9 behind node 3.
        p.destination = node(9);
        p.route_hints = vec![vec![RouteHintHop {
            src: node(3),
            scid: ShortChannelId(99),
            base_fee_msat: 1,
            fee_ppm: 0,
            cltv_delta: 40,
        }]];
        let f = flow(&g, &snap, &p).unwrap();
        let hops = &f.parts[0].hops;
        assert_eq!(
            hops.last().map(|h| (h.channel.scid, h.node)),
            Some((ShortChannelId(99), node(9)))
        );
        assert_eq!(hops[0].delay, 18 + 40);
    }
}
