//! Times `getroute` on random reachable pairs of the 2026 snapshot (fuzz off, riskfactor 0),
//! drawn as the speed bench draws its single-path pairs (same seed, same amounts), and prints
//! the median, the 99th percentile and a checksum of the routes: `cargo run --release -p
//! lnpay-route --features json --example single_path [pairs] [graph.listchannels.json.gz]`.
//! Small enough to run under `valgrind --tool=callgrind --toggle-collect='*timed_route*'`
//! for instruction counts of the searches alone.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use lnpay_route::getroute::{get_route_with, RouteError, RouteRequest, Scratch};
use lnpay_route::graph::{Graph, GraphBuilder, NodeIdx};
use lnpay_route::import::listchannels;
use std::io::BufReader;
use std::time::{Duration, Instant};
use types::Msat;
use types::Path;

const GRAPH: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/graph/mainnet-2026-02-03.listchannels.json.gz"
);

/// The speed bench's seed and amounts (`lnpay-bench`'s `PAIRS_SEED`, `ROUTE_AMOUNTS`).
const PAIRS_SEED: u64 = 0xbe7c;
const ROUTE_AMOUNTS: [u64; 5] = [1_000, 50_000, 1_000_000, 20_000_000, 500_000_000];

fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// The searches measured (`--toggle-collect='*timed_route*'`).
#[inline(never)]
fn timed_route(g: &Graph, req: &RouteRequest, scratch: &mut Scratch) -> Result<Path, RouteError> {
    get_route_with(g, req, scratch)
}

fn main() {
    let pairs: usize = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(200);
    let path = std::env::args().nth(2).unwrap_or_else(|| GRAPH.to_owned());
    let file = std::fs::File::open(&path).unwrap();
    let mut b = GraphBuilder::new();
    listchannels::read(flate2::read::GzDecoder::new(BufReader::new(file)), &mut b).unwrap();
    let g = b.build();
    let n = g.node_count() as u32;
    let sources: Vec<NodeIdx> = (0..n)
        .map(NodeIdx)
        .filter(|&v| g.outgoing(v).iter().any(|&e| g.edge(e).is_some_and(|e| e.enabled)))
        .collect();
    let dests: Vec<NodeIdx> =
        (0..n).map(NodeIdx).filter(|&v| g.incoming(v).iter().any(|e| e.enabled)).collect();
    // What the graph computes on first use (the landmarks of each amount class), outside the
    // timings.
    let t = Instant::now();
    for a in ROUTE_AMOUNTS {
        let _ = g.landmarks(a);
    }
    eprintln!(
        "landmarks of {} amount classes: {:.0} ms",
        ROUTE_AMOUNTS.len(),
        t.elapsed().as_secs_f64() * 1e3
    );
    let mut rng = PAIRS_SEED;
    let mut below = |k: usize| (splitmix64(&mut rng) % k as u64) as usize;
    let mut scratch = Scratch::new();
    // The reachable pairs first, as the bench draws them; then the timed searches.
    let mut reqs = Vec::with_capacity(pairs);
    let mut tries = 0;
    while reqs.len() < pairs && tries < pairs * 30 {
        tries += 1;
        let (s, d) = (sources[below(sources.len())], dests[below(dests.len())]);
        if s == d {
            continue;
        }
        let amount = ROUTE_AMOUNTS[below(ROUTE_AMOUNTS.len())];
        let mut req =
            RouteRequest::new(*g.node_id(s).unwrap(), *g.node_id(d).unwrap(), Msat(amount), 0);
        req.fuzz_percent = 0.0;
        if get_route_with(&g, &req, &mut scratch).is_ok() {
            reqs.push(req);
        }
    }
    let (mut times, mut checksum, mut hops) = (Vec::<Duration>::new(), 0u64, 0usize);
    for req in &reqs {
        let t = Instant::now();
        let r = timed_route(&g, req, &mut scratch);
        times.push(t.elapsed());
        let Ok(route) = r else { continue };
        hops += route.hops.len();
        for h in &route.hops {
            checksum = checksum.rotate_left(7) ^ h.channel.0 ^ h.amount.0 ^ u64::from(h.delay);
        }
    }
    times.sort();
    let at = |q: f64| times[((times.len() as f64 * q) as usize).min(times.len() - 1)];
    println!(
        "{} routes ({} nodes): median {:.3} ms, p99 {:.3} ms, {:.2} hops; checksum {checksum:016x}",
        times.len(),
        g.node_count(),
        at(0.5).as_secs_f64() * 1e3,
        at(0.99).as_secs_f64() * 1e3,
        hops as f64 / times.len().max(1) as f64
    );
}
