//! Onion messages with LDK 0.2.7 as the other side, over seeded random cases:
//! - messages we build (our own hops before the introduction node, a blinded path we build with
//!   forwarders and dummy hops, an optional reply path, a payload field) are peeled hop by hop
//!   by LDK's `peel_onion_message`, which forwards the same bytes our peel forwards and
//!   receives the same payload and reply path;
//! - messages LDK builds (`create_onion_message`, with LDK's own intermediate nodes, to our
//!   blinded paths or straight to a node, with our reply path) are peeled hop by hop by us;
//! - messages we build to paths LDK builds (`BlindedMessagePath::new_with_dummy_hops`, next
//!   hops by node id or short channel id, its own dummy hops and authenticated context) are
//!   peeled by LDK to the end; its forwarding hops peel with ours to the same message.
//!
//! LDK reads no `path_id` (it keeps its context in a record of its own), so the paths LDK
//! receives on carry none; ours do.

mod common;

use common::NoLog;

use lightning::blinded_path::message::{
    BlindedMessagePath, MessageContext, MessageForwardNode, NextMessageHop,
};
use lightning::blinded_path::EmptyNodeIdLookUp;
use lightning::io;
use lightning::ln::msgs::{self, DecodeError};
use lightning::onion_message::messenger::{
    create_onion_message, peel_onion_message as ldk_peel, CustomOnionMessageHandler, Destination,
    MessageSendInstructions, OnionMessagePath, PeeledOnion, Responder, ResponseInstruction,
};
use lightning::onion_message::packet::OnionMessageContents;
use lightning::sign::{EntropySource, KeysManager, NodeSigner};

use lightning::util::ser::{LengthReadable, Readable, Writeable, Writer};
use lnpay_onion::blinding::BlindedPath;
use lnpay_onion::message::path::build_message_path;
use lnpay_onion::message::tlv::MessageContents;
use lnpay_onion::message::{
    build_onion_message, peel_onion_message, FinalContents, MessageKeys, NextNode, PeeledMessage,
};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use secp256k1::{PublicKey, Secp256k1, SecretKey};
use std::sync::Mutex;
use wire::OnionMessage;

struct Seeded(Mutex<StdRng>);
impl EntropySource for Seeded {
    fn get_secure_random_bytes(&self) -> [u8; 32] {
        self.0.lock().map(|mut r| r.gen()).unwrap_or([7; 32])
    }
}

/// A payload field of a type LDK leaves to the custom handler, as raw bytes.
#[derive(Debug, Clone, PartialEq)]
struct Raw {
    typ: u64,
    value: Vec<u8>,
}
impl Writeable for Raw {
    fn write<W: Writer>(&self, w: &mut W) -> Result<(), io::Error> {
        w.write_all(&self.value)
    }
}
impl OnionMessageContents for Raw {
    fn tlv_type(&self) -> u64 {
        self.typ
    }
    fn msg_type(&self) -> &'static str {
        "raw"
    }
}

struct RawHandler;
impl CustomOnionMessageHandler for RawHandler {
    type CustomMessage = Raw;
    fn handle_custom_message(
        &self,
        _message: Raw,
        _context: Option<Vec<u8>>,
        _responder: Option<Responder>,
    ) -> Option<(Raw, ResponseInstruction)> {
        None
    }
    fn read_custom_message<R: io::Read>(
        &self,
        typ: u64,
        buffer: &mut R,
    ) -> Result<Option<Raw>, DecodeError> {
        let mut value = Vec::new();
        let mut chunk = [0u8; 256];
        loop {
            let n = buffer.read(&mut chunk).map_err(|_| DecodeError::ShortRead)?;
            if n == 0 {
                break;
            }
            value.extend_from_slice(&chunk[..n]);
        }
        Ok(Some(Raw { typ, value }))
    }
    fn release_pending_custom_messages(&self) -> Vec<(Raw, MessageSendInstructions)> {
        vec![]
    }
}

struct Node {
    keys: KeysManager,
    secret: SecretKey,
    id: PublicKey,
}

fn nodes(secp: &Secp256k1<secp256k1::All>, n: u8) -> Vec<Node> {
    (1..=n)
        .map(|i| {
            let keys = KeysManager::new(&[i; 32], 1, 0, true);
            let secret = keys.get_node_secret_key();
            Node { keys, secret, id: PublicKey::from_secret_key(secp, &secret) }
        })
        .collect()
}

fn to_ldk_path(path: &BlindedPath) -> BlindedMessagePath {
    BlindedMessagePath::read(&mut &path.encode()[..])
        .unwrap_or_else(|e| panic!("ldk refuses our blinded path: {e:?}"))
}

fn from_ldk_path(path: &BlindedMessagePath) -> BlindedPath {
    let bytes = path.encode();
    let (ours, used) =
        BlindedPath::decode_prefix(&bytes).unwrap_or_else(|e| panic!("ldk's path: {e}"));
    assert_eq!(used, bytes.len());
    ours
}

fn to_ldk_message(m: &OnionMessage) -> msgs::OnionMessage {
    let mut payload = Vec::new();
    m.encode_payload(&mut payload);
    msgs::OnionMessage::read_from_fixed_length_buffer(&mut &payload[..])
        .unwrap_or_else(|e| panic!("ldk refuses our onion_message: {e:?}"))
}

fn from_ldk_message(m: &msgs::OnionMessage) -> OnionMessage {
    OnionMessage::decode(&m.encode()).unwrap_or_else(|e| panic!("ldk's onion_message: {e}"))
}

fn secret(rng: &mut StdRng) -> SecretKey {
    loop {
        if let Ok(k) = SecretKey::from_slice(&rng.gen::<[u8; 32]>()) {
            return k;
        }
    }
}

/// `k` distinct node indices out of `n`, none in `not`.
fn pick(rng: &mut StdRng, n: usize, k: usize, not: &[usize]) -> Vec<usize> {
    let mut out = Vec::new();
    while out.len() < k {
        let i = rng.gen_range(0..n);
        if !out.contains(&i) && !not.contains(&i) {
            out.push(i);
        }
    }
    out
}

fn raw(rng: &mut StdRng) -> Raw {
    // Odd types from 1001 up: LDK's offers, async-payment and DNS types are all elsewhere.
    let typ = 1001 + 2 * rng.gen_range(0..500u64);
    let len = rng.gen_range(0..600);
    Raw { typ, value: (0..len).map(|_| rng.gen()).collect() }
}

const CASES: usize = 300;

#[test]
fn ldk_peels_the_messages_we_build() {
    let secp = Secp256k1::new();
    let net = nodes(&secp, 8);
    let mut rng = StdRng::seed_from_u64(0x6f6e_696f_6e6d_7367);
    let (mut hops_peeled, mut dummies, mut replies) = (0, 0, 0);
    for case in 0..CASES {
        let recipient = rng.gen_range(0..net.len());
        let k = rng.gen_range(0..3);
        let forwarders = pick(&mut rng, net.len(), k, &[recipient]);
        let mut used = forwarders.clone();
        used.push(recipient);
        let k = rng.gen_range(0..3);
        let intermediate = pick(&mut rng, net.len(), k, &used);
        let dummy = rng.gen_range(0..3);
        let ids: Vec<PublicKey> = forwarders.iter().map(|&i| net[i].id).collect();
        let path =
            build_message_path(&secp, &secret(&mut rng), &ids, net[recipient].id, dummy, None)
                .unwrap();
        let reply_path = rng.gen_bool(0.5).then(|| {
            let via = pick(&mut rng, net.len(), 1, &[]);
            let sender = PublicKey::from_secret_key(&secp, &secret(&mut rng));
            build_message_path(
                &secp,
                &secret(&mut rng),
                &[net[via[0]].id],
                sender,
                1,
                Some(vec![9; 16]),
            )
            .unwrap()
        });
        let payload = raw(&mut rng);
        let contents = FinalContents {
            reply_path: reply_path.clone(),
            contents: Some(MessageContents::Other {
                typ: payload.typ,
                value: payload.value.clone(),
            }),
            unknown: vec![],
        };
        let keys = MessageKeys { session_key: secret(&mut rng), path_key: secret(&mut rng) };
        let ours: Vec<PublicKey> = intermediate.iter().map(|&i| net[i].id).collect();
        let (peer, mut message) = build_onion_message(&secp, &keys, &ours, &path, &contents)
            .unwrap_or_else(|e| panic!("case {case}: {e}"));
        let mut at = net.iter().position(|n| n.id == peer).unwrap();
        let expected_hops = intermediate.len() + forwarders.len() + dummy + 1;
        let mut steps = 0;
        loop {
            steps += 1;
            assert!(steps <= expected_hops, "case {case}: too many hops");
            let node = &net[at];
            let ldk = ldk_peel(&to_ldk_message(&message), &secp, &node.keys, &NoLog, &RawHandler)
                .unwrap_or_else(|()| panic!("case {case}: ldk node {at} refuses hop {steps}"));
            let mine = peel_onion_message(&secp, &node.secret, &message)
                .unwrap_or_else(|e| panic!("case {case}: we refuse hop {steps}: {e}"));
            match ldk {
                PeeledOnion::Forward(NextMessageHop::NodeId(next), forwarded) => {
                    let forwarded = from_ldk_message(&forwarded);
                    if next == node.id {
                        // A dummy hop: LDK hands it back to itself, we peel it on the spot.
                        dummies += 1;
                        message = forwarded;
                        continue;
                    }
                    assert_eq!(
                        mine,
                        PeeledMessage::Forward {
                            next: NextNode::NodeId(next),
                            message: forwarded.clone()
                        },
                        "case {case}: ldk and we forward differently"
                    );
                    at = net.iter().position(|n| n.id == next).unwrap();
                    message = forwarded;
                    hops_peeled += 1;
                }
                PeeledOnion::Custom(got, context, ldk_reply) => {
                    assert_eq!(at, recipient, "case {case}");
                    assert_eq!(steps, expected_hops, "case {case}");
                    assert_eq!(got, payload, "case {case}");
                    assert_eq!(context, None);
                    assert_eq!(ldk_reply.as_ref().map(from_ldk_path), reply_path, "case {case}");
                    replies += usize::from(reply_path.is_some());
                    let PeeledMessage::Receive(r) = mine else { panic!("case {case}: {mine:?}") };
                    assert_eq!(r.reply_path, reply_path);
                    assert_eq!(r.path_id, None);
                    hops_peeled += 1;
                    break;
                }
                other => panic!("case {case}: ldk peels {other:?}"),
            }
        }
    }
    assert!(hops_peeled > CASES * 2, "only {hops_peeled} hops");
    assert!(dummies > CASES / 2, "only {dummies} dummy hops");
    assert!(replies > CASES / 4, "only {replies} reply paths");
}

#[test]
fn we_peel_the_messages_ldk_builds() {
    let secp = Secp256k1::new();
    let net = nodes(&secp, 8);
    let mut rng = StdRng::seed_from_u64(0x6c64_6b5f_6d73_6773);
    let (mut hops_peeled, mut to_paths, mut replies) = (0, 0, 0);
    for case in 0..CASES {
        let sender = &net[0];
        let recipient = rng.gen_range(1..net.len());
        let k = rng.gen_range(0..3);
        let forwarders = pick(&mut rng, net.len(), k, &[0, recipient]);
        let mut used = forwarders.clone();
        used.extend([0, recipient]);
        let k = rng.gen_range(0..3);
        let intermediate = pick(&mut rng, net.len(), k, &used);
        let dummy = rng.gen_range(0..3);
        let path_id: Vec<u8> = (0..rng.gen_range(1..40)).map(|_| rng.gen()).collect();
        let to_path = rng.gen_bool(0.7);
        let ids: Vec<PublicKey> = forwarders.iter().map(|&i| net[i].id).collect();
        let path = build_message_path(
            &secp,
            &secret(&mut rng),
            &ids,
            net[recipient].id,
            dummy,
            Some(path_id.clone()),
        )
        .unwrap();
        let destination = if to_path {
            to_paths += 1;
            Destination::BlindedPath(to_ldk_path(&path))
        } else {
            Destination::Node(net[recipient].id)
        };
        let reply_path = rng.gen_bool(0.5).then(|| {
            let via = pick(&mut rng, net.len(), 1, &[0]);
            build_message_path(
                &secp,
                &secret(&mut rng),
                &[net[via[0]].id],
                sender.id,
                1,
                Some(vec![3; 8]),
            )
            .unwrap()
        });
        let payload = raw(&mut rng);
        let entropy = Seeded(Mutex::new(StdRng::seed_from_u64(case as u64)));
        let (peer, message, _) = create_onion_message(
            &&entropy,
            &&sender.keys,
            &&EmptyNodeIdLookUp {},
            &secp,
            OnionMessagePath {
                intermediate_nodes: intermediate.iter().map(|&i| net[i].id).collect(),
                destination,
                first_node_addresses: vec![],
            },
            payload.clone(),
            reply_path.as_ref().map(to_ldk_path),
        )
        .unwrap_or_else(|e| panic!("case {case}: ldk cannot build: {e:?}"));
        let mut message = from_ldk_message(&message);
        let mut at = net.iter().position(|n| n.id == peer).unwrap();
        let expected_hops = intermediate.len() + if to_path { forwarders.len() + 1 } else { 1 };
        for step in 1..=expected_hops {
            match peel_onion_message(&secp, &net[at].secret, &message)
                .unwrap_or_else(|e| panic!("case {case}: we refuse hop {step} at {at}: {e}"))
            {
                PeeledMessage::Forward { next: NextNode::NodeId(next), message: forwarded } => {
                    assert!(step < expected_hops, "case {case}: forwards at the last hop");
                    at = net.iter().position(|n| n.id == next).unwrap();
                    message = forwarded;
                }
                PeeledMessage::Forward { next, .. } => panic!("case {case}: forward to {next:?}"),
                PeeledMessage::Receive(r) => {
                    assert_eq!(step, expected_hops, "case {case}: received early");
                    assert_eq!(at, recipient, "case {case}");
                    assert_eq!(
                        r.contents,
                        Some(MessageContents::Other {
                            typ: payload.typ,
                            value: payload.value.clone()
                        }),
                        "case {case}"
                    );
                    assert_eq!(r.reply_path, reply_path, "case {case}");
                    replies += usize::from(reply_path.is_some());
                    if to_path {
                        assert_eq!(r.path_id, Some(path_id.clone()), "case {case}");
                        assert_eq!(r.dummy_hops, dummy, "case {case}");
                    } else {
                        assert_eq!(r.path_id, None, "case {case}");
                    }
                }
            }
            hops_peeled += 1;
        }
    }
    assert!(hops_peeled > CASES * 2, "only {hops_peeled} hops");
    assert!(to_paths > CASES / 2 && to_paths < CASES, "{to_paths} to paths");
    assert!(replies > CASES / 4, "only {replies} reply paths");
}

#[test]
fn ldk_peels_what_we_send_over_its_own_paths() {
    let secp = Secp256k1::new();
    let net = nodes(&secp, 8);
    // One channel between every two nodes a < b, numbered 1000 + 16a + b: what LDK's paths
    // name by short channel id.
    let scid_of = |a: usize, b: usize| 1_000 + 16 * a.min(b) as u64 + a.max(b) as u64;
    let node_of_scid = |from: usize, scid: u64| -> usize {
        let (a, b) = (usize::try_from((scid - 1_000) / 16).unwrap(), (scid - 1_000) as usize % 16);
        if a == from {
            b
        } else {
            a
        }
    };
    let mut rng = StdRng::seed_from_u64(0x6c64_6b5f_7061_7468);
    let (mut by_scid, mut compared) = (0, 0);
    for case in 0..CASES / 2 {
        let recipient = rng.gen_range(0..net.len());
        let k = rng.gen_range(0..3);
        let forwarders = pick(&mut rng, net.len(), k, &[recipient]);
        let mut used = forwarders.clone();
        used.push(recipient);
        let k = rng.gen_range(0..3);
        let intermediate = pick(&mut rng, net.len(), k, &used);
        let chain: Vec<usize> = forwarders.iter().copied().chain([recipient]).collect();
        let forward_nodes: Vec<MessageForwardNode> = forwarders
            .iter()
            .zip(&chain[1..])
            .map(|(&f, &next)| MessageForwardNode {
                node_id: net[f].id,
                short_channel_id: rng.gen_bool(0.5).then(|| scid_of(f, next)),
            })
            .collect();
        let context = vec![rng.gen::<u8>(); rng.gen_range(1..20)];
        let entropy = Seeded(Mutex::new(StdRng::seed_from_u64(case as u64)));
        let ldk_path = BlindedMessagePath::new_with_dummy_hops(
            &forward_nodes,
            net[recipient].id,
            rng.gen_range(0..3),
            net[recipient].keys.get_receive_auth_key(),
            MessageContext::Custom(context.clone()),
            &entropy,
            &secp,
        );
        let path = from_ldk_path(&ldk_path);
        let payload = raw(&mut rng);
        let contents = FinalContents {
            reply_path: None,
            contents: Some(MessageContents::Other {
                typ: payload.typ,
                value: payload.value.clone(),
            }),
            unknown: vec![],
        };
        let keys = MessageKeys { session_key: secret(&mut rng), path_key: secret(&mut rng) };
        let ours: Vec<PublicKey> = intermediate.iter().map(|&i| net[i].id).collect();
        let (peer, mut message) = build_onion_message(&secp, &keys, &ours, &path, &contents)
            .unwrap_or_else(|e| panic!("case {case}: {e}"));
        let mut at = net.iter().position(|n| n.id == peer).unwrap();
        for step in 1.. {
            assert!(step <= intermediate.len() + chain.len(), "case {case}: too many hops");
            let node = &net[at];
            let ldk = ldk_peel(&to_ldk_message(&message), &secp, &node.keys, &NoLog, &RawHandler)
                .unwrap_or_else(|()| panic!("case {case}: ldk node {at} refuses hop {step}"));
            match ldk {
                PeeledOnion::Forward(next_hop, forwarded) => {
                    let forwarded = from_ldk_message(&forwarded);
                    let (next, ours_next) = match next_hop {
                        NextMessageHop::NodeId(pk) => {
                            (net.iter().position(|n| n.id == pk).unwrap(), NextNode::NodeId(pk))
                        }
                        NextMessageHop::ShortChannelId(scid) => {
                            by_scid += 1;
                            (
                                node_of_scid(at, scid),
                                NextNode::ShortChannelId(types::ShortChannelId(scid)),
                            )
                        }
                    };
                    let mine = peel_onion_message(&secp, &node.secret, &message)
                        .unwrap_or_else(|e| panic!("case {case}: we refuse hop {step}: {e}"));
                    assert_eq!(
                        mine,
                        PeeledMessage::Forward { next: ours_next, message: forwarded.clone() },
                        "case {case}: ldk and we forward differently"
                    );
                    compared += 1;
                    at = next;
                    message = forwarded;
                }
                PeeledOnion::Custom(got, ctx, reply) => {
                    assert_eq!(at, recipient, "case {case}");
                    assert_eq!(got, payload, "case {case}");
                    assert_eq!(ctx, Some(context.clone()), "case {case}");
                    assert!(reply.is_none());
                    break;
                }
                other => panic!("case {case}: ldk peels {other:?}"),
            }
        }
    }
    assert!(by_scid > CASES / 8, "only {by_scid} hops by scid");
    assert!(compared > CASES / 2, "only {compared} hops compared");
}
