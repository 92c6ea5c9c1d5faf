//! Fuzz target `hop_payload`: BOLT 4 hop payloads (`onion::payload::HopPayload`).
//! The checks are in `lnpay_fuzz::targets::hop_payload`.
//!
//! With `cfg(fuzzing)` (cargo-fuzz) this is a libFuzzer target; without it, a program that runs
//! the checks over the files named on its command line, or over `fuzz/corpus/hop_payload/`.
#![cfg_attr(fuzzing, no_main)]

#[cfg(fuzzing)]
libfuzzer_sys::fuzz_target!(|data: &[u8]| lnpay_fuzz::targets::hop_payload::do_test(data));

#[cfg(not(fuzzing))]
fn main() -> std::process::ExitCode {
    lnpay_fuzz::main_without_fuzzer(
        "hop_payload",
        lnpay_fuzz::targets::hop_payload::do_test,
        std::env::args_os().skip(1),
    )
}
