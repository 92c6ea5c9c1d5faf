//! Gossip cross-checked with the peer, LDK 0.2.7: what we sign LDK's `NetworkGraph` accepts,
//! and what LDK serializes (signed with secp256k1 over LDK's own encoding) we parse, verify
//! and re-encode byte for byte.

use std::time::{SystemTime, UNIX_EPOCH};

use lightning::bitcoin::constants::ChainHash as LdkChainHash;
use lightning::bitcoin::hashes::{sha256d, Hash};
use lightning::bitcoin::Network;
use lightning::ln::msgs;
use lightning::routing::gossip::{NetworkGraph, NodeAlias, NodeId as LdkNodeId};
use lightning::types::features::{ChannelFeatures, NodeFeatures};
use lightning::util::logger::{Logger, Record};
use lightning::util::ser::{LengthReadable, Writeable};
use lnpay_route::gossip::*;
use lnpay_route::graph::GraphBuilder;
use lnpay_route::{Msat, NodeId, ShortChannelId};
use secp256k1::{Message, PublicKey, SecretKey, SECP256K1};

struct NoLog;
impl Logger for NoLog {
    fn log(&self, _record: Record) {}
}

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
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

fn now() -> u32 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs() as u32
}

fn pk(k: &SecretKey) -> PublicKey {
    PublicKey::from_secret_key(SECP256K1, k)
}

fn ldk_read<T: LengthReadable>(bytes: &[u8]) -> T {
    let mut r = bytes;
    T::read_from_fixed_length_buffer(&mut r).unwrap()
}

fn ldk_sign<T: Writeable>(unsigned: &T, key: &SecretKey) -> secp256k1::ecdsa::Signature {
    let h = sha256d::Hash::hash(&unsigned.encode());
    SECP256K1.sign_ecdsa(&Message::from_digest(h.to_byte_array()), key)
}

#[test]
fn chain_hash_matches_ldk() {
    assert_eq!(
        ChainHash::BITCOIN.0,
        LdkChainHash::using_genesis_block(Network::Bitcoin).to_bytes()
    );
    assert_eq!(
        ChainHash::TESTNET.0,
        LdkChainHash::using_genesis_block(Network::Testnet).to_bytes()
    );
    assert_eq!(
        ChainHash::REGTEST.0,
        LdkChainHash::using_genesis_block(Network::Regtest).to_bytes()
    );
}

/// Channels, updates and node announcements we sign go into LDK's graph, which then holds
/// the policies we signed; forged ones LDK refuses as we do.
#[test]
fn ldk_accepts_what_we_sign() {
    let mut rng = Rng(21);
    let graph = NetworkGraph::new(Network::Bitcoin, &NoLog);
    let t = now() - 60;
    let mut accepted = 0;
    for i in 0..25u64 {
        let scid = ShortChannelId::new(800_000 + i, i, 0).unwrap();
        let keys = [rng.key(), rng.key(), rng.key(), rng.key()];
        let ann = ChannelAnnouncement::sign(
            ChainHash::BITCOIN,
            scid,
            &[],
            &keys[0],
            &keys[1],
            &keys[2],
            &keys[3],
        );
        let ldk_ann: msgs::ChannelAnnouncement = ldk_read(&ann.encode()[2..]);
        graph.update_channel_from_announcement_no_lookup(&ldk_ann).unwrap();
        let (s1, s2) = if NodeId::from_pubkey(&pk(&keys[0])) == ann.contents.node_id_1 {
            (keys[0], keys[1])
        } else {
            (keys[1], keys[0])
        };
        for (direction, key) in [(0u8, s1), (1, s2)] {
            let upd = UnsignedChannelUpdate {
                chain_hash: ChainHash::BITCOIN,
                short_channel_id: scid,
                timestamp: t,
                message_flags: MESSAGE_FLAG_MUST_BE_ONE,
                channel_flags: direction | if i % 5 == 0 { CHANNEL_FLAG_DISABLE } else { 0 },
                cltv_expiry_delta: 18 + i as u16,
                htlc_minimum_msat: Msat(1000 + i),
                fee_base_msat: 1000 * i as u32,
                fee_proportional_millionths: 10 * i as u32 + u32::from(direction),
                htlc_maximum_msat: Msat(1_000_000 * (i + 1)),
                excess_data: if i % 4 == 0 { vec![1, 2, 3] } else { Vec::new() },
            };
            // Signed by the other node: LDK refuses it too.
            let other = if direction == 0 { s2 } else { s1 };
            let forged: msgs::ChannelUpdate = ldk_read(&upd.clone().sign(&other).encode()[2..]);
            assert!(graph.update_channel(&forged).is_err());

            let ldk_upd: msgs::ChannelUpdate = ldk_read(&upd.clone().sign(&key).encode()[2..]);
            graph.update_channel(&ldk_upd).unwrap();
            accepted += 1;
        }
        let node = UnsignedNodeAnnouncement {
            features: Vec::new(),
            timestamp: t,
            node_id: NodeId::from_pubkey(&pk(&s1)),
            rgb_color: [1, 2, 3],
            alias: [b'n'; 32],
            addresses: vec![1, 127, 0, 0, 1, 0x26, 0x07],
            excess_data: Vec::new(),
        }
        .sign(&s1);
        let ldk_node: msgs::NodeAnnouncement = ldk_read(&node.encode()[2..]);
        graph.update_node_from_announcement(&ldk_node).unwrap();

        let ro = graph.read_only();
        let info = ro.channel(scid.to_u64()).unwrap();
        let one = info.one_to_two.as_ref().unwrap();
        let two = info.two_to_one.as_ref().unwrap();
        assert_eq!(
            (one.fees.base_msat, one.fees.proportional_millionths),
            (1000 * i as u32, 10 * i as u32)
        );
        assert_eq!(two.fees.proportional_millionths, 10 * i as u32 + 1);
        assert_eq!((one.enabled, one.htlc_maximum_msat), (i % 5 != 0, 1_000_000 * (i + 1)));
        let ldk_node_id = LdkNodeId::from_pubkey(&pk(&s1));
        assert!(ro.node(&ldk_node_id).unwrap().announcement_info.is_some());
    }
    assert_eq!(accepted, 50);
    assert_eq!(graph.read_only().channels().len(), 25);
}

/// Messages LDK builds and serializes parse and verify with ours, re-encode to LDK's bytes,
/// and apply to our graph with the same outcome LDK gives.
#[test]
fn we_accept_what_ldk_serializes() {
    let mut rng = Rng(22);
    let chain = LdkChainHash::using_genesis_block(Network::Bitcoin);
    let ldk_graph = NetworkGraph::new(Network::Bitcoin, &NoLog);
    let mut builder = GraphBuilder::new();
    let mut applier = GossipApplier::new(ChainHash::BITCOIN);
    let t = now() - 120;
    let mut checked = 0;
    for i in 0..25u64 {
        let keys = [rng.key(), rng.key(), rng.key(), rng.key()];
        let (n1, n2, b1, b2) = if pk(&keys[0]).serialize() < pk(&keys[1]).serialize() {
            (0, 1, 2, 3)
        } else {
            (1, 0, 3, 2)
        };
        let scid = 900_000u64 << 40 | i << 16;
        let unsigned_ann = msgs::UnsignedChannelAnnouncement {
            features: ChannelFeatures::empty(),
            chain_hash: chain,
            short_channel_id: scid,
            node_id_1: LdkNodeId::from_pubkey(&pk(&keys[n1])),
            node_id_2: LdkNodeId::from_pubkey(&pk(&keys[n2])),
            bitcoin_key_1: LdkNodeId::from_pubkey(&pk(&keys[b1])),
            bitcoin_key_2: LdkNodeId::from_pubkey(&pk(&keys[b2])),
            excess_data: if i % 3 == 0 { vec![0xab; 5] } else { Vec::new() },
        };
        let ldk_ann = msgs::ChannelAnnouncement {
            node_signature_1: ldk_sign(&unsigned_ann, &keys[n1]),
            node_signature_2: ldk_sign(&unsigned_ann, &keys[n2]),
            bitcoin_signature_1: ldk_sign(&unsigned_ann, &keys[b1]),
            bitcoin_signature_2: ldk_sign(&unsigned_ann, &keys[b2]),
            contents: unsigned_ann,
        };
        ldk_graph.update_channel_from_announcement_no_lookup(&ldk_ann).unwrap();
        let body = ldk_ann.encode();
        let ours = ChannelAnnouncement::parse_body(&body).unwrap();
        ours.verify().unwrap();
        assert_eq!(ours.encode()[2..], body[..]);
        assert_eq!(ours.contents.short_channel_id.to_u64(), scid);
        assert_eq!(applier.apply_channel_announcement(&mut builder, &ours), Ok(Applied::Added));

        for direction in [0u8, 1] {
            let unsigned = msgs::UnsignedChannelUpdate {
                chain_hash: chain,
                short_channel_id: scid,
                timestamp: t + i as u32,
                message_flags: 1,
                channel_flags: direction | if i % 2 == 0 { 2 } else { 0 },
                cltv_expiry_delta: 144,
                htlc_minimum_msat: i,
                htlc_maximum_msat: 5_000_000 + i,
                fee_base_msat: 1 + i as u32,
                fee_proportional_millionths: 2 + i as u32,
                excess_data: Vec::new(),
            };
            let signer = if direction == 0 { &keys[n1] } else { &keys[n2] };
            let ldk_upd =
                msgs::ChannelUpdate { signature: ldk_sign(&unsigned, signer), contents: unsigned };
            ldk_graph.update_channel(&ldk_upd).unwrap();
            let body = ldk_upd.encode();
            let ours = ChannelUpdate::parse_body(&body).unwrap();
            assert_eq!(ours.encode()[2..], body[..]);
            assert_eq!(applier.apply_channel_update(&mut builder, &ours), Ok(Applied::Added));
            let p = builder.direction_policy(ours.contents.short_channel_id, direction).unwrap();
            assert_eq!(
                (p.enabled, p.fee_ppm, p.htlc_max),
                (i % 2 == 1, 2 + i as u32, Msat(5_000_000 + i))
            );
            // A repeat is a duplicate to LDK and stale to us.
            assert!(ldk_graph.update_channel(&ldk_upd).is_err());
            assert!(matches!(
                applier.apply_channel_update(&mut builder, &ours),
                Ok(Applied::Stale { .. })
            ));
            checked += 1;
        }

        let unsigned_node = msgs::UnsignedNodeAnnouncement {
            features: NodeFeatures::empty(),
            timestamp: t,
            node_id: LdkNodeId::from_pubkey(&pk(&keys[n1])),
            rgb: [3, 2, 1],
            alias: NodeAlias([b'z'; 32]),
            addresses: vec![msgs::SocketAddress::TcpIpV4 { addr: [10, 0, 0, 1], port: 9735 }],
            excess_address_data: Vec::new(),
            excess_data: Vec::new(),
        };
        let ldk_node = msgs::NodeAnnouncement {
            signature: ldk_sign(&unsigned_node, &keys[n1]),
            contents: unsigned_node,
        };
        ldk_graph.update_node_from_announcement(&ldk_node).unwrap();
        let body = ldk_node.encode();
        let ours = NodeAnnouncement::parse_body(&body).unwrap();
        assert_eq!(ours.encode()[2..], body[..]);
        assert_eq!(
            ours.contents.decoded_addresses(),
            Ok(vec![Address::Ipv4 { addr: [10, 0, 0, 1], port: 9735 }])
        );
        assert_eq!(applier.apply_node_announcement(&ours), Ok(Applied::Added));
    }
    assert_eq!(checked, 50);
    assert_eq!(builder.channel_count(), 25);
}
