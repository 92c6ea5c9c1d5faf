//! The simulated network as a peer of our node: the engine behind `lnpay network` (its own
//! process, over a unix socket) and behind `lnpay node` without `--peers` (in-process, over an
//! in-memory duplex stream). Both speak the framed messages of `lnpay_wire` as PEER.md says.
//!
//! - [`Engine`] (sans-IO, from `lnpay-harness`): the simulator with our node as its payer,
//!   the handshake and the HTLC add/resolution rules; opened over the durable store
//!   ([`store`]) with [`OpenEngine::open`], from what [`open`] builds the network of.
//! - [`NetworkHandle`]: the engine on a tokio task, its clock coupled to the wall clock with
//!   `sim::realtime`, serving one node connection at a time ([`NetworkHandle::attach`]; a new
//!   one replaces the old).
//! - [`listen`] / [`bind`] + [`serve`]: the unix-socket accept loop.
//!
//! Durability: every add and invoice request is logged and committed before it is applied,
//! every resolution committed before it is sent; on start the simulator is rebuilt from the
//! store's meta and the log is replayed at the simulated times it was applied at.

pub mod open;
pub mod store;
#[cfg(test)]
mod tests;

pub use harness::network::{Engine, EngineError};
pub use open::{
    build_simulator, load_topology, NetworkSpec, OpenEngine, DEFAULT_NODES, PAYER_CAPACITY,
    PAYER_PEERS,
};
use sim::realtime::RealTime;
use sim::TopologyError;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Instant;
pub use store::StoreError;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::UnixListener;
use tokio::sync::{mpsc, watch};
use tokio::task::AbortHandle;
use types::NodeId;
use wire::{FrameDecoder, Message};

/// Why the network could not start or serve.
#[derive(Debug)]
#[non_exhaustive]
pub enum NetworkError {
    /// The store failed.
    Store {
        /// What failed.
        source: StoreError,
    },
    /// The engine failed (its journal could not write).
    Engine {
        /// What failed.
        source: EngineError,
    },
    /// The graph file could not be read.
    Graph {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The graph file is not a `listchannels` document.
    GraphFormat {
        /// The file.
        path: PathBuf,
        /// The parse error.
        source: route::import::listchannels::ListChannelsError,
    },
    /// The graph file has no channels.
    EmptyGraph {
        /// The file.
        path: PathBuf,
    },
    /// The generated network needs at least 10 nodes.
    TooFewNodes {
        /// The count asked.
        nodes: u32,
    },
    /// The topology cannot be simulated.
    Topology {
        /// Why.
        source: TopologyError,
    },
    /// The store belongs to another network (seed, graph, node count or payer differ).
    SpecMismatch {
        /// The meta key.
        key: &'static str,
        /// What the store says.
        stored: String,
        /// What was given.
        given: String,
    },
    /// The speed is not a positive finite number.
    BadSpeed {
        /// The speed given.
        speed: f64,
    },
    /// [`NetworkHandle::start`] was called outside a tokio runtime.
    NoRuntime,
    /// The unix socket could not be bound or accepted on.
    Listen {
        /// The socket path.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
}

impl std::fmt::Display for NetworkError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            NetworkError::Store { source } => write!(f, "{source}"),
            NetworkError::Engine { source } => write!(f, "{source}"),
            NetworkError::Graph { path, source } => write!(f, "graph {}: {source}", path.display()),
            NetworkError::GraphFormat { path, source } => {
                write!(f, "graph {}: {source}", path.display())
            }
            NetworkError::EmptyGraph { path } => write!(f, "graph {}: no channels", path.display()),
            NetworkError::TooFewNodes { nodes } => write!(f, "--nodes {nodes}: at least 10"),
            NetworkError::Topology { source } => write!(f, "network: {source}"),
            NetworkError::SpecMismatch { key, stored, given } => write!(
                f,
                "the store was made for {key} {stored:?}, not {given:?} (use another data dir)"
            ),
            NetworkError::BadSpeed { speed } => write!(f, "speed {speed}: must be positive"),
            NetworkError::NoRuntime => write!(f, "the network must start inside a tokio runtime"),
            NetworkError::Listen { path, source } => {
                write!(f, "socket {}: {source}", path.display())
            }
        }
    }
}

impl std::error::Error for NetworkError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            NetworkError::Store { source } => Some(source),
            NetworkError::Engine { source } => Some(source),
            NetworkError::Graph { source, .. } | NetworkError::Listen { source, .. } => {
                Some(source)
            }
            NetworkError::GraphFormat { source, .. } => Some(source),
            NetworkError::Topology { source } => Some(source),
            _ => None,
        }
    }
}

/// How to start the network.
#[derive(Debug, Clone)]
pub struct NetworkOptions {
    /// The store file (`network.sqlite3` in the data dir).
    pub store_path: PathBuf,
    /// A `listchannels` file; otherwise the built-in generator.
    pub graph: Option<PathBuf>,
    /// Nodes of the generated network (default [`DEFAULT_NODES`]).
    pub nodes: Option<u32>,
    /// Seed of the network.
    pub seed: u64,
    /// Simulated milliseconds per wall-clock millisecond.
    pub speed: f64,
}

impl NetworkOptions {
    /// The network these options describe.
    pub fn spec(&self) -> NetworkSpec {
        NetworkSpec {
            graph: self.graph.clone(),
            nodes: self.nodes.unwrap_or(DEFAULT_NODES),
            seed: self.seed,
        }
    }
}

enum Cmd {
    Attach { conn: u64, out: mpsc::UnboundedSender<Vec<u8>>, reader: AbortHandle },
    Message { conn: u64, msg: Message },
    Closed { conn: u64 },
}

/// The running network: the engine on a tokio task. Cheap to clone.
#[derive(Clone)]
pub struct NetworkHandle {
    tx: mpsc::UnboundedSender<Cmd>,
    next_conn: Arc<AtomicU64>,
    node_id: Option<NodeId>,
    done: watch::Receiver<bool>,
}

impl NetworkHandle {
    /// Opens the store (replaying its log) and spawns the engine on the current tokio
    /// runtime. Blocks while the network is built and replayed.
    pub fn start(opts: NetworkOptions) -> Result<NetworkHandle, NetworkError> {
        if !(opts.speed.is_finite() && opts.speed > 0.0) {
            return Err(NetworkError::BadSpeed { speed: opts.speed });
        }
        let runtime = tokio::runtime::Handle::try_current().map_err(|_| NetworkError::NoRuntime)?;
        let engine = Engine::open(&opts.store_path, &opts.spec())?;
        tracing::info!(
            sim_time_ms = engine.sim_time(),
            unacked = engine.unacked_count(),
            store = %opts.store_path.display(),
            "network ready"
        );
        let node_id = engine.node_id();
        let clock = RealTime::new(engine.sim_time(), opts.speed);
        let (tx, rx) = mpsc::unbounded_channel();
        let (done_tx, done) = watch::channel(false);
        runtime.spawn(async move {
            if let Err(e) = run(engine, clock, rx).await {
                tracing::error!(error = %e, "network stopped");
            }
            let _ = done_tx.send(true);
        });
        Ok(NetworkHandle { tx, next_conn: Arc::new(AtomicU64::new(1)), node_id, done })
    }

    /// Our node's id in the simulated network (the payer's).
    pub fn node_id(&self) -> Option<NodeId> {
        self.node_id
    }

    /// Serves one node connection: reads framed messages from `stream` and writes the
    /// engine's. A new attach replaces the connection served so far.
    pub fn attach<S>(&self, stream: S)
    where
        S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    {
        let conn = self.next_conn.fetch_add(1, Ordering::Relaxed);
        let (mut rd, mut wr) = tokio::io::split(stream);
        let (out, mut out_rx) = mpsc::unbounded_channel::<Vec<u8>>();
        tokio::spawn(async move {
            while let Some(frame) = out_rx.recv().await {
                if wr.write_all(&frame).await.is_err() {
                    break;
                }
                // Write everything queued before flushing once.
                while let Ok(frame) = out_rx.try_recv() {
                    if wr.write_all(&frame).await.is_err() {
                        return;
                    }
                }
                if wr.flush().await.is_err() {
                    break;
                }
            }
            let _ = wr.shutdown().await;
        });
        let tx = self.tx.clone();
        // The reader starts once the engine knows the connection (Attach is queued first).
        let (go, gate) = tokio::sync::oneshot::channel::<()>();
        let reader = tokio::spawn(async move {
            if gate.await.is_err() {
                return;
            }
            let mut dec = FrameDecoder::new();
            let mut buf = vec![0u8; 1 << 16];
            loop {
                let n = match rd.read(&mut buf).await {
                    Ok(0) | Err(_) => break,
                    Ok(n) => n,
                };
                dec.push(buf.get(..n).unwrap_or_default());
                while let Some(r) = dec.next() {
                    match r {
                        Ok(msg) => {
                            if tx.send(Cmd::Message { conn, msg }).is_err() {
                                return;
                            }
                        }
                        Err(e) => tracing::warn!(conn, error = %e, "bad message from the node"),
                    }
                }
            }
            let _ = tx.send(Cmd::Closed { conn });
        });
        let _ = self.tx.send(Cmd::Attach { conn, out, reader: reader.abort_handle() });
        let _ = go.send(());
    }

    /// Resolves when the engine has stopped (a store failure; the reason is logged).
    pub async fn stopped(&self) {
        let mut done = self.done.clone();
        let _ = done.wait_for(|d| *d).await;
    }
}

struct Conn {
    id: u64,
    out: mpsc::UnboundedSender<Vec<u8>>,
    reader: AbortHandle,
    ready: bool,
}

fn send(conn: &Option<Conn>, msgs: Vec<Message>) {
    let Some(c) = conn.as_ref().filter(|c| c.ready) else { return };
    for m in msgs {
        match m.try_encode_frame() {
            Ok(frame) => {
                let _ = c.out.send(frame);
            }
            Err(e) => tracing::warn!(error = %e, "message too long for a frame"),
        }
    }
}

async fn run(
    mut engine: Engine,
    clock: RealTime,
    mut rx: mpsc::UnboundedReceiver<Cmd>,
) -> Result<(), NetworkError> {
    let mut conn: Option<Conn> = None;
    loop {
        let wake = clock.next_wake(engine.sim());
        let cmd = match wake {
            Some(at) => tokio::select! {
                c = rx.recv() => c,
                _ = tokio::time::sleep_until(at.into()) => {
                    let out = engine.advance(clock.sim_time_at(Instant::now()))?;
                    send(&conn, out);
                    continue;
                }
            },
            None => rx.recv().await,
        };
        let Some(cmd) = cmd else { return Ok(()) };
        match cmd {
            Cmd::Attach { conn: id, out, reader } => {
                if let Some(old) = conn.take() {
                    tracing::info!(old = old.id, new = id, "node connection replaced");
                    old.reader.abort();
                }
                conn = Some(Conn { id, out, reader, ready: false });
            }
            Cmd::Closed { conn: id } => {
                if conn.as_ref().is_some_and(|c| c.id == id) {
                    tracing::info!(conn = id, "node disconnected");
                    conn = None;
                }
            }
            Cmd::Message { conn: id, msg } => {
                let Some(c) = conn.as_mut().filter(|c| c.id == id) else { continue };
                let now = clock.sim_time_at(Instant::now());
                match msg {
                    Message::Hello(hello) => {
                        // Resolutions due by now are stored first; the handshake replays them.
                        engine.advance(now)?;
                        let out = engine.handshake(&hello);
                        tracing::info!(conn = id, node = %hello.node_id, "node connected");
                        c.ready = true;
                        send(&conn, out);
                    }
                    msg if c.ready => {
                        let out = engine.on_message(msg, now)?;
                        send(&conn, out);
                    }
                    msg => {
                        tracing::warn!(
                            conn = id,
                            msg_type = msg.msg_type(),
                            "message before hello"
                        );
                    }
                }
            }
        }
    }
}

/// Binds the unix socket at `path` (a stale socket file there is removed first).
pub fn bind(path: &Path) -> Result<UnixListener, NetworkError> {
    let err = |source| NetworkError::Listen { path: path.to_path_buf(), source };
    if std::fs::symlink_metadata(path).is_ok() {
        std::fs::remove_file(path).map_err(err)?;
    }
    UnixListener::bind(path).map_err(err)
}

/// Accepts node connections on `listener` forever, each replacing the previous one.
pub async fn serve(handle: NetworkHandle, listener: UnixListener) -> Result<(), NetworkError> {
    loop {
        match listener.accept().await {
            Ok((stream, _)) => handle.attach(stream),
            Err(e) => {
                tracing::warn!(error = %e, "accept failed");
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            }
        }
    }
}

/// Binds `path` and serves node connections on it forever.
pub async fn listen(handle: NetworkHandle, path: &Path) -> Result<(), NetworkError> {
    let listener = bind(path)?;
    serve(handle, listener).await
}
