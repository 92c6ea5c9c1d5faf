//! The daemon behind `lnpay node`, on a tokio runtime: an accept loop and one task per
//! JSON-RPC connection (framed as Core Lightning frames it, see [`rpc::jsonrpc`]), in front of one core
//! task ([`core`]) that owns the payment machine, the node store, the timers, the replies
//! parked until the machine answers, and the [`Backend`](crate::backend::Backend). The
//! simulated network's backend is the peer link ([`link`]): a unix socket to `lnpay network`
//! (`--peers`), or an in-memory stream to the same engine started in-process.

pub mod core;
pub mod link;
mod server;

use crate::store::NodeStore;
use link::{Connector, PeerLink};
use rpc::RpcFailure;
use serde_json::Value;
use std::path::PathBuf;
use std::process::ExitCode;
use tokio::sync::{mpsc, oneshot};

/// A request handed to the core task.
pub struct Job {
    /// The method.
    pub method: String,
    /// Its params.
    pub params: Value,
    /// Where the answer goes.
    pub reply: oneshot::Sender<Result<Value, RpcFailure>>,
}

/// How the daemon runs (from `lnpay node`'s arguments).
#[derive(Debug, Clone)]
pub struct Options {
    /// The data directory.
    pub data_dir: PathBuf,
    /// The network name (`sim`): the store and socket live in `data_dir/<network>/`.
    pub network: String,
    /// A graph file for the in-process network.
    pub graph: Option<PathBuf>,
    /// Nodes of the generated in-process network.
    pub nodes: Option<u32>,
    /// Seed of the in-process network and of the node's random choices.
    pub seed: u64,
    /// The RPC socket (default `data_dir/<network>/lightning-rpc`).
    pub rpc_file: Option<PathBuf>,
    /// A running `lnpay network`'s socket; none = start the network in-process.
    pub peers: Option<PathBuf>,
    /// Simulated milliseconds per wall-clock millisecond.
    pub speed: f64,
}

/// The default socket path for a data directory and network.
pub fn socket_path(data_dir: &std::path::Path, network: &str) -> PathBuf {
    data_dir.join(network).join("lightning-rpc")
}

/// Sets up logging for a long-running command: `RUST_LOG`-style filter, default `info`, to
/// stderr, coloured only on a terminal.
pub fn init_tracing() {
    use std::io::IsTerminal;
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .with_env_filter(filter)
        .try_init();
}

/// Runs the daemon until `stop` or a fatal error.
pub fn run(opts: Options) -> ExitCode {
    init_tracing();
    let rt =
        match tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build() {
            Ok(rt) => rt,
            Err(e) => {
                eprintln!("lnpay node: cannot start the runtime: {e}");
                return ExitCode::FAILURE;
            }
        };
    let r = rt.block_on(serve(opts));
    rt.shutdown_timeout(std::time::Duration::from_millis(200));
    match r {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!("{e}");
            eprintln!("lnpay node: {e}");
            ExitCode::FAILURE
        }
    }
}

/// The seed of the node's random choices: the given seed mixed with the start time, so a
/// restart never reuses a session key.
fn node_seed(seed: u64) -> [u8; 32] {
    let mut out = [0u8; 32];
    out[..8].copy_from_slice(&seed.to_le_bytes());
    let t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    out[8..24].copy_from_slice(&t.to_le_bytes());
    out[24..28].copy_from_slice(&std::process::id().to_le_bytes());
    out
}

/// The in-process network: started once, attached once per connection of the link.
fn embedded(opts: &Options, dir: &std::path::Path) -> Result<Connector, String> {
    let net = tokio::task::block_in_place(|| {
        crate::network::NetworkHandle::start(crate::network::NetworkOptions {
            store_path: dir.join("network.sqlite3"),
            graph: opts.graph.clone(),
            nodes: opts.nodes,
            seed: opts.seed,
            speed: opts.speed,
        })
    })
    .map_err(|e| format!("cannot start the in-process network: {e}"))?;
    let id = net.node_id();
    let open = move || -> std::io::Result<Box<dyn link::Stream>> {
        let (ours, theirs) = tokio::io::duplex(1 << 20);
        net.attach(theirs);
        Ok(Box::new(ours))
    };
    Ok(Connector::Open(Box::new(open), id))
}

async fn serve(opts: Options) -> Result<(), String> {
    if opts.network != "sim" {
        return Err("only --network sim is built".into());
    }
    if !(opts.speed.is_finite() && opts.speed > 0.0) {
        return Err(format!("--speed must be positive, got {}", opts.speed));
    }
    let dir = opts.data_dir.join(&opts.network);
    std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let store_path = dir.join("lnpay.sqlite3");
    let store = NodeStore::open(&store_path).map_err(|e| format!("store: {e}"))?;
    let loaded = store.load().map_err(|e| format!("store: {e}"))?;
    let connector = match &opts.peers {
        Some(p) => Connector::Unix(p.clone()),
        None => embedded(&opts, &dir)?,
    };
    let link = PeerLink::start(connector, Some(dir.join("graph.snapshot")));
    let path = opts.rpc_file.clone().unwrap_or_else(|| socket_path(&opts.data_dir, &opts.network));
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)
            .map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
    }
    let _ = std::fs::remove_file(&path);
    let listener = tokio::net::UnixListener::bind(&path)
        .map_err(|e| format!("cannot listen on {}: {e}", path.display()))?;
    let (jobs_tx, jobs_rx) = mpsc::channel::<Job>(4096);
    let (ready_tx, ready_rx) = oneshot::channel();
    let core = core::Core::new(link, store, loaded, node_seed(opts.seed), opts.speed, ready_tx);
    let mut core_task = tokio::spawn(core.run(jobs_rx));
    let accept = tokio::spawn(server::accept_loop(listener, jobs_tx));
    tokio::select! {
        r = ready_rx => {
            if r.is_ok() {
                println!("listening on {}", path.display());
                tracing::info!(socket = %path.display(), "listening");
            }
        }
        r = &mut core_task => {
            accept.abort();
            let _ = std::fs::remove_file(&path);
            return match r {
                Ok(Ok(())) => Ok(()),
                Ok(Err(e)) => Err(e.to_string()),
                Err(e) => Err(format!("core task: {e}")),
            };
        }
    }
    let r = core_task.await;
    // Give replies in flight (the `stop` answer) a moment to be written.
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    accept.abort();
    let _ = std::fs::remove_file(&path);
    match r {
        Ok(Ok(())) => Ok(()),
        Ok(Err(e)) => Err(e.to_string()),
        Err(e) => Err(format!("core task: {e}")),
    }
}
