//! The sans-IO payment state machine of lnpay: Core Lightning's `sendpay`, `waitsendpay`,
//! `listsendpays`, `listpays`, `paystatus`, `delpay` and `pay` (retries until `retry_for`,
//! within fee and delay budgets, multi-part through the route crate's min-cost flow, learning
//! from every outcome), with LDK-style events and persisted part records.
//!
//! It does no I/O, reads no clock and owns no thread: [`Machine::handle`] takes an [`Input`]
//! (a command, an HTLC resolution, a timer, a block height) and the time, and returns
//! [`Action`]s (persist this record, send this onion on this channel, arm a timer, reply,
//! emit an event) for a driver to carry out in order. Randomness (session keys, shadow route,
//! route randomisation) derives from the seed in [`Config`]. It is not a channel state
//! machine and keeps no invoices of its own.
//!
//! ```
//! use lnpay_payment::{Command, Config, Input, ListRequest, Machine};
//! use route::graph::GraphBuilder;
//! use types::NodeId;
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let me: NodeId = "02aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa".parse()?;
//! let cfg = Config { node_id: me, seed: [7; 32], currency: bolt11::Currency::Bitcoin, max_parts: 16 };
//! let mut m = Machine::new(cfg, GraphBuilder::new().build(), 800_000);
//! let list = Command::Listsendpays(ListRequest::default());
//! let actions = m.handle(Input::Command { id: 1, command: list }, 1_700_000_000_000);
//! assert_eq!(actions.len(), 1); // the reply: {"payments": []}
//! # Ok(())
//! # }
//! ```
#![warn(missing_docs)]
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

pub mod machine;
pub mod record;

pub use machine::{
    Action, Command, Config, DelpayRequest, Exclusion, Input, KeysendRequest, ListIndex,
    ListRequest, Machine, PayRequest, PaymentEvent, Reply, RpcError, SendpayRequest,
    WaitsendpayRequest,
};
pub use record::{FailureRecord, HopRecord, PartKey, PartRecord, PartStatus, PayRecord, Record};
