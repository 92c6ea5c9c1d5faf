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
use route::getroute::{self, Route, RouteError, RouteRequest, Scratch};
use route::graph::{Graph, GraphBuilder};
use route::import::listchannels;
use serde_json::{json, Map, Value};
use std::fs::File;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use types::{Msat, NodeId, ShortChannelIdDir};

/// JSON-RPC "invalid params".
const INVALID_PARAMS: i64 = -32602;

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

impl From<RouteError> for Failure {
    fn from(e: RouteError) -> Self {
        Failure { code: e.code(), message: e.to_string() }
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
    let defaults = Params::from_args(args)?;
    if args.batch.is_none() {
        defaults.request()?;
    }
    let graph = load_graph(&args.graph)?;
    let mut scratch = Scratch::new();
    match &args.batch {
        None => {
            let route = getroute::get_route_with(&graph, &defaults.request()?, &mut scratch)?;
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
    defaults: &Params,
    line: &str,
    scratch: &mut Scratch,
) -> Result<Route, Failure> {
    let v: Value =
        serde_json::from_str(line).map_err(|e| invalid(format!("request is not json: {e}")))?;
    let obj = v.as_object().ok_or_else(|| invalid("request is not a json object".into()))?;
    let params = defaults.with_json(obj)?;
    Ok(getroute::get_route_with(graph, &params.request()?, scratch)?)
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

/// The parameters of one request, Core Lightning's names, before the route search.
#[derive(Clone, Default)]
struct Params {
    id: Option<NodeId>,
    amount: Option<Msat>,
    riskfactor: Option<u64>,
    cltv: Option<u32>,
    fromid: Option<NodeId>,
    fuzzpercent: Option<f64>,
    exclude: Vec<Exclusion>,
    maxhops: Option<u32>,
    seed: u64,
}

#[derive(Clone, Copy)]
enum Exclusion {
    Channel(ShortChannelIdDir),
    Node(NodeId),
}

fn parse_node(name: &str, s: &str) -> Result<NodeId, Failure> {
    s.parse().map_err(|e| invalid(format!("{name}: should be a node id: {e}: '{s}'")))
}

fn parse_amount(s: &str) -> Result<Msat, Failure> {
    s.parse().map_err(|_| {
        invalid(format!("amount_msat: should be a millisatoshi amount: invalid token '{s}'"))
    })
}

fn parse_exclusion(s: &str) -> Result<Exclusion, Failure> {
    if let Ok(c) = s.parse::<ShortChannelIdDir>() {
        return Ok(Exclusion::Channel(c));
    }
    if let Ok(n) = s.parse::<NodeId>() {
        return Ok(Exclusion::Node(n));
    }
    Err(invalid(format!(
        "exclude: should be a short_channel_id_dir or node id: invalid token '{s}'"
    )))
}

/// A non-negative decimal (`10`, `0.5`) as millionths.
fn parse_riskfactor(s: &str) -> Result<u64, Failure> {
    let bad =
        || invalid(format!("riskfactor: should be a non-negative number: invalid token '{s}'"));
    let (int, frac) = s.split_once('.').unwrap_or((s, ""));
    let digits = |t: &str| t.bytes().all(|b| b.is_ascii_digit());
    if int.is_empty() || !digits(int) || !digits(frac) || frac.len() > 6 {
        return Err(bad());
    }
    let whole: u64 = int.parse().map_err(|_| bad())?;
    let mut f: u64 = if frac.is_empty() { 0 } else { frac.parse().map_err(|_| bad())? };
    for _ in frac.len()..6 {
        f *= 10;
    }
    whole.checked_mul(1_000_000).and_then(|w| w.checked_add(f)).ok_or_else(bad)
}

impl Params {
    fn from_args(args: &Args) -> Result<Params, Failure> {
        Ok(Params {
            id: args.id.as_deref().map(|s| parse_node("id", s)).transpose()?,
            amount: args.amount.as_deref().map(parse_amount).transpose()?,
            riskfactor: args.riskfactor.as_deref().map(parse_riskfactor).transpose()?,
            cltv: args.cltv,
            fromid: args.fromid.as_deref().map(|s| parse_node("fromid", s)).transpose()?,
            fuzzpercent: args.fuzzpercent,
            exclude: args.exclude.iter().map(|s| parse_exclusion(s)).collect::<Result<_, _>>()?,
            maxhops: args.maxhops,
            seed: args.seed,
        })
    }

    /// These parameters overridden by a batch line's.
    fn with_json(&self, obj: &Map<String, Value>) -> Result<Params, Failure> {
        let mut p = self.clone();
        let text = |name: &str, v: &Value| -> Result<String, Failure> {
            match v {
                Value::String(s) => Ok(s.clone()),
                Value::Number(n) => Ok(n.to_string()),
                _ => Err(invalid(format!("{name}: invalid token '{v}'"))),
            }
        };
        let uint = |name: &str, v: &Value| -> Result<u32, Failure> {
            v.as_u64().and_then(|n| u32::try_from(n).ok()).ok_or_else(|| {
                invalid(format!(
                    "{name}: should be an unsigned 32 bit integer: invalid token '{v}'"
                ))
            })
        };
        for (key, v) in obj {
            if v.is_null() {
                continue;
            }
            match key.as_str() {
                "id" => p.id = Some(parse_node("id", &text("id", v)?)?),
                "amount_msat" => p.amount = Some(parse_amount(&text("amount_msat", v)?)?),
                "riskfactor" => p.riskfactor = Some(parse_riskfactor(&text("riskfactor", v)?)?),
                "cltv" => p.cltv = Some(uint("cltv", v)?),
                "fromid" => p.fromid = Some(parse_node("fromid", &text("fromid", v)?)?),
                "fuzzpercent" => {
                    let f = v.as_f64().filter(|f| *f >= 0.0).ok_or_else(|| {
                        invalid(format!(
                            "fuzzpercent: should be a non-negative number: invalid token '{v}'"
                        ))
                    })?;
                    p.fuzzpercent = Some(f);
                }
                "exclude" => {
                    let items = v.as_array().ok_or_else(|| {
                        invalid(format!("exclude: should be an array: invalid token '{v}'"))
                    })?;
                    p.exclude = items
                        .iter()
                        .map(|i| parse_exclusion(&text("exclude", i)?))
                        .collect::<Result<_, _>>()?;
                }
                "maxhops" => p.maxhops = Some(uint("maxhops", v)?),
                other => {
                    return Err(invalid(format!(
                        "unknown parameter: {other}, this may be caused by a failure to \
                         autodetect key=value-style parameters"
                    )))
                }
            }
        }
        Ok(p)
    }

    fn request(&self) -> Result<RouteRequest, Failure> {
        let missing = |name: &str| invalid(format!("missing required parameter: {name}"));
        let id = self.id.ok_or_else(|| missing("id"))?;
        let amount = self.amount.ok_or_else(|| missing("amount_msat"))?;
        let riskfactor = self.riskfactor.ok_or_else(|| missing("riskfactor"))?;
        let fromid = self.fromid.ok_or_else(|| {
            invalid("fromid: required: lnpay getroute has no node of its own to start from".into())
        })?;
        let mut req = RouteRequest::new(fromid, id, amount, riskfactor);
        if let Some(c) = self.cltv {
            req.final_cltv = c;
        }
        if let Some(f) = self.fuzzpercent {
            if !(0.0..=100.0).contains(&f) {
                return Err(invalid(format!("fuzzpercent: should be between 0 and 100: {f}")));
            }
            req.fuzz_percent = f;
        }
        if let Some(m) = self.maxhops {
            req.max_hops = m;
        }
        req.seed = self.seed;
        for x in &self.exclude {
            match x {
                Exclusion::Channel(c) => req.exclude_channels.push(*c),
                Exclusion::Node(n) => req.exclude_nodes.push(*n),
            }
        }
        Ok(req)
    }
}

fn route_json(route: &Route) -> Value {
    let hops: Vec<Value> = route
        .hops
        .iter()
        .map(|h| {
            json!({
                "id": h.id.to_string(),
                "channel": h.channel.to_string(),
                "direction": h.direction,
                "amount_msat": h.amount.msat(),
                "delay": h.delay,
                "style": "tlv",
            })
        })
        .collect();
    json!({ "route": hops })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn riskfactor_parses_as_millionths() {
        for (s, want) in [("10", Some(10_000_000)), ("0.5", Some(500_000)), ("0", Some(0))]
            .into_iter()
            .chain([("1.0000001", None), ("-1", None), ("", None), ("1e3", None), (".5", None)])
        {
            assert_eq!(parse_riskfactor(s).ok(), want, "{s}");
        }
    }
}
