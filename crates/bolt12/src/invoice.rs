//! Invoices (`lni1…`): the payee's answer to an invoice request, carrying the request's
//! fields, blinded paths to pay through, the payment hash and amount, signed by
//! `invoice_node_id`.

use core::fmt;
use core::str::FromStr;

use bitcoin::constants::ChainHash;
use secp256k1::{schnorr, PublicKey, SecretKey, SECP256K1};
use types::blinded::BlindedPath;
use types::tlv::{TlvError, TlvStream};
use types::{Msat, NodeId, PaymentHash};

use crate::fields::{
    self, invoice_type, invreq_type, offer_type, unknown_even_bits, BadField, BlindedPayInfo,
    FallbackAddress, InvoiceFields, InvreqFields, OfferFields, SIGNATURE_TYPE,
};
use crate::invoice_request::{self, InvoiceRequest};
use crate::merkle::SIGNATURE_TYPES;
use crate::signed;
use crate::string::{self, StringError};

/// The string prefix of invoices.
pub const PREFIX: &str = "lni";

/// The name signatures of invoices are tagged with.
pub const MESSAGE_NAME: &str = "invoice";

/// `MPP/compulsory`.
pub const MPP_REQUIRED: usize = 16;
/// `MPP/optional`.
pub const MPP_OPTIONAL: usize = 17;

/// The invoice feature bits this reader knows: multi-part payments.
pub const KNOWN_FEATURES: &[usize] = &[MPP_REQUIRED, MPP_OPTIONAL];

/// The `blinded_payinfo` feature bits this reader knows: none yet (a path whose payinfo
/// has an even bit is unusable).
pub const KNOWN_PAYINFO_FEATURES: &[usize] = &[];

/// How long an invoice is valid without `invoice_relative_expiry`, in seconds.
pub const DEFAULT_RELATIVE_EXPIRY: u64 = 7200;

fn is_known(typ: u64) -> bool {
    offer_type::ALL.contains(&typ)
        || invreq_type::ALL.contains(&typ)
        || invoice_type::ALL.contains(&typ)
        || typ == SIGNATURE_TYPE
}

/// A verified invoice: every field read, the required ones present, the paths and their
/// payinfo consistent, `invoice_amount` and `invoice_node_id` consistent with the request
/// and offer fields it carries, the signature of `invoice_node_id` checked. Whether it answers the
/// request the reader sent is [`Invoice::check_response`]; whether it has expired is
/// [`Invoice::is_expired`]. Records are kept as read, so it writes back byte for byte.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invoice {
    offer: OfferFields,
    invreq: InvreqFields,
    invoice: InvoiceFields,
    paths: Vec<(BlindedPath, BlindedPayInfo)>,
    created_at: u64,
    payment_hash: PaymentHash,
    amount: Msat,
    node_id: PublicKey,
    signature: schnorr::Signature,
    records: TlvStream,
}

/// Why an invoice was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum DecodeError {
    /// The string form is malformed.
    String(StringError),
    /// The TLV stream is malformed (framing, order, an unknown even type).
    Tlv(TlvError),
    /// A field's value is not of its type's form.
    Field(BadField),
    /// A required field is missing (`invoice_amount`, `invoice_created_at`,
    /// `invoice_payment_hash`, `invoice_node_id`, `invoice_paths`, `invoice_blindedpay`,
    /// `signature`): its type.
    Missing {
        /// The type.
        typ: u64,
    },
    /// `invoice_paths` is empty.
    NoPaths,
    /// `invoice_blindedpay` does not hold one payinfo per path.
    PayInfoCount {
        /// Paths.
        paths: usize,
        /// Payinfos.
        payinfos: usize,
    },
    /// Every path's payinfo has even features this reader does not know.
    NoUsablePath,
    /// `invoice_features` has even bits this reader does not know.
    UnknownRequiredFeatures {
        /// The bits.
        bits: Vec<usize>,
    },
    /// `invoice_amount` differs from the `invreq_amount` the invoice carries.
    AmountMismatch {
        /// `invoice_amount`.
        amount: Msat,
        /// `invreq_amount`.
        requested: Msat,
    },
    /// `invoice_node_id` is not the `offer_issuer_id` the invoice carries.
    NotIssuer {
        /// `invoice_node_id`.
        node_id: NodeId,
        /// `offer_issuer_id`.
        issuer_id: NodeId,
    },
    /// Without `offer_issuer_id`, `invoice_node_id` is not the final blinded node id of any
    /// of the `offer_paths` the invoice carries.
    NotPathEnd {
        /// `invoice_node_id`.
        node_id: NodeId,
    },
    /// `signature` is not `invoice_node_id`'s signature of the invoice.
    BadSignature {
        /// The signature.
        signature: schnorr::Signature,
        /// `invoice_node_id`.
        node_id: NodeId,
    },
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DecodeError::String(e) => write!(f, "bad invoice string: {e}"),
            DecodeError::Tlv(e) => write!(f, "bad invoice tlv stream: {e}"),
            DecodeError::Field(e) => write!(f, "bad invoice field: {e}"),
            DecodeError::Missing { typ } => write!(f, "invoice field {typ} is missing"),
            DecodeError::NoPaths => write!(f, "invoice_paths is empty"),
            DecodeError::PayInfoCount { paths, payinfos } => {
                write!(f, "{payinfos} blinded_payinfo for {paths} invoice paths")
            }
            DecodeError::NoUsablePath => {
                write!(f, "every invoice path requires unknown features")
            }
            DecodeError::UnknownRequiredFeatures { bits } => {
                write!(f, "invoice requires unknown features {bits:?}")
            }
            DecodeError::AmountMismatch { amount, requested } => {
                write!(f, "invoice_amount {amount} is not invreq_amount {requested}")
            }
            DecodeError::NotIssuer { node_id, issuer_id } => {
                write!(f, "invoice_node_id {node_id} is not offer_issuer_id {issuer_id}")
            }
            DecodeError::NotPathEnd { node_id } => {
                write!(f, "invoice_node_id {node_id} ends none of the offer's paths")
            }
            DecodeError::BadSignature { signature, node_id } => {
                write!(f, "signature {signature} is not invoice_node_id {node_id}'s")
            }
        }
    }
}
impl std::error::Error for DecodeError {}

/// Why an invoice does not answer the invoice request the reader sent.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ResponseError {
    /// A record of the request's ranges differs from (or is missing in) the invoice: its type.
    FieldMismatch {
        /// The type.
        typ: u64,
    },
    /// `invoice_node_id` is not `offer_issuer_id`.
    NotIssuer {
        /// `invoice_node_id`.
        node_id: NodeId,
        /// `offer_issuer_id`.
        issuer_id: NodeId,
    },
    /// `invoice_node_id` is not the final blinded node id of any of `offer_paths`.
    NotPathEnd {
        /// `invoice_node_id`.
        node_id: NodeId,
    },
    /// `invoice_amount` differs from `invreq_amount`.
    AmountMismatch {
        /// `invoice_amount`.
        amount: Msat,
        /// `invreq_amount`.
        requested: Msat,
    },
}

impl fmt::Display for ResponseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ResponseError::FieldMismatch { typ } => {
                write!(f, "invoice field {typ} does not match the invoice request")
            }
            ResponseError::NotIssuer { node_id, issuer_id } => {
                write!(f, "invoice_node_id {node_id} is not offer_issuer_id {issuer_id}")
            }
            ResponseError::NotPathEnd { node_id } => {
                write!(f, "invoice_node_id {node_id} ends none of the offer's paths")
            }
            ResponseError::AmountMismatch { amount, requested } => {
                write!(f, "invoice_amount {amount} is not invreq_amount {requested}")
            }
        }
    }
}
impl std::error::Error for ResponseError {}

impl Invoice {
    /// Reads and checks an invoice's TLV bytes.
    pub fn from_bytes(bytes: &[u8]) -> Result<Invoice, DecodeError> {
        Invoice::from_stream(TlvStream::decode(bytes, &is_known).map_err(DecodeError::Tlv)?)
    }

    /// Checks an invoice's records.
    pub fn from_stream(records: TlvStream) -> Result<Invoice, DecodeError> {
        if let Some(r) = records.records.iter().find(|r| r.typ % 2 == 0 && !is_known(r.typ)) {
            return Err(DecodeError::Tlv(TlvError::UnknownEvenType { typ: r.typ }));
        }
        let offer = OfferFields::read(&records).map_err(DecodeError::Field)?;
        let invreq = InvreqFields::read(&records).map_err(DecodeError::Field)?;
        let invoice = InvoiceFields::read(&records).map_err(DecodeError::Field)?;
        use invoice_type::*;
        let missing = |typ| DecodeError::Missing { typ };
        let amount = invoice.amount.ok_or(missing(AMOUNT))?;
        let created_at = invoice.created_at.ok_or(missing(CREATED_AT))?;
        let payment_hash = invoice.payment_hash.ok_or(missing(PAYMENT_HASH))?;
        let node_id = invoice.node_id.ok_or(missing(NODE_ID))?;
        if let Some(features) = &invoice.features {
            let bits = unknown_even_bits(features, KNOWN_FEATURES);
            if !bits.is_empty() {
                return Err(DecodeError::UnknownRequiredFeatures { bits });
            }
        }
        let paths = invoice.paths.clone().ok_or(missing(PATHS))?;
        if paths.is_empty() {
            return Err(DecodeError::NoPaths);
        }
        let payinfo = invoice.blindedpay.clone().ok_or(missing(BLINDEDPAY))?;
        if payinfo.len() != paths.len() {
            return Err(DecodeError::PayInfoCount { paths: paths.len(), payinfos: payinfo.len() });
        }
        let paths: Vec<_> = paths.into_iter().zip(payinfo).collect();
        if paths
            .iter()
            .all(|(_, p)| !unknown_even_bits(&p.features, KNOWN_PAYINFO_FEATURES).is_empty())
        {
            return Err(DecodeError::NoUsablePath);
        }
        if let Some(requested) = invreq.amount {
            if requested != amount {
                return Err(DecodeError::AmountMismatch { amount, requested });
            }
        }
        if let Some(issuer_id) = offer.issuer_id {
            if issuer_id != node_id {
                let (node_id, issuer_id) = (node_id.into(), issuer_id.into());
                return Err(DecodeError::NotIssuer { node_id, issuer_id });
            }
        } else if let Some(offer_paths) = &offer.paths {
            if !offer_paths.iter().any(|p| p.final_blinded_node_id() == Some(&node_id)) {
                return Err(DecodeError::NotPathEnd { node_id: node_id.into() });
            }
        }
        let sig = records.get(SIGNATURE_TYPE).ok_or(missing(SIGNATURE_TYPE))?;
        let signature = fields::signature(sig).map_err(DecodeError::Field)?;
        if !signed::verify(MESSAGE_NAME, &records, &signature, &node_id) {
            return Err(DecodeError::BadSignature { signature, node_id: node_id.into() });
        }
        Ok(Invoice {
            offer,
            invreq,
            invoice,
            paths,
            created_at,
            payment_hash,
            amount,
            node_id,
            signature,
            records,
        })
    }

    /// Builds and signs an invoice over `base` (an invoice request's records: its signature
    /// records are dropped). `fields.node_id` is set to `node_key`'s public key. The result
    /// is checked as a reader checks it.
    pub fn sign(
        base: &TlvStream,
        fields: &InvoiceFields,
        node_key: &SecretKey,
    ) -> Result<Invoice, DecodeError> {
        let mut records = base.clone();
        signed::strip_signatures(&mut records);
        let mut fields = fields.clone();
        fields.node_id = Some(node_key.public_key(SECP256K1));
        fields.write(&mut records);
        signed::sign(MESSAGE_NAME, &mut records, node_key);
        Invoice::from_stream(records)
    }

    /// Builds and signs an invoice answering `request`.
    pub fn respond(
        request: &InvoiceRequest,
        fields: &InvoiceFields,
        node_key: &SecretKey,
    ) -> Result<Invoice, DecodeError> {
        Invoice::sign(request.records(), fields, node_key)
    }

    /// Checks that the invoice answers `request`: the request's fields copied exactly, the
    /// right signer, the requested amount.
    pub fn check_response(&self, request: &InvoiceRequest) -> Result<(), ResponseError> {
        let part = |s: &TlvStream| {
            s.records
                .iter()
                .filter(|r| invoice_request::in_range(r.typ) && !SIGNATURE_TYPES.contains(&r.typ))
                .cloned()
                .collect::<Vec<_>>()
        };
        let (ours, theirs) = (part(request.records()), part(&self.records));
        for i in 0..ours.len().max(theirs.len()) {
            let (a, b) = (ours.get(i), theirs.get(i));
            if a != b {
                let typ = a.or(b).map_or(0, |r| r.typ);
                return Err(ResponseError::FieldMismatch { typ });
            }
        }
        let offer = request.offer_fields();
        if let Some(issuer_id) = offer.issuer_id {
            if self.node_id != issuer_id {
                return Err(ResponseError::NotIssuer {
                    node_id: self.node_id.into(),
                    issuer_id: issuer_id.into(),
                });
            }
        } else if let Some(paths) = &offer.paths {
            if !paths.iter().any(|p| p.final_blinded_node_id() == Some(&self.node_id)) {
                return Err(ResponseError::NotPathEnd { node_id: self.node_id.into() });
            }
        }
        if let Some(requested) = request.fields().amount {
            if requested != self.amount {
                return Err(ResponseError::AmountMismatch { amount: self.amount, requested });
            }
        }
        Ok(())
    }

    /// The offer's fields as copied into the invoice.
    pub fn offer_fields(&self) -> &OfferFields {
        &self.offer
    }

    /// The invoice request's fields as copied into the invoice.
    pub fn invreq_fields(&self) -> &InvreqFields {
        &self.invreq
    }

    /// The invoice's own fields.
    pub fn fields(&self) -> &InvoiceFields {
        &self.invoice
    }

    /// The paths with their payinfo, most preferred first.
    pub fn paths(&self) -> &[(BlindedPath, BlindedPayInfo)] {
        &self.paths
    }

    /// The paths a payer may use: those whose payinfo requires no unknown feature.
    pub fn usable_paths(&self) -> impl Iterator<Item = &(BlindedPath, BlindedPayInfo)> {
        self.paths
            .iter()
            .filter(|(_, p)| unknown_even_bits(&p.features, KNOWN_PAYINFO_FEATURES).is_empty())
    }

    /// The fallback addresses a bitcoin payer may use (see [`FallbackAddress::is_usable`]),
    /// most preferred first.
    pub fn usable_fallbacks(&self) -> impl Iterator<Item = &FallbackAddress> {
        self.invoice.fallbacks.iter().flatten().filter(|f| f.is_usable())
    }

    /// `invoice_created_at`.
    pub fn created_at(&self) -> u64 {
        self.created_at
    }

    /// Seconds after `created_at` the invoice stays payable.
    pub fn relative_expiry(&self) -> u64 {
        self.invoice.relative_expiry.map_or(DEFAULT_RELATIVE_EXPIRY, u64::from)
    }

    /// Whether the invoice has expired at `now` (seconds from the epoch).
    pub fn is_expired(&self, now: u64) -> bool {
        now > self.created_at.saturating_add(self.relative_expiry())
    }

    /// `invoice_payment_hash`.
    pub fn payment_hash(&self) -> &PaymentHash {
        &self.payment_hash
    }

    /// `invoice_amount`.
    pub fn amount(&self) -> Msat {
        self.amount
    }

    /// `invoice_node_id`.
    pub fn node_id(&self) -> &PublicKey {
        &self.node_id
    }

    /// The signature.
    pub fn signature(&self) -> &schnorr::Signature {
        &self.signature
    }

    /// The chain (`invreq_chain`, or bitcoin).
    pub fn chain(&self) -> ChainHash {
        self.invreq.chain.unwrap_or(ChainHash::BITCOIN)
    }

    /// Whether the payer must split the payment (`MPP/compulsory`).
    pub fn requires_mpp(&self) -> bool {
        self.invoice.features.as_ref().is_some_and(|f| f.is_set(MPP_REQUIRED))
    }

    /// Whether the payer may split the payment (`MPP/compulsory` or `MPP/optional`).
    pub fn allows_mpp(&self) -> bool {
        self.requires_mpp()
            || self.invoice.features.as_ref().is_some_and(|f| f.is_set(MPP_OPTIONAL))
    }

    /// Every record as read, in order.
    pub fn records(&self) -> &TlvStream {
        &self.records
    }

    /// The TLV bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        self.records.encode()
    }
}

impl FromStr for Invoice {
    type Err = DecodeError;

    fn from_str(s: &str) -> Result<Invoice, DecodeError> {
        Invoice::from_bytes(&string::decode(s, PREFIX).map_err(DecodeError::String)?)
    }
}

impl fmt::Display for Invoice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&string::encode(PREFIX, &self.to_bytes()))
    }
}
