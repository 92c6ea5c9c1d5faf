//! Onion messages (BOLT 4 "Onion Messages"): requests and replies (BOLT 12's invoice requests,
//! invoices and invoice errors) sent through the network with no payment and no channel, always
//! over blinded paths.
//!
//! - [`path::build_message_path`]: the receiver builds a blinded path to itself (forwarding
//!   nodes, dummy hops, a `path_id`), handed to senders (in an offer, or as a `reply_path`).
//! - [`build_onion_message`]: the sender builds the `onion_message` to a blinded path, through
//!   nodes of its own choosing before the introduction node, with an optional reply path and one
//!   payload field.
//! - [`peel_onion_message`]: a node peels the layer meant for it: forward to the next node with
//!   this message, or received (its dummy hops peeled too), with the payload as raw bytes.
//!
//! The packet is the Sphinx packet of [`crate::packet`] with 1300 bytes of payloads, or 32768
//! when the message does not fit, no associated data, and an `onionmsg_tlv` ([`tlv`]) per hop.
//! Each hop's key is its blinded node id, unlocked with the `path_key` that travels beside the
//! packet in the `onion_message`. Randomness (the onion session key and the path key of the
//! sender's own hops) comes in as arguments.
//!
//! ```
//! use lnpay_onion::message::path::build_message_path;
//! use lnpay_onion::message::tlv::MessageContents;
//! use lnpay_onion::message::{
//!     build_onion_message, peel_onion_message, FinalContents, MessageKeys, PeeledMessage,
//! };
//! use lnpay_onion::secp256k1::{PublicKey, Secp256k1, SecretKey};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let secp = Secp256k1::new();
//! let [alice, bob, carol] = [1u8, 2, 3].map(|b| SecretKey::from_slice(&[b; 32]));
//! let (alice, bob, carol) = (alice?, bob?, carol?);
//! let id = |k: &SecretKey| PublicKey::from_secret_key(&secp, k);
//!
//! // Carol hands out a path to herself through Bob (in an offer, say).
//! let path_key = SecretKey::from_slice(&[4; 32])?; // random in real use
//! let path = build_message_path(&secp, &path_key, &[id(&bob)], id(&carol), 0, Some(b"o1".to_vec()))?;
//!
//! // We send an invoice request through Alice, our peer, to Carol's path.
//! let keys = MessageKeys {
//!     session_key: SecretKey::from_slice(&[5; 32])?,
//!     path_key: SecretKey::from_slice(&[6; 32])?,
//! };
//! let request = FinalContents {
//!     contents: Some(MessageContents::InvoiceRequest(vec![0x0a, 0x00])),
//!     ..FinalContents::default()
//! };
//! let (peer, mut message) = build_onion_message(&secp, &keys, &[id(&alice)], &path, &request)?;
//! assert_eq!(peer, id(&alice));
//!
//! // Alice and Bob forward, Carol receives.
//! for hop in [&alice, &bob] {
//!     match peel_onion_message(&secp, hop, &message)? {
//!         PeeledMessage::Forward { message: next, .. } => message = next,
//!         PeeledMessage::Receive(_) => return Err("received too early".into()),
//!     }
//! }
//! let PeeledMessage::Receive(got) = peel_onion_message(&secp, &carol, &message)? else {
//!     return Err("carol forwards".into());
//! };
//! assert_eq!(got.path_id.as_deref(), Some(&b"o1"[..]));
//! assert_eq!(got.contents, request.contents);
//! # Ok(())
//! # }
//! ```

pub mod path;
pub mod tlv;

use crate::blinding::{
    blinded_node_secret, build_blinded_path, decrypt_recipient_data, BlindPathError, BlindedPath,
    EncryptedDataError, EncryptedDataTlv, IntroductionNode, UnblindError,
};
use crate::crypto;
use crate::packet::{self, hop_slot_len, BuildError, PeelError};
use core::fmt;
use secp256k1::{PublicKey, Secp256k1, SecretKey, Signing, Verification};
use tlv::{MessageContents, OnionMsgTlv, OnionMsgTlvError};
use types::tlv::TlvRecord;
use types::{ShortChannelId, ShortChannelIdDir};
use wire::OnionMessage;

/// Payload bytes of an onion message shaped like a payment onion (what senders use first).
pub const SMALL_PAYLOADS_LEN: usize = packet::ROUTING_INFO_LEN;
/// Payload bytes of a large onion message (for what does not fit the small one).
pub const LARGE_PAYLOADS_LEN: usize = 32768;
/// Bytes of an onion message packet besides its payloads: version, public key, HMAC.
pub const PACKET_OVERHEAD: usize = 1 + 33 + 32;
/// The most dummy hops [`peel_onion_message`] peels in one message: a sender could otherwise
/// make a node peel hundreds of layers of one large packet.
pub const MAX_DUMMY_HOPS: usize = 32;

/// An `onion_message_packet`: a Sphinx packet whose payload length is implied by its size.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OnionMessagePacket {
    /// `version` (0 is the only one defined).
    pub version: u8,
    /// `public_key`, as received (checked when peeled).
    pub public_key: [u8; 33],
    /// `onionmsg_payloads`.
    pub payloads: Vec<u8>,
    /// `hmac`.
    pub hmac: [u8; 32],
}

/// Why bytes are not an `onion_message_packet`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum MessagePacketError {
    /// Fewer bytes than version, public key and HMAC.
    TooShort {
        /// The length given.
        len: usize,
    },
}

impl fmt::Display for MessagePacketError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MessagePacketError::TooShort { len } => write!(
                f,
                "onion message packet of {len} bytes is shorter than its {PACKET_OVERHEAD}-byte frame"
            ),
        }
    }
}
impl std::error::Error for MessagePacketError {}

impl OnionMessagePacket {
    /// Reads a packet from its bytes.
    pub fn from_bytes(bytes: &[u8]) -> Result<OnionMessagePacket, MessagePacketError> {
        let short = || MessagePacketError::TooShort { len: bytes.len() };
        let (&version, rest) = bytes.split_first().ok_or_else(short)?;
        let public_key: [u8; 33] =
            rest.get(..33).ok_or_else(short)?.try_into().map_err(|_| short())?;
        let rest = rest.get(33..).unwrap_or_default();
        let split = rest.len().checked_sub(32).ok_or_else(short)?;
        let (payloads, hmac) = rest.split_at(split);
        Ok(OnionMessagePacket {
            version,
            public_key,
            payloads: payloads.to_vec(),
            hmac: hmac.try_into().map_err(|_| short())?,
        })
    }

    /// The packet's bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(PACKET_OVERHEAD + self.payloads.len());
        out.push(self.version);
        out.extend_from_slice(&self.public_key);
        out.extend_from_slice(&self.payloads);
        out.extend_from_slice(&self.hmac);
        out
    }
}

/// What the final hop reads besides its `encrypted_recipient_data`: the sender's choice.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FinalContents {
    /// Where the recipient may reply.
    pub reply_path: Option<BlindedPath>,
    /// The payload field.
    pub contents: Option<MessageContents>,
    /// Further odd records below 64 (rarely wanted; the spec vector carries one).
    pub unknown: Vec<TlvRecord>,
}

/// Why an onion message could not be built.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum BuildMessageError {
    /// The destination path has no hop.
    NoBlindedHops,
    /// The hops of the sender's own part could not be blinded.
    Blind(BlindPathError),
    /// The reply path has no hop, more than 255, or a hop with more than 65535 bytes.
    ReplyPathNotEncodable {
        /// Its number of hops.
        hops: usize,
    },
    /// The payload field's type is below 64, or an even type this crate does not model.
    ContentsType {
        /// The type.
        typ: u64,
    },
    /// An extra record is of a modelled type, even, or 64 and above.
    UnknownRecordType {
        /// The type.
        typ: u64,
    },
    /// The hop payloads exceed the large packet.
    TooLarge {
        /// Bytes the payloads need.
        needed: usize,
    },
    /// The Sphinx construction failed.
    Onion(BuildError),
    /// The destination's introduction node is named by a channel: the caller resolves it to
    /// the node at that end (with its channel graph) before building.
    UnresolvedIntroduction {
        /// The channel and direction the path names.
        channel: ShortChannelIdDir,
    },
}

impl fmt::Display for BuildMessageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BuildMessageError::NoBlindedHops => f.write_str("destination path has no hops"),
            BuildMessageError::Blind(e) => write!(f, "cannot blind the sender's hops: {e}"),
            BuildMessageError::ReplyPathNotEncodable { hops } => {
                write!(f, "reply path of {hops} hops cannot be encoded")
            }
            BuildMessageError::ContentsType { typ } => {
                write!(f, "type {typ} cannot be an onion message payload field")
            }
            BuildMessageError::UnknownRecordType { typ } => {
                write!(f, "type {typ} cannot be an extra onionmsg_tlv record")
            }
            BuildMessageError::TooLarge { needed } => write!(
                f,
                "onion message needs {needed} bytes of payloads, at most {LARGE_PAYLOADS_LEN} fit"
            ),
            BuildMessageError::Onion(e) => write!(f, "{e}"),
            BuildMessageError::UnresolvedIntroduction { channel } => {
                write!(f, "destination's introduction node is channel {channel}, not resolved")
            }
        }
    }
}
impl std::error::Error for BuildMessageError {}

/// The randomness of one onion message: both from a CSPRNG, fresh per message.
#[derive(Debug, Clone, Copy)]
pub struct MessageKeys {
    /// The Sphinx session key.
    pub session_key: SecretKey,
    /// `e_0` of the blinded hops the sender builds for its own part of the route (unused when
    /// the sender's peer is the introduction node).
    pub path_key: SecretKey,
}

fn check_contents(contents: &FinalContents) -> Result<(), BuildMessageError> {
    if let Some(p) = &contents.reply_path {
        if !p.encodable() {
            return Err(BuildMessageError::ReplyPathNotEncodable { hops: p.hops.len() });
        }
    }
    if let Some(c) = &contents.contents {
        let typ = c.tlv_type();
        let modelled = matches!(c, MessageContents::Other { .. })
            && [tlv::INVOICE_REQUEST, tlv::INVOICE, tlv::INVOICE_ERROR].contains(&typ);
        if typ < tlv::FIRST_PAYLOAD_TYPE
            || modelled
            || (typ % 2 == 0 && matches!(c, MessageContents::Other { .. }))
        {
            return Err(BuildMessageError::ContentsType { typ });
        }
    }
    for r in &contents.unknown {
        if r.typ % 2 == 0 || r.typ >= tlv::FIRST_PAYLOAD_TYPE {
            return Err(BuildMessageError::UnknownRecordType { typ: r.typ });
        }
    }
    Ok(())
}

/// Builds an onion message to the blinded path `destination`. `intermediate` are the nodes the
/// sender routes through before the introduction node, the sender's peer first (empty when
/// the peer is the introduction node itself); the sender blinds them with `keys.path_key`,
/// each one's data naming the next node, the last one's also `next_path_key_override` set to
/// the destination's first path key. Returns the peer to send the message to and the message.
///
/// A sender that is itself the introduction node first opens its own hop with
/// [`path::advance_path`] and sends to the rest.
pub fn build_onion_message<C: Signing + Verification>(
    secp: &Secp256k1<C>,
    keys: &MessageKeys,
    intermediate: &[PublicKey],
    destination: &BlindedPath,
    contents: &FinalContents,
) -> Result<(PublicKey, OnionMessage), BuildMessageError> {
    if destination.hops.is_empty() {
        return Err(BuildMessageError::NoBlindedHops);
    }
    check_contents(contents)?;
    let introduction = match destination.introduction_node {
        IntroductionNode::NodeId(k) => k,
        IntroductionNode::Channel(channel) => {
            return Err(BuildMessageError::UnresolvedIntroduction { channel })
        }
    };
    let mut ours = Vec::with_capacity(intermediate.len());
    for (i, node) in intermediate.iter().enumerate() {
        let next = intermediate.get(i + 1).copied().unwrap_or(introduction);
        let last = i + 1 == intermediate.len();
        let data = EncryptedDataTlv {
            next_node_id: Some(next),
            next_path_key_override: last.then_some(destination.first_path_key),
            ..EncryptedDataTlv::default()
        };
        ours.push((*node, data.encode()));
    }
    let (first_peer, path_key, own_hops) = if ours.is_empty() {
        (introduction, destination.first_path_key, Vec::new())
    } else {
        let own =
            build_blinded_path(secp, &keys.path_key, &ours).map_err(BuildMessageError::Blind)?;
        (intermediate.first().copied().unwrap_or(introduction), own.first_path_key, own.hops)
    };
    let total = own_hops.len() + destination.hops.len();
    let mut hops: Vec<(PublicKey, Vec<u8>)> = Vec::with_capacity(total);
    for (i, hop) in own_hops.iter().chain(&destination.hops).enumerate() {
        let mut payload = OnionMsgTlv {
            encrypted_recipient_data: Some(hop.encrypted_recipient_data.clone()),
            ..OnionMsgTlv::default()
        };
        if i + 1 == total {
            payload.reply_path = contents.reply_path.clone();
            payload.contents = contents.contents.clone();
            payload.unknown = contents.unknown.clone();
        }
        hops.push((hop.blinded_node_id, payload.encode()));
    }
    let needed: usize = hops.iter().map(|(_, p)| hop_slot_len(p.len())).sum();
    let len = if needed <= SMALL_PAYLOADS_LEN {
        SMALL_PAYLOADS_LEN
    } else if needed <= LARGE_PAYLOADS_LEN {
        LARGE_PAYLOADS_LEN
    } else {
        return Err(BuildMessageError::TooLarge { needed });
    };
    let mut payloads = vec![0u8; len];
    let mut secrets = Vec::with_capacity(hops.len());
    let (public_key, hmac) =
        packet::build_routing_info(&keys.session_key, &hops, &[], &mut payloads, &mut secrets)
            .map_err(BuildMessageError::Onion)?;
    let packet = OnionMessagePacket {
        version: packet::VERSION,
        public_key: public_key.serialize(),
        payloads,
        hmac,
    };
    Ok((
        first_peer,
        OnionMessage {
            path_key,
            onion_message_packet: packet.to_bytes(),
            unknown_tlvs: Default::default(),
        },
    ))
}

/// The next node of a forwarded onion message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NextNode {
    /// `next_node_id`.
    NodeId(PublicKey),
    /// `short_channel_id`: the peer at the other end of that channel (the caller resolves it).
    ShortChannelId(ShortChannelId),
}

/// A message that reached its destination.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceivedMessage {
    /// The `path_id` of the recipient's data: which of its paths was used (to compare with the
    /// one it put in that path; `None` when absent).
    pub path_id: Option<Vec<u8>>,
    /// Where to reply, if the sender allows it.
    pub reply_path: Option<BlindedPath>,
    /// The payload field.
    pub contents: Option<MessageContents>,
    /// Other odd records of the final `onionmsg_tlv`.
    pub unknown: Vec<TlvRecord>,
    /// The whole `encrypted_data_tlv` of the final hop (for records of the recipient's own).
    pub recipient_data: EncryptedDataTlv,
    /// How many dummy hops (data naming this node as the next one) were peeled before it.
    pub dummy_hops: usize,
}

impl ReceivedMessage {
    /// What a recipient read, as two byte strings another process can carry: the final
    /// `onionmsg_tlv` without its `encrypted_recipient_data`, and that data decrypted (an
    /// `encrypted_data_tlv`). [`ReceivedMessage::from_parts`] reads them back.
    pub fn to_parts(&self) -> (Vec<u8>, Vec<u8>) {
        let payload = OnionMsgTlv {
            reply_path: self.reply_path.clone(),
            encrypted_recipient_data: None,
            contents: self.contents.clone(),
            unknown: self.unknown.clone(),
        };
        (payload.encode(), self.recipient_data.encode())
    }

    /// The message [`ReceivedMessage::to_parts`] wrote (an `encrypted_recipient_data` record
    /// in `payload` is ignored: it was opened already).
    pub fn from_parts(
        payload: &[u8],
        recipient_data: &[u8],
        dummy_hops: usize,
    ) -> Result<ReceivedMessage, ReceivedPartsError> {
        let payload = OnionMsgTlv::decode(payload).map_err(ReceivedPartsError::Payload)?;
        let data =
            EncryptedDataTlv::decode(recipient_data).map_err(ReceivedPartsError::RecipientData)?;
        Ok(ReceivedMessage {
            path_id: data.path_id.clone(),
            reply_path: payload.reply_path,
            contents: payload.contents,
            unknown: payload.unknown,
            recipient_data: data,
            dummy_hops,
        })
    }
}

/// Why the parts of a received message do not read ([`ReceivedMessage::from_parts`]).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ReceivedPartsError {
    /// The payload is not an `onionmsg_tlv`.
    Payload(OnionMsgTlvError),
    /// The recipient data is not an `encrypted_data_tlv`.
    RecipientData(EncryptedDataError),
}

impl fmt::Display for ReceivedPartsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReceivedPartsError::Payload(e) => write!(f, "{e}"),
            ReceivedPartsError::RecipientData(e) => write!(f, "bad recipient data: {e}"),
        }
    }
}
impl std::error::Error for ReceivedPartsError {}

/// One layer of an onion message peeled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PeeledMessage {
    /// Send `message` to `next`.
    Forward {
        /// The next node.
        next: NextNode,
        /// The message for it.
        message: OnionMessage,
    },
    /// This node is the destination.
    Receive(Box<ReceivedMessage>),
}

/// Why an onion message is ignored (onion messages return no errors to anyone: the caller drops
/// the message, and may log this).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum PeelMessageError {
    /// The packet is too short.
    Packet(MessagePacketError),
    /// The version is not 0.
    UnknownVersion {
        /// The version received.
        version: u8,
    },
    /// The packet's public key is not a point.
    InvalidPublicKey {
        /// The key received.
        public_key: [u8; 33],
    },
    /// The node's blinded key could not be derived from the `path_key`.
    PathKey {
        /// The path key received.
        path_key: PublicKey,
    },
    /// The Sphinx layer does not open (bad HMAC, bad length prefix, ...).
    Onion(PeelError),
    /// The hop's payload is not an `onionmsg_tlv`.
    Payload(OnionMsgTlvError),
    /// The payload holds no `encrypted_recipient_data`.
    NoRecipientData,
    /// The `encrypted_recipient_data` does not open or parse.
    RecipientData(UnblindError),
    /// `allowed_features` names features, none of which onion messages know.
    AllowedFeatures {
        /// The feature bytes.
        features: Vec<u8>,
    },
    /// A forwarding hop found fields besides `encrypted_recipient_data`.
    ForwardExtraFields {
        /// Their types.
        types: Vec<u64>,
    },
    /// A forwarding hop found a `path_id`.
    ForwardPathId {
        /// The `path_id`.
        path_id: Vec<u8>,
    },
    /// A forwarding hop's data names no next node.
    NoNextNode,
    /// The final hop's data names a next node.
    FinalNextNode {
        /// The node named.
        next: NextNode,
    },
    /// More than [`MAX_DUMMY_HOPS`] layers named this node as the next one.
    TooManyDummyHops {
        /// Layers peeled.
        count: usize,
    },
}

impl fmt::Display for PeelMessageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PeelMessageError::Packet(e) => write!(f, "{e}"),
            PeelMessageError::UnknownVersion { version } => {
                write!(f, "unknown onion message version {version}")
            }
            PeelMessageError::InvalidPublicKey { public_key } => {
                write!(f, "invalid onion message public key {}", types::hex::encode(public_key))
            }
            PeelMessageError::PathKey { path_key } => {
                write!(f, "no blinded key derives from path key {path_key}")
            }
            PeelMessageError::Onion(e) => write!(f, "{e}"),
            PeelMessageError::Payload(e) => write!(f, "{e}"),
            PeelMessageError::NoRecipientData => {
                f.write_str("onion message hop has no encrypted_recipient_data")
            }
            PeelMessageError::RecipientData(e) => write!(f, "{e}"),
            PeelMessageError::AllowedFeatures { features } => {
                write!(
                    f,
                    "allowed_features {} names unknown features",
                    types::hex::encode(features)
                )
            }
            PeelMessageError::ForwardExtraFields { types } => {
                write!(f, "forwarding hop's onionmsg_tlv carries types {types:?}")
            }
            PeelMessageError::ForwardPathId { path_id } => {
                write!(f, "forwarding hop's data carries path_id {}", types::hex::encode(path_id))
            }
            PeelMessageError::NoNextNode => f.write_str("forwarding hop's data names no next node"),
            PeelMessageError::FinalNextNode { next } => {
                write!(f, "final hop's data names a next node {next:?}")
            }
            PeelMessageError::TooManyDummyHops { count } => {
                write!(f, "{count} layers name this node as the next one")
            }
        }
    }
}
impl std::error::Error for PeelMessageError {}

fn next_node(data: &EncryptedDataTlv) -> Option<NextNode> {
    match (data.next_node_id, data.short_channel_id) {
        (Some(n), _) => Some(NextNode::NodeId(n)),
        (None, Some(s)) => Some(NextNode::ShortChannelId(s)),
        (None, None) => None,
    }
}

/// Peels the layer of `message` meant for the node with secret `node_secret`: the message to
/// forward and to whom, or what was received. Layers whose data names this node itself as the
/// next one (dummy hops a recipient appends to its paths) are peeled on the spot.
pub fn peel_onion_message<C: Signing + Verification>(
    secp: &Secp256k1<C>,
    node_secret: &SecretKey,
    message: &OnionMessage,
) -> Result<PeeledMessage, PeelMessageError> {
    let our_id = PublicKey::from_secret_key(secp, node_secret);
    let mut path_key = message.path_key;
    let mut packet = OnionMessagePacket::from_bytes(&message.onion_message_packet)
        .map_err(PeelMessageError::Packet)?;
    let mut dummy_hops = 0usize;
    loop {
        match peel_layer(secp, node_secret, &path_key, &packet)? {
            Layer::Final(data, payload) => {
                if let Some(next) = next_node(&data) {
                    return Err(PeelMessageError::FinalNextNode { next });
                }
                return Ok(PeeledMessage::Receive(Box::new(ReceivedMessage {
                    path_id: data.path_id.clone(),
                    reply_path: payload.reply_path,
                    contents: payload.contents,
                    unknown: payload.unknown,
                    recipient_data: data,
                    dummy_hops,
                })));
            }
            Layer::Forward { next, next_path_key, packet: next_packet } => {
                if next == NextNode::NodeId(our_id) {
                    dummy_hops += 1;
                    if dummy_hops > MAX_DUMMY_HOPS {
                        return Err(PeelMessageError::TooManyDummyHops { count: dummy_hops });
                    }
                    path_key = next_path_key;
                    packet = next_packet;
                    continue;
                }
                let message = OnionMessage {
                    path_key: next_path_key,
                    onion_message_packet: next_packet.to_bytes(),
                    unknown_tlvs: Default::default(),
                };
                return Ok(PeeledMessage::Forward { next, message });
            }
        }
    }
}

// One per peeled layer, consumed at once: boxing either side would only add an allocation.
#[allow(clippy::large_enum_variant)]
enum Layer {
    Final(EncryptedDataTlv, OnionMsgTlv),
    Forward { next: NextNode, next_path_key: PublicKey, packet: OnionMessagePacket },
}

fn peel_layer<C: Signing + Verification>(
    secp: &Secp256k1<C>,
    node_secret: &SecretKey,
    path_key: &PublicKey,
    packet: &OnionMessagePacket,
) -> Result<Layer, PeelMessageError> {
    if packet.version != packet::VERSION {
        return Err(PeelMessageError::UnknownVersion { version: packet.version });
    }
    let public_key = PublicKey::from_slice(&packet.public_key)
        .map_err(|_| PeelMessageError::InvalidPublicKey { public_key: packet.public_key })?;
    let blinded = blinded_node_secret(node_secret, path_key)
        .map_err(|_| PeelMessageError::PathKey { path_key: *path_key })?;
    let len = packet.payloads.len();
    let mut decrypted = vec![0u8; len];
    let layer = packet::peel_routing_info(
        &blinded,
        &public_key,
        &packet.payloads,
        &packet.hmac,
        &[],
        &mut decrypted,
    )
    .map_err(PeelMessageError::Onion)?;
    let payload = OnionMsgTlv::decode(decrypted.get(layer.payload.clone()).unwrap_or_default())
        .map_err(PeelMessageError::Payload)?;
    let sealed =
        payload.encrypted_recipient_data.as_deref().ok_or(PeelMessageError::NoRecipientData)?;
    let hop = decrypt_recipient_data(secp, node_secret, path_key, sealed)
        .map_err(PeelMessageError::RecipientData)?;
    if let Some(features) = &hop.data.allowed_features {
        if features.iter().any(|b| *b != 0) {
            return Err(PeelMessageError::AllowedFeatures { features: features.clone() });
        }
    }
    let Some((next_key, next_hmac)) = layer.next else {
        return Ok(Layer::Final(hop.data, payload));
    };
    let extra = payload.extra_types();
    if !extra.is_empty() {
        return Err(PeelMessageError::ForwardExtraFields { types: extra });
    }
    if let Some(path_id) = &hop.data.path_id {
        return Err(PeelMessageError::ForwardPathId { path_id: path_id.clone() });
    }
    let next = next_node(&hop.data).ok_or(PeelMessageError::NoNextNode)?;
    decrypted.copy_within(layer.slot_len.., 0);
    if let Some(tail) = decrypted.get_mut(len - layer.slot_len..) {
        tail.fill(0);
        crypto::xor_stream_at(&layer.shared_secret.derive(b"rho"), len as u64, tail);
    }
    let next_packet = OnionMessagePacket {
        version: packet::VERSION,
        public_key: next_key.serialize(),
        payloads: decrypted,
        hmac: next_hmac,
    };
    Ok(Layer::Forward { next, next_path_key: hop.next_path_key, packet: next_packet })
}

#[cfg(test)]
mod tests {
    use super::path::build_message_path;
    use super::*;

    #[test]
    fn a_received_message_goes_through_its_parts_unchanged() {
        let secp = Secp256k1::new();
        let key = |b: u8| SecretKey::from_slice(&[b; 32]).unwrap();
        let id = |k: &SecretKey| PublicKey::from_secret_key(&secp, k);
        let (bob, carol) = (key(2), key(3));
        let path =
            build_message_path(&secp, &key(4), &[id(&bob)], id(&carol), 1, Some(b"p".to_vec()))
                .unwrap();
        let reply = build_message_path(&secp, &key(7), &[], id(&bob), 0, None).unwrap();
        let keys = MessageKeys { session_key: key(5), path_key: key(6) };
        let contents = FinalContents {
            reply_path: Some(reply),
            contents: Some(MessageContents::Invoice(vec![1, 2, 3])),
            unknown: vec![TlvRecord { typ: 9, value: vec![4] }],
        };
        let (_, mut m) = build_onion_message(&secp, &keys, &[], &path, &contents).unwrap();
        let PeeledMessage::Forward { message, .. } = peel_onion_message(&secp, &bob, &m).unwrap()
        else {
            panic!("bob receives")
        };
        m = message;
        let PeeledMessage::Receive(got) = peel_onion_message(&secp, &carol, &m).unwrap() else {
            panic!("carol forwards")
        };
        assert_eq!(got.dummy_hops, 1);
        let (payload, data) = got.to_parts();
        let back = ReceivedMessage::from_parts(&payload, &data, got.dummy_hops).unwrap();
        assert_eq!(back, *got);
        assert!(matches!(
            ReceivedMessage::from_parts(&[2, 5], &data, 0),
            Err(ReceivedPartsError::Payload(_))
        ));
        assert!(matches!(
            ReceivedMessage::from_parts(&payload, &[0xff], 0),
            Err(ReceivedPartsError::RecipientData(_))
        ));
    }
}
