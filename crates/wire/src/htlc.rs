//! The four BOLT 2 HTLC messages: `update_add_htlc`, `update_fulfill_htlc`, `update_fail_htlc`
//! and `update_fail_malformed_htlc`, each in its exact spec encoding with a trailing TLV
//! extension stream (known TLVs are fields, unknown odd ones are kept in `unknown_tlvs` so a
//! message re-encodes to its bytes, unknown even ones are refused).

use crate::error::WireError;
use crate::message::msg_type;
use crate::reader::{known_tlv, put_tlvs, put_var_bytes, strip_known, Reader};
use core::fmt;
use secp256k1::PublicKey;
use types::tlv::TlvStream;
use types::{Msat, PaymentHash, PaymentPreimage};

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

/// The size of the onion packet of `update_add_htlc`.
pub const ONION_LEN: usize = 1366;

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
