//! Times loading a gzipped Core Lightning `listchannels` dump by phase and prints the peak
//! resident memory: `cargo run --release -p lnpay-route --example load_listchannels [path]`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use lnpay_route::graph::GraphBuilder;
use lnpay_route::import::listchannels;
use std::io::{BufReader, Read};
use std::time::Instant;

const DEFAULT: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/graph/mainnet-2026-02-03.listchannels.json.gz"
);

fn peak_rss_kb() -> String {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with("VmHWM")).map(str::to_string))
        .unwrap_or_else(|| "VmHWM unknown".into())
}

fn main() {
    let path = std::env::args().nth(1).unwrap_or_else(|| DEFAULT.to_string());
    let mode = std::env::args().nth(2).unwrap_or_else(|| "stream".to_string());
    let open = || flate2::read::GzDecoder::new(BufReader::new(std::fs::File::open(&path).unwrap()));
    let t = Instant::now();
    let mut builder = GraphBuilder::new();
    let stats = if mode == "slice" {
        let mut text = Vec::new();
        open().read_to_end(&mut text).unwrap();
        let gunzip = t.elapsed();
        let t2 = Instant::now();
        let stats = listchannels::read_slice(&text, &mut builder).unwrap();
        println!("gunzip {:?} parse (read_slice) {:?}", gunzip, t2.elapsed());
        stats
    } else {
        let stats = listchannels::read(open(), &mut builder).unwrap();
        println!("gunzip+parse (read) {:?}", t.elapsed());
        stats
    };
    let t3 = Instant::now();
    let g = builder.build();
    println!("build {:?}", t3.elapsed());
    println!(
        "total {:?}: {} records, {} applied, {} skipped; {} nodes {} channels {} edges; {}",
        t.elapsed(),
        stats.records,
        stats.applied,
        stats.skipped,
        g.node_count(),
        g.channel_count(),
        g.edge_count(),
        peak_rss_kb()
    );
}
