//! Fuzz target `failure_decode`: BOLT 4 failure return packets and attribution data.
//! The checks are in `lnpay_fuzz::targets::failure_decode`.
//!
//! With `cfg(fuzzing)` (cargo-fuzz) this is a libFuzzer target; without it, a program that runs
//! the checks over the files named on its command line, or over `fuzz/corpus/failure_decode/`.
#![cfg_attr(fuzzing, no_main)]

#[cfg(fuzzing)]
libfuzzer_sys::fuzz_target!(|data: &[u8]| lnpay_fuzz::targets::failure_decode::do_test(data));

#[cfg(not(fuzzing))]
fn main() -> std::process::ExitCode {
    lnpay_fuzz::main_without_fuzzer(
        "failure_decode",
        lnpay_fuzz::targets::failure_decode::do_test,
        std::env::args_os().skip(1),
    )
}
