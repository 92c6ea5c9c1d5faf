//! BOLT 1 BigSize: a big-endian variable-length u64 that must be minimally encoded.

use alloc::vec::Vec;
use core::fmt;

/// Why bytes are not a BigSize.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum BigSizeError {
    /// No bytes at all.
    Eof,
    /// The prefix announces more bytes than there are.
    UnexpectedEof {
        /// Bytes the encoding needs, prefix included.
        needed: usize,
        /// Bytes available.
        got: usize,
    },
    /// The value would fit a shorter encoding.
    NotCanonical {
        /// The decoded value.
        value: u64,
    },
}

impl fmt::Display for BigSizeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BigSizeError::Eof => f.write_str("EOF reading bigsize"),
            BigSizeError::UnexpectedEof { needed, got } => {
                write!(f, "unexpected EOF reading bigsize: needed {needed} bytes, got {got}")
            }
            BigSizeError::NotCanonical { value } => {
                write!(f, "decoded bigsize is not canonical: {value}")
            }
        }
    }
}
crate::impl_std_error!(BigSizeError);

/// How many bytes `v` takes as a BigSize.
pub const fn encoded_len(v: u64) -> usize {
    match v {
        0..=0xfc => 1,
        0xfd..=0xffff => 3,
        0x1_0000..=0xffff_ffff => 5,
        _ => 9,
    }
}

/// Appends `v` as a BigSize.
pub fn encode(v: u64, out: &mut Vec<u8>) {
    match encoded_len(v) {
        1 => out.push(v as u8),
        3 => {
            out.push(0xfd);
            out.extend_from_slice(&(v as u16).to_be_bytes());
        }
        5 => {
            out.push(0xfe);
            out.extend_from_slice(&(v as u32).to_be_bytes());
        }
        _ => {
            out.push(0xff);
            out.extend_from_slice(&v.to_be_bytes());
        }
    }
}

/// Reads a BigSize from the front of `bytes`: the value and the bytes consumed.
pub fn decode(bytes: &[u8]) -> Result<(u64, usize), BigSizeError> {
    let (&prefix, rest) = bytes.split_first().ok_or(BigSizeError::Eof)?;
    let width = match prefix {
        0xfd => 2,
        0xfe => 4,
        0xff => 8,
        small => return Ok((u64::from(small), 1)),
    };
    let body = rest
        .get(..width)
        .ok_or(BigSizeError::UnexpectedEof { needed: 1 + width, got: bytes.len() })?;
    let value = body.iter().fold(0u64, |acc, &b| (acc << 8) | u64::from(b));
    if encoded_len(value) != 1 + width {
        return Err(BigSizeError::NotCanonical { value });
    }
    Ok((value, 1 + width))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edges() {
        for v in [0, 0xfc, 0xfd, 0xffff, 0x1_0000, 0xffff_ffff, 0x1_0000_0000, u64::MAX] {
            let mut out = Vec::new();
            encode(v, &mut out);
            assert_eq!(out.len(), encoded_len(v));
            assert_eq!(decode(&out), Ok((v, out.len())));
        }
        assert_eq!(decode(&[0xfd, 0x00, 0xfc]), Err(BigSizeError::NotCanonical { value: 0xfc }));
        assert_eq!(decode(&[0xfe, 0xff]), Err(BigSizeError::UnexpectedEof { needed: 5, got: 2 }));
    }
}
