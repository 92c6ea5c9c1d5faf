//! The binary graph snapshot (`route::graph::snapshot`).
//!
//! Checks, for any bytes, as they are and sealed with a correct checksum over all but their
//! last 8 bytes (so the fuzzer reaches past the checksum into the contents):
//! - reading never panics; an error names what is wrong;
//! - what reads is a graph whose snapshot is the same bytes again, whose incoming edges of
//!   each node end at it and whose outgoing edges start at it, and whose every edge belongs to
//!   its channel in its direction.

use route::graph::{snapshot, EdgeIdx, Graph, NodeIdx};

fn check(bytes: &[u8]) {
    let g: std::sync::Arc<Graph> = match snapshot::read(bytes) {
        Ok(g) => g,
        Err(e) => {
            assert!(
                e.to_string().starts_with("graph snapshot")
                    || e.to_string().starts_with("not a graph snapshot"),
                "{e}"
            );
            return;
        }
    };
    assert_eq!(snapshot::write(&g), bytes, "a snapshot that read does not write back the same");
    for v in 0..g.node_count() as u32 {
        let v = NodeIdx(v);
        assert!(g.incoming(v).iter().all(|e| e.dst == v), "node {v:?}: incoming edge elsewhere");
        for &e in g.outgoing(v) {
            assert_eq!(g.edge(e).map(|e| e.src), Some(v), "node {v:?}: outgoing edge {e:?}");
        }
    }
    for (i, edge) in g.edges().iter().enumerate() {
        let e = EdgeIdx(i as u32);
        assert_eq!(g.edge_of(edge.scid, edge.direction), Some(e), "edge {i} not its channel's");
        assert!(g.edge_policy(e).is_some(), "edge {i} without a policy");
    }
}

/// Runs the checks above on `data` and on `data` sealed, panicking when one fails.
pub fn do_test(data: &[u8]) {
    check(data);
    if data.len() >= 8 {
        let mut sealed = data.to_vec();
        let body = sealed.len() - 8;
        let sum = snapshot::checksum(&sealed[..body]);
        sealed[body..].copy_from_slice(&sum.to_le_bytes());
        check(&sealed);
    }
}
