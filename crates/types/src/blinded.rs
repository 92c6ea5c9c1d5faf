//! The BOLT 4 `blinded_path` as data: what a recipient publishes (in a BOLT 12 offer, invoice
//! request or invoice, or an onion message's `reply_path`) and its wire form.
//!
//! This is the plain data type and its byte layout only: building a path (the blinding
//! tweaks and the sealed `encrypted_recipient_data`) and peeling one are `lnpay-onion`'s.

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

/// One hop of a blinded path (`onionmsg_hop` / `blinded_path_hop`).
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
        /// The 33 bytes (or the 9 of a channel form with a bad direction byte).
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
    /// Reads one path from the front of `bytes`; returns it and the bytes it took.
    pub fn read(bytes: &[u8]) -> Result<(BlindedPath, usize), BlindedPathError> {
        let mut r = Reader { bytes, offset: 0 };
        let [kind] = r.array::<1>()?;
        let introduction_node = match kind {
            0 | 1 => {
                let scid = u64::from_be_bytes(r.array::<8>()?);
                IntroductionNode::Channel(ShortChannelIdDir {
                    scid: ShortChannelId(scid),
                    direction: kind,
                })
            }
            _ => {
                let mut key = [0u8; 33];
                key[0] = kind;
                key[1..].copy_from_slice(r.take(32)?);
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
    /// holds (possibly none).
    pub fn read_all(mut bytes: &[u8]) -> Result<Vec<BlindedPath>, BlindedPathError> {
        let mut out = Vec::new();
        let mut base = 0;
        while !bytes.is_empty() {
            let (path, n) = BlindedPath::read(bytes).map_err(|e| e.shifted(base))?;
            out.push(path);
            base += n;
            bytes = bytes.get(n..).unwrap_or_default();
        }
        Ok(out)
    }

    /// Appends the wire form. Hops beyond 255 and data beyond 65535 bytes are cut: a path
    /// that large has no wire form.
    pub fn write(&self, out: &mut Vec<u8>) {
        match &self.introduction_node {
            IntroductionNode::NodeId(pk) => out.extend_from_slice(&pk.serialize()),
            IntroductionNode::Channel(c) => {
                out.push(c.direction);
                out.extend_from_slice(&c.scid.0.to_be_bytes());
            }
        }
        out.extend_from_slice(&self.first_path_key.serialize());
        let hops = self.hops.get(..self.hops.len().min(255)).unwrap_or_default();
        out.push(hops.len() as u8);
        for hop in hops {
            out.extend_from_slice(&hop.blinded_node_id.serialize());
            let data = hop
                .encrypted_recipient_data
                .get(..hop.encrypted_recipient_data.len().min(usize::from(u16::MAX)))
                .unwrap_or_default();
            out.extend_from_slice(&(data.len() as u16).to_be_bytes());
            out.extend_from_slice(data);
        }
    }

    /// The last hop's blinded node id (the recipient as the path hides it).
    pub fn final_blinded_node_id(&self) -> Option<&PublicKey> {
        self.hops.last().map(|h| &h.blinded_node_id)
    }
}

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

#[cfg(test)]
mod tests {
    use super::*;

    fn key(b: u8) -> PublicKey {
        let sk = secp256k1::SecretKey::from_slice(&[b; 32]).unwrap();
        PublicKey::from_secret_key(&secp256k1::Secp256k1::signing_only(), &sk)
    }

    #[test]
    fn round_trip_and_refusals() {
        let path = BlindedPath {
            introduction_node: IntroductionNode::Channel(ShortChannelIdDir {
                scid: ShortChannelId(42),
                direction: 1,
            }),
            first_path_key: key(2),
            hops: alloc::vec![
                BlindedHop { blinded_node_id: key(3), encrypted_recipient_data: alloc::vec![0; 5] },
                BlindedHop { blinded_node_id: key(4), encrypted_recipient_data: alloc::vec![] },
            ],
        };
        let mut bytes = Vec::new();
        path.write(&mut bytes);
        path.write(&mut bytes);
        let paths = BlindedPath::read_all(&bytes).unwrap();
        assert_eq!(paths, [path.clone(), path]);
        let truncated = bytes.get(..bytes.len() - 1).unwrap();
        assert!(matches!(
            BlindedPath::read_all(truncated),
            Err(BlindedPathError::Truncated { .. })
        ));
        let mut no_hops = bytes.get(..9 + 33).unwrap().to_vec();
        no_hops.push(0);
        assert_eq!(BlindedPath::read(&no_hops), Err(BlindedPathError::NoHops));
    }
}
