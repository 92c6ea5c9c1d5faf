//! Offers (`lno1…`): what a payee publishes, and what an invoice request answers.

use core::fmt;
use core::str::FromStr;

use bitcoin::constants::ChainHash;
use types::tlv::{TlvError, TlvStream};

use crate::fields::{offer_type, unknown_even_bits, BadField, OfferFields};
use crate::string::{self, StringError};

/// The string prefix of offers.
pub const PREFIX: &str = "lno";

/// The offer feature bits this reader knows: none yet (an even bit fails the offer).
pub const KNOWN_FEATURES: &[usize] = &[];

/// Whether `typ` is in an offer's allowed ranges (1 to 79, 1000000000 to 1999999999).
pub fn in_range(typ: u64) -> bool {
    (1..=79).contains(&typ) || (1_000_000_000..=1_999_999_999).contains(&typ)
}

/// A verified offer: every field read, every reader requirement of BOLT 12 that does not
/// depend on the reader's time or chain met. The TLV records are kept as read, so the offer
/// writes back byte for byte (unknown odd fields included).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Offer {
    fields: OfferFields,
    records: TlvStream,
}

/// Why an offer was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum DecodeError {
    /// The string form is malformed.
    String(StringError),
    /// The TLV stream is malformed (framing, order, an unknown even type).
    Tlv(TlvError),
    /// A field outside 1 to 79 and 1000000000 to 1999999999.
    OutOfRange {
        /// The type.
        typ: u64,
    },
    /// A field's value is not of its type's form.
    Field(BadField),
    /// `offer_features` has even bits this reader does not know.
    UnknownRequiredFeatures {
        /// The bits.
        bits: Vec<usize>,
    },
    /// `offer_amount` is set without `offer_description`.
    AmountWithoutDescription {
        /// The amount.
        amount: u64,
    },
    /// `offer_amount` is zero.
    ZeroAmount,
    /// `offer_currency` is set without `offer_amount`.
    CurrencyWithoutAmount {
        /// The currency.
        currency: String,
    },
    /// Neither `offer_issuer_id` nor `offer_paths` is set.
    NoIssuerIdNorPaths,
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DecodeError::String(e) => write!(f, "bad offer string: {e}"),
            DecodeError::Tlv(e) => write!(f, "bad offer tlv stream: {e}"),
            DecodeError::OutOfRange { typ } => write!(f, "offer field type {typ} out of range"),
            DecodeError::Field(e) => write!(f, "bad offer field: {e}"),
            DecodeError::UnknownRequiredFeatures { bits } => {
                write!(f, "offer requires unknown features {bits:?}")
            }
            DecodeError::AmountWithoutDescription { amount } => {
                write!(f, "offer_amount {amount} without offer_description")
            }
            DecodeError::ZeroAmount => write!(f, "offer_amount is zero"),
            DecodeError::CurrencyWithoutAmount { currency } => {
                write!(f, "offer_currency {currency} without offer_amount")
            }
            DecodeError::NoIssuerIdNorPaths => {
                write!(f, "offer has neither offer_issuer_id nor offer_paths")
            }
        }
    }
}
impl std::error::Error for DecodeError {}

/// Checks the rules an offer's fields obey, wherever they appear (an offer, or the offer part
/// of an invoice request answering one).
pub(crate) fn check_offer_fields(f: &OfferFields) -> Result<(), DecodeError> {
    if let Some(features) = &f.features {
        let bits = unknown_even_bits(features, KNOWN_FEATURES);
        if !bits.is_empty() {
            return Err(DecodeError::UnknownRequiredFeatures { bits });
        }
    }
    if let Some(amount) = f.amount {
        if amount == 0 {
            return Err(DecodeError::ZeroAmount);
        }
        if f.description.is_none() {
            return Err(DecodeError::AmountWithoutDescription { amount });
        }
    }
    if let (Some(currency), None) = (&f.currency, f.amount) {
        return Err(DecodeError::CurrencyWithoutAmount { currency: currency.clone() });
    }
    Ok(())
}

impl Offer {
    /// Reads and checks an offer's TLV bytes.
    pub fn from_bytes(bytes: &[u8]) -> Result<Offer, DecodeError> {
        let records = TlvStream::decode(bytes, &|t| offer_type::ALL.contains(&t))
            .map_err(DecodeError::Tlv)?;
        Offer::from_stream(records)
    }

    /// Checks an offer's records (the builder's entry point: fill [`OfferFields`], write them
    /// into a stream with any extra odd records, and check the result here).
    pub fn from_stream(records: TlvStream) -> Result<Offer, DecodeError> {
        if let Some(r) = records.records.iter().find(|r| !in_range(r.typ)) {
            return Err(DecodeError::OutOfRange { typ: r.typ });
        }
        if let Some(r) =
            records.records.iter().find(|r| r.typ % 2 == 0 && !offer_type::ALL.contains(&r.typ))
        {
            return Err(DecodeError::Tlv(TlvError::UnknownEvenType { typ: r.typ }));
        }
        let fields = OfferFields::read(&records).map_err(DecodeError::Field)?;
        check_offer_fields(&fields)?;
        if fields.issuer_id.is_none() && fields.paths.is_none() {
            return Err(DecodeError::NoIssuerIdNorPaths);
        }
        Ok(Offer { fields, records })
    }

    /// Builds an offer from its fields.
    pub fn new(fields: &OfferFields) -> Result<Offer, DecodeError> {
        let mut records = TlvStream::default();
        fields.write(&mut records);
        Offer::from_stream(records)
    }

    /// The fields.
    pub fn fields(&self) -> &OfferFields {
        &self.fields
    }

    /// Every record as read (known and unknown), in order.
    pub fn records(&self) -> &TlvStream {
        &self.records
    }

    /// The TLV bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        self.records.encode()
    }

    /// The chains the offer is valid for (bitcoin when `offer_chains` is absent).
    pub fn chains(&self) -> Vec<ChainHash> {
        self.fields.chains.clone().unwrap_or_else(|| vec![ChainHash::BITCOIN])
    }

    /// Whether the offer is valid for `chain`.
    pub fn supports_chain(&self, chain: ChainHash) -> bool {
        self.chains().contains(&chain)
    }

    /// Whether the offer has expired at `now` (seconds from the epoch).
    pub fn is_expired(&self, now: u64) -> bool {
        self.fields.absolute_expiry.is_some_and(|e| now > e)
    }
}

impl FromStr for Offer {
    type Err = DecodeError;

    fn from_str(s: &str) -> Result<Offer, DecodeError> {
        Offer::from_bytes(&string::decode(s, PREFIX).map_err(DecodeError::String)?)
    }
}

impl fmt::Display for Offer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&string::encode(PREFIX, &self.to_bytes()))
    }
}
