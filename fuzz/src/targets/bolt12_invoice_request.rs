//! BOLT 12 invoice requests (`bolt12`): decoding any bytes, and signing any fields.
//!
//! - **as TLV bytes**: `InvoiceRequest::from_bytes` never panics; what decodes writes back to
//!   exactly the input and its string form decodes to the same request;
//! - **as fields** (so the signature does not stop the fuzzer at the door): the bytes read as
//!   any TLV stream are signed by `InvoiceRequest::sign` with a fixed payer key; what it
//!   returns decodes again to itself, with that key as `invreq_payer_id`.

use bolt12::secp256k1::{SecretKey, SECP256K1};
use bolt12::{InvoiceRequest, InvreqFields};
use types::tlv::TlvStream;

use super::bolt12_offer::check_message;

fn check(request: &InvoiceRequest) {
    let text = request.to_string();
    let again: InvoiceRequest = text.parse().unwrap_or_else(|e| panic!("{text}: {e}"));
    assert_eq!(&again, request);
    assert_eq!(InvoiceRequest::from_bytes(&request.to_bytes()).as_ref(), Ok(request));
}

/// Runs the checks above on `data`, panicking when one fails.
pub fn do_test(data: &[u8]) {
    match InvoiceRequest::from_bytes(data) {
        Ok(request) => {
            assert_eq!(request.to_bytes(), data);
            check(&request);
        }
        Err(e) => check_message(&e.to_string()),
    }
    let Ok(stream) = TlvStream::decode(data, &|_| true) else { return };
    let Ok(key) = SecretKey::from_slice(&[0x42; 32]) else { return };
    match InvoiceRequest::sign(&stream, &InvreqFields::default(), &key) {
        Ok(request) => {
            assert_eq!(request.payer_id(), &key.public_key(SECP256K1));
            check(&request);
        }
        Err(e) => check_message(&e.to_string()),
    }
}
