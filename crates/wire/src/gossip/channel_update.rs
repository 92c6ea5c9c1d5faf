//! `channel_update` (type 258): its flags, parse, encode, sign and verify.

use super::*;

/// `channel_flags` bit 0: the direction (0 = from `node_id_1`).
pub const CHANNEL_FLAG_DIRECTION: u8 = 1;
/// `channel_flags` bit 1: the direction is disabled.
pub const CHANNEL_FLAG_DISABLE: u8 = 2;
/// `message_flags` bit 0: `must_be_one` (it once announced `htlc_maximum_msat`, which is now
/// always present; receivers ignore it).
pub const MESSAGE_FLAG_MUST_BE_ONE: u8 = 1;
/// `message_flags` bit 1: `dont_forward`.
pub const MESSAGE_FLAG_DONT_FORWARD: u8 = 2;

/// The signed part of a `channel_update` (everything after the signature).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct UnsignedChannelUpdate {
    /// The chain the channel lives on.
    pub chain_hash: ChainHash,
    /// The channel.
    pub short_channel_id: ShortChannelId,
    /// Orders updates of one direction (UNIX seconds by convention).
    pub timestamp: u32,
    /// `must_be_one` and `dont_forward`, as sent.
    pub message_flags: u8,
    /// `direction` and `disable`, as sent.
    pub channel_flags: u8,
    /// Blocks the origin subtracts from an incoming HTLC's expiry.
    pub cltv_expiry_delta: u16,
    /// Smallest HTLC the origin forwards.
    pub htlc_minimum_msat: Msat,
    /// Base fee.
    pub fee_base_msat: u32,
    /// Proportional fee in millionths.
    pub fee_proportional_millionths: u32,
    /// Largest HTLC the origin forwards (mandatory in the current spec).
    pub htlc_maximum_msat: Msat,
    /// Bytes after the last known field (signed, kept for re-encoding).
    pub excess_data: Vec<u8>,
}

/// Length of the fixed part of a `channel_update` after its signature.
pub(super) const UPDATE_SIGNED_LEN: usize = 32 + 8 + 4 + 1 + 1 + 2 + 8 + 4 + 4 + 8;

impl UnsignedChannelUpdate {
    /// The direction (`channel_flags` bit 0): 0 when `node_id_1` is the origin.
    pub fn direction(&self) -> u8 {
        self.channel_flags & CHANNEL_FLAG_DIRECTION
    }

    /// Whether the `disable` bit is set.
    pub fn is_disabled(&self) -> bool {
        self.channel_flags & CHANNEL_FLAG_DISABLE != 0
    }

    fn fixed(&self) -> [u8; UPDATE_SIGNED_LEN] {
        let mut b = [0u8; UPDATE_SIGNED_LEN];
        b[..32].copy_from_slice(&self.chain_hash.0);
        b[32..40].copy_from_slice(&self.short_channel_id.to_be_bytes());
        b[40..44].copy_from_slice(&self.timestamp.to_be_bytes());
        b[44] = self.message_flags;
        b[45] = self.channel_flags;
        b[46..48].copy_from_slice(&self.cltv_expiry_delta.to_be_bytes());
        b[48..56].copy_from_slice(&self.htlc_minimum_msat.0.to_be_bytes());
        b[56..60].copy_from_slice(&self.fee_base_msat.to_be_bytes());
        b[60..64].copy_from_slice(&self.fee_proportional_millionths.to_be_bytes());
        b[64..72].copy_from_slice(&self.htlc_maximum_msat.0.to_be_bytes());
        b
    }

    /// The hash the signature signs: double SHA-256 of everything after the signature.
    pub fn signed_hash(&self) -> [u8; 32] {
        sha256d(&[&self.fixed(), &self.excess_data])
    }

    /// Signs these contents with the origin node's secret.
    pub fn sign(self, node_secret: &SecretKey) -> ChannelUpdate {
        ChannelUpdate { signature: sign(self.signed_hash(), node_secret), contents: self }
    }
}

/// A `channel_update` (type 258).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ChannelUpdate {
    /// Signature by the origin node (`node_id_1` for direction 0, `node_id_2` for 1).
    pub signature: Signature,
    /// Everything the signature signs.
    pub contents: UnsignedChannelUpdate,
}

impl ChannelUpdate {
    /// The message type, 258.
    pub const TYPE: u16 = 258;

    /// Parses a message that starts with its 2-byte type (258).
    pub fn parse(bytes: &[u8]) -> Result<ChannelUpdate, ParseError> {
        Self::parse_body(strip_type(bytes, MessageKind::ChannelUpdate)?)
    }

    /// Parses a message body (without the type prefix).
    ///
    /// `htlc_maximum_msat` is always read: the current spec makes it mandatory and tells
    /// receivers to ignore the `must_be_one` bit of `message_flags` (kept as sent).
    pub fn parse_body(bytes: &[u8]) -> Result<ChannelUpdate, ParseError> {
        let mut r = Reader { data: bytes, message: MessageKind::ChannelUpdate };
        let signature = r.signature("signature")?;
        let contents = UnsignedChannelUpdate {
            chain_hash: ChainHash(r.array("chain_hash")?),
            short_channel_id: ShortChannelId(r.u64("short_channel_id")?),
            timestamp: r.u32("timestamp")?,
            message_flags: r.u8("message_flags")?,
            channel_flags: r.u8("channel_flags")?,
            cltv_expiry_delta: r.u16("cltv_expiry_delta")?,
            htlc_minimum_msat: Msat(r.u64("htlc_minimum_msat")?),
            fee_base_msat: r.u32("fee_base_msat")?,
            fee_proportional_millionths: r.u32("fee_proportional_millionths")?,
            htlc_maximum_msat: Msat(r.u64("htlc_maximum_msat")?),
            excess_data: Vec::new(),
        };
        // An empty `to_vec` does not allocate: the common case costs nothing here.
        let contents = UnsignedChannelUpdate { excess_data: r.rest().to_vec(), ..contents };
        Ok(ChannelUpdate { signature, contents })
    }

    /// Parses the `channel_update` field of a BOLT 4 failure message (`[u16:len]
    /// [len*byte:channel_update]`, given here without `len`).
    ///
    /// BOLT 4 does not say whether the field holds the type prefix; the implementations in
    /// the field (lnd, Core Lightning, eclair) put it there and LDK accepts both, so this does
    /// too: input of at least a full message (2 + 136 bytes) that starts with `0x0102` is read
    /// as prefixed, anything else as a bare body. (A bare body carrying extra fields whose
    /// signature starts with `0x0102` would be misread, then fail verification: a rejected
    /// update, never a wrong one.)
    pub fn parse_from_failure(bytes: &[u8]) -> Result<ChannelUpdate, ParseError> {
        let prefixed = bytes.len() >= 2 + 64 + UPDATE_SIGNED_LEN
            && bytes.get(..2) == Some(&Self::TYPE.to_be_bytes()[..]);
        if prefixed {
            Self::parse(bytes)
        } else {
            Self::parse_body(bytes)
        }
    }

    /// The wire form, with its type prefix.
    pub fn encode(&self) -> Vec<u8> {
        let mut out =
            Vec::with_capacity(2 + 64 + UPDATE_SIGNED_LEN + self.contents.excess_data.len());
        out.extend_from_slice(&Self::TYPE.to_be_bytes());
        out.extend_from_slice(&self.signature.serialize_compact());
        out.extend_from_slice(&self.contents.fixed());
        out.extend_from_slice(&self.contents.excess_data);
        out
    }

    /// Checks the signature against the origin's node id (`node_id_1` of the channel for
    /// direction 0, `node_id_2` for direction 1: see `lnpay_route::gossip::apply_channel_update`,
    /// which picks it from the graph).
    pub fn verify(&self, origin: &NodeId) -> Result<(), VerifyError> {
        let hash = Message::from_digest(self.contents.signed_hash());
        verify_sig(&hash, &self.signature, origin, "node_id", "signature")
    }

    /// [`Self::verify`] with the key already decompressed.
    pub fn verify_with_key(&self, origin: &PublicKey) -> Result<(), VerifyError> {
        let hash = Message::from_digest(self.contents.signed_hash());
        verify_sig_pk(&hash, &self.signature, origin, &NodeId::from_pubkey(origin), "signature")
    }
}
