//! `lnpay sim`, the main job, run as a user runs it: a small network, a few payments.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use serde_json::Value;
use std::process::Output;

fn lnpay(args: &[&str]) -> Output {
    common::lnpay().args(args).output().expect("run lnpay")
}

/// A small run on a 200-node generated network.
fn small(extra: &[&str]) -> Value {
    let mut args = vec!["sim", "--nodes", "200", "--payments", "30", "--json"];
    args.extend_from_slice(extra);
    let out = lnpay(&args);
    assert!(out.status.success(), "stderr: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("one json object")
}

fn u(v: &Value, k: &str) -> u64 {
    v[k].as_u64().unwrap_or_else(|| panic!("{k} missing or not a count in {v}"))
}

fn check_row(row: &Value) {
    let (payments, delivered, feasible) =
        (u(row, "payments"), u(row, "delivered"), u(row, "feasible"));
    assert!(delivered <= feasible, "delivered {delivered} > feasible {feasible}");
    assert!(feasible <= payments, "feasible {feasible} > payments {payments}");
    assert_eq!(u(row, "delivered_infeasible"), 0);
    if feasible > 0 {
        let r = row["delivered_over_feasible"].as_f64().unwrap();
        assert!((r - delivered as f64 / feasible as f64).abs() < 1e-3);
    }
    let r = row["delivered_over_payments"].as_f64().unwrap();
    assert!((r - delivered as f64 / payments as f64).abs() < 1e-3);
    if delivered > 0 {
        // Fee ppm is a count (never negative); an attempt was made for each payment.
        row["median_fee_ppm"].as_u64().expect("median_fee_ppm");
        assert!(u(row, "median_attempts") >= 1);
    }
    assert!(u(row, "p50_sim_ms") <= u(row, "p99_sim_ms"));
    u(row, "fees_msat");
}

#[test]
fn small_run_report_is_consistent_and_deterministic() {
    let a = small(&["--amounts", "10000sat,0.001btc,5000000msat"]);
    let rows = a["amounts"].as_array().unwrap();
    assert_eq!(rows.len(), 3);
    assert_eq!(
        rows.iter().map(|r| u(r, "amount_msat")).collect::<Vec<_>>(),
        [10_000_000, 100_000_000, 5_000_000]
    );
    for row in rows {
        assert_eq!(u(row, "payments"), 10);
        check_row(row);
    }
    let total = &a["total"];
    check_row(total);
    assert_eq!(u(total, "payments"), 30);
    assert_eq!(u(total, "delivered"), rows.iter().map(|r| u(r, "delivered")).sum::<u64>());
    assert_eq!(u(total, "feasible"), rows.iter().map(|r| u(r, "feasible")).sum::<u64>());
    // The payer gets most feasible payments through on a small network.
    assert!(u(total, "delivered") * 2 >= u(total, "feasible"), "{total}");
    assert!(u(&a["network"], "nodes") == 201);
    a["wall_ms"].as_u64().unwrap();
    a["payments_per_sec"].as_f64().unwrap();

    // Same seed, same report (minus the wall clock); another seed, another report.
    let strip = |mut v: Value| {
        let m = v.as_object_mut().unwrap();
        m.remove("wall_ms");
        m.remove("payments_per_sec");
        v
    };
    let b = small(&["--amounts", "10000sat,0.001btc,5000000msat"]);
    assert_eq!(strip(a.clone()), strip(b));
    let c = small(&["--amounts", "10000sat,0.001btc,5000000msat", "--seed", "2"]);
    assert_ne!(strip(a), strip(c));
}

#[test]
fn plot_writes_an_svg_with_both_series() {
    let dir = common::TempDir::new("sim");
    let path = dir.path().join("rate.svg");
    let out = lnpay(&[
        "sim",
        "--nodes",
        "100",
        "--payments",
        "8",
        "--amounts",
        "1000sat,100000sat",
        "--plot",
        path.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "stderr: {}", String::from_utf8_lossy(&out.stderr));
    // Without --json: the table, with a header, one line per amount and a total.
    let table = String::from_utf8(out.stdout).unwrap();
    assert!(table.contains("amount_msat") && table.contains("total"), "{table}");
    assert!(table.lines().any(|l| l.trim_start().starts_with("1000000 ")), "{table}");
    let svg = std::fs::read_to_string(&path).unwrap();
    assert!(svg.starts_with("<svg"), "{svg}");
    assert!(svg.trim_end().ends_with("</svg>"));
    assert_eq!(svg.matches("<svg").count(), 1);
    // Every element opened is closed (all are self-closing or paired).
    let opens = svg.matches('<').count();
    let closes = svg.matches('>').count();
    assert_eq!(opens, closes);
    let series: Vec<&str> = svg.lines().filter(|l| l.starts_with("<polyline")).collect();
    assert_eq!(series.len(), 2, "{svg}");
    for s in series {
        assert!(s.ends_with("/>"));
        let pts = s.split("points=\"").nth(1).unwrap().split('"').next().unwrap();
        // One point per amount that had a rate; delivered/total always has one.
        assert!(pts.split(' ').count() <= 2);
    }
    assert!(svg.contains("data-series=\"delivered_over_payments\""));
    assert!(svg.contains("data-series=\"delivered_over_feasible\""));
}

#[test]
fn bad_flags_exit_non_zero_with_a_message() {
    let cases: [(&[&str], &str); 5] = [
        (&["sim", "--amount", "12xyz"], "12xyz"),
        (&["sim", "--amounts", "1000sat,,5sat"], "amount"),
        (&["sim", "--payments", "0"], "--payments"),
        (&["sim", "--graph", "/nonexistent/lnpay-graph.json"], "/nonexistent/lnpay-graph.json"),
        (&["sim", "--amount", "1sat", "--amounts", "1sat,2sat"], "--amounts"),
    ];
    for (args, needle) in cases {
        let out = lnpay(args);
        assert!(!out.status.success(), "{args:?} succeeded");
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(text.contains(needle), "{args:?}: {text}");
    }
    // A share of offers out of 0..=1 is invalid params, as JSON on stdout.
    for share in ["1.5", "-0.1", "NaN"] {
        let out = lnpay(&["sim", "--nodes", "100", &format!("--bolt12={share}")]);
        assert_eq!(out.status.code(), Some(1), "--bolt12 {share}");
        let e: Value = serde_json::from_slice(&out.stdout).expect("an error object");
        assert_eq!(e["code"], -32602, "{e}");
        assert!(e["message"].as_str().unwrap().contains("--bolt12"), "{e}");
    }
    // A clap error (unknown flag) exits 2.
    assert_eq!(lnpay(&["sim", "--bogus"]).status.code(), Some(2));
}

#[test]
fn xpay_delivers_at_least_what_pay_does_at_every_amount() {
    let amounts = ["--amounts", "10000sat,100000sat,1000000sat"];
    let pay = small(&amounts);
    let xpay = small(&[&amounts[..], &["--method", "xpay"]].concat());
    assert_eq!(pay["method"], "pay");
    assert_eq!(xpay["method"], "xpay");
    let rows = |v: &Value| v["amounts"].as_array().unwrap().clone();
    for (p, x) in rows(&pay).iter().zip(rows(&xpay).iter()) {
        check_row(x);
        assert_eq!(u(p, "amount_msat"), u(x, "amount_msat"));
        assert!(u(x, "delivered") >= u(p, "delivered"), "pay {p}\nxpay {x}");
    }
}

/// The counts of a row's BOLT 11 and offer sub-rows add up to the row's own.
fn check_split(row: &Value) {
    let (b, o) = (&row["bolt11"], &row["offers"]);
    check_row(b);
    check_row(o);
    for k in ["payments", "delivered", "feasible", "delivered_infeasible", "fees_msat"] {
        assert_eq!(u(b, k) + u(o, k), u(row, k), "{k} in {row}");
    }
    // Through the invoice's paths is never more than the network could carry, and nothing
    // was delivered that its paths could not carry.
    assert!(u(o, "feasible_via_paths") <= u(o, "feasible"), "{o}");
    assert!(u(o, "fetched") <= u(o, "payments"), "{o}");
    assert!(u(o, "blinded_offers") <= u(o, "payments"), "{o}");
    assert!(u(o, "delivered") <= u(o, "fetched"), "{o}");
    assert_eq!(u(o, "delivered_infeasible_via_paths"), 0, "{o}");
}

#[test]
fn bolt12_share_pays_offers_and_splits_the_report_by_kind() {
    let amounts = ["--amounts", "10000sat,100000sat,1000000sat"];
    let plain = small(&amounts);
    assert!(plain.get("bolt12").is_none() && plain["total"].get("offers").is_none());
    let zero = small(&[&amounts[..], &["--bolt12", "0"]].concat());
    assert_eq!(zero["amounts"], plain["amounts"], "--bolt12 0 is today's report");

    let a = small(&[&amounts[..], &["--bolt12", "0.5"]].concat());
    assert_eq!(a["bolt12"].as_f64(), Some(0.5));
    let rows = a["amounts"].as_array().unwrap();
    for row in rows {
        check_row(row);
        check_split(row);
        // Ten payments per amount, half of them to offers.
        assert_eq!(u(&row["offers"], "payments"), 5, "{row}");
        assert_eq!(u(&row["bolt11"], "payments"), 5, "{row}");
    }
    let total = &a["total"];
    check_split(total);
    for k in ["payments", "delivered", "feasible_via_paths", "fetched", "blinded_offers"] {
        let sum: u64 = rows.iter().map(|r| u(&r["offers"], k)).sum();
        assert_eq!(u(&total["offers"], k), sum, "{k}");
    }
    let offers = &total["offers"];
    assert!(u(offers, "delivered") > 0, "{offers}");
    // Both kinds of offer (a blinded offer path, the issuer in the clear) were made.
    assert!(u(offers, "blinded_offers") > 0 && u(offers, "blinded_offers") < 15, "{offers}");
    // Same seed, same report.
    let b = small(&[&amounts[..], &["--bolt12", "0.5"]].concat());
    assert_eq!(a["amounts"], b["amounts"]);

    // Everything to offers: every payment is one.
    let all = small(&[&amounts[..], &["--bolt12", "1"]].concat());
    assert_eq!(u(&all["total"]["offers"], "payments"), 30);
    assert_eq!(u(&all["total"]["bolt11"], "payments"), 0);
}

#[test]
fn bolt12_table_and_plot_show_both_kinds() {
    let dir = common::TempDir::new("sim-bolt12");
    let path = dir.path().join("rate.svg");
    let out = lnpay(&[
        "sim",
        "--nodes",
        "100",
        "--payments",
        "8",
        "--amounts",
        "1000sat,100000sat",
        "--bolt12",
        "0.5",
        "--plot",
        path.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "stderr: {}", String::from_utf8_lossy(&out.stderr));
    let table = String::from_utf8(out.stdout).unwrap();
    // Each amount and the total are followed by their BOLT 11 and offer rows.
    let starts = |w: &str| table.lines().filter(|l| l.trim_start().starts_with(w)).count();
    assert_eq!(starts("bolt11 "), 3, "{table}");
    assert_eq!(starts("offers "), 3, "{table}");
    assert!(table.contains("via_paths"), "{table}");
    let svg = std::fs::read_to_string(&path).unwrap();
    assert!(svg.contains("data-series=\"bolt11_delivered_over_feasible\""), "{svg}");
    assert!(svg.contains("data-series=\"offers_delivered_over_feasible\""), "{svg}");
}
