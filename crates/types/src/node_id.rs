//! Node ids: 33-byte compressed secp256k1 public keys.

use crate::hex::{self, HexError};
use alloc::string::String;
use core::fmt;
use core::str::FromStr;
use secp256k1::PublicKey;

/// A node id as it travels on the wire: a 33-byte compressed public key.
///
/// Construction checks the length and the `02`/`03` prefix, which is cheap; whether the bytes
/// are a point on the curve is checked by [`NodeId::to_pubkey`] (a square root per key, which
/// a graph of tens of thousands of nodes should not pay on import). Ids order by their bytes,
/// which is the order BOLT 7 uses for channel directions.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct NodeId([u8; 33]);

/// Why bytes or text are not a node id.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum NodeIdError {
    /// Not 33 bytes long.
    Length {
        /// The length given.
        len: usize,
    },
    /// The first byte is not 0x02 or 0x03.
    Prefix {
        /// The first byte given.
        prefix: u8,
    },
    /// The text is not hex.
    Hex {
        /// The rejected text.
        input: String,
        /// What is wrong with the hex.
        error: HexError,
    },
    /// The bytes are not a point on the curve.
    NotOnCurve {
        /// The bytes, hex-encoded.
        input: String,
    },
}

impl fmt::Display for NodeIdError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NodeIdError::Length { len } => write!(f, "node id must be 33 bytes, got {len}"),
            NodeIdError::Prefix { prefix } => {
                write!(f, "node id must start with 02 or 03, got {prefix:02x}")
            }
            NodeIdError::Hex { input, error } => write!(f, "node id {input:?} is not hex: {error}"),
            NodeIdError::NotOnCurve { input } => write!(f, "node id {input} is not a valid point"),
        }
    }
}
crate::impl_std_error!(NodeIdError);

impl NodeId {
    /// A node id from 33 bytes with a compressed-key prefix.
    pub fn from_slice(bytes: &[u8]) -> Result<NodeId, NodeIdError> {
        let arr: [u8; 33] =
            bytes.try_into().map_err(|_| NodeIdError::Length { len: bytes.len() })?;
        NodeId::from_array(arr)
    }

    /// A node id from an array with a compressed-key prefix.
    pub fn from_array(bytes: [u8; 33]) -> Result<NodeId, NodeIdError> {
        match bytes[0] {
            2 | 3 => Ok(NodeId(bytes)),
            prefix => Err(NodeIdError::Prefix { prefix }),
        }
    }

    /// The id of a public key.
    pub fn from_pubkey(pk: &PublicKey) -> NodeId {
        NodeId(pk.serialize())
    }

    /// The 33 bytes.
    pub const fn as_bytes(&self) -> &[u8; 33] {
        &self.0
    }

    /// The public key, checking that the bytes are a point on the curve.
    pub fn to_pubkey(&self) -> Result<PublicKey, NodeIdError> {
        PublicKey::from_slice(&self.0)
            .map_err(|_| NodeIdError::NotOnCurve { input: hex::encode(&self.0) })
    }
}

impl From<PublicKey> for NodeId {
    fn from(pk: PublicKey) -> NodeId {
        NodeId::from_pubkey(&pk)
    }
}

impl fmt::Display for NodeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&hex::encode(&self.0))
    }
}

impl fmt::Debug for NodeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "NodeId({self})")
    }
}

impl FromStr for NodeId {
    type Err = NodeIdError;

    fn from_str(s: &str) -> Result<NodeId, NodeIdError> {
        let bytes = hex::decode(s).map_err(|error| NodeIdError::Hex { input: s.into(), error })?;
        NodeId::from_slice(&bytes)
    }
}

#[cfg(feature = "serde")]
mod serde_impl {
    use super::NodeId;
    use alloc::string::String;
    use serde::de::Error;

    impl serde::Serialize for NodeId {
        fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            s.collect_str(self)
        }
    }
    impl<'de> serde::Deserialize<'de> for NodeId {
        fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<NodeId, D::Error> {
            let s = <String as serde::Deserialize>::deserialize(d)?;
            s.parse().map_err(D::Error::custom)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;

    const G: &str = "0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798";

    #[test]
    fn parse_and_validate() {
        let id: NodeId = G.parse().unwrap();
        assert_eq!(id.to_string(), G);
        assert!(id.to_pubkey().is_ok());
        assert_eq!(NodeId::from_pubkey(&id.to_pubkey().unwrap()), id);
        assert_eq!(NodeId::from_slice(&[2; 32]), Err(NodeIdError::Length { len: 32 }));
        assert_eq!(NodeId::from_slice(&[4; 33]), Err(NodeIdError::Prefix { prefix: 4 }));
        assert!(matches!("zz".parse::<NodeId>(), Err(NodeIdError::Hex { .. })));
        // x = 5 is not on the curve with either parity.
        let mut bad = [0u8; 33];
        bad[0] = 2;
        bad[32] = 5;
        let bad = NodeId::from_array(bad).unwrap();
        assert!(matches!(bad.to_pubkey(), Err(NodeIdError::NotOnCurve { .. })));
    }

    #[test]
    fn orders_by_bytes() {
        let a = NodeId::from_array([2; 33]).unwrap();
        let mut b = [2; 33];
        b[32] = 3;
        assert!(a < NodeId::from_array(b).unwrap());
    }
}
