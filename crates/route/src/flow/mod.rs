//! Probability-aware routing: a single path minimising `fee + λ·(−ln P)` ([`route`]), and a
//! multi-part flow minimising the same over a set of paths ([`flow`]), solved as a min-cost
//! flow over a pruned, piecewise-linearised graph.
//!
//! Before any search, an amount the payer's channels or the payee's channels cannot carry in
//! all is refused (the commonest refusal: a payee without the inbound liquidity). Then the
//! flow solver works in four steps:
//! 1. **Prune.** With a per-edge cost at a typical part size, each edge scores the cost of
//!    the cheapest payer–payee path through it, and the [`FlowParams::max_edges`] best-scoring
//!    edges are kept (4 times as many when those cannot carry the amount but a maximum flow
//!    within 95% of the ranges can, the costs and backward distances of the first prune
//!    reused). A backward
//!    Dijkstra from the payee, run only as far as needed, gives the exact heuristic of a
//!    forward A* from the payer, which stops once enough edges score below every edge it has
//!    not reached yet. The backward radius grows by small steps and the forward search
//!    resumes across them (edges into nodes beyond the radius wait, uncosted, in a list per
//!    head, until the backward search settles that head), so the backward search stops just
//!    past the last edge kept.
//! 2. **Linearise.** Each kept edge becomes up to 4 arcs, as Core Lightning's askrene does:
//!    the certain part of its liquidity at fee cost only, then 0–50%, 50–80% and 80–95% of the
//!    uncertain range, each at the fee cost plus `λ` times the slope of `−ln P` over it.
//!    Nothing beyond 95% of the uncertainty is used. The flow unit is `⌈amount/1000⌉` msat.
//! 3. **Solve** by successive shortest paths with Dijkstra on reduced costs (potentials).
//!    When the pruned edges cannot carry the amount, a maximum flow over every usable edge
//!    (Dinic's, stopped at the amount; hop and delay limits aside) says first whether any
//!    flow can: if not, the amount is refused at once. Only when no flow fits otherwise is it
//!    solved once more with a fifth arc per edge for the last 95–100% of its uncertain range,
//!    at the steep slope of `−ln P` there, over the pruned edges with the maximum flow's, then
//!    over every edge leading from payer to payee (channels with a small `htlc_max`
//!    included): a flow is refused only when the channels cannot carry it at all.
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
use crate::knowledge::KnowledgeSnapshot;
use crate::probability::{Liquidity, Prior};
use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::fmt;
use types::{Hop, Msat, NodeId, ShortChannelIdDir};

mod blinded;
mod mcf;
mod single;
#[cfg(test)]
mod tests;

pub use blinded::{
    tail_channel, tail_failed, tail_liquidity, tail_of_channel, tail_released, tail_sent,
    tail_succeeded, virtual_payee, BlindedTail,
};
pub use mcf::flow;
pub use single::route;
use single::*;

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
    /// The most edges the pruned flow graph keeps (4 times as many are tried when these
    /// cannot carry the amount).
    pub max_edges: usize,
    /// Core Lightning's `riskfactor` in millionths (`riskfactor` 10 is 10_000_000; default 0):
    /// each edge other than the payer's own costs a further
    /// `amount * cltv_delta * riskfactor / 5,259,600` msat, weighing CLTV delay against fees.
    pub riskfactor_millionths: u64,
    /// Biases of directed channels (-100..=100, as layers give them): an edge's cost is
    /// multiplied by [`crate::layer::bias_factor`] of its bias. Empty: none.
    pub biases: Vec<(ShortChannelIdDir, i64)>,
    /// Blinded paths to pay instead of `destination` (which is then ignored): each part
    /// routes to one tail's introduction node and pays its aggregate fee and CLTV delta.
    /// `final_cltv` is added under the tails' deltas (0 unless a shadow offset is wanted).
    /// Empty: route to `destination`.
    pub blinded_tails: Vec<BlindedTail>,
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
            biases: Vec::new(),
            blinded_tails: Vec::new(),
        }
    }
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
    /// The index in [`FlowParams::blinded_tails`] of the blinded path this part ends in:
    /// its last hop reaches that path's introduction node with the amount to deliver plus
    /// the path's fee. `None`: the last hop reaches the payee.
    pub blinded_tail: Option<usize>,
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
        /// The most a flow found could deliver; when the payer's or the payee's channels
        /// alone refuse the amount, what they carry in all (no search is made then).
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
    /// Cost factors of biased edges, by edge id (graph edges, then overlays).
    bias: HashMap<u32, f64>,
    /// How many blinded tails lead to the (virtual) payee.
    tails: usize,
}

impl<'a> Net<'a> {
    fn new(
        graph: &'a Graph,
        snap: &'a KnowledgeSnapshot,
        p: &FlowParams,
    ) -> Result<Net<'a>, RouteError> {
        let blinded = !p.blinded_tails.is_empty();
        if !blinded && p.source == p.destination {
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
        let payee = if blinded { virtual_payee().unwrap_or(p.destination) } else { p.destination };
        let dest = node_of(&payee, &mut extra_nodes);
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
                let to = hint.get(i + 1).map_or(p.destination, |n| n.node_id);
                let src = node_of(&h.node_id, &mut extra_nodes);
                let dst = node_of(&to, &mut extra_nodes);
                let cap = hint_cap;
                extra.push(XEdge {
                    src,
                    dst,
                    base: h.fee_base_msat,
                    ppm: h.fee_proportional_millionths,
                    cltv: h.cltv_expiry_delta,
                    htlc_min: 0,
                    htlc_max: cap,
                    liq: Liquidity { lo: cap, hi: cap, in_flight: 0, capacity: cap },
                    channel: ShortChannelIdDir {
                        scid: h.short_channel_id,
                        direction: u8::from(h.node_id > to),
                    },
                });
            }
        }
        for (i, t) in p.blinded_tails.iter().enumerate() {
            if t.introduction == p.source {
                continue; // A tail must be reached over a channel: we are not its first hop.
            }
            let src = node_of(&t.introduction, &mut extra_nodes);
            let liq = t.liquidity.unwrap_or(Liquidity {
                lo: hint_cap,
                hi: hint_cap,
                in_flight: 0,
                capacity: hint_cap,
            });
            extra.push(XEdge {
                src,
                dst: dest,
                base: t.fee_base_msat,
                ppm: t.fee_proportional_millionths,
                cltv: t.cltv_expiry_delta,
                htlc_min: t.htlc_min.0,
                htlc_max: t.htlc_max.0,
                liq,
                channel: tail_channel(i),
            });
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
        let mut bias = HashMap::new();
        for &(c, b) in &p.biases {
            if let Some(e) = graph.edge_of(c.scid, c.direction) {
                bias.insert(e.0, crate::layer::bias_factor(b));
            }
            for (i, x) in extra.iter().enumerate() {
                if x.channel == c {
                    bias.insert(graph.edge_count() as u32 + i as u32, crate::layer::bias_factor(b));
                }
            }
        }
        let net = Net {
            tails: p.blinded_tails.len(),
            bias,
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
            let node = p.blinded_tails.first().map_or(p.destination, |t| t.introduction);
            return Err(RouteError::UnknownDestination { node });
        }
        Ok(net)
    }

    /// The factor edge `id`'s cost is multiplied by (1 when unbiased).
    #[inline]
    fn cost_factor(&self, id: u32) -> f64 {
        if self.bias.is_empty() {
            return 1.0;
        }
        self.bias.get(&id).copied().unwrap_or(1.0)
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

    /// The tail of edge `id` and its `htlc_max`, usable or not.
    #[inline]
    fn tail(&self, id: u32) -> Option<(u32, u64)> {
        let ne = self.graph.edge_count() as u32;
        if id < ne {
            self.graph.edge(EdgeIdx(id)).map(|e| (e.src.0, e.htlc_max.0))
        } else {
            self.extra.get((id - ne) as usize).map(|x| (x.src, x.htlc_max))
        }
    }

    /// The head of edge `id` and its `htlc_max`, usable or not.
    #[inline]
    fn head(&self, id: u32) -> Option<(u32, u64)> {
        let ne = self.graph.edge_count() as u32;
        if id < ne {
            self.graph.edge(EdgeIdx(id)).map(|e| (e.dst.0, e.htlc_max.0))
        } else {
            self.extra.get((id - ne) as usize).map(|x| (x.dst, x.htlc_max))
        }
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
