//! Fuzz target `onion_message_peel`: BOLT 4 onion messages, peeled and built (`onion::message`).
//! The checks are in `lnpay_fuzz::targets::onion_message_peel`.
//!
//! With `cfg(fuzzing)` (cargo-fuzz) this is a libFuzzer target; without it, a program that runs
//! the checks over the files named on its command line, or over `fuzz/corpus/onion_message_peel/`.
#![cfg_attr(fuzzing, no_main)]

#[cfg(fuzzing)]
libfuzzer_sys::fuzz_target!(|data: &[u8]| lnpay_fuzz::targets::onion_message_peel::do_test(data));

#[cfg(not(fuzzing))]
fn main() -> std::process::ExitCode {
    lnpay_fuzz::main_without_fuzzer(
        "onion_message_peel",
        lnpay_fuzz::targets::onion_message_peel::do_test,
        std::env::args_os().skip(1),
    )
}
