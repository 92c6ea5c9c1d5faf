//! The peer: LDK's `find_route` on the same real graphs, with a zero-penalty scorer. On the
//! same random pairs, our route (riskfactor 0, no fuzz) is never more expensive than LDK's.
//!
//! LDK gets the same snapshot: every channel through
//! `NetworkGraph::add_channel_from_partial_announcement` (with its capacity) and every
//! direction through `update_channel_unsigned` (timestamps set to now, since LDK built with
//! `std` refuses updates older than two weeks; `htlc_maximum_msat` capped by the capacity, as
//! LDK refuses larger ones and our graph caps it the same way). Channel saturation is turned
//! off (`max_channel_saturation_power_of_half = 0`) and the total CLTV limit set to ours (2016),
//! so both search the same edges. What remains different, and explains every case where LDK
//! finds no route but we do: LDK's path length limit (19 hops, less when the onion estimate is
//! tighter) and its rule that a path carries at least a share of the amount when it looks for
//! candidates.

mod common;

use common::{candidate_pairs, load, GRAPH_2021, GRAPH_2026};
use lightning::ln::msgs::UnsignedChannelUpdate;
use lightning::routing::gossip::{NetworkGraph, NodeId as LdkNodeId};
use lightning::routing::router::{find_route, PaymentParameters, RouteParameters};
use lightning::routing::scoring::FixedPenaltyScorer;
use lightning::types::features::ChannelFeatures;
use lightning::util::logger::{Logger, Record};
use lnpay_route::getroute::{get_route_with, RouteError, RouteRequest, Scratch};
use lnpay_route::graph::{Graph, NodeIdx};
use lnpay_route::Msat;

struct NoLog;
impl Logger for NoLog {
    fn log(&self, _record: Record) {}
}

/// LDK's network graph holding the same channels and policies as `g`; returns it with the
/// number of updates LDK refused.
fn ldk_graph(g: &Graph) -> (NetworkGraph<&'static NoLog>, usize) {
    static LOG: NoLog = NoLog;
    let net = NetworkGraph::new(bitcoin::Network::Bitcoin, &LOG);
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs()
        as u32;
    let mut refused = 0;
    for c in g.channels() {
        let n1 = LdkNodeId::from_slice(g.node_id(c.node1).unwrap().as_bytes()).unwrap();
        let n2 = LdkNodeId::from_slice(g.node_id(c.node2).unwrap().as_bytes()).unwrap();
        let cap_sats = c.capacity.map(|m| m.msat() / 1000);
        net.add_channel_from_partial_announcement(
            c.scid.0,
            cap_sats,
            now as u64,
            ChannelFeatures::empty(),
            n1,
            n2,
        )
        .unwrap();
        for e in c.edges.iter().flatten() {
            let edge = g.edge(*e).unwrap();
            let policy = g.edge_policy(*e).unwrap();
            let update = UnsignedChannelUpdate {
                chain_hash: bitcoin::constants::ChainHash::using_genesis_block(
                    bitcoin::Network::Bitcoin,
                ),
                short_channel_id: c.scid.0,
                timestamp: now,
                message_flags: 1,
                channel_flags: edge.direction | if edge.enabled { 0 } else { 2 },
                cltv_expiry_delta: edge.cltv_delta,
                htlc_minimum_msat: policy.htlc_min.msat(),
                htlc_maximum_msat: edge.htlc_max.msat(),
                fee_base_msat: edge.base_fee_msat,
                fee_proportional_millionths: edge.fee_ppm,
                excess_data: Vec::new(),
            };
            if net.update_channel_unsigned(&update).is_err() {
                refused += 1;
            }
        }
    }
    (net, refused)
}

fn compare(name: &str, pairs: usize) {
    let (_, g) = load(name);
    let (net, refused) = ldk_graph(&g);
    let scorer = FixedPenaltyScorer::with_penalty(0);
    let mut scratch = Scratch::new();
    let (mut equal, mut cheaper, mut ldk_only_fail, mut both_fail, mut ours_only_fail) =
        (0, 0, 0, 0, 0);
    let mut saved = 0u64;
    for (s, d, amount) in candidate_pairs(&g, pairs, 0x1d4 ^ g.edge_count() as u64) {
        let id = |v: NodeIdx| *g.node_id(v).unwrap();
        let mut req = RouteRequest::new(id(s), id(d), Msat(amount), 0);
        req.fuzz_percent = 0.0;
        let ours = get_route_with(&g, &req, &mut scratch);

        let payer = id(s).to_pubkey().unwrap();
        let payee = id(d).to_pubkey().unwrap();
        let mut params = PaymentParameters::from_node_id(payee, req.final_cltv);
        params.max_channel_saturation_power_of_half = 0;
        params.max_total_cltv_expiry_delta = req.max_total_cltv;
        params.max_path_count = 1;
        let mut route_params = RouteParameters::from_payment_params_and_value(params, amount);
        route_params.max_total_routing_fee_msat = None;
        let theirs =
            find_route(&payer, &route_params, &net, None, &NoLog, &scorer, &(), &[7u8; 32]);
        match (ours, theirs) {
            (Ok(o), Ok(t)) => {
                assert_eq!(t.paths.len(), 1);
                let (of, tf) = (o.fee().msat(), t.get_total_fees());
                assert!(
                    of <= tf,
                    "{name}: {} -> {} {amount}: ours {of} ({} hops) > LDK {tf} ({} hops)",
                    id(s),
                    id(d),
                    o.hops.len(),
                    t.paths[0].hops.len()
                );
                if of == tf {
                    equal += 1;
                } else {
                    cheaper += 1;
                    saved += tf - of;
                }
            }
            (Ok(_), Err(_)) => ldk_only_fail += 1,
            (Err(RouteError::NoRoute), Err(_)) => both_fail += 1,
            (Err(e), Ok(t)) => {
                ours_only_fail += 1;
                eprintln!(
                    "{name}: {} -> {} {amount}: ours failed ({e}), LDK found {} hops fee {}",
                    id(s),
                    id(d),
                    t.paths[0].hops.len(),
                    t.get_total_fees()
                );
            }
            (Err(e), Err(_)) => panic!("{name}: {e}"),
        }
    }
    eprintln!(
        "{name}: {pairs} pairs: equal fee {equal}, ours cheaper {cheaper} (by {saved} msat in \
         total), only LDK found none {ldk_only_fail}, neither {both_fail}, only ours found none \
         {ours_only_fail}; LDK refused {refused} updates"
    );
    assert_eq!(equal + cheaper + ldk_only_fail + both_fail + ours_only_fail, pairs);
    assert!(equal + cheaper >= pairs / 2, "{name}: too few pairs routed by both");
    assert_eq!(ours_only_fail, 0, "{name}: LDK found routes we did not");
}

#[test]
fn never_dearer_than_ldk_2026() {
    compare(GRAPH_2026, 150);
}

#[test]
fn never_dearer_than_ldk_2021() {
    compare(GRAPH_2021, 100);
}
