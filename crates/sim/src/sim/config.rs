//! How the network is drawn from its seed: liquidity, latency, faults and the simulator's
//! configuration.

use super::*;

/// How a channel's capacity is split between its two ends when the topology does not fix it.
#[derive(Clone, Copy, Debug, Default)]
#[non_exhaustive]
pub enum Liquidity {
    /// The first end's share is uniform in `[0, 1]` (the default).
    #[default]
    Uniform,
    /// Half each.
    Even,
    /// Most of the balance at one end, either one: share `u^4` or `1 - u^4`.
    Bimodal,
    /// The caller's function: gets the generator and the capacity, returns the first end's
    /// balance (capped at the capacity).
    Custom(fn(&mut SimRng, Msat) -> Msat),
}

/// Per-message latency between two peers, in simulated milliseconds.
#[derive(Clone, Copy, Debug, PartialEq)]
#[non_exhaustive]
pub enum Latency {
    /// Every message takes this long.
    Fixed(u64),
    /// Pareto with minimum `min_ms` and shape `alpha` (smaller: heavier tail).
    HeavyTail {
        /// The minimum (and mode).
        min_ms: u64,
        /// The Pareto shape, e.g. 1.5.
        alpha: f64,
    },
}

/// What can be wrong with a node.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct NodeFault {
    /// The node is offline: its peers cannot add HTLCs to it.
    pub offline: bool,
    /// Extra simulated milliseconds the node holds each HTLC it receives before acting on it.
    pub hold_ms: u64,
    /// The node garbles every failure it creates or relays (the origin cannot read it).
    pub corrupt_failures: bool,
    /// The node never answers an HTLC: it stays locked until its expiry, when the previous
    /// hop gives up on it and fails it back with `permanent_channel_failure`.
    pub silent: bool,
}

/// Random fault rates applied when the network is built.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct FaultRates {
    /// Share of nodes offline.
    pub offline: f64,
    /// Share of nodes holding HTLCs, and for how long.
    pub hold: f64,
    /// Hold time of the holding nodes.
    pub hold_ms: u64,
    /// Share of nodes corrupting failures.
    pub corrupt: f64,
    /// Share of silent nodes.
    pub silent: f64,
    /// Share of channel directions whose actual fees and cltv delta are higher than announced.
    pub stale_gossip: f64,
}

/// Everything a run depends on besides the topology.
#[derive(Clone, Copy, Debug)]
pub struct SimConfig {
    /// The seed of keys, balances, faults, latencies and preimages.
    pub seed: u64,
    /// Balance split.
    pub liquidity: Liquidity,
    /// Per-message latency.
    pub latency: Latency,
    /// The block height every node sees.
    pub block_height: u32,
    /// How long a receiver holds an incomplete multi-part set before `mpp_timeout`.
    pub mpp_timeout_ms: u64,
    /// The receivers' `min_final_cltv_expiry_delta`.
    pub min_final_cltv_delta: u32,
    /// A forwarder refuses an outgoing expiry within this many blocks (`expiry_too_soon`).
    pub expiry_too_soon_blocks: u32,
    /// Max HTLCs in flight per channel direction.
    pub max_htlcs: u16,
    /// Channel reserve in millionths of the capacity.
    pub reserve_ppm: u32,
    /// Random faults.
    pub faults: FaultRates,
    /// The most parts of one payment every receiver takes (`None`: any number; per node:
    /// [`Simulator::set_receiver_max_parts`]). A receiver given more fails the whole set.
    pub receiver_max_parts: Option<u32>,
}

impl Default for SimConfig {
    fn default() -> Self {
        SimConfig {
            seed: 0,
            liquidity: Liquidity::Uniform,
            latency: Latency::Fixed(50),
            block_height: 930_000,
            mpp_timeout_ms: 60_000,
            min_final_cltv_delta: 18,
            expiry_too_soon_blocks: 6,
            max_htlcs: 483,
            reserve_ppm: 10_000,
            faults: FaultRates::default(),
            receiver_max_parts: None,
        }
    }
}

pub(super) fn draw_balance(l: Liquidity, rng: &mut SimRng, cap: u64) -> u64 {
    let share = match l {
        Liquidity::Uniform => rng.next_f64(),
        Liquidity::Even => return cap / 2,
        Liquidity::Bimodal => {
            let x = rng.next_f64().powi(4);
            if rng.chance(0.5) {
                x
            } else {
                1.0 - x
            }
        }
        Liquidity::Custom(f) => return f(rng, Msat(cap)).0.min(cap),
    };
    ((cap as f64) * share) as u64
}
