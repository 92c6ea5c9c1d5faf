//! A simulated Lightning network that behaves like mainnet down to the bytes: every hop peels
//! the real BOLT 4 onion with its own key, checks amounts, fees, cltv and balances as a real
//! node does, and answers with a real encrypted, HMAC'd failure (with a signed
//! `channel_update` where BOLT 4 wants one) that each previous hop wraps on the way back.
//! Receivers issue invoices with payment secrets and route hints, take single- and multi-part
//! payments and keysend. Nodes relay BOLT 4 onion messages to their channel peers, peeling
//! each layer with their own key. Balances, keys, faults and latencies are drawn from one seed; time is
//! a discrete-event clock in simulated milliseconds, so a driver steps it
//! ([`Simulator::next_event_time`], [`Simulator::advance_to`]).
//!
//! It is not a node: no BOLT 8 transport, no commitment transactions, no chain (block height
//! is fixed), and channels never close. The payer drives it through [`ChannelBackend`] without
//! knowing it is simulated. The network publishes what a payer may know as a graph
//! ([`Simulator::graph`]) or as signed BOLT 7 gossip ([`Simulator::gossip`]); [`workload`]
//! runs batches of single-attempt payments routed with the route crate's `getroute`, and
//! [`Simulator::max_flow`] says what the true balances could have carried.
//!
//! ```
//! use lnpay_sim::{generate, GeneratorParams, SimConfig, Simulator};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let topology = generate(&GeneratorParams { nodes: 200, seed: 7, ..Default::default() });
//! let sim = Simulator::new(&topology, SimConfig { seed: 7, ..Default::default() })?;
//! let graph = sim.graph();
//! assert_eq!(graph.node_count(), 200);
//! assert!(sim.max_flow(0, 1).0 > 0);
//! # Ok(())
//! # }
//! ```
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]
#![warn(missing_docs)]

pub mod flow;
pub mod realtime;
pub mod rng;
pub mod sim;
pub mod topology;
pub mod workload;

pub use rng::SimRng;
pub use sim::{
    AnsweredRequest, CreateOfferError, OfferSettings, RefusedRequest, RequestOutcome,
    MAX_PAYMENT_PATHS,
};
pub use sim::{
    ChannelBackend, DeliveredMessage, DroppedMessage, FaultRates, HtlcId, HtlcResolution, Invoice,
    Latency, Liquidity, LocalFailure, LogEntry, LogKind, MessageDrop, NodeFault, Resolution,
    SendMessageError, Settlement, SimConfig, Simulator,
};
pub use topology::{generate, GeneratorParams, Topology, TopologyChannel, TopologyError};
