//! [`LnpayRouter`]: LDK's [`Router`] answered by lnpay's min-cost flow over lnpay's graph (a
//! view of LDK's `NetworkGraph`) and knowledge (the [`LnpayScorer`]).
//!
//! What LDK's [`RouteParameters`] say, and how each is honoured:
//! - `final_value_msat` is the amount to deliver (on a retry LDK passes only what failed) and
//!   `max_total_routing_fee_msat` the fee budget of all parts together (none: unlimited);
//! - `max_total_cltv_expiry_delta` bounds each part's total delay including the payee's final
//!   CLTV; `max_path_length` its hops; `max_path_count` the parts (one when the invoice does
//!   not offer `basic_mpp`);
//! - `max_channel_saturation_power_of_half` caps what one part set may put on a channel of
//!   known capacity (`capacity >> p`); as LDK does, the cap is lifted when nothing fits under
//!   it;
//! - `previously_failed_channels` are excluded in both directions for the rest of the
//!   payment, as LDK's router does (allowing them again at a smaller amount let a payment
//!   probe a drained channel with ever smaller parts until its retry timeout);
//! - the payee's route hints become private edges, its features those of the last hop;
//! - blinded payees are refused ([`RouteFailure::BlindedPayee`]): lnpay's flow ends at a node,
//!   not at an introduction point with an aggregated blinded tail;
//! - `first_hops` replace the graph's edges out of the payer, each with what it can send now
//!   (`next_outbound_htlc_limit_msat`); unusable channels are left out;
//! - [`InFlightHtlcs`] (every part of every payment in flight) are taken off each channel's
//!   liquidity.
//!
//! No part is smaller than the amount over `max_path_count` (as LDK's router), and the
//! multi-part flow is compared with the best single path by the exact objective (fees with
//! every part's base fees, plus λ·(−ln P)): the cheaper is sent. A single path of
//! probability ≥ 95 % is sent without solving the flow (a tenth of its time).

use crate::scorer::LnpayScorer;
use lightning::blinded_path::payment::{BlindedPaymentPath, ReceiveTlvs};
use lightning::ln::channel_state::ChannelDetails;
use lightning::routing::gossip::{NetworkGraph, NodeId as LdkNodeId};
use lightning::routing::router::{
    DefaultRouter, InFlightHtlcs, Path, Payee, Route, RouteHop, RouteParameters, Router,
};
use lightning::routing::scoring::{FixedPenaltyScorer, LockableScore};
use lightning::sign::EntropySource;
use lightning::types::features::{ChannelFeatures, NodeFeatures};
use lightning::util::logger::Logger;
use route::flow::{flow, FirstHop, Flow, FlowError, FlowParams, RouteHintHop};
use route::graph::Graph;
use route::knowledge::KnowledgeSnapshot;
use secp256k1::{PublicKey, Secp256k1};
use std::collections::HashMap;
use std::fmt;
use std::ops::Deref;
use std::sync::Mutex;
use types::{Msat, NodeId, ShortChannelId, ShortChannelIdDir};

/// Why [`LnpayRouter`] found no route.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum RouteFailure {
    /// The payee is a set of blinded paths, which this router does not route to.
    BlindedPayee {
        /// How many blinded paths the payee offered.
        paths: usize,
    },
    /// lnpay's flow found nothing within the limits.
    Flow(FlowError),
    /// A part would lock funds longer than `max_total_cltv_expiry_delta` allows.
    TooLong {
        /// The part's total CLTV delay.
        delay: u32,
        /// The limit.
        max_delay: u32,
    },
}

impl fmt::Display for RouteFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RouteFailure::BlindedPayee { paths } => {
                write!(f, "payee is {paths} blinded paths: lnpay routes to node ids only")
            }
            RouteFailure::Flow(e) => write!(f, "{e}"),
            RouteFailure::TooLong { delay, max_delay } => {
                write!(f, "a part's CLTV delay {delay} exceeds the limit {max_delay}")
            }
        }
    }
}

impl std::error::Error for RouteFailure {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            RouteFailure::Flow(e) => Some(e),
            RouteFailure::BlindedPayee { .. } | RouteFailure::TooLong { .. } => None,
        }
    }
}

impl RouteFailure {
    /// The fixed text LDK's [`Router`] trait returns.
    pub fn as_static_str(&self) -> &'static str {
        match self {
            RouteFailure::BlindedPayee { .. } => {
                "lnpay does not route to blinded payees (BOLT 12); use LDK's DefaultRouter"
            }
            RouteFailure::Flow(FlowError::UnknownSource { .. }) => "lnpay: payer unknown",
            RouteFailure::Flow(FlowError::UnknownDestination { .. }) => "lnpay: payee unknown",
            RouteFailure::Flow(FlowError::SelfPayment { .. }) => "lnpay: payment to self",
            RouteFailure::Flow(FlowError::ZeroAmount) => "lnpay: zero amount",
            RouteFailure::Flow(FlowError::InsufficientLiquidity { .. }) => {
                "lnpay: no flow can carry the amount within the limits"
            }
            RouteFailure::Flow(FlowError::TooExpensive { .. }) => {
                "lnpay: every flow exceeds the fee budget"
            }
            RouteFailure::Flow(_) => "lnpay: no route",
            RouteFailure::TooLong { .. } => "lnpay: every route exceeds the CLTV limit",
        }
    }
}

/// Tuning of [`LnpayRouter`] (lnpay's flow parameters LDK does not carry).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RouterConfig {
    /// λ of lnpay's flow on a payment's first attempt: the cost of one unit of `−ln P` in
    /// millionths of the amount. Low: cheap routes first.
    pub first_prob_cost_ppm: u64,
    /// λ once a part failed (LDK passes the failed channels): the graph proved tighter than
    /// hoped, so probability weighs more.
    pub retry_prob_cost_ppm: u64,
    /// Core Lightning's `riskfactor` in millionths: CLTV delay weighed against fees.
    pub riskfactor_millionths: u64,
    /// The most edges the pruned flow graph keeps.
    pub max_edges: usize,
}

impl Default for RouterConfig {
    /// λ as lnpay's own `pay` weighs it (the middle of its randomised ranges: 100–200 ppm
    /// first, 500–4,000 ppm on retries); no risk factor (Core Lightning's 10 is worth about
    /// 190 ppm of the amount per hop of 100 blocks, more than most fees, and LDK's scorer does
    /// not weigh CLTV either).
    fn default() -> Self {
        RouterConfig {
            first_prob_cost_ppm: 150,
            retry_prob_cost_ppm: 2_250,
            riskfactor_millionths: 0,
            max_edges: 1_500,
        }
    }
}

/// LDK's [`Router`] with lnpay's routing. `S` is the scorer behind a lock (`Mutex`, `RwLock`
/// or a `RefCell` of an [`LnpayScorer`], as LDK's `DefaultRouter` takes its scorer).
pub struct LnpayRouter<G, L, ES, S>
where
    G: Deref<Target = NetworkGraph<L>>,
    L: Deref + Clone,
    L::Target: Logger,
    ES: Deref,
    ES::Target: EntropySource,
    S: Deref,
    S::Target: for<'a> LockableScore<'a, ScoreLookUp = LnpayScorer<G, L>>,
{
    network_graph: G,
    logger: L,
    entropy_source: ES,
    scorer: S,
    config: RouterConfig,
}

impl<G, L, ES, S> LnpayRouter<G, L, ES, S>
where
    G: Deref<Target = NetworkGraph<L>>,
    L: Deref + Clone,
    L::Target: Logger,
    ES: Deref,
    ES::Target: EntropySource,
    S: Deref,
    S::Target: for<'a> LockableScore<'a, ScoreLookUp = LnpayScorer<G, L>>,
{
    /// A router over `network_graph` learning through `scorer`; `entropy_source` and `logger`
    /// serve the blinded receive paths, built as LDK builds them.
    pub fn new(network_graph: G, logger: L, entropy_source: ES, scorer: S) -> Self {
        LnpayRouter {
            network_graph,
            logger,
            entropy_source,
            scorer,
            config: RouterConfig::default(),
        }
    }

    /// The same with lnpay's flow tuned.
    pub fn with_config(mut self, config: RouterConfig) -> Self {
        self.config = config;
        self
    }

    /// The route for `params` from `payer`, or why there is none.
    pub fn route(
        &self,
        payer: &PublicKey,
        params: &RouteParameters,
        first_hops: Option<&[&ChannelDetails]>,
        inflight: &InFlightHtlcs,
    ) -> Result<Route, RouteFailure> {
        let pp = &params.payment_params;
        let (payee, hints, features, final_cltv) = match &pp.payee {
            Payee::Clear { node_id, route_hints, features, final_cltv_expiry_delta } => {
                (node_id, route_hints, features, *final_cltv_expiry_delta)
            }
            Payee::Blinded { route_hints, .. } => {
                return Err(RouteFailure::BlindedPayee { paths: route_hints.len() })
            }
        };
        let scorer = self.scorer.read_lock();
        let graph = scorer.graph();
        let now = scorer.now();
        let mut snap = scorer.knowledge().snapshot(&graph, now);
        drop(scorer);
        take_in_flight(&graph, &mut snap, inflight);

        let source = NodeId::from_pubkey(payer);
        let destination = NodeId::from_pubkey(payee);
        let mut p = FlowParams::new(source, destination, Msat(params.final_value_msat));
        p.prob_cost_ppm = if pp.previously_failed_channels.is_empty() {
            self.config.first_prob_cost_ppm
        } else {
            self.config.retry_prob_cost_ppm
        };
        p.riskfactor_millionths = self.config.riskfactor_millionths;
        p.max_edges = self.config.max_edges;
        p.final_cltv = final_cltv;
        p.max_fee = Msat(params.max_total_routing_fee_msat.unwrap_or(u64::MAX / 4));
        p.max_delay = pp.max_total_cltv_expiry_delta;
        p.max_hops = usize::from(pp.max_path_length.max(1));
        let mpp = features.as_ref().is_some_and(|f| f.supports_basic_mpp());
        p.max_parts = if mpp { usize::from(pp.max_path_count.max(1)) } else { 1 };
        let mut first: HashMap<u64, &ChannelDetails> = HashMap::new();
        if let Some(hops) = first_hops {
            for d in hops.iter().filter(|d| d.is_usable) {
                let Some(scid) = d.get_outbound_payment_scid() else { continue };
                first.insert(scid, d);
                p.first_hops.push(FirstHop {
                    scid: ShortChannelId(scid),
                    peer: NodeId::from_pubkey(&d.counterparty.node_id),
                    spendable: Msat(d.next_outbound_htlc_limit_msat),
                });
            }
        }
        p.route_hints = hints
            .iter()
            .map(|h| {
                h.0.iter()
                    .map(|hop| RouteHintHop {
                        node_id: NodeId::from_pubkey(&hop.src_node_id),
                        short_channel_id: ShortChannelId(hop.short_channel_id),
                        fee_base_msat: hop.fees.base_msat,
                        fee_proportional_millionths: hop.fees.proportional_millionths,
                        cltv_expiry_delta: hop.cltv_expiry_delta,
                    })
                    .collect()
            })
            .collect();
        p.exclude_channels = pp
            .previously_failed_channels
            .iter()
            .flat_map(|&s| {
                (0..2)
                    .map(move |direction| ShortChannelIdDir { scid: ShortChannelId(s), direction })
            })
            .collect();

        // As LDK's router, no part smaller than the amount over `max_path_count`: a sliver
        // pays every base fee on its path and is one more HTLC that can fail.
        p.min_part = Msat(params.final_value_msat / p.max_parts.max(1) as u64);

        let saturated = saturate(&graph, &snap, pp.max_channel_saturation_power_of_half);
        let one = single(&graph, &saturated, &p).or_else(|| single(&graph, &snap, &p));
        let found = match one {
            // Nearly sure already: splitting could only save a little and pays base fees
            // again; the flow costs ten times the single path's search.
            Some(one) if one.probability >= SURE => one,
            one => {
                cheaper(flow(&graph, &saturated, &p).or_else(|_| flow(&graph, &snap, &p)), one, &p)
                    .map_err(RouteFailure::Flow)?
            }
        };
        if found.fee > p.max_fee {
            return Err(RouteFailure::Flow(FlowError::TooExpensive {
                fee: found.fee,
                max_fee: p.max_fee,
            }));
        }
        if let Some(delay) = found
            .parts
            .iter()
            .filter_map(|part| part.hops.first().map(|h| h.delay))
            .find(|&d| d > p.max_delay)
        {
            return Err(RouteFailure::TooLong { delay, max_delay: p.max_delay });
        }
        let paths = self.paths(&found, &first, features.as_ref().map(|f| f.to_context()));
        Ok(Route { paths, route_params: Some(params.clone()) })
    }

    /// LDK's paths for lnpay's parts.
    fn paths(
        &self,
        found: &Flow,
        first: &HashMap<u64, &ChannelDetails>,
        payee_features: Option<NodeFeatures>,
    ) -> Vec<Path> {
        let view = self.network_graph.read_only();
        found
            .parts
            .iter()
            .filter_map(|part| {
                let mut hops = Vec::with_capacity(part.hops.len());
                for (i, h) in part.hops.iter().enumerate() {
                    let next = part.hops.get(i + 1);
                    let (fee_msat, cltv) = match next {
                        Some(n) => {
                            (h.amount.0.saturating_sub(n.amount.0), h.delay.saturating_sub(n.delay))
                        }
                        None => (h.amount.0, h.delay),
                    };
                    let pubkey = h.id.to_pubkey().ok()?;
                    let scid = h.channel.0;
                    let ldk_node = LdkNodeId::from_pubkey(&pubkey);
                    let announced = view.channel(scid);
                    let (channel_features, maybe_announced_channel, peer_features) =
                        match (i, first.get(&scid)) {
                            (0, Some(d)) => (
                                d.counterparty.features.to_context(),
                                d.is_announced,
                                Some(d.counterparty.features.to_context()),
                            ),
                            _ => match announced {
                                Some(c) => (c.features.clone(), true, None),
                                None => (ChannelFeatures::empty(), false, None),
                            },
                        };
                    let graph_features = view
                        .node(&ldk_node)
                        .and_then(|n| n.announcement_info.as_ref())
                        .map(|a| a.features().clone());
                    let node_features = match (next, &payee_features) {
                        (None, Some(f)) => f.clone(),
                        _ => graph_features.or(peer_features).unwrap_or_else(NodeFeatures::empty),
                    };
                    hops.push(RouteHop {
                        pubkey,
                        node_features,
                        short_channel_id: scid,
                        channel_features,
                        fee_msat,
                        cltv_expiry_delta: cltv,
                        maybe_announced_channel,
                    });
                }
                Some(Path { hops, blinded_tail: None })
            })
            .collect()
    }
}

/// A single path at least this likely is sent without solving the multi-part flow.
const SURE: f64 = 0.95;

/// The best single path for `p` as a flow of one part, if one fits within the fee budget.
fn single(graph: &Graph, snap: &KnowledgeSnapshot, p: &FlowParams) -> Option<Flow> {
    if p.max_parts <= 1 {
        return None; // `flow` is already the single path
    }
    let part = route::flow::route(graph, snap, p).ok()?;
    Some(Flow {
        amount: part.amount,
        fee: part.fee,
        probability: part.probability,
        parts: vec![part],
    })
}

/// What the flow objective charges `f` exactly: its fees (every part's base fees included)
/// plus λ for each nat of `−ln P` of the whole set.
fn objective(f: &Flow, p: &FlowParams) -> f64 {
    let lambda = p.amount.0 as f64 * p.prob_cost_ppm as f64 / 1e6;
    let nats = if f.probability > 0.0 { -f.probability.ln() } else { f64::INFINITY };
    f.fee.0 as f64 + lambda * nats
}

/// The multi-part flow or the single path, whichever costs less by the exact objective.
///
/// The min-cost flow prices base fees linearly, as if every part carried
/// `amount / max_parts`: it cannot see that splitting pays every base fee again, and it
/// steers small payments away from channels with a high base fee and a low rate, the cheap
/// ones at small amounts. The exact single path is the better answer whenever one channel
/// chain carries the amount with a fair probability.
fn cheaper(
    multi: Result<Flow, FlowError>,
    single: Option<Flow>,
    p: &FlowParams,
) -> Result<Flow, FlowError> {
    match (multi, single) {
        (Ok(m), Some(s)) if objective(&s, p) <= objective(&m, p) => Ok(s),
        (Ok(m), _) => Ok(m),
        (Err(_), Some(s)) => Ok(s),
        (Err(e), None) => Err(e),
    }
}

/// Takes LDK's in-flight HTLCs off each directed channel's liquidity. LDK keys them by
/// channel and by whether the sender's id is the lesser, i.e. by BOLT 7 direction.
fn take_in_flight(graph: &Graph, snap: &mut KnowledgeSnapshot, inflight: &InFlightHtlcs) {
    let lesser = LdkNodeId::from_slice(&[0u8; 33]);
    let greater = LdkNodeId::from_slice(&[0xffu8; 33]);
    let (Ok(lesser), Ok(greater)) = (lesser, greater) else { return };
    for c in graph.channels() {
        for (direction, e) in c.edges.iter().enumerate() {
            let Some(e) = e else { continue };
            let (from, to) = if direction == 0 { (&lesser, &greater) } else { (&greater, &lesser) };
            let Some(used) = inflight.used_liquidity_msat(from, to, c.scid.0) else { continue };
            if let Some(l) = snap.edges.get_mut(e.0 as usize) {
                l.in_flight = l.in_flight.saturating_add(used);
            }
        }
    }
}

/// The snapshot with each channel of known capacity capped at `capacity >> power`.
fn saturate(graph: &Graph, snap: &KnowledgeSnapshot, power: u8) -> KnowledgeSnapshot {
    let mut out = snap.clone();
    if power == 0 {
        return out;
    }
    for c in graph.channels() {
        let Some(cap) = c.capacity else { continue };
        let limit = cap.0.checked_shr(u32::from(power)).unwrap_or(0);
        for e in c.edges.iter().flatten() {
            if let Some(l) = out.edges.get_mut(e.0 as usize) {
                l.hi = l.hi.min(limit);
                l.lo = l.lo.min(l.hi);
            }
        }
    }
    out
}

impl<G, L, ES, S> Router for LnpayRouter<G, L, ES, S>
where
    G: Deref<Target = NetworkGraph<L>>,
    L: Deref + Clone,
    L::Target: Logger,
    ES: Deref,
    ES::Target: EntropySource,
    S: Deref,
    S::Target: for<'a> LockableScore<'a, ScoreLookUp = LnpayScorer<G, L>>,
{
    fn find_route(
        &self,
        payer: &PublicKey,
        route_params: &RouteParameters,
        first_hops: Option<&[&ChannelDetails]>,
        inflight_htlcs: InFlightHtlcs,
    ) -> Result<Route, &'static str> {
        self.route(payer, route_params, first_hops, &inflight_htlcs).map_err(|e| e.as_static_str())
    }

    /// As LDK's `DefaultRouter` builds them (it is given the same graph and entropy; its
    /// scorer is not used for receiving).
    fn create_blinded_payment_paths<T: secp256k1::Signing + secp256k1::Verification>(
        &self,
        recipient: PublicKey,
        first_hops: Vec<ChannelDetails>,
        tlvs: ReceiveTlvs,
        amount_msats: Option<u64>,
        secp_ctx: &Secp256k1<T>,
    ) -> Result<Vec<BlindedPaymentPath>, ()> {
        let unused = Mutex::new(FixedPenaltyScorer::with_penalty(0));
        let ldk = DefaultRouter::new(
            &*self.network_graph,
            self.logger.clone(),
            &*self.entropy_source,
            &unused,
            (),
        );
        ldk.create_blinded_payment_paths(recipient, first_hops, tlvs, amount_msats, secp_ctx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use route::flow::Part;
    use types::Hop;

    fn flow_of(parts: &[(u64, u64, f64)]) -> Flow {
        let parts: Vec<Part> = parts
            .iter()
            .map(|&(amount, fee, probability)| Part {
                hops: vec![Hop {
                    id: NodeId::from_slice(&[2; 33]).unwrap(),
                    channel: ShortChannelId(1),
                    direction: 0,
                    amount: Msat(amount),
                    delay: 40,
                }],
                amount: Msat(amount),
                fee: Msat(fee),
                probability,
                blinded_tail: None,
            })
            .collect();
        Flow {
            amount: Msat(parts.iter().map(|p| p.amount.0).sum()),
            fee: Msat(parts.iter().map(|p| p.fee.0).sum()),
            probability: parts.iter().map(|p| p.probability).product(),
            parts,
        }
    }

    fn params() -> FlowParams {
        let (a, b) = (NodeId::from_slice(&[2; 33]).unwrap(), NodeId::from_slice(&[3; 33]).unwrap());
        let mut p = FlowParams::new(a, b, Msat(10_000_000));
        p.prob_cost_ppm = 150; // λ = 1,500 msat per nat
        p
    }

    #[test]
    fn the_single_path_wins_when_its_exact_cost_is_lower() {
        let p = params();
        // Three parts paying three base fees against one path a little less likely.
        let multi =
            flow_of(&[(6_000_000, 2_000, 0.99), (3_000_000, 1_500, 0.99), (1_000_000, 900, 1.0)]);
        let one = flow_of(&[(10_000_000, 1_010, 0.97)]);
        let got = cheaper(Ok(multi), Some(one.clone()), &p).unwrap();
        assert_eq!(got, one);
    }

    #[test]
    fn the_flow_wins_when_the_single_path_is_unlikely_and_either_stands_in_for_the_other() {
        let p = params();
        let multi = flow_of(&[(5_000_000, 1_000, 0.95), (5_000_000, 1_000, 0.95)]);
        // 1,010 msat cheaper, but −ln 0.2 ≈ 1.6 nats (2,400 msat) against 0.1 (150 msat).
        let one = flow_of(&[(10_000_000, 990, 0.2)]);
        assert_eq!(cheaper(Ok(multi.clone()), Some(one.clone()), &p).unwrap(), multi);
        assert_eq!(cheaper(Ok(multi.clone()), None, &p).unwrap(), multi);
        let none = FlowError::InsufficientLiquidity { amount: Msat(1), deliverable: Msat(0) };
        assert_eq!(cheaper(Err(none.clone()), Some(one.clone()), &p).unwrap(), one);
        assert_eq!(cheaper(Err(none.clone()), None, &p), Err(none));
    }
}
