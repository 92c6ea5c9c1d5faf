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
//! `ldk-abtest.json` and joins it to `report.md`.

use std::path::PathBuf;

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
        let json = ldk_abtest()?;
        let path = dir.join("ldk-abtest.json");
        std::fs::write(&path, &json).map_err(|source| Error::Io {
            what: format!("cannot write {}", path.display()),
            source,
        })?;
        report.push_str(&format!(
            "## Delivery on real LDK nodes\n\n`{}` (lnpay-ldk's LnpayRouter against LDK's \
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
