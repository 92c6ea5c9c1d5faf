//! Layers: named sets of changes to the graph and to what is known of it, applied on top of
//! the gossip graph and the learned [`crate::knowledge`] for one routing call, as Core
//! Lightning's askrene keeps them.
//!
//! A [`Layer`] holds created channels (with the policy patches that give them fees), policy
//! patches of existing channels (enabled, HTLC limits, fees, CLTV delta), liquidity
//! constraints (`min`/`max` with the time they were learned), impressions (amounts that went
//! through a channel, moving liquidity to the other side), disabled nodes, and channel and node
//! biases. [`Reservation`]s are the amounts of parts in flight, known to every routing call.
//!
//! Applying layers never clones the graph when they only constrain, impress, bias or disable
//! ([`apply_to_snapshot`], [`biases`]); created channels and fee/limit patches need an overlay
//! graph, which [`overlay_graph`] builds only when some layer has them. Each operation that
//! can refuse returns its own error, carrying the offending value. Everything here is
//! sans-IO: times are arguments (seconds since the epoch).
//!
//! ```
//! use lnpay_route::layer::{Inform, Layer};
//! use lnpay_route::{Msat, ShortChannelIdDir};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let mut layer = Layer::new("mine", false);
//! let c: ShortChannelIdDir = "700000x1x0/1".parse()?;
//! let got = layer.inform(c, Msat(10_000), Inform::Constrained, 1_700_000_000);
//! assert_eq!(got.max, Some(Msat(9_999)));
//! assert_eq!(layer.age(1_700_000_001), 1);
//! # Ok(())
//! # }
//! ```

use crate::graph::{EdgePolicy, Graph, GraphBuilder};
use crate::knowledge::KnowledgeSnapshot;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::sync::Arc;
use types::{Msat, NodeId, ShortChannelId, ShortChannelIdDir};

/// The name of the layer of what the payer learned itself (the [`crate::knowledge`]).
pub const LEARNED_LAYER: &str = "xpay";
/// The automatic layer that replaces the payer's channels by their real spendable amounts.
pub const AUTO_LOCALCHANS: &str = "auto.localchans";
/// The automatic layer that makes the payer's own channels free of fees and delay.
pub const AUTO_SOURCEFREE: &str = "auto.sourcefree";

/// The largest bias magnitude.
pub const MAX_BIAS: i64 = 100;

/// A channel a layer adds to the graph.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreatedChannel {
    /// The node it leaves from.
    pub source: NodeId,
    /// The node it leads to.
    pub destination: NodeId,
    /// Its id.
    pub short_channel_id: ShortChannelId,
    /// Its capacity.
    pub capacity: Msat,
}

impl CreatedChannel {
    /// The direction from `source` to `destination` (BOLT 7: 0 from the lesser id).
    pub fn direction(&self) -> u8 {
        u8::from(self.source > self.destination)
    }
}

/// A patch of one direction's policy: each field set replaces the graph's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct PolicyPatch {
    /// Usable at all.
    pub enabled: Option<bool>,
    /// `htlc_minimum_msat`.
    pub htlc_min: Option<Msat>,
    /// `htlc_maximum_msat`.
    pub htlc_max: Option<Msat>,
    /// `fee_base_msat`.
    pub fee_base: Option<Msat>,
    /// `fee_proportional_millionths`.
    pub fee_ppm: Option<u32>,
    /// `cltv_expiry_delta`.
    pub cltv_delta: Option<u16>,
}

impl PolicyPatch {
    /// Whether it changes more than disabling (which needs no overlay graph).
    fn changes_policy(&self) -> bool {
        self.enabled == Some(true)
            || self.htlc_min.is_some()
            || self.htlc_max.is_some()
            || self.fee_base.is_some()
            || self.fee_ppm.is_some()
            || self.cltv_delta.is_some()
    }

    /// `self` with every field `newer` sets replaced.
    fn merged(self, newer: PolicyPatch) -> PolicyPatch {
        PolicyPatch {
            enabled: newer.enabled.or(self.enabled),
            htlc_min: newer.htlc_min.or(self.htlc_min),
            htlc_max: newer.htlc_max.or(self.htlc_max),
            fee_base: newer.fee_base.or(self.fee_base),
            fee_ppm: newer.fee_ppm.or(self.fee_ppm),
            cltv_delta: newer.cltv_delta.or(self.cltv_delta),
        }
    }

    fn apply(&self, p: EdgePolicy) -> EdgePolicy {
        EdgePolicy {
            timestamp: p.timestamp,
            enabled: self.enabled.unwrap_or(p.enabled),
            base_fee_msat: self
                .fee_base
                .map_or(p.base_fee_msat, |m| u32::try_from(m.0).unwrap_or(u32::MAX)),
            fee_ppm: self.fee_ppm.unwrap_or(p.fee_ppm),
            cltv_delta: self.cltv_delta.unwrap_or(p.cltv_delta),
            htlc_min: self.htlc_min.unwrap_or(p.htlc_min),
            htlc_max: self.htlc_max.unwrap_or(p.htlc_max),
        }
    }
}

/// A policy patch of one directed channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChannelUpdate {
    /// The directed channel.
    pub channel: ShortChannelIdDir,
    /// What changes.
    pub patch: PolicyPatch,
}

/// What a layer knows of one directed channel's liquidity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Constraint {
    /// The directed channel.
    pub channel: ShortChannelIdDir,
    /// When it was last learned (seconds since the epoch).
    pub timestamp: u64,
    /// The liquidity is at least this.
    pub min: Option<Msat>,
    /// The liquidity is at most this.
    pub max: Option<Msat>,
}

/// An amount that went through a directed channel: its liquidity is that much less, the
/// other direction's that much more.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Impression {
    /// The directed channel.
    pub channel: ShortChannelIdDir,
    /// When (seconds since the epoch).
    pub timestamp: u64,
    /// The amount.
    pub amount: Msat,
}

/// A bias of one directed channel: positive preferred, negative avoided.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChannelBias {
    /// The directed channel.
    pub channel: ShortChannelIdDir,
    /// -100 to +100.
    pub bias: i64,
    /// An annotation.
    pub description: Option<String>,
    /// When it was set (seconds since the epoch).
    pub timestamp: u64,
}

/// A bias of every channel into or out of a node.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NodeBias {
    /// The node.
    pub node: NodeId,
    /// On its incoming channels.
    pub in_bias: i64,
    /// On its outgoing channels.
    pub out_bias: i64,
    /// An annotation.
    pub description: Option<String>,
    /// When it was last set (seconds since the epoch).
    pub timestamp: u64,
}

/// Which side of a node a bias applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BiasSide {
    /// Channels into the node.
    In,
    /// Channels out of the node.
    Out,
}

/// What a payment told of a channel (`askrene-inform-channel`'s `inform`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Inform {
    /// The amount failed there: the liquidity is below it.
    Constrained,
    /// The amount passed there: the liquidity is at least it.
    Unconstrained,
    /// The amount was paid through it: an impression.
    Succeeded,
}

/// A named layer.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Layer {
    /// Its name.
    pub name: String,
    /// Kept across restarts.
    pub persistent: bool,
    /// Channels it adds.
    pub created_channels: Vec<CreatedChannel>,
    /// Policy patches, one per directed channel.
    pub channel_updates: Vec<ChannelUpdate>,
    /// Liquidity constraints, one per directed channel.
    pub constraints: Vec<Constraint>,
    /// Impressions, in order.
    pub impressions: Vec<Impression>,
    /// Nodes not to route through.
    pub disabled_nodes: Vec<NodeId>,
    /// Channel biases, one per directed channel.
    pub biases: Vec<ChannelBias>,
    /// Node biases, one per node.
    pub node_biases: Vec<NodeBias>,
}

/// Why `create_channel` refused.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum CreateChannelError {
    /// Source and destination are the same node.
    SameNodes {
        /// The node.
        node: NodeId,
    },
    /// The layer has this channel already, with other nodes or capacity.
    Mismatch {
        /// The channel.
        short_channel_id: ShortChannelId,
    },
}

impl fmt::Display for CreateChannelError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CreateChannelError::SameNodes { node } => {
                write!(f, "source and destination are both {node}")
            }
            CreateChannelError::Mismatch { short_channel_id } => write!(
                f,
                "channel {short_channel_id} already exists with another source, destination or capacity"
            ),
        }
    }
}

impl std::error::Error for CreateChannelError {}

/// Why a bias was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum BiasError {
    /// Outside -100..=100 (after adding a relative bias).
    OutOfRange {
        /// The bias.
        bias: i64,
    },
}

impl fmt::Display for BiasError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BiasError::OutOfRange { bias } => write!(f, "bias {bias} is outside -100..=100"),
        }
    }
}

impl std::error::Error for BiasError {}

/// Why `remove_channel_update` refused.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum RemoveUpdateError {
    /// The layer has no update of this directed channel.
    NoUpdate {
        /// The directed channel.
        channel: ShortChannelIdDir,
    },
}

impl fmt::Display for RemoveUpdateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RemoveUpdateError::NoUpdate { channel } => write!(f, "no channel update for {channel}"),
        }
    }
}

impl std::error::Error for RemoveUpdateError {}

fn check_bias(bias: i64) -> Result<i64, BiasError> {
    if (-MAX_BIAS..=MAX_BIAS).contains(&bias) {
        Ok(bias)
    } else {
        Err(BiasError::OutOfRange { bias })
    }
}

impl Layer {
    /// An empty layer.
    pub fn new(name: impl Into<String>, persistent: bool) -> Layer {
        Layer { name: name.into(), persistent, ..Layer::default() }
    }

    /// Adds a channel (again with the same values: no change).
    pub fn create_channel(&mut self, c: CreatedChannel) -> Result<(), CreateChannelError> {
        if c.source == c.destination {
            return Err(CreateChannelError::SameNodes { node: c.source });
        }
        match self.created_channels.iter().find(|o| o.short_channel_id == c.short_channel_id) {
            Some(o) if *o == c => Ok(()),
            Some(_) => Err(CreateChannelError::Mismatch { short_channel_id: c.short_channel_id }),
            None => {
                self.created_channels.push(c);
                Ok(())
            }
        }
    }

    /// Merges a policy patch into the one held for `channel`.
    pub fn update_channel(&mut self, channel: ShortChannelIdDir, patch: PolicyPatch) {
        match self.channel_updates.iter_mut().find(|u| u.channel == channel) {
            Some(u) => u.patch = u.patch.merged(patch),
            None => self.channel_updates.push(ChannelUpdate { channel, patch }),
        }
    }

    /// Forgets the policy patch of `channel`.
    pub fn remove_channel_update(
        &mut self,
        channel: ShortChannelIdDir,
    ) -> Result<(), RemoveUpdateError> {
        let before = self.channel_updates.len();
        self.channel_updates.retain(|u| u.channel != channel);
        if self.channel_updates.len() == before {
            return Err(RemoveUpdateError::NoUpdate { channel });
        }
        Ok(())
    }

    /// Records what a payment told of `channel` at `now`; returns the constraint as it now
    /// stands (for [`Inform::Succeeded`], the impression's channel and time with neither bound).
    pub fn inform(
        &mut self,
        channel: ShortChannelIdDir,
        amount: Msat,
        inform: Inform,
        now: u64,
    ) -> Constraint {
        if inform == Inform::Succeeded {
            self.impressions.push(Impression { channel, timestamp: now, amount });
            return Constraint { channel, timestamp: now, min: None, max: None };
        }
        let pos = match self.constraints.iter().position(|c| c.channel == channel) {
            Some(p) => p,
            None => {
                self.constraints.push(Constraint { channel, timestamp: now, min: None, max: None });
                self.constraints.len() - 1
            }
        };
        let Some(c) = self.constraints.get_mut(pos) else {
            return Constraint { channel, timestamp: now, min: None, max: None };
        };
        c.timestamp = now;
        match inform {
            Inform::Constrained => {
                let max = Msat(amount.0.saturating_sub(1));
                c.max = Some(c.max.map_or(max, |m| m.min(max)));
                // The newer fact wins over an older contradicting bound.
                if c.min.is_some_and(|m| m > max) {
                    c.min = None;
                }
            }
            _ => {
                c.min = Some(c.min.map_or(amount, |m| m.max(amount)));
                if c.max.is_some_and(|m| m < amount) {
                    c.max = None;
                }
            }
        }
        *c
    }

    /// Disables a node.
    pub fn disable_node(&mut self, node: NodeId) {
        if !self.disabled_nodes.contains(&node) {
            self.disabled_nodes.push(node);
        }
    }

    /// Sets (or with `relative`, adds to) the bias of `channel`; a bias of 0 removes it.
    /// Returns the bias as it now stands.
    pub fn bias_channel(
        &mut self,
        channel: ShortChannelIdDir,
        bias: i64,
        description: Option<String>,
        relative: bool,
        now: u64,
    ) -> Result<ChannelBias, BiasError> {
        let old = self.biases.iter().find(|b| b.channel == channel).map_or(0, |b| b.bias);
        let new = check_bias(if relative { old.saturating_add(bias) } else { bias })?;
        let b = ChannelBias { channel, bias: new, description, timestamp: now };
        self.biases.retain(|b| b.channel != channel);
        if new != 0 {
            self.biases.push(b.clone());
        }
        Ok(b)
    }

    /// Sets (or with `relative`, adds to) one side's bias of `node`. Returns the node's
    /// biases as they now stand.
    pub fn bias_node(
        &mut self,
        node: NodeId,
        side: BiasSide,
        bias: i64,
        description: Option<String>,
        relative: bool,
        now: u64,
    ) -> Result<NodeBias, BiasError> {
        let mut nb =
            self.node_biases.iter().find(|b| b.node == node).cloned().unwrap_or(NodeBias {
                node,
                in_bias: 0,
                out_bias: 0,
                description: None,
                timestamp: now,
            });
        let slot = match side {
            BiasSide::In => &mut nb.in_bias,
            BiasSide::Out => &mut nb.out_bias,
        };
        *slot = check_bias(if relative { slot.saturating_add(bias) } else { bias })?;
        nb.timestamp = now;
        if description.is_some() {
            nb.description = description;
        }
        self.node_biases.retain(|b| b.node != node);
        if nb.in_bias != 0 || nb.out_bias != 0 {
            self.node_biases.push(nb.clone());
        }
        Ok(nb)
    }

    /// Forgets the constraints and impressions learned before `cutoff`; returns how many.
    pub fn age(&mut self, cutoff: u64) -> usize {
        let before = self.constraints.len() + self.impressions.len();
        self.constraints.retain(|c| c.timestamp >= cutoff);
        self.impressions.retain(|c| c.timestamp >= cutoff);
        before - self.constraints.len() - self.impressions.len()
    }

    /// Whether routing through it needs an overlay graph (created channels, policy patches).
    pub fn needs_overlay(&self) -> bool {
        !self.created_channels.is_empty()
            || self.channel_updates.iter().any(|u| u.patch.changes_policy())
    }
}

/// Parts in flight over one directed channel (`askrene-reserve`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reservation {
    /// The directed channel.
    pub channel: ShortChannelIdDir,
    /// The amount sent into it.
    pub amount: Msat,
    /// Only routing through this layer sees it.
    pub layer: Option<String>,
    /// The id of the command that reserved it.
    pub command_id: String,
    /// When (seconds since the epoch).
    pub created_at: u64,
}

/// One hop of a reservation request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReserveHop {
    /// The directed channel.
    pub channel: ShortChannelIdDir,
    /// The amount sent into it.
    pub amount: Msat,
    /// The layer it is restricted to.
    pub layer: Option<String>,
}

/// Why `unreserve` refused (nothing of the request was released).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum UnreserveError {
    /// No reservation matches this hop.
    Unknown {
        /// The directed channel.
        channel: ShortChannelIdDir,
        /// The amount.
        amount: Msat,
    },
}

impl fmt::Display for UnreserveError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UnreserveError::Unknown { channel, amount } => {
                write!(f, "unknown reservation of {amount} on {channel}")
            }
        }
    }
}

impl std::error::Error for UnreserveError {}

/// Every reservation.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Reservations {
    list: Vec<Reservation>,
}

impl Reservations {
    /// Reserves every hop of a path.
    pub fn reserve(&mut self, path: &[ReserveHop], command_id: &str, now: u64) {
        for h in path {
            self.list.push(Reservation {
                channel: h.channel,
                amount: h.amount,
                layer: h.layer.clone(),
                command_id: command_id.to_string(),
                created_at: now,
            });
        }
    }

    /// Releases every hop of a path, or none when one has no reservation.
    pub fn unreserve(&mut self, path: &[ReserveHop]) -> Result<(), UnreserveError> {
        let mut list = self.list.clone();
        for h in path {
            let pos = list
                .iter()
                .position(|r| r.channel == h.channel && r.amount == h.amount && r.layer == h.layer)
                .ok_or(UnreserveError::Unknown { channel: h.channel, amount: h.amount })?;
            list.remove(pos);
        }
        self.list = list;
        Ok(())
    }

    /// Every reservation, oldest first.
    pub fn list(&self) -> &[Reservation] {
        &self.list
    }
}

/// The graph with every created channel and policy patch of `layers` applied: `graph` itself
/// (no copy) when none has any.
pub fn overlay_graph(graph: &Arc<Graph>, layers: &[&Layer]) -> Arc<Graph> {
    if !layers.iter().any(|l| l.needs_overlay()) {
        return Arc::clone(graph);
    }
    let created = layers.iter().any(|l| !l.created_channels.is_empty());
    if !created {
        // Patches of existing edges only: patch a copy in place, no rebuild.
        let mut g = Arc::clone(graph);
        for l in layers {
            for u in &l.channel_updates {
                let c = u.channel;
                let Some(p) = g.edge_of(c.scid, c.direction).and_then(|e| g.edge_policy(e)) else {
                    continue;
                };
                Arc::make_mut(&mut g).set_policy(c.scid, c.direction, u.patch.apply(p));
            }
        }
        return g;
    }
    let mut b = GraphBuilder::from_graph(graph);
    for l in layers {
        for c in &l.created_channels {
            b.add_channel(c.short_channel_id, c.source, c.destination, Some(c.capacity));
            // A created channel is usable from source to destination, free until patched.
            let d = c.direction();
            if b.direction_policy(c.short_channel_id, d).is_none() {
                let p = EdgePolicy {
                    timestamp: 0,
                    enabled: true,
                    base_fee_msat: 0,
                    fee_ppm: 0,
                    cltv_delta: 0,
                    htlc_min: Msat(0),
                    htlc_max: c.capacity,
                };
                let _ = b.update_direction(c.short_channel_id, d, p);
            }
        }
    }
    for l in layers {
        for u in &l.channel_updates {
            let c = u.channel;
            let Some(p) = b.direction_policy(c.scid, c.direction).copied() else { continue };
            let _ = b.update_direction(c.scid, c.direction, u.patch.apply(p));
        }
    }
    b.build()
}

/// Applies the constraints, impressions, disabled channels and nodes of `layers` and the
/// reservations (those of no layer, or of one of `layers`) to a knowledge snapshot of `graph`.
pub fn apply_to_snapshot(
    graph: &Graph,
    snap: &mut KnowledgeSnapshot,
    layers: &[&Layer],
    reservations: &Reservations,
) {
    for l in layers {
        for c in &l.constraints {
            let Some(e) = graph.edge_of(c.channel.scid, c.channel.direction) else { continue };
            let Some(liq) = snap.edges.get_mut(e.0 as usize) else { continue };
            if let Some(max) = c.max {
                liq.hi = liq.hi.min(max.0);
            }
            if let Some(min) = c.min {
                liq.lo = liq.lo.max(min.0).min(liq.hi.max(min.0));
                liq.hi = liq.hi.max(liq.lo);
            }
        }
        for i in &l.impressions {
            let a = i.amount.0;
            if let Some(e) = graph.edge_of(i.channel.scid, i.channel.direction) {
                if let Some(liq) = snap.edges.get_mut(e.0 as usize) {
                    liq.hi = liq.hi.saturating_sub(a);
                    liq.lo = liq.lo.saturating_sub(a).min(liq.hi);
                }
            }
            if let Some(e) = graph.edge_of(i.channel.scid, i.channel.direction ^ 1) {
                if let Some(liq) = snap.edges.get_mut(e.0 as usize) {
                    liq.lo = liq.lo.saturating_add(a).min(liq.hi);
                }
            }
        }
        for u in &l.channel_updates {
            if u.patch.enabled != Some(false) {
                continue;
            }
            if let Some(e) = graph.edge_of(u.channel.scid, u.channel.direction) {
                if let Some(ok) = snap.usable.get_mut(e.0 as usize) {
                    *ok = false;
                }
            }
        }
        for n in &l.disabled_nodes {
            if let Some(i) = graph.node_index(n) {
                if let Some(ok) = snap.node_usable.get_mut(i.0 as usize) {
                    *ok = false;
                }
            }
        }
    }
    for r in reservations.list() {
        if r.layer.as_ref().is_some_and(|name| !layers.iter().any(|l| l.name == *name)) {
            continue;
        }
        if let Some(e) = graph.edge_of(r.channel.scid, r.channel.direction) {
            if let Some(liq) = snap.edges.get_mut(e.0 as usize) {
                liq.in_flight = liq.in_flight.saturating_add(r.amount.0);
            }
        }
    }
}

/// The bias of every directed channel of `graph` that `layers` bias, channel and node biases
/// summed and held within -100..=100.
pub fn biases(graph: &Graph, layers: &[&Layer]) -> Vec<(ShortChannelIdDir, i64)> {
    let mut out: std::collections::BTreeMap<ShortChannelIdDir, i64> = Default::default();
    for l in layers {
        for b in &l.biases {
            *out.entry(b.channel).or_default() += b.bias;
        }
        for nb in &l.node_biases {
            let Some(n) = graph.node_index(&nb.node) else { continue };
            if nb.in_bias != 0 {
                for e in graph.incoming(n) {
                    let c = ShortChannelIdDir { scid: e.scid, direction: e.direction };
                    *out.entry(c).or_default() += nb.in_bias;
                }
            }
            if nb.out_bias != 0 {
                for &ei in graph.outgoing(n) {
                    let Some(e) = graph.edge(ei) else { continue };
                    let c = ShortChannelIdDir { scid: e.scid, direction: e.direction };
                    *out.entry(c).or_default() += nb.out_bias;
                }
            }
        }
    }
    out.into_iter()
        .filter(|&(_, b)| b != 0)
        .map(|(c, b)| (c, b.clamp(-MAX_BIAS, MAX_BIAS)))
        .collect()
}

/// The factor a bias multiplies an edge's cost by, as askrene weighs it: `30^(-bias/100)`
/// (+100: a thirtieth, -100: thirty times).
pub fn bias_factor(bias: i64) -> f64 {
    (-(bias.clamp(-MAX_BIAS, MAX_BIAS) as f64) * 30f64.ln() / 100.0).exp()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::knowledge::{Knowledge, KnowledgeConfig};

    use crate::test_util::node;

    fn policy() -> EdgePolicy {
        EdgePolicy {
            timestamp: 1,
            enabled: true,
            base_fee_msat: 1000,
            fee_ppm: 10,
            cltv_delta: 6,
            htlc_min: Msat(1),
            htlc_max: Msat(1_000_000),
        }
    }

    fn graph() -> Arc<Graph> {
        let mut g = GraphBuilder::new();
        g.add_channel(ShortChannelId(1), node(1), node(2), Some(Msat(1_000_000)));
        g.update_direction(ShortChannelId(1), 0, policy()).unwrap();
        g.update_direction(ShortChannelId(1), 1, policy()).unwrap();
        g.build()
    }

    fn dir(d: u8) -> ShortChannelIdDir {
        ShortChannelIdDir { scid: ShortChannelId(1), direction: d }
    }

    #[test]
    fn inform_merges_bounds_and_age_forgets_them() {
        let mut l = Layer::new("l", true);
        assert_eq!(l.inform(dir(0), Msat(500), Inform::Unconstrained, 10).min, Some(Msat(500)));
        let c = l.inform(dir(0), Msat(800), Inform::Constrained, 20);
        assert_eq!((c.min, c.max, c.timestamp), (Some(Msat(500)), Some(Msat(799)), 20));
        // A newer failure below the old lower bound wins.
        let c = l.inform(dir(0), Msat(300), Inform::Constrained, 30);
        assert_eq!((c.min, c.max), (None, Some(Msat(299))));
        l.inform(dir(1), Msat(5), Inform::Succeeded, 5);
        assert_eq!(l.age(25), 1);
        assert_eq!((l.constraints.len(), l.impressions.len()), (1, 0));
    }

    #[test]
    fn snapshot_takes_constraints_impressions_disabled_and_reservations() {
        let g = graph();
        let mut snap = Knowledge::new(KnowledgeConfig::default()).snapshot(&g, 0);
        let mut l = Layer::new("l", false);
        l.inform(dir(0), Msat(600_000), Inform::Constrained, 1);
        l.inform(dir(1), Msat(100_000), Inform::Succeeded, 1);
        let mut r = Reservations::default();
        r.reserve(&[ReserveHop { channel: dir(0), amount: Msat(7), layer: None }], "1", 0);
        r.reserve(
            &[ReserveHop { channel: dir(0), amount: Msat(9), layer: Some("x".into()) }],
            "2",
            0,
        );
        apply_to_snapshot(&g, &mut snap, &[&l], &r);
        let e0 = g.edge_of(ShortChannelId(1), 0).unwrap();
        let e1 = g.edge_of(ShortChannelId(1), 1).unwrap();
        let l0 = snap.liquidity(e0);
        assert_eq!((l0.lo, l0.hi, l0.in_flight), (100_000, 599_999, 7));
        assert_eq!(snap.liquidity(e1).hi, 900_000);
        l.update_channel(dir(1), PolicyPatch { enabled: Some(false), ..Default::default() });
        l.disable_node(node(2));
        assert!(!l.needs_overlay());
        apply_to_snapshot(&g, &mut snap, &[&l], &Reservations::default());
        assert!(!snap.edge_usable(e1));
        assert!(!snap.node_usable(g.node_index(&node(2)).unwrap()));
        assert!(r
            .unreserve(&[ReserveHop { channel: dir(0), amount: Msat(8), layer: None }])
            .is_err());
        r.unreserve(&[ReserveHop { channel: dir(0), amount: Msat(7), layer: None }]).unwrap();
        assert_eq!(r.list().len(), 1);
    }

    #[test]
    fn overlay_patches_and_creates_only_when_asked() {
        let g = graph();
        let plain = Layer::new("p", false);
        assert!(Arc::ptr_eq(&overlay_graph(&g, &[&plain]), &g));
        let mut l = Layer::new("l", false);
        l.update_channel(dir(0), PolicyPatch { fee_ppm: Some(77), ..Default::default() });
        let o = overlay_graph(&g, &[&l]);
        let e = o.edge(o.edge_of(ShortChannelId(1), 0).unwrap()).unwrap();
        assert_eq!((e.fee_ppm, e.base_fee_msat), (77, 1000));
        // The shared graph is untouched.
        assert_eq!(g.edge(g.edge_of(ShortChannelId(1), 0).unwrap()).unwrap().fee_ppm, 10);
        let c = CreatedChannel {
            source: node(3),
            destination: node(2),
            short_channel_id: ShortChannelId(9),
            capacity: Msat(50_000),
        };
        l.create_channel(c.clone()).unwrap();
        assert_eq!(l.create_channel(c.clone()), Ok(()));
        let other = CreatedChannel { capacity: Msat(1), ..c.clone() };
        assert!(matches!(l.create_channel(other), Err(CreateChannelError::Mismatch { .. })));
        let o = overlay_graph(&g, &[&l]);
        assert_eq!(o.channel_count(), 2);
        // Enabling a disabled direction needs the overlay too.
        let mut g2 = GraphBuilder::from_graph(&g);
        g2.update_direction(ShortChannelId(1), 1, EdgePolicy { enabled: false, ..policy() })
            .unwrap();
        let g2 = g2.build();
        let mut on = Layer::new("on", false);
        on.update_channel(dir(1), PolicyPatch { enabled: Some(true), ..Default::default() });
        let o2 = overlay_graph(&g2, &[&on]);
        assert!(o2.edge(o2.edge_of(ShortChannelId(1), 1).unwrap()).unwrap().enabled);
        assert!(o.edge_of(ShortChannelId(9), c.direction()).is_some());
        assert!(o.edge_of(ShortChannelId(9), c.direction() ^ 1).is_none());
    }

    #[test]
    fn biases_sum_and_clamp() {
        let g = graph();
        let mut l = Layer::new("l", false);
        l.bias_channel(dir(0), 60, None, false, 1).unwrap();
        assert_eq!(l.bias_channel(dir(0), 30, None, true, 2).unwrap().bias, 90);
        assert!(l.bias_channel(dir(0), 20, None, true, 2).is_err());
        l.bias_node(node(2), BiasSide::In, 50, Some("n".into()), false, 3).unwrap();
        let b = biases(&g, &[&l]);
        assert_eq!(b, vec![(dir(0), 100)]);
        assert!((bias_factor(100) - 1.0 / 30.0).abs() < 1e-9);
        assert!((bias_factor(0) - 1.0).abs() < 1e-12);
        l.bias_channel(dir(0), 0, None, false, 4).unwrap();
        assert!(l.biases.is_empty());
    }
}
