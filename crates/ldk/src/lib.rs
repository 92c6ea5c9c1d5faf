//! lnpay as the router of an LDK node: [`LnpayRouter`] implements LDK's
//! [`Router`](lightning::routing::router::Router) with lnpay's graph, liquidity knowledge and
//! min-cost flow (multi-part by default), and [`LnpayScorer`] puts lnpay's knowledge behind
//! LDK's [`ScoreUpdate`](lightning::routing::scoring::ScoreUpdate), so the payment events an
//! LDK node already hands to its scorer teach lnpay's router; it persists through LDK's
//! `Writeable` / `ReadableArgs` and decays with time.
//!
//! It is not a second Lightning node: gossip, channels, HTLCs, onions, retries and events
//! stay LDK's. lnpay's graph is a read-only view of LDK's `NetworkGraph`, rebuilt only when
//! that changed. It does not route to blinded (BOLT 12) payees; receiving over blinded paths
//! works as with LDK's own router. With the `test-support` feature, `network` builds an
//! in-process network of real LDK nodes to test and measure it.
//!
//! Swapping LDK's `DefaultRouter` + `ProbabilisticScorer` for lnpay in a node:
//!
//! ```
//! use lightning::routing::gossip::NetworkGraph;
//! use lightning::sign::KeysManager;
//! use lightning::util::logger::{Logger, Record};
//! use lnpay_ldk::{KnowledgeConfig, LnpayRouter, LnpayScorer};
//! use std::sync::{Arc, RwLock};
//!
//! struct StderrLog;
//! impl Logger for StderrLog {
//!     fn log(&self, record: Record) {
//!         eprintln!("{} {}", record.level, record.args);
//!     }
//! }
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let logger = Arc::new(StderrLog);
//! let graph = Arc::new(NetworkGraph::new(bitcoin::Network::Regtest, Arc::clone(&logger)));
//! let keys = Arc::new(KeysManager::new(&[7; 32], 1_700_000_000, 0, true));
//! // Where LDK's guide builds `ProbabilisticScorer::new(params, graph, logger)`:
//! let scorer = Arc::new(RwLock::new(LnpayScorer::new(KnowledgeConfig::default(), Arc::clone(&graph))));
//! // ... and `DefaultRouter::new(graph, logger, keys, scorer, params)`:
//! let router = Arc::new(LnpayRouter::new(Arc::clone(&graph), logger, keys, Arc::clone(&scorer)));
//! // `router` goes to `ChannelManager::new` and `scorer` to the event handler (or the
//! // background processor) exactly where LDK's would. Persist it as LDK's scorer:
//! let bytes = lightning::util::ser::Writeable::encode(&*scorer.read().map_err(|_| "poisoned")?);
//! let restored: LnpayScorer<_, _> =
//!     lightning::util::ser::ReadableArgs::read(&mut &bytes[..], Arc::clone(&graph))
//!         .map_err(|e| format!("scorer unreadable: {e:?}"))?;
//! assert_eq!(restored.knowledge().channel_count(), 0);
//! # let _ = router;
//! # Ok(())
//! # }
//! ```
#![warn(missing_docs)]
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

pub mod router;
pub mod scorer;
pub mod view;

#[cfg(feature = "test-support")]
pub mod network;

pub use route::knowledge::KnowledgeConfig;
pub use router::{LnpayRouter, RouteFailure, RouterConfig};
pub use scorer::LnpayScorer;
