//! The simulator: nodes with keys, channels with balances, HTLCs in flight and a
//! discrete-event clock. Every hop peels the real onion, checks it as BOLT 4 says, and fails
//! with a real encrypted failure that the previous hops wrap on its way back.
//!
//! This module holds the state, construction, accessors and the clock; each concern has its
//! own file: `config` (how the network is drawn from the seed), `backend` (what the payer
//! sees), `forwarding` (adds, peeling and checking at every hop, fulfils and failures on the
//! way back), `receiving` (invoices, single- and multi-part payments, keysend, MPP timeout),
//! `gossip` (the graph and signed BOLT 7 gossip), `faults` (misbehaving nodes, stale
//! policies, corrupted failures) and `messages` (onion messages relayed between peers).

use crate::rng::SimRng;
use crate::topology::{Topology, TopologyError};
use core::fmt;
use onion::blinding;
use onion::crypto::SharedSecret;
use onion::failure::{self, FailureMessage, LEGACY_PAYLOAD_LEN};
use onion::packet::{self, OnionPacket};
use onion::payload::HopPayload;
use route::gossip::{ChainHash, UnsignedChannelAnnouncement, UnsignedChannelUpdate};
use route::graph::{EdgePolicy, Graph, GraphBuilder};
use secp256k1::{PublicKey, Secp256k1, SecretKey};
use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::sync::Arc;
use types::{Msat, NodeId, PaymentHash, PaymentPreimage, PaymentSecret, ShortChannelId};

mod backend;
mod config;
mod faults;
mod forwarding;
mod gossip;
mod messages;
mod offers;
mod receiving;

pub use backend::{
    ChannelBackend, HtlcId, HtlcResolution, Invoice, LocalFailure, LogEntry, LogKind, Resolution,
    Settlement,
};
pub use config::{FaultRates, Latency, Liquidity, NodeFault, SimConfig};
pub use messages::{DeliveredMessage, DroppedMessage, MessageDrop, SendMessageError};
pub use offers::{
    AnsweredRequest, CreateOfferError, OfferSettings, RefusedRequest, RequestOutcome,
    MAX_PAYMENT_PATHS,
};
use types::RouteHintHop;

use config::draw_balance;
use faults::{corrupt, raise};

struct Node {
    secret: SecretKey,
    pubkey: PublicKey,
    id: NodeId,
    fault: NodeFault,
    /// As a receiver, the most parts of one payment it takes (`None`: any number).
    max_parts: Option<u32>,
}

struct Channel {
    scid: ShortChannelId,
    /// Ends in BOLT 7 order (lesser node id first): side 0 sends on direction 0.
    nodes: [u32; 2],
    capacity: u64,
    balance: [u64; 2],
    inflight: [u16; 2],
    /// The policy each side applies.
    actual: [Option<EdgePolicy>; 2],
    /// The policy each side's gossip announced.
    announced: [Option<EdgePolicy>; 2],
    public: bool,
}

struct Htlc {
    chan: u32,
    /// Side that offered it.
    from: u8,
    amount: u64,
    cltv: u32,
    hash: PaymentHash,
    onion: Option<OnionPacket>,
    /// The upstream HTLC this one forwards (none: sent by the payer API).
    incoming: Option<HtlcId>,
    /// The secret the receiving node shares with the origin (after peeling).
    secret: Option<SharedSecret>,
    held: bool,
    /// The `path_key` of `update_add_htlc` (the HTLC travels inside a blinded path).
    path_key: Option<PublicKey>,
    /// The receiving node's place in a blinded path, once it knows it.
    blind: Option<Blind>,
}

/// Where a node sits in a blinded path it is asked to relay or receive over (BOLT 4 route
/// blinding): what shapes its failures.
#[derive(Debug, Clone, Copy)]
struct Blind {
    /// After the introduction node: failures are `update_fail_malformed_htlc`.
    inside: bool,
    /// SHA256 of the onion it received (for `invalid_onion_blinding`).
    sha: [u8; 32],
}

enum Event {
    /// The HTLC (its onion) reaches its receiving node.
    Arrive(HtlcId),
    /// A failure reaches the node that offered the HTLC.
    Fail(HtlcId, Vec<u8>),
    /// A malformed report reaches the node that offered the HTLC.
    Malformed(HtlcId, u16, [u8; 32]),
    /// The preimage reaches the node that offered the HTLC.
    Fulfill(HtlcId, PaymentPreimage),
    /// A receiver's multi-part timer.
    MppTimeout(u32, PaymentHash, u64),
    /// A silent node's HTLC reaches its expiry.
    Expire(HtlcId),
    /// An onion message reaches a node.
    OnionMessage(u32, Box<wire::OnionMessage>),
}

struct Scheduled {
    time: u64,
    seq: u64,
    event: Event,
}

impl PartialEq for Scheduled {
    fn eq(&self, o: &Self) -> bool {
        (self.time, self.seq) == (o.time, o.seq)
    }
}
impl Eq for Scheduled {}
impl PartialOrd for Scheduled {
    fn partial_cmp(&self, o: &Self) -> Option<core::cmp::Ordering> {
        Some(self.cmp(o))
    }
}
impl Ord for Scheduled {
    fn cmp(&self, o: &Self) -> core::cmp::Ordering {
        (self.time, self.seq).cmp(&(o.time, o.seq))
    }
}

struct InvoiceState {
    preimage: PaymentPreimage,
    secret: PaymentSecret,
    amount: Option<Msat>,
    parts: Vec<HtlcId>,
    received: u64,
    set_started: u64,
}

/// The simulated network. Single-threaded and deterministic: the same topology, config and
/// calls give the same event log.
pub struct Simulator {
    cfg: SimConfig,
    nodes: Vec<Node>,
    channels: Vec<Channel>,
    scid_index: HashMap<ShortChannelId, u32>,
    id_index: HashMap<NodeId, u32>,
    node_channels: Vec<Vec<u32>>,
    htlcs: HashMap<HtlcId, Htlc>,
    next_htlc: u64,
    queue: BinaryHeap<Reverse<Scheduled>>,
    seq: u64,
    now: u64,
    rng: SimRng,
    invoices: HashMap<(u32, PaymentHash), InvoiceState>,
    offers: HashMap<u32, Vec<offers::OfferState>>,
    answered: Vec<AnsweredRequest>,
    /// The channels (index, sending side) of each blinded payment path of each invoice
    /// answered to an invoice request, in path order: the ground truth behind
    /// [`Simulator::can_deliver_via_paths`].
    offer_paths: HashMap<(u32, PaymentHash), Vec<offers::PathChannels>>,
    payer: u32,
    resolutions: std::collections::VecDeque<HtlcResolution>,
    log: Vec<LogEntry>,
    settlements: Vec<Settlement>,
    delivered_messages: std::collections::VecDeque<DeliveredMessage>,
    dropped_messages: Vec<DroppedMessage>,
}

/// UNIX time of simulated time 0 (the day of the 2026 snapshot), for invoice timestamps.
const INVOICE_EPOCH: u32 = 1_770_076_800;
/// A forwarder refuses an incoming expiry further ahead than this (`expiry_too_far`), as LDK
/// does with two weeks of blocks.
const MAX_EXPIRY_AHEAD: u32 = 2016;
const STREAM_KEYS: u64 = 1;
const STREAM_LIQUIDITY: u64 = 2;
const STREAM_FAULTS: u64 = 3;
const STREAM_RUN: u64 = 4;
const STREAM_FUNDING: u64 = 0x6675_6e64_696e_6700;

fn secret_for(seed: u64, i: u64) -> SecretKey {
    let mut rng = SimRng::for_item(seed, STREAM_KEYS, i);
    loop {
        if let Ok(k) = SecretKey::from_slice(&rng.bytes32()) {
            return k;
        }
    }
}

/// Key pairs `(secret, public)` for items `0..n` of stream `seed`, derived in two threads.
fn make_keys(seed: u64, n: u32) -> Vec<(SecretKey, PublicKey)> {
    let secp = Secp256k1::signing_only();
    let make = |range: core::ops::Range<u32>| -> Vec<(SecretKey, PublicKey)> {
        range
            .map(|i| {
                let s = secret_for(seed, u64::from(i));
                (s, PublicKey::from_secret_key(&secp, &s))
            })
            .collect()
    };
    let half = n / 2;
    if n < 64 {
        return make(0..n);
    }
    let (mut first, second) = std::thread::scope(|scope| {
        let h = scope.spawn(|| make(half..n));
        let first = make(0..half);
        (first, h.join())
    });
    match second {
        Ok(mut s) => {
            first.append(&mut s);
            first
        }
        // The worker cannot panic in practice; derive its half here if it did.
        Err(_) => {
            let mut rest = make(half..n);
            first.append(&mut rest);
            first
        }
    }
}

impl Simulator {
    /// Builds the network: keys for every node, balances, faults.
    pub fn new(topology: &Topology, cfg: SimConfig) -> Result<Simulator, TopologyError> {
        topology.validate()?;
        let keys = make_keys(cfg.seed, topology.node_count);
        let nodes: Vec<Node> = keys
            .into_iter()
            .enumerate()
            .map(|(i, (secret, pubkey))| {
                let mut rng = SimRng::for_item(cfg.seed, STREAM_FAULTS, i as u64);
                let f = cfg.faults;
                let fault = NodeFault {
                    offline: rng.chance(f.offline),
                    hold_ms: if rng.chance(f.hold) { f.hold_ms } else { 0 },
                    corrupt_failures: rng.chance(f.corrupt),
                    silent: rng.chance(f.silent),
                };
                let id = NodeId::from_pubkey(&pubkey);
                Node { secret, pubkey, id, fault, max_parts: cfg.receiver_max_parts }
            })
            .collect();
        let mut channels = Vec::with_capacity(topology.channels.len());
        let mut scid_index = HashMap::with_capacity(topology.channels.len());
        let mut node_channels = vec![Vec::new(); nodes.len()];
        for (i, c) in topology.channels.iter().enumerate() {
            let (ia, ib) = (c.a as usize, c.b as usize);
            let (Some(na), Some(nb)) = (nodes.get(ia), nodes.get(ib)) else { continue };
            let a_first = na.id < nb.id;
            let mut rng = SimRng::for_item(cfg.seed, STREAM_LIQUIDITY, i as u64);
            let cap = c.capacity.0;
            let bal_a = match c.balance_a {
                Some(b) => b.0.min(cap),
                None => draw_balance(cfg.liquidity, &mut rng, cap),
            };
            let stale = |rng: &mut SimRng, p: Option<EdgePolicy>| match p {
                Some(p) if rng.chance(cfg.faults.stale_gossip) => Some(raise(p)),
                p => p,
            };
            let (ab_actual, ba_actual) = (stale(&mut rng, c.ab), stale(&mut rng, c.ba));
            let (nodes2, balance, actual, announced) = if a_first {
                ([c.a, c.b], [bal_a, cap - bal_a], [ab_actual, ba_actual], [c.ab, c.ba])
            } else {
                ([c.b, c.a], [cap - bal_a, bal_a], [ba_actual, ab_actual], [c.ba, c.ab])
            };
            scid_index.insert(c.scid, i as u32);
            node_channels[ia].push(i as u32);
            node_channels[ib].push(i as u32);
            channels.push(Channel {
                scid: c.scid,
                nodes: nodes2,
                capacity: cap,
                balance,
                inflight: [0, 0],
                actual,
                announced,
                public: c.public,
            });
        }
        let id_index = nodes.iter().enumerate().map(|(i, n)| (n.id, i as u32)).collect();
        Ok(Simulator {
            rng: SimRng::for_item(cfg.seed, STREAM_RUN, 0),
            cfg,
            nodes,
            channels,
            scid_index,
            id_index,
            node_channels,
            htlcs: HashMap::new(),
            next_htlc: 0,
            queue: BinaryHeap::new(),
            seq: 0,
            now: 0,
            invoices: HashMap::new(),
            offers: HashMap::new(),
            answered: Vec::new(),
            offer_paths: HashMap::new(),
            payer: 0,
            resolutions: std::collections::VecDeque::new(),
            log: Vec::new(),
            settlements: Vec::new(),
            delivered_messages: std::collections::VecDeque::new(),
            dropped_messages: Vec::new(),
        })
    }

    /// The configuration.
    pub fn config(&self) -> &SimConfig {
        &self.cfg
    }

    /// How many channels the network has (public and private).
    pub fn channel_count(&self) -> usize {
        self.channels.len()
    }

    /// Number of nodes.
    pub fn node_count(&self) -> usize {
        self.nodes.len()
    }

    /// A node's id (its generated public key).
    pub fn node_id(&self, node: u32) -> Option<NodeId> {
        self.nodes.get(node as usize).map(|n| n.id)
    }

    /// A node's public key.
    pub fn node_pubkey(&self, node: u32) -> Option<PublicKey> {
        self.nodes.get(node as usize).map(|n| n.pubkey)
    }

    /// A node's index by id.
    pub fn node_index(&self, id: &NodeId) -> Option<u32> {
        self.id_index.get(id).copied()
    }

    /// The channels of a node.
    pub fn node_channels(&self, node: u32) -> Vec<ShortChannelId> {
        self.node_channels
            .get(node as usize)
            .map(|v| {
                v.iter().filter_map(|&c| self.channels.get(c as usize)).map(|c| c.scid).collect()
            })
            .unwrap_or_default()
    }

    /// What `node` can send on `scid` now (its balance above the reserve).
    pub fn spendable_by(&self, scid: ShortChannelId, node: u32) -> Option<Msat> {
        let c = self.channels.get(*self.scid_index.get(&scid)? as usize)?;
        let side = c.nodes.iter().position(|&n| n == node)?;
        Some(Msat(self.spendable(c, side)))
    }

    /// The node the [`ChannelBackend`] impl sends from.
    pub fn set_payer(&mut self, node: u32) {
        self.payer = node;
    }

    /// The payer node.
    pub fn payer(&self) -> u32 {
        self.payer
    }

    /// Current simulated time in milliseconds.
    pub fn now_ms(&self) -> u64 {
        self.now
    }

    /// The event log so far.
    pub fn log(&self) -> &[LogEntry] {
        &self.log
    }

    /// Every payment a receiver settled so far, in order (a hash settled twice appears twice).
    pub fn settlements(&self) -> &[Settlement] {
        &self.settlements
    }

    /// Every channel with its two node indices (BOLT 7 order) and their balances.
    pub fn channel_balances(
        &self,
    ) -> impl Iterator<Item = (ShortChannelId, [u32; 2], [Msat; 2])> + '_ {
        self.channels.iter().map(|c| (c.scid, c.nodes, [Msat(c.balance[0]), Msat(c.balance[1])]))
    }

    /// Number of HTLCs in flight anywhere.
    pub fn htlcs_in_flight(&self) -> usize {
        self.htlcs.len()
    }

    /// The balances of a channel, ordered as the channel's two node indices, with those.
    pub fn balances(&self, scid: ShortChannelId) -> Option<([u32; 2], [Msat; 2])> {
        let c = self.channels.get(*self.scid_index.get(&scid)? as usize)?;
        Some((c.nodes, [Msat(c.balance[0]), Msat(c.balance[1])]))
    }

    /// Checks conservation: every channel's balances plus its HTLCs in flight equal its
    /// capacity, and the in-flight counters match the HTLCs. Returns the first offending
    /// channel.
    pub fn check_conservation(&self) -> Result<(), ShortChannelId> {
        let mut locked = vec![0u64; self.channels.len()];
        let mut count = vec![[0u16; 2]; self.channels.len()];
        for h in self.htlcs.values() {
            if let (Some(l), Some(c)) =
                (locked.get_mut(h.chan as usize), count.get_mut(h.chan as usize))
            {
                *l += h.amount;
                c[h.from as usize & 1] += 1;
            }
        }
        for (i, c) in self.channels.iter().enumerate() {
            let sum = c.balance[0] + c.balance[1] + locked.get(i).copied().unwrap_or(0);
            if sum != c.capacity || count.get(i) != Some(&c.inflight) {
                return Err(c.scid);
            }
        }
        Ok(())
    }

    /// Simulated time of the next event, if any.
    pub fn next_event_time(&self) -> Option<u64> {
        self.queue.peek().map(|Reverse(s)| s.time)
    }

    /// Processes every event due at or before `t` and moves the clock to `t`.
    pub fn advance_to(&mut self, t: u64) {
        while let Some(Reverse(s)) = self.queue.peek() {
            if s.time > t {
                break;
            }
            self.step();
        }
        self.now = self.now.max(t);
    }

    /// Processes the next event; false when there is none.
    pub fn step(&mut self) -> bool {
        let Some(Reverse(s)) = self.queue.pop() else { return false };
        self.now = self.now.max(s.time);
        match s.event {
            Event::Arrive(h) => self.on_arrive(h),
            Event::Fail(h, reason) => self.on_fail(h, reason),
            Event::Malformed(h, c, sha) => self.on_malformed(h, c, sha),
            Event::Fulfill(h, p) => self.on_fulfill(h, p),
            Event::MppTimeout(node, hash, started) => self.on_mpp_timeout(node, hash, started),
            Event::Expire(h) => {
                self.record(h, LogKind::TimedOut);
                self.on_fail(h, Vec::new());
            }
            Event::OnionMessage(node, m) => self.on_onion_message(node, &m),
        }
        true
    }

    /// Runs until no event is left.
    pub fn run_until_idle(&mut self) {
        while self.step() {}
    }

    /// Runs until the payer has a resolution to poll, or nothing is left to do.
    pub fn run_until_resolution(&mut self) -> Option<HtlcResolution> {
        loop {
            if let Some(r) = self.resolutions.pop_front() {
                return Some(r);
            }
            if !self.step() {
                return None;
            }
        }
    }

    fn record(&mut self, htlc: HtlcId, kind: LogKind) {
        self.log.push(LogEntry { time_ms: self.now, htlc, kind });
    }

    fn latency(&mut self) -> u64 {
        match self.cfg.latency {
            Latency::Fixed(ms) => ms,
            Latency::HeavyTail { min_ms, alpha } => {
                let u = 1.0 - self.rng.next_f64();
                let x = min_ms as f64 * u.powf(-1.0 / alpha.max(0.1));
                x.min(3_600_000.0) as u64
            }
        }
    }

    fn schedule(&mut self, delay: u64, event: Event) {
        let seq = self.seq;
        self.seq += 1;
        self.queue.push(Reverse(Scheduled { time: self.now.saturating_add(delay), seq, event }));
    }

    /// Ground truth: the most the true balances could deliver from `src` to `dst` right now
    /// (max flow over each enabled direction's spendable balance, capped by `htlc_max` times
    /// its free HTLC slots; offline nodes carry nothing; fees are ignored).
    pub fn max_flow(&self, src: u32, dst: u32) -> Msat {
        Msat(crate::flow::max_flow(self.nodes.len(), &self.flow_edges(), src, dst))
    }

    /// Whether the true balances could deliver `amount` from `src` to `dst` right now:
    /// `max_flow(src, dst) >= amount`, the same answer at a fraction of the work (the
    /// capacity around either end is checked first, and the flow stops once it carries
    /// `amount`).
    pub fn can_deliver(&self, src: u32, dst: u32, amount: Msat) -> bool {
        let edges = self.flow_edges();
        let around = |end: u32, out: bool| -> u64 {
            edges
                .iter()
                .filter(|&&(a, b, _)| if out { a == end } else { b == end })
                .fold(0u64, |s, &(_, _, c)| s.saturating_add(c))
        };
        if around(src, true) < amount.0 || around(dst, false) < amount.0 {
            return false;
        }
        crate::flow::max_flow_up_to(self.nodes.len(), &edges, src, dst, amount.0) >= amount.0
    }

    /// The directions max flow runs over: `(from, to, capacity)`.
    fn flow_edges(&self) -> Vec<(u32, u32, u64)> {
        self.flow_edges_but(|_, _| false)
    }

    /// [`Simulator::flow_edges`] without the directions `skip` names (channel index, side).
    fn flow_edges_but(&self, skip: impl Fn(u32, usize) -> bool) -> Vec<(u32, u32, u64)> {
        let mut edges = Vec::with_capacity(self.channels.len() * 2);
        for (ci, c) in self.channels.iter().enumerate() {
            for side in 0..2 {
                if skip(ci as u32, side) {
                    continue;
                }
                let (from, to) = (c.nodes[side], c.nodes[1 - side]);
                let offline = |n: u32| self.nodes.get(n as usize).map_or(true, |n| n.fault.offline);
                if offline(from) || offline(to) {
                    continue;
                }
                let cap = self.flow_capacity(c, side);
                if cap > 0 {
                    edges.push((from, to, cap));
                }
            }
        }
        edges
    }

    /// What one direction of a channel can carry in the ground truth: its spendable balance,
    /// capped by `htlc_max` times its free HTLC slots (0 when disabled; the ends' being
    /// online is the caller's to check).
    fn flow_capacity(&self, c: &Channel, side: usize) -> u64 {
        let Some(p) = c.actual[side].filter(|p| p.enabled) else { return 0 };
        let slots = u64::from(self.cfg.max_htlcs.saturating_sub(c.inflight[side]));
        self.spendable(c, side).min(p.htlc_max.0.saturating_mul(slots))
    }
}

/// What a hop payload tells the node, whatever its form.
struct Instructions {
    amt_to_forward: u64,
    outgoing_cltv: u32,
    scid: Option<ShortChannelId>,
    payment_data: Option<(PaymentSecret, u64)>,
    keysend: Option<PaymentPreimage>,
    /// Inside a blinded path: the path key for the next node (the fee and cltv were derived
    /// from the recipient's `payment_relay`, not checked against the channel's policy).
    next_path_key: Option<PublicKey>,
}

impl ChannelBackend for Simulator {
    fn send_htlc(
        &mut self,
        first_hop: ShortChannelId,
        amount: Msat,
        cltv_expiry: u32,
        payment_hash: PaymentHash,
        onion: OnionPacket,
    ) -> Result<HtlcId, LocalFailure> {
        self.send_htlc_from(self.payer, first_hop, amount, cltv_expiry, payment_hash, onion)
    }

    fn poll_resolution(&mut self) -> Option<HtlcResolution> {
        self.resolutions.pop_front()
    }

    fn block_height(&self) -> u32 {
        self.cfg.block_height
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use onion::payment::{build_payment_onion, FinalData};

    /// Nodes 0 and 1 with one channel, all the balance at node 0.
    fn pair() -> (Simulator, ShortChannelId) {
        let mut t = Topology::new();
        t.add_node();
        t.add_node();
        let scid = ShortChannelId(1 << 40);
        let policy = EdgePolicy {
            timestamp: 1,
            enabled: true,
            base_fee_msat: 0,
            fee_ppm: 0,
            cltv_delta: 40,
            htlc_min: Msat(1),
            htlc_max: Msat(1_000_000_000),
        };
        t.add_channel(scid, 0, 1, Msat(1_000_000_000), policy).balance_a =
            Some(Msat(1_000_000_000));
        (Simulator::new(&t, SimConfig { seed: 2, ..Default::default() }).unwrap(), scid)
    }

    fn send(
        sim: &mut Simulator,
        scid: ShortChannelId,
        amount: u64,
        hash: PaymentHash,
        data: Option<(PaymentSecret, u64)>,
        keysend: Option<PaymentPreimage>,
    ) -> HtlcId {
        let height = sim.cfg.block_height;
        let cltv = height + 40;
        let hop = types::Hop {
            id: sim.node_id(1).unwrap(),
            channel: scid,
            direction: 0,
            amount: Msat(amount),
            delay: 40,
        };
        let final_data = FinalData {
            payment_secret: data.map(|(s, _)| s),
            total_msat: Msat(data.map_or(0, |(_, t)| t)),
            keysend_preimage: keysend,
            ..FinalData::default()
        };
        let key = SecretKey::from_slice(&[7; 32]).unwrap();
        let (onion, _) = build_payment_onion(&key, &[hop], height, &final_data, &hash).unwrap();
        sim.send_htlc_from(0, scid, Msat(amount), cltv, hash, onion).unwrap()
    }

    #[test]
    fn settlements_count_every_settled_payment() {
        let (mut sim, scid) = pair();
        let inv = sim.create_invoice(1, Some(Msat(3000))).unwrap();
        let data = Some((inv.payment_secret, 3000));
        send(&mut sim, scid, 1000, inv.payment_hash, data, None);
        send(&mut sim, scid, 2000, inv.payment_hash, data, None);
        sim.run_until_idle();
        assert_eq!(sim.settlements().len(), 1);
        let s = sim.settlements()[0];
        assert_eq!(
            (s.payee, s.payment_hash, s.amount, s.parts),
            (1, inv.payment_hash, Msat(3000), 2)
        );
        assert_eq!(s.time_ms, 50);
        // The same invoice paid again is settled again: it shows twice.
        send(&mut sim, scid, 3000, inv.payment_hash, data, None);
        let preimage = PaymentPreimage([9; 32]);
        send(&mut sim, scid, 500, preimage.hash(), None, Some(preimage));
        sim.run_until_idle();
        let got: Vec<_> =
            sim.settlements().iter().map(|s| (s.payment_hash, s.amount.0, s.parts)).collect();
        assert_eq!(
            got,
            [(inv.payment_hash, 3000, 2), (inv.payment_hash, 3000, 1), (preimage.hash(), 500, 1)]
        );
        let all: Vec<_> = sim.channel_balances().collect();
        assert_eq!(all.len(), 1);
        let (nodes, bal) = sim.balances(scid).unwrap();
        assert_eq!(all[0], (scid, nodes, bal));
        assert_eq!(bal[0].0 + bal[1].0, 1_000_000_000);
        let at1 = if nodes[0] == 1 { bal[0] } else { bal[1] };
        assert_eq!(at1, Msat(6500));
    }
}
