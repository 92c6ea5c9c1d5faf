//! The network engine: the simulator with our node (the sim's payer) in it, its journal, and
//! the rules of the link protocol. It reads no socket, no file and no clock: messages and the
//! simulated time come in as arguments, the messages for the node go out as return values, and
//! what must survive a restart goes to a [`Journal`] the caller supplies.
//!
//! Onion messages: the node's sends are logged inputs like its adds; a message that reaches
//! our node is peeled with its key by the simulator (the node holds none; the network acts
//! as its signer) and goes out as `OnionMessageReceived` at once. Unlike a resolution it is
//! not stored nor replayed at the handshake: onion messages are best effort, so one that
//! arrives while the node is not connected is dropped (the sender's timeout covers it).
//! After a restart the replay applies each logged send again: an answer the replay itself
//! reaches is dropped, one due after it is delivered (again, if it was before the crash;
//! the same bytes, the replay being deterministic), so a journaled send's answer is lost
//! only if it fell due while the node was away.

use super::journal::{
    Batch, ChannelRow, Journal, LoggedInput, ReceivedRow, Saved, INPUT_ADD, INPUT_ADVANCE,
    INPUT_INVOICE, INPUT_OFFER, INPUT_ONION_MESSAGE,
};
use super::EngineError;
use onion::packet::OnionPacket;
use sim::{ChannelBackend, HtlcId, LocalFailure, Resolution, Simulator};
use std::collections::{BTreeMap, HashMap, HashSet};
use types::{Msat, NodeId, ShortChannelId};
use wire::{
    channel_id, AddRefused, ChannelId, ChannelState, Hello, InvoiceReply, InvoiceRequest, Message,
    OfferReply, OfferRequest, OnionMessageReceived, Ready, SendOnionMessage, UpdateAddHtlc,
    UpdateFailHtlc, UpdateFailMalformedHtlc, UpdateFulfillHtlc,
};

/// One of our node's channels.
#[derive(Debug, Clone)]
struct OurChannel {
    scid: ShortChannelId,
    channel_id: ChannelId,
    peer: NodeId,
    /// Every id below it was received and logged.
    next_htlc_id: u64,
}

/// What became of an add, once accepted into the log.
enum Applied {
    Sent,
    Refused(u16),
}

/// The simulated network as our node's peers see it.
pub struct Engine {
    sim: Simulator,
    channels: Vec<OurChannel>,
    by_id: HashMap<ChannelId, usize>,
    /// Our HTLCs in the simulator: which channel and id they came with.
    htlcs: HashMap<HtlcId, (ChannelId, u64)>,
    /// Every HTLC with a stored resolution (acked or not).
    resolved: HashSet<(ChannelId, u64)>,
    /// Unacknowledged resolutions in resolution order.
    unacked: BTreeMap<u64, Message>,
    unacked_seq: HashMap<(ChannelId, u64), u64>,
    next_seq: u64,
    /// Settlements of the simulator already written.
    settled_written: usize,
    /// Balances already written, by channel.
    written: HashMap<ShortChannelId, [u64; 2]>,
    /// The last simulated time in the input log.
    logged_time: u64,
    journal: Option<Box<dyn Journal>>,
    gossip: Option<Vec<Message>>,
    /// Replaying the log: nothing is logged again.
    replaying: bool,
}

fn refusal_code(e: &LocalFailure) -> u16 {
    match e {
        LocalFailure::UnknownChannel { .. } => AddRefused::UNKNOWN_CHANNEL,
        LocalFailure::NotOurChannel { .. } => AddRefused::NOT_OURS,
        LocalFailure::PeerOffline { .. } => AddRefused::PEER_OFFLINE,
        LocalFailure::InsufficientBalance { .. } => AddRefused::INSUFFICIENT_BALANCE,
        LocalFailure::TooManyHtlcs { .. } => AddRefused::TOO_MANY_HTLCS,
        _ => AddRefused::INSUFFICIENT_BALANCE,
    }
}

fn resolution_message(cid: ChannelId, id: u64, r: Resolution) -> Message {
    match r {
        Resolution::Fulfilled(payment_preimage) => Message::UpdateFulfillHtlc(UpdateFulfillHtlc {
            channel_id: cid,
            id,
            payment_preimage,
            unknown_tlvs: Default::default(),
        }),
        Resolution::Failed(reason) => Message::UpdateFailHtlc(UpdateFailHtlc {
            channel_id: cid,
            id,
            reason,
            attribution_data: None,
            unknown_tlvs: Default::default(),
        }),
        Resolution::Malformed { failure_code, sha256_of_onion } => {
            Message::UpdateFailMalformedHtlc(UpdateFailMalformedHtlc {
                channel_id: cid,
                id,
                sha256_of_onion,
                failure_code,
                unknown_tlvs: Default::default(),
            })
        }
    }
}

fn hex_id(cid: &ChannelId) -> String {
    types::hex::encode(&cid.0)
}

impl Engine {
    /// An engine over `sim` (its payer is our node), without a store: nothing survives a
    /// restart.
    pub fn new(sim: Simulator) -> Engine {
        let payer = sim.payer();
        let mut channels = Vec::new();
        for scid in sim.node_channels(payer) {
            let Some((nodes, _)) = sim.balances(scid) else { continue };
            let peer = if nodes[0] == payer { nodes[1] } else { nodes[0] };
            let Some(peer) = sim.node_id(peer) else { continue };
            channels.push(OurChannel { scid, channel_id: channel_id(scid), peer, next_htlc_id: 0 });
        }
        let by_id = channels.iter().enumerate().map(|(i, c)| (c.channel_id, i)).collect();
        Engine {
            sim,
            channels,
            by_id,
            htlcs: HashMap::new(),
            resolved: HashSet::new(),
            unacked: BTreeMap::new(),
            unacked_seq: HashMap::new(),
            next_seq: 0,
            settled_written: 0,
            written: HashMap::new(),
            logged_time: 0,
            journal: None,
            gossip: None,
            replaying: false,
        }
    }

    /// Restores the durable engine over `sim` (built as when the journal was started): takes
    /// back what `journal`'s store read ([`Saved`]), replays the input log and writes what the
    /// replay produced that the store lacks. Every later write goes to `journal`.
    pub fn restore(
        sim: Simulator,
        journal: Box<dyn Journal>,
        saved: Saved,
    ) -> Result<Engine, EngineError> {
        let mut engine = Engine::new(sim);
        for r in saved.resolutions {
            let Some(cid) = parse_channel_id(&r.channel_id) else { continue };
            engine.resolved.insert((cid, r.htlc_id));
            engine.next_seq += 1;
            if !r.acked {
                if let Ok(msg) = Message::decode(&r.bytes) {
                    let seq = engine.next_seq;
                    engine.unacked.insert(seq, msg);
                    engine.unacked_seq.insert((cid, r.htlc_id), seq);
                }
            }
        }
        for row in saved.channels {
            if let Ok(scid) = row.scid.parse::<ShortChannelId>() {
                engine.written.insert(scid, [row.balance0_msat, row.balance1_msat]);
            }
        }
        engine.settled_written = saved.received;
        engine.journal = Some(journal);
        engine.replay(&saved.inputs)?;
        Ok(engine)
    }

    fn replay(&mut self, inputs: &[LoggedInput]) -> Result<(), EngineError> {
        self.replaying = true;
        let mut batch = Batch::default();
        for input in inputs {
            self.sim.advance_to(input.sim_time_ms);
            self.collect(&mut batch, &mut Vec::new());
            self.logged_time = self.logged_time.max(input.sim_time_ms);
            match (input.kind, Message::decode(&input.bytes)) {
                (INPUT_ADD, Ok(Message::UpdateAddHtlc(add))) => {
                    if let Ok(idx) = self.accepts(&add) {
                        if let Applied::Refused(code) = self.apply_add(idx, &add) {
                            self.refused(&mut batch, &mut Vec::new(), add.channel_id, add.id, code);
                        }
                    }
                }
                (INPUT_INVOICE, Ok(Message::InvoiceRequest(req))) => {
                    let _ = self.apply_invoice(&req);
                }
                (INPUT_OFFER, Ok(Message::OfferRequest(req))) => {
                    let _ = self.apply_offer(&req);
                }
                (INPUT_ONION_MESSAGE, Ok(Message::SendOnionMessage(m))) => {
                    self.apply_onion_message(m);
                }
                _ => {}
            }
        }
        self.replaying = false;
        // What the replay produced that the store lacks (e.g. the process died between
        // applying an input and storing its result), and every channel's balances.
        self.collect(&mut batch, &mut Vec::new());
        self.changed_balances(&mut batch);
        self.commit(batch)
    }

    /// The simulator (read-only).
    pub fn sim(&self) -> &Simulator {
        &self.sim
    }

    /// Our node's id (the simulator's payer).
    pub fn node_id(&self) -> Option<NodeId> {
        self.sim.node_id(self.sim.payer())
    }

    /// The simulated time now.
    pub fn sim_time(&self) -> u64 {
        self.sim.now_ms()
    }

    /// When the simulator's next event is due.
    pub fn next_event_time(&self) -> Option<u64> {
        self.sim.next_event_time()
    }

    /// How many resolutions wait for the node's `Ack`.
    pub fn unacked_count(&self) -> usize {
        self.unacked.len()
    }

    fn commit(&mut self, batch: Batch) -> Result<(), EngineError> {
        if let Some(journal) = &mut self.journal {
            journal.commit(&batch).map_err(|source| EngineError::Journal { source })?;
        }
        Ok(())
    }

    fn log(&mut self, batch: &mut Batch, kind: i64, bytes: Vec<u8>) {
        if self.replaying || self.journal.is_none() {
            return;
        }
        let t = self.sim.now_ms();
        batch.inputs.push(LoggedInput { sim_time_ms: t, kind, bytes });
        self.logged_time = self.logged_time.max(t);
    }

    /// The handshake (PEER.md steps 2–5 from the network's side): gossip if wanted, a
    /// `ChannelState` per channel of ours, every unacknowledged resolution in order, `Ready`.
    pub fn handshake(&mut self, hello: &Hello) -> Vec<Message> {
        if Some(hello.node_id) != self.node_id() {
            tracing::warn!(node = %hello.node_id, "hello from a node id that is not the payer's");
        }
        let mut out = Vec::new();
        if hello.want_gossip {
            let sim = &self.sim;
            let gossip = self.gossip.get_or_insert_with(|| {
                sim.gossip()
                    .into_iter()
                    .filter_map(|g| match g.as_slice() {
                        [a, b, payload @ ..] => Some(Message::Gossip {
                            msg_type: u16::from_be_bytes([*a, *b]),
                            payload: payload.to_vec(),
                        }),
                        _ => None,
                    })
                    .collect()
            });
            out.extend(gossip.iter().cloned());
        }
        for i in 0..self.channels.len() {
            out.extend(self.channel_state(i));
        }
        out.extend(self.unacked.values().cloned());
        out.push(Message::Ready(Ready {
            block_height: self.sim.block_height(),
            sim_time_ms: self.sim.now_ms(),
        }));
        out
    }

    fn channel_state(&self, i: usize) -> Option<Message> {
        let c = self.channels.get(i)?;
        let spendable = self.sim.spendable_by(c.scid, self.sim.payer()).unwrap_or(Msat(0));
        Some(Message::ChannelState(ChannelState {
            channel_id: c.channel_id,
            scid: c.scid,
            peer: c.peer,
            spendable_msat: spendable,
            next_htlc_id: c.next_htlc_id,
        }))
    }

    /// Moves the simulated clock to `sim_time` (never backwards), stores every resolution of
    /// the node's HTLCs it produced (committed before they are returned) and returns them,
    /// each followed by its channel's state.
    pub fn advance(&mut self, sim_time: u64) -> Result<Vec<Message>, EngineError> {
        self.sim.advance_to(sim_time);
        let mut batch = Batch::default();
        let mut out = Vec::new();
        self.collect(&mut batch, &mut out);
        self.flush(batch)?;
        Ok(out)
    }

    /// Commits a batch of results, with an advance entry when the clock moved past the log.
    fn flush(&mut self, mut batch: Batch) -> Result<(), EngineError> {
        if batch.resolutions.is_empty() && batch.received.is_empty() {
            return self.commit(batch);
        }
        if self.sim.now_ms() > self.logged_time {
            // The replay must reach this time before anything after it is applied, or what
            // the node was told could come out differently.
            let mut head = Batch::default();
            self.log(&mut head, INPUT_ADVANCE, Vec::new());
            head.inputs.append(&mut batch.inputs);
            batch.inputs = head.inputs;
        }
        self.changed_balances(&mut batch);
        self.commit(batch)
    }

    /// Takes the simulator's new resolutions and settlements into `batch` and `out`.
    fn collect(&mut self, batch: &mut Batch, out: &mut Vec<Message>) {
        let mut touched = Vec::new();
        while let Some(r) = self.sim.poll_resolution() {
            let Some((cid, id)) = self.htlcs.remove(&r.htlc) else { continue };
            let msg = resolution_message(cid, id, r.resolution);
            if self.store_resolution(batch, cid, id, &msg, r.time_ms) {
                out.push(msg);
                if !touched.contains(&cid) {
                    touched.push(cid);
                }
            }
        }
        let settled = self.sim.settlements();
        for (i, s) in settled.iter().enumerate().skip(self.settled_written) {
            batch.received.push(ReceivedRow {
                seq: i as u64,
                payee: self.sim.node_id(s.payee).map(|n| n.to_string()).unwrap_or_default(),
                payment_hash: types::hex::encode(&s.payment_hash.0),
                amount_msat: s.amount.0,
                parts: s.parts,
                sim_time_ms: s.time_ms,
            });
        }
        self.settled_written = self.settled_written.max(settled.len());
        let payer = self.sim.payer();
        for m in self.sim.take_onion_messages() {
            if m.node != payer {
                continue;
            }
            let (payload, recipient_data) = m.message.to_parts();
            let dummy_hops = u16::try_from(m.message.dummy_hops).unwrap_or(u16::MAX);
            let msg = OnionMessageReceived { payload, recipient_data, dummy_hops };
            out.push(Message::OnionMessageReceived(msg));
        }
        for cid in touched {
            if let Some(&i) = self.by_id.get(&cid) {
                out.extend(self.channel_state(i));
            }
        }
    }

    /// Records a resolution unless it is stored already; true when it is new.
    fn store_resolution(
        &mut self,
        batch: &mut Batch,
        cid: ChannelId,
        id: u64,
        msg: &Message,
        time: u64,
    ) -> bool {
        if !self.resolved.insert((cid, id)) {
            return false;
        }
        self.next_seq += 1;
        self.unacked.insert(self.next_seq, msg.clone());
        self.unacked_seq.insert((cid, id), self.next_seq);
        if self.journal.is_some() {
            batch.resolutions.push((hex_id(&cid), id, msg.msg_type(), msg.encode(), time));
        }
        true
    }

    fn refused(
        &mut self,
        batch: &mut Batch,
        out: &mut Vec<Message>,
        cid: ChannelId,
        id: u64,
        code: u16,
    ) {
        let msg = Message::AddRefused(AddRefused { channel_id: cid, id, code });
        let t = self.sim.now_ms();
        if self.store_resolution(batch, cid, id, &msg, t) {
            out.push(msg);
        }
    }

    fn changed_balances(&mut self, batch: &mut Batch) {
        for (scid, nodes, bal) in self.sim.channel_balances() {
            let now = [bal[0].0, bal[1].0];
            if self.written.get(&scid) == Some(&now) {
                continue;
            }
            self.written.insert(scid, now);
            batch.channels.push(channel_row(&self.sim, scid, nodes, now));
        }
    }

    /// Which of our channels takes `add`, or the refusal code.
    fn accepts(&self, add: &UpdateAddHtlc) -> Result<usize, u16> {
        let &idx = self.by_id.get(&add.channel_id).ok_or(AddRefused::UNKNOWN_CHANNEL)?;
        let c = self.channels.get(idx).ok_or(AddRefused::UNKNOWN_CHANNEL)?;
        if add.id < c.next_htlc_id || add.id == u64::MAX {
            return Err(AddRefused::ID_NOT_INCREASING);
        }
        Ok(idx)
    }

    fn apply_add(&mut self, idx: usize, add: &UpdateAddHtlc) -> Applied {
        let Some(c) = self.channels.get_mut(idx) else { return Applied::Refused(1) };
        c.next_htlc_id = add.id.saturating_add(1);
        let scid = c.scid;
        let onion = match OnionPacket::from_bytes(&add.onion[..]) {
            Ok(o) => o,
            // 1366 bytes always make a packet.
            Err(_) => return Applied::Refused(AddRefused::UNKNOWN_CHANNEL),
        };
        let payer = self.sim.payer();
        match self.sim.send_htlc_from(
            payer,
            scid,
            add.amount_msat,
            add.cltv_expiry,
            add.payment_hash,
            onion,
        ) {
            Ok(h) => {
                self.htlcs.insert(h, (add.channel_id, add.id));
                Applied::Sent
            }
            Err(e) => Applied::Refused(refusal_code(&e)),
        }
    }

    fn apply_invoice(&mut self, req: &InvoiceRequest) -> Vec<u8> {
        let Some(payee) = self.sim.node_index(&req.payee) else { return Vec::new() };
        let amount = (req.amount_msat > 0).then_some(Msat(req.amount_msat));
        self.sim.create_invoice(payee, amount).map(|i| i.bolt11.into_bytes()).unwrap_or_default()
    }

    /// The receiver creates a BOLT 12 offer as the request's options say; without `blinded`,
    /// blinded (through its best funded channel peer) when it has a peer, else naming its node
    /// id. Empty when refused.
    fn apply_offer(&mut self, req: &OfferRequest) -> Vec<u8> {
        let Some(payee) = self.sim.node_index(&req.payee) else { return Vec::new() };
        let amount = (req.amount_msat > 0).then_some(Msat(req.amount_msat));
        let description = String::from_utf8_lossy(&req.description).into_owned();
        let o = req.options;
        let settings = sim::OfferSettings {
            blinded: o.blinded.unwrap_or(true),
            payment_paths: o.payment_paths.map_or(sim::MAX_PAYMENT_PATHS, usize::from),
            fail_first_path: o.fail_first_path,
        };
        let offer = match self.sim.create_offer_with(payee, amount, &description, settings) {
            Err(_) if o.blinded.is_none() => {
                let clear = sim::OfferSettings { blinded: false, ..settings };
                self.sim.create_offer_with(payee, amount, &description, clear)
            }
            other => other,
        };
        offer.map(|o| o.to_string().into_bytes()).unwrap_or_default()
    }

    /// Our node sends an onion message to its peer; one the simulator refuses (not a peer of
    /// ours) is dropped, as a link to no such peer would.
    fn apply_onion_message(&mut self, m: SendOnionMessage) {
        let Ok(peer) = m.peer.to_pubkey() else { return };
        let payer = self.sim.payer();
        if let Err(e) = self.sim.send_onion_message(payer, peer, m.message) {
            tracing::debug!(error = %e, "onion message from the node dropped");
        }
    }

    /// Handles a message from the node at simulated time `sim_now`: first the clock moves
    /// there (its resolutions come first in the reply), then the message is logged, committed
    /// and applied. Returns what goes back to the node. `Hello` is answered by
    /// [`Engine::handshake`], not here.
    pub fn on_message(&mut self, msg: Message, sim_now: u64) -> Result<Vec<Message>, EngineError> {
        let mut out = self.advance(sim_now)?;
        match msg {
            Message::UpdateAddHtlc(add) => {
                let idx = match self.accepts(&add) {
                    Ok(idx) => idx,
                    Err(code) => {
                        tracing::debug!(channel = %add.channel_id, id = add.id, code, "add refused");
                        out.push(Message::AddRefused(AddRefused {
                            channel_id: add.channel_id,
                            id: add.id,
                            code,
                        }));
                        return Ok(out);
                    }
                };
                let mut batch = Batch::default();
                self.log(&mut batch, INPUT_ADD, Message::UpdateAddHtlc(add.clone()).encode());
                self.commit(batch)?;
                let mut batch = Batch::default();
                if let Applied::Refused(code) = self.apply_add(idx, &add) {
                    tracing::debug!(channel = %add.channel_id, id = add.id, code, "add refused");
                    self.refused(&mut batch, &mut out, add.channel_id, add.id, code);
                }
                self.flush(batch)?;
                out.extend(self.channel_state(idx));
            }
            Message::Ack(ack) => {
                if let Some(seq) = self.unacked_seq.remove(&(ack.channel_id, ack.id)) {
                    self.unacked.remove(&seq);
                    if let Some(journal) = &mut self.journal {
                        journal
                            .ack(&hex_id(&ack.channel_id), ack.id)
                            .map_err(|source| EngineError::Journal { source })?;
                    }
                }
            }
            Message::InvoiceRequest(req) => {
                let bolt11 = if self.sim.node_index(&req.payee).is_some() {
                    let mut batch = Batch::default();
                    self.log(
                        &mut batch,
                        INPUT_INVOICE,
                        Message::InvoiceRequest(req.clone()).encode(),
                    );
                    self.commit(batch)?;
                    self.apply_invoice(&req)
                } else {
                    Vec::new()
                };
                out.push(Message::InvoiceReply(InvoiceReply {
                    request_id: req.request_id,
                    bolt11,
                }));
            }
            Message::OfferRequest(req) => {
                let offer = if self.sim.node_index(&req.payee).is_some() {
                    let mut batch = Batch::default();
                    self.log(&mut batch, INPUT_OFFER, Message::OfferRequest(req.clone()).encode());
                    self.commit(batch)?;
                    self.apply_offer(&req)
                } else {
                    Vec::new()
                };
                out.push(Message::OfferReply(OfferReply { request_id: req.request_id, offer }));
            }
            Message::SendOnionMessage(m) => {
                let mut batch = Batch::default();
                let bytes = Message::SendOnionMessage(m.clone()).encode();
                self.log(&mut batch, INPUT_ONION_MESSAGE, bytes);
                self.commit(batch)?;
                self.apply_onion_message(m);
            }
            Message::Hello(h) => out.extend(self.handshake(&h)),
            other => {
                tracing::debug!(msg_type = other.msg_type(), "ignored message from the node");
            }
        }
        Ok(out)
    }
}

fn channel_row(
    sim: &Simulator,
    scid: ShortChannelId,
    nodes: [u32; 2],
    bal: [u64; 2],
) -> ChannelRow {
    let id = |n: u32| sim.node_id(n).map(|n| n.to_string()).unwrap_or_default();
    ChannelRow {
        scid: scid.to_string(),
        node0: id(nodes[0]),
        node1: id(nodes[1]),
        balance0_msat: bal[0],
        balance1_msat: bal[1],
    }
}

fn parse_channel_id(hex: &str) -> Option<ChannelId> {
    let bytes = types::hex::decode(hex).ok()?;
    Some(ChannelId(bytes.try_into().ok()?))
}
