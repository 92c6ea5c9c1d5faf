//! `getroutes` and the `askrene-*` commands: their params as typed
//! [`payment::Command::Getroutes`] / [`payment::Command::Askrene`] ([`command`]), and their
//! typed replies and errors as Core Lightning's askrene writes them ([`routes_json`],
//! [`askrene_json`], [`getroutes_failure`], [`askrene_failure`]).

use crate::jsonrpc::{bad_param, bind, required, RpcFailure, INVALID_PARAMS};
use crate::params;
use payment::Routes;
use payment::{
    AskreneCommand, AskreneError, AskreneReply, Command, GetroutesError, GetroutesRequest,
};
use route::flow::FlowError;
use route::layer::{BiasSide, CreatedChannel, Inform, Layer, PolicyPatch, ReserveHop};
use serde_json::{json, Map, Value};

/// `PAY_ROUTE_NOT_FOUND`.
pub const ROUTE_NOT_FOUND: i64 = 205;
/// `PAY_ROUTE_TOO_EXPENSIVE`.
pub const ROUTE_TOO_EXPENSIVE: i64 = 206;

/// The askrene methods (and `getroutes`), as `help` lists them.
pub const METHODS: &[&str] = &[
    "getroutes",
    "askrene-create-layer",
    "askrene-remove-layer",
    "askrene-listlayers",
    "askrene-create-channel",
    "askrene-update-channel",
    "askrene-remove-channel-update",
    "askrene-inform-channel",
    "askrene-disable-node",
    "askrene-bias-channel",
    "askrene-bias-node",
    "askrene-reserve",
    "askrene-unreserve",
    "askrene-listreservations",
    "askrene-age",
];

fn string(slot: &Option<Value>, name: &str) -> Result<Option<String>, RpcFailure> {
    crate::methods::string(slot, name)
}

fn req_string(slot: &Option<Value>, name: &str) -> Result<String, RpcFailure> {
    Ok(string(&Some(required(slot, name)?), name)?.unwrap_or_default())
}

fn opt<T>(
    slot: &Option<Value>,
    name: &str,
    f: impl Fn(&str, &Value) -> Result<T, RpcFailure>,
) -> Result<Option<T>, RpcFailure> {
    slot.as_ref().map(|v| f(name, v)).transpose()
}

fn req<T>(
    slot: &Option<Value>,
    name: &str,
    f: impl Fn(&str, &Value) -> Result<T, RpcFailure>,
) -> Result<T, RpcFailure> {
    f(name, &required(slot, name)?)
}

fn uint<T: TryFrom<u64>>(what: &'static str) -> impl Fn(&str, &Value) -> Result<T, RpcFailure> {
    move |name, v| {
        v.as_u64().and_then(|n| T::try_from(n).ok()).ok_or_else(|| bad_param(name, what, v))
    }
}

fn path(name: &str, v: &Value) -> Result<Vec<ReserveHop>, RpcFailure> {
    let items = v.as_array().ok_or_else(|| bad_param(name, "an array", v))?;
    items
        .iter()
        .map(|h| {
            let p = bind(h, &["short_channel_id_dir", "amount_msat", "layer"])?;
            Ok(ReserveHop {
                channel: req(&p[0], "short_channel_id_dir", params::short_channel_id_dir)?,
                amount: req(&p[1], "amount_msat", params::amount)?,
                layer: string(&p[2], "layer")?,
            })
        })
        .collect()
}

/// The command of a `getroutes` or `askrene-*` request; `None` for other methods.
pub fn command(method: &str, params: &Value) -> Result<Option<Command>, RpcFailure> {
    let a = |c| Ok(Some(Command::Askrene(c)));
    match method {
        "getroutes" => {
            let p = bind(
                params,
                &[
                    "source",
                    "destination",
                    "amount_msat",
                    "layers",
                    "maxfee_msat",
                    "final_cltv",
                    "maxdelay",
                    "maxparts",
                ],
            )?;
            let layers = params::layers(&required(&p[3], "layers")?)?;
            Ok(Some(Command::Getroutes(GetroutesRequest {
                source: req(&p[0], "source", params::node_id)?,
                destination: req(&p[1], "destination", params::node_id)?,
                amount_msat: req(&p[2], "amount_msat", params::amount)?,
                layers,
                maxfee_msat: req(&p[4], "maxfee_msat", params::amount)?,
                final_cltv: req(&p[5], "final_cltv", uint::<u32>("a 32 bit unsigned integer"))?,
                maxdelay: opt(&p[6], "maxdelay", uint::<u32>("a 32 bit unsigned integer"))?,
                maxparts: opt(&p[7], "maxparts", uint::<u32>("a 32 bit unsigned integer"))?,
            })))
        }
        "askrene-create-layer" => {
            let p = bind(params, &["layer", "persistent"])?;
            a(AskreneCommand::CreateLayer {
                layer: req_string(&p[0], "layer")?,
                persistent: opt(&p[1], "persistent", params::boolean)?.unwrap_or(false),
            })
        }
        "askrene-remove-layer" => {
            let p = bind(params, &["layer"])?;
            a(AskreneCommand::RemoveLayer { layer: req_string(&p[0], "layer")? })
        }
        "askrene-listlayers" => {
            let p = bind(params, &["layer"])?;
            a(AskreneCommand::ListLayers { layer: string(&p[0], "layer")? })
        }
        "askrene-create-channel" => {
            let p = bind(
                params,
                &["layer", "source", "destination", "short_channel_id", "capacity_msat"],
            )?;
            a(AskreneCommand::CreateChannel {
                layer: req_string(&p[0], "layer")?,
                channel: CreatedChannel {
                    source: req(&p[1], "source", params::node_id)?,
                    destination: req(&p[2], "destination", params::node_id)?,
                    short_channel_id: req(&p[3], "short_channel_id", params::short_channel_id)?,
                    capacity: req(&p[4], "capacity_msat", params::amount)?,
                },
            })
        }
        "askrene-update-channel" => {
            let p = bind(
                params,
                &[
                    "layer",
                    "short_channel_id_dir",
                    "enabled",
                    "htlc_minimum_msat",
                    "htlc_maximum_msat",
                    "fee_base_msat",
                    "fee_proportional_millionths",
                    "cltv_expiry_delta",
                ],
            )?;
            a(AskreneCommand::UpdateChannel {
                layer: req_string(&p[0], "layer")?,
                channel: req(&p[1], "short_channel_id_dir", params::short_channel_id_dir)?,
                patch: PolicyPatch {
                    enabled: opt(&p[2], "enabled", params::boolean)?,
                    htlc_min: opt(&p[3], "htlc_minimum_msat", params::amount)?,
                    htlc_max: opt(&p[4], "htlc_maximum_msat", params::amount)?,
                    fee_base: opt(&p[5], "fee_base_msat", params::amount)?,
                    fee_ppm: opt(
                        &p[6],
                        "fee_proportional_millionths",
                        uint::<u32>("a 32 bit unsigned integer"),
                    )?,
                    cltv_delta: opt(
                        &p[7],
                        "cltv_expiry_delta",
                        uint::<u16>("a 16 bit unsigned integer"),
                    )?,
                },
            })
        }
        "askrene-remove-channel-update" => {
            let p = bind(params, &["layer", "short_channel_id_dir"])?;
            a(AskreneCommand::RemoveChannelUpdate {
                layer: req_string(&p[0], "layer")?,
                channel: req(&p[1], "short_channel_id_dir", params::short_channel_id_dir)?,
            })
        }
        "askrene-inform-channel" => {
            let p = bind(params, &["layer", "short_channel_id_dir", "amount_msat", "inform"])?;
            let iv = required(&p[3], "inform")?;
            let inform = match iv.as_str() {
                Some("constrained") => Inform::Constrained,
                Some("unconstrained") => Inform::Unconstrained,
                Some("succeeded") => Inform::Succeeded,
                _ => {
                    return Err(bad_param("inform", "constrained, unconstrained or succeeded", &iv))
                }
            };
            a(AskreneCommand::InformChannel {
                layer: req_string(&p[0], "layer")?,
                channel: req(&p[1], "short_channel_id_dir", params::short_channel_id_dir)?,
                amount: req(&p[2], "amount_msat", params::amount)?,
                inform,
            })
        }
        "askrene-disable-node" => {
            let p = bind(params, &["layer", "node"])?;
            a(AskreneCommand::DisableNode {
                layer: req_string(&p[0], "layer")?,
                node: req(&p[1], "node", params::node_id)?,
            })
        }
        "askrene-bias-channel" => {
            let p = bind(
                params,
                &["layer", "short_channel_id_dir", "bias", "description", "relative"],
            )?;
            a(AskreneCommand::BiasChannel {
                layer: req_string(&p[0], "layer")?,
                channel: req(&p[1], "short_channel_id_dir", params::short_channel_id_dir)?,
                bias: req(&p[2], "bias", params::integer)?,
                description: string(&p[3], "description")?,
                relative: opt(&p[4], "relative", params::boolean)?.unwrap_or(false),
            })
        }
        "askrene-bias-node" => {
            let p =
                bind(params, &["layer", "node", "direction", "bias", "description", "relative"])?;
            let dv = required(&p[2], "direction")?;
            let side = match dv.as_str() {
                Some("in") => BiasSide::In,
                Some("out") => BiasSide::Out,
                _ => return Err(bad_param("direction", "in or out", &dv)),
            };
            a(AskreneCommand::BiasNode {
                layer: req_string(&p[0], "layer")?,
                node: req(&p[1], "node", params::node_id)?,
                side,
                bias: req(&p[3], "bias", params::integer)?,
                description: string(&p[4], "description")?,
                relative: opt(&p[5], "relative", params::boolean)?.unwrap_or(false),
            })
        }
        "askrene-reserve" => {
            let p = bind(params, &["path"])?;
            a(AskreneCommand::Reserve {
                path: req(&p[0], "path", path)?,
                command_id: "askrene-reserve".into(),
            })
        }
        "askrene-unreserve" => {
            let p = bind(params, &["path", "dev_remove_all"])?;
            if p[1].is_some() {
                return Err(RpcFailure::new(
                    INVALID_PARAMS,
                    "dev_remove_all: not supported by lnpay",
                ));
            }
            a(AskreneCommand::Unreserve { path: req(&p[0], "path", path)? })
        }
        "askrene-listreservations" => {
            bind(params, &[])?;
            a(AskreneCommand::ListReservations)
        }
        "askrene-age" => {
            let p = bind(params, &["layer", "cutoff"])?;
            a(AskreneCommand::Age {
                layer: req_string(&p[0], "layer")?,
                cutoff: req(&p[1], "cutoff", uint::<u64>("an unsigned 64 bit integer"))?,
            })
        }
        _ => Ok(None),
    }
}

fn obj(pairs: Vec<(&str, Value)>) -> Value {
    let mut m = Map::new();
    for (k, v) in pairs {
        if !v.is_null() {
            m.insert(k.to_string(), v);
        }
    }
    Value::Object(m)
}

/// A layer as `askrene-listlayers` lists it.
pub fn layer_json(l: &Layer) -> Value {
    let created: Vec<Value> = l
        .created_channels
        .iter()
        .map(|c| {
            json!({
                "source": c.source.to_string(),
                "destination": c.destination.to_string(),
                "short_channel_id": c.short_channel_id.to_string(),
                "capacity_msat": c.capacity.0,
            })
        })
        .collect();
    let updates: Vec<Value> = l
        .channel_updates
        .iter()
        .map(|u| {
            obj(vec![
                ("short_channel_id_dir", json!(u.channel.to_string())),
                ("enabled", json!(u.patch.enabled)),
                ("htlc_minimum_msat", json!(u.patch.htlc_min.map(|m| m.0))),
                ("htlc_maximum_msat", json!(u.patch.htlc_max.map(|m| m.0))),
                ("fee_base_msat", json!(u.patch.fee_base.map(|m| m.0))),
                ("fee_proportional_millionths", json!(u.patch.fee_ppm)),
                ("cltv_expiry_delta", json!(u.patch.cltv_delta)),
            ])
        })
        .collect();
    let constraints: Vec<Value> = l
        .constraints
        .iter()
        .map(|c| {
            obj(vec![
                ("short_channel_id_dir", json!(c.channel.to_string())),
                ("timestamp", json!(c.timestamp)),
                ("minimum_msat", json!(c.min.map(|m| m.0))),
                ("maximum_msat", json!(c.max.map(|m| m.0))),
            ])
        })
        .collect();
    let impressions: Vec<Value> = l
        .impressions
        .iter()
        .map(|i| {
            json!({
                "short_channel_id_dir": i.channel.to_string(),
                "timestamp": i.timestamp,
                "amount_msat": i.amount.0,
            })
        })
        .collect();
    let biases: Vec<Value> = l
        .biases
        .iter()
        .map(|b| {
            obj(vec![
                ("short_channel_id_dir", json!(b.channel.to_string())),
                ("bias", json!(b.bias)),
                ("description", json!(b.description)),
                ("timestamp", json!(b.timestamp)),
            ])
        })
        .collect();
    let node_biases: Vec<Value> = l.node_biases.iter().map(|b| node_bias_json(None, b)).collect();
    json!({
        "layer": l.name,
        "persistent": l.persistent,
        "disabled_nodes": l.disabled_nodes.iter().map(|n| n.to_string()).collect::<Vec<_>>(),
        "created_channels": created,
        "channel_updates": updates,
        "constraints": constraints,
        "impressions": impressions,
        "biases": biases,
        "node_biases": node_biases,
    })
}

fn node_bias_json(layer: Option<&str>, b: &route::layer::NodeBias) -> Value {
    obj(vec![
        ("layer", json!(layer)),
        ("node", json!(b.node.to_string())),
        ("in_bias", json!(b.in_bias)),
        ("out_bias", json!(b.out_bias)),
        ("description", json!(b.description)),
        ("timestamp", json!(b.timestamp)),
    ])
}

/// `getroutes`' reply.
pub fn routes_json(r: &Routes) -> Value {
    let routes: Vec<Value> = r
        .flow
        .parts
        .iter()
        .map(|part| {
            let mut node_in = r.source;
            let mut amount_in = part.hops.first().map_or(0, |h| h.amount.0);
            let mut cltv_in = part.hops.first().map_or(0, |h| h.delay);
            let path: Vec<Value> = part
                .hops
                .iter()
                .map(|h| {
                    let v = json!({
                        "short_channel_id_dir": h.channel_dir().to_string(),
                        "node_id_in": node_in.to_string(),
                        "node_id_out": h.id.to_string(),
                        "amount_in_msat": amount_in,
                        "amount_out_msat": h.amount.0,
                        "cltv_in": cltv_in,
                        "cltv_out": h.delay,
                        "next_node_id": h.id.to_string(),
                        "amount_msat": h.amount.0,
                        "delay": h.delay,
                    });
                    node_in = h.id;
                    amount_in = h.amount.0;
                    cltv_in = h.delay;
                    v
                })
                .collect();
            json!({
                "probability_ppm": ppm(part.probability),
                "amount_msat": part.amount.0,
                "final_cltv": r.final_cltv,
                "path": path,
            })
        })
        .collect();
    json!({ "probability_ppm": ppm(r.flow.probability), "routes": routes })
}

fn ppm(p: f64) -> u64 {
    (p.clamp(0.0, 1.0) * 1e6).round() as u64
}

/// A `getroutes` error as askrene gives it.
pub fn getroutes_failure(e: &GetroutesError) -> RpcFailure {
    match e {
        GetroutesError::UnknownLayer { layer } => {
            RpcFailure::new(INVALID_PARAMS, format!("Unknown layer {layer}"))
        }
        GetroutesError::BadDelay { .. } => RpcFailure::new(
            INVALID_PARAMS,
            "maxdelay: should be at most 2016 and not below final_cltv".to_string(),
        ),
        GetroutesError::Flow(f) => match f {
            FlowError::TooExpensive { fee, max_fee } => RpcFailure::new(
                ROUTE_TOO_EXPENSIVE,
                format!(
                    "Could not find route without excessive cost: fee {fee} above maxfee {max_fee}"
                ),
            ),
            FlowError::UnknownSource { node } => {
                RpcFailure::new(ROUTE_NOT_FOUND, format!("Unknown source node {node}"))
            }
            FlowError::UnknownDestination { node } => {
                RpcFailure::new(ROUTE_NOT_FOUND, format!("Unknown destination node {node}"))
            }
            FlowError::ZeroAmount => {
                RpcFailure::new(INVALID_PARAMS, "amount_msat must be non-zero")
            }
            other => RpcFailure::new(
                ROUTE_NOT_FOUND,
                format!("We could not find a usable set of paths: {other}"),
            ),
        },
        other => RpcFailure::new(ROUTE_NOT_FOUND, other.to_string()),
    }
}

/// An `askrene-*` error.
pub fn askrene_failure(e: &AskreneError) -> RpcFailure {
    let msg = match e {
        AskreneError::UnknownLayer { layer } => format!("Unknown layer {layer}"),
        other => other.to_string(),
    };
    RpcFailure::new(INVALID_PARAMS, msg)
}

/// An `askrene-*` reply.
pub fn askrene_json(r: &AskreneReply) -> Value {
    match r {
        AskreneReply::Layers(ls) => {
            json!({ "layers": ls.iter().map(layer_json).collect::<Vec<_>>() })
        }
        AskreneReply::Informed { layer, constraint, impression } => {
            let constraints: Vec<Value> = constraint
                .iter()
                .map(|c| {
                    obj(vec![
                        ("layer", json!(layer)),
                        ("short_channel_id_dir", json!(c.channel.to_string())),
                        ("timestamp", json!(c.timestamp)),
                        ("minimum_msat", json!(c.min.map(|m| m.0))),
                        ("maximum_msat", json!(c.max.map(|m| m.0))),
                    ])
                })
                .collect();
            let impressions: Vec<Value> = impression
                .iter()
                .map(|i| {
                    json!({
                        "layer": layer,
                        "short_channel_id_dir": i.channel.to_string(),
                        "timestamp": i.timestamp,
                        "amount_msat": i.amount.0,
                    })
                })
                .collect();
            json!({ "constraints": constraints, "impressions": impressions })
        }
        AskreneReply::ChannelBias { layer, bias } => json!({ "biases": [obj(vec![
            ("layer", json!(layer)),
            ("short_channel_id_dir", json!(bias.channel.to_string())),
            ("bias", json!(bias.bias)),
            ("description", json!(bias.description)),
            ("timestamp", json!(bias.timestamp)),
        ])] }),
        AskreneReply::NodeBias { layer, bias } => {
            json!({ "node_biases": [node_bias_json(Some(layer), bias)] })
        }
        AskreneReply::Reservations { reservations, now } => {
            let list: Vec<Value> = reservations
                .iter()
                .map(|r| {
                    json!({
                        "short_channel_id_dir": r.channel.to_string(),
                        "amount_msat": r.amount.0,
                        "age_in_seconds": now.saturating_sub(r.created_at),
                        "command_id": r.command_id,
                    })
                })
                .collect();
            json!({ "reservations": list })
        }
        AskreneReply::Aged { layer, num_removed } => {
            json!({ "layer": layer, "num_removed": num_removed })
        }
        _ => json!({}),
    }
}
