//! Msat amount parsing (`types::Msat` from the forms Core Lightning accepts).
//!
//! The bytes are read as UTF-8 (other inputs are skipped). Checks:
//! - an accepted amount displays as `<n>msat`, and that text parses back to the same amount,
//!   as do the plain integer `<n>`, the sat form `<n/1000>.<3 digits>sat` and the btc form
//!   `<n/10^11>.<11 digits>btc`;
//! - a rejected amount's error carries the rejected text unchanged.

use types::Msat;

const MSAT_PER_SAT: u64 = 1_000;
const MSAT_PER_BTC: u64 = 100_000_000_000;

fn check_parses_to(text: &str, expected: Msat, from: &str) {
    match text.parse::<Msat>() {
        Ok(again) => assert_eq!(again, expected, "{text:?} (from {from:?})"),
        Err(error) => panic!("{text:?}, written from {from:?}, does not parse: {error}"),
    }
}

/// Runs the checks above on `data`, panicking when one fails.
pub fn do_test(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    match text.parse::<Msat>() {
        Ok(amount) => {
            let n = amount.msat();
            let shown = amount.to_string();
            assert_eq!(shown, format!("{n}msat"), "Display of {text:?}");
            check_parses_to(&shown, amount, text);
            check_parses_to(&n.to_string(), amount, text);
            let sat = format!("{}.{:03}sat", n / MSAT_PER_SAT, n % MSAT_PER_SAT);
            check_parses_to(&sat, amount, text);
            let btc = format!("{}.{:011}btc", n / MSAT_PER_BTC, n % MSAT_PER_BTC);
            check_parses_to(&btc, amount, text);
        }
        Err(error) => assert_eq!(error.input, text, "error does not carry the rejected text"),
    }
}
