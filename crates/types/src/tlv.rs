//! BOLT 1 TLV streams and truncated integers.
//!
//! A stream is a sequence of `(BigSize type, BigSize length, value)` records with strictly
//! increasing types. Decoding checks the framing and the ordering and refuses an even type
//! the caller does not know; unknown odd types are kept, so that a stream re-encodes to the
//! same bytes. What a known record's value means is the caller's business (see
//! [`decode_tu64`] and friends for the integer forms BOLT 1 defines).

use crate::bigsize::{self, BigSizeError};
use alloc::vec::Vec;
use core::fmt;

/// One record of a TLV stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlvRecord {
    /// The record type.
    pub typ: u64,
    /// The raw value.
    pub value: Vec<u8>,
}

/// A decoded TLV stream: records in strictly increasing type order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TlvStream {
    /// The records, ordered by type.
    pub records: Vec<TlvRecord>,
}

/// Why bytes are not a valid TLV stream.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum TlvError {
    /// A record's type is not a valid BigSize.
    Type {
        /// Offset of the record in the stream.
        offset: usize,
        /// The BigSize problem.
        error: BigSizeError,
    },
    /// A record's length is missing or not a valid BigSize.
    Length {
        /// The record type.
        typ: u64,
        /// The BigSize problem.
        error: BigSizeError,
    },
    /// A record announces more value bytes than remain.
    ValueTruncated {
        /// The record type.
        typ: u64,
        /// The announced length.
        len: u64,
        /// Bytes left in the stream.
        available: usize,
    },
    /// A type is not greater than the one before it (out of order or duplicated).
    NotIncreasing {
        /// The previous type.
        previous: u64,
        /// The offending type.
        typ: u64,
    },
    /// An even type that the reader does not know.
    UnknownEvenType {
        /// The offending type.
        typ: u64,
    },
}

impl fmt::Display for TlvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TlvError::Type { offset, error } => {
                write!(f, "bad tlv type at offset {offset}: {error}")
            }
            TlvError::Length { typ, error } => write!(f, "bad length of tlv type {typ}: {error}"),
            TlvError::ValueTruncated { typ, len, available } => {
                write!(f, "tlv type {typ} announces {len} bytes, only {available} remain")
            }
            TlvError::NotIncreasing { previous, typ } => {
                write!(f, "tlv type {typ} follows type {previous}: types must strictly increase")
            }
            TlvError::UnknownEvenType { typ } => write!(f, "unknown even tlv type {typ}"),
        }
    }
}
crate::impl_std_error!(TlvError);

impl TlvStream {
    /// Decodes a whole stream. `is_known` tells which types the reader understands; an even
    /// type it does not is an error, an odd one is kept as it is.
    pub fn decode(bytes: &[u8], is_known: &dyn Fn(u64) -> bool) -> Result<TlvStream, TlvError> {
        let mut records = Vec::new();
        let mut offset = 0;
        let mut previous: Option<u64> = None;
        while offset < bytes.len() {
            let rest = bytes.get(offset..).unwrap_or_default();
            let (typ, n) =
                bigsize::decode(rest).map_err(|error| TlvError::Type { offset, error })?;
            let rest = rest.get(n..).unwrap_or_default();
            let (len, m) =
                bigsize::decode(rest).map_err(|error| TlvError::Length { typ, error })?;
            let rest = rest.get(m..).unwrap_or_default();
            let value = usize::try_from(len)
                .ok()
                .and_then(|l| rest.get(..l))
                .ok_or(TlvError::ValueTruncated { typ, len, available: rest.len() })?;
            if let Some(previous) = previous {
                if typ <= previous {
                    return Err(TlvError::NotIncreasing { previous, typ });
                }
            }
            if typ % 2 == 0 && !is_known(typ) {
                return Err(TlvError::UnknownEvenType { typ });
            }
            previous = Some(typ);
            records.push(TlvRecord { typ, value: value.to_vec() });
            offset += n + m + value.len();
        }
        Ok(TlvStream { records })
    }

    /// The stream's wire bytes.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.encoded_len());
        for r in &self.records {
            encode_record(r.typ, &r.value, &mut out);
        }
        out
    }

    /// The length of [`TlvStream::encode`]'s output.
    pub fn encoded_len(&self) -> usize {
        self.records
            .iter()
            .map(|r| {
                bigsize::encoded_len(r.typ)
                    + bigsize::encoded_len(r.value.len() as u64)
                    + r.value.len()
            })
            .sum()
    }

    /// The value of type `typ`, if present.
    pub fn get(&self, typ: u64) -> Option<&[u8]> {
        self.records
            .binary_search_by_key(&typ, |r| r.typ)
            .ok()
            .and_then(|i| self.records.get(i))
            .map(|r| r.value.as_slice())
    }

    /// Sets type `typ` to `value`, keeping the records ordered (replaces an existing one).
    pub fn insert(&mut self, typ: u64, value: Vec<u8>) {
        match self.records.binary_search_by_key(&typ, |r| r.typ) {
            Ok(i) => {
                if let Some(r) = self.records.get_mut(i) {
                    r.value = value;
                }
            }
            Err(i) => self.records.insert(i, TlvRecord { typ, value }),
        }
    }
}

/// Appends one record. Callers keep types increasing.
pub fn encode_record(typ: u64, value: &[u8], out: &mut Vec<u8>) {
    bigsize::encode(typ, out);
    bigsize::encode(value.len() as u64, out);
    out.extend_from_slice(value);
}

/// Why a truncated integer (`tu16`, `tu32`, `tu64`) is invalid.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum TruncatedIntError {
    /// More bytes than the type holds.
    TooLong {
        /// Bytes given.
        len: usize,
        /// Bytes the type holds.
        max: usize,
    },
    /// A leading zero byte: the encoding is not minimal.
    NotMinimal {
        /// Bytes given.
        len: usize,
    },
}

impl fmt::Display for TruncatedIntError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TruncatedIntError::TooLong { len, max } => {
                write!(f, "truncated integer of {len} bytes exceeds {max}")
            }
            TruncatedIntError::NotMinimal { len } => {
                write!(f, "truncated integer of {len} bytes has a leading zero (not minimal)")
            }
        }
    }
}
crate::impl_std_error!(TruncatedIntError);

fn decode_truncated(bytes: &[u8], max: usize) -> Result<u64, TruncatedIntError> {
    if bytes.len() > max {
        return Err(TruncatedIntError::TooLong { len: bytes.len(), max });
    }
    if bytes.first() == Some(&0) {
        return Err(TruncatedIntError::NotMinimal { len: bytes.len() });
    }
    Ok(bytes.iter().fold(0u64, |acc, &b| (acc << 8) | u64::from(b)))
}

/// Minimal big-endian bytes of `v` (empty for zero): the `tu64` encoding.
pub fn encode_tu64(v: u64) -> Vec<u8> {
    let skip = (v.leading_zeros() / 8) as usize;
    v.to_be_bytes().get(skip..).unwrap_or_default().to_vec()
}

/// Decodes a `tu64`.
pub fn decode_tu64(bytes: &[u8]) -> Result<u64, TruncatedIntError> {
    decode_truncated(bytes, 8)
}

/// Decodes a `tu32`.
pub fn decode_tu32(bytes: &[u8]) -> Result<u32, TruncatedIntError> {
    decode_truncated(bytes, 4).map(|v| v as u32)
}

/// Decodes a `tu16`.
pub fn decode_tu16(bytes: &[u8]) -> Result<u16, TruncatedIntError> {
    decode_truncated(bytes, 2).map(|v| v as u16)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tu64_forms() {
        assert_eq!(encode_tu64(0), Vec::<u8>::new());
        assert_eq!(encode_tu64(1), [1]);
        assert_eq!(encode_tu64(256), [1, 0]);
        assert_eq!(encode_tu64(u64::MAX), [0xff; 8]);
        assert_eq!(decode_tu64(&[]), Ok(0));
        assert_eq!(decode_tu64(&[0]), Err(TruncatedIntError::NotMinimal { len: 1 }));
        assert_eq!(
            decode_tu32(&[1, 2, 3, 4, 5]),
            Err(TruncatedIntError::TooLong { len: 5, max: 4 })
        );
        assert_eq!(decode_tu16(&[1, 2]), Ok(0x0102));
    }

    #[test]
    fn insert_keeps_order() {
        let mut s = TlvStream::default();
        s.insert(5, alloc::vec![5]);
        s.insert(1, alloc::vec![1]);
        s.insert(3, alloc::vec![3]);
        s.insert(3, alloc::vec![4]);
        assert_eq!(s.records.iter().map(|r| r.typ).collect::<Vec<_>>(), [1, 3, 5]);
        assert_eq!(s.get(3), Some(&[4u8][..]));
        assert_eq!(s.get(2), None);
        let bytes = s.encode();
        assert_eq!(bytes, [1, 1, 1, 3, 1, 4, 5, 1, 5]);
        assert_eq!(TlvStream::decode(&bytes, &|_| false), Ok(s));
    }
}
