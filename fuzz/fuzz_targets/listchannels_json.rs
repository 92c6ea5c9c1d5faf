//! Fuzz target `listchannels_json`: Core Lightning `listchannels` JSON import (`route::import`).
//! The checks are in `lnpay_fuzz::targets::listchannels_json`.
//!
//! With `cfg(fuzzing)` (cargo-fuzz) this is a libFuzzer target; without it, a program that runs
//! the checks over the files named on its command line, or over `fuzz/corpus/listchannels_json/`.
#![cfg_attr(fuzzing, no_main)]

#[cfg(fuzzing)]
libfuzzer_sys::fuzz_target!(|data: &[u8]| lnpay_fuzz::targets::listchannels_json::do_test(data));

#[cfg(not(fuzzing))]
fn main() -> std::process::ExitCode {
    lnpay_fuzz::main_without_fuzzer(
        "listchannels_json",
        lnpay_fuzz::targets::listchannels_json::do_test,
        std::env::args_os().skip(1),
    )
}
