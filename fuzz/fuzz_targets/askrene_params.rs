//! Fuzz target `askrene_params`: the params of `getroutes` and the `askrene-*` commands and
//! the `sendpay` route parser. The checks are in `lnpay_fuzz::targets::askrene_params`.
//!
//! With `cfg(fuzzing)` (cargo-fuzz) this is a libFuzzer target; without it, a program that runs
//! the checks over the files named on its command line, or over `fuzz/corpus/askrene_params/`.
#![cfg_attr(fuzzing, no_main)]

#[cfg(fuzzing)]
libfuzzer_sys::fuzz_target!(|data: &[u8]| lnpay_fuzz::targets::askrene_params::do_test(data));

#[cfg(not(fuzzing))]
fn main() -> std::process::ExitCode {
    lnpay_fuzz::main_without_fuzzer(
        "askrene_params",
        lnpay_fuzz::targets::askrene_params::do_test,
        std::env::args_os().skip(1),
    )
}
