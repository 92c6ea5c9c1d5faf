//! BOLT 1 TLV streams (`types::tlv::TlvStream`).
//!
//! The reader of this target knows the types divisible by four (0, 4, 8, ...), so even types
//! 2, 6, 10, ... are unknown and must be refused. Checks, for any bytes:
//! - a successful decode re-encodes to exactly the input, `encoded_len` agrees, the types
//!   strictly increase, no unknown even type is kept, every record is found by `get`, and
//!   decoding the encoding again gives the same stream;
//! - knowing fewer types never makes a stream valid: if it decodes with the reader above, it
//!   decodes to the same records with a reader that knows every type; and when only the
//!   all-knowing reader accepts it, the error names an unknown even type that is in it.

use types::tlv::{TlvError, TlvStream};

fn is_known(typ: u64) -> bool {
    typ % 4 == 0
}

/// Runs the checks above on `data`, panicking when one fails.
pub fn do_test(data: &[u8]) {
    let knows_all = TlvStream::decode(data, &|_| true);
    match TlvStream::decode(data, &is_known) {
        Ok(stream) => {
            assert_eq!(stream.encode(), data, "decoded stream re-encodes differently");
            assert_eq!(stream.encoded_len(), data.len());
            for pair in stream.records.windows(2) {
                assert!(pair[0].typ < pair[1].typ, "types {} then {}", pair[0].typ, pair[1].typ);
            }
            for record in &stream.records {
                assert!(record.typ % 2 == 1 || is_known(record.typ), "kept type {}", record.typ);
                assert_eq!(stream.get(record.typ), Some(record.value.as_slice()));
            }
            assert_eq!(TlvStream::decode(&stream.encode(), &is_known).as_ref(), Ok(&stream));
            assert_eq!(knows_all.as_ref(), Ok(&stream), "knowing more types changed the stream");
        }
        Err(TlvError::UnknownEvenType { typ }) => {
            assert!(typ % 2 == 0 && !is_known(typ), "type {typ} refused as unknown even");
            if let Ok(all) = &knows_all {
                assert!(all.get(typ).is_some(), "refused type {typ} is not in the stream");
            }
        }
        Err(error) => {
            if let Ok(all) = &knows_all {
                panic!("refused with {error:?} but a reader knowing every type accepts {all:?}");
            }
        }
    }
}
