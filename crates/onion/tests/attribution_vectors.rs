//! BOLT 4 attributable-failure vector (`bolt04-returning-errors-attribution.json`): hop 4 of 5
//! fails with `incorrect_or_unknown_payment_details` plus a 300-byte TLV; every hop's shared
//! secret, ammag key, stream, wrapped packet and attribution data match byte for byte, and the
//! origin recovers the erring hop and every hold time. Also the success (fulfill) data.

use lnpay_onion::attribution::{
    build_attributed_failure, decode_attributed_failure, decode_fulfill_attribution,
    forward_attributed_failure, forward_fulfill_attribution, AttributionData,
};
use lnpay_onion::crypto::{blinding_factor, stream, SharedSecret};
use lnpay_onion::failure::{
    build_unencrypted_return_packet, DecodeFailureError, FailureMessage, ATTRIBUTABLE_PAYLOAD_LEN,
};
use secp256k1::{PublicKey, Scalar, Secp256k1, SecretKey};
use serde_json::Value;
use types::{hex, tlv, Msat};

const VECTOR: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/vectors/bolt04-returning-errors-attribution.json"
);

fn load(path: &str) -> Value {
    let text =
        std::fs::read_to_string(path).unwrap_or_else(|e| panic!("missing spec vector {path}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("bad json in {path}: {e}"))
}

fn bytes(v: &Value) -> Vec<u8> {
    hex::decode(v.as_str().unwrap_or_else(|| panic!("not a string: {v}")))
        .unwrap_or_else(|e| panic!("bad hex {v}: {e}"))
}

fn route_secrets(session_key: &[u8], pubkeys: &[PublicKey]) -> Vec<SharedSecret> {
    let secp = Secp256k1::new();
    let mut e = SecretKey::from_slice(session_key).unwrap();
    pubkeys
        .iter()
        .map(|pk| {
            let ss = SharedSecret::new(pk, &e);
            let epk = PublicKey::from_secret_key(&secp, &e);
            e = e.mul_tweak(&Scalar::from_be_bytes(blinding_factor(&epk, &ss)).unwrap()).unwrap();
            ss
        })
        .collect()
}

struct Setup {
    v: Value,
    secrets: Vec<SharedSecret>,
    hold_times: Vec<u32>,
}

fn setup() -> Setup {
    let v = load(VECTOR);
    let hops = v["hops"].as_array().unwrap();
    assert_eq!(hops.len(), 5);
    let pubkeys: Vec<PublicKey> =
        hops.iter().map(|h| PublicKey::from_slice(&bytes(&h["pubkey"])).unwrap()).collect();
    // The vector lists hold times in the order the failure travels: `htlc_hold_time[i]` is
    // reported by the node that handles the failure i-th (node 4 first). Kept here by node.
    let mut hold_times: Vec<u32> =
        hops.iter().map(|h| h["htlc_hold_time"].as_u64().unwrap() as u32).collect();
    hold_times.reverse();
    let secrets = route_secrets(&bytes(&v["session_key"]), &pubkeys);
    Setup { v, secrets, hold_times }
}

#[test]
fn failure_message_and_unencrypted_packet() {
    let Setup { v, secrets, .. } = setup();
    let c = &v["create"];
    let desc = &v["failure_message_desc"];
    let m = FailureMessage::IncorrectOrUnknownPaymentDetails {
        htlc_msat: Msat(desc["htlc_msat"].as_u64().unwrap()),
        height: desc["height"].as_u64().unwrap() as u32,
    };
    let mut wire = m.encode();
    tlv::encode_record(
        desc["tlv"]["type"].as_u64().unwrap(),
        &bytes(&desc["tlv"]["value"]),
        &mut wire,
    );
    assert_eq!(wire.len(), 320);
    // The vector's `encoded_failure_message` runs on through pad_len and pad.
    let encoded = bytes(&c["encoded_failure_message"]);
    assert_eq!(encoded[..wire.len()], wire[..]);
    let s = &secrets[4];
    assert_eq!(s.0.to_vec(), bytes(&c["shared_secret"]));
    assert_eq!(s.derive(b"um").to_vec(), bytes(&c["um_key"]));
    let plain = build_unencrypted_return_packet(s, &wire, ATTRIBUTABLE_PAYLOAD_LEN).unwrap();
    assert_eq!(plain[32..].to_vec(), bytes(&c["payload"]));
    assert_eq!(plain, bytes(&c["raw_error_packet"]));
}

#[test]
fn every_hop_wraps_byte_for_byte_and_the_origin_attributes() {
    let Setup { v, secrets, hold_times } = setup();
    let desc = &v["failure_message_desc"];
    let mut wire =
        FailureMessage::IncorrectOrUnknownPaymentDetails { htlc_msat: Msat(100), height: 800_000 }
            .encode();
    tlv::encode_record(
        desc["tlv"]["type"].as_u64().unwrap(),
        &bytes(&desc["tlv"]["value"]),
        &mut wire,
    );

    let forwarding = v["forwarding"].as_array().unwrap();
    assert_eq!(forwarding.len(), 5);
    let mut packet = Vec::new();
    let mut attribution: Option<AttributionData> = None;
    let mut checked = 0;
    for f in forwarding {
        let node = f["node"].as_u64().unwrap() as usize;
        let s = &secrets[node];
        assert_eq!(s.0.to_vec(), bytes(&f["shared_secret"]));
        assert_eq!(s.derive(b"ammag").to_vec(), bytes(&f["ammag_key"]));
        let expected_stream = bytes(&f["stream"]);
        assert_eq!(stream(&s.derive(b"ammag"), expected_stream.len()), expected_stream);
        if node == 4 {
            let built =
                build_attributed_failure(s, &wire, ATTRIBUTABLE_PAYLOAD_LEN, hold_times[node])
                    .unwrap();
            packet = built.packet;
            attribution = Some(built.attribution);
        } else {
            attribution =
                Some(forward_attributed_failure(s, &mut packet, attribution, hold_times[node]));
        }
        assert_eq!(packet, bytes(&f["error_packet"]), "packet after node {node}");
        let a = attribution.as_ref().unwrap();
        assert_eq!(a.0.to_vec(), bytes(&f["attribution_data"]), "attribution after node {node}");
        checked += 1;
    }
    assert_eq!(checked, 5);

    let got = decode_attributed_failure(&secrets, &packet, attribution.as_ref());
    let d = got.result.unwrap();
    assert_eq!(d.erring_index, 4);
    assert_eq!(d.raw, wire);
    assert_eq!(d.failure.name(), "WIRE_INCORRECT_OR_UNKNOWN_PAYMENT_DETAILS");
    assert_eq!(got.hold_times, hold_times);
    assert_eq!(got.attribution_failed_at, None);

    // Attribution data corrupted on the wire (here hop 2's HMAC for its position) fails at the
    // first hop, whose HMAC covers all downstream ones; the failure itself still decodes.
    let mut tampered = attribution.clone().unwrap();
    tampered.0[80 + 54 * 4] ^= 1;
    let got = decode_attributed_failure(&secrets, &packet, Some(&tampered));
    assert_eq!(got.result.map(|d| d.erring_index), Ok(4));
    assert_eq!(got.attribution_failed_at, Some(0));
    assert!(got.hold_times.is_empty());

    // A corrupted packet cannot be decoded, but attribution names the first bad hop.
    let mut bad = packet.clone();
    bad[40] ^= 1;
    let got = decode_attributed_failure(&secrets, &bad, attribution.as_ref());
    assert!(matches!(got.result, Err(DecodeFailureError::Unattributable { .. })));
    assert_eq!(got.attribution_failed_at, Some(0));
    assert!(got.hold_times.is_empty());
}

#[test]
fn success_attribution_data() {
    let Setup { v, secrets, hold_times } = setup();
    let success = &v["success_attribution_data"];
    let mut data: Option<AttributionData> = None;
    let mut checked = 0;
    for node in (0..5usize).rev() {
        data = Some(forward_fulfill_attribution(&secrets[node], data, hold_times[node]));
        assert_eq!(
            data.as_ref().unwrap().0.to_vec(),
            bytes(&success[node.to_string()]),
            "fulfill attribution after node {node}"
        );
        checked += 1;
    }
    assert_eq!(checked, 5);
    assert_eq!(decode_fulfill_attribution(&secrets, data.as_ref().unwrap()), hold_times);
}
