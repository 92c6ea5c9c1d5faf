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

mod chain;
mod peers;
mod plumbing;
mod routers;
mod topology;

pub use chain::*;
pub use peers::*;
pub use plumbing::*;
pub use routers::*;
pub use topology::*;

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
