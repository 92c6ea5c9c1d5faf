//! Fuzz target `payment_records`: persisted payment records and a restart from them (`payment`).
//! The checks are in `lnpay_fuzz::targets::payment_records`.
//!
//! With `cfg(fuzzing)` (cargo-fuzz) this is a libFuzzer target; without it, a program that runs
//! the checks over the files named on its command line, or over `fuzz/corpus/payment_records/`.
#![cfg_attr(fuzzing, no_main)]

#[cfg(fuzzing)]
libfuzzer_sys::fuzz_target!(|data: &[u8]| lnpay_fuzz::targets::payment_records::do_test(data));

#[cfg(not(fuzzing))]
fn main() -> std::process::ExitCode {
    lnpay_fuzz::main_without_fuzzer(
        "payment_records",
        lnpay_fuzz::targets::payment_records::do_test,
        std::env::args_os().skip(1),
    )
}
