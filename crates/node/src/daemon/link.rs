//! The peer link: the [`Backend`] of the simulated network. It speaks `lnpay_wire` over any
//! byte stream (a unix socket to `lnpay network`, or one end of an in-memory duplex to the
//! engine started in-process), reconnecting with backoff forever.
//!
//! A task owns the stream: it connects, says `Hello`, collects the handshake (gossip, channel
//! states, replayed resolutions, `Ready`) and hands it over as one message, then forwards
//! what the network sends and writes what the core queues. Every queued frame carries the
//! connection number ("epoch") the core knew when it queued it; the task drops frames of an
//! older connection, so an HTLC queued while the link was going down can never reach the
//! network after a handshake that said it was not received.

use crate::backend::{
    Backend, BackendEvent, ChannelInfo, Handshake, HtlcAdd, HtlcOutcome, Resolution, SendError,
};
use onion::message::ReceivedMessage;
use route::flow::FirstHop;
use route::gossip::{import_gossip, ChainHash};
use route::graph::{Graph, GraphBuilder};
use std::collections::{BTreeMap, HashMap};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::sync::mpsc;
use types::{Msat, NodeId, ShortChannelId};
use wire::{self, ChannelId, FrameDecoder, Message};

/// A byte stream to the network.
pub trait Stream: AsyncRead + AsyncWrite + Unpin + Send + 'static {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send + 'static> Stream for T {}

/// How the link reaches the network.
pub enum Connector {
    /// A unix socket of a running `lnpay network`.
    Unix(PathBuf),
    /// A function that opens a new stream (the in-process network), with our node id when
    /// known beforehand.
    Open(Box<dyn FnMut() -> io::Result<Box<dyn Stream>> + Send>, Option<NodeId>),
}

impl Connector {
    async fn connect(&mut self) -> io::Result<Box<dyn Stream>> {
        match self {
            Connector::Unix(p) => {
                let s = tokio::net::UnixStream::connect(&p).await?;
                Ok(Box::new(s))
            }
            Connector::Open(f, _) => f(),
        }
    }

    fn node_id(&self) -> Option<NodeId> {
        match self {
            Connector::Unix(_) => None,
            Connector::Open(_, id) => *id,
        }
    }
}

/// The longest wait between two connection attempts.
const MAX_BACKOFF: Duration = Duration::from_secs(1);
/// The first wait.
const MIN_BACKOFF: Duration = Duration::from_millis(50);
/// The longest silence of the network during a handshake before the link tries again (the
/// first handshake of a big network spends seconds signing its gossip).
const HANDSHAKE_IDLE: Duration = Duration::from_secs(10);

/// What the link task tells the [`PeerLink`].
enum LinkMsg {
    Up {
        epoch: u64,
        node_id: Option<NodeId>,
        gossip: Vec<Vec<u8>>,
        states: Vec<wire::ChannelState>,
        replays: Vec<Message>,
        ready: wire::Ready,
    },
    Down,
    Msg(Message),
}

/// A frame to write, with the connection it was meant for; an empty frame closes that
/// connection (the link then connects again).
struct Outgoing {
    epoch: u64,
    frame: Vec<u8>,
}

#[derive(Debug, Clone, Copy)]
struct ChanState {
    channel_id: ChannelId,
    peer: NodeId,
    spendable: Msat,
    /// Every id below it was received by the network.
    next_received: u64,
}

/// The simulated network's [`Backend`]: channel states from the network, HTLC ids, and the
/// queue to the link task.
pub struct PeerLink {
    rx: mpsc::UnboundedReceiver<LinkMsg>,
    tx: mpsc::UnboundedSender<Outgoing>,
    /// The current connection, when up.
    epoch: Option<u64>,
    node_id: Option<NodeId>,
    graph: Option<Arc<Graph>>,
    height: u32,
    channels: BTreeMap<ShortChannelId, ChanState>,
    by_channel_id: HashMap<ChannelId, ShortChannelId>,
    /// The next id to hand out per channel.
    next_id: HashMap<ShortChannelId, u64>,
    /// Adds written and not yet counted in a channel state: their amounts, by (scid, id).
    unconfirmed: BTreeMap<(ShortChannelId, u64), Msat>,
    next_request: u64,
    /// Whether the link task has a graph (it asks the network for gossip when not).
    have_graph: Arc<AtomicBool>,
    /// Where the verified graph is kept between runs, if anywhere.
    snapshot: Option<PathBuf>,
}

impl PeerLink {
    /// Starts the link task on the current runtime. With `snapshot`, the graph is read from
    /// that file when it holds a valid graph snapshot (the network is then not asked for its
    /// gossip), and written there once imported from gossip.
    pub fn start(connector: Connector, snapshot: Option<PathBuf>) -> PeerLink {
        let graph = snapshot.as_deref().and_then(read_snapshot);
        let have_graph = Arc::new(AtomicBool::new(graph.is_some()));
        let (ev_tx, rx) = mpsc::unbounded_channel();
        let (tx, out_rx) = mpsc::unbounded_channel();
        tokio::spawn(run_link(connector, out_rx, ev_tx, have_graph.clone()));
        PeerLink {
            rx,
            tx,
            epoch: None,
            node_id: None,
            graph,
            height: 0,
            channels: BTreeMap::new(),
            by_channel_id: HashMap::new(),
            next_id: HashMap::new(),
            unconfirmed: BTreeMap::new(),
            next_request: 1,
            have_graph,
            snapshot,
        }
    }

    /// Keeps the graph imported from gossip in the snapshot file, replaced atomically.
    fn write_snapshot(&self, graph: &Graph) {
        let Some(path) = &self.snapshot else { return };
        let tmp = path.with_extension("tmp");
        let bytes = route::graph::snapshot::write(graph);
        match std::fs::write(&tmp, &bytes).and_then(|()| std::fs::rename(&tmp, path)) {
            Ok(()) => {
                tracing::info!(path = %path.display(), bytes = bytes.len(), "graph snapshot written")
            }
            Err(e) => {
                tracing::warn!(path = %path.display(), error = %e, "graph snapshot not written")
            }
        }
    }

    /// Sends a request to a receiver of the network (an invoice, an offer) under a fresh
    /// request id, which it returns; refused while the link is down.
    fn ask_receiver(&mut self, msg: impl FnOnce(u64) -> Message) -> Result<u64, SendError> {
        if self.epoch.is_none() {
            return Err(SendError::Offline);
        }
        let id = self.next_request;
        self.next_request += 1;
        self.queue(&msg(id));
        Ok(id)
    }

    fn queue(&mut self, msg: &Message) {
        if let Some(epoch) = self.epoch {
            let frame = msg.encode_frame();
            if frame.is_empty() {
                tracing::warn!(msg_type = msg.msg_type(), "message too long for a frame");
                return;
            }
            let _ = self.tx.send(Outgoing { epoch, frame });
        }
    }

    fn set_state(&mut self, s: &wire::ChannelState) {
        self.by_channel_id.insert(s.channel_id, s.scid);
        let next = self.next_id.entry(s.scid).or_insert(0);
        *next = (*next).max(s.next_htlc_id);
        let prev = self.channels.get(&s.scid).map_or(0, |c| c.next_received);
        self.channels.insert(
            s.scid,
            ChanState {
                channel_id: s.channel_id,
                peer: s.peer,
                spendable: s.spendable_msat,
                next_received: prev.max(s.next_htlc_id),
            },
        );
        // The state counts every add below its next id.
        let scid = s.scid;
        let next = s.next_htlc_id;
        self.unconfirmed.retain(|&(c, id), _| c != scid || id >= next);
    }

    fn resolution(&self, m: &Message) -> Option<Resolution> {
        let (cid, id, outcome) = match m {
            Message::UpdateFulfillHtlc(f) => {
                (f.channel_id, f.id, HtlcOutcome::Fulfilled(f.payment_preimage))
            }
            Message::UpdateFailHtlc(f) => {
                (f.channel_id, f.id, HtlcOutcome::Failed(f.reason.clone()))
            }
            Message::UpdateFailMalformedHtlc(f) => {
                (f.channel_id, f.id, HtlcOutcome::Malformed(f.failure_code))
            }
            Message::AddRefused(r) => (r.channel_id, r.id, HtlcOutcome::Refused(r.code)),
            _ => return None,
        };
        let scid = match self.by_channel_id.get(&cid) {
            Some(s) => *s,
            None => {
                tracing::warn!(channel_id = %cid, htlc_id = id, "resolution on an unknown channel");
                return None;
            }
        };
        Some(Resolution { scid, htlc_id: id, outcome })
    }

    /// Takes one message of the link task; returns the event it makes, if any.
    fn take(&mut self, msg: LinkMsg) -> Option<BackendEvent> {
        match msg {
            LinkMsg::Up { epoch, node_id, gossip, states, replays, ready } => {
                if self.graph.is_none() || !gossip.is_empty() {
                    let mut b = GraphBuilder::new();
                    // Signature checks take a while on a big network: keep the other worker
                    // serving connections meanwhile.
                    let graph = tokio::task::block_in_place(|| {
                        let stats = import_gossip(
                            &mut b,
                            ChainHash::BITCOIN,
                            gossip.iter().map(Vec::as_slice),
                        );
                        tracing::info!(
                            messages = gossip.len(),
                            ?stats,
                            "graph imported from gossip"
                        );
                        let graph = b.build();
                        if !gossip.is_empty() {
                            self.write_snapshot(&graph);
                        }
                        graph
                    });
                    self.graph = Some(graph);
                } else if let Some(g) = &self.graph {
                    // A graph from the snapshot must hold our channels as the network tells
                    // them; if not it is another network's: ask for the gossip again.
                    let ours = |s: &wire::ChannelState| {
                        g.channel(s.scid).is_some_and(|c| {
                            [c.node1, c.node2].iter().any(|&n| g.node_id(n) == Some(&s.peer))
                        })
                    };
                    if !states.iter().all(ours) {
                        tracing::warn!(
                            "graph snapshot does not hold our channels: importing gossip"
                        );
                        self.graph = None;
                        self.have_graph.store(false, Ordering::SeqCst);
                        let _ = self.tx.send(Outgoing { epoch, frame: Vec::new() });
                        return None;
                    }
                }
                self.unconfirmed.clear();
                for s in &states {
                    self.set_state(s);
                }
                if self.node_id.is_none() {
                    self.node_id = node_id.or_else(|| {
                        let g = self.graph.as_ref()?;
                        states.iter().find_map(|s| our_id_in(g, s))
                    });
                }
                self.height = ready.block_height;
                self.epoch = Some(epoch);
                let replays = replays.iter().filter_map(|m| self.resolution(m)).collect();
                Some(BackendEvent::Up(Handshake {
                    block_height: ready.block_height,
                    sim_time_ms: ready.sim_time_ms,
                    replays,
                }))
            }
            LinkMsg::Down => {
                self.epoch = None;
                self.unconfirmed.clear();
                Some(BackendEvent::Down)
            }
            LinkMsg::Msg(m) => match m {
                Message::ChannelState(s) => {
                    self.set_state(&s);
                    None
                }
                Message::InvoiceReply(r) => Some(BackendEvent::Invoice {
                    request: r.request_id,
                    bolt11: String::from_utf8(r.bolt11).ok().filter(|s| !s.is_empty()),
                }),
                Message::OfferReply(r) => Some(BackendEvent::Offer {
                    request: r.request_id,
                    offer: String::from_utf8(r.offer).ok().filter(|s| !s.is_empty()),
                }),
                Message::Ready(r) => {
                    self.height = r.block_height;
                    None
                }
                Message::OnionMessageReceived(m) => {
                    let dummy = usize::from(m.dummy_hops);
                    match ReceivedMessage::from_parts(&m.payload, &m.recipient_data, dummy) {
                        Ok(r) => Some(BackendEvent::OnionMessage(Box::new(r))),
                        Err(e) => {
                            tracing::debug!(error = %e, "unreadable onion message dropped");
                            None
                        }
                    }
                }
                other => self.resolution(&other).map(BackendEvent::Resolved),
            },
        }
    }
}

impl Backend for PeerLink {
    fn node_id(&self) -> Option<NodeId> {
        self.node_id
    }

    fn graph(&self) -> Option<Arc<Graph>> {
        self.graph.clone()
    }

    fn channels(&self) -> Vec<ChannelInfo> {
        let online = self.epoch.is_some();
        self.channels
            .iter()
            .map(|(&scid, c)| {
                let pending: u64 = self
                    .unconfirmed
                    .range((scid, 0)..=(scid, u64::MAX))
                    .map(|(_, m)| m.0)
                    .fold(0, u64::saturating_add);
                ChannelInfo {
                    scid,
                    peer: c.peer,
                    spendable: Msat(c.spendable.0.saturating_sub(pending)),
                    connected: online,
                }
            })
            .collect()
    }

    fn first_hops(&self) -> Vec<FirstHop> {
        // Offline, every channel can send nothing (an empty list would mean "unknown").
        let online = self.epoch.is_some();
        self.channels()
            .into_iter()
            .map(|c| FirstHop {
                scid: c.scid,
                peer: c.peer,
                spendable: if online { c.spendable } else { Msat(0) },
            })
            .collect()
    }

    fn block_height(&self) -> u32 {
        self.height
    }

    fn is_online(&self) -> bool {
        self.epoch.is_some()
    }

    fn received(&self, scid: ShortChannelId, htlc_id: u64) -> bool {
        self.channels.get(&scid).is_some_and(|c| htlc_id < c.next_received)
    }

    fn reserve_below(&mut self, scid: ShortChannelId, next: u64) {
        let n = self.next_id.entry(scid).or_insert(0);
        *n = (*n).max(next);
    }

    fn assign_htlc_id(&mut self, scid: ShortChannelId) -> Result<u64, SendError> {
        if self.epoch.is_none() {
            return Err(SendError::Offline);
        }
        if !self.channels.contains_key(&scid) {
            return Err(SendError::UnknownChannel(scid));
        }
        let n = self.next_id.entry(scid).or_insert(0);
        let id = *n;
        *n = n.saturating_add(1);
        Ok(id)
    }

    fn send_htlc(&mut self, htlc_id: u64, add: &HtlcAdd) {
        let Some(c) = self.channels.get(&add.first_hop) else { return };
        let msg = Message::UpdateAddHtlc(wire::UpdateAddHtlc {
            channel_id: c.channel_id,
            id: htlc_id,
            amount_msat: add.amount,
            payment_hash: add.payment_hash,
            cltv_expiry: add.cltv_expiry,
            onion: Box::new(add.onion.to_bytes()),
            blinding_point: None,
            unknown_tlvs: Default::default(),
        });
        self.unconfirmed.insert((add.first_hop, htlc_id), add.amount);
        self.queue(&msg);
    }

    fn ack(&mut self, scid: ShortChannelId, htlc_id: u64) {
        let channel_id =
            self.channels.get(&scid).map_or_else(|| wire::channel_id(scid), |c| c.channel_id);
        self.queue(&Message::Ack(wire::Ack { channel_id, id: htlc_id }));
    }

    fn request_invoice(
        &mut self,
        payee: NodeId,
        amount: Option<Msat>,
        description: &str,
    ) -> Result<u64, SendError> {
        self.ask_receiver(|request_id| {
            Message::InvoiceRequest(wire::InvoiceRequest {
                request_id,
                payee,
                amount_msat: amount.map_or(0, |m| m.0),
                description: description.as_bytes().to_vec(),
            })
        })
    }

    fn request_offer(
        &mut self,
        payee: NodeId,
        amount: Option<Msat>,
        description: &str,
        options: wire::OfferOptions,
    ) -> Result<u64, SendError> {
        self.ask_receiver(|request_id| {
            Message::OfferRequest(wire::OfferRequest {
                request_id,
                payee,
                amount_msat: amount.map_or(0, |m| m.0),
                description: description.as_bytes().to_vec(),
                options,
            })
        })
    }

    fn send_onion_message(&mut self, peer: NodeId, message: wire::OnionMessage) {
        if self.epoch.is_none() {
            tracing::debug!(%peer, "link down: onion message dropped");
            return;
        }
        self.queue(&Message::SendOnionMessage(wire::SendOnionMessage { peer, message }));
    }

    async fn next_event(&mut self) -> Option<BackendEvent> {
        loop {
            let msg = self.rx.recv().await?;
            if let Some(ev) = self.take(msg) {
                return Some(ev);
            }
        }
    }
}

/// Why a connection ended.
#[derive(Debug)]
enum LinkError {
    Io(io::Error),
    Wire(wire::WireError),
    Closed,
    /// The network said nothing for [`HANDSHAKE_IDLE`] during a handshake.
    Silent,
    /// The core is gone: stop for good.
    Shutdown,
}

impl std::fmt::Display for LinkError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LinkError::Io(e) => write!(f, "{e}"),
            LinkError::Wire(e) => write!(f, "bad message: {e}"),
            LinkError::Closed => f.write_str("closed by the network"),
            LinkError::Silent => f.write_str("no answer to hello"),
            LinkError::Shutdown => f.write_str("shutting down"),
        }
    }
}

async fn read_message(
    rd: &mut (impl AsyncRead + Unpin),
    dec: &mut FrameDecoder,
    buf: &mut [u8],
) -> Result<Message, LinkError> {
    loop {
        if let Some(m) = dec.next() {
            return m.map_err(LinkError::Wire);
        }
        let n = rd.read(buf).await.map_err(LinkError::Io)?;
        if n == 0 {
            return Err(LinkError::Closed);
        }
        dec.push(buf.get(..n).unwrap_or_default());
    }
}

async fn run_link(
    mut connector: Connector,
    mut out_rx: mpsc::UnboundedReceiver<Outgoing>,
    ev_tx: mpsc::UnboundedSender<LinkMsg>,
    have_graph: Arc<AtomicBool>,
) {
    let mut epoch = 0u64;
    let mut backoff = MIN_BACKOFF;
    let mut me: Option<NodeId> = connector.node_id();
    loop {
        let stream = match connector.connect().await {
            Ok(s) => s,
            Err(e) => {
                tracing::debug!(error = %e, "cannot reach the network");
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(MAX_BACKOFF);
                continue;
            }
        };
        epoch += 1;
        let r = connection(stream, epoch, &mut out_rx, &ev_tx, &have_graph, &mut me).await;
        match r {
            Err(LinkError::Shutdown) => return,
            Ok(()) => return,
            Err(e) => {
                tracing::warn!(error = %e, epoch, "link to the network down");
                if ev_tx.send(LinkMsg::Down).is_err() {
                    return;
                }
            }
        }
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(MAX_BACKOFF);
    }
}

/// One connection: handshake then steady state, until it breaks.
async fn connection(
    stream: Box<dyn Stream>,
    epoch: u64,
    out_rx: &mut mpsc::UnboundedReceiver<Outgoing>,
    ev_tx: &mpsc::UnboundedSender<LinkMsg>,
    have_graph: &AtomicBool,
    me: &mut Option<NodeId>,
) -> Result<(), LinkError> {
    let (mut rd, mut wr) = tokio::io::split(stream);
    // Before the first handshake our id is unknown: any valid id says so (the network knows
    // its payer).
    let node_id = me.unwrap_or(NodeId::from_array([2; 33]).map_err(|_| LinkError::Closed)?);
    let want_gossip = !have_graph.load(Ordering::SeqCst);
    let hello = Message::Hello(wire::Hello { node_id, want_gossip });
    wr.write_all(&hello.encode_frame()).await.map_err(LinkError::Io)?;
    let mut dec = FrameDecoder::new();
    let mut buf = vec![0u8; 64 * 1024];
    let mut gossip = Vec::new();
    let mut states = Vec::new();
    let mut replays = Vec::new();
    let ready = loop {
        let m = tokio::time::timeout(HANDSHAKE_IDLE, read_message(&mut rd, &mut dec, &mut buf))
            .await
            .map_err(|_| LinkError::Silent)??;
        match m {
            Message::Gossip { msg_type, payload } => {
                let mut m = Vec::with_capacity(2 + payload.len());
                m.extend_from_slice(&msg_type.to_be_bytes());
                m.extend_from_slice(&payload);
                gossip.push(m);
            }
            Message::ChannelState(s) => states.push(s),
            m @ (Message::UpdateFulfillHtlc(_)
            | Message::UpdateFailHtlc(_)
            | Message::UpdateFailMalformedHtlc(_)
            | Message::AddRefused(_)) => replays.push(m),
            Message::Ready(r) => break r,
            other => tracing::debug!(msg_type = other.msg_type(), "ignored during handshake"),
        }
    };
    if !gossip.is_empty() {
        have_graph.store(true, Ordering::SeqCst);
    }
    if me.is_none() {
        *me = our_id_from(&gossip, &states);
    }
    tracing::info!(
        epoch,
        channels = states.len(),
        replays = replays.len(),
        block_height = ready.block_height,
        sim_time_ms = ready.sim_time_ms,
        "handshake with the network done"
    );
    ev_tx
        .send(LinkMsg::Up { epoch, node_id: *me, gossip, states, replays, ready })
        .map_err(|_| LinkError::Shutdown)?;
    loop {
        tokio::select! {
            m = read_message(&mut rd, &mut dec, &mut buf) => {
                ev_tx.send(LinkMsg::Msg(m?)).map_err(|_| LinkError::Shutdown)?;
            }
            out = out_rx.recv() => {
                let Some(out) = out else { return Err(LinkError::Shutdown) };
                if out.epoch == epoch {
                    if out.frame.is_empty() {
                        return Err(LinkError::Closed);
                    }
                    wr.write_all(&out.frame).await.map_err(LinkError::Io)?;
                }
            }
        }
    }
}

/// A graph snapshot from `path`, when there is one and it reads; a corrupt one is named in
/// the log and left for the gossip import to replace.
fn read_snapshot(path: &Path) -> Option<Arc<Graph>> {
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return None,
        Err(e) => {
            tracing::warn!(path = %path.display(), error = %e, "graph snapshot unreadable");
            return None;
        }
    };
    let started = std::time::Instant::now();
    match route::graph::snapshot::read(&bytes) {
        Ok(g) => {
            tracing::info!(
                path = %path.display(),
                channels = g.channel_count(),
                ms = started.elapsed().as_secs_f64() * 1e3,
                "graph read from its snapshot"
            );
            Some(g)
        }
        Err(e) => {
            tracing::warn!(path = %path.display(), error = %e, "graph snapshot refused");
            None
        }
    }
}

/// Our node id by our channel `s` in graph `g`: the end of it that is not the peer.
fn our_id_in(g: &Graph, s: &wire::ChannelState) -> Option<NodeId> {
    let c = g.channel(s.scid)?;
    let (n1, n2) = (*g.node_id(c.node1)?, *g.node_id(c.node2)?);
    if n1 == s.peer {
        Some(n2)
    } else if n2 == s.peer {
        Some(n1)
    } else {
        None
    }
}

/// Our node id from the handshake: the end of one of our channels' announcement that is not
/// the peer.
fn our_id_from(gossip: &[Vec<u8>], states: &[wire::ChannelState]) -> Option<NodeId> {
    // channel_announcement: type(2) sigs(4*64) len(2) features chain(32) scid(8) node1 node2
    for m in gossip {
        let Some(t) = m.get(..2) else { continue };
        if t != 256u16.to_be_bytes() {
            continue;
        }
        let Some(flen) = m.get(258..260).map(|b| usize::from(u16::from_be_bytes([b[0], b[1]])))
        else {
            continue;
        };
        let at = 260 + flen + 32;
        let (Some(scid), Some(n1), Some(n2)) =
            (m.get(at..at + 8), m.get(at + 8..at + 41), m.get(at + 41..at + 74))
        else {
            continue;
        };
        let scid = ShortChannelId(u64::from_be_bytes(scid.try_into().unwrap_or_default()));
        let Some(s) = states.iter().find(|s| s.scid == scid) else { continue };
        let (Ok(n1), Ok(n2)) = (NodeId::from_slice(n1), NodeId::from_slice(n2)) else { continue };
        if n1 == s.peer {
            return Some(n2);
        }
        if n2 == s.peer {
            return Some(n1);
        }
    }
    None
}
