//! BOLT 1 BigSize (`types::bigsize`).
//!
//! Checks, for any bytes:
//! - a successful decode consumed exactly `encoded_len(value)` bytes, and re-encoding the
//!   value gives back exactly the consumed bytes (so only minimal encodings are accepted);
//! - a failed decode says why truthfully: `Eof` only on empty input, `UnexpectedEof` only
//!   when fewer bytes than needed are present, `NotCanonical` only when the value fits a
//!   shorter encoding;
//! - any `u64` (the first eight bytes, big-endian) encodes to `encoded_len` bytes and decodes
//!   back to itself, with or without trailing bytes after it.

use types::bigsize::{decode, encode, encoded_len, BigSizeError};

/// Runs the checks above on `data`, panicking when one fails.
pub fn do_test(data: &[u8]) {
    match decode(data) {
        Ok((value, consumed)) => {
            assert_eq!(consumed, encoded_len(value), "{value} decoded from {consumed} bytes");
            let mut out = Vec::new();
            encode(value, &mut out);
            assert_eq!(
                Some(out.as_slice()),
                data.get(..consumed),
                "{value} re-encodes differently"
            );
        }
        Err(BigSizeError::Eof) => assert!(data.is_empty(), "Eof on {} bytes", data.len()),
        Err(BigSizeError::UnexpectedEof { needed, got }) => {
            assert_eq!(got, data.len());
            assert!(got < needed, "UnexpectedEof needing {needed} with {got} bytes present");
        }
        Err(BigSizeError::NotCanonical { value }) => {
            assert!(
                encoded_len(value) < data.len(),
                "{value} is canonical in {} bytes",
                data.len()
            );
        }
        Err(other) => panic!("unexpected error kind: {other:?}"),
    }

    let mut first = [0u8; 8];
    let n = data.len().min(8);
    first[..n].copy_from_slice(&data[..n]);
    let value = u64::from_be_bytes(first);
    let mut out = Vec::new();
    encode(value, &mut out);
    assert_eq!(out.len(), encoded_len(value));
    assert_eq!(decode(&out), Ok((value, out.len())));
    out.extend_from_slice(data);
    assert_eq!(decode(&out), Ok((value, encoded_len(value))), "trailing bytes change {value}");
}
