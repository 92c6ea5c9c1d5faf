//! Fuzz target `onion_message`: BOLT 4 `onion_message` decoding (`wire::OnionMessage`).
//! The checks are in `lnpay_fuzz::targets::onion_message`.
//!
//! With `cfg(fuzzing)` (cargo-fuzz) this is a libFuzzer target; without it, a program that runs
//! the checks over the files named on its command line, or over `fuzz/corpus/onion_message/`.
#![cfg_attr(fuzzing, no_main)]

#[cfg(fuzzing)]
libfuzzer_sys::fuzz_target!(|data: &[u8]| lnpay_fuzz::targets::onion_message::do_test(data));

#[cfg(not(fuzzing))]
fn main() -> std::process::ExitCode {
    lnpay_fuzz::main_without_fuzzer(
        "onion_message",
        lnpay_fuzz::targets::onion_message::do_test,
        std::env::args_os().skip(1),
    )
}
