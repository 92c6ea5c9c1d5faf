//! The BOLT 4 Sphinx packet: building an onion for a route and peeling one layer off it.
//!
//! A packet is `version (1) || public_key (33) || hop_payloads (1300) || hmac (32)`. Each hop's
//! slot in `hop_payloads` is `bigsize(len) || payload || hmac`, where `payload` is the hop's
//! TLV stream (see [`crate::payload`]) and `hmac` authenticates the packet the next hop gets
//! (all zero for the final hop).
//!
//! [`build`] and [`peel`] work on the 1300-byte payment onion; the core underneath them,
//! [`build_routing_info`] and [`peel_routing_info`], takes the routing-info length as the
//! length of the buffer it is given, so onion messages (any length) reuse it unchanged.

use crate::crypto::{self, SharedSecret};
use core::fmt;
use secp256k1::{PublicKey, Scalar, SecretKey};
use types::bigsize::{self, BigSizeError};

/// Length of `hop_payloads` in a payment onion.
pub const ROUTING_INFO_LEN: usize = 1300;
/// Length of a serialized payment onion: version, public key, routing info, HMAC.
pub const PACKET_LEN: usize = 1 + 33 + ROUTING_INFO_LEN + 32;
/// The only packet version BOLT 4 defines.
pub const VERSION: u8 = 0;
/// Bytes of a hop slot besides the payload itself (the HMAC; the length prefix comes on top).
pub const HMAC_LEN: usize = 32;

/// A payment onion (`onion_routing_packet` of `update_add_htlc`).
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct OnionPacket {
    /// Packet version: 0 is the only one defined.
    pub version: u8,
    /// The ephemeral public key of the hop that reads this packet, as received (it is only
    /// validated when the packet is peeled, so that a bad key maps to `invalid_onion_key`).
    pub public_key: [u8; 33],
    /// The obfuscated hop payloads.
    pub hop_payloads: Box<[u8; ROUTING_INFO_LEN]>,
    /// HMAC over `hop_payloads || associated_data`, keyed for the reading hop.
    pub hmac: [u8; 32],
}

/// Why bytes are not an onion packet.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum PacketParseError {
    /// A packet is exactly [`PACKET_LEN`] bytes.
    WrongLength {
        /// The length given.
        len: usize,
    },
}

impl fmt::Display for PacketParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PacketParseError::WrongLength { len } => {
                write!(f, "onion packet is {len} bytes, expected {PACKET_LEN}")
            }
        }
    }
}

impl std::error::Error for PacketParseError {}

impl OnionPacket {
    /// The packet's wire bytes.
    pub fn to_bytes(&self) -> [u8; PACKET_LEN] {
        let mut out = [0u8; PACKET_LEN];
        let (version, rest) = out.split_at_mut(1);
        let (key, rest) = rest.split_at_mut(33);
        let (routing, hmac) = rest.split_at_mut(ROUTING_INFO_LEN);
        version.copy_from_slice(&[self.version]);
        key.copy_from_slice(&self.public_key);
        routing.copy_from_slice(&self.hop_payloads[..]);
        hmac.copy_from_slice(&self.hmac);
        out
    }

    /// Reads a packet from its wire bytes. Only the length is checked here: the version and
    /// the public key are checked by [`peel`], which maps them to BOLT 4 failure codes.
    pub fn from_bytes(bytes: &[u8]) -> Result<OnionPacket, PacketParseError> {
        let wrong = || PacketParseError::WrongLength { len: bytes.len() };
        let bytes: &[u8; PACKET_LEN] = bytes.try_into().map_err(|_| wrong())?;
        let (version, rest) = bytes.split_at(1);
        let (key, rest) = rest.split_at(33);
        let (routing, hmac) = rest.split_at(ROUTING_INFO_LEN);
        let mut hop_payloads = Box::new([0u8; ROUTING_INFO_LEN]);
        hop_payloads.copy_from_slice(routing);
        Ok(OnionPacket {
            version: version.first().copied().unwrap_or_default(),
            public_key: key.try_into().map_err(|_| wrong())?,
            hop_payloads,
            hmac: hmac.try_into().map_err(|_| wrong())?,
        })
    }
}

/// Why an onion could not be built.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum BuildError {
    /// A route has at least one hop.
    NoHops,
    /// A hop payload is shorter than 2 bytes (lengths 0 and 1 are reserved by BOLT 4).
    PayloadTooShort {
        /// Index of the hop in the route.
        hop: usize,
        /// The payload's length.
        len: usize,
    },
    /// The hop slots (length prefix, payload and HMAC of every hop) do not fit the routing info.
    PayloadsTooLong {
        /// Bytes the slots need.
        needed: usize,
        /// Bytes the routing info holds.
        available: usize,
    },
    /// A blinding factor was not a valid scalar (probability about 2^-128).
    InvalidBlindingFactor {
        /// Index of the hop whose factor failed.
        hop: usize,
    },
    /// A blinded path's introduction node is named by a channel: the caller resolves it to the
    /// node at that end (with its channel graph) before building.
    UnresolvedIntroduction {
        /// The channel and direction the path names.
        channel: types::ShortChannelIdDir,
    },
}

impl fmt::Display for BuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BuildError::NoHops => f.write_str("route has no hops"),
            BuildError::PayloadTooShort { hop, len } => {
                write!(f, "payload of hop {hop} is {len} bytes, at least 2 are required")
            }
            BuildError::PayloadsTooLong { needed, available } => write!(
                f,
                "hop payloads need {needed} bytes of routing info, only {available} available"
            ),
            BuildError::InvalidBlindingFactor { hop } => {
                write!(f, "blinding factor of hop {hop} is not a valid scalar")
            }
            BuildError::UnresolvedIntroduction { channel } => {
                write!(f, "blinded path's introduction node is channel {channel}, not resolved")
            }
        }
    }
}

impl std::error::Error for BuildError {}

/// Why a packet could not be peeled. [`PeelError::failure_code`] gives the BOLT 4 failure
/// code the processing node returns.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum PeelError {
    /// The version byte is not 0 (`invalid_onion_version`).
    UnknownVersion {
        /// The version received.
        version: u8,
    },
    /// The ephemeral public key is not a valid point (`invalid_onion_key`).
    InvalidPublicKey {
        /// The key received.
        public_key: [u8; 33],
    },
    /// The HMAC does not authenticate the packet and associated data (`invalid_onion_hmac`).
    InvalidHmac {
        /// The HMAC received.
        hmac: [u8; 32],
    },
    /// The payload's length prefix is not a valid BigSize (`invalid_onion_payload`).
    BadLengthPrefix {
        /// The BigSize problem.
        error: BigSizeError,
    },
    /// The payload length is 0 (legacy format) or 1 (reserved) (`invalid_onion_payload`).
    ReservedLength {
        /// The length found.
        len: u64,
    },
    /// The payload and next HMAC run past the routing info (`invalid_onion_payload`).
    PayloadTooLong {
        /// The payload length found.
        len: u64,
        /// Bytes of routing info left after the length prefix.
        available: usize,
    },
    /// The next ephemeral key could not be derived (probability about 2^-128).
    InvalidBlindingFactor,
}

/// BOLT 4 failure-code flag: the onion could not be parsed.
pub const BADONION: u16 = 0x8000;
/// BOLT 4 failure-code flag: permanent failure.
pub const PERM: u16 = 0x4000;

impl PeelError {
    /// The BOLT 4 failure code for this error: `invalid_onion_version` (BADONION|PERM|4),
    /// `invalid_onion_hmac` (BADONION|PERM|5), `invalid_onion_key` (BADONION|PERM|6), or
    /// `invalid_onion_payload` (PERM|22) for a payload that authenticates but is malformed.
    pub fn failure_code(&self) -> u16 {
        match self {
            PeelError::UnknownVersion { .. } => BADONION | PERM | 4,
            PeelError::InvalidHmac { .. } => BADONION | PERM | 5,
            PeelError::InvalidPublicKey { .. } | PeelError::InvalidBlindingFactor => {
                BADONION | PERM | 6
            }
            PeelError::BadLengthPrefix { .. }
            | PeelError::ReservedLength { .. }
            | PeelError::PayloadTooLong { .. } => PERM | 22,
        }
    }

    /// Whether this is a BADONION failure (returned as `update_fail_malformed_htlc` with the
    /// SHA-256 of the onion, not as an encrypted failure).
    pub fn is_bad_onion(&self) -> bool {
        self.failure_code() & BADONION != 0
    }
}

impl fmt::Display for PeelError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PeelError::UnknownVersion { version } => write!(f, "unknown onion version {version}"),
            PeelError::InvalidPublicKey { public_key } => {
                write!(f, "invalid onion public key {}", types::hex::encode(public_key))
            }
            PeelError::InvalidHmac { hmac } => {
                write!(f, "onion hmac {} does not verify", types::hex::encode(hmac))
            }
            PeelError::BadLengthPrefix { error } => write!(f, "bad hop payload length: {error}"),
            PeelError::ReservedLength { len } => {
                write!(f, "hop payload length {len} is reserved")
            }
            PeelError::PayloadTooLong { len, available } => write!(
                f,
                "hop payload of {len} bytes and its hmac exceed the {available} bytes left"
            ),
            PeelError::InvalidBlindingFactor => {
                f.write_str("next ephemeral key could not be derived")
            }
        }
    }
}

impl std::error::Error for PeelError {}

/// One layer peeled off an onion.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Peeled {
    /// This hop's payload (the TLV stream, without its length prefix).
    pub payload: Vec<u8>,
    /// The packet to forward, or `None` when this hop is the final one.
    pub next: Option<OnionPacket>,
    /// The secret shared with the sender: keys this hop's failure message.
    pub shared_secret: SharedSecret,
}

/// Bytes a hop with a payload of `len` bytes takes in the routing info.
pub const fn hop_slot_len(len: usize) -> usize {
    bigsize::encoded_len(len as u64) + len + HMAC_LEN
}

/// Builds a payment onion. `hops` are each hop's node id and payload (its TLV stream, without
/// length prefix; see [`crate::payload::HopPayload::encode`]), in route order. Returns the
/// packet and the secret shared with each hop, in route order, which decode failures.
pub fn build(
    session_key: &SecretKey,
    hops: &[(PublicKey, Vec<u8>)],
    associated_data: &[u8],
) -> Result<(OnionPacket, Vec<SharedSecret>), BuildError> {
    let mut hop_payloads = Box::new([0u8; ROUTING_INFO_LEN]);
    let mut secrets = Vec::with_capacity(hops.len());
    let (public_key, hmac) = build_routing_info(
        session_key,
        hops,
        associated_data,
        &mut hop_payloads[..],
        &mut secrets,
    )?;
    let public_key = public_key.serialize();
    Ok((OnionPacket { version: VERSION, public_key, hop_payloads, hmac }, secrets))
}

/// The Sphinx core for any routing-info length: fills `routing_info` (whose length is the
/// routing-info length) for `hops` and returns the packet's public key (`session_key`'s) and
/// the HMAC for the first hop. The shared secrets are appended to `secrets` in route order.
pub fn build_routing_info<P: AsRef<[u8]>>(
    session_key: &SecretKey,
    hops: &[(PublicKey, P)],
    associated_data: &[u8],
    routing_info: &mut [u8],
    secrets: &mut Vec<SharedSecret>,
) -> Result<(PublicKey, [u8; 32]), BuildError> {
    let len = routing_info.len();
    let Some(last) = hops.len().checked_sub(1) else {
        return Err(BuildError::NoHops);
    };
    let mut needed = 0usize;
    for (hop, (_, payload)) in hops.iter().enumerate() {
        let payload = payload.as_ref();
        if payload.len() < 2 {
            return Err(BuildError::PayloadTooShort { hop, len: payload.len() });
        }
        needed = needed.saturating_add(hop_slot_len(payload.len()));
    }
    if needed > len {
        return Err(BuildError::PayloadsTooLong { needed, available: len });
    }

    // Shared secrets: one ECDH per hop with the running ephemeral secret; the ephemeral public
    // key follows by a base-point multiplication of the blinded secret.
    let first = secrets.len();
    let secp = secp256k1::SECP256K1;
    let mut ephemeral_secret = *session_key;
    let first_public = PublicKey::from_secret_key(secp, session_key);
    let mut ephemeral_public = first_public;
    for (hop, (node_id, _)) in hops.iter().enumerate() {
        let secret = SharedSecret::new(node_id, &ephemeral_secret);
        secrets.push(secret);
        if hop < last {
            let factor = crypto::blinding_factor(&ephemeral_public, &secret);
            let blind = || BuildError::InvalidBlindingFactor { hop };
            let scalar = Scalar::from_be_bytes(factor).map_err(|_| blind())?;
            ephemeral_secret = ephemeral_secret.mul_tweak(&scalar).map_err(|_| blind())?;
            ephemeral_public = PublicKey::from_secret_key(secp, &ephemeral_secret);
        }
    }
    let secrets = secrets.get(first..).unwrap_or_default();

    // Filler: what the hops before the last one shift in, as the last hop's packet sees it.
    let filler_len = needed - hop_slot_len(hops.get(last).map_or(0, |(_, p)| p.as_ref().len()));
    let mut filler = vec![0u8; filler_len];
    let mut pos = 0usize;
    for ((_, payload), secret) in hops.iter().zip(secrets).take(last) {
        let slot = hop_slot_len(payload.as_ref().len());
        let rho = secret.derive(b"rho");
        if let Some(window) = filler.get_mut(..pos + slot) {
            crypto::xor_stream_at(&rho, (len - pos) as u64, window);
        }
        pos += slot;
    }

    // Start from the pad stream, then wrap one layer per hop, last hop first.
    routing_info.fill(0);
    crypto::xor_stream(&SharedSecret(session_key.secret_bytes()).derive(b"pad"), routing_info);
    let mut hmac = [0u8; 32];
    for (hop, ((_, payload), secret)) in hops.iter().zip(secrets).enumerate().rev() {
        let payload = payload.as_ref();
        let slot = hop_slot_len(payload.len());
        routing_info.copy_within(..len - slot, slot);
        write_slot(routing_info, payload, &hmac);
        crypto::xor_stream(&secret.derive(b"rho"), routing_info);
        if hop == last {
            if let Some(tail) = routing_info.get_mut(len - filler_len..) {
                tail.copy_from_slice(&filler);
            }
        }
        hmac = crypto::hmac_sha256(&secret.derive(b"mu"), &[routing_info, associated_data]);
    }
    Ok((first_public, hmac))
}

/// Writes `bigsize(len) || payload || hmac` at the front of `routing_info` (which has room).
fn write_slot(routing_info: &mut [u8], payload: &[u8], hmac: &[u8; 32]) {
    let mut prefix = [0u8; 9];
    let n = encode_bigsize(payload.len() as u64, &mut prefix);
    let mut at = 0usize;
    for part in [prefix.get(..n).unwrap_or_default(), payload, hmac] {
        if let Some(dst) = routing_info.get_mut(at..at + part.len()) {
            dst.copy_from_slice(part);
        }
        at += part.len();
    }
}

/// BigSize into a stack buffer (no allocation): returns the bytes written.
fn encode_bigsize(v: u64, out: &mut [u8; 9]) -> usize {
    let n = bigsize::encoded_len(v);
    let be = v.to_be_bytes();
    let (marker, body) = match n {
        1 => (None, be.get(7..).unwrap_or_default()),
        3 => (Some(0xfd), be.get(6..).unwrap_or_default()),
        5 => (Some(0xfe), be.get(4..).unwrap_or_default()),
        _ => (Some(0xff), &be[..]),
    };
    let mut at = 0;
    if let Some(m) = marker {
        out[0] = m;
        at = 1;
    }
    if let Some(dst) = out.get_mut(at..at + body.len()) {
        dst.copy_from_slice(body);
    }
    n
}

/// Peels one layer off a payment onion with the processing node's secret key. For a blinded
/// hop, pass the node secret already tweaked by the blinding (see BOLT 4 "Onion Decryption").
pub fn peel(
    node_secret: &SecretKey,
    packet: &OnionPacket,
    associated_data: &[u8],
) -> Result<Peeled, PeelError> {
    if packet.version != VERSION {
        return Err(PeelError::UnknownVersion { version: packet.version });
    }
    let public_key = PublicKey::from_slice(&packet.public_key)
        .map_err(|_| PeelError::InvalidPublicKey { public_key: packet.public_key })?;
    let mut next_payloads = Box::new([0u8; ROUTING_INFO_LEN]);
    let layer = peel_routing_info(
        node_secret,
        &public_key,
        &packet.hop_payloads[..],
        &packet.hmac,
        associated_data,
        &mut next_payloads[..],
    )?;
    let payload = next_payloads.get(layer.payload.clone()).unwrap_or_default().to_vec();
    let next = match layer.next {
        None => None,
        Some((next_key, next_hmac)) => {
            next_payloads.copy_within(layer.slot_len.., 0);
            let tail = ROUTING_INFO_LEN - layer.slot_len;
            if let Some(pad) = next_payloads.get_mut(tail..) {
                pad.fill(0);
                crypto::xor_stream_at(
                    &layer.shared_secret.derive(b"rho"),
                    ROUTING_INFO_LEN as u64,
                    pad,
                );
            }
            Some(OnionPacket {
                version: VERSION,
                public_key: next_key.serialize(),
                hop_payloads: next_payloads,
                hmac: next_hmac,
            })
        }
    };
    Ok(Peeled { payload, next, shared_secret: layer.shared_secret })
}

/// What [`peel_routing_info`] found in one layer.
#[derive(Clone, Debug)]
pub struct Layer {
    /// The secret shared with the sender.
    pub shared_secret: SharedSecret,
    /// Where this hop's payload lies in the decrypted buffer.
    pub payload: core::ops::Range<usize>,
    /// Bytes of this hop's slot (length prefix, payload, HMAC): the left shift of the buffer.
    pub slot_len: usize,
    /// The next ephemeral key and HMAC, or `None` for the final hop.
    pub next: Option<(PublicKey, [u8; 32])>,
}

/// The Sphinx core of peeling for any routing-info length: checks the HMAC over
/// `routing_info || associated_data` in constant time, then writes `routing_info` decrypted
/// into `decrypted` (same length). The next hop's routing info is then `decrypted` shifted left
/// by [`Layer::slot_len`], with the stream of `rho` at offset `routing_info.len()` filling the
/// tail (as [`peel`] does).
pub fn peel_routing_info(
    node_secret: &SecretKey,
    public_key: &PublicKey,
    routing_info: &[u8],
    hmac: &[u8; 32],
    associated_data: &[u8],
    decrypted: &mut [u8],
) -> Result<Layer, PeelError> {
    let shared_secret = SharedSecret::new(public_key, node_secret);
    let mu = shared_secret.derive(b"mu");
    let expected = crypto::hmac_sha256(&mu, &[routing_info, associated_data]);
    if !crypto::ct_eq(&expected, hmac) {
        return Err(PeelError::InvalidHmac { hmac: *hmac });
    }
    decrypted.copy_from_slice(routing_info);
    crypto::xor_stream(&shared_secret.derive(b"rho"), decrypted);

    let (len, prefix) =
        bigsize::decode(decrypted).map_err(|error| PeelError::BadLengthPrefix { error })?;
    if len < 2 {
        return Err(PeelError::ReservedLength { len });
    }
    let available = decrypted.len() - prefix;
    let end = usize::try_from(len)
        .ok()
        .and_then(|l| l.checked_add(prefix + HMAC_LEN))
        .filter(|&end| end <= decrypted.len())
        .ok_or(PeelError::PayloadTooLong { len, available })?;
    let payload = prefix..end - HMAC_LEN;
    let mut next_hmac = [0u8; 32];
    if let Some(h) = decrypted.get(end - HMAC_LEN..end) {
        next_hmac.copy_from_slice(h);
    }
    let next = if next_hmac == [0u8; 32] {
        None
    } else {
        let factor = crypto::blinding_factor(public_key, &shared_secret);
        let scalar = Scalar::from_be_bytes(factor).map_err(|_| PeelError::InvalidBlindingFactor)?;
        let secp = secp256k1::SECP256K1;
        let next_key =
            public_key.mul_tweak(secp, &scalar).map_err(|_| PeelError::InvalidBlindingFactor)?;
        Some((next_key, next_hmac))
    };
    Ok(Layer { shared_secret, payload, slot_len: end, next })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(b: u8) -> SecretKey {
        SecretKey::from_slice(&[b; 32]).unwrap()
    }

    fn node(b: u8) -> PublicKey {
        PublicKey::from_secret_key(secp256k1::SECP256K1, &key(b))
    }

    #[test]
    fn bigsize_on_stack_matches_types() {
        for v in [0u64, 2, 0xfc, 0xfd, 1300, 0xffff, 0x1_0000, u64::MAX] {
            let mut buf = [0u8; 9];
            let n = encode_bigsize(v, &mut buf);
            let mut want = Vec::new();
            bigsize::encode(v, &mut want);
            assert_eq!(&buf[..n], &want[..], "{v}");
        }
    }

    #[test]
    fn build_then_peel_every_hop() {
        let payloads: Vec<Vec<u8>> =
            (0..5u8).map(|i| vec![i + 1; 2 + usize::from(i) * 70]).collect();
        let hops: Vec<_> =
            payloads.iter().enumerate().map(|(i, p)| (node(i as u8 + 1), p.clone())).collect();
        let (packet, secrets) = build(&key(0x41), &hops, b"assoc").unwrap();
        assert_eq!(OnionPacket::from_bytes(&packet.to_bytes()).unwrap(), packet);
        let mut current = packet;
        for (i, p) in payloads.iter().enumerate() {
            let peeled = peel(&key(i as u8 + 1), &current, b"assoc").unwrap();
            assert_eq!(&peeled.payload, p);
            assert_eq!(peeled.shared_secret, secrets[i]);
            match peeled.next {
                Some(next) => current = next,
                None => {
                    assert_eq!(i, payloads.len() - 1);
                    return;
                }
            }
        }
        panic!("final hop not reached");
    }

    #[test]
    fn peel_errors_map_to_badonion_codes() {
        let hops = vec![(node(1), vec![2, 0]), (node(2), vec![2, 1])];
        let (packet, _) = build(&key(9), &hops, &[]).unwrap();
        let mut bad = packet.clone();
        bad.version = 1;
        assert_eq!(peel(&key(1), &bad, &[]).unwrap_err().failure_code(), 0xc004);
        let mut bad = packet.clone();
        bad.public_key[0] = 4;
        assert_eq!(peel(&key(1), &bad, &[]).unwrap_err().failure_code(), 0xc006);
        let mut bad = packet.clone();
        bad.hop_payloads[100] ^= 1;
        assert_eq!(peel(&key(1), &bad, &[]).unwrap_err().failure_code(), 0xc005);
        assert_eq!(peel(&key(1), &packet, b"x").unwrap_err().failure_code(), 0xc005);
        assert_eq!(peel(&key(2), &packet, &[]).unwrap_err().failure_code(), 0xc005);
    }

    #[test]
    fn build_errors() {
        assert_eq!(build(&key(1), &[], &[]).unwrap_err(), BuildError::NoHops);
        assert_eq!(
            build(&key(1), &[(node(1), vec![1])], &[]).unwrap_err(),
            BuildError::PayloadTooShort { hop: 0, len: 1 }
        );
        // 1300 = 3 + 1265 + 32 fits exactly; one more byte does not.
        assert!(build(&key(1), &[(node(1), vec![1; 1265])], &[]).is_ok());
        assert_eq!(
            build(&key(1), &[(node(1), vec![1; 1266])], &[]).unwrap_err(),
            BuildError::PayloadsTooLong { needed: 1301, available: 1300 }
        );
        // 20 hops of 32-byte payloads: 20 * 65 = 1300.
        let hops: Vec<_> = (1..=20u8).map(|i| (node(i), vec![i; 32])).collect();
        assert!(build(&key(1), &hops, &[]).is_ok());
        let hops: Vec<_> = (1..=21u8).map(|i| (node(i), vec![i; 32])).collect();
        assert!(matches!(build(&key(1), &hops, &[]), Err(BuildError::PayloadsTooLong { .. })));
    }

    #[test]
    fn from_bytes_checks_length() {
        assert_eq!(
            OnionPacket::from_bytes(&[0u8; 10]).unwrap_err(),
            PacketParseError::WrongLength { len: 10 }
        );
    }
}
