//! The daemon's graph methods, called directly: `getroute` (params by position or name, our
//! first hops, Core Lightning's errors) with every route checked against CLN's getroute schema
//! (`shared/spec/cln-schemas/getroute.json`), and `listchannels`, whose entries must equal the
//! records of a real Core Lightning `listchannels` dump (`shared/graph/`) they were loaded from
//! and carry every field CLN's listchannels schema requires.

mod common;

use common::{check_schema, read_json};
use route::flow::FirstHop;
use route::graph::{Graph, GraphBuilder};
use route::import::listchannels as lc;
use rpc::graph::{getroute, listchannels};
use serde_json::{json, Value};
use std::io::Read;
use std::sync::Arc;
use types::{Msat, NodeId, ShortChannelId};

const GETROUTE_SCHEMA: &str =
    concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/spec/cln-schemas/getroute.json");
const DUMP: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/graph/mainnet-2026-02-03.listchannels.json.gz"
);

// Multiples of the secp256k1 generator, by byte order: N5 < N1 < N2 < N4 < N3.
const N1: &str = "0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798";
const N2: &str = "02c6047f9441ed7d6d3045406e95c07cd85c778e4b8cef3ca7abac09b95c709ee5";
const N3: &str = "02f9308a019258c31049344f85f89d5229b531c845836f99b08601f113bce036f9";
const N4: &str = "02e493dbf1c10d80f3581e4904930b1404cc6c13900ee0758474fa94abe8c4cd13";
const N5: &str = "022f8bde4d1a07209355b4a7250a5c5128e88b84bddc619ab7cba8d569b240efe4";

fn id(s: &str) -> NodeId {
    s.parse().unwrap()
}

/// One `listchannels` record (direction from the byte order of the two ids).
fn rec(src: &str, dst: &str, scid: &str, base: u32, ppm: u32, delay: u16, active: bool) -> Value {
    let direction = u8::from(src > dst);
    json!({
        "source": src, "destination": dst, "short_channel_id": scid, "direction": direction,
        "public": true, "amount_msat": 1_000_000_000u64, "message_flags": 1,
        "channel_flags": direction | if active { 0 } else { 2 }, "active": active,
        "last_update": 1_700_000_000u32, "base_fee_millisatoshi": base, "fee_per_millionth": ppm,
        "delay": delay, "htlc_minimum_msat": 0, "htlc_maximum_msat": 990_000_000u64, "features": ""
    })
}

fn graph_of(records: &[Value]) -> Arc<Graph> {
    let doc = serde_json::to_vec(&json!({ "channels": records })).unwrap();
    let mut b = GraphBuilder::new();
    let stats = lc::read_slice(&doc, &mut b).unwrap();
    assert_eq!(stats.skipped, 0);
    b.build()
}

/// N1 → N2 → N3 is cheap, N1 → N4 → N3 dear; N5 is N1's other peer (a dead end).
fn small_graph() -> Arc<Graph> {
    graph_of(&[
        rec(N1, N2, "1x1x0", 0, 0, 6, true),
        rec(N2, N1, "1x1x0", 0, 0, 6, true),
        rec(N2, N3, "2x1x0", 1000, 100, 40, true),
        rec(N3, N2, "2x1x0", 1000, 100, 40, true),
        rec(N1, N4, "3x1x0", 0, 0, 6, true),
        rec(N4, N3, "4x1x0", 5000, 2000, 40, true),
        rec(N1, N5, "5x1x0", 0, 0, 6, true),
        rec(N5, N1, "5x1x0", 0, 0, 6, false),
    ])
}

fn assert_valid(reply: &Value, schema: &Value) {
    let mut errors = Vec::new();
    check_schema(reply, schema, "$", &mut errors);
    assert!(errors.is_empty(), "reply violates the schema: {errors:?}\n{reply}");
}

/// Core Lightning's listchannels response schema (its `doc/schemas/listchannels.json`, which
/// `shared/spec/cln-schemas` does not hold): the required fields and their types.
fn listchannels_schema() -> Value {
    let t = |t: &str| json!({ "type": t });
    json!({
        "type": "object", "required": ["channels"], "additionalProperties": false,
        "properties": { "channels": { "type": "array", "items": {
            "type": "object", "additionalProperties": false,
            "required": ["source", "destination", "short_channel_id", "direction", "public",
                "amount_msat", "message_flags", "channel_flags", "active", "last_update",
                "base_fee_millisatoshi", "fee_per_millionth", "delay", "htlc_minimum_msat",
                "features"],
            "properties": {
                "source": t("pubkey"), "destination": t("pubkey"),
                "short_channel_id": t("short_channel_id"), "direction": t("u32"),
                "public": t("boolean"), "amount_msat": t("msat"), "message_flags": t("u8"),
                "channel_flags": t("u8"), "active": t("boolean"), "last_update": t("u32"),
                "base_fee_millisatoshi": t("u32"), "fee_per_millionth": t("u32"),
                "delay": t("u32"), "htlc_minimum_msat": t("msat"),
                "htlc_maximum_msat": t("msat"), "features": t("hex")
            }
        }}}
    })
}

fn err(r: Result<Value, rpc::jsonrpc::RpcFailure>) -> (i64, String) {
    let e = r.expect_err("expected an error");
    (e.code, e.message)
}

/// Route hops as (channel, id, amount, delay).
fn hops(v: &Value) -> Vec<(String, String, u64, u64)> {
    v["route"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| {
            (
                h["channel"].as_str().unwrap().to_string(),
                h["id"].as_str().unwrap().to_string(),
                h["amount_msat"].as_u64().unwrap(),
                h["delay"].as_u64().unwrap(),
            )
        })
        .collect()
}

#[test]
fn getroute_by_name_and_by_position_agree_and_match_the_schema() {
    let schema = read_json(GETROUTE_SCHEMA)["response"].clone();
    let g = small_graph();
    let named = json!({"id": N3, "amount_msat": 1_000_000, "riskfactor": 10});
    let a = getroute(&g, id(N1), &[], &named).unwrap();
    assert_valid(&a, &schema);
    let want = vec![
        ("1x1x0".to_string(), N2.to_string(), 1_001_100, 49),
        ("2x1x0".to_string(), N3.to_string(), 1_000_000, 9),
    ];
    assert_eq!(hops(&a), want);
    let b = getroute(&g, id(N1), &[], &json!([N3, "1000000msat", 10])).unwrap();
    assert_eq!(a, b);
    // cltv, fromid, fuzzpercent, exclude, maxhops by position; nulls are "not given".
    let c = getroute(&g, id(N5), &[], &json!([N3, 1_000_000, "0.5", 18, N1, 0, null, 20])).unwrap();
    assert_valid(&c, &schema);
    assert_eq!(hops(&c)[1].3, 18);
    // Excluding the cheap hop's channel (direction N2 → N3 is 1: N2 > N3 is false, so 0).
    let d = getroute(
        &g,
        id(N1),
        &[],
        &json!({"id": N3, "amount_msat": 1000, "riskfactor": 10, "exclude": ["2x1x0/0"]}),
    )
    .unwrap();
    assert_valid(&d, &schema);
    assert_eq!(hops(&d).iter().map(|h| h.0.as_str()).collect::<Vec<_>>(), ["3x1x0", "4x1x0"]);
    let e = getroute(
        &g,
        id(N1),
        &[],
        &json!({"id": N3, "amount_msat": 1000, "riskfactor": 10, "exclude": [N2]}),
    )
    .unwrap();
    assert_eq!(hops(&e), hops(&d));
}

#[test]
fn getroute_from_us_uses_our_first_hops() {
    let schema = read_json(GETROUTE_SCHEMA)["response"].clone();
    let g = small_graph();
    // N1 as "us": only a first hop to N4 with room is usable, so the dear way is taken.
    let first = [
        FirstHop { scid: ShortChannelId(1 << 40 | 1 << 16), peer: id(N2), spendable: Msat(10) },
        FirstHop {
            scid: ShortChannelId(3 << 40 | 1 << 16),
            peer: id(N4),
            spendable: Msat(1 << 40),
        },
    ];
    let params = json!({"id": N3, "amount_msat": 1_000_000, "riskfactor": 10});
    let r = getroute(&g, id(N1), &first, &params).unwrap();
    assert_valid(&r, &schema);
    assert_eq!(hops(&r).iter().map(|h| h.0.as_str()).collect::<Vec<_>>(), ["3x1x0", "4x1x0"]);
    // A node outside the graph routes through its first hops.
    let outsider: NodeId =
        "03c6047f9441ed7d6d3045406e95c07cd85c778e4b8cef3ca7abac09b95c709ee5".parse().unwrap();
    let fh = [FirstHop { scid: ShortChannelId(9 << 40), peer: id(N1), spendable: Msat(1 << 40) }];
    let r = getroute(&g, outsider, &fh, &params).unwrap();
    assert_valid(&r, &schema);
    assert_eq!(
        hops(&r).iter().map(|h| h.0.as_str()).collect::<Vec<_>>(),
        ["9x0x0", "1x1x0", "2x1x0"]
    );
    // ...but not when fromid names another node.
    let r = getroute(&g, outsider, &fh, &json!([N3, 1000, 10, null, N2])).unwrap();
    assert_eq!(hops(&r).iter().map(|h| h.0.as_str()).collect::<Vec<_>>(), ["2x1x0"]);
    // Without first hops an outsider is an unknown source.
    let (code, msg) = err(getroute(&g, outsider, &[], &params));
    assert_eq!(code, -32602);
    assert!(msg.ends_with("unknown source node_id (no public channels?)"), "{msg}");
    // First hops too small for the amount: no route.
    let small = [FirstHop { scid: ShortChannelId(9 << 40), peer: id(N1), spendable: Msat(5) }];
    assert_eq!(
        err(getroute(&g, outsider, &small, &params)),
        (205, "Could not find a route".into())
    );
}

#[test]
fn getroute_errors_are_core_lightnings() {
    let g = small_graph();
    let us = id(N1);
    let cases: &[(Value, i64, &str)] = &[
        (json!({"amount_msat": 1000, "riskfactor": 10}), -32602, "missing required parameter: id"),
        (json!([N3]), -32602, "missing required parameter: amount_msat"),
        (json!([N3, 1000]), -32602, "missing required parameter: riskfactor"),
        (
            json!([N3, "12x", 10]),
            -32602,
            "amount_msat: should be a millisatoshi amount: invalid token '12x'",
        ),
        (
            json!([N3, 1000, -1]),
            -32602,
            "riskfactor: should be a non-negative number: invalid token '-1'",
        ),
        (
            json!([N3, 1000, 10, -1]),
            -32602,
            "cltv: should be an unsigned 32 bit integer: invalid token '-1'",
        ),
        (
            json!([N3, 1000, 10, 4_294_967_296u64]),
            -32602,
            "cltv: should be an unsigned 32 bit integer: invalid token '4294967296'",
        ),
        (
            json!([N3, 1000, 10, null, null, null, "2x1x0/0"]),
            -32602,
            "exclude: should be an array: invalid token '\"2x1x0/0\"'",
        ),
        (
            json!([N3, 1000, 10, null, null, null, ["nope"]]),
            -32602,
            "exclude: should be a short_channel_id_dir or node id: invalid token 'nope'",
        ),
        (
            json!([N3, 1000, 10, null, null, 101]),
            -32602,
            "fuzzpercent: should be between 0 and 100: 101",
        ),
        (
            json!([N3, 1000, 10, null, null, null, null, null, 1]),
            -32602,
            "too many parameters: got 9, expected 8",
        ),
        (json!("x"), -32602, "Expected array or object for params"),
        (json!([N1, 1000, 10]), -32602, "source and destination are the same"),
        (json!([N3, 2_000_000_000u64, 10]), 205, "Could not find a route"),
        (json!([N3, 1000, 10, null, null, null, null, 1]), 205, "Shortest route was 2"),
    ];
    for (params, code, msg) in cases {
        let (c, m) = err(getroute(&g, us, &[], params));
        assert_eq!(c, *code, "{params}: {m}");
        assert!(m.ends_with(msg), "{params}: {m:?} does not end with {msg:?}");
    }
    let (c, m) = err(getroute(&g, us, &[], &json!({"id": N3, "amount": 1, "riskfactor": 1})));
    assert_eq!(c, -32602);
    assert!(m.starts_with("unknown parameter: amount"), "{m}");
    let unknown: NodeId =
        "03f9308a019258c31049344f85f89d5229b531c845836f99b08601f113bce036f9".parse().unwrap();
    let (c, m) = err(getroute(&g, us, &[], &json!([unknown.to_string(), 1000, 10])));
    assert_eq!(c, -32602);
    assert!(m.ends_with("unknown destination node_id (no public channels?)"), "{m}");
    assert_eq!(cases.len(), 15);
}

#[test]
fn listchannels_filters_and_errors() {
    let schema = listchannels_schema();
    let g = small_graph();
    let all = listchannels(&g, &json!({})).unwrap();
    assert_valid(&all, &schema);
    assert_eq!(all["channels"].as_array().unwrap().len(), 8);
    assert_eq!(listchannels(&g, &Value::Null).unwrap(), all);

    let scids = |v: &Value| -> Vec<(String, u64)> {
        v["channels"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| {
                (c["short_channel_id"].as_str().unwrap().into(), c["direction"].as_u64().unwrap())
            })
            .collect()
    };
    let one = listchannels(&g, &json!(["5x1x0"])).unwrap();
    assert_valid(&one, &schema);
    assert_eq!(scids(&one), [("5x1x0".to_string(), 0), ("5x1x0".to_string(), 1)]);
    let disabled = &one["channels"][0];
    assert_eq!(
        (disabled["active"].clone(), disabled["channel_flags"].clone()),
        (json!(false), json!(2))
    );
    let from = listchannels(&g, &json!({"source": N1})).unwrap();
    assert_valid(&from, &schema);
    assert_eq!(
        scids(&from),
        [("1x1x0".to_string(), 0), ("3x1x0".to_string(), 0), ("5x1x0".to_string(), 1)]
    );
    assert!(from["channels"].as_array().unwrap().iter().all(|c| c["source"] == N1));
    let to = listchannels(&g, &json!([null, null, N3])).unwrap();
    assert_valid(&to, &schema);
    assert_eq!(scids(&to), [("2x1x0".to_string(), 0), ("4x1x0".to_string(), 0)]);
    assert!(to["channels"].as_array().unwrap().iter().all(|c| c["destination"] == N3));

    // Unknown scid or node: an empty list.
    for p in [
        json!(["9x9x9"]),
        json!({"source": "03f9308a019258c31049344f85f89d5229b531c845836f99b08601f113bce036f9"}),
        json!({"destination": N5}),
    ] {
        let r = listchannels(&g, &p).unwrap();
        assert_valid(&r, &schema);
        let n = r["channels"].as_array().unwrap().len();
        assert_eq!(n, usize::from(p.get("destination").is_some()), "{p}");
    }
    let bad: &[(Value, &str)] = &[
        (
            json!(["5x1x0", N1]),
            "Can only specify one of `short_channel_id`, `source` or `destination`",
        ),
        (json!(["nope"]), "short_channel_id: should be a short_channel_id: invalid token 'nope'"),
        (json!([5]), "short_channel_id: should be a short_channel_id: invalid token '5'"),
        (json!({"source": "02zz"}), "source: should be a node id: invalid token '02zz'"),
        (json!({"destination": 1}), "destination: should be a node id: invalid token '1'"),
        (json!([null, null, null, null]), "too many parameters: got 4, expected 3"),
    ];
    for (p, msg) in bad {
        assert_eq!(err(listchannels(&g, p)), (-32602, msg.to_string()), "{p}");
    }
    let (c, m) = err(listchannels(&g, &json!({"scid": "1x1x0"})));
    assert_eq!(c, -32602);
    assert!(m.starts_with("unknown parameter: scid"), "{m}");
}

/// The first `n` records of the real dump (records are flat objects, so `},{` splits them).
fn dump_records(n: usize) -> Vec<Value> {
    let file =
        std::fs::File::open(DUMP).unwrap_or_else(|e| panic!("missing graph data file {DUMP}: {e}"));
    let mut text = String::new();
    flate2::read::GzDecoder::new(file).take(600 * n as u64 + 64).read_to_string(&mut text).unwrap();
    let start = text.find('[').unwrap() + 1;
    let body = &text[start..];
    let mut out = Vec::new();
    for piece in body.split("},{").take(n) {
        let obj = format!("{{{}}}", piece.trim_start_matches('{').trim_end_matches('}'));
        out.push(serde_json::from_str::<Value>(&obj).unwrap());
    }
    assert_eq!(out.len(), n);
    out
}

#[test]
fn listchannels_reproduces_a_core_lightning_dump() {
    let mut records = dump_records(400);
    // A channel is complete only with both of its directions in the sample.
    let last = records.last().unwrap()["short_channel_id"].clone();
    records.retain(|r| r["short_channel_id"] != last);
    let g = graph_of(&records);
    let schema = listchannels_schema();
    let mut checked = 0;
    for r in &records {
        let scid = r["short_channel_id"].as_str().unwrap();
        let got = listchannels(&g, &json!({"short_channel_id": scid})).unwrap();
        assert_valid(&got, &schema);
        let got = got["channels"].as_array().unwrap();
        let same = got.iter().find(|c| c["direction"] == r["direction"]).unwrap();
        assert_eq!(same, r, "{scid}");
        checked += 1;
    }
    assert!(checked >= 390, "{checked}");
    // The unfiltered list is the whole sample (in scid order, as the dump is).
    let all = listchannels(&g, &json!([])).unwrap();
    assert_valid(&all, &schema);
    let mut want = records.clone();
    want.sort_by_key(|r| {
        let s: ShortChannelId = r["short_channel_id"].as_str().unwrap().parse().unwrap();
        (s, r["direction"].as_u64().unwrap())
    });
    assert_eq!(all["channels"].as_array().unwrap(), &want);
}
