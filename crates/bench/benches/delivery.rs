//! Delivery A/B on one simulated network: lnpay's `pay` against an LDK-driven payer, the same
//! balances (two simulators from one topology and seed) and the same payments: random
//! receivers at 10k, 100k and 1M sat, and 500k sat to each of the 100 best-connected nodes.
//! Writes `target/bench-report/delivery.md` and `delivery.svg` (respecting
//! `CARGO_TARGET_DIR`).
//!
//! Run: `cargo bench -p lnpay-bench --bench delivery` (or `cargo xtask bench`). Environment:
//! `LNPAY_BENCH_NETWORK` (`mainnet`, the default: the graph of `LNPAY_BENCH_GRAPH` or the
//! 2026 snapshot; or `generated:N`, the simulator's generator with N nodes),
//! `LNPAY_BENCH_PAYMENTS` (per random amount, default 1000), `LNPAY_BENCH_HUBS` (default 100),
//! `LNPAY_BENCH_SEED` (default 1), `LNPAY_BENCH_XPAY` (default 1: also pay the same list
//! with lnpay's `xpay` under the same limits, on a third copy of the network, and compare it
//! with `pay`; 0 skips it).
//!
//! What is timed: each payer's thread time over the list, split ([`delivery::Split`]) into
//! the payer's own calls, the simulated network's work on its behalf (the payee's invoices,
//! every hop forwarding, failing with a signed `channel_update` and fulfilling its HTLCs),
//! and the ground truth the bench takes before each payment (max flow and min-cost flow over
//! that payer's own true balances, which diverge between the two networks, so it cannot be
//! shared). The goals compare the payer's own calls only; the whole loop (all three, what the
//! goal rows measured before 2026-12-06) is reported beside them.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use lnpay_bench::data::{graph_path, load_graph};
use lnpay_bench::delivery::{self, LdkPayer, Network};
use lnpay_bench::report;
use sim::{generate, GeneratorParams, SimRng, Topology};
use std::fmt::Write as _;
use std::time::Instant;
use types::Msat;

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// This thread's CPU time so far, in seconds (Linux; 0 elsewhere): what a payer costs, less
/// moved by other work on the machine than its wall time.
fn cpu_s() -> f64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next().and_then(|n| n.parse::<u64>().ok()))
        .map_or(0.0, |ns| ns as f64 / 1e9)
}

fn progress(who: &'static str, total: usize) -> impl FnMut(usize) {
    let started = Instant::now();
    move |done| {
        if done % (total / 10).max(1) == 0 || done == total {
            eprintln!("{who}: {done}/{total} payments, {:.0} s", started.elapsed().as_secs_f64());
        }
    }
}

fn main() {
    // `cargo test --benches` runs this without `--bench`: nothing to measure then.
    if !std::env::args().any(|a| a == "--bench") {
        println!("delivery: run with `cargo bench -p lnpay-bench --bench delivery`");
        return;
    }
    let started = Instant::now();
    let seed = env_usize("LNPAY_BENCH_SEED", 1) as u64;
    let per_amount = env_usize("LNPAY_BENCH_PAYMENTS", 1000);
    let hubs = env_usize("LNPAY_BENCH_HUBS", 100);
    let which = std::env::var("LNPAY_BENCH_NETWORK").unwrap_or_else(|_| "mainnet".into());
    let (source, topology) = match which.strip_prefix("generated:") {
        Some(n) => {
            let nodes = n.parse().expect("LNPAY_BENCH_NETWORK=generated:N");
            (
                format!("generated, {nodes} nodes"),
                generate(&GeneratorParams { nodes, seed, ..Default::default() }),
            )
        }
        None => {
            let path = graph_path();
            let g = load_graph(&path).unwrap_or_else(|e| panic!("{e}"));
            (path.display().to_string(), Topology::from_graph(&g))
        }
    };
    let network = Network::new(topology);
    let sim_ours = network.simulator(seed).expect("network");
    let sim_ldk = network.simulator(seed).expect("network");
    let amounts = [Msat(10_000_000), Msat(100_000_000), Msat(1_000_000_000)];
    let plan = delivery::plan(&sim_ours, &amounts, per_amount, hubs, Msat(500_000_000), seed);
    let total = plan.payments.len();
    eprintln!(
        "network {source}: {} nodes, {} channels; {total} payments",
        network.topology.node_count,
        network.topology.channels.len()
    );

    let t = Instant::now();
    let key_seed = SimRng::for_item(seed, 0x6b65_7973, 0).bytes32();
    let (mut driver, our_gossip) =
        delivery::lnpay_driver(sim_ours, key_seed).expect("the payer is a node");
    let our_setup = t.elapsed().as_secs_f64();
    let c = cpu_s();
    let (ours, our_split) =
        delivery::run_lnpay_on(&mut driver, &plan, &mut progress("lnpay", total));
    let ours_wall = t.elapsed().as_secs_f64();
    let ours_cpu = cpu_s() - c;
    let xpay = (env_usize("LNPAY_BENCH_XPAY", 1) != 0).then(|| {
        let sim = network.simulator(seed).expect("network");
        let (mut d, _) = delivery::lnpay_driver(sim, key_seed).expect("the payer is a node");
        delivery::run_xpay_on(&mut d, &plan, &mut progress("lnpay xpay", total)).0
    });
    let t = Instant::now();
    let mut payer = LdkPayer::new(sim_ldk, seed).expect("the payer is a node");
    let setup = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let c = cpu_s();
    let (ldk, ldk_split) = delivery::run_ldk(&mut payer, &plan, &mut progress("LDK", total));
    let ldk_wall = t.elapsed().as_secs_f64();
    let ldk_cpu = cpu_s() - c;

    let (rows_ours, rows_ldk) =
        (delivery::summarize(&plan, &ours), delivery::summarize(&plan, &ldk));
    let table = report::delivery_table(&rows_ours, &rows_ldk);
    println!("{table}");
    let mut md = String::new();
    let _ = writeln!(
        md,
        "## Delivery\n\nNetwork: {source} ({} nodes, {} channels, payer attached to the 10 \
         best-connected nodes with 1 BTC channels), seed {seed}, {total} payments, the same \
         list for both payers, each on its own copy of the network (same balances at the \
         start). Fee limit 0.5 % or 5,000 msat, retry for 60 s of simulated time. \
         `feasible`: max flow over the true balances just before the payment (each payer's \
         own network). Both payers know every announced channel's capacity from the \
         (simulated) chain, as real nodes do: each channel announcement is checked against \
         its funding output (LDK through a `UtxoLookup`, which also checks the 2-of-2 \
         script; lnpay sets the capacity in its graph builder), so a channel's liquidity \
         spans its capacity while `htlc_maximum_msat` still caps each HTLC. \
         `feasible within fee limit`: of those, the payments whose cheapest \
         flow over the same true balances costs at most the fee limit both payers get \
         (a min-cost flow, each channel's announced BOLT 7 fee linearised per msat as \
         `fee_ppm + base_fee·10⁶/amount`, the payer's own channels free, fees on fees left \
         out: exact for a single path, slightly generous for a split one), and delivered \
         over that count (every delivered payment counts, as in delivered/feasible); \
         attempts (HTLCs sent) and simulated times are over the feasible payments, fees \
         over the delivered ones.\n",
        network.topology.node_count,
        network.topology.channels.len()
    );
    md.push_str(&table);
    let _ = writeln!(
        md,
        "\nLDK took {} channel announcements ({} with their capacity from the chain) and {} \
         updates from the simulator's gossip ({} refused: {:?}). lnpay took {} announcements \
         ({} with their capacity from the chain) and {} updates ({} refused). Wall time: \
         lnpay {ours_wall:.0} s (gossip import included), LDK setup {setup:.0} s, LDK payments \
         {ldk_wall:.0} s; total {:.0} s.",
        payer.gossip.announcements,
        payer.gossip.capacities,
        payer.gossip.updates,
        payer.gossip.refused,
        payer.gossip.reasons,
        our_gossip.announcements,
        our_gossip.capacities,
        our_gossip.updates,
        our_gossip.refused,
        started.elapsed().as_secs_f64()
    );
    let _ = writeln!(
        md,
        "\nWhere each payer's thread time went (CPU / wall, s): lnpay's own calls {:.1} / {:.1}, \
         the simulated network on its behalf {:.1} / {:.1}, the ground truth before its \
         payments {:.1} / {:.1}; LDK-driven payer's own calls {:.1} / {:.1}, network {:.1} / \
         {:.1}, ground truth {:.1} / {:.1}. The whole loop (all three; what the goals measured \
         before 2026-12-06): lnpay {ours_cpu:.1} / {:.1}, LDK-driven {ldk_cpu:.1} / \
         {ldk_wall:.1}. HTLCs sent: lnpay {}, LDK-driven {}.",
        our_split.payer.cpu_s,
        our_split.payer.wall_s,
        our_split.network.cpu_s,
        our_split.network.wall_s,
        our_split.truth.cpu_s,
        our_split.truth.wall_s,
        ldk_split.payer.cpu_s,
        ldk_split.payer.wall_s,
        ldk_split.network.cpu_s,
        ldk_split.network.wall_s,
        ldk_split.truth.cpu_s,
        ldk_split.truth.wall_s,
        ours_wall - our_setup,
        driver.sent,
        payer.sent,
    );
    if let Some(x) = &xpay {
        let rows_x = delivery::summarize(&plan, x);
        let mut t = String::from(
            "\n### lnpay `xpay` against `pay`\n\nThe same payments on a third copy of the \
             network, `xpay` with `maxfee` at the same fee limit and the same `retry_for`.\n\n\
             | class | amount (msat) | feasible | `pay` delivered | `xpay` delivered | `pay` \
             median HTLCs | `xpay` median HTLCs | `pay` median fee ppm | `xpay` median fee ppm |\n\
             |---|---:|---:|---:|---:|---:|---:|---:|---:|\n",
        );
        let opt = |v: Option<u64>| v.map_or("–".to_string(), |v| v.to_string());
        for (p, x) in rows_ours.iter().zip(&rows_x) {
            let _ = writeln!(
                t,
                "| {} | {} | {} | {} | {} | {} | {} | {} | {} |",
                p.label,
                p.amount.0,
                p.feasible,
                p.delivered,
                x.delivered,
                opt(p.median_attempts),
                opt(x.median_attempts),
                opt(p.median_fee_ppm),
                opt(x.median_fee_ppm)
            );
        }
        println!("{t}");
        md.push_str(&t);
    }
    md.push('\n');
    // Delivery at every amount: unchanged or better than before a change is what an A/B of
    // two builds shows; within one run, each amount beside the LDK-driven payer's.
    let figures = |r: &lnpay_bench::delivery::Row| {
        let fee = r.median_fee_ppm.map_or("–".into(), |f| format!("{f} ppm"));
        format!("{} / {}, {fee}", r.delivered, r.feasible)
    };
    let mut goals: Vec<report::Goal> = rows_ours
        .iter()
        .zip(&rows_ldk)
        .map(|(o, l)| report::Goal {
            what: format!("{}: delivered / feasible, median fee", o.label),
            goal: "unchanged or better; ≥ LDK-driven's, fee ≤".into(),
            ours: figures(o),
            ldk: figures(l),
            met: Some(
                o.delivered >= l.delivered
                    && o.median_fee_ppm.unwrap_or(0) <= l.median_fee_ppm.unwrap_or(u64::MAX),
            ),
        })
        .collect();
    // The payer's own calls, CPU then wall time (the setup beside the wall time).
    let times = [
        ("CPU", our_split.payer.cpu_s, ldk_split.payer.cpu_s, None),
        ("wall", our_split.payer.wall_s, ldk_split.payer.wall_s, Some((our_setup, setup))),
    ];
    for (kind, ours, ldk, setups) in times {
        let show = |t: f64, setup: Option<f64>| match setup {
            Some(s) => format!("{t:.1} s (+{s:.1} s setup)"),
            None => format!("{t:.1} s"),
        };
        goals.push(report::Goal {
            what: format!("payer {kind} time of the {total} payments (its own calls)"),
            goal: "lnpay ≤ LDK".into(),
            ours: show(ours, setups.map(|s| s.0)),
            ldk: show(ldk, setups.map(|s| s.1)),
            met: Some(ours <= ldk),
        });
    }
    md.push_str(&report::goals_table("cargo bench -p lnpay-bench --bench delivery", &goals));
    let out = report::write("delivery.md", &md).expect("write the delivery report");
    let svg = report::write("delivery.svg", &report::svg(&rows_ours, &rows_ldk)).expect("svg");
    println!("delivery report: {} and {}", out.display(), svg.display());
}
