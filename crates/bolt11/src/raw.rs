//! The raw, unverified form of an invoice: its bech32 syntax, human-readable part and the
//! framing of its tagged fields, nothing more.
//!
//! [`RawInvoice::from_str`] checks only what can be checked without reading field contents
//! (checksum, case, prefix, amount, length, field framing, recovery id). Nothing in a
//! `RawInvoice` is trusted: [`RawInvoice::verify`](crate::RawInvoice::verify) turns it into an
//! [`Invoice`](crate::Invoice). A `RawInvoice` keeps every field, known or not, in order, so it
//! re-encodes to exactly the string it came from (in lower case).

use core::fmt;
use core::str::FromStr;

use sha2::{Digest, Sha256};

use crate::fives;
use crate::Currency;

/// 5-bit groups of the timestamp.
pub(crate) const TIMESTAMP_LEN: usize = 7;
/// 5-bit groups of the signature (64 bytes of R || S and a recovery id byte).
pub(crate) const SIGNATURE_LEN: usize = 104;
/// The largest timestamp 35 bits hold.
pub const MAX_TIMESTAMP: u64 = (1 << 35) - 1;
/// The largest `data_length` of a tagged field, in 5-bit groups.
pub const MAX_FIELD_LEN: usize = 1023;

/// Length of the bech32 checksum, in characters.
const CHECKSUM_LEN: usize = 6;
/// The longest human-readable part BIP-173 allows.
const MAX_HRP_LEN: usize = 83;

/// The BIP-173 checksum generator.
const GENERATOR: [u32; 5] = [0x3b6a_57b2, 0x2650_8e6d, 0x1ea1_19fa, 0x3d42_33dd, 0x2a14_62b3];

/// One step of the BIP-173 checksum (`polymod`) over a 5-bit value.
fn polymod_step(chk: u32, v: u8) -> u32 {
    let top = chk >> 25;
    let mut chk = ((chk & 0x01ff_ffff) << 5) ^ u32::from(v);
    for (i, g) in GENERATOR.iter().enumerate() {
        if (top >> i) & 1 == 1 {
            chk ^= g;
        }
    }
    chk
}

/// The checksum state after the (lower-case) human-readable part.
fn polymod_hrp(hrp: &[u8]) -> u32 {
    let mut chk = 1;
    for &c in hrp {
        chk = polymod_step(chk, c >> 5);
    }
    chk = polymod_step(chk, 0);
    for &c in hrp {
        chk = polymod_step(chk, c & 31);
    }
    chk
}

/// A multiplier letter of the amount in the human-readable part.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Multiplier {
    /// `m`: 0.001 bitcoin.
    Milli,
    /// `u`: 0.000001 bitcoin.
    Micro,
    /// `n`: 0.000000001 bitcoin.
    Nano,
    /// `p`: 0.000000000001 bitcoin (a tenth of a millisatoshi).
    Pico,
}

impl Multiplier {
    /// The letter.
    pub const fn letter(self) -> char {
        match self {
            Multiplier::Milli => 'm',
            Multiplier::Micro => 'u',
            Multiplier::Nano => 'n',
            Multiplier::Pico => 'p',
        }
    }

    fn from_letter(c: u8) -> Option<Multiplier> {
        match c {
            b'm' => Some(Multiplier::Milli),
            b'u' => Some(Multiplier::Micro),
            b'n' => Some(Multiplier::Nano),
            b'p' => Some(Multiplier::Pico),
            _ => None,
        }
    }
}

const MSAT_PER_BTC: u64 = 100_000_000_000;

/// The amount of the human-readable part as written: a decimal number and its multiplier.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Amount {
    /// The number (positive, written without leading zeros).
    pub value: u64,
    /// The multiplier letter, if any (none means whole bitcoin).
    pub multiplier: Option<Multiplier>,
}

impl Amount {
    /// The amount in millisatoshi, or `None` if it is not a whole number of millisatoshi or
    /// does not fit a `u64`.
    pub fn msat(self) -> Option<u64> {
        match self.multiplier {
            None => self.value.checked_mul(MSAT_PER_BTC),
            Some(Multiplier::Milli) => self.value.checked_mul(100_000_000),
            Some(Multiplier::Micro) => self.value.checked_mul(100_000),
            Some(Multiplier::Nano) => self.value.checked_mul(100),
            Some(Multiplier::Pico) => (self.value % 10 == 0).then_some(self.value / 10),
        }
    }

    /// The shortest way to write `msat` (the largest multiplier that keeps the number whole),
    /// or `None` for zero or an amount too large to write in pico-bitcoin.
    pub fn from_msat(msat: u64) -> Option<Amount> {
        if msat == 0 {
            return None;
        }
        let (value, multiplier) = if msat % MSAT_PER_BTC == 0 {
            (msat / MSAT_PER_BTC, None)
        } else if msat % 100_000_000 == 0 {
            (msat / 100_000_000, Some(Multiplier::Milli))
        } else if msat % 100_000 == 0 {
            (msat / 100_000, Some(Multiplier::Micro))
        } else if msat % 100 == 0 {
            (msat / 100, Some(Multiplier::Nano))
        } else {
            (msat.checked_mul(10)?, Some(Multiplier::Pico))
        };
        Some(Amount { value, multiplier })
    }
}

impl fmt::Display for Amount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.value)?;
        if let Some(m) = self.multiplier {
            write!(f, "{}", m.letter())?;
        }
        Ok(())
    }
}

/// Why a string is not a syntactically valid invoice.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ParseError {
    /// No `1` separates the human-readable part from the data.
    NoSeparator,
    /// Upper and lower case letters are mixed.
    MixedCase,
    /// A character outside the bech32 alphabet (or not ASCII).
    InvalidChar {
        /// The character.
        ch: char,
    },
    /// The bech32 checksum does not match.
    BadChecksum,
    /// The human-readable part is empty or longer than 83 characters.
    InvalidHrp {
        /// The human-readable part as given (up to the last `1`).
        hrp: String,
    },
    /// The human-readable part does not start with `ln`.
    NotLightning {
        /// The human-readable part.
        hrp: String,
    },
    /// The currency prefix is none of `bc`, `tb`, `tbs`, `bcrt`.
    UnknownCurrency {
        /// The human-readable part.
        hrp: String,
    },
    /// The amount is not a positive decimal number without leading zeros, or overflows.
    InvalidAmount {
        /// The amount as written.
        amount: String,
    },
    /// The amount is followed by something other than one multiplier letter `m`, `u`, `n`, `p`.
    InvalidMultiplier {
        /// What follows the digits.
        multiplier: String,
    },
    /// A pico-bitcoin amount that is not a multiple of 10 (not a whole millisatoshi).
    SubMillisatoshiAmount {
        /// The amount as written.
        amount: String,
    },
    /// The data part is too short to hold a timestamp and a signature.
    TooShort {
        /// The length of the data part without its checksum, in characters.
        len: usize,
    },
    /// A tagged field's header or data runs past the signature.
    TruncatedField {
        /// The field's type (5-bit value).
        tag: u8,
        /// Where the field starts in the data part, in characters.
        position: usize,
    },
    /// The signature's recovery id is not 0, 1, 2 or 3.
    InvalidRecoveryId {
        /// The recovery id byte.
        id: u8,
    },
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ParseError::NoSeparator => write!(f, "malformed bech32: no '1' separator"),
            ParseError::MixedCase => write!(f, "malformed bech32: mixed upper and lower case"),
            ParseError::InvalidChar { ch } => {
                write!(f, "malformed bech32: invalid character {ch:?}")
            }
            ParseError::BadChecksum => write!(f, "bad bech32 checksum"),
            ParseError::InvalidHrp { hrp } => write!(f, "invalid human-readable part {hrp:?}"),
            ParseError::NotLightning { hrp } => {
                write!(f, "human-readable part {hrp:?} does not start with \"ln\"")
            }
            ParseError::UnknownCurrency { hrp } => {
                write!(f, "unknown currency in human-readable part {hrp:?}")
            }
            ParseError::InvalidAmount { amount } => write!(f, "invalid amount {amount:?}"),
            ParseError::InvalidMultiplier { multiplier } => {
                write!(f, "invalid amount multiplier {multiplier:?}")
            }
            ParseError::SubMillisatoshiAmount { amount } => {
                write!(f, "amount {amount:?} is not a whole number of millisatoshi")
            }
            ParseError::TooShort { len } => {
                write!(f, "data part of {len} characters is too short for timestamp and signature")
            }
            ParseError::TruncatedField { tag, position } => {
                write!(f, "field '{}' at {position} runs past the signature", fives::to_char(*tag))
            }
            ParseError::InvalidRecoveryId { id } => write!(f, "invalid signature recovery id {id}"),
        }
    }
}

impl std::error::Error for ParseError {}

/// One tagged field as written: its type and its data in 5-bit groups.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RawField<'a> {
    /// The type (5-bit value; `fives::to_char` gives its letter, e.g. 1 is `p`).
    pub tag: u8,
    /// The data, one 5-bit group per byte.
    pub data: &'a [u8],
}

impl RawField<'_> {
    /// The letter of the field's type (`p`, `s`, `d`, ...).
    pub fn letter(&self) -> char {
        fives::to_char(self.tag)
    }

    /// The data as the bech32 characters it was written with (lower case).
    pub fn data_chars(&self) -> String {
        self.data.iter().map(|&v| fives::to_char(v)).collect()
    }
}

/// An invoice as written, not yet verified: see the [module documentation](self).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RawInvoice {
    pub(crate) currency: Currency,
    pub(crate) amount: Option<Amount>,
    /// Timestamp and tagged fields, one 5-bit group per byte (the signature excluded).
    pub(crate) data: Vec<u8>,
    pub(crate) signature: [u8; 64],
    pub(crate) recovery_id: u8,
}

impl RawInvoice {
    /// The currency of the human-readable part.
    pub fn currency(&self) -> Currency {
        self.currency
    }

    /// The amount of the human-readable part as written.
    pub fn amount(&self) -> Option<Amount> {
        self.amount
    }

    /// The timestamp (seconds since 1970).
    pub fn timestamp(&self) -> u64 {
        self.data.get(..TIMESTAMP_LEN).and_then(fives::to_u64).unwrap_or(0)
    }

    /// Every tagged field, in order, known or not.
    pub fn fields(&self) -> Fields<'_> {
        Fields { data: self.data.get(TIMESTAMP_LEN..).unwrap_or(&[]) }
    }

    /// The 64-byte compact signature (R || S) as written.
    pub fn signature(&self) -> &[u8; 64] {
        &self.signature
    }

    /// The recovery id as written (0 to 3).
    pub fn recovery_id(&self) -> u8 {
        self.recovery_id
    }

    /// The human-readable part, lower case (`lnbc2500u`).
    pub fn hrp(&self) -> String {
        let mut s = String::with_capacity(16);
        s.push_str("ln");
        s.push_str(self.currency.prefix());
        if let Some(a) = self.amount {
            s.push_str(&a.to_string());
        }
        s
    }

    /// The SHA-256 the signature commits to: the human-readable part's bytes followed by the
    /// data part before the signature, padded with zero bits to a whole byte.
    pub fn signing_hash(&self) -> [u8; 32] {
        let mut h = Sha256::new();
        h.update(b"ln");
        h.update(self.currency.prefix().as_bytes());
        if let Some(a) = self.amount {
            let mut digits = [0u8; 20];
            let mut i = digits.len();
            let mut v = a.value;
            loop {
                i -= 1;
                if let Some(d) = digits.get_mut(i) {
                    *d = b'0' + (v % 10) as u8;
                }
                v /= 10;
                if v == 0 || i == 0 {
                    break;
                }
            }
            h.update(digits.get(i..).unwrap_or(&[]));
            if let Some(m) = a.multiplier {
                h.update([m.letter() as u8]);
            }
        }
        let mut buf = [0u8; 64];
        // 96 groups are 60 whole bytes: only the last chunk is padded.
        for chunk in self.data.chunks(96) {
            let n = (chunk.len() * 5).div_ceil(8);
            let out = &mut buf[..n.min(60)];
            out.fill(0);
            pack_padded(chunk, out);
            h.update(&*out);
        }
        h.finalize().into()
    }

    /// Checks the bech32 syntax, human-readable part, length and field framing of `s`.
    ///
    /// Bech32 as BIP-173 defines it, without its 90-character limit (BOLT 11 lifts it).
    pub fn parse(s: &str) -> Result<RawInvoice, ParseError> {
        let bytes = s.as_bytes();
        let (mut lower, mut upper) = (false, false);
        for &b in bytes {
            if !(33..=126).contains(&b) {
                let ch = s.chars().find(|c| !(33..=126).contains(&u32::from(*c))).unwrap_or('?');
                return Err(ParseError::InvalidChar { ch });
            }
            lower |= b.is_ascii_lowercase();
            upper |= b.is_ascii_uppercase();
        }
        if lower && upper {
            return Err(ParseError::MixedCase);
        }
        let sep = bytes.iter().rposition(|&b| b == b'1').ok_or(ParseError::NoSeparator)?;
        let (hrp, ascii) = bytes.split_at(sep);
        let ascii = ascii.get(1..).unwrap_or(&[]);
        if hrp.is_empty() || hrp.len() > MAX_HRP_LEN {
            return Err(ParseError::InvalidHrp { hrp: hrp_string(hrp) });
        }
        let mut hrp_buf = [0u8; MAX_HRP_LEN];
        let hrp_lower = hrp_buf.get_mut(..hrp.len()).unwrap_or(&mut []);
        for (o, &b) in hrp_lower.iter_mut().zip(hrp) {
            *o = b.to_ascii_lowercase();
        }
        let hrp_lower: &[u8] = hrp_lower;
        if ascii.len() < CHECKSUM_LEN {
            return Err(ParseError::TooShort { len: ascii.len() });
        }
        let data_len = ascii.len() - CHECKSUM_LEN;
        let fields_end = data_len.saturating_sub(SIGNATURE_LEN);
        let mut data = Vec::with_capacity(fields_end);
        let mut sig_fives = [0u8; SIGNATURE_LEN];
        let mut sig_out = sig_fives.iter_mut();
        let mut chk = polymod_hrp(hrp_lower);
        for (i, &c) in ascii.iter().enumerate() {
            let v = fives::from_char(c).ok_or(ParseError::InvalidChar { ch: char::from(c) })?;
            chk = polymod_step(chk, v);
            if i < fields_end {
                data.push(v);
            } else if let Some(o) = sig_out.next() {
                *o = v;
            }
        }
        if chk != 1 {
            return Err(ParseError::BadChecksum);
        }
        let (currency, amount) = parse_hrp(hrp_lower)?;
        if data_len < TIMESTAMP_LEN + SIGNATURE_LEN {
            return Err(ParseError::TooShort { len: data_len });
        }
        let mut sig = [0u8; 65];
        fives::to_bytes(&sig_fives, &mut sig);
        let mut signature = [0u8; 64];
        signature.copy_from_slice(&sig[..64]);
        let recovery_id = sig[64];
        check_framing(&data)?;
        if recovery_id > 3 {
            return Err(ParseError::InvalidRecoveryId { id: recovery_id });
        }
        Ok(RawInvoice { currency, amount, data, signature, recovery_id })
    }

    /// Writes the invoice in lower case to `out`.
    fn write(&self, out: &mut impl fmt::Write) -> fmt::Result {
        let hrp_string = self.hrp();
        out.write_str(&hrp_string)?;
        out.write_char('1')?;
        let mut chk = polymod_hrp(hrp_string.as_bytes());
        let mut sig = [0u8; 65];
        sig[..64].copy_from_slice(&self.signature);
        sig[64] = self.recovery_id;
        let mut sig_fives = Vec::with_capacity(SIGNATURE_LEN);
        fives::push_bytes(&sig, &mut sig_fives);
        for &v in self.data.iter().chain(sig_fives.iter()) {
            chk = polymod_step(chk, v & 31);
            out.write_char(fives::to_char(v))?;
        }
        for _ in 0..CHECKSUM_LEN {
            chk = polymod_step(chk, 0);
        }
        let residue = chk ^ 1;
        for i in (0..CHECKSUM_LEN).rev() {
            out.write_char(fives::to_char(((residue >> (5 * i)) & 31) as u8))?;
        }
        Ok(())
    }
}

/// Packs 5-bit groups into `out`, the last byte padded with zero bits.
fn pack_padded(fives_in: &[u8], out: &mut [u8]) {
    let mut acc: u32 = 0;
    let mut bits = 0u32;
    let mut outs = out.iter_mut();
    for &v in fives_in {
        acc = (acc << 5) | u32::from(v & 31);
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            if let Some(o) = outs.next() {
                *o = (acc >> bits) as u8;
            }
            acc &= (1 << bits) - 1;
        }
    }
    if bits > 0 {
        if let Some(o) = outs.next() {
            *o = (acc << (8 - bits)) as u8;
        }
    }
}

impl FromStr for RawInvoice {
    type Err = ParseError;

    fn from_str(s: &str) -> Result<RawInvoice, ParseError> {
        RawInvoice::parse(s)
    }
}

impl fmt::Display for RawInvoice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.write(f)
    }
}

/// The tagged fields of a [`RawInvoice`], in order.
#[derive(Clone, Debug)]
pub struct Fields<'a> {
    data: &'a [u8],
}

impl<'a> Iterator for Fields<'a> {
    type Item = RawField<'a>;

    fn next(&mut self) -> Option<RawField<'a>> {
        let (&tag, rest) = self.data.split_first()?;
        let (&hi, rest) = rest.split_first()?;
        let (&lo, rest) = rest.split_first()?;
        let len = usize::from(hi) * 32 + usize::from(lo);
        let data = rest.get(..len)?;
        self.data = rest.get(len..).unwrap_or(&[]);
        Some(RawField { tag, data })
    }
}

fn check_framing(data: &[u8]) -> Result<(), ParseError> {
    let mut pos = TIMESTAMP_LEN;
    while pos < data.len() {
        let tag = data.get(pos).copied().unwrap_or(0);
        let (Some(&hi), Some(&lo)) = (data.get(pos + 1), data.get(pos + 2)) else {
            return Err(ParseError::TruncatedField { tag, position: pos });
        };
        let len = usize::from(hi) * 32 + usize::from(lo);
        if pos + 3 + len > data.len() {
            return Err(ParseError::TruncatedField { tag, position: pos });
        }
        pos += 3 + len;
    }
    Ok(())
}

/// Reads a lower-case human-readable part.
fn parse_hrp(lower: &[u8]) -> Result<(Currency, Option<Amount>), ParseError> {
    let rest = lower
        .strip_prefix(b"ln")
        .ok_or_else(|| ParseError::NotLightning { hrp: hrp_string(lower) })?;
    let mut found = None;
    for currency in [Currency::Regtest, Currency::Signet, Currency::Bitcoin, Currency::Testnet] {
        if let Some(after) = rest.strip_prefix(currency.prefix().as_bytes()) {
            if after.first().map_or(true, u8::is_ascii_digit) {
                found = Some((currency, after));
                break;
            }
        }
    }
    let (currency, amount) =
        found.ok_or_else(|| ParseError::UnknownCurrency { hrp: hrp_string(lower) })?;
    if amount.is_empty() {
        return Ok((currency, None));
    }
    let digits_end = amount.iter().position(|b| !b.is_ascii_digit()).unwrap_or(amount.len());
    let (digits, tail) = amount.split_at(digits_end);
    let multiplier = match tail {
        [] => None,
        [m] => Some(
            Multiplier::from_letter(*m)
                .ok_or_else(|| ParseError::InvalidMultiplier { multiplier: hrp_string(tail) })?,
        ),
        _ => return Err(ParseError::InvalidMultiplier { multiplier: hrp_string(tail) }),
    };
    let invalid = || ParseError::InvalidAmount { amount: hrp_string(amount) };
    if digits.first() == Some(&b'0') {
        return Err(invalid());
    }
    let mut value: u64 = 0;
    for &d in digits {
        value = value
            .checked_mul(10)
            .and_then(|v| v.checked_add(u64::from(d - b'0')))
            .ok_or_else(invalid)?;
    }
    let amount_val = Amount { value, multiplier };
    if amount_val.msat().is_none() {
        if multiplier == Some(Multiplier::Pico) {
            return Err(ParseError::SubMillisatoshiAmount { amount: hrp_string(amount) });
        }
        return Err(invalid());
    }
    Ok((currency, Some(amount_val)))
}

fn hrp_string(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hrp_of(s: &str) -> Result<(Currency, Option<Amount>), ParseError> {
        parse_hrp(s.to_ascii_lowercase().as_bytes())
    }

    #[test]
    fn human_readable_parts() {
        let amt = |value, multiplier| Some(Amount { value, multiplier });
        assert_eq!(hrp_of("lnbc"), Ok((Currency::Bitcoin, None)));
        assert_eq!(hrp_of("lntb"), Ok((Currency::Testnet, None)));
        assert_eq!(hrp_of("lntbs"), Ok((Currency::Signet, None)));
        assert_eq!(hrp_of("lnbcrt"), Ok((Currency::Regtest, None)));
        assert_eq!(
            hrp_of("LNBC2500U"),
            Ok((Currency::Bitcoin, amt(2500, Some(Multiplier::Micro))))
        );
        assert_eq!(hrp_of("lntbs1m"), Ok((Currency::Signet, amt(1, Some(Multiplier::Milli)))));
        assert_eq!(hrp_of("lnbcrt20"), Ok((Currency::Regtest, amt(20, None))));
        assert_eq!(hrp_of("lnbc10p"), Ok((Currency::Bitcoin, amt(10, Some(Multiplier::Pico)))));
        assert!(matches!(hrp_of("lnbc11p"), Err(ParseError::SubMillisatoshiAmount { .. })));
        assert!(matches!(hrp_of("lnbc025m"), Err(ParseError::InvalidAmount { .. })));
        assert!(matches!(hrp_of("lnbc0"), Err(ParseError::InvalidAmount { .. })));
        assert!(matches!(hrp_of("lnbc25mm"), Err(ParseError::InvalidMultiplier { .. })));
        assert!(matches!(hrp_of("lnbc25x"), Err(ParseError::InvalidMultiplier { .. })));
        assert!(matches!(
            hrp_of("lnbc99999999999999999999"),
            Err(ParseError::InvalidAmount { .. })
        ));
        assert!(matches!(hrp_of("lnbc999999999999"), Err(ParseError::InvalidAmount { .. })));
        assert!(matches!(hrp_of("lnxx"), Err(ParseError::UnknownCurrency { .. })));
        assert!(matches!(hrp_of("lnbcx"), Err(ParseError::UnknownCurrency { .. })));
        assert!(matches!(hrp_of("bc"), Err(ParseError::NotLightning { .. })));
    }

    #[test]
    fn shortest_amounts() {
        let check = |msat: u64, text: &str| {
            let a = Amount::from_msat(msat);
            assert_eq!(a.map(|a| a.to_string()).as_deref(), Some(text), "{msat}");
            assert_eq!(a.and_then(Amount::msat), Some(msat));
        };
        check(250_000_000, "2500u");
        check(2_000_000_000, "20m");
        check(100_000_000_000, "1");
        check(967_878_534, "9678785340p");
        check(1, "10p");
        check(100, "1n");
        assert_eq!(Amount::from_msat(0), None);
        assert_eq!(Amount::from_msat(u64::MAX), None);
    }
}
