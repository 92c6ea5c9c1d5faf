//! What the network is built from (a graph file or the generator, and a seed) and opening the
//! durable [`Engine`] over its SQLite store: the parts of the network that read files.

use super::store::Store;
use super::NetworkError;
use harness::network::{Engine, Saved};
use route::graph::GraphBuilder;
use route::import::listchannels;
use sim::workload::add_payer;
use sim::{generate, GeneratorParams, SimConfig, Simulator, Topology};
use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use types::Msat;

/// Channels from the payer to the best-connected nodes (as `lnpay sim`).
pub const PAYER_PEERS: usize = 10;
/// Capacity of each payer channel: 1 BTC (as `lnpay sim`).
pub const PAYER_CAPACITY: Msat = Msat(100_000_000_000);
/// Nodes of the built-in generated network when none is given (as `lnpay sim`).
pub const DEFAULT_NODES: u32 = 2000;

/// What the simulated network is: a graph file or the built-in generator, and the seed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NetworkSpec {
    /// A Core Lightning `listchannels` file (.json or .json.gz); otherwise the generator.
    pub graph: Option<PathBuf>,
    /// Nodes of the generated network (ignored with a graph).
    pub nodes: u32,
    /// Seed of the network, balances, keys and preimages.
    pub seed: u64,
}

/// Reads a `listchannels` file into a topology, as `lnpay sim --graph` does.
pub fn load_topology(path: &Path) -> Result<Topology, NetworkError> {
    let io = |source| NetworkError::Graph { path: path.to_path_buf(), source };
    let mut file = BufReader::with_capacity(1 << 16, File::open(path).map_err(io)?);
    let gzip = file.fill_buf().map_err(io)?.starts_with(&[0x1f, 0x8b]);
    let mut builder = GraphBuilder::new();
    let read = if gzip {
        let reader = BufReader::with_capacity(1 << 16, flate2::read::GzDecoder::new(file));
        listchannels::read(reader, &mut builder)
    } else {
        listchannels::read(file, &mut builder)
    };
    read.map_err(|source| NetworkError::GraphFormat { path: path.to_path_buf(), source })?;
    let graph = builder.build();
    if graph.channel_count() == 0 {
        return Err(NetworkError::EmptyGraph { path: path.to_path_buf() });
    }
    Ok(Topology::from_graph(&graph))
}

/// Builds the simulated network `lnpay sim` would build for `spec`: the topology, a payer
/// with [`PAYER_PEERS`] channels of [`PAYER_CAPACITY`] to the best-connected nodes, balances
/// and keys from the seed. The payer is the simulator's payer.
pub fn build_simulator(spec: &NetworkSpec) -> Result<Simulator, NetworkError> {
    let mut topo = match &spec.graph {
        Some(p) => load_topology(p)?,
        None => {
            if spec.nodes < 10 {
                return Err(NetworkError::TooFewNodes { nodes: spec.nodes });
            }
            generate(&GeneratorParams { nodes: spec.nodes, seed: spec.seed, ..Default::default() })
        }
    };
    let payer = add_payer(&mut topo, PAYER_PEERS, PAYER_CAPACITY);
    let mut sim = Simulator::new(&topo, SimConfig { seed: spec.seed, ..Default::default() })
        .map_err(|source| NetworkError::Topology { source })?;
    sim.set_payer(payer);
    Ok(sim)
}

/// Opening an [`Engine`] over its SQLite store.
pub trait OpenEngine: Sized {
    /// Opens the durable engine: builds the simulator from the store's meta (or from `spec`
    /// for a new store, whose meta it then records), replays the input log and writes what
    /// the replay produced that the store lacks. A `spec` that differs from the stored one is
    /// an error.
    fn open(store_path: &Path, spec: &NetworkSpec) -> Result<Self, NetworkError>;
}

impl OpenEngine for Engine {
    fn open(store_path: &Path, spec: &NetworkSpec) -> Result<Engine, NetworkError> {
        let mut store = Store::open(store_path)?;
        let stored = store.meta("seed")?.is_some();
        let graph = spec.graph.as_ref().map(|p| p.display().to_string()).unwrap_or_default();
        let want = [
            ("seed", spec.seed.to_string()),
            ("graph", graph),
            ("nodes", if spec.graph.is_some() { String::new() } else { spec.nodes.to_string() }),
        ];
        if stored {
            for (key, given) in &want {
                let have = store.meta(key)?.unwrap_or_default();
                if &have != given {
                    return Err(NetworkError::SpecMismatch {
                        key,
                        stored: have,
                        given: given.clone(),
                    });
                }
            }
        }
        let sim = build_simulator(spec)?;
        let payer = sim.payer();
        if !stored {
            let mut meta = want.to_vec();
            meta.push(("payer", payer.to_string()));
            let payer_id = sim.node_id(payer).map(|n| n.to_string()).unwrap_or_default();
            meta.push(("payer_id", payer_id));
            store.set_meta(&meta)?;
        } else if store.meta("payer")?.as_deref() != Some(payer.to_string().as_str()) {
            let stored = store.meta("payer")?.unwrap_or_default();
            return Err(NetworkError::SpecMismatch {
                key: "payer",
                stored,
                given: payer.to_string(),
            });
        }
        let saved = Saved {
            resolutions: store.resolutions()?,
            channels: store.channels()?,
            received: store.received()?.len(),
            inputs: store.inputs()?,
        };
        Ok(Engine::restore(sim, Box::new(store), saved)?)
    }
}

impl From<super::store::StoreError> for NetworkError {
    fn from(source: super::store::StoreError) -> Self {
        NetworkError::Store { source }
    }
}

impl From<harness::network::EngineError> for NetworkError {
    fn from(source: harness::network::EngineError) -> Self {
        NetworkError::Engine { source }
    }
}
