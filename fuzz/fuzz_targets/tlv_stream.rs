//! Fuzz target `tlv_stream`: TLV stream decoding (`types::tlv::TlvStream`).
//! The checks are in `lnpay_fuzz::targets::tlv_stream`.
//!
//! With `cfg(fuzzing)` (cargo-fuzz) this is a libFuzzer target; without it, a program that runs
//! the checks over the files named on its command line, or over `fuzz/corpus/tlv_stream/`.
#![cfg_attr(fuzzing, no_main)]

#[cfg(fuzzing)]
libfuzzer_sys::fuzz_target!(|data: &[u8]| lnpay_fuzz::targets::tlv_stream::do_test(data));

#[cfg(not(fuzzing))]
fn main() -> std::process::ExitCode {
    lnpay_fuzz::main_without_fuzzer(
        "tlv_stream",
        lnpay_fuzz::targets::tlv_stream::do_test,
        std::env::args_os().skip(1),
    )
}
