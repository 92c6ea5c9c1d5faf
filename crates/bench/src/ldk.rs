//! The LDK side, in one place: its `NetworkGraph` built from our graph (speed benches) or
//! from the simulator's signed gossip (delivery), first hops as `ChannelDetails`, and a
//! logger that drops everything.
//!
//! LDK's `std` build refuses a `channel_update` whose timestamp is more than two weeks behind
//! the wall clock. The simulator stamps its gossip at its own epoch (2026-02-03), so updates
//! are read with LDK's deserializer and applied with `update_channel_unsigned` after their
//! timestamp is moved to the present; channel announcements are applied signed (LDK checks
//! all four signatures).

use crate::chain::SimChain;
use lightning::ln::channel_state::{ChannelCounterparty, ChannelDetails};
use lightning::ln::channelmanager::provided_init_features;
use lightning::ln::msgs::{self, UnsignedChannelUpdate};
use lightning::ln::types::ChannelId;
use lightning::routing::gossip::{NetworkGraph, NodeId as LdkNodeId};
use lightning::types::features::{ChannelFeatures, ChannelTypeFeatures};
use lightning::util::config::UserConfig;
use lightning::util::logger::{Logger, Record};
use lightning::util::ser::LengthReadable;
use route::graph::Graph;
use secp256k1::PublicKey;
use std::sync::atomic::{AtomicU32, Ordering};

/// A logger that drops every record.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoLog;

impl Logger for NoLog {
    fn log(&self, _record: Record) {}
}

/// The one logger every LDK object here uses.
pub static LOG: NoLog = NoLog;

/// LDK's graph, logging nowhere.
pub type LdkGraph = NetworkGraph<&'static NoLog>;

/// The wall clock in seconds, as LDK's `std` build reads it.
pub fn unix_now() -> u32 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as u32)
}

/// Timestamps handed to LDK: from 13 days ago, one second later for each update applied, so
/// that a later update (a failure's `channel_update`) is always newer than the one it
/// replaces. LDK accepts two weeks back to a day ahead: room for 1.2 million updates.
static STAMP: AtomicU32 = AtomicU32::new(0);

fn next_stamp() -> u32 {
    let base = unix_now().saturating_sub(13 * 86_400);
    let _ = STAMP.compare_exchange(0, base, Ordering::Relaxed, Ordering::Relaxed);
    STAMP.fetch_add(1, Ordering::Relaxed)
}

/// LDK's graph with the channels and policies of `g` (the same capacities, fees, CLTV deltas,
/// HTLC limits and disabled flags), built with LDK's unsigned entry points.
pub fn network_graph_from(g: &Graph) -> LdkGraph {
    let net = NetworkGraph::new(bitcoin::Network::Bitcoin, &LOG);
    let now = u64::from(unix_now());
    let chain_hash = bitcoin::constants::ChainHash::using_genesis_block(bitcoin::Network::Bitcoin);
    for c in g.channels() {
        let (Some(a), Some(b)) = (g.node_id(c.node1), g.node_id(c.node2)) else { continue };
        let (Ok(n1), Ok(n2)) =
            (LdkNodeId::from_slice(a.as_bytes()), LdkNodeId::from_slice(b.as_bytes()))
        else {
            continue;
        };
        let added = net.add_channel_from_partial_announcement(
            c.scid.0,
            c.capacity.map(|m| m.msat() / 1000),
            now,
            ChannelFeatures::empty(),
            n1,
            n2,
        );
        if added.is_err() {
            continue;
        }
        for e in c.edges.iter().flatten() {
            let Some(edge) = g.edge(*e) else { continue };
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

/// What LDK made of a batch of gossip.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GossipCounts {
    /// Channel announcements LDK accepted (signatures checked).
    pub announcements: usize,
    /// Channel updates applied.
    pub updates: usize,
    /// Messages LDK could not read or refused.
    pub refused: usize,
    /// Channels whose capacity LDK knows (from the chain: `EffectiveCapacity::Total`).
    pub capacities: usize,
    /// Why, with how many each (LDK's error text, or "unreadable").
    pub reasons: std::collections::BTreeMap<String, usize>,
}

/// One message (without its type) read with LDK's deserializer.
pub(crate) fn read<T: LengthReadable>(bytes: &[u8]) -> Option<T> {
    let mut r = bytes;
    T::read_from_fixed_length_buffer(&mut r).ok()
}

/// Applies one `channel_update` (without its type prefix) to LDK's graph, re-stamped as the
/// module says. `Err` says why LDK did not take it.
pub fn apply_channel_update(net: &LdkGraph, body: &[u8]) -> Result<(), String> {
    let update = read::<msgs::ChannelUpdate>(body).ok_or("unreadable channel_update")?;
    let mut contents = update.contents;
    contents.timestamp = next_stamp();
    net.update_channel_unsigned(&contents).map_err(|e| e.err)
}

/// LDK's graph from BOLT 7 messages, each with its 2-byte type (as `Simulator::gossip` gives
/// them): announcements verified by LDK (signatures, and with `chain` the funding output:
/// its script and its value, which becomes the channel's capacity), updates re-stamped (see
/// the module).
pub fn network_graph_from_gossip<'a>(
    messages: impl IntoIterator<Item = &'a [u8]>,
    chain: Option<&SimChain>,
) -> (LdkGraph, GossipCounts) {
    let net = NetworkGraph::new(bitcoin::Network::Bitcoin, &LOG);
    let mut counts = GossipCounts::default();
    for m in messages {
        let (ty, body) = match m {
            [a, b, body @ ..] => (u16::from_be_bytes([*a, *b]), body),
            _ => {
                counts.refused += 1;
                continue;
            }
        };
        let result = match ty {
            256 => read::<msgs::ChannelAnnouncement>(body)
                .ok_or_else(|| "unreadable channel_announcement".to_owned())
                .and_then(|a| net.update_channel_from_announcement(&a, &chain).map_err(|e| e.err)),
            258 => apply_channel_update(&net, body),
            other => Err(format!("message type {other}")),
        };
        match (result, ty) {
            (Ok(()), 256) => counts.announcements += 1,
            (Ok(()), _) => counts.updates += 1,
            (Err(why), _) => {
                counts.refused += 1;
                *counts.reasons.entry(why).or_default() += 1;
            }
        }
    }
    counts.capacities = net
        .read_only()
        .channels()
        .unordered_iter()
        .filter(|(_, c)| c.capacity_sats.is_some())
        .count();
    (net, counts)
}

/// One of our channels as LDK's router wants a first hop: usable, with what it can send now.
pub fn first_hop(
    index: usize,
    scid: u64,
    peer: PublicKey,
    capacity_msat: u64,
    spendable_msat: u64,
) -> ChannelDetails {
    ChannelDetails {
        channel_id: ChannelId([index as u8; 32]),
        counterparty: ChannelCounterparty {
            node_id: peer,
            features: provided_init_features(&UserConfig::default()),
            unspendable_punishment_reserve: 0,
            forwarding_info: None,
            outbound_htlc_minimum_msat: Some(1),
            outbound_htlc_maximum_msat: None,
        },
        funding_txo: None,
        channel_type: Some(ChannelTypeFeatures::only_static_remote_key()),
        short_channel_id: Some(scid),
        outbound_scid_alias: None,
        inbound_scid_alias: None,
        channel_value_satoshis: capacity_msat / 1000,
        unspendable_punishment_reserve: None,
        user_channel_id: index as u128,
        feerate_sat_per_1000_weight: None,
        outbound_capacity_msat: spendable_msat,
        next_outbound_htlc_limit_msat: spendable_msat,
        next_outbound_htlc_minimum_msat: 1,
        inbound_capacity_msat: 0,
        confirmations_required: None,
        confirmations: None,
        force_close_spend_delay: None,
        is_outbound: true,
        is_channel_ready: true,
        channel_shutdown_state: None,
        is_usable: true,
        is_announced: true,
        inbound_htlc_minimum_msat: None,
        inbound_htlc_maximum_msat: None,
        config: None,
        pending_inbound_htlcs: Vec::new(),
        pending_outbound_htlcs: Vec::new(),
        funding_redeem_script: None,
    }
}

/// The fee of an LDK route: every path's fees (the last hop's `fee_msat` is the amount).
pub fn route_fee(route: &lightning::routing::router::Route) -> u64 {
    route.paths.iter().map(|p| p.fee_msat()).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stamps_stay_in_ldks_window_for_a_mainnet_graph_of_updates() {
        let now = unix_now();
        let first = next_stamp();
        let mut last = first;
        for _ in 0..250_000 {
            let next = next_stamp();
            assert!(next > last);
            last = next;
        }
        assert!(first >= now - 14 * 86_400, "{first} vs {now}");
        assert!(last <= now + 86_400, "{last} vs {now}");
    }
}
