//! BOLT 4 onions, the part of a payment each hop reads: Sphinx packets built by the sender and
//! peeled one layer per hop ([`packet`]), the typed hop payloads inside them ([`payload`]),
//! failure messages returned through the route and decoded by the sender ([`failure`]),
//! attribution data that names the hop at fault ([`attribution`]), and route blinding
//! ([`blinding`]). [`payment::build_payment_onion`] builds a payer's onion from a path.
//! Onion messages (BOLT 12's requests and replies, over blinded paths) are built and peeled by
//! [`message`].
//! [`crypto`] holds the shared primitives (ECDH secret, key derivation,
//! ChaCha20 stream, blinding factor).
//!
//! This crate is sans-IO and deterministic: session keys and padding randomness are
//! arguments, so the BOLT 4 vectors reproduce byte for byte. It is not a router (it takes a
//! route as given), not a channel state machine (it never decides whether to forward an HTLC:
//! amounts and CLTVs a hop reads are checked by its caller against the HTLC), and it does not
//! build wire messages beyond the onion packet, the failure packets and the `onion_message`.
//!
//! ```
//! use lnpay_onion::packet::{self, OnionPacket};
//! use lnpay_onion::payload::{FinalPayload, ForwardPayload, HopPayload};
//! use lnpay_onion::secp256k1::{PublicKey, Secp256k1, SecretKey};
//! use types::{Msat, ShortChannelId};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let secp = Secp256k1::new();
//! let (alice, bob) = (SecretKey::from_slice(&[1; 32])?, SecretKey::from_slice(&[2; 32])?);
//! let forward = HopPayload::Forward(ForwardPayload {
//!     amt_to_forward: Msat(1_000),
//!     outgoing_cltv_value: 800_040,
//!     short_channel_id: "800000x1x0".parse::<ShortChannelId>()?,
//!     custom_records: vec![],
//! });
//! let last = HopPayload::Final(FinalPayload {
//!     amt_to_forward: Msat(1_000),
//!     outgoing_cltv_value: 800_040,
//!     payment_data: None,
//!     payment_metadata: None,
//!     keysend_preimage: None,
//!     custom_records: vec![],
//! });
//! let route = [
//!     (PublicKey::from_secret_key(&secp, &alice), forward.encode()),
//!     (PublicKey::from_secret_key(&secp, &bob), last.encode()),
//! ];
//! let payment_hash = [7u8; 32]; // a payment onion commits to its payment hash
//! let session_key = SecretKey::from_slice(&[9; 32])?; // random in real use
//! let (onion, _shared_secrets) = packet::build(&session_key, &route, &payment_hash)?;
//!
//! // Alice peels her layer: her payload, and the onion to pass on to Bob.
//! let wire = onion.to_bytes();
//! let at_alice = packet::peel(&alice, &OnionPacket::from_bytes(&wire)?, &payment_hash)?;
//! assert_eq!(HopPayload::decode(&at_alice.payload, false)?, forward);
//! let to_bob = at_alice.next.ok_or("alice is not the last hop")?;
//! let at_bob = packet::peel(&bob, &to_bob, &payment_hash)?;
//! assert!(at_bob.next.is_none());
//! assert_eq!(HopPayload::decode(&at_bob.payload, true)?, last);
//! # Ok(())
//! # }
//! ```
#![warn(missing_docs)]
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

pub use secp256k1;

pub mod attribution;
pub mod blinded_payment;
pub mod blinding;
pub mod crypto;
pub mod failure;
pub mod message;
pub mod packet;
pub mod payload;
pub mod payment;
