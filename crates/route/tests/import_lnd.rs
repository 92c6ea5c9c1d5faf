//! LND `lncli describegraph` import on a fixture written in LND's documented JSON form
//! (`tests/data/describegraph.json`): 64-bit integers as strings, `node1_policy` for the
//! direction from `node1_pub`, `null` policies, and three bad edges.

use lnpay_route::graph::{EdgeIdx, GraphBuilder};
use lnpay_route::import::{lnd, RecordError};
use lnpay_route::{Msat, ShortChannelId};

const FIXTURE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/describegraph.json");

#[test]
fn describegraph_fixture() {
    let bytes = std::fs::read(FIXTURE).unwrap_or_else(|e| panic!("missing {FIXTURE}: {e}"));
    let mut b = GraphBuilder::new();
    let stats = lnd::read_slice(&bytes, &mut b).unwrap();
    assert_eq!((stats.records, stats.applied, stats.skipped), (5, 2, 3));
    assert!(matches!(
        &stats.errors[0],
        RecordError::BadField { index: 2, field: "channel_id", value } if value == "\"not-a-number\""
    ));
    assert!(matches!(
        &stats.errors[1],
        RecordError::BadField { index: 3, field: "time_lock_delta", value } if value == "99999"
    ));
    assert!(matches!(stats.errors[2], RecordError::SameNode { index: 4, .. }));

    let g = b.build();
    assert_eq!((g.node_count(), g.channel_count(), g.edge_count()), (3, 2, 3));
    let ab = ShortChannelId::new(750_000, 1, 0).unwrap();
    let bc = ShortChannelId::new(750_000, 2, 1).unwrap();
    assert_eq!(g.channel(ab).unwrap().capacity, Some(Msat(1_000_000_000)));

    let e = g.edge_of(ab, 0).unwrap();
    let p = g.edge_policy(e).unwrap();
    assert!(p.enabled);
    assert_eq!((p.base_fee_msat, p.fee_ppm, p.cltv_delta), (1000, 1, 40));
    assert_eq!(
        (p.htlc_min, p.htlc_max, p.timestamp),
        (Msat(1000), Msat(990_000_000), 1_700_000_100)
    );

    let e = g.edge_of(ab, 1).unwrap();
    let p = g.edge_policy(e).unwrap();
    assert!(!p.enabled);
    assert_eq!((p.base_fee_msat, p.fee_ppm, p.cltv_delta), (0, 500, 144));
    // The advertised maximum exceeds the capacity: the edge is capped by it.
    assert_eq!(g.edge(e).unwrap().htlc_max, Msat(1_000_000_000));

    // max_htlc_msat 0 means unset: the capacity stands in; node2_policy null: no edge.
    let e = g.edge_of(bc, 0).unwrap();
    assert_eq!(g.edge_policy(e).unwrap().htlc_max, Msat(250_000_000));
    assert_eq!(g.edge_of(bc, 1), None);
    assert_eq!(g.edge_timestamp(EdgeIdx(99)), None);
}

#[test]
fn describegraph_document_errors() {
    let mut b = GraphBuilder::new();
    assert!(matches!(lnd::read_slice(b"{", &mut b), Err(lnd::DescribeGraphError::Json(_))));
    assert!(matches!(
        lnd::read_slice(b"{\"nodes\":[]}", &mut b),
        Err(lnd::DescribeGraphError::NoEdges)
    ));
    let stats = lnd::read(&b"{\"edges\":[1]}"[..], &mut b).unwrap();
    assert_eq!(stats.errors, vec![RecordError::NotAnObject { index: 0 }]);
}
