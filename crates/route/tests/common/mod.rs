//! Helpers shared by the integration tests and the bench: the real graphs of `../shared`, a
//! seeded random number generator and random source/destination pairs.
#![allow(dead_code)]

use flate2::read::GzDecoder;
use lnpay_route::graph::{Graph, GraphBuilder, NodeIdx};
use lnpay_route::import::{listchannels, ImportStats};
use std::io::BufReader;
use std::path::PathBuf;
use std::sync::Arc;

/// The 2026 snapshot (integer msat fields, synthetic scids).
pub const GRAPH_2026: &str = "mainnet-2026-02-03.listchannels.json.gz";
/// The 2021 snapshot (`"1000msat"` strings, real scids).
pub const GRAPH_2021: &str = "mainnet-2021-04-16.listchannels.json.gz";

/// The path of a file of `../shared/graph/`; panics naming it when it is missing.
pub fn graph_path(name: &str) -> PathBuf {
    let path =
        PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/graph")).join(name);
    assert!(path.is_file(), "missing test data: {}", path.display());
    path
}

/// Loads a gzip'd `listchannels` file of `../shared/graph/`.
pub fn load(name: &str) -> (ImportStats, Arc<Graph>) {
    let file = std::fs::File::open(graph_path(name)).expect("open graph");
    let mut builder = GraphBuilder::new();
    let reader = BufReader::with_capacity(1 << 16, GzDecoder::new(BufReader::new(file)));
    let stats = listchannels::read(reader, &mut builder).expect("read listchannels");
    (stats, builder.build())
}

/// SplitMix64.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// Amounts tried, from a tiny payment to a large one.
pub const AMOUNTS: [u64; 5] = [1_000, 50_000, 1_000_000, 20_000_000, 500_000_000];

/// Random (source, destination, amount) candidates: sources with an enabled outgoing edge,
/// destinations with an enabled incoming edge, distinct.
pub fn candidate_pairs(g: &Graph, count: usize, seed: u64) -> Vec<(NodeIdx, NodeIdx, u64)> {
    let n = g.node_count() as u32;
    let sources: Vec<NodeIdx> = (0..n)
        .map(NodeIdx)
        .filter(|&v| g.outgoing(v).iter().any(|&e| g.edge(e).is_some_and(|e| e.enabled)))
        .collect();
    let dests: Vec<NodeIdx> =
        (0..n).map(NodeIdx).filter(|&v| g.incoming(v).iter().any(|e| e.enabled)).collect();
    let mut rng = Rng(seed);
    let mut out = Vec::with_capacity(count);
    while out.len() < count {
        let s = sources[rng.below(sources.len())];
        let d = dests[rng.below(dests.len())];
        if s != d {
            out.push((s, d, AMOUNTS[rng.below(AMOUNTS.len())]));
        }
    }
    out
}
