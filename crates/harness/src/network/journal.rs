//! What the network engine writes to survive a restart, as plain data, and the [`Journal`]
//! trait the durable store implements. The engine decides what to write and when; the store
//! (SQLite in the `lnpay` binary) only writes it.
//!
//! Durability: every add, invoice request, offer request and onion message sent is logged and
//! committed before it is applied,
//! every resolution committed before it is sent; a restarted engine is rebuilt from what the
//! store read back ([`Saved`]) by replaying the input log at the simulated times it was
//! applied at.

use std::error::Error;

/// An `update_add_htlc` from the node.
pub const INPUT_ADD: i64 = 1;
/// An `InvoiceRequest` from the node.
pub const INPUT_INVOICE: i64 = 2;
/// The simulated clock reached this time.
pub const INPUT_ADVANCE: i64 = 3;
/// An `OfferRequest` from the node.
pub const INPUT_OFFER: i64 = 4;
/// A `SendOnionMessage` from the node (the onion message it sends to a peer).
pub const INPUT_ONION_MESSAGE: i64 = 5;

/// One logged input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoggedInput {
    /// Simulated time it was applied at.
    pub sim_time_ms: u64,
    /// [`INPUT_ADD`], [`INPUT_INVOICE`], [`INPUT_OFFER`], [`INPUT_ONION_MESSAGE`] or
    /// [`INPUT_ADVANCE`].
    pub kind: i64,
    /// The message (type first), empty for an advance.
    pub bytes: Vec<u8>,
}

/// One stored resolution.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredResolution {
    /// The channel id (hex).
    pub channel_id: String,
    /// The node's HTLC id.
    pub htlc_id: u64,
    /// The message (type first).
    pub bytes: Vec<u8>,
    /// Whether the node acknowledged it.
    pub acked: bool,
}

/// One row of `received`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceivedRow {
    /// Index of the settlement in the simulator's list.
    pub seq: u64,
    /// Payee node id (hex).
    pub payee: String,
    /// Payment hash (hex).
    pub payment_hash: String,
    /// Amount.
    pub amount_msat: u64,
    /// Parts.
    pub parts: u32,
    /// Simulated time.
    pub sim_time_ms: u64,
}

/// One row of `channels`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChannelRow {
    /// `BLOCKxTXxOUT`.
    pub scid: String,
    /// First node id (hex).
    pub node0: String,
    /// Second node id (hex).
    pub node1: String,
    /// Balance of node0.
    pub balance0_msat: u64,
    /// Balance of node1.
    pub balance1_msat: u64,
}

/// Everything one commit writes.
#[derive(Debug, Default)]
pub struct Batch {
    /// Inputs to log.
    pub inputs: Vec<LoggedInput>,
    /// Resolutions to store: (channel id hex, htlc id, message type, bytes, sim time).
    pub resolutions: Vec<(String, u64, u16, Vec<u8>, u64)>,
    /// Settlements to store.
    pub received: Vec<ReceivedRow>,
    /// Channel rows to write.
    pub channels: Vec<ChannelRow>,
}

impl Batch {
    /// Nothing to write.
    pub fn is_empty(&self) -> bool {
        self.inputs.is_empty()
            && self.resolutions.is_empty()
            && self.received.is_empty()
            && self.channels.is_empty()
    }
}

/// What a store read back, to restore an engine ([`crate::network::Engine::restore`]).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Saved {
    /// Every stored resolution, in order.
    pub resolutions: Vec<StoredResolution>,
    /// Every channel row.
    pub channels: Vec<ChannelRow>,
    /// How many settlements are stored.
    pub received: usize,
    /// The input log, in the order applied.
    pub inputs: Vec<LoggedInput>,
}

/// Why a journal write failed: the store's own error, boxed.
pub type JournalError = Box<dyn Error + Send + Sync + 'static>;

/// The durable store of an engine: it writes what the engine hands it, in order.
pub trait Journal: Send {
    /// Writes `batch` atomically.
    fn commit(&mut self, batch: &Batch) -> Result<(), JournalError>;
    /// Marks the resolution of HTLC `htlc_id` on `channel_id` (hex) acknowledged.
    fn ack(&mut self, channel_id: &str, htlc_id: u64) -> Result<(), JournalError>;
}
