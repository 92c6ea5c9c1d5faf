//! Lightning messages as bytes, sans-IO: BOLT 1 framing, the four BOLT 2 HTLC messages, the
//! link messages between our node and the simulated network, the BOLT 7 gossip messages with
//! their signatures ([`gossip`]) and the BOLT 4 failure codes ([`failure`]). It is what a peer
//! link needs to speak to a peer, and nothing more: no socket, no clock, no channel state, no
//! BOLT 8 transport, no onion (that is `lnpay-onion`), no graph (that is `lnpay-route`). The
//! BOLT 4 `onion_message` ([`onion_message`]) carries its packet as bytes.
//!
//! Every link message travels as `len: u16 BE` followed by `len` bytes of BOLT 1 message
//! (`type: u16 BE`, then the payload); `len` is at least 2. The four BOLT 2 HTLC messages
//! ([`htlc`]) use their exact spec encoding with a trailing TLV extension stream (known TLVs
//! are fields, unknown odd ones are kept in `unknown_tlvs` so a message re-encodes to its
//! bytes, unknown even ones are refused). Gossip (256, 257, 258) passes through the link as raw
//! bytes and is parsed with [`gossip`]. lnpay's own link messages ([`link`], odd types from
//! 32769) are fixed-width big-endian, with `u16`-length byte strings.
//!
//! Decoding is strict: a message that decodes re-encodes to exactly the bytes it came from.
//! [`FrameDecoder`] takes bytes as they arrive and hands back whole messages.
//!
//! ```
//! use lnpay_wire::{channel_id, Ack, FrameDecoder, Message};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let ack = Message::Ack(Ack { channel_id: channel_id("700000x1x0".parse()?), id: 7 });
//! let frame = ack.try_encode_frame()?;
//! let mut decoder = FrameDecoder::new();
//! decoder.push(&frame);
//! assert_eq!(decoder.next().transpose()?, Some(ack));
//! assert_eq!(decoder.next(), None);
//! # Ok(())
//! # }
//! ```
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]
#![warn(missing_docs)]

pub mod error;
pub mod failure;
pub mod frame;
pub mod gossip;
pub mod htlc;
pub mod link;
pub mod message;
pub mod onion_message;
mod reader;
#[cfg(test)]
mod tests;

pub use error::WireError;
pub use frame::{FrameDecoder, MAX_FRAME};
pub use htlc::{
    ChannelId, UpdateAddHtlc, UpdateFailHtlc, UpdateFailMalformedHtlc, UpdateFulfillHtlc, ONION_LEN,
};
pub use link::{
    channel_id, Ack, AddRefused, ChannelState, Hello, InvoiceReply, InvoiceRequest, OfferOptions,
    OfferReply, OfferRequest, OnionMessageReceived, Ready, SendOnionMessage,
};
pub use message::{msg_type, EncodeError, Message};
pub use onion_message::OnionMessage;
