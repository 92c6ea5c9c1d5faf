//! What the daemon's core needs from the channel layer: our first hops and what each can
//! send, a way to offer an HTLC on one of them, the resolutions that come back, the block
//! height, and (on the simulated network) invoices from simulated receivers.
//!
//! The core ([`crate::daemon::core`]) owns the payment machine and the store and talks only
//! to this trait, so a real channel backend can replace the simulated one without touching
//! payment logic. The simulated network's implementation is the peer link
//! ([`crate::daemon::link::PeerLink`]), which speaks `lnpay_wire` to `lnpay network`.
//!
//! HTLC ids are per channel and strictly increasing. Sending is split in two so that the
//! core can store a part (with its channel and id) before the HTLC leaves:
//! [`Backend::assign_htlc_id`] reserves the id, the core commits, then [`Backend::send_htlc`]
//! writes it.

use onion::packet::OnionPacket;
use route::flow::FirstHop;
use route::graph::Graph;
use std::future::Future;
use std::sync::Arc;
use types::{Msat, NodeId, PaymentHash, PaymentPreimage, ShortChannelId};

/// One of our channels as the backend sees it now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChannelInfo {
    /// The channel.
    pub scid: ShortChannelId,
    /// The peer at the other end.
    pub peer: NodeId,
    /// What we can send on it now.
    pub spendable: Msat,
    /// Whether the peer is connected.
    pub connected: bool,
}

/// An HTLC to offer on one of our channels.
#[derive(Debug, Clone, PartialEq)]
pub struct HtlcAdd {
    /// Our channel.
    pub first_hop: ShortChannelId,
    /// The amount.
    pub amount: Msat,
    /// The absolute expiry.
    pub cltv_expiry: u32,
    /// The payment hash.
    pub payment_hash: PaymentHash,
    /// The onion.
    pub onion: Box<OnionPacket>,
}

/// Why an HTLC or a request cannot be sent now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum SendError {
    /// The link to the peers is down.
    Offline,
    /// Not one of our channels.
    UnknownChannel(ShortChannelId),
}

impl std::fmt::Display for SendError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SendError::Offline => f.write_str("peer offline"),
            SendError::UnknownChannel(s) => write!(f, "unknown channel {s}"),
        }
    }
}

impl std::error::Error for SendError {}

/// How an HTLC of ours ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HtlcOutcome {
    /// `update_fulfill_htlc`.
    Fulfilled(PaymentPreimage),
    /// `update_fail_htlc`: the encrypted reason.
    Failed(Vec<u8>),
    /// `update_fail_malformed_htlc`: the BADONION code.
    Malformed(u16),
    /// Our side of the channel refused it (never left our node); the code says why.
    Refused(u16),
}

/// The resolution of one HTLC of ours.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolution {
    /// The channel.
    pub scid: ShortChannelId,
    /// The HTLC id on it.
    pub htlc_id: u64,
    /// How it ended.
    pub outcome: HtlcOutcome,
}

/// A completed handshake with the peers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Handshake {
    /// The block height.
    pub block_height: u32,
    /// The network's clock, simulated milliseconds since its start.
    pub sim_time_ms: u64,
    /// Resolutions not yet acknowledged, in resolution order.
    pub replays: Vec<Resolution>,
}

/// What the backend tells the core.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BackendEvent {
    /// A handshake completed (the first one, or after a reconnect); channel states are fresh.
    Up(Handshake),
    /// The link went down; HTLCs offered from now on fail at once.
    Down,
    /// An HTLC of ours was resolved.
    Resolved(Resolution),
    /// The answer to [`Backend::request_invoice`]; `None` when refused.
    Invoice {
        /// The request.
        request: u64,
        /// The invoice.
        bolt11: Option<String>,
    },
    /// The answer to [`Backend::request_offer`]; `None` when refused.
    Offer {
        /// The request.
        request: u64,
        /// The offer (`lno1…`).
        offer: Option<String>,
    },
    /// An onion message reached our node (peeled by the channel layer, which holds the node
    /// key).
    OnionMessage(Box<onion::message::ReceivedMessage>),
}

/// The channel layer under the payment machine.
pub trait Backend {
    /// Our node id, once the first handshake has told it.
    fn node_id(&self) -> Option<NodeId>;
    /// The graph learned from gossip, once the first handshake has given it.
    fn graph(&self) -> Option<Arc<Graph>>;
    /// Our channels.
    fn channels(&self) -> Vec<ChannelInfo>;
    /// Our channels as the router sees them (each with nothing to send while offline).
    fn first_hops(&self) -> Vec<FirstHop>;
    /// The block height.
    fn block_height(&self) -> u32;
    /// Whether the link is up.
    fn is_online(&self) -> bool;
    /// Whether the channel layer received HTLC `htlc_id` on `scid` (it holds or resolved it).
    fn received(&self, scid: ShortChannelId, htlc_id: u64) -> bool;
    /// Ids below `next` on `scid` were used before (from the store): never hand them out again.
    fn reserve_below(&mut self, scid: ShortChannelId, next: u64);
    /// Reserves the next HTLC id on `scid`, or says why an HTLC cannot be sent now.
    fn assign_htlc_id(&mut self, scid: ShortChannelId) -> Result<u64, SendError>;
    /// Offers an HTLC with an id from [`Backend::assign_htlc_id`] (once its part is stored).
    fn send_htlc(&mut self, htlc_id: u64, add: &HtlcAdd);
    /// Says the resolution of an HTLC is stored durably.
    fn ack(&mut self, scid: ShortChannelId, htlc_id: u64);
    /// Asks a simulated receiver for an invoice; the answer comes as [`BackendEvent::Invoice`].
    fn request_invoice(
        &mut self,
        payee: NodeId,
        amount: Option<Msat>,
        description: &str,
    ) -> Result<u64, SendError>;
    /// Asks a simulated receiver for a BOLT 12 offer made with `options`; the answer comes
    /// as [`BackendEvent::Offer`].
    fn request_offer(
        &mut self,
        payee: NodeId,
        amount: Option<Msat>,
        description: &str,
        options: wire::OfferOptions,
    ) -> Result<u64, SendError>;
    /// Sends an onion message to our peer `peer` (best effort: dropped while offline).
    fn send_onion_message(&mut self, peer: NodeId, message: wire::OnionMessage);
    /// The next event; `None` once the backend is gone for good. Cancel-safe.
    fn next_event(&mut self) -> impl Future<Output = Option<BackendEvent>> + Send;
}
