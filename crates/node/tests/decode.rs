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

/// The `decode` schema's branch for `type`.
fn decode_branch(kind: &str) -> Value {
    let schema = read_json(DECODE_SCHEMA);
    schema["response"]["allOf"]
        .as_array()
        .and_then(|all| {
            all.iter().find(|c| {
                c["if"]["properties"]["type"]["enum"][0] == kind
                    && c["if"]["properties"]["valid"]["enum"][0] == true
            })
        })
        .map(|c| c["then"].clone())
        .unwrap_or_else(|| panic!("{DECODE_SCHEMA} has no valid {kind} branch"))
}

fn decode_bolt12(s: &str) -> Value {
    let msg = rpc::decode::decode_bolt12(s).unwrap_or_else(|e| panic!("{s}: {e}"));
    rpc::decode::decode_bolt12_json(&msg)
}

fn assert_schema(v: &Value, kind: &str) {
    let mut errors = Vec::new();
    check_schema(v, &decode_branch(kind), "$", &mut errors);
    assert!(errors.is_empty(), "{kind}: {errors:?} in {v}");
    assert_eq!(v["type"], kind);
    assert_eq!(v["valid"], true);
}

/// Every valid offer of `offers-test.json`, the invoice request of `signature-test.json`, and
/// an invoice answering it: `decode`'s objects match their branch of the schema and carry the
/// fields the messages hold.
#[test]
fn decode_bolt12_matches_the_decode_schema() {
    let offers =
        read_json(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/vectors/offers-test.json"));
    let mut n = 0;
    for case in offers.as_array().into_iter().flatten().filter(|c| c["valid"] == true) {
        let s = case["bolt12"].as_str().unwrap_or_default();
        let v = decode_bolt12(s);
        assert_schema(&v, "bolt12 offer");
        // Core Lightning's offer id of an offer: the SHA256 of its bytes (all in its ranges).
        let offer: bolt12::Offer = s.parse().unwrap_or_else(|e| panic!("{s}: {e}"));
        if v.get("offer_id").is_some() {
            use sha2::{Digest, Sha256};
            let id: [u8; 32] = Sha256::digest(offer.to_bytes()).into();
            assert_eq!(v["offer_id"], types::hex::encode(&id), "{s}");
        }
        for f in case["fields"].as_array().into_iter().flatten() {
            let key = match f["type"].as_u64() {
                Some(10) => "offer_description",
                Some(22) => "offer_issuer_id",
                Some(4) => "offer_metadata",
                Some(16) => "offer_paths",
                Some(33 | 1_000_000_033) => "unknown_offer_tlvs",
                _ => continue,
            };
            assert!(v.get(key).is_some(), "{s}: no {key} in {v}");
        }
        n += 1;
    }
    assert_eq!(n, 20);

    let sig = read_json(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/vectors/signature-test.json"
    ));
    let s = sig[3]["bolt12"].as_str().unwrap_or_default();
    let v = decode_bolt12(s);
    assert_schema(&v, "bolt12 invoice_request");
    assert_eq!(v["signature"], sig[3]["signature"]);
    assert_eq!(v["offer_currency"], "USD");
    assert_eq!(v["offer_amount"], 100);
    assert_eq!(v["invreq_metadata"], "0000000000000000");

    // An invoice answering that request, signed by its issuer (Alice, 0x41...).
    use bolt12::secp256k1::SecretKey;
    let request: bolt12::InvoiceRequest = s.parse().unwrap_or_else(|e| panic!("{e}"));
    let alice = SecretKey::from_slice(&[0x41; 32]).unwrap_or_else(|e| panic!("{e}"));
    let path = types::BlindedPath {
        introduction_node: types::IntroductionNode::Channel(types::ShortChannelIdDir {
            scid: types::ShortChannelId(700_000 << 40),
            direction: 1,
        }),
        first_path_key: *request.payer_id(),
        hops: vec![types::BlindedHop {
            blinded_node_id: *request.payer_id(),
            encrypted_recipient_data: vec![1, 2, 3],
        }],
    };
    let payinfo = bolt12::fields::BlindedPayInfo {
        fee_base_msat: 1000,
        fee_proportional_millionths: 100,
        cltv_expiry_delta: 144,
        htlc_minimum_msat: types::Msat(1),
        htlc_maximum_msat: types::Msat(1 << 30),
        features: types::Features::new(),
    };
    let invoice = bolt12::Invoice::respond(
        &request,
        &bolt12::InvoiceFields {
            paths: Some(vec![path]),
            blindedpay: Some(vec![payinfo]),
            created_at: Some(1_700_000_000),
            relative_expiry: Some(600),
            payment_hash: Some(types::PaymentHash([5; 32])),
            amount: Some(types::Msat(123_000)),
            fallbacks: Some(vec![bolt12::fields::FallbackAddress {
                version: 0,
                address: vec![7; 20],
            }]),
            ..Default::default()
        },
        &alice,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let v = decode_bolt12(&invoice.to_string());
    assert_schema(&v, "bolt12 invoice");
    assert_eq!(v["invoice_amount_msat"], 123_000);
    assert_eq!(v["invoice_paths"][0]["first_scid"], "700000x0x0");
    assert_eq!(v["invoice_paths"][0]["payinfo"]["cltv_expiry_delta"], 144);
    assert_eq!(v["invoice_node_id"], v["offer_issuer_id"]);
    // The request's offer and the invoice's offer have one id.
    assert_eq!(v["offer_id"], decode_bolt12(s)["offer_id"]);
}
