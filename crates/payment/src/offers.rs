//! BOLT 12 on the payer side: checking an invoice received for our invoice request, and
//! turning it into the [`BlindedPayRequest`] the pay engine takes.
//!
//! Decoding an invoice (`lni1…` or the bytes of an onion message) already verified its
//! signature and every reader rule of the spec (`lnpay-bolt12`); [`check_invoice`] adds
//! what only the payer knows: that it answers the request we sent (fields copied exactly,
//! the right signer, the amount we asked or the offer's amount times the quantity), on our
//! chain, not expired at `now`, with a path we can use.

use crate::requests::{BlindedPayPath, BlindedPayRequest, PayOptions};
use bolt11::Currency;
use bolt12::{ChainHash, Invoice, InvoiceRequest, ResponseError};
use std::fmt;
use types::{Msat, NodeId};

/// The BOLT 12 chain of a BOLT 11 currency (the machine's [`crate::Config::currency`]).
pub fn chain_of(currency: Currency) -> ChainHash {
    match currency {
        Currency::Bitcoin => ChainHash::BITCOIN,
        Currency::Testnet => ChainHash::TESTNET3,
        Currency::Signet => ChainHash::SIGNET,
        Currency::Regtest => ChainHash::REGTEST,
    }
}

/// Why an invoice is not one to pay for our request.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum InvoiceCheckError {
    /// It does not answer the request (see [`Invoice::check_response`]).
    Response(ResponseError),
    /// Its amount is not what the offer asks for the quantity requested.
    AmountNotOffer {
        /// `invoice_amount`.
        amount: Msat,
        /// `offer_amount` times the quantity (1 without `invreq_quantity`).
        expected: Msat,
    },
    /// It is for another chain.
    WrongChain {
        /// Its chain.
        chain: ChainHash,
    },
    /// It expired.
    Expired {
        /// Now, seconds since the epoch.
        now: u64,
        /// When it expired.
        expiry: u64,
    },
    /// None of its blinded paths may be used (each requires a feature we do not know).
    NoUsablePath,
    /// It does not answer an invoice request of ours: its `invreq_payer_id` is not the key
    /// our seed derives from its `invreq_metadata`.
    NotOurRequest,
}

impl fmt::Display for InvoiceCheckError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InvoiceCheckError::Response(e) => write!(f, "invoice does not answer the request: {e}"),
            InvoiceCheckError::AmountNotOffer { amount, expected } => {
                write!(f, "invoice amount {amount} is not the offer's {expected}")
            }
            InvoiceCheckError::WrongChain { chain } => write!(f, "invoice is for chain {chain}"),
            InvoiceCheckError::Expired { now, expiry } => {
                write!(f, "invoice expired at {expiry} (now {now})")
            }
            InvoiceCheckError::NoUsablePath => write!(f, "invoice has no usable blinded path"),
            InvoiceCheckError::NotOurRequest => {
                write!(f, "invoice does not answer an invoice request of ours")
            }
        }
    }
}

impl std::error::Error for InvoiceCheckError {}

/// When `invoice` expires, seconds since the epoch.
pub fn expires_at(invoice: &Invoice) -> u64 {
    invoice.created_at().saturating_add(invoice.relative_expiry())
}

/// Checks `invoice` against the `request` we sent, on `chain`, at `now` (seconds).
pub fn check_invoice(
    invoice: &Invoice,
    request: &InvoiceRequest,
    chain: ChainHash,
    now: u64,
) -> Result<(), InvoiceCheckError> {
    invoice.check_response(request).map_err(InvoiceCheckError::Response)?;
    check_invoice_terms(invoice, chain, now)
}

/// What [`check_invoice`] checks besides the request: the amount against the offer (when
/// the request named none), the chain, the expiry at `now` (seconds) and a usable path. The
/// request's fields are read from the invoice (which copies them), so this also checks an
/// invoice given as text (`lni1…`) once its payer id is known to be ours.
pub fn check_invoice_terms(
    invoice: &Invoice,
    chain: ChainHash,
    now: u64,
) -> Result<(), InvoiceCheckError> {
    if invoice.invreq_fields().amount.is_none() {
        // Without a currency the offer's amount is in msat; with one, any amount the payee
        // converted is accepted (the request carried none to hold it to).
        let offer = invoice.offer_fields();
        if let (Some(per_item), None) = (offer.amount, &offer.currency) {
            let quantity = invoice.invreq_fields().quantity.unwrap_or(1);
            let expected = Msat(per_item.saturating_mul(quantity));
            if invoice.amount() != expected {
                return Err(InvoiceCheckError::AmountNotOffer {
                    amount: invoice.amount(),
                    expected,
                });
            }
        }
    }
    if invoice.chain() != chain {
        return Err(InvoiceCheckError::WrongChain { chain: invoice.chain() });
    }
    if invoice.is_expired(now) {
        return Err(InvoiceCheckError::Expired { now, expiry: expires_at(invoice) });
    }
    if invoice.usable_paths().next().is_none() {
        return Err(InvoiceCheckError::NoUsablePath);
    }
    Ok(())
}

impl BlindedPayRequest {
    /// A pay of a checked `invoice` (whose text is `text`) through its usable paths.
    pub fn from_invoice(
        invoice: &Invoice,
        text: impl Into<String>,
        options: PayOptions,
    ) -> BlindedPayRequest {
        let paths = invoice
            .usable_paths()
            .map(|(path, info)| BlindedPayPath {
                path: path.clone(),
                fee_base_msat: info.fee_base_msat,
                fee_proportional_millionths: info.fee_proportional_millionths,
                cltv_expiry_delta: info.cltv_expiry_delta,
                htlc_minimum_msat: info.htlc_minimum_msat,
                htlc_maximum_msat: info.htlc_maximum_msat,
            })
            .collect();
        BlindedPayRequest {
            payment_hash: *invoice.payment_hash(),
            amount_msat: invoice.amount(),
            payee: NodeId::from_pubkey(invoice.node_id()),
            expires_at: expires_at(invoice),
            paths,
            mpp: invoice.allows_mpp(),
            invoice: text.into(),
            options,
        }
    }
}

/// Why `fetchinvoice` gave no invoice.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum FetchinvoiceError {
    /// The offer expired.
    OfferExpired {
        /// Now, seconds since the epoch.
        now: u64,
        /// `offer_absolute_expiry`.
        expiry: u64,
    },
    /// The offer is not for our chain.
    WrongChain {
        /// Our chain.
        chain: ChainHash,
    },
    /// The offer has no amount and none was given.
    AmountRequired,
    /// The offer has `quantity_max` and no quantity was given.
    QuantityRequired,
    /// A quantity for an offer without `quantity_max`.
    QuantityNotAllowed {
        /// The quantity given.
        quantity: u64,
    },
    /// A quantity above the offer's `quantity_max` (or zero).
    QuantityOutOfRange {
        /// The quantity given.
        quantity: u64,
        /// `offer_quantity_max` (0: unlimited).
        max: u64,
    },
    /// The invoice request could not be built (its value: bolt12's reason).
    Request(bolt12::invoice_request::DecodeError),
    /// We have no channel: no peer to send through nor to reply through.
    NoPeer,
    /// No onion-message route reaches the offer's introduction node or issuer.
    NoPath {
        /// The node.
        node: NodeId,
    },
    /// The offer names neither paths nor an issuer.
    NoDestination,
    /// Every path of the offer starts at our own node and it names no issuer: this machine
    /// holds no node key, so it cannot peel its own layer of such a path.
    OwnPathsOnly,
    /// The onion message could not be built.
    Message(onion::message::BuildMessageError),
    /// No answer before the timeout.
    Timeout {
        /// The timeout, seconds.
        seconds: u32,
    },
    /// The issuer answered with an `invoice_error`.
    Remote(bolt12::InvoiceError),
    /// The answer is not a valid invoice.
    BadInvoice(bolt12::invoice::DecodeError),
    /// The invoice does not pass [`check_invoice`].
    Check(InvoiceCheckError),
}

impl fmt::Display for FetchinvoiceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FetchinvoiceError::OfferExpired { now, expiry } => {
                write!(f, "offer expired at {expiry} (now {now})")
            }
            FetchinvoiceError::WrongChain { chain } => write!(f, "offer is not for chain {chain}"),
            FetchinvoiceError::AmountRequired => {
                write!(f, "offer has no amount: amount_msat required")
            }
            FetchinvoiceError::QuantityRequired => {
                write!(f, "offer has quantity_max: quantity required")
            }
            FetchinvoiceError::QuantityNotAllowed { quantity } => {
                write!(f, "quantity {quantity} given for an offer without quantity_max")
            }
            FetchinvoiceError::QuantityOutOfRange { quantity, max } => {
                write!(f, "quantity {quantity} is out of range (quantity_max {max})")
            }
            FetchinvoiceError::Request(e) => write!(f, "cannot build the invoice request: {e}"),
            FetchinvoiceError::NoPeer => write!(f, "no peer to send the invoice request through"),
            FetchinvoiceError::NoPath { node } => write!(f, "no onion message route to {node}"),
            FetchinvoiceError::NoDestination => write!(f, "offer has neither paths nor issuer"),
            FetchinvoiceError::OwnPathsOnly => {
                write!(f, "every path of the offer starts at our node and it names no issuer")
            }
            FetchinvoiceError::Message(e) => write!(f, "cannot build the onion message: {e}"),
            FetchinvoiceError::Timeout { seconds } => {
                write!(f, "timeout waiting for response after {seconds} seconds")
            }
            FetchinvoiceError::Remote(e) => write!(f, "remote invoice_error: {}", e.error),
            FetchinvoiceError::BadInvoice(e) => write!(f, "invalid invoice in reply: {e}"),
            FetchinvoiceError::Check(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for FetchinvoiceError {}
