//! Fuzz target `blinded_hop`: a node reading its hop of a blinded payment path (`onion`).
//! The checks are in `lnpay_fuzz::targets::blinded_hop`.
//!
//! With `cfg(fuzzing)` (cargo-fuzz) this is a libFuzzer target; without it, a program that runs
//! the checks over the files named on its command line, or over `fuzz/corpus/blinded_hop/`.
#![cfg_attr(fuzzing, no_main)]

#[cfg(fuzzing)]
libfuzzer_sys::fuzz_target!(|data: &[u8]| lnpay_fuzz::targets::blinded_hop::do_test(data));

#[cfg(not(fuzzing))]
fn main() -> std::process::ExitCode {
    lnpay_fuzz::main_without_fuzzer(
        "blinded_hop",
        lnpay_fuzz::targets::blinded_hop::do_test,
        std::env::args_os().skip(1),
    )
}
