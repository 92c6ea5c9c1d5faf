//! Fuzz target `graph_snapshot`: the binary graph snapshot (`route::graph::snapshot`).
//! The checks are in `lnpay_fuzz::targets::graph_snapshot`.
//!
//! With `cfg(fuzzing)` (cargo-fuzz) this is a libFuzzer target; without it, a program that runs
//! the checks over the files named on its command line, or over `fuzz/corpus/graph_snapshot/`.
#![cfg_attr(fuzzing, no_main)]

#[cfg(fuzzing)]
libfuzzer_sys::fuzz_target!(|data: &[u8]| lnpay_fuzz::targets::graph_snapshot::do_test(data));

#[cfg(not(fuzzing))]
fn main() -> std::process::ExitCode {
    lnpay_fuzz::main_without_fuzzer(
        "graph_snapshot",
        lnpay_fuzz::targets::graph_snapshot::do_test,
        std::env::args_os().skip(1),
    )
}
