//! `getroute` on the two real mainnet graphs of `../shared/graph/`: both load completely, every
//! route found is valid when recomputed independently, and with riskfactor 0 and no fuzz its
//! fee equals that of a plain reference Dijkstra written here.

mod common;

use common::{candidate_pairs, load, GRAPH_2021, GRAPH_2026};
use lnpay_route::getroute::{get_route_with, RouteError, RouteRequest, Scratch};
use lnpay_route::graph::{Graph, NodeIdx};
use lnpay_route::Msat;
use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use types::Path;

const MAX_CLTV: u32 = 2016;
const FINAL_CLTV: u32 = 9;

/// An incoming edge of the reference: (src, base, ppm, cltv, htlc_min, htlc_max).
type RefEdge = (usize, u64, u64, u32, u64, u64);

/// A plain backward Dijkstra over its own adjacency lists: cost = fees (the payer's own channel
/// is free), ties to fewer hops, limits as BOLT 7 and Core Lightning set them.
struct Reference {
    index: HashMap<[u8; 33], usize>,
    /// Incoming edges per node.
    incoming: Vec<Vec<RefEdge>>,
}

impl Reference {
    fn new(g: &Graph) -> Self {
        let mut index = HashMap::new();
        for id in g.node_ids() {
            let next = index.len();
            index.entry(*id.as_bytes()).or_insert(next);
        }
        let mut incoming = vec![Vec::new(); index.len()];
        for (i, e) in g.edges().iter().enumerate() {
            if !e.enabled {
                continue;
            }
            let policy = g.edge_policy(lnpay_route::graph::EdgeIdx(i as u32)).unwrap();
            let cap = g.channel(e.scid).unwrap().capacity.map_or(u64::MAX, |c| c.msat());
            let src = index[g.node_id(e.src).unwrap().as_bytes()];
            let dst = index[g.node_id(e.dst).unwrap().as_bytes()];
            incoming[dst].push((
                src,
                policy.base_fee_msat as u64,
                policy.fee_ppm as u64,
                policy.cltv_delta as u32,
                policy.htlc_min.msat(),
                policy.htlc_max.msat().min(cap),
            ));
        }
        Reference { index, incoming }
    }

    /// The fee of the cheapest route, or None.
    fn fee(&self, src: &[u8; 33], dst: &[u8; 33], amount: u64) -> Option<u64> {
        let (s, d) = (self.index[src], self.index[dst]);
        let n = self.incoming.len();
        // (cost, hops, amount, delay)
        let mut best: Vec<Option<(u64, u32, u64, u32)>> = vec![None; n];
        let mut done = vec![false; n];
        let mut heap = BinaryHeap::new();
        best[d] = Some((0, 0, amount, FINAL_CLTV));
        heap.push(Reverse((0u64, 0u32, d)));
        while let Some(Reverse((_, _, v))) = heap.pop() {
            if done[v] {
                continue;
            }
            done[v] = true;
            let (cost, hops, amt, delay) = best[v].unwrap();
            if v == s {
                return Some(cost);
            }
            for &(u, base, ppm, cltv, min, max) in &self.incoming[v] {
                if done[u] || amt > max || (amt < min && amt != 0) {
                    continue;
                }
                let (fee, cltv) =
                    if u == s { (0, 0) } else { (base + amt * ppm / 1_000_000, cltv) };
                if delay + cltv > MAX_CLTV {
                    continue;
                }
                let cand = (cost + fee, hops + 1, amt + fee, delay + cltv);
                if best[u].map_or(true, |b| (cand.0, cand.1) < (b.0, b.1)) {
                    best[u] = Some(cand);
                    heap.push(Reverse((cand.0, cand.1, u)));
                }
            }
        }
        None
    }
}

/// Checks a route against the graph independently of the search: edges exist, are enabled
/// and chained; amounts and delays recomputed backwards match; limits hold. Returns the fee.
fn validate(g: &Graph, req: &RouteRequest, route: &Path) -> u64 {
    assert!(!route.hops.is_empty() && route.hops.len() <= req.max_hops as usize);
    let mut prev = req.source;
    let mut edges = Vec::new();
    for hop in &route.hops {
        let e = g.edge_of(hop.channel, hop.direction).expect("edge exists");
        let edge = g.edge(e).unwrap();
        assert!(edge.enabled, "edge {} enabled", hop.channel);
        assert_eq!(g.node_id(edge.src), Some(&prev));
        assert_eq!(g.node_id(edge.dst), Some(&hop.id));
        edges.push((g.edge_policy(e).unwrap(), g.channel(hop.channel).unwrap().capacity));
        prev = hop.id;
    }
    assert_eq!(prev, req.destination);
    let mut amount = req.amount.msat();
    let mut delay = req.final_cltv;
    for i in (0..route.hops.len()).rev() {
        let (p, cap) = edges[i];
        assert_eq!(route.hops[i].amount.msat(), amount, "amount at hop {i}");
        assert_eq!(route.hops[i].delay, delay, "delay at hop {i}");
        assert!(amount <= p.htlc_max.msat() && cap.map_or(true, |c| amount <= c.msat()));
        assert!(amount >= p.htlc_min.msat() || amount == 0);
        if i > 0 {
            amount += p.base_fee_msat as u64 + amount * p.fee_ppm as u64 / 1_000_000;
            delay += p.cltv_delta as u32;
        }
    }
    assert!(delay <= MAX_CLTV);
    route.fee().msat()
}

fn check_graph(name: &str, nodes: usize, channels: usize, records: usize, active: usize) {
    let (stats, g) = load(name);
    assert_eq!(stats.records, records, "{name}");
    assert_eq!(stats.skipped, 0, "{name}: {:?}", stats.errors);
    assert_eq!((g.node_count(), g.channel_count(), g.edge_count()), (nodes, channels, records));
    assert_eq!(g.edges().iter().filter(|e| e.enabled).count(), active, "{name}");

    let reference = Reference::new(&g);
    let mut scratch = Scratch::new();
    let (mut routed, mut unreachable, mut tried) = (0, 0, 0);
    for (s, d, amount) in candidate_pairs(&g, 400, 0x5eed ^ records as u64) {
        if routed == 250 {
            break;
        }
        tried += 1;
        let id = |v: NodeIdx| *g.node_id(v).unwrap();
        let mut req = RouteRequest::new(id(s), id(d), Msat(amount), 0);
        req.fuzz_percent = 0.0;
        let want = reference.fee(id(s).as_bytes(), id(d).as_bytes(), amount);
        match get_route_with(&g, &req, &mut scratch) {
            Ok(route) => {
                let fee = validate(&g, &req, &route);
                assert_eq!(Some(fee), want, "{name}: {} -> {} {amount}", id(s), id(d));
                routed += 1;
            }
            Err(RouteError::NoRoute) => {
                assert_eq!(want, None, "{name}: {} -> {} {amount}", id(s), id(d));
                unreachable += 1;
            }
            Err(e) => panic!("{name}: {e}"),
        }
    }
    eprintln!("{name}: {routed} routed, {unreachable} unreachable of {tried}");
    assert_eq!(routed, 250, "{name}: too few reachable pairs");

    // With a risk factor and fuzz, routes stay valid (and are seeded: same seed, same route).
    for (i, (s, d, amount)) in candidate_pairs(&g, 40, 7).into_iter().enumerate() {
        let id = |v: NodeIdx| *g.node_id(v).unwrap();
        let mut req = RouteRequest::new(id(s), id(d), Msat(amount), 10_000_000);
        req.seed = i as u64;
        if let Ok(route) = get_route_with(&g, &req, &mut scratch) {
            validate(&g, &req, &route);
            assert_eq!(get_route_with(&g, &req, &mut scratch).unwrap(), route);
        }
    }
}

#[test]
fn mainnet_2026_routes_match_reference() {
    // ../shared/README.md says 65,810 active entries; the file has 65,809 `"active": true`.
    check_graph(GRAPH_2026, 17_324, 50_808, 101_615, 65_809);
}

#[test]
fn mainnet_2021_routes_match_reference() {
    check_graph(GRAPH_2021, 8_827, 37_454, 66_964, 55_622);
}
