//! The daemon behind `lnpay node`: a JSON-RPC 2.0 server on a unix socket (framed as Core
//! Lightning frames it, see [`rpc`]) in front of one thread that owns the payment driver and
//! the simulated network. Connection threads parse requests and hand them to the driver
//! thread over a channel; a long call (`pay`) waits on its own reply channel, so it never
//! blocks other requests.

pub mod graph_rpc;
pub mod rpc;

pub use crate::driver::Driver;
use payment::{
    Command, DelpayRequest, Exclusion, HopRecord, KeysendRequest, ListRequest, PartStatus,
    PayRequest, Reply, SendpayRequest, WaitsendpayRequest,
};
use rpc::{bad_param, bind, parse_msat, required, RpcFailure, INVALID_PARAMS, METHOD_NOT_FOUND};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender};
use std::time::Duration;
use types::{Msat, NodeId, PaymentHash, PaymentSecret, ShortChannelIdDir};

/// The methods `help` lists.
pub const METHODS: &[&str] = &[
    "getinfo",
    "decode",
    "decodepay",
    "pay",
    "listpays",
    "listsendpays",
    "stop",
    "help",
    "dev-siminvoice",
    "listpeerchannels",
    "sendpay",
    "waitsendpay",
    "keysend",
    "delpay",
    "paystatus",
];

/// A request handed to the driver thread.
pub struct Job {
    /// The method.
    pub method: String,
    /// Its params.
    pub params: Value,
    /// Where the answer goes.
    pub reply: Sender<Result<Value, RpcFailure>>,
}

/// Whether the driver thread goes on.
#[derive(Debug, PartialEq, Eq)]
pub enum Flow {
    /// Keep serving.
    Continue,
    /// `stop` was called.
    Stop,
}

/// The driver thread's state.
pub struct Node {
    driver: Driver,
    waiting: HashMap<u64, Sender<Result<Value, RpcFailure>>>,
}

fn from_reply(r: Reply) -> Result<Value, RpcFailure> {
    r.map_err(|e| RpcFailure { code: e.code, message: e.message, data: e.data })
}

fn string(slot: &Option<Value>, name: &str) -> Result<Option<String>, RpcFailure> {
    match slot {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(v) => Err(bad_param(name, "a string", v)),
    }
}

fn msat(slot: &Option<Value>, name: &str) -> Result<Option<Msat>, RpcFailure> {
    match slot {
        None => Ok(None),
        Some(v) => parse_msat(v)
            .map(|m| Some(Msat(m)))
            .ok_or_else(|| bad_param(name, "a millisatoshi amount", v)),
    }
}

/// A 32-byte hex parameter (payment hash or payment secret).
fn hex32<T: std::str::FromStr>(slot: &Option<Value>, name: &str) -> Result<Option<T>, RpcFailure> {
    match slot {
        None => Ok(None),
        Some(v) => v
            .as_str()
            .and_then(|s| s.parse().ok())
            .map(Some)
            .ok_or_else(|| bad_param(name, "a 32 byte hex value", v)),
    }
}

fn hash(slot: &Option<Value>, name: &str) -> Result<Option<PaymentHash>, RpcFailure> {
    hex32(slot, name)
}

fn secret(slot: &Option<Value>, name: &str) -> Result<Option<PaymentSecret>, RpcFailure> {
    hex32(slot, name)
}

fn u32_param(slot: &Option<Value>, name: &str) -> Result<Option<u32>, RpcFailure> {
    match slot {
        None => Ok(None),
        Some(v) => v
            .as_u64()
            .and_then(|n| u32::try_from(n).ok())
            .map(Some)
            .ok_or_else(|| bad_param(name, "a 32 bit unsigned integer", v)),
    }
}

fn f64_param(slot: &Option<Value>, name: &str) -> Result<Option<f64>, RpcFailure> {
    match slot {
        None => Ok(None),
        Some(v) => {
            let f = match v {
                Value::Number(n) => n.as_f64(),
                Value::String(s) => s.parse().ok(),
                _ => None,
            };
            f.filter(|f| f.is_finite() && *f >= 0.0)
                .map(Some)
                .ok_or_else(|| bad_param(name, "a non-negative floating-point number", v))
        }
    }
}

fn exclusions(slot: &Option<Value>) -> Result<Vec<Exclusion>, RpcFailure> {
    let Some(v) = slot else { return Ok(Vec::new()) };
    let Some(items) = v.as_array() else {
        return Err(bad_param("exclude", "an array", v));
    };
    let mut out = Vec::with_capacity(items.len());
    for item in items {
        let s = item.as_str().unwrap_or_default();
        if let Ok(c) = s.parse::<ShortChannelIdDir>() {
            out.push(Exclusion::Channel(c));
        } else if let Ok(n) = s.parse::<NodeId>() {
            out.push(Exclusion::Node(n));
        } else {
            return Err(bad_param("exclude", "a short_channel_id_dir or a node id", item));
        }
    }
    Ok(out)
}

/// Parameters CLN takes that lnpay does not act on: refused rather than ignored.
fn unsupported(p: &[Option<Value>], which: &[(usize, &str)]) -> Result<(), RpcFailure> {
    for &(i, name) in which {
        if p.get(i).is_some_and(Option::is_some) {
            return Err(RpcFailure::new(INVALID_PARAMS, format!("{name}: not supported by lnpay")));
        }
    }
    Ok(())
}

fn u64_param(slot: &Option<Value>, name: &str) -> Result<Option<u64>, RpcFailure> {
    match slot {
        None => Ok(None),
        Some(v) => {
            v.as_u64().map(Some).ok_or_else(|| bad_param(name, "an unsigned 64 bit integer", v))
        }
    }
}

impl Node {
    /// A node around a driver.
    pub fn new(driver: Driver) -> Node {
        Node { driver, waiting: HashMap::new() }
    }

    /// Serves jobs until `stop` or until every sender is gone; runs the network between jobs
    /// (faster than real time: the discrete-event clock jumps to the next event).
    pub fn run(mut self, jobs: Receiver<Job>) {
        loop {
            let busy = !self.waiting.is_empty();
            let wait = if busy { Duration::from_millis(0) } else { Duration::from_millis(50) };
            match jobs.recv_timeout(wait) {
                Ok(job) => {
                    if self.handle(job) == Flow::Stop {
                        return;
                    }
                    while let Ok(job) = jobs.try_recv() {
                        if self.handle(job) == Flow::Stop {
                            return;
                        }
                    }
                }
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => return,
            }
            for _ in 0..256 {
                if self.waiting.is_empty() || !self.driver.step() {
                    break;
                }
            }
            self.deliver();
        }
    }

    fn deliver(&mut self) {
        let done: Vec<u64> = self
            .waiting
            .keys()
            .copied()
            .filter(|id| self.driver.replies.contains_key(id))
            .collect();
        for id in done {
            if let (Some(tx), Some(r)) = (self.waiting.remove(&id), self.driver.replies.remove(&id))
            {
                eprintln!("lnpay: command {id} replied ok={}", r.is_ok());
                let _ = tx.send(from_reply(r));
            }
        }
    }

    /// Handles one job: answers it now or parks it until the machine replies.
    pub fn handle(&mut self, job: Job) -> Flow {
        if job.method == "stop" {
            let _ = job.reply.send(Ok(json!({"result": "Shutdown complete"})));
            return Flow::Stop;
        }
        match self.command(&job.method, &job.params) {
            Ok(Some(command)) => {
                let id = self.driver.submit(command);
                self.waiting.insert(id, job.reply);
                self.deliver();
            }
            Ok(None) => {
                let _ = job.reply.send(self.immediate(&job.method, &job.params));
            }
            Err(e) => {
                let _ = job.reply.send(Err(e));
            }
        }
        Flow::Continue
    }

    /// The payment machine command a request makes, or `None` for methods answered here.
    fn command(&self, method: &str, params: &Value) -> Result<Option<Command>, RpcFailure> {
        Ok(Some(match method {
            "pay" => {
                let p = bind(
                    params,
                    &[
                        "bolt11",
                        "amount_msat",
                        "label",
                        "riskfactor",
                        "maxfeepercent",
                        "retry_for",
                        "maxdelay",
                        "exemptfee",
                        "localinvreqid",
                        "exclude",
                        "maxfee",
                        "description",
                        "partial_msat",
                    ],
                )?;
                unsupported(&p, &[(8, "localinvreqid")])?;
                let bolt11 = string(&Some(required(&p[0], "bolt11")?), "bolt11")?;
                Command::Pay(PayRequest {
                    bolt11: bolt11.unwrap_or_default(),
                    amount_msat: msat(&p[1], "amount_msat")?,
                    label: string(&p[2], "label")?,
                    maxfeepercent: f64_param(&p[4], "maxfeepercent")?,
                    retry_for: u64_param(&p[5], "retry_for")?,
                    maxdelay: u32_param(&p[6], "maxdelay")?,
                    exemptfee: msat(&p[7], "exemptfee")?,
                    exclude: exclusions(&p[9])?,
                    maxfee: msat(&p[10], "maxfee")?,
                    description: string(&p[11], "description")?,
                    riskfactor: f64_param(&p[3], "riskfactor")?,
                    partial_msat: msat(&p[12], "partial_msat")?,
                })
            }
            "keysend" => {
                let p = bind(
                    params,
                    &[
                        "destination",
                        "amount_msat",
                        "label",
                        "maxfeepercent",
                        "retry_for",
                        "maxdelay",
                        "exemptfee",
                        "routehints",
                        "extratlvs",
                        "maxfee",
                    ],
                )?;
                unsupported(&p, &[(7, "routehints"), (8, "extratlvs")])?;
                let dest = required(&p[0], "destination")?;
                let destination: NodeId = dest
                    .as_str()
                    .and_then(|s| s.parse().ok())
                    .ok_or_else(|| bad_param("destination", "a node id", &dest))?;
                let amount = msat(&Some(required(&p[1], "amount_msat")?), "amount_msat")?;
                Command::Keysend(KeysendRequest {
                    destination,
                    amount_msat: amount.unwrap_or_default(),
                    label: string(&p[2], "label")?,
                    maxfeepercent: f64_param(&p[3], "maxfeepercent")?,
                    retry_for: u64_param(&p[4], "retry_for")?,
                    maxdelay: u32_param(&p[5], "maxdelay")?,
                    exemptfee: msat(&p[6], "exemptfee")?,
                    maxfee: msat(&p[9], "maxfee")?,
                })
            }
            "sendpay" => {
                let p = bind(
                    params,
                    &[
                        "route",
                        "payment_hash",
                        "label",
                        "amount_msat",
                        "bolt11",
                        "payment_secret",
                        "partid",
                        "localinvreqid",
                        "groupid",
                        "payment_metadata",
                        "description",
                    ],
                )?;
                unsupported(&p, &[(7, "localinvreqid")])?;
                let route_v = required(&p[0], "route")?;
                let route: Vec<HopRecord> = serde_json::from_value(route_v.clone())
                    .map_err(|_| bad_param("route", "an array of route hops", &route_v))?;
                let payment_metadata = match string(&p[9], "payment_metadata")? {
                    None => None,
                    Some(h) => Some(
                        types::hex::decode(&h)
                            .map_err(|_| bad_param("payment_metadata", "hex", &Value::String(h)))?,
                    ),
                };
                Command::Sendpay(SendpayRequest {
                    route,
                    payment_hash: hash(&Some(required(&p[1], "payment_hash")?), "payment_hash")?
                        .unwrap_or(PaymentHash([0; 32])),
                    label: string(&p[2], "label")?,
                    amount_msat: msat(&p[3], "amount_msat")?,
                    bolt11: string(&p[4], "bolt11")?,
                    payment_secret: secret(&p[5], "payment_secret")?,
                    partid: u64_param(&p[6], "partid")?,
                    groupid: u64_param(&p[8], "groupid")?,
                    payment_metadata,
                    description: string(&p[10], "description")?,
                })
            }
            "waitsendpay" => {
                let p = bind(params, &["payment_hash", "timeout", "partid", "groupid"])?;
                Command::Waitsendpay(WaitsendpayRequest {
                    payment_hash: hash(&Some(required(&p[0], "payment_hash")?), "payment_hash")?
                        .unwrap_or(PaymentHash([0; 32])),
                    timeout: u32_param(&p[1], "timeout")?,
                    partid: u64_param(&p[2], "partid")?,
                    groupid: u64_param(&p[3], "groupid")?,
                })
            }
            "delpay" => {
                let p = bind(params, &["payment_hash", "status", "partid", "groupid"])?;
                let payment_hash = hash(&Some(required(&p[0], "payment_hash")?), "payment_hash")?
                    .unwrap_or(PaymentHash([0; 32]));
                let st = required(&p[1], "status")?;
                let status = match st.as_str() {
                    Some("complete") => PartStatus::Complete,
                    Some("failed") => PartStatus::Failed,
                    Some("pending") => PartStatus::Pending,
                    _ => return Err(bad_param("status", "a payment status", &st)),
                };
                Command::Delpay(DelpayRequest {
                    payment_hash,
                    status,
                    partid: u64_param(&p[2], "partid")?,
                    groupid: u64_param(&p[3], "groupid")?,
                })
            }
            "paystatus" => {
                let p = bind(params, &["bolt11"])?;
                Command::Paystatus(string(&p[0], "bolt11")?)
            }
            "listpays" | "listsendpays" => {
                let p = bind(params, &["bolt11", "payment_hash"])?;
                let req = ListRequest {
                    bolt11: string(&p[0], "bolt11")?,
                    payment_hash: hash(&p[1], "payment_hash")?,
                    ..Default::default()
                };
                if method == "listpays" {
                    Command::Listpays(req)
                } else {
                    Command::Listsendpays(req)
                }
            }
            _ => return Ok(None),
        }))
    }

    fn immediate(&mut self, method: &str, params: &Value) -> Result<Value, RpcFailure> {
        match method {
            "getinfo" => {
                bind(params, &[])?;
                let sim = &self.driver.sim;
                let payer = sim.payer();
                let id = sim.node_id(payer).map(|n| n.to_string()).unwrap_or_default();
                let channels = sim.node_channels(payer).len();
                Ok(json!({
                    "id": id,
                    "alias": "lnpay",
                    "color": "000000",
                    "num_peers": channels,
                    "num_pending_channels": 0,
                    "num_active_channels": channels,
                    "num_inactive_channels": 0,
                    "address": [],
                    "binding": [],
                    "version": env!("CARGO_PKG_VERSION"),
                    "blockheight": sim::ChannelBackend::block_height(sim),
                    "network": "sim",
                    "fees_collected_msat": 0,
                    "lightning-dir": "",
                }))
            }
            "listpeerchannels" => {
                bind(params, &["id"])?;
                let sim = &self.driver.sim;
                let payer = sim.payer();
                let mut channels = Vec::new();
                for scid in sim.node_channels(payer) {
                    let Some((nodes, _)) = sim.balances(scid) else { continue };
                    let peer = if nodes[0] == payer { nodes[1] } else { nodes[0] };
                    let (Some(peer), Some(spendable)) =
                        (sim.node_id(peer), sim.spendable_by(scid, payer))
                    else {
                        continue;
                    };
                    channels.push(json!({
                        "peer_id": peer.to_string(),
                        "peer_connected": true,
                        "state": "CHANNELD_NORMAL",
                        "short_channel_id": scid.to_string(),
                        "spendable_msat": spendable.0,
                    }));
                }
                Ok(json!({"channels": channels}))
            }
            "help" => {
                bind(params, &["command"])?;
                let help: Vec<Value> = METHODS.iter().map(|m| json!({"command": m})).collect();
                Ok(json!({"help": help}))
            }
            "decode" => {
                let p = bind(params, &["string"])?;
                let v = required(&p[0], "string")?;
                let text = string(&Some(v.clone()), "string")?.unwrap_or_default();
                let mut t = text.trim();
                if t.get(..10).is_some_and(|x| x.eq_ignore_ascii_case("lightning:")) {
                    t = t.get(10..).unwrap_or_default();
                }
                let inv = bolt11::Invoice::decode(t, bolt11::Currency::Bitcoin)
                    .map_err(|_| bad_param("string", "a bolt11 invoice", &v))?;
                Ok(crate::cmd::decode::decode_json(&inv))
            }
            "decodepay" => {
                let p = bind(params, &["bolt11", "description"])?;
                let b = string(&Some(required(&p[0], "bolt11")?), "bolt11")?.unwrap_or_default();
                let d = string(&p[1], "description")?;
                crate::cmd::decode::decodepay(
                    &b,
                    crate::cmd::decode::Network::Bitcoin,
                    d.as_deref(),
                )
                .map_err(|e| RpcFailure {
                    code: e["code"].as_i64().unwrap_or(-1),
                    message: e["message"].as_str().unwrap_or_default().to_string(),
                    data: None,
                })
            }
            "dev-siminvoice" => {
                let p = bind(params, &["node_id", "amount_msat"])?;
                let v = required(&p[0], "node_id")?;
                let node: NodeId = v
                    .as_str()
                    .and_then(|s| s.parse().ok())
                    .ok_or_else(|| bad_param("node_id", "a node id", &v))?;
                let amount = msat(&Some(required(&p[1], "amount_msat")?), "amount_msat")?;
                let sim = &mut self.driver.sim;
                let idx = sim
                    .node_index(&node)
                    .ok_or_else(|| RpcFailure::new(INVALID_PARAMS, "node_id: unknown node"))?;
                let inv = sim
                    .create_invoice(idx, amount)
                    .ok_or_else(|| RpcFailure::new(-1, "could not create invoice"))?;
                Ok(json!({"bolt11": inv.bolt11, "payment_hash": inv.payment_hash.to_string()}))
            }
            other => Err(RpcFailure::new(METHOD_NOT_FOUND, format!("Unknown command '{other}'"))),
        }
    }
}
