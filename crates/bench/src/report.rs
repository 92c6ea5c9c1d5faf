//! The report: markdown tables of the speed rows and of the delivery rows, and a
//! hand-written SVG of the success rate by amount for both payers, written to
//! `$CARGO_TARGET_DIR/bench-report/` (or `target/bench-report/` of the workspace).

use crate::delivery::Row;
use crate::stats::SpeedRow;
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
        "| payments | payer | paid | delivered | feasible | delivered/feasible | median attempts \
         | median fee ppm | p50 sim time | p99 sim time |\n\
         |---|---|---:|---:|---:|---:|---:|---:|---:|---:|\n",
    );
    for (o, l) in ours.iter().zip(ldk) {
        for (who, r) in [("lnpay", o), ("LDK", l)] {
            let _ = writeln!(
                s,
                "| {} | {who} | {} | {} | {} | {} | {} | {} | {} ms | {} ms |",
                r.label,
                r.payments,
                r.delivered,
                r.feasible,
                pct(r.success),
                opt(r.median_attempts),
                opt(r.median_fee_ppm),
                opt(r.p50_sim_ms),
                opt(r.p99_sim_ms),
            );
        }
    }
    s
}

/// A line chart of delivered/feasible by class, one series per payer, written by hand.
pub fn svg(ours: &[Row], ldk: &[Row]) -> String {
    const W: f64 = 680.0;
    const H: f64 = 400.0;
    const L: f64 = 60.0;
    const R: f64 = 150.0;
    const T: f64 = 40.0;
    const B: f64 = 50.0;
    let n = ours.len().max(1);
    let x = |i: usize| {
        if n == 1 {
            L + (W - L - R) / 2.0
        } else {
            L + (W - L - R) * i as f64 / (n - 1) as f64
        }
    };
    let y = |f: f64| T + (H - T - B) * (1.0 - f.clamp(0.0, 1.0));
    let mut s = String::new();
    let _ = writeln!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" viewBox="0 0 {W} {H}" font-family="sans-serif" font-size="12">"#
    );
    let _ = writeln!(s, r#"<rect width="{W}" height="{H}" fill="white"/>"#);
    let _ = writeln!(
        s,
        r#"<text x="{}" y="22" text-anchor="middle" font-size="14">delivered / max-flow feasible, by payment</text>"#,
        (W - R + L) / 2.0
    );
    for p in [0.0, 0.25, 0.5, 0.75, 1.0] {
        let yy = y(p);
        let _ = writeln!(
            s,
            r##"<line x1="{L}" y1="{yy}" x2="{}" y2="{yy}" stroke="#ddd"/><text x="{}" y="{}" text-anchor="end">{}%</text>"##,
            W - R,
            L - 6.0,
            yy + 4.0,
            p * 100.0
        );
    }
    let _ = writeln!(
        s,
        r#"<line x1="{L}" y1="{}" x2="{}" y2="{}" stroke="black"/>"#,
        H - B,
        W - R,
        H - B
    );
    for (i, row) in ours.iter().enumerate() {
        let _ = writeln!(
            s,
            r#"<text x="{:.1}" y="{}" text-anchor="middle">{}</text>"#,
            x(i),
            H - B + 18.0,
            row.label
        );
    }
    for (k, (rows, name, color)) in
        [(ours, "lnpay pay", "#1f77b4"), (ldk, "LDK find_route", "#d62728")].iter().enumerate()
    {
        let pts: Vec<(f64, f64)> =
            rows.iter().enumerate().filter_map(|(i, r)| r.success.map(|f| (x(i), y(f)))).collect();
        let points: Vec<String> = pts.iter().map(|(a, b)| format!("{a:.1},{b:.1}")).collect();
        let _ = writeln!(
            s,
            r#"<polyline class="series" data-series="{name}" fill="none" stroke="{color}" stroke-width="2" points="{}"/>"#,
            points.join(" ")
        );
        for (a, b) in &pts {
            let _ = writeln!(s, r#"<circle cx="{a:.1}" cy="{b:.1}" r="3" fill="{color}"/>"#);
        }
        let ly = T + 20.0 * k as f64 + 10.0;
        let _ = writeln!(
            s,
            r#"<line x1="{}" y1="{ly}" x2="{}" y2="{ly}" stroke="{color}" stroke-width="2"/><text x="{}" y="{}">{name}</text>"#,
            W - R + 15.0,
            W - R + 35.0,
            W - R + 40.0,
            ly + 4.0
        );
    }
    s.push_str("</svg>\n");
    s
}
