//! The messages between our node and the simulated network, and their framing (sans-IO).
//!
//! Every message travels as `len: u16 BE` followed by `len` bytes of BOLT 1 message
//! (`type: u16 BE`, then the payload); `len` is at least 2. The four BOLT 2 HTLC messages use
//! their exact spec encoding with a trailing TLV extension stream (known TLVs are fields,
//! unknown odd ones are kept in `unknown_tlvs` so a message re-encodes to its bytes, unknown
//! even ones are refused). Gossip (256, 257, 258) passes through as raw bytes. lnpay's own link
//! messages (odd types from 32769) are fixed-width big-endian, with `u16`-length byte strings.
//!
//! Decoding is strict: a message that decodes re-encodes to exactly the bytes it came from.
//! Nothing here reads a socket; [`FrameDecoder`] takes bytes as they arrive and hands back
//! whole messages.

use core::fmt;
use secp256k1::PublicKey;
use sha2::{Digest, Sha256};
use types::tlv::{self, TlvError, TlvStream};
use types::{Msat, NodeId, NodeIdError, PaymentHash, PaymentPreimage, ShortChannelId};

/// A channel id as BOLT 2 carries it: 32 bytes.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct ChannelId(pub [u8; 32]);

impl fmt::Display for ChannelId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&types::hex::encode(&self.0))
    }
}

impl fmt::Debug for ChannelId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ChannelId({self})")
    }
}

/// The channel id the simulated network gives channel `scid`:
/// SHA-256 of `b"lnpay-sim-channel"` ‖ scid as 8 bytes big-endian.
pub fn channel_id(scid: ShortChannelId) -> ChannelId {
    let mut h = Sha256::new();
    h.update(b"lnpay-sim-channel");
    h.update(scid.0.to_be_bytes());
    ChannelId(h.finalize().into())
}

/// The size of the onion packet of `update_add_htlc`.
pub const ONION_LEN: usize = 1366;

/// Message type numbers.
pub mod msg_type {
    /// `update_add_htlc` (BOLT 2).
    pub const UPDATE_ADD_HTLC: u16 = 128;
    /// `update_fulfill_htlc` (BOLT 2).
    pub const UPDATE_FULFILL_HTLC: u16 = 130;
    /// `update_fail_htlc` (BOLT 2).
    pub const UPDATE_FAIL_HTLC: u16 = 131;
    /// `update_fail_malformed_htlc` (BOLT 2).
    pub const UPDATE_FAIL_MALFORMED_HTLC: u16 = 135;
    /// `channel_announcement` (BOLT 7).
    pub const CHANNEL_ANNOUNCEMENT: u16 = 256;
    /// `node_announcement` (BOLT 7).
    pub const NODE_ANNOUNCEMENT: u16 = 257;
    /// `channel_update` (BOLT 7).
    pub const CHANNEL_UPDATE: u16 = 258;
    /// lnpay `hello` (node → network).
    pub const HELLO: u16 = 32769;
    /// lnpay `channel_state` (network → node).
    pub const CHANNEL_STATE: u16 = 32771;
    /// lnpay `ready` (network → node).
    pub const READY: u16 = 32773;
    /// lnpay `ack` (node → network).
    pub const ACK: u16 = 32775;
    /// lnpay `add_refused` (network → node).
    pub const ADD_REFUSED: u16 = 32777;
    /// lnpay `invoice_request` (node → network).
    pub const INVOICE_REQUEST: u16 = 32779;
    /// lnpay `invoice_reply` (network → node).
    pub const INVOICE_REPLY: u16 = 32781;
}

/// Why bytes are not a message (or a frame).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum WireError {
    /// Fewer bytes than the message's fixed fields (or a length-prefixed field) need.
    TooShort {
        /// The message type.
        msg_type: u16,
        /// Bytes needed.
        need: usize,
        /// Bytes given.
        got: usize,
    },
    /// A message of fixed size with bytes left over.
    LengthMismatch {
        /// The message type.
        msg_type: u16,
        /// The size of the message's payload.
        expected: usize,
        /// The size given.
        got: usize,
    },
    /// An even message type we do not know (it's ok to be odd).
    UnknownEvenType(u16),
    /// A message shorter than its two type bytes.
    NoType {
        /// Bytes given.
        got: usize,
    },
    /// A frame length below 2 (a frame holds at least the message type).
    FrameTooShort {
        /// The frame length.
        len: u16,
    },
    /// The TLV extension stream is invalid (including an unknown even TLV type).
    BadTlv {
        /// The message type.
        msg_type: u16,
        /// What is wrong with the stream.
        error: TlvError,
    },
    /// A known TLV record has the wrong length.
    BadTlvLength {
        /// The message type.
        msg_type: u16,
        /// The TLV type.
        tlv_type: u64,
        /// Its required length.
        expected: usize,
        /// Its length.
        got: usize,
    },
    /// A public key field is not a valid point.
    BadPoint {
        /// The message type.
        msg_type: u16,
        /// The 33 bytes given.
        bytes: [u8; 33],
    },
    /// A node id field is invalid.
    BadNodeId {
        /// The message type.
        msg_type: u16,
        /// What is wrong with it.
        error: NodeIdError,
    },
    /// A boolean byte other than 0 or 1.
    BadBool {
        /// The message type.
        msg_type: u16,
        /// The byte given.
        value: u8,
    },
}

impl fmt::Display for WireError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WireError::TooShort { msg_type, need, got } => {
                write!(f, "message type {msg_type} too short: need {need} bytes, got {got}")
            }
            WireError::LengthMismatch { msg_type, expected, got } => {
                write!(f, "message type {msg_type} must be {expected} bytes, got {got}")
            }
            WireError::UnknownEvenType(t) => write!(f, "unknown even message type {t}"),
            WireError::NoType { got } => {
                write!(f, "message of {got} bytes has no 2-byte type")
            }
            WireError::FrameTooShort { len } => {
                write!(f, "frame length {len} is below 2")
            }
            WireError::BadTlv { msg_type, error } => {
                write!(f, "bad tlv stream in message type {msg_type}: {error}")
            }
            WireError::BadTlvLength { msg_type, tlv_type, expected, got } => write!(
                f,
                "tlv type {tlv_type} of message type {msg_type} must be {expected} bytes, got {got}"
            ),
            WireError::BadPoint { msg_type, bytes } => write!(
                f,
                "message type {msg_type}: {} is not a valid point",
                types::hex::encode(bytes)
            ),
            WireError::BadNodeId { msg_type, error } => {
                write!(f, "message type {msg_type}: {error}")
            }
            WireError::BadBool { msg_type, value } => {
                write!(f, "message type {msg_type}: boolean byte {value} is not 0 or 1")
            }
        }
    }
}

impl std::error::Error for WireError {}

/// A cursor over a payload that reports short reads as [`WireError::TooShort`].
struct Reader<'a> {
    msg_type: u16,
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn new(msg_type: u16, bytes: &'a [u8]) -> Self {
        Reader { msg_type, bytes, pos: 0 }
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8], WireError> {
        let need = self.pos + n;
        let s = self.bytes.get(self.pos..need).ok_or(WireError::TooShort {
            msg_type: self.msg_type,
            need,
            got: self.bytes.len(),
        })?;
        self.pos = need;
        Ok(s)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], WireError> {
        let s = self.take(N)?;
        let mut a = [0u8; N];
        a.copy_from_slice(s);
        Ok(a)
    }

    fn u16(&mut self) -> Result<u16, WireError> {
        self.array().map(u16::from_be_bytes)
    }

    fn u32(&mut self) -> Result<u32, WireError> {
        self.array().map(u32::from_be_bytes)
    }

    fn u64(&mut self) -> Result<u64, WireError> {
        self.array().map(u64::from_be_bytes)
    }

    fn bool(&mut self) -> Result<bool, WireError> {
        match self.array::<1>()? {
            [0] => Ok(false),
            [1] => Ok(true),
            [value] => Err(WireError::BadBool { msg_type: self.msg_type, value }),
        }
    }

    fn channel_id(&mut self) -> Result<ChannelId, WireError> {
        self.array().map(ChannelId)
    }

    fn node_id(&mut self) -> Result<NodeId, WireError> {
        let msg_type = self.msg_type;
        NodeId::from_array(self.array()?).map_err(|error| WireError::BadNodeId { msg_type, error })
    }

    /// A `u16`-length byte string.
    fn var_bytes(&mut self) -> Result<Vec<u8>, WireError> {
        let len = self.u16()?;
        self.take(usize::from(len)).map(<[u8]>::to_vec)
    }

    fn rest(&mut self) -> &'a [u8] {
        let s = self.bytes.get(self.pos..).unwrap_or_default();
        self.pos = self.bytes.len();
        s
    }

    /// Checks that a fixed-size message was read to its end.
    fn finish(&self) -> Result<(), WireError> {
        if self.pos == self.bytes.len() {
            Ok(())
        } else {
            Err(WireError::LengthMismatch {
                msg_type: self.msg_type,
                expected: self.pos,
                got: self.bytes.len(),
            })
        }
    }

    /// The trailing TLV extension stream; `known` lists the types the message models.
    fn tlvs(&mut self, known: &[u64]) -> Result<TlvStream, WireError> {
        let msg_type = self.msg_type;
        TlvStream::decode(self.rest(), &|t| known.contains(&t))
            .map_err(|error| WireError::BadTlv { msg_type, error })
    }
}

/// Writes a `u16`-length byte string; the caller has checked the length fits.
fn put_var_bytes(out: &mut Vec<u8>, bytes: &[u8]) {
    let len = u16::try_from(bytes.len()).unwrap_or(u16::MAX);
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(bytes.get(..usize::from(len)).unwrap_or(bytes));
}

/// Writes the TLV stream made of `known` records (sorted by type, `None` skipped) and the
/// `unknown` ones, in type order. Records of `unknown` whose type is a known one are skipped.
fn put_tlvs(out: &mut Vec<u8>, known: &[(u64, Option<&[u8]>)], unknown: &TlvStream) {
    let mut known = known.iter().filter_map(|(t, v)| v.map(|v| (*t, v))).peekable();
    for r in &unknown.records {
        while let Some((t, v)) = known.next_if(|(t, _)| *t < r.typ) {
            tlv::encode_record(t, v, out);
        }
        if known.peek().is_some_and(|(t, _)| *t == r.typ) {
            continue;
        }
        tlv::encode_record(r.typ, &r.value, out);
    }
    for (t, v) in known {
        tlv::encode_record(t, v, out);
    }
}

fn known_tlv<const N: usize>(
    msg_type: u16,
    tlvs: &TlvStream,
    tlv_type: u64,
) -> Result<Option<[u8; N]>, WireError> {
    match tlvs.get(tlv_type) {
        None => Ok(None),
        Some(v) => <[u8; N]>::try_from(v).map(Some).map_err(|_| WireError::BadTlvLength {
            msg_type,
            tlv_type,
            expected: N,
            got: v.len(),
        }),
    }
}

/// Removes the records of `known` types, leaving the unknown (odd) ones.
fn strip_known(mut tlvs: TlvStream, known: &[u64]) -> TlvStream {
    tlvs.records.retain(|r| !known.contains(&r.typ));
    tlvs
}

/// BOLT 2 `update_add_htlc` (type 128).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpdateAddHtlc {
    /// The channel.
    pub channel_id: ChannelId,
    /// The HTLC id, per channel and sender.
    pub id: u64,
    /// The amount offered.
    pub amount_msat: Msat,
    /// The payment hash.
    pub payment_hash: PaymentHash,
    /// The absolute expiry height.
    pub cltv_expiry: u32,
    /// The BOLT 4 onion packet.
    pub onion: Box<[u8; ONION_LEN]>,
    /// TLV 0: the route-blinding point for the receiver of this HTLC.
    pub blinding_point: Option<PublicKey>,
    /// Unknown odd TLV records of the extension stream (kept to re-encode them).
    pub unknown_tlvs: TlvStream,
}

impl UpdateAddHtlc {
    /// The message type.
    pub const TYPE: u16 = msg_type::UPDATE_ADD_HTLC;
    const KNOWN_TLVS: &'static [u64] = &[0];

    /// Decodes the payload (the bytes after the type).
    pub fn decode(payload: &[u8]) -> Result<Self, WireError> {
        let mut r = Reader::new(Self::TYPE, payload);
        let channel_id = r.channel_id()?;
        let id = r.u64()?;
        let amount_msat = Msat(r.u64()?);
        let payment_hash = PaymentHash(r.array()?);
        let cltv_expiry = r.u32()?;
        let mut onion = Box::new([0u8; ONION_LEN]);
        onion.copy_from_slice(r.take(ONION_LEN)?);
        let tlvs = r.tlvs(Self::KNOWN_TLVS)?;
        let blinding_point = match known_tlv::<33>(Self::TYPE, &tlvs, 0)? {
            None => None,
            Some(bytes) => Some(
                PublicKey::from_slice(&bytes)
                    .map_err(|_| WireError::BadPoint { msg_type: Self::TYPE, bytes })?,
            ),
        };
        let unknown_tlvs = strip_known(tlvs, Self::KNOWN_TLVS);
        Ok(UpdateAddHtlc {
            channel_id,
            id,
            amount_msat,
            payment_hash,
            cltv_expiry,
            onion,
            blinding_point,
            unknown_tlvs,
        })
    }

    /// Appends the payload (without the type).
    pub fn encode_payload(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.channel_id.0);
        out.extend_from_slice(&self.id.to_be_bytes());
        out.extend_from_slice(&self.amount_msat.0.to_be_bytes());
        out.extend_from_slice(&self.payment_hash.0);
        out.extend_from_slice(&self.cltv_expiry.to_be_bytes());
        out.extend_from_slice(&self.onion[..]);
        let point = self.blinding_point.map(|p| p.serialize());
        put_tlvs(out, &[(0, point.as_ref().map(|p| &p[..]))], &self.unknown_tlvs);
    }
}

/// BOLT 2 `update_fulfill_htlc` (type 130).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpdateFulfillHtlc {
    /// The channel.
    pub channel_id: ChannelId,
    /// The HTLC id.
    pub id: u64,
    /// The preimage of the HTLC's payment hash.
    pub payment_preimage: PaymentPreimage,
    /// Unknown odd TLV records of the extension stream (e.g. attribution data, TLV 1).
    pub unknown_tlvs: TlvStream,
}

impl UpdateFulfillHtlc {
    /// The message type.
    pub const TYPE: u16 = msg_type::UPDATE_FULFILL_HTLC;

    /// Decodes the payload (the bytes after the type).
    pub fn decode(payload: &[u8]) -> Result<Self, WireError> {
        let mut r = Reader::new(Self::TYPE, payload);
        let channel_id = r.channel_id()?;
        let id = r.u64()?;
        let payment_preimage = PaymentPreimage(r.array()?);
        let unknown_tlvs = r.tlvs(&[])?;
        Ok(UpdateFulfillHtlc { channel_id, id, payment_preimage, unknown_tlvs })
    }

    /// Appends the payload (without the type).
    pub fn encode_payload(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.channel_id.0);
        out.extend_from_slice(&self.id.to_be_bytes());
        out.extend_from_slice(&self.payment_preimage.0);
        put_tlvs(out, &[], &self.unknown_tlvs);
    }
}

/// BOLT 2 `update_fail_htlc` (type 131).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpdateFailHtlc {
    /// The channel.
    pub channel_id: ChannelId,
    /// The HTLC id.
    pub id: u64,
    /// The encrypted BOLT 4 failure (at most 65535 bytes).
    pub reason: Vec<u8>,
    /// TLV 1: the attribution data of an attributable failure.
    pub attribution_data: Option<Vec<u8>>,
    /// Unknown odd TLV records of the extension stream.
    pub unknown_tlvs: TlvStream,
}

impl UpdateFailHtlc {
    /// The message type.
    pub const TYPE: u16 = msg_type::UPDATE_FAIL_HTLC;
    const KNOWN_TLVS: &'static [u64] = &[1];

    /// Decodes the payload (the bytes after the type).
    pub fn decode(payload: &[u8]) -> Result<Self, WireError> {
        let mut r = Reader::new(Self::TYPE, payload);
        let channel_id = r.channel_id()?;
        let id = r.u64()?;
        let reason = r.var_bytes()?;
        let tlvs = r.tlvs(Self::KNOWN_TLVS)?;
        let attribution_data = tlvs.get(1).map(<[u8]>::to_vec);
        let unknown_tlvs = strip_known(tlvs, Self::KNOWN_TLVS);
        Ok(UpdateFailHtlc { channel_id, id, reason, attribution_data, unknown_tlvs })
    }

    /// Appends the payload (without the type).
    pub fn encode_payload(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.channel_id.0);
        out.extend_from_slice(&self.id.to_be_bytes());
        put_var_bytes(out, &self.reason);
        put_tlvs(out, &[(1, self.attribution_data.as_deref())], &self.unknown_tlvs);
    }
}

/// BOLT 2 `update_fail_malformed_htlc` (type 135).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpdateFailMalformedHtlc {
    /// The channel.
    pub channel_id: ChannelId,
    /// The HTLC id.
    pub id: u64,
    /// SHA-256 of the onion the failing node received.
    pub sha256_of_onion: [u8; 32],
    /// The BOLT 4 failure code (with the BADONION bit).
    pub failure_code: u16,
    /// Unknown odd TLV records of the extension stream.
    pub unknown_tlvs: TlvStream,
}

impl UpdateFailMalformedHtlc {
    /// The message type.
    pub const TYPE: u16 = msg_type::UPDATE_FAIL_MALFORMED_HTLC;

    /// Decodes the payload (the bytes after the type).
    pub fn decode(payload: &[u8]) -> Result<Self, WireError> {
        let mut r = Reader::new(Self::TYPE, payload);
        let channel_id = r.channel_id()?;
        let id = r.u64()?;
        let sha256_of_onion = r.array()?;
        let failure_code = r.u16()?;
        let unknown_tlvs = r.tlvs(&[])?;
        Ok(UpdateFailMalformedHtlc { channel_id, id, sha256_of_onion, failure_code, unknown_tlvs })
    }

    /// Appends the payload (without the type).
    pub fn encode_payload(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.channel_id.0);
        out.extend_from_slice(&self.id.to_be_bytes());
        out.extend_from_slice(&self.sha256_of_onion);
        out.extend_from_slice(&self.failure_code.to_be_bytes());
        put_tlvs(out, &[], &self.unknown_tlvs);
    }
}

/// lnpay `hello` (32769), node → network: who we are and whether we want the gossip.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hello {
    /// The node's id.
    pub node_id: NodeId,
    /// Whether the network should send its gossip first.
    pub want_gossip: bool,
}

impl Hello {
    /// The message type.
    pub const TYPE: u16 = msg_type::HELLO;

    /// Decodes the payload (the bytes after the type).
    pub fn decode(payload: &[u8]) -> Result<Self, WireError> {
        let mut r = Reader::new(Self::TYPE, payload);
        let node_id = r.node_id()?;
        let want_gossip = r.bool()?;
        r.finish()?;
        Ok(Hello { node_id, want_gossip })
    }

    /// Appends the payload (without the type).
    pub fn encode_payload(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(self.node_id.as_bytes());
        out.push(u8::from(self.want_gossip));
    }
}

/// lnpay `channel_state` (32771), network → node: one of our first-hop channels.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChannelState {
    /// The channel.
    pub channel_id: ChannelId,
    /// Its short channel id.
    pub scid: ShortChannelId,
    /// The node at its other end.
    pub peer: NodeId,
    /// What we can send on it now.
    pub spendable_msat: Msat,
    /// The next HTLC id the network expects from us on it (every id below was received).
    pub next_htlc_id: u64,
}

impl ChannelState {
    /// The message type.
    pub const TYPE: u16 = msg_type::CHANNEL_STATE;

    /// Decodes the payload (the bytes after the type).
    pub fn decode(payload: &[u8]) -> Result<Self, WireError> {
        let mut r = Reader::new(Self::TYPE, payload);
        let channel_id = r.channel_id()?;
        let scid = ShortChannelId(r.u64()?);
        let peer = r.node_id()?;
        let spendable_msat = Msat(r.u64()?);
        let next_htlc_id = r.u64()?;
        r.finish()?;
        Ok(ChannelState { channel_id, scid, peer, spendable_msat, next_htlc_id })
    }

    /// Appends the payload (without the type).
    pub fn encode_payload(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.channel_id.0);
        out.extend_from_slice(&self.scid.0.to_be_bytes());
        out.extend_from_slice(self.peer.as_bytes());
        out.extend_from_slice(&self.spendable_msat.0.to_be_bytes());
        out.extend_from_slice(&self.next_htlc_id.to_be_bytes());
    }
}

/// lnpay `ready` (32773), network → node: the handshake is over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ready {
    /// The network's block height.
    pub block_height: u32,
    /// The network's simulated time.
    pub sim_time_ms: u64,
}

impl Ready {
    /// The message type.
    pub const TYPE: u16 = msg_type::READY;

    /// Decodes the payload (the bytes after the type).
    pub fn decode(payload: &[u8]) -> Result<Self, WireError> {
        let mut r = Reader::new(Self::TYPE, payload);
        let block_height = r.u32()?;
        let sim_time_ms = r.u64()?;
        r.finish()?;
        Ok(Ready { block_height, sim_time_ms })
    }

    /// Appends the payload (without the type).
    pub fn encode_payload(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.block_height.to_be_bytes());
        out.extend_from_slice(&self.sim_time_ms.to_be_bytes());
    }
}

/// lnpay `ack` (32775), node → network: this HTLC's resolution is stored durably.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ack {
    /// The channel.
    pub channel_id: ChannelId,
    /// The HTLC id.
    pub id: u64,
}

impl Ack {
    /// The message type.
    pub const TYPE: u16 = msg_type::ACK;

    /// Decodes the payload (the bytes after the type).
    pub fn decode(payload: &[u8]) -> Result<Self, WireError> {
        let mut r = Reader::new(Self::TYPE, payload);
        let channel_id = r.channel_id()?;
        let id = r.u64()?;
        r.finish()?;
        Ok(Ack { channel_id, id })
    }

    /// Appends the payload (without the type).
    pub fn encode_payload(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.channel_id.0);
        out.extend_from_slice(&self.id.to_be_bytes());
    }
}

/// lnpay `add_refused` (32777), network → node: our side of the channel refused the HTLC.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AddRefused {
    /// The channel.
    pub channel_id: ChannelId,
    /// The HTLC id.
    pub id: u64,
    /// Why: one of the `AddRefused::*` codes.
    pub code: u16,
}

impl AddRefused {
    /// The message type.
    pub const TYPE: u16 = msg_type::ADD_REFUSED;
    /// No such channel.
    pub const UNKNOWN_CHANNEL: u16 = 1;
    /// The channel is not one of ours.
    pub const NOT_OURS: u16 = 2;
    /// The peer is offline.
    pub const PEER_OFFLINE: u16 = 3;
    /// Not enough balance on our side.
    pub const INSUFFICIENT_BALANCE: u16 = 4;
    /// Too many HTLCs in flight on the channel.
    pub const TOO_MANY_HTLCS: u16 = 5;
    /// The HTLC id is below the next one the network expects.
    pub const ID_NOT_INCREASING: u16 = 6;

    /// Decodes the payload (the bytes after the type).
    pub fn decode(payload: &[u8]) -> Result<Self, WireError> {
        let mut r = Reader::new(Self::TYPE, payload);
        let channel_id = r.channel_id()?;
        let id = r.u64()?;
        let code = r.u16()?;
        r.finish()?;
        Ok(AddRefused { channel_id, id, code })
    }

    /// Appends the payload (without the type).
    pub fn encode_payload(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.channel_id.0);
        out.extend_from_slice(&self.id.to_be_bytes());
        out.extend_from_slice(&self.code.to_be_bytes());
    }
}

/// lnpay `invoice_request` (32779), node → network: ask a receiver for an invoice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvoiceRequest {
    /// Matches the reply to the request.
    pub request_id: u64,
    /// The receiver.
    pub payee: NodeId,
    /// The amount (0 = any).
    pub amount_msat: u64,
    /// The invoice description (at most 65535 bytes).
    pub description: Vec<u8>,
}

impl InvoiceRequest {
    /// The message type.
    pub const TYPE: u16 = msg_type::INVOICE_REQUEST;

    /// Decodes the payload (the bytes after the type).
    pub fn decode(payload: &[u8]) -> Result<Self, WireError> {
        let mut r = Reader::new(Self::TYPE, payload);
        let request_id = r.u64()?;
        let payee = r.node_id()?;
        let amount_msat = r.u64()?;
        let description = r.var_bytes()?;
        r.finish()?;
        Ok(InvoiceRequest { request_id, payee, amount_msat, description })
    }

    /// Appends the payload (without the type).
    pub fn encode_payload(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.request_id.to_be_bytes());
        out.extend_from_slice(self.payee.as_bytes());
        out.extend_from_slice(&self.amount_msat.to_be_bytes());
        put_var_bytes(out, &self.description);
    }
}

/// lnpay `invoice_reply` (32781), network → node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvoiceReply {
    /// The request answered.
    pub request_id: u64,
    /// The BOLT 11 invoice text (empty = refused; at most 65535 bytes).
    pub bolt11: Vec<u8>,
}

impl InvoiceReply {
    /// The message type.
    pub const TYPE: u16 = msg_type::INVOICE_REPLY;

    /// Decodes the payload (the bytes after the type).
    pub fn decode(payload: &[u8]) -> Result<Self, WireError> {
        let mut r = Reader::new(Self::TYPE, payload);
        let request_id = r.u64()?;
        let bolt11 = r.var_bytes()?;
        r.finish()?;
        Ok(InvoiceReply { request_id, bolt11 })
    }

    /// Appends the payload (without the type).
    pub fn encode_payload(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.request_id.to_be_bytes());
        put_var_bytes(out, &self.bolt11);
    }
}

/// One message of the node ⇄ network link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message {
    /// `update_add_htlc` (128).
    UpdateAddHtlc(UpdateAddHtlc),
    /// `update_fulfill_htlc` (130).
    UpdateFulfillHtlc(UpdateFulfillHtlc),
    /// `update_fail_htlc` (131).
    UpdateFailHtlc(UpdateFailHtlc),
    /// `update_fail_malformed_htlc` (135).
    UpdateFailMalformedHtlc(UpdateFailMalformedHtlc),
    /// BOLT 7 gossip (256, 257, 258), raw.
    Gossip {
        /// The message type.
        msg_type: u16,
        /// The payload (after the type).
        payload: Vec<u8>,
    },
    /// lnpay `hello`.
    Hello(Hello),
    /// lnpay `channel_state`.
    ChannelState(ChannelState),
    /// lnpay `ready`.
    Ready(Ready),
    /// lnpay `ack`.
    Ack(Ack),
    /// lnpay `add_refused`.
    AddRefused(AddRefused),
    /// lnpay `invoice_request`.
    InvoiceRequest(InvoiceRequest),
    /// lnpay `invoice_reply`.
    InvoiceReply(InvoiceReply),
    /// A message of an odd type we do not know, kept raw.
    Unknown {
        /// The (odd) message type.
        msg_type: u16,
        /// The payload (after the type).
        payload: Vec<u8>,
    },
}

/// Why a message cannot be framed.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum EncodeError {
    /// The message (type and payload) is longer than a frame's `u16` length allows.
    TooLong {
        /// The message type.
        msg_type: u16,
        /// Its encoded length.
        len: usize,
    },
    /// A `u16`-length field is longer than 65535 bytes.
    FieldTooLong {
        /// The message type.
        msg_type: u16,
        /// The field's length.
        len: usize,
    },
}

impl fmt::Display for EncodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EncodeError::TooLong { msg_type, len } => {
                write!(f, "message type {msg_type} of {len} bytes exceeds a frame's 65535")
            }
            EncodeError::FieldTooLong { msg_type, len } => {
                write!(f, "message type {msg_type} has a field of {len} bytes, more than 65535")
            }
        }
    }
}

impl std::error::Error for EncodeError {}

impl Message {
    /// The message type.
    pub fn msg_type(&self) -> u16 {
        match self {
            Message::UpdateAddHtlc(_) => UpdateAddHtlc::TYPE,
            Message::UpdateFulfillHtlc(_) => UpdateFulfillHtlc::TYPE,
            Message::UpdateFailHtlc(_) => UpdateFailHtlc::TYPE,
            Message::UpdateFailMalformedHtlc(_) => UpdateFailMalformedHtlc::TYPE,
            Message::Gossip { msg_type, .. } | Message::Unknown { msg_type, .. } => *msg_type,
            Message::Hello(_) => Hello::TYPE,
            Message::ChannelState(_) => ChannelState::TYPE,
            Message::Ready(_) => Ready::TYPE,
            Message::Ack(_) => Ack::TYPE,
            Message::AddRefused(_) => AddRefused::TYPE,
            Message::InvoiceRequest(_) => InvoiceRequest::TYPE,
            Message::InvoiceReply(_) => InvoiceReply::TYPE,
        }
    }

    /// Decodes a BOLT 1 message: the type, then the payload (a frame without its length).
    pub fn decode(bytes: &[u8]) -> Result<Message, WireError> {
        let (typ, payload) = match bytes {
            [a, b, rest @ ..] => (u16::from_be_bytes([*a, *b]), rest),
            _ => return Err(WireError::NoType { got: bytes.len() }),
        };
        Ok(match typ {
            msg_type::UPDATE_ADD_HTLC => Message::UpdateAddHtlc(UpdateAddHtlc::decode(payload)?),
            msg_type::UPDATE_FULFILL_HTLC => {
                Message::UpdateFulfillHtlc(UpdateFulfillHtlc::decode(payload)?)
            }
            msg_type::UPDATE_FAIL_HTLC => Message::UpdateFailHtlc(UpdateFailHtlc::decode(payload)?),
            msg_type::UPDATE_FAIL_MALFORMED_HTLC => {
                Message::UpdateFailMalformedHtlc(UpdateFailMalformedHtlc::decode(payload)?)
            }
            msg_type::CHANNEL_ANNOUNCEMENT
            | msg_type::NODE_ANNOUNCEMENT
            | msg_type::CHANNEL_UPDATE => {
                Message::Gossip { msg_type: typ, payload: payload.to_vec() }
            }
            msg_type::HELLO => Message::Hello(Hello::decode(payload)?),
            msg_type::CHANNEL_STATE => Message::ChannelState(ChannelState::decode(payload)?),
            msg_type::READY => Message::Ready(Ready::decode(payload)?),
            msg_type::ACK => Message::Ack(Ack::decode(payload)?),
            msg_type::ADD_REFUSED => Message::AddRefused(AddRefused::decode(payload)?),
            msg_type::INVOICE_REQUEST => Message::InvoiceRequest(InvoiceRequest::decode(payload)?),
            msg_type::INVOICE_REPLY => Message::InvoiceReply(InvoiceReply::decode(payload)?),
            t if t % 2 == 0 => return Err(WireError::UnknownEvenType(t)),
            t => Message::Unknown { msg_type: t, payload: payload.to_vec() },
        })
    }

    /// Appends the type and payload.
    pub fn encode_to(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.msg_type().to_be_bytes());
        match self {
            Message::UpdateAddHtlc(m) => m.encode_payload(out),
            Message::UpdateFulfillHtlc(m) => m.encode_payload(out),
            Message::UpdateFailHtlc(m) => m.encode_payload(out),
            Message::UpdateFailMalformedHtlc(m) => m.encode_payload(out),
            Message::Gossip { payload, .. } | Message::Unknown { payload, .. } => {
                out.extend_from_slice(payload)
            }
            Message::Hello(m) => m.encode_payload(out),
            Message::ChannelState(m) => m.encode_payload(out),
            Message::Ready(m) => m.encode_payload(out),
            Message::Ack(m) => m.encode_payload(out),
            Message::AddRefused(m) => m.encode_payload(out),
            Message::InvoiceRequest(m) => m.encode_payload(out),
            Message::InvoiceReply(m) => m.encode_payload(out),
        }
    }

    /// The type and payload (a frame without its length).
    ///
    /// A `u16`-length field longer than 65535 bytes is cut at 65535 (see
    /// [`Message::try_encode_frame`], which refuses it instead).
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.size_hint());
        self.encode_to(&mut out);
        out
    }

    /// The frame: `len: u16 BE`, then [`Message::encode`]'s bytes.
    ///
    /// A message too long for a frame (only possible with a byte field over 65535 bytes)
    /// gives an empty vector, so that nothing corrupt is ever written; use
    /// [`Message::try_encode_frame`] to learn why.
    pub fn encode_frame(&self) -> Vec<u8> {
        self.try_encode_frame().unwrap_or_default()
    }

    /// The frame, or why the message cannot be framed.
    pub fn try_encode_frame(&self) -> Result<Vec<u8>, EncodeError> {
        let msg_type = self.msg_type();
        let field = match self {
            Message::UpdateFailHtlc(m) => m.reason.len(),
            Message::InvoiceRequest(m) => m.description.len(),
            Message::InvoiceReply(m) => m.bolt11.len(),
            _ => 0,
        };
        if field > usize::from(u16::MAX) {
            return Err(EncodeError::FieldTooLong { msg_type, len: field });
        }
        let mut out = Vec::with_capacity(2 + self.size_hint());
        out.extend_from_slice(&[0, 0]);
        self.encode_to(&mut out);
        let len = out.len() - 2;
        let len16 = u16::try_from(len).map_err(|_| EncodeError::TooLong { msg_type, len })?;
        out[..2].copy_from_slice(&len16.to_be_bytes());
        Ok(out)
    }

    fn size_hint(&self) -> usize {
        2 + match self {
            Message::UpdateAddHtlc(m) => 32 + 8 + 8 + 32 + 4 + ONION_LEN + 35 + tlv_len(m),
            Message::UpdateFailHtlc(m) => {
                32 + 8 + 2 + m.reason.len() + m.attribution_data.as_ref().map_or(0, |a| a.len() + 4)
            }
            Message::Gossip { payload, .. } | Message::Unknown { payload, .. } => payload.len(),
            Message::InvoiceRequest(m) => 8 + 33 + 8 + 2 + m.description.len(),
            Message::InvoiceReply(m) => 8 + 2 + m.bolt11.len(),
            _ => 128,
        }
    }
}

fn tlv_len(m: &UpdateAddHtlc) -> usize {
    m.unknown_tlvs.encoded_len()
}

/// The largest number of bytes a [`FrameDecoder`] holds: one whole frame of the longest kind.
pub const MAX_FRAME: usize = 2 + u16::MAX as usize;

/// Splits a byte stream into frames and decodes each (sans-IO: the caller reads the socket).
///
/// Push bytes as they arrive with [`FrameDecoder::push`], then call [`FrameDecoder::next`]
/// until it returns `None`. A frame whose message is invalid yields one error and is skipped:
/// the framing stays in step, so decoding continues with the next frame. Consumed bytes are
/// released as frames are taken, so the buffer holds at most one partial frame (at most
/// [`MAX_FRAME`] bytes) beyond what was pushed and not yet taken.
#[derive(Debug, Default, Clone)]
pub struct FrameDecoder {
    buf: Vec<u8>,
    start: usize,
}

impl FrameDecoder {
    /// An empty decoder.
    pub fn new() -> Self {
        FrameDecoder::default()
    }

    /// Adds bytes received from the peer.
    pub fn push(&mut self, bytes: &[u8]) {
        if self.start > 0 && (self.start == self.buf.len() || self.start >= MAX_FRAME) {
            self.buf.drain(..self.start);
            self.start = 0;
        }
        self.buf.extend_from_slice(bytes);
    }

    /// Bytes held that do not yet make a whole frame (or are not yet taken).
    pub fn buffered(&self) -> usize {
        self.buf.len() - self.start
    }

    /// The next whole frame's message, an error for an invalid one, or `None` when more bytes
    /// are needed.
    #[allow(clippy::should_implement_trait)]
    pub fn next(&mut self) -> Option<Result<Message, WireError>> {
        let rest = self.buf.get(self.start..)?;
        let len = match rest {
            [a, b, ..] => u16::from_be_bytes([*a, *b]),
            _ => return None,
        };
        let body = rest.get(2..2 + usize::from(len))?;
        let result =
            if len < 2 { Err(WireError::FrameTooShort { len }) } else { Message::decode(body) };
        self.start += 2 + usize::from(len);
        if self.start == self.buf.len() {
            self.buf.clear();
            self.start = 0;
        }
        Some(result)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(n: u8) -> PublicKey {
        let secp = secp256k1::Secp256k1::signing_only();
        let sk = secp256k1::SecretKey::from_slice(&[n.max(1); 32]).unwrap();
        PublicKey::from_secret_key(&secp, &sk)
    }

    fn node(n: u8) -> NodeId {
        NodeId::from_pubkey(&key(n))
    }

    fn odd_tlvs() -> TlvStream {
        let mut s = TlvStream::default();
        s.insert(3, vec![1, 2, 3]);
        s.insert(65537, vec![0, 0, 0, 0, 0, 0, 0, 9]);
        s
    }

    /// One of each message, some with optional fields and unknown odd TLVs.
    fn samples() -> Vec<Message> {
        let cid = channel_id(ShortChannelId(0x0a00_000b_0001));
        let mut onion = Box::new([0u8; ONION_LEN]);
        for (i, b) in onion.iter_mut().enumerate() {
            *b = i as u8;
        }
        let add = UpdateAddHtlc {
            channel_id: cid,
            id: 7,
            amount_msat: Msat(123_456),
            payment_hash: PaymentHash([5; 32]),
            cltv_expiry: 800_123,
            onion,
            blinding_point: None,
            unknown_tlvs: TlvStream::default(),
        };
        let add_blinded =
            UpdateAddHtlc { blinding_point: Some(key(3)), unknown_tlvs: odd_tlvs(), ..add.clone() };
        let fail = UpdateFailHtlc {
            channel_id: cid,
            id: 9,
            reason: vec![0xab; 292],
            attribution_data: None,
            unknown_tlvs: TlvStream::default(),
        };
        vec![
            Message::UpdateAddHtlc(add),
            Message::UpdateAddHtlc(add_blinded),
            Message::UpdateFulfillHtlc(UpdateFulfillHtlc {
                channel_id: cid,
                id: 1,
                payment_preimage: PaymentPreimage([1; 32]),
                unknown_tlvs: TlvStream::default(),
            }),
            Message::UpdateFulfillHtlc(UpdateFulfillHtlc {
                channel_id: cid,
                id: u64::MAX,
                payment_preimage: PaymentPreimage([2; 32]),
                unknown_tlvs: odd_tlvs(),
            }),
            Message::UpdateFailHtlc(fail.clone()),
            Message::UpdateFailHtlc(UpdateFailHtlc {
                attribution_data: Some(vec![7; 920]),
                unknown_tlvs: odd_tlvs(),
                ..fail
            }),
            Message::UpdateFailHtlc(UpdateFailHtlc {
                channel_id: cid,
                id: 0,
                reason: vec![],
                attribution_data: Some(vec![]),
                unknown_tlvs: TlvStream::default(),
            }),
            Message::UpdateFailMalformedHtlc(UpdateFailMalformedHtlc {
                channel_id: cid,
                id: 3,
                sha256_of_onion: [9; 32],
                failure_code: 0x8000 | 0x4000 | 5,
                unknown_tlvs: TlvStream::default(),
            }),
            Message::Gossip { msg_type: 258, payload: vec![1, 2, 3] },
            Message::Gossip { msg_type: 256, payload: vec![] },
            Message::Hello(Hello { node_id: node(1), want_gossip: true }),
            Message::Hello(Hello { node_id: node(2), want_gossip: false }),
            Message::ChannelState(ChannelState {
                channel_id: cid,
                scid: ShortChannelId(0x0a00_000b_0001),
                peer: node(4),
                spendable_msat: Msat(10_000_000),
                next_htlc_id: 8,
            }),
            Message::Ready(Ready { block_height: 850_000, sim_time_ms: 123_456_789 }),
            Message::Ack(Ack { channel_id: cid, id: 7 }),
            Message::AddRefused(AddRefused {
                channel_id: cid,
                id: 8,
                code: AddRefused::ID_NOT_INCREASING,
            }),
            Message::InvoiceRequest(InvoiceRequest {
                request_id: 1,
                payee: node(5),
                amount_msat: 0,
                description: b"coffee".to_vec(),
            }),
            Message::InvoiceReply(InvoiceReply { request_id: 1, bolt11: b"lnbcrt1...".to_vec() }),
            Message::InvoiceReply(InvoiceReply { request_id: 2, bolt11: vec![] }),
            Message::Unknown { msg_type: 32783, payload: vec![4, 5] },
            Message::Unknown { msg_type: 1, payload: vec![] },
        ]
    }

    #[test]
    fn every_message_round_trips() {
        let samples = samples();
        assert_eq!(samples.len(), 21);
        for m in &samples {
            let bytes = m.encode();
            assert_eq!(u16::from_be_bytes([bytes[0], bytes[1]]), m.msg_type());
            assert_eq!(Message::decode(&bytes).as_ref(), Ok(m), "{m:?}");
            let frame = m.encode_frame();
            assert_eq!(usize::from(u16::from_be_bytes([frame[0], frame[1]])), bytes.len());
            assert_eq!(frame[2..], bytes[..]);
        }
    }

    #[test]
    fn fixed_layouts() {
        let cid = ChannelId([0x11; 32]);
        let ack = Message::Ack(Ack { channel_id: cid, id: 0x0102 }).encode();
        assert_eq!(ack[..2], [0x80, 0x07]);
        assert_eq!(ack[2..34], [0x11; 32]);
        assert_eq!(ack[34..], [0, 0, 0, 0, 0, 0, 1, 2]);
        let ready = Message::Ready(Ready { block_height: 1, sim_time_ms: 2 }).encode();
        assert_eq!(ready, [0x80, 0x05, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 2]);
        // update_fulfill_htlc: 32 + 8 + 32 bytes, no TLVs.
        let f = UpdateFulfillHtlc {
            channel_id: cid,
            id: 1,
            payment_preimage: PaymentPreimage([0x22; 32]),
            unknown_tlvs: TlvStream::default(),
        };
        let mut payload = Vec::new();
        f.encode_payload(&mut payload);
        assert_eq!(payload.len(), 72);
        // The channel id of the spec: sha256("lnpay-sim-channel" || scid BE).
        let mut h = Sha256::new();
        h.update(b"lnpay-sim-channel");
        h.update([0, 0, 0, 0, 0, 0, 0, 1]);
        assert_eq!(channel_id(ShortChannelId(1)).0, <[u8; 32]>::from(h.finalize()));
        assert_ne!(channel_id(ShortChannelId(1)), channel_id(ShortChannelId(2)));
    }

    #[test]
    fn every_truncation_is_an_error() {
        let mut checked = 0;
        for m in samples() {
            let bytes = m.encode();
            let fixed = matches!(
                m,
                Message::Hello(_)
                    | Message::ChannelState(_)
                    | Message::Ready(_)
                    | Message::Ack(_)
                    | Message::AddRefused(_)
                    | Message::InvoiceRequest(_)
                    | Message::InvoiceReply(_)
            );
            let has_tlvs = match &m {
                Message::UpdateAddHtlc(a) => {
                    a.blinding_point.is_some() || !a.unknown_tlvs.records.is_empty()
                }
                Message::UpdateFulfillHtlc(a) => !a.unknown_tlvs.records.is_empty(),
                Message::UpdateFailHtlc(a) => {
                    a.attribution_data.is_some() || !a.unknown_tlvs.records.is_empty()
                }
                _ => false,
            };
            if !(fixed
                || matches!(
                    m,
                    Message::UpdateAddHtlc(_)
                        | Message::UpdateFailHtlc(_)
                        | Message::UpdateFulfillHtlc(_)
                        | Message::UpdateFailMalformedHtlc(_)
                ))
            {
                continue;
            }
            for cut in 0..bytes.len() {
                let result = Message::decode(&bytes[..cut]);
                // A BOLT 2 message cut inside its TLV stream may end on a record boundary:
                // that is a valid shorter message, which must then differ.
                match result {
                    Err(_) => {}
                    Ok(other) => {
                        assert!(has_tlvs, "{m:?} cut at {cut} decodes");
                        assert_ne!(other, m);
                    }
                }
                checked += 1;
            }
            // One extra byte: fixed-size messages refuse it, BOLT 2 ones read a bad TLV.
            let mut longer = bytes.clone();
            longer.push(0);
            assert!(Message::decode(&longer).is_err(), "{m:?} plus a byte decodes");
        }
        assert!(checked > 5000, "only {checked} truncations checked");
    }

    #[test]
    fn truncation_errors_name_lengths() {
        assert_eq!(Message::decode(&[0x80]), Err(WireError::NoType { got: 1 }));
        assert_eq!(
            UpdateFulfillHtlc::decode(&[0; 50]),
            Err(WireError::TooShort { msg_type: 130, need: 72, got: 50 })
        );
        assert_eq!(
            Ack::decode(&[0; 41]),
            Err(WireError::LengthMismatch { msg_type: 32775, expected: 40, got: 41 })
        );
        let mut hello = node(1).as_bytes().to_vec();
        hello.push(2);
        assert_eq!(Hello::decode(&hello), Err(WireError::BadBool { msg_type: 32769, value: 2 }));
        hello[0] = 4;
        hello[33] = 0;
        assert!(matches!(Hello::decode(&hello), Err(WireError::BadNodeId { msg_type: 32769, .. })));
        // reason length beyond the payload
        let mut fail = vec![0u8; 40];
        fail.extend_from_slice(&[0, 10, 1, 2]);
        assert_eq!(
            UpdateFailHtlc::decode(&fail),
            Err(WireError::TooShort { msg_type: 131, need: 52, got: 44 })
        );
    }

    #[test]
    fn unknown_message_types() {
        assert_eq!(Message::decode(&[0, 2, 1]), Err(WireError::UnknownEvenType(2)));
        assert_eq!(Message::decode(&[0x80, 0x02]), Err(WireError::UnknownEvenType(32770)));
        assert_eq!(Message::decode(&[0, 16]), Err(WireError::UnknownEvenType(16)));
        assert_eq!(
            Message::decode(&[0x80, 0x11, 9]),
            Ok(Message::Unknown { msg_type: 32785, payload: vec![9] })
        );
        assert_eq!(
            Message::decode(&[1, 2, 9]),
            Ok(Message::Gossip { msg_type: 258, payload: vec![9] })
        );
    }

    fn fulfill_with(tlvs: &[u8]) -> Vec<u8> {
        let mut p = vec![0u8; 72];
        p.extend_from_slice(tlvs);
        p
    }

    #[test]
    fn tlv_rules() {
        // unknown even TLV: refused
        assert!(matches!(
            UpdateFulfillHtlc::decode(&fulfill_with(&[2, 1, 0])),
            Err(WireError::BadTlv { msg_type: 130, error: TlvError::UnknownEvenType { typ: 2 } })
        ));
        // unknown odd TLV: kept, re-encoded identically
        let bytes = fulfill_with(&[1, 2, 7, 7, 5, 0]);
        let m = UpdateFulfillHtlc::decode(&bytes).unwrap();
        assert_eq!(m.unknown_tlvs.get(1), Some(&[7u8, 7][..]));
        assert_eq!(m.unknown_tlvs.get(5), Some(&[][..]));
        let mut out = Vec::new();
        m.encode_payload(&mut out);
        assert_eq!(out, bytes);
        // out of order, truncated
        assert!(matches!(
            UpdateFulfillHtlc::decode(&fulfill_with(&[5, 0, 1, 0])),
            Err(WireError::BadTlv { error: TlvError::NotIncreasing { previous: 5, typ: 1 }, .. })
        ));
        assert!(matches!(
            UpdateFulfillHtlc::decode(&fulfill_with(&[1, 3, 0])),
            Err(WireError::BadTlv { error: TlvError::ValueTruncated { typ: 1, .. }, .. })
        ));
        // known even TLV 0 of update_add_htlc: wrong length, not a point
        let mut add = vec![0u8; 32 + 8 + 8 + 32 + 4 + ONION_LEN];
        let base = add.len();
        add.extend_from_slice(&[0, 2, 2, 2]);
        assert_eq!(
            UpdateAddHtlc::decode(&add),
            Err(WireError::BadTlvLength { msg_type: 128, tlv_type: 0, expected: 33, got: 2 })
        );
        add.truncate(base);
        add.extend_from_slice(&[0, 33, 2]);
        add.extend_from_slice(&[0xff; 32]);
        assert!(matches!(UpdateAddHtlc::decode(&add), Err(WireError::BadPoint { .. })));
        add.truncate(base);
        add.extend_from_slice(&[0, 33]);
        add.extend_from_slice(&key(9).serialize());
        add.extend_from_slice(&[4, 0]); // unknown even after it
        assert!(matches!(
            UpdateAddHtlc::decode(&add),
            Err(WireError::BadTlv { error: TlvError::UnknownEvenType { typ: 4 }, .. })
        ));
        add.truncate(add.len() - 2);
        assert_eq!(UpdateAddHtlc::decode(&add).unwrap().blinding_point, Some(key(9)));
        // update_fail_htlc: TLV 1 is the attribution data, not an unknown record
        let mut fail = vec![0u8; 40];
        fail.extend_from_slice(&[0, 1, 0xee, 1, 2, 3, 4, 3, 0]);
        let f = UpdateFailHtlc::decode(&fail).unwrap();
        assert_eq!(f.attribution_data, Some(vec![3, 4]));
        assert_eq!(f.unknown_tlvs.records.len(), 1);
        let mut out = Vec::new();
        f.encode_payload(&mut out);
        assert_eq!(out, fail);
    }

    #[test]
    fn encode_ignores_known_types_in_unknown_tlvs() {
        let mut tlvs = TlvStream::default();
        tlvs.insert(1, vec![9]);
        tlvs.insert(3, vec![8]);
        let f = UpdateFailHtlc {
            channel_id: ChannelId([0; 32]),
            id: 0,
            reason: vec![],
            attribution_data: Some(vec![1]),
            unknown_tlvs: tlvs,
        };
        let m = Message::UpdateFailHtlc(f);
        let d = Message::decode(&m.encode()).unwrap();
        let Message::UpdateFailHtlc(d) = d else { panic!("{d:?}") };
        assert_eq!(d.attribution_data, Some(vec![1]));
        assert_eq!(d.unknown_tlvs.records.len(), 1);
    }

    #[test]
    fn oversized_fields_are_refused_by_try_encode_frame() {
        let m = Message::InvoiceReply(InvoiceReply { request_id: 1, bolt11: vec![b'x'; 70_000] });
        assert_eq!(
            m.try_encode_frame(),
            Err(EncodeError::FieldTooLong { msg_type: 32781, len: 70_000 })
        );
        assert!(m.encode_frame().is_empty());
        let m = Message::Unknown { msg_type: 1, payload: vec![0; 65_534] };
        assert_eq!(m.try_encode_frame(), Err(EncodeError::TooLong { msg_type: 1, len: 65_536 }));
        let m = Message::Unknown { msg_type: 1, payload: vec![0; 65_533] };
        assert_eq!(m.try_encode_frame().unwrap().len(), MAX_FRAME);
    }

    fn stream() -> (Vec<u8>, Vec<Message>) {
        let msgs = samples();
        let mut bytes = Vec::new();
        for m in &msgs {
            bytes.extend_from_slice(&m.encode_frame());
        }
        (bytes, msgs)
    }

    fn drain(d: &mut FrameDecoder, out: &mut Vec<Message>) {
        while let Some(r) = d.next() {
            out.push(r.unwrap());
        }
    }

    #[test]
    fn frame_decoder_byte_by_byte() {
        let (bytes, msgs) = stream();
        let mut d = FrameDecoder::new();
        let mut got = Vec::new();
        for b in &bytes {
            d.push(std::slice::from_ref(b));
            drain(&mut d, &mut got);
            assert!(d.buffered() < MAX_FRAME);
        }
        assert_eq!(got, msgs);
        assert_eq!(d.buffered(), 0);
    }

    #[test]
    fn frame_decoder_random_chunks() {
        let (bytes, msgs) = stream();
        let mut rng = crate::SimRng::new(42);
        for _ in 0..50 {
            let mut d = FrameDecoder::new();
            let mut got = Vec::new();
            let mut rest = &bytes[..];
            while !rest.is_empty() {
                let n = (rng.next_u64() % 3000) as usize + 1;
                let (a, b) = rest.split_at(n.min(rest.len()));
                d.push(a);
                rest = b;
                if rng.next_u64() % 2 == 0 {
                    drain(&mut d, &mut got);
                }
            }
            drain(&mut d, &mut got);
            assert_eq!(got, msgs);
        }
    }

    #[test]
    fn frame_decoder_skips_bad_frames_and_stays_in_step() {
        let good = Message::Ack(Ack { channel_id: ChannelId([1; 32]), id: 1 }).encode_frame();
        let mut bytes = vec![0, 1, 0xaa]; // length 1: below 2
        bytes.extend_from_slice(&[0, 3, 0, 2, 7]); // unknown even type 2
        bytes.extend_from_slice(&[0, 3, 0x80, 0x07, 0]); // ack far too short
        bytes.extend_from_slice(&good);
        let mut d = FrameDecoder::new();
        d.push(&bytes);
        assert_eq!(d.next(), Some(Err(WireError::FrameTooShort { len: 1 })));
        assert_eq!(d.next(), Some(Err(WireError::UnknownEvenType(2))));
        assert!(matches!(d.next(), Some(Err(WireError::TooShort { msg_type: 32775, .. }))));
        assert_eq!(d.next(), Some(Message::decode(&good[2..])));
        assert_eq!(d.next(), None);
        // an incomplete frame waits
        d.push(&good[..10]);
        assert_eq!(d.next(), None);
        d.push(&good[10..]);
        assert!(matches!(d.next(), Some(Ok(Message::Ack(_)))));
    }
}
