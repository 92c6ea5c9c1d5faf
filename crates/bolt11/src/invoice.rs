//! The verified invoice: every field read and checked, the signature checked, the payee known.

use core::fmt;
use core::str::FromStr;

use bitcoin::hashes::Hash as _;
use bitcoin::{Address, PubkeyHash, ScriptBuf, ScriptHash, WitnessProgram, WitnessVersion};
use secp256k1::ecdsa::{RecoverableSignature, RecoveryId, Signature};
use secp256k1::{Message, PublicKey, SECP256K1};
use sha2::{Digest, Sha256};
use types::{Features, Msat, NodeId, PaymentHash, PaymentSecret, RouteHintHop, ShortChannelId};

use crate::raw::{ParseError, RawField, RawInvoice};
use crate::{fives, tag, Currency, INVOICE_FEATURES};

/// Expiry in seconds when the invoice has no `x` field.
pub const DEFAULT_EXPIRY: u64 = 3600;
/// `min_final_cltv_expiry_delta` when the invoice has no `c` field.
pub const DEFAULT_MIN_FINAL_CLTV_EXPIRY_DELTA: u64 = 18;

/// What the payment is for: the text (`d`) or its SHA-256 (`h`).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Description {
    /// The description itself.
    Direct(String),
    /// The SHA-256 of a description given elsewhere.
    Hash([u8; 32]),
}

/// An on-chain fallback address (`f` field) of a version the reader knows.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Fallback {
    /// Versions 0 to 16: a witness program (length checked as BIP-141 says).
    Segwit {
        /// The witness version.
        version: u8,
        /// The witness program.
        program: Vec<u8>,
    },
    /// Version 17: a pay-to-pubkey-hash address.
    PubkeyHash([u8; 20]),
    /// Version 18: a pay-to-script-hash address.
    ScriptHash([u8; 20]),
}

impl Fallback {
    /// The `f` field version (0 to 18).
    pub fn version(&self) -> u8 {
        match self {
            Fallback::Segwit { version, .. } => *version,
            Fallback::PubkeyHash(_) => 17,
            Fallback::ScriptHash(_) => 18,
        }
    }

    /// The bytes after the version.
    pub fn payload(&self) -> &[u8] {
        match self {
            Fallback::Segwit { program, .. } => program,
            Fallback::PubkeyHash(h) | Fallback::ScriptHash(h) => h,
        }
    }

    fn witness_program(&self) -> Option<WitnessProgram> {
        match self {
            Fallback::Segwit { version, program } => {
                let v = WitnessVersion::try_from(*version).ok()?;
                WitnessProgram::new(v, program).ok()
            }
            _ => None,
        }
    }

    /// The address on the invoice's chain.
    pub fn address(&self, currency: Currency) -> Option<Address> {
        let network = currency.network();
        match self {
            Fallback::PubkeyHash(h) => {
                Some(Address::p2pkh(PubkeyHash::from_byte_array(*h), network))
            }
            Fallback::ScriptHash(h) => {
                Some(Address::p2sh_from_hash(ScriptHash::from_byte_array(*h), network))
            }
            Fallback::Segwit { .. } => {
                Some(Address::from_witness_program(self.witness_program()?, network))
            }
        }
    }

    /// The output script that pays this address.
    pub fn script_pubkey(&self) -> ScriptBuf {
        // The network does not change the script.
        self.address(Currency::Bitcoin).map(|a| a.script_pubkey()).unwrap_or_default()
    }

    /// The address type as Core Lightning names it (`P2PKH`, `P2SH`, `P2WPKH`, `P2WSH`,
    /// `P2TR`), or `None` for other witness programs.
    pub fn kind(&self) -> Option<&'static str> {
        match self {
            Fallback::PubkeyHash(_) => Some("P2PKH"),
            Fallback::ScriptHash(_) => Some("P2SH"),
            Fallback::Segwit { version: 0, program } if program.len() == 20 => Some("P2WPKH"),
            Fallback::Segwit { version: 0, program } if program.len() == 32 => Some("P2WSH"),
            Fallback::Segwit { version: 1, program } if program.len() == 32 => Some("P2TR"),
            Fallback::Segwit { .. } => None,
        }
    }
}

/// Length of one route hint hop on the wire.
pub(crate) const HOP_LEN: usize = 33 + 8 + 4 + 4 + 2;

/// One route hint hop as the `r` field carries it.
pub(crate) fn hint_hop_to_bytes(hop: &RouteHintHop) -> [u8; HOP_LEN] {
    let mut b = [0u8; HOP_LEN];
    b[..33].copy_from_slice(hop.node_id.as_bytes());
    b[33..41].copy_from_slice(&hop.short_channel_id.to_be_bytes());
    b[41..45].copy_from_slice(&hop.fee_base_msat.to_be_bytes());
    b[45..49].copy_from_slice(&hop.fee_proportional_millionths.to_be_bytes());
    b[49..51].copy_from_slice(&hop.cltv_expiry_delta.to_be_bytes());
    b
}

/// One route hint hop read from the `r` field (`None` when its node id is not a valid key).
fn hint_hop_from_bytes(b: &[u8; HOP_LEN]) -> Option<RouteHintHop> {
    let (node, rest) = b.split_first_chunk::<33>()?;
    let (scid, rest) = rest.split_first_chunk::<8>()?;
    let (base, rest) = rest.split_first_chunk::<4>()?;
    let (ppm, rest) = rest.split_first_chunk::<4>()?;
    let (cltv, _) = rest.split_first_chunk::<2>()?;
    PublicKey::from_slice(node).ok()?;
    Some(RouteHintHop {
        node_id: NodeId::from_array(*node).ok()?,
        short_channel_id: ShortChannelId(u64::from_be_bytes(*scid)),
        fee_base_msat: u32::from_be_bytes(*base),
        fee_proportional_millionths: u32::from_be_bytes(*ppm),
        cltv_expiry_delta: u16::from_be_bytes(*cltv),
    })
}

/// A private route to the payee (one `r` field): hops in order, from a public node onwards.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct RouteHint(pub Vec<RouteHintHop>);

/// Why a syntactically valid invoice is not a valid invoice.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum VerifyError {
    /// No `p` field of the right length.
    MissingPaymentHash,
    /// More than one `p` field of the right length.
    DuplicatePaymentHash,
    /// No `s` field of the right length (a payment secret is required).
    MissingPaymentSecret,
    /// More than one `s` field of the right length.
    DuplicatePaymentSecret,
    /// Neither a `d` nor an `h` field.
    MissingDescription,
    /// More than one of `d` and `h` (both, or one twice).
    MultipleDescriptions {
        /// How many `d` fields.
        d: usize,
        /// How many `h` fields of the right length.
        h: usize,
    },
    /// The `d` field is not UTF-8.
    DescriptionNotUtf8 {
        /// The field's bytes.
        bytes: Vec<u8>,
    },
    /// The `n` field is not a public key.
    InvalidPayee {
        /// The field's 33 bytes.
        bytes: Vec<u8>,
    },
    /// An `x`, `c` or `9` field starts with a zero group (not minimally encoded).
    NonMinimalField {
        /// The field's letter.
        field: char,
    },
    /// An `x` or `c` field holds a number larger than 64 bits.
    FieldOverflow {
        /// The field's letter.
        field: char,
    },
    /// An `f` field of a known version whose payload has the wrong length.
    InvalidFallback {
        /// The version.
        version: u8,
        /// The payload's length in bytes.
        len: usize,
    },
    /// An `r` field whose length is not a positive multiple of one hop, or whose node id is
    /// not a public key.
    InvalidRouteHint {
        /// The field's length in bytes.
        len: usize,
    },
    /// The `9` field sets an even (required) feature bit the reader does not know.
    UnknownRequiredFeature {
        /// The lowest such bit.
        bit: usize,
    },
    /// The signature's R or S is not a valid scalar.
    MalformedSignature,
    /// With an `n` field, the signature is not in low-S form.
    HighS,
    /// The signature does not verify against the `n` field.
    SignatureMismatch {
        /// The payee the invoice names.
        payee: NodeId,
    },
    /// Without an `n` field, no public key can be recovered from the signature.
    UnrecoverableSignature,
}

impl fmt::Display for VerifyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            VerifyError::MissingPaymentHash => write!(f, "missing payment hash ('p' field)"),
            VerifyError::DuplicatePaymentHash => {
                write!(f, "more than one payment hash ('p' field)")
            }
            VerifyError::MissingPaymentSecret => write!(f, "missing payment secret ('s' field)"),
            VerifyError::DuplicatePaymentSecret => {
                write!(f, "more than one payment secret ('s' field)")
            }
            VerifyError::MissingDescription => {
                write!(f, "missing description: neither 'd' nor 'h' field")
            }
            VerifyError::MultipleDescriptions { d, h } => {
                write!(f, "more than one description: {d} 'd' and {h} 'h' fields")
            }
            VerifyError::DescriptionNotUtf8 { bytes } => {
                write!(f, "description is not utf-8: {}", types::hex::encode(bytes))
            }
            VerifyError::InvalidPayee { bytes } => {
                write!(f, "payee ('n' field) is not a public key: {}", types::hex::encode(bytes))
            }
            VerifyError::NonMinimalField { field } => {
                write!(f, "'{field}' field is not minimally encoded")
            }
            VerifyError::FieldOverflow { field } => write!(f, "'{field}' field exceeds 64 bits"),
            VerifyError::InvalidFallback { version, len } => {
                write!(f, "fallback address of version {version} has invalid length {len}")
            }
            VerifyError::InvalidRouteHint { len } => {
                write!(f, "route hint ('r' field) of {len} bytes is malformed")
            }
            VerifyError::UnknownRequiredFeature { bit } => {
                write!(f, "unknown required feature bit {bit}")
            }
            VerifyError::MalformedSignature => write!(f, "malformed signature"),
            VerifyError::HighS => write!(f, "signature is not in low-s form"),
            VerifyError::SignatureMismatch { payee } => {
                write!(f, "signature does not match payee {payee}")
            }
            VerifyError::UnrecoverableSignature => {
                write!(f, "no public key can be recovered from the signature")
            }
        }
    }
}

impl std::error::Error for VerifyError {}

/// Why a string is not a valid invoice for the caller (decode = parse + verify + currency).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum DecodeError {
    /// Not a syntactically valid invoice.
    Parse(ParseError),
    /// Syntactically valid but not a valid invoice.
    Verify(VerifyError),
    /// A valid invoice for another chain.
    WrongCurrency {
        /// The chain the caller expects.
        expected: Currency,
        /// The invoice's chain.
        found: Currency,
    },
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DecodeError::Parse(e) => e.fmt(f),
            DecodeError::Verify(e) => e.fmt(f),
            DecodeError::WrongCurrency { expected, found } => write!(
                f,
                "invoice is for currency {} ({}), expected {} ({})",
                found.prefix(),
                found.network(),
                expected.prefix(),
                expected.network()
            ),
        }
    }
}

impl std::error::Error for DecodeError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            DecodeError::Parse(e) => Some(e),
            DecodeError::Verify(e) => Some(e),
            DecodeError::WrongCurrency { .. } => None,
        }
    }
}

impl From<ParseError> for DecodeError {
    fn from(e: ParseError) -> DecodeError {
        DecodeError::Parse(e)
    }
}

impl From<VerifyError> for DecodeError {
    fn from(e: VerifyError) -> DecodeError {
        DecodeError::Verify(e)
    }
}

/// The description a caller holds does not hash to the invoice's `h` field.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct DescriptionMismatch {
    /// The caller's description.
    pub description: String,
    /// The invoice's description hash.
    pub expected_hash: [u8; 32],
}

impl fmt::Display for DescriptionMismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "description {:?} does not match description hash {}",
            self.description,
            types::hex::encode(&self.expected_hash)
        )
    }
}

impl std::error::Error for DescriptionMismatch {}

/// A verified BOLT 11 invoice. Only [`RawInvoice::verify`] (and what calls it) makes one, so
/// holding an `Invoice` means its fields and signature were checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Invoice {
    raw: RawInvoice,
    amount: Option<Msat>,
    timestamp: u64,
    payment_hash: PaymentHash,
    payment_secret: PaymentSecret,
    description: Description,
    payee: PublicKey,
    payee_in_invoice: bool,
    expiry: u64,
    min_final_cltv_expiry_delta: u64,
    fallbacks: Vec<Fallback>,
    route_hints: Vec<RouteHint>,
    features: Features,
    payment_metadata: Option<Vec<u8>>,
    signature: Signature,
}

impl Invoice {
    /// Parses and verifies `s`, and checks it is for `expected`'s chain.
    pub fn decode(s: &str, expected: Currency) -> Result<Invoice, DecodeError> {
        let raw = RawInvoice::parse(s)?;
        if raw.currency != expected {
            return Err(DecodeError::WrongCurrency { expected, found: raw.currency });
        }
        Ok(raw.verify()?)
    }

    /// The raw form, with every field as written.
    pub fn raw(&self) -> &RawInvoice {
        &self.raw
    }

    /// The chain.
    pub fn currency(&self) -> Currency {
        self.raw.currency
    }

    /// The amount asked for, if any.
    pub fn amount(&self) -> Option<Msat> {
        self.amount
    }

    /// Creation time, seconds since 1970.
    pub fn timestamp(&self) -> u64 {
        self.timestamp
    }

    /// Seconds after the timestamp during which the invoice may be paid.
    pub fn expiry(&self) -> u64 {
        self.expiry
    }

    /// The time (seconds since 1970) after which the invoice is expired.
    pub fn expires_at(&self) -> u64 {
        self.timestamp.saturating_add(self.expiry)
    }

    /// Whether the invoice is expired at `now` (seconds since 1970): `now` is past
    /// [`expires_at`](Self::expires_at).
    pub fn is_expired(&self, now: u64) -> bool {
        now > self.expires_at()
    }

    /// The payment hash.
    pub fn payment_hash(&self) -> &PaymentHash {
        &self.payment_hash
    }

    /// The payment secret.
    pub fn payment_secret(&self) -> &PaymentSecret {
        &self.payment_secret
    }

    /// The description or its hash.
    pub fn description(&self) -> &Description {
        &self.description
    }

    /// Checks a description the caller holds against the invoice: it must hash to the `h`
    /// field (an invoice with a `d` field accepts any, as Core Lightning does).
    pub fn check_description(&self, description: &str) -> Result<(), DescriptionMismatch> {
        match &self.description {
            Description::Hash(h) if Sha256::digest(description.as_bytes()).as_slice() != h => {
                Err(DescriptionMismatch { description: description.to_owned(), expected_hash: *h })
            }
            _ => Ok(()),
        }
    }

    /// The payee: the `n` field, or the key recovered from the signature.
    pub fn payee(&self) -> NodeId {
        NodeId::from_pubkey(&self.payee)
    }

    /// The payee's public key.
    pub fn payee_pubkey(&self) -> &PublicKey {
        &self.payee
    }

    /// Whether the payee came from an `n` field (rather than signature recovery).
    pub fn payee_in_invoice(&self) -> bool {
        self.payee_in_invoice
    }

    /// The CLTV delta the last HTLC needs (`c`, default 18).
    pub fn min_final_cltv_expiry_delta(&self) -> u64 {
        self.min_final_cltv_expiry_delta
    }

    /// Fallback addresses of known versions, most preferred first.
    pub fn fallbacks(&self) -> &[Fallback] {
        &self.fallbacks
    }

    /// Private routes to the payee, one per `r` field.
    pub fn route_hints(&self) -> &[RouteHint] {
        &self.route_hints
    }

    /// The `9` field's features (empty without one).
    pub fn features(&self) -> &Features {
        &self.features
    }

    /// The `m` field.
    pub fn payment_metadata(&self) -> Option<&[u8]> {
        self.payment_metadata.as_deref()
    }

    /// The signature (R || S, in the form written: possibly high-S when recovered).
    pub fn signature(&self) -> &Signature {
        &self.signature
    }

    /// Fields whose type this reader does not know, kept as written.
    pub fn unknown_fields(&self) -> impl Iterator<Item = RawField<'_>> {
        self.raw.fields().filter(|f| !tag::KNOWN.contains(&f.tag))
    }
}

impl FromStr for Invoice {
    type Err = DecodeError;

    /// Parses and verifies an invoice for any chain.
    fn from_str(s: &str) -> Result<Invoice, DecodeError> {
        Ok(RawInvoice::parse(s)?.verify()?)
    }
}

impl fmt::Display for Invoice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.raw.fmt(f)
    }
}

fn parse_u64(field: &RawField<'_>) -> Result<u64, VerifyError> {
    if field.data.first() == Some(&0) {
        return Err(VerifyError::NonMinimalField { field: field.letter() });
    }
    fives::to_u64(field.data).ok_or(VerifyError::FieldOverflow { field: field.letter() })
}

fn parse_fallback(data: &[u8]) -> Result<Option<Fallback>, VerifyError> {
    let Some((&version, payload)) = data.split_first() else {
        return Err(VerifyError::InvalidFallback { version: 0, len: 0 });
    };
    let bytes = fives::to_vec(payload);
    let invalid = || VerifyError::InvalidFallback { version, len: bytes.len() };
    let fallback = match version {
        0..=16 => {
            let fb = Fallback::Segwit { version, program: bytes.clone() };
            if fb.witness_program().is_none() {
                return Err(invalid());
            }
            fb
        }
        17 => Fallback::PubkeyHash(bytes.as_slice().try_into().map_err(|_| invalid())?),
        18 => Fallback::ScriptHash(bytes.as_slice().try_into().map_err(|_| invalid())?),
        _ => return Ok(None),
    };
    Ok(Some(fallback))
}

fn parse_route_hint(data: &[u8]) -> Result<RouteHint, VerifyError> {
    let len = fives::byte_len(data.len());
    let invalid = VerifyError::InvalidRouteHint { len };
    if len == 0 || len % HOP_LEN != 0 {
        return Err(invalid);
    }
    let mut hops = Vec::with_capacity(len / HOP_LEN);
    let all = fives::to_vec(data);
    for chunk in all.chunks_exact(HOP_LEN) {
        let hop = chunk.try_into().ok().and_then(hint_hop_from_bytes);
        hops.push(hop.ok_or(VerifyError::InvalidRouteHint { len })?);
    }
    Ok(RouteHint(hops))
}

fn parse_features(data: &[u8]) -> Result<Features, VerifyError> {
    if data.first() == Some(&0) {
        return Err(VerifyError::NonMinimalField { field: '9' });
    }
    let mut be = vec![0u8; (data.len() * 5).div_ceil(8)];
    // Right-align the bits: bit 0 is the last bit of the last group.
    let mut acc: u32 = 0;
    let mut bits = 0u32;
    let mut out = be.iter_mut().rev();
    for &v in data.iter().rev() {
        acc |= u32::from(v & 31) << bits;
        bits += 5;
        while bits >= 8 {
            if let Some(o) = out.next() {
                *o = acc as u8;
            }
            acc >>= 8;
            bits -= 8;
        }
    }
    if bits > 0 {
        if let Some(o) = out.next() {
            *o = acc as u8;
        }
    }
    let features = Features::from_be_bytes(&be);
    if let Some(&bit) = features.unknown_required(INVOICE_FEATURES).first() {
        return Err(VerifyError::UnknownRequiredFeature { bit });
    }
    Ok(features)
}

impl RawInvoice {
    /// Reads every field, checks what the spec requires of a reader, and checks the signature
    /// (against the `n` field, or by recovering the payee).
    pub fn verify(self) -> Result<Invoice, VerifyError> {
        let mut payment_hash = None;
        let mut payment_secret = None;
        let mut description = None;
        let (mut p_count, mut s_count, mut d_count, mut h_count) = (0, 0, 0, 0);
        let mut payee_field = None;
        let mut expiry = None;
        let mut cltv = None;
        let mut fallbacks = Vec::new();
        let mut route_hints = Vec::new();
        let mut features = None;
        let mut payment_metadata = None;
        for field in self.fields() {
            let data = field.data;
            match field.tag {
                tag::P => {
                    if let Some(h) = fives::to_array::<32>(data).filter(|_| data.len() == 52) {
                        p_count += 1;
                        payment_hash.get_or_insert(PaymentHash(h));
                    }
                }
                tag::S => {
                    if let Some(s) = fives::to_array::<32>(data).filter(|_| data.len() == 52) {
                        s_count += 1;
                        payment_secret.get_or_insert(PaymentSecret(s));
                    }
                }
                tag::D => {
                    d_count += 1;
                    if description.is_none() {
                        let bytes = fives::to_vec(data);
                        let text = String::from_utf8(bytes).map_err(|e| {
                            VerifyError::DescriptionNotUtf8 { bytes: e.into_bytes() }
                        })?;
                        description = Some(Description::Direct(text));
                    }
                }
                tag::H => {
                    if let Some(h) = fives::to_array::<32>(data).filter(|_| data.len() == 52) {
                        h_count += 1;
                        description.get_or_insert(Description::Hash(h));
                    }
                }
                tag::N if payee_field.is_none() && data.len() == 53 => {
                    let bytes = fives::to_array::<33>(data).unwrap_or([0; 33]);
                    let pk = PublicKey::from_slice(&bytes)
                        .map_err(|_| VerifyError::InvalidPayee { bytes: bytes.to_vec() })?;
                    payee_field = Some(pk);
                }
                tag::X if expiry.is_none() => expiry = Some(parse_u64(&field)?),
                tag::C if cltv.is_none() => cltv = Some(parse_u64(&field)?),
                tag::F => {
                    if let Some(fb) = parse_fallback(data)? {
                        fallbacks.push(fb);
                    }
                }
                tag::R => route_hints.push(parse_route_hint(data)?),
                tag::FEATURES if features.is_none() => features = Some(parse_features(data)?),
                tag::M if payment_metadata.is_none() => {
                    payment_metadata = Some(fives::to_vec(data))
                }
                _ => {}
            }
        }
        // The signature first: a semantic failure of a signed invoice may mean tampering, and
        // the spec's high-S example has a second `s` field besides.
        let msg = Message::from_digest(self.signing_hash());
        let (payee, signature) = match payee_field {
            Some(pk) => {
                let sig = Signature::from_compact(&self.signature)
                    .map_err(|_| VerifyError::MalformedSignature)?;
                let mut low = sig;
                low.normalize_s();
                if low != sig {
                    return Err(VerifyError::HighS);
                }
                SECP256K1.verify_ecdsa(&msg, &sig, &pk).map_err(|_| {
                    VerifyError::SignatureMismatch { payee: NodeId::from_pubkey(&pk) }
                })?;
                (pk, sig)
            }
            None => {
                let id = RecoveryId::from_i32(i32::from(self.recovery_id))
                    .map_err(|_| VerifyError::UnrecoverableSignature)?;
                let sig = RecoverableSignature::from_compact(&self.signature, id)
                    .map_err(|_| VerifyError::MalformedSignature)?;
                let pk = SECP256K1
                    .recover_ecdsa(&msg, &sig)
                    .map_err(|_| VerifyError::UnrecoverableSignature)?;
                (pk, sig.to_standard())
            }
        };
        let payment_hash = payment_hash.ok_or(VerifyError::MissingPaymentHash)?;
        if p_count > 1 {
            return Err(VerifyError::DuplicatePaymentHash);
        }
        let payment_secret = payment_secret.ok_or(VerifyError::MissingPaymentSecret)?;
        if s_count > 1 {
            return Err(VerifyError::DuplicatePaymentSecret);
        }
        if d_count + h_count > 1 {
            return Err(VerifyError::MultipleDescriptions { d: d_count, h: h_count });
        }
        let description = description.ok_or(VerifyError::MissingDescription)?;
        let amount = self.amount.and_then(|a| a.msat()).map(Msat);
        let timestamp = self.timestamp();
        Ok(Invoice {
            raw: self,
            amount,
            timestamp,
            payment_hash,
            payment_secret,
            description,
            payee,
            payee_in_invoice: payee_field.is_some(),
            expiry: expiry.unwrap_or(DEFAULT_EXPIRY),
            min_final_cltv_expiry_delta: cltv.unwrap_or(DEFAULT_MIN_FINAL_CLTV_EXPIRY_DELTA),
            fallbacks,
            route_hints,
            features: features.unwrap_or_default(),
            payment_metadata,
            signature,
        })
    }
}
