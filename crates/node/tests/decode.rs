//! `lnpay decode` over the BOLT 11 examples: valid ones print Core Lightning's `decodepay`
//! object (checked against its schema, `shared/spec/cln-schemas/decodepay.json`, by a small
//! checker of the schema features that file uses), invalid ones exit 1 with an error object
//! naming what is wrong.

mod common;

use common::{check_schema, read_json};
use serde_json::Value;

const VECTORS: &str =
    concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/vectors/bolt11-examples.json");
const SCHEMA: &str =
    concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/spec/cln-schemas/decodepay.json");
const DECODE_SCHEMA: &str =
    concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/spec/cln-schemas/decode.json");

/// Runs `lnpay decode ARGS`: exit success and stdout as JSON.
fn lnpay(args: &[&str]) -> (bool, Value) {
    let out = common::lnpay()
        .arg("decode")
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run lnpay: {e}"));
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let v = serde_json::from_str(stdout.trim())
        .unwrap_or_else(|e| panic!("lnpay decode {args:?} printed no JSON ({e}): {stdout}"));
    (out.status.success(), v)
}

#[test]
fn schema_checker_catches_violations() {
    let schema = read_json(SCHEMA)["response"].clone();
    let mut errors = Vec::new();
    let bad = serde_json::json!({
        "currency": "bc", "created_at": -1, "expiry": 1, "payee": "04ab",
        "min_final_cltv_expiry": 18, "payment_hash": "00", "bogus": 1,
        "routes": [[{"pubkey": "x"}]]
    });
    check_schema(&bad, &schema, "$", &mut errors);
    for want in ["created_at", "payee", "payment_hash", "bogus", "signature", "short_channel_id"] {
        assert!(errors.iter().any(|e| e.contains(want)), "no violation for {want}: {errors:?}");
    }
}

#[test]
fn valid_examples_print_decodepay_objects() {
    let vectors = read_json(VECTORS);
    let schema = read_json(SCHEMA)["response"].clone();
    let valid = vectors["valid"].as_array().cloned().unwrap_or_default();
    let mut n = 0;
    for case in &valid {
        let s = case["invoice"].as_str().unwrap_or_default();
        let network = if s.to_lowercase().starts_with("lntb") { "testnet" } else { "bitcoin" };
        let (ok, v) = lnpay(&["--network", network, s]);
        assert!(ok, "{s}: {v}");
        let mut errors = Vec::new();
        check_schema(&v, &schema, "$", &mut errors);
        // Core Lightning prints fallbacks of other witness versions with `hex` only, which
        // its schema does not allow; no spec example has one.
        assert!(errors.is_empty(), "{s}: {errors:?}\n{v}");
        assert_eq!(v["payment_hash"].as_str().map(str::len), Some(64));
        n += 1;
    }
    assert_eq!(n, 16);
}

#[test]
fn fields_of_examples() {
    let vectors = read_json(VECTORS);
    let get = |i: usize| vectors["valid"][i]["invoice"].as_str().unwrap_or_default().to_owned();

    let (ok, v) = lnpay(&[&get(1)]);
    assert!(ok);
    assert_eq!(v["currency"], "bc");
    assert_eq!(v["created_at"], 1_496_314_658);
    assert_eq!(v["expiry"], 60);
    assert_eq!(v["amount_msat"], 250_000_000);
    assert_eq!(v["description"], "1 cup coffee");
    assert_eq!(v["min_final_cltv_expiry"], 18);
    assert_eq!(v["payee"], "03e7156ae33b0a208d0744199163177e909e80176e55d97a2f221ede0f934dd9ad");
    assert_eq!(v["payment_secret"], "11".repeat(32));
    assert_eq!(
        v["payment_hash"],
        "0001020304050607080900010203040506070809000102030405060708090102"
    );
    assert_eq!(v["features"], "4100");
    assert!(v.get("routes").is_none() && v.get("fallbacks").is_none());

    // Route hints and a P2PKH fallback.
    let (ok, v) = lnpay(&[&get(5)]);
    assert!(ok);
    assert_eq!(
        v["description_hash"],
        "3925b6f67e2c340036ed12093dd44e0368df1b6ea26c53dbe4811f58fd5db8c1"
    );
    assert_eq!(v["fallbacks"][0]["type"], "P2PKH");
    assert_eq!(v["fallbacks"][0]["addr"], "1RustyRX2oai4EYYDpQGWvEL62BBGqN9T");
    assert_eq!(v["fallbacks"][0]["hex"], "76a91404b61f7dc1ea0dc99424464cc4064dc564d91e8988ac");
    assert_eq!(v["routes"][0][1]["short_channel_id"], "197637x395016x2314");
    assert_eq!(v["routes"][0][1]["fee_base_msat"], 2);
    assert_eq!(v["routes"][0][1]["fee_proportional_millionths"], 30);
    assert_eq!(v["routes"][0][1]["cltv_expiry_delta"], 4);

    // Taproot fallback.
    let (_, v) = lnpay(&[&get(9)]);
    assert_eq!(v["fallbacks"][0]["type"], "P2TR");

    // Metadata, pico amount, unknown fields.
    let (_, v) = lnpay(&[&get(14)]);
    assert_eq!(v["payment_metadata"], "01fafaf0");
    let (_, v) = lnpay(&[&get(10)]);
    assert_eq!(v["amount_msat"], 967_878_534);
    assert_eq!(v["expiry"], 604_800);
    assert_eq!(v["min_final_cltv_expiry"], 10);
    let (_, v) = lnpay(&[&get(13)]);
    assert_eq!(v["extra"][0]["tag"], "2");
    assert_eq!(v["extra"][0]["data"], "qqq");
}

#[test]
fn decode_json_matches_the_decode_schema() {
    let vectors = read_json(VECTORS);
    let schema = read_json(DECODE_SCHEMA);
    let Some(branch) = schema["response"]["allOf"]
        .as_array()
        .and_then(|all| {
            all.iter().find(|c| c["if"]["properties"]["type"]["enum"][0] == "bolt11 invoice")
        })
        .map(|c| c["then"].clone())
    else {
        panic!("{DECODE_SCHEMA} has no bolt11 branch")
    };
    let s = vectors["valid"][5]["invoice"].as_str().unwrap_or_default();
    let invoice = bolt11::Invoice::decode(s, bolt11::Currency::Bitcoin)
        .unwrap_or_else(|e| panic!("{s}: {e}"));
    let v = rpc::decode::decode_json(&invoice);
    let mut errors = Vec::new();
    check_schema(&v, &branch, "$", &mut errors);
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(v["type"], "bolt11 invoice");
}

#[test]
fn invalid_examples_exit_1_with_a_reason() {
    let vectors = read_json(VECTORS);
    let invalid = vectors["invalid"].as_array().cloned().unwrap_or_default();
    let reasons = [
        "unknown required feature bit 100",
        "checksum",
        "separator",
        "mixed",
        "recovered",
        "too short",
        "multiplier",
        "millisatoshi",
        "payment secret",
        "low-s",
    ];
    assert_eq!(invalid.len(), reasons.len());
    for (case, reason) in invalid.iter().zip(reasons) {
        let s = case["invoice"].as_str().unwrap_or_default();
        let (ok, v) = lnpay(&[s]);
        assert!(!ok, "{s} accepted");
        assert_eq!(v["code"], -1, "{v}");
        let message = v["message"].as_str().unwrap_or_default();
        assert!(message.starts_with("Invalid bolt11: "), "{message}");
        assert!(message.contains(reason), "{:?}: {message} does not name {reason}", case["title"]);
    }
}

#[test]
fn network_and_description_are_checked() {
    let vectors = read_json(VECTORS);
    let testnet = vectors["valid"][4]["invoice"].as_str().unwrap_or_default();
    let (ok, v) = lnpay(&[testnet]);
    assert!(!ok);
    assert!(v["message"].as_str().is_some_and(|m| m.contains("currency tb")), "{v}");
    assert!(lnpay(&["--network", "testnet", testnet]).0);
    for network in ["signet", "regtest", "bitcoin"] {
        assert!(!lnpay(&["--network", network, testnet]).0, "{network}");
    }

    let hashed = vectors["valid"][3]["invoice"].as_str().unwrap_or_default();
    let cake = "One piece of chocolate cake, one icecream cone, one pickle, one slice of swiss cheese, one slice of salami, one lollypop, one piece of cherry pie, one sausage, one cupcake, and one slice of watermelon";
    assert!(lnpay(&["--description", cake, hashed]).0);
    let (ok, v) = lnpay(&["--description", "a cake", hashed]);
    assert!(!ok);
    assert!(v["message"].as_str().is_some_and(|m| m.contains("description hash")), "{v}");

    let uri = format!("LIGHTNING:{hashed}");
    assert!(lnpay(&["--description", cake, &uri]).0);

    let (ok, v) = lnpay(&["not an invoice"]);
    assert!(!ok);
    assert_eq!(v["code"], -1);
}
