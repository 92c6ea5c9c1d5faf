//! BOLT 7 gossip: `channel_announcement`, `node_announcement` and `channel_update` in their
//! exact wire form, their signatures (verify and sign), and applying them to a
//! [`GraphBuilder`](crate::graph::GraphBuilder).
//!
//! Every message type has `parse` (input starts with the 2-byte type), `parse_body` (input
//! without it) and `encode` (output with it); `parse` then `encode` gives the input back,
//! unknown trailing fields included. Signatures sign the double SHA-256 of the message after
//! its signature fields ([`UnsignedChannelUpdate::signed_hash`] and its siblings). Signing is
//! deterministic (RFC 6979) and takes the secret keys as arguments.
//!
//! Applying is verified: [`apply_channel_announcement`] checks all four signatures and the node
//! order, [`apply_channel_update`] checks the signature against the channel's node for the
//! update's direction as the graph holds it and orders updates by timestamp per direction
//! ([`Applied::Stale`] for one not newer), [`GossipApplier`] adds per-node ordering of
//! `node_announcement`s, and [`import_gossip`] applies a batch, counting bad records by reason.
//! A `channel_update` from a BOLT 4 failure goes through the same path with
//! [`apply_failure_channel_update`].
//!
//! No UTXO is looked up here: a channel from gossip has an unknown capacity (`None`), and each
//! direction's `htlc_maximum_msat` bounds what it carries.
//!
//! ```
//! use lnpay_route::gossip::{apply_channel_announcement, apply_channel_update, Applied};
//! use lnpay_route::gossip::{ChainHash, ChannelAnnouncement, ChannelUpdate, UnsignedChannelUpdate};
//! use lnpay_route::graph::GraphBuilder;
//! use lnpay_route::{Msat, ShortChannelId};
//! use secp256k1::SecretKey;
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let keys: Vec<SecretKey> =
//!     (1u8..=4).map(|i| SecretKey::from_slice(&[i; 32])).collect::<Result<_, _>>()?;
//! let scid: ShortChannelId = "700000x1x0".parse()?;
//! let chain = ChainHash::BITCOIN;
//! let ann = ChannelAnnouncement::sign(chain, scid, &[], &keys[0], &keys[1], &keys[2], &keys[3]);
//! let ann = ChannelAnnouncement::parse(&ann.encode())?;
//!
//! let mut builder = GraphBuilder::new();
//! assert_eq!(apply_channel_announcement(&mut builder, &ann, chain)?, Applied::Added);
//!
//! // Direction 0 is signed by node_id_1, the lesser id.
//! let secret_1 = if ann.contents.node_id_1.as_bytes()
//!     == &secp256k1::PublicKey::from_secret_key(secp256k1::SECP256K1, &keys[0]).serialize()
//! { &keys[0] } else { &keys[1] };
//! let update = UnsignedChannelUpdate {
//!     chain_hash: chain,
//!     short_channel_id: scid,
//!     timestamp: 1_700_000_000,
//!     message_flags: 1,
//!     channel_flags: 0,
//!     cltv_expiry_delta: 40,
//!     htlc_minimum_msat: Msat(1),
//!     fee_base_msat: 1000,
//!     fee_proportional_millionths: 100,
//!     htlc_maximum_msat: Msat(100_000_000),
//!     excess_data: Vec::new(),
//! }
//! .sign(secret_1);
//! let bytes = update.encode();
//! assert_eq!(apply_channel_update(&mut builder, &ChannelUpdate::parse(&bytes)?, chain)?, Applied::Added);
//! assert!(matches!(
//!     apply_channel_update(&mut builder, &update, chain)?,
//!     Applied::Stale { .. }
//! ));
//! assert_eq!(builder.direction_policy(scid, 0).map(|p| p.fee_ppm), Some(100));
//! # Ok(())
//! # }
//! ```

mod apply;

pub use apply::{
    apply_channel_announcement, apply_channel_update, apply_failure_channel_update, import_gossip,
    Applied, GossipApplier, GossipError, ImportStats, RejectCounts,
};
pub use wire::gossip::{
    decode_addresses, Address, AddressError, ChainHash, ChannelAnnouncement, ChannelUpdate,
    GossipMessage, MessageKind, NodeAnnouncement, ParseError, UnsignedChannelAnnouncement,
    UnsignedChannelUpdate, UnsignedNodeAnnouncement, VerifyError, CHANNEL_FLAG_DIRECTION,
    CHANNEL_FLAG_DISABLE, MESSAGE_FLAG_DONT_FORWARD, MESSAGE_FLAG_MUST_BE_ONE,
};
