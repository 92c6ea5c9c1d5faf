//! Writing and signing invoices: [`InvoiceBuilder`].
//!
//! The builder writes fields in the order its methods are called (the spec puts no order on
//! fields, and the signature covers the order), so any invoice can be written again byte for
//! byte. It reads no clock and draws no randomness: the timestamp and the signing key are
//! arguments, and signatures are deterministic (RFC 6979).

use core::fmt;

use secp256k1::{Message, PublicKey, SecretKey, SECP256K1};
use types::{Features, Msat, PaymentHash, PaymentSecret};

use crate::invoice::{Fallback, RouteHint, VerifyError};
use crate::raw::{Amount, RawInvoice, MAX_FIELD_LEN, MAX_TIMESTAMP, TIMESTAMP_LEN};
use crate::{fives, tag, Currency, Invoice};

/// Why an invoice could not be built.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum BuildError {
    /// The timestamp does not fit 35 bits.
    TimestampTooLarge {
        /// The timestamp.
        timestamp: u64,
    },
    /// The amount is zero or too large to write.
    InvalidAmount {
        /// The amount.
        amount: Msat,
    },
    /// A field's data is longer than 1023 groups of 5 bits (639 bytes).
    FieldTooLong {
        /// The field's letter.
        field: char,
        /// Its length in 5-bit groups.
        len: usize,
    },
    /// The written invoice does not verify (a required field is missing, ...).
    Invalid(VerifyError),
}

impl fmt::Display for BuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BuildError::TimestampTooLarge { timestamp } => {
                write!(f, "timestamp {timestamp} does not fit 35 bits")
            }
            BuildError::InvalidAmount { amount } => write!(f, "amount {amount} cannot be written"),
            BuildError::FieldTooLong { field, len } => {
                write!(f, "'{field}' field of {len} groups exceeds {MAX_FIELD_LEN}")
            }
            BuildError::Invalid(e) => write!(f, "built invoice is invalid: {e}"),
        }
    }
}

impl std::error::Error for BuildError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            BuildError::Invalid(e) => Some(e),
            _ => None,
        }
    }
}

/// Writes an invoice field by field, then signs it: see the [module documentation](self).
///
/// ```
/// use lnpay_bolt11::{Currency, InvoiceBuilder};
/// use types::{Msat, PaymentHash, PaymentSecret};
/// use secp256k1::SecretKey;
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let key = SecretKey::from_slice(&[0x42; 32])?;
/// let invoice = InvoiceBuilder::new(Currency::Regtest, 1_700_000_000)
///     .amount(Msat(250_000))
///     .payment_secret(PaymentSecret([1; 32]))
///     .payment_hash(PaymentHash([2; 32]))
///     .description("coffee")
///     .min_final_cltv_expiry_delta(40)
///     .build_signed(&key)?;
/// assert!(invoice.to_string().starts_with("lnbcrt2500n1"));
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Debug)]
pub struct InvoiceBuilder {
    currency: Currency,
    timestamp: u64,
    amount: Option<Msat>,
    fields: Vec<u8>,
    error: Option<BuildError>,
}

impl InvoiceBuilder {
    /// An invoice on `currency`'s chain created at `timestamp` (seconds since 1970).
    pub fn new(currency: Currency, timestamp: u64) -> InvoiceBuilder {
        InvoiceBuilder {
            currency,
            timestamp,
            amount: None,
            fields: Vec::with_capacity(256),
            error: None,
        }
    }

    /// The amount asked for (written in the shortest form).
    pub fn amount(mut self, amount: Msat) -> InvoiceBuilder {
        self.amount = Some(amount);
        self
    }

    /// Appends a field of type `tag` (a 5-bit value) with `data` in 5-bit groups, as given:
    /// for unknown fields, or fields a test wants malformed.
    pub fn raw_field(mut self, tag: u8, data: &[u8]) -> InvoiceBuilder {
        if data.len() > MAX_FIELD_LEN {
            self.error.get_or_insert(BuildError::FieldTooLong {
                field: fives::to_char(tag),
                len: data.len(),
            });
            return self;
        }
        self.fields.push(tag & 31);
        self.fields.push((data.len() >> 5) as u8);
        self.fields.push((data.len() & 31) as u8);
        self.fields.extend(data.iter().map(|v| v & 31));
        self
    }

    fn bytes_field(self, tag: u8, bytes: &[u8]) -> InvoiceBuilder {
        let mut data = Vec::with_capacity((bytes.len() * 8).div_ceil(5));
        fives::push_bytes(bytes, &mut data);
        self.raw_field(tag, &data)
    }

    fn int_field(self, tag: u8, v: u64) -> InvoiceBuilder {
        let mut data = Vec::with_capacity(13);
        fives::push_u64(v, &mut data);
        self.raw_field(tag, &data)
    }

    /// Appends the payment hash (`p`).
    pub fn payment_hash(self, hash: PaymentHash) -> InvoiceBuilder {
        self.bytes_field(tag::P, &hash.0)
    }

    /// Appends the payment secret (`s`).
    pub fn payment_secret(self, secret: PaymentSecret) -> InvoiceBuilder {
        self.bytes_field(tag::S, &secret.0)
    }

    /// Appends a description (`d`).
    pub fn description(self, description: &str) -> InvoiceBuilder {
        self.bytes_field(tag::D, description.as_bytes())
    }

    /// Appends a description hash (`h`).
    pub fn description_hash(self, hash: [u8; 32]) -> InvoiceBuilder {
        self.bytes_field(tag::H, &hash)
    }

    /// Appends the payee (`n`): it must be the signing key's public key.
    pub fn payee(self, payee: &PublicKey) -> InvoiceBuilder {
        self.bytes_field(tag::N, &payee.serialize())
    }

    /// Appends an expiry in seconds (`x`).
    pub fn expiry(self, seconds: u64) -> InvoiceBuilder {
        self.int_field(tag::X, seconds)
    }

    /// Appends the `min_final_cltv_expiry_delta` (`c`).
    pub fn min_final_cltv_expiry_delta(self, delta: u64) -> InvoiceBuilder {
        self.int_field(tag::C, delta)
    }

    /// Appends a fallback address (`f`).
    pub fn fallback(self, fallback: &Fallback) -> InvoiceBuilder {
        let mut data = vec![fallback.version()];
        fives::push_bytes(fallback.payload(), &mut data);
        self.raw_field(tag::F, &data)
    }

    /// Appends a route hint (`r`).
    pub fn route_hint(self, hint: &RouteHint) -> InvoiceBuilder {
        let mut bytes = Vec::with_capacity(hint.0.len() * crate::invoice::HOP_LEN);
        for hop in &hint.0 {
            bytes.extend_from_slice(&crate::invoice::hint_hop_to_bytes(hop));
        }
        self.bytes_field(tag::R, &bytes)
    }

    /// Appends the features (`9`), in the fewest groups; nothing when no bit is set, as the
    /// spec asks.
    pub fn features(self, features: &Features) -> InvoiceBuilder {
        let Some(top) = features.bits().last() else { return self };
        let n = top / 5 + 1;
        let mut data = vec![0u8; n];
        for bit in features.bits() {
            if let Some(g) = data.get_mut(n - 1 - bit / 5) {
                *g |= 1 << (bit % 5);
            }
        }
        self.raw_field(tag::FEATURES, &data)
    }

    /// Appends payment metadata (`m`).
    pub fn payment_metadata(self, metadata: &[u8]) -> InvoiceBuilder {
        self.bytes_field(tag::M, metadata)
    }

    /// Writes the invoice unsigned (signature zero), checking only what a writer must.
    fn unsigned(self) -> Result<RawInvoice, BuildError> {
        if let Some(e) = self.error {
            return Err(e);
        }
        if self.timestamp > MAX_TIMESTAMP {
            return Err(BuildError::TimestampTooLarge { timestamp: self.timestamp });
        }
        let amount = match self.amount {
            None => None,
            Some(msat) => Some(
                Amount::from_msat(msat.msat()).ok_or(BuildError::InvalidAmount { amount: msat })?,
            ),
        };
        let mut data = Vec::with_capacity(TIMESTAMP_LEN + self.fields.len());
        for i in (0..TIMESTAMP_LEN).rev() {
            data.push(((self.timestamp >> (5 * i)) & 31) as u8);
        }
        data.extend_from_slice(&self.fields);
        Ok(RawInvoice { currency: self.currency, amount, data, signature: [0; 64], recovery_id: 0 })
    }

    /// Signs with `key` (RFC 6979, low-S) and verifies the result.
    pub fn build_signed(self, key: &SecretKey) -> Result<Invoice, BuildError> {
        let mut raw = self.unsigned()?;
        let msg = Message::from_digest(raw.signing_hash());
        let (id, rs) = SECP256K1.sign_ecdsa_recoverable(&msg, key).serialize_compact();
        raw.signature = rs;
        raw.recovery_id = u8::try_from(id.to_i32()).unwrap_or(0);
        raw.verify().map_err(BuildError::Invalid)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use secp256k1::Secp256k1;

    fn key(b: u8) -> SecretKey {
        SecretKey::from_slice(&[b; 32]).unwrap_or_else(|e| panic!("{e}"))
    }

    fn base() -> InvoiceBuilder {
        InvoiceBuilder::new(Currency::Regtest, 1_700_000_000)
            .payment_hash(PaymentHash([1; 32]))
            .payment_secret(PaymentSecret([2; 32]))
    }

    fn verify_error(b: InvoiceBuilder) -> VerifyError {
        match b.build_signed(&key(7)) {
            Err(BuildError::Invalid(e)) => e,
            other => panic!("expected a verify error, got {other:?}"),
        }
    }

    #[test]
    fn writer_errors() {
        let b = InvoiceBuilder::new(Currency::Bitcoin, 1 << 35).description("x");
        assert_eq!(
            b.build_signed(&key(7)).err(),
            Some(BuildError::TimestampTooLarge { timestamp: 1 << 35 })
        );
        let long = "a".repeat(640);
        assert_eq!(
            base().description(&long).build_signed(&key(7)).err(),
            Some(BuildError::FieldTooLong { field: 'd', len: 1024 })
        );
        assert_eq!(
            base().description("x").amount(Msat(0)).build_signed(&key(7)).err(),
            Some(BuildError::InvalidAmount { amount: Msat(0) })
        );
    }

    #[test]
    fn reader_errors() {
        let no_hash = InvoiceBuilder::new(Currency::Regtest, 1)
            .payment_secret(PaymentSecret([2; 32]))
            .description("x");
        assert_eq!(verify_error(no_hash), VerifyError::MissingPaymentHash);
        assert_eq!(
            verify_error(base().description("x").payment_hash(PaymentHash([3; 32]))),
            VerifyError::DuplicatePaymentHash
        );
        assert_eq!(
            verify_error(base().description("x").payment_secret(PaymentSecret([3; 32]))),
            VerifyError::DuplicatePaymentSecret
        );
        assert_eq!(verify_error(base()), VerifyError::MissingDescription);
        assert_eq!(
            verify_error(base().description("x").description_hash([0; 32])),
            VerifyError::MultipleDescriptions { d: 1, h: 1 }
        );
        assert_eq!(
            verify_error(base().description("x").raw_field(tag::X, &[0, 1])),
            VerifyError::NonMinimalField { field: 'x' }
        );
        assert_eq!(
            verify_error(base().description("x").raw_field(tag::C, &[1; 14])),
            VerifyError::FieldOverflow { field: 'c' }
        );
        let mut f = Features::new();
        f.set(14);
        f.set(20);
        assert_eq!(
            verify_error(base().description("x").features(&f)),
            VerifyError::UnknownRequiredFeature { bit: 20 }
        );
        assert_eq!(
            verify_error(base().description("x").raw_field(tag::F, &[17, 0, 0])),
            VerifyError::InvalidFallback { version: 17, len: 1 }
        );
        assert_eq!(
            verify_error(base().description("x").raw_field(tag::R, &[0; 10])),
            VerifyError::InvalidRouteHint { len: 6 }
        );
        let bad_utf8 = base().raw_field(tag::D, &[31, 31]);
        assert_eq!(verify_error(bad_utf8), VerifyError::DescriptionNotUtf8 { bytes: vec![0xff] });
        let other = PublicKey::from_secret_key(&Secp256k1::signing_only(), &key(8));
        assert_eq!(
            verify_error(base().description("x").payee(&other)),
            VerifyError::SignatureMismatch { payee: types::NodeId::from_pubkey(&other) }
        );
    }

    #[test]
    fn payee_field_and_defaults() -> Result<(), BuildError> {
        let me = PublicKey::from_secret_key(&Secp256k1::signing_only(), &key(7));
        let inv = base().description("x").payee(&me).build_signed(&key(7))?;
        assert!(inv.payee_in_invoice());
        assert_eq!(inv.payee_pubkey(), &me);
        assert_eq!(inv.expiry(), crate::DEFAULT_EXPIRY);
        assert_eq!(inv.min_final_cltv_expiry_delta(), crate::DEFAULT_MIN_FINAL_CLTV_EXPIRY_DELTA);
        assert_eq!(inv.amount(), None);
        assert!(inv.features().is_empty());
        let zero_expiry = base().description("x").expiry(0).build_signed(&key(7))?;
        assert_eq!(zero_expiry.expiry(), 0);
        assert!(zero_expiry.is_expired(1_700_000_001));
        Ok(())
    }
}
