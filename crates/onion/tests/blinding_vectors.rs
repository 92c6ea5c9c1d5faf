//! BOLT 4 route blinding vectors.
//!
//! `route-blinding-test.json`: Bob -> Carol built by Bob and Dave -> Eve built by Eve, joined by
//! `next_path_key_override`; every path key, shared secret, rho, sealed data and blinded node
//! id, then every hop's unblinding.
//!
//! `blinded-payment-onion-test.json`: Alice (unblinded) then Bob (introduction node,
//! `current_path_key`), Carol, Dave and Eve (blinded). The onion is built byte for byte with the
//! packet module's Sphinx, then peeled hop by hop: each node reads its recipient data with the
//! path key it received and derives the next one. Read as the nodes act on it: Alice's forward
//! payload, the path key in Bob's payload only, each blinded node's channel, amount and CLTV
//! from its relay down to Eve's final payload (amount, CLTV, total, `path_id`), the payinfo
//! as the aggregate of the relays and Alice's amount as the payer's fee on top. The payment
//! machine's builder makes the same onion byte for byte from the route a payer holds.

use lnpay_onion::blinded_payment::blinded_hops;
use lnpay_onion::blinding::{
    blinded_node_secret, build_blinded_path, decrypt_recipient_data, hop_keys, BlindedHop,
    BlindedPath, EncryptedDataTlv,
};
use lnpay_onion::packet::{self, OnionPacket};
use lnpay_onion::payload::{BlindedFinal, HopPayload};
use secp256k1::{PublicKey, Secp256k1, SecretKey};
use serde_json::Value;
use types::{bigsize, hex, IntroductionNode, Msat};

const VECTOR: &str =
    concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/vectors/route-blinding-test.json");
const PAYMENT_VECTOR: &str =
    concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/vectors/blinded-payment-onion-test.json");

fn load(path: &str) -> Value {
    let text =
        std::fs::read_to_string(path).unwrap_or_else(|e| panic!("missing spec vector {path}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("bad json in {path}: {e}"))
}

fn bytes(v: &Value) -> Vec<u8> {
    hex::decode(v.as_str().unwrap_or_else(|| panic!("not a string: {v}")))
        .unwrap_or_else(|e| panic!("bad hex {v}: {e}"))
}

fn point(v: &Value) -> PublicKey {
    PublicKey::from_slice(&bytes(v)).unwrap()
}

#[test]
fn generate_both_segments() {
    let secp = Secp256k1::new();
    let v = load(VECTOR);
    let hops = v["generate"]["hops"].as_array().unwrap();
    assert_eq!(hops.len(), 4);
    let route_hops = v["route"]["hops"].as_array().unwrap();
    let mut checked = 0;
    // Segments start where a hop carries a session key: [Bob, Carol] and [Dave, Eve].
    let starts: Vec<usize> =
        (0..hops.len()).filter(|&i| hops[i].get("session_key").is_some()).collect();
    assert_eq!(starts, [0, 2]);
    for (n, &start) in starts.iter().enumerate() {
        let end = starts.get(n + 1).copied().unwrap_or(hops.len());
        let seg = &hops[start..end];
        let session = SecretKey::from_slice(&bytes(&seg[0]["session_key"])).unwrap();
        let input: Vec<(PublicKey, Vec<u8>)> =
            seg.iter().map(|h| (point(&h["node_id"]), bytes(&h["encoded_tlvs"]))).collect();
        let ids: Vec<PublicKey> = input.iter().map(|(k, _)| *k).collect();
        let keys = hop_keys(&secp, &session, &ids).unwrap();
        let path = build_blinded_path(&secp, &session, &input).unwrap();
        assert_eq!(path.introduction_node, IntroductionNode::NodeId(ids[0]));
        assert_eq!(path.first_path_key, point(&seg[0]["path_key"]));
        for (i, h) in seg.iter().enumerate() {
            let k = &keys[i];
            assert_eq!(k.path_key, point(&h["path_key"]));
            assert_eq!(k.shared_secret.0.to_vec(), bytes(&h["shared_secret"]));
            assert_eq!(k.rho.to_vec(), bytes(&h["rho"]));
            assert_eq!(k.blinded_node_id, point(&h["blinded_node_id"]));
            assert_eq!(path.hops[i].blinded_node_id, point(&h["blinded_node_id"]));
            assert_eq!(path.hops[i].encrypted_recipient_data, bytes(&h["encrypted_data"]));
            let route_hop = &route_hops[start + i];
            assert_eq!(path.hops[i].encrypted_recipient_data, bytes(&route_hop["encrypted_data"]));
            // The typed stream re-encodes to the vector's bytes (unknown odd types kept).
            let tlvs = EncryptedDataTlv::decode(&bytes(&h["encoded_tlvs"])).unwrap();
            assert_eq!(tlvs.encode(), bytes(&h["encoded_tlvs"]));
            checked += 1;
        }
    }
    assert_eq!(checked, 4);
    assert_eq!(point(&v["route"]["first_path_key"]), point(&hops[0]["path_key"]));
}

#[test]
fn unblind_every_hop() {
    let secp = Secp256k1::new();
    let v = load(VECTOR);
    let hops = v["unblind"]["hops"].as_array().unwrap();
    let route = v["route"]["hops"].as_array().unwrap();
    assert_eq!(hops.len(), 4);
    let mut path_key = point(&v["route"]["first_path_key"]);
    let mut checked = 0;
    for (h, r) in hops.iter().zip(route) {
        assert_eq!(path_key, point(&h["path_key"]));
        let k = SecretKey::from_slice(&bytes(&h["node_privkey"])).unwrap();
        let b = blinded_node_secret(&k, &path_key).unwrap();
        assert_eq!(b.secret_bytes().to_vec(), bytes(&h["blinded_privkey"]));
        assert_eq!(PublicKey::from_secret_key(&secp, &b), point(&r["blinded_node_id"]));
        let got =
            decrypt_recipient_data(&secp, &k, &path_key, &bytes(&r["encrypted_data"])).unwrap();
        assert_eq!(got.plaintext, bytes(&h["decrypted_data"]));
        match h.get("next_path_key_override") {
            Some(o) => {
                assert_eq!(got.data.next_path_key_override, Some(point(o)));
                assert_eq!(got.next_path_key, point(o));
            }
            None => assert_eq!(got.next_path_key, point(&h["next_path_key"])),
        }
        path_key = got.next_path_key;
        checked += 1;
    }
    assert_eq!(checked, 4);
}

#[test]
fn typed_fields_of_the_vector() {
    let v = load(VECTOR);
    let bob = EncryptedDataTlv::decode(&bytes(&v["generate"]["hops"][0]["encoded_tlvs"])).unwrap();
    assert_eq!(bob.short_channel_id.map(|s| s.to_string()), Some("0x0x1729".to_string()));
    let relay = bob.payment_relay.unwrap();
    assert_eq!(
        (relay.cltv_expiry_delta, relay.fee_proportional_millionths, relay.fee_base_msat),
        (36, 150, 10_000)
    );
    let c = bob.payment_constraints.unwrap();
    assert_eq!((c.max_cltv_expiry, c.htlc_minimum_msat.0), (748_005, 1500));
    assert_eq!(bob.allowed_features, Some(vec![]));
    assert_eq!(bob.unknown.len(), 1);
    assert_eq!(bob.unknown[0].typ, 561);
    let eve = EncryptedDataTlv::decode(&bytes(&v["generate"]["hops"][3]["encoded_tlvs"])).unwrap();
    assert_eq!(eve.path_id, Some(vec![0xde, 0xad, 0xbe, 0xef]));
    let dave = EncryptedDataTlv::decode(&bytes(&v["generate"]["hops"][2]["encoded_tlvs"])).unwrap();
    assert_eq!(dave.payment_relay.map(|r| r.fee_base_msat), Some(0));
}

/// A vector payload without its BigSize length prefix.
fn unprefixed(v: &Value) -> Vec<u8> {
    let b = bytes(v);
    let (len, n) = bigsize::decode(&b).unwrap();
    assert_eq!(b.len() - n, len as usize);
    b[n..].to_vec()
}

fn path(v: &Value) -> BlindedPath {
    let r = &v["generate"]["blinded_route"];
    BlindedPath {
        introduction_node: IntroductionNode::NodeId(point(&r["first_node_id"])),
        first_path_key: point(&r["first_path_key"]),
        hops: r["hops"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| BlindedHop {
                blinded_node_id: point(&h["blinded_node_id"]),
                encrypted_recipient_data: bytes(&h["encrypted_data"]),
            })
            .collect(),
    }
}

fn final_values(v: &Value) -> BlindedFinal {
    let eve = &v["generate"]["full_route"]["hops"][4]["tlvs"];
    BlindedFinal {
        amt_to_forward: Msat(eve["amt_to_forward"].as_u64().unwrap()),
        outgoing_cltv_value: eve["outgoing_cltv_value"].as_u64().unwrap() as u32,
        total_amount_msat: Msat(eve["total_amount_msat"].as_u64().unwrap()),
    }
}

#[test]
fn payment_onion_to_a_blinded_path() {
    let v = load(PAYMENT_VECTOR);
    let g = &v["generate"];
    let full = g["full_route"]["hops"].as_array().unwrap();
    assert_eq!(full.len(), 5);
    let path = path(&v);
    assert_eq!(final_values(&v).amt_to_forward.0, g["final_amount_msat"].as_u64().unwrap());

    // The hops the sender appends for the path: node ids and payloads as in the vector.
    let appended = blinded_hops(&path, final_values(&v)).unwrap();
    assert_eq!(appended.len(), 4);
    for (i, (id, payload)) in appended.iter().enumerate() {
        assert_eq!(*id, point(&full[i + 1]["pubkey"]), "node id of hop {}", i + 1);
        let payload = payload.encode();
        assert_eq!(payload, unprefixed(&full[i + 1]["payload"]), "payload of hop {}", i + 1);
    }

    // Alice's layer as the vector gives it, then the appended ones.
    let session = SecretKey::from_slice(&bytes(&g["session_key"])).unwrap();
    let mut layers = vec![(point(&full[0]["pubkey"]), unprefixed(&full[0]["payload"]))];
    layers.extend(appended.iter().map(|(id, p)| (*id, p.encode())));
    let ad = bytes(&g["associated_data"]);
    let (onion, secrets) = packet::build(&session, &layers, &ad).unwrap();
    assert_eq!(secrets.len(), 5);
    assert_eq!(onion.to_bytes().to_vec(), bytes(&g["onion"]));
}

#[test]
fn peel_the_payment_onion_at_every_hop() {
    let secp = Secp256k1::new();
    let v = load(PAYMENT_VECTOR);
    let ad = bytes(&v["generate"]["associated_data"]);
    let hops = v["decrypt"]["hops"].as_array().unwrap();
    assert_eq!(hops.len(), 5);
    let mut onion = OnionPacket::from_bytes(&bytes(&hops[0]["onion"])).unwrap();
    let mut path_key: Option<PublicKey> = None;
    let mut checked = 0;
    for (i, h) in hops.iter().enumerate() {
        assert_eq!(onion.to_bytes().to_vec(), bytes(&h["onion"]), "onion reaching hop {i}");
        let k = SecretKey::from_slice(&bytes(&h["node_privkey"])).unwrap();
        // A hop told a path key by the previous hop peels with its blinded key.
        let peel_key = match path_key {
            Some(e) => blinded_node_secret(&k, &e).unwrap(),
            None => k,
        };
        let peeled = packet::peel(&peel_key, &onion, &ad).unwrap();
        let is_final = peeled.next.is_none();
        let payload = HopPayload::decode(&peeled.payload, is_final).unwrap();
        match payload {
            HopPayload::Blinded(b) => {
                // The introduction node learns its path key from the payload.
                let e = b.current_path_key.or(path_key).unwrap();
                let hop =
                    decrypt_recipient_data(&secp, &k, &e, &b.encrypted_recipient_data).unwrap();
                assert_eq!(
                    hop.next_path_key,
                    point(&h["next_path_key"]),
                    "next path key of hop {i}"
                );
                path_key = Some(hop.next_path_key);
            }
            _ => assert_eq!(i, 0, "only Alice is unblinded"),
        }
        match peeled.next {
            Some(next) => onion = next,
            None => assert_eq!(i, 4),
        }
        checked += 1;
    }
    assert_eq!(checked, 5);
}

/// The payment vector read the way a node of the path acts on it
/// ([`lnpay_onion::blinded_payment::read_blinded_hop`]): Alice forwards what her payload says;
/// Bob, the introduction node, finds the path key in his payload (the vector's
/// `first_path_key`) and every later node gets it beside the HTLC; each blinded node forwards
/// over the channel its data names, the amount and CLTV its `payment_relay` leaves (down to
/// what Eve's payload asks), passes the vector's next path key (Carol's override included);
/// Eve reads her `path_id`, amount, CLTV and total. The path's payinfo is the aggregate of the
/// relays, and Alice's amount the payer's fee on top of the final amount.
#[test]
fn read_every_hop_of_the_payment_vector() {
    use lnpay_onion::blinded_payment::{aggregate_relay, read_blinded_hop, BlindedHopRead};
    use types::ShortChannelId;
    let secp = Secp256k1::new();
    let v = load(PAYMENT_VECTOR);
    let g = &v["generate"];
    let full = g["full_route"]["hops"].as_array().unwrap();
    let hops = v["decrypt"]["hops"].as_array().unwrap();
    let ad = bytes(&g["associated_data"]);
    let scid = |t: &Value| t.as_str().unwrap().parse::<ShortChannelId>().unwrap();
    let num = |t: &Value| t.as_u64().unwrap_or_else(|| panic!("not a number: {t}"));

    // The payinfo is the aggregate of Bob's, Carol's and Dave's relays (no final delta here:
    // the vector's final CLTV is the payee's own).
    let relays: Vec<_> = full[1..4]
        .iter()
        .map(|h| {
            let r = &h["tlvs"]["encrypted_recipient_data"]["payment_relay"];
            lnpay_onion::blinding::PaymentRelay {
                cltv_expiry_delta: num(&r["cltv_expiry_delta"]) as u16,
                fee_proportional_millionths: num(&r["fee_proportional_millionths"]) as u32,
                fee_base_msat: r.get("fee_base_msat").map_or(0, num) as u32,
            }
        })
        .collect();
    let agg = aggregate_relay(&relays, 0).unwrap();
    let info = &g["blinded_payinfo"];
    assert_eq!(
        (agg.fee_base_msat, agg.fee_proportional_millionths, agg.cltv_expiry_delta),
        (
            num(&info["fee_base_msat"]) as u32,
            num(&info["fee_proportional_millionths"]) as u32,
            num(&info["cltv_expiry_delta"]) as u16
        )
    );
    let final_amount = num(&g["final_amount_msat"]);
    let fee = u64::from(agg.fee_base_msat)
        + final_amount * u64::from(agg.fee_proportional_millionths) / 1_000_000;

    let mut onion = OnionPacket::from_bytes(&bytes(&hops[0]["onion"])).unwrap();
    // Alice: an ordinary forward to Bob.
    let alice = SecretKey::from_slice(&bytes(&hops[0]["node_privkey"])).unwrap();
    let p = packet::peel(&alice, &onion, &ad).unwrap();
    let HopPayload::Forward(f) = HopPayload::decode(&p.payload, false).unwrap() else {
        panic!("Alice does not forward");
    };
    let t = &full[0]["tlvs"];
    assert_eq!(f.short_channel_id, scid(&t["outgoing_channel_id"]));
    assert_eq!(f.amt_to_forward, Msat(num(&t["amt_to_forward"])));
    assert_eq!(f.amt_to_forward, Msat(final_amount + fee), "the payer's fee");
    assert_eq!(u64::from(f.outgoing_cltv_value), num(&t["outgoing_cltv_value"]));
    assert_eq!(
        u64::from(f.outgoing_cltv_value),
        num(&g["final_cltv"]) + u64::from(agg.cltv_expiry_delta)
    );
    onion = p.next.unwrap();
    let (mut amount, mut cltv) = (f.amt_to_forward, f.outgoing_cltv_value);

    let mut path_key: Option<PublicKey> = None;
    let mut read = 0;
    for i in 1..5 {
        let (h, t) = (&hops[i], &full[i]["tlvs"]);
        let k = SecretKey::from_slice(&bytes(&h["node_privkey"])).unwrap();
        let peel_key = match path_key {
            Some(e) => blinded_node_secret(&k, &e).unwrap(),
            None => k,
        };
        let p = packet::peel(&peel_key, &onion, &ad).unwrap();
        let HopPayload::Blinded(b) = HopPayload::decode(&p.payload, i == 4).unwrap() else {
            panic!("hop {i} is not blinded");
        };
        // Only the introduction node carries the path key in its payload.
        let want_key = (i == 1).then(|| point(&g["blinded_route"]["first_path_key"]));
        assert_eq!(b.current_path_key, want_key, "hop {i}");
        if let Some(k) = t.get("current_path_key") {
            assert_eq!(b.current_path_key, Some(point(k)));
        }
        let data = &t["encrypted_recipient_data"];
        match read_blinded_hop(&secp, &k, path_key, &b, amount, cltv).unwrap() {
            BlindedHopRead::Forward {
                short_channel_id,
                amt_to_forward,
                outgoing_cltv_value,
                next_path_key,
            } => {
                assert!(i < 4, "hop {i} forwards");
                assert_eq!(short_channel_id, scid(&data["short_channel_id"]), "hop {i}");
                let r = &data["payment_relay"];
                assert_eq!(cltv - outgoing_cltv_value, num(&r["cltv_expiry_delta"]) as u32);
                assert_eq!(next_path_key, point(&h["next_path_key"]), "hop {i}");
                if let Some(o) = data.get("next_path_key_override") {
                    assert_eq!(next_path_key, point(o), "hop {i}: the override");
                }
                (amount, cltv) = (amt_to_forward, outgoing_cltv_value);
                path_key = Some(next_path_key);
                onion = p.next.unwrap();
            }
            BlindedHopRead::Receive { path_id, values } => {
                assert_eq!(i, 4, "only Eve receives");
                assert!(p.next.is_none());
                assert_eq!(path_id, bytes(&data["path_id"]));
                assert_eq!(values.amt_to_forward, Msat(num(&t["amt_to_forward"])));
                assert_eq!(values.total_amount_msat, Msat(num(&t["total_amount_msat"])));
                assert_eq!(u64::from(values.outgoing_cltv_value), num(&t["outgoing_cltv_value"]));
                // What reached Eve pays what her payload asks, at the CLTV it asks.
                assert_eq!(amount, values.amt_to_forward);
                assert_eq!(amount.0, final_amount);
                assert_eq!(cltv, values.outgoing_cltv_value);
            }
        }
        read += 1;
    }
    assert_eq!(read, 4);
}

/// The payer's builder (`blinded_payment::build_blinded_payment_onion`, the one the payment
/// machine uses) makes the vector's onion byte for byte from the route as a payer holds it:
/// Alice, then Bob (the introduction node) reached over `0x0x10` with the final amount plus
/// the payer's fee on the path's payinfo and the path's CLTV delta, and the final values.
#[test]
fn the_payers_builder_makes_the_vector_onion() {
    use lnpay_onion::blinded_payment::{self, BlindedFinalData};
    use types::{Hop, NodeId, PaymentHash, ShortChannelId};
    let v = load(PAYMENT_VECTOR);
    let g = &v["generate"];
    let full = g["full_route"]["hops"].as_array().unwrap();
    let num = |t: &Value| t.as_u64().unwrap();
    let info = &g["blinded_payinfo"];
    let final_amount = num(&g["final_amount_msat"]);
    let fee = num(&info["fee_base_msat"])
        + final_amount * num(&info["fee_proportional_millionths"]) / 1_000_000;
    let final_cltv = num(&g["final_cltv"]) as u32;
    let to_bob = Hop {
        id: NodeId::from_pubkey(&point(&full[1]["pubkey"])),
        channel: full[0]["tlvs"]["outgoing_channel_id"]
            .as_str()
            .unwrap()
            .parse::<ShortChannelId>()
            .unwrap(),
        direction: 0,
        amount: Msat(final_amount + fee),
        delay: num(&info["cltv_expiry_delta"]) as u32,
    };
    // Alice's own hop: what reaches her is not in her payload.
    let to_alice = Hop {
        id: NodeId::from_pubkey(&point(&full[0]["pubkey"])),
        channel: ShortChannelId(1),
        direction: 0,
        amount: Msat(to_bob.amount.0 + 1_000),
        delay: to_bob.delay + 40,
    };
    let eve = &full[4]["tlvs"];
    let fin = BlindedFinalData {
        amount: Msat(num(&eve["amt_to_forward"])),
        delay: num(&eve["outgoing_cltv_value"]) as u32 - final_cltv,
        total_amount: Msat(num(&eve["total_amount_msat"])),
    };
    let session = SecretKey::from_slice(&bytes(&g["session_key"])).unwrap();
    let hash: [u8; 32] = bytes(&g["associated_data"]).try_into().unwrap();
    let (onion, secrets) = blinded_payment::build_blinded_payment_onion(
        &session,
        &[to_alice, to_bob],
        final_cltv,
        &path(&v),
        &fin,
        &PaymentHash(hash),
    )
    .unwrap();
    assert_eq!(secrets.len(), 5);
    assert_eq!(onion.to_bytes().to_vec(), bytes(&g["onion"]));
}
