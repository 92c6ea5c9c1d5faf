//! One error type per operation of the machine. Each variant carries what Core Lightning puts
//! in its error's `data` (or names in its message); the mapping to JSON-RPC codes and messages
//! belongs to the caller (`lnpay-rpc` for Core Lightning's codes).

use crate::record::{FailureRecord, PartKey, PartRecord, PartStatus};
use std::fmt;
use types::{Msat, NodeId, PaymentHash, ShortChannelId};

/// Why `sendpay` refused a part.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SendpayError {
    /// An empty route (a self-payment) without `amount_msat`.
    SelfPaymentWithoutAmount,
    /// An empty route (a self-payment) with a non-zero `partid`.
    SelfPaymentWithPartid {
        /// The part id given.
        partid: u64,
    },
    /// A self-payment: this machine keeps no invoices to settle it against.
    UnknownInvoice,
    /// A non-zero `partid` without `payment_secret`.
    PartidWithoutSecret {
        /// The part id given.
        partid: u64,
    },
    /// A non-zero `partid` without `amount_msat`.
    MissingAmount {
        /// The part id given.
        partid: u64,
    },
    /// Without `partid`, the final amount is more than twice `amount_msat`.
    Overpayment {
        /// The route's final amount.
        final_amount: Msat,
        /// `amount_msat`.
        amount: Msat,
    },
    /// Without `partid`, `amount_msat` is not the final amount (and below it).
    AmountNotFinal {
        /// `amount_msat`.
        amount: Msat,
        /// The route's final amount.
        final_amount: Msat,
    },
    /// With `partid`, the final amount exceeds `amount_msat`.
    FinalAboveAmount {
        /// The route's final amount.
        final_amount: Msat,
        /// `amount_msat`.
        amount: Msat,
    },
    /// The same part exists (pending or complete) with another amount.
    AlreadyWithAmount {
        /// The existing part's status.
        state: PartStatus,
        /// The existing part's amount.
        existing: Msat,
        /// The amount asked now.
        requested: Msat,
    },
    /// The same part exists (pending or complete) to another destination.
    AlreadyToDestination {
        /// The existing part's status.
        state: PartStatus,
        /// The existing part's destination.
        destination: Option<NodeId>,
    },
    /// Another group of the payment is still in flight.
    GroupInProgress {
        /// The group in flight.
        groupid: u64,
    },
    /// A part of the other kind (single or multi-part) is in flight.
    KindInProgress {
        /// The part in flight is one of a multi-part payment.
        parallel: bool,
    },
    /// The parts in flight were sent for another total.
    TotalChanged {
        /// The total of the parts in flight.
        previous: Msat,
        /// The total asked now.
        now: Msat,
    },
    /// This part of this group already failed.
    PartFailed {
        /// The failed part.
        key: PartKey,
    },
    /// Other parts of the payment already succeeded.
    OtherPartsSucceeded,
    /// The parts in flight already reach the total.
    InFlightCoversTotal {
        /// What is in flight.
        in_flight: Msat,
        /// The total.
        total: Msat,
    },
    /// The route's first channel is not one of ours.
    NoFirstPeer {
        /// Our node (the erring node).
        node: NodeId,
        /// The route's first channel.
        channel: ShortChannelId,
        /// Its direction.
        direction: u8,
        /// The payment hash.
        payment_hash: PaymentHash,
    },
    /// A part with no hop (never built by `sendpay` or `pay`).
    EmptyRoute,
    /// A route hop's node id is not a valid public key.
    BadNodeId(NodeId),
    /// The onion could not be built (too big a payload, say).
    Onion,
}

impl fmt::Display for SendpayError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use SendpayError as E;
        match self {
            E::SelfPaymentWithoutAmount => write!(f, "self-payment requires amount_msat"),
            E::SelfPaymentWithPartid { partid } => {
                write!(f, "self-payment does not allow non-zero partid {partid}")
            }
            E::UnknownInvoice => write!(f, "unknown invoice"),
            E::PartidWithoutSecret { partid } => {
                write!(f, "partid {partid} requires payment_secret")
            }
            E::MissingAmount { partid } => write!(f, "partid {partid} requires amount_msat"),
            E::Overpayment { final_amount, amount } => write!(
                f,
                "final amount {}msat is more than twice amount_msat {}msat",
                final_amount.0, amount.0
            ),
            E::AmountNotFinal { amount, final_amount } => write!(
                f,
                "amount_msat {}msat without partid must be the final amount {}msat",
                amount.0, final_amount.0
            ),
            E::FinalAboveAmount { final_amount, amount } => write!(
                f,
                "final amount {}msat is greater than amount_msat {}msat",
                final_amount.0, amount.0
            ),
            E::AlreadyWithAmount { state, existing, requested } => write!(
                f,
                "already {} with amount {}msat (not {}msat)",
                state.as_str(),
                existing.0,
                requested.0
            ),
            E::AlreadyToDestination { state, destination } => match destination {
                Some(d) => write!(f, "already {} to {d}", state.as_str()),
                None => write!(f, "already {} to no destination", state.as_str()),
            },
            E::GroupInProgress { groupid } => write!(f, "group {groupid} still in progress"),
            E::KindInProgress { parallel: true } => {
                write!(f, "a parallel payment is in progress")
            }
            E::KindInProgress { parallel: false } => {
                write!(f, "a non-parallel payment is in progress")
            }
            E::TotalChanged { previous, now } => {
                write!(f, "total was previously {}msat, now {}msat", previous.0, now.0)
            }
            E::PartFailed { key } => write!(
                f,
                "part {} of group {} of {} already failed",
                key.partid, key.groupid, key.payment_hash
            ),
            E::OtherPartsSucceeded => write!(f, "other parts already succeeded"),
            E::InFlightCoversTotal { in_flight, total } => {
                write!(f, "{}msat of {}msat already in flight", in_flight.0, total.0)
            }
            E::NoFirstPeer { channel, .. } => write!(f, "no connection to first peer on {channel}"),
            E::EmptyRoute => write!(f, "empty route"),
            E::BadNodeId(n) => write!(f, "route has a bad node id {n}"),
            E::Onion => write!(f, "could not create the onion packet"),
        }
    }
}

impl std::error::Error for SendpayError {}

/// A routing failure's cause: the BOLT 4 failure (by name when known) and the reporting hop.
fn failure_cause(f: &mut fmt::Formatter<'_>, r: &FailureRecord) -> fmt::Result {
    match r.failcode {
        Some(c) => match onion::failure::code_name(c) {
            Some(name) => write!(f, "{name}")?,
            None => write!(f, "failure code {c:#06x}")?,
        },
        None => write!(f, "an unreadable failure")?,
    }
    match r.erring_index {
        Some(i) => write!(f, " from hop {i}"),
        None => Ok(()),
    }
}

/// Why `waitsendpay` gave no success.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum WaitsendpayError {
    /// The part (or group) is still in flight after the timeout.
    TimedOut,
    /// No such part was ever sent.
    NeverAttempted {
        /// The payment hash.
        payment_hash: PaymentHash,
        /// The part asked for.
        partid: u64,
    },
    /// The part failed: its record and the stored routing failure.
    Failed {
        /// The failed part.
        part: Box<PartRecord>,
        /// Its routing failure.
        failure: Box<FailureRecord>,
    },
    /// The part failed with no failure recorded.
    Unknown,
}

impl fmt::Display for WaitsendpayError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WaitsendpayError::TimedOut => write!(f, "timed out while waiting"),
            WaitsendpayError::NeverAttempted { payment_hash, partid } => {
                write!(f, "never attempted payment part {partid} for {payment_hash}")
            }
            WaitsendpayError::Failed { part, failure } => {
                write!(f, "part {} of {} failed: ", part.key.partid, part.key.payment_hash)?;
                failure_cause(f, failure)
            }
            WaitsendpayError::Unknown => write!(f, "payment failure reason unknown"),
        }
    }
}

impl std::error::Error for WaitsendpayError {}

/// One part of a pay that gave up, as its error lists them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttemptSummary {
    /// The part id.
    pub partid: u64,
    /// Where the part stands.
    pub status: PartStatus,
    /// What the payee was to receive in it.
    pub amount_msat: Msat,
    /// The failure's message, if it failed.
    pub failreason: Option<String>,
}

/// Why `pay` (or `keysend`) did not pay.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum PayError {
    /// `maxfee` with `maxfeepercent` or `exemptfee`.
    MaxfeeConflict,
    /// A `layers` entry names no layer.
    UnknownLayer {
        /// The name given.
        layer: String,
    },
    /// `amount_msat` for an invoice that has an amount.
    AmountUnnecessary {
        /// The amount given.
        amount: Msat,
    },
    /// No `amount_msat` for an invoice without amount.
    AmountRequired,
    /// `partial_msat` above the amount.
    PartialAboveAmount {
        /// `partial_msat`.
        partial: Msat,
        /// The amount.
        amount: Msat,
    },
    /// `partial_msat` of zero.
    PartialZero,
    /// The invoice has a description hash and no description was given.
    DescriptionRequired,
    /// The description does not match the invoice's description hash.
    DescriptionMismatch {
        /// The description given.
        description: String,
    },
    /// The invoice expired.
    Expired {
        /// Now, seconds since the epoch.
        now: u64,
        /// The invoice's expiry, seconds since the epoch.
        expiry: u64,
    },
    /// `partial_msat` of an invoice to ourselves.
    PartialSelfPay,
    /// An invoice to ourselves: this machine keeps no invoices to settle it against.
    UnknownInvoice,
    /// The payee is in `exclude`.
    PayeeExcluded(NodeId),
    /// We are in `exclude`.
    PayerExcluded(NodeId),
    /// Parts of the payment are in flight outside any pay.
    InProgress {
        /// The group in flight.
        groupid: u64,
    },
    /// Keysend to our own node.
    KeysendToSelf,
    /// No route on the first attempt.
    NoRoute,
    /// The cheapest route costs more than the fee budget.
    TooExpensive {
        /// What the cheapest route costs.
        fee: Msat,
        /// The fee budget.
        max_fee: Msat,
        /// The amount routed.
        amount: Msat,
        /// The cheapest route's CLTV delay.
        delay: u32,
    },
    /// Parts failed and no route is left before the deadline.
    GaveUp {
        /// Parts started.
        attempts: u32,
        /// Every part of the pay's group.
        parts: Vec<AttemptSummary>,
    },
    /// No route is left (the pay is unknown).
    OutOfRoutes,
    /// The payee failed a part for good: its record and the routing failure.
    Failed {
        /// The failed part.
        part: Box<PartRecord>,
        /// Its routing failure.
        failure: Box<FailureRecord>,
    },
    /// No part succeeded and no failure is recorded.
    Unknown,
    /// Paying an offer: its invoice could not be fetched.
    Fetch(crate::offers::FetchinvoiceError),
    /// A BOLT 12 invoice that is not one to pay (not for a request of ours, expired, another
    /// chain, an amount other than the offer's).
    Invoice(crate::offers::InvoiceCheckError),
    /// Every blinded path of the BOLT 12 invoice starts at our own node, which this machine
    /// cannot forward from (it holds no node key).
    OwnPathsOnly,
}

impl PayError {
    /// For [`PayError::TooExpensive`]: the fee as a percentage of the amount.
    pub fn feepercent(fee: Msat, amount: Msat) -> f64 {
        fee.0 as f64 * 100.0 / amount.0.max(1) as f64
    }
}

impl fmt::Display for PayError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use PayError as E;
        match self {
            E::MaxfeeConflict => write!(f, "maxfee excludes maxfeepercent and exemptfee"),
            E::UnknownLayer { layer } => write!(f, "unknown layer {layer}"),
            E::AmountUnnecessary { amount } => {
                write!(f, "amount {}msat given for an invoice with an amount", amount.0)
            }
            E::AmountRequired => write!(f, "the invoice has no amount: amount_msat required"),
            E::PartialAboveAmount { partial, amount } => {
                write!(f, "partial amount {}msat above total amount {}msat", partial.0, amount.0)
            }
            E::PartialZero => write!(f, "partial amount of zero"),
            E::DescriptionRequired => {
                write!(f, "the invoice has a description hash: description required")
            }
            E::DescriptionMismatch { description } => {
                write!(f, "description {description:?} does not match the description hash")
            }
            E::Expired { now, expiry } => write!(f, "invoice expired at {expiry} (now {now})"),
            E::PartialSelfPay => write!(f, "partial amount not supported for self-payment"),
            E::UnknownInvoice => write!(f, "unknown invoice"),
            E::PayeeExcluded(n) => write!(f, "payee {n} is excluded"),
            E::PayerExcluded(n) => write!(f, "payer {n} is excluded"),
            E::InProgress { groupid } => write!(f, "group {groupid} still in progress"),
            E::KeysendToSelf => write!(f, "cannot keysend to ourselves"),
            E::NoRoute => write!(f, "could not find a route"),
            E::TooExpensive { fee, max_fee, .. } => {
                write!(f, "fee {}msat exceeds the fee budget {}msat", fee.0, max_fee.0)
            }
            E::GaveUp { attempts, .. } => {
                write!(f, "ran out of routes to try after {attempts} attempts")
            }
            E::OutOfRoutes => write!(f, "ran out of routes to try"),
            E::Failed { part, failure } => {
                write!(f, "the payee failed part {} for good: ", part.key.partid)?;
                failure_cause(f, failure)
            }
            E::Unknown => write!(f, "payment failure reason unknown"),
            E::Fetch(e) => write!(f, "could not fetch the offer's invoice: {e}"),
            E::Invoice(e) => write!(f, "{e}"),
            E::OwnPathsOnly => write!(f, "every blinded path of the invoice starts at our node"),
        }
    }
}

impl std::error::Error for PayError {}

/// Why `xpay` (or `xkeysend`) did not pay.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum XpayError {
    /// A `layers` entry names no layer.
    UnknownLayer {
        /// The name given.
        layer: String,
    },
    /// `amount_msat` for an invoice that has an amount.
    AmountUnnecessary {
        /// The amount given.
        amount: Msat,
    },
    /// No `amount_msat` for an invoice without amount.
    AmountRequired,
    /// `partial_msat` above the amount.
    PartialAboveAmount {
        /// `partial_msat`.
        partial: Msat,
        /// The amount.
        amount: Msat,
    },
    /// `partial_msat` of zero.
    PartialZero,
    /// `partial_msat` of an invoice to ourselves.
    PartialSelfPay,
    /// `payer_note` with a BOLT 11 invoice (a note goes in an offer's invoice request).
    PayerNoteWithoutOffer {
        /// The note given.
        note: String,
    },
    /// The invoice expired.
    Expired {
        /// Now, seconds since the epoch.
        now: u64,
        /// The invoice's expiry, seconds since the epoch.
        expiry: u64,
    },
    /// The invoice was already paid (its preimage is in `listpays`).
    AlreadyPaid {
        /// The payment hash.
        payment_hash: PaymentHash,
    },
    /// An invoice to ourselves: this machine keeps no invoices to settle it against.
    UnknownInvoice,
    /// Keysend to our own node.
    KeysendToSelf,
    /// Parts of the payment are in flight outside any pay (sent by `sendpay`).
    InProgress {
        /// The group in flight.
        groupid: u64,
    },
    /// No route reaches the payee with the amount (before any part was sent).
    NoRoute,
    /// Routes exist but the cheapest costs more than `maxfee`.
    TooExpensive {
        /// What the cheapest route found costs.
        fee: Msat,
        /// The fee budget left.
        max_fee: Msat,
        /// The amount routed.
        amount: Msat,
    },
    /// The payee failed a part for good: its record and the routing failure.
    DestinationFailed {
        /// The failed part.
        part: Box<PartRecord>,
        /// Its routing failure.
        failure: Box<FailureRecord>,
    },
    /// Parts failed and no route was left before the deadline.
    Failed {
        /// Parts started.
        attempts: u32,
        /// Every part of the payment's group.
        parts: Vec<AttemptSummary>,
    },
    /// No part succeeded and no failure is recorded.
    Unknown,
    /// Paying an offer: its invoice could not be fetched.
    Fetch(crate::offers::FetchinvoiceError),
    /// A BOLT 12 invoice that is not one to pay (see [`PayError::Invoice`]).
    Invoice(crate::offers::InvoiceCheckError),
    /// Every blinded path of the BOLT 12 invoice starts at our own node.
    OwnPathsOnly,
}

impl XpayError {
    /// How many parts failed (for [`XpayError::Failed`]; 0 otherwise).
    pub fn failed_parts(&self) -> u64 {
        match self {
            XpayError::Failed { parts, .. } => {
                parts.iter().filter(|p| p.status == PartStatus::Failed).count() as u64
            }
            _ => 0,
        }
    }
}

impl fmt::Display for XpayError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use XpayError as E;
        match self {
            E::UnknownLayer { layer } => write!(f, "unknown layer {layer}"),
            E::AmountUnnecessary { amount } => {
                write!(f, "amount {}msat given for an invoice with an amount", amount.0)
            }
            E::AmountRequired => write!(f, "the invoice has no amount: amount_msat required"),
            E::PartialAboveAmount { partial, amount } => {
                write!(f, "partial amount {}msat above total amount {}msat", partial.0, amount.0)
            }
            E::PartialZero => write!(f, "partial amount of zero"),
            E::PartialSelfPay => write!(f, "partial amount not supported for self-payment"),
            E::PayerNoteWithoutOffer { note } => {
                write!(f, "payer_note {note:?} needs an offer, not a bolt11 invoice")
            }
            E::Expired { now, expiry } => write!(f, "invoice expired at {expiry} (now {now})"),
            E::AlreadyPaid { payment_hash } => write!(f, "already paid {payment_hash}"),
            E::UnknownInvoice => write!(f, "unknown invoice"),
            E::KeysendToSelf => write!(f, "cannot keysend to ourselves"),
            E::InProgress { groupid } => write!(f, "group {groupid} still in progress"),
            E::NoRoute => write!(f, "could not find a route"),
            E::TooExpensive { fee, max_fee, .. } => write!(
                f,
                "the cheapest route costs {}msat in fees, more than maxfee {}msat",
                fee.0, max_fee.0
            ),
            E::DestinationFailed { part, failure } => {
                write!(f, "the payee failed part {} for good: ", part.key.partid)?;
                failure_cause(f, failure)
            }
            E::Failed { attempts, .. } => write!(f, "failed after {attempts} attempts"),
            E::Unknown => write!(f, "payment failure reason unknown"),
            E::Fetch(e) => write!(f, "could not fetch the offer's invoice: {e}"),
            E::Invoice(e) => write!(f, "{e}"),
            E::OwnPathsOnly => write!(f, "every blinded path of the invoice starts at our node"),
        }
    }
}

impl std::error::Error for XpayError {}

/// Why `listsendpays` or `listpays` refused its filters.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ListError {
    /// `start` or `limit` without `index`.
    StartOrLimitWithoutIndex,
}

impl fmt::Display for ListError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ListError::StartOrLimitWithoutIndex => write!(f, "start or limit needs an index"),
        }
    }
}

impl std::error::Error for ListError {}

/// Why `delpay` deleted nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum DelpayError {
    /// The status asked is `pending` (only `complete` or `failed` parts are deleted).
    PendingStatus,
    /// No part matches.
    UnknownPayment {
        /// The payment hash.
        payment_hash: PaymentHash,
    },
    /// A matching part has another status.
    StatusMismatch {
        /// The payment hash.
        payment_hash: PaymentHash,
        /// The part's status.
        status: PartStatus,
        /// The status asked.
        expected: PartStatus,
    },
}

impl fmt::Display for DelpayError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DelpayError::PendingStatus => write!(f, "status must be complete or failed"),
            DelpayError::UnknownPayment { payment_hash } => {
                write!(f, "unknown payment with payment hash {payment_hash}")
            }
            DelpayError::StatusMismatch { payment_hash, status, expected } => write!(
                f,
                "payment {payment_hash} has status {} but it should be {}",
                status.as_str(),
                expected.as_str()
            ),
        }
    }
}

impl std::error::Error for DelpayError {}

/// Why an `askrene-*` command failed.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum AskreneError {
    /// No layer of that name.
    UnknownLayer {
        /// The name.
        layer: String,
    },
    /// A non-persistent layer of that name exists already.
    LayerExists {
        /// The name.
        layer: String,
    },
    /// The automatic layers (`auto.*`) cannot be created, changed or removed.
    AutomaticLayer {
        /// The name.
        layer: String,
    },
    /// `askrene-create-channel` refused.
    CreateChannel(route::layer::CreateChannelError),
    /// A bias was refused.
    Bias(route::layer::BiasError),
    /// `askrene-remove-channel-update` refused.
    RemoveUpdate(route::layer::RemoveUpdateError),
    /// `askrene-unreserve` refused.
    Unreserve(route::layer::UnreserveError),
}

impl fmt::Display for AskreneError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AskreneError::UnknownLayer { layer } => write!(f, "unknown layer {layer}"),
            AskreneError::LayerExists { layer } => write!(f, "layer {layer} already exists"),
            AskreneError::AutomaticLayer { layer } => {
                write!(f, "layer {layer} is automatic and cannot be changed")
            }
            AskreneError::CreateChannel(e) => e.fmt(f),
            AskreneError::Bias(e) => e.fmt(f),
            AskreneError::RemoveUpdate(e) => e.fmt(f),
            AskreneError::Unreserve(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for AskreneError {}

/// Why `getroutes` found no routes.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum GetroutesError {
    /// No layer of that name.
    UnknownLayer {
        /// The name.
        layer: String,
    },
    /// `maxdelay` above 2016 blocks, or `final_cltv` above it.
    BadDelay {
        /// `maxdelay`.
        maxdelay: u32,
        /// `final_cltv`.
        final_cltv: u32,
    },
    /// The flow refused (no route, too expensive, unknown nodes, zero amount).
    Flow(route::flow::FlowError),
}

impl fmt::Display for GetroutesError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GetroutesError::UnknownLayer { layer } => write!(f, "unknown layer {layer}"),
            GetroutesError::BadDelay { maxdelay, final_cltv } => {
                write!(f, "final_cltv {final_cltv} and maxdelay {maxdelay} do not fit 2016 blocks")
            }
            GetroutesError::Flow(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for GetroutesError {}
