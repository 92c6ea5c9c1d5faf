//! BOLT 4 hop payloads (`onion::payload::HopPayload`).
//!
//! The first byte's low bit says whether the hop is final; the rest is the payload. Checks, for
//! any bytes: a payload that parses re-encodes to exactly its bytes (the parser accepts only
//! canonical streams), parses again to the same value, and has the fields its role requires;
//! an error names a TLV type or comes from the stream's framing.

use onion::payload::{HopPayload, PayloadError};

/// Runs the checks above on `data`, panicking when one fails.
pub fn do_test(data: &[u8]) {
    let Some((&flags, bytes)) = data.split_first() else { return };
    let is_final = flags & 1 == 1;
    match HopPayload::decode(bytes, is_final) {
        Ok(payload) => {
            let encoded = payload.encode();
            assert_eq!(encoded, bytes, "{payload:?} re-encodes differently");
            assert_eq!(HopPayload::decode(&encoded, is_final).as_ref(), Ok(&payload));
            match &payload {
                HopPayload::Forward(_) => assert!(!is_final),
                HopPayload::Final(_) => assert!(is_final),
                HopPayload::Blinded(b) => {
                    assert_eq!(b.final_values.is_some(), is_final, "{b:?}");
                }
            }
        }
        Err(e) => {
            assert!(!e.to_string().is_empty());
            if !matches!(e, PayloadError::Tlv(_)) {
                assert!(e.tlv_type().is_some(), "{e:?} names no type");
            }
        }
    }
}
