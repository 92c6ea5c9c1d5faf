//! The sans-IO payment state machine of lnpay: Core Lightning's `sendpay`, `waitsendpay`,
//! `listsendpays`, `listpays`, `paystatus`, `delpay`, `pay` and `xpay` (retries until `retry_for`,
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
//! Requests are typed ([`PayRequest`] holds a verified [`bolt11::Invoice`]), each command's
//! reply is a [`Reply`] variant holding records and values, and each operation fails with its
//! own error enum ([`SendpayError`], [`WaitsendpayError`], [`PayError`], [`ListError`],
//! [`DelpayError`]) whose variants carry what Core Lightning reports in an error's `data`.
//! Nothing here is JSON: Core Lightning's shapes and codes are `lnpay-rpc`'s job.
//!
//! ```
//! use lnpay_payment::{Action, Command, Config, Input, ListRequest, Machine, Reply};
//! use lnpay_payment::{WaitsendpayError, WaitsendpayRequest};
//! use route::graph::GraphBuilder;
//! use types::{NodeId, PaymentHash};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let me: NodeId = "02aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa".parse()?;
//! let cfg = Config { node_id: me, seed: [7; 32], currency: bolt11::Currency::Bitcoin, max_parts: 16 };
//! let now_ms = 1_700_000_000_000;
//! let mut m = Machine::new(cfg, GraphBuilder::new().build(), 800_000);
//!
//! let list = Command::Listsendpays(ListRequest::default());
//! let Some(Action::Reply { result: Reply::Listsendpays(parts), .. }) =
//!     m.handle(Input::Command { id: 1, command: list }, now_ms).pop()
//! else {
//!     return Err("listsendpays gave no reply".into());
//! };
//! assert!(parts?.is_empty());
//!
//! let hash = PaymentHash([1; 32]);
//! let wait = Command::Waitsendpay(WaitsendpayRequest { payment_hash: hash, ..Default::default() });
//! match m.handle(Input::Command { id: 2, command: wait }, now_ms).pop() {
//!     Some(Action::Reply { result: Reply::Waitsendpay(Err(e)), .. }) => {
//!         assert_eq!(e, WaitsendpayError::NeverAttempted { payment_hash: hash, partid: 0 });
//!         assert_eq!(e.to_string(), format!("never attempted payment part 0 for {hash}"));
//!     }
//!     other => return Err(format!("unexpected {other:?}").into()),
//! }
//! # Ok(())
//! # }
//! ```
#![warn(missing_docs)]
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

pub mod error;
pub mod machine;
pub mod offers;
pub mod record;
pub mod replies;
pub mod requests;

pub use error::{
    AskreneError, AttemptSummary, DelpayError, GetroutesError, ListError, PayError, SendpayError,
    WaitsendpayError, XpayError,
};
pub use machine::{Action, Config, Input, Machine, PaymentEvent};
pub use record::{
    BlindedPayRecord, FailureRecord, PartKey, PartRecord, PartStatus, PayRecord, Record,
};
pub use replies::{
    AskreneReply, FetchinvoiceChanges, FetchinvoiceReply, PayAttempt, PayListing, PayResult,
    PayStatus, Reply, Routes, WaitsendpayReply, XpayResult,
};
pub use requests::{
    AskreneCommand, BlindedPayPath, BlindedPayRequest, Bolt12PayRequest, Bolt12Target, Command,
    DelpayRequest, Exclusion, FetchinvoiceRequest, GetroutesRequest, KeysendRequest, ListIndex,
    ListRequest, PayOptions, PayRequest, SendpayRequest, WaitsendpayRequest, XkeysendRequest,
    XpayRequest,
};
