//! Core Lightning `listchannels` JSON import (`route::import::listchannels`).
//!
//! Any bytes go to the importer. Checks:
//! - a document error leaves the verdict to the whole document (a non-empty message), never a
//!   panic;
//! - on success every record is either applied or skipped with a reason
//!   (`records == applied + skipped`, at most `MAX_KEPT_ERRORS` reasons kept);
//! - the snapshot is consistent: each edge's direction matches the byte order of its ends,
//!   `edge_of(scid, dir)` finds it, incoming lists are grouped by destination, outgoing lists
//!   hold exactly the edges leaving each node, `htlc_max` never exceeds a known capacity;
//! - reading through `listchannels::read` (the chunked scanner) agrees with `read_slice`
//!   (same verdict, same counts, same graph);
//! - writing the graph back as `listchannels` and reading it again gives the same graph with
//!   nothing skipped.

use route::graph::{EdgeIdx, GraphBuilder, NodeIdx};
use route::import::{listchannels, MAX_KEPT_ERRORS};

/// Runs the checks above on `data`, panicking when one fails.
pub fn do_test(data: &[u8]) {
    let mut builder = GraphBuilder::new();
    let mut streamed = GraphBuilder::new();
    let from_reader = listchannels::read(data, &mut streamed);
    let stats = match listchannels::read_slice(data, &mut builder) {
        Ok(stats) => stats,
        Err(error) => {
            assert!(!error.to_string().is_empty());
            let other = from_reader.expect_err("read accepts what read_slice refuses");
            let no_channels = |e: &listchannels::ListChannelsError| {
                matches!(e, listchannels::ListChannelsError::NoChannels)
            };
            assert_eq!(no_channels(&error), no_channels(&other), "{error} vs {other}");
            return;
        }
    };
    let streamed_stats = from_reader.expect("read refuses what read_slice accepts");
    assert_eq!(streamed_stats, stats);
    assert_eq!(streamed.build().edges(), builder.build().edges());
    assert_eq!(stats.records, stats.applied + stats.skipped, "{stats:?}");
    assert_eq!(stats.errors.len(), stats.skipped.min(MAX_KEPT_ERRORS), "{stats:?}");
    for e in &stats.errors {
        assert!(!e.to_string().is_empty());
    }
    let g = builder.build();
    assert!(g.edge_count() <= 2 * g.channel_count());
    assert!(g.edge_count() <= stats.applied);
    let mut out_total = 0;
    for v in 0..g.node_count() as u32 {
        let v = NodeIdx(v);
        for e in g.incoming(v) {
            assert_eq!(e.dst, v);
        }
        for &e in g.outgoing(v) {
            assert_eq!(g.edge(e).map(|e| e.src), Some(v));
        }
        out_total += g.outgoing(v).len();
    }
    assert_eq!(out_total, g.edge_count());
    for (i, e) in g.edges().iter().enumerate() {
        let (src, dst) = (g.node_id(e.src), g.node_id(e.dst));
        assert!(src.is_some() && dst.is_some());
        assert_eq!(e.direction == 1, src > dst, "direction of {}", e.scid);
        assert_eq!(g.edge_of(e.scid, e.direction), Some(EdgeIdx(i as u32)));
        let channel = g.channel(e.scid).expect("edge's channel");
        if let Some(cap) = channel.capacity {
            assert!(e.htlc_max <= cap);
        }
    }

    let text = listchannels::write(&g);
    let mut again = GraphBuilder::new();
    let stats2 = listchannels::read_slice(text.as_bytes(), &mut again)
        .unwrap_or_else(|e| panic!("written graph does not load: {e}\n{text}"));
    assert_eq!(stats2.skipped, 0, "{:?}\n{text}", stats2.errors);
    let g2 = again.build();
    assert_eq!(g2.node_ids(), g.node_ids());
    assert_eq!(g2.channels(), g.channels());
    assert_eq!(g2.edges(), g.edges());
}
