//! The graph methods: Core Lightning's `getroute` and `listchannels` over a channel graph.
//! They are pure functions of the graph and the params (no I/O), so the daemon can answer them
//! from any task holding a graph snapshot.
//!
//! The `getroute` parameter parsing here is also what `lnpay getroute` (offline, over a graph
//! file) uses, so both accept and reject the same values with the same messages.

use crate::jsonrpc::{bind, RpcFailure, INVALID_PARAMS};
use crate::params;
use route::flow::FirstHop;
use route::getroute::{self, RouteRequest};
use route::graph::{EdgeIdx, Graph};
use serde_json::{json, Map, Value};
use types::Path;
use types::{Msat, NodeId};

/// `getroute`'s parameters, in Core Lightning's positional order.
pub const GETROUTE_PARAMS: &[&str] =
    &["id", "amount_msat", "riskfactor", "cltv", "fromid", "fuzzpercent", "exclude", "maxhops"];

/// `listchannels`' parameters, in Core Lightning's positional order.
pub const LISTCHANNELS_PARAMS: &[&str] = &["short_channel_id", "source", "destination"];

fn invalid(message: String) -> RpcFailure {
    RpcFailure::new(INVALID_PARAMS, message)
}

/// Core Lightning's `getroute` from `our_id` (or `fromid`) over `graph`. When the route starts
/// at us, `first_hops` (our channels with what each can send now) replace the graph's edges
/// out of us. The fee fuzz (`fuzzpercent`) is drawn from seed 0, so the same graph and params
/// give the same route. Errors: -32602 for a bad parameter (and an unknown source or
/// destination), 205 when no route exists.
pub fn getroute(
    graph: &Graph,
    our_id: NodeId,
    first_hops: &[FirstHop],
    params: &Value,
) -> Result<Value, RpcFailure> {
    let slots = bind(params, GETROUTE_PARAMS)?;
    let mut p = GetrouteParams::default();
    for (name, v) in GETROUTE_PARAMS.iter().zip(&slots) {
        if let Some(v) = v {
            p.set(name, v)?;
        }
    }
    let mut req = p.request(Some(our_id))?;
    if req.source == our_id {
        req.first_hops = first_hops.to_vec();
    }
    let route = getroute::get_route(graph, &req).map_err(route_failure)?;
    Ok(route_json(&route))
}

/// A route search error as its RPC failure.
pub fn route_failure(e: getroute::RouteError) -> RpcFailure {
    RpcFailure::new(route_error_code(&e), e.to_string())
}

/// Core Lightning's code for a route search error: -32602 for a bad parameter (an unknown or
/// repeated node), 205 when no route.
pub fn route_error_code(e: &getroute::RouteError) -> i64 {
    use getroute::RouteError as E;
    match e {
        E::UnknownSource(_) | E::UnknownDestination(_) | E::SameNode(_) => INVALID_PARAMS,
        E::NoRoute | E::TooManyHops { .. } => 205,
        _ => 205,
    }
}

/// `getroute`'s parameters before the search, parsed one at a time (named or positional),
/// with Core Lightning's messages for bad values.
#[derive(Debug, Clone, Default)]
pub struct GetrouteParams {
    /// `id`.
    pub id: Option<NodeId>,
    /// `amount_msat`.
    pub amount: Option<Msat>,
    /// `riskfactor`, in millionths.
    pub riskfactor: Option<u64>,
    /// `cltv`.
    pub cltv: Option<u32>,
    /// `fromid`.
    pub fromid: Option<NodeId>,
    /// `fuzzpercent`.
    pub fuzzpercent: Option<f64>,
    /// `exclude`: channels and nodes.
    pub exclude: Vec<Exclusion>,
    /// `maxhops`.
    pub maxhops: Option<u32>,
    /// The seed of the fee fuzz.
    pub seed: u64,
}

pub use payment::Exclusion;

impl GetrouteParams {
    /// Sets parameter `name` from its JSON value (null leaves it unset).
    pub fn set(&mut self, name: &str, v: &Value) -> Result<(), RpcFailure> {
        let text = |v: &Value| -> Result<String, RpcFailure> {
            match v {
                Value::String(s) => Ok(s.clone()),
                Value::Number(n) => Ok(n.to_string()),
                _ => Err(invalid(format!("{name}: invalid token '{v}'"))),
            }
        };
        let uint = |v: &Value| -> Result<u32, RpcFailure> {
            v.as_u64().and_then(|n| u32::try_from(n).ok()).ok_or_else(|| {
                invalid(format!(
                    "{name}: should be an unsigned 32 bit integer: invalid token '{v}'"
                ))
            })
        };
        if v.is_null() {
            return Ok(());
        }
        match name {
            "id" => self.id = Some(params::node_id_str("id", &text(v)?)?),
            "amount_msat" => self.amount = Some(params::amount("amount_msat", v)?),
            "riskfactor" => self.riskfactor = Some(params::riskfactor(v)?),
            "cltv" => self.cltv = Some(uint(v)?),
            "fromid" => self.fromid = Some(params::node_id_str("fromid", &text(v)?)?),
            "fuzzpercent" => {
                let f = v.as_f64().filter(|f| *f >= 0.0).ok_or_else(|| {
                    invalid(format!(
                        "fuzzpercent: should be a non-negative number: invalid token '{v}'"
                    ))
                })?;
                self.fuzzpercent = Some(f);
            }
            "exclude" => {
                self.exclude = params::exclusions(v)?;
            }
            "maxhops" => self.maxhops = Some(uint(v)?),
            other => {
                return Err(invalid(format!(
                    "unknown parameter: {other}, this may be caused by a failure to \
                     autodetect key=value-style parameters"
                )))
            }
        }
        Ok(())
    }

    /// These parameters overridden by the non-null members of `obj`.
    pub fn with_json(&self, obj: &Map<String, Value>) -> Result<GetrouteParams, RpcFailure> {
        let mut p = self.clone();
        for (key, v) in obj {
            p.set(key, v)?;
        }
        Ok(p)
    }

    /// The route request; `default_source` is used when `fromid` was not given (offline
    /// there is none, and `fromid` is required).
    pub fn request(&self, default_source: Option<NodeId>) -> Result<RouteRequest, RpcFailure> {
        let missing = |name: &str| invalid(format!("missing required parameter: {name}"));
        let id = self.id.ok_or_else(|| missing("id"))?;
        let amount = self.amount.ok_or_else(|| missing("amount_msat"))?;
        let riskfactor = self.riskfactor.ok_or_else(|| missing("riskfactor"))?;
        let fromid = self.fromid.or(default_source).ok_or_else(|| {
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

/// `{"route": [...]}` with Core Lightning's hop fields.
pub fn route_json(route: &Path) -> Value {
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

/// Core Lightning's `listchannels`: one entry per direction with a policy, filtered by at most
/// one of `short_channel_id`, `source` or `destination` (unknown ones give an empty list).
/// `amount_msat` is the channel's capacity, or when the graph does not know it, the larger
/// `htlc_maximum_msat` of its directions.
pub fn listchannels(graph: &Graph, params: &Value) -> Result<Value, RpcFailure> {
    let slots = bind(params, LISTCHANNELS_PARAMS)?;
    let given = slots.iter().filter(|s| s.is_some()).count();
    if given > 1 {
        return Err(invalid(
            "Can only specify one of `short_channel_id`, `source` or `destination`".into(),
        ));
    }
    let node = params::node_id;
    let slot = |i: usize| slots.get(i).and_then(Option::as_ref);
    let mut out = Vec::new();
    match (slot(0), slot(1), slot(2)) {
        (Some(v), _, _) => {
            let scid = params::short_channel_id("short_channel_id", v)?;
            if let Some(c) = graph.channel(scid) {
                out.extend(c.edges.iter().flatten().filter_map(|&e| entry(graph, e)));
            }
        }
        (_, Some(v), _) => {
            let src = node("source", v)?;
            if let Some(n) = graph.node_index(&src) {
                let mut edges: Vec<EdgeIdx> = graph.outgoing(n).to_vec();
                edges.sort_by_key(|&e| graph.edge(e).map(|x| (x.scid, x.direction)));
                out.extend(edges.into_iter().filter_map(|e| entry(graph, e)));
            }
        }
        (_, _, Some(v)) => {
            let dst = node("destination", v)?;
            if let Some(n) = graph.node_index(&dst) {
                let mut edges: Vec<EdgeIdx> =
                    graph.incoming_range(n).map(|i| EdgeIdx(i as u32)).collect();
                edges.sort_by_key(|&e| graph.edge(e).map(|x| (x.scid, x.direction)));
                out.extend(edges.into_iter().filter_map(|e| entry(graph, e)));
            }
        }
        _ => {
            for c in graph.channels() {
                out.extend(c.edges.iter().flatten().filter_map(|&e| entry(graph, e)));
            }
        }
    }
    Ok(json!({ "channels": out }))
}

/// One `listchannels` entry: edge `e` as Core Lightning shows a direction.
fn entry(graph: &Graph, e: EdgeIdx) -> Option<Value> {
    let edge = graph.edge(e)?;
    let policy = graph.edge_policy(e)?;
    let channel = graph.channel(edge.scid)?;
    let capacity = channel.capacity.unwrap_or_else(|| {
        let max = |d: &Option<EdgeIdx>| {
            d.and_then(|d| graph.edge_policy(d)).map_or(Msat(0), |p| p.htlc_max)
        };
        max(&channel.edges[0]).max(max(&channel.edges[1]))
    });
    Some(json!({
        "source": graph.node_id(edge.src)?.to_string(),
        "destination": graph.node_id(edge.dst)?.to_string(),
        "short_channel_id": edge.scid.to_string(),
        "direction": edge.direction,
        "public": true,
        "amount_msat": capacity.msat(),
        "message_flags": 1,
        "channel_flags": edge.direction | if policy.enabled { 0 } else { 2 },
        "active": policy.enabled,
        "last_update": policy.timestamp,
        "base_fee_millisatoshi": policy.base_fee_msat,
        "fee_per_millionth": policy.fee_ppm,
        "delay": policy.cltv_delta,
        "htlc_minimum_msat": policy.htlc_min.msat(),
        "htlc_maximum_msat": policy.htlc_max.msat(),
        "features": "",
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn route_errors_take_core_lightnings_codes() {
        let node: NodeId =
            "02aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa".parse().unwrap();
        assert_eq!(route_error_code(&getroute::RouteError::UnknownSource(node)), -32602);
        assert_eq!(route_error_code(&getroute::RouteError::NoRoute), 205);
    }

    #[test]
    fn riskfactor_parses_as_millionths() {
        for (s, want) in [("10", Some(10_000_000)), ("0.5", Some(500_000)), ("0", Some(0))]
            .into_iter()
            .chain([("1.0000001", None), ("-1", None), ("", None), ("1e3", None), (".5", None)])
        {
            assert_eq!(params::riskfactor_str(s).ok(), want, "{s}");
        }
    }
}
