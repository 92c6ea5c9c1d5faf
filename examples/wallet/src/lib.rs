//! A downstream wallet over lnpay's typed payment API: build a simulated network, ask one of
//! its receivers for an invoice, pay it with [`payment::Command::Pay`] through the harness's
//! [`Driver`], and get the typed [`PayResult`] back (amount, fee, parts, preimage). Every value
//! is a Rust type; nothing here is JSON, and nothing depends on the `lnpay` program.
//!
//! It is an example to copy, not a library to build on: a real wallet replaces the simulated
//! network and [`Driver`] with its own channels, feeding the same [`payment::Machine`].
//!
//! ```
//! use lnpay_example_wallet::{pay_invoice, Setup};
//!
//! let paid = pay_invoice(&Setup { nodes: 60, ..Setup::default() })?;
//! let preimage = paid.result.payment_preimage.ok_or("paid without a preimage")?;
//! assert_eq!(preimage.hash(), *paid.invoice.payment_hash());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![warn(missing_docs)]
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

use bolt11::{Currency, DecodeError, Invoice};
use harness::driver::Driver;
use payment::{Command, PayError, PayRequest, PayResult, Reply};
use sim::{GeneratorParams, SimConfig, Simulator, TopologyError};
use std::fmt;
use types::Msat;

/// The simulated network to pay over, and the payment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Setup {
    /// Nodes of the generated network (our wallet is added beside them).
    pub nodes: u32,
    /// Seed of the network, its balances and the wallet's random choices.
    pub seed: u64,
    /// The receiver, by node index in the generated network.
    pub payee: u32,
    /// What the invoice asks.
    pub amount: Msat,
}

impl Default for Setup {
    fn default() -> Setup {
        Setup { nodes: 200, seed: 1, payee: 42, amount: Msat(250_000_000) }
    }
}

/// A paid invoice.
#[derive(Debug, Clone)]
pub struct Paid {
    /// The invoice, as the receiver issued it and the wallet verified it.
    pub invoice: Invoice,
    /// What the payment machine reported.
    pub result: PayResult,
}

/// Why [`pay_invoice`] did not pay.
#[derive(Debug)]
#[non_exhaustive]
pub enum WalletError {
    /// The generated network is not a valid topology.
    Topology(TopologyError),
    /// The network has no node at this index.
    NoSuchNode {
        /// The index.
        node: u32,
    },
    /// The receiver would not issue an invoice.
    NoInvoice {
        /// The receiver's index.
        payee: u32,
    },
    /// The receiver's invoice does not verify.
    Invoice {
        /// The invoice text.
        bolt11: String,
        /// What was wrong with it.
        source: DecodeError,
    },
    /// The payment failed: Core Lightning's `pay` failure, as a typed value.
    Pay(PayError),
    /// The machine stopped without answering the pay.
    NoReply,
}

impl fmt::Display for WalletError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WalletError::Topology(e) => write!(f, "invalid network: {e}"),
            WalletError::NoSuchNode { node } => write!(f, "no node {node} in the network"),
            WalletError::NoInvoice { payee } => write!(f, "node {payee} issued no invoice"),
            WalletError::Invoice { bolt11, source } => write!(f, "bad invoice {bolt11}: {source}"),
            WalletError::Pay(e) => write!(f, "payment failed: {e}"),
            WalletError::NoReply => f.write_str("the payment machine gave no answer"),
        }
    }
}

impl std::error::Error for WalletError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            WalletError::Topology(e) => Some(e),
            WalletError::Invoice { source, .. } => Some(source),
            WalletError::Pay(e) => Some(e),
            _ => None,
        }
    }
}

/// Our wallet's channels: ten, of 1 BTC each, to the best-connected nodes.
const PEERS: usize = 10;
const CAPACITY: Msat = Msat(100_000_000_000);

/// Generates the network of `setup`, adds our wallet to it, gets an invoice for
/// `setup.amount` from `setup.payee` and pays it.
pub fn pay_invoice(setup: &Setup) -> Result<Paid, WalletError> {
    let params = GeneratorParams { nodes: setup.nodes, seed: setup.seed, ..Default::default() };
    let mut topology = sim::generate(&params);
    let wallet = sim::workload::add_payer(&mut topology, PEERS, CAPACITY);
    let config = SimConfig { seed: setup.seed, ..Default::default() };
    let mut network = Simulator::new(&topology, config).map_err(WalletError::Topology)?;
    network.set_payer(wallet);

    // The receiver's side: it issues a signed BOLT 11 invoice; we verify it before paying.
    let issued = network
        .create_invoice(setup.payee, Some(setup.amount))
        .ok_or(WalletError::NoInvoice { payee: setup.payee })?;
    let invoice = Invoice::decode(&issued.bolt11, Currency::Bitcoin)
        .map_err(|source| WalletError::Invoice { bolt11: issued.bolt11.clone(), source })?;

    // Our side: the payment machine, driven over the simulated network.
    let mut seed = [0; 32];
    seed[..8].copy_from_slice(&setup.seed.to_le_bytes());
    let mut driver = Driver::new(network, seed).ok_or(WalletError::NoSuchNode { node: wallet })?;
    let request = PayRequest::new(invoice.clone(), issued.bolt11);
    match driver.call(Command::Pay(request)) {
        Some(Reply::Pay(Ok(result))) => Ok(Paid { invoice, result }),
        Some(Reply::Pay(Err(e))) => Err(WalletError::Pay(e)),
        _ => Err(WalletError::NoReply),
    }
}
