//! `lnpay onion generate` and `lnpay onion decode` against the BOLT 4 onion test vector.

mod common;

use common::read_json;
use serde_json::Value;

const VECTOR: &str =
    concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/vectors/onion-test.json");

fn vector() -> Value {
    read_json(VECTOR)
}

fn s(v: &Value) -> String {
    v.as_str().expect("string").to_string()
}

/// Runs `lnpay onion ARGS`: exit success and stdout.
fn lnpay(args: &[String]) -> (bool, String) {
    let out = common::lnpay().arg("onion").args(args).output().expect("run lnpay");
    (out.status.success(), String::from_utf8(out.stdout).expect("utf-8").trim().to_string())
}

fn error_code(args: &[String]) -> i64 {
    let (ok, out) = lnpay(args);
    assert!(!ok, "{args:?} succeeded: {out}");
    let v: Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{out:?}: {e}"));
    assert!(v["message"].as_str().is_some_and(|m| !m.is_empty()), "{out}");
    v["code"].as_i64().expect("code")
}

fn generate_args(v: &Value, assoc: bool) -> Vec<String> {
    let g = &v["generate"];
    let mut args = vec!["generate".into(), "--session-key".into(), s(&g["session_key"])];
    if assoc {
        args.extend(["--assoc-data".into(), s(&g["associated_data"])]);
    }
    for hop in g["hops"].as_array().expect("hops") {
        args.push(format!("{}/{}", s(&hop["pubkey"]), s(&hop["payload"])));
    }
    args
}

#[test]
fn generate_prints_the_vector_onion() {
    let v = vector();
    // With the vector's associated data, and with the default (which is the vector's).
    for assoc in [true, false] {
        let (ok, out) = lnpay(&generate_args(&v, assoc));
        assert!(ok, "{out}");
        assert_eq!(out, s(&v["onion"]));
    }
}

#[test]
fn decode_peels_the_vector_hop_by_hop() {
    let v = vector();
    let hops = v["generate"]["hops"].as_array().expect("hops");
    let keys = v["decode"].as_array().expect("keys");
    assert_eq!(hops.len(), 5);
    let mut onion = s(&v["onion"]);
    for (i, (hop, key)) in hops.iter().zip(keys).enumerate() {
        let (ok, out) = lnpay(&["decode".into(), "--privkey".into(), s(key), onion.clone()]);
        assert!(ok, "hop {i}: {out}");
        let got: Value = serde_json::from_str(&out).expect("json");
        assert_eq!(got["payload"], hop["payload"], "hop {i}");
        if i + 1 < hops.len() {
            onion = s(&got["next_onion"]);
            assert_eq!(onion.len(), 2 * 1366);
        } else {
            assert_eq!(got["final"], Value::Bool(true));
            assert!(got.get("next_onion").is_none());
        }
    }
}

#[test]
fn bad_input_is_a_json_error() {
    let v = vector();
    let key = s(&v["decode"][0]);
    let onion = s(&v["onion"]);
    let dec = |k: &str, o: &str| vec!["decode".to_string(), "--privkey".into(), k.into(), o.into()];
    // Wrong key: the HMAC does not verify (invalid_onion_hmac = BADONION|PERM|5).
    assert_eq!(error_code(&dec(&s(&v["decode"][1]), &onion)), 0xc005);
    // Other associated data: same.
    let mut args = dec(&key, &onion);
    args.extend(["--assoc-data".into(), "00".repeat(32)]);
    assert_eq!(error_code(&args), 0xc005);
    // Version 1 (invalid_onion_version) and a bad point (invalid_onion_key).
    assert_eq!(error_code(&dec(&key, &format!("01{}", &onion[2..]))), 0xc004);
    assert_eq!(error_code(&dec(&key, &format!("0004{}", &onion[4..]))), 0xc006);
    // Unreadable arguments.
    assert_eq!(error_code(&dec(&key, "zz")), -32602);
    assert_eq!(error_code(&dec(&key, &onion[..100])), -32602);
    assert_eq!(error_code(&dec("00", &onion)), -32602);
    let mut gen = generate_args(&v, true);
    let last = gen.len() - 1;
    gen[last] = gen[last].replace("/fd0110", "/fd0111");
    assert_eq!(error_code(&gen), -32602, "length prefix that does not match");
    let mut gen = generate_args(&v, true);
    gen[last] = gen[last].replace('/', "");
    assert_eq!(error_code(&gen), -32602, "no slash");
    // Payloads that do not fit 1300 bytes.
    let g = &v["generate"];
    let big = format!("{}/fd0514{}", s(&g["hops"][0]["pubkey"]), "00".repeat(1300));
    let args = vec!["generate".into(), "--session-key".into(), s(&g["session_key"]), big];
    assert_eq!(error_code(&args), -32602);
}
