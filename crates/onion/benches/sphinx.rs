//! Sphinx speed beside LDK in the same run: building a 20-hop payment onion (payloads
//! included) and peeling one hop (payload parsed), plus the secp256k1 floor both are bound by.
//!
//! Run: `cargo bench -p lnpay-onion --bench sphinx`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use lightning::ln::channelmanager::RecipientOnionFields;
use lightning::ln::msgs;
use lightning::ln::onion_payment::peel_payment_onion;
use lightning::routing::router::{Path, RouteHop};
use lightning::sign::{KeysManager, NodeSigner, Recipient};
use lightning::types::features::{ChannelFeatures, NodeFeatures};
use lightning::types::payment::{PaymentHash, PaymentSecret};
use lightning::util::logger::{Logger, Record};
use lnpay_onion::packet;
use lnpay_onion::payload::{FinalPayload, ForwardPayload, HopPayload, PaymentData};
use secp256k1::{ecdh, PublicKey, Scalar, Secp256k1, SecretKey};
use types::{Msat, ShortChannelId};

const HOPS: usize = 20;
const CUR_HEIGHT: u32 = 800_000;
const AMOUNT: u64 = 1_000_000;
const DELTA: u32 = 48;
const FEE: u64 = 1_000;

struct NoLog;
impl Logger for NoLog {
    fn log(&self, _record: Record) {}
}

fn keys_managers() -> Vec<KeysManager> {
    (0..HOPS).map(|i| KeysManager::new(&[i as u8 + 1; 32], 1, 0, true)).collect()
}

/// Our hop payloads for the route LDK builds from `path` (same amounts, cltvs, scids).
fn our_payloads(nodes: &[PublicKey]) -> Vec<(PublicKey, Vec<u8>)> {
    let last = nodes.len() - 1;
    nodes
        .iter()
        .enumerate()
        .map(|(i, node)| {
            let after = (last - i) as u64;
            let amt = Msat(AMOUNT + FEE * after);
            let cltv = CUR_HEIGHT + DELTA * (after as u32 + 1);
            let p = if i == last {
                HopPayload::Final(FinalPayload {
                    amt_to_forward: amt,
                    outgoing_cltv_value: cltv,
                    payment_data: Some(PaymentData {
                        payment_secret: types::PaymentSecret([7; 32]),
                        total_msat: amt,
                    }),
                    payment_metadata: None,
                    keysend_preimage: None,
                    custom_records: vec![],
                })
            } else {
                HopPayload::Forward(ForwardPayload {
                    amt_to_forward: amt,
                    outgoing_cltv_value: cltv,
                    short_channel_id: ShortChannelId(i as u64 + 2),
                    custom_records: vec![],
                })
            };
            (*node, p.encode())
        })
        .collect()
}

fn ldk_path(nodes: &[PublicKey]) -> Path {
    let last = nodes.len() - 1;
    Path {
        hops: nodes
            .iter()
            .enumerate()
            .map(|(i, node)| RouteHop {
                pubkey: *node,
                node_features: NodeFeatures::empty(),
                short_channel_id: i as u64 + 1,
                channel_features: ChannelFeatures::empty(),
                fee_msat: if i == last { AMOUNT } else { FEE },
                cltv_expiry_delta: DELTA,
                maybe_announced_channel: true,
            })
            .collect(),
        blinded_tail: None,
    }
}

fn benches(c: &mut Criterion) {
    let secp = Secp256k1::new();
    let kms = keys_managers();
    let nodes: Vec<PublicKey> =
        kms.iter().map(|k| k.get_node_id(Recipient::Node).unwrap()).collect();
    let session_key = SecretKey::from_slice(&[0x41; 32]).unwrap();
    let payment_hash = [0x42u8; 32];
    let path = ldk_path(&nodes);
    let recipient = RecipientOnionFields::secret_only(PaymentSecret([7; 32]));

    let mut build = c.benchmark_group("build_20_hops");
    build.bench_function("lnpay", |b| {
        b.iter(|| {
            let hops = our_payloads(black_box(&nodes));
            packet::build(black_box(&session_key), &hops, &payment_hash).unwrap()
        })
    });
    build.bench_function("ldk", |b| {
        b.iter(|| {
            lightning::ln::create_payment_onion(
                &secp,
                black_box(&path),
                black_box(&session_key),
                AMOUNT,
                &recipient,
                CUR_HEIGHT,
                &PaymentHash(payment_hash),
                &None,
                None,
                [0x43; 32],
            )
            .unwrap()
        })
    });
    build.bench_function("floor_ecdh_and_mul_x20", |b| {
        // The secp256k1 work of a build: per hop one ECDH and one point multiplication.
        b.iter(|| {
            let mut k = session_key;
            for node in &nodes {
                let ss = ecdh::SharedSecret::new(node, &k);
                k = k.mul_tweak(&Scalar::from_be_bytes(ss.secret_bytes()).unwrap()).unwrap();
                black_box(PublicKey::from_secret_key(&secp, &k));
            }
        })
    });
    build.bench_function("floor_ecdh_and_pubkey_tweak_x20", |b| {
        // The same with the ephemeral public key tweaked instead of derived from the secret.
        b.iter(|| {
            let mut k = session_key;
            let mut p = PublicKey::from_secret_key(&secp, &k);
            for node in &nodes {
                let ss = ecdh::SharedSecret::new(node, &k);
                let t = Scalar::from_be_bytes(ss.secret_bytes()).unwrap();
                k = k.mul_tweak(&t).unwrap();
                p = p.mul_tweak(&secp, &t).unwrap();
            }
            black_box(p)
        })
    });
    build.finish();

    let hops = our_payloads(&nodes);
    let (onion, _) = packet::build(&session_key, &hops, &payment_hash).unwrap();
    let node0 = kms[0].get_node_secret_key();
    let ldk_onion = msgs::OnionPacket {
        version: 0,
        public_key: PublicKey::from_slice(&onion.public_key),
        hop_data: *onion.hop_payloads,
        hmac: onion.hmac,
    };
    let add = msgs::UpdateAddHTLC {
        channel_id: lightning::ln::types::ChannelId([0; 32]),
        htlc_id: 0,
        amount_msat: AMOUNT + FEE * HOPS as u64,
        payment_hash: PaymentHash(payment_hash),
        cltv_expiry: CUR_HEIGHT + DELTA * (HOPS as u32 + 1),
        skimmed_fee_msat: None,
        onion_routing_packet: ldk_onion,
        blinding_point: None,
        hold_htlc: None,
    };
    let mut peel = c.benchmark_group("peel_one_hop");
    peel.bench_function("lnpay", |b| {
        b.iter(|| {
            let peeled = packet::peel(black_box(&node0), black_box(&onion), &payment_hash).unwrap();
            let payload = HopPayload::decode(&peeled.payload, peeled.next.is_none()).unwrap();
            (peeled, payload)
        })
    });
    peel.bench_function("ldk", |b| {
        b.iter(|| {
            peel_payment_onion(black_box(&add), &kms[0], &NoLog, &secp, CUR_HEIGHT, false).unwrap()
        })
    });
    let epk = PublicKey::from_slice(&onion.public_key).unwrap();
    peel.bench_function("floor_ecdh_and_mul", |b| {
        b.iter(|| {
            let ss = ecdh::SharedSecret::new(black_box(&epk), &node0);
            epk.mul_tweak(&secp, &Scalar::from_be_bytes(ss.secret_bytes()).unwrap()).unwrap()
        })
    });
    peel.finish();
}

criterion_group!(sphinx, benches);
criterion_main!(sphinx);
