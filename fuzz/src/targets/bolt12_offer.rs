//! BOLT 12 offers (`bolt12`): decoding any bytes and any string.
//!
//! - **as TLV bytes**: `Offer::from_bytes` never panics; what decodes writes back to exactly
//!   the input, its string form decodes to the same offer, and its typed fields written again
//!   build an offer with the same known fields;
//! - **as a string** (the bytes as UTF-8, lossily): `str::parse` never panics; what parses
//!   writes back (lower case, continuations removed) to a string that parses the same.
//!
//! Errors have a lower-case-led message without a trailing period.

use bolt12::Offer;

pub(crate) fn check_message(message: &str) {
    assert!(!message.is_empty(), "empty error message");
    assert!(!message.ends_with('.'), "error message ends with a period: {message}");
}

fn check_offer(offer: &Offer) {
    let text = offer.to_string();
    let again: Offer = text.parse().unwrap_or_else(|e| panic!("{text}: {e}"));
    assert_eq!(&again, offer);
    assert_eq!(Offer::from_bytes(&offer.to_bytes()).as_ref(), Ok(offer));
    let rebuilt = Offer::new(offer.fields()).unwrap_or_else(|e| panic!("rebuilt {text}: {e}"));
    assert_eq!(rebuilt.fields(), offer.fields());
}

/// Runs the checks above on `data`, panicking when one fails.
pub fn do_test(data: &[u8]) {
    match Offer::from_bytes(data) {
        Ok(offer) => {
            assert_eq!(offer.to_bytes(), data);
            check_offer(&offer);
        }
        Err(e) => check_message(&e.to_string()),
    }
    match String::from_utf8_lossy(data).parse::<Offer>() {
        Ok(offer) => check_offer(&offer),
        Err(e) => check_message(&e.to_string()),
    }
}
