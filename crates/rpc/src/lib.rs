//! Core Lightning's JSON-RPC interface over lnpay's typed crates: the one place its JSON
//! shapes, parameter forms and error codes are written. It reads a delimiter-free request
//! stream and binds params as `lightningd` does ([`jsonrpc`]), parses each parameter concept
//! with one parser shared by every command ([`params`]), turns a method's params into a typed
//! [`payment::Command`] ([`methods`]), and turns the payment machine's typed replies and errors
//! ([`payment::Reply`]) into Core Lightning's JSON, codes and `data` ([`payments`]); likewise
//! `getroute`/`listchannels` over a [`route::graph::Graph`] ([`graph`]) and `decodepay`/`decode`
//! over a verified [`bolt11::Invoice`] ([`decode`]), and the node's own `getinfo`,
//! `listpeerchannels`, `stop`, `dev-siminvoice` and `dev-simoffer` over typed values ([`node`]).
//!
//! It is not a server: no sockets, no tasks, no clock, no store. The `lnpay` daemon owns the
//! I/O and the payment machine and calls in here at its edges; a Rust caller that wants typed
//! values uses `lnpay-payment` directly and never needs this crate. [`RpcFailure`] is Core
//! Lightning's error object (code, message, data), the wire shape itself.
//!
//! ```
//! use lnpay_rpc::{params, payments, RpcFailure};
//! use payment::{PayError, Reply};
//! use serde_json::json;
//!
//! // One amount rule for every command: `N.NNNsat` is exact millisatoshi.
//! let amount = params::amount("amount_msat", &json!("1.001sat"))?;
//! assert_eq!(amount.0, 1001);
//! let bad = params::amount("maxfee", &json!("1.0001sat")).unwrap_err();
//! assert_eq!(bad.code, lnpay_rpc::jsonrpc::INVALID_PARAMS);
//!
//! // A typed payment error becomes Core Lightning's code, message and data.
//! let expired = Reply::Pay(Err(PayError::Expired { now: 1_700_000_100, expiry: 1_700_000_000 }));
//! let failure = payments::reply_json(expired).unwrap_err();
//! assert_eq!((failure.code, failure.message.as_str()), (207, "Invoice expired"));
//! assert_eq!(failure.data, Some(json!({"now": 1_700_000_100u64, "expiry": 1_700_000_000u64})));
//! # Ok::<(), RpcFailure>(())
//! ```
#![warn(missing_docs)]
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

pub mod askrene;
pub mod decode;
pub mod graph;
pub mod jsonrpc;
pub mod methods;
pub mod node;
pub mod offers;
pub mod params;
pub mod payments;

pub use jsonrpc::RpcFailure;
