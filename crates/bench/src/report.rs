//! The report: markdown tables of the speed rows and of the delivery rows, and a
//! hand-written SVG of the success rate by amount for both payers, written to
//! `$CARGO_TARGET_DIR/bench-report/` (or `target/bench-report/` of the workspace).

use crate::delivery::Row;
use crate::stats::SpeedRow;
use harness::plot::{rate_chart, Series};
use std::fmt::Write as _;
use std::path::PathBuf;
use std::time::Duration;

/// The report directory: `$CARGO_TARGET_DIR/bench-report`, or the workspace's
/// `target/bench-report`.
pub fn report_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR").map_or_else(
        || PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../target")),
        PathBuf::from,
    );
    target.join("bench-report")
}

/// Writes `contents` to `name` in [`report_dir`]; returns the path.
pub fn write(name: &str, contents: &str) -> std::io::Result<PathBuf> {
    let dir = report_dir();
    std::fs::create_dir_all(&dir)?;
    let path = dir.join(name);
    std::fs::write(&path, contents)?;
    Ok(path)
}

fn dur(d: Duration) -> String {
    let us = d.as_secs_f64() * 1e6;
    if us >= 1e4 {
        format!("{:.1} ms", us / 1e3)
    } else if us >= 1e3 {
        format!("{:.2} ms", us / 1e3)
    } else {
        format!("{us:.1} µs")
    }
}

/// The speed table.
pub fn speed_table(rows: &[SpeedRow]) -> String {
    let mut s = String::from(
        "| benchmark | ours median | ours p99 | LDK median | LDK p99 | ours/LDK | notes |\n\
         |---|---:|---:|---:|---:|---:|---|\n",
    );
    for r in rows {
        let (lm, lp) = r.ldk.map_or(("–".into(), "–".into()), |t| (dur(t.median), dur(t.p99)));
        let ratio = r.ratio().map_or("–".into(), |x| format!("{x:.3}"));
        let _ = writeln!(
            s,
            "| {} | {} | {} | {lm} | {lp} | {ratio} | {} |",
            r.name,
            dur(r.ours.median),
            dur(r.ours.p99),
            r.note
        );
    }
    s
}

fn opt<T: ToString>(v: Option<T>) -> String {
    v.map_or("–".into(), |v| v.to_string())
}

fn pct(v: Option<f64>) -> String {
    v.map_or("–".into(), |v| format!("{:.1} %", v * 100.0))
}

/// The delivery table: one line per class and payer.
pub fn delivery_table(ours: &[Row], ldk: &[Row]) -> String {
    let mut s = String::from(
        "| payments | payer | paid | delivered | feasible | delivered/feasible | feasible within \
         fee limit | delivered/feasible within fee limit | median attempts | median fee ppm \
         | p50 sim time | p99 sim time |\n\
         |---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n",
    );
    for (o, l) in ours.iter().zip(ldk) {
        for (who, r) in [("lnpay", o), ("LDK", l)] {
            let _ = writeln!(
                s,
                "| {} | {who} | {} | {} | {} | {} | {} | {} | {} | {} | {} ms | {} ms |",
                r.label,
                r.payments,
                r.delivered,
                r.feasible,
                pct(r.success),
                r.feasible_fee,
                pct(r.success_fee),
                opt(r.median_attempts),
                opt(r.median_fee_ppm),
                opt(r.p50_sim_ms),
                opt(r.p99_sim_ms),
            );
        }
    }
    s
}

/// A line chart of delivered/feasible by class, one series per payer.
pub fn svg(ours: &[Row], ldk: &[Row]) -> String {
    let labels: Vec<String> = ours.iter().map(|r| r.label.to_string()).collect();
    let series = |rows: &[Row], name, color| Series {
        key: name,
        name,
        color,
        values: rows.iter().map(|r| r.success).collect(),
    };
    rate_chart(
        "delivered / max-flow feasible, by payment",
        &labels,
        &[series(ours, "lnpay pay", "#1f77b4"), series(ldk, "LDK find_route", "#d62728")],
    )
}

/// One goal of the speed work, with our figure beside LDK's from the same run.
#[derive(Debug, Clone, PartialEq)]
pub struct Goal {
    /// What is measured.
    pub what: String,
    /// The goal.
    pub goal: String,
    /// Our figure.
    pub ours: String,
    /// LDK's figure in the same run ("–" where there is none).
    pub ldk: String,
    /// Whether the goal is met (`None`: not measured in this run).
    pub met: Option<bool>,
}

impl Goal {
    /// A goal of at most `limit` for a time of ours (`ldk`: LDK's figure, or why none).
    pub fn at_most(what: String, limit: Duration, ours: Duration, ldk: String) -> Goal {
        let goal = match limit.as_millis() {
            ms if ms >= 1000 && ms % 1000 == 0 => format!("≤ {} s", ms / 1000),
            ms => format!("≤ {ms} ms"),
        };
        Goal { what, goal, ours: show(ours), ldk, met: Some(ours <= limit) }
    }
}

/// The goals table, with the command that reproduces it.
pub fn goals_table(command: &str, goals: &[Goal]) -> String {
    let mut s = format!(
        "Goals, measured in this run (`{command}`):\n\n\
         | what | goal | lnpay | LDK | met |\n|---|---|---:|---:|---|\n"
    );
    for g in goals {
        let met = match g.met {
            Some(true) => "yes",
            Some(false) => "**no**",
            None => "not measured",
        };
        let _ = writeln!(s, "| {} | {} | {} | {} | {met} |", g.what, g.goal, g.ours, g.ldk);
    }
    s
}

/// A duration as the tables show it.
pub fn show(d: Duration) -> String {
    dur(d)
}
