//! `cargo xtask test`: the one command that gates a change, run the same way by a person and
//! by CI (`.ci/run` calls exactly this).
//!
//! Steps, in order, stopping at the first failure with that step's exit code:
//!
//! 1. `cargo fmt --all -- --check`
//! 2. `cargo clippy --workspace --all-targets -- -D warnings`
//! 3. `cargo test --workspace`: unit, integration and doc tests of every crate, which includes
//!    the fuzz corpus smoke test (`fuzz/tests/corpus.rs`) and the tidy tests
//!    (`xtask/src/tidy.rs`).
//! 4. `cargo doc --workspace --no-deps` with `RUSTDOCFLAGS=-D warnings`: every crate's docs
//!    build without a broken or private link (with `#![warn(missing_docs)]` in every library
//!    crate, an undocumented public item fails step 2 already).
//! 5. `python3 -m pytest tests/py`, the python interop tests, with `.venv`'s python when
//!    `.venv` exists (`.ci/run` creates it). Only when `tests/py` exists; otherwise the skip is
//!    announced before step 3, so that the run ends with cargo test's summary lines.
//!
//! Each step's command is printed (`==> ...`) before it runs.

use std::path::PathBuf;
use std::process::Command;

use crate::{cargo, project_root, run_step, Error};

pub(crate) fn run(args: &[String]) -> Result<(), Error> {
    if let Some(arg) = args.first() {
        return Err(Error::Usage(format!("`cargo xtask test` takes no arguments, got `{arg}`")));
    }
    let root = project_root();
    let python_tests = root.join("tests").join("py");

    run_step(cargo().args(["fmt", "--all", "--", "--check"]))?;
    run_step(cargo().args(["clippy", "--workspace", "--all-targets", "--", "-D", "warnings"]))?;
    if !python_tests.is_dir() {
        println!(
            "==> skipping the python interop tests: {} does not exist",
            python_tests.display()
        );
    }
    run_step(cargo().args(["test", "--workspace"]))?;
    run_step(cargo().args(["doc", "--workspace", "--no-deps"]).env("RUSTDOCFLAGS", "-D warnings"))?;
    if python_tests.is_dir() {
        let mut pytest = Command::new(python());
        pytest.current_dir(&root).args(["-m", "pytest", "tests/py"]);
        run_step(&mut pytest)?;
    }
    println!("==> cargo xtask test: all steps passed");
    Ok(())
}

/// `.venv`'s python when the venv exists, else `python3` from `PATH`.
fn python() -> PathBuf {
    let venv = project_root().join(".venv");
    [venv.join("bin").join("python3"), venv.join("Scripts").join("python.exe")]
        .into_iter()
        .find(|candidate| candidate.is_file())
        .unwrap_or_else(|| PathBuf::from("python3"))
}
