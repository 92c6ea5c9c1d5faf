//! `lnpay decode BOLT11`: check a BOLT 11 invoice and print its fields as Core Lightning's
//! `decodepay` does.
//!
//! A `lightning:` prefix is accepted. `--network` names the chain the invoice must be for (default `bitcoin`); `--description`
//! is checked against the invoice's description hash (as `decodepay`'s `description`). A valid
//! invoice prints the `decodepay` object and exits 0; an invalid one prints
//! `{"code": -1, "message": "Invalid bolt11: <reason>"}` and exits 1.
//!
//! The checks and the response object are `lnpay-rpc`'s (`rpc::decode`), shared with the
//! daemon's `decodepay` and `decode`.

use bolt11::Currency;
use serde_json::Value;
use std::process::ExitCode;

/// The chain the invoice is expected to be for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Network {
    /// Bitcoin mainnet (`lnbc`).
    Bitcoin,
    /// Testnet (`lntb`).
    Testnet,
    /// Signet (`lntbs`).
    Signet,
    /// Regtest (`lnbcrt`).
    Regtest,
}

impl Network {
    /// The invoice currency of this chain.
    pub fn currency(self) -> Currency {
        match self {
            Network::Bitcoin => Currency::Bitcoin,
            Network::Testnet => Currency::Testnet,
            Network::Signet => Currency::Signet,
            Network::Regtest => Currency::Regtest,
        }
    }
}

/// Check a BOLT 11 invoice and print its fields (Core Lightning's `decodepay`).
#[derive(clap::Args)]
pub struct Args {
    /// The invoice.
    #[arg(value_name = "BOLT11")]
    pub bolt11: String,
    /// The chain the invoice must be for.
    #[arg(long, value_enum, default_value = "bitcoin")]
    pub network: Network,
    /// The description the invoice's description hash must commit to.
    #[arg(long)]
    pub description: Option<String>,
}

/// Decodes and checks `bolt11` for `network`, and `description` against its hash: the
/// `decodepay` object, or the error object.
pub fn decodepay(
    bolt11: &str,
    network: Network,
    description: Option<&str>,
) -> Result<Value, Value> {
    rpc::decode::decodepay(bolt11, network.currency(), description).map_err(|e| e.to_json())
}

/// Runs `lnpay decode`.
pub fn run(args: Args) -> ExitCode {
    match decodepay(&args.bolt11, args.network, args.description.as_deref()) {
        Ok(v) => {
            println!("{v}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            println!("{e}");
            ExitCode::FAILURE
        }
    }
}
