//! [`LnpayScorer`]: lnpay's liquidity [`Knowledge`] behind LDK's [`ScoreUpdate`], so the
//! events LDK hands to its scorer (a path failed at a channel, a path or probe succeeded,
//! time passed) teach lnpay's router instead; persisted with LDK's [`Writeable`] /
//! [`ReadableArgs`].
//!
//! LDK names the channel a path failed at, not the failure code: as LDK's own
//! `ProbabilisticScorer` reads it, the channels before it carried the amount and that channel
//! could not (a BOLT 4 `temporary_channel_failure`, an upper bound on its liquidity). A
//! failure without a channel (the payee answered) means every channel carried it.
//! A path paid (`payment_path_successful`) moved its amount across each channel: the bounds
//! shift down by it (the opposite direction's up), rather than keeping a lower bound the
//! payment itself spent; a probe's HTLC comes back, so its channels keep what they proved.
//! Permanent failures and disabled channels reach LDK's `NetworkGraph` (the event's
//! `network_update`), which the router's graph follows.
//!
//! Time is what LDK passes (`duration_since_epoch`); bounds relax towards the prior with the
//! knowledge's half-life, lazily at the latest time seen.

use crate::view::GraphCache;
use lightning::io;
use lightning::ln::msgs::DecodeError;
use lightning::routing::gossip::NetworkGraph;
use lightning::routing::router::{CandidateRouteHop, Path};
use lightning::routing::scoring::{ChannelUsage, ScoreLookUp, ScoreUpdate};
use lightning::util::logger::Logger;
use lightning::util::ser::{Readable, ReadableArgs, Writeable, Writer};
use route::graph::Graph;
use route::knowledge::{Knowledge, KnowledgeConfig, TEMPORARY_CHANNEL_FAILURE};
use route::probability::{Liquidity, Prior};
use std::collections::BTreeSet;
use std::ops::Deref;
use std::sync::Arc;
use std::time::Duration;
use types::{Msat, NodeId, ShortChannelId, ShortChannelIdDir};

/// The version of the serialized form [`LnpayScorer`] writes.
const SERIAL_VERSION: u8 = 1;

/// lnpay's knowledge as LDK's scorer. Give it to [`crate::LnpayRouter`] (behind a lock, as
/// LDK's `DefaultRouter` takes its scorer) and feed it LDK's payment events.
pub struct LnpayScorer<G: Deref<Target = NetworkGraph<L>>, L: Deref>
where
    L::Target: Logger,
{
    cache: GraphCache<G, L>,
    knowledge: Knowledge,
    /// Directed channels knowledge holds facts about (for writing them out).
    learned: BTreeSet<(u64, u8)>,
    /// The latest time LDK told us, in seconds since the epoch.
    now: u64,
}

impl<G: Deref<Target = NetworkGraph<L>>, L: Deref> LnpayScorer<G, L>
where
    L::Target: Logger,
{
    /// Nothing learned yet, following `network_graph`.
    pub fn new(config: KnowledgeConfig, network_graph: G) -> Self {
        LnpayScorer {
            cache: GraphCache::new(network_graph),
            knowledge: Knowledge::new(config),
            learned: BTreeSet::new(),
            now: 0,
        }
    }

    /// What has been learned.
    pub fn knowledge(&self) -> &Knowledge {
        &self.knowledge
    }

    /// The latest time LDK reported, in seconds since the epoch.
    pub fn now(&self) -> u64 {
        self.now
    }

    /// lnpay's graph following LDK's (rebuilt when that changed).
    pub fn graph(&self) -> Arc<Graph> {
        self.cache.graph().0
    }

    /// How many times lnpay's graph has been built from LDK's.
    pub fn graph_builds(&self) -> u64 {
        self.cache.builds()
    }

    /// LDK's graph.
    pub fn network_graph(&self) -> &NetworkGraph<L> {
        self.cache.network_graph()
    }

    /// What is known of channel `scid` in `direction` now (`None` if the graph does not have
    /// it).
    pub fn liquidity(&self, scid: u64, direction: u8) -> Option<Liquidity> {
        let graph = self.graph();
        let capacity = capacity(&graph, scid, direction)?;
        let c = ShortChannelIdDir { scid: ShortChannelId(scid), direction: direction & 1 };
        Some(self.knowledge.liquidity(c, capacity, self.now))
    }

    fn advance(&mut self, t: Duration) {
        self.now = self.now.max(t.as_secs());
    }

    /// The hops of an LDK path as knowledge records them: each channel with its direction
    /// (from the graph, or from the previous hop's key) and the amount it carried. A first
    /// hop outside the public graph (our private channel) is left out and `skipped` says so.
    fn sent_hops(graph: &Graph, path: &Path) -> (Vec<types::Hop>, usize) {
        let hops = &path.hops;
        let mut carried = vec![0u64; hops.len()];
        let mut amount = path.blinded_tail.as_ref().map_or(0, |t| t.final_value_msat);
        for (i, hop) in hops.iter().enumerate().rev() {
            amount = amount.saturating_add(hop.fee_msat);
            if let Some(slot) = carried.get_mut(i) {
                *slot = amount;
            }
        }
        let mut out = Vec::with_capacity(hops.len());
        let mut skipped = 0;
        let mut prev: Option<NodeId> = None;
        for (hop, amount) in hops.iter().zip(carried) {
            let target = NodeId::from_pubkey(&hop.pubkey);
            let scid = ShortChannelId(hop.short_channel_id);
            let from_graph = graph.channel(scid).and_then(|c| {
                let t = graph.node_index(&target)?;
                Some(if t == c.node2 { 0 } else { 1 })
            });
            let direction = from_graph.or_else(|| prev.map(|p| u8::from(p > target)));
            prev = Some(target);
            match direction {
                Some(direction) => out.push(types::Hop {
                    id: target,
                    channel: scid,
                    direction,
                    amount: Msat(amount),
                    delay: 0,
                }),
                None if out.is_empty() => skipped += 1,
                None => out.push(types::Hop {
                    id: target,
                    channel: scid,
                    direction: 0,
                    amount: Msat(amount),
                    delay: 0,
                }),
            }
        }
        (out, skipped)
    }

    fn failed_at(&mut self, path: &Path, short_channel_id: u64, t: Duration) {
        self.advance(t);
        let graph = self.graph();
        let (hops, skipped) = Self::sent_hops(&graph, path);
        let failed = path.hops.iter().position(|h| h.short_channel_id == short_channel_id);
        let erring = match failed {
            // Our own unannounced first channel failed: nothing about the network.
            Some(i) if i < skipped => return,
            Some(i) => i - skipped,
            None => hops.len(),
        };
        self.knowledge.part_failed(&graph, &hops, erring, TEMPORARY_CHANNEL_FAILURE, self.now);
        for h in hops.iter().take(erring.saturating_add(1)) {
            self.learned.insert((h.channel.0, h.direction));
        }
    }

    fn carried(&mut self, path: &Path, t: Duration) {
        self.advance(t);
        let graph = self.graph();
        let (hops, _) = Self::sent_hops(&graph, path);
        self.knowledge.part_succeeded(&graph, &hops, self.now);
        for h in &hops {
            self.learned.insert((h.channel.0, h.direction));
        }
    }
}

fn capacity(graph: &Graph, scid: u64, direction: u8) -> Option<Msat> {
    let e = graph.edge_of(ShortChannelId(scid), direction & 1)?;
    let edge = graph.edge(e)?;
    Some(Msat(route::knowledge::edge_capacity(graph, edge)))
}

impl<G: Deref<Target = NetworkGraph<L>>, L: Deref> ScoreUpdate for LnpayScorer<G, L>
where
    L::Target: Logger,
{
    fn payment_path_failed(&mut self, path: &Path, short_channel_id: u64, t: Duration) {
        self.failed_at(path, short_channel_id, t);
    }

    /// The payment settled: each channel had the amount, and no longer has it.
    fn payment_path_successful(&mut self, path: &Path, t: Duration) {
        self.advance(t);
        let graph = self.graph();
        let (hops, _) = Self::sent_hops(&graph, path);
        self.knowledge.part_settled(&graph, &hops, self.now);
        for h in &hops {
            self.learned.insert((h.channel.0, h.direction));
            self.learned.insert((h.channel.0, h.direction ^ 1));
        }
    }

    fn probe_failed(&mut self, path: &Path, short_channel_id: u64, t: Duration) {
        self.failed_at(path, short_channel_id, t);
    }

    fn probe_successful(&mut self, path: &Path, t: Duration) {
        self.carried(path, t);
    }

    fn time_passed(&mut self, t: Duration) {
        self.advance(t);
        self.knowledge.prune(self.now);
    }
}

/// As a [`ScoreLookUp`] (for LDK's own router, and the bound LDK's lockable scorers need):
/// the cost of `−ln P` of the channel carrying the amount given what is known, at one
/// millionth of the amount per unit plus 1 msat.
impl<G: Deref<Target = NetworkGraph<L>>, L: Deref> ScoreLookUp for LnpayScorer<G, L>
where
    L::Target: Logger,
{
    type ScoreParams = ();

    fn channel_penalty_msat(
        &self,
        candidate: &CandidateRouteHop,
        usage: ChannelUsage,
        _params: &(),
    ) -> u64 {
        let (Some(scid), Some(target)) =
            (candidate.globally_unique_short_channel_id(), candidate.target())
        else {
            return 0;
        };
        let direction = u8::from(candidate.source() > target);
        let c = ShortChannelIdDir { scid: ShortChannelId(scid), direction };
        let capacity = usage.effective_capacity.as_msat();
        let mut l = self.knowledge.liquidity(c, Msat(capacity), self.now);
        l.in_flight = l.in_flight.saturating_add(usage.inflight_htlc_msat);
        let p = l.probability(usage.amount_msat, self.knowledge.config().prior);
        if p <= 0.0 {
            return u64::MAX / 4;
        }
        let nats = -p.ln();
        (nats * (usage.amount_msat as f64 / 1000.0 + 1.0)).min(1e15) as u64
    }
}

/// Writes the configuration, the time, and every learned bound as of that time (decay
/// applied), with the capacity it was learned against.
impl<G: Deref<Target = NetworkGraph<L>>, L: Deref> Writeable for LnpayScorer<G, L>
where
    L::Target: Logger,
{
    fn write<W: Writer>(&self, w: &mut W) -> Result<(), io::Error> {
        let graph = self.graph();
        SERIAL_VERSION.write(w)?;
        let config = self.knowledge.config();
        config.half_life.write(w)?;
        match config.prior {
            Prior::Bimodal { scale_ppm } => {
                1u8.write(w)?;
                scale_ppm.write(w)?;
            }
            _ => {
                0u8.write(w)?;
                0u32.write(w)?;
            }
        }
        self.now.write(w)?;
        let mut rows = Vec::new();
        for &(scid, direction) in &self.learned {
            let Some(cap) = capacity(&graph, scid, direction) else { continue };
            let c = ShortChannelIdDir { scid: ShortChannelId(scid), direction };
            let l = self.knowledge.liquidity(c, cap, self.now);
            if l.lo == 0 && l.hi >= cap.0 {
                continue; // back to the prior: nothing to keep
            }
            rows.push((scid, direction, l.lo, l.hi, cap.0));
        }
        (rows.len() as u64).write(w)?;
        for (scid, direction, lo, hi, cap) in rows {
            scid.write(w)?;
            direction.write(w)?;
            lo.write(w)?;
            hi.write(w)?;
            cap.write(w)?;
        }
        Ok(())
    }
}

/// Reads what [`Writeable`] wrote, following `network_graph` (the argument).
impl<G: Deref<Target = NetworkGraph<L>>, L: Deref> ReadableArgs<G> for LnpayScorer<G, L>
where
    L::Target: Logger,
{
    fn read<R: io::Read>(r: &mut R, network_graph: G) -> Result<Self, DecodeError> {
        let version: u8 = Readable::read(r)?;
        if version != SERIAL_VERSION {
            return Err(DecodeError::UnknownVersion);
        }
        let half_life: u64 = Readable::read(r)?;
        let prior_tag: u8 = Readable::read(r)?;
        let scale_ppm: u32 = Readable::read(r)?;
        let prior = match prior_tag {
            0 => Prior::Uniform,
            1 => Prior::Bimodal { scale_ppm },
            _ => return Err(DecodeError::InvalidValue),
        };
        let now: u64 = Readable::read(r)?;
        let mut scorer = LnpayScorer::new(KnowledgeConfig { half_life, prior }, network_graph);
        scorer.now = now;
        let rows: u64 = Readable::read(r)?;
        for _ in 0..rows {
            let scid: u64 = Readable::read(r)?;
            let direction: u8 = Readable::read(r)?;
            let lo: u64 = Readable::read(r)?;
            let hi: u64 = Readable::read(r)?;
            let cap: u64 = Readable::read(r)?;
            if direction > 1 || lo > hi {
                return Err(DecodeError::InvalidValue);
            }
            let c = ShortChannelIdDir { scid: ShortChannelId(scid), direction };
            let k = &mut scorer.knowledge;
            if lo > 0 {
                k.learn_at_least(c, Msat(lo), Some(Msat(cap)), now);
            }
            if hi < cap {
                k.learn_less_than(c, Msat(hi.saturating_add(1)), Some(Msat(cap)), now);
            }
            scorer.learned.insert((scid, direction));
        }
        Ok(scorer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use lightning::ln::msgs::UnsignedChannelUpdate;
    use lightning::routing::gossip::NodeId as LdkNodeId;
    use lightning::routing::router::RouteHop;
    use lightning::types::features::{ChannelFeatures, NodeFeatures};

    struct Quiet;
    impl Logger for Quiet {
        fn log(&self, _record: lightning::util::logger::Record) {}
    }

    fn key(b: u8) -> secp256k1::PublicKey {
        let sk = secp256k1::SecretKey::from_slice(&[b; 32]).unwrap();
        secp256k1::PublicKey::from_secret_key(secp256k1::SECP256K1, &sk)
    }

    const CAP: u64 = 1_000_000_000;
    const AB: u64 = 1 << 40;
    const BC: u64 = 2 << 40;

    /// a - b - c, 1M sat each.
    fn graph() -> NetworkGraph<&'static Quiet> {
        static Q: Quiet = Quiet;
        let net = NetworkGraph::new(bitcoin::Network::Regtest, &Q);
        let now =
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
        for (scid, x, y) in [(AB, key(1), key(2)), (BC, key(2), key(3))] {
            let (x, y) = (LdkNodeId::from_pubkey(&x), LdkNodeId::from_pubkey(&y));
            net.add_channel_from_partial_announcement(
                scid,
                Some(CAP / 1000),
                now,
                ChannelFeatures::empty(),
                x,
                y,
            )
            .unwrap();
            for direction in 0..2 {
                net.update_channel_unsigned(&UnsignedChannelUpdate {
                    chain_hash: bitcoin::constants::ChainHash::using_genesis_block(
                        bitcoin::Network::Regtest,
                    ),
                    short_channel_id: scid,
                    timestamp: now as u32,
                    message_flags: 1,
                    channel_flags: direction,
                    cltv_expiry_delta: 40,
                    htlc_minimum_msat: 1,
                    htlc_maximum_msat: CAP,
                    fee_base_msat: 1_000,
                    fee_proportional_millionths: 0,
                    excess_data: Vec::new(),
                })
                .unwrap();
            }
        }
        net
    }

    fn hop(node: u8, scid: u64, fee_msat: u64) -> RouteHop {
        RouteHop {
            pubkey: key(node),
            node_features: NodeFeatures::empty(),
            short_channel_id: scid,
            channel_features: ChannelFeatures::empty(),
            fee_msat,
            cltv_expiry_delta: 40,
            maybe_announced_channel: true,
        }
    }

    /// a pays c 100k sat through b (b's fee 1,000 msat).
    fn path() -> Path {
        Path { hops: vec![hop(2, AB, 1_000), hop(3, BC, 100_000_000)], blinded_tail: None }
    }

    fn dir(from: u8, to: u8) -> u8 {
        u8::from(key(from).serialize() > key(to).serialize())
    }

    #[test]
    fn a_failure_bounds_the_failing_channel_and_lifts_those_before_it_then_decays() {
        let net = graph();
        let mut s = LnpayScorer::new(KnowledgeConfig::default(), &net);
        s.payment_path_failed(&path(), BC, Duration::from_secs(10_000));
        let ab = s.liquidity(AB, dir(1, 2)).unwrap();
        let bc = s.liquidity(BC, dir(2, 3)).unwrap();
        assert_eq!((ab.lo, ab.hi), (100_001_000, CAP));
        assert_eq!((bc.lo, bc.hi), (0, 100_000_000 - 1));
        assert_eq!(s.liquidity(BC, 1 - dir(2, 3)).unwrap().hi, CAP, "other direction untouched");

        // One half-life later the upper bound is half-way back to the capacity.
        s.time_passed(Duration::from_secs(10_000 + 3_600));
        let bc = s.liquidity(BC, dir(2, 3)).unwrap();
        let halfway = CAP - (CAP - (100_000_000 - 1)) / 2;
        assert!(bc.hi.abs_diff(halfway) <= 1, "{} vs {halfway}", bc.hi);
        assert!(s.liquidity(AB, dir(1, 2)).unwrap().lo.abs_diff(50_000_500) <= 1);
    }

    #[test]
    fn success_lifts_every_channel_and_a_payee_failure_too() {
        let net = graph();
        let mut s = LnpayScorer::new(KnowledgeConfig::default(), &net);
        // A probe's HTLC comes back: every channel had the amount and still has it.
        s.probe_successful(&path(), Duration::from_secs(5));
        assert_eq!(s.liquidity(BC, dir(2, 3)).unwrap().lo, 100_000_000);
        // A payment settles: the amount moved across, the lower bound it proved is spent.
        let mut paid = LnpayScorer::new(KnowledgeConfig::default(), &net);
        paid.payment_path_successful(&path(), Duration::from_secs(5));
        let bc = paid.liquidity(BC, dir(2, 3)).unwrap();
        assert_eq!((bc.lo, bc.hi), (0, CAP - 100_000_000));
        assert_eq!(paid.liquidity(BC, 1 - dir(2, 3)).unwrap().lo, 100_000_000);
        assert_eq!(paid.liquidity(AB, dir(1, 2)).unwrap().hi, CAP - 100_001_000);
        let mut t = LnpayScorer::new(KnowledgeConfig::default(), &net);
        // No channel named: the payee failed it, so every channel carried it.
        t.payment_path_failed(&path(), 0, Duration::from_secs(5));
        assert_eq!(t.liquidity(BC, dir(2, 3)).unwrap().lo, 100_000_000);
        assert_eq!(t.liquidity(AB, dir(1, 2)).unwrap().lo, 100_001_000);
    }

    #[test]
    fn what_is_written_reads_back_the_same_and_a_wrong_version_is_refused() {
        let net = graph();
        let mut s = LnpayScorer::new(KnowledgeConfig::default(), &net);
        s.payment_path_failed(&path(), BC, Duration::from_secs(10_000));
        s.time_passed(Duration::from_secs(10_600));
        let bytes = s.encode();
        let r = LnpayScorer::read(&mut &bytes[..], &net).unwrap();
        assert_eq!(r.now(), s.now());
        for (scid, d) in [(AB, dir(1, 2)), (BC, dir(2, 3)), (BC, 1 - dir(2, 3))] {
            assert_eq!(r.liquidity(scid, d), s.liquidity(scid, d), "{scid} {d}");
        }
        assert_eq!(r.encode(), bytes);

        let mut wrong = bytes.clone();
        wrong[0] = 9;
        assert!(matches!(
            LnpayScorer::read(&mut &wrong[..], &net),
            Err(DecodeError::UnknownVersion)
        ));
        assert!(LnpayScorer::read(&mut &bytes[..bytes.len() - 1], &net).is_err());
    }
}
