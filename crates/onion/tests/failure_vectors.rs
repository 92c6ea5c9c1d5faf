//! BOLT 4 "Returning Errors" vector (`onion-error-test.json`): a `temporary_node_failure` built
//! by hop 4 of 5, wrapped on the way back, decoded at the origin.

use lnpay_onion::crypto::{blinding_factor, SharedSecret};
use lnpay_onion::failure::{
    build_return_packet, build_unencrypted_return_packet, decode_return_packet, wrap_return_packet,
    DecodeFailureError, FailureMessage, LEGACY_PAYLOAD_LEN,
};
use secp256k1::{PublicKey, Scalar, Secp256k1, SecretKey};
use serde_json::Value;
use types::hex;

const VECTOR: &str =
    concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/vectors/onion-error-test.json");

fn load(path: &str) -> Value {
    let text =
        std::fs::read_to_string(path).unwrap_or_else(|e| panic!("missing spec vector {path}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("bad json in {path}: {e}"))
}

fn bytes(v: &Value) -> Vec<u8> {
    hex::decode(v.as_str().unwrap_or_else(|| panic!("not a string: {v}")))
        .unwrap_or_else(|e| panic!("bad hex {v}: {e}"))
}

/// The per-hop shared secrets of a Sphinx route, derived independently of the packet module.
pub fn route_secrets(session_key: &[u8], pubkeys: &[PublicKey]) -> Vec<SharedSecret> {
    let secp = Secp256k1::new();
    let mut e = SecretKey::from_slice(session_key).expect("session key");
    pubkeys
        .iter()
        .map(|pk| {
            let ss = SharedSecret::new(pk, &e);
            let epk = PublicKey::from_secret_key(&secp, &e);
            let f = Scalar::from_be_bytes(blinding_factor(&epk, &ss)).expect("scalar");
            e = e.mul_tweak(&f).expect("tweak");
            ss
        })
        .collect()
}

#[test]
fn onion_error_test_vector() {
    let v = load(VECTOR);
    let g = &v["generate"];
    let hops = g["hops"].as_array().expect("hops");
    assert_eq!(hops.len(), 5);
    let pubkeys: Vec<PublicKey> =
        hops.iter().map(|h| PublicKey::from_slice(&bytes(&h["pubkey"])).expect("pubkey")).collect();
    let secrets = route_secrets(&bytes(&g["session_key"]), &pubkeys);
    let mut checked = 0;
    for (h, s) in hops.iter().zip(&secrets) {
        assert_eq!(s.0.to_vec(), bytes(&h["hop_shared_secret"]));
        assert_eq!(s.derive(b"ammag").to_vec(), bytes(&h["ammag_key"]));
        if h.get("um_key").is_some() {
            assert_eq!(s.derive(b"um").to_vec(), bytes(&h["um_key"]));
        }
        checked += 1;
    }
    assert_eq!(checked, 5);

    // Hop 4 builds the packet: the payload (after the HMAC) and the whole packet match.
    let message = bytes(&g["failure_message"]);
    let failing = &hops[4];
    let plain =
        build_unencrypted_return_packet(&secrets[4], &message, LEGACY_PAYLOAD_LEN).expect("build");
    assert_eq!(plain[32..].to_vec(), bytes(&failing["payload"]));
    let mut packet = build_return_packet(&secrets[4], &message, LEGACY_PAYLOAD_LEN).expect("build");
    for s in secrets[..4].iter().rev() {
        wrap_return_packet(s, &mut packet);
    }
    assert_eq!(packet, bytes(&v["errorpacket"]));

    // The origin decodes it back to hop 4 and the typed message.
    let decoded = decode_return_packet(&secrets, &packet).expect("decode");
    assert_eq!(decoded.erring_index, 4);
    assert_eq!(decoded.failure, FailureMessage::TemporaryNodeFailure);
    assert_eq!(decoded.failure.code(), 0x2002);
    assert_eq!(decoded.failure.name(), "WIRE_TEMPORARY_NODE_FAILURE");
    assert_eq!(decoded.raw, message);

    // With only four secrets (a shorter route) nothing matches: the payment layer's 202.
    assert_eq!(
        decode_return_packet(&secrets[..4], &packet),
        Err(DecodeFailureError::Unattributable { len: packet.len(), hops: 4 })
    );
    // A flipped bit anywhere makes it unattributable too.
    let mut bad = packet.clone();
    bad[200] ^= 0x40;
    assert!(matches!(
        decode_return_packet(&secrets, &bad),
        Err(DecodeFailureError::Unattributable { .. })
    ));
}

#[test]
fn every_hop_and_every_code_round_trips() {
    let pubkeys: Vec<PublicKey> = (1..=20u8)
        .map(|i| {
            let k = SecretKey::from_slice(&[i; 32]).expect("key");
            PublicKey::from_secret_key(&Secp256k1::new(), &k)
        })
        .collect();
    let secrets = route_secrets(&[0x41; 32], &pubkeys);
    let messages = [
        FailureMessage::TemporaryChannelFailure { channel_update: vec![0x01, 0x02, 0xaa] },
        FailureMessage::FeeInsufficient {
            htlc_msat: types::Msat(12_345),
            channel_update: vec![7; 136],
        },
        FailureMessage::IncorrectOrUnknownPaymentDetails {
            htlc_msat: types::Msat(100),
            height: 800_000,
        },
        FailureMessage::InvalidOnionPayload { position: Some((4, 9)) },
        FailureMessage::Other { code: 0x7777, data: vec![1, 2, 3] },
    ];
    let mut runs = 0;
    for (erring, _) in secrets.iter().enumerate() {
        for m in &messages {
            let wire = m.encode();
            let mut p =
                build_return_packet(&secrets[erring], &wire, LEGACY_PAYLOAD_LEN).expect("build");
            for s in secrets[..erring].iter().rev() {
                wrap_return_packet(s, &mut p);
            }
            let d = decode_return_packet(&secrets, &p).expect("decode");
            assert_eq!((d.erring_index, &d.failure, &d.raw), (erring, m, &wire));
            runs += 1;
        }
    }
    assert_eq!(runs, 100);
}
