//! Times the flow for 1M sat between random pairs of well-connected nodes of the 2026
//! snapshot (nothing learned), one line per pair, slowest last: `cargo run --release -p
//! lnpay-route --features json --example mpp_tail [pairs]`. Small enough to run under
//! `valgrind --tool=callgrind` for instruction counts. `MPP_TAIL_ROWS=N` prints the N slowest
//! pairs (8 by default).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use lnpay_route::flow::{flow, FlowParams};
use lnpay_route::graph::{GraphBuilder, NodeIdx};
use lnpay_route::import::listchannels;
use lnpay_route::knowledge::{Knowledge, KnowledgeConfig};
use std::io::BufReader;
use std::time::Instant;
use types::Msat;

const GRAPH: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/graph/mainnet-2026-02-03.listchannels.json.gz"
);

fn main() {
    let pairs: usize = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(60);
    let file = std::fs::File::open(GRAPH).unwrap();
    let mut b = GraphBuilder::new();
    listchannels::read(flate2::read::GzDecoder::new(BufReader::new(file)), &mut b).unwrap();
    let g = b.build();
    let snap = Knowledge::new(KnowledgeConfig::default()).snapshot(&g, 0);
    let hubs: Vec<NodeIdx> = (0..g.node_count() as u32)
        .map(NodeIdx)
        .filter(|&n| {
            g.outgoing(n).iter().filter(|&&e| g.edge(e).is_some_and(|e| e.enabled)).count() >= 4
                && g.incoming(n).iter().filter(|e| e.enabled).count() >= 4
        })
        .collect();
    let mut x = 0x4d50_5031u64;
    let mut below = |n: usize| {
        x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        ((x >> 33) % n as u64) as usize
    };
    let mut rows = Vec::new();
    let (mut parts, mut fee, mut ok) = (0usize, 0u64, 0usize);
    // `mpp_tail 1 S D`: the pair of node indices S, D only.
    let fixed: Vec<u32> = std::env::args().skip(2).filter_map(|a| a.parse().ok()).collect();
    while rows.len() < pairs {
        let (s, d) = match fixed[..] {
            [s, d] => (NodeIdx(s), NodeIdx(d)),
            _ => (hubs[below(hubs.len())], hubs[below(hubs.len())]),
        };
        if s == d {
            continue;
        }
        let p =
            FlowParams::new(*g.node_id(s).unwrap(), *g.node_id(d).unwrap(), Msat(1_000_000_000));
        let t = Instant::now();
        let f = flow(&g, &snap, &p);
        let took = t.elapsed();
        if let Ok(f) = &f {
            ok += 1;
            parts += f.parts.len();
            fee += f.fee.0;
        }
        rows.push((took, s.0, d.0, f.map(|f| (f.parts.len(), f.fee.0)).ok()));
    }
    rows.sort();
    let shown = std::env::var("MPP_TAIL_ROWS").ok().and_then(|v| v.parse().ok()).unwrap_or(8);
    for r in rows.iter().rev().take(shown) {
        println!("{:>9.2} ms  {} -> {}  {:?}", r.0.as_secs_f64() * 1e3, r.1, r.2, r.3);
    }
    let median = rows[rows.len() / 2].0;
    println!(
        "{pairs} pairs: {ok} routed, {:.2} parts and {:.0} sat fee per routed pair; median {:.2} ms",
        parts as f64 / ok.max(1) as f64,
        fee as f64 / ok.max(1) as f64 / 1000.0,
        median.as_secs_f64() * 1e3
    );
}
