//! Onion messages across the simulated network: a request from node 0 crosses the sender's own
//! hops 1 and 2, then the recipient's blinded path (introduction node 3, then 4, then node 5
//! with a dummy hop), and its reply comes back over the reply path node 0 put in it. Each node
//! peels its layer with its own key; the recipient reads the payload, its `path_id` and the
//! reply path. A path naming its next hop by short channel id is followed too; tampered
//! messages and unknown peers are dropped and recorded.

use lnpay_sim::{Latency, MessageDrop, SendMessageError, SimConfig, Simulator, Topology};
use onion::blinding::{build_blinded_path, EncryptedDataTlv};
use onion::message::path::build_message_path;
use onion::message::tlv::MessageContents;
use onion::message::{build_onion_message, FinalContents, MessageKeys, NextNode, PeelMessageError};
use route::graph::EdgePolicy;
use secp256k1::{PublicKey, Secp256k1, SecretKey};
use types::{Msat, ShortChannelId};

const LATENCY_MS: u64 = 10;

/// Nodes 0..=5 in a line, channel `i` between nodes `i` and `i + 1`.
fn line() -> Simulator {
    let mut t = Topology::new();
    for _ in 0..6 {
        t.add_node();
    }
    let policy = EdgePolicy {
        timestamp: 1,
        enabled: true,
        base_fee_msat: 0,
        fee_ppm: 0,
        cltv_delta: 40,
        htlc_min: Msat(1),
        htlc_max: Msat(1_000_000_000),
    };
    for i in 0..5u32 {
        t.add_channel(scid(i), i, i + 1, Msat(1_000_000_000), policy);
    }
    let cfg = SimConfig { seed: 11, latency: Latency::Fixed(LATENCY_MS), ..Default::default() };
    Simulator::new(&t, cfg).unwrap_or_else(|e| panic!("{e}"))
}

fn scid(i: u32) -> ShortChannelId {
    ShortChannelId((800_000 + u64::from(i)) << 40)
}

fn key(b: u8) -> SecretKey {
    SecretKey::from_slice(&[b; 32]).unwrap_or_else(|e| panic!("{e}"))
}

fn ids(sim: &Simulator, nodes: &[u32]) -> Vec<PublicKey> {
    nodes.iter().map(|&n| sim.node_pubkey(n).unwrap()).collect()
}

#[test]
fn request_crosses_a_blinded_path_and_the_reply_comes_back() {
    let secp = Secp256k1::new();
    let mut sim = line();
    let pk = |sim: &Simulator, n: u32| sim.node_pubkey(n).unwrap();

    // Node 5's path (as in an offer): introduction node 3, then 4, then 5 and one dummy hop.
    let offer_path = build_message_path(
        &secp,
        &key(1),
        &ids(&sim, &[3, 4]),
        pk(&sim, 5),
        1,
        Some(b"offer-1".to_vec()),
    )
    .unwrap();
    // Node 0's reply path: introduction node 1, then 0.
    let reply_path = build_message_path(
        &secp,
        &key(2),
        &ids(&sim, &[1]),
        pk(&sim, 0),
        0,
        Some(b"reply-1".to_vec()),
    )
    .unwrap();
    let request = MessageContents::InvoiceRequest(vec![0xa0; 120]);
    let contents = FinalContents {
        reply_path: Some(reply_path.clone()),
        contents: Some(request.clone()),
        unknown: vec![],
    };
    let keys = MessageKeys { session_key: key(3), path_key: key(4) };
    let (peer, message) =
        build_onion_message(&secp, &keys, &ids(&sim, &[1, 2]), &offer_path, &contents).unwrap();
    assert_eq!(peer, pk(&sim, 1));
    sim.send_onion_message(0, peer, message).unwrap();
    sim.run_until_idle();
    assert_eq!(sim.dropped_onion_messages(), &[]);
    let got = sim.take_onion_messages();
    assert_eq!(got.len(), 1);
    let at5 = &got[0];
    assert_eq!(at5.node, 5);
    // 0 -> 1 -> 2 -> 3 -> 4 -> 5: five peer links; the dummy hop is peeled at 5 on the spot.
    assert_eq!(at5.time_ms, 5 * LATENCY_MS);
    assert_eq!(at5.message.contents, Some(request));
    assert_eq!(at5.message.path_id.as_deref(), Some(&b"offer-1"[..]));
    assert_eq!(at5.message.dummy_hops, 1);
    assert_eq!(at5.message.reply_path.as_ref(), Some(&reply_path));

    // Node 5 answers over the reply path: through 4, 3 and 2 to the introduction node 1.
    let invoice = MessageContents::Invoice(vec![0xb0; 300]);
    let reply =
        FinalContents { reply_path: None, contents: Some(invoice.clone()), unknown: vec![] };
    let keys = MessageKeys { session_key: key(5), path_key: key(6) };
    let back = at5.message.reply_path.clone().unwrap();
    let (peer, message) =
        build_onion_message(&secp, &keys, &ids(&sim, &[4, 3, 2]), &back, &reply).unwrap();
    assert_eq!(peer, pk(&sim, 4));
    sim.send_onion_message(5, peer, message).unwrap();
    sim.run_until_idle();
    assert_eq!(sim.dropped_onion_messages(), &[]);
    let got = sim.take_onion_messages();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].node, 0);
    assert_eq!(got[0].time_ms, at5.time_ms + 5 * LATENCY_MS);
    assert_eq!(got[0].message.contents, Some(invoice));
    assert_eq!(got[0].message.path_id.as_deref(), Some(&b"reply-1"[..]));
    assert_eq!(got[0].message.reply_path, None);
}

#[test]
fn next_hop_by_short_channel_id() {
    let secp = Secp256k1::new();
    let mut sim = line();
    // Node 2's path: 1 names its next hop by the channel 1-2.
    let hops = vec![
        (
            sim.node_pubkey(1).unwrap(),
            EncryptedDataTlv { short_channel_id: Some(scid(1)), ..Default::default() }.encode(),
        ),
        (
            sim.node_pubkey(2).unwrap(),
            EncryptedDataTlv { path_id: Some(vec![2]), ..Default::default() }.encode(),
        ),
    ];
    let path = build_blinded_path(&secp, &key(7), &hops).unwrap();
    let contents = FinalContents {
        contents: Some(MessageContents::InvoiceError(vec![1, 2, 3])),
        ..FinalContents::default()
    };
    let keys = MessageKeys { session_key: key(8), path_key: key(9) };
    let (peer, message) = build_onion_message(&secp, &keys, &[], &path, &contents).unwrap();
    sim.send_onion_message(0, peer, message).unwrap();
    sim.run_until_idle();
    let got = sim.take_onion_messages();
    assert_eq!(got.len(), 1, "{:?}", sim.dropped_onion_messages());
    assert_eq!((got[0].node, got[0].message.path_id.clone()), (2, Some(vec![2])));
}

#[test]
fn tampered_messages_and_strangers_are_dropped() {
    let secp = Secp256k1::new();
    let mut sim = line();
    let path =
        build_message_path(&secp, &key(1), &ids(&sim, &[2]), sim.node_pubkey(3).unwrap(), 0, None)
            .unwrap();
    let keys = MessageKeys { session_key: key(3), path_key: key(4) };
    let contents = FinalContents {
        contents: Some(MessageContents::InvoiceRequest(vec![9])),
        ..FinalContents::default()
    };
    let (peer, message) =
        build_onion_message(&secp, &keys, &ids(&sim, &[1]), &path, &contents).unwrap();

    // Node 0 has no channel with node 3.
    let stranger = sim.node_pubkey(3).unwrap();
    assert_eq!(
        sim.send_onion_message(0, stranger, message.clone()),
        Err(SendMessageError::NotAPeer { from: 0, peer: stranger })
    );

    // One flipped bit: node 1 drops it.
    let mut bad = message.clone();
    bad.onion_message_packet[500] ^= 1;
    sim.send_onion_message(0, peer, bad).unwrap();
    sim.run_until_idle();
    assert!(sim.take_onion_messages().is_empty());
    let dropped = sim.dropped_onion_messages();
    assert_eq!(dropped.len(), 1);
    assert_eq!(dropped[0].node, 1);
    assert!(matches!(dropped[0].reason, MessageDrop::Peel(PeelMessageError::Onion(_))));

    // A path whose next node is not a peer of the forwarder: node 1 told to go to node 4.
    let far =
        build_message_path(&secp, &key(5), &ids(&sim, &[1]), sim.node_pubkey(4).unwrap(), 0, None)
            .unwrap();
    let (peer, m) = build_onion_message(&secp, &keys, &[], &far, &contents).unwrap();
    sim.send_onion_message(0, peer, m).unwrap();
    sim.run_until_idle();
    let dropped = sim.dropped_onion_messages();
    assert_eq!(dropped.len(), 2);
    assert_eq!(dropped[1].node, 1);
    assert_eq!(
        dropped[1].reason,
        MessageDrop::UnknownPeer(NextNode::NodeId(sim.node_pubkey(4).unwrap()))
    );
    assert!(sim.take_onion_messages().is_empty());
}
