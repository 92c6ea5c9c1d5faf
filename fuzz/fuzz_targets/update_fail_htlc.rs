//! Fuzz target `update_fail_htlc`: BOLT 2 `update_fail_htlc` decoding (`lnpay_wire`).
//! The checks are in `lnpay_fuzz::targets::update_fail_htlc`.
//!
//! With `cfg(fuzzing)` (cargo-fuzz) this is a libFuzzer target; without it, a program that runs
//! the checks over the files named on its command line, or over `fuzz/corpus/update_fail_htlc/`.
#![cfg_attr(fuzzing, no_main)]

#[cfg(fuzzing)]
libfuzzer_sys::fuzz_target!(|data: &[u8]| lnpay_fuzz::targets::update_fail_htlc::do_test(data));

#[cfg(not(fuzzing))]
fn main() -> std::process::ExitCode {
    lnpay_fuzz::main_without_fuzzer(
        "update_fail_htlc",
        lnpay_fuzz::targets::update_fail_htlc::do_test,
        std::env::args_os().skip(1),
    )
}
