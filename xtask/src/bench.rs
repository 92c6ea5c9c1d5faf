//! `cargo xtask bench [ARGS...]`: the benchmarks against LDK and their report.
//!
//! Runs `cargo bench -p lnpay-bench ARGS...` (crates/bench: the speed bench, criterion plus
//! per-item medians and 99th percentiles, and the delivery A/B on the simulated network),
//! which write `speed.md`, `delivery.md` and `delivery.svg` into
//! `$CARGO_TARGET_DIR/bench-report/` (default `target/bench-report/`), then joins the two
//! tables into `report.md` there. `ARGS` go to cargo unchanged, so `cargo xtask bench --bench
//! speed` runs one bench and `cargo xtask bench -- --save-baseline main` passes
//! `--save-baseline main` on to criterion. The per-crate benches without LDK run with
//! `cargo bench -p <crate>`.
//!
//! A full run (no `ARGS`) then runs the delivery A/B on real LDK nodes,
//! `cargo run --release -p lnpay-ldk --features test-support --example abtest -- --nodes 100
//! --seed 1 --payments 200 --json` (one LDK network built twice from one seed, paid with
//! `LnpayRouter` and with LDK's `DefaultRouter` + `ProbabilisticScorer`), keeps its JSON as
//! `ldk-abtest.json` and joins it to `report.md`; and it times the main job on the real graph,
//! `lnpay sim --graph ../shared/graph/mainnet-2026-02-03.listchannels.json.gz --payments 1000`
//! (the release `lnpay`, built first), against its goal of 15 s including setup.

use std::path::PathBuf;
use std::process::Command;
use std::time::Instant;

use crate::{cargo, project_root, run_step, Error};

/// The report directory the bench crate writes to.
fn report_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map_or_else(|| project_root().join("target"), PathBuf::from);
    let target = if target.is_relative() { project_root().join(target) } else { target };
    target.join("bench-report")
}

/// The A/B on real LDK nodes, as `cargo` arguments.
const ABTEST: &[&str] = &[
    "run",
    "--release",
    "-p",
    "lnpay-ldk",
    "--features",
    "test-support",
    "--example",
    "abtest",
    "--",
    "--nodes",
    "100",
    "--seed",
    "1",
    "--payments",
    "200",
    "--json",
];

/// Runs the A/B on real LDK nodes; its JSON report.
fn ldk_abtest() -> Result<String, Error> {
    println!("==> cargo {}", ABTEST.join(" "));
    let out = cargo().args(ABTEST).output().map_err(|source| Error::Io {
        what: "cannot run the lnpay-ldk abtest example".into(),
        source,
    })?;
    if !out.status.success() {
        return Err(Error::Failed {
            command: format!("cargo {}", ABTEST.join(" ")),
            code: out.status.code(),
        });
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// The graph the main job's goal is measured on, beside the project root.
const MAIN_JOB_GRAPH: &str = "../shared/graph/mainnet-2026-02-03.listchannels.json.gz";

/// The main job's payments in its goal.
const MAIN_JOB_PAYMENTS: &str = "1000";

/// Builds the release `lnpay` and times `lnpay sim --graph MAIN_JOB_GRAPH --payments 1000`;
/// its goal row and the run's own summary line.
fn main_job() -> Result<String, Error> {
    run_step(cargo().args(["build", "--release", "-p", "lnpay-node"]))?;
    let target = report_dir();
    let bin = target
        .parent()
        .unwrap_or(&target)
        .join("release")
        .join(format!("lnpay{}", std::env::consts::EXE_SUFFIX));
    let graph = project_root().join(MAIN_JOB_GRAPH);
    let shown = format!("lnpay sim --graph {MAIN_JOB_GRAPH} --payments {MAIN_JOB_PAYMENTS}");
    println!("==> {shown}");
    let started = Instant::now();
    let out = Command::new(&bin)
        .current_dir(project_root())
        .arg("sim")
        .arg("--graph")
        .arg(&graph)
        .args(["--payments", MAIN_JOB_PAYMENTS])
        .output()
        .map_err(|source| Error::Io { what: format!("cannot run {}", bin.display()), source })?;
    let secs = started.elapsed().as_secs_f64();
    if !out.status.success() {
        return Err(Error::Failed { command: shown, code: out.status.code() });
    }
    let stdout = String::from_utf8_lossy(&out.stdout);
    // Its totals and its own timing: the last two lines, spaces collapsed.
    let mut last: Vec<String> = stdout
        .lines()
        .filter(|l| !l.trim().is_empty())
        .rev()
        .take(2)
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect();
    last.reverse();
    let summary = last.join(" · ");
    let met = if secs <= 15.0 { "yes" } else { "**no**" };
    Ok(format!(
        "## The main job on the real graph\n\n\
         Goal, measured in this run (`cargo xtask bench`):\n\n\
         | what | goal | lnpay | LDK | met |\n|---|---|---:|---:|---|\n\
         | `{shown}`, wall time including setup | ≤ 15 s | {secs:.1} s | – | {met} |\n\n\
         Its summary: `{summary}`\n\n"
    ))
}

pub(crate) fn run(args: &[String]) -> Result<(), Error> {
    run_step(cargo().args(["bench", "-p", "lnpay-bench"]).args(args))?;
    let dir = report_dir();
    let mut report = String::from("# lnpay against LDK 0.2.7\n\n");
    let mut found = 0;
    for name in ["speed.md", "delivery.md"] {
        if let Ok(text) = std::fs::read_to_string(dir.join(name)) {
            report.push_str(&text);
            report.push('\n');
            found += 1;
        }
    }
    if args.is_empty() {
        report.push_str(&main_job()?);
        found += 1;
        let json = ldk_abtest()?;
        let path = dir.join("ldk-abtest.json");
        std::fs::write(&path, &json).map_err(|source| Error::Io {
            what: format!("cannot write {}", path.display()),
            source,
        })?;
        report.push_str(&format!(
            "## Delivery on real LDK nodes\n\n`cargo {}` (lnpay-ldk's LnpayRouter against LDK's \
             DefaultRouter + ProbabilisticScorer on one LDK network built twice):\n\n\
             ```json\n{}\n```\n\n",
            ABTEST.join(" "),
            json.trim()
        ));
        found += 1;
    }
    if found > 0 {
        report.push_str("![success rate by amount](delivery.svg)\n");
        let path = dir.join("report.md");
        std::fs::write(&path, report).map_err(|source| Error::Io {
            what: format!("cannot write {}", path.display()),
            source,
        })?;
        println!("report: {}", path.display());
    }
    Ok(())
}
