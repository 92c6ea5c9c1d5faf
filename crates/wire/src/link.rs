//! lnpay's own link messages between our node and the simulated network (odd types from
//! 32769): fixed-width big-endian fields, with `u16`-length byte strings.

use crate::error::WireError;
use crate::htlc::ChannelId;
use crate::message::msg_type;
use crate::onion_message::OnionMessage;
use crate::reader::{known_tlv, put_tlvs, put_var_bytes, Reader};
use sha2::{Digest, Sha256};
use types::tlv::TlvStream;
use types::{Msat, NodeId, ShortChannelId};

/// The channel id the simulated network gives channel `scid`:
/// SHA-256 of `b"lnpay-sim-channel"` ‖ scid as 8 bytes big-endian.
pub fn channel_id(scid: ShortChannelId) -> ChannelId {
    let mut h = Sha256::new();
    h.update(b"lnpay-sim-channel");
    h.update(scid.0.to_be_bytes());
    ChannelId(h.finalize().into())
}

/// lnpay `hello` (32769), node → network: who we are and whether we want the gossip.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hello {
    /// The node's id.
    pub node_id: NodeId,
    /// Whether the network should send its gossip first.
    pub want_gossip: bool,
}

impl Hello {
    /// The message type.
    pub const TYPE: u16 = msg_type::HELLO;

    /// Decodes the payload (the bytes after the type).
    pub fn decode(payload: &[u8]) -> Result<Self, WireError> {
        let mut r = Reader::new(Self::TYPE, payload);
        let node_id = r.node_id()?;
        let want_gossip = r.bool()?;
        r.finish()?;
        Ok(Hello { node_id, want_gossip })
    }

    /// Appends the payload (without the type).
    pub fn encode_payload(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(self.node_id.as_bytes());
        out.push(u8::from(self.want_gossip));
    }
}

/// lnpay `channel_state` (32771), network → node: one of our first-hop channels.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChannelState {
    /// The channel.
    pub channel_id: ChannelId,
    /// Its short channel id.
    pub scid: ShortChannelId,
    /// The node at its other end.
    pub peer: NodeId,
    /// What we can send on it now.
    pub spendable_msat: Msat,
    /// The next HTLC id the network expects from us on it (every id below was received).
    pub next_htlc_id: u64,
}

impl ChannelState {
    /// The message type.
    pub const TYPE: u16 = msg_type::CHANNEL_STATE;

    /// Decodes the payload (the bytes after the type).
    pub fn decode(payload: &[u8]) -> Result<Self, WireError> {
        let mut r = Reader::new(Self::TYPE, payload);
        let channel_id = r.channel_id()?;
        let scid = ShortChannelId(r.u64()?);
        let peer = r.node_id()?;
        let spendable_msat = Msat(r.u64()?);
        let next_htlc_id = r.u64()?;
        r.finish()?;
        Ok(ChannelState { channel_id, scid, peer, spendable_msat, next_htlc_id })
    }

    /// Appends the payload (without the type).
    pub fn encode_payload(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.channel_id.0);
        out.extend_from_slice(&self.scid.0.to_be_bytes());
        out.extend_from_slice(self.peer.as_bytes());
        out.extend_from_slice(&self.spendable_msat.0.to_be_bytes());
        out.extend_from_slice(&self.next_htlc_id.to_be_bytes());
    }
}

/// lnpay `ready` (32773), network → node: the handshake is over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ready {
    /// The network's block height.
    pub block_height: u32,
    /// The network's simulated time.
    pub sim_time_ms: u64,
}

impl Ready {
    /// The message type.
    pub const TYPE: u16 = msg_type::READY;

    /// Decodes the payload (the bytes after the type).
    pub fn decode(payload: &[u8]) -> Result<Self, WireError> {
        let mut r = Reader::new(Self::TYPE, payload);
        let block_height = r.u32()?;
        let sim_time_ms = r.u64()?;
        r.finish()?;
        Ok(Ready { block_height, sim_time_ms })
    }

    /// Appends the payload (without the type).
    pub fn encode_payload(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.block_height.to_be_bytes());
        out.extend_from_slice(&self.sim_time_ms.to_be_bytes());
    }
}

/// lnpay `ack` (32775), node → network: this HTLC's resolution is stored durably.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ack {
    /// The channel.
    pub channel_id: ChannelId,
    /// The HTLC id.
    pub id: u64,
}

impl Ack {
    /// The message type.
    pub const TYPE: u16 = msg_type::ACK;

    /// Decodes the payload (the bytes after the type).
    pub fn decode(payload: &[u8]) -> Result<Self, WireError> {
        let mut r = Reader::new(Self::TYPE, payload);
        let channel_id = r.channel_id()?;
        let id = r.u64()?;
        r.finish()?;
        Ok(Ack { channel_id, id })
    }

    /// Appends the payload (without the type).
    pub fn encode_payload(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.channel_id.0);
        out.extend_from_slice(&self.id.to_be_bytes());
    }
}

/// lnpay `add_refused` (32777), network → node: our side of the channel refused the HTLC.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AddRefused {
    /// The channel.
    pub channel_id: ChannelId,
    /// The HTLC id.
    pub id: u64,
    /// Why: one of the `AddRefused::*` codes.
    pub code: u16,
}

impl AddRefused {
    /// The message type.
    pub const TYPE: u16 = msg_type::ADD_REFUSED;
    /// No such channel.
    pub const UNKNOWN_CHANNEL: u16 = 1;
    /// The channel is not one of ours.
    pub const NOT_OURS: u16 = 2;
    /// The peer is offline.
    pub const PEER_OFFLINE: u16 = 3;
    /// Not enough balance on our side.
    pub const INSUFFICIENT_BALANCE: u16 = 4;
    /// Too many HTLCs in flight on the channel.
    pub const TOO_MANY_HTLCS: u16 = 5;
    /// The HTLC id is below the next one the network expects.
    pub const ID_NOT_INCREASING: u16 = 6;

    /// Decodes the payload (the bytes after the type).
    pub fn decode(payload: &[u8]) -> Result<Self, WireError> {
        let mut r = Reader::new(Self::TYPE, payload);
        let channel_id = r.channel_id()?;
        let id = r.u64()?;
        let code = r.u16()?;
        r.finish()?;
        Ok(AddRefused { channel_id, id, code })
    }

    /// Appends the payload (without the type).
    pub fn encode_payload(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.channel_id.0);
        out.extend_from_slice(&self.id.to_be_bytes());
        out.extend_from_slice(&self.code.to_be_bytes());
    }
}

/// A request to a receiver of the simulated network for something to pay (an invoice, an
/// offer): the same fields under each message type.
macro_rules! receiver_request {
    ($(#[$doc:meta])* $name:ident, $ty:expr, $what:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub struct $name {
            /// Matches the reply to the request.
            pub request_id: u64,
            /// The receiver.
            pub payee: NodeId,
            /// The amount (0 = any).
            pub amount_msat: u64,
            #[doc = concat!("The ", $what, " description (at most 65535 bytes).")]
            pub description: Vec<u8>,
        }

        impl $name {
            /// The message type.
            pub const TYPE: u16 = $ty;

            /// Decodes the payload (the bytes after the type).
            pub fn decode(payload: &[u8]) -> Result<Self, WireError> {
                let mut r = Reader::new(Self::TYPE, payload);
                let request_id = r.u64()?;
                let payee = r.node_id()?;
                let amount_msat = r.u64()?;
                let description = r.var_bytes()?;
                r.finish()?;
                Ok($name { request_id, payee, amount_msat, description })
            }

            /// Appends the payload (without the type).
            pub fn encode_payload(&self, out: &mut Vec<u8>) {
                out.extend_from_slice(&self.request_id.to_be_bytes());
                out.extend_from_slice(self.payee.as_bytes());
                out.extend_from_slice(&self.amount_msat.to_be_bytes());
                put_var_bytes(out, &self.description);
            }
        }
    };
}

receiver_request!(
    /// lnpay `invoice_request` (32779), node → network: ask a receiver for an invoice.
    InvoiceRequest,
    msg_type::INVOICE_REQUEST,
    "invoice"
);

/// lnpay `invoice_reply` (32781), network → node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvoiceReply {
    /// The request answered.
    pub request_id: u64,
    /// The BOLT 11 invoice text (empty = refused; at most 65535 bytes).
    pub bolt11: Vec<u8>,
}

impl InvoiceReply {
    /// The message type.
    pub const TYPE: u16 = msg_type::INVOICE_REPLY;

    /// Decodes the payload (the bytes after the type).
    pub fn decode(payload: &[u8]) -> Result<Self, WireError> {
        let mut r = Reader::new(Self::TYPE, payload);
        let request_id = r.u64()?;
        let bolt11 = r.var_bytes()?;
        r.finish()?;
        Ok(InvoiceReply { request_id, bolt11 })
    }

    /// Appends the payload (without the type).
    pub fn encode_payload(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.request_id.to_be_bytes());
        put_var_bytes(out, &self.bolt11);
    }
}

/// What a simulated receiver's offer looks like (lnpay's test knobs; every field optional, as
/// the trailing TLV records of [`OfferRequest`]: an older request without them reads as the
/// defaults).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OfferOptions {
    /// `Some(true)`: blinded offer paths (through the receiver's best funded peer);
    /// `Some(false)`: `offer_issuer_id` in the clear; `None`: blinded when the receiver has a
    /// peer (TLV 1, one byte).
    pub blinded: Option<bool>,
    /// How many blinded payment paths its invoices carry at most, 1–3 (TLV 3, one byte).
    pub payment_paths: Option<u8>,
    /// The first payment path of each invoice fails inside it: the channel into the receiver
    /// on that path is disabled once the invoice is made (TLV 5, empty).
    pub fail_first_path: bool,
}

impl OfferOptions {
    const BLINDED: u64 = 1;
    const PAYMENT_PATHS: u64 = 3;
    const FAIL_FIRST_PATH: u64 = 5;
    const KNOWN: [u64; 3] = [Self::BLINDED, Self::PAYMENT_PATHS, Self::FAIL_FIRST_PATH];
}

/// lnpay `offer_request` (32783), node → network: ask a receiver for a BOLT 12 offer (the
/// fields of [`InvoiceRequest`], then the [`OfferOptions`] as a TLV stream).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OfferRequest {
    /// Matches the reply to the request.
    pub request_id: u64,
    /// The receiver.
    pub payee: NodeId,
    /// The amount (0 = any).
    pub amount_msat: u64,
    /// The offer description (at most 65535 bytes).
    pub description: Vec<u8>,
    /// How the offer and its invoices are made.
    pub options: OfferOptions,
}

impl OfferRequest {
    /// The message type.
    pub const TYPE: u16 = msg_type::OFFER_REQUEST;

    /// Decodes the payload (the bytes after the type).
    pub fn decode(payload: &[u8]) -> Result<Self, WireError> {
        let mut r = Reader::new(Self::TYPE, payload);
        let request_id = r.u64()?;
        let payee = r.node_id()?;
        let amount_msat = r.u64()?;
        let description = r.var_bytes()?;
        let tlvs = r.tlvs(&OfferOptions::KNOWN)?;
        let flag = |t| known_tlv::<1>(Self::TYPE, &tlvs, t).map(|v| v.map(|[b]| b));
        let blinded = match flag(OfferOptions::BLINDED)? {
            None => None,
            Some(0) => Some(false),
            Some(1) => Some(true),
            Some(value) => return Err(WireError::BadBool { msg_type: Self::TYPE, value }),
        };
        let payment_paths = flag(OfferOptions::PAYMENT_PATHS)?;
        let fail_first_path =
            known_tlv::<0>(Self::TYPE, &tlvs, OfferOptions::FAIL_FIRST_PATH)?.is_some();
        let options = OfferOptions { blinded, payment_paths, fail_first_path };
        Ok(OfferRequest { request_id, payee, amount_msat, description, options })
    }

    /// Appends the payload (without the type).
    pub fn encode_payload(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.request_id.to_be_bytes());
        out.extend_from_slice(self.payee.as_bytes());
        out.extend_from_slice(&self.amount_msat.to_be_bytes());
        put_var_bytes(out, &self.description);
        let o = &self.options;
        let blinded = o.blinded.map(|b| [u8::from(b)]);
        let paths = o.payment_paths.map(|n| [n]);
        put_tlvs(
            out,
            &[
                (OfferOptions::BLINDED, blinded.as_ref().map(|b| &b[..])),
                (OfferOptions::PAYMENT_PATHS, paths.as_ref().map(|b| &b[..])),
                (OfferOptions::FAIL_FIRST_PATH, o.fail_first_path.then_some(&[][..])),
            ],
            &TlvStream::default(),
        );
    }
}

/// lnpay `offer_reply` (32785), network → node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OfferReply {
    /// The request answered.
    pub request_id: u64,
    /// The offer's `lno1…` text (empty = refused; at most 65535 bytes).
    pub offer: Vec<u8>,
}

impl OfferReply {
    /// The message type.
    pub const TYPE: u16 = msg_type::OFFER_REPLY;

    /// Decodes the payload (the bytes after the type).
    pub fn decode(payload: &[u8]) -> Result<Self, WireError> {
        let mut r = Reader::new(Self::TYPE, payload);
        let request_id = r.u64()?;
        let offer = r.var_bytes()?;
        r.finish()?;
        Ok(OfferReply { request_id, offer })
    }

    /// Appends the payload (without the type).
    pub fn encode_payload(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.request_id.to_be_bytes());
        put_var_bytes(out, &self.offer);
    }
}

/// lnpay `send_onion_message` (32787), node → network: send this BOLT 4 `onion_message` to
/// our channel peer `peer` (the first node of its route, as the node built it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendOnionMessage {
    /// The peer it goes to.
    pub peer: NodeId,
    /// The message (carried as the `u16`-length bytes of its type-513 payload).
    pub message: OnionMessage,
}

impl SendOnionMessage {
    /// The message type.
    pub const TYPE: u16 = msg_type::SEND_ONION_MESSAGE;

    /// Decodes the payload (the bytes after the type).
    pub fn decode(payload: &[u8]) -> Result<Self, WireError> {
        let mut r = Reader::new(Self::TYPE, payload);
        let peer = r.node_id()?;
        let inner = r.var_bytes()?;
        r.finish()?;
        let message = OnionMessage::decode(&inner)?;
        Ok(SendOnionMessage { peer, message })
    }

    /// Appends the payload (without the type).
    pub fn encode_payload(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(self.peer.as_bytes());
        let mut inner = Vec::new();
        self.message.encode_payload(&mut inner);
        put_var_bytes(out, &inner);
    }

    /// The length of the embedded `onion_message` payload (what must fit a `u16`).
    pub fn inner_len(&self) -> usize {
        33 + 2 + self.message.onion_message_packet.len() + self.message.unknown_tlvs.encoded_len()
    }
}

/// lnpay `onion_message_received` (32789), network → node: an onion message reached our node.
///
/// The node holds no node secret (the daemon is a payer without an HSM), so the network peels
/// the last layer for it with our node's key, as a signer doing the ECDH would, and sends what
/// the recipient reads: the final hop's `onionmsg_tlv` (its `encrypted_recipient_data`
/// removed) and that data decrypted (an `encrypted_data_tlv`, with the `path_id` the node put
/// in its reply path). Onion messages are best effort: one that arrives while the node is not
/// connected is dropped, as a peer would drop it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OnionMessageReceived {
    /// The final `onionmsg_tlv` stream, without `encrypted_recipient_data`.
    pub payload: Vec<u8>,
    /// The decrypted `encrypted_recipient_data` (an `encrypted_data_tlv` stream).
    pub recipient_data: Vec<u8>,
    /// How many dummy hops were peeled before the final one.
    pub dummy_hops: u16,
}

impl OnionMessageReceived {
    /// The message type.
    pub const TYPE: u16 = msg_type::ONION_MESSAGE_RECEIVED;

    /// Decodes the payload (the bytes after the type).
    pub fn decode(payload: &[u8]) -> Result<Self, WireError> {
        let mut r = Reader::new(Self::TYPE, payload);
        let payload = r.var_bytes()?;
        let recipient_data = r.var_bytes()?;
        let dummy_hops = r.u16()?;
        r.finish()?;
        Ok(OnionMessageReceived { payload, recipient_data, dummy_hops })
    }

    /// Appends the payload (without the type).
    pub fn encode_payload(&self, out: &mut Vec<u8>) {
        put_var_bytes(out, &self.payload);
        put_var_bytes(out, &self.recipient_data);
        out.extend_from_slice(&self.dummy_hops.to_be_bytes());
    }
}
