//! The inputs: the mainnet snapshot of `../shared/graph/` (or the file named by
//! [`GRAPH_ENV`]), a seeded generator, random reachable pairs.

use flate2::read::GzDecoder;
use route::graph::{Graph, GraphBuilder, NodeIdx};
use route::import::listchannels::{self, ListChannelsError};
use std::fmt;
use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The environment variable that names another `listchannels` file (.json or .json.gz).
pub const GRAPH_ENV: &str = "LNPAY_BENCH_GRAPH";

/// The 2026 snapshot, relative to this crate.
pub const DEFAULT_GRAPH: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/graph/mainnet-2026-02-03.listchannels.json.gz"
);

/// The graph file: `$LNPAY_BENCH_GRAPH` or the 2026 snapshot.
pub fn graph_path() -> PathBuf {
    let path =
        std::env::var_os(GRAPH_ENV).map_or_else(|| PathBuf::from(DEFAULT_GRAPH), PathBuf::from);
    // Without the `crates/bench/../../..` detour, for the report; as given if it is missing.
    std::fs::canonicalize(&path).unwrap_or(path)
}

/// Why a graph file could not be loaded.
#[derive(Debug)]
#[non_exhaustive]
pub enum LoadError {
    /// The file could not be opened or read.
    Io {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        source: std::io::Error,
    },
    /// The file is not a `listchannels` document.
    Import {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        source: ListChannelsError,
    },
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LoadError::Io { path, source } => {
                write!(f, "cannot read graph {} (set {GRAPH_ENV}): {source}", path.display())
            }
            LoadError::Import { path, source } => {
                write!(f, "graph {} is not a listchannels file: {source}", path.display())
            }
        }
    }
}

impl std::error::Error for LoadError {}

/// Loads a Core Lightning `listchannels` file, gzip'd or not (told by its magic bytes).
pub fn load_graph(path: &Path) -> Result<Arc<Graph>, LoadError> {
    let io = |source| LoadError::Io { path: path.to_path_buf(), source };
    let mut file = BufReader::with_capacity(1 << 16, File::open(path).map_err(io)?);
    let gzip = file.fill_buf().map_err(io)?.starts_with(&[0x1f, 0x8b]);
    let mut builder = GraphBuilder::new();
    let result = if gzip {
        listchannels::read(BufReader::with_capacity(1 << 16, GzDecoder::new(file)), &mut builder)
    } else {
        listchannels::read(file, &mut builder)
    };
    result.map_err(|source| LoadError::Import { path: path.to_path_buf(), source })?;
    Ok(builder.build())
}

/// SplitMix64: the bench's own seeded generator.
#[derive(Debug, Clone)]
pub struct Rng(pub u64);

impl Rng {
    /// The next 64 bits.
    pub fn next_u64(&mut self) -> u64 {
        sim::rng::splitmix64(&mut self.0)
    }

    /// Uniform in `0..n` (`n > 0`).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n.max(1) as u64) as usize
    }

    /// 32 random bytes.
    pub fn bytes32(&mut self) -> [u8; 32] {
        let mut out = [0u8; 32];
        for chunk in out.chunks_mut(8) {
            chunk.copy_from_slice(&self.next_u64().to_le_bytes());
        }
        out
    }
}

/// Amounts of the single-path pairs, from a tiny payment to a large one (msat).
pub const ROUTE_AMOUNTS: [u64; 5] = [1_000, 50_000, 1_000_000, 20_000_000, 500_000_000];

/// Random `(source, destination, amount_msat)` candidates: sources with an enabled outgoing
/// edge, destinations with an enabled incoming edge, distinct.
pub fn candidate_pairs(g: &Graph, count: usize, seed: u64) -> Vec<(NodeIdx, NodeIdx, u64)> {
    let n = g.node_count() as u32;
    let sources: Vec<NodeIdx> = (0..n)
        .map(NodeIdx)
        .filter(|&v| g.outgoing(v).iter().any(|&e| g.edge(e).is_some_and(|e| e.enabled)))
        .collect();
    let dests: Vec<NodeIdx> =
        (0..n).map(NodeIdx).filter(|&v| g.incoming(v).iter().any(|e| e.enabled)).collect();
    let mut out = Vec::with_capacity(count);
    if sources.is_empty() || dests.is_empty() {
        return out;
    }
    let mut rng = Rng(seed);
    let mut tries = 0;
    while out.len() < count && tries < count * 10 {
        tries += 1;
        let s = sources[rng.below(sources.len())];
        let d = dests[rng.below(dests.len())];
        if s != d {
            out.push((s, d, ROUTE_AMOUNTS[rng.below(ROUTE_AMOUNTS.len())]));
        }
    }
    out
}

/// What [`scaled`] built.
#[derive(Debug, Clone)]
pub struct Scaled {
    /// The graph.
    pub graph: Arc<Graph>,
    /// Channels whose far end was moved into the next copy.
    pub crossing: usize,
}

/// A graph `copies` times the size of `g` with its degree, capacity and fee distributions
/// exactly: `copies` copies of `g` (copy `k` of a node has the key of the original tweaked by
/// `k`, its channels the original's policies and capacities under short channel ids `k`
/// million blocks later), with one channel in eight rewired, in every copy, from its second
/// node to that node's twin in the next copy (every node keeps its degree; the copies form
/// one network).
/// Deterministic in `seed`.
pub fn scaled(g: &Graph, copies: u32, seed: u64) -> Scaled {
    use secp256k1::{Scalar, SECP256K1};
    use types::{NodeId, ShortChannelId};
    let copies = copies.max(1);
    let ids: Vec<Vec<NodeId>> = (0..copies)
        .map(|k| {
            g.node_ids()
                .iter()
                .map(|id| {
                    if k == 0 {
                        return *id;
                    }
                    let mut t = [0u8; 32];
                    t[28..].copy_from_slice(&k.to_be_bytes());
                    match (id.to_pubkey(), Scalar::from_be_bytes(t)) {
                        (Ok(pk), Ok(s)) => {
                            pk.add_exp_tweak(SECP256K1, &s).map_or(*id, NodeId::from)
                        }
                        _ => *id,
                    }
                })
                .collect()
        })
        .collect();
    // The same channels cross in every copy: a node's twin in the next copy takes over the
    // channel it loses in its own, so every node keeps its degree.
    let mut rng = Rng(seed);
    let crosses: Vec<bool> = g.channels().iter().map(|_| copies > 1 && rng.below(8) == 0).collect();
    let mut b = GraphBuilder::new();
    let mut crossing = 0;
    for k in 0..copies {
        let next = (k + 1) % copies;
        for (c, &cross) in g.channels().iter().zip(&crosses) {
            let (Some(n1), Some(n2)) =
                (ids[k as usize].get(c.node1.0 as usize), ids[k as usize].get(c.node2.0 as usize))
            else {
                continue;
            };
            let far = if cross {
                ids[next as usize].get(c.node2.0 as usize).copied().unwrap_or(*n2)
            } else {
                *n2
            };
            crossing += usize::from(cross);
            let scid = ShortChannelId(c.scid.0 + ((u64::from(k) * 1_000_000) << 40));
            if !b.add_channel(scid, *n1, far, c.capacity) {
                continue;
            }
            // Directions are relative to the order of the ids, which the rewiring may swap.
            let swapped = (*n1 < far) != (c.node1 < c.node2);
            for (dir, e) in c.edges.iter().enumerate() {
                let Some(policy) = e.and_then(|e| g.edge_policy(e)) else { continue };
                let _ = b.update_direction(scid, dir as u8 ^ u8::from(swapped), policy);
            }
        }
    }
    Scaled { graph: b.build(), crossing }
}

/// How much the resident memory grew since it was `before` ([`resident_bytes`]), in bytes
/// (`None` where it cannot be read).
pub fn resident_growth(before: Option<u64>) -> Option<u64> {
    Some(resident_bytes()?.saturating_sub(before?))
}

/// The resident memory of this process, in bytes (Linux; `None` elsewhere).
pub fn resident_bytes() -> Option<u64> {
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: u64 = statm.split_whitespace().nth(1)?.parse().ok()?;
    Some(pages * 4096)
}
