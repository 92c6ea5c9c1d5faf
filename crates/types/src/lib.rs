//! Lightning primitives shared by every lnpay crate: millisatoshi amounts (with every form Core
//! Lightning accepts for an `msat` parameter), short channel ids, node ids, payment hashes,
//! preimages and secrets, BOLT 9 feature bits, BOLT 1 BigSize and TLV streams, and the path
//! vocabulary every crate above shares: a payment [`Path`] of [`Hop`]s, the invoice's
//! [`RouteHintHop`]s and the [`BlindedPath`] that onions, onion messages and offers carry.
//!
//! This crate is the bottom layer: it depends on no other lnpay crate, does no I/O, and is
//! `no_std` + `alloc` (the `std` feature, on by default, only adds `std::error::Error`
//! impls). It is not a wire-message library: messages are built by the crates above it.
//!
//! ```
//! use lnpay_types::{Msat, ShortChannelId, PaymentPreimage};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let amount: Msat = "1.001sat".parse()?;
//! assert_eq!(amount.msat(), 1001);
//! assert_eq!(amount.checked_add(Msat(9)), Some(Msat(1010)));
//!
//! let scid: ShortChannelId = "700000x1x0".parse()?;
//! assert_eq!(scid.block(), 700_000);
//!
//! let preimage = PaymentPreimage([0u8; 32]);
//! assert_eq!(
//!     preimage.hash().to_string(),
//!     "66687aadf862bd776c8fc18b8e9f8e20089714856ee233b3902a591d0d5f2925"
//! );
//! # Ok(())
//! # }
//! ```
#![no_std]
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]
#![warn(missing_docs)]

extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

pub mod amount;
pub mod bigsize;
pub mod blinded;
pub mod features;
pub mod hash;
pub mod hex;
pub mod node_id;
pub mod path;
pub mod scid;
pub mod signed;
pub mod tlv;

pub use amount::{Msat, ParseMsatError};
pub use blinded::{BlindedHop, BlindedPath, BlindedPathError, IntroductionNode};
pub use features::Features;
pub use hash::{PaymentHash, PaymentPreimage, PaymentSecret};
pub use node_id::{NodeId, NodeIdError};
pub use path::{Hop, Path, RouteHintHop};
pub use scid::{ShortChannelId, ShortChannelIdDir};

/// Implements `std::error::Error` for an error type when the `std` feature is on.
macro_rules! impl_std_error {
    ($t:ty) => {
        #[cfg(feature = "std")]
        impl std::error::Error for $t {}
    };
}
pub(crate) use impl_std_error;
