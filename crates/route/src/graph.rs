//! The channel graph: an immutable, cache-friendly snapshot ([`Graph`]) that many readers share
//! behind an [`Arc`], and a mutable [`GraphBuilder`] that applies changes cheaply and publishes
//! a new snapshot with [`GraphBuilder::build`].
//!
//! In a snapshot, nodes and directed edges are dense integers ([`NodeIdx`], [`EdgeIdx`]).
//! Edges are stored in one flat array sorted by destination node, so the incoming edges of a
//! node are one contiguous slice (a CSR layout, which is what a search backwards from the
//! payee walks); outgoing edges are a second CSR of edge indices. Each edge carries what a
//! pathfinder reads on every relaxation (fees, CLTV delta, HTLC limits with the capacity
//! folded in, enabled flag) in 48 bytes; what it rarely reads (timestamps, the advertised
//! `htlc_maximum_msat`) sits in a parallel cold array.
//!
//! A direction of a channel with no policy yet (no `channel_update` seen) has no edge.

pub mod landmarks;
pub mod snapshot;

use std::collections::HashMap;
use std::fmt;
use std::ops::Range;
use std::sync::{Arc, OnceLock};
use types::{Msat, NodeId, ShortChannelId};

/// The policy of one direction of a channel, as a `channel_update` sets it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EdgePolicy {
    /// The `channel_update` timestamp.
    pub timestamp: u32,
    /// False when the update's `disable` bit is set.
    pub enabled: bool,
    /// `fee_base_msat`.
    pub base_fee_msat: u32,
    /// `fee_proportional_millionths`.
    pub fee_ppm: u32,
    /// `cltv_expiry_delta`.
    pub cltv_delta: u16,
    /// `htlc_minimum_msat`.
    pub htlc_min: Msat,
    /// `htlc_maximum_msat`.
    pub htlc_max: Msat,
}

/// A channel the builder or graph does not know.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct UnknownChannel {
    /// The channel asked for.
    pub scid: ShortChannelId,
}

impl fmt::Display for UnknownChannel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unknown channel {}", self.scid)
    }
}

impl std::error::Error for UnknownChannel {}

/// A node of a [`Graph`] snapshot: an index into its dense node arrays.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct NodeIdx(pub u32);

/// A directed edge of a [`Graph`] snapshot: an index into [`Graph::edges`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct EdgeIdx(pub u32);

/// One direction of a channel in a snapshot: what a pathfinder reads on every relaxation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Edge {
    /// `htlc_minimum_msat`.
    pub htlc_min: Msat,
    /// The most one HTLC may carry: `htlc_maximum_msat`, capped by the channel capacity when
    /// it is known.
    pub htlc_max: Msat,
    /// The channel.
    pub scid: ShortChannelId,
    /// The node that forwards over this edge (and charges its fee).
    pub src: NodeIdx,
    /// The node at the far end.
    pub dst: NodeIdx,
    /// `fee_base_msat`.
    pub base_fee_msat: u32,
    /// `fee_proportional_millionths`.
    pub fee_ppm: u32,
    /// `cltv_expiry_delta`.
    pub cltv_delta: u16,
    /// 0 from the lesser node id to the greater, 1 the other way.
    pub direction: u8,
    /// False when the policy's disable bit is set.
    pub enabled: bool,
}

impl Edge {
    /// The fee this edge's source charges to forward `amount` over it:
    /// `base + amount * ppm / 1_000_000` (BOLT 7), saturating.
    #[inline]
    pub fn fee(&self, amount: Msat) -> Msat {
        Msat(self.base_fee_msat as u64).saturating_add(amount.mul_ppm(self.fee_ppm))
    }
}

/// What a snapshot keeps of an edge beyond the hot fields of [`Edge`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct EdgeCold {
    timestamp: u32,
    htlc_max_advertised: Msat,
}

/// A channel of a snapshot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Channel {
    /// Its short channel id.
    pub scid: ShortChannelId,
    /// The lesser node id (`node_id_1` of BOLT 7).
    pub node1: NodeIdx,
    /// The greater node id.
    pub node2: NodeIdx,
    /// The capacity, when known.
    pub capacity: Option<Msat>,
    /// Its edge in each direction, when that direction has a policy.
    pub edges: [Option<EdgeIdx>; 2],
}

/// An immutable snapshot of the channel graph, shared by readers through an [`Arc`].
#[derive(Debug, Clone, Default)]
pub struct Graph {
    nodes: Vec<NodeId>,
    node_index: HashMap<NodeId, NodeIdx>,
    channels: Vec<Channel>,
    channel_index: HashMap<ShortChannelId, u32>,
    /// Sorted by `dst`: the incoming edges of node `v` are `edges[in_start[v]..in_start[v+1]]`.
    edges: Vec<Edge>,
    cold: Vec<EdgeCold>,
    in_start: Vec<u32>,
    out_start: Vec<u32>,
    out_edges: Vec<EdgeIdx>,
    /// What a knowledge snapshot starts from, computed on first use ([`Graph::prior_layout`])
    /// and forgotten by [`Graph::set_policy`].
    prior: OnceLock<PriorLayout>,
    /// Per amount class, the fee lower bounds of [`Graph::landmarks`], computed on first use
    /// and forgotten by [`Graph::set_policy`].
    landmarks: [OnceLock<landmarks::Landmarks>; landmarks::CLASSES],
}

/// Per edge of one [`Graph`], what is known before anything is learned: the liquidity
/// spanning the channel capacity (else the edge's `htlc_max`) and whether the edge is enabled.
/// Knowledge snapshots copy it and apply what was learned over it.
#[derive(Debug, Clone, Default)]
pub struct PriorLayout {
    /// Liquidity per [`EdgeIdx`], nothing learned.
    pub edges: Vec<crate::probability::Liquidity>,
    /// Whether each edge's policy enables it.
    pub enabled: Vec<bool>,
}

impl Graph {
    /// The per-edge prior every knowledge snapshot of this graph starts from; computed once per
    /// graph (and again after [`Graph::set_policy`]).
    pub fn prior_layout(&self) -> &PriorLayout {
        self.prior.get_or_init(|| {
            let mut edges: Vec<crate::probability::Liquidity> = self
                .edges
                .iter()
                .map(|e| crate::probability::Liquidity::unknown(e.htlc_max.0))
                .collect();
            for c in &self.channels {
                let Some(cap) = c.capacity else { continue };
                for e in c.edges.iter().flatten() {
                    if let Some(l) = edges.get_mut(e.0 as usize) {
                        *l = crate::probability::Liquidity::unknown(cap.0);
                    }
                }
            }
            PriorLayout { edges, enabled: self.edges.iter().map(|e| e.enabled).collect() }
        })
    }

    /// Lower bounds of the fees between any two nodes for amounts of at least `amount`
    /// (from its class: 0, else the power of ten at or below it, from 1,000 to 10^11 msat),
    /// by landmarks (see [`landmarks`]). Computed once per class and graph, in a few
    /// Dijkstras over the whole graph, and again after [`Graph::set_policy`].
    pub fn landmarks(&self, amount: u64) -> &landmarks::Landmarks {
        let (floor, i) = landmarks::class_of(amount);
        let slot = &self.landmarks[i.min(landmarks::CLASSES - 1)];
        slot.get_or_init(|| landmarks::Landmarks::new(self, floor))
    }

    /// The number of nodes.
    pub fn node_count(&self) -> usize {
        self.nodes.len()
    }

    /// The number of channels.
    pub fn channel_count(&self) -> usize {
        self.channels.len()
    }

    /// The number of directed edges (directions with a policy, enabled or not).
    pub fn edge_count(&self) -> usize {
        self.edges.len()
    }

    /// Every node id, indexed by [`NodeIdx`] (sorted by bytes).
    pub fn node_ids(&self) -> &[NodeId] {
        &self.nodes
    }

    /// The id of node `n`.
    pub fn node_id(&self, n: NodeIdx) -> Option<&NodeId> {
        self.nodes.get(n.0 as usize)
    }

    /// The index of a node id.
    pub fn node_index(&self, id: &NodeId) -> Option<NodeIdx> {
        self.node_index.get(id).copied()
    }

    /// Every directed edge, indexed by [`EdgeIdx`] and sorted by destination.
    pub fn edges(&self) -> &[Edge] {
        &self.edges
    }

    /// Edge `e`.
    pub fn edge(&self, e: EdgeIdx) -> Option<&Edge> {
        self.edges.get(e.0 as usize)
    }

    /// The `channel_update` timestamp of edge `e`.
    pub fn edge_timestamp(&self, e: EdgeIdx) -> Option<u32> {
        self.cold.get(e.0 as usize).map(|c| c.timestamp)
    }

    /// The indices of the edges that end at node `n` (a contiguous range of [`Graph::edges`]).
    pub fn incoming_range(&self, n: NodeIdx) -> Range<usize> {
        let i = n.0 as usize;
        match (self.in_start.get(i), self.in_start.get(i + 1)) {
            (Some(&a), Some(&b)) => a as usize..b as usize,
            _ => 0..0,
        }
    }

    /// The edges that end at node `n`.
    pub fn incoming(&self, n: NodeIdx) -> &[Edge] {
        self.edges.get(self.incoming_range(n)).unwrap_or(&[])
    }

    /// The edges that start at node `n`.
    pub fn outgoing(&self, n: NodeIdx) -> &[EdgeIdx] {
        let i = n.0 as usize;
        match (self.out_start.get(i), self.out_start.get(i + 1)) {
            (Some(&a), Some(&b)) => self.out_edges.get(a as usize..b as usize).unwrap_or(&[]),
            _ => &[],
        }
    }

    /// Every channel, sorted by short channel id.
    pub fn channels(&self) -> &[Channel] {
        &self.channels
    }

    /// The channel `scid`.
    pub fn channel(&self, scid: ShortChannelId) -> Option<&Channel> {
        self.channel_index.get(&scid).and_then(|&c| self.channels.get(c as usize))
    }

    /// The edge of channel `scid` in `direction` (0 or 1), when it has a policy.
    pub fn edge_of(&self, scid: ShortChannelId, direction: u8) -> Option<EdgeIdx> {
        let c = self.channel(scid)?;
        *c.edges.get(direction as usize)?
    }

    /// Sets the policy of an existing edge in place (what [`GraphBuilder::build`] would give
    /// after [`GraphBuilder::update_direction`], without rebuilding the snapshot): the hot
    /// fields, the timestamp and the advertised `htlc_maximum_msat`, capped by the channel's
    /// capacity as `build` caps it. False, and no change, when the channel has no edge in that
    /// direction (adding one needs a build). For a graph behind an `Arc`, use it through
    /// `Arc::make_mut`: readers of the old snapshot keep theirs.
    pub fn set_policy(&mut self, scid: ShortChannelId, direction: u8, policy: EdgePolicy) -> bool {
        let Some(c) = self.channel(scid).copied() else { return false };
        let Some(e) = c.edges.get((direction & 1) as usize).copied().flatten() else {
            return false;
        };
        let (Some(edge), Some(cold)) =
            (self.edges.get_mut(e.0 as usize), self.cold.get_mut(e.0 as usize))
        else {
            return false;
        };
        edge.enabled = policy.enabled;
        edge.base_fee_msat = policy.base_fee_msat;
        edge.fee_ppm = policy.fee_ppm;
        edge.cltv_delta = policy.cltv_delta;
        edge.htlc_min = policy.htlc_min;
        edge.htlc_max = c.capacity.map_or(policy.htlc_max, |cap| policy.htlc_max.min(cap));
        *cold = EdgeCold { timestamp: policy.timestamp, htlc_max_advertised: policy.htlc_max };
        // The prior layout changes in this edge only: patched in place rather than laid out
        // again for every edge at the next snapshot (a payer patches one per failure).
        let prior_span = c.capacity.map_or(edge.htlc_max.0, |cap| cap.0);
        if let Some(prior) = self.prior.get_mut() {
            if let Some(l) = prior.edges.get_mut(e.0 as usize) {
                *l = crate::probability::Liquidity::unknown(prior_span);
            }
            if let Some(u) = prior.enabled.get_mut(e.0 as usize) {
                *u = policy.enabled;
            }
        }
        self.landmarks = Default::default();
        true
    }

    /// The policy of edge `e` as a `channel_update` gave it.
    pub fn edge_policy(&self, e: EdgeIdx) -> Option<EdgePolicy> {
        let edge = self.edge(e)?;
        let cold = self.cold.get(e.0 as usize)?;
        Some(EdgePolicy {
            timestamp: cold.timestamp,
            enabled: edge.enabled,
            base_fee_msat: edge.base_fee_msat,
            fee_ppm: edge.fee_ppm,
            cltv_delta: edge.cltv_delta,
            htlc_min: edge.htlc_min,
            htlc_max: cold.htlc_max_advertised,
        })
    }
}

/// What the builder keeps per channel.
#[derive(Debug, Clone, Copy)]
struct ChannelEntry {
    node1: NodeId,
    node2: NodeId,
    capacity: Option<Msat>,
    policies: [Option<EdgePolicy>; 2],
}

/// A mutable channel graph: applies changes in O(1) each and publishes immutable snapshots.
#[derive(Debug, Clone, Default)]
pub struct GraphBuilder {
    channels: HashMap<ShortChannelId, ChannelEntry>,
}

impl GraphBuilder {
    /// An empty builder.
    pub fn new() -> Self {
        GraphBuilder::default()
    }

    /// A builder holding everything in snapshot `g`.
    pub fn from_graph(g: &Graph) -> Self {
        let mut channels = HashMap::with_capacity(g.channels.len());
        for c in &g.channels {
            let (Some(&node1), Some(&node2)) = (g.node_id(c.node1), g.node_id(c.node2)) else {
                continue;
            };
            let policies = c.edges.map(|e| e.and_then(|e| g.edge_policy(e)));
            channels.insert(c.scid, ChannelEntry { node1, node2, capacity: c.capacity, policies });
        }
        GraphBuilder { channels }
    }

    /// The number of channels known.
    pub fn channel_count(&self) -> usize {
        self.channels.len()
    }

    /// Adds a channel if unknown (no-op returning false if the scid exists).
    /// `capacity` None = unknown. The two node ids may come in either order: they are stored
    /// as BOLT 7 orders them (`node1 < node2` by bytes). A channel from a node to itself is
    /// refused (returns false).
    pub fn add_channel(
        &mut self,
        scid: ShortChannelId,
        node1: NodeId,
        node2: NodeId,
        capacity: Option<Msat>,
    ) -> bool {
        if node1 == node2 || self.channels.contains_key(&scid) {
            return false;
        }
        let (node1, node2) = if node1 < node2 { (node1, node2) } else { (node2, node1) };
        self.channels.insert(scid, ChannelEntry { node1, node2, capacity, policies: [None, None] });
        true
    }

    /// Sets one direction's policy unconditionally (the caller checks timestamps).
    /// `direction` 0 is from node1 (the lesser id) to node2; any other value than 0 or 1 is
    /// treated as 1's bit (`direction & 1`), as `channel_flags` carries it.
    pub fn update_direction(
        &mut self,
        scid: ShortChannelId,
        direction: u8,
        policy: EdgePolicy,
    ) -> Result<(), UnknownChannel> {
        let entry = self.channels.get_mut(&scid).ok_or(UnknownChannel { scid })?;
        entry.policies[(direction & 1) as usize] = Some(policy);
        Ok(())
    }

    /// Sets a channel's capacity. Err if scid unknown.
    pub fn set_capacity(
        &mut self,
        scid: ShortChannelId,
        capacity: Option<Msat>,
    ) -> Result<(), UnknownChannel> {
        let entry = self.channels.get_mut(&scid).ok_or(UnknownChannel { scid })?;
        entry.capacity = capacity;
        Ok(())
    }

    /// The two node ids of a channel, lesser first.
    pub fn channel_nodes(&self, scid: ShortChannelId) -> Option<(NodeId, NodeId)> {
        self.channels.get(&scid).map(|c| (c.node1, c.node2))
    }

    /// The capacity of a channel: `None` if the channel is unknown, `Some(None)` if its
    /// capacity is.
    pub fn channel_capacity(&self, scid: ShortChannelId) -> Option<Option<Msat>> {
        self.channels.get(&scid).map(|c| c.capacity)
    }

    /// One direction's policy, when the channel is known and that direction has one.
    pub fn direction_policy(&self, scid: ShortChannelId, direction: u8) -> Option<&EdgePolicy> {
        self.channels.get(&scid)?.policies[(direction & 1) as usize].as_ref()
    }

    /// What an importer does with one direction of a channel, in one lookup: adds the channel
    /// (`node1 < node2`, already checked distinct) when unknown, fills in its capacity when
    /// that was unknown, and sets the policy unless the one held is newer. Err (and no
    /// change) when the channel is known with other nodes.
    #[cfg(feature = "json")]
    pub(crate) fn import_direction(
        &mut self,
        scid: ShortChannelId,
        nodes: (NodeId, NodeId),
        capacity: Option<Msat>,
        direction: u8,
        policy: EdgePolicy,
    ) -> Result<(), UnknownChannel> {
        let entry = self.channels.entry(scid).or_insert(ChannelEntry {
            node1: nodes.0,
            node2: nodes.1,
            capacity,
            policies: [None, None],
        });
        if (entry.node1, entry.node2) != nodes {
            return Err(UnknownChannel { scid });
        }
        if entry.capacity.is_none() {
            entry.capacity = capacity;
        }
        let slot = &mut entry.policies[(direction & 1) as usize];
        if slot.map_or(true, |p| p.timestamp <= policy.timestamp) {
            *slot = Some(policy);
        }
        Ok(())
    }

    /// Removes a channel; false if it was unknown.
    pub fn remove_channel(&mut self, scid: ShortChannelId) -> bool {
        self.channels.remove(&scid).is_some()
    }

    /// Publishes an immutable snapshot of the current state. Nodes are numbered in byte order
    /// of their ids and channels in scid order, so equal states give identical snapshots.
    pub fn build(&self) -> Arc<Graph> {
        let mut entries: Vec<(ShortChannelId, &ChannelEntry)> =
            self.channels.iter().map(|(s, c)| (*s, c)).collect();
        entries.sort_unstable_by_key(|&(s, _)| s);

        let mut nodes: Vec<NodeId> = Vec::with_capacity(self.channels.len());
        for c in self.channels.values() {
            nodes.push(c.node1);
            nodes.push(c.node2);
        }
        nodes.sort_unstable();
        nodes.dedup();
        let node_index: HashMap<NodeId, NodeIdx> =
            nodes.iter().enumerate().map(|(i, n)| (*n, NodeIdx(i as u32))).collect();
        let idx = |n: &NodeId| node_index.get(n).copied().unwrap_or(NodeIdx(0));

        // Count incoming edges per node, then place each edge at its destination's slot.
        let n = nodes.len();
        let mut in_start = vec![0u32; n + 1];
        let mut channels = Vec::with_capacity(entries.len());
        let mut pending: Vec<(Edge, EdgeCold, u32)> = Vec::with_capacity(entries.len() * 2);
        for (ci, (scid, c)) in entries.iter().enumerate() {
            let (n1, n2) = (idx(&c.node1), idx(&c.node2));
            channels.push(Channel {
                scid: *scid,
                node1: n1,
                node2: n2,
                capacity: c.capacity,
                edges: [None, None],
            });
            for (dir, policy) in c.policies.iter().enumerate() {
                let Some(p) = policy else { continue };
                let (src, dst) = if dir == 0 { (n1, n2) } else { (n2, n1) };
                let htlc_max = match c.capacity {
                    Some(cap) => p.htlc_max.min(cap),
                    None => p.htlc_max,
                };
                let edge = Edge {
                    htlc_min: p.htlc_min,
                    htlc_max,
                    scid: *scid,
                    src,
                    dst,
                    base_fee_msat: p.base_fee_msat,
                    fee_ppm: p.fee_ppm,
                    cltv_delta: p.cltv_delta,
                    direction: dir as u8,
                    enabled: p.enabled,
                };
                let cold = EdgeCold { timestamp: p.timestamp, htlc_max_advertised: p.htlc_max };
                if let Some(slot) = in_start.get_mut(dst.0 as usize + 1) {
                    *slot += 1;
                }
                pending.push((edge, cold, ci as u32));
            }
        }
        for i in 0..n {
            in_start[i + 1] += in_start[i];
        }
        let mut fill: Vec<u32> = in_start[..n].to_vec();
        let placeholder = Edge {
            htlc_min: Msat::ZERO,
            htlc_max: Msat::ZERO,
            scid: ShortChannelId(0),
            src: NodeIdx(0),
            dst: NodeIdx(0),
            base_fee_msat: 0,
            fee_ppm: 0,
            cltv_delta: 0,
            direction: 0,
            enabled: false,
        };
        let mut edges = vec![placeholder; pending.len()];
        let mut cold =
            vec![EdgeCold { timestamp: 0, htlc_max_advertised: Msat::ZERO }; pending.len()];
        for (edge, c, ci) in pending {
            let d = edge.dst.0 as usize;
            let pos = fill[d] as usize;
            fill[d] += 1;
            if let Some(ch) = channels.get_mut(ci as usize) {
                ch.edges[edge.direction as usize] = Some(EdgeIdx(pos as u32));
            }
            edges[pos] = edge;
            cold[pos] = c;
        }
        let (out_start, out_edges) = outgoing_csr(n, &edges);
        let channel_index = channels.iter().enumerate().map(|(i, c)| (c.scid, i as u32)).collect();
        Arc::new(Graph {
            nodes,
            node_index,
            channels,
            channel_index,
            edges,
            cold,
            in_start,
            out_start,
            out_edges,
            prior: OnceLock::new(),
            landmarks: Default::default(),
        })
    }
}

/// The outgoing adjacency of `edges` over `n` nodes: `out_start` (the edges out of node `v`
/// are `out_edges[out_start[v]..out_start[v + 1]]`) and `out_edges`, in edge order per node.
/// Every edge's source must be below `n`; one that is not is left out.
fn outgoing_csr(n: usize, edges: &[Edge]) -> (Vec<u32>, Vec<EdgeIdx>) {
    let mut out_start = vec![0u32; n + 1];
    for e in edges {
        if let Some(c) = out_start.get_mut(e.src.0 as usize + 1) {
            *c += 1;
        }
    }
    for i in 0..n {
        out_start[i + 1] += out_start[i];
    }
    let mut fill: Vec<u32> = out_start[..n].to_vec();
    let mut out_edges = vec![EdgeIdx(0); out_start[n] as usize];
    for (i, e) in edges.iter().enumerate() {
        let Some(f) = fill.get_mut(e.src.0 as usize) else { continue };
        if let Some(slot) = out_edges.get_mut(*f as usize) {
            *slot = EdgeIdx(i as u32);
        }
        *f += 1;
    }
    (out_start, out_edges)
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::test_util::node;

    fn policy(base: u32) -> EdgePolicy {
        EdgePolicy {
            timestamp: 1,
            enabled: true,
            base_fee_msat: base,
            fee_ppm: 10,
            cltv_delta: 40,
            htlc_min: Msat(1),
            htlc_max: Msat(1_000_000),
        }
    }

    #[test]
    fn set_policy_in_place_equals_a_rebuild() {
        let mut b = GraphBuilder::new();
        let (s1, s2) = (ShortChannelId(1), ShortChannelId(2));
        b.add_channel(s1, node(9), node(3), Some(Msat(500_000)));
        b.add_channel(s2, node(3), node(5), None);
        b.update_direction(s1, 0, policy(1)).unwrap();
        b.update_direction(s1, 1, policy(2)).unwrap();
        b.update_direction(s2, 1, policy(3)).unwrap();
        let mut g = (*b.build()).clone();
        let changed = EdgePolicy {
            timestamp: 9,
            enabled: false,
            base_fee_msat: 77,
            fee_ppm: 1234,
            cltv_delta: 144,
            htlc_min: Msat(5),
            htlc_max: Msat(2_000_000),
        };
        // The prior layout, laid out before, is patched with the edge (s2 has no capacity:
        // its prior spans the new htlc_max).
        assert!(g.prior_layout().enabled.iter().all(|&e| e));
        for (scid, dir) in [(s1, 1u8), (s2, 1)] {
            assert!(g.set_policy(scid, dir, changed));
            b.update_direction(scid, dir, changed).unwrap();
            let rebuilt = b.build();
            assert_eq!(g.edges(), rebuilt.edges());
            let (patched, laid_out) = (g.prior_layout(), rebuilt.prior_layout());
            assert_eq!(patched.edges, laid_out.edges, "{scid:?}/{dir}");
            assert_eq!(patched.enabled, laid_out.enabled, "{scid:?}/{dir}");
            let e = g.edge_of(scid, dir).unwrap();
            assert_eq!(g.edge_policy(e), rebuilt.edge_policy(e));
        }
        // The capacity still caps the edge; a direction without an edge is left to a build.
        assert_eq!(g.edge(g.edge_of(s1, 1).unwrap()).unwrap().htlc_max, Msat(500_000));
        let before = g.edges().to_vec();
        assert!(!g.set_policy(s2, 0, changed));
        assert!(!g.set_policy(ShortChannelId(8), 0, changed));
        assert_eq!(g.edges(), &before[..]);
    }

    #[test]
    fn builder_orders_nodes_and_builds_csr() {
        let mut b = GraphBuilder::new();
        let s1 = ShortChannelId(1);
        let s2 = ShortChannelId(2);
        assert!(b.add_channel(s1, node(9), node(3), Some(Msat(500_000))));
        assert!(!b.add_channel(s1, node(1), node(3), None));
        assert!(!b.add_channel(ShortChannelId(7), node(1), node(1), None));
        assert!(b.add_channel(s2, node(3), node(5), None));
        assert_eq!(b.channel_nodes(s1), Some((node(3), node(9))));
        assert_eq!(
            b.update_direction(ShortChannelId(3), 0, policy(1)),
            Err(UnknownChannel { scid: ShortChannelId(3) })
        );
        b.update_direction(s1, 0, policy(1)).unwrap();
        b.update_direction(s1, 1, policy(2)).unwrap();
        b.update_direction(s2, 1, policy(3)).unwrap();
        assert_eq!(b.direction_policy(s1, 1).map(|p| p.base_fee_msat), Some(2));
        assert!(b.direction_policy(s2, 0).is_none());

        let g = b.build();
        assert_eq!((g.node_count(), g.channel_count(), g.edge_count()), (3, 2, 3));
        assert_eq!(g.node_ids(), &[node(3), node(5), node(9)]);
        let n3 = g.node_index(&node(3)).unwrap();
        let n9 = g.node_index(&node(9)).unwrap();
        // Incoming of node 3: s1 dir 1 (9 -> 3) and s2 dir 1 (5 -> 3).
        let inc: Vec<_> = g.incoming(n3).iter().map(|e| (e.scid, e.direction)).collect();
        assert_eq!(inc, vec![(s1, 1), (s2, 1)]);
        assert_eq!(g.outgoing(n3).len(), 1);
        let e = g.edge_of(s1, 0).unwrap();
        let edge = g.edge(e).unwrap();
        assert_eq!((edge.src, edge.dst), (n3, n9));
        // Capacity caps htlc_max; the advertised value survives in the policy.
        assert_eq!(edge.htlc_max, Msat(500_000));
        assert_eq!(g.edge_policy(e).unwrap().htlc_max, Msat(1_000_000));
        assert_eq!(g.edge_of(s2, 0), None);

        let b2 = GraphBuilder::from_graph(&g);
        assert_eq!(b2.direction_policy(s1, 0), Some(&policy(1)));
        assert_eq!(b2.channel_capacity(s1), Some(Some(Msat(500_000))));
        let g2 = b2.build();
        assert_eq!(g2.edges(), g.edges());

        let mut b3 = b2.clone();
        assert!(b3.remove_channel(s1));
        assert!(!b3.remove_channel(s1));
        let g3 = b3.build();
        assert_eq!((g3.node_count(), g3.edge_count()), (2, 1));
        assert_eq!(g3.incoming(NodeIdx(99)), &[]);
    }

    /// A channel known from gossip alone (capacity unknown) later learns its capacity from
    /// the chain: the liquidity prior then spans the capacity, while each HTLC stays capped
    /// by the advertised `htlc_max`.
    #[test]
    fn a_capacity_set_after_gossip_bounds_liquidity_not_each_htlc() {
        use crate::knowledge::{edge_capacity, Knowledge, KnowledgeConfig};
        let s = ShortChannelId(42);
        let mut b = GraphBuilder::new();
        assert!(b.add_channel(s, node(3), node(9), None));
        b.update_direction(s, 0, policy(1)).unwrap();
        b.update_direction(s, 1, policy(2)).unwrap();
        let before = b.build();
        let e = before.edge_of(s, 0).unwrap();
        let edge = *before.edge(e).unwrap();
        assert_eq!(edge_capacity(&before, &edge), 1_000_000, "htlc_max stands in for it");

        assert_eq!(
            b.set_capacity(ShortChannelId(43), Some(Msat(9))),
            Err(UnknownChannel { scid: ShortChannelId(43) })
        );
        b.set_capacity(s, Some(Msat(250_000_000))).unwrap();
        assert_eq!(b.channel_capacity(s), Some(Some(Msat(250_000_000))));
        let g = b.build();
        assert_eq!(g.channel(s).and_then(|c| c.capacity), Some(Msat(250_000_000)));
        for d in 0..2 {
            let e = g.edge_of(s, d).unwrap();
            let edge = *g.edge(e).unwrap();
            assert_eq!(edge.htlc_max, Msat(1_000_000), "direction {d}");
            assert_eq!(edge_capacity(&g, &edge), 250_000_000, "direction {d}");
            let snap = Knowledge::new(KnowledgeConfig::default()).snapshot(&g, 0);
            let l = snap.liquidity(e);
            assert_eq!((l.lo, l.hi, l.capacity), (0, 250_000_000, 250_000_000), "direction {d}");
        }
    }

    #[test]
    fn edge_fee_is_bolt7() {
        let e = Edge {
            htlc_min: Msat(0),
            htlc_max: Msat(u64::MAX),
            scid: ShortChannelId(0),
            src: NodeIdx(0),
            dst: NodeIdx(1),
            base_fee_msat: 200,
            fee_ppm: 2000,
            cltv_delta: 20,
            direction: 0,
            enabled: true,
        };
        assert_eq!(e.fee(Msat(4_999_999)), Msat(10_199));
    }
}
