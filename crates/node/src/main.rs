//! The `lnpay` command line.

mod cmd;

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
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.cmd {
        Cmd::Onion(args) => cmd::onion::run(args),
        Cmd::Decode(args) => cmd::decode::run(args),
        Cmd::Getroute(args) => cmd::getroute::run(args),
    }
}
