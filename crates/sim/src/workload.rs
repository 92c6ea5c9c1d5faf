//! A simple workload on top of the simulator: a payer node attached to the best-connected
//! nodes, and a batch of single-attempt payments routed with the route crate's `getroute` on
//! the published graph, each onion built for real and each failure decoded at the payer. It
//! measures the network, not a payment strategy (one attempt, no retries).

use crate::sim::{ChannelBackend, Resolution, Simulator};
use crate::topology::Topology;
use crate::SimRng;
use core::fmt;
use onion::failure::decode_return_packet;
use onion::payment::{build_payment_onion, FinalData};
use route::getroute::{get_route_with, FirstHop, RouteRequest, Scratch};
use route::graph::EdgePolicy;
use secp256k1::SecretKey;
use std::collections::BTreeMap;
use types::{Msat, ShortChannelId};

/// Adds a payer node with a channel of `capacity` to each of the `peers` best-connected nodes
/// (90% of the balance on the payer's side), and returns its index.
pub fn add_payer(topology: &mut Topology, peers: usize, capacity: Msat) -> u32 {
    let mut degree = vec![0u32; topology.node_count as usize];
    for c in &topology.channels {
        for n in [c.a, c.b] {
            if let Some(d) = degree.get_mut(n as usize) {
                *d += 1;
            }
        }
    }
    let mut order: Vec<u32> = (0..topology.node_count).collect();
    order.sort_by_key(|&n| (core::cmp::Reverse(degree.get(n as usize).copied().unwrap_or(0)), n));
    let payer = topology.add_node();
    let policy = EdgePolicy {
        timestamp: 1_770_076_800,
        enabled: true,
        base_fee_msat: 1000,
        fee_ppm: 100,
        cltv_delta: 40,
        htlc_min: Msat(1),
        htlc_max: Msat(capacity.0 / 100 * 99),
    };
    for (i, &peer) in order.iter().take(peers).enumerate() {
        let scid = ShortChannelId((1u64 << 40) * 999_999 + ((i as u64) << 16));
        topology.add_channel(scid, payer, peer, capacity, policy).balance_a =
            Some(Msat(capacity.0 / 10 * 9));
    }
    payer
}

/// What a batch of payments did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Outcomes {
    /// Payments asked.
    pub payments: usize,
    /// No route found.
    pub no_route: usize,
    /// Refused by the payer's own channel.
    pub local_failure: usize,
    /// Settled.
    pub paid: usize,
    /// Failed with a failure decoded at the payer, by failure code.
    pub failed_by_code: BTreeMap<u16, usize>,
    /// Failed with a failure no hop's HMAC matched.
    pub unattributable: usize,
    /// The first hop reported a malformed onion.
    pub malformed: usize,
    /// Amount delivered to payees.
    pub delivered: Msat,
    /// With ground truth on: payments the true balances could have carried when they were
    /// sent (max flow from payer to payee at least the amount).
    pub feasible: usize,
    /// With ground truth on: the sum over payments of `min(amount, max flow)`, what a perfect
    /// payer could have delivered one payment at a time.
    pub feasible_amount: Msat,
    /// Simulated time at the end.
    pub sim_time_ms: u64,
}

impl fmt::Display for Outcomes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} payments: {} paid ({} msat delivered; {} feasible, {} msat), {} no route, {} local failures, {} unattributable, {} malformed, failures by code {:?}",
            self.payments,
            self.paid,
            self.delivered.0,
            self.feasible,
            self.feasible_amount.0,
            self.no_route,
            self.local_failure,
            self.unattributable,
            self.malformed,
            self.failed_by_code
        )
    }
}

/// Sends `count` payments of `amount` from `payer` to payees drawn with `seed`, one at a
/// time, one attempt each, to payees that have at least one public channel able to carry
/// `amount` into them: route with `getroute` on the published graph (the payer's real
/// spendable balances as first hops), build the onion, send, run the simulation to the
/// resolution, decode. Payees get an invoice each. With `ground_truth`, the max flow from
/// payer to payee is computed before each payment (costly on a large graph).
pub fn run_single_attempts(
    sim: &mut Simulator,
    payer: u32,
    count: usize,
    amount: Msat,
    seed: u64,
    ground_truth: bool,
) -> Outcomes {
    let graph = sim.graph();
    let mut rng = SimRng::new(seed);
    let mut scratch = Scratch::new();
    let mut out = Outcomes { payments: count, ..Outcomes::default() };
    let Some(payer_id) = sim.node_id(payer) else { return out };
    sim.set_payer(payer);
    // Payees: nodes with an enabled public channel direction into them that can carry the
    // amount (on mainnet 2026 fewer than a third of the nodes qualify for 100k sat).
    let mut payees: Vec<u32> = graph
        .edges()
        .iter()
        .filter(|e| e.enabled && e.htlc_min <= amount && e.htlc_max >= amount)
        .filter_map(|e| graph.node_id(e.dst).and_then(|id| sim.node_index(id)))
        .filter(|&n| n != payer)
        .collect();
    payees.sort_unstable();
    payees.dedup();
    let height = sim.block_height();
    for i in 0..count {
        let Some(&payee) = payees.get(rng.below(payees.len() as u64) as usize) else {
            out.no_route += 1;
            continue;
        };
        if ground_truth {
            let flow = sim.max_flow(payer, payee);
            out.feasible += usize::from(flow >= amount);
            out.feasible_amount = Msat(out.feasible_amount.0 + flow.0.min(amount.0));
        }
        let Some(inv) = sim.create_invoice(payee, Some(amount)) else { continue };
        let mut req = RouteRequest::new(payer_id, inv.payee, amount, 10_000_000);
        req.seed = seed.wrapping_add(i as u64);
        req.final_cltv = inv.min_final_cltv_delta;
        req.first_hops = sim
            .node_channels(payer)
            .into_iter()
            .filter_map(|scid| {
                let (nodes, _) = sim.balances(scid)?;
                let peer = if nodes[0] == payer { nodes[1] } else { nodes[0] };
                Some(FirstHop {
                    scid,
                    peer: sim.node_id(peer)?,
                    spendable: sim.spendable_by(scid, payer)?,
                })
            })
            .collect();
        let Ok(route) = get_route_with(&graph, &req, &mut scratch) else {
            out.no_route += 1;
            continue;
        };
        // Every hop must be one of the simulated nodes (their keys peel the onion).
        let Some(first_hop) = route.hops.first().filter(|_| {
            route
                .hops
                .iter()
                .all(|h| sim.node_index(&h.id).and_then(|n| sim.node_pubkey(n)).is_some())
        }) else {
            out.no_route += 1;
            continue;
        };
        let (first_amount, first_cltv) = (first_hop.amount, height + first_hop.delay);
        let final_data = FinalData {
            payment_secret: Some(inv.payment_secret),
            total_msat: amount,
            ..FinalData::default()
        };
        let session = SimRng::for_item(seed, 0x5e55, i as u64).bytes32();
        let Ok(session) = SecretKey::from_slice(&session) else { continue };
        let Ok((onion, secrets)) =
            build_payment_onion(&session, &route.hops, height, &final_data, &inv.payment_hash)
        else {
            out.no_route += 1;
            continue;
        };
        let first = route.hops.first().map_or(ShortChannelId(0), |h| h.channel);
        let Ok(htlc) = sim.send_htlc(first, first_amount, first_cltv, inv.payment_hash, onion)
        else {
            out.local_failure += 1;
            continue;
        };
        let Some(r) = sim.run_until_resolution() else { continue };
        debug_assert_eq!(r.htlc, htlc);
        match r.resolution {
            Resolution::Fulfilled(_) => {
                out.paid += 1;
                out.delivered = Msat(out.delivered.0 + amount.0);
            }
            Resolution::Failed(reason) => match decode_return_packet(&secrets, &reason) {
                Ok(f) => *out.failed_by_code.entry(f.failure.code()).or_default() += 1,
                Err(_) => out.unattributable += 1,
            },
            Resolution::Malformed { .. } => out.malformed += 1,
        }
    }
    out.sim_time_ms = sim.now_ms();
    out
}
