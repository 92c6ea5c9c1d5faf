//! `lnpay sim`: the main job. Builds a simulated network, pays invoices from it through the
//! whole stack and reports how the payer did against what the network could have carried.
//!
//! `lnpay sim [--graph FILE] [--nodes N] [--payments N] [--amount AMT | --amounts LIST]
//! [--seed N] [--json] [--plot FILE.svg] [--method pay|xpay] [--bolt12 SHARE]`
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
//!   (delivered/feasible and delivered/total; with `--bolt12`, also delivered/feasible of the
//!   BOLT 11 payments and of the offers).
//! - `--bolt12 SHARE` (0 to 1, default 0): that share of each amount's payments (the nearest
//!   whole number, which ones drawn from the seed) goes to BOLT 12 offers. The receiver
//!   creates an offer for the amount (with a blinded offer path or its node id in the clear,
//!   drawn from the seed), the payer fetches an invoice for it (`fetchinvoice`, its invoice
//!   request an onion message) and pays it through the invoice's blinded payment paths
//!   (with `--method xpay` under `xpay`'s fee budget); its time runs from the fetch. A fetch
//!   that gives no invoice is a payment not delivered. The report then gives, in every row
//!   and the total, the same summary for the BOLT 11 payments alone (`bolt11`) and for the
//!   offers alone (`offers`); the row's own fields still count all payments, and the report
//!   says `"bolt12": SHARE`. With 0 (the default) the report is what it is without the flag.
//! - Feasibility of an offer: `feasible` is the same ground truth as for BOLT 11, the max flow
//!   from the payer to the receiver over the true balances (the simulator knows who the
//!   receiver is), so the two kinds compare. `offers` adds `feasible_via_paths`: the max flow
//!   entering the receiver only through the invoice's blinded paths (to their introduction
//!   nodes over any channel, then only along the paths' channels), false when no invoice
//!   came; the receiver's choice of paths can make a payment the network could carry
//!   impossible for any payer. With it: `delivered_over_feasible_via_paths`,
//!   `delivered_infeasible_via_paths`, `fetched` (invoices received) and `blinded_offers`
//!   (offers with a blinded offer path).
//!
//! A progress bar is drawn on stderr when stderr is a terminal and `--json` is off. Bad
//! arguments print `{"code": -32602, "message": ..}` on stdout and exit 1.

use super::error_json;
use crate::network::{build_simulator, NetworkSpec};
use harness::driver::Driver;
use harness::plot::{rate_chart, Series};
use payment::{
    BlindedPayRequest, Command, FetchinvoiceRequest, PayOptions, PayRequest, Reply, XpayRequest,
};
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
/// The seed stream choosing which payments go to offers.
const DEAL_STREAM: u64 = 0x6f66_6665_7273;
/// The seed stream of each offer payment's choices (blinded or clear offer, payer metadata).
const OFFER_STREAM: u64 = 0x6c6e_6f31;
/// `xpay`'s default fee budget, applied to the blinded pays of offers under `--method xpay`:
/// this share of the amount in percent, or the floor below, whichever is greater.
const XPAY_FEE_PERCENT: f64 = 1.0;
/// ... the floor.
const XPAY_FEE_FLOOR: Msat = Msat(5_000);

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
    /// Share of the payments made to BOLT 12 offers, 0 to 1 (each amount gets its share):
    /// the receiver creates an offer, the payer fetches its invoice and pays it through the
    /// invoice's blinded paths.
    #[arg(long, default_value_t = 0.0)]
    bolt12: f64,
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
    /// What it paid (the invoice's amount).
    amount: Msat,
    /// `None`: a BOLT 11 invoice; else what became of the offer.
    offer: Option<OfferOutcome>,
}

/// What a payment to an offer did besides paying.
#[derive(Debug, Clone, Copy, Default)]
struct OfferOutcome {
    /// The offer carried a blinded path (else it named its issuer).
    blinded: bool,
    /// An invoice came back.
    fetched: bool,
    /// The true balances could carry the amount through the invoice's blinded paths (false
    /// when no invoice came).
    feasible_via_paths: bool,
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
    if !(0.0..=1.0).contains(&args.bolt12) {
        return Err(format!("--bolt12 {}: a share from 0 to 1", args.bolt12));
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
    let to_offer = deal(args.payments, amounts.len(), args.bolt12, args.seed);
    for i in 0..args.payments {
        let k = i % amounts.len();
        let amount = amounts.get(k).copied().unwrap_or(Msat(1));
        let pick = rng.below(receivers.len() as u64) as usize;
        let payee = receivers.get(pick).copied().unwrap_or(0);
        let feasible = d.sim.can_deliver(payer, payee, amount);
        let outcome = if to_offer.get(i).copied().unwrap_or(false) {
            let choices = SimRng::for_item(args.seed, OFFER_STREAM, i as u64);
            pay_offer(&mut d, choices, payee, amount, feasible, args.method)
        } else {
            pay_one(&mut d, payee, amount, feasible, args.method)
        };
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

/// Which payments go to offers: payment `i` pays amount `i % amounts`; of each amount's
/// payments the nearest whole number to `share` of them, the first ones of an order shuffled
/// from `seed` (one stream per amount).
fn deal(payments: usize, amounts: usize, share: f64, seed: u64) -> Vec<bool> {
    let mut out = vec![false; payments];
    if share <= 0.0 || amounts == 0 {
        return out;
    }
    for k in 0..amounts {
        let mut order: Vec<usize> = (k..payments).step_by(amounts).collect();
        let take = ((share * order.len() as f64).round() as usize).min(order.len());
        let mut rng = SimRng::for_item(seed, DEAL_STREAM, k as u64);
        for j in (1..order.len()).rev() {
            order.swap(j, rng.below(j as u64 + 1) as usize);
        }
        for &i in order.iter().take(take) {
            if let Some(o) = out.get_mut(i) {
                *o = true;
            }
        }
    }
    out
}

/// `payee` creates an offer for `amount` (a blinded offer path or its id in the clear, as
/// `choices` draws); the payer fetches an invoice for it and pays it through its blinded
/// paths (with `xpay`'s fee budget under `--method xpay`), timed from the fetch. A fetch
/// that gives no invoice is a payment not delivered.
fn pay_offer(
    d: &mut Driver,
    mut choices: SimRng,
    payee: u32,
    amount: Msat,
    feasible: bool,
    method: Method,
) -> Outcome {
    let blinded = choices.below(2) == 0;
    let payer_metadata = choices.bytes32().to_vec();
    let mut out = Outcome {
        feasible,
        delivered: false,
        attempts: 0,
        fee_msat: 0,
        sim_ms: 0,
        amount,
        offer: Some(OfferOutcome { blinded, ..OfferOutcome::default() }),
    };
    let (sent0, t0) = (d.sent, d.sim.now_ms());
    let paid = fetch_and_pay(d, payee, amount, blinded, payer_metadata, method, &mut out);
    out.attempts = (d.sent - sent0) as u64;
    out.sim_ms = d.sim.now_ms().saturating_sub(t0);
    if let Some(sent) = paid {
        out.delivered = true;
        out.fee_msat = sent.0.saturating_sub(amount.0);
    }
    d.events.clear();
    d.replies.clear();
    out
}

/// The offer, the fetch and the pay of [`pay_offer`]; what was sent when delivered.
#[allow(clippy::too_many_arguments)]
fn fetch_and_pay(
    d: &mut Driver,
    payee: u32,
    amount: Msat,
    blinded: bool,
    payer_metadata: Vec<u8>,
    method: Method,
    out: &mut Outcome,
) -> Option<Msat> {
    let offer = d.sim.create_offer(payee, Some(amount), "lnpay sim", blinded).ok()?;
    let fetch = FetchinvoiceRequest {
        offer: Box::new(offer),
        amount_msat: None,
        quantity: None,
        payer_note: None,
        timeout: None,
        payer_metadata,
    };
    let Some(Reply::Fetchinvoice(Ok(fetched))) = d.call(Command::Fetchinvoice(fetch)) else {
        return None;
    };
    let invoice: bolt12::Invoice = fetched.invoice.parse().ok()?;
    let via_paths =
        d.sim.can_deliver_via_paths(d.sim.payer(), payee, invoice.payment_hash(), amount);
    if let Some(o) = out.offer.as_mut() {
        o.fetched = true;
        o.feasible_via_paths = via_paths.unwrap_or(false);
    }
    let options = match method {
        Method::Pay => PayOptions::default(),
        Method::Xpay => PayOptions {
            maxfeepercent: Some(XPAY_FEE_PERCENT),
            exemptfee: Some(XPAY_FEE_FLOOR),
            ..PayOptions::default()
        },
    };
    let request = BlindedPayRequest::from_invoice(&invoice, fetched.invoice, options);
    match d.call(Command::PayBlinded(Box::new(request))) {
        Some(Reply::Pay(Ok(paid))) => Some(paid.amount_sent_msat),
        _ => None,
    }
}

/// Issues an invoice at `payee`, pays it with `method` and runs the network to the result.
fn pay_one(d: &mut Driver, payee: u32, amount: Msat, feasible: bool, method: Method) -> Outcome {
    let mut out = Outcome {
        feasible,
        delivered: false,
        attempts: 0,
        fee_msat: 0,
        sim_ms: 0,
        amount,
        offer: None,
    };
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
    let split = args.bolt12 > 0.0;
    let rows: Vec<Value> = amounts
        .iter()
        .zip(outcomes)
        .map(|(a, o)| {
            let outs: Vec<&Outcome> = o.iter().collect();
            let mut row = summary(Some(*a), &outs);
            if split {
                add_split(&mut row, Some(*a), &outs);
            }
            row
        })
        .collect();
    let all: Vec<&Outcome> = outcomes.iter().flatten().collect();
    let mut total = summary(None, &all);
    if split {
        add_split(&mut total, None, &all);
    }
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
    let mut report = json!({
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
    });
    if let (true, Some(m)) = (split, report.as_object_mut()) {
        m.insert("bolt12".into(), json!(args.bolt12));
    }
    report
}

/// The median fee of the delivered payments among `outs`, each against its own amount.
fn median_fee_ppm(outs: &[&Outcome]) -> Option<u64> {
    let mut ppm: Vec<u64> = outs
        .iter()
        .filter(|o| o.delivered)
        .map(|o| o.fee_msat.saturating_mul(1_000_000) / o.amount.0.max(1))
        .collect();
    ppm.sort_unstable();
    quantile(&ppm, 0.5)
}

/// Adds to a row (of `amount`, or the total when `None`) the same summary for its BOLT 11
/// payments (`bolt11`) and for its payments to offers (`offers`, with `fetched`,
/// `blinded_offers`, `feasible_via_paths` and `delivered_over_feasible_via_paths`).
fn add_split(row: &mut Value, amount: Option<Msat>, outs: &[&Outcome]) {
    let kind = |offer: bool| -> Vec<&Outcome> {
        outs.iter().copied().filter(|o| o.offer.is_some() == offer).collect()
    };
    let (bolt11, offers) = (kind(false), kind(true));
    let mut b = summary(amount, &bolt11);
    let mut o = summary(amount, &offers);
    let of: Vec<OfferOutcome> = offers.iter().filter_map(|x| x.offer).collect();
    let delivered = offers.iter().filter(|x| x.delivered).count();
    let via = of.iter().filter(|x| x.feasible_via_paths).count();
    let delivered_not_via = offers
        .iter()
        .filter(|x| x.delivered && !x.offer.is_some_and(|f| f.feasible_via_paths))
        .count();
    if let Some(m) = o.as_object_mut() {
        m.insert("blinded_offers".into(), json!(of.iter().filter(|x| x.blinded).count()));
        m.insert("fetched".into(), json!(of.iter().filter(|x| x.fetched).count()));
        m.insert("feasible_via_paths".into(), json!(via));
        m.insert("delivered_infeasible_via_paths".into(), json!(delivered_not_via));
        m.insert("delivered_over_feasible_via_paths".into(), ratio(delivered, via));
    }
    if amount.is_none() {
        for (v, set) in [(&mut b, &bolt11), (&mut o, &offers)] {
            if let Some(m) = v.as_object_mut() {
                m.insert("median_fee_ppm".into(), json!(median_fee_ppm(set)));
            }
        }
    }
    if let Some(m) = row.as_object_mut() {
        m.insert("bolt11".into(), b);
        m.insert("offers".into(), o);
    }
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
    let labelled: Vec<(String, &Value)> = rows
        .iter()
        .map(|row| (cell(&row["amount_msat"]), row))
        .chain(std::iter::once(("total".to_string(), &r["total"])))
        .collect();
    // With offers, each row is followed by its BOLT 11 and offer payments alone.
    let lines = labelled.iter().flat_map(|(label, row)| {
        let split = ["bolt11", "offers"]
            .into_iter()
            .filter(|k| row.get(*k).is_some())
            .map(move |k| (k.to_string(), &row[k]));
        std::iter::once((label.clone(), *row)).chain(split)
    });
    for (label, row) in lines {
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
    if r.get("bolt12").is_some() {
        let _ = writeln!(
            s,
            "payments to offers ({} of all): feasible as for BOLT 11 (max flow to the receiver); \
             via_paths: only through the invoice's blinded paths",
            cell(&r["bolt12"])
        );
        let _ = writeln!(
            s,
            "{:>16} {:>8} {:>8} {:>8} {:>9} {:>9} {:>9} {:>13}",
            "amount_msat",
            "offers",
            "blinded",
            "fetched",
            "delivered",
            "feasible",
            "via_paths",
            "del/via_paths"
        );
        for (label, row) in &labelled {
            let o = &row["offers"];
            let _ = writeln!(
                s,
                "{:>16} {:>8} {:>8} {:>8} {:>9} {:>9} {:>9} {:>13}",
                label,
                cell(&o["payments"]),
                cell(&o["blinded_offers"]),
                cell(&o["fetched"]),
                cell(&o["delivered"]),
                cell(&o["feasible"]),
                cell(&o["feasible_via_paths"]),
                cell(&o["delivered_over_feasible_via_paths"]),
            );
        }
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
    let mut all = vec![
        series("delivered_over_feasible", "delivered / feasible", "#1f77b4"),
        series("delivered_over_payments", "delivered / total", "#d62728"),
    ];
    if r.get("bolt12").is_some() {
        for (kind, key, name, color) in [
            ("bolt11", "bolt11_delivered_over_feasible", "BOLT 11 delivered / feasible", "#2ca02c"),
            ("offers", "offers_delivered_over_feasible", "offers delivered / feasible", "#9467bd"),
        ] {
            let values =
                rows.iter().map(|row| row[kind]["delivered_over_feasible"].as_f64()).collect();
            all.push(Series { key, name, color, values });
        }
    }
    rate_chart("success rate by amount", &labels, &all)
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

    #[test]
    fn dealing_gives_each_amount_its_share_of_offers() {
        for (payments, amounts) in [(1000, 3), (31, 3), (7, 2), (10, 1), (2, 3)] {
            for share in [0.0, 0.25, 0.5, 0.9, 1.0] {
                let dealt = deal(payments, amounts, share, 1);
                assert_eq!(dealt.len(), payments);
                for k in 0..amounts {
                    let of_k: Vec<bool> = dealt.iter().copied().skip(k).step_by(amounts).collect();
                    let offers = of_k.iter().filter(|&&o| o).count();
                    let want = (share * of_k.len() as f64).round() as usize;
                    assert_eq!(offers, want, "{payments} payments, {amounts} amounts, {share}");
                }
                assert_eq!(dealt, deal(payments, amounts, share, 1), "same seed, same deal");
            }
        }
        // Which payments go to offers depends on the seed, not only how many.
        let (a, b) = (deal(1000, 3, 0.5, 1), deal(1000, 3, 0.5, 2));
        assert_ne!(a, b);
        assert_eq!(a.iter().filter(|&&o| o).count(), b.iter().filter(|&&o| o).count());
        // Not the first payments of each amount: spread over the run.
        assert!(a.iter().skip(500).filter(|&&o| o).count() > 150, "{a:?}");
    }
}
