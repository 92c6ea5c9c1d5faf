//! `lnpay sim`: the main job. Builds a simulated network, pays invoices from it through the
//! whole stack and reports how the payer did against what the network could have carried.
//!
//! `lnpay sim [--graph FILE] [--nodes N] [--payments N] [--amount AMT | --amounts LIST]
//! [--seed N] [--json] [--plot FILE.svg]`
//!
//! - The network is the simulator's built-in generator (`--nodes`, default 2000) or a Core
//!   Lightning `listchannels` file (`--graph`, .json or .json.gz), with balances drawn from
//!   the seed. A payer node is attached to the ten best-connected nodes (1 BTC channels, 90%
//!   on the payer's side).
//! - Each payment (default 1000) goes to a receiver drawn from the seed among the nodes with
//!   a channel: the receiver issues a BOLT 11 invoice, the payer's `pay` routes, builds the
//!   onions, sends, learns from failures and retries (MPP included) on the simulated network.
//!   Before each payment the max flow from payer to receiver over the true balances says
//!   whether the payment was feasible at all.
//! - Amounts: `--amount` (any `Msat` form: `100000sat`, `0.001btc`, `5000000msat`) or
//!   `--amounts` (comma-separated; payments are dealt round-robin, so evenly); by default
//!   `10000sat,100000sat,1000000sat`.
//! - The report, per amount and in total: `payments`, `delivered`, `feasible`,
//!   `delivered_over_feasible`, `delivered_over_payments`, `median_attempts` (HTLCs sent per
//!   payment), `median_fee_ppm` (over delivered payments), `p50_sim_ms` and `p99_sim_ms`
//!   (simulated time from `pay` to its result, over all payments); plus `wall_ms` and
//!   `payments_per_sec` (the only fields that change between runs with the same seed).
//!   `--json` prints it as one JSON object, otherwise a table.
//! - `--plot FILE.svg` writes the success rate by amount as an SVG line chart with two series
//!   (delivered/feasible and delivered/total).
//!
//! A progress bar is drawn on stderr when stderr is a terminal and `--json` is off. Bad
//! arguments print `{"code": -32602, "message": ..}` on stdout and exit 1.

use super::error_json;
use crate::network::{build_simulator, NetworkSpec};
use harness::driver::Driver;
use harness::plot::{rate_chart, Series};
use payment::{Command, PayRequest, Reply, XpayRequest};
use serde_json::{json, Value};
use sim::SimRng;
use std::fmt::Write as _;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;
use types::Msat;

/// JSON-RPC "invalid params".
const INVALID_PARAMS: i64 = -32602;
/// The amounts paid when none is given.
const DEFAULT_AMOUNTS: &str = "10000sat,100000sat,1000000sat";

/// Pay invoices on a simulated network and report delivery against max-flow feasibility.
#[derive(clap::Args)]
pub struct Args {
    /// A Core Lightning `listchannels` file (.json or .json.gz) instead of the built-in
    /// generator.
    #[arg(long)]
    graph: Option<PathBuf>,
    /// Nodes of the built-in generated network.
    #[arg(long, default_value_t = 2000, conflicts_with = "graph")]
    nodes: u32,
    /// How many invoices to pay.
    #[arg(long, default_value_t = 1000)]
    payments: usize,
    /// The amount of every invoice (`100000sat`, `0.001btc`, `5000000msat`, `5000000`).
    #[arg(long, conflicts_with = "amounts")]
    amount: Option<String>,
    /// Comma-separated amounts; payments are split evenly across them
    /// [default: 10000sat,100000sat,1000000sat].
    #[arg(long)]
    amounts: Option<String>,
    /// Seed of the network, balances, receivers and the payer's keys.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Print the report as one JSON object.
    #[arg(long)]
    json: bool,
    /// Write an SVG chart of success rate by amount to this file.
    #[arg(long)]
    plot: Option<PathBuf>,
    /// Pay with `pay` (fee budget 0.5 % or 5,000 msat) or `xpay` (1 % or 5,000 msat).
    #[arg(long, value_enum, default_value_t = Method::Pay)]
    method: Method,
}

/// The payment command `lnpay sim` pays with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Method {
    /// `pay`.
    Pay,
    /// `xpay`.
    Xpay,
}

/// What one payment did.
#[derive(Debug, Clone, Copy)]
struct Outcome {
    feasible: bool,
    delivered: bool,
    attempts: u64,
    fee_msat: u64,
    sim_ms: u64,
}

/// Runs `lnpay sim`.
pub fn run(args: Args) -> ExitCode {
    match run_inner(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            println!("{}", error_json(INVALID_PARAMS, &message));
            ExitCode::FAILURE
        }
    }
}

fn parse_amounts(args: &Args) -> Result<Vec<Msat>, String> {
    let list = match (&args.amount, &args.amounts) {
        (Some(a), _) => a.as_str(),
        (None, Some(l)) => l.as_str(),
        (None, None) => DEFAULT_AMOUNTS,
    };
    let mut out = Vec::new();
    for s in list.split(',') {
        let s = s.trim();
        let a: Msat = s.parse().map_err(|e| format!("amount {s:?}: {e}"))?;
        if a.0 == 0 {
            return Err(format!("amount {s:?}: must be positive"));
        }
        out.push(a);
    }
    if args.amount.is_some() && out.len() != 1 {
        return Err(format!("--amount takes one amount, got {list:?} (use --amounts)"));
    }
    Ok(out)
}

fn run_inner(args: &Args) -> Result<(), String> {
    let amounts = parse_amounts(args)?;
    if args.payments == 0 {
        return Err("--payments must be at least 1".into());
    }
    if args.graph.is_none() && args.nodes < 10 {
        return Err(format!("--nodes {}: at least 10", args.nodes));
    }
    let started = Instant::now();
    let spec = NetworkSpec { graph: args.graph.clone(), nodes: args.nodes, seed: args.seed };
    let sim = build_simulator(&spec).map_err(|e| e.to_string())?;
    let payer = sim.payer();
    let channels = sim.channel_count();
    let node_count = sim.node_count() as u32;
    let receivers: Vec<u32> =
        (0..node_count).filter(|&n| n != payer && !sim.node_channels(n).is_empty()).collect();
    if receivers.is_empty() {
        return Err("network: no node to pay".into());
    }
    let key_seed = SimRng::for_item(args.seed, 0x6b65_7973, 0).bytes32();
    let mut d = Driver::new(sim, key_seed).ok_or("network: the payer has no node id")?;

    let bar = progress_bar(args);
    bar.set_length(args.payments as u64);
    let mut rng = SimRng::new(args.seed ^ 0x7061_7965_6573);
    let mut outcomes: Vec<Vec<Outcome>> = vec![Vec::new(); amounts.len()];
    for i in 0..args.payments {
        let k = i % amounts.len();
        let amount = amounts.get(k).copied().unwrap_or(Msat(1));
        let pick = rng.below(receivers.len() as u64) as usize;
        let payee = receivers.get(pick).copied().unwrap_or(0);
        let feasible = d.sim.can_deliver(payer, payee, amount);
        let outcome = pay_one(&mut d, payee, amount, feasible, args.method);
        if let Some(v) = outcomes.get_mut(k) {
            v.push(outcome);
        }
        bar.inc(1);
    }
    bar.finish_and_clear();
    let wall_ms = started.elapsed().as_millis() as u64;

    let report = report(args, &amounts, &outcomes, node_count, channels, wall_ms);
    if let Some(path) = &args.plot {
        std::fs::write(path, svg(&report)).map_err(|e| format!("plot: {}: {e}", path.display()))?;
    }
    if args.json {
        println!("{report}");
    } else {
        print!("{}", table(&report));
    }
    Ok(())
}

fn progress_bar(args: &Args) -> indicatif::ProgressBar {
    if args.json || !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::with_draw_target(
        None,
        indicatif::ProgressDrawTarget::stderr_with_hz(10),
    );
    if let Ok(style) =
        indicatif::ProgressStyle::with_template("paying {bar:40} {pos}/{len} [{elapsed}<{eta}]")
    {
        bar.set_style(style);
    }
    bar
}

/// Issues an invoice at `payee`, pays it with `method` and runs the network to the result.
fn pay_one(d: &mut Driver, payee: u32, amount: Msat, feasible: bool, method: Method) -> Outcome {
    let mut out = Outcome { feasible, delivered: false, attempts: 0, fee_msat: 0, sim_ms: 0 };
    let Some(inv) = d.sim.create_invoice(payee, Some(amount)) else { return out };
    let (sent0, t0) = (d.sent, d.sim.now_ms());
    let Ok(decoded) = bolt11::Invoice::decode(&inv.bolt11, bolt11::Currency::Bitcoin) else {
        return out;
    };
    let command = match method {
        Method::Pay => Command::Pay(PayRequest::new(decoded, inv.bolt11)),
        Method::Xpay => Command::Xpay(XpayRequest::new(decoded, inv.bolt11)),
    };
    let reply = d.call(command);
    out.attempts = (d.sent - sent0) as u64;
    out.sim_ms = d.sim.now_ms().saturating_sub(t0);
    let sent = match reply {
        Some(Reply::Pay(Ok(paid))) => Some(paid.amount_sent_msat),
        Some(Reply::Xpay(Ok(paid))) => Some(paid.amount_sent_msat),
        _ => None,
    };
    if let Some(sent) = sent {
        out.delivered = true;
        out.fee_msat = sent.0.saturating_sub(amount.0);
    }
    // What a long run does not need to keep.
    d.events.clear();
    d.replies.clear();
    out
}

/// The value at quantile `q` of sorted `v` (nearest rank).
fn quantile(v: &[u64], q: f64) -> Option<u64> {
    if v.is_empty() {
        return None;
    }
    let rank = ((q * v.len() as f64).ceil() as usize).clamp(1, v.len());
    v.get(rank - 1).copied()
}

fn ratio(a: usize, b: usize) -> Value {
    if b == 0 {
        Value::Null
    } else {
        json!((a as f64 / b as f64 * 10_000.0).round() / 10_000.0)
    }
}

fn summary(amount: Option<Msat>, outs: &[&Outcome]) -> Value {
    let payments = outs.len();
    let delivered = outs.iter().filter(|o| o.delivered).count();
    let feasible = outs.iter().filter(|o| o.feasible).count();
    let delivered_infeasible = outs.iter().filter(|o| o.delivered && !o.feasible).count();
    let mut attempts: Vec<u64> = outs.iter().map(|o| o.attempts).collect();
    attempts.sort_unstable();
    let mut times: Vec<u64> = outs.iter().map(|o| o.sim_ms).collect();
    times.sort_unstable();
    let mut ppm: Vec<u64> = outs
        .iter()
        .filter(|o| o.delivered)
        .map(|o| {
            let amount = amount.map_or(0, |a| a.0);
            // Per payment, against its own amount (totals use the row's amounts).
            o.fee_msat.saturating_mul(1_000_000) / amount.max(1)
        })
        .collect();
    ppm.sort_unstable();
    let mut v = json!({
        "payments": payments,
        "delivered": delivered,
        "feasible": feasible,
        "delivered_infeasible": delivered_infeasible,
        "delivered_over_feasible": ratio(delivered, feasible),
        "delivered_over_payments": ratio(delivered, payments),
        "median_attempts": quantile(&attempts, 0.5),
        "median_fee_ppm": if amount.is_some() { json!(quantile(&ppm, 0.5)) } else { Value::Null },
        "p50_sim_ms": quantile(&times, 0.5),
        "p99_sim_ms": quantile(&times, 0.99),
        "fees_msat": outs.iter().filter(|o| o.delivered).map(|o| o.fee_msat).sum::<u64>(),
    });
    if let (Some(a), Some(m)) = (amount, v.as_object_mut()) {
        m.insert("amount_msat".into(), json!(a.0));
    }
    v
}

fn report(
    args: &Args,
    amounts: &[Msat],
    outcomes: &[Vec<Outcome>],
    nodes: u32,
    channels: usize,
    wall_ms: u64,
) -> Value {
    let rows: Vec<Value> = amounts
        .iter()
        .zip(outcomes)
        .map(|(a, o)| summary(Some(*a), &o.iter().collect::<Vec<_>>()))
        .collect();
    let all: Vec<&Outcome> = outcomes.iter().flatten().collect();
    let mut total = summary(None, &all);
    // Fee ppm over everything delivered: each payment against its own amount.
    let mut ppm: Vec<u64> = amounts
        .iter()
        .zip(outcomes)
        .flat_map(|(a, o)| {
            o.iter()
                .filter(|o| o.delivered)
                .map(move |o| o.fee_msat.saturating_mul(1_000_000) / a.0.max(1))
        })
        .collect();
    ppm.sort_unstable();
    let delivered_msat: u64 = amounts
        .iter()
        .zip(outcomes)
        .map(|(a, o)| a.0 * o.iter().filter(|o| o.delivered).count() as u64)
        .sum();
    if let Some(m) = total.as_object_mut() {
        m.insert("median_fee_ppm".into(), json!(quantile(&ppm, 0.5)));
        m.insert("delivered_msat".into(), json!(delivered_msat));
    }
    let per_sec = if wall_ms == 0 { 0.0 } else { all.len() as f64 * 1000.0 / wall_ms as f64 };
    json!({
        "network": {
            "source": args.graph.as_ref().map_or("generated".to_string(), |p| p.display().to_string()),
            "nodes": nodes,
            "channels": channels,
            "seed": args.seed,
        },
        "method": match args.method {
            Method::Pay => "pay",
            Method::Xpay => "xpay",
        },
        "amounts": rows,
        "total": total,
        "wall_ms": wall_ms,
        "payments_per_sec": (per_sec * 10.0).round() / 10.0,
    })
}

fn cell(v: &Value) -> String {
    match v {
        Value::Null => "-".into(),
        Value::Number(n) => match n.as_f64() {
            Some(f) if n.is_f64() => format!("{:.1}%", f * 100.0),
            _ => n.to_string(),
        },
        other => other.to_string(),
    }
}

fn table(r: &Value) -> String {
    let mut s = String::new();
    let net = &r["network"];
    let _ = writeln!(
        s,
        "network: {} ({} nodes, {} channels, seed {})",
        net["source"].as_str().unwrap_or(""),
        net["nodes"],
        net["channels"],
        net["seed"]
    );
    let _ = writeln!(s, "method: {}", r["method"].as_str().unwrap_or("pay"));
    let _ = writeln!(
        s,
        "{:>16} {:>8} {:>9} {:>8} {:>9} {:>9} {:>8} {:>8} {:>9} {:>9}",
        "amount_msat",
        "payments",
        "delivered",
        "feasible",
        "del/feas",
        "del/total",
        "attempts",
        "fee_ppm",
        "p50_sim",
        "p99_sim"
    );
    let empty = Vec::new();
    let rows = r["amounts"].as_array().unwrap_or(&empty);
    for (label, row) in rows
        .iter()
        .map(|row| (cell(&row["amount_msat"]), row))
        .chain(std::iter::once(("total".to_string(), &r["total"])))
    {
        let _ = writeln!(
            s,
            "{:>16} {:>8} {:>9} {:>8} {:>9} {:>9} {:>8} {:>8} {:>7}ms {:>7}ms",
            label,
            cell(&row["payments"]),
            cell(&row["delivered"]),
            cell(&row["feasible"]),
            cell(&row["delivered_over_feasible"]),
            cell(&row["delivered_over_payments"]),
            cell(&row["median_attempts"]),
            cell(&row["median_fee_ppm"]),
            cell(&row["p50_sim_ms"]),
            cell(&row["p99_sim_ms"]),
        );
    }
    let _ = writeln!(s, "wall: {} ms, {} payments/s", r["wall_ms"], r["payments_per_sec"]);
    s
}

/// A line chart of the two success rates by amount, written by hand.
fn svg(r: &Value) -> String {
    let empty = Vec::new();
    let rows = r["amounts"].as_array().unwrap_or(&empty);
    let labels: Vec<String> = rows
        .iter()
        .map(|row| format!("{} sat", row["amount_msat"].as_u64().unwrap_or(0) as f64 / 1000.0))
        .collect();
    let series = |key: &'static str, name: &'static str, color: &'static str| Series {
        key,
        name,
        color,
        values: rows.iter().map(|row| row[key].as_f64()).collect(),
    };
    rate_chart(
        "success rate by amount",
        &labels,
        &[
            series("delivered_over_feasible", "delivered / feasible", "#1f77b4"),
            series("delivered_over_payments", "delivered / total", "#d62728"),
        ],
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_by_nearest_rank() {
        let v: Vec<u64> = (1..=100).collect();
        assert_eq!(quantile(&v, 0.5), Some(50));
        assert_eq!(quantile(&v, 0.99), Some(99));
        assert_eq!(quantile(&[7], 0.99), Some(7));
        assert_eq!(quantile(&[], 0.5), None);
    }
}
