//! LND `lncli describegraph` JSON: `{"nodes": [...], "edges": [...]}`, one edge per channel
//! with `node1_policy` (direction 0, the policy of `node1_pub`) and `node2_policy`.
//!
//! LND prints 64-bit integers as strings (`"channel_id": "772380378423001088"`,
//! `"capacity": "1000000"` in satoshis, `"min_htlc": "1000"`); both strings and numbers are
//! accepted. A policy that is `null` leaves its direction without an edge.

use super::{truncate_value, ImportStats, RecordError};
use crate::graph::{EdgePolicy, GraphBuilder};
use serde_json::Value;
use std::fmt;
use std::io::Read;
use types::{Msat, NodeId, ShortChannelId};

/// Why a `describegraph` document could not be read at all.
#[derive(Debug)]
#[non_exhaustive]
pub enum DescribeGraphError {
    /// The text is not JSON, or reading it failed.
    Json(serde_json::Error),
    /// The document is not an object with an `edges` array.
    NoEdges,
}

impl fmt::Display for DescribeGraphError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DescribeGraphError::Json(e) => write!(f, "invalid describegraph json: {e}"),
            DescribeGraphError::NoEdges => write!(f, "describegraph json has no edges array"),
        }
    }
}

impl std::error::Error for DescribeGraphError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            DescribeGraphError::Json(e) => Some(e),
            DescribeGraphError::NoEdges => None,
        }
    }
}

/// Reads a `describegraph` document from `reader` into `builder`.
pub fn read<R: Read>(
    reader: R,
    builder: &mut GraphBuilder,
) -> Result<ImportStats, DescribeGraphError> {
    let doc: Value = serde_json::from_reader(reader).map_err(DescribeGraphError::Json)?;
    apply_document(&doc, builder)
}

/// Reads a `describegraph` document held in memory into `builder`.
pub fn read_slice(
    bytes: &[u8],
    builder: &mut GraphBuilder,
) -> Result<ImportStats, DescribeGraphError> {
    let doc: Value = serde_json::from_slice(bytes).map_err(DescribeGraphError::Json)?;
    apply_document(&doc, builder)
}

fn apply_document(
    doc: &Value,
    builder: &mut GraphBuilder,
) -> Result<ImportStats, DescribeGraphError> {
    let edges = doc.get("edges").and_then(Value::as_array).ok_or(DescribeGraphError::NoEdges)?;
    let mut stats = ImportStats::default();
    for (index, edge) in edges.iter().enumerate() {
        stats.records += 1;
        match apply_edge(edge, index, builder) {
            Ok(()) => stats.applied += 1,
            Err(e) => stats.skip(e),
        }
    }
    Ok(stats)
}

fn bad(index: usize, field: &'static str, v: &Value) -> RecordError {
    RecordError::BadField { index, field, value: truncate_value(&v.to_string()) }
}

/// A u64 that LND may print as a number or a decimal string.
fn get_u64(obj: &Value, index: usize, field: &'static str) -> Result<Option<u64>, RecordError> {
    match obj.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => {
            n.as_u64().map(Some).ok_or_else(|| bad(index, field, &obj[field]))
        }
        Some(v @ Value::String(s)) => s.parse().map(Some).map_err(|_| bad(index, field, v)),
        Some(v) => Err(bad(index, field, v)),
    }
}

fn need<T>(v: Option<T>, index: usize, field: &'static str) -> Result<T, RecordError> {
    v.ok_or(RecordError::MissingField { index, field })
}

fn get_node(obj: &Value, index: usize, field: &'static str) -> Result<NodeId, RecordError> {
    let v = need(obj.get(field), index, field)?;
    v.as_str().and_then(|s| s.parse().ok()).ok_or_else(|| bad(index, field, v))
}

fn narrow<T: TryFrom<u64>>(v: u64, index: usize, field: &'static str) -> Result<T, RecordError> {
    T::try_from(v).map_err(|_| RecordError::BadField { index, field, value: v.to_string() })
}

fn policy(p: &Value, index: usize, capacity: Option<Msat>) -> Result<EdgePolicy, RecordError> {
    if !p.is_object() {
        return Err(bad(index, "node_policy", p));
    }
    let disabled = match p.get("disabled") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(v) => return Err(bad(index, "disabled", v)),
    };
    let cltv = need(get_u64(p, index, "time_lock_delta")?, index, "time_lock_delta")?;
    let base = need(get_u64(p, index, "fee_base_msat")?, index, "fee_base_msat")?;
    let ppm = need(get_u64(p, index, "fee_rate_milli_msat")?, index, "fee_rate_milli_msat")?;
    let htlc_min = get_u64(p, index, "min_htlc")?.unwrap_or(0);
    let htlc_max = get_u64(p, index, "max_htlc_msat")?.filter(|&m| m > 0);
    let timestamp = get_u64(p, index, "last_update")?.unwrap_or(0);
    Ok(EdgePolicy {
        timestamp: narrow(timestamp, index, "last_update")?,
        enabled: !disabled,
        base_fee_msat: narrow(base, index, "fee_base_msat")?,
        fee_ppm: narrow(ppm, index, "fee_rate_milli_msat")?,
        cltv_delta: narrow(cltv, index, "time_lock_delta")?,
        htlc_min: Msat(htlc_min),
        htlc_max: htlc_max.map(Msat).or(capacity).unwrap_or(Msat::MAX),
    })
}

/// Checks one edge completely, then applies it.
fn apply_edge(edge: &Value, index: usize, builder: &mut GraphBuilder) -> Result<(), RecordError> {
    if !edge.is_object() {
        return Err(RecordError::NotAnObject { index });
    }
    let scid = ShortChannelId(need(get_u64(edge, index, "channel_id")?, index, "channel_id")?);
    let node1 = get_node(edge, index, "node1_pub")?;
    let node2 = get_node(edge, index, "node2_pub")?;
    let capacity = match get_u64(edge, index, "capacity")? {
        Some(sat) => {
            Some(Msat::from_sat(sat).ok_or_else(|| bad(index, "capacity", &edge["capacity"]))?)
        }
        None => None,
    };
    if node1 == node2 {
        return Err(RecordError::SameNode { index, scid });
    }
    let mut policies = [None, None];
    for (i, field) in ["node1_policy", "node2_policy"].into_iter().enumerate() {
        if let Some(p) = edge.get(field).filter(|p| !p.is_null()) {
            policies[i] = Some(policy(p, index, capacity)?);
        }
    }
    // LND names the lesser id node1; be robust to a dump that does not.
    if node1 > node2 {
        policies.swap(0, 1);
    }
    let (lo, hi) = if node1 < node2 { (node1, node2) } else { (node2, node1) };
    match builder.channel_nodes(scid) {
        Some(nodes) if nodes != (lo, hi) => {
            return Err(RecordError::ConflictingNodes { index, scid })
        }
        Some(_) => {}
        None => {
            builder.add_channel(scid, lo, hi, capacity);
        }
    }
    for (dir, p) in policies.into_iter().enumerate() {
        if let Some(p) = p {
            let newer = builder
                .direction_policy(scid, dir as u8)
                .map_or(true, |old| old.timestamp <= p.timestamp);
            if newer {
                builder
                    .update_direction(scid, dir as u8, p)
                    .map_err(|_| RecordError::ConflictingNodes { index, scid })?;
            }
        }
    }
    Ok(())
}
