//! BOLT 7 gossip: round trips, tampering, verification outcomes, graph application, batch
//! import, failure-carried updates and the BOLT 7 routing example.

use lnpay_route::gossip::*;
use lnpay_route::graph::GraphBuilder;
use lnpay_route::{Msat, NodeId, ShortChannelId};
use secp256k1::{PublicKey, SecretKey, SECP256K1};

/// splitmix64: deterministic test randomness.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.next() as u8).collect()
    }
    fn upto(&mut self, max: u64) -> Vec<u8> {
        let n = self.below(max) as usize;
        self.bytes(n)
    }
    fn key(&mut self) -> SecretKey {
        loop {
            let mut b = [0u8; 32];
            for c in b.chunks_mut(8) {
                c.copy_from_slice(&self.next().to_be_bytes());
            }
            if let Ok(k) = SecretKey::from_slice(&b) {
                return k;
            }
        }
    }
}

fn id(k: &SecretKey) -> NodeId {
    NodeId::from_pubkey(&PublicKey::from_secret_key(SECP256K1, k))
}

/// A signed channel between two fresh nodes, and the node secrets in BOLT 7 order.
struct Chan {
    ann: ChannelAnnouncement,
    secret_1: SecretKey,
    secret_2: SecretKey,
}

fn chan(rng: &mut Rng, scid: ShortChannelId, features: &[u8]) -> Chan {
    let (a, b, ba, bb) = (rng.key(), rng.key(), rng.key(), rng.key());
    let ann = ChannelAnnouncement::sign(ChainHash::BITCOIN, scid, features, &a, &b, &ba, &bb);
    let (secret_1, secret_2) = if id(&a) < id(&b) { (a, b) } else { (b, a) };
    Chan { ann, secret_1, secret_2 }
}

fn update(scid: ShortChannelId, timestamp: u32, channel_flags: u8) -> UnsignedChannelUpdate {
    UnsignedChannelUpdate {
        chain_hash: ChainHash::BITCOIN,
        short_channel_id: scid,
        timestamp,
        message_flags: MESSAGE_FLAG_MUST_BE_ONE,
        channel_flags,
        cltv_expiry_delta: 40,
        htlc_minimum_msat: Msat(1000),
        fee_base_msat: 1000,
        fee_proportional_millionths: 250,
        htlc_maximum_msat: Msat(990_000_000),
        excess_data: Vec::new(),
    }
}

fn random_update(rng: &mut Rng, scid: ShortChannelId) -> UnsignedChannelUpdate {
    let excess = if rng.below(4) == 0 { rng.upto(40) } else { Vec::new() };
    UnsignedChannelUpdate {
        chain_hash: ChainHash(rng.bytes(32).try_into().unwrap()),
        short_channel_id: scid,
        timestamp: rng.next() as u32,
        message_flags: rng.next() as u8,
        channel_flags: rng.next() as u8,
        cltv_expiry_delta: rng.next() as u16,
        htlc_minimum_msat: Msat(rng.next()),
        fee_base_msat: rng.next() as u32,
        fee_proportional_millionths: rng.next() as u32,
        htlc_maximum_msat: Msat(rng.next()),
        excess_data: excess,
    }
}

fn scid(n: u64) -> ShortChannelId {
    ShortChannelId::new(700_000 + n, n % 1000, n % 7).unwrap()
}

/// Every single-bit change of `bytes` must fail `check` (a parse or verification error).
fn assert_tamper_fails(bytes: &[u8], step: usize, check: impl Fn(&[u8]) -> bool) -> usize {
    let mut tried = 0;
    for pos in (0..bytes.len()).step_by(step) {
        for bit in [0u8, 5] {
            let mut t = bytes.to_vec();
            t[pos] ^= 1 << bit;
            assert!(!check(&t), "flipping bit {bit} of byte {pos} still verifies");
            tried += 1;
        }
    }
    tried
}

#[test]
fn channel_update_round_trip_and_verify() {
    let mut rng = Rng(1);
    let mut ran = 0;
    for _ in 0..60 {
        let key = rng.key();
        let s = scid(rng.below(1_000_000));
        let msg = random_update(&mut rng, s).sign(&key);
        let bytes = msg.encode();
        assert_eq!(bytes.len(), 2 + 136 + msg.contents.excess_data.len());
        let parsed = ChannelUpdate::parse(&bytes).unwrap();
        assert_eq!(parsed, msg);
        assert_eq!(parsed.encode(), bytes);
        assert_eq!(ChannelUpdate::parse_body(&bytes[2..]).unwrap(), msg);
        parsed.verify(&id(&key)).unwrap();
        parsed.verify_with_key(&PublicKey::from_secret_key(SECP256K1, &key)).unwrap();
        let other = rng.key();
        assert!(matches!(
            parsed.verify(&id(&other)),
            Err(VerifyError::BadSignature { field: "signature", .. })
        ));
        ran += 1;
    }
    assert_eq!(ran, 60);
}

#[test]
fn channel_announcement_round_trip_and_verify() {
    let mut rng = Rng(2);
    for i in 0..30 {
        let features = rng.upto(6);
        let c = chan(&mut rng, scid(i), &features);
        let mut ann = c.ann;
        if i % 3 == 0 {
            // Unknown trailing fields are signed and kept.
            ann.contents.excess_data = {
                let n = 1 + rng.below(30) as usize;
                rng.bytes(n)
            };
            ann = ann.contents.clone().sign(&c.secret_1, &c.secret_2, &rng.key(), &rng.key());
            assert!(matches!(
                ann.verify(),
                Err(VerifyError::BadSignature { field: "bitcoin_signature_1", .. })
            ));
            continue;
        }
        assert!(ann.contents.node_id_1 < ann.contents.node_id_2);
        assert_eq!(ann.contents.node_id_1, id(&c.secret_1));
        let bytes = ann.encode();
        assert_eq!(bytes.len(), 2 + 256 + 2 + features.len() + 4 * 33 + 40);
        let parsed = ChannelAnnouncement::parse(&bytes).unwrap();
        assert_eq!(parsed, ann);
        assert_eq!(parsed.encode(), bytes);
        parsed.verify().unwrap();
    }
}

#[test]
fn node_announcement_round_trip_and_verify() {
    let mut rng = Rng(3);
    for _ in 0..40 {
        let key = rng.key();
        let mut alias = [0u8; 32];
        alias[..5].copy_from_slice(b"alice");
        let msg = UnsignedNodeAnnouncement {
            features: rng.upto(8),
            timestamp: rng.next() as u32,
            node_id: id(&key),
            rgb_color: [1, 2, 3],
            alias,
            addresses: rng.upto(50),
            excess_data: rng.upto(3),
        }
        .sign(&key);
        let bytes = msg.encode();
        let parsed = NodeAnnouncement::parse(&bytes).unwrap();
        assert_eq!(parsed, msg);
        assert_eq!(parsed.encode(), bytes);
        assert_eq!(parsed.contents.alias_str(), Some("alice"));
        parsed.verify().unwrap();
    }
}

#[test]
fn tampering_with_any_byte_breaks_verification() {
    let mut rng = Rng(4);
    let key = rng.key();
    let upd = update(scid(1), 1_700_000_000, 1).sign(&key);
    let origin = id(&key);
    let n = assert_tamper_fails(&upd.encode(), 1, |b| {
        ChannelUpdate::parse(b).map(|m| m.verify(&origin).is_ok()).unwrap_or(false)
    });
    assert_eq!(n, 2 * 138);

    let c = chan(&mut rng, scid(2), &[0x01]);
    let n = assert_tamper_fails(&c.ann.encode(), 3, |b| {
        ChannelAnnouncement::parse(b).map(|m| m.verify().is_ok()).unwrap_or(false)
    });
    assert!(n > 250, "{n}");

    let na = UnsignedNodeAnnouncement {
        features: vec![0x02, 0x00],
        timestamp: 5,
        node_id: origin,
        rgb_color: [9, 9, 9],
        alias: [b'x'; 32],
        addresses: vec![1, 127, 0, 0, 1, 0x26, 0x07],
        excess_data: Vec::new(),
    }
    .sign(&key);
    let n = assert_tamper_fails(&na.encode(), 1, |b| {
        NodeAnnouncement::parse(b).map(|m| m.verify().is_ok()).unwrap_or(false)
    });
    assert_eq!(n, 2 * na.encode().len());
}

#[test]
fn parse_errors_name_the_field() {
    let mut rng = Rng(5);
    let key = rng.key();
    let bytes = update(scid(1), 1, 0).sign(&key).encode();
    assert_eq!(
        ChannelUpdate::parse(&bytes[..bytes.len() - 1]),
        Err(ParseError::Truncated {
            message: MessageKind::ChannelUpdate,
            field: "htlc_maximum_msat",
            needed: 8,
            remaining: 7
        })
    );
    assert_eq!(
        ChannelUpdate::parse(&bytes[..1]),
        Err(ParseError::Truncated {
            message: MessageKind::ChannelUpdate,
            field: "type",
            needed: 2,
            remaining: 1
        })
    );
    assert_eq!(
        ChannelAnnouncement::parse(&bytes),
        Err(ParseError::WrongType { expected: 256, got: 258 })
    );
    assert_eq!(GossipMessage::parse(&[1]), Err(ParseError::NoType { len: 1 }));
    assert_eq!(GossipMessage::parse(&[0, 1, 2]), Err(ParseError::UnknownType { got: 1 }));
    let mut bad_sig = bytes.clone();
    bad_sig[2..34].fill(0xff); // r >= curve order
    assert!(matches!(
        ChannelUpdate::parse(&bad_sig),
        Err(ParseError::Signature { field: "signature", .. })
    ));
    let c = chan(&mut rng, scid(3), &[]);
    let mut bad_point = c.ann.encode();
    bad_point[2 + 256 + 2 + 40] = 0x04;
    assert!(matches!(
        ChannelAnnouncement::parse(&bad_point),
        Err(ParseError::Point { field: "node_id_1", .. })
    ));
    let e = ChannelUpdate::parse(&bytes[..100]).unwrap_err();
    assert_eq!(
        e.to_string(),
        "channel_update truncated at short_channel_id: needs 8 bytes, 2 left"
    );
}

#[test]
fn must_be_one_is_ignored_on_receipt_and_kept() {
    let mut rng = Rng(6);
    let key = rng.key();
    let mut u = update(scid(1), 1, 0);
    u.message_flags = 0;
    let msg = u.sign(&key);
    let parsed = ChannelUpdate::parse(&msg.encode()).unwrap();
    assert_eq!(parsed.contents.message_flags, 0);
    parsed.verify(&id(&key)).unwrap();
    // The legacy form without htlc_maximum_msat is too short.
    assert!(matches!(
        ChannelUpdate::parse(&msg.encode()[..130]),
        Err(ParseError::Truncated { field: "htlc_maximum_msat", .. })
    ));
}

#[test]
fn announcement_checks_order_chain_and_features() {
    let mut rng = Rng(7);
    let (a, b, ba, bb) = (rng.key(), rng.key(), rng.key(), rng.key());
    let (lo, hi) = if id(&a) < id(&b) { (a, b) } else { (b, a) };
    let swapped = UnsignedChannelAnnouncement {
        features: Vec::new(),
        chain_hash: ChainHash::BITCOIN,
        short_channel_id: scid(1),
        node_id_1: id(&hi),
        node_id_2: id(&lo),
        bitcoin_key_1: id(&ba),
        bitcoin_key_2: id(&bb),
        excess_data: Vec::new(),
    }
    .sign(&hi, &lo, &ba, &bb);
    let mut builder = GraphBuilder::new();
    assert!(matches!(
        apply_channel_announcement(&mut builder, &swapped, ChainHash::BITCOIN),
        Err(GossipError::Verify { error: VerifyError::NodeOrder { .. }, .. })
    ));
    let ok = ChannelAnnouncement::sign(ChainHash::TESTNET, scid(1), &[], &a, &b, &ba, &bb);
    assert_eq!(
        apply_channel_announcement(&mut builder, &ok, ChainHash::BITCOIN),
        Err(GossipError::WrongChain {
            message: MessageKind::ChannelAnnouncement,
            expected: ChainHash::BITCOIN,
            got: ChainHash::TESTNET
        })
    );
    // Bit 8 (even) is not defined for channel announcements; bit 9 (odd) is fine.
    let even =
        ChannelAnnouncement::sign(ChainHash::BITCOIN, scid(1), &[0x01, 0x00], &a, &b, &ba, &bb);
    assert_eq!(
        apply_channel_announcement(&mut builder, &even, ChainHash::BITCOIN),
        Err(GossipError::UnknownRequiredFeatures { scid: scid(1), bits: vec![8] })
    );
    assert_eq!(builder.channel_count(), 0);
    let odd =
        ChannelAnnouncement::sign(ChainHash::BITCOIN, scid(1), &[0x02, 0x00], &a, &b, &ba, &bb);
    assert_eq!(
        apply_channel_announcement(&mut builder, &odd, ChainHash::BITCOIN),
        Ok(Applied::Added)
    );
    assert_eq!(
        apply_channel_announcement(&mut builder, &odd, ChainHash::BITCOIN),
        Ok(Applied::Known)
    );
    assert_eq!(builder.channel_nodes(scid(1)), Some((id(&lo), id(&hi))));
    assert_eq!(builder.channel_capacity(scid(1)), Some(None));
    let other = chan(&mut rng, scid(1), &[]);
    assert!(matches!(
        apply_channel_announcement(&mut builder, &other.ann, ChainHash::BITCOIN),
        Err(GossipError::ConflictingChannel { .. })
    ));
}

#[test]
fn updates_verify_by_direction_order_by_time_and_honour_disable() {
    let mut rng = Rng(8);
    let c = chan(&mut rng, scid(1), &[]);
    let chain = ChainHash::BITCOIN;
    let mut builder = GraphBuilder::new();
    assert_eq!(
        apply_channel_update(&mut builder, &update(scid(1), 10, 0).sign(&c.secret_1), chain),
        Err(GossipError::UnknownChannel { scid: scid(1) })
    );
    apply_channel_announcement(&mut builder, &c.ann, chain).unwrap();

    // Direction 0 must be signed by node_id_1, direction 1 by node_id_2.
    let wrong = update(scid(1), 10, 0).sign(&c.secret_2);
    assert!(matches!(
        apply_channel_update(&mut builder, &wrong, chain),
        Err(GossipError::Verify { error: VerifyError::BadSignature { .. }, .. })
    ));
    assert!(builder.direction_policy(scid(1), 0).is_none());
    let wrong = update(scid(1), 10, 1).sign(&c.secret_1);
    assert!(apply_channel_update(&mut builder, &wrong, chain).is_err());

    let d0 = update(scid(1), 10, 0).sign(&c.secret_1);
    assert_eq!(apply_channel_update(&mut builder, &d0, chain), Ok(Applied::Added));
    let d1 = update(scid(1), 10, 1 | CHANNEL_FLAG_DISABLE).sign(&c.secret_2);
    assert_eq!(apply_channel_update(&mut builder, &d1, chain), Ok(Applied::Added));
    assert!(builder.direction_policy(scid(1), 0).unwrap().enabled);
    assert!(!builder.direction_policy(scid(1), 1).unwrap().enabled);

    // Same and older timestamps are stale; the stored policy stays.
    let mut same = update(scid(1), 10, 0);
    same.fee_base_msat = 1;
    assert_eq!(
        apply_channel_update(&mut builder, &same.sign(&c.secret_1), chain),
        Ok(Applied::Stale { stored: 10, got: 10 })
    );
    assert_eq!(
        apply_channel_update(&mut builder, &update(scid(1), 9, 0).sign(&c.secret_1), chain),
        Ok(Applied::Stale { stored: 10, got: 9 })
    );
    assert_eq!(builder.direction_policy(scid(1), 0).unwrap().base_fee_msat, 1000);
    let mut newer = update(scid(1), 11, CHANNEL_FLAG_DISABLE);
    newer.fee_base_msat = 7;
    assert_eq!(
        apply_channel_update(&mut builder, &newer.sign(&c.secret_1), chain),
        Ok(Applied::Updated)
    );
    let p = *builder.direction_policy(scid(1), 0).unwrap();
    assert_eq!((p.timestamp, p.enabled, p.base_fee_msat), (11, false, 7));
    assert_eq!(
        (p.fee_ppm, p.cltv_delta, p.htlc_min, p.htlc_max),
        (250, 40, Msat(1000), Msat(990_000_000))
    );

    // The built graph honours the disable bit.
    let g = builder.build();
    let e0 = g.edge_of(scid(1), 0).and_then(|e| g.edge(e));
    let e1 = g.edge_of(scid(1), 1).and_then(|e| g.edge(e));
    assert_eq!(e0.map(|e| e.enabled), Some(false));
    assert_eq!(e1.map(|e| e.enabled), Some(false));
    let back = update(scid(1), 12, 0).sign(&c.secret_1);
    apply_channel_update(&mut builder, &back, chain).unwrap();
    let g = builder.build();
    assert_eq!(g.edge_of(scid(1), 0).and_then(|e| g.edge(e)).map(|e| e.enabled), Some(true));

    // Another chain is refused; a known capacity bounds htlc_maximum_msat.
    let mut other_chain = update(scid(1), 20, 0);
    other_chain.chain_hash = ChainHash::REGTEST;
    assert!(matches!(
        apply_channel_update(&mut builder, &other_chain.sign(&c.secret_1), chain),
        Err(GossipError::WrongChain { .. })
    ));
    builder.set_capacity(scid(1), Some(Msat(500_000_000))).unwrap();
    assert_eq!(
        apply_channel_update(&mut builder, &update(scid(1), 21, 0).sign(&c.secret_1), chain),
        Err(GossipError::HtlcMaxAboveCapacity {
            scid: scid(1),
            htlc_maximum_msat: Msat(990_000_000),
            capacity: Msat(500_000_000)
        })
    );
    assert_eq!(builder.direction_policy(scid(1), 0).unwrap().timestamp, 12);
}

#[test]
fn failure_channel_update_takes_the_same_path() {
    let mut rng = Rng(9);
    let c = chan(&mut rng, scid(1), &[]);
    let chain = ChainHash::BITCOIN;
    let mut builder = GraphBuilder::new();
    apply_channel_announcement(&mut builder, &c.ann, chain).unwrap();
    let with_type = update(scid(1), 10, 0).sign(&c.secret_1).encode();
    assert_eq!(apply_failure_channel_update(&mut builder, &with_type, chain), Ok(Applied::Added));
    let bare = update(scid(1), 11, 0).sign(&c.secret_1).encode();
    assert_eq!(apply_failure_channel_update(&mut builder, &bare[2..], chain), Ok(Applied::Updated));
    assert_eq!(
        apply_failure_channel_update(&mut builder, &bare[2..], chain),
        Ok(Applied::Stale { stored: 11, got: 11 })
    );
    let forged = update(scid(1), 12, 0).sign(&c.secret_2).encode();
    assert!(matches!(
        apply_failure_channel_update(&mut builder, &forged, chain),
        Err(GossipError::Verify { .. })
    ));
    assert!(matches!(
        apply_failure_channel_update(&mut builder, &[], chain),
        Err(GossipError::Parse(ParseError::Truncated { .. }))
    ));
    assert_eq!(builder.direction_policy(scid(1), 0).unwrap().timestamp, 11);
}

#[test]
fn node_announcements_need_a_channel_and_order_by_time() {
    let mut rng = Rng(10);
    let c = chan(&mut rng, scid(1), &[]);
    let mut builder = GraphBuilder::new();
    let mut applier = GossipApplier::new(ChainHash::BITCOIN);
    let na = |ts: u32, key: &SecretKey| {
        UnsignedNodeAnnouncement {
            features: vec![0x80, 0x00], // bit 15: payment_secret optional
            timestamp: ts,
            node_id: id(key),
            rgb_color: [0; 3],
            alias: [0; 32],
            addresses: Vec::new(),
            excess_data: Vec::new(),
        }
        .sign(key)
    };
    assert_eq!(
        applier.apply_node_announcement(&na(5, &c.secret_1)),
        Err(GossipError::UnknownNode { node_id: id(&c.secret_1) })
    );
    applier.apply_channel_announcement(&mut builder, &c.ann).unwrap();
    assert_eq!(applier.apply_node_announcement(&na(5, &c.secret_1)), Ok(Applied::Added));
    assert_eq!(
        applier.apply_node_announcement(&na(5, &c.secret_1)),
        Ok(Applied::Stale { stored: 5, got: 5 })
    );
    assert_eq!(applier.apply_node_announcement(&na(6, &c.secret_1)), Ok(Applied::Updated));
    let mut forged = na(7, &c.secret_2);
    forged.contents.node_id = id(&c.secret_1);
    assert!(matches!(applier.apply_node_announcement(&forged), Err(GossipError::Verify { .. })));
    let stored = applier.node_announcement(&id(&c.secret_1)).unwrap();
    assert_eq!(stored.timestamp, 6);
    assert!(stored.feature_set().is_set(15));
    assert!(applier.node_announcement(&id(&c.secret_2)).is_none());
}

#[test]
fn batch_import_counts_and_skips_bad_records() {
    let mut rng = Rng(11);
    let chain = ChainHash::BITCOIN;
    let mut msgs: Vec<Vec<u8>> = Vec::new();
    let mut chans = Vec::new();
    for i in 0..20 {
        let c = chan(&mut rng, scid(i), &[]);
        msgs.push(c.ann.encode());
        msgs.push(update(scid(i), 100, 0).sign(&c.secret_1).encode());
        msgs.push(update(scid(i), 100, 1).sign(&c.secret_2).encode());
        chans.push(c);
    }
    msgs.push(update(scid(0), 99, 0).sign(&chans[0].secret_1).encode()); // stale
    msgs.push(update(scid(0), 101, 0).sign(&chans[0].secret_2).encode()); // wrong key
    msgs.push(update(scid(500), 1, 0).sign(&chans[0].secret_1).encode()); // unknown channel
    msgs.push(chans[3].ann.encode()); // known
    let mut garbage = chans[1].ann.encode();
    garbage.truncate(100);
    msgs.push(garbage); // truncated
    msgs.push(vec![0x01]); // no type
    msgs.push(vec![0x00, 0x10, 0x00]); // not gossip
    let mut wrong_chain = update(scid(2), 200, 0);
    wrong_chain.chain_hash = ChainHash::TESTNET;
    msgs.push(wrong_chain.sign(&chans[2].secret_1).encode());
    let mut builder = GraphBuilder::new();
    let stats = import_gossip(&mut builder, chain, msgs.iter().map(|m| m.as_slice()));
    assert_eq!(stats.applied, 60);
    assert_eq!(stats.known, 1);
    assert_eq!(stats.stale, 1);
    assert_eq!(stats.rejected.parse, 3);
    assert_eq!(stats.rejected.verify, 1);
    assert_eq!(stats.rejected.unknown_channel, 1);
    assert_eq!(stats.rejected.wrong_chain, 1);
    assert_eq!(stats.rejected.total(), 6);
    let g = builder.build();
    assert_eq!((g.channel_count(), g.edge_count(), g.node_count()), (20, 40, 40));
}

/// The BOLT 7 routing example (A-B-C, A-D-C) built from signed gossip: the graph's fees and
/// deltas reproduce the spec's figures.
#[test]
fn bolt07_routing_example_through_gossip() {
    let path =
        concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/vectors/bolt07-routing-example.json");
    let text =
        std::fs::read_to_string(path).unwrap_or_else(|e| panic!("missing vector file {path}: {e}"));
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    let mut rng = Rng(12);
    let names = ["A", "B", "C", "D"];
    let keys: Vec<SecretKey> = names.iter().map(|_| rng.key()).collect();
    let key_of = |n: &str| keys[names.iter().position(|x| *x == n).unwrap()];
    let chain = ChainHash::BITCOIN;
    let mut builder = GraphBuilder::new();
    let mut msgs = Vec::new();
    let channels = v["channels"].as_array().unwrap();
    for (i, pair) in channels.iter().enumerate() {
        let (x, y) = (pair[0].as_str().unwrap(), pair[1].as_str().unwrap());
        let (kx, ky) = (key_of(x), key_of(y));
        let ann =
            ChannelAnnouncement::sign(chain, scid(i as u64), &[], &kx, &ky, &rng.key(), &rng.key());
        msgs.push(ann.encode());
        for (from, key) in [(x, kx), (y, ky)] {
            let policy = &v["nodes"][from];
            let direction = u8::from(ann.contents.node_id_1 != id(&key));
            let mut u = update(scid(i as u64), 1, direction);
            u.cltv_expiry_delta = policy["cltv_expiry_delta"].as_u64().unwrap() as u16;
            u.fee_base_msat = policy["fee_base_msat"].as_u64().unwrap() as u32;
            u.fee_proportional_millionths =
                policy["fee_proportional_millionths"].as_u64().unwrap() as u32;
            u.htlc_minimum_msat = Msat(1);
            msgs.push(u.sign(&key).encode());
        }
    }
    let stats = import_gossip(&mut builder, chain, msgs.iter().map(|m| m.as_slice()));
    assert_eq!((stats.applied, stats.rejected.total()), (12, 0));
    let g = builder.build();
    let edge = |from: &str, to: &str| {
        let (f, t) =
            (g.node_index(&id(&key_of(from))).unwrap(), g.node_index(&id(&key_of(to))).unwrap());
        *g.edges().iter().find(|e| e.src == f && e.dst == t).unwrap()
    };
    let mut cases = 0;
    for case in v["cases"].as_array().unwrap() {
        let route: Vec<&str> =
            case["route"].as_array().unwrap().iter().map(|n| n.as_str().unwrap()).collect();
        let mut amount = Msat(case["amount_to_recipient_msat"].as_u64().unwrap());
        let mut cltv = case["final_outgoing_cltv_offset"].as_u64().unwrap();
        // Fees and deltas of the hops after the first (the payer pays no fee to itself).
        for w in route.windows(2).skip(1).collect::<Vec<_>>().iter().rev() {
            let e = edge(w[0], w[1]);
            amount = amount.checked_add(e.fee(amount)).unwrap();
            cltv += u64::from(e.cltv_delta);
        }
        assert_eq!(amount.msat(), case["first_hop_amount_msat"].as_u64().unwrap(), "{route:?}");
        assert_eq!(cltv, case["first_hop_cltv_expiry_offset"].as_u64().unwrap(), "{route:?}");
        if let Some(fee_b) = case.get("fee_at_B_msat") {
            assert_eq!(edge("B", "C").fee(Msat(4_999_999)).msat(), fee_b.as_u64().unwrap());
        }
        cases += 1;
    }
    assert_eq!(cases, 3);
}
