//! Fuzz target `channel_update`: BOLT 7 channel_update parsing (`wire::gossip::ChannelUpdate`).
//! The checks are in `lnpay_fuzz::targets::channel_update`.
//!
//! With `cfg(fuzzing)` (cargo-fuzz) this is a libFuzzer target; without it, a program that runs
//! the checks over the files named on its command line, or over `fuzz/corpus/channel_update/`.
#![cfg_attr(fuzzing, no_main)]

#[cfg(fuzzing)]
libfuzzer_sys::fuzz_target!(|data: &[u8]| lnpay_fuzz::targets::channel_update::do_test(data));

#[cfg(not(fuzzing))]
fn main() -> std::process::ExitCode {
    lnpay_fuzz::main_without_fuzzer(
        "channel_update",
        lnpay_fuzz::targets::channel_update::do_test,
        std::env::args_os().skip(1),
    )
}
