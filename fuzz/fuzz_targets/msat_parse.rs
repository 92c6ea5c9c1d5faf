//! Fuzz target `msat_parse`: msat amount parsing (`types::Msat`).
//! The checks are in `lnpay_fuzz::targets::msat_parse`.
//!
//! With `cfg(fuzzing)` (cargo-fuzz) this is a libFuzzer target; without it, a program that runs
//! the checks over the files named on its command line, or over `fuzz/corpus/msat_parse/`.
#![cfg_attr(fuzzing, no_main)]

#[cfg(fuzzing)]
libfuzzer_sys::fuzz_target!(|data: &[u8]| lnpay_fuzz::targets::msat_parse::do_test(data));

#[cfg(not(fuzzing))]
fn main() -> std::process::ExitCode {
    lnpay_fuzz::main_without_fuzzer(
        "msat_parse",
        lnpay_fuzz::targets::msat_parse::do_test,
        std::env::args_os().skip(1),
    )
}
