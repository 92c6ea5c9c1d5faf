//! [`Message`]: one BOLT 1 message of the node ⇄ network link (type, then payload), its
//! decoding by type and its encoding, with or without the frame's length.

use crate::error::WireError;
use crate::htlc::{
    UpdateAddHtlc, UpdateFailHtlc, UpdateFailMalformedHtlc, UpdateFulfillHtlc, ONION_LEN,
};
use crate::link::{
    Ack, AddRefused, ChannelState, Hello, InvoiceReply, InvoiceRequest, OfferReply, OfferRequest,
    OnionMessageReceived, Ready, SendOnionMessage,
};
use crate::onion_message::OnionMessage;
use core::fmt;

/// Message type numbers.
pub mod msg_type {
    /// `update_add_htlc` (BOLT 2).
    pub const UPDATE_ADD_HTLC: u16 = 128;
    /// `update_fulfill_htlc` (BOLT 2).
    pub const UPDATE_FULFILL_HTLC: u16 = 130;
    /// `update_fail_htlc` (BOLT 2).
    pub const UPDATE_FAIL_HTLC: u16 = 131;
    /// `update_fail_malformed_htlc` (BOLT 2).
    pub const UPDATE_FAIL_MALFORMED_HTLC: u16 = 135;
    /// `channel_announcement` (BOLT 7).
    pub const CHANNEL_ANNOUNCEMENT: u16 = 256;
    /// `node_announcement` (BOLT 7).
    pub const NODE_ANNOUNCEMENT: u16 = 257;
    /// `channel_update` (BOLT 7).
    pub const CHANNEL_UPDATE: u16 = 258;
    /// `onion_message` (BOLT 4).
    pub const ONION_MESSAGE: u16 = 513;
    /// lnpay `hello` (node → network).
    pub const HELLO: u16 = 32769;
    /// lnpay `channel_state` (network → node).
    pub const CHANNEL_STATE: u16 = 32771;
    /// lnpay `ready` (network → node).
    pub const READY: u16 = 32773;
    /// lnpay `ack` (node → network).
    pub const ACK: u16 = 32775;
    /// lnpay `add_refused` (network → node).
    pub const ADD_REFUSED: u16 = 32777;
    /// lnpay `invoice_request` (node → network).
    pub const INVOICE_REQUEST: u16 = 32779;
    /// lnpay `invoice_reply` (network → node).
    pub const INVOICE_REPLY: u16 = 32781;
    /// lnpay `offer_request` (node → network).
    pub const OFFER_REQUEST: u16 = 32783;
    /// lnpay `offer_reply` (network → node).
    pub const OFFER_REPLY: u16 = 32785;
    /// lnpay `send_onion_message` (node → network).
    pub const SEND_ONION_MESSAGE: u16 = 32787;
    /// lnpay `onion_message_received` (network → node).
    pub const ONION_MESSAGE_RECEIVED: u16 = 32789;
}

/// One message of the node ⇄ network link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message {
    /// `update_add_htlc` (128).
    UpdateAddHtlc(UpdateAddHtlc),
    /// `update_fulfill_htlc` (130).
    UpdateFulfillHtlc(UpdateFulfillHtlc),
    /// `update_fail_htlc` (131).
    UpdateFailHtlc(UpdateFailHtlc),
    /// `update_fail_malformed_htlc` (135).
    UpdateFailMalformedHtlc(UpdateFailMalformedHtlc),
    /// BOLT 7 gossip (256, 257, 258), raw.
    Gossip {
        /// The message type.
        msg_type: u16,
        /// The payload (after the type).
        payload: Vec<u8>,
    },
    /// `onion_message` (513).
    OnionMessage(OnionMessage),
    /// lnpay `hello`.
    Hello(Hello),
    /// lnpay `channel_state`.
    ChannelState(ChannelState),
    /// lnpay `ready`.
    Ready(Ready),
    /// lnpay `ack`.
    Ack(Ack),
    /// lnpay `add_refused`.
    AddRefused(AddRefused),
    /// lnpay `invoice_request`.
    InvoiceRequest(InvoiceRequest),
    /// lnpay `invoice_reply`.
    InvoiceReply(InvoiceReply),
    /// lnpay `offer_request`.
    OfferRequest(OfferRequest),
    /// lnpay `offer_reply`.
    OfferReply(OfferReply),
    /// lnpay `send_onion_message`.
    SendOnionMessage(SendOnionMessage),
    /// lnpay `onion_message_received`.
    OnionMessageReceived(OnionMessageReceived),
    /// A message of an odd type we do not know, kept raw.
    Unknown {
        /// The (odd) message type.
        msg_type: u16,
        /// The payload (after the type).
        payload: Vec<u8>,
    },
}

/// Why a message cannot be framed.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum EncodeError {
    /// The message (type and payload) is longer than a frame's `u16` length allows.
    TooLong {
        /// The message type.
        msg_type: u16,
        /// Its encoded length.
        len: usize,
    },
    /// A `u16`-length field is longer than 65535 bytes.
    FieldTooLong {
        /// The message type.
        msg_type: u16,
        /// The field's length.
        len: usize,
    },
}

impl fmt::Display for EncodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EncodeError::TooLong { msg_type, len } => {
                write!(f, "message type {msg_type} of {len} bytes exceeds a frame's 65535")
            }
            EncodeError::FieldTooLong { msg_type, len } => {
                write!(f, "message type {msg_type} has a field of {len} bytes, more than 65535")
            }
        }
    }
}

impl std::error::Error for EncodeError {}

impl Message {
    /// The message type.
    pub fn msg_type(&self) -> u16 {
        match self {
            Message::UpdateAddHtlc(_) => UpdateAddHtlc::TYPE,
            Message::UpdateFulfillHtlc(_) => UpdateFulfillHtlc::TYPE,
            Message::UpdateFailHtlc(_) => UpdateFailHtlc::TYPE,
            Message::UpdateFailMalformedHtlc(_) => UpdateFailMalformedHtlc::TYPE,
            Message::Gossip { msg_type, .. } | Message::Unknown { msg_type, .. } => *msg_type,
            Message::OnionMessage(_) => OnionMessage::TYPE,
            Message::Hello(_) => Hello::TYPE,
            Message::ChannelState(_) => ChannelState::TYPE,
            Message::Ready(_) => Ready::TYPE,
            Message::Ack(_) => Ack::TYPE,
            Message::AddRefused(_) => AddRefused::TYPE,
            Message::InvoiceRequest(_) => InvoiceRequest::TYPE,
            Message::InvoiceReply(_) => InvoiceReply::TYPE,
            Message::OfferRequest(_) => OfferRequest::TYPE,
            Message::OfferReply(_) => OfferReply::TYPE,
            Message::SendOnionMessage(_) => SendOnionMessage::TYPE,
            Message::OnionMessageReceived(_) => OnionMessageReceived::TYPE,
        }
    }

    /// Decodes a BOLT 1 message: the type, then the payload (a frame without its length).
    pub fn decode(bytes: &[u8]) -> Result<Message, WireError> {
        let (typ, payload) = match bytes {
            [a, b, rest @ ..] => (u16::from_be_bytes([*a, *b]), rest),
            _ => return Err(WireError::NoType { got: bytes.len() }),
        };
        Ok(match typ {
            msg_type::UPDATE_ADD_HTLC => Message::UpdateAddHtlc(UpdateAddHtlc::decode(payload)?),
            msg_type::UPDATE_FULFILL_HTLC => {
                Message::UpdateFulfillHtlc(UpdateFulfillHtlc::decode(payload)?)
            }
            msg_type::UPDATE_FAIL_HTLC => Message::UpdateFailHtlc(UpdateFailHtlc::decode(payload)?),
            msg_type::UPDATE_FAIL_MALFORMED_HTLC => {
                Message::UpdateFailMalformedHtlc(UpdateFailMalformedHtlc::decode(payload)?)
            }
            msg_type::CHANNEL_ANNOUNCEMENT
            | msg_type::NODE_ANNOUNCEMENT
            | msg_type::CHANNEL_UPDATE => {
                Message::Gossip { msg_type: typ, payload: payload.to_vec() }
            }
            msg_type::ONION_MESSAGE => Message::OnionMessage(OnionMessage::decode(payload)?),
            msg_type::HELLO => Message::Hello(Hello::decode(payload)?),
            msg_type::CHANNEL_STATE => Message::ChannelState(ChannelState::decode(payload)?),
            msg_type::READY => Message::Ready(Ready::decode(payload)?),
            msg_type::ACK => Message::Ack(Ack::decode(payload)?),
            msg_type::ADD_REFUSED => Message::AddRefused(AddRefused::decode(payload)?),
            msg_type::INVOICE_REQUEST => Message::InvoiceRequest(InvoiceRequest::decode(payload)?),
            msg_type::INVOICE_REPLY => Message::InvoiceReply(InvoiceReply::decode(payload)?),
            msg_type::OFFER_REQUEST => Message::OfferRequest(OfferRequest::decode(payload)?),
            msg_type::OFFER_REPLY => Message::OfferReply(OfferReply::decode(payload)?),
            msg_type::SEND_ONION_MESSAGE => {
                Message::SendOnionMessage(SendOnionMessage::decode(payload)?)
            }
            msg_type::ONION_MESSAGE_RECEIVED => {
                Message::OnionMessageReceived(OnionMessageReceived::decode(payload)?)
            }
            t if t % 2 == 0 => return Err(WireError::UnknownEvenType(t)),
            t => Message::Unknown { msg_type: t, payload: payload.to_vec() },
        })
    }

    /// Appends the type and payload.
    pub fn encode_to(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.msg_type().to_be_bytes());
        match self {
            Message::UpdateAddHtlc(m) => m.encode_payload(out),
            Message::UpdateFulfillHtlc(m) => m.encode_payload(out),
            Message::UpdateFailHtlc(m) => m.encode_payload(out),
            Message::UpdateFailMalformedHtlc(m) => m.encode_payload(out),
            Message::Gossip { payload, .. } | Message::Unknown { payload, .. } => {
                out.extend_from_slice(payload)
            }
            Message::OnionMessage(m) => m.encode_payload(out),
            Message::Hello(m) => m.encode_payload(out),
            Message::ChannelState(m) => m.encode_payload(out),
            Message::Ready(m) => m.encode_payload(out),
            Message::Ack(m) => m.encode_payload(out),
            Message::AddRefused(m) => m.encode_payload(out),
            Message::InvoiceRequest(m) => m.encode_payload(out),
            Message::InvoiceReply(m) => m.encode_payload(out),
            Message::OfferRequest(m) => m.encode_payload(out),
            Message::OfferReply(m) => m.encode_payload(out),
            Message::SendOnionMessage(m) => m.encode_payload(out),
            Message::OnionMessageReceived(m) => m.encode_payload(out),
        }
    }

    /// The type and payload (a frame without its length).
    ///
    /// A `u16`-length field longer than 65535 bytes is cut at 65535 (see
    /// [`Message::try_encode_frame`], which refuses it instead).
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.size_hint());
        self.encode_to(&mut out);
        out
    }

    /// The frame: `len: u16 BE`, then [`Message::encode`]'s bytes.
    ///
    /// A message too long for a frame (only possible with a byte field over 65535 bytes)
    /// gives an empty vector, so that nothing corrupt is ever written; use
    /// [`Message::try_encode_frame`] to learn why.
    pub fn encode_frame(&self) -> Vec<u8> {
        self.try_encode_frame().unwrap_or_default()
    }

    /// The frame, or why the message cannot be framed.
    pub fn try_encode_frame(&self) -> Result<Vec<u8>, EncodeError> {
        let msg_type = self.msg_type();
        let field = match self {
            Message::UpdateFailHtlc(m) => m.reason.len(),
            Message::InvoiceRequest(m) => m.description.len(),
            Message::InvoiceReply(m) => m.bolt11.len(),
            Message::OfferRequest(m) => m.description.len(),
            Message::OfferReply(m) => m.offer.len(),
            Message::OnionMessage(m) => m.onion_message_packet.len(),
            Message::SendOnionMessage(m) => m.inner_len(),
            Message::OnionMessageReceived(m) => m.payload.len().max(m.recipient_data.len()),
            _ => 0,
        };
        if field > usize::from(u16::MAX) {
            return Err(EncodeError::FieldTooLong { msg_type, len: field });
        }
        let mut out = Vec::with_capacity(2 + self.size_hint());
        out.extend_from_slice(&[0, 0]);
        self.encode_to(&mut out);
        let len = out.len() - 2;
        let len16 = u16::try_from(len).map_err(|_| EncodeError::TooLong { msg_type, len })?;
        out[..2].copy_from_slice(&len16.to_be_bytes());
        Ok(out)
    }

    fn size_hint(&self) -> usize {
        2 + match self {
            Message::UpdateAddHtlc(m) => 32 + 8 + 8 + 32 + 4 + ONION_LEN + 35 + tlv_len(m),
            Message::UpdateFailHtlc(m) => {
                32 + 8 + 2 + m.reason.len() + m.attribution_data.as_ref().map_or(0, |a| a.len() + 4)
            }
            Message::Gossip { payload, .. } | Message::Unknown { payload, .. } => payload.len(),
            Message::InvoiceRequest(m) => 8 + 33 + 8 + 2 + m.description.len(),
            Message::InvoiceReply(m) => 8 + 2 + m.bolt11.len(),
            Message::OfferRequest(m) => 8 + 33 + 8 + 2 + m.description.len() + 8,
            Message::SendOnionMessage(m) => 33 + 2 + m.inner_len(),
            Message::OnionMessageReceived(m) => {
                2 + m.payload.len() + 2 + m.recipient_data.len() + 2
            }
            Message::OfferReply(m) => 8 + 2 + m.offer.len(),
            Message::OnionMessage(m) => {
                33 + 2 + m.onion_message_packet.len() + m.unknown_tlvs.encoded_len()
            }
            _ => 128,
        }
    }
}

fn tlv_len(m: &UpdateAddHtlc) -> usize {
    m.unknown_tlvs.encoded_len()
}
