//! Fuzz target `peer_frame`: the node-network byte stream (`wire::FrameDecoder`).
//! The checks are in `lnpay_fuzz::targets::peer_frame`.
//!
//! With `cfg(fuzzing)` (cargo-fuzz) this is a libFuzzer target; without it, a program that runs
//! the checks over the files named on its command line, or over `fuzz/corpus/peer_frame/`.
#![cfg_attr(fuzzing, no_main)]

#[cfg(fuzzing)]
libfuzzer_sys::fuzz_target!(|data: &[u8]| lnpay_fuzz::targets::peer_frame::do_test(data));

#[cfg(not(fuzzing))]
fn main() -> std::process::ExitCode {
    lnpay_fuzz::main_without_fuzzer(
        "peer_frame",
        lnpay_fuzz::targets::peer_frame::do_test,
        std::env::args_os().skip(1),
    )
}
