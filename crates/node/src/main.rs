//! The `lnpay` command line.

mod cmd;
// So that `crate::daemon` names the same module in the binary as in the library.
use lnpay_node::daemon;
use lnpay_node::network;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

/// lnpay: a Lightning payment engine.
#[derive(Parser)]
#[command(name = "lnpay", version, about)]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Build or peel a BOLT 4 payment onion (like Core Lightning's devtools/onion).
    Onion(cmd::onion::Args),
    /// Find a route over a channel graph file (like Core Lightning's getroute).
    Getroute(cmd::getroute::Args),
    /// Check a BOLT 11 invoice and print its fields (like Core Lightning's decodepay).
    Decode(cmd::decode::Args),
    /// Pay invoices on a simulated network and report delivery against max-flow feasibility.
    Sim(cmd::sim::Args),
    /// Run the daemon: our node in a simulated network, JSON-RPC on a unix socket.
    Node(cmd::node::Args),
    /// Send one JSON-RPC request to a running daemon (like lightning-cli).
    Cli(cmd::cli::Args),
    /// Run the simulated network as its own process, serving our node on a unix socket.
    Network(cmd::network::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.cmd {
        Cmd::Onion(args) => cmd::onion::run(args),
        Cmd::Decode(args) => cmd::decode::run(args),
        Cmd::Getroute(args) => cmd::getroute::run(args),
        Cmd::Sim(args) => cmd::sim::run(args),
        Cmd::Node(args) => cmd::node::run(args),
        Cmd::Cli(args) => cmd::cli::run(args),
        Cmd::Network(args) => cmd::network::run(args),
    }
}
