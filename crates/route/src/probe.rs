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
        knowledge.part_sent(&self.part.sent_hops());
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
        knowledge.part_failed(graph, &self.part.sent_hops(), erring_index, code, now);
        erring_index >= self.part.hops.len()
    }
}
