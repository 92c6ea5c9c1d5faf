//! The machine's typed replies, one per command. They hold records and values, never a wire
//! shape: `lnpay-rpc` turns them into Core Lightning's JSON.

use crate::error::{
    AskreneError, DelpayError, GetroutesError, ListError, PayError, SendpayError, WaitsendpayError,
    XpayError,
};
use crate::record::{PartRecord, PartStatus};
use types::{Msat, NodeId, PaymentHash, PaymentPreimage};

/// A command's reply, by the command it answers.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
#[allow(clippy::large_enum_variant)] // replies are few next to the records they carry
pub enum Reply {
    /// `fetchinvoice`.
    Fetchinvoice(Result<FetchinvoiceReply, crate::offers::FetchinvoiceError>),
    /// `sendpay`: the part, sent (pending) or already complete.
    Sendpay(Result<PartRecord, SendpayError>),
    /// `waitsendpay`.
    Waitsendpay(Result<WaitsendpayReply, WaitsendpayError>),
    /// `listsendpays`: the parts listed, in order.
    Listsendpays(Result<Vec<PartRecord>, ListError>),
    /// `listpays`: one entry per group listed.
    Listpays(Result<Vec<PayListing>, ListError>),
    /// `pay` and `keysend`.
    Pay(Result<PayResult, PayError>),
    /// `paystatus`: one entry per pay.
    Paystatus(Vec<PayStatus>),
    /// `delpay`: the parts deleted.
    Delpay(Result<Vec<PartRecord>, DelpayError>),
    /// `xpay` and `xkeysend`.
    Xpay(Result<XpayResult, XpayError>),
    /// `getroutes`.
    Getroutes(Result<Routes, GetroutesError>),
    /// The `askrene-*` commands.
    Askrene(Result<AskreneReply, AskreneError>),
}

/// `getroutes`' routes.
#[derive(Debug, Clone, PartialEq)]
pub struct Routes {
    /// Where every route starts.
    pub source: NodeId,
    /// The final CLTV delta asked for.
    pub final_cltv: u32,
    /// The routes, their amounts and probabilities.
    pub flow: route::flow::Flow,
}

/// An `askrene-*` command's success.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum AskreneReply {
    /// Nothing to say (`create-channel`, `update-channel`, `remove-*`, `disable-node`,
    /// `reserve`, `unreserve`).
    Done,
    /// `create-layer`, `listlayers`: the layers (the learned one with what it learned as
    /// constraints).
    Layers(Vec<route::layer::Layer>),
    /// `inform-channel`: the constraint or the impression made.
    Informed {
        /// The layer.
        layer: String,
        /// A `constrained`/`unconstrained` fact.
        constraint: Option<route::layer::Constraint>,
        /// A `succeeded` fact.
        impression: Option<route::layer::Impression>,
    },
    /// `bias-channel`.
    ChannelBias {
        /// The layer.
        layer: String,
        /// The bias as it stands.
        bias: route::layer::ChannelBias,
    },
    /// `bias-node`.
    NodeBias {
        /// The layer.
        layer: String,
        /// The node's biases as they stand.
        bias: route::layer::NodeBias,
    },
    /// `listreservations`, with the time asked (seconds since the epoch) for their ages.
    Reservations {
        /// Every reservation.
        reservations: Vec<route::layer::Reservation>,
        /// Now.
        now: u64,
    },
    /// `age`.
    Aged {
        /// The layer.
        layer: String,
        /// Constraints (and impressions) forgotten.
        num_removed: u64,
    },
}

impl Reply {
    /// Whether the command succeeded.
    pub fn is_ok(&self) -> bool {
        match self {
            Reply::Sendpay(r) => r.is_ok(),
            Reply::Waitsendpay(r) => r.is_ok(),
            Reply::Listsendpays(r) => r.is_ok(),
            Reply::Listpays(r) => r.is_ok(),
            Reply::Pay(r) => r.is_ok(),
            Reply::Paystatus(_) => true,
            Reply::Delpay(r) => r.is_ok(),
            Reply::Getroutes(r) => r.is_ok(),
            Reply::Askrene(r) => r.is_ok(),
            Reply::Xpay(r) => r.is_ok(),
            Reply::Fetchinvoice(r) => r.is_ok(),
        }
    }

    /// The error, if the command failed.
    pub fn error(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Reply::Sendpay(Err(e)) => Some(e),
            Reply::Waitsendpay(Err(e)) => Some(e),
            Reply::Listsendpays(Err(e)) | Reply::Listpays(Err(e)) => Some(e),
            Reply::Pay(Err(e)) => Some(e),
            Reply::Delpay(Err(e)) => Some(e),
            Reply::Getroutes(Err(e)) => Some(e),
            Reply::Askrene(Err(e)) => Some(e),
            Reply::Xpay(Err(e)) => Some(e),
            Reply::Fetchinvoice(Err(e)) => Some(e),
            _ => None,
        }
    }
}

/// `waitsendpay`'s success.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WaitsendpayReply {
    /// The part waited for, fulfilled.
    Part(Box<PartRecord>),
    /// A whole multi-part group waited for (no part given): its first fulfilled part, with
    /// the totals of every fulfilled part of the group.
    Group {
        /// The first fulfilled part.
        first: Box<PartRecord>,
        /// What the payee received in all fulfilled parts.
        amount_msat: Msat,
        /// What left our channels in all fulfilled parts.
        amount_sent_msat: Msat,
    },
}

/// A paid `pay` (or `keysend`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PayResult {
    /// The payment hash.
    pub payment_hash: PaymentHash,
    /// The preimage (known once a part is fulfilled).
    pub payment_preimage: Option<PaymentPreimage>,
    /// The payee.
    pub destination: Option<NodeId>,
    /// When the pay started, milliseconds since the epoch (the first part's creation, second
    /// precision, for a payment paid before).
    pub created_at_ms: u64,
    /// Parts started (at least the parts fulfilled).
    pub parts: u32,
    /// What the payee received.
    pub amount_msat: Msat,
    /// What left our channels (the difference is the fee).
    pub amount_sent_msat: Msat,
}

impl PayResult {
    /// The fees paid.
    pub fn fee(&self) -> Msat {
        Msat(self.amount_sent_msat.0.saturating_sub(self.amount_msat.0))
    }
}

/// A paid `xpay` (or `xkeysend`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct XpayResult {
    /// The payment hash.
    pub payment_hash: PaymentHash,
    /// The preimage.
    pub payment_preimage: PaymentPreimage,
    /// Parts fulfilled (at least one).
    pub successful_parts: u64,
    /// Parts failed.
    pub failed_parts: u64,
    /// What the payee received.
    pub amount_msat: Msat,
    /// What left our channels (the difference is the fee).
    pub amount_sent_msat: Msat,
}

/// One `listpays` entry: a group of parts of one payment hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PayListing {
    /// The payment hash.
    pub payment_hash: PaymentHash,
    /// The group's status: pending while any part is, complete once a part is fulfilled.
    pub status: PartStatus,
    /// The first part's destination.
    pub destination: Option<NodeId>,
    /// The first part's creation, seconds since the epoch.
    pub created_at: u64,
    /// The first fulfilment, seconds since the epoch.
    pub completed_at: Option<u64>,
    /// The first part's label.
    pub label: Option<String>,
    /// The first part's invoice.
    pub bolt11: Option<String>,
    /// The first part's description.
    pub description: Option<String>,
    /// The preimage, once known.
    pub preimage: Option<PaymentPreimage>,
    /// Parts not failed.
    pub live_parts: usize,
    /// What the parts not failed deliver.
    pub amount_msat: Msat,
    /// What the parts not failed send.
    pub amount_sent_msat: Msat,
    /// The lowest `created_index` of the group.
    pub created_index: u64,
    /// The highest `updated_index` of the group.
    pub updated_index: u64,
}

/// One `paystatus` entry: a pay and its attempts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PayStatus {
    /// The invoice (empty for keysend).
    pub bolt11: String,
    /// The amount paid.
    pub amount_msat: Msat,
    /// The payee.
    pub destination: NodeId,
    /// `label`.
    pub label: Option<String>,
    /// The attempts, in order.
    pub attempts: Vec<PayAttempt>,
}

/// One attempt (part) of a pay.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PayAttempt {
    /// Its rank among the pay's attempts (0: the initial attempt).
    pub index: usize,
    /// When it started, milliseconds since the epoch.
    pub start_ms: u64,
    /// When it ended, milliseconds since the epoch.
    pub end_ms: Option<u64>,
    /// Seconds since it started.
    pub age_seconds: u64,
    /// The part.
    pub part: PartRecord,
}

/// `fetchinvoice`'s answer: the invoice, checked against our request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchinvoiceReply {
    /// The invoice (`lni1…`).
    pub invoice: String,
    /// What differs from the offer.
    pub changes: FetchinvoiceChanges,
}

/// `fetchinvoice`'s `changes`: what the invoice changed of the offer (BOLT 12 invoices copy
/// the offer's fields exactly, so only the amount can differ: when the offer had none, or
/// was in another currency).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FetchinvoiceChanges {
    /// The amount, when not the offer's amount times the quantity.
    pub amount_msat: Option<Msat>,
}
