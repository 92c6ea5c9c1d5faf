//! Benchmarks of lnpay against LDK 0.2.7 in one run, on the same machine and inputs: speed
//! (graph build, single-path routing with a zero-penalty and a probabilistic scorer, MPP,
//! 20-hop onion build and peel, BOLT 11 decode: medians, 99th percentiles and ratios) and
//! delivery on the same simulated network (lnpay's `pay` against a payer driven by LDK's
//! router and `ProbabilisticScorer`, both sending real onions through `lnpay-sim`). The
//! benches in `benches/` and `cargo xtask bench` run it and write markdown tables and an SVG
//! into `target/bench-report/`.
//!
//! It is not a product crate: it is never published, no product crate depends on it, and
//! it links LDK as a normal dependency (the product crates have LDK only in tests). It
//! reads files (the graph, the BOLT 11 examples) and writes the report.
//!
//! ```
//! use lnpay_bench::delivery::{plan, Network};
//! use sim::{generate, GeneratorParams};
//! use types::Msat;
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let network = Network::new(generate(&GeneratorParams { nodes: 60, seed: 3, ..Default::default() }));
//! let sim = network.simulator(3)?;
//! let plan = plan(&sim, &[Msat(10_000_000)], 4, 2, Msat(500_000_000), 3);
//! assert_eq!(plan.payments.len(), 6);
//! # Ok(())
//! # }
//! ```
#![warn(missing_docs)]
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

pub mod chain;
pub mod data;
pub mod delivery;
pub mod ldk;
pub mod mincost;
pub mod report;
pub mod speed;
pub mod stats;
