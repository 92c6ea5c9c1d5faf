//! BOLT 11 invoices: decode, verify, encode and sign the payment requests every payment
//! starts from.
//!
//! A string becomes a [`RawInvoice`] by [`RawInvoice::parse`] (bech32, human-readable part,
//! field framing: syntax only, [`ParseError`]); a `RawInvoice` becomes an [`Invoice`] only by
//! [`RawInvoice::verify`], which reads every field, applies the reader requirements of BOLT 11
//! and checks the signature (against `n`, or by recovering the payee), failing with a
//! [`VerifyError`]. [`Invoice::decode`] does both and checks the chain ([`DecodeError`]).
//! [`InvoiceBuilder`] writes and signs invoices, for tests and simulated receivers.
//!
//! This crate does no I/O, reads no clock and draws no randomness: expiry checks take `now`,
//! the builder takes the timestamp and the key. It does not pay, route or store invoices, and
//! it knows nothing of BOLT 12 offers.
//!
//! ```
//! use lnpay_bolt11::{Currency, Description, Invoice, InvoiceBuilder};
//! use secp256k1::{PublicKey, Secp256k1, SecretKey};
//! use types::{Msat, PaymentHash, PaymentSecret};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! // A receiver writes an invoice (the time and the key are arguments)...
//! let key = SecretKey::from_slice(&[7; 32])?;
//! let text = InvoiceBuilder::new(Currency::Bitcoin, 1_496_314_658)
//!     .amount(Msat(250_000_000))
//!     .payment_secret(PaymentSecret([0x11; 32]))
//!     .payment_hash(PaymentHash([1; 32]))
//!     .description("1 cup coffee")
//!     .expiry(60)
//!     .build_signed(&key)?
//!     .to_string();
//! assert!(text.starts_with("lnbc2500u1"));
//!
//! // ...and a payer reads it: fields checked, payee recovered from the signature.
//! let invoice = Invoice::decode(&text, Currency::Bitcoin)?;
//! assert_eq!(invoice.amount(), Some(Msat(250_000_000)));
//! assert_eq!(invoice.description(), &Description::Direct("1 cup coffee".into()));
//! assert!(invoice.is_expired(invoice.timestamp() + 61));
//! assert_eq!(invoice.payee_pubkey(), &PublicKey::from_secret_key(&Secp256k1::new(), &key));
//! assert!(Invoice::decode(&text, Currency::Testnet).is_err());
//! # Ok(())
//! # }
//! ```
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]
#![warn(missing_docs)]

use core::fmt;

pub mod builder;
mod fives;
pub mod invoice;
pub mod raw;

pub use builder::{BuildError, InvoiceBuilder};
pub use invoice::{
    DecodeError, Description, DescriptionMismatch, Fallback, Invoice, RouteHint, VerifyError,
    DEFAULT_EXPIRY, DEFAULT_MIN_FINAL_CLTV_EXPIRY_DELTA,
};
pub use raw::{Amount, Multiplier, ParseError, RawField, RawInvoice};
/// The secp256k1 crate this one signs and verifies with (keys in its API are its types).
pub use secp256k1;
/// The route hint hop of the `r` field is the workspace's one route-hint type.
pub use types::RouteHintHop;

use types::features::Feature;

/// The feature bits this reader knows in an invoice (BOLT 9, context `9`): an even bit of any
/// other feature fails the invoice.
pub const INVOICE_FEATURES: &[Feature] = &[
    Feature::VAR_ONION_OPTIN,
    Feature::PAYMENT_SECRET,
    Feature::BASIC_MPP,
    Feature::PAYMENT_METADATA,
];

/// The tagged field types (5-bit values).
pub mod tag {
    /// `p`: payment hash.
    pub const P: u8 = 1;
    /// `s`: payment secret.
    pub const S: u8 = 16;
    /// `d`: description.
    pub const D: u8 = 13;
    /// `m`: payment metadata.
    pub const M: u8 = 27;
    /// `n`: payee node id.
    pub const N: u8 = 19;
    /// `h`: description hash.
    pub const H: u8 = 23;
    /// `x`: expiry.
    pub const X: u8 = 6;
    /// `c`: min_final_cltv_expiry_delta.
    pub const C: u8 = 24;
    /// `f`: fallback address.
    pub const F: u8 = 9;
    /// `r`: route hint.
    pub const R: u8 = 3;
    /// `9`: features.
    pub const FEATURES: u8 = 5;
    /// Every type this reader knows.
    pub const KNOWN: &[u8] = &[P, S, D, M, N, H, X, C, F, R, FEATURES];
}

/// The chain an invoice is for, named by the currency prefix of its human-readable part.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Currency {
    /// `bc`: Bitcoin mainnet.
    Bitcoin,
    /// `tb`: testnet.
    Testnet,
    /// `tbs`: signet.
    Signet,
    /// `bcrt`: regtest.
    Regtest,
}

impl Currency {
    /// The prefix after `ln` (`bc`, `tb`, `tbs`, `bcrt`): Core Lightning's `currency`.
    pub const fn prefix(self) -> &'static str {
        match self {
            Currency::Bitcoin => "bc",
            Currency::Testnet => "tb",
            Currency::Signet => "tbs",
            Currency::Regtest => "bcrt",
        }
    }

    /// The chain, for addresses.
    pub const fn network(self) -> bitcoin::Network {
        match self {
            Currency::Bitcoin => bitcoin::Network::Bitcoin,
            Currency::Testnet => bitcoin::Network::Testnet,
            Currency::Signet => bitcoin::Network::Signet,
            Currency::Regtest => bitcoin::Network::Regtest,
        }
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.prefix())
    }
}
