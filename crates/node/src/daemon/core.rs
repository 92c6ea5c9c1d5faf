//! The core task: the only owner of the payment machine, the node store, the timers, the
//! replies parked until the machine answers, and the [`Backend`].
//!
//! The machine's actions are gathered while the core works through everything that is ready
//! (jobs, resolutions, timers), then committed to the store in one transaction (records and
//! the channel and id of each HTLC: a group commit, one sync for many payments) before any
//! HTLC, acknowledgement or reply of the group leaves: an HTLC is offered only once its part
//! is stored, a resolution is acknowledged only once what the machine made of it is stored,
//! and a caller hears of an outcome only once it is stored. On the first handshake the machine is restored from the
//! store: a pending part is live when the channel layer received its HTLC id.

use super::Job;
use crate::backend::{Backend, BackendEvent, Handshake, HtlcAdd, HtlcOutcome, Resolution};
use crate::store::{Loaded, NodeStore, StoreError, StoreOp};
use harness::driver::SIM_EPOCH_MS;
use payment::{Action, Config, Input, Machine, PartKey, PartStatus, PaymentEvent, Record};
use route::graph::GraphBuilder;
use rpc::jsonrpc::{RpcFailure, METHOD_NOT_FOUND};
use rpc::methods::{self, from_reply};
use rpc::node::{NodeInfo, PeerChannel, SiminvoiceParams, SimofferParams};
use serde_json::Value;
use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap, HashSet, VecDeque};
use std::time::{Duration, Instant};
use tokio::sync::{mpsc, oneshot};
use types::ShortChannelId;

type ReplyTx = oneshot::Sender<Result<Value, RpcFailure>>;

/// Why the core stopped.
#[derive(Debug)]
#[non_exhaustive]
pub enum CoreError {
    /// The store failed: nothing more can be done safely.
    Store(Box<StoreError>),
    /// The backend ended.
    BackendGone,
    /// The first handshake did not tell our node id.
    NoNodeId,
}

impl std::fmt::Display for CoreError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CoreError::Store(e) => write!(f, "store: {e}"),
            CoreError::BackendGone => f.write_str("the channel backend stopped"),
            CoreError::NoNodeId => f.write_str("the network did not tell our node id"),
        }
    }
}

impl std::error::Error for CoreError {}

impl From<StoreError> for CoreError {
    fn from(e: StoreError) -> CoreError {
        CoreError::Store(Box::new(e))
    }
}

/// The simulated clock: the network's time at the last handshake plus wall time elapsed
/// since, times the speed.
#[derive(Debug, Clone, Copy)]
struct SimClock {
    base_sim_ms: u64,
    base: Instant,
    speed: f64,
}

impl SimClock {
    fn sim_ms(&self) -> u64 {
        self.base_sim_ms + (self.base.elapsed().as_secs_f64() * 1000.0 * self.speed) as u64
    }

    /// Milliseconds since 1970 as the machine sees them.
    fn now_ms(&self) -> u64 {
        SIM_EPOCH_MS + self.sim_ms()
    }

    /// The wall instant at which the machine's clock reads `at_ms`.
    fn instant_at(&self, at_ms: u64) -> Instant {
        let sim = at_ms.saturating_sub(SIM_EPOCH_MS).saturating_sub(self.base_sim_ms);
        let wall = (sim as f64 / self.speed / 1000.0).min(86_400.0);
        self.base + Duration::from_secs_f64(wall)
    }

    /// Re-anchors on the network's clock; never goes back.
    fn anchor(&mut self, sim_time_ms: u64) {
        let now = self.sim_ms();
        self.base_sim_ms = sim_time_ms.max(now);
        self.base = Instant::now();
    }
}

/// Whether the core goes on.
#[derive(Debug, PartialEq, Eq)]
enum Flow {
    Continue,
    Stop,
}

enum Wake {
    Event(Option<BackendEvent>),
    Job(Option<Job>),
    Timer,
}

/// The core's state.
pub struct Core<B: Backend> {
    backend: B,
    store: NodeStore,
    loaded: Option<Loaded>,
    machine: Option<Machine>,
    seed: [u8; 32],
    clock: SimClock,
    timers: BinaryHeap<Reverse<(u64, u64)>>,
    inputs: VecDeque<Input>,
    parked: HashMap<u64, ReplyTx>,
    invoices: HashMap<u64, ReplyTx>,
    next_cmd: u64,
    htlc_of: HashMap<PartKey, (ShortChannelId, u64)>,
    part_of: HashMap<(ShortChannelId, u64), PartKey>,
    ready: Option<oneshot::Sender<()>>,
    /// What the next group commit stores, then sends, acknowledges and answers.
    group: Group,
    /// Invoice requests' metadata drawn so far.
    metadata_counter: u64,
}

/// The effects held back until the group's records are committed.
#[derive(Default)]
struct Group {
    ops: Vec<StoreOp>,
    adds: Vec<(PartKey, u64, HtlcAdd)>,
    acks: Vec<(ShortChannelId, u64)>,
    replies: Vec<(u64, payment::Reply)>,
}

/// Most wake-ups handled before a group is committed.
const GROUP_MAX: usize = 512;

impl<B: Backend> Core<B> {
    /// A core over a backend and an opened store (with what it loaded). `ready` fires once
    /// the first handshake is done and the machine restored.
    pub fn new(
        backend: B,
        store: NodeStore,
        loaded: Loaded,
        seed: [u8; 32],
        speed: f64,
        ready: oneshot::Sender<()>,
    ) -> Core<B> {
        Core {
            backend,
            store,
            loaded: Some(loaded),
            machine: None,
            seed,
            clock: SimClock { base_sim_ms: 0, base: Instant::now(), speed },
            timers: BinaryHeap::new(),
            inputs: VecDeque::new(),
            parked: HashMap::new(),
            invoices: HashMap::new(),
            next_cmd: 1,
            htlc_of: HashMap::new(),
            part_of: HashMap::new(),
            ready: Some(ready),
            group: Group::default(),
            metadata_counter: 0,
        }
    }

    /// Serves until `stop`, until every job sender is gone, or until a fatal error.
    pub async fn run(mut self, mut jobs: mpsc::Receiver<Job>) -> Result<(), CoreError> {
        loop {
            let wake = self.timers.peek().map(|Reverse((at, _))| self.clock.instant_at(*at));
            let far = Instant::now() + Duration::from_secs(3600);
            let sleep = tokio::time::sleep_until(wake.unwrap_or(far).into());
            let serving = self.machine.is_some();
            let w = tokio::select! {
                ev = self.backend.next_event() => Wake::Event(ev),
                job = jobs.recv(), if serving => Wake::Job(job),
                () = sleep, if wake.is_some() => Wake::Timer,
            };
            let mut flow = self.on_wake(w)?;
            // Take whatever else is ready at once into the same group.
            let mut taken = 1;
            while flow == Flow::Continue && taken < GROUP_MAX {
                let serving = self.machine.is_some();
                let ready = tokio::select! {
                    biased;
                    ev = self.backend.next_event() => Some(Wake::Event(ev)),
                    job = jobs.recv(), if serving => Some(Wake::Job(job)),
                    () = std::future::ready(()) => None,
                };
                let Some(w) = ready else { break };
                flow = self.on_wake(w)?;
                taken += 1;
            }
            self.fire_timers()?;
            self.flush()?;
            if flow == Flow::Stop {
                return Ok(());
            }
        }
    }

    fn on_wake(&mut self, w: Wake) -> Result<Flow, CoreError> {
        match w {
            Wake::Event(None) => Err(CoreError::BackendGone),
            Wake::Event(Some(ev)) => self.on_event(ev).map(|()| Flow::Continue),
            Wake::Job(None) => Ok(Flow::Stop),
            Wake::Job(Some(job)) => self.on_job(job),
            Wake::Timer => self.fire_timers().map(|()| Flow::Continue),
        }
    }

    /// Commits the group's records, then offers its HTLCs, acknowledges its resolutions and
    /// answers its callers.
    fn flush(&mut self) -> Result<(), CoreError> {
        let g = std::mem::take(&mut self.group);
        if !g.ops.is_empty() {
            let store = &mut self.store;
            tokio::task::block_in_place(|| store.commit(&g.ops).map_err(Box::new))
                .map_err(CoreError::Store)?;
        }
        for (part, id, add) in g.adds {
            tracing::info!(
                payment_hash = %part.payment_hash,
                partid = part.partid,
                groupid = part.groupid,
                scid = %add.first_hop,
                htlc_id = id,
                amount_msat = add.amount.0,
                "offering HTLC"
            );
            self.backend.send_htlc(id, &add);
        }
        for (scid, id) in g.acks {
            self.backend.ack(scid, id);
        }
        for (command, result) in g.replies {
            if let Some(tx) = self.parked.remove(&command) {
                let _ = tx.send(from_reply(result));
            }
        }
        Ok(())
    }

    fn fire_timers(&mut self) -> Result<(), CoreError> {
        let now = self.clock.now_ms();
        while let Some(&Reverse((at, id))) = self.timers.peek() {
            if at > now {
                break;
            }
            self.timers.pop();
            self.inputs.push_back(Input::Timer(id));
        }
        self.drain()
    }

    fn on_event(&mut self, ev: BackendEvent) -> Result<(), CoreError> {
        match ev {
            BackendEvent::Up(h) => self.on_up(h),
            BackendEvent::Down => {
                tracing::warn!("peer link down: new HTLCs fail at once until it is back");
                for (_, tx) in self.invoices.drain() {
                    let _ =
                        tx.send(Err(RpcFailure::new(-1, "could not create invoice: peer offline")));
                }
                Ok(())
            }
            BackendEvent::Resolved(r) => self.resolve(r),
            BackendEvent::Invoice { request, bolt11 } => {
                if let Some(tx) = self.invoices.remove(&request) {
                    let _ = tx.send(rpc::node::siminvoice_json(bolt11, bolt11::Currency::Bitcoin));
                }
                Ok(())
            }
            BackendEvent::Offer { request, offer } => {
                if let Some(tx) = self.invoices.remove(&request) {
                    let _ = tx.send(rpc::node::simoffer_json(offer));
                }
                Ok(())
            }
            BackendEvent::OnionMessage(m) => {
                self.inputs.push_back(Input::MessageReceived(m));
                self.drain()
            }
        }
    }

    fn on_up(&mut self, h: Handshake) -> Result<(), CoreError> {
        self.clock.anchor(h.sim_time_ms);
        if let Some(loaded) = self.loaded.take() {
            self.restore(loaded)?;
        } else {
            // A reconnect: a pending part whose id the network never received never left.
            let lost: Vec<PartKey> = self
                .machine
                .as_ref()
                .map(|m| {
                    m.parts()
                        .iter()
                        .filter(|p| p.status == PartStatus::Pending)
                        .filter(|p| {
                            self.htlc_of
                                .get(&p.key)
                                .is_some_and(|&(scid, id)| !self.backend.received(scid, id))
                        })
                        .map(|p| p.key)
                        .collect()
                })
                .unwrap_or_default();
            for part in lost {
                tracing::info!(
                    payment_hash = %part.payment_hash,
                    partid = part.partid,
                    groupid = part.groupid,
                    "part never reached the network: failed locally"
                );
                self.inputs.push_back(Input::LocalFailed { part });
            }
        }
        self.inputs.push_back(Input::BlockHeight(h.block_height));
        self.drain()?;
        for r in h.replays {
            self.resolve(r)?;
        }
        if let Some(tx) = self.ready.take() {
            let _ = tx.send(());
        }
        Ok(())
    }

    /// Rebuilds the machine from the store after the first handshake.
    fn restore(&mut self, loaded: Loaded) -> Result<(), CoreError> {
        let node_id = self.backend.node_id().ok_or(CoreError::NoNodeId)?;
        for row in &loaded.htlcs {
            self.htlc_of.insert(row.part, (row.scid, row.htlc_id));
            self.part_of.insert((row.scid, row.htlc_id), row.part);
            self.backend.reserve_below(row.scid, row.htlc_id.saturating_add(1));
        }
        let mut live = HashSet::new();
        let mut pending = 0usize;
        for r in &loaded.records {
            if let Record::Part(p) = r {
                if p.status == PartStatus::Pending {
                    pending += 1;
                    if self
                        .htlc_of
                        .get(&p.key)
                        .is_some_and(|&(scid, id)| self.backend.received(scid, id))
                    {
                        live.insert(p.key);
                    }
                }
            }
        }
        tracing::info!(
            records = loaded.records.len(),
            pending,
            live = live.len(),
            "restoring the payment machine from the store"
        );
        let cfg =
            Config { node_id, seed: self.seed, currency: bolt11::Currency::Bitcoin, max_parts: 16 };
        let graph = self.backend.graph().unwrap_or_else(|| GraphBuilder::new().build());
        let (mut machine, actions) = Machine::restore(
            cfg,
            graph,
            self.backend.block_height(),
            loaded.records,
            &live,
            self.clock.now_ms(),
        );
        machine.set_first_hops(self.backend.first_hops());
        self.machine = Some(machine);
        self.execute(actions)
    }

    /// Feeds a resolution to the machine, commits what it persists, then acknowledges it.
    fn resolve(&mut self, r: Resolution) -> Result<(), CoreError> {
        if let Some(&part) = self.part_of.get(&(r.scid, r.htlc_id)) {
            let input = match r.outcome {
                HtlcOutcome::Fulfilled(preimage) => Input::Fulfilled { part, preimage },
                HtlcOutcome::Failed(reason) => Input::Failed { part, reason },
                HtlcOutcome::Malformed(failure_code) => Input::Malformed { part, failure_code },
                HtlcOutcome::Refused(code) => {
                    tracing::info!(
                        payment_hash = %part.payment_hash,
                        partid = part.partid,
                        groupid = part.groupid,
                        code,
                        "our side of the channel refused the HTLC"
                    );
                    Input::LocalFailed { part }
                }
            };
            tracing::debug!(
                payment_hash = %part.payment_hash,
                partid = part.partid,
                groupid = part.groupid,
                scid = %r.scid,
                htlc_id = r.htlc_id,
                "resolution"
            );
            self.inputs.push_back(input);
            self.drain()?;
        } else {
            tracing::debug!(scid = %r.scid, htlc_id = r.htlc_id, "resolution of no known part");
        }
        self.group.acks.push((r.scid, r.htlc_id));
        Ok(())
    }

    /// Runs queued inputs through the machine.
    fn drain(&mut self) -> Result<(), CoreError> {
        while let Some(input) = self.inputs.pop_front() {
            let Some(m) = self.machine.as_mut() else {
                self.inputs.clear();
                return Ok(());
            };
            m.set_first_hops(self.backend.first_hops());
            let actions = m.handle(input, self.clock.now_ms());
            self.execute(actions)?;
        }
        Ok(())
    }

    /// Takes one batch of actions into the group: records to commit, HTLCs to offer and replies
    /// to send once committed; timers and events at once.
    fn execute(&mut self, actions: Vec<Action>) -> Result<(), CoreError> {
        let Group { ops, adds, replies, .. } = &mut self.group;
        for a in actions {
            match a {
                Action::Persist(r) => ops.push(StoreOp::Record(r)),
                Action::Delete(k) => {
                    ops.push(StoreOp::DeletePart(k));
                    if let Some(h) = self.htlc_of.remove(&k) {
                        self.part_of.remove(&h);
                    }
                }
                Action::SendHtlc { part, first_hop, amount, cltv_expiry, payment_hash, onion } => {
                    match self.backend.assign_htlc_id(first_hop) {
                        Ok(id) => {
                            ops.push(StoreOp::Htlc { part, scid: first_hop, htlc_id: id });
                            self.htlc_of.insert(part, (first_hop, id));
                            self.part_of.insert((first_hop, id), part);
                            let add =
                                HtlcAdd { first_hop, amount, cltv_expiry, payment_hash, onion };
                            adds.push((part, id, add));
                        }
                        Err(e) => {
                            tracing::info!(
                                payment_hash = %part.payment_hash,
                                partid = part.partid,
                                groupid = part.groupid,
                                scid = %first_hop,
                                error = %e,
                                "cannot offer the HTLC: part failed locally"
                            );
                            self.inputs.push_back(Input::LocalFailed { part });
                        }
                    }
                }
                Action::ArmTimer { timer, at_ms } => self.timers.push(Reverse((at_ms, timer))),
                Action::Reply { command, result } => replies.push((command, result)),
                Action::Event(e) => log_event(&e),
                // Onion messages carry no state of ours: they leave at once (best effort).
                Action::SendOnionMessage { peer, message } => {
                    self.backend.send_onion_message(peer, *message)
                }
                _ => {}
            }
        }
        Ok(())
    }

    fn on_job(&mut self, job: Job) -> Result<Flow, CoreError> {
        let Job { method, params, reply } = job;
        if method == "stop" {
            let _ = reply.send(Ok(rpc::node::stop_json()));
            return Ok(Flow::Stop);
        }
        if let Some(r) = methods::stateless(&method, &params) {
            let _ = reply.send(r);
            return Ok(Flow::Continue);
        }
        let metadata = self.payer_metadata();
        match methods::command_with(&method, &params, bolt11::Currency::Bitcoin, metadata) {
            Ok(Some(command)) => {
                let id = self.next_cmd;
                self.next_cmd += 1;
                self.parked.insert(id, reply);
                self.inputs.push_back(Input::Command { id, command });
                self.drain()?;
            }
            Ok(None) => self.immediate(&method, &params, reply),
            Err(e) => {
                let _ = reply.send(Err(e));
            }
        }
        Ok(Flow::Continue)
    }

    /// Fresh `invreq_metadata` for an invoice request (the payment machine draws no
    /// randomness): 16 bytes hashed from the node's seed (new at each start), a counter and
    /// the time.
    fn payer_metadata(&mut self) -> Vec<u8> {
        use sha2::{Digest, Sha256};
        self.metadata_counter += 1;
        let mut h = Sha256::new();
        h.update(self.seed);
        h.update(b"lnpay invreq_metadata");
        h.update(self.metadata_counter.to_be_bytes());
        h.update(self.clock.now_ms().to_be_bytes());
        h.finalize().get(..16).map(<[u8]>::to_vec).unwrap_or_default()
    }

    /// The methods answered from the core's state (or parked until the network answers).
    fn immediate(&mut self, method: &str, params: &Value, reply: ReplyTx) {
        let r = match method {
            "getinfo" => self.getinfo(params),
            "listpeerchannels" => self.listpeerchannels(params),
            "getroute" | "listchannels" => self.graph_method(method, params),
            "dev-siminvoice" => match self.siminvoice(params) {
                Ok(request) => {
                    self.invoices.insert(request, reply);
                    return;
                }
                Err(e) => Err(e),
            },
            "dev-simoffer" => match self.simoffer(params) {
                Ok(request) => {
                    self.invoices.insert(request, reply);
                    return;
                }
                Err(e) => Err(e),
            },
            other => Err(RpcFailure::new(METHOD_NOT_FOUND, format!("Unknown command '{other}'"))),
        };
        let _ = reply.send(r);
    }

    /// Our channels, as the RPC layer reports them.
    fn peer_channels(&self) -> Vec<PeerChannel> {
        let channel = |c: &crate::backend::ChannelInfo| PeerChannel {
            scid: c.scid,
            peer: c.peer,
            spendable: c.spendable,
            connected: c.connected,
        };
        self.backend.channels().iter().map(channel).collect()
    }

    fn getinfo(&self, params: &Value) -> Result<Value, RpcFailure> {
        let channels = self.peer_channels();
        let info = NodeInfo {
            id: self.backend.node_id(),
            channels: &channels,
            blockheight: self.backend.block_height(),
            network: "sim",
            version: env!("CARGO_PKG_VERSION"),
        };
        rpc::node::getinfo(params, &info)
    }

    fn listpeerchannels(&self, params: &Value) -> Result<Value, RpcFailure> {
        rpc::node::listpeerchannels(params, &self.peer_channels())
    }

    /// `getroute` and `listchannels` over the graph the machine routes on (gossip plus what
    /// failures taught), from our first hops.
    fn graph_method(&self, method: &str, params: &Value) -> Result<Value, RpcFailure> {
        let graph = match &self.machine {
            Some(m) => m.graph().clone(),
            None => self.backend.graph().unwrap_or_else(|| GraphBuilder::new().build()),
        };
        if method == "listchannels" {
            return rpc::graph::listchannels(&graph, params);
        }
        let me = self.backend.node_id().ok_or_else(|| RpcFailure::new(-1, "no node id yet"))?;
        rpc::graph::getroute(&graph, me, &self.backend.first_hops(), params)
    }

    /// Sends an invoice request; returns its id.
    fn siminvoice(&mut self, params: &Value) -> Result<u64, RpcFailure> {
        let SiminvoiceParams { node, amount, description } = rpc::node::siminvoice_params(params)?;
        let known = self.backend.graph().is_some_and(|g| g.node_index(&node).is_some());
        if !known {
            return Err(rpc::node::unknown_node());
        }
        self.backend
            .request_invoice(node, Some(amount), &description)
            .map_err(|e| rpc::node::siminvoice_failed(&e))
    }

    /// Sends an offer request; returns its id (answered like an invoice request).
    fn simoffer(&mut self, params: &Value) -> Result<u64, RpcFailure> {
        let SimofferParams { node, amount, description, blinded, payment_paths, fail_first_path } =
            rpc::node::simoffer_params(params)?;
        let options = wire::OfferOptions { blinded, payment_paths, fail_first_path };
        let known = self.backend.graph().is_some_and(|g| g.node_index(&node).is_some());
        if !known {
            return Err(rpc::node::unknown_node());
        }
        self.backend
            .request_offer(node, amount, &description, options)
            .map_err(|e| rpc::node::simoffer_failed(&e))
    }
}

fn log_event(e: &PaymentEvent) {
    match e {
        PaymentEvent::PaymentSent { payment_id, payment_hash, fee_paid_msat, .. } => {
            tracing::info!(%payment_hash, payment_id, fee_paid_msat = fee_paid_msat.0, "payment sent")
        }
        PaymentEvent::PaymentFailed { payment_id, payment_hash, reason } => {
            tracing::info!(%payment_hash, payment_id, %reason, "payment failed")
        }
        PaymentEvent::PaymentPathSuccessful { part, .. } => tracing::info!(
            payment_hash = %part.payment_hash,
            partid = part.partid,
            groupid = part.groupid,
            "part succeeded"
        ),
        PaymentEvent::PaymentPathFailed { part, failure, short_channel_id, .. } => {
            tracing::info!(
                payment_hash = %part.payment_hash,
                partid = part.partid,
                groupid = part.groupid,
                failure = ?failure,
                scid = ?short_channel_id.map(|s| s.to_string()),
                "part failed"
            )
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use harness::driver::{Driver, StoreKey};
    use payment::{Action, Command, Input, Machine, PartStatus, PayRequest, Record};
    use std::collections::HashSet;
    use types::{Msat, PaymentPreimage};

    /// The core replays resolutions (the network resends what was not acknowledged, and a
    /// restart replays them all): the machine must ignore one for a part no longer pending,
    /// before and after a restore.
    #[test]
    fn a_replayed_resolution_changes_nothing() {
        let topo =
            sim::generate(&sim::GeneratorParams { nodes: 40, seed: 3, ..Default::default() });
        let mut s =
            sim::Simulator::new(&topo, sim::SimConfig { seed: 3, ..Default::default() }).unwrap();
        let payer = (0..s.node_count() as u32).max_by_key(|&n| s.node_channels(n).len()).unwrap();
        s.set_payer(payer);
        let payee = s.node_channels(payer).len() as u32 % 40;
        let payee = if payee == payer { (payee + 1) % 40 } else { payee };
        let mut d = Driver::new(s, [9; 32]).unwrap();
        let inv = d.sim.create_invoice(payee, Some(Msat(20_000))).unwrap();
        let decoded = bolt11::Invoice::decode(&inv.bolt11, bolt11::Currency::Bitcoin).unwrap();
        let req = PayRequest::new(decoded, inv.bolt11.clone());
        let r = rpc::payments::reply_json(d.call(Command::Pay(req)).unwrap()).unwrap();
        assert_eq!(r["status"], "complete");
        let parts: Vec<_> = d
            .store
            .values()
            .filter_map(|r| match r {
                Record::Part(p) => Some(p.clone()),
                _ => None,
            })
            .collect();
        let done = parts.iter().find(|p| p.status == PartStatus::Complete).unwrap();
        let preimage = done.payment_preimage.unwrap();
        let key = done.key;
        let now = d.now_ms() + 1000;
        let replays = |m: &mut Machine| {
            let a = m.handle(Input::Fulfilled { part: key, preimage }, now);
            let b = m.handle(Input::Failed { part: key, reason: vec![0; 32] }, now);
            let c = m.handle(Input::LocalFailed { part: key }, now);
            let z = PaymentPreimage([0; 32]);
            let e = m.handle(Input::Fulfilled { part: key, preimage: z }, now);
            [a, b, c, e]
        };
        for actions in replays(&mut d.machine) {
            assert!(actions.is_empty(), "a replay acted: {actions:?}");
        }
        let records: Vec<Record> = d.store.values().cloned().collect();
        let cfg = payment::Config {
            node_id: d.sim.node_id(payer).unwrap(),
            seed: [9; 32],
            currency: bolt11::Currency::Bitcoin,
            max_parts: 16,
        };
        let graph = d.machine.graph().clone();
        let (mut m, actions) = Machine::restore(cfg, graph, 800_000, records, &HashSet::new(), now);
        assert!(!actions.iter().any(|a| matches!(a, Action::SendHtlc { .. })));
        for actions in replays(&mut m) {
            assert!(actions.is_empty(), "a replay after restore acted: {actions:?}");
        }
        assert!(d.store.contains_key(&StoreKey::Part(key)));
    }
}
