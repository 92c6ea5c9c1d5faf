//! `cargo xtask fuzz TARGET [--secs N] [--dev] [--asan] [-- LIBFUZZER_ARGS...]`: runs one
//! target of `fuzz/` under libFuzzer, through cargo-fuzz, on the **stable** toolchain.
//!
//! # How this works on stable
//!
//! cargo-fuzz's default build is not stable-only because of AddressSanitizer
//! (`-Zsanitizer=address`). Everything else it asks of rustc is stable: the coverage
//! instrumentation is `-Cpasses=sancov-module` plus `-Cllvm-args=-sanitizer-coverage-*`, and
//! libFuzzer itself is C++ compiled by the `libfuzzer-sys` crate. So the command is
//!
//! ```text
//! cargo fuzz run --fuzz-dir fuzz --sanitizer none TARGET fuzz/target/corpus/TARGET fuzz/corpus/TARGET -- -max_total_time=N
//! ```
//!
//! which needs no nightly and no `RUSTC_BOOTSTRAP`. Our crates `forbid(unsafe_code)`, so the
//! sanitizer would mostly cost speed; `--asan` still asks for it (for code that reaches C,
//! such as libsecp256k1), by setting `RUSTC_BOOTSTRAP=1` so that stable rustc accepts
//! `-Zsanitizer=address`.
//!
//! The build is cargo-fuzz's default, optimized with debug assertions (overflow checks) on;
//! `--dev` builds unoptimized, which compiles faster and fuzzes slower. cargo-fuzz is
//! installed with `cargo install cargo-fuzz --locked` when `cargo fuzz` is missing.
//!
//! # Corpus and crashes
//!
//! libFuzzer writes every new interesting input into the first corpus directory it is given.
//! That is `fuzz/target/corpus/TARGET/` (ignored by git), so the committed seeds in
//! `fuzz/corpus/TARGET/` are read but never grown. A failing input is saved by libFuzzer as
//! `fuzz/artifacts/TARGET/crash-*` (also ignored by git); once the bug is fixed, copy it into
//! `fuzz/corpus/TARGET/` under a telling name and `cargo test` replays it forever.

use std::path::{Path, PathBuf};

use crate::{cargo, project_root, run_step, Error};

struct Options {
    target: String,
    secs: Option<u64>,
    dev: bool,
    asan: bool,
    libfuzzer_args: Vec<String>,
}

pub(crate) fn run(args: &[String]) -> Result<(), Error> {
    let root = project_root();
    let targets = target_names(&root)
        .map_err(|source| Error::Io { what: "cannot list fuzz/fuzz_targets".to_owned(), source })?;
    if args.first().map(String::as_str) == Some("--list") {
        for target in &targets {
            println!("{target}");
        }
        return Ok(());
    }
    let options = parse(args)?;
    if !targets.contains(&options.target) {
        return Err(Error::Usage(format!(
            "no fuzz target `{}`; the targets are: {}",
            options.target,
            targets.join(", ")
        )));
    }

    ensure_cargo_fuzz()?;

    let target = options.target.as_str();
    let work_corpus = root.join("fuzz").join("target").join("corpus").join(target);
    std::fs::create_dir_all(&work_corpus).map_err(|source| Error::Io {
        what: format!("cannot create {}", work_corpus.display()),
        source,
    })?;
    let artifacts = root.join("fuzz").join("artifacts").join(target);
    let artifacts_before = files_in(&artifacts);

    let mut command = cargo();
    command.args(["fuzz", "run", "--fuzz-dir", "fuzz"]);
    if options.asan {
        command.env("RUSTC_BOOTSTRAP", "1").args(["--sanitizer", "address"]);
    } else {
        command.args(["--sanitizer", "none"]);
    }
    if options.dev {
        command.arg("--dev");
    }
    command.arg(target).arg(relative(&work_corpus, &root)).arg(format!("fuzz/corpus/{target}"));
    command.arg("--");
    if let Some(secs) = options.secs {
        command.arg(format!("-max_total_time={secs}"));
    }
    command.args(&options.libfuzzer_args);

    let result = run_step(&mut command);
    let new_artifacts: Vec<PathBuf> =
        files_in(&artifacts).into_iter().filter(|file| !artifacts_before.contains(file)).collect();
    for artifact in &new_artifacts {
        let shown = relative(artifact, &root);
        println!("xtask: libFuzzer saved a failing input: {shown}");
        println!(
            "  replay it without libFuzzer: cargo run -p lnpay-fuzz --bin {target} -- {shown}"
        );
        println!(
            "  once fixed, keep it as a regression case: cp {shown} fuzz/corpus/{target}/<what-it-tests>"
        );
    }
    if result.is_ok() {
        println!(
            "xtask: no failure found; new inputs are in {} (not committed: copy a small one into \
             fuzz/corpus/{target}/ only if it covers a case the seeds miss)",
            relative(&work_corpus, &root)
        );
    }
    result
}

fn parse(args: &[String]) -> Result<Options, Error> {
    let mut target = None;
    let mut options = Options {
        target: String::new(),
        secs: None,
        dev: false,
        asan: false,
        libfuzzer_args: vec![],
    };
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--secs" => {
                let value =
                    args.next().ok_or_else(|| Error::Usage("--secs needs a value".into()))?;
                let secs = value.parse().map_err(|_| {
                    Error::Usage(format!("--secs takes a whole number of seconds, got `{value}`"))
                })?;
                options.secs = Some(secs);
            }
            "--dev" => options.dev = true,
            "--asan" => options.asan = true,
            "--" => options.libfuzzer_args.extend(args.by_ref().cloned()),
            flag if flag.starts_with('-') => {
                return Err(Error::Usage(format!("unknown option `{flag}` for `cargo xtask fuzz`")))
            }
            name if target.is_none() => target = Some(name.to_owned()),
            extra => return Err(Error::Usage(format!("unexpected argument `{extra}`"))),
        }
    }
    options.target =
        target.ok_or_else(|| Error::Usage("`cargo xtask fuzz` needs a TARGET".into()))?;
    Ok(options)
}

/// The fuzz targets: the file stems of `fuzz/fuzz_targets/*.rs`, sorted.
pub(crate) fn target_names(root: &Path) -> std::io::Result<Vec<String>> {
    let mut names = Vec::new();
    for entry in std::fs::read_dir(root.join("fuzz").join("fuzz_targets"))? {
        let path = entry?.path();
        if path.extension().is_some_and(|ext| ext == "rs") {
            if let Some(stem) = path.file_stem() {
                names.push(stem.to_string_lossy().into_owned());
            }
        }
    }
    names.sort();
    Ok(names)
}

fn ensure_cargo_fuzz() -> Result<(), Error> {
    let probe = cargo().args(["fuzz", "--version"]).output();
    if probe.is_ok_and(|output| output.status.success()) {
        return Ok(());
    }
    println!("xtask: `cargo fuzz` is not installed; installing it");
    run_step(cargo().args(["install", "cargo-fuzz", "--locked"]))
}

/// The files directly in `dir` (none if it does not exist).
fn files_in(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else { return Vec::new() };
    let mut files: Vec<PathBuf> =
        entries.filter_map(|entry| entry.ok().map(|entry| entry.path())).collect();
    files.sort();
    files
}

/// `path` relative to the project root when it is inside it, for commands a person can paste.
fn relative(path: &Path, root: &Path) -> String {
    path.strip_prefix(root).unwrap_or(path).display().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(text: &str) -> Vec<String> {
        text.split_whitespace().map(str::to_owned).collect()
    }

    #[test]
    fn parses_target_and_options() {
        let options = match parse(&args("bigsize --secs 30 --dev -- -max_len=64")) {
            Ok(options) => options,
            Err(error) => panic!("{error}"),
        };
        assert_eq!(options.target, "bigsize");
        assert_eq!(options.secs, Some(30));
        assert!(options.dev && !options.asan);
        assert_eq!(options.libfuzzer_args, ["-max_len=64"]);
    }

    #[test]
    fn rejects_bad_command_lines() {
        for bad in ["", "--secs 3", "bigsize --secs", "bigsize --secs ten", "bigsize tlv_stream"] {
            assert!(matches!(parse(&args(bad)), Err(Error::Usage(_))), "{bad:?} accepted");
        }
    }
}
