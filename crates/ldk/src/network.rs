//! An in-process network of real LDK nodes (feature `test-support`), to test and measure
//! [`LnpayRouter`] where failures come from real LDK forwarding nodes.
//!
//! Each [`Node`] is a `ChannelManager` + `ChainMonitor` + `PeerManager` + `NetworkGraph` +
//! `P2PGossipSync`. Peers talk BOLT 8 (handshake and encryption by LDK) over in-memory
//! [`Descriptor`]s that [`Network::settle`] pumps. One simulated chain ([`Chain`]) confirms
//! the funding transactions and feeds every block to every node through `Listen`; it also
//! answers gossip's UTXO lookups, so every node learns channel capacities as a real node
//! does. Channels are opened with `create_channel` (balances by `push_msat`), funded,
//! confirmed, announced through real gossip, and their forwarding policies set with
//! `update_partial_channel_config`, which LDK gossips as `channel_update`s.
//!
//! Topology: a [`Topology`] given by hand, generated from a seed ([`Topology::generated`]), or
//! the best-connected nodes of a Core Lightning `listchannels` file
//! ([`Topology::from_listchannels`]). Each node routes with lnpay ([`RouterKind::Lnpay`]) or
//! with LDK's `DefaultRouter` + `ProbabilisticScorer` ([`RouterKind::Ldk`]), and its events
//! feed its scorer and graph as LDK's background processor does.

use crate::{KnowledgeConfig, LnpayRouter, LnpayScorer};
use bitcoin::block::{Header, Version};
use bitcoin::hashes::Hash;
use bitcoin::{
    Amount, Block, BlockHash, CompactTarget, Network as BtcNetwork, OutPoint, ScriptBuf, Sequence,
    Transaction, TxIn, TxMerkleNode, TxOut, Txid, Witness,
};
use lightning::blinded_path::payment::{BlindedPaymentPath, ReceiveTlvs};
use lightning::bolt11_invoice::{Bolt11Invoice, Bolt11InvoiceDescription, Description};
use lightning::chain::chaininterface::{BroadcasterInterface, ConfirmationTarget, FeeEstimator};
use lightning::chain::chainmonitor::{ChainMonitor, Persist};
use lightning::chain::channelmonitor::{ChannelMonitor, ChannelMonitorUpdate};
use lightning::chain::{BestBlock, ChannelMonitorUpdateStatus, Filter, Listen};
use lightning::events::{Event, EventsProvider, PathFailure, PaymentFailureReason, ReplayEvent};
use lightning::ln::channel_state::ChannelDetails;
use lightning::ln::channelmanager::Retry;
use lightning::ln::channelmanager::{Bolt11InvoiceParameters, PaymentId};
use lightning::ln::channelmanager::{ChainParameters, ChannelManager};
use lightning::ln::peer_handler::{
    IgnoringMessageHandler, MessageHandler, PeerManager, SocketDescriptor,
};
use lightning::onion_message::messenger::DefaultMessageRouter;
use lightning::routing::gossip::{NetworkGraph, P2PGossipSync};
use lightning::routing::router::RouteParametersConfig;
use lightning::routing::router::{DefaultRouter, InFlightHtlcs, Route, RouteParameters, Router};
use lightning::routing::scoring::{
    ProbabilisticScorer, ProbabilisticScoringDecayParameters, ProbabilisticScoringFeeParameters,
    ScoreUpdate,
};
use lightning::routing::utxo::{UtxoLookup, UtxoLookupError, UtxoResult};
use lightning::sign::{EntropySource, InMemorySigner, KeysManager, NodeSigner};
use lightning::util::config::{ChannelConfigUpdate, UserConfig};
use lightning::util::logger::{Logger, Record};
use lightning::util::persist::MonitorName;
use secp256k1::{PublicKey, Secp256k1};
use std::collections::HashMap;
use std::fmt;
use std::hash::{Hash as StdHash, Hasher};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// A logger that drops everything (LDK logs a lot at trace level).
#[derive(Debug, Default, Clone, Copy)]
pub struct NoLog;

impl Logger for NoLog {
    fn log(&self, _record: Record) {}
}

/// A fixed fee rate of 253 sat per 1000 weight (the floor) for every target.
#[derive(Debug, Default)]
pub struct Fees;

impl FeeEstimator for Fees {
    fn get_est_sat_per_1000_weight(&self, _target: ConfirmationTarget) -> u32 {
        253
    }
}

/// Collects what a node broadcasts (its funding transactions) for the chain to mine.
#[derive(Debug, Default)]
pub struct Broadcast {
    txs: Mutex<Vec<Transaction>>,
}

impl Broadcast {
    fn take(&self) -> Vec<Transaction> {
        std::mem::take(&mut *lock(&self.txs))
    }
}

impl BroadcasterInterface for Broadcast {
    fn broadcast_transactions(&self, txs: &[&Transaction]) {
        lock(&self.txs).extend(txs.iter().map(|t| (*t).clone()));
    }
}

/// Channel monitors kept in memory only: every update completes at once.
#[derive(Debug, Default)]
pub struct NoPersist;

impl Persist<InMemorySigner> for NoPersist {
    fn persist_new_channel(
        &self,
        _name: MonitorName,
        _monitor: &ChannelMonitor<InMemorySigner>,
    ) -> ChannelMonitorUpdateStatus {
        ChannelMonitorUpdateStatus::Completed
    }

    fn update_persisted_channel(
        &self,
        _name: MonitorName,
        _update: Option<&ChannelMonitorUpdate>,
        _monitor: &ChannelMonitor<InMemorySigner>,
    ) -> ChannelMonitorUpdateStatus {
        ChannelMonitorUpdateStatus::Completed
    }

    fn archive_persisted_channel(&self, _name: MonitorName) {}
}

/// A `Filter` that is never used (every node sees every block whole).
#[derive(Debug, Default)]
pub struct NoFilter;

impl Filter for NoFilter {
    fn register_tx(&self, _txid: &Txid, _script_pubkey: &bitcoin::Script) {}
    fn register_output(&self, _output: lightning::chain::WatchedOutput) {}
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    match m.lock() {
        Ok(g) => g,
        Err(poisoned) => poisoned.into_inner(),
    }
}

fn now_secs() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

/// The height of the simulated chain's first block, less one.
const START_HEIGHT: u32 = 100_000;

/// The simulated chain: blocks mined on demand, and the funding outputs by short channel id.
#[derive(Debug)]
pub struct Chain {
    tip: BlockHash,
    height: u32,
    outputs: RwLock<HashMap<u64, TxOut>>,
}

impl Chain {
    fn new() -> Chain {
        // The chain starts high: LDK draws its scid aliases from heights well below the tip,
        // so real channel ids (at the tip) never collide with them.
        let genesis = bitcoin::constants::genesis_block(BtcNetwork::Regtest);
        Chain {
            tip: genesis.block_hash(),
            height: START_HEIGHT,
            outputs: RwLock::new(HashMap::new()),
        }
    }

    /// The best block.
    pub fn best_block(&self) -> BestBlock {
        BestBlock::new(self.tip, self.height)
    }

    /// A new block on the tip holding `txdata`; records every output's short channel id.
    fn mine(&mut self, txdata: Vec<Transaction>) -> (Block, u32) {
        let height = self.height + 1;
        let mut block = Block {
            header: Header {
                version: Version::TWO,
                prev_blockhash: self.tip,
                merkle_root: TxMerkleNode::all_zeros(),
                time: now_secs() as u32,
                bits: CompactTarget::from_consensus(0x207f_ffff),
                nonce: height,
            },
            txdata,
        };
        if let Some(root) = block.compute_merkle_root() {
            block.header.merkle_root = root;
        }
        if let Ok(mut outputs) = self.outputs.write() {
            for (i, tx) in block.txdata.iter().enumerate() {
                for (vout, out) in tx.output.iter().enumerate() {
                    let scid = u64::from(height) << 40 | (i as u64) << 16 | vout as u64;
                    outputs.insert(scid, out.clone());
                }
            }
        }
        self.tip = block.block_hash();
        self.height = height;
        (block, height)
    }
}

/// Gossip's view of the chain: the funding output of a short channel id.
#[derive(Debug)]
pub struct ChainUtxos(Arc<RwLock<Chain>>);

impl UtxoLookup for ChainUtxos {
    fn get_utxo(&self, _chain_hash: &bitcoin::constants::ChainHash, scid: u64) -> UtxoResult {
        let found = self
            .0
            .read()
            .ok()
            .and_then(|c| c.outputs.read().ok().and_then(|o| o.get(&scid).cloned()));
        UtxoResult::Sync(found.ok_or(UtxoLookupError::UnknownTx))
    }
}

/// One side of an in-memory connection: what this side writes waits here for the pump.
#[derive(Clone)]
pub struct Descriptor {
    id: u64,
    outbound: Arc<Mutex<Vec<u8>>>,
    closed: Arc<Mutex<bool>>,
}

impl fmt::Debug for Descriptor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Descriptor({})", self.id)
    }
}

impl PartialEq for Descriptor {
    fn eq(&self, other: &Self) -> bool {
        self.id == other.id
    }
}

impl Eq for Descriptor {}

impl StdHash for Descriptor {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.id.hash(state);
    }
}

impl SocketDescriptor for Descriptor {
    fn send_data(&mut self, data: &[u8], _continue_read: bool) -> usize {
        lock(&self.outbound).extend_from_slice(data);
        data.len()
    }

    fn disconnect_socket(&mut self) {
        *lock(&self.closed) = true;
    }
}

/// LDK's graph as every node here keeps it.
pub type LdkGraph = NetworkGraph<Arc<NoLog>>;
/// lnpay's scorer over a node's graph.
pub type Knowledge = LnpayScorer<Arc<LdkGraph>, Arc<NoLog>>;
/// LDK's scorer over a node's graph.
pub type LdkScorer = ProbabilisticScorer<Arc<LdkGraph>, Arc<NoLog>>;
/// lnpay's router as a node here holds it.
pub type Lnpay = LnpayRouter<Arc<LdkGraph>, Arc<NoLog>, Arc<KeysManager>, Arc<RwLock<Knowledge>>>;
/// LDK's router as a node here holds it.
pub type Ldk = DefaultRouter<
    Arc<LdkGraph>,
    Arc<NoLog>,
    Arc<KeysManager>,
    Arc<RwLock<LdkScorer>>,
    ProbabilisticScoringFeeParameters,
    LdkScorer,
>;

/// Which router a node pays with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RouterKind {
    /// [`LnpayRouter`] with [`LnpayScorer`].
    Lnpay,
    /// LDK's `DefaultRouter` with `ProbabilisticScorer` (default parameters).
    Ldk,
}

/// A node's router: one of the two, timing every `find_route`.
pub struct AnyRouter {
    inner: Routers,
    times_us: Mutex<Vec<u64>>,
}

enum Routers {
    Lnpay(Box<Lnpay>),
    Ldk(Box<Ldk>),
}

impl AnyRouter {
    /// How long each `find_route` took so far, in microseconds, in call order.
    pub fn route_times_us(&self) -> Vec<u64> {
        lock(&self.times_us).clone()
    }
}

impl Router for AnyRouter {
    fn find_route(
        &self,
        payer: &PublicKey,
        params: &RouteParameters,
        first_hops: Option<&[&ChannelDetails]>,
        inflight: InFlightHtlcs,
    ) -> Result<Route, &'static str> {
        let started = std::time::Instant::now();
        let route = match &self.inner {
            Routers::Lnpay(r) => r.find_route(payer, params, first_hops, inflight),
            Routers::Ldk(r) => r.find_route(payer, params, first_hops, inflight),
        };
        lock(&self.times_us).push(started.elapsed().as_micros() as u64);
        route
    }

    fn create_blinded_payment_paths<T: secp256k1::Signing + secp256k1::Verification>(
        &self,
        recipient: PublicKey,
        first_hops: Vec<ChannelDetails>,
        tlvs: ReceiveTlvs,
        amount_msats: Option<u64>,
        secp_ctx: &Secp256k1<T>,
    ) -> Result<Vec<BlindedPaymentPath>, ()> {
        match &self.inner {
            Routers::Lnpay(r) => {
                r.create_blinded_payment_paths(recipient, first_hops, tlvs, amount_msats, secp_ctx)
            }
            Routers::Ldk(r) => {
                r.create_blinded_payment_paths(recipient, first_hops, tlvs, amount_msats, secp_ctx)
            }
        }
    }
}

/// A node's scorer: the one its router reads.
#[derive(Clone)]
pub enum AnyScorer {
    /// lnpay's knowledge.
    Lnpay(Arc<RwLock<Knowledge>>),
    /// LDK's probabilistic scorer.
    Ldk(Arc<RwLock<LdkScorer>>),
}

impl AnyScorer {
    fn with<R>(&self, f: impl FnOnce(&mut dyn ScoreUpdate) -> R) -> Option<R> {
        match self {
            AnyScorer::Lnpay(s) => s.write().ok().map(|mut g| f(&mut *g)),
            AnyScorer::Ldk(s) => s.write().ok().map(|mut g| f(&mut *g)),
        }
    }

    /// Feeds a payment event to the scorer as LDK's background processor does.
    pub fn update(&self, event: &Event, now: Duration) {
        match event {
            Event::PaymentPathFailed { path, short_channel_id: Some(scid), .. } => {
                self.with(|s| s.payment_path_failed(path, *scid, now));
            }
            // The payee answered: the path carried the amount all the way.
            Event::PaymentPathFailed { path, payment_failed_permanently: true, .. } => {
                self.with(|s| s.probe_successful(path, now));
            }
            Event::PaymentPathSuccessful { path, .. } => {
                self.with(|s| s.payment_path_successful(path, now));
            }
            Event::ProbeSuccessful { path, .. } => {
                self.with(|s| s.probe_successful(path, now));
            }
            Event::ProbeFailed { path, short_channel_id: Some(scid), .. } => {
                self.with(|s| s.probe_failed(path, *scid, now));
            }
            _ => {}
        }
    }
}

type ChainMon = ChainMonitor<
    InMemorySigner,
    Arc<NoFilter>,
    Arc<Broadcast>,
    Arc<Fees>,
    Arc<NoLog>,
    Arc<NoPersist>,
    Arc<KeysManager>,
>;
type MsgRouter = DefaultMessageRouter<Arc<LdkGraph>, Arc<NoLog>, Arc<KeysManager>>;
/// A node's `ChannelManager`.
pub type Manager = ChannelManager<
    Arc<ChainMon>,
    Arc<Broadcast>,
    Arc<KeysManager>,
    Arc<KeysManager>,
    Arc<KeysManager>,
    Arc<Fees>,
    Arc<AnyRouter>,
    Arc<MsgRouter>,
    Arc<NoLog>,
>;
type Gossip = P2PGossipSync<Arc<LdkGraph>, Arc<ChainUtxos>, Arc<NoLog>>;
/// A node's `PeerManager`.
pub type Peers = PeerManager<
    Descriptor,
    Arc<Manager>,
    Arc<Gossip>,
    Arc<IgnoringMessageHandler>,
    Arc<NoLog>,
    Arc<IgnoringMessageHandler>,
    Arc<KeysManager>,
    Arc<IgnoringMessageHandler>,
>;

/// One LDK node.
pub struct Node {
    /// Its key.
    pub node_id: PublicKey,
    /// Its keys.
    pub keys: Arc<KeysManager>,
    /// Its view of the public graph, from gossip.
    pub graph: Arc<LdkGraph>,
    /// Its channel manager.
    pub manager: Arc<Manager>,
    /// Its chain monitor.
    pub chain_monitor: Arc<ChainMon>,
    /// Its peers.
    pub peers: Arc<Peers>,
    /// Its scorer.
    pub scorer: AnyScorer,
    /// Its router (the one its `ChannelManager` asks).
    pub router: Arc<AnyRouter>,
    broadcast: Arc<Broadcast>,
    /// Payment events seen (sent, failed, path failed or successful), in order.
    pub events: Vec<Event>,
}

/// Core Lightning `pay`'s default fee limit: 0.5 % of the amount or 5,000 msat, the larger.
pub fn fee_limit(amount_msat: u64) -> u64 {
    (amount_msat / 200).max(5_000)
}

/// Why a payment could not be started.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum PayError {
    /// No node with that index.
    NoSuchNode {
        /// The index.
        index: usize,
    },
    /// The description is not acceptable to LDK.
    Description {
        /// The description.
        description: String,
    },
    /// LDK could not create the invoice.
    Invoice {
        /// The payee's index.
        payee: usize,
    },
    /// LDK refused to start the payment (its `Bolt11PaymentError`, debug-printed: LDK's
    /// error carries no structured reason).
    Send {
        /// LDK's error.
        reason: String,
    },
}

impl fmt::Display for PayError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PayError::NoSuchNode { index } => write!(f, "no node {index}"),
            PayError::Description { description } => write!(f, "bad description {description:?}"),
            PayError::Invoice { payee } => write!(f, "node {payee} could not create an invoice"),
            PayError::Send { reason } => write!(f, "payment not started: {reason}"),
        }
    }
}

impl std::error::Error for PayError {}

/// What the payer's events say of one payment.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Outcome {
    /// `PaymentSent`'s preimage.
    pub preimage: Option<[u8; 32]>,
    /// `PaymentSent`'s fee.
    pub fee_msat: Option<u64>,
    /// `PaymentFailed`'s reason.
    pub failed: Option<Option<PaymentFailureReason>>,
    /// Each `PaymentPathFailed`'s channel.
    pub paths_failed: Vec<Option<u64>>,
    /// Each `PaymentPathSuccessful`'s channels.
    pub paths_succeeded: Vec<Vec<u64>>,
}

/// A channel to open: `a` funds it, `b` gets `push_msat`; each side's forwarding policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChannelSpec {
    /// The funder (index into the nodes).
    pub a: usize,
    /// The other end.
    pub b: usize,
    /// The capacity in satoshis.
    pub capacity_sat: u64,
    /// What `b` starts with.
    pub push_msat: u64,
    /// `a`'s and `b`'s forwarding policy (base fee msat, fee ppm, CLTV delta).
    pub policies: [(u32, u32, u16); 2],
    /// Announced for forwarding (public); else private, known to the payee's invoices only.
    pub announced: bool,
}

/// Which channels to open between how many nodes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Topology {
    /// The number of nodes.
    pub nodes: usize,
    /// The channels.
    pub channels: Vec<ChannelSpec>,
}

/// Why a topology could not be read.
#[derive(Debug)]
#[non_exhaustive]
pub enum TopologyError {
    /// The file could not be opened or read.
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file is not a `listchannels` document.
    Import {
        /// The file.
        path: PathBuf,
        /// Why.
        source: route::import::listchannels::ListChannelsError,
    },
}

impl fmt::Display for TopologyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TopologyError::Io { path, source } => {
                write!(f, "cannot read {}: {source}", path.display())
            }
            TopologyError::Import { path, source } => {
                write!(f, "{} is not a listchannels graph: {source}", path.display())
            }
        }
    }
}

impl std::error::Error for TopologyError {}

/// A small deterministic generator (splitmix64).
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// Seeded.
    pub fn new(seed: u64) -> Rng {
        Rng(seed ^ 0x6a09_e667_f3bc_c908)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (0 when `n` is 0).
    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 {
            0
        } else {
            self.next_u64() % n
        }
    }
}

/// LDK's lowest CLTV delta for forwarding.
const MIN_CLTV: u16 = 48;
/// LDK's largest channel without `option_support_large_channel`.
const MAX_CAPACITY_SAT: u64 = (1 << 24) - 1;

impl Topology {
    /// `nodes` nodes, each after the first opening `per_node` channels (fewer while there
    /// are fewer nodes) to earlier nodes picked by degree (preferential attachment), with
    /// capacities of 0.5–10 M sat, balances uniform, and fees of 0–1000 msat + 1–500 ppm.
    pub fn generated(nodes: usize, per_node: usize, seed: u64) -> Topology {
        let mut rng = Rng::new(seed);
        let mut ends: Vec<usize> = Vec::new();
        let mut channels = Vec::new();
        for a in 1..nodes {
            let mut picked: Vec<usize> = Vec::new();
            let want = per_node.min(a);
            let mut tries = 0;
            while picked.len() < want && tries < 100 {
                tries += 1;
                let b = if ends.is_empty() || rng.below(4) == 0 {
                    rng.below(a as u64) as usize
                } else {
                    ends.get(rng.below(ends.len() as u64) as usize).copied().unwrap_or(0)
                };
                if b != a && !picked.contains(&b) {
                    picked.push(b);
                }
            }
            for b in picked {
                let capacity_sat = 500_000 + rng.below(9_500_000);
                let push_msat = rng.below(capacity_sat * 1000);
                let policy = |rng: &mut Rng| {
                    (
                        rng.below(1001) as u32,
                        1 + rng.below(500) as u32,
                        MIN_CLTV + rng.below(97) as u16,
                    )
                };
                let policies = [policy(&mut rng), policy(&mut rng)];
                channels.push(ChannelSpec {
                    a,
                    b,
                    capacity_sat,
                    push_msat,
                    policies,
                    announced: true,
                });
                ends.push(a);
                ends.push(b);
            }
        }
        Topology { nodes, channels }
    }

    /// The `nodes` best-connected nodes of a Core Lightning `listchannels` file (`.json` or
    /// `.json.gz`), taken greedily so that they stay connected (the best-connected node, then
    /// the best-connected neighbour of those taken, and so on), and every channel among them: capacity (at most 2^24 − 1 sat, LDK's limit
    /// without large channels), fees and CLTV deltas (at least LDK's 48) from the file, the
    /// lesser node funding, balances drawn from `seed`.
    pub fn from_listchannels(
        path: &Path,
        nodes: usize,
        seed: u64,
    ) -> Result<Topology, TopologyError> {
        let io = |source| TopologyError::Io { path: path.to_owned(), source };
        let file = std::fs::File::open(path).map_err(io)?;
        let mut reader = std::io::BufReader::new(file);
        let gz = {
            use std::io::BufRead;
            reader.fill_buf().map_err(io)?.starts_with(&[0x1f, 0x8b])
        };
        let mut builder = route::graph::GraphBuilder::new();
        let result = if gz {
            route::import::listchannels::read(flate2::bufread::GzDecoder::new(reader), &mut builder)
        } else {
            route::import::listchannels::read(reader, &mut builder)
        };
        result.map_err(|source| TopologyError::Import { path: path.to_owned(), source })?;
        let g = builder.build();
        // Degrees and neighbours over channels with a policy in both directions.
        let mut degree = vec![0usize; g.node_count()];
        let mut neighbours: Vec<Vec<usize>> = vec![Vec::new(); g.node_count()];
        for c in g.channels() {
            if c.edges.iter().all(Option::is_some) {
                let (a, b) = (c.node1.0 as usize, c.node2.0 as usize);
                for (n, m) in [(a, b), (b, a)] {
                    if let Some(d) = degree.get_mut(n) {
                        *d += 1;
                    }
                    if let Some(v) = neighbours.get_mut(n) {
                        v.push(m);
                    }
                }
            }
        }
        // The best-connected node, then always the best-connected neighbour of those taken:
        // the nodes are one connected network, as gossip needs.
        let mut index: HashMap<usize, usize> = HashMap::new();
        let mut heap = std::collections::BinaryHeap::new();
        let first = (0..degree.len())
            .max_by_key(|&i| (degree.get(i).copied().unwrap_or(0), std::cmp::Reverse(i)));
        if let Some(first) = first {
            heap.push((degree.get(first).copied().unwrap_or(0), std::cmp::Reverse(first)));
        }
        while index.len() < nodes {
            let Some((_, std::cmp::Reverse(n))) = heap.pop() else { break };
            if index.contains_key(&n) {
                continue;
            }
            index.insert(n, index.len());
            for &m in neighbours.get(n).map(Vec::as_slice).unwrap_or_default() {
                if !index.contains_key(&m) {
                    heap.push((degree.get(m).copied().unwrap_or(0), std::cmp::Reverse(m)));
                }
            }
        }
        let mut rng = Rng::new(seed);
        let mut channels = Vec::new();
        for c in g.channels() {
            let (Some(&a), Some(&b)) =
                (index.get(&(c.node1.0 as usize)), index.get(&(c.node2.0 as usize)))
            else {
                continue;
            };
            let [Some(e0), Some(e1)] = c.edges else { continue };
            let (Some(p0), Some(p1)) = (g.edge(e0), g.edge(e1)) else { continue };
            let capacity_sat = c
                .capacity
                .map_or(p0.htlc_max.0.max(p1.htlc_max.0) / 1000, |m| m.0 / 1000)
                .clamp(100_000, MAX_CAPACITY_SAT);
            let push_msat = rng.below(capacity_sat * 1000);
            let policy =
                |e: &route::graph::Edge| (e.base_fee_msat, e.fee_ppm, e.cltv_delta.max(MIN_CLTV));
            channels.push(ChannelSpec {
                a,
                b,
                capacity_sat,
                push_msat,
                policies: [policy(p0), policy(p1)],
                announced: true,
            });
        }
        Ok(Topology { nodes: index.len(), channels })
    }
}

struct Link {
    a: usize,
    b: usize,
    da: Descriptor,
    db: Descriptor,
}

/// What building the network cost and made.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BuildStats {
    /// Nodes.
    pub nodes: usize,
    /// Channels opened and usable.
    pub channels: usize,
    /// Channels the first node's graph holds after gossip.
    pub channels_in_gossip: usize,
    /// Wall time to build, in seconds.
    pub seconds: f64,
    /// Blocks mined.
    pub blocks: u32,
}

/// The network: nodes, their connections and the chain.
pub struct Network {
    /// The nodes.
    pub nodes: Vec<Node>,
    links: Vec<Link>,
    chain: Arc<RwLock<Chain>>,
    next_descriptor: u64,
    funding_inputs: u64,
    /// The channels as opened.
    pub topology: Topology,
    /// What building cost.
    pub stats: BuildStats,
}

fn user_config() -> UserConfig {
    let mut c = UserConfig::default();
    c.channel_handshake_config.announce_for_forwarding = true;
    c.channel_handshake_config.max_inbound_htlc_value_in_flight_percent_of_channel = 100;
    c.channel_handshake_config.minimum_depth = 1;
    c.channel_handshake_limits.force_announced_channel_preference = false;
    c.channel_handshake_limits.max_minimum_depth = 144;
    // Forward to private channels (a payee behind one, reached by its invoice's route hint).
    c.accept_forwards_to_priv_channels = true;
    c
}

impl Network {
    /// Builds the network: every node, a connection for every channel's pair, every channel
    /// opened, confirmed, announced and given its policy, until gossip is quiet.
    pub fn build(topology: &Topology, router: RouterKind, seed: u64) -> Network {
        let started = std::time::Instant::now();
        let chain = Arc::new(RwLock::new(Chain::new()));
        let mut net = Network {
            nodes: Vec::new(),
            links: Vec::new(),
            chain,
            next_descriptor: 0,
            funding_inputs: 0,
            topology: topology.clone(),
            stats: BuildStats::default(),
        };
        for i in 0..topology.nodes {
            let node = net.new_node(i, router, seed);
            net.nodes.push(node);
        }
        let mut pairs: Vec<(usize, usize)> = topology
            .channels
            .iter()
            .map(|c| (c.a.min(c.b), c.a.max(c.b)))
            .filter(|(a, b)| a != b && *b < topology.nodes)
            .collect();
        pairs.sort_unstable();
        pairs.dedup();
        for (a, b) in pairs {
            net.connect(a, b);
        }
        net.settle();
        // In waves with at most one channel per pair of peers, each wave's fundings mined
        // before the next: LDK refuses more than four unconfirmed inbound channels from one
        // peer.
        let mut waves: Vec<Vec<usize>> = Vec::new();
        let mut seen: HashMap<(usize, usize), usize> = HashMap::new();
        for (k, c) in topology.channels.iter().enumerate() {
            let wave = seen.entry((c.a.min(c.b), c.a.max(c.b))).or_insert(0);
            if waves.len() <= *wave {
                waves.push(Vec::new());
            }
            if let Some(w) = waves.get_mut(*wave) {
                w.push(k);
            }
            *wave += 1;
        }
        for wave in waves {
            for k in wave {
                let Some(c) = topology.channels.get(k) else { continue };
                let (Some(a), Some(b)) = (net.nodes.get(c.a), net.nodes.get(c.b)) else {
                    continue;
                };
                let private = (!c.announced).then(|| {
                    let mut config = user_config();
                    config.channel_handshake_config.announce_for_forwarding = false;
                    config
                });
                let r = a.manager.create_channel(
                    b.node_id,
                    c.capacity_sat,
                    c.push_msat,
                    k as u128,
                    None,
                    private,
                );
                let _ = r;
            }
            net.settle();
            net.mine(1);
            net.settle();
        }
        // Six more blocks: every channel ready and announceable.
        net.mine(6);
        net.settle();
        for (k, c) in topology.channels.clone().iter().enumerate() {
            net.set_policies(k, c);
        }
        net.settle();
        net.stats = BuildStats {
            nodes: net.nodes.len(),
            channels: net
                .nodes
                .iter()
                .map(|n| n.manager.list_usable_channels().iter().filter(|d| d.is_outbound).count())
                .sum(),
            channels_in_gossip: net
                .nodes
                .first()
                .map_or(0, |n| n.graph.read_only().channels().len()),
            seconds: started.elapsed().as_secs_f64(),
            blocks: net.chain.read().map_or(0, |c| c.height - START_HEIGHT),
        };
        net
    }

    fn new_node(&mut self, i: usize, router: RouterKind, seed: u64) -> Node {
        let mut key_seed = [0u8; 32];
        key_seed[..8].copy_from_slice(&seed.to_be_bytes());
        key_seed[8..16].copy_from_slice(&(i as u64).to_be_bytes());
        key_seed[31] = 1;
        let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
        let keys = Arc::new(KeysManager::new(&key_seed, now.as_secs(), now.subsec_nanos(), true));
        let log = Arc::new(NoLog);
        let graph = Arc::new(NetworkGraph::new(BtcNetwork::Regtest, Arc::clone(&log)));
        let broadcast = Arc::new(Broadcast::default());
        let fees = Arc::new(Fees);
        let chain_monitor = Arc::new(ChainMonitor::new(
            None,
            Arc::clone(&broadcast),
            Arc::clone(&log),
            Arc::clone(&fees),
            Arc::new(NoPersist),
            Arc::clone(&keys),
            keys.get_peer_storage_key(),
        ));
        let (any_router, scorer) = match router {
            RouterKind::Lnpay => {
                let s = Arc::new(RwLock::new(LnpayScorer::new(
                    KnowledgeConfig::default(),
                    Arc::clone(&graph),
                )));
                let r = LnpayRouter::new(
                    Arc::clone(&graph),
                    Arc::clone(&log),
                    Arc::clone(&keys),
                    Arc::clone(&s),
                );
                (Routers::Lnpay(Box::new(r)), AnyScorer::Lnpay(s))
            }
            RouterKind::Ldk => {
                let s = Arc::new(RwLock::new(ProbabilisticScorer::new(
                    ProbabilisticScoringDecayParameters::default(),
                    Arc::clone(&graph),
                    Arc::clone(&log),
                )));
                let r = DefaultRouter::new(
                    Arc::clone(&graph),
                    Arc::clone(&log),
                    Arc::clone(&keys),
                    Arc::clone(&s),
                    ProbabilisticScoringFeeParameters::default(),
                );
                (Routers::Ldk(Box::new(r)), AnyScorer::Ldk(s))
            }
        };
        let router = Arc::new(AnyRouter { inner: any_router, times_us: Mutex::new(Vec::new()) });
        let best_block = self
            .chain
            .read()
            .map(|c| c.best_block())
            .unwrap_or_else(|_| BestBlock::from_network(BtcNetwork::Regtest));
        let manager = Arc::new(ChannelManager::new(
            Arc::clone(&fees),
            Arc::clone(&chain_monitor),
            Arc::clone(&broadcast),
            Arc::clone(&router),
            Arc::new(DefaultMessageRouter::new(Arc::clone(&graph), Arc::clone(&keys))),
            Arc::clone(&log),
            Arc::clone(&keys),
            Arc::clone(&keys),
            Arc::clone(&keys),
            user_config(),
            ChainParameters { network: BtcNetwork::Regtest, best_block },
            now.as_secs() as u32,
        ));
        let gossip = Arc::new(P2PGossipSync::new(
            Arc::clone(&graph),
            Some(Arc::new(ChainUtxos(Arc::clone(&self.chain)))),
            Arc::clone(&log),
        ));
        let handler = MessageHandler {
            chan_handler: Arc::clone(&manager),
            route_handler: gossip,
            onion_message_handler: Arc::new(IgnoringMessageHandler {}),
            custom_message_handler: Arc::new(IgnoringMessageHandler {}),
            send_only_message_handler: Arc::new(IgnoringMessageHandler {}),
        };
        let ephemeral = keys.get_secure_random_bytes();
        let peers = Arc::new(PeerManager::new(
            handler,
            now.as_secs() as u32,
            &ephemeral,
            Arc::clone(&log),
            Arc::clone(&keys),
        ));
        let node_id = keys.get_node_id(lightning::sign::Recipient::Node).unwrap_or_else(|()| {
            PublicKey::from_secret_key(secp256k1::SECP256K1, &keys.get_node_secret_key())
        });
        Node {
            node_id,
            keys,
            graph,
            manager,
            chain_monitor,
            peers,
            scorer,
            router,
            broadcast,
            events: Vec::new(),
        }
    }

    fn descriptor(&mut self) -> Descriptor {
        self.next_descriptor += 1;
        Descriptor {
            id: self.next_descriptor,
            outbound: Arc::new(Mutex::new(Vec::new())),
            closed: Arc::new(Mutex::new(false)),
        }
    }

    /// Connects nodes `a` and `b` (BOLT 8, `a` initiating); the handshake completes on the
    /// next [`Network::settle`].
    pub fn connect(&mut self, a: usize, b: usize) {
        let (Some(na), Some(nb)) = (self.nodes.get(a), self.nodes.get(b)) else { return };
        let (pa, pb, id_b) = (Arc::clone(&na.peers), Arc::clone(&nb.peers), nb.node_id);
        let da = self.descriptor();
        let mut db = self.descriptor();
        let Ok(act_one) = pa.new_outbound_connection(id_b, da.clone(), None) else { return };
        if pb.new_inbound_connection(db.clone(), None).is_err() {
            return;
        }
        let _ = pb.read_event(&mut db, &act_one);
        self.links.push(Link { a, b, da, db });
    }

    /// Mines `blocks` blocks, the first with every transaction the nodes broadcast, and
    /// connects each to every node.
    pub fn mine(&mut self, blocks: u32) {
        for k in 0..blocks {
            let txs: Vec<Transaction> = if k == 0 {
                self.nodes.iter().flat_map(|n| n.broadcast.take()).collect()
            } else {
                Vec::new()
            };
            let mined = self.chain.write().ok().map(|mut c| c.mine(txs));
            let Some((block, height)) = mined else { return };
            for n in &self.nodes {
                n.manager.block_connected(&block, height);
                n.chain_monitor.block_connected(&block, height);
            }
        }
    }

    fn set_policies(&mut self, k: usize, c: &ChannelSpec) {
        let channel_id = self.nodes.get(c.a).and_then(|n| {
            n.manager
                .list_channels()
                .iter()
                .find(|d| d.user_channel_id == k as u128)
                .map(|d| d.channel_id)
        });
        let Some(channel_id) = channel_id else { return };
        for (side, (me, them)) in [(c.a, c.b), (c.b, c.a)].into_iter().enumerate() {
            let (Some(n), Some(peer)) = (self.nodes.get(me), self.nodes.get(them)) else {
                continue;
            };
            let Some(&(base, ppm, cltv)) = c.policies.get(side) else { continue };
            let ids = [channel_id];
            let update = ChannelConfigUpdate {
                forwarding_fee_base_msat: Some(base),
                forwarding_fee_proportional_millionths: Some(ppm),
                cltv_expiry_delta: Some(cltv.max(MIN_CLTV)),
                ..Default::default()
            };
            let _ = n.manager.update_partial_channel_config(&peer.node_id, &ids, &update);
        }
    }

    /// Delivers messages, processes HTLC forwards and handles events on every node until
    /// nothing moves. Returns how many rounds it took.
    pub fn settle(&mut self) -> usize {
        let mut rounds = 0;
        let mut idle = 0;
        while idle < 2 && rounds < 100_000 {
            rounds += 1;
            let mut moved = false;
            for n in &self.nodes {
                n.peers.process_events();
            }
            for link in &mut self.links {
                let (Some(na), Some(nb)) = (self.nodes.get(link.a), self.nodes.get(link.b)) else {
                    continue;
                };
                let to_b = std::mem::take(&mut *lock(&link.da.outbound));
                if !to_b.is_empty() {
                    moved = true;
                    if nb.peers.read_event(&mut link.db, &to_b).is_err() {
                        nb.peers.socket_disconnected(&link.db);
                    }
                }
                let to_a = std::mem::take(&mut *lock(&link.db.outbound));
                if !to_a.is_empty() {
                    moved = true;
                    if na.peers.read_event(&mut link.da, &to_a).is_err() {
                        na.peers.socket_disconnected(&link.da);
                    }
                }
            }
            for n in &self.nodes {
                if n.manager.needs_pending_htlc_processing() {
                    moved = true;
                }
                n.manager.process_pending_htlc_forwards();
            }
            let mut funding = Vec::new();
            for (i, n) in self.nodes.iter_mut().enumerate() {
                let got = std::cell::RefCell::new(Vec::new());
                let collect = |e: Event| -> Result<(), ReplayEvent> {
                    got.borrow_mut().push(e);
                    Ok(())
                };
                n.manager.process_pending_events(&collect);
                let got: Vec<Event> = got.into_inner();
                if !got.is_empty() {
                    moved = true;
                }
                let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
                for e in got {
                    match &e {
                        Event::FundingGenerationReady {
                            temporary_channel_id,
                            counterparty_node_id,
                            channel_value_satoshis,
                            output_script,
                            ..
                        } => funding.push((
                            i,
                            *temporary_channel_id,
                            *counterparty_node_id,
                            *channel_value_satoshis,
                            output_script.clone(),
                        )),
                        Event::PaymentClaimable { purpose, .. } => {
                            if let Some(preimage) = purpose.preimage() {
                                n.manager.claim_funds(preimage);
                            }
                        }
                        Event::PaymentPathFailed { failure, .. } => {
                            if let PathFailure::OnPath { network_update: Some(update) } = failure {
                                n.graph.handle_network_update(update);
                            }
                            n.scorer.update(&e, now);
                            n.events.push(e);
                        }
                        Event::PaymentSent { .. }
                        | Event::PaymentFailed { .. }
                        | Event::PaymentPathSuccessful { .. }
                        | Event::ProbeSuccessful { .. }
                        | Event::ProbeFailed { .. } => {
                            n.scorer.update(&e, now);
                            n.events.push(e);
                        }
                        _ => {}
                    }
                }
            }
            for (i, temp, peer, value, script) in funding {
                self.fund(i, temp, peer, value, script);
            }
            idle = if moved { 0 } else { idle + 1 };
        }
        rounds
    }

    fn fund(
        &mut self,
        i: usize,
        temp: lightning::ln::types::ChannelId,
        peer: PublicKey,
        value: u64,
        script: ScriptBuf,
    ) {
        self.funding_inputs += 1;
        let mut prev = [0u8; 32];
        prev[..8].copy_from_slice(&self.funding_inputs.to_be_bytes());
        let tx = Transaction {
            version: bitcoin::transaction::Version::TWO,
            lock_time: bitcoin::absolute::LockTime::ZERO,
            input: vec![TxIn {
                previous_output: OutPoint { txid: Txid::from_byte_array(prev), vout: 0 },
                script_sig: ScriptBuf::new(),
                sequence: Sequence::MAX,
                witness: Witness::from_slice(&[[1u8; 1]]),
            }],
            output: vec![TxOut { value: Amount::from_sat(value), script_pubkey: script }],
        };
        if let Some(n) = self.nodes.get(i) {
            let _ = n.manager.funding_transaction_generated(temp, peer, tx);
        }
    }

    /// The node at `i`.
    pub fn node(&self, i: usize) -> Option<&Node> {
        self.nodes.get(i)
    }

    /// What `from` can send to `to` over their direct channels now (outbound capacity).
    pub fn balance(&self, from: usize, to: usize) -> u64 {
        let (Some(a), Some(b)) = (self.nodes.get(from), self.nodes.get(to)) else { return 0 };
        a.manager
            .list_channels_with_counterparty(&b.node_id)
            .iter()
            .filter(|d| d.is_usable)
            .map(|d| d.next_outbound_htlc_limit_msat)
            .sum()
    }

    /// A BOLT 11 invoice for `amount_msat` made by node `payee`'s `ChannelManager` (one hour
    /// expiry, LDK's default final CLTV).
    pub fn invoice(
        &self,
        payee: usize,
        amount_msat: u64,
        description: &str,
    ) -> Result<Bolt11Invoice, PayError> {
        let n = self.nodes.get(payee).ok_or(PayError::NoSuchNode { index: payee })?;
        let description = Description::new(description.to_owned())
            .map_err(|_| PayError::Description { description: description.to_owned() })?;
        let params = Bolt11InvoiceParameters {
            amount_msats: Some(amount_msat),
            description: Bolt11InvoiceDescription::Direct(description),
            invoice_expiry_delta_secs: Some(3600),
            ..Default::default()
        };
        n.manager.create_bolt11_invoice(params).map_err(|_| PayError::Invoice { payee })
    }

    /// Starts paying `invoice` from node `payer` with LDK's `pay_for_bolt11_invoice`: fee
    /// limit 0.5 % or 5,000 msat (the larger), `Retry::Timeout(60 s)`. The outcome arrives as
    /// events on the next [`Network::settle`]; see [`Network::outcome`].
    pub fn pay(&self, payer: usize, invoice: &Bolt11Invoice) -> Result<PaymentId, PayError> {
        self.pay_in_parts(payer, invoice, RouteParametersConfig::default().max_path_count)
    }

    /// As [`Network::pay`], in at most `max_parts` parts (LDK's `max_path_count`).
    pub fn pay_in_parts(
        &self,
        payer: usize,
        invoice: &Bolt11Invoice,
        max_parts: u8,
    ) -> Result<PaymentId, PayError> {
        let n = self.nodes.get(payer).ok_or(PayError::NoSuchNode { index: payer })?;
        let amount = invoice.amount_milli_satoshis().unwrap_or(0);
        let config = RouteParametersConfig {
            max_total_routing_fee_msat: Some(fee_limit(amount)),
            max_path_count: max_parts,
            ..Default::default()
        };
        let id = PaymentId(*invoice.payment_hash().as_byte_array());
        n.manager
            .pay_for_bolt11_invoice(
                invoice,
                id,
                None,
                config,
                Retry::Timeout(Duration::from_secs(60)),
            )
            .map_err(|e| PayError::Send { reason: format!("{e:?}") })?;
        Ok(id)
    }

    /// What became of payment `id` of node `payer` so far.
    pub fn outcome(&self, payer: usize, id: PaymentId) -> Outcome {
        let mut out = Outcome::default();
        let Some(n) = self.nodes.get(payer) else { return out };
        for e in &n.events {
            match e {
                Event::PaymentSent {
                    payment_id: Some(p), payment_preimage, fee_paid_msat, ..
                } if *p == id => {
                    out.preimage = Some(payment_preimage.0);
                    out.fee_msat = *fee_paid_msat;
                }
                Event::PaymentFailed { payment_id, reason, .. } if *payment_id == id => {
                    out.failed = Some(*reason);
                }
                Event::PaymentPathFailed { payment_id: Some(p), short_channel_id, .. }
                    if *p == id =>
                {
                    out.paths_failed.push(*short_channel_id);
                }
                Event::PaymentPathSuccessful { payment_id, path, .. } if *payment_id == id => {
                    out.paths_succeeded
                        .push(path.hops.iter().map(|h| h.short_channel_id).collect());
                }
                _ => {}
            }
        }
        out
    }

    /// The short channel ids of the channels between `a` and `b`.
    pub fn scids(&self, a: usize, b: usize) -> Vec<u64> {
        let (Some(na), Some(nb)) = (self.nodes.get(a), self.nodes.get(b)) else {
            return Vec::new();
        };
        na.manager
            .list_channels_with_counterparty(&nb.node_id)
            .iter()
            .filter_map(|d| d.short_channel_id)
            .collect()
    }

    /// The most `from` could deliver to `to` now: the max flow over every usable channel's
    /// outbound capacity as its owner's `ChannelManager` reports it (fees, HTLC limits and
    /// counts ignored).
    pub fn max_flow(&self, from: usize, to: usize) -> u64 {
        let index: HashMap<PublicKey, usize> =
            self.nodes.iter().enumerate().map(|(i, n)| (n.node_id, i)).collect();
        let mut cap: HashMap<(usize, usize), u64> = HashMap::new();
        let mut adj: Vec<Vec<usize>> = vec![Vec::new(); self.nodes.len()];
        for (u, n) in self.nodes.iter().enumerate() {
            for d in n.manager.list_usable_channels() {
                let Some(&v) = index.get(&d.counterparty.node_id) else { continue };
                let c = cap.entry((u, v)).or_insert(0);
                *c = c.saturating_add(d.next_outbound_htlc_limit_msat);
                cap.entry((v, u)).or_insert(0);
                if let Some(a) = adj.get_mut(u) {
                    a.push(v);
                }
                if let Some(a) = adj.get_mut(v) {
                    a.push(u);
                }
            }
        }
        let mut total = 0u64;
        loop {
            // Breadth-first search for a shortest augmenting path (Edmonds-Karp).
            let mut prev: Vec<Option<usize>> = vec![None; self.nodes.len()];
            let mut queue = std::collections::VecDeque::from([from]);
            let mut seen = vec![false; self.nodes.len()];
            if let Some(s) = seen.get_mut(from) {
                *s = true;
            }
            while let Some(u) = queue.pop_front() {
                if u == to {
                    break;
                }
                for &v in adj.get(u).map(Vec::as_slice).unwrap_or_default() {
                    let free = cap.get(&(u, v)).copied().unwrap_or(0);
                    if free > 0 && !seen.get(v).copied().unwrap_or(true) {
                        if let Some(s) = seen.get_mut(v) {
                            *s = true;
                        }
                        if let Some(p) = prev.get_mut(v) {
                            *p = Some(u);
                        }
                        queue.push_back(v);
                    }
                }
            }
            if !seen.get(to).copied().unwrap_or(false) || from == to {
                return total;
            }
            let mut bottleneck = u64::MAX;
            let mut v = to;
            while let Some(u) = prev.get(v).copied().flatten() {
                bottleneck = bottleneck.min(cap.get(&(u, v)).copied().unwrap_or(0));
                v = u;
            }
            let mut v = to;
            while let Some(u) = prev.get(v).copied().flatten() {
                if let Some(c) = cap.get_mut(&(u, v)) {
                    *c -= bottleneck;
                }
                if let Some(c) = cap.get_mut(&(v, u)) {
                    *c = c.saturating_add(bottleneck);
                }
                v = u;
            }
            total = total.saturating_add(bottleneck);
        }
    }

    /// Node indices by how many channels the topology gives them, most first.
    pub fn by_degree(&self) -> Vec<usize> {
        let mut degree = vec![0usize; self.nodes.len()];
        for c in &self.topology.channels {
            for i in [c.a, c.b] {
                if let Some(d) = degree.get_mut(i) {
                    *d += 1;
                }
            }
        }
        let mut order: Vec<usize> = (0..self.nodes.len()).collect();
        order.sort_by_key(|&i| (std::cmp::Reverse(degree.get(i).copied().unwrap_or(0)), i));
        order
    }

    /// The height of the simulated chain's tip.
    pub fn height(&self) -> u32 {
        self.chain.read().map_or(0, |c| c.height)
    }
}
