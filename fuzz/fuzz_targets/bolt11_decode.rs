//! Fuzz target `bolt11_decode`: BOLT 11 invoice decoding, verification and re-encoding (`bolt11`).
//! The checks are in `lnpay_fuzz::targets::bolt11_decode`.
//!
//! With `cfg(fuzzing)` (cargo-fuzz) this is a libFuzzer target; without it, a program that runs
//! the checks over the files named on its command line, or over `fuzz/corpus/bolt11_decode/`.
#![cfg_attr(fuzzing, no_main)]

#[cfg(fuzzing)]
libfuzzer_sys::fuzz_target!(|data: &[u8]| lnpay_fuzz::targets::bolt11_decode::do_test(data));

#[cfg(not(fuzzing))]
fn main() -> std::process::ExitCode {
    lnpay_fuzz::main_without_fuzzer(
        "bolt11_decode",
        lnpay_fuzz::targets::bolt11_decode::do_test,
        std::env::args_os().skip(1),
    )
}
