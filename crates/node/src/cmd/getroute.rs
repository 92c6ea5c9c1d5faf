//! `lnpay getroute`: Core Lightning's `getroute` over a channel graph read from a file.
//!
//! - `lnpay getroute --graph FILE ID AMOUNT RISKFACTOR [--cltv N] [--fromid ID]
//!   [--fuzzpercent P] [--exclude X]... [--maxhops N] [--seed N]` prints `{"route": [...]}`
//!   with hops `{id, channel, direction, amount_msat, delay, style}`.
//! - `lnpay getroute --graph FILE --batch REQUESTS` reads one JSON request per line (the
//!   fields of Core Lightning's `getroute` params: `id`, `amount_msat`, `riskfactor`, `cltv`,
//!   `fromid`, `fuzzpercent`, `exclude`, `maxhops`), loads the graph once, and writes one JSON
//!   result per line (a route or an error object). Command-line options act as defaults for
//!   the lines (`--fromid` in particular).
//!
//! The graph is Core Lightning `listchannels` JSON, gzip'd or not (detected by its first
//! bytes). There is no "self" node offline, so `--fromid` (or `fromid` in a batch line) is
//! required. Failures print `{"code": .., "message": ..}` and exit 1: -32602 for a bad
//! argument, 205 when no route exists. In batch mode the exit code is 0 once every line got an
//! answer.

use super::error_json;
use route::getroute::{self, RouteError, Scratch};
use route::graph::{Graph, GraphBuilder};
use route::import::listchannels;
use rpc::graph::{route_json, GetrouteParams};
use rpc::jsonrpc::{RpcFailure, INVALID_PARAMS};
use rpc::params;
use serde_json::Value;
use std::fs::File;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

/// Find a route over a channel graph file, as Core Lightning's `getroute` does.
#[derive(clap::Args)]
pub struct Args {
    /// The channel graph: Core Lightning `listchannels` JSON (.json or .json.gz).
    #[arg(long)]
    graph: PathBuf,
    /// Read one JSON request per line from this file ("-" for stdin) and answer each.
    #[arg(long, conflicts_with_all = ["id", "amount", "riskfactor"])]
    batch: Option<PathBuf>,
    /// The destination node id.
    #[arg(required_unless_present = "batch")]
    id: Option<String>,
    /// The amount to deliver (`1000`, `1000msat`, `1sat`, `0.001btc`; 0 probes).
    #[arg(required_unless_present = "batch", allow_hyphen_values = true)]
    amount: Option<String>,
    /// The yearly cost of locked funds, in percent (for example 10 or 0.5).
    #[arg(required_unless_present = "batch", allow_hyphen_values = true)]
    riskfactor: Option<String>,
    /// The final CLTV delta (default 9).
    #[arg(long)]
    cltv: Option<u32>,
    /// The node the route starts from (required: there is no self node offline).
    #[arg(long)]
    fromid: Option<String>,
    /// Randomise fees by up to this percent when choosing (default 5).
    #[arg(long)]
    fuzzpercent: Option<f64>,
    /// A channel (`BLOCKxTXxOUT/DIR`) or node id to avoid; repeatable.
    #[arg(long)]
    exclude: Vec<String>,
    /// The most hops a route may have (default 20).
    #[arg(long)]
    maxhops: Option<u32>,
    /// The seed of the fee fuzz.
    #[arg(long, default_value_t = 0)]
    seed: u64,
}

/// An error to print: its JSON code and message.
#[derive(Debug)]
struct Failure {
    code: i64,
    message: String,
}

fn invalid(message: String) -> Failure {
    Failure { code: INVALID_PARAMS, message }
}

impl From<RpcFailure> for Failure {
    fn from(e: RpcFailure) -> Self {
        Failure { code: e.code, message: e.message }
    }
}

impl From<RouteError> for Failure {
    fn from(e: RouteError) -> Self {
        Failure { code: rpc::graph::route_error_code(&e), message: e.to_string() }
    }
}

/// Runs `lnpay getroute`.
pub fn run(args: Args) -> ExitCode {
    match run_inner(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(f) => {
            println!("{}", error_json(f.code, &f.message));
            ExitCode::FAILURE
        }
    }
}

fn run_inner(args: &Args) -> Result<(), Failure> {
    // Check the arguments before paying for the graph.
    let defaults = params_from_args(args)?;
    if args.batch.is_none() {
        defaults.request(None)?;
    }
    let graph = load_graph(&args.graph)?;
    let mut scratch = Scratch::new();
    match &args.batch {
        None => {
            let route = getroute::get_route_with(&graph, &defaults.request(None)?, &mut scratch)?;
            println!("{}", route_json(&route));
            Ok(())
        }
        Some(path) => {
            let input: Box<dyn Read> =
                if path.as_os_str() == "-" {
                    Box::new(std::io::stdin())
                } else {
                    Box::new(File::open(path).map_err(|e| {
                        invalid(format!("batch: cannot open {}: {e}", path.display()))
                    })?)
                };
            let stdout = std::io::stdout();
            let mut out = std::io::BufWriter::new(stdout.lock());
            for line in BufReader::new(input).lines() {
                let line = line
                    .map_err(|e| invalid(format!("batch: cannot read {}: {e}", path.display())))?;
                if line.trim().is_empty() {
                    continue;
                }
                let answer = match answer_line(&graph, &defaults, &line, &mut scratch) {
                    Ok(route) => route_json(&route),
                    Err(f) => error_json(f.code, &f.message),
                };
                writeln!(out, "{answer}")
                    .and_then(|_| out.flush())
                    .map_err(|e| Failure { code: -1, message: format!("cannot write: {e}") })?;
            }
            Ok(())
        }
    }
}

fn answer_line(
    graph: &Graph,
    defaults: &GetrouteParams,
    line: &str,
    scratch: &mut Scratch,
) -> Result<types::Path, Failure> {
    let v: Value =
        serde_json::from_str(line).map_err(|e| invalid(format!("request is not json: {e}")))?;
    let obj = v.as_object().ok_or_else(|| invalid("request is not a json object".into()))?;
    let params = defaults.with_json(obj)?;
    Ok(getroute::get_route_with(graph, &params.request(None)?, scratch)?)
}

/// Reads a `listchannels` file, gunzipping it when it starts with the gzip magic bytes.
fn load_graph(path: &Path) -> Result<Arc<Graph>, Failure> {
    let cannot = |e: &dyn std::fmt::Display| invalid(format!("graph: {}: {e}", path.display()));
    let mut file = BufReader::with_capacity(1 << 16, File::open(path).map_err(|e| cannot(&e))?);
    let gzip = file.fill_buf().map_err(|e| cannot(&e))?.starts_with(&[0x1f, 0x8b]);
    let mut builder = GraphBuilder::new();
    let stats = if gzip {
        let reader = BufReader::with_capacity(1 << 16, flate2::read::GzDecoder::new(file));
        listchannels::read(reader, &mut builder)
    } else {
        listchannels::read(file, &mut builder)
    }
    .map_err(|e| cannot(&e))?;
    if stats.skipped > 0 {
        let first = stats.errors.first().map(|e| e.to_string()).unwrap_or_default();
        eprintln!(
            "graph: {}: skipped {} of {} records (first: {first})",
            path.display(),
            stats.skipped,
            stats.records
        );
    }
    Ok(builder.build())
}

/// The command line's parameters (defaults for batch lines).
fn params_from_args(args: &Args) -> Result<GetrouteParams, Failure> {
    Ok(GetrouteParams {
        id: args.id.as_deref().map(|s| params::node_id_str("id", s)).transpose()?,
        amount: args.amount.as_deref().map(|s| params::amount_str("amount_msat", s)).transpose()?,
        riskfactor: args.riskfactor.as_deref().map(params::riskfactor_str).transpose()?,
        cltv: args.cltv,
        fromid: args.fromid.as_deref().map(|s| params::node_id_str("fromid", s)).transpose()?,
        fuzzpercent: args.fuzzpercent,
        exclude: args.exclude.iter().map(|s| params::exclusion(s)).collect::<Result<_, _>>()?,
        maxhops: args.maxhops,
        seed: args.seed,
    })
}
