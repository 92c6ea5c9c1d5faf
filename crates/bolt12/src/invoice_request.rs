//! Invoice requests (`lnr1…`): a payer's request for an invoice, answering an offer (all the
//! offer's fields copied) or standing alone, signed by the payer's transient key.

use core::fmt;
use core::str::FromStr;

use bitcoin::constants::ChainHash;
use secp256k1::{schnorr, PublicKey, SecretKey, SECP256K1};
use types::tlv::{TlvError, TlvStream};
use types::{Msat, NodeId};

use crate::fields::{
    self, invreq_type, offer_type, unknown_even_bits, BadField, InvreqFields, OfferFields,
    SIGNATURE_TYPE,
};
use crate::merkle::SIGNATURE_TYPES;
use crate::offer::{self, Offer};
use crate::signed;
use crate::string::{self, StringError};

/// The string prefix of invoice requests.
pub const PREFIX: &str = "lnr";

/// The name signatures of invoice requests are tagged with.
pub const MESSAGE_NAME: &str = "invoice_request";

/// The invoice request feature bits this reader knows: none yet.
pub const KNOWN_FEATURES: &[usize] = &[];

/// Whether `typ` is in an invoice request's allowed ranges for non-signature fields (0 to
/// 159, 1000000000 to 2999999999).
pub fn in_range(typ: u64) -> bool {
    typ <= 159 || (1_000_000_000..=2_999_999_999).contains(&typ)
}

fn is_known(typ: u64) -> bool {
    offer_type::ALL.contains(&typ) || invreq_type::ALL.contains(&typ) || typ == SIGNATURE_TYPE
}

/// A verified invoice request: every field read, the payer's signature checked, and the
/// reader requirements of BOLT 12 that need no knowledge of the offer or the reader's chains
/// met. Records are kept as read, so it writes back byte for byte.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvoiceRequest {
    offer: OfferFields,
    invreq: InvreqFields,
    payer_id: PublicKey,
    metadata: Vec<u8>,
    signature: schnorr::Signature,
    records: TlvStream,
}

/// Why an invoice request was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum DecodeError {
    /// The string form is malformed.
    String(StringError),
    /// The TLV stream is malformed (framing, order, an unknown even type).
    Tlv(TlvError),
    /// A non-signature field outside 0 to 159 and 1000000000 to 2999999999.
    OutOfRange {
        /// The type.
        typ: u64,
    },
    /// A field's value is not of its type's form.
    Field(BadField),
    /// `invreq_metadata` is missing.
    MissingMetadata,
    /// `invreq_payer_id` is missing.
    MissingPayerId,
    /// `signature` is missing.
    MissingSignature,
    /// `signature` is not the payer's signature of the request.
    BadSignature {
        /// The signature.
        signature: schnorr::Signature,
        /// The key it was checked against (`invreq_payer_id`).
        payer_id: NodeId,
    },
    /// `invreq_features` has even bits this reader does not know.
    UnknownRequiredFeatures {
        /// The bits.
        bits: Vec<usize>,
    },
    /// The offer part breaks an offer rule (for a request answering an offer).
    Offer(offer::DecodeError),
    /// `offer_quantity_max` is set and `invreq_quantity` is not.
    MissingQuantity {
        /// `offer_quantity_max`.
        quantity_max: u64,
    },
    /// `invreq_quantity` is zero or above a non-zero `offer_quantity_max`.
    BadQuantity {
        /// `invreq_quantity`.
        quantity: u64,
        /// `offer_quantity_max`.
        quantity_max: u64,
    },
    /// `invreq_quantity` is set although the offer has no `offer_quantity_max`.
    UnexpectedQuantity {
        /// `invreq_quantity`.
        quantity: u64,
    },
    /// `invreq_amount` is below `offer_amount` (times the quantity) in msat.
    AmountTooLow {
        /// `invreq_amount`.
        amount: Msat,
        /// What the offer expects.
        expected: Msat,
    },
    /// `invreq_amount` is missing where the offer sets no msat amount, or where the request
    /// answers no offer.
    MissingAmount,
    /// A request answering no offer carries a field only an offer may set
    /// (`offer_chains`, `offer_features`, `offer_quantity_max`).
    UnexpectedOfferField {
        /// The type.
        typ: u64,
    },
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DecodeError::String(e) => write!(f, "bad invoice request string: {e}"),
            DecodeError::Tlv(e) => write!(f, "bad invoice request tlv stream: {e}"),
            DecodeError::OutOfRange { typ } => {
                write!(f, "invoice request field type {typ} out of range")
            }
            DecodeError::Field(e) => write!(f, "bad invoice request field: {e}"),
            DecodeError::MissingMetadata => write!(f, "invreq_metadata is missing"),
            DecodeError::MissingPayerId => write!(f, "invreq_payer_id is missing"),
            DecodeError::MissingSignature => write!(f, "invoice request signature is missing"),
            DecodeError::BadSignature { signature, payer_id } => {
                write!(f, "signature {signature} is not invreq_payer_id {payer_id}'s")
            }
            DecodeError::UnknownRequiredFeatures { bits } => {
                write!(f, "invoice request requires unknown features {bits:?}")
            }
            DecodeError::Offer(e) => write!(f, "invoice request's offer: {e}"),
            DecodeError::MissingQuantity { quantity_max } => {
                write!(f, "offer_quantity_max {quantity_max} set but invreq_quantity missing")
            }
            DecodeError::BadQuantity { quantity, quantity_max } => {
                write!(f, "invreq_quantity {quantity} not within offer_quantity_max {quantity_max}")
            }
            DecodeError::UnexpectedQuantity { quantity } => {
                write!(f, "invreq_quantity {quantity} set but offer has no offer_quantity_max")
            }
            DecodeError::AmountTooLow { amount, expected } => {
                write!(f, "invreq_amount {amount} below the offer's {expected}")
            }
            DecodeError::MissingAmount => write!(f, "invreq_amount is missing"),
            DecodeError::UnexpectedOfferField { typ } => {
                write!(f, "field {typ} set in an invoice request answering no offer")
            }
        }
    }
}
impl std::error::Error for DecodeError {}

impl InvoiceRequest {
    /// Reads and checks an invoice request's TLV bytes.
    pub fn from_bytes(bytes: &[u8]) -> Result<InvoiceRequest, DecodeError> {
        InvoiceRequest::from_stream(TlvStream::decode(bytes, &is_known).map_err(DecodeError::Tlv)?)
    }

    /// Checks an invoice request's records.
    pub fn from_stream(records: TlvStream) -> Result<InvoiceRequest, DecodeError> {
        if let Some(r) = records.records.iter().find(|r| r.typ % 2 == 0 && !is_known(r.typ)) {
            return Err(DecodeError::Tlv(TlvError::UnknownEvenType { typ: r.typ }));
        }
        if let Some(r) =
            records.records.iter().find(|r| !SIGNATURE_TYPES.contains(&r.typ) && !in_range(r.typ))
        {
            return Err(DecodeError::OutOfRange { typ: r.typ });
        }
        let offer = OfferFields::read(&records).map_err(DecodeError::Field)?;
        let invreq = InvreqFields::read(&records).map_err(DecodeError::Field)?;
        let metadata = invreq.metadata.clone().ok_or(DecodeError::MissingMetadata)?;
        let payer_id = invreq.payer_id.ok_or(DecodeError::MissingPayerId)?;
        if let Some(features) = &invreq.features {
            let bits = unknown_even_bits(features, KNOWN_FEATURES);
            if !bits.is_empty() {
                return Err(DecodeError::UnknownRequiredFeatures { bits });
            }
        }
        let sig = records.get(SIGNATURE_TYPE).ok_or(DecodeError::MissingSignature)?;
        let signature = fields::signature(sig).map_err(DecodeError::Field)?;
        if !signed::verify(MESSAGE_NAME, &records, &signature, &payer_id) {
            return Err(DecodeError::BadSignature { signature, payer_id: payer_id.into() });
        }
        if offer.issuer_id.is_some() || offer.paths.is_some() {
            offer::check_offer_fields(&offer).map_err(DecodeError::Offer)?;
            match (offer.quantity_max, invreq.quantity) {
                (Some(quantity_max), None) => {
                    return Err(DecodeError::MissingQuantity { quantity_max })
                }
                (Some(quantity_max), Some(quantity))
                    if quantity == 0 || (quantity_max != 0 && quantity > quantity_max) =>
                {
                    return Err(DecodeError::BadQuantity { quantity, quantity_max })
                }
                (None, Some(quantity)) => return Err(DecodeError::UnexpectedQuantity { quantity }),
                _ => {}
            }
            match (offer.amount, invreq.amount) {
                (Some(per_item), Some(amount)) if offer.currency.is_none() => {
                    let expected = per_item.saturating_mul(invreq.quantity.unwrap_or(1));
                    if amount.0 < expected {
                        return Err(DecodeError::AmountTooLow { amount, expected: Msat(expected) });
                    }
                }
                (None, None) => return Err(DecodeError::MissingAmount),
                _ => {}
            }
        } else {
            for (typ, present) in [
                (offer_type::CHAINS, offer.chains.is_some()),
                (offer_type::FEATURES, offer.features.is_some()),
                (offer_type::QUANTITY_MAX, offer.quantity_max.is_some()),
            ] {
                if present {
                    return Err(DecodeError::UnexpectedOfferField { typ });
                }
            }
            if invreq.amount.is_none() {
                return Err(DecodeError::MissingAmount);
            }
        }
        Ok(InvoiceRequest { offer, invreq, payer_id, metadata, signature, records })
    }

    /// Builds and signs an invoice request over `base` (the offer's records when answering an
    /// offer, including its unknown ones; for a request without an offer, the offer fields
    /// written by its creator). `fields.payer_id` is set to `payer_key`'s public key. The
    /// result is checked as a reader checks it.
    pub fn sign(
        base: &TlvStream,
        fields: &InvreqFields,
        payer_key: &SecretKey,
    ) -> Result<InvoiceRequest, DecodeError> {
        let mut records = base.clone();
        let mut fields = fields.clone();
        fields.payer_id = Some(payer_key.public_key(SECP256K1));
        fields.write(&mut records);
        signed::sign(MESSAGE_NAME, &mut records, payer_key);
        InvoiceRequest::from_stream(records)
    }

    /// Builds and signs an invoice request answering `offer`.
    pub fn for_offer(
        offer: &Offer,
        fields: &InvreqFields,
        payer_key: &SecretKey,
    ) -> Result<InvoiceRequest, DecodeError> {
        InvoiceRequest::sign(offer.records(), fields, payer_key)
    }

    /// The offer's fields as copied into the request.
    pub fn offer_fields(&self) -> &OfferFields {
        &self.offer
    }

    /// The request's own fields.
    pub fn fields(&self) -> &InvreqFields {
        &self.invreq
    }

    /// `invreq_payer_id`.
    pub fn payer_id(&self) -> &PublicKey {
        &self.payer_id
    }

    /// `invreq_metadata`.
    pub fn metadata(&self) -> &[u8] {
        &self.metadata
    }

    /// The payer's signature.
    pub fn signature(&self) -> &schnorr::Signature {
        &self.signature
    }

    /// Whether the request answers an offer (`offer_issuer_id` or `offer_paths` is set).
    pub fn answers_offer(&self) -> bool {
        self.offer.issuer_id.is_some() || self.offer.paths.is_some()
    }

    /// The chain (`invreq_chain`, or bitcoin).
    pub fn chain(&self) -> ChainHash {
        self.invreq.chain.unwrap_or(ChainHash::BITCOIN)
    }

    /// Every record as read, in order.
    pub fn records(&self) -> &TlvStream {
        &self.records
    }

    /// The TLV bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        self.records.encode()
    }

    /// Whether the offer part matches `offer` exactly: every record of the offer's ranges
    /// is the same (unknown ones included).
    pub fn matches_offer(&self, offer: &Offer) -> bool {
        let part = |s: &TlvStream| {
            s.records.iter().filter(|r| offer::in_range(r.typ)).cloned().collect::<Vec<_>>()
        };
        part(&self.records) == part(offer.records())
    }
}

impl FromStr for InvoiceRequest {
    type Err = DecodeError;

    fn from_str(s: &str) -> Result<InvoiceRequest, DecodeError> {
        InvoiceRequest::from_bytes(&string::decode(s, PREFIX).map_err(DecodeError::String)?)
    }
}

impl fmt::Display for InvoiceRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&string::encode(PREFIX, &self.to_bytes()))
    }
}
