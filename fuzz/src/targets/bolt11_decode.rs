//! BOLT 11 invoices (`bolt11`): decoding any string, and verifying any field contents.
//!
//! Two checks per input:
//! - **as a string** (the bytes as UTF-8, lossily): parsing never panics; what parses writes
//!   back exactly (lower case); what decodes re-encodes, and decode → encode → decode gives the
//!   same invoice; errors have a lower-case message without a trailing period, and
//!   `Invoice::from_str` fails with the same syntax error `RawInvoice::parse` gives;
//! - **as fields** (so that checksum and signature do not stop the fuzzer at the door): the
//!   bytes are read as `(tag, length, data...)` records of 5-bit values, written into an
//!   invoice by `InvoiceBuilder::raw_field` and signed with a fixed key; whatever verifies goes
//!   through the string checks above, and its payee is the signing key's.

use std::str::FromStr;

use bolt11::secp256k1::{PublicKey, Secp256k1, SecretKey};
use bolt11::{Currency, DecodeError, Invoice, InvoiceBuilder, RawInvoice};

fn check_message(message: &str) {
    assert!(!message.is_empty(), "empty error message");
    assert!(!message.ends_with('.'), "error message ends with a period: {message}");
}

fn check_string(s: &str) {
    let raw = match RawInvoice::parse(s) {
        Ok(raw) => raw,
        Err(e) => {
            check_message(&e.to_string());
            assert_eq!(Invoice::from_str(s), Err(DecodeError::Parse(e)), "{s:?}");
            return;
        }
    };
    let lower = s.to_ascii_lowercase();
    assert_eq!(raw.to_string(), lower, "raw re-encoding of {s:?}");
    assert_eq!(RawInvoice::parse(&lower).as_ref(), Ok(&raw), "{s:?}");
    match raw.clone().verify() {
        Ok(inv) => {
            let text = inv.to_string();
            assert_eq!(text, lower);
            let again = Invoice::from_str(&text).unwrap_or_else(|e| panic!("{text}: {e}"));
            assert_eq!(again, inv, "decode -> encode -> decode of {s:?}");
            assert_eq!(Invoice::decode(&text, inv.currency()).as_ref(), Ok(&inv));
            assert!(inv.expires_at() >= inv.timestamp());
            assert_eq!(inv.amount().map(|a| a.msat()), raw.amount().and_then(|a| a.msat()));
            assert_eq!(
                inv.unknown_fields().count(),
                raw.fields().filter(|f| !bolt11::tag::KNOWN.contains(&f.tag)).count()
            );
        }
        Err(e) => {
            check_message(&e.to_string());
            assert_eq!(Invoice::from_str(s), Err(DecodeError::Verify(e)), "{s:?}");
        }
    }
}

fn check_fields(data: &[u8]) {
    let Some((&first, mut rest)) = data.split_first() else { return };
    let currency = match first % 4 {
        0 => Currency::Bitcoin,
        1 => Currency::Testnet,
        2 => Currency::Signet,
        _ => Currency::Regtest,
    };
    let mut b = InvoiceBuilder::new(currency, 1_700_000_000);
    if first & 4 != 0 {
        b = b.amount(types::Msat(u64::from(first) * 1_000));
    }
    while let [tag, len, tail @ ..] = rest {
        let len = usize::from(*len).min(tail.len());
        let (field, next) = tail.split_at(len);
        let fives: Vec<u8> = field.iter().map(|v| v & 31).collect();
        b = b.raw_field(*tag & 31, &fives);
        rest = next;
    }
    let Ok(key) = SecretKey::from_slice(&[0x11; 32]) else { return };
    match b.build_signed(&key) {
        Ok(inv) => {
            let payee = PublicKey::from_secret_key(&Secp256k1::signing_only(), &key);
            assert_eq!(inv.payee_pubkey(), &payee, "payee of a verified invoice");
            check_string(&inv.to_string());
            check_string(&inv.to_string().to_ascii_uppercase());
        }
        Err(e) => check_message(&e.to_string()),
    }
}

/// Runs the checks above on `data`, panicking when one fails.
pub fn do_test(data: &[u8]) {
    check_string(&String::from_utf8_lossy(data));
    check_fields(data);
}
