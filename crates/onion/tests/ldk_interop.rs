//! The peer on the other side of the wire: LDK 0.2.7 peels the onions we build, and we peel the
//! onions LDK builds, for random routes of 1 to 20 hops, and both read the same amounts, CLTVs,
//! short channel ids and payment data.

mod common;

use common::{from_ldk, to_ldk, NoLog};

use lightning::ln::channelmanager::{PendingHTLCRouting, RecipientOnionFields};
use lightning::ln::msgs;
use lightning::ln::onion_payment::peel_payment_onion;
use lightning::routing::router::{Path, RouteHop};
use lightning::sign::{KeysManager, NodeSigner, Recipient};
use lightning::types::features::{ChannelFeatures, NodeFeatures};

use lnpay_onion::packet::{self, BuildError};
use lnpay_onion::payload::{FinalPayload, ForwardPayload, HopPayload, PaymentData};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use secp256k1::{PublicKey, Secp256k1, SecretKey};
use types::tlv::TlvRecord;
use types::{Msat, PaymentPreimage, PaymentSecret, ShortChannelId};

const CUR_HEIGHT: u32 = 800_000;
const ROUTES: usize = 40;
const MAX_HOPS: usize = 20;

fn sha256(data: &[u8]) -> [u8; 32] {
    lnpay_onion::crypto::sha256(&[data])
}

/// One hop as the sender plans it: what it receives and what it is told to forward.
#[derive(Clone, Debug)]
struct Planned {
    incoming_amt: u64,
    incoming_cltv: u32,
    payload: HopPayload,
}

/// A random route of `n` hops ending in a final payload with payment data (and sometimes
/// metadata, custom records or a keysend preimage).
fn random_plan(rng: &mut StdRng, n: usize, extras: bool) -> (Vec<Planned>, [u8; 32]) {
    let final_amt: u64 = rng.gen_range(1..10_000_000_000);
    let final_cltv = CUR_HEIGHT + rng.gen_range(50..150);
    let mut payment_hash = [0u8; 32];
    rng.fill(&mut payment_hash);
    let keysend = extras && rng.gen_bool(0.3);
    let preimage = keysend.then(|| {
        let mut p = [0u8; 32];
        rng.fill(&mut p);
        payment_hash = sha256(&p);
        PaymentPreimage(p)
    });
    let mut secret = [0u8; 32];
    rng.fill(&mut secret);
    let metadata = (extras && rng.gen_bool(0.5)).then(|| {
        let len = rng.gen_range(1..40);
        (0..len).map(|_| rng.gen()).collect::<Vec<u8>>()
    });
    let custom_records = if extras && rng.gen_bool(0.5) {
        vec![TlvRecord { typ: 65_537 + 2 * rng.gen_range(0..100), value: vec![rng.gen(); 3] }]
    } else {
        vec![]
    };
    let total = final_amt + rng.gen_range(0..1000);
    let mut plan = vec![Planned {
        incoming_amt: final_amt,
        incoming_cltv: final_cltv,
        payload: HopPayload::Final(FinalPayload {
            amt_to_forward: Msat(final_amt),
            outgoing_cltv_value: final_cltv,
            payment_data: Some(PaymentData {
                payment_secret: PaymentSecret(secret),
                total_msat: Msat(total),
            }),
            payment_metadata: metadata,
            keysend_preimage: preimage,
            custom_records,
        }),
    }];
    let (mut amt, mut cltv) = (final_amt, final_cltv);
    for _ in 1..n {
        let scid = ShortChannelId(rng.gen_range(1..u64::MAX));
        let payload = HopPayload::Forward(ForwardPayload {
            amt_to_forward: Msat(amt),
            outgoing_cltv_value: cltv,
            short_channel_id: scid,
            custom_records: vec![],
        });
        amt += rng.gen_range(0..5_000);
        cltv += rng.gen_range(48..80);
        plan.push(Planned { incoming_amt: amt, incoming_cltv: cltv, payload });
    }
    plan.reverse();
    (plan, payment_hash)
}

#[test]
fn ldk_peels_the_onions_we_build() {
    let mut rng = StdRng::seed_from_u64(4);
    let secp = Secp256k1::new();
    let managers: Vec<KeysManager> =
        (0..MAX_HOPS).map(|i| KeysManager::new(&[i as u8 + 1; 32], 1, 0, true)).collect();
    let ids: Vec<PublicKey> =
        managers.iter().map(|m| m.get_node_id(Recipient::Node).expect("node id")).collect();
    let (mut routes, mut hops_checked, mut with_extras) = (0, 0, 0);
    for r in 0..ROUTES {
        let n = if r < MAX_HOPS { r + 1 } else { rng.gen_range(1..=MAX_HOPS) };
        let order: Vec<usize> = {
            let mut all: Vec<usize> = (0..MAX_HOPS).collect();
            for i in (1..all.len()).rev() {
                all.swap(i, rng.gen_range(0..=i));
            }
            all.truncate(n);
            all
        };
        let mut session = [0u8; 32];
        rng.fill(&mut session);
        let session_key = SecretKey::from_slice(&session).expect("random key");
        // Extras may not fit a long route: fall back to the plain final payload then.
        let mut extras = true;
        let (plan, payment_hash, onion) = loop {
            let (plan, payment_hash) = random_plan(&mut rng, n, extras);
            let hops: Vec<(PublicKey, Vec<u8>)> =
                order.iter().zip(&plan).map(|(&i, p)| (ids[i], p.payload.encode())).collect();
            match packet::build(&session_key, &hops, &payment_hash) {
                Ok((onion, secrets)) => {
                    assert_eq!(secrets.len(), n);
                    break (plan, payment_hash, onion);
                }
                Err(BuildError::PayloadsTooLong { .. }) if extras => extras = false,
                Err(e) => panic!("route {r}: {e}"),
            }
        };
        with_extras += usize::from(extras);
        let mut current = onion;
        for (h, (&node, planned)) in order.iter().zip(&plan).enumerate() {
            let add = msgs::UpdateAddHTLC {
                channel_id: lightning::ln::types::ChannelId([0; 32]),
                htlc_id: 0,
                amount_msat: planned.incoming_amt,
                payment_hash: lightning::types::payment::PaymentHash(payment_hash),
                cltv_expiry: planned.incoming_cltv,
                skimmed_fee_msat: None,
                onion_routing_packet: to_ldk(&current),
                blinding_point: None,
                hold_htlc: None,
            };
            let info = peel_payment_onion(&add, &managers[node], &NoLog, &secp, CUR_HEIGHT, false)
                .unwrap_or_else(|e| panic!("route {r} hop {h}: ldk refused: {}", e.msg));
            let ours = packet::peel(&managers[node].get_node_secret_key(), &current, &payment_hash)
                .expect("we peel our own onion");
            assert_eq!(info.incoming_shared_secret, ours.shared_secret.0, "route {r} hop {h}");
            match (&planned.payload, info.routing) {
                (
                    HopPayload::Forward(f),
                    PendingHTLCRouting::Forward { onion_packet, short_channel_id, .. },
                ) => {
                    assert_eq!(short_channel_id, f.short_channel_id.0, "route {r} hop {h}");
                    assert_eq!(info.outgoing_amt_msat, f.amt_to_forward.0, "route {r} hop {h}");
                    assert_eq!(info.outgoing_cltv_value, f.outgoing_cltv_value);
                    let next = from_ldk(&onion_packet);
                    assert_eq!(Some(&next), ours.next.as_ref(), "route {r} hop {h}: next onion");
                    current = next;
                }
                (HopPayload::Final(f), routing) => {
                    assert!(ours.next.is_none());
                    assert_eq!(info.outgoing_amt_msat, f.amt_to_forward.0);
                    assert_eq!(info.outgoing_cltv_value, f.outgoing_cltv_value);
                    let data = f.payment_data.expect("planned with payment data");
                    let (got_data, metadata, custom, preimage) = match routing {
                        PendingHTLCRouting::Receive {
                            payment_data,
                            payment_metadata,
                            custom_tlvs,
                            ..
                        } => (Some(payment_data), payment_metadata, custom_tlvs, None),
                        PendingHTLCRouting::ReceiveKeysend {
                            payment_data,
                            payment_metadata,
                            custom_tlvs,
                            payment_preimage,
                            ..
                        } => {
                            (payment_data, payment_metadata, custom_tlvs, Some(payment_preimage.0))
                        }
                        _ => panic!("route {r}: final hop not routed as a receive"),
                    };
                    let got_data = got_data.expect("ldk read payment data");
                    assert_eq!(got_data.payment_secret.0, data.payment_secret.0);
                    assert_eq!(got_data.total_msat, data.total_msat.0);
                    assert_eq!(metadata, f.payment_metadata);
                    assert_eq!(preimage, f.keysend_preimage.map(|p| p.0));
                    let ours_custom: Vec<(u64, Vec<u8>)> =
                        f.custom_records.iter().map(|c| (c.typ, c.value.clone())).collect();
                    assert_eq!(custom, ours_custom);
                }
                (planned, _) => panic!("route {r} hop {h}: {planned:?} read in another role"),
            }
            hops_checked += 1;
        }
        routes += 1;
    }
    assert_eq!(routes, ROUTES);
    assert!(hops_checked >= ROUTES * 5, "only {hops_checked} hops checked");
    assert!(with_extras > ROUTES / 2, "only {with_extras} routes with extras");
    println!("ldk peeled {hops_checked} hops of {routes} routes ({with_extras} with extras)");
}

#[test]
fn we_peel_the_onions_ldk_builds() {
    let mut rng = StdRng::seed_from_u64(5);
    let secp = Secp256k1::new();
    let (mut routes, mut hops_checked) = (0, 0);
    for r in 0..ROUTES {
        let n = if r < MAX_HOPS { r + 1 } else { rng.gen_range(1..=MAX_HOPS) };
        let keys: Vec<SecretKey> = (0..n)
            .map(|_| {
                let mut k = [0u8; 32];
                rng.fill(&mut k);
                SecretKey::from_slice(&k).expect("random key")
            })
            .collect();
        let path = Path {
            hops: keys
                .iter()
                .enumerate()
                .map(|(i, k)| RouteHop {
                    pubkey: PublicKey::from_secret_key(&secp, k),
                    node_features: NodeFeatures::empty(),
                    short_channel_id: rng.gen_range(1..u64::MAX),
                    channel_features: ChannelFeatures::empty(),
                    fee_msat: if i == n - 1 {
                        rng.gen_range(1..10_000_000_000)
                    } else {
                        rng.gen_range(0..5_000)
                    },
                    cltv_expiry_delta: rng.gen_range(18..150),
                    maybe_announced_channel: true,
                })
                .collect(),
            blinded_tail: None,
        };
        let mut secret = [0u8; 32];
        rng.fill(&mut secret);
        let metadata = rng.gen_bool(0.5).then(|| vec![rng.gen::<u8>(); rng.gen_range(1..30)]);
        let mut recipient =
            RecipientOnionFields::secret_only(lightning::types::payment::PaymentSecret(secret));
        recipient.payment_metadata = metadata.clone();
        let final_amt = path.hops[n - 1].fee_msat;
        let total = final_amt + rng.gen_range(0..1000);
        let mut session = [0u8; 32];
        rng.fill(&mut session);
        let session_key = SecretKey::from_slice(&session).expect("random key");
        let mut payment_hash = [0u8; 32];
        rng.fill(&mut payment_hash);
        let (onion, first_amt, first_cltv) = lightning::ln::create_payment_onion(
            &secp,
            &path,
            &session_key,
            total,
            &recipient,
            CUR_HEIGHT,
            &lightning::types::payment::PaymentHash(payment_hash),
            &None,
            None,
            [r as u8; 32],
        )
        .unwrap_or_else(|e| panic!("route {r}: ldk cannot build: {e:?}"));
        let mut current = from_ldk(&onion);
        let (mut incoming_amt, mut incoming_cltv) = (first_amt, first_cltv);
        for (h, key) in keys.iter().enumerate() {
            let peeled = packet::peel(key, &current, &payment_hash)
                .unwrap_or_else(|e| panic!("route {r} hop {h}: {e}"));
            let payload = HopPayload::decode(&peeled.payload, peeled.next.is_none())
                .unwrap_or_else(|e| panic!("route {r} hop {h}: {e}"));
            // LDK's route semantics: hop i keeps fee_msat[i] and cltv_expiry_delta[i].
            let fee = path.hops[h].fee_msat;
            let delta = path.hops[h].cltv_expiry_delta;
            match (payload, peeled.next) {
                (HopPayload::Forward(f), Some(next)) => {
                    assert_eq!(f.short_channel_id.0, path.hops[h + 1].short_channel_id);
                    assert_eq!(incoming_amt - f.amt_to_forward.0, fee, "route {r} hop {h}");
                    assert_eq!(incoming_cltv - f.outgoing_cltv_value, delta, "route {r} hop {h}");
                    assert!(f.custom_records.is_empty());
                    incoming_amt = f.amt_to_forward.0;
                    incoming_cltv = f.outgoing_cltv_value;
                    current = next;
                }
                (HopPayload::Final(f), None) => {
                    assert_eq!(h, n - 1);
                    assert_eq!(f.amt_to_forward.0, final_amt);
                    assert_eq!(f.amt_to_forward.0, incoming_amt);
                    assert_eq!(f.outgoing_cltv_value, incoming_cltv);
                    assert_eq!(f.outgoing_cltv_value, CUR_HEIGHT + delta);
                    let data = f.payment_data.expect("payment data");
                    assert_eq!(data.payment_secret.0, secret);
                    assert_eq!(data.total_msat.0, total);
                    assert_eq!(f.payment_metadata, metadata);
                }
                (p, next) => panic!("route {r} hop {h}: {p:?} with next {}", next.is_some()),
            }
            hops_checked += 1;
        }
        routes += 1;
    }
    assert_eq!(routes, ROUTES);
    assert!(hops_checked >= ROUTES * 5, "only {hops_checked} hops checked");
    println!("we peeled {hops_checked} hops of {routes} ldk routes");
}

/// `build_payment_onion` puts in every layer the payload LDK's `create_payment_onion` puts
/// there for the same path (amounts, CLTVs, channels, payment data and metadata), byte for
/// byte: both onions are peeled hop by hop with the hops' keys and their payloads compared.
#[test]
fn build_payment_onion_payloads_equal_ldks() {
    use lnpay_onion::payment::{build_payment_onion, FinalData};
    use types::{Hop, NodeId, PaymentHash};
    let mut rng = StdRng::seed_from_u64(15);
    let secp = Secp256k1::new();
    let (mut routes, mut hops_checked) = (0, 0);
    for r in 0..ROUTES {
        let n = if r < MAX_HOPS { r + 1 } else { rng.gen_range(1..=MAX_HOPS) };
        let keys: Vec<SecretKey> = (0..n)
            .map(|_| SecretKey::from_slice(&rng.gen::<[u8; 32]>()).expect("random key"))
            .collect();
        let path = Path {
            hops: keys
                .iter()
                .enumerate()
                .map(|(i, k)| RouteHop {
                    pubkey: PublicKey::from_secret_key(&secp, k),
                    node_features: NodeFeatures::empty(),
                    short_channel_id: rng.gen_range(1..u64::MAX),
                    channel_features: ChannelFeatures::empty(),
                    fee_msat: if i == n - 1 {
                        rng.gen_range(1..10_000_000_000)
                    } else {
                        rng.gen_range(0..5_000)
                    },
                    cltv_expiry_delta: rng.gen_range(18..150),
                    maybe_announced_channel: true,
                })
                .collect(),
            blinded_tail: None,
        };
        // Our hops: each receives the fees of the hops after it plus the payee's amount, at
        // the deltas of the hops after it plus the final one.
        let hops: Vec<Hop> = (0..n)
            .map(|j| {
                let rest = &path.hops[j..];
                Hop {
                    id: NodeId::from_pubkey(&path.hops[j].pubkey),
                    channel: ShortChannelId(path.hops[j].short_channel_id),
                    direction: 0,
                    amount: Msat(rest.iter().map(|h| h.fee_msat).sum()),
                    delay: rest.iter().map(|h| h.cltv_expiry_delta).sum(),
                }
            })
            .collect();
        let secret = rng.gen::<[u8; 32]>();
        let metadata = rng.gen_bool(0.5).then(|| vec![rng.gen::<u8>(); rng.gen_range(1..30)]);
        let mut recipient =
            RecipientOnionFields::secret_only(lightning::types::payment::PaymentSecret(secret));
        recipient.payment_metadata = metadata.clone();
        let total = path.hops[n - 1].fee_msat + rng.gen_range(0..1000);
        let session_key = SecretKey::from_slice(&rng.gen::<[u8; 32]>()).expect("random key");
        let payment_hash = rng.gen::<[u8; 32]>();
        let (theirs, first_amt, first_cltv) = lightning::ln::create_payment_onion(
            &secp,
            &path,
            &session_key,
            total,
            &recipient,
            CUR_HEIGHT,
            &lightning::types::payment::PaymentHash(payment_hash),
            &None,
            None,
            [r as u8; 32],
        )
        .unwrap_or_else(|e| panic!("route {r}: ldk cannot build: {e:?}"));
        assert_eq!((first_amt, first_cltv), (hops[0].amount.0, CUR_HEIGHT + hops[0].delay));
        let final_data = FinalData {
            payment_secret: Some(PaymentSecret(secret)),
            total_msat: Msat(total),
            payment_metadata: metadata,
            ..FinalData::default()
        };
        let (ours, secrets) = build_payment_onion(
            &session_key,
            &hops,
            CUR_HEIGHT,
            &final_data,
            &PaymentHash(payment_hash),
        )
        .expect("our onion builds");
        assert_eq!(secrets.len(), n);
        let (mut ours, mut theirs) = (Some(ours), Some(from_ldk(&theirs)));
        for (i, key) in keys.iter().enumerate() {
            let (Some(o), Some(t)) = (ours.take(), theirs.take()) else {
                panic!("route {r}: an onion ended before hop {i}");
            };
            let o = packet::peel(key, &o, &payment_hash).expect("we peel ours");
            let t = packet::peel(key, &t, &payment_hash).expect("we peel ldk's");
            assert_eq!(o.payload, t.payload, "route {r} hop {i}");
            assert!(o.shared_secret == t.shared_secret, "route {r} hop {i}");
            (ours, theirs) = (o.next, t.next);
            hops_checked += 1;
        }
        assert!(ours.is_none() && theirs.is_none(), "route {r}: both end at the payee");
        routes += 1;
    }
    assert_eq!(routes, ROUTES);
    assert!(hops_checked >= ROUTES * 5, "only {hops_checked} hops checked");
}
