//! Blinded payment onions against LDK 0.2.7, 300 seeded cases each way:
//! - LDK builds the blinded payment path (`BlindedPaymentPath::new`: forwarding nodes with
//!   `ForwardTlvs`, the payee's authenticated `ReceiveTlvs`), our payer builds the onion
//!   through it after clear hops to its introduction node (`blinded_payment::
//!   build_blinded_payment_onion`, as the payment machine does), and LDK peels every hop
//!   (`onion_payment::peel_payment_onion`, the next hop's path key from LDK's own
//!   `BlindedPaymentPath::advance_path_by_one`): it forwards over the channels, amounts and
//!   CLTVs our reader (`blinded_payment::read_blinded_hop`) gives, and its payee receives what
//!   we meant. Our aggregate of the path's relays equals LDK's payinfo.
//! - we build the blinded path as our receivers do (`blinded_payment::build_payment_path`),
//!   LDK's payer builds the onion through it (`create_payment_onion` with a `BlindedTail`), and
//!   we peel and read every hop with the simulator's reader.
//!
//! LDK's `onion_utils::next_hop_pubkey` and `decode_next_payment_hop` are `pub(crate)` in
//! 0.2.7; `advance_path_by_one` and `peel_payment_onion` are public and do the same work.

mod common;

use common::{from_ldk, to_ldk, NoLog};

use lightning::blinded_path::payment::{
    BlindedPaymentPath, Bolt12RefundContext, ForwardTlvs, PaymentConstraints, PaymentContext,
    PaymentForwardNode, PaymentRelay, UnauthenticatedReceiveTlvs,
};
use lightning::blinded_path::{IntroductionNode, NodeIdLookUp};
use lightning::ln::channelmanager::{BlindedFailure, PendingHTLCRouting};
use lightning::ln::msgs;
use lightning::ln::onion_payment::peel_payment_onion;
use lightning::offers::nonce::Nonce;
use lightning::routing::router::{BlindedTail, Path, RouteHop};
use lightning::sign::{EntropySource, KeysManager, NodeSigner, Recipient};
use lightning::types::features::{BlindedHopFeatures, ChannelFeatures, NodeFeatures};

use lnpay_onion::blinded_payment::{
    aggregate_relay, build_blinded_payment_onion, build_payment_path, read_blinded_hop,
    BlindedFinalData, BlindedHopError, BlindedHopRead, PathForward,
};
use lnpay_onion::blinding::{self, blinded_node_secret, EncryptedDataError, UnblindError};
use lnpay_onion::packet::{self, OnionPacket};
use lnpay_onion::payload::{BlindedFinal, HopPayload};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use secp256k1::{PublicKey, Secp256k1, SecretKey};
use std::collections::HashMap;
use types::blinded::{BlindedHop, BlindedPath};
use types::tlv::TlvError;
use types::{Hop, Msat, NodeId, PaymentHash, ShortChannelId};

const HEIGHT: u32 = 800_000;
const CASES: usize = 300;
const NODES: usize = 12;

struct Entropy([u8; 32]);
impl EntropySource for Entropy {
    fn get_secure_random_bytes(&self) -> [u8; 32] {
        self.0
    }
}

/// LDK's forwarding node finds the next node of a channel the way its channel manager would.
struct Channels(HashMap<u64, PublicKey>);
impl NodeIdLookUp for Channels {
    fn next_node_id(&self, short_channel_id: u64) -> Option<PublicKey> {
        self.0.get(&short_channel_id).copied()
    }
}

fn add(
    onion: &OnionPacket,
    amount_msat: u64,
    cltv_expiry: u32,
    hash: [u8; 32],
    blinding_point: Option<PublicKey>,
) -> msgs::UpdateAddHTLC {
    msgs::UpdateAddHTLC {
        channel_id: lightning::ln::types::ChannelId([0; 32]),
        htlc_id: 0,
        amount_msat,
        payment_hash: lightning::types::payment::PaymentHash(hash),
        cltv_expiry,
        skimmed_fee_msat: None,
        onion_routing_packet: to_ldk(onion),
        blinding_point,
        hold_htlc: None,
    }
}

fn as_ours(path: &BlindedPaymentPath) -> BlindedPath {
    let IntroductionNode::NodeId(intro) = path.introduction_node() else {
        panic!("LDK named its introduction node by a channel");
    };
    BlindedPath {
        introduction_node: types::IntroductionNode::NodeId(*intro),
        first_path_key: path.blinding_point(),
        hops: path
            .blinded_hops()
            .iter()
            .map(|h| BlindedHop {
                blinded_node_id: h.blinded_node_id,
                encrypted_recipient_data: h.encrypted_payload.clone(),
            })
            .collect(),
    }
}

/// `n` distinct node indexes out of [`NODES`].
fn pick(rng: &mut StdRng, n: usize) -> Vec<usize> {
    let mut all: Vec<usize> = (0..NODES).collect();
    for i in (1..all.len()).rev() {
        all.swap(i, rng.gen_range(0..=i));
    }
    all.truncate(n);
    all
}

/// What the payer pays for `amount` through a path of aggregate `base` and `ppm` (BOLT 12:
/// `fee_base_msat + amount * fee_proportional_millionths / 1000000`).
fn path_fee(amount: u64, base: u32, ppm: u32) -> u64 {
    u64::from(base) + (u128::from(amount) * u128::from(ppm) / 1_000_000) as u64
}

/// What LDK's forwarding node read at its hop.
fn ldk_forward(
    info: &lightning::ln::channelmanager::PendingHTLCInfo,
) -> (u64, Option<lightning::ln::channelmanager::BlindedForward>, OnionPacket) {
    match &info.routing {
        PendingHTLCRouting::Forward { short_channel_id, blinded, onion_packet, .. } => {
            (*short_channel_id, *blinded, from_ldk(onion_packet))
        }
        _ => panic!("LDK does not forward"),
    }
}

#[test]
fn ldk_peels_our_onion_through_the_blinded_paths_it_builds() {
    let secp = Secp256k1::new();
    let kms: Vec<KeysManager> =
        (0..NODES).map(|i| KeysManager::new(&[i as u8 + 1; 32], 1, 0, true)).collect();
    let ids: Vec<PublicKey> =
        kms.iter().map(|k| k.get_node_id(Recipient::Node).expect("node id")).collect();
    let mut rng = StdRng::seed_from_u64(0xb1);
    let (mut blinded_hops, mut clear_hops, mut rounded_down, mut intro_receives) = (0, 0, 0, 0);
    for case in 0..CASES {
        let (n_clear, n_fwd) = (rng.gen_range(0..=3usize), rng.gen_range(0..=3usize));
        let nodes = pick(&mut rng, n_clear + n_fwd + 1);
        let (clear, rest) = nodes.split_at(n_clear);
        let (fwd, payee) = (&rest[..n_fwd], rest[n_fwd]);
        // LDK's path: each forwarding node over a channel to the next node of the path.
        let mut channels = HashMap::new();
        let max_cltv = HEIGHT + 5_000;
        let forwards: Vec<PaymentForwardNode> = fwd
            .iter()
            .enumerate()
            .map(|(i, &n)| {
                let scid = rng.gen_range(1..u64::MAX);
                channels.insert(scid, ids[*rest.get(i + 1).expect("a next node")]);
                PaymentForwardNode {
                    tlvs: ForwardTlvs {
                        short_channel_id: scid,
                        payment_relay: PaymentRelay {
                            cltv_expiry_delta: rng.gen_range(48..200),
                            fee_proportional_millionths: rng.gen_range(0..20_000),
                            fee_base_msat: rng.gen_range(0..5_000),
                        },
                        payment_constraints: PaymentConstraints {
                            max_cltv_expiry: max_cltv,
                            htlc_minimum_msat: rng.gen_range(1..1_000),
                        },
                        features: BlindedHopFeatures::empty(),
                        next_blinding_override: None,
                    },
                    node_id: ids[n],
                    htlc_maximum_msat: u64::MAX / 4,
                }
            })
            .collect();
        let secret = rng.gen::<[u8; 32]>();
        let payee_tlvs = UnauthenticatedReceiveTlvs {
            payment_secret: lightning::types::payment::PaymentSecret(secret),
            payment_constraints: PaymentConstraints {
                max_cltv_expiry: max_cltv,
                htlc_minimum_msat: 1,
            },
            payment_context: PaymentContext::Bolt12Refund(Bolt12RefundContext {}),
        }
        .authenticate(
            Nonce::from_entropy_source(&Entropy(rng.gen())),
            &kms[payee].get_expanded_key(),
        );
        let final_delta = rng.gen_range(40..144u16);
        let ldk_path = BlindedPaymentPath::new(
            &forwards,
            ids[payee],
            payee_tlvs,
            u64::MAX / 4,
            final_delta,
            &Entropy(rng.gen()),
            &secp,
        )
        .unwrap_or_else(|()| panic!("case {case}: LDK cannot build the path"));
        let path = as_ours(&ldk_path);
        assert_eq!(path.hops.len(), n_fwd + 1);
        // Our aggregate of the relays is LDK's payinfo.
        let relays: Vec<blinding::PaymentRelay> = forwards
            .iter()
            .map(|f| blinding::PaymentRelay {
                cltv_expiry_delta: f.tlvs.payment_relay.cltv_expiry_delta,
                fee_proportional_millionths: f.tlvs.payment_relay.fee_proportional_millionths,
                fee_base_msat: f.tlvs.payment_relay.fee_base_msat,
            })
            .collect();
        let agg = aggregate_relay(&relays, final_delta).expect("fits");
        let info = &ldk_path.payinfo;
        assert_eq!(
            (agg.fee_base_msat, agg.fee_proportional_millionths, agg.cltv_expiry_delta),
            (info.fee_base_msat, info.fee_proportional_millionths, info.cltv_expiry_delta),
            "case {case}: payinfo"
        );

        // Our part: clear hops to the introduction node, then through the path.
        let amount = rng.gen_range(1_000..5_000_000_000u64);
        let total = amount + rng.gen_range(0..1_000_000);
        let shadow = rng.gen_range(0..30u32);
        let fin =
            BlindedFinalData { amount: Msat(amount), delay: shadow, total_amount: Msat(total) };
        let intro = rest[0];
        let mut hops = vec![Hop {
            id: NodeId::from_pubkey(&ids[intro]),
            channel: ShortChannelId(rng.gen_range(1..u64::MAX)),
            direction: 0,
            amount: Msat(
                amount + path_fee(amount, agg.fee_base_msat, agg.fee_proportional_millionths),
            ),
            delay: u32::from(agg.cltv_expiry_delta) + shadow,
        }];
        for &n in clear.iter().rev() {
            let next = hops[0];
            hops.insert(
                0,
                Hop {
                    id: NodeId::from_pubkey(&ids[n]),
                    channel: ShortChannelId(rng.gen_range(1..u64::MAX)),
                    direction: 0,
                    amount: Msat(next.amount.0 + rng.gen_range(0..5_000)),
                    delay: next.delay + rng.gen_range(48..100),
                },
            );
        }
        let hash = rng.gen::<[u8; 32]>();
        let session = SecretKey::from_slice(&rng.gen::<[u8; 32]>()).expect("random key");
        let (onion, secrets) =
            build_blinded_payment_onion(&session, &hops, HEIGHT, &path, &fin, &PaymentHash(hash))
                .unwrap_or_else(|e| panic!("case {case}: {e:?}"));
        assert_eq!(secrets.len(), hops.len() + n_fwd);

        // LDK peels: the clear hops forward as our route says.
        let (mut current, mut amt, mut cltv) = (onion, hops[0].amount.0, HEIGHT + hops[0].delay);
        for (h, n) in clear.iter().enumerate() {
            let msg = add(&current, amt, cltv, hash, None);
            let info = peel_payment_onion(&msg, &kms[*n], &NoLog, &secp, HEIGHT, false)
                .unwrap_or_else(|e| {
                    panic!("case {case} clear hop {h}: {} ({:?})", e.msg, e.reason)
                });
            assert_eq!(info.incoming_shared_secret, secrets[h].0, "case {case} clear hop {h}");
            let (scid, blinded, next) = ldk_forward(&info);
            assert!(blinded.is_none());
            let to = hops[h + 1];
            assert_eq!(scid, to.channel.0, "case {case} clear hop {h}");
            assert_eq!(info.outgoing_amt_msat, to.amount.0, "case {case} clear hop {h}");
            assert_eq!(info.outgoing_cltv_value, HEIGHT + to.delay, "case {case} clear hop {h}");
            (current, amt, cltv) = (next, info.outgoing_amt_msat, info.outgoing_cltv_value);
            clear_hops += 1;
        }
        // Then every node of the path, LDK advancing its own copy of the path for the path
        // key each node after the introduction node gets beside the HTLC.
        let mut ldk_advanced = ldk_path.clone();
        let mut path_key: Option<PublicKey> = None;
        let lookup = Channels(channels);
        for (j, n) in rest.iter().enumerate() {
            let k = n_clear + j;
            let msg = add(&current, amt, cltv, hash, path_key);
            let info = peel_payment_onion(&msg, &kms[*n], &NoLog, &secp, HEIGHT, false)
                .unwrap_or_else(|e| {
                    panic!("case {case} blinded hop {j}: {} ({:?})", e.msg, e.reason)
                });
            assert_eq!(info.incoming_shared_secret, secrets[k].0, "case {case} blinded hop {j}");
            // Our reader at the same hop, from the same HTLC.
            let node_secret = kms[*n].get_node_secret_key();
            let peel_key = match path_key {
                None => node_secret,
                Some(e) => blinded_node_secret(&node_secret, &e).expect("blinded key"),
            };
            let ours = packet::peel(&peel_key, &current, &hash).expect("we peel it too");
            let HopPayload::Blinded(payload) =
                HopPayload::decode(&ours.payload, ours.next.is_none()).expect("payload")
            else {
                panic!("case {case} blinded hop {j}: not a blinded payload");
            };
            let read = read_blinded_hop(&secp, &node_secret, path_key, &payload, Msat(amt), cltv);
            if j < n_fwd {
                let (scid, blinded, next) = ldk_forward(&info);
                let blinded = blinded.expect("LDK forwards inside a blinded path");
                let want_failure = if j == 0 {
                    BlindedFailure::FromIntroductionNode
                } else {
                    BlindedFailure::FromBlindedNode
                };
                assert_eq!(blinded.failure, want_failure, "case {case} blinded hop {j}");
                assert_eq!(blinded.inbound_blinding_point, path_key.unwrap_or(path.first_path_key));
                assert_eq!(scid, forwards[j].tlvs.short_channel_id, "case {case} blinded hop {j}");
                let BlindedHopRead::Forward {
                    short_channel_id,
                    amt_to_forward,
                    outgoing_cltv_value,
                    next_path_key,
                } = read.unwrap_or_else(|e| panic!("case {case} blinded hop {j}: {e}"))
                else {
                    panic!("case {case} blinded hop {j}: we read a receive");
                };
                assert_eq!(short_channel_id.0, scid);
                assert_eq!(outgoing_cltv_value, info.outgoing_cltv_value, "case {case} hop {j}");
                assert_eq!(
                    cltv - info.outgoing_cltv_value,
                    u32::from(forwards[j].tlvs.payment_relay.cltv_expiry_delta)
                );
                // BOLT 4 rounds the forwarded amount up; LDK 0.2.7 rounds it down unless one
                // more msat still leaves its whole fee: at most one msat apart.
                let ldk_amt = info.outgoing_amt_msat;
                assert!(
                    amt_to_forward.0 == ldk_amt || amt_to_forward.0 == ldk_amt + 1,
                    "case {case} blinded hop {j}: ours {amt_to_forward}, LDK {ldk_amt}"
                );
                rounded_down += usize::from(amt_to_forward.0 != ldk_amt);
                assert_eq!(Some(&next), ours.next.as_ref(), "case {case} hop {j}: next onion");
                // LDK's path key for the next node, from its own advance of the path.
                ldk_advanced
                    .advance_path_by_one(&&kms[*n], &&lookup, &secp)
                    .unwrap_or_else(|()| panic!("case {case} hop {j}: LDK cannot advance"));
                assert_eq!(ldk_advanced.blinding_point(), next_path_key, "case {case} hop {j}");
                path_key = Some(next_path_key);
                (current, amt, cltv) = (next, ldk_amt, info.outgoing_cltv_value);
            } else {
                // The payee: LDK receives what we meant.
                match &info.routing {
                    PendingHTLCRouting::Receive {
                        payment_data,
                        payment_context,
                        requires_blinded_error,
                        incoming_cltv_expiry,
                        ..
                    } => {
                        assert_eq!(payment_data.payment_secret.0, secret, "case {case}");
                        assert_eq!(payment_data.total_msat, total, "case {case}");
                        assert_eq!(
                            payment_context,
                            &Some(PaymentContext::Bolt12Refund(Bolt12RefundContext {}))
                        );
                        assert_eq!(*requires_blinded_error, n_fwd > 0, "case {case}");
                        // LDK keeps the payload's CLTV as the one it holds the payment to.
                        assert_eq!(*incoming_cltv_expiry, HEIGHT + shadow, "case {case}");
                    }
                    _ => panic!("case {case}: LDK's payee does not receive"),
                }
                assert_eq!(info.outgoing_amt_msat, amount, "case {case}");
                assert_eq!(info.outgoing_cltv_value, HEIGHT + shadow, "case {case}");
                assert!(amt >= amount, "case {case}: the payee got {amt} for {amount}");
                assert!(ours.next.is_none());
                // What the payload tells the payee, as we wrote it.
                let want = BlindedFinal {
                    amt_to_forward: Msat(amount),
                    outgoing_cltv_value: HEIGHT + shadow,
                    total_amount_msat: Msat(total),
                };
                assert_eq!(payload.final_values, Some(want), "case {case}");
                // LDK's payee keeps its payment context under the even type 65536, for
                // itself only: a reader that is not that payee refuses the data, as BOLT 4
                // says of an unknown even type.
                assert_eq!(
                    read,
                    Err(BlindedHopError::Unblind(UnblindError::Tlv(EncryptedDataError::Tlv(
                        TlvError::UnknownEvenType { typ: 65536 }
                    )))),
                    "case {case}"
                );
                intro_receives += usize::from(n_fwd == 0);
            }
            blinded_hops += 1;
        }
    }
    assert!(blinded_hops >= CASES * 2, "only {blinded_hops} blinded hops");
    assert!(clear_hops >= CASES, "only {clear_hops} clear hops");
    assert!(intro_receives > CASES / 8, "only {intro_receives} introduction-node payees");
    println!(
        "LDK peeled {blinded_hops} blinded and {clear_hops} clear hops of {CASES} parts; \
         {rounded_down} forwards where LDK rounds one msat down from BOLT 4"
    );
}

#[test]
fn we_peel_ldks_onion_through_the_blinded_paths_we_build() {
    let secp = Secp256k1::new();
    let mut rng = StdRng::seed_from_u64(0xb2);
    let keys: Vec<SecretKey> = (0..NODES)
        .map(|_| SecretKey::from_slice(&rng.gen::<[u8; 32]>()).expect("random key"))
        .collect();
    let ids: Vec<PublicKey> = keys.iter().map(|k| PublicKey::from_secret_key(&secp, k)).collect();
    let (mut blinded_hops, mut clear_hops) = (0, 0);
    for case in 0..CASES {
        let (n_clear, n_fwd) = (rng.gen_range(0..=3usize), rng.gen_range(0..=3usize));
        let nodes = pick(&mut rng, n_clear + n_fwd + 1);
        let (clear, rest) = nodes.split_at(n_clear);
        let (fwd, payee) = (&rest[..n_fwd], rest[n_fwd]);
        let max_cltv = HEIGHT + 5_000;
        let forwards: Vec<PathForward> = fwd
            .iter()
            .map(|&n| PathForward {
                node_id: ids[n],
                short_channel_id: ShortChannelId(rng.gen_range(1..u64::MAX)),
                relay: blinding::PaymentRelay {
                    cltv_expiry_delta: rng.gen_range(18..200),
                    fee_proportional_millionths: rng.gen_range(0..20_000),
                    fee_base_msat: rng.gen_range(0..5_000),
                },
                constraints: blinding::PaymentConstraints {
                    max_cltv_expiry: max_cltv,
                    htlc_minimum_msat: Msat(rng.gen_range(1..1_000)),
                },
            })
            .collect();
        let path_id = rng.gen::<[u8; 32]>();
        let payee_constraints =
            blinding::PaymentConstraints { max_cltv_expiry: max_cltv, htlc_minimum_msat: Msat(1) };
        let session = SecretKey::from_slice(&rng.gen::<[u8; 32]>()).expect("random key");
        let path =
            build_payment_path(&secp, &session, &forwards, ids[payee], &path_id, payee_constraints)
                .unwrap_or_else(|e| panic!("case {case}: {e:?}"));
        let relays: Vec<blinding::PaymentRelay> = forwards.iter().map(|f| f.relay).collect();
        let final_delta = rng.gen_range(18..144u16);
        let agg = aggregate_relay(&relays, final_delta).expect("fits");

        // LDK's payer: clear hops (each keeping its fee and delta), the introduction node's
        // hop paying the whole path's fee and delta, the blinded tail after it.
        let amount = rng.gen_range(1_000..5_000_000_000u64);
        let excess = rng.gen_range(0..30u32);
        let intro = rest[0];
        let mut route: Vec<RouteHop> = clear
            .iter()
            .map(|&n| RouteHop {
                pubkey: ids[n],
                node_features: NodeFeatures::empty(),
                short_channel_id: 0,
                channel_features: ChannelFeatures::empty(),
                fee_msat: rng.gen_range(0..5_000),
                cltv_expiry_delta: rng.gen_range(18..150),
                maybe_announced_channel: true,
            })
            .collect();
        route.push(RouteHop {
            pubkey: ids[intro],
            node_features: NodeFeatures::empty(),
            short_channel_id: 0,
            channel_features: ChannelFeatures::empty(),
            fee_msat: path_fee(amount, agg.fee_base_msat, agg.fee_proportional_millionths),
            cltv_expiry_delta: u32::from(agg.cltv_expiry_delta) + excess,
            maybe_announced_channel: false,
        });
        // Each hop's channel is the one it is reached over.
        for h in &mut route {
            h.short_channel_id = rng.gen_range(1..u64::MAX);
        }
        let ldk_path = Path {
            hops: route,
            blinded_tail: Some(BlindedTail {
                trampoline_hops: vec![],
                hops: path
                    .hops
                    .iter()
                    .map(|h| lightning::blinded_path::BlindedHop {
                        blinded_node_id: h.blinded_node_id,
                        encrypted_payload: h.encrypted_recipient_data.clone(),
                    })
                    .collect(),
                blinding_point: path.first_path_key,
                excess_final_cltv_expiry_delta: excess,
                final_value_msat: amount,
            }),
        };
        let total = amount + rng.gen_range(0..1_000_000);
        let hash = rng.gen::<[u8; 32]>();
        let session = SecretKey::from_slice(&rng.gen::<[u8; 32]>()).expect("random key");
        let (onion, first_amt, first_cltv) = lightning::ln::create_payment_onion(
            &secp,
            &ldk_path,
            &session,
            total,
            &lightning::ln::channelmanager::RecipientOnionFields::spontaneous_empty(),
            HEIGHT,
            &lightning::types::payment::PaymentHash(hash),
            &None,
            None,
            rng.gen(),
        )
        .unwrap_or_else(|e| panic!("case {case}: LDK cannot build: {e:?}"));
        let (mut current, mut amt, mut cltv) = (from_ldk(&onion), first_amt, first_cltv);

        // The clear hops: forward payloads with LDK's route semantics.
        for (h, n) in clear.iter().enumerate() {
            let p = packet::peel(&keys[*n], &current, &hash)
                .unwrap_or_else(|e| panic!("case {case} clear hop {h}: {e}"));
            let HopPayload::Forward(f) = HopPayload::decode(&p.payload, false).expect("payload")
            else {
                panic!("case {case} clear hop {h}: not a forward");
            };
            let next = &ldk_path.hops[h + 1];
            assert_eq!(f.short_channel_id.0, next.short_channel_id, "case {case} hop {h}");
            assert_eq!(amt - f.amt_to_forward.0, ldk_path.hops[h].fee_msat, "case {case} hop {h}");
            assert_eq!(cltv - f.outgoing_cltv_value, ldk_path.hops[h].cltv_expiry_delta);
            (current, amt, cltv) =
                (p.next.expect("more hops"), f.amt_to_forward.0, f.outgoing_cltv_value);
            clear_hops += 1;
        }
        assert_eq!(
            (amt, cltv),
            (
                amount + path_fee(amount, agg.fee_base_msat, agg.fee_proportional_millionths),
                HEIGHT + u32::from(agg.cltv_expiry_delta) + excess
            ),
            "case {case}: what reaches the introduction node"
        );
        // The path: the introduction node with its own key, the others with their blinded
        // keys and the path key beside the HTLC.
        let mut path_key: Option<PublicKey> = None;
        for (j, n) in rest.iter().enumerate() {
            let peel_key = match path_key {
                None => keys[*n],
                Some(e) => blinded_node_secret(&keys[*n], &e).expect("blinded key"),
            };
            let p = packet::peel(&peel_key, &current, &hash)
                .unwrap_or_else(|e| panic!("case {case} blinded hop {j}: {e}"));
            let last = j == n_fwd;
            assert_eq!(p.next.is_none(), last, "case {case} blinded hop {j}");
            let HopPayload::Blinded(payload) =
                HopPayload::decode(&p.payload, last).expect("payload")
            else {
                panic!("case {case} blinded hop {j}: not a blinded payload");
            };
            assert_eq!(payload.current_path_key.is_some(), j == 0, "case {case} hop {j}");
            let read = read_blinded_hop(&secp, &keys[*n], path_key, &payload, Msat(amt), cltv)
                .unwrap_or_else(|e| panic!("case {case} blinded hop {j}: {e}"));
            match read {
                BlindedHopRead::Forward {
                    short_channel_id,
                    amt_to_forward,
                    outgoing_cltv_value,
                    next_path_key,
                } => {
                    let f = &forwards[j];
                    assert_eq!(short_channel_id, f.short_channel_id, "case {case} hop {j}");
                    assert_eq!(cltv - outgoing_cltv_value, u32::from(f.relay.cltv_expiry_delta));
                    // The node keeps at least its fee.
                    let fee = path_fee(
                        amt_to_forward.0,
                        f.relay.fee_base_msat,
                        f.relay.fee_proportional_millionths,
                    );
                    assert!(amt_to_forward.0 + fee >= amt - 1, "case {case} hop {j}");
                    assert!(amt_to_forward.0 + fee <= amt + 1, "case {case} hop {j}");
                    (amt, cltv) = (amt_to_forward.0, outgoing_cltv_value);
                    path_key = Some(next_path_key);
                    current = p.next.expect("more hops");
                }
                BlindedHopRead::Receive { path_id: got, values } => {
                    assert!(last);
                    assert_eq!(got, path_id, "case {case}");
                    assert_eq!(
                        values,
                        BlindedFinal {
                            amt_to_forward: Msat(amount),
                            outgoing_cltv_value: HEIGHT + excess,
                            total_amount_msat: Msat(total),
                        },
                        "case {case}"
                    );
                    // The payinfo's rounding leaves the payee at least its amount, and the
                    // HTLC at least its final delta.
                    assert!(amt >= amount, "case {case}: the payee got {amt} for {amount}");
                    assert!(cltv >= HEIGHT + excess + u32::from(final_delta), "case {case}");
                }
            }
            blinded_hops += 1;
        }
    }
    assert!(blinded_hops >= CASES * 2, "only {blinded_hops} blinded hops");
    assert!(clear_hops >= CASES, "only {clear_hops} clear hops");
    println!("we peeled {blinded_hops} blinded and {clear_hops} clear hops of {CASES} LDK onions");
}
