//! `cargo xtask bench [ARGS...]`: runs the criterion benchmarks (each crate's `benches/`)
//! with `cargo bench --workspace ARGS...`.
//!
//! `ARGS` go to cargo unchanged, so `cargo xtask bench -- --save-baseline main` passes
//! `--save-baseline main` on to criterion. A later change turns the results into a report.

use crate::{cargo, run_step, Error};

pub(crate) fn run(args: &[String]) -> Result<(), Error> {
    run_step(cargo().args(["bench", "--workspace"]).args(args))
}
