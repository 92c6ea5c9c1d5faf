//! `channel_announcement` (type 256): parse, encode, sign and verify its four signatures.

use super::*;

/// The signed part of a `channel_announcement` (everything after the four signatures).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct UnsignedChannelAnnouncement {
    /// The feature bytes exactly as carried (big-endian; see [`Self::feature_set`]).
    pub features: Vec<u8>,
    /// The chain the channel lives on.
    pub chain_hash: ChainHash,
    /// The channel.
    pub short_channel_id: ShortChannelId,
    /// The lesser node id.
    pub node_id_1: NodeId,
    /// The greater node id.
    pub node_id_2: NodeId,
    /// `node_id_1`'s funding key.
    pub bitcoin_key_1: NodeId,
    /// `node_id_2`'s funding key.
    pub bitcoin_key_2: NodeId,
    /// Bytes after the last known field (signed, kept for re-encoding).
    pub excess_data: Vec<u8>,
}

impl UnsignedChannelAnnouncement {
    /// The features as a set.
    pub fn feature_set(&self) -> Features {
        Features::from_be_bytes(&self.features)
    }

    fn encode_to(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&(self.features.len() as u16).to_be_bytes());
        out.extend_from_slice(&self.features);
        out.extend_from_slice(&self.chain_hash.0);
        out.extend_from_slice(&self.short_channel_id.to_be_bytes());
        out.extend_from_slice(self.node_id_1.as_bytes());
        out.extend_from_slice(self.node_id_2.as_bytes());
        out.extend_from_slice(self.bitcoin_key_1.as_bytes());
        out.extend_from_slice(self.bitcoin_key_2.as_bytes());
        out.extend_from_slice(&self.excess_data);
    }

    /// The hash the four signatures sign: double SHA-256 of the message from offset 256 of the
    /// body (after the signatures) to its end.
    pub fn signed_hash(&self) -> [u8; 32] {
        let mut fixed = [0u8; 32 + 8 + 4 * 33];
        fixed[..32].copy_from_slice(&self.chain_hash.0);
        fixed[32..40].copy_from_slice(&self.short_channel_id.to_be_bytes());
        fixed[40..73].copy_from_slice(self.node_id_1.as_bytes());
        fixed[73..106].copy_from_slice(self.node_id_2.as_bytes());
        fixed[106..139].copy_from_slice(self.bitcoin_key_1.as_bytes());
        fixed[139..172].copy_from_slice(self.bitcoin_key_2.as_bytes());
        let len = (self.features.len() as u16).to_be_bytes();
        sha256d(&[&len, &self.features, &fixed, &self.excess_data])
    }
}

/// A `channel_announcement` (type 256).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ChannelAnnouncement {
    /// Signature by `node_id_1`.
    pub node_signature_1: Signature,
    /// Signature by `node_id_2`.
    pub node_signature_2: Signature,
    /// Signature by `bitcoin_key_1`.
    pub bitcoin_signature_1: Signature,
    /// Signature by `bitcoin_key_2`.
    pub bitcoin_signature_2: Signature,
    /// Everything the signatures sign.
    pub contents: UnsignedChannelAnnouncement,
}

impl ChannelAnnouncement {
    /// The message type, 256.
    pub const TYPE: u16 = 256;

    /// Parses a message that starts with its 2-byte type (256).
    pub fn parse(bytes: &[u8]) -> Result<ChannelAnnouncement, ParseError> {
        Self::parse_body(strip_type(bytes, MessageKind::ChannelAnnouncement)?)
    }

    /// Parses a message body (without the type prefix).
    pub fn parse_body(bytes: &[u8]) -> Result<ChannelAnnouncement, ParseError> {
        let mut r = Reader { data: bytes, message: MessageKind::ChannelAnnouncement };
        let node_signature_1 = r.signature("node_signature_1")?;
        let node_signature_2 = r.signature("node_signature_2")?;
        let bitcoin_signature_1 = r.signature("bitcoin_signature_1")?;
        let bitcoin_signature_2 = r.signature("bitcoin_signature_2")?;
        let features = r.var_bytes("len", "features")?.to_vec();
        let chain_hash = ChainHash(r.array("chain_hash")?);
        let short_channel_id = ShortChannelId(r.u64("short_channel_id")?);
        let node_id_1 = r.point("node_id_1")?;
        let node_id_2 = r.point("node_id_2")?;
        let bitcoin_key_1 = r.point("bitcoin_key_1")?;
        let bitcoin_key_2 = r.point("bitcoin_key_2")?;
        let excess_data = r.rest().to_vec();
        Ok(ChannelAnnouncement {
            node_signature_1,
            node_signature_2,
            bitcoin_signature_1,
            bitcoin_signature_2,
            contents: UnsignedChannelAnnouncement {
                features,
                chain_hash,
                short_channel_id,
                node_id_1,
                node_id_2,
                bitcoin_key_1,
                bitcoin_key_2,
                excess_data,
            },
        })
    }

    /// The wire form, with its type prefix.
    pub fn encode(&self) -> Vec<u8> {
        let c = &self.contents;
        let mut out =
            Vec::with_capacity(2 + 256 + 2 + c.features.len() + 172 + c.excess_data.len());
        out.extend_from_slice(&Self::TYPE.to_be_bytes());
        for s in [
            &self.node_signature_1,
            &self.node_signature_2,
            &self.bitcoin_signature_1,
            &self.bitcoin_signature_2,
        ] {
            out.extend_from_slice(&s.serialize_compact());
        }
        c.encode_to(&mut out);
        out
    }

    /// Checks the four signatures and that `node_id_1 < node_id_2` (the chain is the
    /// caller's to check: see `lnpay_route::gossip::apply_channel_announcement`).
    pub fn verify(&self) -> Result<(), VerifyError> {
        let c = &self.contents;
        if c.node_id_1 >= c.node_id_2 {
            return Err(VerifyError::NodeOrder { node_id_1: c.node_id_1, node_id_2: c.node_id_2 });
        }
        let hash = Message::from_digest(c.signed_hash());
        verify_sig(&hash, &self.node_signature_1, &c.node_id_1, "node_id_1", "node_signature_1")?;
        verify_sig(&hash, &self.node_signature_2, &c.node_id_2, "node_id_2", "node_signature_2")?;
        verify_sig(
            &hash,
            &self.bitcoin_signature_1,
            &c.bitcoin_key_1,
            "bitcoin_key_1",
            "bitcoin_signature_1",
        )?;
        verify_sig(
            &hash,
            &self.bitcoin_signature_2,
            &c.bitcoin_key_2,
            "bitcoin_key_2",
            "bitcoin_signature_2",
        )
    }

    /// A signed announcement of channel `scid` between the nodes of `node_secret_a` and
    /// `node_secret_b` with funding keys `bitcoin_secret_a` and `bitcoin_secret_b`, in either
    /// order: the nodes are sorted as BOLT 7 requires, each keeping its own funding key.
    /// `features` is the big-endian feature bytes.
    pub fn sign(
        chain_hash: ChainHash,
        scid: ShortChannelId,
        features: &[u8],
        node_secret_a: &SecretKey,
        node_secret_b: &SecretKey,
        bitcoin_secret_a: &SecretKey,
        bitcoin_secret_b: &SecretKey,
    ) -> ChannelAnnouncement {
        let id_a = NodeId::from_pubkey(&PublicKey::from_secret_key(SECP256K1, node_secret_a));
        let id_b = NodeId::from_pubkey(&PublicKey::from_secret_key(SECP256K1, node_secret_b));
        let (n1, n2, b1, b2, id1, id2) = if id_a <= id_b {
            (node_secret_a, node_secret_b, bitcoin_secret_a, bitcoin_secret_b, id_a, id_b)
        } else {
            (node_secret_b, node_secret_a, bitcoin_secret_b, bitcoin_secret_a, id_b, id_a)
        };
        let contents = UnsignedChannelAnnouncement {
            features: features.to_vec(),
            chain_hash,
            short_channel_id: scid,
            node_id_1: id1,
            node_id_2: id2,
            bitcoin_key_1: NodeId::from_pubkey(&PublicKey::from_secret_key(SECP256K1, b1)),
            bitcoin_key_2: NodeId::from_pubkey(&PublicKey::from_secret_key(SECP256K1, b2)),
            excess_data: Vec::new(),
        };
        contents.sign(n1, n2, b1, b2)
    }
}

impl UnsignedChannelAnnouncement {
    /// Signs these contents as they are (no reordering: the keys must match the fields).
    pub fn sign(
        self,
        node_secret_1: &SecretKey,
        node_secret_2: &SecretKey,
        bitcoin_secret_1: &SecretKey,
        bitcoin_secret_2: &SecretKey,
    ) -> ChannelAnnouncement {
        let hash = self.signed_hash();
        ChannelAnnouncement {
            node_signature_1: sign(hash, node_secret_1),
            node_signature_2: sign(hash, node_secret_2),
            bitcoin_signature_1: sign(hash, bitcoin_secret_1),
            bitcoin_signature_2: sign(hash, bitcoin_secret_2),
            contents: self,
        }
    }
}
