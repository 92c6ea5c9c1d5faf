//! Blinded tails as routing targets.
//!
//! A BOLT 12 invoice names no payee to route to: it gives blinded paths, each with an
//! introduction node we can reach in the graph and the path's aggregated `blinded_payinfo`
//! (fee base and proportional fee, CLTV delta including the payee's final delta, HTLC
//! minimum and maximum). Each path becomes a [`BlindedTail`]; with
//! [`FlowParams::blinded_tails`](super::FlowParams::blinded_tails) set,
//! [`flow`](super::flow) and [`route`](super::route) route to a virtual payee reached from
//! each introduction node over one virtual edge per tail, carrying the tail's aggregate fee
//! (charged as BOLT 7 charges a channel's fee: `base + amount * ppm / 1,000,000`, as BOLT
//! 12's payer computes it) and CLTV delta. The virtual edge is then removed from each
//! [`Part`]: its last hop reaches the introduction node with the amount the blinded path
//! must receive plus the tail's fee, and a delay of the tail's CLTV delta on top of
//! [`FlowParams::final_cltv`](super::FlowParams::final_cltv) (zero unless the payer adds a
//! shadow offset: the tail's delta already includes the payee's final delta), and
//! [`Part::blinded_tail`](super::Part::blinded_tail) names the tail.
//!
//! Each tail's virtual edge has its own channel id ([`tail_channel`]), so the payer's
//! [`Knowledge`] learns of a tail as of any channel, in amounts the path delivers to the
//! payee, its `htlc_max` standing for its capacity:
//!
//! - [`tail_sent`] counts a part in flight through the tail and [`tail_released`] takes it
//!   off once resolved, so that once something is learned of the tail, a flow computed
//!   while parts are out (or after a restart, with the parts still pending) sees only the
//!   room they leave (of a tail nothing is learned of, the flow assumes it carries what it
//!   is asked within `htlc_max` per part, with or without parts out, as the flow that sent
//!   them did);
//! - [`tail_failed`], after an error from inside the blinded path (`invalid_onion_blinding`
//!   from the introduction node, which hides the hop and the reason), learns that the tail
//!   carries less than the failed part, as a `temporary_channel_failure` teaches of a
//!   channel: most such failures are liquidity, and a smaller part may still pass. It holds
//!   the tail unusable when the failure cannot be liquidity left for a smaller part: a part
//!   no larger than the tail's `htlc_min` failed, or the tail failed again while an
//!   earlier failure's bound still stands and no part is known to have passed it (a path
//!   with a disabled channel inside fails twice, then is left alone until the knowledge
//!   decays, one half-life halving the bound's weight as for any channel);
//! - [`tail_succeeded`] learns that it carried a part;
//! - [`tail_liquidity`] gives all of it back to the next flow, which then prefers the other
//!   tails for what this one cannot take.
//!
//! Excluding [`tail_channel`] in
//! [`FlowParams::exclude_channels`](super::FlowParams::exclude_channels) leaves a tail out
//! entirely.

use super::{Net, Part};
use crate::knowledge::Knowledge;
use crate::probability::Liquidity;
use types::{Msat, NodeId, ShortChannelId, ShortChannelIdDir};

/// One blinded path as a routing target: where it starts and what it costs as a whole.
#[derive(Debug, Clone, PartialEq)]
pub struct BlindedTail {
    /// The introduction node: the first node of the blinded path, reached unblinded.
    pub introduction: NodeId,
    /// The aggregated base fee of the whole blinded path.
    pub fee_base_msat: u32,
    /// The aggregated proportional fee of the whole blinded path, in millionths.
    pub fee_proportional_millionths: u32,
    /// The aggregated CLTV delta of the whole path, the payee's final delta included.
    pub cltv_expiry_delta: u16,
    /// The least amount the path accepts (what the introduction node is asked to forward).
    pub htlc_min: Msat,
    /// The most amount one HTLC through the path may carry.
    pub htlc_max: Msat,
    /// What is known of the path's liquidity ([`tail_liquidity`]); `None`: nothing, the
    /// path is assumed to carry what it is asked to, within `htlc_max`.
    pub liquidity: Option<Liquidity>,
}

impl BlindedTail {
    /// The fee the whole path charges to deliver `amount` to the payee.
    pub fn fee(&self, amount: Msat) -> Msat {
        Msat(self.fee_base_msat as u64)
            .saturating_add(amount.mul_ppm(self.fee_proportional_millionths))
    }
}

/// The first block of the virtual channel ids of tails: past any real block height.
const TAIL_BLOCK: u64 = 0xFF_FFFF;

/// The virtual channel of tail `index` (its index in
/// [`FlowParams::blinded_tails`](super::FlowParams::blinded_tails)): the key of what
/// [`Knowledge`] learns of the tail, and the channel to exclude to leave it out.
pub fn tail_channel(index: usize) -> ShortChannelIdDir {
    ShortChannelIdDir {
        scid: ShortChannelId((TAIL_BLOCK << 40) | ((index as u64 & 0xFF_FFFF) << 16)),
        direction: 0,
    }
}

/// The tail index of a virtual tail channel, if `c` is one.
pub fn tail_of_channel(c: ShortChannelIdDir) -> Option<usize> {
    let s = c.scid.0;
    (s >> 40 == TAIL_BLOCK && c.direction == 0 && s & 0xFFFF == 0)
        .then_some(((s >> 16) & 0xFF_FFFF) as usize)
}

/// The virtual payee every tail leads to (`02ff…ff`, not a point on the curve: never a real
/// node). Always `Some`: the prefix is valid.
pub fn virtual_payee() -> Option<NodeId> {
    let mut a = [0xFF; 33];
    a[0] = 0x02;
    NodeId::from_array(a).ok()
}

/// What `knowledge` learned of tail `index` whose path carries at most `htlc_max` per HTLC,
/// the parts in flight through it counted ([`tail_sent`]), the path's `htlc_max` standing
/// for its capacity (`None` when nothing was learned: the flow then takes the tail to carry
/// what it is asked, parts in flight or not): set it as [`BlindedTail::liquidity`].
pub fn tail_liquidity(
    knowledge: &Knowledge,
    index: usize,
    htlc_max: Msat,
    now: u64,
) -> Option<Liquidity> {
    let c = tail_channel(index);
    knowledge.learned(c)?;
    Some(knowledge.liquidity(c, htlc_max.max(Msat(1)), now))
}

/// A part delivering `amount` to the payee is now in flight through tail `index`.
pub fn tail_sent(knowledge: &mut Knowledge, index: usize, amount: Msat) {
    knowledge.add_in_flight(tail_channel(index), amount);
}

/// A part delivering `amount` through tail `index` resolved (whatever its outcome): it is no
/// longer in flight there.
pub fn tail_released(knowledge: &mut Knowledge, index: usize, amount: Msat) {
    knowledge.release_in_flight(tail_channel(index), amount);
}

/// A part delivering `amount` to the payee through tail `index` (a path of `htlc_min` and
/// `htlc_max`) failed inside the blinded path (`invalid_onion_blinding` from the
/// introduction node, or any failure from a blinded node): the error names neither the hop
/// nor the reason, so it is taken as a liquidity failure, and the tail is learned to carry
/// less than `amount`. Unless a smaller part could not be liquidity's answer: when
/// `amount` is no larger than `htlc_min` (nothing smaller may be sent), or when the tail
/// already had a failure's bound standing (not decayed away) and no part known to have
/// passed it (no learned lower bound), the tail is learned to carry nothing, and is left out until the knowledge decays
/// back towards the unknown. Returns whether it was held unusable so.
pub fn tail_failed(
    knowledge: &mut Knowledge,
    index: usize,
    amount: Msat,
    (htlc_min, htlc_max): (Msat, Msat),
    now: u64,
) -> bool {
    let c = tail_channel(index);
    let cap = htlc_max.max(Msat(1));
    let before = knowledge.liquidity(c, cap, now);
    let failed_before = knowledge.learned(c).is_some_and(|l| l.max.is_some())
        && before.hi < cap.0
        && before.lo == 0;
    let unusable = amount <= htlc_min || failed_before;
    let below = if unusable { Msat(1) } else { amount };
    knowledge.learn_less_than(c, below, Some(cap), now);
    unusable
}

/// A part through tail `index` (a path of `htlc_max`) reached the payee with `amount`: the
/// tail carried it.
pub fn tail_succeeded(
    knowledge: &mut Knowledge,
    index: usize,
    amount: Msat,
    htlc_max: Msat,
    now: u64,
) {
    knowledge.learn_at_least(tail_channel(index), amount, Some(htlc_max.max(Msat(1))), now);
}

/// Removes the virtual tail hop ending each part and names the tail it used.
pub(super) fn strip_tails(net: &Net<'_>, mut parts: Vec<Part>) -> Vec<Part> {
    if net.tails == 0 {
        return parts;
    }
    for part in &mut parts {
        if let Some(last) = part.hops.last() {
            if let Some(i) = tail_of_channel(last.channel_dir()) {
                part.hops.pop();
                part.blinded_tail = Some(i);
            }
        }
    }
    parts
}
