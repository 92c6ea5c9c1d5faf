//! lnpay's graph as a read-only view of LDK's [`NetworkGraph`]: no second gossip stack.
//!
//! [`GraphCache`] keeps one [`Graph`] snapshot built from LDK's graph and a fingerprint of
//! what it was built from (every channel's id and the timestamps of its two directions,
//! mixed order-independently). LDK only applies a `channel_update` newer than the one it has
//! and adds or removes whole channels, so a changed graph changes the fingerprint; computing
//! it is one pass over LDK's channel map without allocating, against a full rebuild (hash map
//! of channels, counting sort) when it changed.

use lightning::routing::gossip::{NetworkGraph, ReadOnlyNetworkGraph};
use lightning::util::logger::Logger;
use route::graph::{EdgePolicy, Graph, GraphBuilder};
use std::ops::Deref;
use std::sync::{Arc, Mutex};
use types::{Msat, NodeId, ShortChannelId};

/// A 64-bit mix (splitmix64's finaliser).
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// The fingerprint of LDK's graph: changes when a channel is added or removed or a direction
/// gets a newer update.
pub fn fingerprint(view: &ReadOnlyNetworkGraph<'_>) -> u64 {
    let mut sum = 0u64;
    let mut count = 0u64;
    for (scid, c) in view.channels().unordered_iter() {
        let stamp = |u: &Option<lightning::routing::gossip::ChannelUpdateInfo>| {
            u.as_ref().map_or(0, |u| u64::from(u.last_update) << 1 | u64::from(u.enabled))
        };
        let h = mix(*scid ^ mix(stamp(&c.one_to_two) ^ mix(stamp(&c.two_to_one).rotate_left(17))));
        sum = sum.wrapping_add(h);
        count += 1;
    }
    mix(sum ^ mix(count))
}

/// lnpay's graph with every channel of LDK's view that has two valid node ids: capacity from
/// the chain when LDK knows it, each direction's policy as its last `channel_update` set it.
pub fn graph_from(view: &ReadOnlyNetworkGraph<'_>) -> Arc<Graph> {
    let mut b = GraphBuilder::new();
    for (scid, c) in view.channels().unordered_iter() {
        let (Ok(n1), Ok(n2)) =
            (NodeId::from_slice(c.node_one.as_slice()), NodeId::from_slice(c.node_two.as_slice()))
        else {
            continue;
        };
        let scid = ShortChannelId(*scid);
        let capacity = c.capacity_sats.and_then(|s| s.checked_mul(1000)).map(Msat);
        if !b.add_channel(scid, n1, n2, capacity) {
            continue;
        }
        for (direction, update) in [(0u8, &c.one_to_two), (1u8, &c.two_to_one)] {
            let Some(u) = update else { continue };
            let policy = EdgePolicy {
                timestamp: u.last_update,
                enabled: u.enabled,
                base_fee_msat: u.fees.base_msat,
                fee_ppm: u.fees.proportional_millionths,
                cltv_delta: u.cltv_expiry_delta,
                htlc_min: Msat(u.htlc_minimum_msat),
                htlc_max: Msat(u.htlc_maximum_msat),
            };
            // The channel was added just above: it is known.
            let _ = b.update_direction(scid, direction, policy);
        }
    }
    b.build()
}

#[derive(Debug, Default)]
struct Cached {
    fingerprint: Option<u64>,
    graph: Arc<Graph>,
    builds: u64,
}

/// lnpay's graph following one LDK [`NetworkGraph`], rebuilt only when LDK's graph changed.
pub struct GraphCache<G: Deref<Target = NetworkGraph<L>>, L: Deref>
where
    L::Target: Logger,
{
    network_graph: G,
    cached: Mutex<Cached>,
}

impl<G: Deref<Target = NetworkGraph<L>>, L: Deref> GraphCache<G, L>
where
    L::Target: Logger,
{
    /// A cache of `network_graph` (built on first use).
    pub fn new(network_graph: G) -> Self {
        GraphCache { network_graph, cached: Mutex::new(Cached::default()) }
    }

    /// LDK's graph.
    pub fn network_graph(&self) -> &NetworkGraph<L> {
        &self.network_graph
    }

    /// The current snapshot, and whether it was rebuilt by this call.
    pub fn graph(&self) -> (Arc<Graph>, bool) {
        let view = self.network_graph.read_only();
        let fp = fingerprint(&view);
        let mut cached = match self.cached.lock() {
            Ok(c) => c,
            Err(poisoned) => poisoned.into_inner(),
        };
        if cached.fingerprint == Some(fp) {
            return (Arc::clone(&cached.graph), false);
        }
        let graph = graph_from(&view);
        cached.graph = Arc::clone(&graph);
        cached.fingerprint = Some(fp);
        cached.builds += 1;
        (graph, true)
    }

    /// How many times the snapshot was built.
    pub fn builds(&self) -> u64 {
        match self.cached.lock() {
            Ok(c) => c.builds,
            Err(poisoned) => poisoned.into_inner().builds,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use lightning::ln::msgs::UnsignedChannelUpdate;
    use lightning::routing::gossip::NodeId as LdkNodeId;
    use lightning::types::features::ChannelFeatures;

    struct Quiet;
    impl Logger for Quiet {
        fn log(&self, _record: lightning::util::logger::Record) {}
    }

    fn key(b: u8) -> LdkNodeId {
        let sk = secp256k1::SecretKey::from_slice(&[b; 32]).unwrap();
        LdkNodeId::from_pubkey(&secp256k1::PublicKey::from_secret_key(secp256k1::SECP256K1, &sk))
    }

    fn update(scid: u64, direction: u8, timestamp: u32, fee_ppm: u32) -> UnsignedChannelUpdate {
        UnsignedChannelUpdate {
            chain_hash: bitcoin::constants::ChainHash::using_genesis_block(
                bitcoin::Network::Regtest,
            ),
            short_channel_id: scid,
            timestamp,
            message_flags: 1,
            channel_flags: direction,
            cltv_expiry_delta: 40,
            htlc_minimum_msat: 1,
            htlc_maximum_msat: 500_000_000,
            fee_base_msat: 1_000,
            fee_proportional_millionths: fee_ppm,
            excess_data: Vec::new(),
        }
    }

    #[test]
    fn the_graph_follows_ldks_and_is_rebuilt_only_when_that_changed() {
        let net = NetworkGraph::new(bitcoin::Network::Regtest, &Quiet);
        let now =
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
        let (a, b, c) = (key(1), key(2), key(3));
        for (scid, x, y) in [(1u64 << 40, a, b), (2 << 40, b, c)] {
            net.add_channel_from_partial_announcement(
                scid,
                Some(1_000_000),
                now,
                ChannelFeatures::empty(),
                x,
                y,
            )
            .unwrap();
            net.update_channel_unsigned(&update(scid, 0, now as u32, 100)).unwrap();
            net.update_channel_unsigned(&update(scid, 1, now as u32, 100)).unwrap();
        }
        let cache = GraphCache::new(&net);
        let (g, built) = cache.graph();
        assert!(built);
        assert_eq!((g.node_count(), g.channel_count(), g.edge_count()), (3, 2, 4));
        let ch = g.channel(ShortChannelId(1 << 40)).unwrap();
        assert_eq!(ch.capacity, Some(Msat(1_000_000_000)));
        let e = g.edge_of(ShortChannelId(1 << 40), 0).unwrap();
        assert_eq!(g.edge(e).unwrap().fee_ppm, 100);
        assert!(!cache.graph().1, "nothing changed: no rebuild");
        assert_eq!(cache.builds(), 1);

        net.update_channel_unsigned(&update(1 << 40, 0, now as u32 + 1, 250)).unwrap();
        let (g, built) = cache.graph();
        assert!(built, "a newer update rebuilds");
        let e = g.edge_of(ShortChannelId(1 << 40), 0).unwrap();
        assert_eq!(g.edge(e).unwrap().fee_ppm, 250);

        net.channel_failed_permanent(2 << 40);
        let (g, built) = cache.graph();
        assert!(built, "a removed channel rebuilds");
        assert_eq!(g.channel_count(), 1);
        assert_eq!(cache.builds(), 3);
    }
}
