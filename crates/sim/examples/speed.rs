//! Times the simulator on the 2026 mainnet snapshot: network build (keys, balances), gossip
//! signing, and 1,000 single-attempt payments of 100k sat. Run in release:
//! `cargo run --release -p lnpay-sim --example speed`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use lnpay_sim::workload::{add_payer, run_single_attempts};
use lnpay_sim::{SimConfig, Simulator, Topology};
use route::graph::GraphBuilder;
use std::time::Instant;
use types::Msat;

/// CPU time of this process (user + system, all threads) from /proc, in seconds: the machine
/// is shared, so wall time alone overstates what the code costs.
fn cpu() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let f: Vec<f64> = after.split_whitespace().map(|x| x.parse().unwrap_or(0.0)).collect();
    // Fields 14 and 15 of the line (utime, stime), counted after the ")" of the name.
    (f.get(11).copied().unwrap_or(0.0) + f.get(12).copied().unwrap_or(0.0)) / 100.0
}

fn main() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/graph/mainnet-2026-02-03.listchannels.json.gz"
    );
    let c0 = cpu();
    let t0 = Instant::now();
    let file = std::fs::File::open(path).unwrap_or_else(|e| panic!("missing {path}: {e}"));
    let mut b = GraphBuilder::new();
    let mut json = Vec::new();
    std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(file), &mut json).unwrap();
    route::import::listchannels::read_slice(&json, &mut b).unwrap();
    let graph = b.build();
    let import = t0.elapsed();
    let c1 = cpu();

    let t1 = Instant::now();
    let mut topology = Topology::from_graph(&graph);
    let payer = add_payer(&mut topology, 8, Msat(1_000_000_000_000));
    let mut sim =
        Simulator::new(&topology, SimConfig { seed: 2026, ..Default::default() }).unwrap();
    let build = t1.elapsed();
    let c2 = cpu();

    let t2 = Instant::now();
    let gossip = sim.gossip();
    let signing = t2.elapsed();
    let c3 = cpu();

    let t3 = Instant::now();
    let out = run_single_attempts(&mut sim, payer, 1000, Msat(100_000_000), 1, false);
    let payments = t3.elapsed();
    let c4 = cpu();

    // The same payments on a fresh network, with the ground truth before each.
    let mut sim2 =
        Simulator::new(&topology, SimConfig { seed: 2026, ..Default::default() }).unwrap();
    let t4 = Instant::now();
    let truth = run_single_attempts(&mut sim2, payer, 1000, Msat(100_000_000), 1, true);
    let with_truth = t4.elapsed();
    let c5 = cpu();

    println!("nodes {}, channels {}", sim.node_count(), topology.channels.len());
    println!("import listchannels.json.gz: {import:?} wall, {:.2} s cpu", c1 - c0);
    println!("build network (keys, balances): {build:?} wall, {:.2} s cpu", c2 - c1);
    let announcements = gossip.iter().filter(|m| m.get(..2) == Some(&[1, 0][..])).count();
    let signatures = 4 * announcements + (gossip.len() - announcements);
    println!("sign gossip cpu: {:.2} s", c3 - c2);
    println!(
        "sign gossip ({} messages, {signatures} signatures, 2 threads): {signing:?} ({:.1} us per signature per thread)",
        gossip.len(),
        signing.as_secs_f64() * 2e6 / signatures as f64
    );
    println!("build + sign: {:?}", build + signing);
    println!(
        "1000 payments of 100k sat: {payments:?} wall, {:.2} s cpu, {} ms simulated",
        c4 - c3,
        out.sim_time_ms
    );
    println!("{out}");
    println!(
        "with ground truth (max flow before each payment): {with_truth:?} wall, {:.2} s cpu",
        c5 - c4
    );
    println!("{truth}");
}
