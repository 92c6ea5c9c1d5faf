//! The state machine: [`Machine::handle`] takes one [`Input`] and the time, and returns the
//! [`Action`]s to carry out, in order (a part's `Persist` always comes before its `SendHtlc`).
//!
//! The machine is split by concern: `sendpay` checks and sends parts, `outcome` resolves them
//! (failure decoding and attribution, learning, waking waiters, moving the pay on), `wait`
//! answers `waitsendpay`, `pay` runs `pay` and `keysend`, `queries` answers the listings and
//! `delpay`, and `restore` rebuilds a machine from its records. Requests, replies and errors
//! live in [`crate::requests`], [`crate::replies`] and [`crate::error`].

mod askrene;
mod bolt12;
mod fetch;
mod offer_pay;
mod outcome;
mod pay;
mod queries;
mod restore;
mod sendpay;
mod wait;
mod xpay;

use crate::error::{PayError, WaitsendpayError};
use crate::record::{PartKey, PartRecord, PayRecord, Record};
use crate::replies::Reply;
use crate::requests::Command;
use bolt11::{Currency, Invoice};
use onion::packet::OnionPacket;
use route::flow::FirstHop;
use route::graph::{Graph, GraphBuilder};
use route::knowledge::Knowledge;
use route::layer::{Layer, Reservations, LEARNED_LAYER};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use types::{Msat, NodeId, PaymentHash, PaymentPreimage, ShortChannelId};

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
    /// An onion message for us arrived, peeled by the driver (with the node's key): the
    /// answer to a `fetchinvoice` comes this way (matched by its reply path's `path_id`).
    MessageReceived(Box<onion::message::ReceivedMessage>),
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
        /// Why it failed.
        reason: PayError,
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
    /// Send an `onion_message` to our peer `peer`.
    SendOnionMessage {
        /// The peer.
        peer: NodeId,
        /// The message.
        message: Box<wire::OnionMessage>,
    },
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
    /// Most parts of one payment in flight at once (Core Lightning's 16), unless the pay
    /// asks for fewer; never exceeded.
    pub max_parts: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Timer {
    Wait(u64),
    PayDeadline(u64),
    /// A `fetchinvoice` (by its command id) times out.
    Fetch(u64),
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
    final_error: Option<PayError>,
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
    /// askrene layers by name; the learned one (`xpay`) always exists.
    layers: BTreeMap<String, Layer>,
    reservations: Reservations,
    /// Commands answered as `xpay` (their pay replies are turned into [`Reply::Xpay`]), with
    /// whether the payment was already paid when asked.
    xpay_cmds: HashMap<u64, bool>,
    /// `fetchinvoice`s waiting for their answer.
    fetches: Vec<fetch::Fetch>,
    /// Pays of offers waiting for their fetch, by command: how to pay the invoice it gets.
    then_pay: HashMap<u64, offer_pay::ThenPay>,
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
            layers: BTreeMap::from([(LEARNED_LAYER.to_string(), Layer::new(LEARNED_LAYER, true))]),
            reservations: Reservations::default(),
            xpay_cmds: HashMap::new(),
            fetches: Vec::new(),
            then_pay: HashMap::new(),
        }
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
            Input::MessageReceived(m) => self.message_received(*m, now_ms),
        }
        std::mem::take(&mut self.actions)
    }

    fn reply(&mut self, command: u64, result: Reply) {
        let result = match result {
            Reply::Pay(res) => match self.xpay_cmds.remove(&command) {
                Some(already_paid) => Reply::Xpay(self.xpay_reply(res, already_paid)),
                None => Reply::Pay(res),
            },
            other => other,
        };
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
                self.reply(id, Reply::Sendpay(res));
            }
            Command::Waitsendpay(r) => self.waitsendpay(id, r, now_ms),
            Command::Listsendpays(r) => {
                let res = self.listsendpays(&r);
                self.reply(id, Reply::Listsendpays(res));
            }
            Command::Listpays(r) => {
                let res = self.listpays(&r);
                self.reply(id, Reply::Listpays(res));
            }
            Command::Pay(r) => self.pay(id, r, now_ms),
            Command::Keysend(r) => match self.keysend_start(id, r, now_ms) {
                Ok(pay_id) => self.pay_step(pay_id, now_ms),
                Err(e) => self.reply(id, Reply::Pay(Err(e))),
            },
            Command::Paystatus(b) => {
                let res = self.paystatus(b.as_deref(), now_ms);
                self.reply(id, Reply::Paystatus(res));
            }
            Command::Delpay(r) => {
                let res = self.delpay(&r);
                self.reply(id, Reply::Delpay(res));
            }
            Command::Getroutes(r) => {
                let res = self.getroutes(r, now_ms);
                self.reply(id, Reply::Getroutes(res));
            }
            Command::Askrene(c) => {
                let res = self.askrene(c, now_ms);
                self.reply(id, Reply::Askrene(res));
            }
            Command::Xpay(r) => self.xpay(id, r, now_ms),
            Command::Xkeysend(r) => self.xkeysend(id, r, now_ms),
            Command::PayBlinded(r) => self.pay_blinded(id, *r, now_ms),
            Command::Fetchinvoice(r) => self.fetchinvoice(id, r, now_ms),
            Command::PayBolt12(r) => self.pay_bolt12(id, *r, now_ms),
        }
    }

    fn timer(&mut self, t: u64, now_ms: u64) {
        match self.timers.remove(&t) {
            Some(Timer::Wait(cmd)) => {
                self.waiters.retain(|w| w.command != cmd);
                self.reply(cmd, Reply::Waitsendpay(Err(WaitsendpayError::TimedOut)));
            }
            Some(Timer::PayDeadline(id)) => self.pay_step(id, now_ms),
            Some(Timer::Fetch(cmd)) => self.fetch_timeout(cmd, now_ms),
            None => {}
        }
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
