//! Liquidity knowledge: what the payer has learned of each directed channel's balance from the
//! outcomes of its own payments and probes.
//!
//! [`Knowledge`] is keyed by [`ShortChannelIdDir`] (and [`NodeId`] for node failures) so it
//! survives graph snapshots being rebuilt. For solving, [`Knowledge::snapshot`] lays it out
//! densely for one [`Graph`], one [`Liquidity`] per [`EdgeIdx`], with the decay applied at the
//! time given. Time is an argument everywhere (seconds, any epoch the caller keeps consistent).
//!
//! Learning follows the onion failure of a part: with `erring_index` as Core Lightning counts it
//! (0 = ourselves, `i` = the `i`-th node of the route), the channels before the failing one
//! carried the amount (`L >= a`), a `temporary_channel_failure` of channel `i` bounds it
//! (`L < a`), permanent channel failures and `channel_disabled` make it unusable until a newer
//! `channel_update`, and node failures make the node unusable for one half-life. Learned bounds
//! relax back to the prior exponentially with a configurable half-life.

use crate::graph::{EdgeIdx, Graph, NodeIdx};
use crate::probability::{Liquidity, Prior};
use std::collections::HashMap;
use types::{Hop, Msat, NodeId, ShortChannelIdDir};

/// The BOLT 4 failure codes learning reads (the one table is `wire::failure`).
pub use wire::failure::code::{
    CHANNEL_DISABLED, INCORRECT_OR_UNKNOWN_PAYMENT_DETAILS, PERMANENT_CHANNEL_FAILURE,
    REQUIRED_CHANNEL_FEATURE_MISSING, TEMPORARY_CHANNEL_FAILURE, UNKNOWN_NEXT_PEER,
};
pub use wire::failure::{NODE, PERM, UPDATE};

/// How knowledge is kept.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct KnowledgeConfig {
    /// Learned bounds move half-way back to the prior every `half_life` seconds; node failures
    /// are forgotten after one half-life.
    pub half_life: u64,
    /// The prior liquidity distribution.
    pub prior: Prior,
}

impl Default for KnowledgeConfig {
    /// One hour half-life (xpay forgets after an hour), uniform prior.
    fn default() -> Self {
        KnowledgeConfig { half_life: 3600, prior: Prior::Uniform }
    }
}

/// What is known of one directed channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct ChannelFacts {
    /// Liquidity is at least this (as of `learned_at`).
    min: u64,
    /// Liquidity is at most this (as of `learned_at`); `u64::MAX` = no learned upper bound.
    max: u64,
    learned_at: u64,
    in_flight: u64,
    /// Unusable until a `channel_update` newer than this timestamp.
    disabled_until_update_after: Option<u32>,
}

impl ChannelFacts {
    const NONE: ChannelFacts = ChannelFacts {
        min: 0,
        max: u64::MAX,
        learned_at: 0,
        in_flight: 0,
        disabled_until_update_after: None,
    };

    /// The bounds relaxed towards `[0, capacity]` after `now - learned_at` seconds.
    fn decayed(&self, capacity: u64, now: u64, half_life: u64) -> (u64, u64) {
        let hi0 = self.max.min(capacity);
        let lo0 = self.min.min(hi0);
        let dt = now.saturating_sub(self.learned_at);
        if dt == 0 || (lo0 == 0 && hi0 == capacity) {
            return (lo0, hi0);
        }
        let keep = if half_life == 0 { 0.0 } else { 0.5f64.powf(dt as f64 / half_life as f64) };
        let lo = (lo0 as f64 * keep) as u64;
        let hi = capacity - ((capacity - hi0) as f64 * keep) as u64;
        (lo.min(hi), hi)
    }
}

/// What was learned of one directed channel, as it is persisted and listed: the bounds as of
/// `learned_at` (before decay) and whether a failure disabled it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Learned {
    /// The liquidity is at least this (as of `learned_at`).
    pub min: Msat,
    /// The liquidity is at most this (as of `learned_at`); `None`: no upper bound learned.
    pub max: Option<Msat>,
    /// When it was learned (seconds).
    pub learned_at: u64,
    /// Unusable until a `channel_update` newer than this timestamp.
    pub disabled_until_update_after: Option<u32>,
}

/// What the payer knows of channel liquidity, learned from outcomes.
#[derive(Debug, Clone, Default)]
pub struct Knowledge {
    config: KnowledgeConfig,
    channels: HashMap<ShortChannelIdDir, ChannelFacts>,
    /// Node failures: when they were seen.
    nodes: HashMap<NodeId, u64>,
}

/// Knowledge laid out densely for one graph snapshot at one time: what the solvers read.
#[derive(Debug, Clone)]
pub struct KnowledgeSnapshot {
    /// Liquidity per [`EdgeIdx`] of the graph.
    pub edges: Vec<Liquidity>,
    /// False for edges known unusable (permanent failure, disabled) or leaving/entering a
    /// failed node.
    pub usable: Vec<bool>,
    /// False for nodes with a recent node failure, per [`NodeIdx`].
    pub node_usable: Vec<bool>,
    /// The prior the probabilities use.
    pub prior: Prior,
}

impl KnowledgeSnapshot {
    /// The liquidity of edge `e` (nothing known if out of range).
    pub fn liquidity(&self, e: EdgeIdx) -> Liquidity {
        self.edges.get(e.0 as usize).copied().unwrap_or(Liquidity::unknown(0))
    }

    /// Whether edge `e` may be used.
    pub fn edge_usable(&self, e: EdgeIdx) -> bool {
        self.usable.get(e.0 as usize).copied().unwrap_or(false)
    }

    /// Whether node `n` may be used.
    pub fn node_usable(&self, n: NodeIdx) -> bool {
        self.node_usable.get(n.0 as usize).copied().unwrap_or(false)
    }
}

impl Knowledge {
    /// No knowledge yet.
    pub fn new(config: KnowledgeConfig) -> Knowledge {
        Knowledge { config, channels: HashMap::new(), nodes: HashMap::new() }
    }

    /// The configuration.
    pub fn config(&self) -> &KnowledgeConfig {
        &self.config
    }

    /// The number of directed channels with learned facts.
    pub fn channel_count(&self) -> usize {
        self.channels.len()
    }

    fn facts(&mut self, c: ShortChannelIdDir) -> &mut ChannelFacts {
        self.channels.entry(c).or_insert(ChannelFacts::NONE)
    }

    /// Moves a channel's learned bounds to `now` (applying decay against `capacity` when known,
    /// else keeping them) so that a new fact can be merged.
    fn refresh(&mut self, c: ShortChannelIdDir, capacity: Option<u64>, now: u64) {
        let half_life = self.config.half_life;
        let f = self.facts(c);
        if let Some(cap) = capacity {
            let (lo, hi) = f.decayed(cap, now, half_life);
            f.min = lo;
            f.max = if hi >= cap { u64::MAX } else { hi };
        }
        f.learned_at = now;
    }

    /// Records that the liquidity of `c` is at least `amount`.
    pub fn learn_at_least(
        &mut self,
        c: ShortChannelIdDir,
        amount: Msat,
        capacity: Option<Msat>,
        now: u64,
    ) {
        self.refresh(c, capacity.map(|m| m.0), now);
        let f = self.facts(c);
        f.min = f.min.max(amount.0);
        if f.min > f.max {
            // The newer fact wins over an older contradicting bound.
            f.max = u64::MAX;
        }
    }

    /// Records that the liquidity of `c` is below `amount`.
    pub fn learn_less_than(
        &mut self,
        c: ShortChannelIdDir,
        amount: Msat,
        capacity: Option<Msat>,
        now: u64,
    ) {
        self.refresh(c, capacity.map(|m| m.0), now);
        let f = self.facts(c);
        f.max = f.max.min(amount.0.saturating_sub(1));
        if f.min > f.max {
            f.min = 0;
        }
    }

    /// Records that a part is now in flight over `hops`.
    pub fn part_sent(&mut self, hops: &[Hop]) {
        for h in hops {
            self.add_in_flight(h.channel_dir(), h.amount);
        }
    }

    /// Records that `amount` more of ours is in flight over `c` (a part's hop, or a virtual
    /// channel such as a blinded tail's).
    pub fn add_in_flight(&mut self, c: ShortChannelIdDir, amount: Msat) {
        let f = self.facts(c);
        f.in_flight = f.in_flight.saturating_add(amount.0);
    }

    /// Takes `amount` off what is in flight over `c` ([`Knowledge::add_in_flight`]); learns
    /// nothing.
    pub fn release_in_flight(&mut self, c: ShortChannelIdDir, amount: Msat) {
        if let Some(f) = self.channels.get_mut(&c) {
            f.in_flight = f.in_flight.saturating_sub(amount.0);
        }
    }

    fn release(&mut self, hops: &[Hop]) {
        for h in hops {
            self.release_in_flight(h.channel_dir(), h.amount);
        }
    }

    /// A part over `hops` succeeded: every channel carried its amount. Releases the part's
    /// in-flight amounts (as recorded by [`Knowledge::part_sent`]).
    pub fn part_succeeded(&mut self, graph: &Graph, hops: &[Hop], now: u64) {
        self.release(hops);
        for h in hops {
            let cap = capacity_of(graph, h.channel_dir());
            self.learn_at_least(h.channel_dir(), h.amount, cap, now);
        }
    }

    /// A part over `hops` was paid and its HTLCs settled: each channel had its amount before,
    /// and the amount has since moved to the far side. Its bounds shift down by the amount
    /// (`[max(lo, a) − a, hi − a]`) and the opposite direction's shift up, where
    /// [`Knowledge::part_succeeded`] would keep a lower bound the payment itself used up.
    /// Releases the part's in-flight amounts.
    pub fn part_settled(&mut self, graph: &Graph, hops: &[Hop], now: u64) {
        self.release(hops);
        for h in hops {
            let dir = h.channel_dir();
            let cap = capacity_of(graph, dir).map(|m| m.0);
            let a = h.amount.0;
            self.refresh(dir, cap, now);
            let f = self.facts(dir);
            let hi = f.max.min(cap.unwrap_or(u64::MAX));
            // A bound below what just passed is older than this fact: the fact wins.
            let hi = if hi < a { cap.unwrap_or(u64::MAX) } else { hi };
            f.min = f.min.max(a) - a;
            f.max = if hi == u64::MAX { u64::MAX } else { hi - a };
            let back = ShortChannelIdDir { scid: dir.scid, direction: dir.direction ^ 1 };
            if graph.edge_of(back.scid, back.direction).is_none() {
                continue;
            }
            self.refresh(back, cap, now);
            let g = self.facts(back);
            let top = cap.unwrap_or(u64::MAX);
            g.min = g.min.saturating_add(a).min(top);
            if g.max != u64::MAX {
                g.max = g.max.saturating_add(a);
                if g.max >= top {
                    g.max = u64::MAX;
                }
            }
        }
    }

    /// A part over `hops` failed with BOLT 4 failure `code` reported from `erring_index`
    /// (0 = ourselves: our own first channel failed; `i` = the node at the end of `hops[i-1]`,
    /// which failed to forward over `hops[i]`; `hops.len()` = the payee). Releases the part's
    /// in-flight amounts.
    pub fn part_failed(
        &mut self,
        graph: &Graph,
        hops: &[Hop],
        erring_index: usize,
        code: u16,
        now: u64,
    ) {
        self.release(hops);
        for h in hops.iter().take(erring_index) {
            let cap = capacity_of(graph, h.channel_dir());
            self.learn_at_least(h.channel_dir(), h.amount, cap, now);
        }
        if erring_index >= hops.len() {
            return; // The payee answered: every channel carried the part.
        }
        if code & NODE != 0 {
            if erring_index > 0 {
                if let Some(prev) = hops.get(erring_index - 1) {
                    self.nodes.insert(prev.id, now);
                }
            }
            return;
        }
        let Some(h) = hops.get(erring_index) else { return };
        let cap = capacity_of(graph, h.channel_dir());
        match code {
            TEMPORARY_CHANNEL_FAILURE => self.learn_less_than(h.channel_dir(), h.amount, cap, now),
            PERMANENT_CHANNEL_FAILURE
            | REQUIRED_CHANNEL_FEATURE_MISSING
            | UNKNOWN_NEXT_PEER
            | CHANNEL_DISABLED => {
                let ts = graph
                    .edge_of(h.channel, h.direction)
                    .and_then(|e| graph.edge_timestamp(e))
                    .unwrap_or(0);
                self.facts(h.channel_dir()).disabled_until_update_after = Some(ts);
            }
            _ if code & PERM != 0 => {
                let ts = graph
                    .edge_of(h.channel, h.direction)
                    .and_then(|e| graph.edge_timestamp(e))
                    .unwrap_or(0);
                self.facts(h.channel_dir()).disabled_until_update_after = Some(ts);
            }
            // Policy failures (fee, cltv, amount limits) say nothing of liquidity; the caller
            // applies the enclosed channel_update to the graph.
            _ => {}
        }
    }

    /// A `channel_update` with `timestamp` arrived for `c`: a channel disabled by an earlier
    /// failure becomes usable again if the update is newer.
    pub fn channel_update(&mut self, c: ShortChannelIdDir, timestamp: u32) {
        if let Some(f) = self.channels.get_mut(&c) {
            if f.disabled_until_update_after.is_some_and(|t| timestamp > t) {
                f.disabled_until_update_after = None;
            }
        }
    }

    /// The liquidity of `c` at `now` on a channel of `capacity`.
    pub fn liquidity(&self, c: ShortChannelIdDir, capacity: Msat, now: u64) -> Liquidity {
        match self.channels.get(&c) {
            None => Liquidity::unknown(capacity.0),
            Some(f) => {
                let (lo, hi) = f.decayed(capacity.0, now, self.config.half_life);
                Liquidity { lo, hi, in_flight: f.in_flight, capacity: capacity.0 }
            }
        }
    }

    /// Whether `c` is marked unusable.
    pub fn channel_disabled(&self, c: ShortChannelIdDir) -> bool {
        self.channels.get(&c).is_some_and(|f| f.disabled_until_update_after.is_some())
    }

    /// Whether node `n` has a node failure younger than one half-life at `now`.
    pub fn node_failed(&self, n: &NodeId, now: u64) -> bool {
        self.nodes.get(n).is_some_and(|&t| now.saturating_sub(t) < self.config.half_life)
    }

    /// What was learned of `c`, if anything (amounts in flight alone are not learned).
    pub fn learned(&self, c: ShortChannelIdDir) -> Option<Learned> {
        let f = self.channels.get(&c)?;
        if f.min == 0 && f.max == u64::MAX && f.disabled_until_update_after.is_none() {
            return None;
        }
        Some(Learned {
            min: Msat(f.min),
            max: (f.max != u64::MAX).then_some(Msat(f.max)),
            learned_at: f.learned_at,
            disabled_until_update_after: f.disabled_until_update_after,
        })
    }

    /// Everything learned, by directed channel.
    pub fn learned_all(&self) -> Vec<(ShortChannelIdDir, Learned)> {
        let mut v: Vec<_> =
            self.channels.keys().filter_map(|&c| self.learned(c).map(|l| (c, l))).collect();
        v.sort_by_key(|(c, _)| *c);
        v
    }

    /// Puts back what [`Knowledge::learned`] gave (after a restart); amounts in flight stay.
    pub fn restore_learned(&mut self, c: ShortChannelIdDir, l: Learned) {
        let f = self.facts(c);
        f.min = l.min.0;
        f.max = l.max.map_or(u64::MAX, |m| m.0);
        f.learned_at = l.learned_at;
        f.disabled_until_update_after = l.disabled_until_update_after;
    }

    /// Forgets what was learned of `c` (amounts in flight stay).
    pub fn forget(&mut self, c: ShortChannelIdDir) {
        if let Some(f) = self.channels.get_mut(&c) {
            let in_flight = f.in_flight;
            *f = ChannelFacts { in_flight, ..ChannelFacts::NONE };
        }
    }

    /// Forgets every channel fact learned before `cutoff`; returns the channels forgotten.
    pub fn forget_before(&mut self, cutoff: u64) -> Vec<ShortChannelIdDir> {
        let old: Vec<ShortChannelIdDir> = self
            .learned_all()
            .into_iter()
            .filter(|(_, l)| l.learned_at < cutoff)
            .map(|(c, _)| c)
            .collect();
        for c in &old {
            self.forget(*c);
        }
        old
    }

    /// Lays the knowledge out densely for `graph` at `now`.
    pub fn snapshot(&self, graph: &Graph, now: u64) -> KnowledgeSnapshot {
        // The graph's prior layout is computed once per graph: a snapshot copies it.
        let base = graph.prior_layout();
        let mut snap = KnowledgeSnapshot {
            edges: base.edges.clone(),
            usable: base.enabled.clone(),
            node_usable: vec![true; graph.node_count()],
            prior: self.config.prior,
        };
        for (c, f) in &self.channels {
            let Some(e) = graph.edge_of(c.scid, c.direction) else { continue };
            let i = e.0 as usize;
            let Some(l) = snap.edges.get_mut(i) else { continue };
            let (lo, hi) = f.decayed(l.capacity, now, self.config.half_life);
            *l = Liquidity { lo, hi, in_flight: f.in_flight, capacity: l.capacity };
            if f.disabled_until_update_after.is_some() {
                if let Some(u) = snap.usable.get_mut(i) {
                    *u = false;
                }
            }
        }
        for n in self.nodes.keys() {
            if !self.node_failed(n, now) {
                continue;
            }
            if let Some(i) = graph.node_index(n) {
                if let Some(u) = snap.node_usable.get_mut(i.0 as usize) {
                    *u = false;
                }
            }
        }
        snap
    }

    /// Forgets what has fully decayed (bounds within 1 msat of the prior, nothing in flight,
    /// not disabled) and node failures older than a half-life, to bound memory.
    pub fn prune(&mut self, now: u64) {
        let h = self.config.half_life;
        self.channels.retain(|_, f| {
            f.in_flight > 0
                || f.disabled_until_update_after.is_some()
                || now.saturating_sub(f.learned_at) < h.saturating_mul(40)
        });
        self.nodes.retain(|_, &mut t| now.saturating_sub(t) < h);
    }
}

/// The capacity the prior of an edge spans: the channel capacity when known, else the edge's
/// `htlc_max` (which the graph already caps by the capacity).
pub fn edge_capacity(graph: &Graph, e: &crate::graph::Edge) -> u64 {
    graph.channel(e.scid).and_then(|c| c.capacity).map_or(e.htlc_max.0, |c| c.0)
}

fn capacity_of(graph: &Graph, c: ShortChannelIdDir) -> Option<Msat> {
    let e = graph.edge_of(c.scid, c.direction).and_then(|e| graph.edge(e))?;
    Some(Msat(edge_capacity(graph, e)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::{EdgePolicy, GraphBuilder};
    use std::sync::Arc;
    use types::ShortChannelId;

    use crate::test_util::node;

    /// Free, 6 blocks, HTLCs of 1 msat to 1_000_000 msat.
    fn policy() -> EdgePolicy {
        EdgePolicy {
            timestamp: 10,
            enabled: true,
            base_fee_msat: 0,
            fee_ppm: 0,
            cltv_delta: 6,
            htlc_min: Msat(1),
            htlc_max: Msat(1_000_000),
        }
    }

    /// a -> b -> c -> d, each channel 1_000_000 msat.
    fn line() -> (Arc<Graph>, Vec<Hop>) {
        let mut g = GraphBuilder::new();
        let mut hops = Vec::new();
        for i in 0..3u8 {
            let scid = ShortChannelId(i as u64 + 1);
            g.add_channel(scid, node(i + 1), node(i + 2), Some(Msat(1_000_000)));
            let p = policy();
            g.update_direction(scid, 0, p).unwrap();
            hops.push(Hop {
                id: node(i + 2),
                channel: scid,
                direction: 0,
                amount: Msat(400_000),
                delay: 0,
            });
        }
        (g.build(), hops)
    }

    #[test]
    fn temporary_failure_bounds_and_earlier_hops_carry() {
        let (g, hops) = line();
        let mut k = Knowledge::new(KnowledgeConfig::default());
        k.part_sent(&hops);
        assert_eq!(k.liquidity(hops[0].channel_dir(), Msat(1_000_000), 0).in_flight, 400_000);
        k.part_failed(&g, &hops, 2, TEMPORARY_CHANNEL_FAILURE, 100);
        let l0 = k.liquidity(hops[0].channel_dir(), Msat(1_000_000), 100);
        let l2 = k.liquidity(hops[2].channel_dir(), Msat(1_000_000), 100);
        assert_eq!((l0.lo, l0.hi, l0.in_flight), (400_000, 1_000_000, 0));
        assert_eq!((l2.lo, l2.hi), (0, 399_999));
        let s = k.snapshot(&g, 100);
        let e2 = g.edge_of(hops[2].channel_dir().scid, 0).unwrap();
        assert_eq!(s.liquidity(e2).hi, 399_999);
        assert_eq!(s.liquidity(e2).probability(400_000, Prior::Uniform), 0.0);
    }

    #[test]
    fn a_settled_part_moves_its_amount_across_each_channel() {
        let mut g = GraphBuilder::new();
        let scid = ShortChannelId(7);
        g.add_channel(scid, node(1), node(2), Some(Msat(1_000_000)));
        g.update_direction(scid, 0, policy()).unwrap();
        g.update_direction(scid, 1, policy()).unwrap();
        let g = g.build();
        let fwd = ShortChannelIdDir::new(scid, 0).unwrap();
        let back = ShortChannelIdDir::new(scid, 1).unwrap();
        let hops =
            [Hop { id: node(2), channel: scid, direction: 0, amount: Msat(400_000), delay: 0 }];
        let mut k = Knowledge::new(KnowledgeConfig::default());
        k.part_settled(&g, &hops, 5);
        let f = k.liquidity(fwd, Msat(1_000_000), 5);
        let b = k.liquidity(back, Msat(1_000_000), 5);
        // It had 400k to 1M; 400k left: 0 to 600k now. The other side has at least 400k.
        assert_eq!((f.lo, f.hi), (0, 600_000));
        assert_eq!((b.lo, b.hi), (400_000, 1_000_000));
        // A second payment of 400k: it had 400k to 600k, now 0 to 200k.
        k.part_settled(&g, &hops, 5);
        let f = k.liquidity(fwd, Msat(1_000_000), 5);
        assert_eq!((f.lo, f.hi), (0, 200_000));
        assert_eq!(k.liquidity(back, Msat(1_000_000), 5).lo, 800_000);
        // part_succeeded keeps the lower bound (a probe's HTLC comes back).
        let mut p = Knowledge::new(KnowledgeConfig::default());
        p.part_succeeded(&g, &hops, 5);
        assert_eq!(p.liquidity(fwd, Msat(1_000_000), 5).lo, 400_000);
    }

    #[test]
    fn bounds_decay_with_half_life() {
        let (g, hops) = line();
        let mut k = Knowledge::new(KnowledgeConfig { half_life: 100, prior: Prior::Uniform });
        k.part_failed(&g, &hops, 1, TEMPORARY_CHANNEL_FAILURE, 1000);
        let c = hops[1].channel_dir();
        assert_eq!(k.liquidity(c, Msat(1_000_000), 1000).hi, 399_999);
        let later = k.liquidity(c, Msat(1_000_000), 1100);
        assert!((later.hi as i64 - 700_000).abs() <= 1, "{later:?}");
        let l0 = k.liquidity(hops[0].channel_dir(), Msat(1_000_000), 1200);
        assert_eq!(l0.lo, 100_000);
        // A new fact merges with the decayed state.
        k.learn_at_least(c, Msat(50_000), Some(Msat(1_000_000)), 1100);
        let now = k.liquidity(c, Msat(1_000_000), 1100);
        assert_eq!(now.lo, 50_000);
        assert!((now.hi as i64 - 700_000).abs() <= 1);
    }

    /// A `temporary_channel_failure` on the channel into the payee bounds that direction
    /// only: not the reverse direction, not the payee's other channels, not the payee, and
    /// the bound is the failed amount, so any smaller part still has a chance.
    #[test]
    fn failure_into_the_payee_bounds_only_that_direction() {
        let (_, hops) = line();
        let mut g = GraphBuilder::new();
        let p = policy();
        for i in 0..3u8 {
            let scid = ShortChannelId(i as u64 + 1);
            g.add_channel(scid, node(i + 1), node(i + 2), Some(Msat(1_000_000)));
            g.update_direction(scid, 0, p).unwrap();
            g.update_direction(scid, 1, p).unwrap();
        }
        // A second channel into the payee (node 4), from node 2.
        g.add_channel(ShortChannelId(4), node(2), node(4), Some(Msat(1_000_000)));
        g.update_direction(ShortChannelId(4), 0, p).unwrap();
        // Rebuilt as a failure's channel_update rebuilds it: nothing may be lost.
        let graph2 = GraphBuilder::from_graph(&g.build()).build();
        let mut k = Knowledge::new(KnowledgeConfig::default());
        k.part_sent(&hops);
        k.part_failed(&graph2, &hops, 2, TEMPORARY_CHANNEL_FAILURE, 100);
        let s = k.snapshot(&graph2, 100);
        let last = graph2.edge_of(ShortChannelId(3), 0).unwrap();
        let back = graph2.edge_of(ShortChannelId(3), 1).unwrap();
        let other = graph2.edge_of(ShortChannelId(4), 0).unwrap();
        assert_eq!(s.liquidity(last).hi, 399_999);
        assert!(s.liquidity(last).probability(399_999, Prior::Uniform) > 0.0);
        assert!(s.liquidity(last).probability(200_000, Prior::Uniform) > 0.49);
        assert_eq!(s.liquidity(back), Liquidity::unknown(1_000_000));
        assert_eq!(s.liquidity(other), Liquidity::unknown(1_000_000));
        assert!(s.edge_usable(last) && s.edge_usable(back) && s.edge_usable(other));
        assert!(s.node_usable.iter().all(|&u| u), "no node is blamed");
        // Nothing of the failed part stays in flight.
        assert!(s.edges.iter().all(|l| l.in_flight == 0));
    }

    #[test]
    fn contradiction_keeps_the_newer_fact() {
        let c = ShortChannelIdDir::new(ShortChannelId(9), 1).unwrap();
        let mut k = Knowledge::new(KnowledgeConfig::default());
        let cap = Some(Msat(1000));
        k.learn_less_than(c, Msat(100), cap, 5);
        k.learn_at_least(c, Msat(500), cap, 5);
        let l = k.liquidity(c, Msat(1000), 5);
        assert_eq!((l.lo, l.hi), (500, 1000));
        k.learn_less_than(c, Msat(200), cap, 5);
        let l = k.liquidity(c, Msat(1000), 5);
        assert_eq!((l.lo, l.hi), (0, 199));
    }

    #[test]
    fn permanent_failure_disables_until_newer_update() {
        let (g, hops) = line();
        let mut k = Knowledge::new(KnowledgeConfig::default());
        k.part_failed(&g, &hops, 1, PERMANENT_CHANNEL_FAILURE, 5);
        let e1 = g.edge_of(hops[1].channel_dir().scid, 0).unwrap();
        assert!(!k.snapshot(&g, 5).edge_usable(e1));
        k.channel_update(hops[1].channel_dir(), 10); // same timestamp as the graph's: still off
        assert!(k.channel_disabled(hops[1].channel_dir()));
        k.channel_update(hops[1].channel_dir(), 11);
        assert!(k.snapshot(&g, 5).edge_usable(e1));
    }

    #[test]
    fn node_failure_marks_the_node_for_a_half_life() {
        let (g, hops) = line();
        let mut k = Knowledge::new(KnowledgeConfig { half_life: 60, prior: Prior::Uniform });
        k.part_failed(&g, &hops, 2, NODE | 2, 0);
        let n = g.node_index(&hops[1].id).unwrap();
        assert!(!k.snapshot(&g, 59).node_usable(n));
        assert!(k.snapshot(&g, 60).node_usable(n));
        // A payee failure teaches that every channel carried the amount.
        k.part_failed(&g, &hops, 3, INCORRECT_OR_UNKNOWN_PAYMENT_DETAILS, 0);
        assert_eq!(k.liquidity(hops[2].channel_dir(), Msat(1_000_000), 0).lo, 400_000);
        k.prune(1_000_000);
        assert_eq!(k.channel_count(), 0);
    }
}
