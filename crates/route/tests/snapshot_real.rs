//! The binary graph snapshot over the real mainnet graphs of `../shared/graph`: what is read
//! back is the graph that was written, node for node, edge for edge, and routes over it are
//! the same routes.

mod common;

use common::{candidate_pairs, load, GRAPH_2021, GRAPH_2026};
use lnpay_route::getroute::{get_route_with, RouteRequest, Scratch};
use lnpay_route::graph::{snapshot, EdgeIdx, Graph, NodeIdx};
use lnpay_route::Msat;

fn check(name: &str) {
    let (_, g) = load(name);
    let bytes = snapshot::write(&g);
    let back: std::sync::Arc<Graph> = snapshot::read(&bytes).unwrap();
    assert_eq!(back.node_ids(), g.node_ids());
    assert_eq!(back.channels(), g.channels());
    assert_eq!(back.edges(), g.edges());
    for e in 0..g.edge_count() as u32 {
        assert_eq!(back.edge_policy(EdgeIdx(e)), g.edge_policy(EdgeIdx(e)), "{name} edge {e}");
    }
    for v in 0..g.node_count() as u32 {
        assert_eq!(back.incoming_range(NodeIdx(v)), g.incoming_range(NodeIdx(v)));
        assert_eq!(back.outgoing(NodeIdx(v)), g.outgoing(NodeIdx(v)), "{name} node {v}");
    }
    // The same bytes again: the snapshot of a graph is one byte string.
    assert_eq!(snapshot::write(&back), bytes);
    let (mut a, mut b) = (Scratch::default(), Scratch::default());
    let mut routed = 0;
    for (s, d, amount) in candidate_pairs(&g, 200, 11) {
        let id = |v: NodeIdx| *g.node_id(v).unwrap();
        let req = RouteRequest::new(id(s), id(d), Msat(amount), 10_000_000);
        let (x, y) = (get_route_with(&g, &req, &mut a), get_route_with(&back, &req, &mut b));
        routed += usize::from(x.is_ok());
        assert_eq!(x, y, "{name}: {req:?}");
    }
    assert!(routed > 50, "{name}: only {routed} of 200 pairs routed");
}

#[test]
fn mainnet_2026_snapshot_reads_back_the_same_graph() {
    check(GRAPH_2026);
}

#[test]
fn mainnet_2021_snapshot_reads_back_the_same_graph() {
    check(GRAPH_2021);
}
