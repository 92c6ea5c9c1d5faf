//! Lower-case hexadecimal encoding and strict decoding.

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

/// Why a hex string could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum HexError {
    /// The string has an odd number of characters.
    OddLength {
        /// Length of the input in characters.
        len: usize,
    },
    /// A character is not a hex digit.
    InvalidChar {
        /// Byte offset of the character.
        index: usize,
        /// The offending character.
        ch: char,
    },
    /// The decoded bytes do not have the length the caller needs.
    WrongLength {
        /// How many bytes were expected.
        expected: usize,
        /// How many bytes the input holds.
        got: usize,
    },
}

impl fmt::Display for HexError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HexError::OddLength { len } => write!(f, "odd hex length {len}"),
            HexError::InvalidChar { index, ch } => {
                write!(f, "invalid hex character {ch:?} at offset {index}")
            }
            HexError::WrongLength { expected, got } => {
                write!(f, "expected {expected} bytes of hex, got {got}")
            }
        }
    }
}
crate::impl_std_error!(HexError);

const DIGITS: &[u8; 16] = b"0123456789abcdef";

/// Encodes bytes as lower-case hex.
pub fn encode(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(DIGITS[usize::from(b >> 4)] as char);
        s.push(DIGITS[usize::from(b & 0x0f)] as char);
    }
    s
}

fn nibble(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

/// Decodes hex (either case) into bytes.
pub fn decode(s: &str) -> Result<Vec<u8>, HexError> {
    let raw = s.as_bytes();
    if raw.len() % 2 != 0 {
        return Err(HexError::OddLength { len: raw.len() });
    }
    let mut out = Vec::with_capacity(raw.len() / 2);
    for (i, pair) in raw.chunks_exact(2).enumerate() {
        let mut byte = 0u8;
        for (j, &c) in pair.iter().enumerate() {
            let index = i * 2 + j;
            let n = nibble(c).ok_or_else(|| HexError::InvalidChar {
                index,
                ch: s.get(index..).and_then(|t| t.chars().next()).unwrap_or('\u{fffd}'),
            })?;
            byte = (byte << 4) | n;
        }
        out.push(byte);
    }
    Ok(out)
}

/// Decodes hex into exactly `N` bytes.
pub fn decode_array<const N: usize>(s: &str) -> Result<[u8; N], HexError> {
    let v = decode(s)?;
    v.as_slice().try_into().map_err(|_| HexError::WrongLength { expected: N, got: v.len() })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_errors() {
        assert_eq!(encode(&[0x00, 0xab, 0xff]), "00abff");
        assert_eq!(decode("00ABff"), Ok(alloc::vec![0x00, 0xab, 0xff]));
        assert_eq!(decode("abc"), Err(HexError::OddLength { len: 3 }));
        assert_eq!(decode("0g"), Err(HexError::InvalidChar { index: 1, ch: 'g' }));
        assert_eq!(decode("é0"), Err(HexError::OddLength { len: 3 }));
        assert_eq!(decode("éé"), Err(HexError::InvalidChar { index: 0, ch: 'é' }));
        assert_eq!(decode_array::<2>("aabbcc"), Err(HexError::WrongLength { expected: 2, got: 3 }));
        assert_eq!(decode_array::<2>("aabb"), Ok([0xaa, 0xbb]));
    }
}
