//! BOLT 2 `update_add_htlc` (`wire::UpdateAddHtlc`), the payload after the type.
//!
//! Checks, for any bytes (and, through `check`, for the other three HTLC messages):
//! - a payload that decodes re-encodes to exactly the input (decoding is strict, unknown odd
//!   TLVs are kept in order), decodes again to the same message, and goes through
//!   `Message::decode`/`Message::encode` and a frame unchanged;
//! - the kept TLVs are all odd and none is a type the message models;
//! - a failed decode says why truthfully: `TooShort` only with fewer bytes than needed and
//!   the input's real length, `BadTlv` only for a message whose fixed part is whole.

use types::tlv::TlvStream;
use wire::{FrameDecoder, Message, UpdateAddHtlc, WireError};

/// The checks above for one BOLT 2 message kind: its decoder, payload encoder, the
/// `Message` variant, its kept TLVs, the TLV types it models and its fixed-part length.
pub(crate) struct Kind<T> {
    pub(crate) msg_type: u16,
    pub(crate) decode: fn(&[u8]) -> Result<T, WireError>,
    pub(crate) encode: fn(&T, &mut Vec<u8>),
    pub(crate) wrap: fn(T) -> Message,
    pub(crate) unknown: fn(&T) -> &TlvStream,
    pub(crate) known_tlvs: &'static [u64],
    pub(crate) min_len: usize,
}

/// Runs the checks on `data` for message kind `kind`, panicking when one fails.
pub(crate) fn check<T: PartialEq + std::fmt::Debug + Clone>(data: &[u8], kind: &Kind<T>) {
    match (kind.decode)(data) {
        Ok(msg) => {
            assert!(data.len() >= kind.min_len, "decoded from {} bytes", data.len());
            let mut out = Vec::new();
            (kind.encode)(&msg, &mut out);
            assert_eq!(out, data, "re-encodes differently");
            assert_eq!((kind.decode)(&out).as_ref(), Ok(&msg));
            for r in &(kind.unknown)(&msg).records {
                assert!(r.typ % 2 == 1, "kept even tlv type {}", r.typ);
                assert!(!kind.known_tlvs.contains(&r.typ), "kept modelled tlv type {}", r.typ);
            }
            let whole = (kind.wrap)(msg);
            let bytes = whole.encode();
            assert_eq!(bytes.get(..2), Some(&kind.msg_type.to_be_bytes()[..]));
            assert_eq!(bytes.get(2..), Some(data));
            assert_eq!(Message::decode(&bytes).as_ref(), Ok(&whole));
            match whole.try_encode_frame() {
                Ok(frame) => {
                    let mut d = FrameDecoder::new();
                    d.push(&frame);
                    assert_eq!(d.next(), Some(Ok(whole)));
                    assert_eq!(d.next(), None);
                }
                Err(_) => assert!(bytes.len() > usize::from(u16::MAX), "{} bytes", bytes.len()),
            }
        }
        Err(WireError::TooShort { msg_type, need, got }) => {
            assert_eq!(msg_type, kind.msg_type);
            assert_eq!(got, data.len());
            assert!(need > got, "too short: need {need}, got {got}");
        }
        Err(WireError::BadTlv { msg_type, .. })
        | Err(WireError::BadTlvLength { msg_type, .. })
        | Err(WireError::BadPoint { msg_type, .. }) => {
            assert_eq!(msg_type, kind.msg_type);
            assert!(data.len() >= kind.min_len, "tlv error with {} bytes", data.len());
        }
        Err(other) => panic!("unexpected error {other:?} for {} bytes", data.len()),
    }
}

/// Runs the checks above on `data`, panicking when one fails.
pub fn do_test(data: &[u8]) {
    check(
        data,
        &Kind {
            msg_type: UpdateAddHtlc::TYPE,
            decode: UpdateAddHtlc::decode,
            encode: UpdateAddHtlc::encode_payload,
            wrap: Message::UpdateAddHtlc,
            unknown: |m| &m.unknown_tlvs,
            known_tlvs: &[0],
            min_len: 32 + 8 + 8 + 32 + 4 + wire::ONION_LEN,
        },
    );
}

#[cfg(test)]
mod tests {
    use wire::{UpdateAddHtlc, UpdateFailHtlc, UpdateFailMalformedHtlc, UpdateFulfillHtlc};

    /// Seeds named `valid*` decode and the others do not, so the corpus covers both paths.
    #[test]
    fn seeds_named_valid_decode() {
        type Decodes = fn(&[u8]) -> bool;
        let kinds: [(&str, Decodes); 4] = [
            ("update_add_htlc", |d| UpdateAddHtlc::decode(d).is_ok()),
            ("update_fulfill_htlc", |d| UpdateFulfillHtlc::decode(d).is_ok()),
            ("update_fail_htlc", |d| UpdateFailHtlc::decode(d).is_ok()),
            ("update_fail_malformed_htlc", |d| UpdateFailMalformedHtlc::decode(d).is_ok()),
        ];
        let mut valid = 0;
        for (name, decodes) in kinds {
            for file in crate::corpus_files(name).unwrap() {
                let data = std::fs::read(&file).unwrap();
                let named_valid = file.file_name().unwrap().to_string_lossy().starts_with("valid");
                assert_eq!(decodes(&data), named_valid, "{}", file.display());
                valid += usize::from(named_valid);
            }
        }
        assert!(valid >= 10, "{valid} valid seeds");
    }
}
