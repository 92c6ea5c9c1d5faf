//! The channel graph and pathfinding for lnpay: an immutable, cache-friendly graph snapshot
//! with a cheap builder, importers for Core Lightning `listchannels` and LND `describegraph`
//! JSON (module `import`, behind the `json` cargo feature, off by default so the routing core
//! links no JSON parser), and a single-path `getroute` with Core Lightning's semantics (risk factor, fuzz,
//! exclusions, max hops) plus first hops and route hints as LDK takes them.
//!
//! This crate does no I/O: importers take bytes or an [`std::io::Read`] the caller opened,
//! and randomness (the fee fuzz) comes in as a seed.
//!
//! ```
//! use lnpay_route::graph::{EdgePolicy, GraphBuilder};
//! use lnpay_route::{Msat, NodeId, ShortChannelId};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let a: NodeId = "02aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa".parse()?;
//! let b: NodeId = "03bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb".parse()?;
//! let scid: ShortChannelId = "700000x1x0".parse()?;
//! let mut builder = GraphBuilder::new();
//! builder.add_channel(scid, a, b, Some(Msat(1_000_000_000)));
//! let policy = EdgePolicy {
//!     timestamp: 1,
//!     enabled: true,
//!     base_fee_msat: 1000,
//!     fee_ppm: 100,
//!     cltv_delta: 40,
//!     htlc_min: Msat(1),
//!     htlc_max: Msat(500_000_000),
//! };
//! builder.update_direction(scid, 0, policy)?;
//! let graph = builder.build();
//! assert_eq!((graph.node_count(), graph.edge_count()), (2, 1));
//! # Ok(())
//! # }
//! ```
#![warn(missing_docs)]
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

pub mod flow;
pub mod getroute;
pub mod gossip;
pub mod graph;
#[cfg(feature = "json")]
pub mod import;
pub mod knowledge;
pub mod layer;
pub mod probability;
pub mod probe;
#[cfg(test)]
mod test_util;

pub use types::{Msat, NodeId, ShortChannelId, ShortChannelIdDir};
