//! A payment path: the hops from the payer to the payee, each with the amount its node receives
//! and the CLTV delay it is given, and the route hints an invoice carries for private channels.
//!
//! This is the one vocabulary every crate above speaks: the router returns a [`Path`], the
//! payment records persist its [`Hop`]s, the onion is built from them, the simulator and the
//! liquidity knowledge read them.

use alloc::vec::Vec;

use crate::{Msat, NodeId, ShortChannelId, ShortChannelIdDir};

/// One hop of a path: the channel taken and what the node at its far end receives.
///
/// Serialized (with the `serde` feature) as Core Lightning's `sendpay` route entry:
/// `id`, `channel`, `direction`, `amount_msat`, `delay`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Hop {
    /// The node at the end of the hop.
    pub id: NodeId,
    /// The channel to reach it.
    pub channel: ShortChannelId,
    /// The direction the channel is traversed in (0: from the lesser node id to the greater).
    pub direction: u8,
    /// What that node receives.
    #[cfg_attr(feature = "serde", serde(rename = "amount_msat"))]
    pub amount: Msat,
    /// The CLTV delay that node receives, relative to the current height: the final CLTV
    /// plus the deltas of the hops after it (the last hop's is the final CLTV).
    pub delay: u32,
}

impl Hop {
    /// The directed channel of the hop (only the low bit of `direction` counts).
    pub fn channel_dir(&self) -> ShortChannelIdDir {
        ShortChannelIdDir { scid: self.channel, direction: self.direction & 1 }
    }
}

/// A path from the payer to the payee.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Path {
    /// The hops, payer side first.
    pub hops: Vec<Hop>,
}

impl Path {
    /// What the payer sends: the first hop's amount (zero for an empty path).
    pub fn sent(&self) -> Msat {
        sent(&self.hops)
    }

    /// What the payee receives: the last hop's amount (zero for an empty path).
    pub fn received(&self) -> Msat {
        received(&self.hops)
    }

    /// The fees: sent minus received.
    pub fn fee(&self) -> Msat {
        fee(&self.hops)
    }
}

/// What the payer sends over `hops`: the first hop's amount (zero when empty).
pub fn sent(hops: &[Hop]) -> Msat {
    hops.first().map_or(Msat::ZERO, |h| h.amount)
}

/// What the payee receives over `hops`: the last hop's amount (zero when empty).
pub fn received(hops: &[Hop]) -> Msat {
    hops.last().map_or(Msat::ZERO, |h| h.amount)
}

/// The fees of `hops`: sent minus received.
pub fn fee(hops: &[Hop]) -> Msat {
    sent(hops).saturating_sub(received(hops))
}

/// One hop of a route hint (a BOLT 11 `r` field entry): the private channel from `node_id`
/// towards the payee, with the policy `node_id` charges for it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct RouteHintHop {
    /// The node at the start of the channel (the one that forwards over it).
    pub node_id: NodeId,
    /// The channel.
    pub short_channel_id: ShortChannelId,
    /// Base fee the node charges, in millisatoshi.
    pub fee_base_msat: u32,
    /// Proportional fee, in millionths.
    pub fee_proportional_millionths: u32,
    /// CLTV delta the node requires.
    pub cltv_expiry_delta: u16,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hop(amount: u64, delay: u32) -> Hop {
        let mut id = [2; 33];
        id[1] = 1;
        Hop {
            id: NodeId::from_array(id).unwrap(),
            channel: ShortChannelId(1),
            direction: 1,
            amount: Msat(amount),
            delay,
        }
    }

    #[test]
    fn sent_received_and_fee() {
        let p = Path { hops: alloc::vec![hop(1_010, 58), hop(1_005, 49), hop(1_000, 9)] };
        assert_eq!(p.sent(), Msat(1_010));
        assert_eq!(p.received(), Msat(1_000));
        assert_eq!(p.fee(), Msat(10));
        assert_eq!(
            p.hops[0].channel_dir(),
            ShortChannelIdDir { scid: ShortChannelId(1), direction: 1 }
        );
        let empty = Path::default();
        assert_eq!(
            (empty.sent(), empty.received(), empty.fee()),
            (Msat::ZERO, Msat::ZERO, Msat::ZERO)
        );
    }
}
