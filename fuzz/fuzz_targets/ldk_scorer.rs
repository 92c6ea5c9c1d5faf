//! Fuzz target `ldk_scorer`: lnpay-ldk's persisted scorer (`LnpayScorer` via `ReadableArgs`).
//! The checks are in `lnpay_fuzz::targets::ldk_scorer`.
//!
//! With `cfg(fuzzing)` (cargo-fuzz) this is a libFuzzer target; without it, a program that runs
//! the checks over the files named on its command line, or over `fuzz/corpus/ldk_scorer/`.
#![cfg_attr(fuzzing, no_main)]

#[cfg(fuzzing)]
libfuzzer_sys::fuzz_target!(|data: &[u8]| lnpay_fuzz::targets::ldk_scorer::do_test(data));

#[cfg(not(fuzzing))]
fn main() -> std::process::ExitCode {
    lnpay_fuzz::main_without_fuzzer(
        "ldk_scorer",
        lnpay_fuzz::targets::ldk_scorer::do_test,
        std::env::args_os().skip(1),
    )
}
