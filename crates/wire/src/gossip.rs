//! The three BOLT 7 gossip messages in their exact wire form: parse, encode, sign, verify.
//!
//! Each message keeps every byte it was parsed from (feature bytes as sent, `excess_data`
//! after the last known field), so `encode` gives the parsed bytes back and the signature
//! hash covers exactly what the origin signed.

use core::fmt;

use secp256k1::ecdsa::Signature;
use secp256k1::{Message, PublicKey, SecretKey, SECP256K1};
use sha2::{Digest, Sha256};
use types::{Features, Msat, NodeId, NodeIdError, ShortChannelId};

/// A 32-byte chain hash as BOLT 7 carries it (the genesis block hash, in internal byte order).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ChainHash(pub [u8; 32]);

impl ChainHash {
    /// Bitcoin mainnet: `6fe28c0ab6f1b372c1a6a246ae63f74f931e8365e15a089c68d6190000000000`.
    pub const BITCOIN: ChainHash = ChainHash([
        0x6f, 0xe2, 0x8c, 0x0a, 0xb6, 0xf1, 0xb3, 0x72, 0xc1, 0xa6, 0xa2, 0x46, 0xae, 0x63, 0xf7,
        0x4f, 0x93, 0x1e, 0x83, 0x65, 0xe1, 0x5a, 0x08, 0x9c, 0x68, 0xd6, 0x19, 0x00, 0x00, 0x00,
        0x00, 0x00,
    ]);
    /// Bitcoin testnet3.
    pub const TESTNET: ChainHash = ChainHash([
        0x43, 0x49, 0x7f, 0xd7, 0xf8, 0x26, 0x95, 0x71, 0x08, 0xf4, 0xa3, 0x0f, 0xd9, 0xce, 0xc3,
        0xae, 0xba, 0x79, 0x97, 0x20, 0x84, 0xe9, 0x0e, 0xad, 0x01, 0xea, 0x33, 0x09, 0x00, 0x00,
        0x00, 0x00,
    ]);
    /// Bitcoin regtest.
    pub const REGTEST: ChainHash = ChainHash([
        0x06, 0x22, 0x6e, 0x46, 0x11, 0x1a, 0x0b, 0x59, 0xca, 0xaf, 0x12, 0x60, 0x43, 0xeb, 0x5b,
        0xbf, 0x28, 0xc3, 0x4f, 0x3a, 0x5e, 0x33, 0x2a, 0x1f, 0xc7, 0xb2, 0xb7, 0x3c, 0xf1, 0x88,
        0x91, 0x0f,
    ]);
}

impl fmt::Display for ChainHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&types::hex::encode(&self.0))
    }
}

impl fmt::Debug for ChainHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ChainHash({self})")
    }
}

/// Which gossip message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MessageKind {
    /// `channel_announcement` (type 256).
    ChannelAnnouncement,
    /// `node_announcement` (type 257).
    NodeAnnouncement,
    /// `channel_update` (type 258).
    ChannelUpdate,
}

impl MessageKind {
    /// The BOLT 1 message type.
    pub const fn type_number(self) -> u16 {
        match self {
            MessageKind::ChannelAnnouncement => 256,
            MessageKind::NodeAnnouncement => 257,
            MessageKind::ChannelUpdate => 258,
        }
    }

    /// The kind of message type `t`, if it is one of the three.
    pub const fn from_type(t: u16) -> Option<MessageKind> {
        match t {
            256 => Some(MessageKind::ChannelAnnouncement),
            257 => Some(MessageKind::NodeAnnouncement),
            258 => Some(MessageKind::ChannelUpdate),
            _ => None,
        }
    }

    /// The spec's name of the message.
    pub const fn name(self) -> &'static str {
        match self {
            MessageKind::ChannelAnnouncement => "channel_announcement",
            MessageKind::NodeAnnouncement => "node_announcement",
            MessageKind::ChannelUpdate => "channel_update",
        }
    }
}

impl fmt::Display for MessageKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Why bytes are not a well-formed gossip message (syntax only: signatures are checked by
/// `verify`).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ParseError {
    /// The input ends inside a field.
    Truncated {
        /// The message being read.
        message: MessageKind,
        /// The field that does not fit.
        field: &'static str,
        /// Bytes the field needs.
        needed: usize,
        /// Bytes left in the input.
        remaining: usize,
    },
    /// The 2-byte type prefix is not the expected message's.
    WrongType {
        /// The type expected.
        expected: u16,
        /// The type found.
        got: u16,
    },
    /// The input is too short to hold a 2-byte type.
    NoType {
        /// The input's length.
        len: usize,
    },
    /// The type prefix names none of the three gossip messages.
    UnknownType {
        /// The type found.
        got: u16,
    },
    /// A signature field holds an `r` or `s` not below the curve order.
    Signature {
        /// The message being read.
        message: MessageKind,
        /// The field.
        field: &'static str,
        /// The 64 compact bytes.
        bytes: [u8; 64],
    },
    /// A point field is not a compressed public key (wrong prefix byte).
    Point {
        /// The message being read.
        message: MessageKind,
        /// The field.
        field: &'static str,
        /// What is wrong with it.
        error: NodeIdError,
    },
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ParseError::Truncated { message, field, needed, remaining } => {
                write!(f, "{message} truncated at {field}: needs {needed} bytes, {remaining} left")
            }
            ParseError::WrongType { expected, got } => {
                write!(f, "message type {got} where {expected} was expected")
            }
            ParseError::NoType { len } => write!(f, "message of {len} bytes has no type"),
            ParseError::UnknownType { got } => write!(f, "message type {got} is not gossip"),
            ParseError::Signature { message, field, bytes } => write!(
                f,
                "{message} {field} is not a valid compact signature: {}",
                types::hex::encode(bytes)
            ),
            ParseError::Point { message, field, error } => {
                write!(f, "{message} {field} is not a public key: {error}")
            }
        }
    }
}

impl std::error::Error for ParseError {}

/// Why a well-formed message does not verify.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum VerifyError {
    /// A key is not a point on the curve.
    NotOnCurve {
        /// The field holding the key.
        field: &'static str,
        /// The key.
        key: NodeId,
    },
    /// A signature does not sign the message's hash with its key.
    BadSignature {
        /// The signature field.
        field: &'static str,
        /// The key it was checked against.
        key: NodeId,
    },
    /// A `channel_announcement` whose `node_id_1` is not lesser than its `node_id_2`.
    NodeOrder {
        /// `node_id_1`.
        node_id_1: NodeId,
        /// `node_id_2`.
        node_id_2: NodeId,
    },
}

impl fmt::Display for VerifyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            VerifyError::NotOnCurve { field, key } => {
                write!(f, "{field} {key} is not on the curve")
            }
            VerifyError::BadSignature { field, key } => {
                write!(f, "{field} is not a valid signature by {key}")
            }
            VerifyError::NodeOrder { node_id_1, node_id_2 } => {
                write!(f, "node_id_1 {node_id_1} is not lesser than node_id_2 {node_id_2}")
            }
        }
    }
}

impl std::error::Error for VerifyError {}

/// A cursor over a message body that names what it was reading when bytes run out.
struct Reader<'a> {
    data: &'a [u8],
    message: MessageKind,
}

impl<'a> Reader<'a> {
    fn slice(&mut self, n: usize, field: &'static str) -> Result<&'a [u8], ParseError> {
        if self.data.len() < n {
            return Err(ParseError::Truncated {
                message: self.message,
                field,
                needed: n,
                remaining: self.data.len(),
            });
        }
        let (head, tail) = self.data.split_at(n);
        self.data = tail;
        Ok(head)
    }

    fn array<const N: usize>(&mut self, field: &'static str) -> Result<[u8; N], ParseError> {
        let mut out = [0u8; N];
        out.copy_from_slice(self.slice(N, field)?);
        Ok(out)
    }

    fn u8(&mut self, field: &'static str) -> Result<u8, ParseError> {
        Ok(self.array::<1>(field)?[0])
    }
    fn u16(&mut self, field: &'static str) -> Result<u16, ParseError> {
        Ok(u16::from_be_bytes(self.array(field)?))
    }
    fn u32(&mut self, field: &'static str) -> Result<u32, ParseError> {
        Ok(u32::from_be_bytes(self.array(field)?))
    }
    fn u64(&mut self, field: &'static str) -> Result<u64, ParseError> {
        Ok(u64::from_be_bytes(self.array(field)?))
    }

    fn signature(&mut self, field: &'static str) -> Result<Signature, ParseError> {
        let bytes: [u8; 64] = self.array(field)?;
        Signature::from_compact(&bytes).map_err(|_| ParseError::Signature {
            message: self.message,
            field,
            bytes,
        })
    }

    fn point(&mut self, field: &'static str) -> Result<NodeId, ParseError> {
        let bytes: [u8; 33] = self.array(field)?;
        NodeId::from_array(bytes).map_err(|error| ParseError::Point {
            message: self.message,
            field,
            error,
        })
    }

    /// A `u16` length followed by that many bytes.
    fn var_bytes(
        &mut self,
        len_field: &'static str,
        field: &'static str,
    ) -> Result<&'a [u8], ParseError> {
        let len = self.u16(len_field)? as usize;
        self.slice(len, field)
    }

    fn rest(self) -> &'a [u8] {
        self.data
    }
}

/// Strips and checks the 2-byte type prefix.
fn strip_type(bytes: &[u8], kind: MessageKind) -> Result<&[u8], ParseError> {
    let mut r = Reader { data: bytes, message: kind };
    let got = r.u16("type")?;
    if got != kind.type_number() {
        return Err(ParseError::WrongType { expected: kind.type_number(), got });
    }
    Ok(r.rest())
}

/// Double SHA-256 of `parts` concatenated: the hash every gossip signature signs.
fn sha256d(parts: &[&[u8]]) -> [u8; 32] {
    let mut h = Sha256::new();
    for p in parts {
        h.update(p);
    }
    let once = h.finalize();
    Sha256::digest(once).into()
}

fn verify_sig(
    hash: &Message,
    sig: &Signature,
    key: &NodeId,
    key_field: &'static str,
    sig_field: &'static str,
) -> Result<(), VerifyError> {
    let pk = PublicKey::from_slice(key.as_bytes())
        .map_err(|_| VerifyError::NotOnCurve { field: key_field, key: *key })?;
    verify_sig_pk(hash, sig, &pk, key, sig_field)
}

fn verify_sig_pk(
    hash: &Message,
    sig: &Signature,
    pk: &PublicKey,
    key: &NodeId,
    sig_field: &'static str,
) -> Result<(), VerifyError> {
    SECP256K1
        .verify_ecdsa(hash, sig, pk)
        .map_err(|_| VerifyError::BadSignature { field: sig_field, key: *key })
}

fn sign(hash: [u8; 32], secret: &SecretKey) -> Signature {
    SECP256K1.sign_ecdsa(&Message::from_digest(hash), secret)
}

// ---------------------------------------------------------------------------------------------
// channel_announcement

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

// ---------------------------------------------------------------------------------------------
// channel_update

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
const UPDATE_SIGNED_LEN: usize = 32 + 8 + 4 + 1 + 1 + 2 + 8 + 4 + 4 + 8;

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

// ---------------------------------------------------------------------------------------------
// node_announcement

/// A network address from a `node_announcement` (BOLT 7 address descriptors).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Address {
    /// Type 1.
    Ipv4 {
        /// The address.
        addr: [u8; 4],
        /// The port (never 0).
        port: u16,
    },
    /// Type 2.
    Ipv6 {
        /// The address.
        addr: [u8; 16],
        /// The port (never 0).
        port: u16,
    },
    /// Type 4: a Tor v3 onion service (`ed25519 key || checksum || version`).
    TorV3 {
        /// The 35 encoded bytes.
        onion: [u8; 35],
        /// The port.
        port: u16,
    },
    /// Type 5: a DNS hostname (ASCII).
    Hostname {
        /// The name.
        host: String,
        /// The port (never 0).
        port: u16,
    },
}

/// `addrlen` too short for the descriptors of known types it holds (the spec's "SHOULD send
/// a warning" case).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddressError {
    /// Offset of the descriptor in `addresses`.
    pub offset: usize,
    /// Its type.
    pub address_type: u8,
    /// Bytes the descriptor needs after its type byte.
    pub needed: usize,
    /// Bytes left after its type byte.
    pub remaining: usize,
}

impl fmt::Display for AddressError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "address descriptor of type {} at offset {} needs {} bytes, {} left",
            self.address_type, self.offset, self.needed, self.remaining
        )
    }
}

impl std::error::Error for AddressError {}

/// Decodes address descriptors as a receiver should: reading stops at the first unknown type
/// (its length is unknown), type 0 bytes are skipped as padding, Tor v2 (type 3) is skipped,
/// an IP or hostname with port 0 is ignored, only the first hostname is kept, and a hostname
/// that is not ASCII is ignored.
pub fn decode_addresses(bytes: &[u8]) -> Result<Vec<Address>, AddressError> {
    let mut out = Vec::new();
    let mut offset = 0;
    let mut seen_hostname = false;
    while let Some(&address_type) = bytes.get(offset) {
        let rest = bytes.get(offset + 1..).unwrap_or_default();
        let needed = match address_type {
            0 => 0,
            1 => 6,
            2 => 18,
            3 => 12,
            4 => 37,
            5 => 1 + usize::from(rest.first().copied().unwrap_or(0)) + 2,
            _ => break,
        };
        let Some(data) = rest.get(..needed) else {
            let needed = if address_type == 5 && rest.is_empty() { 1 } else { needed };
            return Err(AddressError { offset, address_type, needed, remaining: rest.len() });
        };
        let port = |d: &[u8]| match d {
            [.., a, b] => u16::from_be_bytes([*a, *b]),
            _ => 0,
        };
        let address = match address_type {
            1 => {
                let mut addr = [0u8; 4];
                addr.copy_from_slice(&data[..4]);
                Some(Address::Ipv4 { addr, port: port(data) })
            }
            2 => {
                let mut addr = [0u8; 16];
                addr.copy_from_slice(&data[..16]);
                Some(Address::Ipv6 { addr, port: port(data) })
            }
            4 => {
                let mut onion = [0u8; 35];
                onion.copy_from_slice(&data[..35]);
                Some(Address::TorV3 { onion, port: port(data) })
            }
            5 if !seen_hostname => {
                seen_hostname = true;
                let name = &data[1..data.len() - 2];
                name.is_ascii()
                    .then(|| String::from_utf8(name.to_vec()).ok())
                    .flatten()
                    .map(|host| Address::Hostname { host, port: port(data) })
            }
            _ => None,
        };
        match address {
            Some(Address::TorV3 { .. }) => out.extend(address),
            Some(a) if port(data) != 0 => out.push(a),
            _ => {}
        }
        offset += 1 + needed;
    }
    Ok(out)
}

/// The signed part of a `node_announcement` (everything after the signature).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct UnsignedNodeAnnouncement {
    /// The feature bytes exactly as carried (big-endian; see [`Self::feature_set`]).
    pub features: Vec<u8>,
    /// Orders announcements of one node.
    pub timestamp: u32,
    /// The node.
    pub node_id: NodeId,
    /// Red, green, blue.
    pub rgb_color: [u8; 3],
    /// UTF-8, zero-padded (see [`Self::alias_str`]).
    pub alias: [u8; 32],
    /// The address descriptors, undecoded.
    pub addresses: Vec<u8>,
    /// Bytes after the last known field (signed, kept for re-encoding).
    pub excess_data: Vec<u8>,
}

impl UnsignedNodeAnnouncement {
    /// The features as a set.
    pub fn feature_set(&self) -> Features {
        Features::from_be_bytes(&self.features)
    }

    /// The decoded address descriptors (see [`decode_addresses`]).
    pub fn decoded_addresses(&self) -> Result<Vec<Address>, AddressError> {
        decode_addresses(&self.addresses)
    }

    /// The alias without its trailing zero bytes, if it is UTF-8.
    pub fn alias_str(&self) -> Option<&str> {
        let end = self.alias.iter().rposition(|&b| b != 0).map_or(0, |i| i + 1);
        core::str::from_utf8(self.alias.get(..end)?).ok()
    }

    fn encode_to(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&(self.features.len() as u16).to_be_bytes());
        out.extend_from_slice(&self.features);
        out.extend_from_slice(&self.timestamp.to_be_bytes());
        out.extend_from_slice(self.node_id.as_bytes());
        out.extend_from_slice(&self.rgb_color);
        out.extend_from_slice(&self.alias);
        out.extend_from_slice(&(self.addresses.len() as u16).to_be_bytes());
        out.extend_from_slice(&self.addresses);
        out.extend_from_slice(&self.excess_data);
    }

    /// The hash the signature signs: double SHA-256 of everything after the signature.
    pub fn signed_hash(&self) -> [u8; 32] {
        let mut out = Vec::with_capacity(
            2 + self.features.len()
                + 4
                + 33
                + 3
                + 32
                + 2
                + self.addresses.len()
                + self.excess_data.len(),
        );
        self.encode_to(&mut out);
        sha256d(&[&out])
    }

    /// Signs these contents with the node's secret.
    pub fn sign(self, node_secret: &SecretKey) -> NodeAnnouncement {
        NodeAnnouncement { signature: sign(self.signed_hash(), node_secret), contents: self }
    }
}

/// A `node_announcement` (type 257).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct NodeAnnouncement {
    /// Signature by `node_id`.
    pub signature: Signature,
    /// Everything the signature signs.
    pub contents: UnsignedNodeAnnouncement,
}

impl NodeAnnouncement {
    /// The message type, 257.
    pub const TYPE: u16 = 257;

    /// Parses a message that starts with its 2-byte type (257).
    pub fn parse(bytes: &[u8]) -> Result<NodeAnnouncement, ParseError> {
        Self::parse_body(strip_type(bytes, MessageKind::NodeAnnouncement)?)
    }

    /// Parses a message body (without the type prefix).
    pub fn parse_body(bytes: &[u8]) -> Result<NodeAnnouncement, ParseError> {
        let mut r = Reader { data: bytes, message: MessageKind::NodeAnnouncement };
        let signature = r.signature("signature")?;
        let features = r.var_bytes("flen", "features")?.to_vec();
        let timestamp = r.u32("timestamp")?;
        let node_id = r.point("node_id")?;
        let rgb_color = r.array("rgb_color")?;
        let alias = r.array("alias")?;
        let addresses = r.var_bytes("addrlen", "addresses")?.to_vec();
        let excess_data = r.rest().to_vec();
        Ok(NodeAnnouncement {
            signature,
            contents: UnsignedNodeAnnouncement {
                features,
                timestamp,
                node_id,
                rgb_color,
                alias,
                addresses,
                excess_data,
            },
        })
    }

    /// The wire form, with its type prefix.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::new();
        out.extend_from_slice(&Self::TYPE.to_be_bytes());
        out.extend_from_slice(&self.signature.serialize_compact());
        self.contents.encode_to(&mut out);
        out
    }

    /// Checks the signature against `node_id`.
    pub fn verify(&self) -> Result<(), VerifyError> {
        let hash = Message::from_digest(self.contents.signed_hash());
        verify_sig(&hash, &self.signature, &self.contents.node_id, "node_id", "signature")
    }
}

/// Any of the three gossip messages.
// Unboxed on purpose: announcements are rare next to updates, and an update (the hot path)
// should not pay an allocation for the enum.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum GossipMessage {
    /// Type 256.
    ChannelAnnouncement(ChannelAnnouncement),
    /// Type 257.
    NodeAnnouncement(NodeAnnouncement),
    /// Type 258.
    ChannelUpdate(ChannelUpdate),
}

impl GossipMessage {
    /// Parses a message that starts with its 2-byte type, dispatching on it.
    pub fn parse(bytes: &[u8]) -> Result<GossipMessage, ParseError> {
        let mut r = Reader { data: bytes, message: MessageKind::ChannelUpdate };
        let t = r.u16("type").map_err(|_| ParseError::NoType { len: bytes.len() })?;
        let body = r.rest();
        match MessageKind::from_type(t) {
            Some(MessageKind::ChannelAnnouncement) => {
                ChannelAnnouncement::parse_body(body).map(GossipMessage::ChannelAnnouncement)
            }
            Some(MessageKind::NodeAnnouncement) => {
                NodeAnnouncement::parse_body(body).map(GossipMessage::NodeAnnouncement)
            }
            Some(MessageKind::ChannelUpdate) => {
                ChannelUpdate::parse_body(body).map(GossipMessage::ChannelUpdate)
            }
            None => Err(ParseError::UnknownType { got: t }),
        }
    }

    /// Which message this is.
    pub fn kind(&self) -> MessageKind {
        match self {
            GossipMessage::ChannelAnnouncement(_) => MessageKind::ChannelAnnouncement,
            GossipMessage::NodeAnnouncement(_) => MessageKind::NodeAnnouncement,
            GossipMessage::ChannelUpdate(_) => MessageKind::ChannelUpdate,
        }
    }

    /// The wire form, with its type prefix.
    pub fn encode(&self) -> Vec<u8> {
        match self {
            GossipMessage::ChannelAnnouncement(m) => m.encode(),
            GossipMessage::NodeAnnouncement(m) => m.encode(),
            GossipMessage::ChannelUpdate(m) => m.encode(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha256d_of_parts_is_of_their_concatenation() {
        assert_eq!(
            types::hex::encode(&sha256d(&[])),
            "5df6e0e2761359d30a8275058e299fcc0381534545f55cf43e41983f5d4c9456"
        );
        assert_eq!(sha256d(&[b"ab", b"", b"c"]), sha256d(&[b"abc"]));
    }

    #[test]
    fn chain_hash_displays_in_wire_order() {
        assert_eq!(
            ChainHash::BITCOIN.to_string(),
            "6fe28c0ab6f1b372c1a6a246ae63f74f931e8365e15a089c68d6190000000000"
        );
    }

    #[test]
    fn message_kinds_round_trip_their_types() {
        for kind in [
            MessageKind::ChannelAnnouncement,
            MessageKind::NodeAnnouncement,
            MessageKind::ChannelUpdate,
        ] {
            assert_eq!(MessageKind::from_type(kind.type_number()), Some(kind));
        }
        assert_eq!(MessageKind::from_type(259), None);
    }

    #[test]
    fn addresses_decode_as_a_receiver_should() {
        let mut b = vec![0u8, 1, 127, 0, 0, 1, 0x26, 0x07]; // padding, ipv4:9735
        b.extend([1, 10, 0, 0, 1, 0, 0]); // ipv4 port 0: ignored
        b.extend([3]);
        b.extend([7u8; 12]); // tor v2: skipped
        b.extend([5, 3, b'a', b'.', b'b', 0, 80]); // hostname
        b.extend([5, 1, b'c', 0, 81]); // second hostname: ignored
        b.extend([2]);
        b.extend([0xfe; 16]);
        b.extend([0, 1]); // ipv6:1
        b.extend([9, 1, 2, 3]); // unknown type: stop here
        let got = decode_addresses(&b).unwrap();
        assert_eq!(
            got,
            vec![
                Address::Ipv4 { addr: [127, 0, 0, 1], port: 9735 },
                Address::Hostname { host: "a.b".to_owned(), port: 80 },
                Address::Ipv6 { addr: [0xfe; 16], port: 1 },
            ]
        );
        assert_eq!(
            decode_addresses(&[1, 1, 2]),
            Err(AddressError { offset: 0, address_type: 1, needed: 6, remaining: 2 })
        );
        assert_eq!(
            decode_addresses(&[0, 5]),
            Err(AddressError { offset: 1, address_type: 5, needed: 1, remaining: 0 })
        );
        assert_eq!(
            decode_addresses(&[5, 4, b'x']),
            Err(AddressError { offset: 0, address_type: 5, needed: 7, remaining: 2 })
        );
        assert_eq!(decode_addresses(&[]), Ok(Vec::new()));
    }

    #[test]
    fn update_signed_part_is_72_bytes_after_the_signature() {
        assert_eq!(UPDATE_SIGNED_LEN, 136 - 64);
    }
}
