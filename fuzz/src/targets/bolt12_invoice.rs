//! BOLT 12 invoices (`bolt12`): decoding any bytes, and signing any fields.
//!
//! - **as TLV bytes**: `Invoice::from_bytes` never panics; what decodes writes back to
//!   exactly the input, its string form decodes to the same invoice, and its expiry and
//!   usable paths are consistent;
//! - **as fields** (so the signature does not stop the fuzzer at the door): the bytes read as
//!   any TLV stream are signed by `Invoice::sign` with a fixed node key; what it returns
//!   decodes again to itself, with that key as `invoice_node_id`.

use bolt12::secp256k1::{SecretKey, SECP256K1};
use bolt12::{Invoice, InvoiceFields};
use types::tlv::TlvStream;

use super::bolt12_offer::check_message;

fn check(invoice: &Invoice) {
    let text = invoice.to_string();
    let again: Invoice = text.parse().unwrap_or_else(|e| panic!("{text}: {e}"));
    assert_eq!(&again, invoice);
    assert_eq!(Invoice::from_bytes(&invoice.to_bytes()).as_ref(), Ok(invoice));
    assert!(invoice.usable_paths().count() >= 1);
    let end = invoice.created_at().saturating_add(invoice.relative_expiry());
    assert!(!invoice.is_expired(end));
    assert!(end == u64::MAX || invoice.is_expired(end + 1));
}

/// Runs the checks above on `data`, panicking when one fails.
pub fn do_test(data: &[u8]) {
    match Invoice::from_bytes(data) {
        Ok(invoice) => {
            assert_eq!(invoice.to_bytes(), data);
            check(&invoice);
        }
        Err(e) => check_message(&e.to_string()),
    }
    let Ok(stream) = TlvStream::decode(data, &|_| true) else { return };
    let Ok(key) = SecretKey::from_slice(&[0x41; 32]) else { return };
    match Invoice::sign(&stream, &InvoiceFields::default(), &key) {
        Ok(invoice) => {
            assert_eq!(invoice.node_id(), &key.public_key(SECP256K1));
            check(&invoice);
        }
        Err(e) => check_message(&e.to_string()),
    }
}
