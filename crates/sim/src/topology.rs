//! What a simulated network is made of before it gets keys and balances: nodes by index and
//! channels between them with each direction's policy. It comes from a channel graph (e.g. a
//! Core Lightning `listchannels` dump imported by the route crate) or from [`generate`], a
//! scale-free generator with mainnet's distributions.

use crate::rng::SimRng;
use core::fmt;
use route::graph::{EdgePolicy, Graph};
use types::{Msat, ShortChannelId};

/// One channel of a topology. `a` and `b` are node indices; `ab` is the policy of the
/// direction from `a` to `b` (`None`: that direction cannot forward).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopologyChannel {
    /// The channel id.
    pub scid: ShortChannelId,
    /// One end.
    pub a: u32,
    /// The other end.
    pub b: u32,
    /// Capacity.
    pub capacity: Msat,
    /// Policy of `a → b`.
    pub ab: Option<EdgePolicy>,
    /// Policy of `b → a`.
    pub ba: Option<EdgePolicy>,
    /// Whether the channel is announced (a private channel is reachable through route hints).
    pub public: bool,
    /// `a`'s balance when fixed by the caller; `None` lets the liquidity model draw it.
    pub balance_a: Option<Msat>,
}

/// Nodes `0..node_count` and the channels between them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Topology {
    /// Number of nodes.
    pub node_count: u32,
    /// The channels.
    pub channels: Vec<TopologyChannel>,
}

/// Why a topology cannot be simulated.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum TopologyError {
    /// A channel names a node index that does not exist.
    UnknownNode {
        /// The channel.
        scid: ShortChannelId,
        /// The node index.
        node: u32,
    },
    /// Two channels share an id.
    DuplicateChannel {
        /// The id.
        scid: ShortChannelId,
    },
    /// A channel connects a node to itself.
    SelfChannel {
        /// The channel.
        scid: ShortChannelId,
    },
}

impl fmt::Display for TopologyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TopologyError::UnknownNode { scid, node } => {
                write!(f, "channel {scid} names unknown node index {node}")
            }
            TopologyError::DuplicateChannel { scid } => write!(f, "channel {scid} appears twice"),
            TopologyError::SelfChannel { scid } => {
                write!(f, "channel {scid} connects a node to itself")
            }
        }
    }
}

impl std::error::Error for TopologyError {}

impl Topology {
    /// An empty topology.
    pub fn new() -> Topology {
        Topology::default()
    }

    /// Adds a node and returns its index.
    pub fn add_node(&mut self) -> u32 {
        self.node_count += 1;
        self.node_count - 1
    }

    /// Adds a public channel with the same policy both ways.
    pub fn add_channel(
        &mut self,
        scid: ShortChannelId,
        a: u32,
        b: u32,
        capacity: Msat,
        policy: EdgePolicy,
    ) -> &mut TopologyChannel {
        self.channels.push(TopologyChannel {
            scid,
            a,
            b,
            capacity,
            ab: Some(policy),
            ba: Some(policy),
            public: true,
            balance_a: None,
        });
        let last = self.channels.len() - 1;
        &mut self.channels[last]
    }

    /// The topology of a channel graph: node `i` is the graph's `NodeIdx(i)`. Channels of
    /// unknown capacity take the larger `htlc_max` of their directions.
    pub fn from_graph(g: &Graph) -> Topology {
        let mut channels = Vec::with_capacity(g.channel_count());
        for c in g.channels() {
            let policy = |d: usize| c.edges[d].and_then(|e| g.edge_policy(e));
            let (ab, ba) = (policy(0), policy(1));
            let capacity = c.capacity.unwrap_or_else(|| {
                Msat(ab.map_or(0, |p| p.htlc_max.0).max(ba.map_or(0, |p| p.htlc_max.0)))
            });
            channels.push(TopologyChannel {
                scid: c.scid,
                a: c.node1.0,
                b: c.node2.0,
                capacity,
                ab,
                ba,
                public: true,
                balance_a: None,
            });
        }
        Topology { node_count: g.node_count() as u32, channels }
    }

    /// Checks node indices, ids and self-loops.
    pub fn validate(&self) -> Result<(), TopologyError> {
        let mut seen = std::collections::HashSet::with_capacity(self.channels.len());
        for c in &self.channels {
            for node in [c.a, c.b] {
                if node >= self.node_count {
                    return Err(TopologyError::UnknownNode { scid: c.scid, node });
                }
            }
            if c.a == c.b {
                return Err(TopologyError::SelfChannel { scid: c.scid });
            }
            if !seen.insert(c.scid) {
                return Err(TopologyError::DuplicateChannel { scid: c.scid });
            }
        }
        Ok(())
    }
}

// Distributions measured on /work/shared/graph/mainnet-2026-02-03.listchannels.json.gz
// (65,810 active directions, 17,324 nodes, 50,808 channels), as (cumulative share, value):
//   capacity (sat): p0 10k, p10 200k, p25 1M, p50 3M, p75 10M, p90 21M, p95 50M, p99 300M
//   base fee (msat): 45.3% are 0, 40.8% are 1000, the rest spread 1..10,000
//   fee rate (ppm): p10 1, p25 1, p50 100, p75 569, p90 2000, p95 3000, p99 10,000
//   cltv delta: 80 (38%), 144 (18%), 40 (17%), 100 (11%), 34 (7%), 18 (2.5%), the rest 3..200+
//   htlc_minimum_msat: mostly 1 (25%) or 1000 (70%); htlc_maximum_msat: 99% of capacity for
//   three directions in four
//   node degree: p50 1, p75 3, p90 8, p95 17, p99 74, max 1989 (scale-free)
const CAPACITY_SAT: &[(f64, f64)] = &[
    (0.0, 10_000.0),
    (0.10, 200_000.0),
    (0.25, 1_000_000.0),
    (0.50, 3_000_000.0),
    (0.75, 10_000_000.0),
    (0.90, 21_000_000.0),
    (0.95, 50_000_000.0),
    (0.99, 300_000_000.0),
    (1.0, 720_000_000.0),
];
const FEE_PPM: &[(f64, f64)] = &[
    (0.0, 1.0),
    (0.25, 1.0),
    (0.50, 100.0),
    (0.75, 569.0),
    (0.90, 2_000.0),
    (0.95, 3_000.0),
    (0.99, 10_000.0),
    (1.0, 20_000.0),
];
const CLTV_DELTAS: &[(f64, u16)] = &[
    (0.38, 80),
    (0.56, 144),
    (0.73, 40),
    (0.84, 100),
    (0.91, 34),
    (0.935, 18),
    (0.96, 72),
    (1.0, 200),
];

/// Parameters of the generator.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GeneratorParams {
    /// Number of nodes.
    pub nodes: u32,
    /// Seed of every draw.
    pub seed: u64,
    /// Block of the first synthetic short channel id.
    pub first_block: u32,
    /// `timestamp` of every generated policy.
    pub timestamp: u32,
}

impl Default for GeneratorParams {
    fn default() -> Self {
        GeneratorParams { nodes: 3000, seed: 0, first_block: 800_000, timestamp: 1_770_076_800 }
    }
}

/// A random policy drawn from the mainnet distributions above.
pub fn mainnet_policy(rng: &mut SimRng, capacity: Msat, timestamp: u32) -> EdgePolicy {
    let u = rng.next_f64();
    let base_fee_msat = if u < 0.453 {
        0
    } else if u < 0.861 {
        1000
    } else {
        rng.from_quantiles(&[(0.0, 1.0), (0.8, 2000.0), (1.0, 10_000.0)]) as u32
    };
    let fee_ppm = if rng.chance(0.07) { 0 } else { rng.from_quantiles(FEE_PPM) as u32 };
    let c = rng.next_f64();
    let cltv_delta = CLTV_DELTAS.iter().find(|(p, _)| c <= *p).map_or(144, |&(_, d)| d);
    let htlc_min = if rng.chance(0.25) { Msat(1) } else { Msat(1000) };
    let htlc_max =
        if rng.chance(0.75) { Msat(capacity.0 / 100 * 99) } else { Msat(capacity.0 / 2) };
    EdgePolicy { timestamp, enabled: true, base_fee_msat, fee_ppm, cltv_delta, htlc_min, htlc_max }
}

/// A scale-free network by preferential attachment (Barabási–Albert with a varying number of
/// channels per new node so that the degree distribution has mainnet's median of 1 and its
/// heavy tail), with capacities and policies from mainnet's distributions. Deterministic in
/// `params.seed`.
pub fn generate(params: &GeneratorParams) -> Topology {
    let mut rng = SimRng::new(params.seed ^ 0x6765_6e65_7261_7465);
    let n = params.nodes.max(2);
    let mut topo = Topology { node_count: n, channels: Vec::new() };
    // Every channel end once: picking an entry uniformly is picking a node by its degree.
    let mut ends: Vec<u32> = Vec::new();
    let mut pairs = std::collections::HashSet::new();
    let mut next_scid = 0u64;
    let core = n.min(5);
    let mut add = |topo: &mut Topology, ends: &mut Vec<u32>, rng: &mut SimRng, a: u32, b: u32| {
        if a == b || !pairs.insert((a.min(b), a.max(b))) {
            return;
        }
        let block = u64::from(params.first_block) + next_scid / 1000;
        let scid = ShortChannelId((block << 40) | ((next_scid % 1000) << 16));
        next_scid += 1;
        let capacity = Msat((rng.from_quantiles(CAPACITY_SAT) as u64).max(20_000) * 1000);
        let ab = mainnet_policy(rng, capacity, params.timestamp);
        let ba = mainnet_policy(rng, capacity, params.timestamp);
        topo.channels.push(TopologyChannel {
            scid,
            a,
            b,
            capacity,
            ab: Some(ab),
            ba: Some(ba),
            public: true,
            balance_a: None,
        });
        ends.push(a);
        ends.push(b);
    };
    for a in 0..core {
        for b in a + 1..core {
            add(&mut topo, &mut ends, &mut rng, a, b);
        }
    }
    for node in core..n {
        // Channels opened by the new node: 1 for most, a heavy tail for the rest.
        let k = match rng.next_f64() {
            u if u < 0.55 => 1,
            u if u < 0.75 => 2,
            u if u < 0.88 => 3,
            _ => 4 + rng.from_quantiles(&[(0.0, 1.0), (0.8, 10.0), (1.0, 60.0)]) as u32,
        };
        for _ in 0..k {
            let pick = rng.below(ends.len() as u64) as usize;
            let target = ends.get(pick).copied().unwrap_or(0);
            add(&mut topo, &mut ends, &mut rng, node, target);
        }
    }
    topo
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_network_is_scale_free_and_valid() {
        let p = GeneratorParams { nodes: 2000, ..GeneratorParams::default() };
        let t = generate(&p);
        assert_eq!(t.validate(), Ok(()));
        assert_eq!(t, generate(&p));
        let mut deg = vec![0u32; t.node_count as usize];
        for c in &t.channels {
            deg[c.a as usize] += 1;
            deg[c.b as usize] += 1;
        }
        deg.sort_unstable();
        let median = deg[deg.len() / 2];
        let max = deg[deg.len() - 1];
        assert!(median <= 3, "median degree {median}");
        assert!(max >= 50, "max degree {max}: no hubs");
        assert!(deg[0] >= 1);
        let mut caps: Vec<u64> = t.channels.iter().map(|c| c.capacity.0 / 1000).collect();
        caps.sort_unstable();
        let cap_median = caps[caps.len() / 2];
        assert!((1_000_000..=6_000_000).contains(&cap_median), "median capacity {cap_median}");
    }
}
