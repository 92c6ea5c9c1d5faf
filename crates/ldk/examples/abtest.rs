//! Delivery A/B on real LDK channels: the same in-process LDK network built twice from one
//! seed, paid once by `ChannelManager`s routed by `LnpayRouter` and once by LDK's
//! `DefaultRouter` + `ProbabilisticScorer`, with the same payments in the same order, the same
//! retry strategy (`Retry::Timeout(60 s)`) and fee limit (0.5 % or 5,000 msat).
//!
//! ```sh
//! cargo run --release -p lnpay-ldk --example abtest -- --nodes 100 --seed 1 --payments 400 --json
//! cargo run --release -p lnpay-ldk --example abtest -- \
//!     --graph ../shared/graph/mainnet-2026-02-03.listchannels.json.gz --nodes 100 --json
//! ```
//!
//! `--build-only` builds one network and prints what it cost (time, peak memory).
//!
//! Payments go from the best-connected node, dealt round-robin: 10k, 100k and 1M sat to a
//! random node, 500k sat to one of the ten next best-connected. Per amount and in total:
//! `payments`, `delivered`, `feasible` (max flow over the real balances read from the nodes
//! just before the payment, on each network), `median_fee_ppm` (delivered), `paths_tried`
//! (HTLC paths sent, failed or not), `paths_per_delivered`, `median_route_us` (every
//! `find_route` call LDK made for those payments).

use lnpay_ldk::network::{Network, Rng, RouterKind, Topology};
use serde_json::{json, Value};
use std::path::PathBuf;
use std::time::Instant;

struct Args {
    graph: Option<PathBuf>,
    nodes: usize,
    seed: u64,
    payments: usize,
    json: bool,
    build_only: bool,
}

fn args() -> Args {
    let mut a =
        Args { graph: None, nodes: 100, seed: 1, payments: 200, json: false, build_only: false };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().unwrap_or_else(|| panic!("{flag} needs a value"));
        match flag.as_str() {
            "--graph" => a.graph = Some(PathBuf::from(value())),
            "--nodes" => a.nodes = value().parse().expect("--nodes N"),
            "--seed" => a.seed = value().parse().expect("--seed S"),
            "--payments" => a.payments = value().parse().expect("--payments P"),
            "--json" => a.json = true,
            "--build-only" => a.build_only = true,
            other => panic!("unknown argument {other}"),
        }
    }
    a
}

#[derive(Clone, Copy)]
struct Payment {
    payee: usize,
    amount_msat: u64,
    kind: usize,
}

const KINDS: [(&str, u64); 4] = [
    ("10k sat", 10_000_000),
    ("100k sat", 100_000_000),
    ("1M sat", 1_000_000_000),
    ("500k sat to the best-connected", 500_000_000),
];

fn plan(net: &Network, n: usize, seed: u64) -> (usize, Vec<Payment>) {
    let order = net.by_degree();
    let payer = order[0];
    let hubs: Vec<usize> = order.iter().copied().skip(1).take(10).collect();
    let mut rng = Rng::new(seed ^ 0xab);
    let payments = (0..n)
        .map(|i| {
            let kind = i % KINDS.len();
            let payee = if kind == 3 {
                hubs[rng.below(hubs.len() as u64) as usize]
            } else {
                loop {
                    let p = rng.below(net.nodes.len() as u64) as usize;
                    if p != payer {
                        break p;
                    }
                }
            };
            Payment { payee, amount_msat: KINDS[kind].1, kind }
        })
        .collect();
    (payer, payments)
}

#[derive(Default, Clone)]
struct Row {
    payments: usize,
    delivered: usize,
    feasible: usize,
    delivered_infeasible: usize,
    ppm: Vec<u64>,
    paths: usize,
    route_us: Vec<u64>,
}

fn median(v: &mut [u64]) -> Value {
    if v.is_empty() {
        return Value::Null;
    }
    v.sort_unstable();
    json!(v[(v.len() - 1) / 2])
}

fn row_json(name: Option<&str>, r: &Row) -> Value {
    let mut ppm = r.ppm.clone();
    let mut us = r.route_us.clone();
    let ratio = |a: usize, b: usize| {
        if b == 0 {
            Value::Null
        } else {
            json!((a as f64 / b as f64 * 10_000.0).round() / 10_000.0)
        }
    };
    let mut v = json!({
        "payments": r.payments,
        "delivered": r.delivered,
        "feasible": r.feasible,
        "delivered_infeasible": r.delivered_infeasible,
        "delivered_over_feasible": ratio(r.delivered, r.feasible),
        "median_fee_ppm": median(&mut ppm),
        "paths_tried": r.paths,
        "paths_per_delivered": if r.delivered == 0 { Value::Null } else {
            json!((r.paths as f64 / r.delivered as f64 * 100.0).round() / 100.0)
        },
        "median_route_us": median(&mut us),
        "route_calls": r.route_us.len(),
    });
    if let Some(name) = name {
        v["amount"] = json!(name);
    }
    v
}

fn run(net: &mut Network, payer: usize, payments: &[Payment]) -> (Value, f64) {
    let started = Instant::now();
    let mut rows = vec![Row::default(); KINDS.len()];
    for (i, p) in payments.iter().enumerate() {
        let feasible = net.max_flow(payer, p.payee) >= p.amount_msat;
        let calls_before = net.nodes[payer].router.route_times_us().len();
        let invoice = net.invoice(p.payee, p.amount_msat, &format!("ab {i}")).unwrap();
        let started = net.pay(payer, &invoice);
        net.settle();
        let row = &mut rows[p.kind];
        row.payments += 1;
        row.feasible += usize::from(feasible);
        row.route_us
            .extend(net.nodes[payer].router.route_times_us().into_iter().skip(calls_before));
        let Ok(id) = started else { continue };
        let out = net.outcome(payer, id);
        row.paths += out.paths_failed.len() + out.paths_succeeded.len();
        if out.preimage.is_some() {
            row.delivered += 1;
            row.delivered_infeasible += usize::from(!feasible);
            row.ppm.push(out.fee_msat.unwrap_or(0) * 1_000_000 / p.amount_msat);
        }
    }
    let mut total = Row::default();
    for r in &rows {
        total.payments += r.payments;
        total.delivered += r.delivered;
        total.feasible += r.feasible;
        total.delivered_infeasible += r.delivered_infeasible;
        total.ppm.extend(&r.ppm);
        total.paths += r.paths;
        total.route_us.extend(&r.route_us);
    }
    let amounts: Vec<Value> =
        rows.iter().zip(KINDS).map(|(r, (name, _))| row_json(Some(name), r)).collect();
    let secs = started.elapsed().as_secs_f64();
    (json!({ "amounts": amounts, "total": row_json(None, &total), "wall_s": secs }), secs)
}

fn peak_rss_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some((kb / 1024.0 * 10.0).round() / 10.0)
}

fn main() {
    // LDK's message handling and the flow solver recurse deeper than the main thread's 8 MB
    // allow on 100+ node networks.
    let worker = std::thread::Builder::new().stack_size(512 << 20).spawn(ab).unwrap();
    worker.join().unwrap();
}

fn ab() {
    let a = args();
    let topology = match &a.graph {
        Some(path) => Topology::from_listchannels(path, a.nodes, a.seed)
            .unwrap_or_else(|e| panic!("{e} (the graph file is {})", path.display())),
        None => Topology::generated(a.nodes, 5, a.seed),
    };
    let mut lnpay = Network::build(&topology, RouterKind::Lnpay, a.seed);
    let build_lnpay = lnpay.stats.clone();
    let rss_after_one = peak_rss_mb();
    if a.build_only {
        // What building one network costs, nothing paid.
        println!(
            "{}",
            json!({
                "nodes": build_lnpay.nodes,
                "channels": build_lnpay.channels,
                "channels_in_gossip": build_lnpay.channels_in_gossip,
                "blocks": build_lnpay.blocks,
                "build_s": (build_lnpay.seconds * 100.0).round() / 100.0,
                "peak_rss_mb": rss_after_one,
            })
        );
        return;
    }
    let (payer, payments) = plan(&lnpay, a.payments, a.seed);
    let (lnpay_report, _) = run(&mut lnpay, payer, &payments);
    drop(lnpay);
    let mut ldk = Network::build(&topology, RouterKind::Ldk, a.seed);
    let build_ldk = ldk.stats.clone();
    let (ldk_report, _) = run(&mut ldk, payer, &payments);
    let report = json!({
        "lnpay": lnpay_report,
        "ldk": ldk_report,
        "network": {
            "source": a.graph.as_ref().map_or("generated".to_owned(), |p| p.display().to_string()),
            "nodes": build_lnpay.nodes,
            "channels": build_lnpay.channels,
            "channels_in_gossip": build_lnpay.channels_in_gossip,
            "seed": a.seed,
            "payer": payer,
            "build_s": [ (build_lnpay.seconds * 100.0).round() / 100.0, (build_ldk.seconds * 100.0).round() / 100.0 ],
            "peak_rss_mb_after_first_build": rss_after_one,
            "peak_rss_mb": peak_rss_mb(),
        },
    });
    if a.json {
        println!("{}", serde_json::to_string_pretty(&report).unwrap());
    } else {
        println!("network: {}", report["network"]);
        for side in ["lnpay", "ldk"] {
            println!("{side}:");
            for r in report[side]["amounts"].as_array().unwrap() {
                println!("  {r}");
            }
            println!("  total {}", report[side]["total"]);
        }
    }
}
