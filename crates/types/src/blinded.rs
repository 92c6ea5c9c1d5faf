//! The blinded path (BOLT 4 "Route Blinding", subtype `blinded_path`): what a recipient hands
//! to senders, as plain data, with its wire encoding. Payment onions, onion messages and BOLT 12
//! offers, invoice requests and invoices all carry this one type; building and opening one is
//! `lnpay-onion`'s.
//!
//! ```text
//! blinded_path     = first_node_id: sciddir_or_pubkey (9 or 33) | first_path_key: point (33)
//!                    | num_hops: byte | num_hops * blinded_path_hop
//! blinded_path_hop = blinded_node_id: point (33) | enclen: u16 | enclen bytes
//! ```
//!
//! `first_node_id` is either a public key or a directed short channel id
//! ([`IntroductionNode`]); both are read and written. Sending over a path whose introduction
//! node is a channel needs the channel graph to name the node: onion's builders refuse such a
//! path with a typed error until the caller has resolved it.

use crate::scid::{ShortChannelId, ShortChannelIdDir};
use alloc::vec::Vec;
use core::fmt;
use secp256k1::PublicKey;

/// How a blinded path names its introduction node (`sciddir_or_pubkey`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IntroductionNode {
    /// The node's public key (the wire form's first byte is 2 or 3).
    NodeId(PublicKey),
    /// A channel and a direction: the node at that end of the channel (first byte 0 or 1).
    Channel(ShortChannelIdDir),
}

impl IntroductionNode {
    /// The node id, when the path names it by key.
    pub fn node_id(&self) -> Option<PublicKey> {
        match self {
            IntroductionNode::NodeId(k) => Some(*k),
            IntroductionNode::Channel(_) => None,
        }
    }

    /// Bytes of the wire form: 33 for a key, 9 for a channel.
    pub fn encoded_len(&self) -> usize {
        match self {
            IntroductionNode::NodeId(_) => 33,
            IntroductionNode::Channel(_) => 9,
        }
    }
}

impl From<PublicKey> for IntroductionNode {
    fn from(k: PublicKey) -> IntroductionNode {
        IntroductionNode::NodeId(k)
    }
}

impl fmt::Display for IntroductionNode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IntroductionNode::NodeId(k) => write!(f, "{k}"),
            IntroductionNode::Channel(c) => write!(f, "{c}"),
        }
    }
}

/// One hop of a blinded path (`onionmsg_hop` / `blinded_path_hop`) as the sender sees it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct BlindedHop {
    /// The blinded node id `B_i`.
    pub blinded_node_id: PublicKey,
    /// The sealed `encrypted_data_tlv` for this hop.
    pub encrypted_recipient_data: Vec<u8>,
}

/// A blinded path (`blinded_path`): introduction node, first path key, hops.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct BlindedPath {
    /// The introduction node (`first_node_id`), unblinded.
    pub introduction_node: IntroductionNode,
    /// `first_path_key` (`E_0`).
    pub first_path_key: PublicKey,
    /// The hops, the introduction node's first. The wire form holds at most 255.
    pub hops: Vec<BlindedHop>,
}

/// Why bytes are not a `blinded_path`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum BlindedPathError {
    /// The bytes end inside the path (`needed` more bytes were expected at `offset`).
    Truncated {
        /// Where the missing bytes start.
        offset: usize,
        /// How many were needed.
        needed: usize,
    },
    /// `first_node_id` is neither a channel direction (0, 1) nor a valid point.
    FirstNodeId {
        /// The 33 bytes.
        bytes: Vec<u8>,
    },
    /// `first_path_key` is not a valid point.
    PathKey {
        /// The 33 bytes.
        bytes: [u8; 33],
    },
    /// `num_hops` is 0.
    NoHops,
    /// A hop's `blinded_node_id` is not a valid point.
    BlindedNodeId {
        /// The hop.
        hop: usize,
        /// The 33 bytes.
        bytes: [u8; 33],
    },
}

impl fmt::Display for BlindedPathError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BlindedPathError::Truncated { offset, needed } => {
                write!(f, "blinded path truncated: {needed} bytes needed at offset {offset}")
            }
            BlindedPathError::FirstNodeId { bytes } => {
                write!(f, "blinded path first_node_id {} is not valid", crate::hex::encode(bytes))
            }
            BlindedPathError::PathKey { bytes } => {
                write!(
                    f,
                    "blinded path first_path_key {} is not a point",
                    crate::hex::encode(bytes)
                )
            }
            BlindedPathError::NoHops => write!(f, "blinded path has no hops (num_hops is 0)"),
            BlindedPathError::BlindedNodeId { hop, bytes } => write!(
                f,
                "blinded node id {} of hop {hop} is not a point",
                crate::hex::encode(bytes)
            ),
        }
    }
}
crate::impl_std_error!(BlindedPathError);

impl BlindedPathError {
    fn shifted(self, base: usize) -> BlindedPathError {
        match self {
            BlindedPathError::Truncated { offset, needed } => {
                BlindedPathError::Truncated { offset: offset + base, needed }
            }
            other => other,
        }
    }
}

struct Reader<'a> {
    bytes: &'a [u8],
    offset: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], BlindedPathError> {
        let out = self
            .bytes
            .get(self.offset..)
            .and_then(|rest| rest.get(..n))
            .ok_or(BlindedPathError::Truncated { offset: self.offset, needed: n })?;
        self.offset += n;
        Ok(out)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], BlindedPathError> {
        let mut a = [0u8; N];
        a.copy_from_slice(self.take(N)?);
        Ok(a)
    }
}

impl BlindedPath {
    /// Reads one `blinded_path` from the front of `bytes`; returns it and the bytes it took
    /// (a `reply_path` is exactly one, offers carry several back to back: see
    /// [`BlindedPath::decode_all`]).
    pub fn decode_prefix(bytes: &[u8]) -> Result<(BlindedPath, usize), BlindedPathError> {
        let mut r = Reader { bytes, offset: 0 };
        let kind = bytes.first().copied();
        let introduction_node = match kind {
            Some(direction @ (0 | 1)) => {
                let [_, scid @ ..] = r.array::<9>()?;
                IntroductionNode::Channel(ShortChannelIdDir {
                    scid: ShortChannelId(u64::from_be_bytes(scid)),
                    direction,
                })
            }
            _ => {
                let key = r.array::<33>()?;
                let pk = PublicKey::from_slice(&key)
                    .map_err(|_| BlindedPathError::FirstNodeId { bytes: key.to_vec() })?;
                IntroductionNode::NodeId(pk)
            }
        };
        let key = r.array::<33>()?;
        let first_path_key =
            PublicKey::from_slice(&key).map_err(|_| BlindedPathError::PathKey { bytes: key })?;
        let [num_hops] = r.array::<1>()?;
        if num_hops == 0 {
            return Err(BlindedPathError::NoHops);
        }
        let mut hops = Vec::with_capacity(usize::from(num_hops));
        for hop in 0..usize::from(num_hops) {
            let key = r.array::<33>()?;
            let blinded_node_id = PublicKey::from_slice(&key)
                .map_err(|_| BlindedPathError::BlindedNodeId { hop, bytes: key })?;
            let len = u16::from_be_bytes(r.array::<2>()?);
            let data = r.take(usize::from(len))?;
            hops.push(BlindedHop { blinded_node_id, encrypted_recipient_data: data.to_vec() });
        }
        Ok((BlindedPath { introduction_node, first_path_key, hops }, r.offset))
    }

    /// Reads a whole value made of paths back to back (`...*blinded_path`), as many as it
    /// holds (possibly none). Offsets in errors count from the start of `bytes`.
    pub fn decode_all(mut bytes: &[u8]) -> Result<Vec<BlindedPath>, BlindedPathError> {
        let mut out = Vec::new();
        let mut base = 0;
        while !bytes.is_empty() {
            let (path, n) = BlindedPath::decode_prefix(bytes).map_err(|e| e.shifted(base))?;
            out.push(path);
            base += n;
            bytes = bytes.get(n..).unwrap_or_default();
        }
        Ok(out)
    }

    /// Appends the path's encoding. At most 255 hops and 65535 bytes of data per hop are
    /// written (see [`BlindedPath::encodable`]).
    pub fn encode_to(&self, out: &mut Vec<u8>) {
        match &self.introduction_node {
            IntroductionNode::NodeId(pk) => out.extend_from_slice(&pk.serialize()),
            IntroductionNode::Channel(c) => {
                out.push(c.direction);
                out.extend_from_slice(&c.scid.0.to_be_bytes());
            }
        }
        out.extend_from_slice(&self.first_path_key.serialize());
        let n = u8::try_from(self.hops.len()).unwrap_or(u8::MAX);
        out.push(n);
        for hop in self.hops.iter().take(usize::from(n)) {
            out.extend_from_slice(&hop.blinded_node_id.serialize());
            let data = &hop.encrypted_recipient_data;
            let len = u16::try_from(data.len()).unwrap_or(u16::MAX);
            out.extend_from_slice(&len.to_be_bytes());
            out.extend_from_slice(data.get(..usize::from(len)).unwrap_or(data));
        }
    }

    /// The path's encoding.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.encoded_len());
        self.encode_to(&mut out);
        out
    }

    /// Length of [`BlindedPath::encode`]'s bytes (for an [`encodable`](Self::encodable) path).
    pub fn encoded_len(&self) -> usize {
        self.introduction_node.encoded_len()
            + 34
            + self.hops.iter().map(|h| 35 + h.encrypted_recipient_data.len()).sum::<usize>()
    }

    /// Whether the path encodes without loss: 1 to 255 hops, each with at most 65535 bytes.
    pub fn encodable(&self) -> bool {
        (1..=255).contains(&self.hops.len())
            && self.hops.iter().all(|h| h.encrypted_recipient_data.len() <= usize::from(u16::MAX))
    }

    /// The last hop's blinded node id (the recipient as the path hides it).
    pub fn final_blinded_node_id(&self) -> Option<&PublicKey> {
        self.hops.last().map(|h| &h.blinded_node_id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;
    use secp256k1::{Secp256k1, SecretKey};

    fn key(b: u8) -> PublicKey {
        let sk = SecretKey::from_slice(&[b; 32]).unwrap_or_else(|e| panic!("{e}"));
        PublicKey::from_secret_key(&Secp256k1::signing_only(), &sk)
    }

    fn path(introduction_node: IntroductionNode) -> BlindedPath {
        BlindedPath {
            introduction_node,
            first_path_key: key(2),
            hops: vec![
                BlindedHop { blinded_node_id: key(3), encrypted_recipient_data: vec![1, 2, 3] },
                BlindedHop { blinded_node_id: key(4), encrypted_recipient_data: vec![] },
            ],
        }
    }

    #[test]
    fn round_trip_both_introduction_forms() {
        let by_key = path(IntroductionNode::NodeId(key(1)));
        let by_channel = path(IntroductionNode::Channel(ShortChannelIdDir {
            scid: ShortChannelId(42),
            direction: 1,
        }));
        for p in [&by_key, &by_channel] {
            let mut bytes = p.encode();
            assert_eq!(bytes.len(), p.encoded_len());
            bytes.push(0xaa);
            assert_eq!(BlindedPath::decode_prefix(&bytes), Ok(((*p).clone(), bytes.len() - 1)));
        }
        assert_eq!(by_channel.encode()[..9], [1, 0, 0, 0, 0, 0, 0, 0, 42]);
        let mut both = by_key.encode();
        by_channel.encode_to(&mut both);
        assert_eq!(BlindedPath::decode_all(&both), Ok(vec![by_key.clone(), by_channel]));
        assert_eq!(BlindedPath::decode_all(&[]), Ok(vec![]));
        assert_eq!(by_key.final_blinded_node_id(), Some(&key(4)));
    }

    #[test]
    fn refusals() {
        let bytes = path(IntroductionNode::NodeId(key(1))).encode();
        let cut = &bytes[..bytes.len() - 2];
        assert!(matches!(
            BlindedPath::decode_prefix(cut),
            Err(BlindedPathError::Truncated { needed: 2, .. })
        ));
        let mut twice = bytes.clone();
        twice.extend_from_slice(&bytes[..bytes.len() - 1]);
        assert!(matches!(
            BlindedPath::decode_all(&twice),
            Err(BlindedPathError::Truncated { offset, .. }) if offset > bytes.len()
        ));
        let mut none = key(1).serialize().to_vec();
        none.extend_from_slice(&key(2).serialize());
        none.push(0);
        assert_eq!(BlindedPath::decode_prefix(&none), Err(BlindedPathError::NoHops));
        let mut bad = vec![5u8; 33];
        bad.extend_from_slice(&[0; 40]);
        assert!(matches!(
            BlindedPath::decode_prefix(&bad),
            Err(BlindedPathError::FirstNodeId { .. })
        ));
        let mut bad_key = key(1).serialize().to_vec();
        bad_key.extend_from_slice(&[7; 40]);
        assert!(matches!(
            BlindedPath::decode_prefix(&bad_key),
            Err(BlindedPathError::PathKey { .. })
        ));
    }
}
