//! The simulated network as a peer of our node, sans-IO: [`Engine`] holds the simulator with
//! our node as its payer and answers the node's link messages (`lnpay_wire`) with the rules of
//! the link protocol: the handshake, HTLC adds and their resolutions, invoice requests. What
//! must survive a restart goes to a [`journal::Journal`]; the `lnpay` binary gives it a SQLite
//! store, a socket and a clock.

pub mod engine;
pub mod journal;

pub use engine::Engine;
pub use journal::{Journal, JournalError, Saved};

use core::fmt;

/// Why the engine could not go on.
#[derive(Debug)]
#[non_exhaustive]
pub enum EngineError {
    /// The journal failed to write.
    Journal {
        /// The store's error.
        source: JournalError,
    },
}

impl fmt::Display for EngineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EngineError::Journal { source } => write!(f, "{source}"),
        }
    }
}

impl std::error::Error for EngineError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            EngineError::Journal { source } => Some(&**source),
        }
    }
}
