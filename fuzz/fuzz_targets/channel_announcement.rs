//! Fuzz target `channel_announcement`: BOLT 7 channel_announcement parsing (`wire::gossip::ChannelAnnouncement`).
//! The checks are in `lnpay_fuzz::targets::channel_announcement`.
//!
//! With `cfg(fuzzing)` (cargo-fuzz) this is a libFuzzer target; without it, a program that runs
//! the checks over the files named on its command line, or over `fuzz/corpus/channel_announcement/`.
#![cfg_attr(fuzzing, no_main)]

#[cfg(fuzzing)]
libfuzzer_sys::fuzz_target!(|data: &[u8]| lnpay_fuzz::targets::channel_announcement::do_test(data));

#[cfg(not(fuzzing))]
fn main() -> std::process::ExitCode {
    lnpay_fuzz::main_without_fuzzer(
        "channel_announcement",
        lnpay_fuzz::targets::channel_announcement::do_test,
        std::env::args_os().skip(1),
    )
}
