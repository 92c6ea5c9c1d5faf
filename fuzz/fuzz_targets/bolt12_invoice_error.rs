//! Fuzz target `bolt12_invoice_error`: BOLT 12 invoice error decoding (`bolt12`).
//! The checks are in `lnpay_fuzz::targets::bolt12_invoice_error`.
//!
//! With `cfg(fuzzing)` (cargo-fuzz) this is a libFuzzer target; without it, a program that runs
//! the checks over the files named on its command line, or over `fuzz/corpus/bolt12_invoice_error/`.
#![cfg_attr(fuzzing, no_main)]

#[cfg(fuzzing)]
libfuzzer_sys::fuzz_target!(|data: &[u8]| lnpay_fuzz::targets::bolt12_invoice_error::do_test(data));

#[cfg(not(fuzzing))]
fn main() -> std::process::ExitCode {
    lnpay_fuzz::main_without_fuzzer(
        "bolt12_invoice_error",
        lnpay_fuzz::targets::bolt12_invoice_error::do_test,
        std::env::args_os().skip(1),
    )
}
