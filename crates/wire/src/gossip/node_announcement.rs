//! `node_announcement` (type 257) and the address descriptors it carries.

use super::*;

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
