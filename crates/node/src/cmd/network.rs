//! `lnpay network`: the simulated network as its own process, so our node's peers outlive
//! the node (see [`crate::network`]).
//!
//! `lnpay network --data-dir DIR [--graph FILE] [--nodes N] [--seed N] [--listen PATH]
//! [--speed X]`
//!
//! The store is `DIR/network.sqlite3`; the unix socket `DIR/peer.sock` unless `--listen` says
//! otherwise. Once the network is rebuilt (and its log replayed) and the socket bound, one line
//! `listening on PATH` goes to stdout. Logs go to stderr (`RUST_LOG` filters them, `info` by
//! default). A failure to start prints `{"code": -1, "message": ..}` on stdout and exits 1.

use super::error_json;
use crate::network::{bind, serve, NetworkHandle, NetworkOptions};
use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

/// Arguments of `lnpay network`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The data directory (store `DIR/network.sqlite3`, socket `DIR/peer.sock`).
    #[arg(long)]
    pub data_dir: PathBuf,
    /// A Core Lightning `listchannels` file (.json or .json.gz) instead of the generator.
    #[arg(long)]
    pub graph: Option<PathBuf>,
    /// Nodes of the generated network [default: 2000].
    #[arg(long, conflicts_with = "graph")]
    pub nodes: Option<u32>,
    /// Seed of the network, balances, keys and preimages.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// The unix socket to listen on [default: DIR/peer.sock].
    #[arg(long)]
    pub listen: Option<PathBuf>,
    /// Simulated milliseconds per wall-clock millisecond.
    #[arg(long, default_value_t = 1.0)]
    pub speed: f64,
}

/// Runs `lnpay network`.
pub fn run(args: Args) -> ExitCode {
    crate::daemon::init_tracing();
    let runtime =
        match tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build() {
            Ok(r) => r,
            Err(e) => return fail(&format!("runtime: {e}")),
        };
    runtime.block_on(serve_network(args))
}

fn fail(message: &str) -> ExitCode {
    println!("{}", error_json(-1, message));
    ExitCode::FAILURE
}

async fn serve_network(args: Args) -> ExitCode {
    if let Err(e) = std::fs::create_dir_all(&args.data_dir) {
        return fail(&format!("data dir {}: {e}", args.data_dir.display()));
    }
    let opts = NetworkOptions {
        store_path: args.data_dir.join("network.sqlite3"),
        graph: args.graph,
        nodes: args.nodes,
        seed: args.seed,
        speed: args.speed,
    };
    let handle = match NetworkHandle::start(opts) {
        Ok(h) => h,
        Err(e) => return fail(&e.to_string()),
    };
    let path = args.listen.unwrap_or_else(|| args.data_dir.join("peer.sock"));
    let listener = match bind(&path) {
        Ok(l) => l,
        Err(e) => return fail(&e.to_string()),
    };
    println!("listening on {}", path.display());
    let _ = std::io::stdout().flush();
    tokio::select! {
        r = serve(handle.clone(), listener) => match r {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => fail(&e.to_string()),
        },
        () = handle.stopped() => {
            tracing::error!("the network engine stopped");
            ExitCode::FAILURE
        }
    }
}
