//! The `lnpay` command line.

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
enum Cmd {}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.cmd {}
}
