//! A synchronous discrete-event driver coupling the payment state machine with the simulated
//! network: the machine's actions become simulator calls (HTLCs on the payer's channels),
//! the simulator's resolutions become machine inputs, and timers run on the simulator's
//! clock. A persisted-record store and the channel layer's HTLC table live beside the machine
//! so a test can stop the machine at any action, rebuild it from the records and finish.

use payment::{Action, Command, Config, Input, Machine, PartKey, PaymentEvent, Record, Reply};
use route::flow::FirstHop;
use route::graph::Graph;
use sim::{ChannelBackend, HtlcId, Resolution, Simulator};
use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap, HashMap, HashSet, VecDeque};
use std::sync::Arc;

/// The simulator's invoice epoch: simulated time 0 is this many milliseconds after 1970
/// (its invoices are stamped `1_770_076_800 + now/1000`).
pub const SIM_EPOCH_MS: u64 = 1_770_076_800_000;

/// Where a record is stored.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum StoreKey {
    /// A part.
    Part(PartKey),
    /// A pay.
    Pay(u64),
    /// A persistent askrene layer, by name.
    Layer(String),
    /// What was learned of a directed channel.
    Learned(types::ShortChannelIdDir),
}

/// The machine, the network and what a node would keep on disk.
pub struct Driver {
    /// The simulated network (the payer is its payer node).
    pub sim: Simulator,
    /// The state machine.
    pub machine: Machine,
    cfg: Config,
    graph: Arc<Graph>,
    /// Persisted records.
    pub store: BTreeMap<StoreKey, Record>,
    /// The channel layer's table: every HTLC sent, by part (survives a restart).
    pub htlcs: HashMap<HtlcId, PartKey>,
    /// Resolutions the channel layer holds for parts (survive a restart).
    resolved: HashMap<PartKey, Resolution>,
    timers: BinaryHeap<Reverse<(u64, u64)>>,
    inputs: VecDeque<Input>,
    /// Replies by command id.
    pub replies: HashMap<u64, Reply>,
    /// Events in order.
    pub events: Vec<PaymentEvent>,
    next_cmd: u64,
    /// Actions carried out so far.
    pub actions_done: usize,
    /// Stop (crash) when this many actions have been carried out.
    pub crash_at: Option<usize>,
    /// Set when the machine crashed; [`Driver::restart`] clears it.
    pub crashed: bool,
    /// Parts sent, counting every `SendHtlc` that reached the network.
    pub sent: usize,
}

impl Driver {
    /// A driver for the simulator's payer, with the graph its gossip gives (taken as the
    /// simulator's trusted [`Simulator::gossip_graph`]: equal to the verified import of its
    /// signed gossip, without signing and verifying every message of a big network at each
    /// run; the `channel_update`s of failures are still signed and verified).
    /// `None` when the simulator's payer index names no node.
    pub fn new(sim: Simulator, seed: [u8; 32]) -> Option<Driver> {
        let graph = sim.gossip_graph();
        let node_id = sim.node_id(sim.payer())?;
        let cfg = Config { node_id, seed, currency: bolt11::Currency::Bitcoin, max_parts: 16 };
        let machine = Machine::new(cfg.clone(), graph.clone(), sim.block_height());
        Some(Driver {
            sim,
            machine,
            cfg,
            graph,
            store: BTreeMap::new(),
            htlcs: HashMap::new(),
            resolved: HashMap::new(),
            timers: BinaryHeap::new(),
            inputs: VecDeque::new(),
            replies: HashMap::new(),
            events: Vec::new(),
            next_cmd: 1,
            actions_done: 0,
            crash_at: None,
            crashed: false,
            sent: 0,
        })
    }

    /// The time the machine sees, in milliseconds since 1970.
    pub fn now_ms(&self) -> u64 {
        SIM_EPOCH_MS + self.sim.now_ms()
    }

    fn first_hops(&self) -> Vec<FirstHop> {
        let payer = self.sim.payer();
        let mut out = Vec::new();
        for scid in self.sim.node_channels(payer) {
            let Some((nodes, _)) = self.sim.balances(scid) else { continue };
            let peer = if nodes[0] == payer { nodes[1] } else { nodes[0] };
            let (Some(peer), Some(spendable)) =
                (self.sim.node_id(peer), self.sim.spendable_by(scid, payer))
            else {
                continue;
            };
            out.push(FirstHop { scid, peer, spendable });
        }
        out
    }

    /// Submits a command; returns its id (the reply lands in [`Driver::replies`]).
    pub fn submit(&mut self, command: Command) -> u64 {
        let id = self.next_cmd;
        self.next_cmd += 1;
        self.inputs.push_back(Input::Command { id, command });
        self.process();
        id
    }

    /// Feeds queued inputs to the machine and carries out its actions: the payer's half of
    /// [`Driver::step`] (the other being [`Driver::network_step`]).
    pub fn process(&mut self) {
        while let Some(input) = self.inputs.pop_front() {
            if self.crashed {
                self.inputs.clear();
                return;
            }
            let hops = self.first_hops();
            self.machine.set_first_hops(hops);
            let now = self.now_ms();
            let actions = self.machine.handle(input, now);
            self.execute(actions);
        }
    }

    fn execute(&mut self, actions: Vec<Action>) {
        for a in actions {
            if self.crashed || self.crash_at.is_some_and(|c| self.actions_done >= c) {
                self.crashed = true;
                return;
            }
            self.actions_done += 1;
            match a {
                Action::Persist(r) => {
                    let k = match &r {
                        Record::Part(p) => StoreKey::Part(p.key),
                        Record::Pay(p) => StoreKey::Pay(p.id),
                        Record::Layer(l) => StoreKey::Layer(l.name.clone()),
                        Record::LayerRemoved(name) => {
                            self.store.remove(&StoreKey::Layer(name.clone()));
                            continue;
                        }
                        Record::Learned { channel, learned: None } => {
                            self.store.remove(&StoreKey::Learned(*channel));
                            continue;
                        }
                        Record::Learned { channel, .. } => StoreKey::Learned(*channel),
                    };
                    self.store.insert(k, r);
                }
                Action::Delete(k) => {
                    self.store.remove(&StoreKey::Part(k));
                }
                Action::SendHtlc { part, first_hop, amount, cltv_expiry, payment_hash, onion } => {
                    match self.sim.send_htlc(first_hop, amount, cltv_expiry, payment_hash, *onion) {
                        Ok(h) => {
                            self.sent += 1;
                            self.htlcs.insert(h, part);
                        }
                        Err(_) => self.inputs.push_back(Input::LocalFailed { part }),
                    }
                }
                Action::ArmTimer { timer, at_ms } => self.timers.push(Reverse((at_ms, timer))),
                Action::Reply { command, result } => {
                    self.replies.insert(command, result);
                }
                Action::Event(e) => self.events.push(e),
                Action::SendOnionMessage { peer, message } => {
                    // A peer that is none of ours drops it, as a real link would.
                    if let Ok(peer) = peer.to_pubkey() {
                        let _ = self.sim.send_onion_message(self.sim.payer(), peer, *message);
                    }
                }
                _ => {}
            }
        }
    }

    /// Runs the network and timers one step; false when nothing is left.
    pub fn step(&mut self) -> bool {
        let more = self.network_step();
        if more {
            self.process();
        }
        more
    }

    /// The network's half of [`Driver::step`]: the next simulator event or due timer, the
    /// resolutions and messages it brings queued as the machine's inputs, which
    /// [`Driver::process`] then feeds it (a bench times the two apart). False when nothing is
    /// left.
    pub fn network_step(&mut self) -> bool {
        if self.crashed {
            return false;
        }
        let next_timer = self.timers.peek().map(|Reverse((t, _))| *t);
        let next_sim = self.sim.next_event_time().map(|t| t + SIM_EPOCH_MS);
        let timer_first = match (next_timer, next_sim) {
            (Some(t), Some(s)) => t < s,
            (Some(_), None) => true,
            (None, Some(_)) => false,
            (None, None) => return false,
        };
        if timer_first {
            let Some(Reverse((at, id))) = self.timers.pop() else { return false };
            let target = at.saturating_sub(SIM_EPOCH_MS);
            if target > self.sim.now_ms() {
                self.sim.advance_to(target);
            }
            self.inputs.push_back(Input::Timer(id));
        } else {
            self.sim.step();
        }
        while let Some(r) = self.sim.poll_resolution() {
            let Some(part) = self.htlcs.get(&r.htlc).copied() else { continue };
            self.resolved.insert(part, r.resolution.clone());
            self.inputs.push_back(resolution_input(part, r.resolution));
        }
        // Onion messages for the payer (answers to its invoice requests), peeled by the
        // simulator with the payer's key as the node would; others stay unread.
        let payer = self.sim.payer();
        for m in self.sim.take_onion_messages() {
            if m.node == payer {
                self.inputs.push_back(Input::MessageReceived(Box::new(m.message)));
            }
        }
        true
    }

    /// Runs until command `id` has a reply (or nothing is left, or a crash); returns it.
    pub fn run_until_reply(&mut self, id: u64) -> Option<Reply> {
        loop {
            if let Some(r) = self.replies.get(&id) {
                return Some(r.clone());
            }
            if !self.step() {
                return self.replies.get(&id).cloned();
            }
        }
    }

    /// Runs until nothing is left to do.
    pub fn run_until_idle(&mut self) {
        while self.step() {}
    }

    /// Submits a command and runs until its reply.
    pub fn call(&mut self, command: Command) -> Option<Reply> {
        let id = self.submit(command);
        self.run_until_reply(id)
    }

    /// Rebuilds the machine from the stored records (a restart), gives it the resolutions the
    /// channel layer holds for parts still pending in the records, and goes on.
    pub fn restart(&mut self) {
        self.crashed = false;
        self.crash_at = None;
        self.timers.clear();
        self.inputs.clear();
        let live: HashSet<PartKey> = self.htlcs.values().copied().collect();
        let records: Vec<Record> = self.store.values().cloned().collect();
        let (machine, actions) = Machine::restore(
            self.cfg.clone(),
            self.graph.clone(),
            self.sim.block_height(),
            records,
            &live,
            self.now_ms(),
        );
        self.machine = machine;
        // Replay what the channels resolved while the records still say pending.
        let pending: Vec<PartKey> = self
            .store
            .values()
            .filter_map(|r| match r {
                Record::Part(p) if p.status == payment::PartStatus::Pending => Some(p.key),
                _ => None,
            })
            .collect();
        for k in pending {
            if let Some(res) = self.resolved.get(&k).cloned() {
                self.inputs.push_back(resolution_input(k, res));
            }
        }
        let hops = self.first_hops();
        self.machine.set_first_hops(hops);
        self.execute(actions);
        self.process();
    }
}

fn resolution_input(part: PartKey, r: Resolution) -> Input {
    match r {
        Resolution::Fulfilled(preimage) => Input::Fulfilled { part, preimage },
        Resolution::Failed(reason) => Input::Failed { part, reason },
        Resolution::Malformed { failure_code, .. } => Input::Malformed { part, failure_code },
    }
}
