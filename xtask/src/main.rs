//! `cargo xtask`: the lnpay workspace's developer commands.
//!
//! An ordinary workspace binary behind the alias in `.cargo/config.toml`
//! (`xtask = "run --quiet --package xtask --"`), in the style of rust-analyzer's `xtask/`:
//! std only, one module per command, nothing installed behind your back except `cargo-fuzz`
//! when you ask to fuzz.
//!
//! | command | module | what it runs |
//! |---|---|---|
//! | `cargo xtask test` | [`mod@test`] | fmt check, clippy `-D warnings`, `cargo test --workspace`, `cargo doc -D warnings`, python interop tests |
//! | `cargo xtask fuzz TARGET [--secs N]` | [`fuzz`] | libFuzzer through cargo-fuzz on the stable toolchain |
//! | `cargo xtask bench [ARGS]` | [`mod@bench`] | `cargo bench -p lnpay-bench ARGS`, then `target/bench-report/report.md` |
//!
//! The tidy checks (layering of the crates, `//!` docs, no `#[ignore]`, fuzz targets have
//! a corpus) are plain `#[test]`s in `src/tidy.rs`, so `cargo test --workspace` enforces them
//! and they need no command of their own.

mod bench;
mod fuzz;
mod test;
#[cfg(test)]
mod tidy;

use std::ffi::OsString;
use std::fmt;
use std::io;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

const USAGE: &str = "\
usage: cargo xtask <command>

commands:
  test                          fmt check, clippy -D warnings, cargo test --workspace,
                                cargo doc -D warnings, python interop tests (tests/py)
  fuzz TARGET [--secs N] [--dev] [--asan] [-- LIBFUZZER_ARGS...]
                                fuzz one target of fuzz/ with libFuzzer (stable toolchain)
  fuzz --list                   list the fuzz targets
  bench [ARGS...]               cargo bench -p lnpay-bench ARGS... (speed and delivery
                                against LDK), report in target/bench-report/
  help                          this text";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (command, rest) = match args.split_first() {
        Some((command, rest)) => (command.as_str(), rest),
        None => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    let result = match command {
        "test" => test::run(rest),
        "fuzz" => fuzz::run(rest),
        "bench" => bench::run(rest),
        "help" | "-h" | "--help" => {
            println!("{USAGE}");
            Ok(())
        }
        other => Err(Error::Usage(format!("unknown command `{other}`"))),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("xtask: error: {error}");
            if let Error::Usage(_) = error {
                eprintln!("{USAGE}");
            }
            ExitCode::from(error.exit_code())
        }
    }
}

/// Why a command failed.
#[derive(Debug)]
pub(crate) enum Error {
    /// The command line was wrong; the message says how.
    Usage(String),
    /// A child process ran and failed.
    Failed { command: String, code: Option<i32> },
    /// A child process could not be started, or a file could not be read or written.
    Io { what: String, source: io::Error },
}

impl Error {
    fn exit_code(&self) -> u8 {
        match self {
            Error::Usage(_) => 2,
            Error::Failed { code: Some(code), .. } => u8::try_from(*code).unwrap_or(1).max(1),
            Error::Failed { code: None, .. } | Error::Io { .. } => 1,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Usage(message) => write!(f, "{message}"),
            Error::Failed { command, code: Some(code) } => {
                write!(f, "`{command}` failed with exit code {code}")
            }
            Error::Failed { command, code: None } => {
                write!(f, "`{command}` was killed by a signal")
            }
            Error::Io { what, source } => write!(f, "{what}: {source}"),
        }
    }
}

/// The workspace root: the parent of this crate's directory.
pub(crate) fn project_root() -> PathBuf {
    let xtask_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    xtask_dir.parent().unwrap_or(xtask_dir).to_path_buf()
}

/// The cargo that runs us (`$CARGO`, set by `cargo run`), so every step uses one toolchain.
pub(crate) fn cargo() -> Command {
    let program = std::env::var_os("CARGO").unwrap_or_else(|| OsString::from("cargo"));
    let mut command = Command::new(program);
    command.current_dir(project_root());
    command
}

/// How `command` reads when typed by hand in the project root: environment assignments first,
/// `cargo` for whatever path `$CARGO` holds, paths inside the project relative to it.
pub(crate) fn display(command: &Command) -> String {
    let mut words = Vec::new();
    for (key, value) in command.get_envs() {
        if let Some(value) = value {
            words.push(format!("{}={}", key.to_string_lossy(), value.to_string_lossy()));
        }
    }
    let program = Path::new(command.get_program());
    let root = project_root();
    let shown = if program.file_stem().is_some_and(|stem| stem == "cargo") {
        Path::new("cargo")
    } else {
        program.strip_prefix(&root).unwrap_or(program)
    };
    words.push(shown.to_string_lossy().into_owned());
    words.extend(command.get_args().map(|arg| arg.to_string_lossy().into_owned()));
    words.join(" ")
}

/// Prints `==> COMMAND`, runs it with inherited stdio and fails if it fails.
pub(crate) fn run_step(command: &mut Command) -> Result<(), Error> {
    let shown = display(command);
    println!("==> {shown}");
    let status = command
        .status()
        .map_err(|source| Error::Io { what: format!("cannot start `{shown}`"), source })?;
    if status.success() {
        Ok(())
    } else {
        Err(Error::Failed { command: shown, code: status.code() })
    }
}
