//! The BOLT 12 string form: a human-readable prefix, `1`, then the TLV bytes as bech32
//! characters with no checksum; all lowercase or all uppercase; `+` (optionally followed by
//! whitespace) may join two pieces anywhere between two bech32 characters.

use core::fmt;

const CHARSET: &[u8; 32] = b"qpzry9x8gf2tvdw0s3jn54khce6mua7l";

/// Why a string is not a BOLT 12 string.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum StringError {
    /// Lowercase and uppercase letters are mixed.
    MixedCase {
        /// The string.
        input: String,
    },
    /// A `+` is not between two bech32 characters (at the start or end, after another `+`,
    /// next to the separator).
    BadContinuation {
        /// Byte offset of the `+`.
        position: usize,
    },
    /// A character that is neither a bech32 character nor a `+` continuation.
    BadCharacter {
        /// The character.
        character: char,
        /// Its byte offset.
        position: usize,
    },
    /// There is no `1` separating the prefix from the data.
    NoSeparator {
        /// The string.
        input: String,
    },
    /// The data's last character leaves more than 4 bits, or non-zero ones, as padding.
    BadPadding {
        /// The number of leftover bits.
        bits: usize,
    },
    /// The prefix is not the one this kind of message uses.
    WrongPrefix {
        /// The prefix read (lowercased).
        found: String,
        /// The prefix expected.
        expected: &'static str,
    },
}

impl fmt::Display for StringError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StringError::MixedCase { input } => write!(f, "mixed case in bolt12 string {input}"),
            StringError::BadContinuation { position } => {
                write!(f, "'+' at {position} is not between two bech32 characters")
            }
            StringError::BadCharacter { character, position } => {
                write!(f, "character {character:?} at {position} is not bech32")
            }
            StringError::NoSeparator { input } => write!(f, "no '1' separator in {input}"),
            StringError::BadPadding { bits } => {
                write!(f, "bech32 data ends with {bits} bits of bad padding")
            }
            StringError::WrongPrefix { found, expected } => {
                write!(f, "prefix {found} where {expected} was expected")
            }
        }
    }
}
impl std::error::Error for StringError {}

/// Reads a BOLT 12 string with prefix `expected` (`lno`, `lnr`, `lni`) into its TLV bytes.
pub fn decode(s: &str, expected: &'static str) -> Result<Vec<u8>, StringError> {
    let has_lower = s.chars().any(|c| c.is_ascii_lowercase());
    let has_upper = s.chars().any(|c| c.is_ascii_uppercase());
    if has_lower && has_upper {
        return Err(StringError::MixedCase { input: s.to_string() });
    }
    // Join the pieces: a `+` (and the whitespace after it) must sit between two characters
    // of the string proper (bech32 characters, the prefix or the separator).
    let mut joined = String::with_capacity(s.len());
    let mut chars = s.char_indices().peekable();
    while let Some((position, c)) = chars.next() {
        if c == '+' {
            if joined.is_empty() {
                return Err(StringError::BadContinuation { position });
            }
            while chars.peek().is_some_and(|(_, c)| c.is_whitespace()) {
                chars.next();
            }
            match chars.peek() {
                Some((_, next)) if next.is_ascii_alphanumeric() => {}
                _ => return Err(StringError::BadContinuation { position }),
            }
        } else if c.is_ascii_alphanumeric() {
            joined.push(c.to_ascii_lowercase());
        } else {
            return Err(StringError::BadCharacter { character: c, position });
        }
    }
    let (prefix, data) =
        joined.rsplit_once('1').ok_or_else(|| StringError::NoSeparator { input: s.to_string() })?;
    if prefix != expected {
        return Err(StringError::WrongPrefix { found: prefix.to_string(), expected });
    }
    let mut out = Vec::with_capacity(data.len() * 5 / 8);
    let (mut acc, mut bits) = (0u32, 0usize);
    for (i, c) in data.bytes().enumerate() {
        let v = CHARSET.iter().position(|&x| x == c).ok_or(StringError::BadCharacter {
            character: char::from(c),
            position: prefix.len() + 1 + i,
        })?;
        acc = (acc << 5) | v as u32;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    if bits > 4 || acc != 0 {
        return Err(StringError::BadPadding { bits });
    }
    Ok(out)
}

/// Writes `bytes` as a lowercase BOLT 12 string with `prefix`, without continuations.
pub fn encode(prefix: &str, bytes: &[u8]) -> String {
    let mut out = String::with_capacity(prefix.len() + 1 + (bytes.len() * 8).div_ceil(5));
    out.push_str(prefix);
    out.push('1');
    let (mut acc, mut bits) = (0u32, 0usize);
    let digit = |v: u32| char::from(CHARSET[(v & 31) as usize]);
    for &b in bytes {
        acc = (acc << 8) | u32::from(b);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(digit(acc >> bits));
        }
        acc &= (1 << bits) - 1;
    }
    if bits > 0 {
        out.push(digit(acc << (5 - bits)));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        for len in 0..20u8 {
            let bytes: Vec<u8> = (0..len).map(|i| i.wrapping_mul(37)).collect();
            let s = encode("lno", &bytes);
            assert_eq!(decode(&s, "lno"), Ok(bytes.clone()));
            assert_eq!(decode(&s.to_uppercase(), "lno"), Ok(bytes));
        }
        assert!(matches!(decode("lno1qq", "lnr"), Err(StringError::WrongPrefix { .. })));
    }
}
