//! Probing: a part sent with a payment hash nobody knows the preimage of, so that it fails at
//! the payee (or earlier) and teaches liquidity without paying.
//!
//! The hash comes in as bytes (the caller draws them), the route is the one [`crate::flow::route`]
//! would use for the amount, and the outcome is fed back with [`Probe::learn`]: a failure from
//! the payee (`incorrect_or_unknown_payment_details`) proves every channel could carry its
//! amount; a failure earlier bounds the failing channel like any payment part.

use crate::flow::{route, FlowParams, Part, RouteError};
use crate::graph::Graph;
use crate::knowledge::{Knowledge, KnowledgeSnapshot};
use types::PaymentHash;

/// A probe ready to send.
#[derive(Debug, Clone, PartialEq)]
pub struct Probe {
    /// The random payment hash to send it with.
    pub payment_hash: PaymentHash,
    /// The route and amounts.
    pub part: Part,
}

impl Probe {
    /// A probe of `p.amount` from `p.source` to `p.destination`, with `random_hash` as its
    /// payment hash.
    pub fn new(
        graph: &Graph,
        snap: &KnowledgeSnapshot,
        p: &FlowParams,
        random_hash: [u8; 32],
    ) -> Result<Probe, RouteError> {
        let part = route(graph, snap, p)?;
        Ok(Probe { payment_hash: PaymentHash(random_hash), part })
    }

    /// Records the probe as in flight.
    pub fn sent(&self, knowledge: &mut Knowledge) {
        knowledge.part_sent(&self.part.hops);
    }

    /// Learns from the probe's failure (`erring_index` as Core Lightning counts it, BOLT 4
    /// `code`). Returns true when the probe reached the payee (every channel carried it).
    pub fn learn(
        &self,
        knowledge: &mut Knowledge,
        graph: &Graph,
        erring_index: usize,
        code: u16,
        now: u64,
    ) -> bool {
        knowledge.part_failed(graph, &self.part.hops, erring_index, code, now);
        erring_index >= self.part.hops.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::{EdgePolicy, GraphBuilder};
    use crate::knowledge::{
        KnowledgeConfig, INCORRECT_OR_UNKNOWN_PAYMENT_DETAILS, TEMPORARY_CHANNEL_FAILURE,
    };
    use types::{Msat, ShortChannelId};

    use crate::test_util::node;

    #[test]
    fn probe_failures_teach_liquidity() {
        let mut g = GraphBuilder::new();
        for i in 0..3u8 {
            let scid = ShortChannelId(i as u64 + 1);
            g.add_channel(scid, node(i + 1), node(i + 2), Some(Msat(10_000_000)));
            let p = EdgePolicy {
                timestamp: 1,
                enabled: true,
                base_fee_msat: 1,
                fee_ppm: 10,
                cltv_delta: 6,
                htlc_min: Msat(1),
                htlc_max: Msat(10_000_000),
            };
            g.update_direction(scid, 0, p).unwrap();
        }
        let g = g.build();
        let mut k = Knowledge::new(KnowledgeConfig::default());
        let p = FlowParams::new(node(1), node(4), Msat(3_000_000));
        let probe = Probe::new(&g, &k.snapshot(&g, 0), &p, [0xab; 32]).unwrap();
        assert_eq!(probe.payment_hash, PaymentHash([0xab; 32]));
        assert_eq!(probe.part.hops.len(), 3);
        probe.sent(&mut k);
        // Reached the payee: every channel holds at least its amount, nothing stays in flight.
        assert!(probe.learn(&mut k, &g, 3, INCORRECT_OR_UNKNOWN_PAYMENT_DETAILS, 1));
        for h in &probe.part.hops {
            let l = k.liquidity(h.channel_dir(), Msat(10_000_000), 1);
            assert_eq!((l.lo, l.in_flight), (h.amount.0, 0));
        }
        // A bigger probe fails at the second channel: it is bounded, the first is raised.
        let p = FlowParams::new(node(1), node(4), Msat(6_000_000));
        let probe = Probe::new(&g, &k.snapshot(&g, 1), &p, [1; 32]).unwrap();
        assert!(!probe.learn(&mut k, &g, 1, TEMPORARY_CHANNEL_FAILURE, 2));
        let (h0, h1) = (probe.part.hops[0], probe.part.hops[1]);
        assert_eq!(k.liquidity(h0.channel_dir(), Msat(10_000_000), 2).lo, h0.amount.0);
        assert_eq!(k.liquidity(h1.channel_dir(), Msat(10_000_000), 2).hi, h1.amount.0 - 1);
    }
}
