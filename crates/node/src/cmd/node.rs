//! `lnpay node`: the daemon. Our node talks to a simulated network (its own process with
//! `--peers`, or started in-process) and serves JSON-RPC on a unix socket (see
//! [`crate::daemon`]).

use std::path::PathBuf;
use std::process::ExitCode;

/// Arguments of `lnpay node`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The data directory; store and socket live in `DIR/<network>/`.
    #[arg(long)]
    pub data_dir: PathBuf,
    /// The network (only `sim`).
    #[arg(long, default_value = "sim")]
    pub network: String,
    /// A graph file for the in-process network (instead of the generated one).
    #[arg(long)]
    pub graph: Option<PathBuf>,
    /// Nodes in the generated in-process network.
    #[arg(long)]
    pub nodes: Option<u32>,
    /// Seed of the in-process network and of the node.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// The socket path (overrides the default).
    #[arg(long)]
    pub rpc_file: Option<PathBuf>,
    /// The socket of a running `lnpay network` (without it the network runs in-process).
    #[arg(long)]
    pub peers: Option<PathBuf>,
    /// Simulated milliseconds per wall-clock millisecond.
    #[arg(long, default_value_t = 1.0)]
    pub speed: f64,
}

/// The default socket path for a data directory and network.
pub fn socket_path(data_dir: &std::path::Path, network: &str) -> PathBuf {
    crate::daemon::socket_path(data_dir, network)
}

/// Runs `lnpay node`.
pub fn run(args: Args) -> ExitCode {
    crate::daemon::run(crate::daemon::Options {
        data_dir: args.data_dir,
        network: args.network,
        graph: args.graph,
        nodes: args.nodes,
        seed: args.seed,
        rpc_file: args.rpc_file,
        peers: args.peers,
        speed: args.speed,
    })
}
