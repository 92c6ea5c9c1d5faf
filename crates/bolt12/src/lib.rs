//! BOLT 12 messages: offers (`lno1…`), invoice requests (`lnr1…`), invoices (`lni1…`) and
//! invoice errors, decoded with every reader requirement of the spec, verified (BIP-340
//! signatures over the TLV merkle tree), built and signed.
//!
//! Each message is read by `from_bytes` (its TLV stream) or `str::parse` (its bech32 string
//! form, [`string`]) into a verified value ([`Offer`], [`InvoiceRequest`], [`Invoice`],
//! [`InvoiceError`]) or a typed error of that message's module carrying the offending value.
//! The typed fields live in [`fields`] (one struct per range: [`OfferFields`],
//! [`InvreqFields`], [`InvoiceFields`]); a verified value keeps its records as read, so it
//! writes back byte for byte, unknown odd fields included. Blinded paths are the workspace's
//! one [`types::BlindedPath`].
//!
//! This crate does no I/O, reads no clock and draws no randomness: expiry checks take `now`,
//! builders take the keys and the metadata. It does not send onion messages, fetch invoices,
//! pay, or build the blinded paths it carries (that is `lnpay-onion`'s business).
//!
//! ```
//! use lnpay_bolt12::{Invoice, InvoiceFields, InvoiceRequest, InvreqFields, Offer, OfferFields};
//! use lnpay_bolt12::fields::BlindedPayInfo;
//! use secp256k1::{SecretKey, SECP256K1};
//! use types::{BlindedHop, BlindedPath, Features, IntroductionNode, Msat, PaymentHash};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! // The payee publishes an offer...
//! let payee = SecretKey::from_slice(&[0x41; 32])?;
//! let offer = Offer::new(&OfferFields {
//!     description: Some("coffee".into()),
//!     amount: Some(5_000),
//!     issuer_id: Some(payee.public_key(SECP256K1)),
//!     ..OfferFields::default()
//! })?;
//! let text = offer.to_string();
//! assert!(text.starts_with("lno1"));
//! let offer: Offer = text.parse()?;
//!
//! // ...the payer requests an invoice with a transient key...
//! let payer = SecretKey::from_slice(&[0x42; 32])?;
//! let request = InvoiceRequest::for_offer(
//!     &offer,
//!     &InvreqFields { metadata: Some(vec![7; 16]), amount: Some(Msat(5_000)), ..Default::default() },
//!     &payer,
//! )?;
//! let request: InvoiceRequest = request.to_string().parse()?;
//!
//! // ...and the payee answers with an invoice, which the payer checks against its request.
//! let path = BlindedPath {
//!     introduction_node: IntroductionNode::NodeId(payee.public_key(SECP256K1)),
//!     first_path_key: payer.public_key(SECP256K1),
//!     hops: vec![BlindedHop {
//!         blinded_node_id: payer.public_key(SECP256K1),
//!         encrypted_recipient_data: vec![0; 8],
//!     }],
//! };
//! let payinfo = BlindedPayInfo {
//!     fee_base_msat: 1,
//!     fee_proportional_millionths: 100,
//!     cltv_expiry_delta: 40,
//!     htlc_minimum_msat: Msat(1),
//!     htlc_maximum_msat: Msat(1_000_000),
//!     features: Features::new(),
//! };
//! let invoice = Invoice::respond(
//!     &request,
//!     &InvoiceFields {
//!         paths: Some(vec![path]),
//!         blindedpay: Some(vec![payinfo]),
//!         created_at: Some(1_700_000_000),
//!         payment_hash: Some(PaymentHash([1; 32])),
//!         amount: Some(Msat(5_000)),
//!         ..Default::default()
//!     },
//!     &payee,
//! )?;
//! let invoice: Invoice = invoice.to_string().parse()?;
//! invoice.check_response(&request)?;
//! assert_eq!(invoice.amount(), Msat(5_000));
//! assert!(invoice.is_expired(1_700_000_000 + 7201));
//! # Ok(())
//! # }
//! ```
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]
#![warn(missing_docs)]

pub mod fields;
pub mod invoice;
pub mod invoice_error;
pub mod invoice_request;
pub mod merkle;
pub mod offer;
mod signed;
pub mod string;

/// Chains are named by their genesis hash, the `bitcoin` crate's `ChainHash`.
pub use bitcoin::constants::ChainHash;
pub use fields::{BadField, FieldError, InvoiceFields, InvreqFields, OfferFields};
pub use invoice::{Invoice, ResponseError};
pub use invoice_error::InvoiceError;
pub use invoice_request::InvoiceRequest;
pub use offer::Offer;
/// The secp256k1 crate this one signs and verifies with (keys in its API are its types).
pub use secp256k1;
pub use string::StringError;
