//! The BOLT 4 and BOLT 7 bytes the simulated nodes read and write: hop payloads (TLV), failure
//! messages (`failuremsg` with its data, the HMAC'd and encrypted failure packet, its wrapping
//! at every hop back and its decoding at the origin) and signed `channel_update`s.
//!
//! This is the minimum a node needs to forward and fail like a real one. The general codecs
//! belong to the onion crate (`onion::payload`, `onion::failure`); the simulator keeps its own
//! small copy only until those land, and its tests decode failures independently.

use core::fmt;
use onion::crypto::{self, SharedSecret};
use secp256k1::{Message, Secp256k1, SecretKey, Signing};
use types::tlv::{self, TlvStream};
use types::{bigsize, Msat, PaymentPreimage, PaymentSecret, ShortChannelId};

/// Failure-code flag: the onion could not be parsed.
pub const BADONION: u16 = 0x8000;
/// Failure-code flag: permanent failure.
pub const PERM: u16 = 0x4000;
/// Failure-code flag: node failure.
pub const NODE: u16 = 0x2000;
/// Failure-code flag: a `channel_update` is enclosed.
pub const UPDATE: u16 = 0x1000;

/// The BOLT 4 failure codes the simulated nodes return.
pub mod code {
    use super::{BADONION, NODE, PERM, UPDATE};
    /// `temporary_node_failure`.
    pub const TEMPORARY_NODE_FAILURE: u16 = NODE | 2;
    /// `invalid_onion_version`.
    pub const INVALID_ONION_VERSION: u16 = BADONION | PERM | 4;
    /// `invalid_onion_hmac`.
    pub const INVALID_ONION_HMAC: u16 = BADONION | PERM | 5;
    /// `invalid_onion_key`.
    pub const INVALID_ONION_KEY: u16 = BADONION | PERM | 6;
    /// `temporary_channel_failure`.
    pub const TEMPORARY_CHANNEL_FAILURE: u16 = UPDATE | 7;
    /// `permanent_channel_failure`.
    pub const PERMANENT_CHANNEL_FAILURE: u16 = PERM | 8;
    /// `unknown_next_peer`.
    pub const UNKNOWN_NEXT_PEER: u16 = PERM | 10;
    /// `amount_below_minimum`.
    pub const AMOUNT_BELOW_MINIMUM: u16 = UPDATE | 11;
    /// `fee_insufficient`.
    pub const FEE_INSUFFICIENT: u16 = UPDATE | 12;
    /// `incorrect_cltv_expiry`.
    pub const INCORRECT_CLTV_EXPIRY: u16 = UPDATE | 13;
    /// `expiry_too_soon`.
    pub const EXPIRY_TOO_SOON: u16 = UPDATE | 14;
    /// `incorrect_or_unknown_payment_details`.
    pub const INCORRECT_OR_UNKNOWN_PAYMENT_DETAILS: u16 = PERM | 15;
    /// `final_incorrect_cltv_expiry`.
    pub const FINAL_INCORRECT_CLTV_EXPIRY: u16 = 18;
    /// `final_incorrect_htlc_amount`.
    pub const FINAL_INCORRECT_HTLC_AMOUNT: u16 = 19;
    /// `channel_disabled`.
    pub const CHANNEL_DISABLED: u16 = UPDATE | 20;
    /// `invalid_onion_payload`.
    pub const INVALID_ONION_PAYLOAD: u16 = PERM | 22;
    /// `mpp_timeout`.
    pub const MPP_TIMEOUT: u16 = 23;
}

/// TLV type of `amt_to_forward`.
pub const TLV_AMT_TO_FORWARD: u64 = 2;
/// TLV type of `outgoing_cltv_value`.
pub const TLV_OUTGOING_CLTV: u64 = 4;
/// TLV type of `short_channel_id`.
pub const TLV_SHORT_CHANNEL_ID: u64 = 6;
/// TLV type of `payment_data`.
pub const TLV_PAYMENT_DATA: u64 = 8;
/// TLV type of the keysend preimage (bLIP 3).
pub const TLV_KEYSEND: u64 = 5_482_373_484;

/// What a hop payload says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HopPayload {
    /// `amt_to_forward`.
    pub amt_to_forward: Msat,
    /// `outgoing_cltv_value`.
    pub outgoing_cltv: u32,
    /// `short_channel_id` (forwarding hops only).
    pub short_channel_id: Option<ShortChannelId>,
    /// `payment_data`: payment secret and total amount (final hop).
    pub payment_data: Option<(PaymentSecret, Msat)>,
    /// A keysend preimage (final hop).
    pub keysend: Option<PaymentPreimage>,
}

/// Why a hop payload could not be read: the type and byte offset that go into
/// `invalid_onion_payload`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct PayloadError {
    /// The offending TLV type (0 when the stream itself is broken).
    pub typ: u64,
    /// Byte offset of the problem in the payload.
    pub offset: u16,
}

impl fmt::Display for PayloadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "bad hop payload: tlv type {} at offset {}", self.typ, self.offset)
    }
}

impl std::error::Error for PayloadError {}

impl HopPayload {
    /// A forwarding hop's payload.
    pub fn forward(amt: Msat, outgoing_cltv: u32, scid: ShortChannelId) -> HopPayload {
        HopPayload {
            amt_to_forward: amt,
            outgoing_cltv,
            short_channel_id: Some(scid),
            payment_data: None,
            keysend: None,
        }
    }

    /// A final hop's payload.
    pub fn final_hop(
        amt: Msat,
        outgoing_cltv: u32,
        payment_data: Option<(PaymentSecret, Msat)>,
        keysend: Option<PaymentPreimage>,
    ) -> HopPayload {
        HopPayload { amt_to_forward: amt, outgoing_cltv, short_channel_id: None, payment_data, keysend }
    }

    /// The payload's TLV stream (without the length prefix the onion adds).
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(64);
        tlv::encode_record(TLV_AMT_TO_FORWARD, &tlv::encode_tu64(self.amt_to_forward.0), &mut out);
        tlv::encode_record(
            TLV_OUTGOING_CLTV,
            &tlv::encode_tu64(u64::from(self.outgoing_cltv)),
            &mut out,
        );
        if let Some(scid) = self.short_channel_id {
            tlv::encode_record(TLV_SHORT_CHANNEL_ID, &scid.to_be_bytes(), &mut out);
        }
        if let Some((secret, total)) = self.payment_data {
            let mut v = secret.0.to_vec();
            v.extend_from_slice(&tlv::encode_tu64(total.0));
            tlv::encode_record(TLV_PAYMENT_DATA, &v, &mut out);
        }
        if let Some(preimage) = self.keysend {
            tlv::encode_record(TLV_KEYSEND, &preimage.0, &mut out);
        }
        out
    }

    /// Reads a payload. `is_final` says whether the onion ended here: a forwarding payload
    /// must name the outgoing channel.
    pub fn decode(bytes: &[u8], is_final: bool) -> Result<HopPayload, PayloadError> {
        let known = |t: u64| {
            matches!(
                t,
                TLV_AMT_TO_FORWARD
                    | TLV_OUTGOING_CLTV
                    | TLV_SHORT_CHANNEL_ID
                    | TLV_PAYMENT_DATA
                    | TLV_KEYSEND
            )
        };
        let stream = TlvStream::decode(bytes, &known).map_err(|e| {
            let typ = match e {
                tlv::TlvError::Length { typ, .. }
                | tlv::TlvError::ValueTruncated { typ, .. }
                | tlv::TlvError::NotIncreasing { typ, .. }
                | tlv::TlvError::UnknownEvenType { typ } => typ,
                _ => 0,
            };
            PayloadError { typ, offset: offset_of(bytes, typ) }
        })?;
        let bad = |typ: u64| PayloadError { typ, offset: offset_of(bytes, typ) };
        let amt = stream.get(TLV_AMT_TO_FORWARD).ok_or(bad(TLV_AMT_TO_FORWARD))?;
        let amt = tlv::decode_tu64(amt).map_err(|_| bad(TLV_AMT_TO_FORWARD))?;
        let cltv = stream.get(TLV_OUTGOING_CLTV).ok_or(bad(TLV_OUTGOING_CLTV))?;
        let cltv = tlv::decode_tu32(cltv).map_err(|_| bad(TLV_OUTGOING_CLTV))?;
        let scid = match stream.get(TLV_SHORT_CHANNEL_ID) {
            Some(v) => {
                let b: [u8; 8] = v.try_into().map_err(|_| bad(TLV_SHORT_CHANNEL_ID))?;
                Some(ShortChannelId(u64::from_be_bytes(b)))
            }
            None => None,
        };
        let payment_data = match stream.get(TLV_PAYMENT_DATA) {
            Some(v) if v.len() >= 32 => {
                let (s, t) = v.split_at(32);
                let total = tlv::decode_tu64(t).map_err(|_| bad(TLV_PAYMENT_DATA))?;
                let mut secret = [0u8; 32];
                secret.copy_from_slice(s);
                Some((PaymentSecret(secret), Msat(total)))
            }
            Some(_) => return Err(bad(TLV_PAYMENT_DATA)),
            None => None,
        };
        let keysend = match stream.get(TLV_KEYSEND) {
            Some(v) => Some(PaymentPreimage(v.try_into().map_err(|_| bad(TLV_KEYSEND))?)),
            None => None,
        };
        if !is_final && scid.is_none() {
            return Err(bad(TLV_SHORT_CHANNEL_ID));
        }
        if is_final && scid.is_some() {
            return Err(bad(TLV_SHORT_CHANNEL_ID));
        }
        Ok(HopPayload {
            amt_to_forward: Msat(amt),
            outgoing_cltv: cltv,
            short_channel_id: scid,
            payment_data,
            keysend,
        })
    }
}

/// Byte offset of the record of type `typ` in a TLV stream (0 when not found).
fn offset_of(bytes: &[u8], typ: u64) -> u16 {
    let mut at = 0usize;
    while let Some(rest) = bytes.get(at..).filter(|r| !r.is_empty()) {
        let Ok((t, n)) = bigsize::decode(rest) else { break };
        if t >= typ {
            return u16::try_from(at).unwrap_or(u16::MAX);
        }
        let Ok((len, m)) = bigsize::decode(rest.get(n..).unwrap_or_default()) else { break };
        at = at.saturating_add(n + m).saturating_add(usize::try_from(len).unwrap_or(usize::MAX));
    }
    0
}

/// Minimum length of `failuremsg || pad` in a failure packet (BOLT 4).
pub const FAILURE_PAD_LEN: usize = 256;

/// The erring node's failure packet for `failuremsg = code || data`, HMAC'd with `um` and
/// encrypted with `ammag` of its shared secret.
pub fn build_failure(secret: &SharedSecret, failure_code: u16, data: &[u8]) -> Vec<u8> {
    let msg_len = 2 + data.len();
    let pad_len = FAILURE_PAD_LEN.saturating_sub(msg_len);
    let mut packet = Vec::with_capacity(32 + 2 + msg_len + 2 + pad_len);
    packet.extend_from_slice(&[0u8; 32]);
    packet.extend_from_slice(&(msg_len as u16).to_be_bytes());
    packet.extend_from_slice(&failure_code.to_be_bytes());
    packet.extend_from_slice(data);
    packet.extend_from_slice(&(pad_len as u16).to_be_bytes());
    packet.resize(packet.len() + pad_len, 0);
    let (mac, body) = packet.split_at_mut(32);
    let hmac = crypto::hmac_sha256(&secret.derive(b"um"), &[body]);
    mac.copy_from_slice(&hmac);
    wrap_failure(secret, &mut packet);
    packet
}

/// One hop's wrapping of a failure on its way back (XOR with its `ammag` stream).
pub fn wrap_failure(secret: &SharedSecret, packet: &mut [u8]) {
    crypto::xor_stream(&secret.derive(b"ammag"), packet);
}

/// A failure decoded at the origin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OriginFailure {
    /// Index in the route of the node that created the failure.
    pub erring_index: usize,
    /// The failure code.
    pub code: u16,
    /// The failure data after the code.
    pub data: Vec<u8>,
}

/// Unwraps a failure at the origin with the route's shared secrets (in route order); `None`
/// when no hop's HMAC matches (an unattributable, corrupted failure).
pub fn decode_failure(secrets: &[SharedSecret], packet: &[u8]) -> Option<OriginFailure> {
    let mut buf = packet.to_vec();
    for (i, s) in secrets.iter().enumerate() {
        wrap_failure(s, &mut buf);
        let (mac, body) = buf.split_at(32.min(buf.len()));
        if mac.len() == 32 && crypto::ct_eq(&crypto::hmac_sha256(&s.derive(b"um"), &[body]), mac)
        {
            let len = usize::from(u16::from_be_bytes([*body.first()?, *body.get(1)?]));
            let msg = body.get(2..2 + len)?;
            let (c, data) = msg.split_at(2.min(msg.len()));
            let code = u16::from_be_bytes([*c.first()?, *c.get(1)?]);
            return Some(OriginFailure { erring_index: i, code, data: data.to_vec() });
        }
    }
    None
}

/// The genesis hash of Bitcoin mainnet, as BOLT 7 `chain_hash` carries it.
pub const MAINNET_CHAIN_HASH: [u8; 32] = [
    0x6f, 0xe2, 0x8c, 0x0a, 0xb6, 0xf1, 0xb3, 0x72, 0xc1, 0xa6, 0xa2, 0x46, 0xae, 0x63, 0xf7, 0x4f,
    0x93, 0x1e, 0x83, 0x65, 0xe1, 0x5a, 0x08, 0x9c, 0x68, 0xd6, 0x19, 0x00, 0x00, 0x00, 0x00, 0x00,
];

/// The fields of a `channel_update`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UpdateFields {
    /// The channel.
    pub scid: ShortChannelId,
    /// `timestamp`.
    pub timestamp: u32,
    /// Direction bit (0: from the lesser node id).
    pub direction: u8,
    /// Whether the direction is disabled.
    pub disabled: bool,
    /// `cltv_expiry_delta`.
    pub cltv_delta: u16,
    /// `htlc_minimum_msat`.
    pub htlc_min: Msat,
    /// `fee_base_msat`.
    pub base_fee_msat: u32,
    /// `fee_proportional_millionths`.
    pub fee_ppm: u32,
    /// `htlc_maximum_msat`.
    pub htlc_max: Msat,
}

/// Length of a `channel_update` with its 2-byte type.
pub const CHANNEL_UPDATE_LEN: usize = 2 + 64 + 32 + 8 + 4 + 1 + 1 + 2 + 8 + 4 + 4 + 8;

/// A `channel_update` (type 258, with the type prefix) signed by `key` over the double
/// SHA-256 of everything after the signature.
pub fn channel_update<C: Signing>(
    secp: &Secp256k1<C>,
    key: &SecretKey,
    u: &UpdateFields,
) -> Vec<u8> {
    let mut out = Vec::with_capacity(CHANNEL_UPDATE_LEN);
    out.extend_from_slice(&258u16.to_be_bytes());
    out.extend_from_slice(&[0u8; 64]);
    out.extend_from_slice(&MAINNET_CHAIN_HASH);
    out.extend_from_slice(&u.scid.to_be_bytes());
    out.extend_from_slice(&u.timestamp.to_be_bytes());
    out.push(1); // message_flags: htlc_maximum_msat present (must be set)
    out.push((u.direction & 1) | if u.disabled { 2 } else { 0 });
    out.extend_from_slice(&u.cltv_delta.to_be_bytes());
    out.extend_from_slice(&u.htlc_min.0.to_be_bytes());
    out.extend_from_slice(&u.base_fee_msat.to_be_bytes());
    out.extend_from_slice(&u.fee_ppm.to_be_bytes());
    out.extend_from_slice(&u.htlc_max.0.to_be_bytes());
    let signed = out.get(66..).unwrap_or_default();
    let digest = crypto::sha256(&[&crypto::sha256(&[signed])]);
    let sig = secp.sign_ecdsa(&Message::from_digest(digest), key).serialize_compact();
    if let Some(dst) = out.get_mut(2..66) {
        dst.copy_from_slice(&sig);
    }
    out
}

/// Reads the fields back from a `channel_update` with its type prefix (no signature check:
/// see [`verify_channel_update`]).
pub fn parse_channel_update(bytes: &[u8]) -> Option<UpdateFields> {
    if bytes.len() < CHANNEL_UPDATE_LEN || bytes.get(..2)? != 258u16.to_be_bytes() {
        return None;
    }
    let u64_at = |at: usize| Some(u64::from_be_bytes(bytes.get(at..at + 8)?.try_into().ok()?));
    let u32_at = |at: usize| Some(u32::from_be_bytes(bytes.get(at..at + 4)?.try_into().ok()?));
    let flags = *bytes.get(111)?;
    Some(UpdateFields {
        scid: ShortChannelId(u64_at(98)?),
        timestamp: u32_at(106)?,
        direction: flags & 1,
        disabled: flags & 2 != 0,
        cltv_delta: u16::from_be_bytes(bytes.get(112..114)?.try_into().ok()?),
        htlc_min: Msat(u64_at(114)?),
        base_fee_msat: u32_at(122)?,
        fee_ppm: u32_at(126)?,
        htlc_max: Msat(u64_at(130)?),
    })
}

/// Checks a `channel_update`'s signature against the node that should have signed it.
pub fn verify_channel_update(bytes: &[u8], node: &secp256k1::PublicKey) -> bool {
    let (Some(sig), Some(signed)) = (bytes.get(2..66), bytes.get(66..)) else { return false };
    let Ok(sig) = secp256k1::ecdsa::Signature::from_compact(sig) else { return false };
    let digest = crypto::sha256(&[&crypto::sha256(&[signed])]);
    Secp256k1::verification_only().verify_ecdsa(&Message::from_digest(digest), &sig, node).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payload_round_trip() {
        let cases = [
            HopPayload::forward(Msat(1000), 800_040, ShortChannelId(42)),
            HopPayload::final_hop(Msat(5), 800_018, Some((PaymentSecret([3; 32]), Msat(10))), None),
            HopPayload::final_hop(Msat(7), 1, None, Some(PaymentPreimage([9; 32]))),
        ];
        for c in cases {
            let bytes = c.encode();
            assert_eq!(HopPayload::decode(&bytes, c.short_channel_id.is_none()), Ok(c));
        }
        let fwd = cases[0].encode();
        assert_eq!(HopPayload::decode(&fwd, true).map_err(|e| e.typ), Err(TLV_SHORT_CHANNEL_ID));
        // Missing outgoing_cltv_value: amt record only.
        let mut only_amt = Vec::new();
        tlv::encode_record(2, &[1], &mut only_amt);
        assert_eq!(
            HopPayload::decode(&only_amt, true),
            Err(PayloadError { typ: TLV_OUTGOING_CLTV, offset: 0 })
        );
    }

    /// BOLT 4 `onion-error-test.json`: the failure built by the last hop (shared secret of
    /// node 4, `temporary_node_failure` with no data) and its decoding after 5 wrappings.
    #[test]
    fn failure_round_trip_five_hops() {
        let secrets: Vec<SharedSecret> = (0u8..5).map(|i| SharedSecret([i + 1; 32])).collect();
        let mut p = build_failure(&secrets[4], code::TEMPORARY_NODE_FAILURE, &[]);
        assert_eq!(p.len(), 32 + 2 + 256 + 2);
        for s in secrets[..4].iter().rev() {
            wrap_failure(s, &mut p);
        }
        let f = decode_failure(&secrets, &p).unwrap();
        assert_eq!((f.erring_index, f.code, f.data.len()), (4, code::TEMPORARY_NODE_FAILURE, 0));
        p[100] ^= 1;
        assert_eq!(decode_failure(&secrets, &p), None);
    }

    #[test]
    fn channel_update_signs_and_parses() {
        let secp = Secp256k1::new();
        let key = SecretKey::from_slice(&[7; 32]).unwrap();
        let pk = secp256k1::PublicKey::from_secret_key(&secp, &key);
        let f = UpdateFields {
            scid: ShortChannelId(123),
            timestamp: 5,
            direction: 1,
            disabled: true,
            cltv_delta: 40,
            htlc_min: Msat(1000),
            base_fee_msat: 1000,
            fee_ppm: 100,
            htlc_max: Msat(9_000_000),
        };
        let b = channel_update(&secp, &key, &f);
        assert_eq!(b.len(), CHANNEL_UPDATE_LEN);
        assert_eq!(parse_channel_update(&b), Some(f));
        assert!(verify_channel_update(&b, &pk));
        let mut bad = b.clone();
        bad[120] ^= 1;
        assert!(!verify_channel_update(&bad, &pk));
    }
}
