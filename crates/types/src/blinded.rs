//! The blinded path (BOLT 4 "Route Blinding", subtype `blinded_path`): what a recipient hands
//! to senders, as plain data, with its wire encoding. Payment onions, onion messages and BOLT 12
//! offers and invoices all carry this one type; building and opening one is `lnpay-onion`'s.
//!
//! ```text
//! blinded_path     = first_node_id: point (33) | first_path_key: point (33)
//!                    | num_hops: byte | num_hops * blinded_path_hop
//! blinded_path_hop = blinded_node_id: point (33) | enclen: u16 | enclen bytes
//! ```
//!
//! The spec's `first_node_id` is a `sciddir_or_pubkey`; only the public key form is read here
//! (the short-channel-id form is refused with [`BlindedPathError::ScidIntroduction`]).

use alloc::vec::Vec;
use core::fmt;
use secp256k1::PublicKey;

/// One hop of a blinded path as the sender sees it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct BlindedHop {
    /// The blinded node id `B_i`.
    pub blinded_node_id: PublicKey,
    /// The sealed `encrypted_data_tlv` for this hop.
    pub encrypted_recipient_data: Vec<u8>,
}

/// A blinded path (`blinded_path`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct BlindedPath {
    /// The introduction node (`first_node_id`), unblinded.
    pub introduction_node: PublicKey,
    /// `first_path_key` (`E_0`).
    pub first_path_key: PublicKey,
    /// The hops, the introduction node's first.
    pub hops: Vec<BlindedHop>,
}

/// Why bytes are not a `blinded_path`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum BlindedPathError {
    /// The bytes end inside the field at `offset`.
    Truncated {
        /// Where the missing field starts.
        offset: usize,
        /// Bytes it needs.
        need: usize,
        /// Bytes left.
        got: usize,
    },
    /// `first_node_id` is a directed short channel id (first byte 0 or 1), which this reader
    /// does not resolve.
    ScidIntroduction {
        /// The nine bytes of the `sciddir`.
        sciddir: [u8; 9],
    },
    /// A field that must be a point is not one.
    BadPoint {
        /// Where it starts.
        offset: usize,
        /// The 33 bytes given.
        bytes: [u8; 33],
    },
    /// `num_hops` is zero.
    NoHops,
}

impl fmt::Display for BlindedPathError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BlindedPathError::Truncated { offset, need, got } => {
                write!(f, "blinded path truncated at byte {offset}: need {need} bytes, {got} left")
            }
            BlindedPathError::ScidIntroduction { sciddir } => write!(
                f,
                "blinded path introduction is the short channel id form {}",
                crate::hex::encode(sciddir)
            ),
            BlindedPathError::BadPoint { offset, bytes } => write!(
                f,
                "blinded path point {} at byte {offset} is not valid",
                crate::hex::encode(bytes)
            ),
            BlindedPathError::NoHops => f.write_str("blinded path has no hops"),
        }
    }
}
crate::impl_std_error!(BlindedPathError);

struct Cursor<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Cursor<'a> {
    fn take(&mut self, need: usize) -> Result<&'a [u8], BlindedPathError> {
        let got = self.bytes.len().saturating_sub(self.pos);
        let out = self
            .bytes
            .get(self.pos..self.pos.saturating_add(need))
            .ok_or(BlindedPathError::Truncated { offset: self.pos, need, got })?;
        self.pos += need;
        Ok(out)
    }

    fn point(&mut self) -> Result<PublicKey, BlindedPathError> {
        let offset = self.pos;
        let raw = self.take(33)?;
        PublicKey::from_slice(raw).map_err(|_| BlindedPathError::BadPoint {
            offset,
            bytes: raw.try_into().unwrap_or([0; 33]),
        })
    }
}

impl BlindedPath {
    /// Reads one `blinded_path` from the front of `bytes`; returns it and the bytes it took
    /// (a `reply_path` is exactly one, offers carry several back to back).
    pub fn decode_prefix(bytes: &[u8]) -> Result<(BlindedPath, usize), BlindedPathError> {
        let mut c = Cursor { bytes, pos: 0 };
        if let Some(&first @ (0 | 1)) = bytes.first() {
            let sciddir = c.take(9)?;
            let mut out = [first; 9];
            out.copy_from_slice(sciddir);
            return Err(BlindedPathError::ScidIntroduction { sciddir: out });
        }
        let introduction_node = c.point()?;
        let first_path_key = c.point()?;
        let num_hops = c.take(1)?.first().copied().unwrap_or_default();
        if num_hops == 0 {
            return Err(BlindedPathError::NoHops);
        }
        let mut hops = Vec::with_capacity(usize::from(num_hops));
        for _ in 0..num_hops {
            let blinded_node_id = c.point()?;
            let len = c.take(2)?;
            let len = usize::from(u16::from_be_bytes([
                len.first().copied().unwrap_or_default(),
                len.get(1).copied().unwrap_or_default(),
            ]));
            let encrypted_recipient_data = c.take(len)?.to_vec();
            hops.push(BlindedHop { blinded_node_id, encrypted_recipient_data });
        }
        Ok((BlindedPath { introduction_node, first_path_key, hops }, c.pos))
    }

    /// Appends the path's encoding. At most 255 hops and 65535 bytes of data per hop are
    /// written (see [`BlindedPath::encodable`]).
    pub fn encode_to(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.introduction_node.serialize());
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

    /// Length of [`BlindedPath::encode`]'s bytes.
    pub fn encoded_len(&self) -> usize {
        67 + self.hops.iter().map(|h| 35 + h.encrypted_recipient_data.len()).sum::<usize>()
    }

    /// Whether the path encodes without loss: 1 to 255 hops, each with at most 65535 bytes.
    pub fn encodable(&self) -> bool {
        (1..=255).contains(&self.hops.len())
            && self.hops.iter().all(|h| h.encrypted_recipient_data.len() <= usize::from(u16::MAX))
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

    #[test]
    fn round_trip_and_refusals() {
        let path = BlindedPath {
            introduction_node: key(1),
            first_path_key: key(2),
            hops: vec![
                BlindedHop { blinded_node_id: key(3), encrypted_recipient_data: vec![1, 2, 3] },
                BlindedHop { blinded_node_id: key(4), encrypted_recipient_data: vec![] },
            ],
        };
        let mut bytes = path.encode();
        assert_eq!(bytes.len(), path.encoded_len());
        bytes.push(0xaa);
        assert_eq!(BlindedPath::decode_prefix(&bytes), Ok((path, bytes.len() - 1)));
        let cut = &bytes[..bytes.len() - 3];
        assert!(matches!(
            BlindedPath::decode_prefix(cut),
            Err(BlindedPathError::Truncated { need: 2, .. })
        ));
        let mut scid = vec![1u8; 9];
        scid.extend_from_slice(&key(2).serialize());
        assert!(matches!(
            BlindedPath::decode_prefix(&scid),
            Err(BlindedPathError::ScidIntroduction { sciddir }) if sciddir == [1; 9]
        ));
        let mut none = key(1).serialize().to_vec();
        none.extend_from_slice(&key(2).serialize());
        none.push(0);
        assert_eq!(BlindedPath::decode_prefix(&none), Err(BlindedPathError::NoHops));
        let mut bad = vec![5u8; 33];
        bad.extend_from_slice(&[0; 40]);
        assert!(matches!(
            BlindedPath::decode_prefix(&bad),
            Err(BlindedPathError::BadPoint { offset: 0, .. })
        ));
    }
}
