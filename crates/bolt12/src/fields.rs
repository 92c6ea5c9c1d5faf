//! The typed TLV fields of BOLT 12, in three groups (offer 1–79, invoice request 0 and
//! 80–159, invoice 160–239), each read from and written to a [`TlvStream`], plus the
//! subtypes they carry (`blinded_payinfo`, `fallback_address`, the BIP 353 name).
//!
//! Reading a group checks each field's own form ([`FieldError`]); the rules that tie fields
//! together are the messages' own (see [`crate::offer`], [`crate::invoice_request`],
//! [`crate::invoice`]).

use core::fmt;

use bitcoin::constants::ChainHash;
use secp256k1::PublicKey;
use types::blinded::{BlindedPath, BlindedPathError};
use types::tlv::{self, TlvStream, TruncatedIntError};
use types::{Features, Msat, PaymentHash};

/// Offer TLV types.
pub mod offer_type {
    /// `offer_chains`.
    pub const CHAINS: u64 = 2;
    /// `offer_metadata`.
    pub const METADATA: u64 = 4;
    /// `offer_currency`.
    pub const CURRENCY: u64 = 6;
    /// `offer_amount`.
    pub const AMOUNT: u64 = 8;
    /// `offer_description`.
    pub const DESCRIPTION: u64 = 10;
    /// `offer_features`.
    pub const FEATURES: u64 = 12;
    /// `offer_absolute_expiry`.
    pub const ABSOLUTE_EXPIRY: u64 = 14;
    /// `offer_paths`.
    pub const PATHS: u64 = 16;
    /// `offer_issuer`.
    pub const ISSUER: u64 = 18;
    /// `offer_quantity_max`.
    pub const QUANTITY_MAX: u64 = 20;
    /// `offer_issuer_id`.
    pub const ISSUER_ID: u64 = 22;
    /// Every offer type.
    pub const ALL: &[u64] = &[2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22];
}

/// Invoice request TLV types (besides the offer's).
pub mod invreq_type {
    /// `invreq_metadata`.
    pub const METADATA: u64 = 0;
    /// `invreq_chain`.
    pub const CHAIN: u64 = 80;
    /// `invreq_amount`.
    pub const AMOUNT: u64 = 82;
    /// `invreq_features`.
    pub const FEATURES: u64 = 84;
    /// `invreq_quantity`.
    pub const QUANTITY: u64 = 86;
    /// `invreq_payer_id`.
    pub const PAYER_ID: u64 = 88;
    /// `invreq_payer_note`.
    pub const PAYER_NOTE: u64 = 89;
    /// `invreq_paths`.
    pub const PATHS: u64 = 90;
    /// `invreq_bip_353_name`.
    pub const BIP_353_NAME: u64 = 91;
    /// Every invoice request type.
    pub const ALL: &[u64] = &[0, 80, 82, 84, 86, 88, 89, 90, 91];
}

/// Invoice TLV types (besides the invoice request's).
pub mod invoice_type {
    /// `invoice_paths`.
    pub const PATHS: u64 = 160;
    /// `invoice_blindedpay`.
    pub const BLINDEDPAY: u64 = 162;
    /// `invoice_created_at`.
    pub const CREATED_AT: u64 = 164;
    /// `invoice_relative_expiry`.
    pub const RELATIVE_EXPIRY: u64 = 166;
    /// `invoice_payment_hash`.
    pub const PAYMENT_HASH: u64 = 168;
    /// `invoice_amount`.
    pub const AMOUNT: u64 = 170;
    /// `invoice_fallbacks`.
    pub const FALLBACKS: u64 = 172;
    /// `invoice_features`.
    pub const FEATURES: u64 = 174;
    /// `invoice_node_id`.
    pub const NODE_ID: u64 = 176;
    /// Every invoice type.
    pub const ALL: &[u64] = &[160, 162, 164, 166, 168, 170, 172, 174, 176];
}

/// The `signature` TLV type of invoice requests and invoices.
pub const SIGNATURE_TYPE: u64 = 240;

/// Why one field's value is not of its type's form.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum FieldError {
    /// A `tu16`/`tu32`/`tu64` is too long or not minimal.
    Int(TruncatedIntError),
    /// A `utf8` field is not UTF-8.
    Utf8 {
        /// The bytes.
        bytes: Vec<u8>,
    },
    /// A fixed-size field has the wrong length, or a list's length is not a multiple of its
    /// element's (`offer_chains`: 32).
    Length {
        /// The length read.
        len: usize,
        /// The size expected (of the field, or of one element).
        expected: usize,
    },
    /// `offer_chains` holds no chain.
    NoChains,
    /// A `point` is not a valid public key.
    Point {
        /// The bytes.
        bytes: Vec<u8>,
    },
    /// A `blinded_path` is malformed.
    BlindedPath {
        /// Which path of the list.
        index: usize,
        /// What is wrong.
        error: BlindedPathError,
    },
    /// A list of paths is present but empty.
    NoPaths,
    /// A `blinded_payinfo` or `fallback_address` is cut short.
    Truncated {
        /// The element's index in the list.
        index: usize,
        /// The bytes left for it.
        remaining: usize,
    },
    /// `invreq_bip_353_name` is cut short, has bytes left over, or holds a character other
    /// than `0`-`9`, `a`-`z`, `A`-`Z`, `-`, `_`, `.`.
    Bip353Name {
        /// The value.
        bytes: Vec<u8>,
    },
    /// A `bip340sig` is not 64 bytes or not a valid signature encoding.
    Signature {
        /// The bytes.
        bytes: Vec<u8>,
    },
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FieldError::Int(e) => write!(f, "{e}"),
            FieldError::Utf8 { bytes } => write!(f, "{} is not utf-8", types::hex::encode(bytes)),
            FieldError::Length { len, expected } => {
                write!(f, "length {len} where {expected} (or a multiple) was expected")
            }
            FieldError::NoChains => write!(f, "offer_chains holds no chain"),
            FieldError::Point { bytes } => {
                write!(f, "{} is not a point", types::hex::encode(bytes))
            }
            FieldError::BlindedPath { index, error } => write!(f, "path {index}: {error}"),
            FieldError::NoPaths => write!(f, "the list of paths is empty"),
            FieldError::Truncated { index, remaining } => {
                write!(f, "element {index} truncated: {remaining} bytes left")
            }
            FieldError::Bip353Name { bytes } => {
                write!(f, "bip 353 name {} is malformed", types::hex::encode(bytes))
            }
            FieldError::Signature { bytes } => {
                write!(f, "{} is not a bip340 signature", types::hex::encode(bytes))
            }
        }
    }
}
impl std::error::Error for FieldError {}

/// A field's type and what is wrong with its value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadField {
    /// The TLV type.
    pub typ: u64,
    /// The problem.
    pub error: FieldError,
}

impl fmt::Display for BadField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "tlv field {}: {}", self.typ, self.error)
    }
}
impl std::error::Error for BadField {}

type FieldResult<T> = Result<T, BadField>;

fn bad(typ: u64) -> impl Fn(FieldError) -> BadField {
    move |error| BadField { typ, error }
}

fn read_with<T>(
    s: &TlvStream,
    typ: u64,
    f: impl FnOnce(&[u8]) -> Result<T, FieldError>,
) -> FieldResult<Option<T>> {
    s.get(typ).map(f).transpose().map_err(bad(typ))
}

fn tu64(v: &[u8]) -> Result<u64, FieldError> {
    tlv::decode_tu64(v).map_err(FieldError::Int)
}

fn utf8(v: &[u8]) -> Result<String, FieldError> {
    String::from_utf8(v.to_vec()).map_err(|_| FieldError::Utf8 { bytes: v.to_vec() })
}

fn point(v: &[u8]) -> Result<PublicKey, FieldError> {
    if v.len() != 33 {
        return Err(FieldError::Length { len: v.len(), expected: 33 });
    }
    PublicKey::from_slice(v).map_err(|_| FieldError::Point { bytes: v.to_vec() })
}

fn chain(v: &[u8]) -> Result<ChainHash, FieldError> {
    let a: [u8; 32] =
        v.try_into().map_err(|_| FieldError::Length { len: v.len(), expected: 32 })?;
    Ok(ChainHash::from(a))
}

fn paths(v: &[u8]) -> Result<Vec<BlindedPath>, FieldError> {
    let mut out = Vec::new();
    let mut rest = v;
    while !rest.is_empty() {
        let (p, n) = BlindedPath::decode_prefix(rest)
            .map_err(|error| FieldError::BlindedPath { index: out.len(), error })?;
        out.push(p);
        rest = rest.get(n..).unwrap_or_default();
    }
    if out.is_empty() {
        return Err(FieldError::NoPaths);
    }
    Ok(out)
}

fn write_paths(p: &[BlindedPath]) -> Vec<u8> {
    let mut out = Vec::new();
    for path in p {
        path.encode_to(&mut out);
    }
    out
}

/// The offer's fields (types 1 to 79), as they appear in an offer, an invoice request and an
/// invoice. `None` is an absent field.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct OfferFields {
    /// `offer_chains`: the chains the offer is valid for (absent: bitcoin only).
    pub chains: Option<Vec<ChainHash>>,
    /// `offer_metadata`: for the issuer's own use.
    pub metadata: Option<Vec<u8>>,
    /// `offer_currency`: the ISO 4217 code `offer_amount` is in (absent: msat).
    pub currency: Option<String>,
    /// `offer_amount`: the amount per item, in `offer_currency`'s unit or msat.
    pub amount: Option<u64>,
    /// `offer_description`.
    pub description: Option<String>,
    /// `offer_features`.
    pub features: Option<Features>,
    /// `offer_absolute_expiry`: seconds from the epoch.
    pub absolute_expiry: Option<u64>,
    /// `offer_paths`: blinded paths to the issuer.
    pub paths: Option<Vec<BlindedPath>>,
    /// `offer_issuer`.
    pub issuer: Option<String>,
    /// `offer_quantity_max` (0: no known maximum).
    pub quantity_max: Option<u64>,
    /// `offer_issuer_id`.
    pub issuer_id: Option<PublicKey>,
}

impl OfferFields {
    /// Reads the offer fields of a stream.
    pub fn read(s: &TlvStream) -> FieldResult<OfferFields> {
        use offer_type::*;
        Ok(OfferFields {
            chains: read_with(s, CHAINS, |v| {
                if v.len() % 32 != 0 {
                    return Err(FieldError::Length { len: v.len(), expected: 32 });
                }
                if v.is_empty() {
                    return Err(FieldError::NoChains);
                }
                v.chunks(32).map(chain).collect()
            })?,
            metadata: read_with(s, METADATA, |v| Ok(v.to_vec()))?,
            currency: read_with(s, CURRENCY, utf8)?,
            amount: read_with(s, AMOUNT, tu64)?,
            description: read_with(s, DESCRIPTION, utf8)?,
            features: read_with(s, FEATURES, |v| Ok(Features::from_be_bytes(v)))?,
            absolute_expiry: read_with(s, ABSOLUTE_EXPIRY, tu64)?,
            paths: read_with(s, PATHS, paths)?,
            issuer: read_with(s, ISSUER, utf8)?,
            quantity_max: read_with(s, QUANTITY_MAX, tu64)?,
            issuer_id: read_with(s, ISSUER_ID, point)?,
        })
    }

    /// Writes the present fields into `s` (replacing records of the same types).
    pub fn write(&self, s: &mut TlvStream) {
        use offer_type::*;
        if let Some(c) = &self.chains {
            s.insert(CHAINS, c.iter().flat_map(|c| c.to_bytes()).collect());
        }
        if let Some(m) = &self.metadata {
            s.insert(METADATA, m.clone());
        }
        if let Some(c) = &self.currency {
            s.insert(CURRENCY, c.as_bytes().to_vec());
        }
        if let Some(a) = self.amount {
            s.insert(AMOUNT, tlv::encode_tu64(a));
        }
        if let Some(d) = &self.description {
            s.insert(DESCRIPTION, d.as_bytes().to_vec());
        }
        if let Some(f) = &self.features {
            s.insert(FEATURES, f.to_be_bytes());
        }
        if let Some(e) = self.absolute_expiry {
            s.insert(ABSOLUTE_EXPIRY, tlv::encode_tu64(e));
        }
        if let Some(p) = &self.paths {
            s.insert(PATHS, write_paths(p));
        }
        if let Some(i) = &self.issuer {
            s.insert(ISSUER, i.as_bytes().to_vec());
        }
        if let Some(q) = self.quantity_max {
            s.insert(QUANTITY_MAX, tlv::encode_tu64(q));
        }
        if let Some(id) = &self.issuer_id {
            s.insert(ISSUER_ID, id.serialize().to_vec());
        }
    }
}

/// A BIP 353 human-readable name (`₿name@domain`), as `invreq_bip_353_name` carries it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bip353Name {
    /// The part before `@` (after `₿`).
    pub name: String,
    /// The part after `@`.
    pub domain: String,
}

fn bip353_allowed(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.')
}

fn bip353(v: &[u8]) -> Result<Bip353Name, FieldError> {
    let err = || FieldError::Bip353Name { bytes: v.to_vec() };
    let (&name_len, rest) = v.split_first().ok_or_else(err)?;
    let name = rest.get(..usize::from(name_len)).ok_or_else(err)?;
    let rest = rest.get(usize::from(name_len)..).unwrap_or_default();
    let (&domain_len, rest) = rest.split_first().ok_or_else(err)?;
    if rest.len() != usize::from(domain_len) {
        return Err(err());
    }
    if !name.iter().chain(rest).all(|&b| bip353_allowed(b)) {
        return Err(err());
    }
    // Every allowed byte is ASCII.
    Ok(Bip353Name {
        name: String::from_utf8_lossy(name).into_owned(),
        domain: String::from_utf8_lossy(rest).into_owned(),
    })
}

/// The invoice request's own fields (types 0 and 80 to 159).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct InvreqFields {
    /// `invreq_metadata`: unpredictable bytes of the payer's.
    pub metadata: Option<Vec<u8>>,
    /// `invreq_chain` (absent: bitcoin).
    pub chain: Option<ChainHash>,
    /// `invreq_amount`.
    pub amount: Option<Msat>,
    /// `invreq_features`.
    pub features: Option<Features>,
    /// `invreq_quantity`.
    pub quantity: Option<u64>,
    /// `invreq_payer_id`: the payer's transient key, which signs the request.
    pub payer_id: Option<PublicKey>,
    /// `invreq_payer_note`.
    pub payer_note: Option<String>,
    /// `invreq_paths`: blinded paths to the payer.
    pub paths: Option<Vec<BlindedPath>>,
    /// `invreq_bip_353_name`.
    pub bip_353_name: Option<Bip353Name>,
}

impl InvreqFields {
    /// Reads the invoice request fields of a stream.
    pub fn read(s: &TlvStream) -> FieldResult<InvreqFields> {
        use invreq_type::*;
        Ok(InvreqFields {
            metadata: read_with(s, METADATA, |v| Ok(v.to_vec()))?,
            chain: read_with(s, CHAIN, chain)?,
            amount: read_with(s, AMOUNT, |v| tu64(v).map(Msat))?,
            features: read_with(s, FEATURES, |v| Ok(Features::from_be_bytes(v)))?,
            quantity: read_with(s, QUANTITY, tu64)?,
            payer_id: read_with(s, PAYER_ID, point)?,
            payer_note: read_with(s, PAYER_NOTE, utf8)?,
            paths: read_with(s, PATHS, paths)?,
            bip_353_name: read_with(s, BIP_353_NAME, bip353)?,
        })
    }

    /// Writes the present fields into `s` (replacing records of the same types).
    pub fn write(&self, s: &mut TlvStream) {
        use invreq_type::*;
        if let Some(m) = &self.metadata {
            s.insert(METADATA, m.clone());
        }
        if let Some(c) = &self.chain {
            s.insert(CHAIN, c.to_bytes().to_vec());
        }
        if let Some(a) = self.amount {
            s.insert(AMOUNT, tlv::encode_tu64(a.0));
        }
        if let Some(f) = &self.features {
            s.insert(FEATURES, f.to_be_bytes());
        }
        if let Some(q) = self.quantity {
            s.insert(QUANTITY, tlv::encode_tu64(q));
        }
        if let Some(p) = &self.payer_id {
            s.insert(PAYER_ID, p.serialize().to_vec());
        }
        if let Some(n) = &self.payer_note {
            s.insert(PAYER_NOTE, n.as_bytes().to_vec());
        }
        if let Some(p) = &self.paths {
            s.insert(PATHS, write_paths(p));
        }
        if let Some(b) = &self.bip_353_name {
            let mut v = Vec::new();
            for part in [&b.name, &b.domain] {
                let bytes = part.as_bytes();
                let bytes = bytes.get(..bytes.len().min(255)).unwrap_or_default();
                v.push(bytes.len() as u8);
                v.extend_from_slice(bytes);
            }
            s.insert(BIP_353_NAME, v);
        }
    }
}

/// `blinded_payinfo`: what paying through one invoice path costs, in aggregate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlindedPayInfo {
    /// Base fee of the whole path.
    pub fee_base_msat: u32,
    /// Proportional fee of the whole path.
    pub fee_proportional_millionths: u32,
    /// CLTV delta of the whole path.
    pub cltv_expiry_delta: u16,
    /// The least the path carries.
    pub htlc_minimum_msat: Msat,
    /// The most the path carries.
    pub htlc_maximum_msat: Msat,
    /// The path's features (its `allowed_features`).
    pub features: Features,
}

impl BlindedPayInfo {
    const FIXED: usize = 4 + 4 + 2 + 8 + 8 + 2;

    fn read(v: &[u8], index: usize) -> Result<(BlindedPayInfo, usize), FieldError> {
        let trunc = FieldError::Truncated { index, remaining: v.len() };
        let fixed = v.get(..Self::FIXED).ok_or(trunc.clone())?;
        let be = |range: core::ops::Range<usize>| {
            fixed.get(range).unwrap_or_default().iter().fold(0u64, |a, &b| (a << 8) | u64::from(b))
        };
        let flen = be(26..28) as usize;
        let features = v.get(Self::FIXED..Self::FIXED + flen).ok_or(trunc)?;
        Ok((
            BlindedPayInfo {
                fee_base_msat: be(0..4) as u32,
                fee_proportional_millionths: be(4..8) as u32,
                cltv_expiry_delta: be(8..10) as u16,
                htlc_minimum_msat: Msat(be(10..18)),
                htlc_maximum_msat: Msat(be(18..26)),
                features: Features::from_be_bytes(features),
            },
            Self::FIXED + flen,
        ))
    }

    fn write(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.fee_base_msat.to_be_bytes());
        out.extend_from_slice(&self.fee_proportional_millionths.to_be_bytes());
        out.extend_from_slice(&self.cltv_expiry_delta.to_be_bytes());
        out.extend_from_slice(&self.htlc_minimum_msat.0.to_be_bytes());
        out.extend_from_slice(&self.htlc_maximum_msat.0.to_be_bytes());
        let f = self.features.to_be_bytes();
        let f = f.get(..f.len().min(usize::from(u16::MAX))).unwrap_or_default();
        out.extend_from_slice(&(f.len() as u16).to_be_bytes());
        out.extend_from_slice(f);
    }
}

/// `fallback_address`: an on-chain address to pay instead, as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FallbackAddress {
    /// The witness version.
    pub version: u8,
    /// The witness program.
    pub address: Vec<u8>,
}

impl FallbackAddress {
    /// Whether a bitcoin reader may use it: version at most 16, a program of 2 to 40 bytes,
    /// and for version 0 one of 20 or 32 bytes (the reader ignores the others).
    pub fn is_usable(&self) -> bool {
        self.version <= 16
            && (2..=40).contains(&self.address.len())
            && (self.version != 0 || matches!(self.address.len(), 20 | 32))
    }
}

fn list<T>(
    v: &[u8],
    read: impl Fn(&[u8], usize) -> Result<(T, usize), FieldError>,
) -> Result<Vec<T>, FieldError> {
    let mut out = Vec::new();
    let mut rest = v;
    while !rest.is_empty() {
        let (x, n) = read(rest, out.len())?;
        out.push(x);
        rest = rest.get(n..).unwrap_or_default();
    }
    Ok(out)
}

fn fallback(v: &[u8], index: usize) -> Result<(FallbackAddress, usize), FieldError> {
    let trunc = FieldError::Truncated { index, remaining: v.len() };
    let head = v.get(..3).ok_or(trunc.clone())?;
    let len = usize::from(u16::from_be_bytes([head[1], head[2]]));
    let address = v.get(3..3 + len).ok_or(trunc)?;
    Ok((FallbackAddress { version: head[0], address: address.to_vec() }, 3 + len))
}

/// The invoice's own fields (types 160 to 239).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct InvoiceFields {
    /// `invoice_paths`: blinded paths to the payee, most preferred first.
    pub paths: Option<Vec<BlindedPath>>,
    /// `invoice_blindedpay`: one per path, in order.
    pub blindedpay: Option<Vec<BlindedPayInfo>>,
    /// `invoice_created_at`: seconds from the epoch.
    pub created_at: Option<u64>,
    /// `invoice_relative_expiry`: seconds after `created_at` (absent: 7200).
    pub relative_expiry: Option<u32>,
    /// `invoice_payment_hash`.
    pub payment_hash: Option<PaymentHash>,
    /// `invoice_amount`.
    pub amount: Option<Msat>,
    /// `invoice_fallbacks`.
    pub fallbacks: Option<Vec<FallbackAddress>>,
    /// `invoice_features`.
    pub features: Option<Features>,
    /// `invoice_node_id`: the key that signs the invoice.
    pub node_id: Option<PublicKey>,
}

impl InvoiceFields {
    /// Reads the invoice fields of a stream.
    pub fn read(s: &TlvStream) -> FieldResult<InvoiceFields> {
        use invoice_type::*;
        Ok(InvoiceFields {
            paths: read_with(s, PATHS, |v| {
                let mut out = Vec::new();
                let mut rest = v;
                while !rest.is_empty() {
                    let (p, n) = BlindedPath::decode_prefix(rest)
                        .map_err(|error| FieldError::BlindedPath { index: out.len(), error })?;
                    out.push(p);
                    rest = rest.get(n..).unwrap_or_default();
                }
                Ok(out)
            })?,
            blindedpay: read_with(s, BLINDEDPAY, |v| list(v, BlindedPayInfo::read))?,
            created_at: read_with(s, CREATED_AT, tu64)?,
            relative_expiry: read_with(s, RELATIVE_EXPIRY, |v| {
                tlv::decode_tu32(v).map_err(FieldError::Int)
            })?,
            payment_hash: read_with(s, PAYMENT_HASH, |v| {
                let a: [u8; 32] =
                    v.try_into().map_err(|_| FieldError::Length { len: v.len(), expected: 32 })?;
                Ok(PaymentHash(a))
            })?,
            amount: read_with(s, AMOUNT, |v| tu64(v).map(Msat))?,
            fallbacks: read_with(s, FALLBACKS, |v| list(v, fallback))?,
            features: read_with(s, FEATURES, |v| Ok(Features::from_be_bytes(v)))?,
            node_id: read_with(s, NODE_ID, point)?,
        })
    }

    /// Writes the present fields into `s` (replacing records of the same types).
    pub fn write(&self, s: &mut TlvStream) {
        use invoice_type::*;
        if let Some(p) = &self.paths {
            s.insert(PATHS, write_paths(p));
        }
        if let Some(b) = &self.blindedpay {
            let mut v = Vec::new();
            for p in b {
                p.write(&mut v);
            }
            s.insert(BLINDEDPAY, v);
        }
        if let Some(c) = self.created_at {
            s.insert(CREATED_AT, tlv::encode_tu64(c));
        }
        if let Some(e) = self.relative_expiry {
            s.insert(RELATIVE_EXPIRY, tlv::encode_tu64(u64::from(e)));
        }
        if let Some(h) = &self.payment_hash {
            s.insert(PAYMENT_HASH, h.0.to_vec());
        }
        if let Some(a) = self.amount {
            s.insert(AMOUNT, tlv::encode_tu64(a.0));
        }
        if let Some(f) = &self.fallbacks {
            let mut v = Vec::new();
            for fb in f {
                let a = fb.address.get(..fb.address.len().min(usize::from(u16::MAX)));
                let a = a.unwrap_or_default();
                v.push(fb.version);
                v.extend_from_slice(&(a.len() as u16).to_be_bytes());
                v.extend_from_slice(a);
            }
            s.insert(FALLBACKS, v);
        }
        if let Some(f) = &self.features {
            s.insert(FEATURES, f.to_be_bytes());
        }
        if let Some(n) = &self.node_id {
            s.insert(NODE_ID, n.serialize().to_vec());
        }
    }
}

/// Reads a `signature` record's value.
pub(crate) fn signature(v: &[u8]) -> Result<secp256k1::schnorr::Signature, BadField> {
    secp256k1::schnorr::Signature::from_slice(v).map_err(|_| BadField {
        typ: SIGNATURE_TYPE,
        error: FieldError::Signature { bytes: v.to_vec() },
    })
}

/// The even bits of `features` that are not in `known`.
pub(crate) fn unknown_even_bits(features: &Features, known: &[usize]) -> Vec<usize> {
    features
        .bits()
        .filter(|b| b % 2 == 0 && !known.contains(b) && !known.contains(&(b + 1)))
        .collect()
}
