//! Graph load and single-path routing on the 2026 mainnet snapshot, ours against LDK's
//! `find_route` (zero-penalty scorer) on the same pairs in the same run.
//!
//! Run: `cargo bench -p lnpay-route --bench route`. Before criterion's own groups, one pass
//! times every pair individually (1,000 random pairs that we can route) and prints both
//! medians, their ratio and the 99th percentiles.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../tests/common/mod.rs"]
mod common;

use common::{candidate_pairs, load, GRAPH_2026};
use criterion::{criterion_group, criterion_main, Criterion};
use lightning::ln::msgs::UnsignedChannelUpdate;
use lightning::routing::gossip::{NetworkGraph, NodeId as LdkNodeId};
use lightning::routing::router::{find_route, PaymentParameters, RouteParameters};
use lightning::routing::scoring::FixedPenaltyScorer;
use lightning::types::features::ChannelFeatures;
use lightning::util::logger::{Logger, Record};
use lnpay_route::getroute::{get_route_with, RouteRequest, Scratch};
use lnpay_route::graph::{Graph, GraphBuilder};
use lnpay_route::Msat;
use secp256k1::PublicKey;
use std::hint::black_box;
use std::time::{Duration, Instant};

const PAIRS: usize = 1000;

struct NoLog;
impl Logger for NoLog {
    fn log(&self, _record: Record) {}
}
static LOG: NoLog = NoLog;

fn ldk_graph(g: &Graph) -> NetworkGraph<&'static NoLog> {
    let net = NetworkGraph::new(bitcoin::Network::Bitcoin, &LOG);
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
    for c in g.channels() {
        let n1 = LdkNodeId::from_slice(g.node_id(c.node1).unwrap().as_bytes()).unwrap();
        let n2 = LdkNodeId::from_slice(g.node_id(c.node2).unwrap().as_bytes()).unwrap();
        net.add_channel_from_partial_announcement(
            c.scid.0,
            c.capacity.map(|m| m.msat() / 1000),
            now,
            ChannelFeatures::empty(),
            n1,
            n2,
        )
        .unwrap();
        for e in c.edges.iter().flatten() {
            let edge = g.edge(*e).unwrap();
            let update = UnsignedChannelUpdate {
                chain_hash: bitcoin::constants::ChainHash::using_genesis_block(
                    bitcoin::Network::Bitcoin,
                ),
                short_channel_id: c.scid.0,
                timestamp: now as u32,
                message_flags: 1,
                channel_flags: edge.direction | if edge.enabled { 0 } else { 2 },
                cltv_expiry_delta: edge.cltv_delta,
                htlc_minimum_msat: edge.htlc_min.msat(),
                htlc_maximum_msat: edge.htlc_max.msat(),
                fee_base_msat: edge.base_fee_msat,
                fee_proportional_millionths: edge.fee_ppm,
                excess_data: Vec::new(),
            };
            let _ = net.update_channel_unsigned(&update);
        }
    }
    net
}

struct Case {
    req: RouteRequest,
    payer: PublicKey,
    params: RouteParameters,
}

fn cases(g: &Graph) -> Vec<Case> {
    let mut scratch = Scratch::new();
    let mut out = Vec::new();
    for (s, d, amount) in candidate_pairs(g, PAIRS * 2, 0xbe7c) {
        if out.len() == PAIRS {
            break;
        }
        let (src, dst) = (*g.node_id(s).unwrap(), *g.node_id(d).unwrap());
        let mut req = RouteRequest::new(src, dst, Msat(amount), 0);
        req.fuzz_percent = 0.0;
        if get_route_with(g, &req, &mut scratch).is_err() {
            continue;
        }
        let mut params = PaymentParameters::from_node_id(dst.to_pubkey().unwrap(), req.final_cltv);
        params.max_channel_saturation_power_of_half = 0;
        params.max_total_cltv_expiry_delta = req.max_total_cltv;
        params.max_path_count = 1;
        let mut params = RouteParameters::from_payment_params_and_value(params, amount);
        params.max_total_routing_fee_msat = None;
        out.push(Case { req, payer: src.to_pubkey().unwrap(), params });
    }
    assert_eq!(out.len(), PAIRS, "too few reachable pairs");
    out
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

fn rss_kib() -> (u64, u64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let get = |key: &str| {
        status
            .lines()
            .find(|l| l.starts_with(key))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    };
    (get("VmRSS:"), get("VmHWM:"))
}

fn bench(c: &mut Criterion) {
    let (rss0, _) = rss_kib();
    let t = Instant::now();
    let (_, g) = load(GRAPH_2026);
    let load_time = t.elapsed();
    let (rss1, hwm1) = rss_kib();
    println!(
        "load {GRAPH_2026}: {:.1} ms, resident +{:.1} MB (peak {:.1} MB for the whole process)",
        load_time.as_secs_f64() * 1e3,
        (rss1.saturating_sub(rss0)) as f64 / 1024.0,
        hwm1 as f64 / 1024.0
    );

    let cases = cases(&g);
    let net = ldk_graph(&g);
    let scorer = FixedPenaltyScorer::with_penalty(0);
    let mut scratch = Scratch::new();

    // One timed pass per pair, ours then LDK's, after one warm-up pass of ours.
    for case in &cases {
        black_box(get_route_with(&g, &case.req, &mut scratch).unwrap());
    }
    let mut ours = Vec::with_capacity(cases.len());
    let mut theirs = Vec::with_capacity(cases.len());
    let mut ldk_failed = 0;
    for case in &cases {
        let t = Instant::now();
        black_box(get_route_with(&g, &case.req, &mut scratch).unwrap());
        ours.push(t.elapsed());
        let t = Instant::now();
        let r = find_route(&case.payer, &case.params, &net, None, &NoLog, &scorer, &(), &[7u8; 32]);
        theirs.push(t.elapsed());
        ldk_failed += usize::from(r.is_err());
    }
    ours.sort();
    theirs.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    let (om, tm) = (percentile(&ours, 0.5), percentile(&theirs, 0.5));
    println!(
        "single path over {} pairs: ours median {:.3} ms p99 {:.3} ms; LDK median {:.3} ms \
         p99 {:.3} ms ({ldk_failed} without a route); ratio ours/LDK {:.3}",
        cases.len(),
        ms(om),
        ms(percentile(&ours, 0.99)),
        ms(tm),
        ms(percentile(&theirs, 0.99)),
        om.as_secs_f64() / tm.as_secs_f64()
    );

    let mut group = c.benchmark_group("route");
    group.sample_size(10);
    group.bench_function("load_listchannels_2026_gz", |b| b.iter(|| black_box(load(GRAPH_2026))));
    // The floor under the load: inflating the file alone, same run.
    group.bench_function("gunzip_only_2026", |b| {
        b.iter(|| {
            let file = std::fs::File::open(common::graph_path(GRAPH_2026)).unwrap();
            let mut gz = flate2::read::GzDecoder::new(std::io::BufReader::new(file));
            black_box(std::io::copy(&mut gz, &mut std::io::sink()).unwrap())
        })
    });
    let builder = GraphBuilder::from_graph(&g);
    group.bench_function("build_snapshot_2026", |b| b.iter(|| black_box(builder.build())));
    group.sample_size(50);
    let mut i = 0;
    group.bench_function("getroute_ours", |b| {
        b.iter(|| {
            i = (i + 1) % cases.len();
            black_box(get_route_with(&g, &cases[i].req, &mut scratch).unwrap())
        })
    });
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(20));
    let mut i = 0;
    group.bench_function("find_route_ldk", |b| {
        b.iter(|| {
            i = (i + 1) % cases.len();
            let case = &cases[i];
            black_box(find_route(
                &case.payer,
                &case.params,
                &net,
                None,
                &NoLog,
                &scorer,
                &(),
                &[7u8; 32],
            ))
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
