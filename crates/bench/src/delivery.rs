//! Delivery A/B: the same simulated network built twice from one topology and one seed (so
//! the same keys and balances), the same list of payments, paid once by lnpay's `pay`
//! (through `lnpay_harness::driver::Driver`, as `lnpay sim` pays) and once by a payer driven by
//! LDK 0.2.7: LDK's `NetworkGraph` from the simulator's signed gossip, `find_route` with the
//! `ProbabilisticScorer` (MPP allowed by the invoice's features, in-flight parts accounted
//! for), onions built by LDK's public `create_payment_onion`, HTLCs sent through the
//! simulator's `ChannelBackend`, failures decoded with our `onion` crate (LDK's decoder is
//! crate-private), the scorer told of every failed and successful path, and the failed
//! amount retried with Core Lightning `pay`'s defaults for both payers: fee limit 0.5 %
//! (`maxfeepercent`) or 5,000 msat (`exemptfee`), whichever is more, and 60 s of simulated
//! time (`retry_for`).
//!
//! Both payers know channel capacities as real nodes do, from the funding outputs on the
//! (simulated) chain ([`crate::chain`]): LDK through a `UtxoLookup`, lnpay through its graph
//! builder. Without them each would take a direction's `htlc_maximum_msat` for the whole
//! channel.
//!
//! Each run's thread time is split three ways ([`Split`]): the payer's own calls, the
//! simulated network (the payee issuing the invoice; every hop peeling, forwarding, failing
//! and fulfilling HTLCs, signing the `channel_update`s of failures; timers), and the ground
//! truth taken before each payment ([`fee_feasible`] and the simulator's `can_deliver`).
//! Only the first is the payer's cost: the second grows with the HTLCs a payer sends and the
//! hops they cross, the third is the bench's; both ran inside each payer's window before.

use crate::chain::{graph_from_gossip_and_chain, OurGossip, SimChain};
use crate::data::Rng;
use crate::ldk::{self, GossipCounts, LdkGraph, NoLog, LOG};
use crate::mincost::{self, MinCost};
use crate::stats::quantile;
use harness::driver::{Driver, SIM_EPOCH_MS};
use lightning::ln::channelmanager::RecipientOnionFields;
use lightning::routing::router::{
    find_route, InFlightHtlcs, Path, PaymentParameters, Route, RouteParameters,
    ScorerAccountingForInFlightHtlcs,
};
use lightning::routing::scoring::{
    ProbabilisticScorer, ProbabilisticScoringDecayParameters, ProbabilisticScoringFeeParameters,
    ScoreUpdate,
};
use lightning::types::payment::{PaymentHash, PaymentSecret};
use onion::crypto::{blinding_factor, SharedSecret};
use onion::failure::{decode_return_packet, FailureMessage};
use onion::packet::OnionPacket;
use payment::{Command, PayOptions, PayRequest, Reply, XpayRequest};
use secp256k1::{PublicKey, Scalar, SecretKey, SECP256K1};
use sim::workload::add_payer;
use sim::{ChannelBackend, HtlcId, Resolution, SimConfig, Simulator, Topology, TopologyError};
use std::collections::HashMap;
use std::str::FromStr;
use std::sync::Arc;
use std::time::{Duration, Instant};
use types::{Msat, ShortChannelId};

/// Core Lightning `pay`'s `maxfeepercent` default, in millionths.
pub const MAX_FEE_PPM: u64 = 5_000;
/// Core Lightning `pay`'s `exemptfee` default.
pub const EXEMPT_FEE_MSAT: u64 = 5_000;
/// Core Lightning `pay`'s `retry_for` default, in simulated milliseconds.
pub const RETRY_FOR_MS: u64 = 60_000;
/// Channels from the payer to the best-connected nodes (as `lnpay sim`).
pub const PAYER_PEERS: usize = 10;
/// Capacity of each payer channel: 1 BTC (as `lnpay sim`).
pub const PAYER_CAPACITY: Msat = Msat(100_000_000_000);

/// The fee limit both payers get for `amount`.
pub fn fee_limit(amount: Msat) -> u64 {
    (amount.0 * MAX_FEE_PPM / 1_000_000).max(EXEMPT_FEE_MSAT)
}

/// Whether the cheapest flow of `amount` from `src` to `dst` over `sim`'s true balances now
/// costs at most [`fee_limit`] (BOLT 7 fees of the announced policies, linearised as
/// [`crate::mincost`] explains).
pub fn fee_feasible(sim: &Simulator, src: u32, dst: u32, amount: Msat) -> bool {
    matches!(mincost::cheapest(sim, src, dst, amount, fee_limit(amount)), MinCost::Fee(_))
}

/// Thread CPU and wall time spent on one kind of work.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Spent {
    /// This thread's CPU time, in seconds (`CLOCK_THREAD_CPUTIME_ID`).
    pub cpu_s: f64,
    /// Wall time, in seconds.
    pub wall_s: f64,
}

impl Spent {
    /// `self` less `other`, floored at zero.
    pub fn minus(self, other: Spent) -> Spent {
        Spent {
            cpu_s: (self.cpu_s - other.cpu_s).max(0.0),
            wall_s: (self.wall_s - other.wall_s).max(0.0),
        }
    }

    /// `self` plus `other`.
    pub fn plus(self, other: Spent) -> Spent {
        Spent { cpu_s: self.cpu_s + other.cpu_s, wall_s: self.wall_s + other.wall_s }
    }
}

/// Where one payer's run over the plan went.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Split {
    /// The payer's own calls: decoding the invoice, routing, building onions, reading
    /// failures, learning, its bookkeeping, offering HTLCs on its channels (lnpay: the payment
    /// machine and the driver's feeding it; LDK-driven: `find_route` with its scorer,
    /// `create_payment_onion`, the failure decoder, the scorer's updates).
    pub payer: Spent,
    /// The simulated network: the payee's invoice, every event of the simulator (hops
    /// peeling onions, forwarding, failing with signed `channel_update`s, fulfilling) and the
    /// timers' clock. A real payer's peers do this on their own machines.
    pub network: Spent,
    /// The ground truth before each payment (max flow and min-cost flow over the true
    /// balances of this payer's network): the bench's work.
    pub truth: Spent,
}

/// This thread's CPU time so far, in nanoseconds.
fn thread_cpu_ns() -> u64 {
    let t = rustix::time::clock_gettime(rustix::time::ClockId::ThreadCPUTime);
    (t.tv_sec.max(0) as u64).saturating_mul(1_000_000_000).saturating_add(t.tv_nsec.max(0) as u64)
}

/// A point in this thread's CPU time and in wall time.
#[derive(Debug, Clone, Copy)]
struct Stamp {
    cpu_ns: u64,
    wall: Instant,
}

impl Stamp {
    fn now() -> Stamp {
        Stamp { cpu_ns: thread_cpu_ns(), wall: Instant::now() }
    }

    /// Adds the time since `self` to `to`.
    fn charge(self, to: &mut Spent) {
        to.cpu_s += thread_cpu_ns().saturating_sub(self.cpu_ns) as f64 / 1e9;
        to.wall_s += self.wall.elapsed().as_secs_f64();
    }
}

/// Runs `f`, its thread and wall time added to `to`.
fn timed<T>(to: &mut Spent, f: impl FnOnce() -> T) -> T {
    let s = Stamp::now();
    let out = f();
    s.charge(to);
    out
}

/// The ground truth of one payment over `sim`'s true balances now: (max flow covers the
/// amount, and the cheapest flow fits the fee limit too).
fn ground_truth(sim: &Simulator, payee: u32, amount: Msat) -> (bool, bool) {
    let src = sim.payer();
    let feasible = sim.can_deliver(src, payee, amount);
    (feasible, feasible && fee_feasible(sim, src, payee, amount))
}

/// A topology with the payer attached (as `lnpay sim` attaches it).
#[derive(Debug, Clone)]
pub struct Network {
    /// Nodes and channels.
    pub topology: Topology,
    /// The payer's node.
    pub payer: u32,
}

impl Network {
    /// Attaches a payer with [`PAYER_PEERS`] channels of [`PAYER_CAPACITY`].
    pub fn new(mut topology: Topology) -> Network {
        let payer = add_payer(&mut topology, PAYER_PEERS, PAYER_CAPACITY);
        Network { topology, payer }
    }

    /// Builds the simulator for this network (the same seed gives the same balances).
    pub fn simulator(&self, seed: u64) -> Result<Simulator, TopologyError> {
        let mut sim = Simulator::new(&self.topology, SimConfig { seed, ..Default::default() })?;
        sim.set_payer(self.payer);
        Ok(sim)
    }
}

/// A set of payments of one kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Class {
    /// How the report names it.
    pub label: String,
    /// The amount of each invoice.
    pub amount: Msat,
}

/// One payment of the list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Planned {
    /// Index into [`Plan::classes`].
    pub class: usize,
    /// The receiver.
    pub payee: u32,
}

/// The list of payments both payers make, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    /// The kinds of payment.
    pub classes: Vec<Class>,
    /// The payments, shuffled.
    pub payments: Vec<Planned>,
}

fn sat_label(amount: Msat) -> String {
    let sat = amount.0 / 1000;
    match sat {
        s if s >= 1_000_000 && s % 1_000_000 == 0 => format!("{}M sat", s / 1_000_000),
        s if s >= 1_000 && s % 1_000 == 0 => format!("{}k sat", s / 1_000),
        s => format!("{s} sat"),
    }
}

/// `per_amount` payments to random receivers at each of `amounts`, and one payment of
/// `hub_amount` to each of the `hubs` best-connected nodes (by channel count), shuffled with
/// `seed`.
pub fn plan(
    sim: &Simulator,
    amounts: &[Msat],
    per_amount: usize,
    hubs: usize,
    hub_amount: Msat,
    seed: u64,
) -> Plan {
    let payer = sim.payer();
    let receivers: Vec<u32> = (0..sim.node_count() as u32)
        .filter(|&n| n != payer && !sim.node_channels(n).is_empty())
        .collect();
    let mut classes: Vec<Class> =
        amounts.iter().map(|&a| Class { label: sat_label(a), amount: a }).collect();
    let mut rng = Rng(seed ^ 0x7061_7965_6573);
    let mut payments = Vec::new();
    if !receivers.is_empty() {
        for class in 0..amounts.len() {
            for _ in 0..per_amount {
                payments.push(Planned { class, payee: receivers[rng.below(receivers.len())] });
            }
        }
    }
    if hubs > 0 {
        let mut by_degree = receivers.clone();
        by_degree.sort_by_key(|&n| (std::cmp::Reverse(sim.node_channels(n).len()), n));
        let class = classes.len();
        classes.push(Class {
            label: format!("{} to top {hubs}", sat_label(hub_amount)),
            amount: hub_amount,
        });
        payments.extend(by_degree.iter().take(hubs).map(|&payee| Planned { class, payee }));
    }
    // Fisher-Yates, so that no kind of payment always runs on a fresher network.
    for i in (1..payments.len()).rev() {
        payments.swap(i, rng.below(i + 1));
    }
    Plan { classes, payments }
}

/// What one payment did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Outcome {
    /// The max flow over the true balances, just before it, covered the amount.
    pub feasible: bool,
    /// And the cheapest flow over them fit the fee limit ([`fee_feasible`]).
    pub feasible_fee: bool,
    /// Every part was fulfilled.
    pub delivered: bool,
    /// HTLCs that left the payer.
    pub attempts: u64,
    /// Fees paid (delivered payments).
    pub fee_msat: u64,
    /// Simulated time from the start of the payment to its result.
    pub sim_ms: u64,
}

/// Pays every payment of `plan` with lnpay's `pay` over `sim` (through [`lnpay_driver`]);
/// `progress` is told after each. `None` when the simulator's payer has no node id.
pub fn run_lnpay(
    sim: Simulator,
    plan: &Plan,
    key_seed: [u8; 32],
    progress: &mut dyn FnMut(usize),
) -> Option<Vec<Outcome>> {
    let (mut d, _) = lnpay_driver(sim, key_seed)?;
    Some(run_lnpay_on(&mut d, plan, progress).0)
}

/// lnpay's driver for `sim`'s payer, its graph built from the simulator's signed gossip and
/// the capacities of the simulated chain ([`graph_from_gossip_and_chain`]), as a node that
/// validates announcements on chain has it. (The driver's own graph, which only a restart
/// reads, stays the one it imported without capacities; the bench never restarts it.)
/// `None` when the simulator's payer has no node id.
pub fn lnpay_driver(sim: Simulator, key_seed: [u8; 32]) -> Option<(Driver, OurGossip)> {
    let mut d = Driver::new(sim, key_seed)?;
    let gossip = d.sim.gossip();
    let chain = SimChain::new(&d.sim, gossip.iter().map(Vec::as_slice));
    let (b, counts) = graph_from_gossip_and_chain(&gossip, &chain);
    d.machine.set_graph(b.build());
    Some((d, counts))
}

/// Pays every payment of `plan` with `d`; `progress` is told after each. Returns the
/// outcomes and where the time went.
pub fn run_lnpay_on(
    d: &mut Driver,
    plan: &Plan,
    progress: &mut dyn FnMut(usize),
) -> (Vec<Outcome>, Split) {
    run_on(d, plan, progress, false)
}

/// [`run_lnpay_on`] with `xpay` instead of `pay`, under the same limits (its `maxfee` set to
/// [`fee_limit`], `retry_for` the same).
pub fn run_xpay_on(
    d: &mut Driver,
    plan: &Plan,
    progress: &mut dyn FnMut(usize),
) -> (Vec<Outcome>, Split) {
    run_on(d, plan, progress, true)
}

/// The driver's `call`, with the network's steps timed apart: the payer's part is the rest.
fn call_timed(d: &mut Driver, command: Command, network: &mut Spent) -> Option<Reply> {
    let id = d.submit(command);
    loop {
        if let Some(r) = d.replies.get(&id) {
            return Some(r.clone());
        }
        if !timed(network, || d.network_step()) {
            return d.replies.get(&id).cloned();
        }
        d.process();
    }
}

fn run_on(
    d: &mut Driver,
    plan: &Plan,
    progress: &mut dyn FnMut(usize),
    xpay: bool,
) -> (Vec<Outcome>, Split) {
    let mut split = Split::default();
    let mut window = Spent::default();
    let mut out = Vec::with_capacity(plan.payments.len());
    for (i, p) in plan.payments.iter().enumerate() {
        let amount = plan.classes.get(p.class).map_or(Msat(1), |c| c.amount);
        let (feasible, feasible_fee) =
            timed(&mut split.truth, || ground_truth(&d.sim, p.payee, amount));
        let mut o = Outcome { feasible, feasible_fee, ..Outcome::default() };
        let started = Stamp::now();
        let invoice = timed(&mut split.network, || d.sim.create_invoice(p.payee, Some(amount)));
        if let Some(inv) = invoice {
            let (sent0, t0) = (d.sent, d.sim.now_ms());
            let decoded = bolt11::Invoice::decode(&inv.bolt11, bolt11::Currency::Bitcoin).ok();
            let reply = decoded.and_then(|decoded| {
                let command = if xpay {
                    Command::Xpay(XpayRequest {
                        maxfee: Some(Msat(fee_limit(amount))),
                        retry_for: Some(RETRY_FOR_MS / 1000),
                        ..XpayRequest::new(decoded, inv.bolt11)
                    })
                } else {
                    Command::Pay(PayRequest {
                        options: PayOptions {
                            maxfeepercent: Some(MAX_FEE_PPM as f64 / 10_000.0),
                            exemptfee: Some(Msat(EXEMPT_FEE_MSAT)),
                            retry_for: Some(RETRY_FOR_MS / 1000),
                            ..Default::default()
                        },
                        ..PayRequest::new(decoded, inv.bolt11)
                    })
                };
                call_timed(d, command, &mut split.network)
            });
            o.attempts = (d.sent - sent0) as u64;
            o.sim_ms = d.sim.now_ms().saturating_sub(t0);
            let sent = match reply {
                Some(Reply::Pay(Ok(paid))) => Some(paid.amount_sent_msat),
                Some(Reply::Xpay(Ok(paid))) => Some(paid.amount_sent_msat),
                _ => None,
            };
            if let Some(sent) = sent {
                o.delivered = true;
                o.fee_msat = sent.0.saturating_sub(amount.0);
            }
        }
        d.events.clear();
        d.replies.clear();
        started.charge(&mut window);
        out.push(o);
        progress(i + 1);
    }
    split.payer = window.minus(split.network);
    (out, split)
}

/// A part in flight.
struct Part {
    path: Path,
    secrets: Vec<SharedSecret>,
    value: u64,
    fee: u64,
}

/// What the payer makes of a failed part.
enum Verdict {
    Retry,
    GiveUp,
}

type Scorer = ProbabilisticScorer<Arc<LdkGraph>, &'static NoLog>;

/// The LDK-driven payer over a simulator.
pub struct LdkPayer {
    /// The network.
    pub sim: Simulator,
    net: Arc<LdkGraph>,
    scorer: Scorer,
    score_params: ProbabilisticScoringFeeParameters,
    payer_id: PublicKey,
    rng: Rng,
    /// HTLCs that left the payer, over the payer's life.
    pub sent: usize,
    /// How LDK took the simulator's gossip.
    pub gossip: GossipCounts,
    /// Time spent in the simulated network on this payer's behalf (its invoices, its
    /// simulator events), over the payer's life.
    pub network: Spent,
}

/// The LDK payer could not be set up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum LdkPayerError {
    /// The simulator's payer index names no node.
    NoPayer {
        /// The index.
        payer: u32,
    },
}

impl std::fmt::Display for LdkPayerError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LdkPayerError::NoPayer { payer } => write!(f, "payer {payer} is not a node"),
        }
    }
}

impl std::error::Error for LdkPayerError {}

impl LdkPayer {
    /// LDK's graph from `sim`'s gossip, each announcement checked against its funding output
    /// on the simulated chain ([`SimChain`], which gives LDK the capacity), a fresh default
    /// `ProbabilisticScorer`, session keys from `seed`.
    pub fn new(sim: Simulator, seed: u64) -> Result<LdkPayer, LdkPayerError> {
        let payer = sim.payer();
        let payer_id = sim.node_pubkey(payer).ok_or(LdkPayerError::NoPayer { payer })?;
        let messages = sim.gossip();
        let chain = SimChain::new(&sim, messages.iter().map(Vec::as_slice));
        let (net, gossip) =
            ldk::network_graph_from_gossip(messages.iter().map(Vec::as_slice), Some(&chain));
        let net = Arc::new(net);
        let scorer = ProbabilisticScorer::new(
            ProbabilisticScoringDecayParameters::default(),
            Arc::clone(&net),
            &LOG,
        );
        Ok(LdkPayer {
            sim,
            net,
            scorer,
            score_params: ProbabilisticScoringFeeParameters::default(),
            payer_id,
            rng: Rng(seed ^ 0x6c64_6b5f_7061_7972),
            sent: 0,
            gossip,
            network: Spent::default(),
        })
    }

    fn now(&self) -> Duration {
        Duration::from_millis(SIM_EPOCH_MS + self.sim.now_ms())
    }

    fn first_hops(&self) -> Vec<lightning::ln::channel_state::ChannelDetails> {
        let payer = self.sim.payer();
        let mut out = Vec::new();
        for (i, scid) in self.sim.node_channels(payer).into_iter().enumerate() {
            let Some((nodes, balances)) = self.sim.balances(scid) else { continue };
            let peer = if nodes[0] == payer { nodes[1] } else { nodes[0] };
            let (Some(peer), Some(spendable)) =
                (self.sim.node_pubkey(peer), self.sim.spendable_by(scid, payer))
            else {
                continue;
            };
            let capacity = balances[0].0 + balances[1].0;
            out.push(ldk::first_hop(i, scid.0, peer, capacity, spendable.0));
        }
        out
    }

    fn route(
        &self,
        params: &PaymentParameters,
        value: u64,
        fee_budget: u64,
        pending: &HashMap<HtlcId, Part>,
    ) -> Result<Route, &'static str> {
        let mut rp = RouteParameters::from_payment_params_and_value(params.clone(), value);
        rp.max_total_routing_fee_msat = Some(fee_budget);
        let hops = self.first_hops();
        let hops: Vec<_> = hops.iter().collect();
        let mut inflight = InFlightHtlcs::new();
        for part in pending.values() {
            inflight.process_path(&part.path, self.payer_id);
        }
        let scorer = ScorerAccountingForInFlightHtlcs::new(&self.scorer, &inflight);
        let seed = self.rng.clone().bytes32();
        find_route(
            &self.payer_id,
            &rp,
            &self.net,
            Some(&hops),
            &LOG,
            &scorer,
            &self.score_params,
            &seed,
        )
    }

    /// Builds the onion with LDK and offers the HTLC; `None` when the payer's channel refused
    /// it (the first hop is then scored as failed).
    fn send(
        &mut self,
        path: Path,
        total: u64,
        secret: PaymentSecret,
        hash: types::PaymentHash,
    ) -> Option<(HtlcId, Part)> {
        let first = path.hops.first()?.short_channel_id;
        let session = loop {
            if let Ok(k) = SecretKey::from_slice(&self.rng.bytes32()) {
                break k;
            }
        };
        // LDK builds onions at the next block's height, as its ChannelManager does.
        let height = self.sim.block_height() + 1;
        let (packet, first_amount, first_cltv) = lightning::ln::create_payment_onion(
            SECP256K1,
            &path,
            &session,
            total,
            &RecipientOnionFields::secret_only(secret),
            height,
            &PaymentHash(hash.0),
            &None,
            None,
            self.rng.bytes32(),
        )
        .ok()?;
        let onion = OnionPacket {
            version: packet.version,
            public_key: packet.public_key.map_or([0; 33], |k| k.serialize()),
            hop_payloads: Box::new(packet.hop_data),
            hmac: packet.hmac,
        };
        let secrets = shared_secrets(&session, &path);
        let (value, fee) = (path.final_value_msat(), path.fee_msat());
        match self.sim.send_htlc(ShortChannelId(first), Msat(first_amount), first_cltv, hash, onion)
        {
            Ok(id) => {
                self.sent += 1;
                Some((id, Part { path, secrets, value, fee }))
            }
            Err(_) => {
                let now = self.now();
                self.scorer.payment_path_failed(&path, first, now);
                None
            }
        }
    }

    /// Reads a failed part's return packet, applies a `channel_update` it carries to LDK's
    /// graph, tells the scorer which channel failed (as LDK attributes: the channel into a
    /// node that failed as a node, else the channel out of the erring node) and excludes it
    /// from the retries.
    fn on_failed(&mut self, part: &Part, reason: &[u8], failed: &mut Vec<u64>) -> Verdict {
        let hops = &part.path.hops;
        let now = self.now();
        let Ok(decoded) = decode_return_packet(&part.secrets, reason) else {
            // Unreadable: blame the first channel past our own.
            let scid = hops.get(1).or(hops.first()).map_or(0, |h| h.short_channel_id);
            self.scorer.payment_path_failed(&part.path, scid, now);
            failed.push(scid);
            return Verdict::Retry;
        };
        let failure = &decoded.failure;
        if let Some(update) = failure.channel_update() {
            let applied = match update {
                [0x01, 0x02, body @ ..] => ldk::apply_channel_update(&self.net, body).is_ok(),
                _ => false,
            };
            if !applied {
                let _ = ldk::apply_channel_update(&self.net, update);
            }
        }
        let i = decoded.erring_index;
        if i + 1 >= hops.len() {
            // The payee: only a multi-part timeout is worth another try.
            return if matches!(failure, FailureMessage::MppTimeout) {
                Verdict::Retry
            } else {
                Verdict::GiveUp
            };
        }
        let hop = if failure.is_node() { hops.get(i) } else { hops.get(i + 1) };
        let scid = hop.map_or(0, |h| h.short_channel_id);
        self.scorer.payment_path_failed(&part.path, scid, now);
        failed.push(scid);
        Verdict::Retry
    }

    /// Issues an invoice at `payee` for `amount` and pays it.
    pub fn pay(&mut self, payee: u32, amount: Msat, feasible: bool) -> Outcome {
        let mut out = Outcome { feasible, ..Outcome::default() };
        let (t0, sent0) = (self.sim.now_ms(), self.sent);
        let sim = &mut self.sim;
        let Some(inv) = timed(&mut self.network, || sim.create_invoice(payee, Some(amount))) else {
            return out;
        };
        let Ok(invoice) = lightning_invoice::Bolt11Invoice::from_str(&inv.bolt11) else {
            return out;
        };
        let mut params = PaymentParameters::from_node_id(
            invoice.get_payee_pub_key(),
            invoice.min_final_cltv_expiry_delta() as u32,
        );
        params = match params.clone().with_route_hints(invoice.route_hints()) {
            Ok(p) => p,
            Err(()) => params,
        };
        if let Some(features) = invoice.features() {
            params = match params.clone().with_bolt11_features(features.clone()) {
                Ok(p) => p,
                Err(()) => params,
            };
        }
        let secret = *invoice.payment_secret();
        let max_fee = fee_limit(amount);
        let deadline = t0 + RETRY_FOR_MS;
        let mut pending: HashMap<HtlcId, Part> = HashMap::new();
        let (mut to_route, mut delivered, mut fees_committed, mut fees_paid) =
            (amount.0, 0u64, 0u64, 0u64);
        let mut give_up = false;
        // Rounds that sent nothing while nothing was in flight (local refusals only).
        let mut idle_rounds = 0;
        loop {
            if delivered >= amount.0 {
                out.delivered = true;
                out.fee_msat = fees_paid;
                break;
            }
            let mut no_route = false;
            if to_route > 0 && !give_up && self.sim.now_ms() < deadline {
                let budget = max_fee.saturating_sub(fees_committed);
                match self.route(&params, to_route, budget, &pending) {
                    Ok(route) => {
                        for path in route.paths {
                            let fee = path.fee_msat();
                            let first = path.hops.first().map(|h| h.short_channel_id);
                            match self.send(path, amount.0, secret, inv.payment_hash) {
                                Some((id, part)) => {
                                    to_route = to_route.saturating_sub(part.value);
                                    fees_committed += fee;
                                    pending.insert(id, part);
                                }
                                None => params.previously_failed_channels.extend(first),
                            }
                        }
                    }
                    Err(_) => no_route = true,
                }
            }
            if pending.is_empty() {
                idle_rounds += 1;
                if no_route || give_up || self.sim.now_ms() >= deadline || idle_rounds > 20 {
                    break;
                }
                continue;
            }
            let sim = &mut self.sim;
            let Some(r) = timed(&mut self.network, || sim.run_until_resolution()) else { break };
            let Some(part) = pending.remove(&r.htlc) else { continue };
            match r.resolution {
                Resolution::Fulfilled(_) => {
                    delivered += part.value;
                    fees_paid += part.fee;
                    let now = self.now();
                    self.scorer.payment_path_successful(&part.path, now);
                }
                Resolution::Failed(reason) => {
                    to_route += part.value;
                    fees_committed = fees_committed.saturating_sub(part.fee);
                    let mut failed = Vec::new();
                    if let Verdict::GiveUp = self.on_failed(&part, &reason, &mut failed) {
                        give_up = true;
                    }
                    params.previously_failed_channels.extend(failed);
                }
                Resolution::Malformed { .. } => {
                    to_route += part.value;
                    fees_committed = fees_committed.saturating_sub(part.fee);
                    if let Some(h) = part.path.hops.first() {
                        let now = self.now();
                        self.scorer.payment_path_failed(&part.path, h.short_channel_id, now);
                    }
                }
            }
        }
        out.attempts = (self.sent - sent0) as u64;
        out.sim_ms = self.sim.now_ms().saturating_sub(t0);
        out
    }
}

/// The per-hop shared secrets of the onion LDK built from `session` over `path` (BOLT 4's
/// ephemeral key chain), so our decoder can read the failures.
pub fn shared_secrets(session: &SecretKey, path: &Path) -> Vec<SharedSecret> {
    let mut key = *session;
    let mut out = Vec::with_capacity(path.hops.len());
    for hop in &path.hops {
        let secret = SharedSecret::new(&hop.pubkey, &key);
        let ephemeral = PublicKey::from_secret_key(SECP256K1, &key);
        let factor = blinding_factor(&ephemeral, &secret);
        out.push(secret);
        match Scalar::from_be_bytes(factor).ok().and_then(|s| key.mul_tweak(&s).ok()) {
            Some(next) => key = next,
            None => break,
        }
    }
    out
}

/// Pays every payment of `plan` with the LDK payer. Returns the outcomes and where the time
/// went (as [`run_lnpay_on`]).
pub fn run_ldk(
    payer: &mut LdkPayer,
    plan: &Plan,
    progress: &mut dyn FnMut(usize),
) -> (Vec<Outcome>, Split) {
    let mut split = Split::default();
    let mut window = Spent::default();
    let network_before = payer.network;
    let mut out = Vec::with_capacity(plan.payments.len());
    for (i, p) in plan.payments.iter().enumerate() {
        let amount = plan.classes.get(p.class).map_or(Msat(1), |c| c.amount);
        let (feasible, feasible_fee) =
            timed(&mut split.truth, || ground_truth(&payer.sim, p.payee, amount));
        let mut o = timed(&mut window, || payer.pay(p.payee, amount, feasible));
        o.feasible_fee = feasible_fee;
        out.push(o);
        progress(i + 1);
    }
    split.network = payer.network.minus(network_before);
    split.payer = window.minus(split.network);
    (out, split)
}

/// One payer's figures for one class of payments.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// The class.
    pub label: String,
    /// Its amount.
    pub amount: Msat,
    /// Payments made.
    pub payments: usize,
    /// Delivered.
    pub delivered: usize,
    /// Feasible by max flow.
    pub feasible: usize,
    /// Delivered although max flow said no (max flow ignores fees and is taken before).
    pub delivered_infeasible: usize,
    /// Delivered over feasible.
    pub success: Option<f64>,
    /// Feasible within the fee limit (a min-cost flow fits the fee limit).
    pub feasible_fee: usize,
    /// Delivered over feasible within the fee limit (as `success`, every delivered payment
    /// counts).
    pub success_fee: Option<f64>,
    /// Median HTLCs sent per feasible payment.
    pub median_attempts: Option<u64>,
    /// Median fee in millionths of the amount, over delivered payments.
    pub median_fee_ppm: Option<u64>,
    /// Median simulated time per feasible payment (an infeasible one mostly ends at once,
    /// with no route).
    pub p50_sim_ms: Option<u64>,
    /// 99th percentile of it.
    pub p99_sim_ms: Option<u64>,
}

/// The figures per class of `outcomes` (in `plan`'s order).
pub fn summarize(plan: &Plan, outcomes: &[Outcome]) -> Vec<Row> {
    plan.classes
        .iter()
        .enumerate()
        .map(|(k, class)| {
            let outs: Vec<&Outcome> = plan
                .payments
                .iter()
                .zip(outcomes)
                .filter(|(p, _)| p.class == k)
                .map(|(_, o)| o)
                .collect();
            let delivered = outs.iter().filter(|o| o.delivered).count();
            let feasible = outs.iter().filter(|o| o.feasible).count();
            let feasible_fee = outs.iter().filter(|o| o.feasible_fee).count();
            let mut attempts: Vec<u64> =
                outs.iter().filter(|o| o.feasible).map(|o| o.attempts).collect();
            attempts.sort_unstable();
            let mut times: Vec<u64> =
                outs.iter().filter(|o| o.feasible).map(|o| o.sim_ms).collect();
            times.sort_unstable();
            let mut ppm: Vec<u64> = outs
                .iter()
                .filter(|o| o.delivered)
                .map(|o| o.fee_msat.saturating_mul(1_000_000) / class.amount.0.max(1))
                .collect();
            ppm.sort_unstable();
            Row {
                label: class.label.clone(),
                amount: class.amount,
                payments: outs.len(),
                delivered,
                feasible,
                delivered_infeasible: outs.iter().filter(|o| o.delivered && !o.feasible).count(),
                success: (feasible > 0).then(|| delivered as f64 / feasible as f64),
                feasible_fee,
                success_fee: (feasible_fee > 0).then(|| delivered as f64 / feasible_fee as f64),
                median_attempts: quantile(&attempts, 0.5),
                median_fee_ppm: quantile(&ppm, 0.5),
                p50_sim_ms: quantile(&times, 0.5),
                p99_sim_ms: quantile(&times, 0.99),
            }
        })
        .collect()
}
