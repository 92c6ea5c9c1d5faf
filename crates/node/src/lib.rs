//! The `lnpay` program: the thin layer that gives the sans-IO crates a command line, a daemon
//! with a Core Lightning-compatible JSON-RPC socket and a SQLite store ([`daemon`], [`store`]),
//! and a simulated network of peers in a process of its own ([`network`]). Each subcommand
//! lives in its own module under [`cmd`]; this crate holds no protocol logic of its own.
//!
//! It is not a library to build on: depend on `lnpay-bolt11`, `lnpay-onion` or `lnpay-route`
//! directly, on `lnpay-wire` for the link messages, on `lnpay-harness` to drive payments over
//! the simulated network, or on `lnpay-rpc` for Core Lightning's JSON-RPC shapes, parameters
//! and codes (which the daemon serves). Commands print JSON on stdout; a failure prints
//! `{"code": .., "message": ..}` and exits 1.
//!
//! ```
//! let err = lnpay_node::cmd::error_json(205, "Could not find a route");
//! assert_eq!(err["code"], 205);
//! ```
#![warn(missing_docs)]
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

pub mod backend;
pub mod cmd;
pub mod daemon;
pub mod network;
pub mod store;
