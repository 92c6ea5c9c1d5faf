//! BOLT 1 signed integers (`s8`, `s16`, `s32`, `s64`): big-endian two's complement.

use alloc::vec::Vec;
use core::fmt;

/// Bytes that are not one of the signed integer widths.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SignedIntError {
    /// The length is not 1, 2, 4 or 8 bytes.
    Width {
        /// The length given.
        len: usize,
    },
}

impl fmt::Display for SignedIntError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SignedIntError::Width { len } => {
                write!(f, "signed integer of {len} bytes: expected 1, 2, 4 or 8")
            }
        }
    }
}
crate::impl_std_error!(SignedIntError);

/// Encodes `v` in the narrowest of `s8`, `s16`, `s32` and `s64` that holds it.
pub fn encode_minimal(v: i64) -> Vec<u8> {
    if let Ok(x) = i8::try_from(v) {
        x.to_be_bytes().to_vec()
    } else if let Ok(x) = i16::try_from(v) {
        x.to_be_bytes().to_vec()
    } else if let Ok(x) = i32::try_from(v) {
        x.to_be_bytes().to_vec()
    } else {
        v.to_be_bytes().to_vec()
    }
}

/// Decodes an `s8`, `s16`, `s32` or `s64`, chosen by the length of `bytes`.
pub fn decode(bytes: &[u8]) -> Result<i64, SignedIntError> {
    match *bytes {
        [a] => Ok(i64::from(i8::from_be_bytes([a]))),
        [a, b] => Ok(i64::from(i16::from_be_bytes([a, b]))),
        [a, b, c, d] => Ok(i64::from(i32::from_be_bytes([a, b, c, d]))),
        [a, b, c, d, e, f, g, h] => Ok(i64::from_be_bytes([a, b, c, d, e, f, g, h])),
        _ => Err(SignedIntError::Width { len: bytes.len() }),
    }
}
