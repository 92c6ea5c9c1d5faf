//! BOLT 4 `onion_message` (type 513): a path key and an onion message packet, relayed between
//! peers without any channel. The packet is carried as bytes; it is built and peeled by
//! `lnpay-onion`.

use crate::error::WireError;
use crate::message::msg_type;
use crate::reader::{put_tlvs, Reader};
use secp256k1::PublicKey;
use types::tlv::TlvStream;

/// BOLT 4 `onion_message` (type 513).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OnionMessage {
    /// `path_key`: the blinding point of the node receiving this message.
    pub path_key: PublicKey,
    /// `onion_message_packet`: version, public key, payloads and HMAC (1366 or 32834 bytes
    /// when the sender follows the spec; any length up to 65535 is carried).
    pub onion_message_packet: Vec<u8>,
    /// Unknown odd TLV records of the extension stream (kept to re-encode them).
    pub unknown_tlvs: TlvStream,
}

impl OnionMessage {
    /// The message type.
    pub const TYPE: u16 = msg_type::ONION_MESSAGE;

    /// Decodes the payload (the bytes after the type).
    pub fn decode(payload: &[u8]) -> Result<Self, WireError> {
        let mut r = Reader::new(Self::TYPE, payload);
        let bytes: [u8; 33] = r.array()?;
        let path_key = PublicKey::from_slice(&bytes)
            .map_err(|_| WireError::BadPoint { msg_type: Self::TYPE, bytes })?;
        let onion_message_packet = r.var_bytes()?;
        let unknown_tlvs = r.tlvs(&[])?;
        Ok(OnionMessage { path_key, onion_message_packet, unknown_tlvs })
    }

    /// Appends the payload (without the type). A packet longer than 65535 bytes is cut (see
    /// [`crate::Message::try_encode_frame`], which refuses it).
    pub fn encode_payload(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.path_key.serialize());
        crate::reader::put_var_bytes(out, &self.onion_message_packet);
        put_tlvs(out, &[], &self.unknown_tlvs);
    }
}
