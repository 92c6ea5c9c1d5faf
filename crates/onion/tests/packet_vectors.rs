//! The BOLT 4 onion test vector (`shared/vectors/onion-test.json`): build the packet byte for
//! byte, then peel it hop by hop with the vector's node keys.

use lnpay_onion::packet::{self, OnionPacket};
use lnpay_onion::payload::HopPayload;
use secp256k1::{PublicKey, SecretKey};
use serde_json::Value;
use types::hex;

const VECTOR: &str =
    concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/vectors/onion-test.json");

fn load() -> Value {
    let text = std::fs::read_to_string(VECTOR)
        .unwrap_or_else(|e| panic!("missing BOLT 4 vector file {VECTOR}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{VECTOR} is not JSON: {e}"))
}

fn bytes(v: &Value) -> Vec<u8> {
    hex::decode(v.as_str().expect("hex string")).expect("valid hex")
}

/// The vector's payloads carry their BigSize length prefix: strip it.
fn strip_length(full: &[u8]) -> Vec<u8> {
    let (len, n) = types::bigsize::decode(full).expect("length prefix");
    assert_eq!(full.len() - n, len as usize, "length prefix matches the payload");
    full[n..].to_vec()
}

struct Vector {
    session_key: SecretKey,
    associated_data: Vec<u8>,
    hops: Vec<(PublicKey, Vec<u8>)>,
    onion: Vec<u8>,
    node_keys: Vec<SecretKey>,
}

fn vector() -> Vector {
    let v = load();
    let g = &v["generate"];
    let hops: Vec<(PublicKey, Vec<u8>)> = g["hops"]
        .as_array()
        .expect("hops")
        .iter()
        .map(|h| {
            let pk = PublicKey::from_slice(&bytes(&h["pubkey"])).expect("pubkey");
            (pk, strip_length(&bytes(&h["payload"])))
        })
        .collect();
    let node_keys = v["decode"]
        .as_array()
        .expect("decode keys")
        .iter()
        .map(|k| SecretKey::from_slice(&bytes(k)).expect("node key"))
        .collect();
    Vector {
        session_key: SecretKey::from_slice(&bytes(&g["session_key"])).expect("session key"),
        associated_data: bytes(&g["associated_data"]),
        hops,
        onion: bytes(&v["onion"]),
        node_keys,
    }
}

#[test]
fn builds_the_vector_packet_byte_for_byte() {
    let v = vector();
    assert_eq!(v.hops.len(), 5);
    let (packet, secrets) = packet::build(&v.session_key, &v.hops, &v.associated_data).unwrap();
    assert_eq!(secrets.len(), 5);
    assert_eq!(hex::encode(&packet.to_bytes()), hex::encode(&v.onion));
}

#[test]
fn peels_the_vector_packet_hop_by_hop() {
    let v = vector();
    assert_eq!(v.node_keys.len(), v.hops.len());
    let secp = secp256k1::Secp256k1::new();
    let mut current = OnionPacket::from_bytes(&v.onion).unwrap();
    let mut peeled_hops = 0;
    for (i, (node_key, (pubkey, payload))) in v.node_keys.iter().zip(&v.hops).enumerate() {
        assert_eq!(&PublicKey::from_secret_key(&secp, node_key), pubkey, "key of hop {i}");
        let peeled = packet::peel(node_key, &current, &v.associated_data).unwrap();
        assert_eq!(hex::encode(&peeled.payload), hex::encode(payload), "payload of hop {i}");
        let last = i == v.hops.len() - 1;
        // Every payload of the vector is a valid TLV hop payload for its role.
        HopPayload::decode(&peeled.payload, last)
            .unwrap_or_else(|e| panic!("hop {i} payload does not parse: {e}"));
        peeled_hops += 1;
        match peeled.next {
            Some(next) => {
                assert!(!last, "hop {i} is final but got a next packet");
                current = next;
            }
            None => assert!(last, "hop {i} got no next packet"),
        }
    }
    assert_eq!(peeled_hops, 5);
}
