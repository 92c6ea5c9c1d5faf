//! Millisatoshi amounts: checked arithmetic and Core Lightning's textual forms.
//!
//! Accepted text (the forms Core Lightning's `pay`/`sendpay` documentation promises for an
//! `msat` parameter):
//!
//! | form | meaning |
//! |---|---|
//! | `1000` | 1000 msat |
//! | `1000msat` | 1000 msat |
//! | `1sat` | 1000 msat |
//! | `1.001sat` | 1001 msat (exactly three decimals) |
//! | `1btc` | 100,000,000,000 msat |
//! | `0.00000000001btc` | 1 msat (one to eleven decimals) |
//!
//! Rejected, each with a [`ParseMsatError`] naming the input: an empty string, a sign,
//! anything past `u64::MAX` msat, a `sat` amount with other than three decimals, a `btc`
//! amount with twelve or more decimals, decimals without a unit, and trailing characters.
//! Core Lightning's own parser is laxer about trailing characters (it accepts `1msatX`) and
//! stricter about `N.NNNsat` (its code rejects what its documentation promises); we follow
//! the documentation and refuse junk.

use alloc::string::{String, ToString};
use core::fmt;
use core::str::FromStr;

/// An amount in millisatoshi. Arithmetic is checked: nothing wraps silently.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Msat(pub u64);

/// Millisatoshi in one satoshi.
const MSAT_PER_SAT: u64 = 1_000;
/// Millisatoshi in one bitcoin.
const MSAT_PER_BTC: u64 = 100_000_000_000;

impl Msat {
    /// Zero msat.
    pub const ZERO: Msat = Msat(0);
    /// The largest amount.
    pub const MAX: Msat = Msat(u64::MAX);

    /// The amount in millisatoshi.
    pub const fn msat(self) -> u64 {
        self.0
    }

    /// `sat` satoshi, or `None` if that overflows.
    pub const fn from_sat(sat: u64) -> Option<Msat> {
        match sat.checked_mul(MSAT_PER_SAT) {
            Some(m) => Some(Msat(m)),
            None => None,
        }
    }

    /// Whole satoshi, rounded down.
    pub const fn sat_floor(self) -> u64 {
        self.0 / MSAT_PER_SAT
    }

    /// `self + rhs`, or `None` on overflow.
    pub const fn checked_add(self, rhs: Msat) -> Option<Msat> {
        match self.0.checked_add(rhs.0) {
            Some(v) => Some(Msat(v)),
            None => None,
        }
    }

    /// `self - rhs`, or `None` if `rhs` is larger.
    pub const fn checked_sub(self, rhs: Msat) -> Option<Msat> {
        match self.0.checked_sub(rhs.0) {
            Some(v) => Some(Msat(v)),
            None => None,
        }
    }

    /// `self * k`, or `None` on overflow.
    pub const fn checked_mul(self, k: u64) -> Option<Msat> {
        match self.0.checked_mul(k) {
            Some(v) => Some(Msat(v)),
            None => None,
        }
    }

    /// `self - rhs`, or zero if `rhs` is larger.
    pub const fn saturating_sub(self, rhs: Msat) -> Msat {
        Msat(self.0.saturating_sub(rhs.0))
    }

    /// `self + rhs`, or [`Msat::MAX`] on overflow.
    pub const fn saturating_add(self, rhs: Msat) -> Msat {
        Msat(self.0.saturating_add(rhs.0))
    }

    /// `self * ppm / 1_000_000` rounded down, computed without overflow (the proportional
    /// fee of BOLT 7 for a rate in parts per million).
    pub const fn mul_ppm(self, ppm: u32) -> Msat {
        // In 64 bits whenever the product fits (every amount below 2^32 msat, and any real
        // amount at any real rate): a division by a constant is a multiply, not a call.
        if let Some(p) = self.0.checked_mul(ppm as u64) {
            return Msat(p / 1_000_000);
        }
        let v = (self.0 as u128 * ppm as u128) / 1_000_000;
        if v > u64::MAX as u128 {
            Msat::MAX
        } else {
            Msat(v as u64)
        }
    }
}

impl fmt::Display for Msat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}msat", self.0)
    }
}

impl From<u64> for Msat {
    fn from(v: u64) -> Msat {
        Msat(v)
    }
}

/// Why an amount string was rejected.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ParseMsatErrorKind {
    /// Nothing to parse.
    Empty,
    /// A leading `-` (or `+`): amounts are unsigned.
    Signed,
    /// No digits before the unit or decimal point.
    NoDigits,
    /// Decimals given without a `sat` or `btc` unit.
    DecimalsWithoutUnit,
    /// A `sat` amount whose decimals are not exactly three digits.
    SatDecimals,
    /// A `btc` amount with no decimals after the point, or more than eleven.
    BtcDecimals,
    /// Characters after the number that are not a unit (`msat`, `sat`, `btc`).
    TrailingCharacters,
    /// More than `u64::MAX` msat.
    Overflow,
}

/// An amount string that is not one of the accepted forms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseMsatError {
    /// The text that was rejected.
    pub input: String,
    /// What is wrong with it.
    pub kind: ParseMsatErrorKind,
}

impl fmt::Display for ParseMsatError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let why = match self.kind {
            ParseMsatErrorKind::Empty => "empty",
            ParseMsatErrorKind::Signed => "amounts cannot carry a sign",
            ParseMsatErrorKind::NoDigits => "no digits",
            ParseMsatErrorKind::DecimalsWithoutUnit => "decimals need a sat or btc unit",
            ParseMsatErrorKind::SatDecimals => "sat amounts take exactly three decimals",
            ParseMsatErrorKind::BtcDecimals => "btc amounts take one to eleven decimals",
            ParseMsatErrorKind::TrailingCharacters => "unexpected characters after the number",
            ParseMsatErrorKind::Overflow => "more than 18446744073709551615msat",
        };
        write!(f, "invalid msat amount {:?}: {}", self.input, why)
    }
}
crate::impl_std_error!(ParseMsatError);

fn digits_value(digits: &str) -> Option<u64> {
    let mut v: u64 = 0;
    for b in digits.bytes() {
        v = v.checked_mul(10)?.checked_add(u64::from(b - b'0'))?;
    }
    Some(v)
}

impl FromStr for Msat {
    type Err = ParseMsatError;

    fn from_str(s: &str) -> Result<Msat, ParseMsatError> {
        let fail = |kind| ParseMsatError { input: s.to_string(), kind };
        if s.is_empty() {
            return Err(fail(ParseMsatErrorKind::Empty));
        }
        if s.starts_with('-') || s.starts_with('+') {
            return Err(fail(ParseMsatErrorKind::Signed));
        }
        let int_end = s.bytes().position(|b| !b.is_ascii_digit()).unwrap_or(s.len());
        let (int_part, rest) = s.split_at(int_end);
        if int_part.is_empty() {
            return Err(fail(ParseMsatErrorKind::NoDigits));
        }
        let (frac, unit) = match rest.strip_prefix('.') {
            Some(after) => {
                let frac_end =
                    after.bytes().position(|b| !b.is_ascii_digit()).unwrap_or(after.len());
                let (frac, unit) = after.split_at(frac_end);
                (Some(frac), unit)
            }
            None => (None, rest),
        };
        let int = digits_value(int_part).ok_or_else(|| fail(ParseMsatErrorKind::Overflow))?;
        let overflow = || fail(ParseMsatErrorKind::Overflow);
        match (unit, frac) {
            ("" | "msat", None) => Ok(Msat(int)),
            ("", Some(_)) | ("msat", Some(_)) => Err(fail(ParseMsatErrorKind::DecimalsWithoutUnit)),
            ("sat", None) => int.checked_mul(MSAT_PER_SAT).map(Msat).ok_or_else(overflow),
            ("sat", Some(frac)) => {
                if frac.len() != 3 {
                    return Err(fail(ParseMsatErrorKind::SatDecimals));
                }
                let f = digits_value(frac).ok_or_else(overflow)?;
                int.checked_mul(MSAT_PER_SAT)
                    .and_then(|v| v.checked_add(f))
                    .map(Msat)
                    .ok_or_else(overflow)
            }
            ("btc", None) => int.checked_mul(MSAT_PER_BTC).map(Msat).ok_or_else(overflow),
            ("btc", Some(frac)) => {
                if frac.is_empty() || frac.len() > 11 {
                    return Err(fail(ParseMsatErrorKind::BtcDecimals));
                }
                let scale = 10u64.pow(11 - frac.len() as u32);
                let f = digits_value(frac).ok_or_else(overflow)?;
                int.checked_mul(MSAT_PER_BTC)
                    .and_then(|v| v.checked_add(f * scale))
                    .map(Msat)
                    .ok_or_else(overflow)
            }
            _ => Err(fail(ParseMsatErrorKind::TrailingCharacters)),
        }
    }
}

#[cfg(feature = "serde")]
mod serde_impl {
    use super::Msat;
    use core::fmt;
    use serde::de::{self, Visitor};

    impl serde::Serialize for Msat {
        fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            s.serialize_u64(self.0)
        }
    }

    struct MsatVisitor;

    impl Visitor<'_> for MsatVisitor {
        type Value = Msat;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("an msat amount: an integer, or a string such as \"1000msat\" or \"1sat\"")
        }

        fn visit_u64<E: de::Error>(self, v: u64) -> Result<Msat, E> {
            Ok(Msat(v))
        }

        fn visit_i64<E: de::Error>(self, v: i64) -> Result<Msat, E> {
            u64::try_from(v).map(Msat).map_err(|_| E::custom(alloc::format!("negative amount {v}")))
        }

        fn visit_str<E: de::Error>(self, v: &str) -> Result<Msat, E> {
            v.parse().map_err(E::custom)
        }
    }

    impl<'de> serde::Deserialize<'de> for Msat {
        fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Msat, D::Error> {
            d.deserialize_any(MsatVisitor)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(input: &str, expected: Result<u64, ParseMsatErrorKind>) {
        let got = input.parse::<Msat>();
        match expected {
            Ok(v) => assert_eq!(got, Ok(Msat(v)), "input {input:?}"),
            Err(kind) => {
                let err = got.expect_err(input);
                assert_eq!(err.kind, kind, "input {input:?}");
                assert_eq!(err.input, input);
                assert!(err.to_string().contains(&alloc::format!("{input:?}")));
            }
        }
    }

    #[test]
    fn accepted_forms() {
        for (input, msat) in [
            ("0", 0),
            ("1000", 1000),
            ("1000msat", 1000),
            ("0msat", 0),
            ("1sat", 1000),
            ("0sat", 0),
            ("1.001sat", 1001),
            ("0.999sat", 999),
            ("1btc", 100_000_000_000),
            ("0.00000000001btc", 1),
            ("0.1btc", 10_000_000_000),
            ("21000000btc", 2_100_000_000_000_000_000),
            ("18446744073709551615", u64::MAX),
            ("18446744073709551615msat", u64::MAX),
            ("18446744073709551sat", 18_446_744_073_709_551_000),
            ("18446744073709551.615sat", u64::MAX),
            ("00012", 12),
        ] {
            check(input, Ok(msat));
        }
    }

    #[test]
    fn rejected_forms() {
        use ParseMsatErrorKind::*;
        for (input, kind) in [
            ("", Empty),
            ("-1", Signed),
            ("-1msat", Signed),
            ("+1", Signed),
            ("msat", NoDigits),
            (".5btc", NoDigits),
            ("sat", NoDigits),
            ("18446744073709551616", Overflow),
            ("18446744073709551616msat", Overflow),
            ("18446744073709552sat", Overflow),
            ("18446744073709551.616sat", Overflow),
            ("184467441btc", Overflow),
            ("0.000000000001btc", BtcDecimals),
            ("1.btc", BtcDecimals),
            ("1.5", DecimalsWithoutUnit),
            ("0.0", DecimalsWithoutUnit),
            ("1.5msat", DecimalsWithoutUnit),
            ("1.01sat", SatDecimals),
            ("1.0001sat", SatDecimals),
            ("1.sat", SatDecimals),
            ("1msatX", TrailingCharacters),
            ("1satoshi", TrailingCharacters),
            ("1 msat", TrailingCharacters),
            ("1BTC", TrailingCharacters),
            ("1.5.5btc", TrailingCharacters),
            ("1e3", TrailingCharacters),
        ] {
            check(input, Err(kind));
        }
    }

    #[test]
    fn arithmetic_is_checked() {
        assert_eq!(Msat::MAX.checked_add(Msat(1)), None);
        assert_eq!(Msat(1).checked_sub(Msat(2)), None);
        assert_eq!(Msat(5).checked_sub(Msat(2)), Some(Msat(3)));
        assert_eq!(Msat::MAX.checked_mul(2), None);
        assert_eq!(Msat::from_sat(u64::MAX), None);
        assert_eq!(Msat::from_sat(2), Some(Msat(2000)));
        assert_eq!(Msat(1_000_000).mul_ppm(1), Msat(1));
        assert_eq!(Msat(999_999).mul_ppm(1), Msat(0));
        assert_eq!(Msat::MAX.mul_ppm(u32::MAX), Msat::MAX);
        // Either side of where the product leaves 64 bits, against the wide formula.
        for ppm in [1u32, 999, 5_000, 1_000_000, u32::MAX] {
            let edge = u64::MAX / ppm as u64;
            for a in [edge - 1, edge, edge.saturating_add(1), edge.saturating_mul(2), u64::MAX] {
                let wide = (a as u128 * ppm as u128 / 1_000_000).min(u64::MAX as u128) as u64;
                assert_eq!(Msat(a).mul_ppm(ppm), Msat(wide), "{a} * {ppm}");
            }
        }
        assert_eq!(Msat(1234).to_string(), "1234msat");
        assert_eq!(Msat(1234).sat_floor(), 1);
    }

    #[test]
    fn display_parses_back() {
        for v in [0, 1, 999, 1000, u64::MAX] {
            assert_eq!(Msat(v).to_string().parse::<Msat>(), Ok(Msat(v)));
        }
    }
}
