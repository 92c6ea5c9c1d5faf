//! BOLT 4 onion message vector (`blinded-onion-message-onion-test.json`): Dave's blinded path
//! Bob -> Carol -> Dave, built from the vector's path key and `encrypted_data_tlv`s; the sender
//! prepends its own blinded hop Alice (whose data overrides the next path key with Dave's first
//! one) and sends "hello" as an odd record to Dave. The path, the `onion_message` Alice gets
//! (type 513, byte for byte) and every message each hop forwards are checked, then what Dave
//! receives.

use lnpay_onion::blinding::{build_blinded_path, hop_keys, BlindedPath, EncryptedDataTlv};
use lnpay_onion::message::{
    build_onion_message, peel_onion_message, FinalContents, MessageKeys, NextNode, PeeledMessage,
};
use secp256k1::{PublicKey, Secp256k1, SecretKey};
use serde_json::Value;
use types::hex;
use types::tlv::TlvRecord;
use wire::{Message, OnionMessage};

const VECTOR: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/vectors/blinded-onion-message-onion-test.json"
);

fn load() -> Value {
    let text = std::fs::read_to_string(VECTOR).unwrap_or_else(|e| {
        panic!("missing spec vector {VECTOR} (the shared data lives in ../shared): {e}")
    });
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("bad json in {VECTOR}: {e}"))
}

fn bytes(v: &Value) -> Vec<u8> {
    hex::decode(v.as_str().unwrap_or_else(|| panic!("not a string: {v}")))
        .unwrap_or_else(|e| panic!("bad hex {v}: {e}"))
}

fn point(v: &Value) -> PublicKey {
    PublicKey::from_slice(&bytes(v)).unwrap_or_else(|e| panic!("bad point {v}: {e}"))
}

fn secret(v: &Value) -> SecretKey {
    SecretKey::from_slice(&bytes(v)).unwrap_or_else(|e| panic!("bad secret {v}: {e}"))
}

/// Dave's path, Bob first, from the vector's `generate` section.
fn daves_path(secp: &Secp256k1<secp256k1::All>, v: &Value) -> BlindedPath {
    let gen = v["generate"]["hops"].as_array().unwrap();
    let node_ids: Vec<PublicKey> = v["decrypt"]["hops"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| PublicKey::from_secret_key(secp, &secret(&h["privkey"])))
        .collect();
    assert_eq!(node_ids.len(), 4);
    let hops: Vec<(PublicKey, Vec<u8>)> =
        (1..4).map(|i| (node_ids[i], bytes(&gen[i]["encrypted_data_tlv"]))).collect();
    let e0 = secret(&gen[1]["path_key_secret"]);
    let path = build_blinded_path(secp, &e0, &hops).unwrap();
    let keys = hop_keys(secp, &e0, &node_ids[1..]).unwrap();
    for (i, k) in keys.iter().enumerate() {
        let g = &gen[i + 1];
        assert_eq!(k.path_key, point(&g["E"]), "{}", g["alias"]);
        assert_eq!(k.shared_secret.0.to_vec(), bytes(&g["ss"]), "{}", g["alias"]);
        assert_eq!(k.rho.to_vec(), bytes(&g["rho"]), "{}", g["alias"]);
        assert_eq!(path.hops[i].blinded_node_id, point(&g["blinded_node_id"]));
        assert_eq!(path.hops[i].encrypted_recipient_data, bytes(&g["encrypted_recipient_data"]));
        // The typed stream re-encodes to the vector's bytes (unknown odd types kept).
        let tlv = EncryptedDataTlv::decode(&bytes(&g["encrypted_data_tlv"])).unwrap();
        assert_eq!(tlv.encode(), bytes(&g["encrypted_data_tlv"]));
    }
    // Alice's data overrides her next path key with Dave's first one.
    let alice = &gen[0]["tlvs"];
    assert_eq!(path.first_path_key, point(&alice["next_path_key_override"]));
    assert_eq!(
        path.introduction_node,
        types::IntroductionNode::NodeId(point(&alice["next_node_id"]))
    );
    path
}

#[test]
fn onion_message_byte_for_byte_and_peeled_at_every_hop() {
    let secp = Secp256k1::new();
    let v = load();
    let path = daves_path(&secp, &v);
    let gen = v["generate"]["hops"].as_array().unwrap();
    let route = &v["route"];
    let decrypt = v["decrypt"]["hops"].as_array().unwrap();
    let alice = PublicKey::from_secret_key(&secp, &secret(&decrypt[0]["privkey"]));
    assert_eq!(alice, point(&route["first_node_id"]));

    let keys = MessageKeys {
        session_key: secret(&v["generate"]["session_key"]),
        path_key: secret(&gen[0]["path_key_secret"]),
    };
    let hello = TlvRecord { typ: 1, value: bytes(&v["onionmessage"]["unknown_tag_1"]) };
    let contents = FinalContents { reply_path: None, contents: None, unknown: vec![hello.clone()] };
    let (peer, message) = build_onion_message(&secp, &keys, &[alice], &path, &contents).unwrap();
    assert_eq!(peer, alice);
    assert_eq!(message.path_key, point(&route["first_path_key"]));
    assert_eq!(
        hex::encode(&message.onion_message_packet),
        v["onionmessage"]["onion_message_packet"].as_str().unwrap(),
        "onion_message_packet differs from the vector"
    );

    // The route the sender used: its own hop Alice, then Dave's path.
    let route_hops = route["hops"].as_array().unwrap();
    assert_eq!(route_hops.len(), 4);
    for (i, h) in path.hops.iter().enumerate() {
        assert_eq!(h.blinded_node_id, point(&route_hops[i + 1]["blinded_node_id"]));
        assert_eq!(
            h.encrypted_recipient_data,
            bytes(&route_hops[i + 1]["encrypted_recipient_data"])
        );
    }

    // Each hop gets exactly the vector's `onion_message` (type 513) and peels it.
    let mut message = message;
    let mut checked = 0;
    for (i, hop) in decrypt.iter().enumerate() {
        let wire = Message::OnionMessage(message.clone()).encode();
        assert_eq!(hex::encode(&wire), hop["onion_message"].as_str().unwrap(), "{}", hop["alias"]);
        assert_eq!(Message::decode(&wire), Ok(Message::OnionMessage(message.clone())));
        let peeled = peel_onion_message(&secp, &secret(&hop["privkey"]), &message)
            .unwrap_or_else(|e| panic!("{} cannot peel: {e}", hop["alias"]));
        match peeled {
            PeeledMessage::Forward { next, message: forwarded } => {
                assert!(i < 3, "{} forwards", hop["alias"]);
                assert_eq!(next, NextNode::NodeId(point(&hop["next_node_id"])));
                message = forwarded;
            }
            PeeledMessage::Receive(got) => {
                assert_eq!(i, 3, "{} receives", hop["alias"]);
                assert_eq!(got.unknown, vec![hello.clone()]);
                assert_eq!(got.contents, None);
                assert_eq!(got.reply_path, None);
                assert_eq!(got.path_id, Some(bytes(&gen[3]["tlvs"]["path_id"])));
                assert_eq!(got.dummy_hops, 0);
                let unknown = &got.recipient_data.unknown;
                assert_eq!(unknown.len(), 1);
                assert_eq!(unknown[0].typ, 65535);
                assert_eq!(unknown[0].value, bytes(&gen[3]["tlvs"]["unknown_tag_65535"]));
            }
        }
        checked += 1;
    }
    assert_eq!(checked, 4);
}

#[test]
fn vector_message_decodes_as_wire_and_tampering_is_refused() {
    let secp = Secp256k1::new();
    let v = load();
    let hop = &v["decrypt"]["hops"][0];
    let wire = bytes(&hop["onion_message"]);
    let Ok(Message::OnionMessage(m)) = Message::decode(&wire) else {
        panic!("vector's onion_message does not decode")
    };
    assert_eq!(Message::OnionMessage(m.clone()).encode(), wire);
    assert_eq!(m.onion_message_packet.len(), 1366);
    // One flipped payload bit: the HMAC refuses it.
    let mut bad = m.clone();
    bad.onion_message_packet[100] ^= 1;
    let err = peel_onion_message(&secp, &secret(&hop["privkey"]), &bad).unwrap_err();
    assert!(matches!(err, lnpay_onion::message::PeelMessageError::Onion(_)), "{err}");
    // The right packet with another node's key does not open either.
    let other = secret(&v["decrypt"]["hops"][1]["privkey"]);
    assert!(peel_onion_message(&secp, &other, &m).is_err());
    let _: &OnionMessage = &m;
}
