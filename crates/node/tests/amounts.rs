//! One amount parser for every command: each RPC command that takes an amount accepts
//! `1.001sat` (1,001 msat, Core Lightning's documented `N.NNNsat`) and refuses `1.0001sat` with
//! `-32602 "<name>: should be a millisatoshi amount: invalid token '1.0001sat'"`.

mod common;

use common::{call, err, ok, Daemon};
use serde_json::{json, Value};
use std::path::Path;

const GOOD: &str = "1.001sat";
const BAD: &str = "1.0001sat";

fn refused(name: &str) -> (i64, String) {
    (-32602, format!("{name}: should be a millisatoshi amount: invalid token '{BAD}'"))
}

/// The peer of our first channel.
fn peer(sock: &Path) -> String {
    let peers = ok(call(sock, "listpeerchannels", json!([])));
    peers["channels"][0]["peer_id"].as_str().unwrap().to_string()
}

/// An invoice of `amount` (JSON) from our first peer.
fn invoice(sock: &Path, amount: Value) -> Value {
    ok(call(sock, "dev-siminvoice", json!([peer(sock), amount])))
}

/// A pay family error or a success: anything but a refused parameter.
fn not_a_bad_param(v: &Value) {
    if let Some(e) = v.get("error") {
        assert_ne!(e["code"], -32602, "{v}");
    }
}

#[test]
fn dev_siminvoice_takes_the_one_amount_form() {
    let d = Daemon::start("amounts-siminvoice", &["--nodes", "100"]);
    let inv = invoice(&d.sock, json!(GOOD));
    let decoded = ok(call(&d.sock, "decodepay", json!([inv["bolt11"]])));
    assert_eq!(decoded["amount_msat"], 1001);
    let p = peer(&d.sock);
    assert_eq!(err(call(&d.sock, "dev-siminvoice", json!([p, BAD]))), refused("amount_msat"));
}

#[test]
fn getroute_takes_the_one_amount_form() {
    let d = Daemon::start("amounts-getroute", &["--nodes", "100"]);
    let p = peer(&d.sock);
    let r = ok(call(&d.sock, "getroute", json!({"id": p, "amount_msat": GOOD, "riskfactor": 1})));
    let route = r["route"].as_array().unwrap();
    assert_eq!(route.last().unwrap()["amount_msat"], 1001);
    let e = call(&d.sock, "getroute", json!({"id": p, "amount_msat": BAD, "riskfactor": 1}));
    assert_eq!(err(e), refused("amount_msat"));
}

#[test]
fn pay_takes_the_one_amount_form() {
    let d = Daemon::start("amounts-pay", &["--nodes", "100"]);
    // amount_msat: parsed, then refused for an invoice that has an amount.
    let inv = invoice(&d.sock, json!(GOOD));
    let b = inv["bolt11"].clone();
    let e = call(&d.sock, "pay", json!({"bolt11": b, "amount_msat": GOOD}));
    assert_eq!(err(e), (-32602, "amount_msat parameter unnecessary".into()));
    for name in ["amount_msat", "exemptfee", "maxfee", "partial_msat"] {
        let e = call(&d.sock, "pay", json!({"bolt11": b, name: BAD}));
        assert_eq!(err(e), refused(name));
    }
    // maxfee and exemptfee: taken (the pay goes on to pay or fail for its own reasons).
    not_a_bad_param(&call(&d.sock, "pay", json!({"bolt11": b, "maxfee": GOOD})));
    let inv = invoice(&d.sock, json!(GOOD));
    not_a_bad_param(&call(&d.sock, "pay", json!({"bolt11": inv["bolt11"], "exemptfee": GOOD})));
    // partial_msat of the whole 1.001sat: a plain pay.
    let inv = invoice(&d.sock, json!(GOOD));
    let r = ok(call(&d.sock, "pay", json!({"bolt11": inv["bolt11"], "partial_msat": GOOD})));
    assert_eq!(r["amount_msat"], 1001);
}

#[test]
fn keysend_takes_the_one_amount_form() {
    let d = Daemon::start("amounts-keysend", &["--nodes", "100"]);
    let p = peer(&d.sock);
    for name in ["amount_msat", "exemptfee", "maxfee"] {
        let mut params = json!({"destination": p, "amount_msat": 1000});
        params[name] = json!(BAD);
        assert_eq!(err(call(&d.sock, "keysend", params)), refused(name));
    }
    let r = call(&d.sock, "keysend", json!({"destination": p, "amount_msat": GOOD}));
    not_a_bad_param(&r);
    if r.get("error").is_none() {
        assert_eq!(r["result"]["amount_msat"], 1001);
    }
    let r =
        call(&d.sock, "keysend", json!({"destination": p, "amount_msat": 5000, "maxfee": GOOD}));
    not_a_bad_param(&r);
}

#[test]
fn sendpay_takes_the_one_amount_form() {
    let d = Daemon::start("amounts-sendpay", &["--nodes", "100"]);
    let p = peer(&d.sock);
    let inv = invoice(&d.sock, json!(GOOD));
    let route =
        ok(call(&d.sock, "getroute", json!({"id": p, "amount_msat": 1001, "riskfactor": 1})));
    let params = |amount: &str| {
        json!({
            "route": route["route"],
            "payment_hash": inv["payment_hash"],
            "amount_msat": amount,
        })
    };
    assert_eq!(err(call(&d.sock, "sendpay", params(BAD))), refused("amount_msat"));
    let r = ok(call(&d.sock, "sendpay", params(GOOD)));
    assert_eq!(r["amount_msat"], 1001);
}

#[test]
fn dev_simoffer_hands_out_an_offer_decode_reads() {
    let d = Daemon::start("amounts-simoffer", &["--nodes", "100"]);
    let p = peer(&d.sock);
    let got = ok(call(&d.sock, "dev-simoffer", json!([p, GOOD, "tea"])));
    let offer = got["offer"].as_str().unwrap();
    assert!(offer.starts_with("lno1"), "{got}");
    let decoded = ok(call(&d.sock, "decode", json!([offer])));
    assert_eq!(decoded["type"], "bolt12 offer");
    assert_eq!(decoded["offer_amount_msat"], 1001);
    assert_eq!(decoded["offer_description"], "tea");
    assert_eq!(decoded["offer_id"], got["offer_id"]);
    // The receiver has channel peers: the offer reaches it over a blinded path.
    assert_eq!(decoded["offer_paths"].as_array().map(Vec::len), Some(1), "{decoded}");
    // No amount: any amount.
    let any = ok(call(&d.sock, "dev-simoffer", json!({ "node_id": p })));
    let decoded = ok(call(&d.sock, "decode", json!([any["offer"]])));
    assert_eq!(decoded.get("offer_amount_msat"), None);
    assert_eq!(err(call(&d.sock, "dev-simoffer", json!([p, BAD]))), refused("amount_msat"));
}
