//! BOLT 12 invoice errors (`bolt12`): decoding any bytes. What decodes writes back to exactly
//! the input; errors have a message without a trailing period.

use bolt12::InvoiceError;

use super::bolt12_offer::check_message;

/// Runs the checks above on `data`, panicking when one fails.
pub fn do_test(data: &[u8]) {
    match InvoiceError::from_bytes(data) {
        Ok(e) => {
            assert_eq!(e.to_bytes(), data);
            assert_eq!(InvoiceError::from_bytes(&e.to_bytes()), Ok(e));
        }
        Err(e) => check_message(&e.to_string()),
    }
}
