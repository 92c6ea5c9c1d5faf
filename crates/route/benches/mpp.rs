//! 1M-sat multi-part flows on the 2026 mainnet snapshot: our min-cost-flow solver against
//! LDK's `find_route` (MPP allowed by the payee's features, `ProbabilisticScorer` with default
//! parameters) on the same pairs in the same run.
//!
//! Run: `cargo bench -p lnpay-route --bench mpp`. Before criterion's groups, one pass times
//! every pair individually and prints both medians, their ratio, the parts and fees of both,
//! and the success probability of both answers under the same uniform-liquidity model.
//! `PROB_PPM=<n>` overrides our λ (`FlowParams::prob_cost_ppm`, default 1000) to explore the
//! fee/probability trade-off.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../tests/common/mod.rs"]
mod common;

use common::{load, Rng, GRAPH_2026};
use criterion::{criterion_group, criterion_main, Criterion};
use lightning::ln::msgs::UnsignedChannelUpdate;
use lightning::routing::gossip::{NetworkGraph, NodeId as LdkNodeId};
use lightning::routing::router::{find_route, PaymentParameters, Route, RouteParameters};
use lightning::routing::scoring::{
    ProbabilisticScorer, ProbabilisticScoringDecayParameters, ProbabilisticScoringFeeParameters,
};
use lightning::types::features::{Bolt11InvoiceFeatures, ChannelFeatures};
use lightning::util::logger::{Logger, Record};
use lnpay_route::flow::{flow, Flow, FlowParams};
use lnpay_route::graph::{Graph, NodeIdx};
use lnpay_route::knowledge::{Knowledge, KnowledgeConfig, KnowledgeSnapshot};
use lnpay_route::probability::Prior;
use lnpay_route::Msat;
use secp256k1::PublicKey;
use std::collections::HashMap;
use std::hint::black_box;
use std::time::{Duration, Instant};

const AMOUNT_MSAT: u64 = 1_000_000_000; // 1M sat
const PAIRS: usize = 60;

struct NoLog;
impl Logger for NoLog {
    fn log(&self, _record: Record) {}
}
static LOG: NoLog = NoLog;

fn ldk_graph(g: &Graph) -> NetworkGraph<&'static NoLog> {
    let net = NetworkGraph::new(bitcoin::Network::Bitcoin, &LOG);
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
    let chain_hash = bitcoin::constants::ChainHash::using_genesis_block(bitcoin::Network::Bitcoin);
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
                chain_hash,
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
    ours: FlowParams,
    payer: PublicKey,
    ldk: RouteParameters,
}

fn ldk_params(p: &FlowParams) -> RouteParameters {
    let mut features = Bolt11InvoiceFeatures::empty();
    features.set_variable_length_onion_required();
    features.set_payment_secret_required();
    features.set_basic_mpp_optional();
    let pp = PaymentParameters::from_node_id(p.destination.to_pubkey().unwrap(), p.final_cltv)
        .with_bolt11_features(features)
        .unwrap();
    let mut rp = RouteParameters::from_payment_params_and_value(pp, p.amount.msat());
    rp.max_total_routing_fee_msat = Some(p.max_fee.msat());
    rp
}

/// Our model's probability of LDK's answer (same uniform prior, nothing learned).
fn ldk_load_probability(g: &Graph, snap: &KnowledgeSnapshot, r: &Route) -> f64 {
    // Per (scid, receiving node), the amount forwarded: for hop i of a path, what hop i's
    // node receives = sum of fee_msat of hops i+1.. plus the final hop's amount.
    let mut load: HashMap<(u64, [u8; 33]), u64> = HashMap::new();
    for path in &r.paths {
        let n = path.hops.len();
        let mut amount = path.hops.last().map_or(0, |h| h.fee_msat);
        for i in (0..n).rev() {
            let h = &path.hops[i];
            *load.entry((h.short_channel_id, h.pubkey.serialize())).or_default() += amount;
            if i > 0 {
                amount += h.fee_msat * u64::from(i + 1 != n);
            }
        }
    }
    let mut p = 1.0;
    for ((scid, to), amount) in &load {
        let Some(ch) = g.channel(lnpay_route::ShortChannelId(*scid)) else { return 0.0 };
        let dst_is_2 = g.node_id(ch.node2).map(|n| n.as_bytes() == to).unwrap_or(false);
        let e = ch.edges[usize::from(!dst_is_2)];
        let Some(e) = e else { return 0.0 };
        p *= snap.liquidity(e).probability(*amount, Prior::Uniform);
    }
    p
}

fn ldk_fee(r: &Route) -> u64 {
    r.paths.iter().map(|p| p.hops[..p.hops.len() - 1].iter().map(|h| h.fee_msat).sum::<u64>()).sum()
}

fn hubs(g: &Graph) -> Vec<NodeIdx> {
    (0..g.node_count() as u32)
        .map(NodeIdx)
        .filter(|&n| {
            g.outgoing(n).iter().filter(|&&e| g.edge(e).is_some_and(|e| e.enabled)).count() >= 4
                && g.incoming(n).iter().filter(|e| e.enabled).count() >= 4
        })
        .collect()
}

fn median(v: &mut [Duration]) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn bench(c: &mut Criterion) {
    let (_, g) = load(GRAPH_2026);
    let t = Instant::now();
    let net = ldk_graph(&g);
    println!("ldk network graph built in {:.0} ms", t.elapsed().as_secs_f64() * 1e3);
    let scorer =
        ProbabilisticScorer::new(ProbabilisticScoringDecayParameters::default(), &net, &LOG);
    let score_params = ProbabilisticScoringFeeParameters::default();
    let t = Instant::now();
    let snap = Knowledge::new(KnowledgeConfig::default()).snapshot(&g, 0);
    let snap_time = t.elapsed();
    let seed = [7u8; 32];

    // Pairs both can route.
    let hubs = hubs(&g);
    let mut rng = Rng(0x4d50_5031);
    let mut cases = Vec::new();
    let mut tried = 0;
    while cases.len() < PAIRS && tried < PAIRS * 20 {
        tried += 1;
        let (s, d) = (hubs[rng.below(hubs.len())], hubs[rng.below(hubs.len())]);
        if s == d {
            continue;
        }
        let (src, dst) = (*g.node_id(s).unwrap(), *g.node_id(d).unwrap());
        let mut ours = FlowParams::new(src, dst, Msat(AMOUNT_MSAT));
        if let Some(v) = std::env::var("PROB_PPM").ok().and_then(|v| v.parse().ok()) {
            ours.prob_cost_ppm = v;
        }
        let payer = src.to_pubkey().unwrap();
        let ldk = ldk_params(&ours);
        if flow(&g, &snap, &ours).is_err() {
            continue;
        }
        if find_route(&payer, &ldk, &net, None, &LOG, &scorer, &score_params, &seed).is_err() {
            continue;
        }
        cases.push(Case { ours, payer, ldk });
    }
    assert!(cases.len() >= PAIRS / 2, "only {} routable pairs of {tried}", cases.len());

    let (mut t_ours, mut t_ldk) = (Vec::new(), Vec::new());
    let (mut parts_ours, mut parts_ldk, mut fee_ours, mut fee_ldk) = (0usize, 0usize, 0u64, 0u64);
    let (mut p_ours, mut p_ldk) = (0.0, 0.0);
    for case in &cases {
        let t = Instant::now();
        let f: Flow = black_box(flow(&g, &snap, &case.ours).unwrap());
        t_ours.push(t.elapsed());
        let t = Instant::now();
        let r = black_box(
            find_route(&case.payer, &case.ldk, &net, None, &LOG, &scorer, &score_params, &seed)
                .unwrap(),
        );
        t_ldk.push(t.elapsed());
        parts_ours += f.parts.len();
        parts_ldk += r.paths.len();
        fee_ours += f.fee.msat();
        fee_ldk += ldk_fee(&r);
        p_ours += f.probability;
        p_ldk += ldk_load_probability(&g, &snap, &r);
    }
    let n = cases.len() as f64;
    let (mo, ml) = (median(&mut t_ours), median(&mut t_ldk));
    println!(
        "1M sat over {} pairs: ours median {:.2} ms, LDK median {:.2} ms, ratio {:.2} \
         (knowledge snapshot {:.2} ms, once per graph)",
        cases.len(),
        mo.as_secs_f64() * 1e3,
        ml.as_secs_f64() * 1e3,
        mo.as_secs_f64() / ml.as_secs_f64(),
        snap_time.as_secs_f64() * 1e3
    );
    println!(
        "  parts/payment ours {:.2} LDK {:.2}; fee/payment ours {:.0} sat LDK {:.0} sat; \
         mean success probability (uniform model) ours {:.3} LDK {:.3}",
        parts_ours as f64 / n,
        parts_ldk as f64 / n,
        fee_ours as f64 / n / 1000.0,
        fee_ldk as f64 / n / 1000.0,
        p_ours / n,
        p_ldk / n
    );

    let mut group = c.benchmark_group("mpp_1M_sat");
    group.sample_size(10);
    let mut i = 0;
    group.bench_function("lnpay_flow", |b| {
        b.iter(|| {
            i = (i + 1) % cases.len();
            black_box(flow(&g, &snap, &cases[i].ours).unwrap())
        })
    });
    let mut i = 0;
    group.bench_function("ldk_find_route", |b| {
        b.iter(|| {
            i = (i + 1) % cases.len();
            let c = &cases[i];
            black_box(
                find_route(&c.payer, &c.ldk, &net, None, &LOG, &scorer, &score_params, &seed)
                    .unwrap(),
            )
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
