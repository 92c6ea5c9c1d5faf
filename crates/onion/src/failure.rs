//! BOLT 4 failure messages and return packets ("Returning Errors").
//!
//! At the erring node, [`build_return_packet`] lays out `hmac || failure_len || failuremsg ||
//! pad_len || pad`, authenticates it with the `um` key and obfuscates it with the `ammag`
//! stream; every hop on the way back calls [`wrap_return_packet`] with its own shared secret.
//! The origin calls [`decode_return_packet`] with the shared secrets of the route: it peels one
//! layer per hop until an HMAC matches, which names the erring hop, and parses the failure
//! message into a typed [`FailureMessage`].
//!
//! Attribution data (hold times and truncated HMACs) lives in [`crate::attribution`].

use crate::crypto::{ct_eq, hmac_sha256, xor_stream, SharedSecret};
use core::fmt;
use types::bigsize;
use types::Msat;

pub use wire::failure::{code, code_name, BADONION, NODE, PERM, UPDATE};

/// `failure_len + pad_len` of the legacy return packet (BOLT 4 "SHOULD ... equal to 256").
pub const LEGACY_PAYLOAD_LEN: usize = 256;
/// `failure_len + pad_len` of the return packets in the spec's attributable-failure test vector:
/// messages up to 1024 bytes are padded to 1024.
pub const ATTRIBUTABLE_PAYLOAD_LEN: usize = 1024;
/// The 32-byte HMAC at the head of a return packet.
pub const HMAC_LEN: usize = 32;
/// Shortest return packet: the HMAC and the two length fields.
pub const MIN_PACKET_LEN: usize = HMAC_LEN + 4;

/// A BOLT 4 failure message (`failuremsg`): the failure code and its data.
///
/// Decoding ignores bytes after a known code's data (the optional TLV stream and anything
/// else, as BOLT 4 requires); they stay in [`DecodedFailure::raw`]. A code this type does not
/// know, or a known code whose data is too short to parse, is kept as [`FailureMessage::Other`]
/// with its bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum FailureMessage {
    /// `temporary_node_failure` (NODE|2).
    TemporaryNodeFailure,
    /// `permanent_node_failure` (PERM|NODE|2).
    PermanentNodeFailure,
    /// `required_node_feature_missing` (PERM|NODE|3).
    RequiredNodeFeatureMissing,
    /// `invalid_onion_version` (BADONION|PERM|4).
    InvalidOnionVersion {
        /// SHA-256 of the onion the node received.
        sha256_of_onion: [u8; 32],
    },
    /// `invalid_onion_hmac` (BADONION|PERM|5).
    InvalidOnionHmac {
        /// SHA-256 of the onion the node received.
        sha256_of_onion: [u8; 32],
    },
    /// `invalid_onion_key` (BADONION|PERM|6).
    InvalidOnionKey {
        /// SHA-256 of the onion the node received.
        sha256_of_onion: [u8; 32],
    },
    /// `temporary_channel_failure` (UPDATE|7).
    TemporaryChannelFailure {
        /// The `channel_update` (empty when the node sent none).
        channel_update: Vec<u8>,
    },
    /// `permanent_channel_failure` (PERM|8).
    PermanentChannelFailure,
    /// `required_channel_feature_missing` (PERM|9).
    RequiredChannelFeatureMissing,
    /// `unknown_next_peer` (PERM|10).
    UnknownNextPeer,
    /// `amount_below_minimum` (UPDATE|11).
    AmountBelowMinimum {
        /// The amount of the HTLC.
        htlc_msat: Msat,
        /// The `channel_update` (empty when the node sent none).
        channel_update: Vec<u8>,
    },
    /// `fee_insufficient` (UPDATE|12).
    FeeInsufficient {
        /// The amount of the incoming HTLC.
        htlc_msat: Msat,
        /// The `channel_update` (empty when the node sent none).
        channel_update: Vec<u8>,
    },
    /// `incorrect_cltv_expiry` (UPDATE|13).
    IncorrectCltvExpiry {
        /// The `cltv_expiry` of the HTLC.
        cltv_expiry: u32,
        /// The `channel_update` (empty when the node sent none).
        channel_update: Vec<u8>,
    },
    /// `expiry_too_soon` (UPDATE|14).
    ExpiryTooSoon {
        /// The `channel_update` (empty when the node sent none).
        channel_update: Vec<u8>,
    },
    /// `incorrect_or_unknown_payment_details` (PERM|15).
    IncorrectOrUnknownPaymentDetails {
        /// The amount of the HTLC.
        htlc_msat: Msat,
        /// The final node's block height.
        height: u32,
    },
    /// `final_incorrect_cltv_expiry` (18).
    FinalIncorrectCltvExpiry {
        /// The `cltv_expiry` of the HTLC.
        cltv_expiry: u32,
    },
    /// `final_incorrect_htlc_amount` (19).
    FinalIncorrectHtlcAmount {
        /// The amount of the incoming HTLC.
        incoming_htlc_amt: Msat,
    },
    /// `channel_disabled` (UPDATE|20).
    ChannelDisabled {
        /// `disabled_flags` (none defined yet: zero).
        disabled_flags: u16,
        /// The `channel_update` (empty when the node sent none).
        channel_update: Vec<u8>,
    },
    /// `expiry_too_far` (21).
    ExpiryTooFar,
    /// `invalid_onion_payload` (PERM|22).
    InvalidOnionPayload {
        /// The offending TLV type and its byte offset in the payload, when the node gave them.
        position: Option<(u64, u16)>,
    },
    /// `mpp_timeout` (23).
    MppTimeout,
    /// `invalid_onion_blinding` (BADONION|PERM|24).
    InvalidOnionBlinding {
        /// SHA-256 of the onion the node received.
        sha256_of_onion: [u8; 32],
    },
    /// A code this type does not parse (unknown, retired, or with truncated data).
    Other {
        /// The failure code.
        code: u16,
        /// Everything after the code.
        data: Vec<u8>,
    },
}

/// A big-endian reader over failure data that never panics.
struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let (head, rest) = (self.0.get(..n)?, self.0.get(n..)?);
        self.0 = rest;
        Some(head)
    }
    fn array<const N: usize>(&mut self) -> Option<[u8; N]> {
        self.take(N)?.try_into().ok()
    }
    fn u16(&mut self) -> Option<u16> {
        self.array().map(u16::from_be_bytes)
    }
    fn u32(&mut self) -> Option<u32> {
        self.array().map(u32::from_be_bytes)
    }
    fn u64(&mut self) -> Option<u64> {
        self.array().map(u64::from_be_bytes)
    }
    /// `u16 len || channel_update`; a missing length reads as no update.
    fn channel_update(&mut self) -> Option<Vec<u8>> {
        if self.0.is_empty() {
            return Some(Vec::new());
        }
        let len = self.u16()?;
        self.take(usize::from(len)).map(<[u8]>::to_vec)
    }
}

impl FailureMessage {
    /// The failure code.
    pub fn code(&self) -> u16 {
        use code::*;
        match self {
            FailureMessage::TemporaryNodeFailure => TEMPORARY_NODE_FAILURE,
            FailureMessage::PermanentNodeFailure => PERMANENT_NODE_FAILURE,
            FailureMessage::RequiredNodeFeatureMissing => REQUIRED_NODE_FEATURE_MISSING,
            FailureMessage::InvalidOnionVersion { .. } => INVALID_ONION_VERSION,
            FailureMessage::InvalidOnionHmac { .. } => INVALID_ONION_HMAC,
            FailureMessage::InvalidOnionKey { .. } => INVALID_ONION_KEY,
            FailureMessage::TemporaryChannelFailure { .. } => TEMPORARY_CHANNEL_FAILURE,
            FailureMessage::PermanentChannelFailure => PERMANENT_CHANNEL_FAILURE,
            FailureMessage::RequiredChannelFeatureMissing => REQUIRED_CHANNEL_FEATURE_MISSING,
            FailureMessage::UnknownNextPeer => UNKNOWN_NEXT_PEER,
            FailureMessage::AmountBelowMinimum { .. } => AMOUNT_BELOW_MINIMUM,
            FailureMessage::FeeInsufficient { .. } => FEE_INSUFFICIENT,
            FailureMessage::IncorrectCltvExpiry { .. } => INCORRECT_CLTV_EXPIRY,
            FailureMessage::ExpiryTooSoon { .. } => EXPIRY_TOO_SOON,
            FailureMessage::IncorrectOrUnknownPaymentDetails { .. } => {
                INCORRECT_OR_UNKNOWN_PAYMENT_DETAILS
            }
            FailureMessage::FinalIncorrectCltvExpiry { .. } => FINAL_INCORRECT_CLTV_EXPIRY,
            FailureMessage::FinalIncorrectHtlcAmount { .. } => FINAL_INCORRECT_HTLC_AMOUNT,
            FailureMessage::ChannelDisabled { .. } => CHANNEL_DISABLED,
            FailureMessage::ExpiryTooFar => EXPIRY_TOO_FAR,
            FailureMessage::InvalidOnionPayload { .. } => INVALID_ONION_PAYLOAD,
            FailureMessage::MppTimeout => MPP_TIMEOUT,
            FailureMessage::InvalidOnionBlinding { .. } => INVALID_ONION_BLINDING,
            FailureMessage::Other { code, .. } => *code,
        }
    }

    /// The Core Lightning name of the code (`WIRE_TEMPORARY_CHANNEL_FAILURE`, ...), or the
    /// empty string for a code it does not name (Core Lightning then omits `failcodename`;
    /// [`code_name`] gives the same as an `Option`).
    pub fn name(&self) -> &'static str {
        code_name(self.code()).unwrap_or("")
    }

    /// Whether the BADONION flag is set.
    pub fn is_badonion(&self) -> bool {
        self.code() & BADONION != 0
    }
    /// Whether the PERM flag is set.
    pub fn is_perm(&self) -> bool {
        self.code() & PERM != 0
    }
    /// Whether the NODE flag is set.
    pub fn is_node(&self) -> bool {
        self.code() & NODE != 0
    }
    /// Whether the UPDATE flag is set.
    pub fn is_update(&self) -> bool {
        self.code() & UPDATE != 0
    }

    /// The `channel_update` an UPDATE failure carries, `None` when there is none (another code,
    /// or a zero-length update).
    pub fn channel_update(&self) -> Option<&[u8]> {
        let update = match self {
            FailureMessage::TemporaryChannelFailure { channel_update }
            | FailureMessage::AmountBelowMinimum { channel_update, .. }
            | FailureMessage::FeeInsufficient { channel_update, .. }
            | FailureMessage::IncorrectCltvExpiry { channel_update, .. }
            | FailureMessage::ExpiryTooSoon { channel_update }
            | FailureMessage::ChannelDisabled { channel_update, .. } => channel_update,
            _ => return None,
        };
        (!update.is_empty()).then_some(update.as_slice())
    }

    /// Appends the wire form (`failure_code || data`) to `out`.
    pub fn encode_into(&self, out: &mut Vec<u8>) {
        fn update(out: &mut Vec<u8>, u: &[u8]) {
            // A channel_update never exceeds a u16 length on the wire; clamp defensively.
            let len = u16::try_from(u.len()).unwrap_or(u16::MAX);
            out.extend_from_slice(&len.to_be_bytes());
            out.extend_from_slice(u.get(..usize::from(len)).unwrap_or(u));
        }
        out.extend_from_slice(&self.code().to_be_bytes());
        match self {
            FailureMessage::InvalidOnionVersion { sha256_of_onion }
            | FailureMessage::InvalidOnionHmac { sha256_of_onion }
            | FailureMessage::InvalidOnionKey { sha256_of_onion }
            | FailureMessage::InvalidOnionBlinding { sha256_of_onion } => {
                out.extend_from_slice(sha256_of_onion)
            }
            FailureMessage::TemporaryChannelFailure { channel_update }
            | FailureMessage::ExpiryTooSoon { channel_update } => update(out, channel_update),
            FailureMessage::AmountBelowMinimum { htlc_msat, channel_update }
            | FailureMessage::FeeInsufficient { htlc_msat, channel_update } => {
                out.extend_from_slice(&htlc_msat.0.to_be_bytes());
                update(out, channel_update);
            }
            FailureMessage::IncorrectCltvExpiry { cltv_expiry, channel_update } => {
                out.extend_from_slice(&cltv_expiry.to_be_bytes());
                update(out, channel_update);
            }
            FailureMessage::IncorrectOrUnknownPaymentDetails { htlc_msat, height } => {
                out.extend_from_slice(&htlc_msat.0.to_be_bytes());
                out.extend_from_slice(&height.to_be_bytes());
            }
            FailureMessage::FinalIncorrectCltvExpiry { cltv_expiry } => {
                out.extend_from_slice(&cltv_expiry.to_be_bytes())
            }
            FailureMessage::FinalIncorrectHtlcAmount { incoming_htlc_amt } => {
                out.extend_from_slice(&incoming_htlc_amt.0.to_be_bytes())
            }
            FailureMessage::ChannelDisabled { disabled_flags, channel_update } => {
                out.extend_from_slice(&disabled_flags.to_be_bytes());
                update(out, channel_update);
            }
            FailureMessage::InvalidOnionPayload { position: Some((typ, offset)) } => {
                bigsize::encode(*typ, out);
                out.extend_from_slice(&offset.to_be_bytes());
            }
            FailureMessage::Other { data, .. } => out.extend_from_slice(data),
            FailureMessage::TemporaryNodeFailure
            | FailureMessage::PermanentNodeFailure
            | FailureMessage::RequiredNodeFeatureMissing
            | FailureMessage::PermanentChannelFailure
            | FailureMessage::RequiredChannelFeatureMissing
            | FailureMessage::UnknownNextPeer
            | FailureMessage::ExpiryTooFar
            | FailureMessage::InvalidOnionPayload { position: None }
            | FailureMessage::MppTimeout => {}
        }
    }

    /// The wire form: `failure_code || data`.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(64);
        self.encode_into(&mut out);
        out
    }

    /// Parses a failure message (`failure_code || data || optional tlv`).
    pub fn decode(bytes: &[u8]) -> Result<FailureMessage, FailureMessageError> {
        let mut r = Reader(bytes);
        let code = r.u16().ok_or(FailureMessageError::TooShort { len: bytes.len() })?;
        let data = r.0;
        Ok(Self::parse_data(code, data)
            .unwrap_or_else(|| FailureMessage::Other { code, data: data.to_vec() }))
    }

    fn parse_data(failure_code: u16, data: &[u8]) -> Option<FailureMessage> {
        use code::*;
        let mut r = Reader(data);
        Some(match failure_code {
            TEMPORARY_NODE_FAILURE => FailureMessage::TemporaryNodeFailure,
            PERMANENT_NODE_FAILURE => FailureMessage::PermanentNodeFailure,
            REQUIRED_NODE_FEATURE_MISSING => FailureMessage::RequiredNodeFeatureMissing,
            INVALID_ONION_VERSION => {
                FailureMessage::InvalidOnionVersion { sha256_of_onion: r.array()? }
            }
            INVALID_ONION_HMAC => FailureMessage::InvalidOnionHmac { sha256_of_onion: r.array()? },
            INVALID_ONION_KEY => FailureMessage::InvalidOnionKey { sha256_of_onion: r.array()? },
            TEMPORARY_CHANNEL_FAILURE => {
                FailureMessage::TemporaryChannelFailure { channel_update: r.channel_update()? }
            }
            PERMANENT_CHANNEL_FAILURE => FailureMessage::PermanentChannelFailure,
            REQUIRED_CHANNEL_FEATURE_MISSING => FailureMessage::RequiredChannelFeatureMissing,
            UNKNOWN_NEXT_PEER => FailureMessage::UnknownNextPeer,
            AMOUNT_BELOW_MINIMUM => FailureMessage::AmountBelowMinimum {
                htlc_msat: Msat(r.u64()?),
                channel_update: r.channel_update()?,
            },
            FEE_INSUFFICIENT => FailureMessage::FeeInsufficient {
                htlc_msat: Msat(r.u64()?),
                channel_update: r.channel_update()?,
            },
            INCORRECT_CLTV_EXPIRY => FailureMessage::IncorrectCltvExpiry {
                cltv_expiry: r.u32()?,
                channel_update: r.channel_update()?,
            },
            EXPIRY_TOO_SOON => {
                FailureMessage::ExpiryTooSoon { channel_update: r.channel_update()? }
            }
            INCORRECT_OR_UNKNOWN_PAYMENT_DETAILS => {
                FailureMessage::IncorrectOrUnknownPaymentDetails {
                    htlc_msat: Msat(r.u64()?),
                    height: r.u32()?,
                }
            }
            FINAL_INCORRECT_CLTV_EXPIRY => {
                FailureMessage::FinalIncorrectCltvExpiry { cltv_expiry: r.u32()? }
            }
            FINAL_INCORRECT_HTLC_AMOUNT => {
                FailureMessage::FinalIncorrectHtlcAmount { incoming_htlc_amt: Msat(r.u64()?) }
            }
            CHANNEL_DISABLED => FailureMessage::ChannelDisabled {
                disabled_flags: r.u16()?,
                channel_update: r.channel_update()?,
            },
            EXPIRY_TOO_FAR => FailureMessage::ExpiryTooFar,
            INVALID_ONION_PAYLOAD => {
                let position = if data.is_empty() {
                    None
                } else {
                    let (typ, n) = bigsize::decode(data).ok()?;
                    r.take(n)?;
                    Some((typ, r.u16()?))
                };
                FailureMessage::InvalidOnionPayload { position }
            }
            MPP_TIMEOUT => FailureMessage::MppTimeout,
            INVALID_ONION_BLINDING => {
                FailureMessage::InvalidOnionBlinding { sha256_of_onion: r.array()? }
            }
            _ => return None,
        })
    }
}

/// Why bytes are not a failure message.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum FailureMessageError {
    /// Fewer than the two bytes of a failure code.
    TooShort {
        /// Bytes given.
        len: usize,
    },
}

impl fmt::Display for FailureMessageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FailureMessageError::TooShort { len } => {
                write!(f, "failure message of {len} bytes has no failure code")
            }
        }
    }
}
impl std::error::Error for FailureMessageError {}

/// Why a return packet could not be built.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum BuildReturnError {
    /// The failure message does not fit the u16 `failure_len`.
    MessageTooLong {
        /// Length of the failure message.
        len: usize,
    },
    /// The failure message has no failure code.
    MessageTooShort {
        /// Length of the failure message.
        len: usize,
    },
    /// `update_fail_malformed_htlc` carried a code without the BADONION flag.
    NotBadOnion {
        /// The offending code.
        code: u16,
    },
}

impl fmt::Display for BuildReturnError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BuildReturnError::MessageTooLong { len } => {
                write!(f, "failure message of {len} bytes exceeds 65535")
            }
            BuildReturnError::MessageTooShort { len } => {
                write!(f, "failure message of {len} bytes has no failure code")
            }
            BuildReturnError::NotBadOnion { code } => {
                write!(f, "malformed htlc failure code {code:#06x} lacks the badonion flag")
            }
        }
    }
}
impl std::error::Error for BuildReturnError {}

/// The unencrypted return packet: `hmac || failure_len || failuremsg || pad_len || pad`, with
/// `failure_len + pad_len` at least `payload_len` ([`LEGACY_PAYLOAD_LEN`] or
/// [`ATTRIBUTABLE_PAYLOAD_LEN`]) and the HMAC under the `um` key. This is the message the erring
/// node's attribution HMACs cover.
pub fn build_unencrypted_return_packet(
    secret: &SharedSecret,
    failure_message: &[u8],
    payload_len: usize,
) -> Result<Vec<u8>, BuildReturnError> {
    let failure_len = u16::try_from(failure_message.len())
        .map_err(|_| BuildReturnError::MessageTooLong { len: failure_message.len() })?;
    if failure_message.len() < 2 {
        return Err(BuildReturnError::MessageTooShort { len: failure_message.len() });
    }
    let pad_len = payload_len.saturating_sub(failure_message.len());
    let pad_len_u16 = u16::try_from(pad_len)
        .map_err(|_| BuildReturnError::MessageTooLong { len: failure_message.len() })?;
    let total = MIN_PACKET_LEN + failure_message.len() + pad_len;
    let mut packet = Vec::with_capacity(total);
    packet.extend_from_slice(&[0u8; HMAC_LEN]);
    packet.extend_from_slice(&failure_len.to_be_bytes());
    packet.extend_from_slice(failure_message);
    packet.extend_from_slice(&pad_len_u16.to_be_bytes());
    packet.resize(total, 0);
    let (head, body) = packet.split_at_mut(HMAC_LEN);
    head.copy_from_slice(&hmac_sha256(&secret.derive(b"um"), &[body]));
    Ok(packet)
}

/// Builds the return packet at the erring node: lays it out ([`build_unencrypted_return_packet`])
/// and obfuscates it with the node's `ammag` stream. `failure_message` is the wire form
/// (see [`FailureMessage::encode`], plus any TLV stream the node appends).
pub fn build_return_packet(
    secret: &SharedSecret,
    failure_message: &[u8],
    payload_len: usize,
) -> Result<Vec<u8>, BuildReturnError> {
    let mut packet = build_unencrypted_return_packet(secret, failure_message, payload_len)?;
    wrap_return_packet(secret, &mut packet);
    Ok(packet)
}

/// Adds (or, applied again, removes) one hop's obfuscation layer: XOR with its `ammag` stream.
pub fn wrap_return_packet(secret: &SharedSecret, packet: &mut [u8]) {
    xor_stream(&secret.derive(b"ammag"), packet);
}

/// What the previous hop does with an `update_fail_malformed_htlc` from the next hop: turns the
/// BADONION `failure_code` and `sha256_of_onion` into a normal failure message and builds a return
/// packet with its own shared secret (so the origin sees the failure coming from this hop).
pub fn build_malformed_return_packet(
    secret: &SharedSecret,
    failure_code: u16,
    sha256_of_onion: &[u8; 32],
    payload_len: usize,
) -> Result<Vec<u8>, BuildReturnError> {
    if failure_code & BADONION == 0 {
        return Err(BuildReturnError::NotBadOnion { code: failure_code });
    }
    let mut message = Vec::with_capacity(34);
    message.extend_from_slice(&failure_code.to_be_bytes());
    message.extend_from_slice(sha256_of_onion);
    build_return_packet(secret, &message, payload_len)
}

/// A failure decoded at the origin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodedFailure {
    /// 0-based index in the route (the shared secrets given) of the hop that produced it.
    pub erring_index: usize,
    /// The typed failure.
    pub failure: FailureMessage,
    /// The decrypted failure message: failure code, data and anything after it.
    pub raw: Vec<u8>,
}

/// Why the origin could not decode a return packet.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum DecodeFailureError {
    /// Shorter than an HMAC and the two length fields.
    TooShort {
        /// Length of the packet.
        len: usize,
    },
    /// No hop's HMAC matches: the packet cannot be attributed (Core Lightning's 202,
    /// `PAY_UNPARSEABLE_ONION`).
    Unattributable {
        /// Length of the packet.
        len: usize,
        /// How many hops were tried.
        hops: usize,
    },
    /// The HMAC of hop `erring_index` matches but its `failure_len` overruns the packet or
    /// leaves no room for a failure code.
    Malformed {
        /// The hop whose HMAC matched.
        erring_index: usize,
        /// The announced `failure_len`.
        failure_len: usize,
        /// Bytes available after the length field.
        available: usize,
    },
}

impl fmt::Display for DecodeFailureError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DecodeFailureError::TooShort { len } => {
                write!(f, "return packet of {len} bytes is shorter than {MIN_PACKET_LEN}")
            }
            DecodeFailureError::Unattributable { len, hops } => {
                write!(f, "no hmac of {hops} hops matches the return packet of {len} bytes")
            }
            DecodeFailureError::Malformed { erring_index, failure_len, available } => write!(
                f,
                "failure from hop {erring_index} announces {failure_len} bytes, {available} remain"
            ),
        }
    }
}
impl std::error::Error for DecodeFailureError {}

/// Whether `packet` (one hop's layer removed) carries a valid HMAC under `secret`'s `um` key.
pub(crate) fn hmac_matches(secret: &SharedSecret, packet: &[u8]) -> bool {
    match (packet.get(..HMAC_LEN), packet.get(HMAC_LEN..)) {
        (Some(mac), Some(body)) => ct_eq(mac, &hmac_sha256(&secret.derive(b"um"), &[body])),
        _ => false,
    }
}

/// Parses the failure message of a packet whose HMAC matched at hop `erring_index`.
pub(crate) fn parse_matched(
    erring_index: usize,
    packet: &[u8],
) -> Result<DecodedFailure, DecodeFailureError> {
    let body = packet.get(HMAC_LEN..).unwrap_or_default();
    let mut r = Reader(body);
    let failure_len = usize::from(r.u16().unwrap_or(0));
    let available = r.0.len();
    let raw = match r.take(failure_len) {
        Some(raw) if raw.len() >= 2 => raw,
        _ => return Err(DecodeFailureError::Malformed { erring_index, failure_len, available }),
    };
    let failure = FailureMessage::decode(raw).map_err(|_| DecodeFailureError::Malformed {
        erring_index,
        failure_len,
        available,
    })?;
    Ok(DecodedFailure { erring_index, failure, raw: raw.to_vec() })
}

/// Decodes a return packet at the origin: removes one hop's layer after another (in route order,
/// `shared_secrets[0]` being the first hop) until an HMAC matches, then parses that hop's failure
/// message. `packet` is the `reason` of the `update_fail_htlc` received from the first hop.
pub fn decode_return_packet(
    shared_secrets: &[SharedSecret],
    packet: &[u8],
) -> Result<DecodedFailure, DecodeFailureError> {
    if packet.len() < MIN_PACKET_LEN {
        return Err(DecodeFailureError::TooShort { len: packet.len() });
    }
    let mut buf = packet.to_vec();
    for (index, secret) in shared_secrets.iter().enumerate() {
        wrap_return_packet(secret, &mut buf);
        if hmac_matches(secret, &buf) {
            return parse_matched(index, &buf);
        }
    }
    Err(DecodeFailureError::Unattributable { len: packet.len(), hops: shared_secrets.len() })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn every_message() -> Vec<FailureMessage> {
        let cu = vec![1u8, 2, 3];
        vec![
            FailureMessage::TemporaryNodeFailure,
            FailureMessage::PermanentNodeFailure,
            FailureMessage::RequiredNodeFeatureMissing,
            FailureMessage::InvalidOnionVersion { sha256_of_onion: [1; 32] },
            FailureMessage::InvalidOnionHmac { sha256_of_onion: [2; 32] },
            FailureMessage::InvalidOnionKey { sha256_of_onion: [3; 32] },
            FailureMessage::TemporaryChannelFailure { channel_update: cu.clone() },
            FailureMessage::PermanentChannelFailure,
            FailureMessage::RequiredChannelFeatureMissing,
            FailureMessage::UnknownNextPeer,
            FailureMessage::AmountBelowMinimum { htlc_msat: Msat(5), channel_update: cu.clone() },
            FailureMessage::FeeInsufficient { htlc_msat: Msat(6), channel_update: vec![] },
            FailureMessage::IncorrectCltvExpiry { cltv_expiry: 7, channel_update: cu.clone() },
            FailureMessage::ExpiryTooSoon { channel_update: cu.clone() },
            FailureMessage::IncorrectOrUnknownPaymentDetails { htlc_msat: Msat(100), height: 9 },
            FailureMessage::FinalIncorrectCltvExpiry { cltv_expiry: 10 },
            FailureMessage::FinalIncorrectHtlcAmount { incoming_htlc_amt: Msat(11) },
            FailureMessage::ChannelDisabled { disabled_flags: 0, channel_update: cu },
            FailureMessage::ExpiryTooFar,
            FailureMessage::InvalidOnionPayload { position: Some((34001, 12)) },
            FailureMessage::InvalidOnionPayload { position: None },
            FailureMessage::MppTimeout,
            FailureMessage::InvalidOnionBlinding { sha256_of_onion: [4; 32] },
            FailureMessage::Other { code: 0x1234, data: vec![9, 9] },
        ]
    }

    #[test]
    fn every_message_round_trips_with_its_name_and_flags() {
        let all = every_message();
        assert_eq!(all.len(), 24);
        for m in &all {
            let bytes = m.encode();
            assert_eq!(FailureMessage::decode(&bytes).as_ref(), Ok(m), "{m:?}");
            // Without a position, trailing bytes of invalid_onion_payload read as one: the
            // format is ambiguous there, so it is not checked with a tlv appended.
            // Other keeps every byte after the code, by design.
            let ambiguous = matches!(
                m,
                FailureMessage::InvalidOnionPayload { position: None }
                    | FailureMessage::Other { .. }
            );
            if !ambiguous {
                let mut with_tlv = bytes.clone();
                with_tlv.extend_from_slice(&[0xfd, 0x84, 0xd1, 0x01, 0x80]);
                assert_eq!(FailureMessage::decode(&with_tlv).as_ref(), Ok(m), "{m:?} with tlv");
            }
            let expected = code_name(m.code()).unwrap_or("");
            assert_eq!(m.name(), expected);
            assert_eq!(m.is_update(), m.code() & UPDATE != 0);
        }
        assert_eq!(
            FailureMessage::TemporaryChannelFailure { channel_update: vec![] }.name(),
            "WIRE_TEMPORARY_CHANNEL_FAILURE"
        );
        assert_eq!(FailureMessage::Other { code: 0x1234, data: vec![] }.name(), "");
        let m = FailureMessage::ExpiryTooSoon { channel_update: vec![7] };
        assert_eq!(m.channel_update(), Some(&[7u8][..]));
        assert!(m.is_update() && !m.is_perm() && !m.is_node() && !m.is_badonion());
        assert_eq!(FailureMessage::UnknownNextPeer.channel_update(), None);
    }

    #[test]
    fn truncated_known_data_keeps_bytes() {
        let m = FailureMessage::decode(&[0x10, 0x0b, 0, 0, 1]);
        assert_eq!(m, Ok(FailureMessage::Other { code: 0x100b, data: vec![0, 0, 1] }));
        assert_eq!(FailureMessage::decode(&[0x10]), Err(FailureMessageError::TooShort { len: 1 }));
        // An UPDATE failure without the length field reads as carrying no update.
        assert_eq!(
            FailureMessage::decode(&[0x10, 0x07]),
            Ok(FailureMessage::TemporaryChannelFailure { channel_update: vec![] })
        );
    }

    #[test]
    fn malformed_conversion_requires_badonion() {
        let s = SharedSecret([7; 32]);
        assert_eq!(
            build_malformed_return_packet(&s, 0x1007, &[0; 32], LEGACY_PAYLOAD_LEN),
            Err(BuildReturnError::NotBadOnion { code: 0x1007 })
        );
        let p = build_malformed_return_packet(&s, code::INVALID_ONION_HMAC, &[5; 32], 256);
        let mut p = p.unwrap_or_default();
        let first = SharedSecret([1; 32]);
        wrap_return_packet(&first, &mut p);
        let d = decode_return_packet(&[first, s], &p);
        assert_eq!(
            d.map(|d| (d.erring_index, d.failure)),
            Ok((1, FailureMessage::InvalidOnionHmac { sha256_of_onion: [5; 32] }))
        );
    }

    #[test]
    fn undecodable_packets() {
        let secrets = [SharedSecret([1; 32]), SharedSecret([2; 32])];
        assert_eq!(
            decode_return_packet(&secrets, &[0; 20]),
            Err(DecodeFailureError::TooShort { len: 20 })
        );
        assert_eq!(
            decode_return_packet(&secrets, &[0; 292]),
            Err(DecodeFailureError::Unattributable { len: 292, hops: 2 })
        );
    }
}
