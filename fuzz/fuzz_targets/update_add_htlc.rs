//! Fuzz target `update_add_htlc`: BOLT 2 `update_add_htlc` decoding (`wire::UpdateAddHtlc`).
//! The checks are in `lnpay_fuzz::targets::update_add_htlc`.
//!
//! With `cfg(fuzzing)` (cargo-fuzz) this is a libFuzzer target; without it, a program that runs
//! the checks over the files named on its command line, or over `fuzz/corpus/update_add_htlc/`.
#![cfg_attr(fuzzing, no_main)]

#[cfg(fuzzing)]
libfuzzer_sys::fuzz_target!(|data: &[u8]| lnpay_fuzz::targets::update_add_htlc::do_test(data));

#[cfg(not(fuzzing))]
fn main() -> std::process::ExitCode {
    lnpay_fuzz::main_without_fuzzer(
        "update_add_htlc",
        lnpay_fuzz::targets::update_add_htlc::do_test,
        std::env::args_os().skip(1),
    )
}
