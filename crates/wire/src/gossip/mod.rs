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

mod channel_announcement;
mod channel_update;
mod node_announcement;

pub use channel_announcement::{ChannelAnnouncement, UnsignedChannelAnnouncement};
pub use channel_update::{
    ChannelUpdate, UnsignedChannelUpdate, CHANNEL_FLAG_DIRECTION, CHANNEL_FLAG_DISABLE,
    MESSAGE_FLAG_DONT_FORWARD, MESSAGE_FLAG_MUST_BE_ONE,
};
pub use node_announcement::{
    decode_addresses, Address, AddressError, NodeAnnouncement, UnsignedNodeAnnouncement,
};

#[cfg(test)]
use channel_update::UPDATE_SIGNED_LEN;

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
