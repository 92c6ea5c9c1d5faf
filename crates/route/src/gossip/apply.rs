//! Applying verified gossip to a [`GraphBuilder`].

use core::fmt;
use std::collections::HashMap;

use types::{Msat, NodeId, ShortChannelId};

use crate::graph::{EdgePolicy, GraphBuilder};
use wire::gossip::{
    ChainHash, ChannelAnnouncement, ChannelUpdate, GossipMessage, MessageKind, NodeAnnouncement,
    ParseError, UnsignedNodeAnnouncement, VerifyError,
};

/// What applying a message did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Applied {
    /// A new channel, a first policy for a direction, or a first announcement of a node.
    Added,
    /// A newer policy or node announcement replaced the stored one.
    Updated,
    /// A `channel_announcement` of a channel already known between the same nodes: nothing
    /// changed.
    Known,
    /// Not newer than what is stored (`got <= stored`): ignored, nothing changed. The
    /// signature of a stale message is not checked.
    Stale {
        /// The stored timestamp.
        stored: u32,
        /// The message's timestamp.
        got: u32,
    },
}

/// Why a gossip message was rejected (the graph is left unchanged).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum GossipError {
    /// Not a well-formed message.
    Parse(ParseError),
    /// A signature, key or node order is wrong.
    Verify {
        /// The message.
        message: MessageKind,
        /// What is wrong.
        error: VerifyError,
    },
    /// For another chain than the caller's.
    WrongChain {
        /// The message.
        message: MessageKind,
        /// The caller's chain.
        expected: ChainHash,
        /// The message's chain.
        got: ChainHash,
    },
    /// A `channel_update` for a channel the graph does not hold.
    UnknownChannel {
        /// The channel.
        scid: ShortChannelId,
    },
    /// A `node_announcement` of a node with no channel announced through this applier.
    UnknownNode {
        /// The node.
        node_id: NodeId,
    },
    /// A `channel_announcement` of a known channel between other nodes.
    ConflictingChannel {
        /// The channel.
        scid: ShortChannelId,
        /// The nodes the graph holds for it.
        known: Box<(NodeId, NodeId)>,
        /// The nodes the message names.
        got: Box<(NodeId, NodeId)>,
    },
    /// A `channel_announcement` with even (required) feature bits: BOLT 9 assigns none to
    /// channel announcements, and the channel must not be routed through.
    UnknownRequiredFeatures {
        /// The channel.
        scid: ShortChannelId,
        /// The even bits set.
        bits: Vec<usize>,
    },
    /// A `channel_update` whose `htlc_maximum_msat` exceeds the channel's known capacity.
    HtlcMaxAboveCapacity {
        /// The channel.
        scid: ShortChannelId,
        /// The message's `htlc_maximum_msat`.
        htlc_maximum_msat: Msat,
        /// The channel's capacity.
        capacity: Msat,
    },
}

impl fmt::Display for GossipError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GossipError::Parse(e) => write!(f, "malformed gossip: {e}"),
            GossipError::Verify { message, error } => write!(f, "{message} does not verify: {error}"),
            GossipError::WrongChain { message, expected, got } => {
                write!(f, "{message} is for chain {got}, expected {expected}")
            }
            GossipError::UnknownChannel { scid } => {
                write!(f, "channel_update for unknown channel {scid}")
            }
            GossipError::UnknownNode { node_id } => {
                write!(f, "node_announcement for node {node_id} with no announced channel")
            }
            GossipError::ConflictingChannel { scid, known, got } => write!(
                f,
                "channel {scid} is known between {} and {}, announced between {} and {}",
                known.0, known.1, got.0, got.1
            ),
            GossipError::UnknownRequiredFeatures { scid, bits } => {
                write!(f, "channel {scid} announces unknown required feature bits {bits:?}")
            }
            GossipError::HtlcMaxAboveCapacity { scid, htlc_maximum_msat, capacity } => write!(
                f,
                "channel {scid} htlc_maximum_msat {htlc_maximum_msat} exceeds its capacity {capacity}"
            ),
        }
    }
}

impl std::error::Error for GossipError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            GossipError::Parse(e) => Some(e),
            GossipError::Verify { error, .. } => Some(error),
            _ => None,
        }
    }
}

impl From<ParseError> for GossipError {
    fn from(e: ParseError) -> GossipError {
        GossipError::Parse(e)
    }
}

/// Verifies a `channel_announcement` for `chain` and adds its channel to `builder`.
///
/// All four signatures are checked, and `node_id_1 < node_id_2`. The capacity is unknown
/// (`None`): this crate looks up no UTXO, so each direction's `htlc_maximum_msat` is what
/// bounds it. A channel with even feature bits is refused (BOLT 9 defines none for this
/// message, and such a channel must not be routed through). A repeat of a known channel
/// between the same nodes is [`Applied::Known`] without re-verifying.
pub fn apply_channel_announcement(
    builder: &mut GraphBuilder,
    msg: &ChannelAnnouncement,
    chain: ChainHash,
) -> Result<Applied, GossipError> {
    let c = &msg.contents;
    let message = MessageKind::ChannelAnnouncement;
    if c.chain_hash != chain {
        return Err(GossipError::WrongChain { message, expected: chain, got: c.chain_hash });
    }
    let got = (c.node_id_1, c.node_id_2);
    let known = builder.channel_nodes(c.short_channel_id);
    if known == Some(got) {
        return Ok(Applied::Known);
    }
    msg.verify().map_err(|error| GossipError::Verify { message, error })?;
    let bits = c.feature_set().unknown_required(&[]);
    if !bits.is_empty() {
        return Err(GossipError::UnknownRequiredFeatures { scid: c.short_channel_id, bits });
    }
    if let Some(known) = known {
        return Err(GossipError::ConflictingChannel {
            scid: c.short_channel_id,
            known: Box::new(known),
            got: Box::new(got),
        });
    }
    builder.add_channel(c.short_channel_id, c.node_id_1, c.node_id_2, None);
    Ok(Applied::Added)
}

/// Verifies a `channel_update` for `chain` against the graph and stores its policy.
///
/// The origin's key is the channel's `node_id_1` for direction 0 (bit 0 of `channel_flags`)
/// and `node_id_2` for direction 1, taken from `builder`. An update not newer than the stored
/// policy of its direction is [`Applied::Stale`] (not an error; its signature is not
/// checked). The `disable` bit becomes `EdgePolicy::enabled == false`. `htlc_maximum_msat`
/// is stored as sent (an update with `htlc_maximum_msat < htlc_minimum_msat` thus carries no
/// amount a route can use), and refused when it exceeds a known capacity.
pub fn apply_channel_update(
    builder: &mut GraphBuilder,
    msg: &ChannelUpdate,
    chain: ChainHash,
) -> Result<Applied, GossipError> {
    let c = &msg.contents;
    let message = MessageKind::ChannelUpdate;
    if c.chain_hash != chain {
        return Err(GossipError::WrongChain { message, expected: chain, got: c.chain_hash });
    }
    let scid = c.short_channel_id;
    let (node_1, node_2) =
        builder.channel_nodes(scid).ok_or(GossipError::UnknownChannel { scid })?;
    let direction = c.direction();
    let stored = builder.direction_policy(scid, direction).map(|p| p.timestamp);
    if let Some(stored) = stored {
        if c.timestamp <= stored {
            return Ok(Applied::Stale { stored, got: c.timestamp });
        }
    }
    if let Some(Some(capacity)) = builder.channel_capacity(scid) {
        if c.htlc_maximum_msat > capacity {
            return Err(GossipError::HtlcMaxAboveCapacity {
                scid,
                htlc_maximum_msat: c.htlc_maximum_msat,
                capacity,
            });
        }
    }
    let origin = if direction == 0 { node_1 } else { node_2 };
    msg.verify(&origin).map_err(|error| GossipError::Verify { message, error })?;
    let policy = EdgePolicy {
        timestamp: c.timestamp,
        enabled: !c.is_disabled(),
        base_fee_msat: c.fee_base_msat,
        fee_ppm: c.fee_proportional_millionths,
        cltv_delta: c.cltv_expiry_delta,
        htlc_min: c.htlc_minimum_msat,
        htlc_max: c.htlc_maximum_msat,
    };
    builder
        .update_direction(scid, direction, policy)
        .map_err(|e| GossipError::UnknownChannel { scid: e.scid })?;
    Ok(if stored.is_some() { Applied::Updated } else { Applied::Added })
}

/// The `channel_update` carried by a BOLT 4 failure message, through exactly the verified
/// path of gossip: [`ChannelUpdate::parse_from_failure`] (with or without the `0x0102` type
/// prefix) then [`apply_channel_update`].
///
/// BOLT 4 says a sender MUST NOT expose such an update to third parties, applying it to a
/// network graph it shares included: apply it to a graph private to the payment (for its
/// retries), not to one that is gossiped onwards.
pub fn apply_failure_channel_update(
    builder: &mut GraphBuilder,
    bytes: &[u8],
    chain: ChainHash,
) -> Result<Applied, GossipError> {
    let msg = ChannelUpdate::parse_from_failure(bytes)?;
    apply_channel_update(builder, &msg, chain)
}

/// Counts of messages rejected, by reason.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct RejectCounts {
    /// Malformed ([`GossipError::Parse`]).
    pub parse: usize,
    /// Bad signature, key or node order ([`GossipError::Verify`]).
    pub verify: usize,
    /// Another chain ([`GossipError::WrongChain`]).
    pub wrong_chain: usize,
    /// Updates of unknown channels ([`GossipError::UnknownChannel`]).
    pub unknown_channel: usize,
    /// Announcements of unknown nodes ([`GossipError::UnknownNode`]).
    pub unknown_node: usize,
    /// Everything else (conflicts, required features, capacity).
    pub other: usize,
}

impl RejectCounts {
    /// All rejections.
    pub fn total(&self) -> usize {
        self.parse
            + self.verify
            + self.wrong_chain
            + self.unknown_channel
            + self.unknown_node
            + self.other
    }

    fn count(&mut self, e: &GossipError) {
        let slot = match e {
            GossipError::Parse(_) => &mut self.parse,
            GossipError::Verify { .. } => &mut self.verify,
            GossipError::WrongChain { .. } => &mut self.wrong_chain,
            GossipError::UnknownChannel { .. } => &mut self.unknown_channel,
            GossipError::UnknownNode { .. } => &mut self.unknown_node,
            _ => &mut self.other,
        };
        *slot += 1;
    }
}

/// What a batch import did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ImportStats {
    /// Messages that added or changed something.
    pub applied: usize,
    /// Repeats of known channels ([`Applied::Known`]).
    pub known: usize,
    /// Messages not newer than what was stored ([`Applied::Stale`]).
    pub stale: usize,
    /// Rejected messages, by reason.
    pub rejected: RejectCounts,
}

/// Applies gossip to a graph, remembering per-node announcements (which the graph does not
/// hold) so `node_announcement`s are ordered per node.
///
/// A node counts as known once a `channel_announcement` naming it went through this applier
/// (BOLT 7: announcements of nodes without a known channel are ignored).
#[derive(Debug, Clone)]
pub struct GossipApplier {
    chain: ChainHash,
    nodes: HashMap<NodeId, Option<UnsignedNodeAnnouncement>>,
}

impl GossipApplier {
    /// An applier accepting gossip for `chain` only.
    pub fn new(chain: ChainHash) -> GossipApplier {
        GossipApplier { chain, nodes: HashMap::new() }
    }

    /// The chain accepted.
    pub fn chain(&self) -> ChainHash {
        self.chain
    }

    /// The latest verified announcement of `node_id`, if any (its features tell whether a
    /// route may go through it: see `Features::unknown_required`).
    pub fn node_announcement(&self, node_id: &NodeId) -> Option<&UnsignedNodeAnnouncement> {
        self.nodes.get(node_id)?.as_ref()
    }

    /// [`apply_channel_announcement`], remembering the two nodes as known.
    pub fn apply_channel_announcement(
        &mut self,
        builder: &mut GraphBuilder,
        msg: &ChannelAnnouncement,
    ) -> Result<Applied, GossipError> {
        let applied = apply_channel_announcement(builder, msg, self.chain)?;
        self.nodes.entry(msg.contents.node_id_1).or_insert(None);
        self.nodes.entry(msg.contents.node_id_2).or_insert(None);
        Ok(applied)
    }

    /// [`apply_channel_update`] on this applier's chain.
    pub fn apply_channel_update(
        &mut self,
        builder: &mut GraphBuilder,
        msg: &ChannelUpdate,
    ) -> Result<Applied, GossipError> {
        apply_channel_update(builder, msg, self.chain)
    }

    /// [`apply_failure_channel_update`] on this applier's chain.
    pub fn apply_failure_channel_update(
        &mut self,
        builder: &mut GraphBuilder,
        bytes: &[u8],
    ) -> Result<Applied, GossipError> {
        apply_failure_channel_update(builder, bytes, self.chain)
    }

    /// Verifies a `node_announcement` and stores it when it is newer than the node's last
    /// one. Its features are kept as sent: unknown even bits do not reject it (BOLT 7: the
    /// node must then not be routed through, which the router checks).
    pub fn apply_node_announcement(
        &mut self,
        msg: &NodeAnnouncement,
    ) -> Result<Applied, GossipError> {
        let c = &msg.contents;
        let slot = self
            .nodes
            .get_mut(&c.node_id)
            .ok_or(GossipError::UnknownNode { node_id: c.node_id })?;
        let stored = slot.as_ref().map(|a| a.timestamp);
        if let Some(stored) = stored {
            if c.timestamp <= stored {
                return Ok(Applied::Stale { stored, got: c.timestamp });
            }
        }
        msg.verify().map_err(|error| GossipError::Verify {
            message: MessageKind::NodeAnnouncement,
            error,
        })?;
        *slot = Some(c.clone());
        Ok(if stored.is_some() { Applied::Updated } else { Applied::Added })
    }

    /// Applies any gossip message.
    pub fn apply(
        &mut self,
        builder: &mut GraphBuilder,
        msg: &GossipMessage,
    ) -> Result<Applied, GossipError> {
        match msg {
            GossipMessage::ChannelAnnouncement(m) => self.apply_channel_announcement(builder, m),
            GossipMessage::ChannelUpdate(m) => self.apply_channel_update(builder, m),
            GossipMessage::NodeAnnouncement(m) => self.apply_node_announcement(m),
        }
    }

    /// Parses (with the type prefix) and applies one message.
    pub fn apply_bytes(
        &mut self,
        builder: &mut GraphBuilder,
        bytes: &[u8],
    ) -> Result<Applied, GossipError> {
        let msg = GossipMessage::parse(bytes)?;
        self.apply(builder, &msg)
    }

    /// Parses and applies every message (each with its type prefix), in order. A bad message
    /// is counted by reason and skipped; it changes nothing.
    pub fn import<'a>(
        &mut self,
        builder: &mut GraphBuilder,
        messages: impl IntoIterator<Item = &'a [u8]>,
    ) -> ImportStats {
        let mut stats = ImportStats::default();
        for bytes in messages {
            match self.apply_bytes(builder, bytes) {
                Ok(Applied::Added | Applied::Updated) => stats.applied += 1,
                Ok(Applied::Known) => stats.known += 1,
                Ok(Applied::Stale { .. }) => stats.stale += 1,
                Err(e) => stats.rejected.count(&e),
            }
        }
        stats
    }
}

/// Imports a batch of gossip messages for `chain` into `builder` (see
/// [`GossipApplier::import`]). Node announcements are checked but not kept: use a
/// [`GossipApplier`] to keep them.
pub fn import_gossip<'a>(
    builder: &mut GraphBuilder,
    chain: ChainHash,
    messages: impl IntoIterator<Item = &'a [u8]>,
) -> ImportStats {
    GossipApplier::new(chain).import(builder, messages)
}
