//! The simulator: nodes with keys, channels with balances, HTLCs in flight and a
//! discrete-event clock. Every hop peels the real onion, checks it as BOLT 4 says, and fails
//! with a real encrypted failure that the previous hops wrap on its way back.

use crate::rng::SimRng;
use crate::topology::{Topology, TopologyError};
use core::fmt;
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

/// How a channel's capacity is split between its two ends when the topology does not fix it.
#[derive(Clone, Copy, Debug, Default)]
#[non_exhaustive]
pub enum Liquidity {
    /// The first end's share is uniform in `[0, 1]` (the default).
    #[default]
    Uniform,
    /// Half each.
    Even,
    /// Most of the balance at one end, either one: share `u^4` or `1 - u^4`.
    Bimodal,
    /// The caller's function: gets the generator and the capacity, returns the first end's
    /// balance (capped at the capacity).
    Custom(fn(&mut SimRng, Msat) -> Msat),
}

/// Per-message latency between two peers, in simulated milliseconds.
#[derive(Clone, Copy, Debug, PartialEq)]
#[non_exhaustive]
pub enum Latency {
    /// Every message takes this long.
    Fixed(u64),
    /// Pareto with minimum `min_ms` and shape `alpha` (smaller: heavier tail).
    HeavyTail {
        /// The minimum (and mode).
        min_ms: u64,
        /// The Pareto shape, e.g. 1.5.
        alpha: f64,
    },
}

/// What can be wrong with a node.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct NodeFault {
    /// The node is offline: its peers cannot add HTLCs to it.
    pub offline: bool,
    /// Extra simulated milliseconds the node holds each HTLC it receives before acting on it.
    pub hold_ms: u64,
    /// The node garbles every failure it creates or relays (the origin cannot read it).
    pub corrupt_failures: bool,
    /// The node never answers an HTLC: it stays locked until its expiry, when the previous
    /// hop gives up on it and fails it back with `permanent_channel_failure`.
    pub silent: bool,
}

/// Random fault rates applied when the network is built.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct FaultRates {
    /// Share of nodes offline.
    pub offline: f64,
    /// Share of nodes holding HTLCs, and for how long.
    pub hold: f64,
    /// Hold time of the holding nodes.
    pub hold_ms: u64,
    /// Share of nodes corrupting failures.
    pub corrupt: f64,
    /// Share of silent nodes.
    pub silent: f64,
    /// Share of channel directions whose actual fees and cltv delta are higher than announced.
    pub stale_gossip: f64,
}

/// Everything a run depends on besides the topology.
#[derive(Clone, Copy, Debug)]
pub struct SimConfig {
    /// The seed of keys, balances, faults, latencies and preimages.
    pub seed: u64,
    /// Balance split.
    pub liquidity: Liquidity,
    /// Per-message latency.
    pub latency: Latency,
    /// The block height every node sees.
    pub block_height: u32,
    /// How long a receiver holds an incomplete multi-part set before `mpp_timeout`.
    pub mpp_timeout_ms: u64,
    /// The receivers' `min_final_cltv_expiry_delta`.
    pub min_final_cltv_delta: u32,
    /// A forwarder refuses an outgoing expiry within this many blocks (`expiry_too_soon`).
    pub expiry_too_soon_blocks: u32,
    /// Max HTLCs in flight per channel direction.
    pub max_htlcs: u16,
    /// Channel reserve in millionths of the capacity.
    pub reserve_ppm: u32,
    /// Random faults.
    pub faults: FaultRates,
}

impl Default for SimConfig {
    fn default() -> Self {
        SimConfig {
            seed: 0,
            liquidity: Liquidity::Uniform,
            latency: Latency::Fixed(50),
            block_height: 930_000,
            mpp_timeout_ms: 60_000,
            min_final_cltv_delta: 18,
            expiry_too_soon_blocks: 6,
            max_htlcs: 483,
            reserve_ppm: 10_000,
            faults: FaultRates::default(),
        }
    }
}

/// An HTLC, by its simulator-wide number.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct HtlcId(pub u64);

/// Why the payer's own node refused to add an HTLC.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum LocalFailure {
    /// No such channel.
    UnknownChannel {
        /// The channel asked for.
        scid: ShortChannelId,
    },
    /// The channel is not the sending node's.
    NotOurChannel {
        /// The channel asked for.
        scid: ShortChannelId,
    },
    /// The peer is offline.
    PeerOffline {
        /// The channel asked for.
        scid: ShortChannelId,
    },
    /// The balance above the reserve is short.
    InsufficientBalance {
        /// The channel asked for.
        scid: ShortChannelId,
        /// What could be sent.
        available: Msat,
        /// What was asked.
        amount: Msat,
    },
    /// The channel direction already has the maximum number of HTLCs.
    TooManyHtlcs {
        /// The channel asked for.
        scid: ShortChannelId,
    },
}

impl fmt::Display for LocalFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LocalFailure::UnknownChannel { scid } => write!(f, "unknown channel {scid}"),
            LocalFailure::NotOurChannel { scid } => write!(f, "channel {scid} is not ours"),
            LocalFailure::PeerOffline { scid } => write!(f, "peer of channel {scid} is offline"),
            LocalFailure::InsufficientBalance { scid, available, amount } => {
                write!(f, "channel {scid} can send {} msat, {} msat asked", available.0, amount.0)
            }
            LocalFailure::TooManyHtlcs { scid } => write!(f, "channel {scid} has no htlc slot"),
        }
    }
}

impl std::error::Error for LocalFailure {}

/// How an HTLC the payer sent ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resolution {
    /// Settled: the preimage.
    Fulfilled(PaymentPreimage),
    /// Failed with this encrypted failure packet (`update_fail_htlc.reason`).
    Failed(Vec<u8>),
    /// The first hop could not parse the onion (`update_fail_malformed_htlc`).
    Malformed {
        /// The BADONION failure code.
        failure_code: u16,
        /// SHA-256 of the onion the hop received.
        sha256_of_onion: [u8; 32],
    },
}

/// An HTLC resolution delivered to the payer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HtlcResolution {
    /// The HTLC.
    pub htlc: HtlcId,
    /// Simulated time of delivery.
    pub time_ms: u64,
    /// How it ended.
    pub resolution: Resolution,
}

/// What a payment state machine needs from the channels of its node, simulated or not.
pub trait ChannelBackend {
    /// Offers an HTLC on `first_hop`. The onion's associated data is the payment hash.
    fn send_htlc(
        &mut self,
        first_hop: ShortChannelId,
        amount: Msat,
        cltv_expiry: u32,
        payment_hash: PaymentHash,
        onion: OnionPacket,
    ) -> Result<HtlcId, LocalFailure>;

    /// The next resolution of an HTLC sent, if one has arrived.
    fn poll_resolution(&mut self) -> Option<HtlcResolution>;

    /// The current block height.
    fn block_height(&self) -> u32;
}

/// A payment a receiver settled: a complete multi-part set (or single part) for one of its
/// invoices, or one keysend HTLC.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Settlement {
    /// The receiver.
    pub payee: u32,
    /// The payment hash.
    pub payment_hash: PaymentHash,
    /// What the receiver got, summed over the parts.
    pub amount: Msat,
    /// How many HTLCs made up the payment.
    pub parts: u32,
    /// Simulated time of the settlement.
    pub time_ms: u64,
}

/// An invoice a simulated receiver issued (the fields BOLT 11 would carry).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invoice {
    /// The receiver.
    pub payee: NodeId,
    /// The payment hash.
    pub payment_hash: PaymentHash,
    /// The payment secret.
    pub payment_secret: PaymentSecret,
    /// The amount asked, if any.
    pub amount: Option<Msat>,
    /// `min_final_cltv_expiry_delta`.
    pub min_final_cltv_delta: u32,
    /// One route hint per private channel of the payee: the hop into the payee.
    pub route_hints: Vec<RouteHintHop>,
    /// The same as a BOLT 11 invoice (mainnet `lnbc`), signed by the payee's key.
    pub bolt11: String,
}

/// The last hop of a route hint: a private channel into the payee.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RouteHintHop {
    /// The node at the other end of the private channel.
    pub src: NodeId,
    /// The channel.
    pub scid: ShortChannelId,
    /// Its fee base.
    pub base_fee_msat: u32,
    /// Its fee rate.
    pub fee_ppm: u32,
    /// Its cltv delta.
    pub cltv_delta: u16,
}

/// One line of the event log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LogEntry {
    /// Simulated time.
    pub time_ms: u64,
    /// The HTLC concerned.
    pub htlc: HtlcId,
    /// What happened.
    pub kind: LogKind,
}

/// What happened to an HTLC.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum LogKind {
    /// Added on a channel by `node`.
    Added {
        /// The sender.
        node: u32,
        /// The channel.
        scid: ShortChannelId,
        /// The amount.
        amount: Msat,
    },
    /// Failed by the node that received it, with this code.
    Failed {
        /// The code.
        code: u16,
    },
    /// Failed as malformed.
    Malformed {
        /// The BADONION code.
        code: u16,
    },
    /// Failed back after a downstream failure (relayed).
    Relayed,
    /// Fulfilled.
    Fulfilled,
    /// Held by a holding node.
    Held,
    /// Timed out at a silent node.
    TimedOut,
}

struct Node {
    secret: SecretKey,
    pubkey: PublicKey,
    id: NodeId,
    fault: NodeFault,
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
    payer: u32,
    resolutions: std::collections::VecDeque<HtlcResolution>,
    log: Vec<LogEntry>,
    settlements: Vec<Settlement>,
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

fn raise(p: EdgePolicy) -> EdgePolicy {
    EdgePolicy {
        timestamp: p.timestamp.saturating_add(3600),
        base_fee_msat: p.base_fee_msat.saturating_mul(2).saturating_add(1000),
        fee_ppm: p.fee_ppm.saturating_mul(2).saturating_add(100),
        cltv_delta: p.cltv_delta.saturating_add(20),
        ..p
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
                Node { secret, pubkey, id: NodeId::from_pubkey(&pubkey), fault }
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
            payer: 0,
            resolutions: std::collections::VecDeque::new(),
            log: Vec::new(),
            settlements: Vec::new(),
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

    /// Sets a node's faults.
    pub fn set_fault(&mut self, node: u32, fault: NodeFault) {
        if let Some(n) = self.nodes.get_mut(node as usize) {
            n.fault = fault;
        }
    }

    /// A node's faults.
    pub fn fault(&self, node: u32) -> Option<NodeFault> {
        self.nodes.get(node as usize).map(|n| n.fault)
    }

    /// Makes the policy `from` applies on `scid` differ from what it announced (stale gossip):
    /// `f` gets the announced policy and returns the actual one.
    pub fn set_actual_policy(
        &mut self,
        scid: ShortChannelId,
        from: u32,
        f: impl FnOnce(EdgePolicy) -> EdgePolicy,
    ) -> bool {
        let Some(&ci) = self.scid_index.get(&scid) else { return false };
        let Some(c) = self.channels.get_mut(ci as usize) else { return false };
        let Some(side) = c.nodes.iter().position(|&n| n == from) else { return false };
        match c.actual[side] {
            Some(p) => {
                c.actual[side] = Some(f(p));
                true
            }
            None => false,
        }
    }

    /// The policy `from` announced for its direction of `scid` (what the published graph
    /// says, not necessarily what it applies).
    pub fn announced_policy(&self, scid: ShortChannelId, from: u32) -> Option<EdgePolicy> {
        let c = self.channels.get(*self.scid_index.get(&scid)? as usize)?;
        let side = c.nodes.iter().position(|&n| n == from)?;
        c.announced[side]
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

    /// The published graph: public channels with their *announced* policies (an offline
    /// node's channels are still announced, as on mainnet until they are pruned).
    pub fn graph(&self) -> Arc<Graph> {
        let mut b = GraphBuilder::new();
        for c in self.channels.iter().filter(|c| c.public) {
            let (Some(n0), Some(n1)) =
                (self.nodes.get(c.nodes[0] as usize), self.nodes.get(c.nodes[1] as usize))
            else {
                continue;
            };
            b.add_channel(c.scid, n0.id, n1.id, Some(Msat(c.capacity)));
            for d in 0..2u8 {
                if let Some(p) = c.announced[d as usize] {
                    let _ = b.update_direction(c.scid, d, p);
                }
            }
        }
        b.build()
    }

    /// A signed `channel_update` (with its type prefix) for the direction `from` sends on in
    /// `scid`, with the policy it actually applies (`disabled` forces the disabled bit and
    /// bumps the timestamp).
    pub fn channel_update(
        &self,
        scid: ShortChannelId,
        from: u32,
        disabled: bool,
    ) -> Option<Vec<u8>> {
        let c = self.channels.get(*self.scid_index.get(&scid)? as usize)?;
        let side = c.nodes.iter().position(|&n| n == from)?;
        let p = c.actual[side]?;
        let node = self.nodes.get(from as usize)?;
        let p = EdgePolicy {
            timestamp: p.timestamp.saturating_add(u32::from(disabled)),
            enabled: p.enabled && !disabled,
            ..p
        };
        Some(unsigned_update(scid, side as u8, &p).sign(&node.secret).encode())
    }

    /// The network's gossip, signed by the generated keys: a `channel_announcement` (node and
    /// funding keys) for every public channel, then a `channel_update` for each of its
    /// directions with the *announced* policy. Each message starts with its type. A payer
    /// imports them through the verified path (`route::gossip::import_gossip`). Signing runs
    /// on two threads.
    pub fn gossip(&self) -> Vec<Vec<u8>> {
        let public: Vec<&Channel> = self.channels.iter().filter(|c| c.public).collect();
        // One funding key per node for all its channels (real nodes use one per channel; one
        // per node spares a public-key derivation per channel end).
        let funding = make_keys(self.cfg.seed ^ STREAM_FUNDING, self.nodes.len() as u32);
        let sign_range = |chans: &[&Channel]| -> Vec<Vec<u8>> {
            let mut out = Vec::with_capacity(chans.len() * 3);
            for c in chans {
                let (Some(n1), Some(n2), Some(f1), Some(f2)) = (
                    self.nodes.get(c.nodes[0] as usize),
                    self.nodes.get(c.nodes[1] as usize),
                    funding.get(c.nodes[0] as usize),
                    funding.get(c.nodes[1] as usize),
                ) else {
                    continue;
                };
                let ann = UnsignedChannelAnnouncement {
                    features: Vec::new(),
                    chain_hash: ChainHash::BITCOIN,
                    short_channel_id: c.scid,
                    node_id_1: n1.id,
                    node_id_2: n2.id,
                    bitcoin_key_1: NodeId::from_pubkey(&f1.1),
                    bitcoin_key_2: NodeId::from_pubkey(&f2.1),
                    excess_data: Vec::new(),
                };
                out.push(ann.sign(&n1.secret, &n2.secret, &f1.0, &f2.0).encode());
                for (d, n) in [(0u8, n1), (1u8, n2)] {
                    if let Some(p) = c.announced[d as usize] {
                        out.push(unsigned_update(c.scid, d, &p).sign(&n.secret).encode());
                    }
                }
            }
            out
        };
        let half = public.len() / 2;
        let (a, b) = public.split_at(half);
        let (mut first, second) = std::thread::scope(|scope| {
            let h = scope.spawn(|| sign_range(b));
            (sign_range(a), h.join())
        });
        match second {
            Ok(mut s) => first.append(&mut s),
            Err(_) => first.append(&mut sign_range(b)),
        }
        first
    }

    /// A receiver creates an invoice; the preimage comes from the run's generator. Route
    /// hints name the payee's private channels.
    pub fn create_invoice(&mut self, payee: u32, amount: Option<Msat>) -> Option<Invoice> {
        let id = self.nodes.get(payee as usize)?.id;
        let preimage = PaymentPreimage(self.rng.bytes32());
        let secret = PaymentSecret(self.rng.bytes32());
        let hash = preimage.hash();
        let mut route_hints = Vec::new();
        for &ci in self.node_channels.get(payee as usize)? {
            let Some(c) = self.channels.get(ci as usize) else { continue };
            if c.public {
                continue;
            }
            let Some(side) = c.nodes.iter().position(|&n| n != payee) else { continue };
            let (Some(p), Some(src)) = (c.announced[side], self.nodes.get(c.nodes[side] as usize))
            else {
                continue;
            };
            route_hints.push(RouteHintHop {
                src: src.id,
                scid: c.scid,
                base_fee_msat: p.base_fee_msat,
                fee_ppm: p.fee_ppm,
                cltv_delta: p.cltv_delta,
            });
        }
        let mut features = types::Features::new();
        features.set_required(types::features::Feature::VAR_ONION_OPTIN);
        features.set_required(types::features::Feature::PAYMENT_SECRET);
        features.set(usize::from(types::features::Feature::BASIC_MPP.0) + 1);
        let mut b = bolt11::InvoiceBuilder::new(
            bolt11::Currency::Bitcoin,
            u64::from(INVOICE_EPOCH) + self.now / 1000,
        )
        .payment_hash(hash)
        .payment_secret(secret)
        .description("lnpay-sim")
        .min_final_cltv_expiry_delta(u64::from(self.cfg.min_final_cltv_delta))
        .features(&features);
        if let Some(a) = amount {
            b = b.amount(a);
        }
        for h in &route_hints {
            b = b.route_hint(&bolt11::RouteHint(vec![bolt11::RouteHintHop {
                node_id: h.src,
                short_channel_id: h.scid,
                fee_base_msat: h.base_fee_msat,
                fee_proportional_millionths: h.fee_ppm,
                cltv_expiry_delta: h.cltv_delta,
            }]));
        }
        let node_secret = self.nodes.get(payee as usize)?.secret;
        let bolt11 = b.build_signed(&node_secret).ok()?.to_string();
        self.invoices.insert(
            (payee, hash),
            InvoiceState {
                preimage,
                secret,
                amount,
                parts: Vec::new(),
                received: 0,
                set_started: 0,
            },
        );
        Some(Invoice {
            payee: id,
            payment_hash: hash,
            payment_secret: secret,
            amount,
            min_final_cltv_delta: self.cfg.min_final_cltv_delta,
            route_hints,
            bolt11,
        })
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

    /// Sends an HTLC from any node (the [`ChannelBackend`] impl sends from the payer).
    pub fn send_htlc_from(
        &mut self,
        node: u32,
        first_hop: ShortChannelId,
        amount: Msat,
        cltv_expiry: u32,
        payment_hash: PaymentHash,
        onion: OnionPacket,
    ) -> Result<HtlcId, LocalFailure> {
        let scid = first_hop;
        let ci = *self.scid_index.get(&scid).ok_or(LocalFailure::UnknownChannel { scid })?;
        let c = self.channels.get(ci as usize).ok_or(LocalFailure::UnknownChannel { scid })?;
        let side =
            c.nodes.iter().position(|&n| n == node).ok_or(LocalFailure::NotOurChannel { scid })?;
        let peer = c.nodes[1 - side];
        if self.nodes.get(peer as usize).is_some_and(|n| n.fault.offline) {
            return Err(LocalFailure::PeerOffline { scid });
        }
        match self.lock(ci, side, amount.0) {
            Ok(()) => {}
            Err(Short::Slots) => return Err(LocalFailure::TooManyHtlcs { scid }),
            Err(Short::Balance(available)) => {
                return Err(LocalFailure::InsufficientBalance {
                    scid,
                    available: Msat(available),
                    amount,
                })
            }
        }
        Ok(self.add_htlc(ci, side, amount.0, cltv_expiry, payment_hash, onion, None, node))
    }

    fn reserve(&self, c: &Channel) -> u64 {
        (c.capacity as u128 * u128::from(self.cfg.reserve_ppm) / 1_000_000) as u64
    }

    /// What `side` can still send on channel `ci` (above the reserve).
    fn spendable(&self, c: &Channel, side: usize) -> u64 {
        c.balance[side].saturating_sub(self.reserve(c))
    }

    fn lock(&mut self, ci: u32, side: usize, amount: u64) -> Result<(), Short> {
        let max = self.cfg.max_htlcs;
        let Some(c) = self.channels.get(ci as usize) else { return Err(Short::Balance(0)) };
        let available = self.spendable(c, side);
        if c.inflight[side] >= max {
            return Err(Short::Slots);
        }
        if amount > available {
            return Err(Short::Balance(available));
        }
        if let Some(c) = self.channels.get_mut(ci as usize) {
            c.balance[side] -= amount;
            c.inflight[side] += 1;
        }
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    fn add_htlc(
        &mut self,
        ci: u32,
        side: usize,
        amount: u64,
        cltv: u32,
        hash: PaymentHash,
        onion: OnionPacket,
        incoming: Option<HtlcId>,
        node: u32,
    ) -> HtlcId {
        let id = HtlcId(self.next_htlc);
        self.next_htlc += 1;
        let scid = self.channels.get(ci as usize).map_or(ShortChannelId(0), |c| c.scid);
        self.htlcs.insert(
            id,
            Htlc {
                chan: ci,
                from: side as u8,
                amount,
                cltv,
                hash,
                onion: Some(onion),
                incoming,
                secret: None,
                held: false,
            },
        );
        self.record(id, LogKind::Added { node, scid, amount: Msat(amount) });
        let delay = self.latency();
        self.schedule(delay, Event::Arrive(id));
        id
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

    /// The node that receives HTLC `h` and the one that offered it.
    fn ends(&self, h: &Htlc) -> (u32, u32) {
        let c = self.channels.get(h.chan as usize);
        let from = c.map_or(0, |c| c.nodes[h.from as usize & 1]);
        let to = c.map_or(0, |c| c.nodes[1 - (h.from as usize & 1)]);
        (to, from)
    }

    fn on_arrive(&mut self, id: HtlcId) {
        let Some(h) = self.htlcs.get(&id) else { return };
        let (node, _) = self.ends(h);
        let Some(n) = self.nodes.get(node as usize) else { return };
        let fault = n.fault;
        if fault.silent {
            // Never answered: the previous hop gives up at the expiry (10 minutes a block).
            let blocks = u64::from(h.cltv.saturating_sub(self.cfg.block_height));
            self.schedule(blocks.max(1) * 600_000, Event::Expire(id));
            return;
        }
        if fault.hold_ms > 0 && !h.held {
            if let Some(h) = self.htlcs.get_mut(&id) {
                h.held = true;
            }
            self.record(id, LogKind::Held);
            self.schedule(fault.hold_ms, Event::Arrive(id));
            return;
        }
        let secret = n.secret;
        let Some(h) = self.htlcs.get_mut(&id) else { return };
        let Some(onion) = h.onion.take() else { return };
        let (amount, cltv, hash) = (h.amount, h.cltv, h.hash);
        let peeled = match packet::peel(&secret, &onion, &hash.0) {
            Ok(p) => p,
            Err(e) if e.is_bad_onion() => {
                // update_fail_malformed_htlc: the previous hop turns it into a failure.
                let failure_code = e.failure_code();
                let sha = onion::crypto::sha256(&[&onion.to_bytes()]);
                self.record(id, LogKind::Malformed { code: failure_code });
                let delay = self.latency();
                self.schedule(delay, Event::Malformed(id, failure_code, sha));
                return;
            }
            Err(_) => {
                // The HMAC held but the payload framing is broken: invalid_onion_payload,
                // keyed with the secret the HMAC proved good.
                if let Ok(pk) = PublicKey::from_slice(&onion.public_key) {
                    self.set_secret(id, SharedSecret::new(&pk, &secret));
                }
                let msg = FailureMessage::InvalidOnionPayload { position: Some((0, 0)) };
                return self.fail_here(id, node, &msg);
            }
        };
        self.set_secret(id, peeled.shared_secret);
        let hop = match HopPayload::decode(&peeled.payload, peeled.next.is_none()) {
            Ok(HopPayload::Forward(f)) => Hop {
                amt_to_forward: f.amt_to_forward.0,
                outgoing_cltv: f.outgoing_cltv_value,
                scid: Some(f.short_channel_id),
                payment_data: None,
                keysend: None,
            },
            Ok(HopPayload::Final(f)) => Hop {
                amt_to_forward: f.amt_to_forward.0,
                outgoing_cltv: f.outgoing_cltv_value,
                scid: None,
                payment_data: f.payment_data.map(|d| (d.payment_secret, d.total_msat.0)),
                keysend: f.keysend_preimage,
            },
            Ok(HopPayload::Blinded(_)) => {
                // Blinded paths are not simulated: such a payload cannot be ours.
                let msg = FailureMessage::InvalidOnionPayload { position: Some((10, 0)) };
                return self.fail_here(id, node, &msg);
            }
            Err(e) => {
                let typ = e.tlv_type().unwrap_or(0);
                let offset = payload_offset(&peeled.payload, typ);
                let msg = FailureMessage::InvalidOnionPayload { position: Some((typ, offset)) };
                return self.fail_here(id, node, &msg);
            }
        };
        match peeled.next {
            Some(next) => self.forward(id, node, amount, cltv, hash, &hop, next),
            None => self.receive(id, node, amount, cltv, hash, &hop),
        }
    }

    fn set_secret(&mut self, id: HtlcId, s: SharedSecret) {
        if let Some(h) = self.htlcs.get_mut(&id) {
            h.secret = Some(s);
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn forward(
        &mut self,
        id: HtlcId,
        node: u32,
        amount: u64,
        cltv: u32,
        hash: PaymentHash,
        p: &Hop,
        next: OnionPacket,
    ) {
        let Some(scid) = p.scid else { return };
        let out = self.scid_index.get(&scid).copied().and_then(|ci| {
            let c = self.channels.get(ci as usize)?;
            let side = c.nodes.iter().position(|&n| n == node)?;
            Some((ci, side, c))
        });
        let Some((ci, side, c)) = out else {
            return self.fail_here(id, node, &FailureMessage::UnknownNextPeer);
        };
        let peer = c.nodes[1 - side];
        let peer_offline = self.nodes.get(peer as usize).is_some_and(|n| n.fault.offline);
        let Some(policy) = c.actual[side] else {
            return self.fail_here(id, node, &FailureMessage::UnknownNextPeer);
        };
        let fwd = p.amt_to_forward;
        let update =
            |s: &Self, disabled: bool| s.channel_update(scid, node, disabled).unwrap_or_default();
        let msg = if peer_offline {
            FailureMessage::TemporaryChannelFailure { channel_update: update(self, true) }
        } else if !policy.enabled {
            FailureMessage::ChannelDisabled {
                disabled_flags: 0,
                channel_update: update(self, false),
            }
        } else if fwd < policy.htlc_min.0 {
            FailureMessage::AmountBelowMinimum {
                htlc_msat: Msat(fwd),
                channel_update: update(self, false),
            }
        } else if amount < fwd.saturating_add(fee(&policy, fwd)) {
            FailureMessage::FeeInsufficient {
                htlc_msat: Msat(amount),
                channel_update: update(self, false),
            }
        } else if cltv < p.outgoing_cltv.saturating_add(u32::from(policy.cltv_delta)) {
            FailureMessage::IncorrectCltvExpiry {
                cltv_expiry: cltv,
                channel_update: update(self, false),
            }
        } else if p.outgoing_cltv
            <= self.cfg.block_height.saturating_add(self.cfg.expiry_too_soon_blocks)
        {
            FailureMessage::ExpiryTooSoon { channel_update: update(self, false) }
        } else if cltv > self.cfg.block_height.saturating_add(MAX_EXPIRY_AHEAD) {
            FailureMessage::ExpiryTooFar
        } else if fwd > policy.htlc_max.0 || self.lock(ci, side, fwd).is_err() {
            FailureMessage::TemporaryChannelFailure { channel_update: update(self, false) }
        } else {
            self.add_htlc(ci, side, fwd, p.outgoing_cltv, hash, next, Some(id), node);
            return;
        };
        self.fail_here(id, node, &msg);
    }

    fn receive(
        &mut self,
        id: HtlcId,
        node: u32,
        amount: u64,
        cltv: u32,
        hash: PaymentHash,
        p: &Hop,
    ) {
        let height = self.cfg.block_height;
        let details =
            FailureMessage::IncorrectOrUnknownPaymentDetails { htlc_msat: Msat(amount), height };
        if amount < p.amt_to_forward {
            let msg = FailureMessage::FinalIncorrectHtlcAmount { incoming_htlc_amt: Msat(amount) };
            return self.fail_here(id, node, &msg);
        }
        if cltv < p.outgoing_cltv {
            let msg = FailureMessage::FinalIncorrectCltvExpiry { cltv_expiry: cltv };
            return self.fail_here(id, node, &msg);
        }
        if let Some(preimage) = p.keysend {
            if preimage.hash() != hash {
                return self.fail_here(id, node, &details);
            }
            self.settlements.push(Settlement {
                payee: node,
                payment_hash: hash,
                amount: Msat(amount),
                parts: 1,
                time_ms: self.now,
            });
            return self.fulfil_here(id, node, preimage);
        }
        let min_final = self.cfg.min_final_cltv_delta;
        let mpp_timeout = self.cfg.mpp_timeout_ms;
        let now = self.now;
        let Some(inv) = self.invoices.get_mut(&(node, hash)) else {
            return self.fail_here(id, node, &details);
        };
        let ok = match p.payment_data {
            Some((secret, total)) => {
                secret == inv.secret
                    && inv.amount.map_or(true, |a| total >= a.0)
                    && cltv >= height.saturating_add(min_final)
            }
            None => false,
        };
        if !ok {
            return self.fail_here(id, node, &details);
        }
        let total = p.payment_data.map_or(0, |(_, t)| t);
        if inv.parts.is_empty() {
            inv.set_started = now;
            self.schedule(mpp_timeout, Event::MppTimeout(node, hash, now));
        }
        let Some(inv) = self.invoices.get_mut(&(node, hash)) else { return };
        inv.parts.push(id);
        inv.received = inv.received.saturating_add(amount);
        if inv.received >= total {
            let parts = core::mem::take(&mut inv.parts);
            let received = core::mem::take(&mut inv.received);
            let preimage = inv.preimage;
            self.settlements.push(Settlement {
                payee: node,
                payment_hash: hash,
                amount: Msat(received),
                parts: u32::try_from(parts.len()).unwrap_or(u32::MAX),
                time_ms: now,
            });
            for part in parts {
                self.fulfil_here(part, node, preimage);
            }
        }
    }

    fn on_mpp_timeout(&mut self, node: u32, hash: PaymentHash, started: u64) {
        let Some(inv) = self.invoices.get_mut(&(node, hash)) else { return };
        if inv.parts.is_empty() || inv.set_started != started {
            return;
        }
        let parts = core::mem::take(&mut inv.parts);
        inv.received = 0;
        for part in parts {
            self.fail_here(part, node, &FailureMessage::MppTimeout);
        }
    }

    /// `node` fails HTLC `id` it received, creating the failure with its shared secret.
    fn fail_here(&mut self, id: HtlcId, node: u32, msg: &FailureMessage) {
        let Some(secret) = self.htlcs.get(&id).and_then(|h| h.secret) else { return };
        let Ok(reason) = failure::build_return_packet(&secret, &msg.encode(), LEGACY_PAYLOAD_LEN)
        else {
            return;
        };
        self.send_failure(id, node, msg.code(), reason);
    }

    fn send_failure(&mut self, id: HtlcId, node: u32, failure_code: u16, mut reason: Vec<u8>) {
        if self.nodes.get(node as usize).is_some_and(|n| n.fault.corrupt_failures) {
            corrupt(&mut reason);
        }
        self.record(id, LogKind::Failed { code: failure_code });
        let delay = self.latency();
        self.schedule(delay, Event::Fail(id, reason));
    }

    fn fulfil_here(&mut self, id: HtlcId, _node: u32, preimage: PaymentPreimage) {
        self.record(id, LogKind::Fulfilled);
        let delay = self.latency();
        self.schedule(delay, Event::Fulfill(id, preimage));
    }

    /// Removes a resolved HTLC and settles the balances: `to_receiver` moves the amount across.
    fn settle(&mut self, id: HtlcId, to_receiver: bool) -> Option<Htlc> {
        let h = self.htlcs.remove(&id)?;
        if let Some(c) = self.channels.get_mut(h.chan as usize) {
            let side = h.from as usize & 1;
            let dest = if to_receiver { 1 - side } else { side };
            c.balance[dest] += h.amount;
            c.inflight[side] = c.inflight[side].saturating_sub(1);
        }
        Some(h)
    }

    fn on_fulfill(&mut self, id: HtlcId, preimage: PaymentPreimage) {
        let Some(h) = self.settle(id, true) else { return };
        match h.incoming {
            Some(up) => {
                self.record(up, LogKind::Fulfilled);
                let delay = self.latency();
                self.schedule(delay, Event::Fulfill(up, preimage));
            }
            None => self.deliver(id, Resolution::Fulfilled(preimage)),
        }
    }

    fn on_fail(&mut self, id: HtlcId, mut reason: Vec<u8>) {
        let Some(h) = self.settle(id, false) else { return };
        let (_, offerer) = self.ends(&h);
        let Some(up) = h.incoming else {
            return self.deliver(id, Resolution::Failed(reason));
        };
        if reason.is_empty() {
            // The HTLC timed out at a silent node: the offerer gives up on the channel.
            return self.fail_here(up, offerer, &FailureMessage::PermanentChannelFailure);
        }
        let Some(secret) = self.htlcs.get(&up).and_then(|u| u.secret) else { return };
        failure::wrap_return_packet(&secret, &mut reason);
        if self.nodes.get(offerer as usize).is_some_and(|n| n.fault.corrupt_failures) {
            corrupt(&mut reason);
        }
        self.record(up, LogKind::Relayed);
        let delay = self.latency();
        self.schedule(delay, Event::Fail(up, reason));
    }

    fn on_malformed(&mut self, id: HtlcId, failure_code: u16, sha: [u8; 32]) {
        let Some(h) = self.settle(id, false) else { return };
        let (_, offerer) = self.ends(&h);
        match h.incoming {
            // The previous hop turns it into a failure of its own (BOLT 4).
            Some(up) => {
                let Some(secret) = self.htlcs.get(&up).and_then(|u| u.secret) else { return };
                if let Ok(reason) = failure::build_malformed_return_packet(
                    &secret,
                    failure_code,
                    &sha,
                    LEGACY_PAYLOAD_LEN,
                ) {
                    self.send_failure(up, offerer, failure_code, reason);
                }
            }
            None => self.deliver(id, Resolution::Malformed { failure_code, sha256_of_onion: sha }),
        }
    }

    fn deliver(&mut self, htlc: HtlcId, resolution: Resolution) {
        self.resolutions.push_back(HtlcResolution { htlc, time_ms: self.now, resolution });
    }

    /// Ground truth: the most the true balances could deliver from `src` to `dst` right now
    /// (max flow over each enabled direction's spendable balance, capped by `htlc_max` times
    /// its free HTLC slots; offline nodes carry nothing; fees are ignored).
    pub fn max_flow(&self, src: u32, dst: u32) -> Msat {
        let mut edges = Vec::with_capacity(self.channels.len() * 2);
        for c in &self.channels {
            for side in 0..2 {
                let (from, to) = (c.nodes[side], c.nodes[1 - side]);
                let offline = |n: u32| self.nodes.get(n as usize).map_or(true, |n| n.fault.offline);
                if offline(from) || offline(to) {
                    continue;
                }
                let Some(p) = c.actual[side].filter(|p| p.enabled) else { continue };
                let slots = u64::from(self.cfg.max_htlcs.saturating_sub(c.inflight[side]));
                let cap = self.spendable(c, side).min(p.htlc_max.0.saturating_mul(slots));
                if cap > 0 {
                    edges.push((from, to, cap));
                }
            }
        }
        Msat(crate::flow::max_flow(self.nodes.len(), &edges, src, dst))
    }
}

enum Short {
    Balance(u64),
    Slots,
}

fn unsigned_update(scid: ShortChannelId, direction: u8, p: &EdgePolicy) -> UnsignedChannelUpdate {
    UnsignedChannelUpdate {
        chain_hash: ChainHash::BITCOIN,
        short_channel_id: scid,
        timestamp: p.timestamp,
        message_flags: 1,
        channel_flags: (direction & 1) | if p.enabled { 0 } else { 2 },
        cltv_expiry_delta: p.cltv_delta,
        htlc_minimum_msat: p.htlc_min,
        fee_base_msat: p.base_fee_msat,
        fee_proportional_millionths: p.fee_ppm,
        htlc_maximum_msat: p.htlc_max,
        excess_data: Vec::new(),
    }
}

fn draw_balance(l: Liquidity, rng: &mut SimRng, cap: u64) -> u64 {
    let share = match l {
        Liquidity::Uniform => rng.next_f64(),
        Liquidity::Even => return cap / 2,
        Liquidity::Bimodal => {
            let x = rng.next_f64().powi(4);
            if rng.chance(0.5) {
                x
            } else {
                1.0 - x
            }
        }
        Liquidity::Custom(f) => return f(rng, Msat(cap)).0.min(cap),
    };
    ((cap as f64) * share) as u64
}

/// What a hop payload tells the node, whatever its form.
struct Hop {
    amt_to_forward: u64,
    outgoing_cltv: u32,
    scid: Option<ShortChannelId>,
    payment_data: Option<(PaymentSecret, u64)>,
    keysend: Option<PaymentPreimage>,
}

fn fee(p: &EdgePolicy, amount: u64) -> u64 {
    u64::from(p.base_fee_msat) + (amount as u128 * u128::from(p.fee_ppm) / 1_000_000) as u64
}

/// Byte offset of the first record of type `typ` or above in a TLV stream (for
/// `invalid_onion_payload`); 0 when it cannot be told.
fn payload_offset(bytes: &[u8], typ: u64) -> u16 {
    let mut at = 0usize;
    while let Some(rest) = bytes.get(at..).filter(|r| !r.is_empty()) {
        let Ok((t, n)) = types::bigsize::decode(rest) else { break };
        if t >= typ {
            return u16::try_from(at).unwrap_or(u16::MAX);
        }
        let Ok((len, m)) = types::bigsize::decode(rest.get(n..).unwrap_or_default()) else {
            break;
        };
        at = at.saturating_add(n + m).saturating_add(usize::try_from(len).unwrap_or(usize::MAX));
    }
    0
}

/// Flips bits of a failure so no HMAC matches anymore.
fn corrupt(reason: &mut [u8]) {
    for b in reason.iter_mut().take(32) {
        *b ^= 0x5a;
    }
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
    use onion::payload::{FinalPayload, PaymentData};

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
        let cltv = sim.cfg.block_height + 40;
        let payload = HopPayload::Final(FinalPayload {
            amt_to_forward: Msat(amount),
            outgoing_cltv_value: cltv,
            payment_data: data
                .map(|(payment_secret, t)| PaymentData { payment_secret, total_msat: Msat(t) }),
            payment_metadata: None,
            keysend_preimage: keysend,
            custom_records: Vec::new(),
        });
        let key = SecretKey::from_slice(&[7; 32]).unwrap();
        let hops = [(sim.node_pubkey(1).unwrap(), payload.encode())];
        let (onion, _) = packet::build(&key, &hops, &hash.0).unwrap();
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
