//! The state machine: [`Machine::handle`] takes one [`Input`] and the time, and returns the
//! [`Action`]s to carry out, in order (a part's `Persist` always comes before its `SendHtlc`).

use crate::record::{FailureRecord, HopRecord, PartKey, PartRecord, PartStatus, PayRecord, Record};
use bolt11::{Currency, Description, Invoice};
use onion::failure::{self, code as fc, DecodedFailure};
use onion::packet::{self, OnionPacket};
use onion::payload::{FinalPayload, ForwardPayload, HopPayload, PaymentData};
use onion::secp256k1::SecretKey;
use route::flow::{self, FirstHop, FlowError, FlowParams, RouteHintHop};
use route::gossip::{ChainHash, ChannelUpdate};
use route::graph::{Graph, GraphBuilder};
use route::knowledge::{Knowledge, SentHop};
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};
use std::collections::{HashMap, HashSet};
use std::fmt;
use std::sync::Arc;
use types::ShortChannelIdDir;
use types::{Msat, NodeId, PaymentHash, PaymentPreimage, PaymentSecret, ShortChannelId};

/// A JSON-RPC error reply: Core Lightning's code, message and `data`.
#[derive(Debug, Clone, PartialEq)]
pub struct RpcError {
    /// The code (200…220, -1, -32602).
    pub code: i64,
    /// The message.
    pub message: String,
    /// Details.
    pub data: Option<Value>,
}

impl RpcError {
    fn new(code: i64, message: impl Into<String>) -> RpcError {
        RpcError { code, message: message.into(), data: None }
    }
    fn with_data(mut self, data: Value) -> RpcError {
        self.data = Some(data);
        self
    }
    /// The reply as Core Lightning's error object.
    pub fn to_json(&self) -> Value {
        let mut o = json!({"code": self.code, "message": self.message});
        if let (Some(d), Some(m)) = (&self.data, o.as_object_mut()) {
            m.insert("data".into(), d.clone());
        }
        o
    }
}

impl fmt::Display for RpcError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "error {}: {}", self.code, self.message)
    }
}

impl std::error::Error for RpcError {}

/// A command's reply.
pub type Reply = Result<Value, RpcError>;

/// `sendpay`'s parameters.
///
/// The amount rule: without `partid`, the route's final amount may equal `amount_msat` or
/// exceed it up to twice it (an overpayment, which BOLT 4 lets the payee accept; the onion's
/// `total_msat` is `amount_msat`); more than twice, or less, is refused with `-32602`. With a
/// `partid` (a part of a multi-part payment) `amount_msat` is required and the final amount
/// may not exceed it; the parts in flight together may not reach it before another is added.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SendpayRequest {
    /// The route (empty: self-payment).
    pub route: Vec<HopRecord>,
    /// The payment hash.
    pub payment_hash: PaymentHash,
    /// `label`.
    pub label: Option<String>,
    /// `amount_msat`: the total of the payment (see the amount rule above).
    pub amount_msat: Option<Msat>,
    /// `bolt11`.
    pub bolt11: Option<String>,
    /// `payment_secret`.
    pub payment_secret: Option<PaymentSecret>,
    /// `partid` (default 0).
    pub partid: Option<u64>,
    /// `groupid`.
    pub groupid: Option<u64>,
    /// `payment_metadata`.
    pub payment_metadata: Option<Vec<u8>>,
    /// `description`.
    pub description: Option<String>,
}

/// `waitsendpay`'s parameters.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WaitsendpayRequest {
    /// The payment hash.
    pub payment_hash: PaymentHash,
    /// Seconds to wait (`None`: forever, 0: poll).
    pub timeout: Option<u32>,
    /// The part (default 0).
    pub partid: Option<u64>,
    /// The group (default the latest).
    pub groupid: Option<u64>,
}

/// `listsendpays` / `listpays` filters.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListRequest {
    /// An invoice whose hash to list.
    pub bolt11: Option<String>,
    /// A hash to list.
    pub payment_hash: Option<PaymentHash>,
    /// Only parts in this status.
    pub status: Option<PartStatus>,
    /// Order and page by this index.
    pub index: Option<ListIndex>,
    /// The first index value listed (needs `index`).
    pub start: Option<u64>,
    /// The most parts listed (needs `index`).
    pub limit: Option<u32>,
}

/// Which index `listsendpays` pages by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListIndex {
    /// `created_index`.
    Created,
    /// `updated_index`.
    Updated,
}

/// `delpay`'s parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DelpayRequest {
    /// The payment hash.
    pub payment_hash: PaymentHash,
    /// The status the parts must have (`complete` or `failed`).
    pub status: PartStatus,
    /// Only this part.
    pub partid: Option<u64>,
    /// Only this group.
    pub groupid: Option<u64>,
}

/// Something `pay` must not route through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exclusion {
    /// A directed channel.
    Channel(ShortChannelIdDir),
    /// A node.
    Node(NodeId),
}

/// `pay`'s parameters.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PayRequest {
    /// The invoice.
    pub bolt11: String,
    /// Only for an invoice without amount.
    pub amount_msat: Option<Msat>,
    /// `label`.
    pub label: Option<String>,
    /// `maxfeepercent` (default 0.5).
    pub maxfeepercent: Option<f64>,
    /// `retry_for` seconds (default 60).
    pub retry_for: Option<u64>,
    /// `maxdelay` blocks (default 2016).
    pub maxdelay: Option<u32>,
    /// `exemptfee` (default 5000 msat).
    pub exemptfee: Option<Msat>,
    /// `exclude`.
    pub exclude: Vec<Exclusion>,
    /// `maxfee` (exclusive with maxfeepercent and exemptfee).
    pub maxfee: Option<Msat>,
    /// `description` (for an invoice with a description hash).
    pub description: Option<String>,
    /// `riskfactor` (default 10): each hop's CLTV delta costs
    /// `amount * cltv_delta * riskfactor / 5,259,600` msat in the route choice.
    pub riskfactor: Option<f64>,
    /// `partial_msat`: pay only this much of the invoice's amount (at most all of it; not for
    /// self-payment). The parts carry the invoice's amount as `total_msat`, so another payer
    /// can pay the rest; the payee holds them until the whole total has arrived.
    pub partial_msat: Option<Msat>,
}

/// `keysend`'s parameters.
#[derive(Debug, Clone, PartialEq)]
pub struct KeysendRequest {
    /// The payee.
    pub destination: NodeId,
    /// What it receives.
    pub amount_msat: Msat,
    /// `label`.
    pub label: Option<String>,
    /// `maxfeepercent` (default 0.5).
    pub maxfeepercent: Option<f64>,
    /// `retry_for` seconds (default 60).
    pub retry_for: Option<u64>,
    /// `maxdelay` blocks (default 2016).
    pub maxdelay: Option<u32>,
    /// `exemptfee` (default 5000 msat).
    pub exemptfee: Option<Msat>,
    /// `maxfee`.
    pub maxfee: Option<Msat>,
}

/// The final CLTV delta of a keysend (Core Lightning's keysend plugin uses 22).
const KEYSEND_FINAL_CLTV: u32 = 22;

/// What a pay delivers, to whom.
struct Target {
    hash: PaymentHash,
    destination: NodeId,
    final_cltv: u32,
    amount: Msat,
    keysend: Option<PaymentPreimage>,
}

/// A command, by the RPC method it answers.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Command {
    /// `sendpay`.
    Sendpay(SendpayRequest),
    /// `waitsendpay`.
    Waitsendpay(WaitsendpayRequest),
    /// `listsendpays`.
    Listsendpays(ListRequest),
    /// `listpays`.
    Listpays(ListRequest),
    /// `pay`.
    Pay(PayRequest),
    /// `keysend`.
    Keysend(KeysendRequest),
    /// `paystatus` (optionally for one invoice).
    Paystatus(Option<String>),
    /// `delpay`.
    Delpay(DelpayRequest),
}

/// What happens to the machine.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Input {
    /// A command, with the caller's id for the reply.
    Command {
        /// Echoed in [`Action::Reply`].
        id: u64,
        /// The command.
        command: Command,
    },
    /// A part's HTLC was fulfilled.
    Fulfilled {
        /// The part.
        part: PartKey,
        /// The preimage.
        preimage: PaymentPreimage,
    },
    /// A part's HTLC failed with this return packet.
    Failed {
        /// The part.
        part: PartKey,
        /// `update_fail_htlc.reason`.
        reason: Vec<u8>,
    },
    /// The first hop could not parse the onion.
    Malformed {
        /// The part.
        part: PartKey,
        /// The BADONION code.
        failure_code: u16,
    },
    /// Our own node refused to send the HTLC.
    LocalFailed {
        /// The part.
        part: PartKey,
    },
    /// A timer armed by [`Action::ArmTimer`] fired.
    Timer(u64),
    /// A new block height.
    BlockHeight(u32),
}

/// An LDK-style event.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum PaymentEvent {
    /// A `pay` succeeded.
    PaymentSent {
        /// The pay.
        payment_id: u64,
        /// The hash.
        payment_hash: PaymentHash,
        /// The preimage.
        payment_preimage: PaymentPreimage,
        /// Fees paid.
        fee_paid_msat: Msat,
    },
    /// A `pay` failed for good.
    PaymentFailed {
        /// The pay.
        payment_id: u64,
        /// The hash.
        payment_hash: PaymentHash,
        /// The RPC error code it ended with.
        reason: i64,
    },
    /// One part succeeded.
    PaymentPathSuccessful {
        /// The pay, if a `pay` owns the part.
        payment_id: Option<u64>,
        /// The part.
        part: PartKey,
    },
    /// One part failed.
    PaymentPathFailed {
        /// The pay, if a `pay` owns the part.
        payment_id: Option<u64>,
        /// The part.
        part: PartKey,
        /// The BOLT 4 failure code, if decoded.
        failure: Option<u16>,
        /// The channel blamed.
        short_channel_id: Option<ShortChannelId>,
        /// The failure came from the payee (no retry helps).
        payment_failed_permanently: bool,
    },
}

/// What the machine asks its driver to do, in order.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
#[allow(clippy::large_enum_variant)] // records are rare next to the onion they precede
pub enum Action {
    /// Store this record durably (replacing the one with the same key) before going on.
    Persist(Record),
    /// Delete this part's record.
    Delete(PartKey),
    /// Offer an HTLC on our channel `first_hop`.
    SendHtlc {
        /// The part; every resolution names it.
        part: PartKey,
        /// Our channel.
        first_hop: ShortChannelId,
        /// The HTLC amount.
        amount: Msat,
        /// The HTLC expiry.
        cltv_expiry: u32,
        /// The payment hash.
        payment_hash: PaymentHash,
        /// The onion.
        onion: Box<OnionPacket>,
    },
    /// Fire [`Input::Timer`] at this time (milliseconds).
    ArmTimer {
        /// The timer.
        timer: u64,
        /// When.
        at_ms: u64,
    },
    /// Reply to a command.
    Reply {
        /// The command's id.
        command: u64,
        /// The reply.
        result: Reply,
    },
    /// Tell the application.
    Event(PaymentEvent),
}

/// The machine's fixed settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// Our node id.
    pub node_id: NodeId,
    /// Seed of every random choice (session keys, shadow route, route randomisation).
    pub seed: [u8; 32],
    /// The chain of invoices and gossip.
    pub currency: Currency,
    /// Most parts a multi-part pay sends at once.
    pub max_parts: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Timer {
    Wait(u64),
    PayDeadline(u64),
}

/// What a parked command waits for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum WaitFor {
    /// One part's outcome (`waitsendpay` with a part).
    Part(PartKey),
    /// No part of the group pending any more: `waitsendpay` without a part of a group that
    /// has none numbered 0 answers with the totals of its fulfilled parts ...
    Group(PaymentHash, u64),
    /// ... and a `pay` of a hash already fulfilled answers with the pay's result.
    PayResult(PaymentHash, u64),
}

#[derive(Debug, Clone)]
struct Waiter {
    command: u64,
    on: WaitFor,
    timer: Option<u64>,
}

/// One attempt as `paystatus` shows it.
#[derive(Debug, Clone)]
struct Attempt {
    key: PartKey,
    start_ms: u64,
    end_ms: Option<u64>,
}

/// Runtime state of a `pay` beside its record.
#[derive(Debug, Clone)]
struct PayState {
    rec: PayRecord,
    /// `None` for keysend.
    invoice: Option<Invoice>,
    waiters: Vec<u64>,
    final_error: Option<RpcError>,
    attempts: Vec<Attempt>,
}

/// The payment state machine.
#[derive(Debug)]
pub struct Machine {
    cfg: Config,
    graph: Arc<Graph>,
    builder: Option<GraphBuilder>,
    knowledge: Knowledge,
    first_hops: Vec<FirstHop>,
    height: u32,
    parts: Vec<PartRecord>,
    pays: Vec<PayState>,
    waiters: Vec<Waiter>,
    timers: HashMap<u64, Timer>,
    next_timer: u64,
    next_index: u64,
    actions: Vec<Action>,
}

/// The weight of `-ln P` against fees (ppm of the amount) on a payment's first attempt: at
/// least this, below twice this.
const PROB_COST_PPM_FIRST: u64 = 100;
/// The weight once a part of the payment failed: at least this ...
const PROB_COST_PPM_RETRY_MIN: u64 = 500;
/// ... and below this.
const PROB_COST_PPM_RETRY_MAX: u64 = 4_000;

/// The weight of `-ln P` against fees (`FlowParams::prob_cost_ppm`) for a payment that has
/// seen `failed` parts fail, drawn uniformly with `rnd`. The first attempt takes cheap routes
/// (about as risk-neutral as LDK's scorer); once a part failed the graph proved tighter than
/// hoped, and the retries weigh probability as heavily as `pay` always did.
fn prob_cost_ppm(failed: usize, rnd: u16) -> u64 {
    let (lo, hi) = if failed == 0 {
        (PROB_COST_PPM_FIRST, 2 * PROB_COST_PPM_FIRST)
    } else {
        (PROB_COST_PPM_RETRY_MIN, PROB_COST_PPM_RETRY_MAX)
    };
    lo + u64::from(rnd) * (hi - lo) / 65_536
}

fn hash32(parts: &[&[u8]]) -> [u8; 32] {
    let mut h = Sha256::new();
    for p in parts {
        h.update(p);
    }
    h.finalize().into()
}

/// sendpay repeating an existing part (same hash and partid): the amount and destination must
/// match it, or Core Lightning answers 201 "Already <state> with amount .." / "Already <state>
/// to ..".
fn same_part_or_201(
    p: &PartRecord,
    final_amount: Msat,
    dest: NodeId,
    state: &str,
) -> Result<(), RpcError> {
    if p.amount_msat != final_amount {
        return Err(RpcError::new(
            201,
            format!(
                "Already {state} with amount {}msat (not {}msat)",
                p.amount_msat.0, final_amount.0
            ),
        ));
    }
    if p.destination != Some(dest) {
        let to = p.destination.map(|d| d.to_string()).unwrap_or_default();
        return Err(RpcError::new(201, format!("Already {state} to {to}")));
    }
    Ok(())
}

fn json_insert(v: &mut Value, k: &str, x: Value) {
    if let Some(m) = v.as_object_mut() {
        m.insert(k.into(), x);
    }
}

/// The payment fields of a part (`json_add_payment_fields`).
fn part_json(p: &PartRecord) -> Value {
    let mut m = Map::new();
    m.insert("created_index".into(), json!(p.created_index));
    m.insert("id".into(), json!(p.created_index));
    m.insert("payment_hash".into(), json!(p.key.payment_hash.to_string()));
    m.insert("groupid".into(), json!(p.key.groupid));
    m.insert("updated_index".into(), json!(p.updated_index));
    if p.key.partid != 0 {
        m.insert("partid".into(), json!(p.key.partid));
    }
    if let Some(d) = &p.destination {
        m.insert("destination".into(), json!(d.to_string()));
    }
    if p.amount_msat.0 != 0 {
        m.insert("amount_msat".into(), json!(p.amount_msat.0));
    }
    m.insert("amount_sent_msat".into(), json!(p.amount_sent_msat.0));
    m.insert("created_at".into(), json!(p.created_at));
    if let Some(c) = p.completed_at {
        m.insert("completed_at".into(), json!(c));
    }
    m.insert("status".into(), json!(p.status.as_str()));
    if let Some(pre) = &p.payment_preimage {
        m.insert("payment_preimage".into(), json!(pre.to_string()));
    }
    if let Some(l) = &p.label {
        m.insert("label".into(), json!(l));
    }
    if let Some(b) = &p.bolt11 {
        m.insert("bolt11".into(), json!(b));
    }
    if let Some(d) = &p.description {
        m.insert("description".into(), json!(d));
    }
    if let Some(o) = p.failure.as_ref().and_then(|f| f.onionreply.as_ref()) {
        m.insert("erroronion".into(), json!(types::hex::encode(o)));
    }
    Value::Object(m)
}

/// The routing failure object plus the part's fields, as `waitsendpay`'s error data.
fn failure_error(p: &PartRecord, f: &FailureRecord) -> RpcError {
    let mut data = part_json(p);
    if let Some(i) = f.erring_index {
        json_insert(&mut data, "erring_index", json!(i));
    }
    if let Some(c) = f.failcode {
        json_insert(&mut data, "failcode", json!(c));
        if let Some(n) = failure::code_name(c) {
            json_insert(&mut data, "failcodename", json!(n));
        }
    }
    if let Some(n) = &f.erring_node {
        json_insert(&mut data, "erring_node", json!(n.to_string()));
    }
    if let Some(c) = &f.erring_channel {
        json_insert(&mut data, "erring_channel", json!(c.to_string()));
    }
    if let Some(d) = f.erring_direction {
        json_insert(&mut data, "erring_direction", json!(d));
    }
    if let Some(r) = &f.raw_message {
        json_insert(&mut data, "raw_message", json!(types::hex::encode(r)));
    }
    if let Some(o) = &f.onionreply {
        json_insert(&mut data, "onionreply", json!(types::hex::encode(o)));
    }
    RpcError::new(f.code, f.message.clone()).with_data(data)
}

fn sent_hops(route: &[HopRecord]) -> Vec<SentHop> {
    route
        .iter()
        .map(|h| SentHop {
            channel: ShortChannelIdDir { scid: h.channel, direction: h.direction & 1 },
            node: h.id,
            amount: h.amount_msat,
        })
        .collect()
}

fn invalid(msg: impl Into<String>) -> RpcError {
    RpcError::new(-32602, msg)
}

impl Machine {
    /// A machine with no payments, routing over `graph`.
    pub fn new(cfg: Config, graph: Arc<Graph>, height: u32) -> Machine {
        Machine {
            cfg,
            graph,
            builder: None,
            knowledge: Knowledge::default(),
            first_hops: Vec::new(),
            height,
            parts: Vec::new(),
            pays: Vec::new(),
            waiters: Vec::new(),
            timers: HashMap::new(),
            next_timer: 1,
            next_index: 1,
            actions: Vec::new(),
        }
    }

    /// Rebuilds a machine from its persisted records. `live` names the parts whose HTLC the
    /// channels still hold: a pending part without one never left and is failed. Unfinished
    /// pays resume (their deadline still applies). Returns the actions of the restart.
    pub fn restore(
        cfg: Config,
        graph: Arc<Graph>,
        height: u32,
        records: impl IntoIterator<Item = Record>,
        live: &HashSet<PartKey>,
        now_ms: u64,
    ) -> (Machine, Vec<Action>) {
        let mut m = Machine::new(cfg, graph, height);
        let mut pays = Vec::new();
        // The latest record of each key wins (a store keeps one per key; a log may not).
        let mut part_map: HashMap<PartKey, PartRecord> = HashMap::new();
        let mut pay_map: HashMap<u64, PayRecord> = HashMap::new();
        for r in records {
            match r {
                Record::Part(p) => {
                    if part_map.get(&p.key).map_or(true, |o| o.updated_index <= p.updated_index) {
                        part_map.insert(p.key, p);
                    }
                }
                Record::Pay(p) => {
                    if pay_map.get(&p.id).map_or(true, |o| o.attempts <= p.attempts || p.done) {
                        pay_map.insert(p.id, p);
                    }
                }
            }
        }
        m.parts.extend(part_map.into_values());
        pays.extend(pay_map.into_values());
        pays.sort_by_key(|p| p.id);
        m.parts.sort_by_key(|p| p.created_index);
        m.next_index = m
            .parts
            .iter()
            .map(|p| p.created_index.max(p.updated_index))
            .max()
            .unwrap_or(0)
            .saturating_add(1);
        for p in &m.parts {
            if p.status == PartStatus::Pending && live.contains(&p.key) {
                m.knowledge.part_sent(&sent_hops(&p.route));
            }
        }
        let orphans: Vec<PartKey> = m
            .parts
            .iter()
            .filter(|p| p.status == PartStatus::Pending && !live.contains(&p.key))
            .map(|p| p.key)
            .collect();
        for rec in pays {
            let invoice = if rec.bolt11.is_empty() {
                None
            } else {
                let Ok(i) = Invoice::decode(&rec.bolt11, m.cfg.currency) else { continue };
                Some(i)
            };
            let done = rec.done;
            let id = rec.id;
            m.pays.push(PayState {
                rec,
                invoice,
                waiters: Vec::new(),
                final_error: None,
                attempts: Vec::new(),
            });
            if !done {
                let deadline = m.pays.last().map_or(0, |p| p.rec.deadline_ms);
                m.arm(Timer::PayDeadline(id), deadline);
            }
        }
        for key in orphans {
            // Never left: fail it without learning anything.
            let f = FailureRecord {
                code: 204,
                message: "failed: WIRE_TEMPORARY_CHANNEL_FAILURE (never sent before restart)"
                    .into(),
                erring_index: Some(0),
                erring_node: Some(m.cfg.node_id),
                erring_channel: None,
                erring_direction: None,
                failcode: Some(fc::TEMPORARY_CHANNEL_FAILURE),
                raw_message: None,
                onionreply: None,
            };
            m.finish_part(key, Err(f), now_ms, false);
        }
        let ids: Vec<u64> = m.pays.iter().filter(|p| !p.rec.done).map(|p| p.rec.id).collect();
        for id in ids {
            m.pay_step(id, now_ms);
        }
        let actions = std::mem::take(&mut m.actions);
        (m, actions)
    }

    /// Replaces the graph (a new gossip snapshot).
    pub fn set_graph(&mut self, graph: Arc<Graph>) {
        self.graph = graph;
        self.builder = None;
    }

    /// Our channels and what each can send now; routes start on them.
    pub fn set_first_hops(&mut self, hops: Vec<FirstHop>) {
        self.first_hops = hops;
    }

    /// The graph routed over (with channel updates learned from failures applied).
    pub fn graph(&self) -> &Arc<Graph> {
        &self.graph
    }

    /// What has been learned of liquidity.
    pub fn knowledge(&self) -> &Knowledge {
        &self.knowledge
    }

    /// Every part, in creation order.
    pub fn parts(&self) -> &[PartRecord] {
        &self.parts
    }

    /// Handles one input at `now_ms` (milliseconds since the epoch).
    pub fn handle(&mut self, input: Input, now_ms: u64) -> Vec<Action> {
        match input {
            Input::Command { id, command } => self.command(id, command, now_ms),
            Input::Fulfilled { part, preimage } => {
                self.finish_part(part, Ok(preimage), now_ms, true)
            }
            Input::Failed { part, reason } => {
                let f = self.decode_failure(part, &reason);
                self.finish_part(part, Err(f), now_ms, true);
            }
            Input::Malformed { part, failure_code } => {
                let f = self.malformed_failure(part, failure_code);
                self.finish_part(part, Err(f), now_ms, true);
            }
            Input::LocalFailed { part } => {
                let f = self.local_failure(part);
                self.finish_part(part, Err(f), now_ms, true);
            }
            Input::Timer(t) => self.timer(t, now_ms),
            Input::BlockHeight(h) => self.height = h,
        }
        std::mem::take(&mut self.actions)
    }

    fn reply(&mut self, command: u64, result: Reply) {
        self.actions.push(Action::Reply { command, result });
    }

    fn arm(&mut self, t: Timer, at_ms: u64) -> u64 {
        let id = self.next_timer;
        self.next_timer = self.next_timer.wrapping_add(1);
        self.timers.insert(id, t);
        self.actions.push(Action::ArmTimer { timer: id, at_ms });
        id
    }

    fn bump(&mut self) -> u64 {
        let i = self.next_index;
        self.next_index = self.next_index.saturating_add(1);
        i
    }

    fn part(&self, key: &PartKey) -> Option<&PartRecord> {
        self.parts.iter().find(|p| p.key == *key)
    }

    fn command(&mut self, id: u64, command: Command, now_ms: u64) {
        match command {
            Command::Sendpay(r) => {
                let res = self.sendpay(r, None, now_ms);
                self.reply(id, res);
            }
            Command::Waitsendpay(r) => self.waitsendpay(id, r, now_ms),
            Command::Listsendpays(r) => {
                let res = self.listsendpays(&r);
                self.reply(id, res);
            }
            Command::Listpays(r) => {
                let res = self.listpays(&r);
                self.reply(id, res);
            }
            Command::Pay(r) => self.pay(id, r, now_ms),
            Command::Keysend(r) => match self.keysend_start(id, r, now_ms) {
                Ok(pay_id) => self.pay_step(pay_id, now_ms),
                Err(e) => self.reply(id, Err(e)),
            },
            Command::Paystatus(b) => {
                let res = self.paystatus(b.as_deref(), now_ms);
                self.reply(id, Ok(res));
            }
            Command::Delpay(r) => {
                let res = self.delpay(&r);
                self.reply(id, res);
            }
        }
    }

    // ---------------------------------------------------------------- sendpay

    fn sendpay(&mut self, r: SendpayRequest, pay_id: Option<u64>, now_ms: u64) -> Reply {
        let partid = r.partid.unwrap_or(0);
        let hash = r.payment_hash;
        let Some(last) = r.route.last().copied() else {
            if r.amount_msat.is_none() {
                return Err(RpcError::new(-1, "Self-payment requires amount_msat"));
            }
            if partid != 0 {
                return Err(RpcError::new(-1, "Self-payment does not allow (non-zero) partid"));
            }
            return Err(RpcError::new(203, "Unknown invoice"));
        };
        if partid != 0 && r.payment_secret.is_none() {
            return Err(invalid("partid requires payment_secret"));
        }
        let final_amount = last.amount_msat;
        let total = match (r.amount_msat, partid) {
            (None, 0) => final_amount,
            (None, _) => return Err(invalid("missing required parameter: amount_msat")),
            (Some(a), 0) if final_amount > a => {
                // Overpayment: BOLT 4 lets the payee accept up to twice what it expects.
                if final_amount.0 > a.0.saturating_mul(2) {
                    return Err(invalid(format!(
                        "final amount {}msat is more than twice amount_msat {}msat",
                        final_amount.0, a.0
                    )));
                }
                a
            }
            (Some(a), 0) if a != final_amount => {
                return Err(invalid(format!(
                    "Do not specify msatoshi ({}msat) without partid: if you do, it must be exactly the final amount ({}msat)",
                    a.0, final_amount.0
                )))
            }
            (Some(a), _) if final_amount > a => {
                return Err(invalid(format!(
                    "Final amount {}msat is greater than {}msat, despite MPP",
                    final_amount.0, a.0
                )))
            }
            (Some(a), _) => a,
        };
        let dest = last.id;
        let existing: Vec<&PartRecord> =
            self.parts.iter().filter(|p| p.key.payment_hash == hash).collect();
        let groupid = r.groupid.unwrap_or_else(|| {
            existing
                .iter()
                .find(|p| p.status == PartStatus::Pending)
                .map(|p| p.key.groupid)
                .or_else(|| existing.iter().map(|p| p.key.groupid.saturating_add(1)).max())
                .unwrap_or(0)
        });
        let mut other_succeeded = false;
        let mut pending_sum = Msat(0);
        for p in &existing {
            match p.status {
                PartStatus::Complete if p.key.partid == partid => {
                    same_part_or_201(p, final_amount, dest, "succeeded")?;
                    return Ok(part_json(p));
                }
                PartStatus::Complete => other_succeeded = true,
                PartStatus::Pending => {
                    if p.key.groupid != groupid {
                        return Err(RpcError::new(
                            200,
                            format!(
                                "Payment with groupid={} still in progress, cannot retry before that completes.",
                                p.key.groupid
                            ),
                        ));
                    }
                    if (p.key.partid == 0) != (partid == 0) {
                        let kind = if p.key.partid == 0 { "non-parallel" } else { "parallel" };
                        return Err(RpcError::new(
                            200,
                            format!("Already have {kind} payment in progress"),
                        ));
                    }
                    if p.key.partid == partid {
                        same_part_or_201(p, final_amount, dest, "pending")?;
                        let mut v = part_json(p);
                        json_insert(
                            &mut v,
                            "message",
                            json!("Monitor status with listpays or waitsendpay"),
                        );
                        return Ok(v);
                    }
                    if p.total_msat != total {
                        return Err(invalid(format!(
                            "msatoshi was previously {}msat, now {}msat",
                            p.total_msat.0, total.0
                        )));
                    }
                    pending_sum = pending_sum.saturating_add(p.amount_msat);
                }
                PartStatus::Failed => {
                    if p.key.partid == partid && p.key.groupid == groupid {
                        return Err(RpcError::new(201, format!(
                            "There already is a payment with payment_hash={hash}, groupid={groupid}, partid={partid}. Either change the partid, or wait for the payment to complete and start a new group."
                        )));
                    }
                }
            }
        }
        if other_succeeded {
            return Err(RpcError::new(201, "Already succeeded other parts"));
        }
        if partid != 0 && pending_sum >= total {
            return Err(RpcError::new(
                200,
                format!(
                    "Already have {}msat of {}msat payments in progress",
                    pending_sum.0, total.0
                ),
            ));
        }
        let first = r.route.first().copied().unwrap_or(last);
        if !self.first_hops.is_empty() && !self.first_hops.iter().any(|h| h.scid == first.channel) {
            let mut data = json!({
                "erring_index": 0,
                "failcode": fc::UNKNOWN_NEXT_PEER,
                "failcodename": "WIRE_UNKNOWN_NEXT_PEER",
                "erring_node": self.cfg.node_id.to_string(),
                "erring_channel": first.channel.to_string(),
                "erring_direction": first.direction,
            });
            json_insert(&mut data, "payment_hash", json!(hash.to_string()));
            return Err(RpcError::new(204, "No connection to first peer found").with_data(data));
        }
        let key = PartKey { payment_hash: hash, partid, groupid };
        let p = self.start_part(
            key,
            r.route,
            total,
            r.payment_secret,
            r.payment_metadata,
            (r.label, r.bolt11, r.description),
            pay_id,
            None,
            now_ms,
        )?;
        let mut v = part_json(&p);
        json_insert(&mut v, "message", json!("Monitor status with listpays or waitsendpay"));
        Ok(v)
    }

    /// Builds the onion, persists the part, then sends it.
    #[allow(clippy::too_many_arguments)]
    fn start_part(
        &mut self,
        key: PartKey,
        route: Vec<HopRecord>,
        total: Msat,
        secret: Option<PaymentSecret>,
        metadata: Option<Vec<u8>>,
        (label, bolt11, description): (Option<String>, Option<String>, Option<String>),
        pay_id: Option<u64>,
        keysend: Option<PaymentPreimage>,
        now_ms: u64,
    ) -> Result<PartRecord, RpcError> {
        let (Some(first), Some(last)) = (route.first().copied(), route.last().copied()) else {
            return Err(RpcError::new(-1, "empty route"));
        };
        let base = self.height.saturating_add(1);
        let mut hops = Vec::with_capacity(route.len());
        for (i, h) in route.iter().enumerate() {
            let pk =
                h.id.to_pubkey().map_err(|_| invalid(format!("route: bad node id {}", h.id)))?;
            let payload = match route.get(i + 1) {
                Some(next) => HopPayload::Forward(ForwardPayload {
                    amt_to_forward: next.amount_msat,
                    outgoing_cltv_value: base.saturating_add(next.delay),
                    short_channel_id: next.channel,
                    custom_records: vec![],
                }),
                None => HopPayload::Final(FinalPayload {
                    amt_to_forward: last.amount_msat,
                    outgoing_cltv_value: base.saturating_add(last.delay),
                    payment_data: secret
                        .map(|payment_secret| PaymentData { payment_secret, total_msat: total }),
                    payment_metadata: metadata.clone(),
                    keysend_preimage: keysend,
                    custom_records: vec![],
                }),
            };
            hops.push((pk, payload.encode()));
        }
        let sk = {
            let mut ctr = 0u8;
            loop {
                let b = hash32(&[
                    &self.cfg.seed,
                    &key.payment_hash.0,
                    &key.partid.to_be_bytes(),
                    &key.groupid.to_be_bytes(),
                    &[ctr],
                ]);
                if let Ok(sk) = SecretKey::from_slice(&b) {
                    break sk;
                }
                ctr = ctr.wrapping_add(1);
            }
        };
        let (onion, secrets) = packet::build(&sk, &hops, &key.payment_hash.0)
            .map_err(|_| RpcError::new(-1, "Could not create onion packet"))?;
        let idx = self.bump();
        let rec = PartRecord {
            created_index: idx,
            updated_index: idx,
            key,
            destination: Some(last.id),
            amount_msat: last.amount_msat,
            total_msat: total,
            amount_sent_msat: first.amount_msat,
            created_at: now_ms / 1000,
            completed_at: None,
            status: PartStatus::Pending,
            payment_preimage: None,
            label,
            bolt11,
            description,
            payment_secret: secret,
            cltv_expiry: base.saturating_add(first.delay),
            shared_secrets: secrets.iter().map(|s| s.0).collect(),
            route,
            pay_id,
            failure: None,
        };
        self.parts.retain(|p| p.key != key);
        self.parts.push(rec.clone());
        self.knowledge.part_sent(&sent_hops(&rec.route));
        self.actions.push(Action::Persist(Record::Part(rec.clone())));
        self.actions.push(Action::SendHtlc {
            part: key,
            first_hop: first.channel,
            amount: first.amount_msat,
            cltv_expiry: rec.cltv_expiry,
            payment_hash: key.payment_hash,
            onion: Box::new(onion),
        });
        Ok(rec)
    }

    // ---------------------------------------------------------------- failures

    fn decode_failure(&self, key: PartKey, reason: &[u8]) -> FailureRecord {
        let Some(p) = self.part(&key) else {
            return FailureRecord {
                code: 202,
                message: "Malformed error reply".into(),
                erring_index: None,
                erring_node: None,
                erring_channel: None,
                erring_direction: None,
                failcode: None,
                raw_message: None,
                onionreply: Some(reason.to_vec()),
            };
        };
        let secrets: Vec<onion::crypto::SharedSecret> =
            p.shared_secrets.iter().map(|s| onion::crypto::SharedSecret(*s)).collect();
        match failure::decode_return_packet(&secrets, reason) {
            Ok(d) => self.routefail(p, &d),
            Err(_) => FailureRecord {
                code: 202,
                message: "Malformed error reply".into(),
                erring_index: None,
                erring_node: None,
                erring_channel: None,
                erring_direction: None,
                failcode: None,
                raw_message: None,
                onionreply: Some(reason.to_vec()),
            },
        }
    }

    fn routefail(&self, p: &PartRecord, d: &DecodedFailure) -> FailureRecord {
        let k = d.erring_index;
        let n = p.route.len();
        let code = d.failure.code();
        let is_final = k + 1 >= n;
        let mut erring_node = p.route.get(k).map(|h| h.id);
        if d.failure.is_badonion() && !is_final {
            erring_node = p.route.get(k + 1).map(|h| h.id);
        }
        let ch = if is_final { p.route.last() } else { p.route.get(k + 1) };
        let rpc = if d.failure.is_badonion() {
            202
        } else if is_final && d.failure.is_perm() {
            203
        } else {
            204
        };
        let name = failure::code_name(code).map_or_else(|| format!("{code}"), str::to_string);
        FailureRecord {
            code: rpc,
            message: format!("failed: {name} (reply from remote)"),
            erring_index: Some((k + 1) as u32),
            erring_node,
            erring_channel: ch.map(|h| h.channel),
            erring_direction: ch.map(|h| h.direction),
            failcode: Some(code),
            raw_message: Some(d.raw.clone()),
            onionreply: None,
        }
    }

    fn malformed_failure(&self, key: PartKey, code: u16) -> FailureRecord {
        let first = self.part(&key).and_then(|p| p.route.first().copied());
        let name = failure::code_name(code).map_or_else(|| format!("{code}"), str::to_string);
        FailureRecord {
            code: 204,
            message: format!("failed: {name} (First peer could not parse the onion)"),
            erring_index: Some(1),
            erring_node: first.map(|h| h.id),
            erring_channel: first.map(|h| h.channel),
            erring_direction: first.map(|h| h.direction),
            failcode: Some(code),
            raw_message: None,
            onionreply: None,
        }
    }

    fn local_failure(&self, key: PartKey) -> FailureRecord {
        let first = self.part(&key).and_then(|p| p.route.first().copied());
        FailureRecord {
            code: 204,
            message: "failed: WIRE_TEMPORARY_CHANNEL_FAILURE (First peer not ready)".into(),
            erring_index: Some(0),
            erring_node: Some(self.cfg.node_id),
            erring_channel: first.map(|h| h.channel),
            erring_direction: first.map(|h| h.direction),
            failcode: Some(fc::TEMPORARY_CHANNEL_FAILURE),
            raw_message: None,
            onionreply: None,
        }
    }

    /// Resolves a part: updates and persists its record, learns, wakes waiters, moves its pay.
    fn finish_part(
        &mut self,
        key: PartKey,
        outcome: Result<PaymentPreimage, FailureRecord>,
        now_ms: u64,
        learn: bool,
    ) {
        let idx = self.bump();
        let Some(pos) = self.parts.iter().position(|p| p.key == key) else { return };
        let Some(p) = self.parts.get_mut(pos) else { return };
        if p.status != PartStatus::Pending {
            return; // A duplicate resolution.
        }
        if let Ok(pre) = &outcome {
            if pre.hash() != key.payment_hash {
                return; // Not the preimage of this payment: ignore.
            }
        }
        p.updated_index = idx;
        p.completed_at = Some(now_ms / 1000);
        let hops = sent_hops(&p.route);
        let pay_id = p.pay_id;
        let now_s = now_ms / 1000;
        match outcome {
            Ok(pre) => {
                p.status = PartStatus::Complete;
                p.payment_preimage = Some(pre);
                self.knowledge.part_succeeded(&self.graph, &hops, now_s);
                self.actions.push(Action::Event(PaymentEvent::PaymentPathSuccessful {
                    payment_id: pay_id,
                    part: key,
                }));
            }
            Err(f) => {
                p.status = PartStatus::Failed;
                let update = f
                    .raw_message
                    .as_deref()
                    .and_then(|r| failure::FailureMessage::decode(r).ok())
                    .and_then(|m| m.channel_update().map(<[u8]>::to_vec));
                let perm = f.code == 203;
                let ev = PaymentEvent::PaymentPathFailed {
                    payment_id: pay_id,
                    part: key,
                    failure: f.failcode,
                    short_channel_id: f.erring_channel,
                    payment_failed_permanently: perm,
                };
                let (ei, code) = (f.erring_index, f.failcode);
                p.failure = Some(f);
                if learn {
                    if let Some(u) = update {
                        self.apply_update(&u);
                    }
                    match (ei, code) {
                        (Some(ei), Some(code)) if code & failure::BADONION == 0 => {
                            self.knowledge.part_failed(
                                &self.graph,
                                &hops,
                                ei as usize,
                                code,
                                now_s,
                            );
                        }
                        _ => self.knowledge.part_failed(&self.graph, &hops, 0, 0, now_s),
                    }
                } else {
                    self.knowledge.part_failed(&self.graph, &hops, 0, 0, now_s);
                }
                self.actions.push(Action::Event(ev));
            }
        }
        let Some(rec) = self.parts.get(pos).cloned() else { return };
        self.actions.push(Action::Persist(Record::Part(rec.clone())));
        // Wake the waiters of this part, and those of its group once none of it is pending.
        let (hash, g) = (key.payment_hash, key.groupid);
        let group_settled = !self.group_pending(hash, g);
        let (wake, keep): (Vec<Waiter>, Vec<Waiter>) =
            std::mem::take(&mut self.waiters).into_iter().partition(|w| match w.on {
                WaitFor::Part(k) => k == key,
                WaitFor::Group(h, wg) | WaitFor::PayResult(h, wg) => {
                    group_settled && h == hash && wg == g
                }
            });
        self.waiters = keep;
        for w in wake {
            if let Some(t) = w.timer {
                self.timers.remove(&t);
            }
            let res = match w.on {
                WaitFor::Part(_) => Self::outcome_reply(&rec),
                WaitFor::Group(h, wg) => self.group_reply(h, wg),
                WaitFor::PayResult(h, wg) => self.pay_result(h, wg, 1, None),
            };
            self.reply(w.command, res);
        }
        if let Some(id) = pay_id {
            if let Some(ps) = self.pays.iter_mut().find(|ps| ps.rec.id == id) {
                if let Some(a) = ps.attempts.iter_mut().find(|a| a.key == key) {
                    a.end_ms = Some(now_ms);
                }
                if rec.status == PartStatus::Failed && ps.final_error.is_none() {
                    if let Some(f) = &rec.failure {
                        let from_payee =
                            f.erring_index.map(|i| i as usize) == Some(rec.route.len());
                        let mpp_timeout = f.failcode == Some(fc::MPP_TIMEOUT);
                        if from_payee && !mpp_timeout {
                            ps.final_error = Some(failure_error(&rec, f));
                        }
                    }
                }
            }
            self.pay_step(id, now_ms);
        }
    }

    /// Applies a `channel_update` from a failure through route's verified gossip path.
    fn apply_update(&mut self, bytes: &[u8]) {
        let Ok(msg) = ChannelUpdate::parse_from_failure(bytes) else { return };
        let builder = self.builder.get_or_insert_with(|| GraphBuilder::from_graph(&self.graph));
        if route::gossip::apply_channel_update(builder, &msg, ChainHash::BITCOIN).is_ok() {
            self.graph = builder.build();
            let c = &msg.contents;
            if let Some(dir) = ShortChannelIdDir::new(c.short_channel_id, c.direction()) {
                self.knowledge.channel_update(dir, c.timestamp);
            }
        }
    }

    /// Whether any part of group `g` of `hash` is still in flight.
    fn group_pending(&self, hash: PaymentHash, g: u64) -> bool {
        self.parts.iter().any(|p| {
            p.key.payment_hash == hash && p.key.groupid == g && p.status == PartStatus::Pending
        })
    }

    /// `waitsendpay`'s answer for a whole group once none of it is pending: the first
    /// fulfilled part's fields with the totals of every fulfilled part (no `partid`: it speaks
    /// for all of them), else the failure of the part that failed last.
    fn group_reply(&self, hash: PaymentHash, g: u64) -> Reply {
        let mine =
            || self.parts.iter().filter(|p| p.key.payment_hash == hash && p.key.groupid == g);
        let done: Vec<&PartRecord> = mine().filter(|p| p.status == PartStatus::Complete).collect();
        if let Some(first) = done.first() {
            let amount = done.iter().map(|p| p.amount_msat.0).fold(0u64, u64::saturating_add);
            let sent = done.iter().map(|p| p.amount_sent_msat.0).fold(0u64, u64::saturating_add);
            let mut v = part_json(first);
            if let Some(m) = v.as_object_mut() {
                m.remove("partid");
                m.insert("amount_msat".into(), json!(amount));
                m.insert("amount_sent_msat".into(), json!(sent));
            }
            return Ok(v);
        }
        match mine().max_by_key(|p| p.updated_index) {
            Some(p) => Self::outcome_reply(p),
            None => Err(RpcError::new(209, "Payment failure reason unknown")),
        }
    }

    fn outcome_reply(p: &PartRecord) -> Reply {
        match p.status {
            PartStatus::Complete => Ok(part_json(p)),
            PartStatus::Failed => match &p.failure {
                Some(f) => Err(failure_error(p, f)),
                None => Err(RpcError::new(209, "Payment failure reason unknown")),
            },
            PartStatus::Pending => Err(RpcError::new(200, "Timed out while waiting")),
        }
    }

    // ---------------------------------------------------------------- waitsendpay, lists

    fn waitsendpay(&mut self, id: u64, r: WaitsendpayRequest, now_ms: u64) {
        let hash = r.payment_hash;
        let partid = r.partid.unwrap_or(0);
        let groupid = r.groupid.or_else(|| {
            self.parts.iter().filter(|p| p.key.payment_hash == hash).map(|p| p.key.groupid).max()
        });
        // Without a part, a group whose parts are numbered from 1 (a multi-part pay) is
        // waited for as a whole: no answer while any of it is in flight.
        if let (None, Some(g)) = (r.partid, groupid) {
            let mut mine =
                self.parts.iter().filter(|p| p.key.payment_hash == hash && p.key.groupid == g);
            if mine.clone().next().is_some() && mine.all(|p| p.key.partid != 0) {
                if !self.group_pending(hash, g) {
                    let res = self.group_reply(hash, g);
                    self.reply(id, res);
                    return;
                }
                self.park(id, WaitFor::Group(hash, g), r.timeout, now_ms);
                return;
            }
        }
        let key = groupid.map(|groupid| PartKey { payment_hash: hash, partid, groupid });
        let Some(p) = key.and_then(|k| self.part(&k)).cloned() else {
            self.reply(
                id,
                Err(RpcError::new(
                    208,
                    format!("Never attempted payment part {partid} for '{hash}'"),
                )),
            );
            return;
        };
        if p.status != PartStatus::Pending {
            let res = Self::outcome_reply(&p);
            self.reply(id, res);
            return;
        }
        self.park(id, WaitFor::Part(p.key), r.timeout, now_ms);
    }

    /// Parks command `id` until `on` is settled, or answers 200 after `timeout` seconds.
    fn park(&mut self, id: u64, on: WaitFor, timeout: Option<u32>, now_ms: u64) {
        match timeout {
            Some(0) => self.reply(id, Err(RpcError::new(200, "Timed out while waiting"))),
            Some(t) => {
                let timer = self.arm(Timer::Wait(id), now_ms.saturating_add(u64::from(t) * 1000));
                self.waiters.push(Waiter { command: id, on, timer: Some(timer) });
            }
            None => self.waiters.push(Waiter { command: id, on, timer: None }),
        }
    }

    fn list_hash(&self, r: &ListRequest) -> Result<Option<PaymentHash>, RpcError> {
        match (&r.bolt11, r.payment_hash) {
            (Some(_), Some(_)) => {
                Err(invalid("Can only specify one of {bolt11} or {payment_hash}"))
            }
            (Some(b), None) => Invoice::decode(b, self.cfg.currency)
                .map(|i| Some(*i.payment_hash()))
                .map_err(|e| invalid(format!("Invalid bolt11: {e}"))),
            (None, h) => Ok(h),
        }
    }

    /// The parts a list command covers, in the order it lists them.
    fn listed(&self, r: &ListRequest) -> Result<Vec<&PartRecord>, RpcError> {
        let hash = self.list_hash(r)?;
        if r.index.is_none() && (r.start.is_some() || r.limit.is_some()) {
            return Err(invalid("Can only specify {start} or {limit} with {index}"));
        }
        let mut parts: Vec<&PartRecord> = self
            .parts
            .iter()
            .filter(|p| hash.map_or(true, |h| p.key.payment_hash == h))
            .filter(|p| r.status.map_or(true, |s| p.status == s))
            .collect();
        if let Some(index) = r.index {
            let at = |p: &PartRecord| match index {
                ListIndex::Created => p.created_index,
                ListIndex::Updated => p.updated_index,
            };
            parts.retain(|p| at(p) >= r.start.unwrap_or(0));
            parts.sort_by_key(|p| at(p));
            if let Some(l) = r.limit {
                parts.truncate(l as usize);
            }
        }
        Ok(parts)
    }

    fn listsendpays(&self, r: &ListRequest) -> Reply {
        let payments: Vec<Value> = self.listed(r)?.into_iter().map(part_json).collect();
        Ok(json!({ "payments": payments }))
    }

    fn listpays(&self, r: &ListRequest) -> Reply {
        // Groups of the parts listsendpays would list (without its status filter: a group's
        // status is its parts' together).
        let listed = self.listed(&ListRequest { status: None, ..r.clone() })?;
        let mut order: Vec<(PaymentHash, u64)> = Vec::new();
        for p in listed {
            let g = (p.key.payment_hash, p.key.groupid);
            if !order.contains(&g) {
                order.push(g);
            }
        }
        let mut pays = Vec::new();
        for (h, g) in order {
            let parts: Vec<&PartRecord> = self
                .parts
                .iter()
                .filter(|p| p.key.payment_hash == h && p.key.groupid == g)
                .collect();
            let pay_ongoing = self
                .pays
                .iter()
                .any(|ps| ps.rec.payment_hash == h && ps.rec.groupid == g && !ps.rec.done);
            // Complete once a part is fulfilled and none is in flight: a group with parts
            // pending is pending, whatever it has received so far.
            let any_pending = parts.iter().any(|p| p.status == PartStatus::Pending);
            let status = if any_pending
                || (pay_ongoing && !parts.iter().any(|p| p.status == PartStatus::Complete))
            {
                PartStatus::Pending
            } else if parts.iter().any(|p| p.status == PartStatus::Complete) {
                PartStatus::Complete
            } else {
                PartStatus::Failed
            };
            if r.status.is_some_and(|s| s != status) {
                continue;
            }
            let Some(first) = parts.first() else { continue };
            let mut m = Map::new();
            m.insert("payment_hash".into(), json!(h.to_string()));
            m.insert("status".into(), json!(status.as_str()));
            if let Some(d) = &first.destination {
                m.insert("destination".into(), json!(d.to_string()));
            }
            m.insert("created_at".into(), json!(first.created_at));
            if let Some(c) = parts
                .iter()
                .filter(|p| p.status == PartStatus::Complete)
                .filter_map(|p| p.completed_at)
                .min()
            {
                m.insert("completed_at".into(), json!(c));
            }
            if let Some(l) = &first.label {
                m.insert("label".into(), json!(l));
            }
            if let Some(b) = &first.bolt11 {
                m.insert("bolt11".into(), json!(b));
            }
            if let Some(d) = &first.description {
                m.insert("description".into(), json!(d));
            }
            if let Some(pre) = parts.iter().find_map(|p| p.payment_preimage) {
                m.insert("preimage".into(), json!(pre.to_string()));
            }
            let live: Vec<&&PartRecord> =
                parts.iter().filter(|p| p.status != PartStatus::Failed).collect();
            let amount: u64 = live.iter().map(|p| p.amount_msat.0).fold(0u64, u64::saturating_add);
            let sent: u64 =
                live.iter().map(|p| p.amount_sent_msat.0).fold(0u64, u64::saturating_add);
            if !live.is_empty() {
                m.insert("amount_msat".into(), json!(amount));
            }
            m.insert("amount_sent_msat".into(), json!(sent));
            if live.len() > 1 {
                m.insert("number_of_parts".into(), json!(live.len()));
            }
            m.insert(
                "created_index".into(),
                json!(parts.iter().map(|p| p.created_index).min().unwrap_or(0)),
            );
            m.insert(
                "updated_index".into(),
                json!(parts.iter().map(|p| p.updated_index).max().unwrap_or(0)),
            );
            pays.push(Value::Object(m));
        }
        Ok(json!({ "pays": pays }))
    }

    fn delpay(&mut self, r: &DelpayRequest) -> Reply {
        if r.status == PartStatus::Pending {
            return Err(invalid("status: should be 'complete' or 'failed'"));
        }
        let matching: Vec<PartRecord> = self
            .parts
            .iter()
            .filter(|p| p.key.payment_hash == r.payment_hash)
            .filter(|p| r.partid.map_or(true, |x| p.key.partid == x))
            .filter(|p| r.groupid.map_or(true, |x| p.key.groupid == x))
            .cloned()
            .collect();
        if matching.is_empty() {
            return Err(RpcError::new(208, "Unknown payment with payment_hash"));
        }
        if let Some(p) = matching.iter().find(|p| p.status != r.status) {
            return Err(RpcError::new(
                211,
                format!(
                    "Payment with hash {} has {} status but it should be {}",
                    r.payment_hash,
                    p.status.as_str(),
                    r.status.as_str()
                ),
            ));
        }
        let keys: Vec<PartKey> = matching.iter().map(|p| p.key).collect();
        self.parts.retain(|p| !keys.contains(&p.key));
        for k in keys {
            self.actions.push(Action::Delete(k));
        }
        Ok(json!({ "payments": matching.iter().map(part_json).collect::<Vec<_>>() }))
    }

    fn timer(&mut self, t: u64, now_ms: u64) {
        match self.timers.remove(&t) {
            Some(Timer::Wait(cmd)) => {
                self.waiters.retain(|w| w.command != cmd);
                self.reply(cmd, Err(RpcError::new(200, "Timed out while waiting")));
            }
            Some(Timer::PayDeadline(id)) => self.pay_step(id, now_ms),
            None => {}
        }
    }

    // ---------------------------------------------------------------- pay

    fn pay(&mut self, id: u64, r: PayRequest, now_ms: u64) {
        match self.pay_start(id, r, now_ms) {
            Ok(Some(pay_id)) => self.pay_step(pay_id, now_ms),
            Ok(None) => {}
            Err(e) => self.reply(id, Err(e)),
        }
    }

    fn pay_start(&mut self, cmd: u64, r: PayRequest, now_ms: u64) -> Result<Option<u64>, RpcError> {
        let inv = Invoice::decode(&r.bolt11, self.cfg.currency)
            .map_err(|e| invalid(format!("Invalid bolt11: {e}")))?;
        if r.maxfee.is_some() && (r.maxfeepercent.is_some() || r.exemptfee.is_some()) {
            return Err(invalid(
                "If you specify maxfee, cannot specify maxfeepercent or exemptfee.",
            ));
        }
        let amount = match (inv.amount(), r.amount_msat) {
            (Some(_), Some(_)) => return Err(invalid("amount_msat parameter unnecessary")),
            (None, None) => return Err(invalid("amount_msat parameter required")),
            (Some(a), None) | (None, Some(a)) => a,
        };
        if let Some(rf) = r.riskfactor {
            if !(rf.is_finite() && rf >= 0.0) {
                return Err(invalid(format!(
                    "riskfactor: should be a non-negative number: invalid token '{rf}'"
                )));
            }
        }
        if let Some(partial) = r.partial_msat {
            if partial > amount {
                return Err(invalid(format!(
                    "partial_msat {}msat must be less or equal to total amount {}msat",
                    partial.0, amount.0
                )));
            }
            if partial.0 == 0 {
                return Err(invalid("partial_msat must be greater than zero"));
            }
        }
        if let Description::Hash(_) = inv.description() {
            let Some(d) = &r.description else {
                return Err(invalid(
                    "bolt11 uses description_hash, but you did not provide description parameter",
                ));
            };
            if inv.check_description(d).is_err() {
                return Err(invalid("description does not match description_hash"));
            }
        }
        let now_s = now_ms / 1000;
        if inv.is_expired(now_s) {
            return Err(RpcError::new(207, "Invoice expired")
                .with_data(json!({"now": now_s, "expiry": inv.expires_at()})));
        }
        let hash = *inv.payment_hash();
        if inv.payee() == self.cfg.node_id {
            if r.partial_msat.is_some() {
                return Err(invalid("partial_msat not supported (yet?) for self-pay"));
            }
            // Core Lightning settles a self-payment against its own invoices; this machine
            // keeps none.
            return Err(RpcError::new(203, "Unknown invoice"));
        }
        for e in &r.exclude {
            match e {
                Exclusion::Node(n) if *n == inv.payee() => {
                    return Err(RpcError::new(217, "Payee is manually excluded"))
                }
                Exclusion::Node(n) if *n == self.cfg.node_id => {
                    return Err(RpcError::new(217, "Payer is manually excluded"))
                }
                _ => {}
            }
        }
        // In progress: latch on. The pay answers once none of its parts is in flight, so a
        // part fulfilled while others are pending (before a restart, say) answers nothing yet.
        if let Some(ps) =
            self.pays.iter_mut().find(|ps| ps.rec.payment_hash == hash && !ps.rec.done)
        {
            ps.waiters.push(cmd);
            return Ok(None);
        }
        // Already paid: the stored result, with the totals of every fulfilled part of the
        // group, once none of the group is in flight.
        if let Some(p) = self
            .parts
            .iter()
            .find(|p| p.key.payment_hash == hash && p.status == PartStatus::Complete)
        {
            let g = p.key.groupid;
            if self.group_pending(hash, g) {
                self.waiters.push(Waiter {
                    command: cmd,
                    on: WaitFor::PayResult(hash, g),
                    timer: None,
                });
            } else {
                let res = self.pay_result(hash, g, 1, None);
                self.reply(cmd, res);
            }
            return Ok(None);
        }
        if let Some(p) = self
            .parts
            .iter()
            .find(|p| p.key.payment_hash == hash && p.status == PartStatus::Pending)
        {
            return Err(RpcError::new(
                200,
                format!(
                    "Payment with groupid={} still in progress, cannot retry before that completes.",
                    p.key.groupid
                ),
            ));
        }
        let final_cltv = inv.min_final_cltv_expiry_delta().min(u64::from(u32::MAX)) as u32;
        let target = Target { hash, destination: inv.payee(), final_cltv, amount, keysend: None };
        Ok(Some(self.begin_pay(cmd, r, target, Some(inv), now_ms)))
    }

    /// `keysend`: a payment without invoice; the preimage is ours, sent in the final payload.
    fn keysend_start(&mut self, cmd: u64, r: KeysendRequest, now_ms: u64) -> Result<u64, RpcError> {
        if r.maxfee.is_some() && (r.maxfeepercent.is_some() || r.exemptfee.is_some()) {
            return Err(invalid(
                "If you specify maxfee, cannot specify maxfeepercent or exemptfee.",
            ));
        }
        if r.destination == self.cfg.node_id {
            return Err(RpcError::new(-1, "Cannot keysend to ourselves"));
        }
        let idx = self.next_index;
        let preimage = PaymentPreimage(hash32(&[
            &self.cfg.seed,
            b"keysend",
            r.destination.as_bytes(),
            &r.amount_msat.0.to_be_bytes(),
            &now_ms.to_be_bytes(),
            &idx.to_be_bytes(),
        ]));
        let target = Target {
            hash: preimage.hash(),
            destination: r.destination,
            final_cltv: KEYSEND_FINAL_CLTV,
            amount: r.amount_msat,
            keysend: Some(preimage),
        };
        let p = PayRequest {
            bolt11: String::new(),
            amount_msat: Some(r.amount_msat),
            label: r.label,
            maxfeepercent: r.maxfeepercent,
            retry_for: r.retry_for,
            maxdelay: r.maxdelay,
            exemptfee: r.exemptfee,
            exclude: Vec::new(),
            maxfee: r.maxfee,
            description: None,
            riskfactor: None,
            partial_msat: None,
        };
        Ok(self.begin_pay(cmd, p, target, None, now_ms))
    }

    /// Records a new pay and arms its deadline; returns its id.
    fn begin_pay(
        &mut self,
        cmd: u64,
        r: PayRequest,
        t: Target,
        inv: Option<Invoice>,
        now_ms: u64,
    ) -> u64 {
        let Target { hash, destination, final_cltv, amount: invoice_amount, keysend } = t;
        let (amount, total_msat) = match r.partial_msat {
            Some(part) if part < invoice_amount => (part, Some(invoice_amount)),
            _ => (invoice_amount, None),
        };
        // Validated non-negative and finite by the caller; saturates beyond u64.
        let riskfactor_millionths = (r.riskfactor.unwrap_or(10.0) * 1e6).round() as u64;
        let max_fee = match r.maxfee {
            Some(m) => m,
            None => {
                let pct = r.maxfeepercent.unwrap_or(0.5).clamp(0.0, 100.0);
                let budget = amount.mul_ppm((pct * 10_000.0) as u32);
                budget.max(r.exemptfee.unwrap_or(Msat(5_000)))
            }
        };
        let max_delay = r.maxdelay.unwrap_or(2016);
        let groupid = self
            .parts
            .iter()
            .filter(|p| p.key.payment_hash == hash)
            .map(|p| p.key.groupid.saturating_add(1))
            .max()
            .unwrap_or(0);
        let id = self.bump();
        // Shadow route (BOLT 7 privacy): with probability 1/2, pad the final CLTV by up to a
        // quarter of what the CLTV budget leaves.
        let rnd = hash32(&[&self.cfg.seed, &hash.0, b"shadow", &id.to_be_bytes()]);
        let room = max_delay.saturating_sub(final_cltv) / 4;
        let shadow_cltv = if rnd[0] & 1 == 1 && room > 0 {
            u32::from(u16::from_be_bytes([rnd[1], rnd[2]])) % room.min(144)
        } else {
            0
        };
        let (mut exclude_channels, mut exclude_nodes) = (Vec::new(), Vec::new());
        for e in &r.exclude {
            match e {
                Exclusion::Channel(c) => exclude_channels.push((c.scid, c.direction)),
                Exclusion::Node(n) => exclude_nodes.push(*n),
            }
        }
        let rec = PayRecord {
            id,
            payment_hash: hash,
            groupid,
            destination,
            final_cltv,
            keysend_preimage: keysend,
            bolt11: r.bolt11.clone(),
            amount_msat: amount,
            total_msat,
            riskfactor_millionths,
            max_fee,
            max_delay,
            shadow_cltv,
            created_at_ms: now_ms,
            deadline_ms: now_ms.saturating_add(r.retry_for.unwrap_or(60).saturating_mul(1000)),
            exclude_channels,
            exclude_nodes,
            label: r.label,
            description: r.description,
            attempts: 0,
            next_partid: 1,
            done: false,
        };
        self.actions.push(Action::Persist(Record::Pay(rec.clone())));
        let deadline = rec.deadline_ms;
        self.pays.push(PayState {
            rec,
            invoice: inv,
            waiters: vec![cmd],
            final_error: None,
            attempts: Vec::new(),
        });
        self.arm(Timer::PayDeadline(id), deadline);
        id
    }

    /// The success reply of a pay over group `g` of `hash`.
    fn pay_result(
        &self,
        hash: PaymentHash,
        g: u64,
        attempts: u32,
        created_ms: Option<u64>,
    ) -> Reply {
        let done: Vec<&PartRecord> = self
            .parts
            .iter()
            .filter(|p| {
                p.key.payment_hash == hash && p.key.groupid == g && p.status == PartStatus::Complete
            })
            .collect();
        let Some(first) = done.first() else {
            return Err(RpcError::new(209, "Payment failure reason unknown"));
        };
        let amount: u64 = done.iter().map(|p| p.amount_msat.0).fold(0u64, u64::saturating_add);
        let sent: u64 = done.iter().map(|p| p.amount_sent_msat.0).fold(0u64, u64::saturating_add);
        let created = created_ms.map_or(first.created_at as f64, |c| c as f64 / 1000.0);
        let mut v = json!({
            "payment_preimage": first.payment_preimage.map(|p| p.to_string()),
            "payment_hash": hash.to_string(),
            "created_at": created,
            "parts": attempts.max(done.len() as u32),
            "amount_msat": amount,
            "amount_sent_msat": sent,
            "status": "complete",
        });
        if let Some(d) = first.destination {
            json_insert(&mut v, "destination", json!(d.to_string()));
        }
        Ok(v)
    }

    /// Moves a pay on: finishes it when it can, otherwise routes what is neither delivered
    /// nor in flight.
    fn pay_step(&mut self, id: u64, now_ms: u64) {
        let Some(pi) = self.pays.iter().position(|p| p.rec.id == id) else { return };
        let Some(ps) = self.pays.get(pi) else { return };
        if ps.rec.done {
            return;
        }
        let hash = ps.rec.payment_hash;
        let g = ps.rec.groupid;
        let mine: Vec<&PartRecord> = self
            .parts
            .iter()
            .filter(|p| p.key.payment_hash == hash && p.key.groupid == g)
            .collect();
        let pending: Vec<&PartRecord> =
            mine.iter().copied().filter(|p| p.status == PartStatus::Pending).collect();
        let succeeded = mine.iter().any(|p| p.status == PartStatus::Complete);
        let attempts = ps.rec.attempts;
        if succeeded {
            if pending.is_empty() {
                let res = self.pay_result(hash, g, attempts, Some(ps.rec.created_at_ms));
                self.finish_pay(pi, res);
            }
            return;
        }
        if let Some(e) = ps.final_error.clone() {
            if pending.is_empty() {
                self.finish_pay(pi, Err(e));
            }
            return;
        }
        if now_ms >= ps.rec.deadline_ms {
            if pending.is_empty() {
                let e = self.gave_up(pi);
                self.finish_pay(pi, Err(e));
            }
            return;
        }
        let in_flight: u64 =
            pending.iter().map(|p| p.amount_msat.0).fold(0u64, u64::saturating_add);
        let fees_in_flight: u64 = pending
            .iter()
            .map(|p| p.amount_sent_msat.0.saturating_sub(p.amount_msat.0))
            .fold(0u64, u64::saturating_add);
        let remaining = Msat(ps.rec.amount_msat.0.saturating_sub(in_flight));
        if remaining.0 == 0 {
            return;
        }
        let budget = Msat(ps.rec.max_fee.0.saturating_sub(fees_in_flight));
        let inv = ps.invoice.as_ref();
        let mpp = inv.is_some_and(|i| i.features().supports(types::features::Feature::BASIC_MPP));
        let mut params = FlowParams::new(self.cfg.node_id, ps.rec.destination, remaining);
        params.final_cltv = ps.rec.final_cltv.saturating_add(ps.rec.shadow_cltv);
        params.max_fee = budget;
        params.max_delay = ps.rec.max_delay;
        params.max_parts = if mpp { self.cfg.max_parts.max(1) } else { 1 };
        params.exclude_channels = ps
            .rec
            .exclude_channels
            .iter()
            .filter_map(|&(s, d)| ShortChannelIdDir::new(s, d))
            .collect();
        params.exclude_nodes = ps.rec.exclude_nodes.clone();
        params.first_hops = self.first_hops.clone();
        params.route_hints = inv
            .map(|i| i.route_hints())
            .unwrap_or_default()
            .iter()
            .map(|h| {
                h.0.iter()
                    .map(|x| RouteHintHop {
                        src: x.node_id,
                        scid: x.short_channel_id,
                        base_fee_msat: x.fee_base_msat,
                        fee_ppm: x.fee_proportional_millionths,
                        cltv_delta: x.cltv_expiry_delta,
                    })
                    .collect()
            })
            .collect();
        // Route randomisation: the weight of probability against fees varies per attempt, so
        // the cheapest route is not always the one taken; the fee budget always holds. It is
        // low on the first attempt (cheap routes first) and high once a part failed.
        let rnd = hash32(&[&self.cfg.seed, &hash.0, b"route", &attempts.to_be_bytes()]);
        let failed = mine.iter().filter(|p| p.status == PartStatus::Failed).count();
        params.prob_cost_ppm = prob_cost_ppm(failed, u16::from_be_bytes([rnd[0], rnd[1]]));
        params.riskfactor_millionths = ps.rec.riskfactor_millionths;
        let snap = self.knowledge.snapshot(&self.graph, now_ms / 1000);
        let result = flow::flow(&self.graph, &snap, &params);
        let result = match result {
            Ok(f) if f.fee > budget => Err(FlowError::TooExpensive { fee: f.fee, max_fee: budget }),
            Ok(f)
                if f.parts
                    .iter()
                    .any(|p| p.hops.first().is_some_and(|h| h.delay > params.max_delay)) =>
            {
                Err(FlowError::InsufficientLiquidity { amount: remaining, deliverable: Msat(0) })
            }
            other => other,
        };
        match result {
            Ok(f) => {
                let secret = inv.map(|i| *i.payment_secret());
                let metadata = inv.and_then(|i| i.payment_metadata()).map(<[u8]>::to_vec);
                let total = ps.rec.total_msat.unwrap_or(ps.rec.amount_msat);
                let keysend = ps.rec.keysend_preimage;
                let bolt11 = (!ps.rec.bolt11.is_empty()).then(|| ps.rec.bolt11.clone());
                let meta = (ps.rec.label.clone(), bolt11, ps.rec.description.clone());
                // Never reuse a part id of this group, whatever the record says.
                let used = mine.iter().map(|p| p.key.partid.saturating_add(1)).max().unwrap_or(1);
                let first_partid = ps.rec.next_partid.max(used);
                if first_partid.checked_add(f.parts.len() as u64).is_none() {
                    return; // Part ids exhausted (only a corrupt record gets here).
                }
                let n = f.parts.len() as u32;
                if let Some(ps) = self.pays.get_mut(pi) {
                    ps.rec.attempts += n;
                    ps.rec.next_partid = first_partid.saturating_add(u64::from(n));
                    let rec = ps.rec.clone();
                    self.actions.push(Action::Persist(Record::Pay(rec)));
                }
                for (partid, part) in (first_partid..).zip(f.parts) {
                    let route: Vec<HopRecord> = part
                        .hops
                        .iter()
                        .map(|h| HopRecord {
                            id: h.node,
                            channel: h.channel.scid,
                            direction: h.channel.direction,
                            amount_msat: h.amount,
                            delay: h.delay,
                        })
                        .collect();
                    let key = PartKey { payment_hash: hash, partid, groupid: g };
                    if self
                        .start_part(
                            key,
                            route,
                            total,
                            secret,
                            metadata.clone(),
                            meta.clone(),
                            Some(id),
                            keysend,
                            now_ms,
                        )
                        .is_ok()
                    {
                        if let Some(ps) = self.pays.get_mut(pi) {
                            ps.attempts.push(Attempt { key, start_ms: now_ms, end_ms: None });
                        }
                    }
                }
            }
            Err(e) => {
                if !pending.is_empty() {
                    return; // Wait for the parts in flight, then try again.
                }
                let err =
                    if attempts > 0 { self.gave_up(pi) } else { self.route_error(&e, &params) };
                self.finish_pay(pi, Err(err));
            }
        }
    }

    fn route_error(&self, e: &FlowError, params: &FlowParams) -> RpcError {
        match e {
            FlowError::TooExpensive { .. } => {
                // What the cheapest flow would cost, for the error data.
                let mut p = params.clone();
                p.max_fee = Msat::MAX;
                let snap = self.knowledge.snapshot(&self.graph, 0);
                let (fee, delay) = match flow::flow(&self.graph, &snap, &p) {
                    Ok(f) => (
                        f.fee,
                        f.parts
                            .iter()
                            .filter_map(|p| p.hops.first().map(|h| h.delay))
                            .max()
                            .unwrap_or(0),
                    ),
                    Err(_) => (Msat(0), 0),
                };
                let feepercent = fee.0 as f64 * 100.0 / params.amount.0.max(1) as f64;
                RpcError::new(
                    206,
                    format!(
                        "Fee exceeds our fee budget: {}msat > {}msat, discarding route",
                        fee.0, params.max_fee.0
                    ),
                )
                .with_data(json!({"fee": fee.0, "feepercent": feepercent, "delay": delay}))
            }
            _ => RpcError::new(205, "Could not find a route"),
        }
    }

    fn gave_up(&self, pi: usize) -> RpcError {
        let Some(ps) = self.pays.get(pi) else {
            return RpcError::new(210, "Ran out of routes to try");
        };
        let n = ps.rec.attempts;
        let attempts: Vec<Value> = self
            .parts
            .iter()
            .filter(|p| {
                p.key.payment_hash == ps.rec.payment_hash && p.key.groupid == ps.rec.groupid
            })
            .map(|p| {
                let mut a = json!({
                    "status": match p.status {
                        PartStatus::Pending => "pending",
                        PartStatus::Complete => "success",
                        PartStatus::Failed => "failed",
                    },
                    "partid": p.key.partid,
                    "amount_msat": p.amount_msat.0,
                });
                if let Some(f) = &p.failure {
                    json_insert(&mut a, "failreason", json!(f.message));
                }
                a
            })
            .collect();
        RpcError::new(
            210,
            format!(
                "Ran out of routes to try after {n} attempt{}: see `paystatus`",
                if n == 1 { "" } else { "s" }
            ),
        )
        .with_data(json!({ "attempts": attempts }))
    }

    fn finish_pay(&mut self, pi: usize, res: Reply) {
        let Some(ps) = self.pays.get_mut(pi) else { return };
        ps.rec.done = true;
        let rec = ps.rec.clone();
        let waiters = std::mem::take(&mut ps.waiters);
        self.actions.push(Action::Persist(Record::Pay(rec.clone())));
        let ev = match &res {
            Ok(v) => {
                let sent = v["amount_sent_msat"].as_u64().unwrap_or(0);
                let got = v["amount_msat"].as_u64().unwrap_or(0);
                let pre = self.parts.iter().find_map(|p| {
                    (p.key.payment_hash == rec.payment_hash).then_some(p.payment_preimage).flatten()
                });
                pre.map(|payment_preimage| PaymentEvent::PaymentSent {
                    payment_id: rec.id,
                    payment_hash: rec.payment_hash,
                    payment_preimage,
                    fee_paid_msat: Msat(sent.saturating_sub(got)),
                })
            }
            Err(e) => Some(PaymentEvent::PaymentFailed {
                payment_id: rec.id,
                payment_hash: rec.payment_hash,
                reason: e.code,
            }),
        };
        if let Some(ev) = ev {
            self.actions.push(Action::Event(ev));
        }
        for w in waiters {
            self.reply(w, res.clone());
        }
    }

    fn paystatus(&self, bolt11: Option<&str>, now_ms: u64) -> Value {
        let pays: Vec<Value> = self
            .pays
            .iter()
            .filter(|ps| bolt11.map_or(true, |b| b == ps.rec.bolt11))
            .map(|ps| {
                let attempts: Vec<Value> = ps
                    .attempts
                    .iter()
                    .enumerate()
                    .filter_map(|(i, a)| {
                        let p = self.part(&a.key)?;
                        let mut v = json!({
                            "strategy": if i == 0 { "Initial attempt".to_string() } else { format!("Attempt {}", i + 1) },
                            "start_time": a.start_ms as f64 / 1000.0,
                            "age_in_seconds": now_ms.saturating_sub(a.start_ms) / 1000,
                            "state": if p.status == PartStatus::Pending { "pending" } else { "completed" },
                            "partid": p.key.partid,
                            "amount_msat": p.amount_msat.0,
                            "route": p.route.iter().map(|h| json!({
                                "id": h.id.to_string(), "channel": h.channel.to_string(),
                                "direction": h.direction, "amount_msat": h.amount_msat.0, "delay": h.delay,
                            })).collect::<Vec<_>>(),
                        });
                        if let Some(e) = a.end_ms {
                            json_insert(&mut v, "end_time", json!(e as f64 / 1000.0));
                        }
                        match (p.status, &p.failure) {
                            (PartStatus::Complete, _) => json_insert(&mut v, "success", json!({
                                "id": p.created_index,
                                "payment_preimage": p.payment_preimage.map(|x| x.to_string()),
                            })),
                            (PartStatus::Failed, Some(f)) => {
                                let e = failure_error(p, f);
                                json_insert(&mut v, "failure", e.to_json());
                            }
                            _ => {}
                        }
                        Some(v)
                    })
                    .collect();
                let mut v = json!({
                    "bolt11": ps.rec.bolt11,
                    "amount_msat": ps.rec.amount_msat.0,
                    "destination": ps.rec.destination.to_string(),
                    "attempts": attempts,
                });
                if let Some(l) = &ps.rec.label {
                    json_insert(&mut v, "label", json!(l));
                }
                v
            })
            .collect();
        json!({ "pay": pays })
    }
}

#[cfg(test)]
mod tests {
    use super::{
        prob_cost_ppm, PROB_COST_PPM_FIRST, PROB_COST_PPM_RETRY_MAX, PROB_COST_PPM_RETRY_MIN,
    };

    #[test]
    fn prob_cost_is_low_first_and_high_after_a_failure() {
        assert_eq!(prob_cost_ppm(0, 0), PROB_COST_PPM_FIRST);
        assert_eq!(prob_cost_ppm(0, u16::MAX), 2 * PROB_COST_PPM_FIRST - 1);
        assert_eq!(prob_cost_ppm(0, 32_768), 150);
        for failed in [1, 2, 7, usize::MAX] {
            assert_eq!(prob_cost_ppm(failed, 0), PROB_COST_PPM_RETRY_MIN);
            assert_eq!(prob_cost_ppm(failed, 32_768), 2_250);
            assert_eq!(prob_cost_ppm(failed, u16::MAX), PROB_COST_PPM_RETRY_MAX - 1);
        }
        // Random within each range.
        assert_ne!(prob_cost_ppm(0, 1_000), prob_cost_ppm(0, 60_000));
    }
}
