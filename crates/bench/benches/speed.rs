//! Speed against LDK 0.2.7, same run, same inputs: graph build, single-path routes on 1,000
//! random reachable pairs of the 2026 snapshot (LDK's `find_route` with a zero-penalty
//! scorer and with the `ProbabilisticScorer`), MPP for 1M sat, 20-hop onion build and peel,
//! BOLT 11 decode.
//!
//! First a timed pass per item (ours then LDK's, interleaved) gives medians and 99th
//! percentiles; then criterion's groups give the headline figures on the same inputs. Both go
//! to `target/bench-report/speed.md` (respecting `CARGO_TARGET_DIR`).
//!
//! Run: `cargo bench -p lnpay-bench --bench speed` (or `cargo xtask bench`). Environment:
//! `LNPAY_BENCH_GRAPH` (another listchannels file), `LNPAY_BENCH_PAIRS` (default 1000),
//! `LNPAY_BENCH_MPP_PAIRS` (default 60), `LNPAY_BENCH_ONLY=single` (the single-path rows and
//! their criterion group only, for iterating on the router).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use criterion::{black_box, Criterion};
use lightning::routing::router::find_route;
use lightning::routing::scoring::ProbabilisticScoringFeeParameters;
use lnpay_bench::data::{graph_path, load_graph};
use lnpay_bench::ldk::{self, LOG};
use lnpay_bench::report;
use lnpay_bench::speed::{self, OnionCase};
use lnpay_bench::stats::SpeedRow;
use route::flow::flow;
use route::getroute::{get_route_with, Scratch};
use secp256k1::Secp256k1;
use std::fmt::Write as _;
use std::time::{Duration, Instant};
use types::Msat;

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// Criterion's median estimate of `group/function` from its output directory, in ns.
fn criterion_median(group: &str, function: &str) -> Option<f64> {
    let dir = report::report_dir().parent()?.join("criterion").join(group).join(function);
    let text = std::fs::read_to_string(dir.join("new/estimates.json")).ok()?;
    let v: serde_json::Value = serde_json::from_str(&text).ok()?;
    v["median"]["point_estimate"].as_f64()
}

fn main() {
    let started = Instant::now();
    let path = graph_path();
    let g = load_graph(&path).unwrap_or_else(|e| panic!("{e}"));
    let pairs = env_usize("LNPAY_BENCH_PAIRS", 1000);
    let mpp_pairs = env_usize("LNPAY_BENCH_MPP_PAIRS", 60);
    let only_single = std::env::var("LNPAY_BENCH_ONLY").is_ok_and(|v| v == "single");
    println!("graph {}: {} nodes, {} channels", path.display(), g.node_count(), g.channel_count());

    let mut rows: Vec<SpeedRow> = Vec::new();
    if !only_single {
        rows.push(speed::file_load(&path, 3));
        rows.push(speed::graph_build(&g, 3));
        rows.push(speed::snapshot_load(&g, 5));
    }
    rows.push(speed::landmarks_row(&g, "").0);
    let net = ldk::network_graph_from(&g);
    let cases = speed::route_cases(&g, pairs, speed::PAIRS_SEED);
    assert_eq!(cases.len(), pairs, "too few reachable pairs in {}", path.display());
    let zero = speed::zero_scorer();
    rows.push(speed::single_path(
        "single path, LDK zero-penalty scorer",
        &g,
        &net,
        &cases,
        &zero,
        &(),
    ));
    println!("{}", report::speed_table(&rows[rows.len() - 1..]));
    let prob = speed::probabilistic_scorer(&net);
    let prob_params = ProbabilisticScoringFeeParameters::default();
    rows.push(speed::single_path(
        "single path, LDK ProbabilisticScorer",
        &g,
        &net,
        &cases,
        &prob,
        &prob_params,
    ));
    let snap = speed::fresh_snapshot(&g);
    let onion = OnionCase::new();
    let (mut mpp_cases, mut invoices) = (Vec::new(), Vec::new());
    if !only_single {
        mpp_cases =
            speed::mpp_cases(&g, &snap, &net, &prob, &prob_params, Msat(1_000_000_000), mpp_pairs);
        assert!(!mpp_cases.is_empty(), "no hub pair both routers can route 1M sat between");
        rows.push(speed::mpp(&g, &snap, &net, &prob, &prob_params, &mpp_cases));
        rows.extend(speed::onion(&onion, 400));
        invoices = speed::bolt11_examples().unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(invoices.len(), 16, "the 16 valid BOLT 11 examples");
        rows.push(speed::bolt11_decode(&invoices, 100));
    }
    // A graph ten times mainnet, with mainnet's distributions (LNPAY_BENCH_SCALE=0 skips it).
    let scale = env_usize("LNPAY_BENCH_SCALE", 10) as u32;
    let mut scaled_resident = None;
    if scale > 1 {
        let (scaled, resident) = speed::scaled_rows(
            &g,
            scale,
            env_usize("LNPAY_BENCH_SCALED_PAIRS", 100),
            env_usize("LNPAY_BENCH_SCALED_MPP_PAIRS", 20),
        );
        println!("{}", report::speed_table(&scaled));
        rows.extend(scaled);
        scaled_resident = resident;
    }
    let table = report::speed_table(&rows);
    println!("{table}");

    // Criterion: the headline figures on the same inputs.
    let mut c = Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(5))
        .configure_from_args();
    {
        let mut group = c.benchmark_group("single_path");
        let mut scratch = Scratch::new();
        let mut i = 0;
        group.bench_function("lnpay", |b| {
            b.iter(|| {
                i = (i + 1) % cases.len();
                black_box(get_route_with(&g, &cases[i].req, &mut scratch).ok())
            })
        });
        for (name, probabilistic) in [("ldk_zero_penalty", false), ("ldk_probabilistic", true)] {
            let mut i = 0;
            group.bench_function(name, |b| {
                b.iter(|| {
                    i = (i + 1) % cases.len();
                    let k = &cases[i];
                    if probabilistic {
                        black_box(
                            find_route(
                                &k.payer,
                                &k.params,
                                &net,
                                None,
                                &LOG,
                                &prob,
                                &prob_params,
                                &[7; 32],
                            )
                            .ok(),
                        )
                    } else {
                        black_box(
                            find_route(&k.payer, &k.params, &net, None, &LOG, &zero, &(), &[7; 32])
                                .ok(),
                        )
                    }
                })
            });
        }
        group.finish();
    }
    if !only_single {
        let mut group = c.benchmark_group("mpp_1M_sat");
        let mut i = 0;
        group.bench_function("lnpay", |b| {
            b.iter(|| {
                i = (i + 1) % mpp_cases.len();
                black_box(flow(&g, &snap, &mpp_cases[i].ours).ok())
            })
        });
        let mut i = 0;
        group.bench_function("ldk", |b| {
            b.iter(|| {
                i = (i + 1) % mpp_cases.len();
                let k = &mpp_cases[i];
                black_box(
                    find_route(&k.payer, &k.ldk, &net, None, &LOG, &prob, &prob_params, &[7; 32])
                        .ok(),
                )
            })
        });
        group.finish();
    }
    if !only_single {
        let secp = Secp256k1::new();
        let mut group = c.benchmark_group("onion_build_20_hops");
        group.bench_function("lnpay", |b| b.iter(|| onion.build_ours()));
        group.bench_function("ldk", |b| b.iter(|| onion.build_ldk(&secp)));
        group.finish();
        let built = onion.build_ours().expect("our onion builds");
        let add = onion.update_add(&built);
        let mut group = c.benchmark_group("onion_peel_one_hop");
        group.bench_function("lnpay", |b| b.iter(|| onion.peel_ours(black_box(&built))));
        group.bench_function("ldk", |b| b.iter(|| onion.peel_ldk(&secp, black_box(&add))));
        group.finish();
    }
    if !only_single {
        let mut group = c.benchmark_group("bolt11_decode_16_examples");
        group
            .bench_function("lnpay", |b| b.iter(|| invoices.iter().all(|s| speed::decode_ours(s))));
        group.bench_function("ldk", |b| b.iter(|| invoices.iter().all(|s| speed::decode_ldk(s))));
        group.finish();
    }
    c.final_summary();

    let mut md = String::new();
    let _ = writeln!(
        md,
        "## Speed\n\n{} ({} nodes, {} channels). Per-item timings, ours and LDK's interleaved \
         on the same inputs:\n",
        path.display(),
        g.node_count(),
        g.channel_count()
    );
    md.push_str(&table);
    let _ = writeln!(
        md,
        "\nCriterion medians (headline; the same inputs, cycled; ratio ours/LDK):\n\n\
         | group | lnpay | LDK | ours/LDK |\n|---|---:|---:|---:|"
    );
    for (group, ours, theirs) in [
        ("single_path", "lnpay", "ldk_zero_penalty"),
        ("single_path", "lnpay", "ldk_probabilistic"),
        ("mpp_1M_sat", "lnpay", "ldk"),
        ("onion_build_20_hops", "lnpay", "ldk"),
        ("onion_peel_one_hop", "lnpay", "ldk"),
        ("bolt11_decode_16_examples", "lnpay", "ldk"),
    ] {
        if only_single && group != "single_path" {
            continue;
        }
        let (o, t) = (criterion_median(group, ours), criterion_median(group, theirs));
        let show = |v: Option<f64>| v.map_or("–".into(), |ns| format!("{:.1} µs", ns / 1e3));
        let ratio = match (o, t) {
            (Some(o), Some(t)) if t > 0.0 => format!("{:.3}", o / t),
            _ => "–".into(),
        };
        let _ = writeln!(md, "| {group} ({theirs}) | {} | {} | {ratio} |", show(o), show(t));
    }
    md.push('\n');
    md.push_str(&goals(&rows, scaled_resident));
    let _ =
        writeln!(md, "\nwall time of the speed bench: {:.0} s", started.elapsed().as_secs_f64());
    let out = report::write("speed.md", &md).expect("write the speed report");
    println!("speed report: {}", out.display());
}

/// The speed goals, each with our figure beside LDK's from this run (the rows this run has:
/// `LNPAY_BENCH_ONLY=single` and `LNPAY_BENCH_SCALE=0` leave some out). `scaled_resident`:
/// what the scaled graph and its landmarks added to the resident memory.
fn goals(rows: &[SpeedRow], scaled_resident: Option<u64>) -> String {
    use report::{show, Goal};
    let ratio = |group: &str, theirs: &str| match (
        criterion_median(group, "lnpay"),
        criterion_median(group, theirs),
    ) {
        (Some(o), Some(t)) if t > 0.0 => Some(o / t),
        _ => None,
    };
    let mut goals = Vec::new();
    let single = rows.iter().find(|r| r.name == "single path, LDK zero-penalty scorer");
    if let Some(r) = single {
        let ldk = r.ldk.map_or("–".into(), |t| show(t.median));
        let per_item = r.ratio();
        goals.push(Goal {
            what: "single path, median per item (LDK zero-penalty)".into(),
            goal: "≤ 0.05× LDK".into(),
            ours: format!(
                "{} ({})",
                show(r.ours.median),
                per_item.map_or("–".into(), |x| format!("{x:.3}×"))
            ),
            ldk,
            met: per_item.map(|x| x <= 0.05),
        });
        let crit = ratio("single_path", "ldk_zero_penalty");
        goals.push(Goal {
            what: "single path, criterion median (LDK zero-penalty)".into(),
            goal: "≤ 0.05× LDK".into(),
            ours: crit.map_or("–".into(), |x| format!("{x:.3}×")),
            ldk: "1×".into(),
            met: crit.map(|x| x <= 0.05),
        });
        goals.push(Goal::at_most(
            "single path, p99 per item".into(),
            Duration::from_millis(3),
            r.ours.p99,
            r.ldk.map_or("–".into(), |t| show(t.p99)),
        ));
        if let Some((le, of)) = r.fee_share {
            goals.push(Goal {
                what: "single path, our fee ≤ LDK's (pairs both routed)".into(),
                goal: "≥ 99 %".into(),
                ours: format!("{le} / {of}"),
                ldk: "–".into(),
                met: Some(of > 0 && le * 100 >= of * 99),
            });
        }
    }
    if let Some(r) = rows.iter().find(|r| r.name.starts_with("MPP ")) {
        goals.push(Goal::at_most(
            format!("{}, p99 per item", r.name),
            Duration::from_millis(30),
            r.ours.p99,
            r.ldk.map_or("–".into(), |t| show(t.p99)),
        ));
        let crit = ratio("mpp_1M_sat", "ldk");
        goals.push(Goal {
            what: format!("{}, criterion median", r.name),
            goal: "≤ 0.1× LDK".into(),
            ours: crit.map_or("–".into(), |x| format!("{x:.3}×")),
            ldk: "1×".into(),
            met: crit.map(|x| x <= 0.1),
        });
    }
    let row = |name: &str| rows.iter().find(|r| r.name == name);
    if let Some(r) = row("graph ready from a saved snapshot") {
        goals.push(Goal::at_most(
            "graph ready at node start, from the saved snapshot (mainnet)".into(),
            Duration::from_millis(50),
            r.ours.median,
            r.ldk.map_or("–".into(), |t| format!("{} (its NetworkGraph)", show(t.median))),
        ));
    }
    if let Some(r) = row("graph load from listchannels file") {
        goals.push(Goal::at_most(
            "graph from the listchannels JSON (.json.gz: open, gunzip, parse, build)".into(),
            Duration::from_millis(200),
            r.ours.median,
            "– (no reader)".into(),
        ));
    }
    let scaled = |suffix: &str| {
        rows.iter().find(|r| r.name.ends_with(suffix) && r.name.contains("× mainnet: "))
    };
    if let Some(r) = scaled(": graph ready from a saved snapshot") {
        goals.push(Goal::at_most(
            format!("{}, median", r.name),
            Duration::from_secs(3),
            r.ours.median,
            "–".into(),
        ));
    }
    if let Some(r) = scaled(": single path, LDK zero-penalty scorer") {
        goals.push(Goal::at_most(
            format!("{}, median per item", r.name),
            Duration::from_millis(10),
            r.ours.median,
            r.ldk.map_or("–".into(), |t| show(t.median)),
        ));
    }
    if let (Some(r), Some(bytes)) = (scaled(": graph build in memory"), scaled_resident) {
        let label = r.name.trim_end_matches(": graph build in memory");
        goals.push(Goal {
            what: format!("{label}: resident memory our graph and its landmarks added"),
            goal: "≤ 1 GiB".into(),
            ours: format!("{:.0} MB", bytes as f64 / 1e6),
            ldk: "–".into(),
            met: Some(bytes <= 1 << 30),
        });
    }
    report::goals_table("cargo bench -p lnpay-bench --bench speed", &goals)
}
