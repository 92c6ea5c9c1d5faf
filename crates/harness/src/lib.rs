//! The test and simulation harness of lnpay: it drives the sans-IO payment state machine over
//! the simulated network. [`driver::Driver`] is the synchronous discrete-event driver behind
//! `lnpay sim`, the benchmarks and the scenario tests (actions become simulator calls,
//! resolutions become machine inputs, timers run on the simulator's clock, and a test can
//! crash and restart the machine at any action); [`network::Engine`] is the simulated network
//! as a peer of our node, answering the link messages of `lnpay-wire`; [`plot`] draws a run's
//! delivery rates.
//!
//! It is not the `lnpay` program: no socket, no file, no wall clock, no thread, no command
//! line. The binary gives the engine its SQLite store and socket; tests, benchmarks and fuzz
//! targets depend on this crate instead of on the binary crate.
//!
//! ```
//! use lnpay_harness::driver::Driver;
//! use sim::{generate, GeneratorParams, SimConfig, Simulator};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let topology = generate(&GeneratorParams { nodes: 50, seed: 3, ..Default::default() });
//! let sim = Simulator::new(&topology, SimConfig { seed: 3, ..Default::default() })?;
//! let driver = Driver::new(sim, [7; 32]).ok_or("the simulator names no payer")?;
//! assert_eq!(driver.sent, 0);
//! # Ok(())
//! # }
//! ```
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]
#![warn(missing_docs)]

pub mod driver;
pub mod network;
pub mod plot;
