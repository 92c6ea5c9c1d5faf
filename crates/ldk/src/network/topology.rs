//! Which channels to open between how many nodes: by hand, generated from a seed, or the
//! best-connected nodes of a `listchannels` file.

use super::*;

/// A channel to open: `a` funds it, `b` gets `push_msat`; each side's forwarding policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChannelSpec {
    /// The funder (index into the nodes).
    pub a: usize,
    /// The other end.
    pub b: usize,
    /// The capacity in satoshis.
    pub capacity_sat: u64,
    /// What `b` starts with.
    pub push_msat: u64,
    /// `a`'s and `b`'s forwarding policy (base fee msat, fee ppm, CLTV delta).
    pub policies: [(u32, u32, u16); 2],
    /// Announced for forwarding (public); else private, known to the payee's invoices only.
    pub announced: bool,
}

/// Which channels to open between how many nodes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Topology {
    /// The number of nodes.
    pub nodes: usize,
    /// The channels.
    pub channels: Vec<ChannelSpec>,
}

/// Why a topology could not be read.
#[derive(Debug)]
#[non_exhaustive]
pub enum TopologyError {
    /// The file could not be opened or read.
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file is not a `listchannels` document.
    Import {
        /// The file.
        path: PathBuf,
        /// Why.
        source: route::import::listchannels::ListChannelsError,
    },
}

impl fmt::Display for TopologyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TopologyError::Io { path, source } => {
                write!(f, "cannot read {}: {source}", path.display())
            }
            TopologyError::Import { path, source } => {
                write!(f, "{} is not a listchannels graph: {source}", path.display())
            }
        }
    }
}

impl std::error::Error for TopologyError {}

/// A small deterministic generator (splitmix64).
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// Seeded.
    pub fn new(seed: u64) -> Rng {
        Rng(seed ^ 0x6a09_e667_f3bc_c908)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (0 when `n` is 0).
    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 {
            0
        } else {
            self.next_u64() % n
        }
    }
}

/// LDK's lowest CLTV delta for forwarding.
pub(super) const MIN_CLTV: u16 = 48;
/// LDK's largest channel without `option_support_large_channel`.
pub(super) const MAX_CAPACITY_SAT: u64 = (1 << 24) - 1;

impl Topology {
    /// `nodes` nodes, each after the first opening `per_node` channels (fewer while there
    /// are fewer nodes) to earlier nodes picked by degree (preferential attachment), with
    /// capacities of 0.5–10 M sat, balances uniform, and fees of 0–1000 msat + 1–500 ppm.
    pub fn generated(nodes: usize, per_node: usize, seed: u64) -> Topology {
        let mut rng = Rng::new(seed);
        let mut ends: Vec<usize> = Vec::new();
        let mut channels = Vec::new();
        for a in 1..nodes {
            let mut picked: Vec<usize> = Vec::new();
            let want = per_node.min(a);
            let mut tries = 0;
            while picked.len() < want && tries < 100 {
                tries += 1;
                let b = if ends.is_empty() || rng.below(4) == 0 {
                    rng.below(a as u64) as usize
                } else {
                    ends.get(rng.below(ends.len() as u64) as usize).copied().unwrap_or(0)
                };
                if b != a && !picked.contains(&b) {
                    picked.push(b);
                }
            }
            for b in picked {
                let capacity_sat = 500_000 + rng.below(9_500_000);
                let push_msat = rng.below(capacity_sat * 1000);
                let policy = |rng: &mut Rng| {
                    (
                        rng.below(1001) as u32,
                        1 + rng.below(500) as u32,
                        MIN_CLTV + rng.below(97) as u16,
                    )
                };
                let policies = [policy(&mut rng), policy(&mut rng)];
                channels.push(ChannelSpec {
                    a,
                    b,
                    capacity_sat,
                    push_msat,
                    policies,
                    announced: true,
                });
                ends.push(a);
                ends.push(b);
            }
        }
        Topology { nodes, channels }
    }

    /// The `nodes` best-connected nodes of a Core Lightning `listchannels` file (`.json` or
    /// `.json.gz`), taken greedily so that they stay connected (the best-connected node, then
    /// the best-connected neighbour of those taken, and so on), and every channel among them: capacity (at most 2^24 − 1 sat, LDK's limit
    /// without large channels), fees and CLTV deltas (at least LDK's 48) from the file, the
    /// lesser node funding, balances drawn from `seed`.
    pub fn from_listchannels(
        path: &Path,
        nodes: usize,
        seed: u64,
    ) -> Result<Topology, TopologyError> {
        let io = |source| TopologyError::Io { path: path.to_owned(), source };
        let file = std::fs::File::open(path).map_err(io)?;
        let mut reader = std::io::BufReader::new(file);
        let gz = {
            use std::io::BufRead;
            reader.fill_buf().map_err(io)?.starts_with(&[0x1f, 0x8b])
        };
        let mut builder = route::graph::GraphBuilder::new();
        let result = if gz {
            route::import::listchannels::read(flate2::bufread::GzDecoder::new(reader), &mut builder)
        } else {
            route::import::listchannels::read(reader, &mut builder)
        };
        result.map_err(|source| TopologyError::Import { path: path.to_owned(), source })?;
        let g = builder.build();
        // Degrees and neighbours over channels with a policy in both directions.
        let mut degree = vec![0usize; g.node_count()];
        let mut neighbours: Vec<Vec<usize>> = vec![Vec::new(); g.node_count()];
        for c in g.channels() {
            if c.edges.iter().all(Option::is_some) {
                let (a, b) = (c.node1.0 as usize, c.node2.0 as usize);
                for (n, m) in [(a, b), (b, a)] {
                    if let Some(d) = degree.get_mut(n) {
                        *d += 1;
                    }
                    if let Some(v) = neighbours.get_mut(n) {
                        v.push(m);
                    }
                }
            }
        }
        // The best-connected node, then always the best-connected neighbour of those taken:
        // the nodes are one connected network, as gossip needs.
        let mut index: HashMap<usize, usize> = HashMap::new();
        let mut heap = std::collections::BinaryHeap::new();
        let first = (0..degree.len())
            .max_by_key(|&i| (degree.get(i).copied().unwrap_or(0), std::cmp::Reverse(i)));
        if let Some(first) = first {
            heap.push((degree.get(first).copied().unwrap_or(0), std::cmp::Reverse(first)));
        }
        while index.len() < nodes {
            let Some((_, std::cmp::Reverse(n))) = heap.pop() else { break };
            if index.contains_key(&n) {
                continue;
            }
            index.insert(n, index.len());
            for &m in neighbours.get(n).map(Vec::as_slice).unwrap_or_default() {
                if !index.contains_key(&m) {
                    heap.push((degree.get(m).copied().unwrap_or(0), std::cmp::Reverse(m)));
                }
            }
        }
        let mut rng = Rng::new(seed);
        let mut channels = Vec::new();
        for c in g.channels() {
            let (Some(&a), Some(&b)) =
                (index.get(&(c.node1.0 as usize)), index.get(&(c.node2.0 as usize)))
            else {
                continue;
            };
            let [Some(e0), Some(e1)] = c.edges else { continue };
            let (Some(p0), Some(p1)) = (g.edge(e0), g.edge(e1)) else { continue };
            let capacity_sat = c
                .capacity
                .map_or(p0.htlc_max.0.max(p1.htlc_max.0) / 1000, |m| m.0 / 1000)
                .clamp(100_000, MAX_CAPACITY_SAT);
            let push_msat = rng.below(capacity_sat * 1000);
            let policy =
                |e: &route::graph::Edge| (e.base_fee_msat, e.fee_ppm, e.cltv_delta.max(MIN_CLTV));
            channels.push(ChannelSpec {
                a,
                b,
                capacity_sat,
                push_msat,
                policies: [policy(p0), policy(p1)],
                announced: true,
            });
        }
        Ok(Topology { nodes: index.len(), channels })
    }
}
