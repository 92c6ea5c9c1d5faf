//! A compact binary snapshot of a [`Graph`], for a node to keep its verified graph on disk and
//! have it ready at start in milliseconds instead of reading and verifying gossip again.
//!
//! The snapshot holds the graph's state, not its derived indexes: the node ids in their
//! order, the channels in scid order, and every directed edge in the graph's own order (by
//! destination). Reading rebuilds the adjacency ranges and lookups in one pass and checks
//! everything a search relies on, so a snapshot that reads is a graph equal to the one
//! written (`read(&write(g))` has the same nodes, channels, edges and policies). It is not a
//! gossip store: signatures are not kept, so only a graph that was verified when it was built
//! should be written.
//!
//! Layout, all integers little-endian:
//!
//! | bytes | field |
//! |---|---|
//! | 8 | magic `LNPAYGRF` |
//! | 4 | version (1) |
//! | 4 + 4 + 4 | node, channel and edge counts |
//! | 33 each | node ids, strictly increasing |
//! | 25 each | channels: scid (8), node1 (4), node2 (4), capacity known (1), capacity (8) |
//! | 36 each | edges: channel index (4), direction (1), enabled (1), base fee (4), ppm (4), CLTV delta (2), `htlc_minimum_msat` (8), `htlc_maximum_msat` as announced (8), timestamp (4) |
//! | 8 | checksum of everything before it |
//!
//! A snapshot that is truncated, has trailing bytes, another magic or version, a checksum
//! that does not match, or contents that do not make a graph is refused with a
//! [`SnapshotError`] naming what and where.

use super::{Channel, Edge, EdgeCold, EdgeIdx, Graph, NodeIdx};
use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, OnceLock};
use types::{Msat, NodeId, ShortChannelId};

/// The first eight bytes of every snapshot.
pub const MAGIC: [u8; 8] = *b"LNPAYGRF";
/// The version this code writes and reads.
pub const VERSION: u32 = 1;

const HEADER_LEN: usize = 8 + 4 + 12;
const NODE_LEN: usize = 33;
const CHANNEL_LEN: usize = 25;
const EDGE_LEN: usize = 36;
const CHECKSUM_LEN: usize = 8;

/// Why a snapshot was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SnapshotError {
    /// The bytes do not start with [`MAGIC`].
    Magic {
        /// The first bytes found (fewer when the input is shorter).
        found: Vec<u8>,
    },
    /// A version this code does not read.
    Version {
        /// The version found.
        version: u32,
    },
    /// The length does not match the counts in the header.
    Length {
        /// The length the header's counts call for.
        expected: u64,
        /// The length found.
        found: u64,
    },
    /// The checksum does not match the contents: the snapshot is corrupt.
    Checksum {
        /// The checksum stored in the snapshot.
        stored: u64,
        /// The checksum of the contents.
        computed: u64,
    },
    /// A record whose contents are not a graph (an index out of range, records out of
    /// order, a node id that is not one).
    Invalid {
        /// The kind of record: `node`, `channel` or `edge`.
        record: &'static str,
        /// Its position in its section.
        index: u64,
        /// What is wrong with it.
        reason: &'static str,
    },
}

impl fmt::Display for SnapshotError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SnapshotError::Magic { found } => {
                write!(f, "not a graph snapshot: starts with ")?;
                found.iter().try_for_each(|b| write!(f, "{b:02x}"))
            }
            SnapshotError::Version { version } => {
                write!(f, "graph snapshot version {version} is not supported (only {VERSION})")
            }
            SnapshotError::Length { expected, found } => {
                write!(f, "graph snapshot of {found} bytes, its header calls for {expected}")
            }
            SnapshotError::Checksum { stored, computed } => write!(
                f,
                "graph snapshot is corrupt: checksum {stored:016x} stored, {computed:016x} computed"
            ),
            SnapshotError::Invalid { record, index, reason } => {
                write!(f, "graph snapshot {record} {index}: {reason}")
            }
        }
    }
}

impl std::error::Error for SnapshotError {}

/// The checksum a snapshot ends with, of all its bytes before it: a 64-bit multiply-xorshift
/// hash over 8-byte words (the length mixed in first). Every step is a bijection of the state, so any change of a
/// single word is always detected; it guards against corruption, not against forgery.
pub fn checksum(bytes: &[u8]) -> u64 {
    const K: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut h = 0xcbf2_9ce4_8422_2325u64 ^ (bytes.len() as u64).wrapping_mul(K);
    let mut words = bytes.chunks_exact(8);
    for w in &mut words {
        let mut a = [0u8; 8];
        a.copy_from_slice(w);
        h = (h ^ u64::from_le_bytes(a)).wrapping_mul(K);
        h ^= h >> 29;
    }
    let rest = words.remainder();
    if !rest.is_empty() {
        let mut a = [0u8; 8];
        a[..rest.len()].copy_from_slice(rest);
        h = (h ^ u64::from_le_bytes(a)).wrapping_mul(K);
        h ^= h >> 29;
    }
    h
}

/// The snapshot of `graph`.
pub fn write(graph: &Graph) -> Vec<u8> {
    let (n, c, e) = (graph.nodes.len(), graph.channels.len(), graph.edges.len());
    let mut out =
        Vec::with_capacity(HEADER_LEN + n * NODE_LEN + c * CHANNEL_LEN + e * EDGE_LEN + 8);
    out.extend_from_slice(&MAGIC);
    out.extend_from_slice(&VERSION.to_le_bytes());
    for count in [n, c, e] {
        out.extend_from_slice(&(count as u32).to_le_bytes());
    }
    for id in &graph.nodes {
        out.extend_from_slice(id.as_bytes());
    }
    for ch in &graph.channels {
        out.extend_from_slice(&ch.scid.0.to_le_bytes());
        out.extend_from_slice(&ch.node1.0.to_le_bytes());
        out.extend_from_slice(&ch.node2.0.to_le_bytes());
        out.push(u8::from(ch.capacity.is_some()));
        out.extend_from_slice(&ch.capacity.map_or(0, |m| m.0).to_le_bytes());
    }
    for (edge, cold) in graph.edges.iter().zip(&graph.cold) {
        let channel = graph.channel_index.get(&edge.scid).copied().unwrap_or(u32::MAX);
        out.extend_from_slice(&channel.to_le_bytes());
        out.push(edge.direction);
        out.push(u8::from(edge.enabled));
        out.extend_from_slice(&edge.base_fee_msat.to_le_bytes());
        out.extend_from_slice(&edge.fee_ppm.to_le_bytes());
        out.extend_from_slice(&edge.cltv_delta.to_le_bytes());
        out.extend_from_slice(&edge.htlc_min.0.to_le_bytes());
        out.extend_from_slice(&cold.htlc_max_advertised.0.to_le_bytes());
        out.extend_from_slice(&cold.timestamp.to_le_bytes());
    }
    let sum = checksum(&out);
    out.extend_from_slice(&sum.to_le_bytes());
    out
}

/// A little-endian reader over a slice whose length was checked up front.
struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take<const N: usize>(&mut self) -> [u8; N] {
        let mut a = [0u8; N];
        if let (Some(head), Some(rest)) = (self.0.get(..N), self.0.get(N..)) {
            a.copy_from_slice(head);
            self.0 = rest;
        }
        a
    }
    fn u8(&mut self) -> u8 {
        self.take::<1>()[0]
    }
    fn u16(&mut self) -> u16 {
        u16::from_le_bytes(self.take())
    }
    fn u32(&mut self) -> u32 {
        u32::from_le_bytes(self.take())
    }
    fn u64(&mut self) -> u64 {
        u64::from_le_bytes(self.take())
    }
}

/// Reads a snapshot back into a graph.
pub fn read(bytes: &[u8]) -> Result<Arc<Graph>, SnapshotError> {
    if bytes.get(..8) != Some(&MAGIC[..]) {
        return Err(SnapshotError::Magic { found: bytes.iter().take(8).copied().collect() });
    }
    if bytes.len() < HEADER_LEN + CHECKSUM_LEN {
        let expected = (HEADER_LEN + CHECKSUM_LEN) as u64;
        return Err(SnapshotError::Length { expected, found: bytes.len() as u64 });
    }
    let mut r = Reader(&bytes[8..]);
    let version = r.u32();
    if version != VERSION {
        return Err(SnapshotError::Version { version });
    }
    let (n, c, e) = (r.u32() as u64, r.u32() as u64, r.u32() as u64);
    let expected = HEADER_LEN as u64
        + n * NODE_LEN as u64
        + c * CHANNEL_LEN as u64
        + e * EDGE_LEN as u64
        + CHECKSUM_LEN as u64;
    if bytes.len() as u64 != expected {
        return Err(SnapshotError::Length { expected, found: bytes.len() as u64 });
    }
    let (body, stored) = bytes.split_at(bytes.len() - CHECKSUM_LEN);
    let stored = Reader(stored).u64();
    let computed = checksum(body);
    if stored != computed {
        return Err(SnapshotError::Checksum { stored, computed });
    }
    // The counts fit in memory: the length check tied them to the bytes we hold.
    let (n, c, e) = (n as usize, c as usize, e as usize);
    let invalid = |record, index: usize, reason| SnapshotError::Invalid {
        record,
        index: index as u64,
        reason,
    };

    let mut nodes: Vec<NodeId> = Vec::with_capacity(n);
    for i in 0..n {
        let id = NodeId::from_array(r.take::<NODE_LEN>())
            .map_err(|_| invalid("node", i, "not a node id"))?;
        if nodes.last().is_some_and(|last| *last >= id) {
            return Err(invalid("node", i, "node ids out of order"));
        }
        nodes.push(id);
    }

    let mut channels: Vec<Channel> = Vec::with_capacity(c);
    for i in 0..c {
        let scid = ShortChannelId(r.u64());
        let (node1, node2) = (r.u32(), r.u32());
        let known = r.u8();
        let capacity = r.u64();
        if channels.last().is_some_and(|last| last.scid >= scid) {
            return Err(invalid("channel", i, "short channel ids out of order"));
        }
        if node1 >= node2 || node2 as usize >= n {
            return Err(invalid("channel", i, "nodes out of range or out of order"));
        }
        let capacity = match known {
            0 if capacity == 0 => None,
            1 => Some(Msat(capacity)),
            _ => return Err(invalid("channel", i, "bad capacity field")),
        };
        channels.push(Channel {
            scid,
            node1: NodeIdx(node1),
            node2: NodeIdx(node2),
            capacity,
            edges: [None, None],
        });
    }

    let mut edges: Vec<Edge> = Vec::with_capacity(e);
    let mut cold: Vec<EdgeCold> = Vec::with_capacity(e);
    let mut in_start = vec![0u32; n + 1];
    for i in 0..e {
        let ci = r.u32() as usize;
        let direction = r.u8();
        let enabled = r.u8();
        let base_fee_msat = r.u32();
        let fee_ppm = r.u32();
        let cltv_delta = r.u16();
        let htlc_min = Msat(r.u64());
        let htlc_max_advertised = Msat(r.u64());
        let timestamp = r.u32();
        let Some(ch) = channels.get_mut(ci) else {
            return Err(invalid("edge", i, "channel out of range"));
        };
        if direction > 1 || enabled > 1 {
            return Err(invalid("edge", i, "bad direction or enabled flag"));
        }
        let slot = &mut ch.edges[direction as usize];
        if slot.is_some() {
            return Err(invalid("edge", i, "a second edge for one direction"));
        }
        *slot = Some(EdgeIdx(i as u32));
        let (src, dst) = if direction == 0 { (ch.node1, ch.node2) } else { (ch.node2, ch.node1) };
        if edges.last().is_some_and(|last| last.dst > dst) {
            return Err(invalid("edge", i, "edges not sorted by destination"));
        }
        let htlc_max = ch.capacity.map_or(htlc_max_advertised, |cap| htlc_max_advertised.min(cap));
        // In range: the channel's nodes were checked below `n`.
        in_start[dst.0 as usize + 1] += 1;
        edges.push(Edge {
            htlc_min,
            htlc_max,
            scid: ch.scid,
            src,
            dst,
            base_fee_msat,
            fee_ppm,
            cltv_delta,
            direction,
            enabled: enabled == 1,
        });
        cold.push(EdgeCold { timestamp, htlc_max_advertised });
    }

    for i in 0..n {
        in_start[i + 1] += in_start[i];
    }
    let (out_start, out_edges) = super::outgoing_csr(n, &edges);
    let node_index: HashMap<NodeId, NodeIdx> =
        nodes.iter().enumerate().map(|(i, id)| (*id, NodeIdx(i as u32))).collect();
    let channel_index: HashMap<ShortChannelId, u32> =
        channels.iter().enumerate().map(|(i, ch)| (ch.scid, i as u32)).collect();
    Ok(Arc::new(Graph {
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
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::{EdgePolicy, GraphBuilder};

    use crate::test_util::node;

    fn policy(ts: u32, base: u32, enabled: bool) -> EdgePolicy {
        EdgePolicy {
            timestamp: ts,
            enabled,
            base_fee_msat: base,
            fee_ppm: 100 + base,
            cltv_delta: 40,
            htlc_min: Msat(1_000),
            htlc_max: Msat(5_000_000),
        }
    }

    fn sample() -> Arc<Graph> {
        let mut b = GraphBuilder::new();
        b.add_channel(ShortChannelId(3), node(1), node(2), Some(Msat(4_000_000)));
        b.add_channel(ShortChannelId(1), node(2), node(3), None);
        b.add_channel(ShortChannelId(2), node(3), node(1), Some(Msat(9_000_000)));
        b.add_channel(ShortChannelId(4), node(4), node(1), None);
        b.update_direction(ShortChannelId(3), 0, policy(10, 1, true)).unwrap();
        b.update_direction(ShortChannelId(3), 1, policy(11, 2, false)).unwrap();
        b.update_direction(ShortChannelId(1), 1, policy(12, 3, true)).unwrap();
        b.update_direction(ShortChannelId(2), 0, policy(13, 4, true)).unwrap();
        b.build()
    }

    fn assert_same(a: &Graph, b: &Graph) {
        assert_eq!(a.nodes, b.nodes);
        assert_eq!(a.channels, b.channels);
        assert_eq!(a.edges, b.edges);
        assert_eq!(a.cold, b.cold);
        assert_eq!(a.in_start, b.in_start);
        assert_eq!(a.out_start, b.out_start);
        assert_eq!(a.out_edges, b.out_edges);
        for (i, id) in a.nodes.iter().enumerate() {
            assert_eq!(b.node_index(id), Some(NodeIdx(i as u32)));
        }
        for ch in &a.channels {
            assert_eq!(b.channel(ch.scid), Some(ch));
        }
    }

    #[test]
    fn a_snapshot_reads_back_to_the_same_graph() {
        let g = sample();
        let bytes = write(&g);
        assert_eq!(bytes.len(), HEADER_LEN + 4 * NODE_LEN + 4 * CHANNEL_LEN + 4 * EDGE_LEN + 8);
        let back = read(&bytes).unwrap();
        assert_same(&g, &back);
        // The builder's own snapshot of the read graph is the same graph again.
        assert_same(&g, &GraphBuilder::from_graph(&back).build());
        let empty = GraphBuilder::new().build();
        assert_same(&empty, &read(&write(&empty)).unwrap());
    }

    #[test]
    fn every_flipped_bit_and_every_truncation_is_refused() {
        let bytes = write(&sample());
        for i in 0..bytes.len() * 8 {
            let mut b = bytes.clone();
            b[i / 8] ^= 1 << (i % 8);
            assert!(read(&b).is_err(), "bit {i} flipped and still read");
        }
        for len in 0..bytes.len() {
            assert!(read(&bytes[..len]).is_err(), "truncated to {len} and still read");
        }
        let mut longer = bytes.clone();
        longer.push(0);
        assert!(matches!(read(&longer), Err(SnapshotError::Length { .. })));
    }

    /// Re-seals `bytes` (after an edit of the contents) with a correct checksum.
    fn reseal(mut bytes: Vec<u8>) -> Vec<u8> {
        let body = bytes.len() - CHECKSUM_LEN;
        let sum = checksum(&bytes[..body]);
        bytes[body..].copy_from_slice(&sum.to_le_bytes());
        bytes
    }

    #[test]
    fn errors_name_what_is_wrong() {
        let bytes = write(&sample());
        let err = |b: &[u8]| read(b).unwrap_err();
        assert_eq!(err(b"LNPAYGRX"), SnapshotError::Magic { found: b"LNPAYGRX".to_vec() });
        let mut v2 = bytes.clone();
        v2[8] = 2;
        assert_eq!(err(&v2), SnapshotError::Version { version: 2 });
        let mut corrupt = bytes.clone();
        corrupt[HEADER_LEN + 5] ^= 0x40;
        assert!(matches!(err(&corrupt), SnapshotError::Checksum { .. }));
        assert!(err(&corrupt).to_string().starts_with("graph snapshot is corrupt"));
        // Sealed again, contents that are not a graph are refused by what they break.
        let nodes = HEADER_LEN;
        let channels = nodes + 4 * NODE_LEN;
        let edges = channels + 4 * CHANNEL_LEN;
        let invalid = |record, index, reason| SnapshotError::Invalid { record, index, reason };
        let mut swapped = bytes.clone();
        swapped[nodes..nodes + NODE_LEN]
            .copy_from_slice(&bytes[nodes + NODE_LEN..nodes + 2 * NODE_LEN]);
        assert_eq!(err(&reseal(swapped)), invalid("node", 1, "node ids out of order"));
        let mut prefix = bytes.clone();
        prefix[nodes + NODE_LEN] = 4;
        assert_eq!(err(&reseal(prefix)), invalid("node", 1, "not a node id"));
        let mut far = bytes.clone();
        far[channels + 12..channels + 16].copy_from_slice(&7u32.to_le_bytes());
        assert_eq!(err(&reseal(far)), invalid("channel", 0, "nodes out of range or out of order"));
        let mut orphan = bytes.clone();
        orphan[edges..edges + 4].copy_from_slice(&9u32.to_le_bytes());
        assert_eq!(err(&reseal(orphan)), invalid("edge", 0, "channel out of range"));
    }
}
