//! Cross-checks with LDK 0.2.7 (the peer), through what LDK exposes publicly.
//!
//! LDK's failure-packet builder and decoder (`onion_utils::build_failure_packet`,
//! `process_onion_failure`) are `pub(crate)`, so no packet crosses between the two; what is
//! public and checked here:
//! - the failure code table: `LocalHTLCFailureReason::from(u16)` knows exactly the codes our
//!   `FailureMessage` types, variant by variant, and LDK serializes each back to that code;
//! - failures LDK itself produces when it receives our onion (`peel_payment_onion` at the final
//!   hop: `InboundHTLCErr { reason, err_data }`): code and data parse with our decoder to the
//!   same typed failure, and built at that hop of the route our origin attributes them to it;
//! - route blinding both ways: a path LDK builds (`BlindedPaymentPath::new`) opens hop by hop with
//!   our unblinding, and LDK's introduction node reads the payment onion we build to that path.

mod common;

use common::NoLog;

use lightning::blinded_path::payment::{
    BlindedPaymentPath, Bolt12RefundContext, ForwardTlvs, PaymentConstraints, PaymentContext,
    PaymentForwardNode, PaymentRelay, UnauthenticatedReceiveTlvs,
};
use lightning::blinded_path::IntroductionNode;
use lightning::ln::channelmanager::PendingHTLCRouting;
use lightning::ln::inbound_payment::ExpandedKey;
use lightning::ln::msgs;
use lightning::ln::onion_payment::peel_payment_onion;
use lightning::ln::onion_utils::LocalHTLCFailureReason;
use lightning::offers::nonce::Nonce;
use lightning::sign::{EntropySource, KeysManager, NodeSigner, Recipient};
use lightning::types::features::BlindedHopFeatures;
use lightning::types::payment::{PaymentHash, PaymentSecret};

use lightning::util::ser::Writeable;
use lnpay_onion::blinded_payment::blinded_hops;
use lnpay_onion::blinding::{
    blinded_node_secret, decrypt_recipient_data, decrypt_recipient_data_bytes, BlindedHop,
    BlindedPath, EncryptedDataError, UnblindError,
};
use lnpay_onion::crypto::SharedSecret;
use lnpay_onion::failure::{
    build_malformed_return_packet, build_return_packet, code, decode_return_packet,
    wrap_return_packet, FailureMessage, LEGACY_PAYLOAD_LEN,
};
use lnpay_onion::packet::{self, OnionPacket};
use lnpay_onion::payload::{BlindedFinal, FinalPayload, ForwardPayload, HopPayload, PaymentData};
use secp256k1::{PublicKey, Secp256k1, SecretKey};
use types::tlv::TlvError;
use types::{Msat, ShortChannelId};

struct FixedEntropy(u8);
impl EntropySource for FixedEntropy {
    fn get_secure_random_bytes(&self) -> [u8; 32] {
        [self.0; 32]
    }
}

/// LDK's code for a reason: its serialization starts with the BOLT 4 failure code.
fn ldk_code(reason: &LocalHTLCFailureReason) -> u16 {
    let bytes = reason.encode();
    u16::from_be_bytes([bytes[0], bytes[1]])
}

#[test]
fn failure_code_table_agrees_with_ldk() {
    // Our variant name (CamelCase of the spec name) beside LDK's for the same code.
    let pairs: &[(&str, &str)] = &[
        ("TemporaryNodeFailure", "TemporaryNodeFailure"),
        ("PermanentNodeFailure", "PermanentNodeFailure"),
        ("RequiredNodeFeatureMissing", "RequiredNodeFeature"),
        ("InvalidOnionVersion", "InvalidOnionVersion"),
        ("InvalidOnionHmac", "InvalidOnionHMAC"),
        ("InvalidOnionKey", "InvalidOnionKey"),
        ("TemporaryChannelFailure", "TemporaryChannelFailure"),
        ("PermanentChannelFailure", "PermanentChannelFailure"),
        ("RequiredChannelFeatureMissing", "RequiredChannelFeature"),
        ("UnknownNextPeer", "UnknownNextPeer"),
        ("AmountBelowMinimum", "AmountBelowMinimum"),
        ("FeeInsufficient", "FeeInsufficient"),
        ("IncorrectCltvExpiry", "IncorrectCLTVExpiry"),
        ("ExpiryTooSoon", "CLTVExpiryTooSoon"),
        ("IncorrectOrUnknownPaymentDetails", "IncorrectPaymentDetails"),
        ("FinalIncorrectCltvExpiry", "FinalIncorrectCLTVExpiry"),
        ("FinalIncorrectHtlcAmount", "FinalIncorrectHTLCAmount"),
        ("ChannelDisabled", "ChannelDisabled"),
        ("ExpiryTooFar", "CLTVExpiryTooFar"),
        ("InvalidOnionPayload", "InvalidOnionPayload"),
        ("MppTimeout", "MPPTimeout"),
        ("InvalidOnionBlinding", "InvalidOnionBlinding"),
    ];
    let mut known = 0;
    for c in 0..=u16::MAX {
        let ldk = LocalHTLCFailureReason::from(c);
        // Enough zero data for any known code's fields.
        let mut wire = c.to_be_bytes().to_vec();
        wire.extend_from_slice(&[0; 48]);
        let ours = FailureMessage::decode(&wire).unwrap();
        assert_eq!(ours.code(), c);
        let ldk_name = format!("{ldk:?}");
        if ldk_name.starts_with("UnknownFailureCode") {
            assert!(matches!(ours, FailureMessage::Other { .. }), "{c:#06x}: we type {ours:?}");
            continue;
        }
        let our_name = format!("{ours:?}");
        let our_name = our_name.split([' ', '{', '(']).next().unwrap();
        assert!(
            pairs.contains(&(our_name, ldk_name.as_str())),
            "{c:#06x}: ours {our_name}, LDK {ldk_name}"
        );
        assert_eq!(ldk_code(&ldk), c, "LDK serializes {ldk_name} to another code");
        assert!(!ours.name().is_empty());
        known += 1;
    }
    assert_eq!(known, pairs.len());
}

/// A three-hop route: two hops whose keys we hold, then an LDK node (final).
struct Route {
    secp: Secp256k1<secp256k1::All>,
    keys: Vec<SecretKey>,
    ldk: KeysManager,
    nodes: Vec<PublicKey>,
}

fn route() -> Route {
    let secp = Secp256k1::new();
    let keys: Vec<SecretKey> =
        [0x11u8, 0x12].iter().map(|b| SecretKey::from_slice(&[*b; 32]).unwrap()).collect();
    let ldk = KeysManager::new(&[0x33; 32], 1, 0, true);
    let mut nodes: Vec<PublicKey> =
        keys.iter().map(|k| PublicKey::from_secret_key(&secp, k)).collect();
    nodes.push(ldk.get_node_id(Recipient::Node).unwrap());
    Route { secp, keys, ldk, nodes }
}

const HEIGHT: u32 = 800_000;
const PAYMENT_HASH: [u8; 32] = [0x42; 32];

/// Our onion for the route, peeled by our two hops; returns what reaches the LDK node and the
/// origin's shared secrets.
fn onion_for_ldk(r: &Route, final_amt: u64, final_cltv: u32) -> (OnionPacket, Vec<SharedSecret>) {
    let fwd = |scid: u64| {
        HopPayload::Forward(ForwardPayload {
            amt_to_forward: Msat(final_amt),
            outgoing_cltv_value: final_cltv,
            short_channel_id: ShortChannelId(scid),
            custom_records: vec![],
        })
        .encode()
    };
    let last = HopPayload::Final(FinalPayload {
        amt_to_forward: Msat(final_amt),
        outgoing_cltv_value: final_cltv,
        payment_data: Some(PaymentData {
            payment_secret: types::PaymentSecret([7; 32]),
            total_msat: Msat(final_amt),
        }),
        payment_metadata: None,
        keysend_preimage: None,
        custom_records: vec![],
    })
    .encode();
    let hops = vec![(r.nodes[0], fwd(1)), (r.nodes[1], fwd(2)), (r.nodes[2], last)];
    let session = SecretKey::from_slice(&[0x41; 32]).unwrap();
    let (mut onion, secrets) = packet::build(&session, &hops, &PAYMENT_HASH).unwrap();
    for k in &r.keys {
        onion = packet::peel(k, &onion, &PAYMENT_HASH).unwrap().next.unwrap();
    }
    (onion, secrets)
}

fn ldk_onion(onion: &OnionPacket) -> msgs::OnionPacket {
    msgs::OnionPacket {
        version: onion.version,
        public_key: PublicKey::from_slice(&onion.public_key),
        hop_data: *onion.hop_payloads,
        hmac: onion.hmac,
    }
}

fn add(onion: msgs::OnionPacket, amount_msat: u64, cltv_expiry: u32) -> msgs::UpdateAddHTLC {
    msgs::UpdateAddHTLC {
        channel_id: lightning::ln::types::ChannelId([0; 32]),
        htlc_id: 0,
        amount_msat,
        payment_hash: PaymentHash(PAYMENT_HASH),
        cltv_expiry,
        skimmed_fee_msat: None,
        onion_routing_packet: onion,
        blinding_point: None,
        hold_htlc: None,
    }
}

#[test]
fn failures_ldk_produces_decode_as_ours_at_the_right_hop() {
    let r = route();
    let amt = 50_000;
    let cltv = HEIGHT + 100;
    let (onion, secrets) = onion_for_ldk(&r, amt, cltv);

    // The HTLC as the onion asks: LDK accepts it (our onion is sound for LDK).
    let ok = peel_payment_onion(
        &add(ldk_onion(&onion), amt, cltv),
        &r.ldk,
        &NoLog,
        &r.secp,
        HEIGHT,
        false,
    );
    assert!(ok.is_ok(), "LDK refuses our onion: {:?}", ok.err().map(|e| e.msg));

    let cases: Vec<(u64, u32, FailureMessage)> = vec![
        // Less than the onion says: final_incorrect_htlc_amount with the HTLC's amount.
        (
            amt - 1,
            cltv,
            FailureMessage::FinalIncorrectHtlcAmount { incoming_htlc_amt: Msat(amt - 1) },
        ),
        // An expiry below the onion's: final_incorrect_cltv_expiry with the HTLC's expiry.
        (amt, cltv - 1, FailureMessage::FinalIncorrectCltvExpiry { cltv_expiry: cltv - 1 }),
    ];
    let mut checked = 0;
    for (htlc_amt, htlc_cltv, expected) in cases {
        // The onion asks for what the HTLC must at least carry; make it ask for more.
        let (onion, _) = onion_for_ldk(&r, amt, cltv);
        let err = peel_payment_onion(
            &add(ldk_onion(&onion), htlc_amt, htlc_cltv),
            &r.ldk,
            &NoLog,
            &r.secp,
            HEIGHT,
            false,
        )
        .err()
        .expect("LDK must refuse");
        let mut wire = ldk_code(&err.reason).to_be_bytes().to_vec();
        wire.extend_from_slice(&err.err_data);
        assert_eq!(FailureMessage::decode(&wire).unwrap(), expected, "LDK: {}", err.msg);
        check_attributed_to_ldk_hop(&secrets, &wire, &expected);
        checked += 1;
    }

    // Too close to the chain tip: LDK's claim buffer maps to incorrect_or_unknown_payment_details
    // with the amount and LDK's height.
    let near = HEIGHT + 5;
    let (onion, _) = onion_for_ldk(&r, amt, near);
    let err = peel_payment_onion(
        &add(ldk_onion(&onion), amt, near),
        &r.ldk,
        &NoLog,
        &r.secp,
        HEIGHT,
        false,
    )
    .err()
    .expect("LDK must refuse");
    let mut wire = ldk_code(&err.reason).to_be_bytes().to_vec();
    wire.extend_from_slice(&err.err_data);
    let expected =
        FailureMessage::IncorrectOrUnknownPaymentDetails { htlc_msat: Msat(amt), height: HEIGHT };
    assert_eq!(FailureMessage::decode(&wire).unwrap(), expected, "LDK: {}", err.msg);
    check_attributed_to_ldk_hop(&secrets, &wire, &expected);
    checked += 1;

    // A corrupted onion: LDK answers with a malformed-HTLC code; the previous hop (ours) turns it
    // into a normal failure, which the origin attributes to that previous hop.
    let (mut onion, _) = onion_for_ldk(&r, amt, cltv);
    onion.hmac[0] ^= 1;
    let err = peel_payment_onion(
        &add(ldk_onion(&onion), amt, cltv),
        &r.ldk,
        &NoLog,
        &r.secp,
        HEIGHT,
        false,
    )
    .err()
    .expect("LDK must refuse");
    let c = ldk_code(&err.reason);
    assert_eq!(c, code::INVALID_ONION_HMAC, "LDK: {}", err.msg);
    let sha = lnpay_onion::crypto::sha256(&[&onion.to_bytes()]);
    let mut p = build_malformed_return_packet(&secrets[1], c, &sha, LEGACY_PAYLOAD_LEN).unwrap();
    wrap_return_packet(&secrets[0], &mut p);
    let d = decode_return_packet(&secrets, &p).unwrap();
    assert_eq!(d.erring_index, 1);
    assert_eq!(d.failure, FailureMessage::InvalidOnionHmac { sha256_of_onion: sha });
    assert_eq!(d.failure.name(), "WIRE_INVALID_ONION_HMAC");
    checked += 1;
    assert_eq!(checked, 4);
}

fn check_attributed_to_ldk_hop(secrets: &[SharedSecret], wire: &[u8], expected: &FailureMessage) {
    let mut p = build_return_packet(&secrets[2], wire, LEGACY_PAYLOAD_LEN).unwrap();
    for s in secrets[..2].iter().rev() {
        wrap_return_packet(s, &mut p);
    }
    let d = decode_return_packet(secrets, &p).unwrap();
    assert_eq!((d.erring_index, &d.failure, d.raw.as_slice()), (2, expected, wire));
}

/// A path LDK builds through two forwarding nodes to a payee, all with keys we know.
fn ldk_blinded_path(secp: &Secp256k1<secp256k1::All>, kms: &[KeysManager]) -> BlindedPaymentPath {
    let ids: Vec<PublicKey> = kms.iter().map(|k| k.get_node_id(Recipient::Node).unwrap()).collect();
    let constraints = PaymentConstraints { max_cltv_expiry: 900_000, htlc_minimum_msat: 1 };
    let forward = |i: usize| PaymentForwardNode {
        tlvs: ForwardTlvs {
            short_channel_id: 1000 + i as u64,
            payment_relay: PaymentRelay {
                cltv_expiry_delta: 144 + i as u16,
                fee_proportional_millionths: 100 * (i as u32 + 1),
                fee_base_msat: 1000 + i as u32,
            },
            payment_constraints: constraints.clone(),
            features: BlindedHopFeatures::empty(),
            next_blinding_override: None,
        },
        node_id: ids[i],
        htlc_maximum_msat: 1_000_000_000,
    };
    let payee = UnauthenticatedReceiveTlvs {
        payment_secret: PaymentSecret([9; 32]),
        payment_constraints: constraints.clone(),
        payment_context: PaymentContext::Bolt12Refund(Bolt12RefundContext {}),
    }
    .authenticate(Nonce::from_entropy_source(&FixedEntropy(5)), &ExpandedKey::new([6; 32]));
    BlindedPaymentPath::new(
        &[forward(0), forward(1)],
        ids[2],
        payee,
        1_000_000_000,
        18,
        &FixedEntropy(0x21),
        secp,
    )
    .unwrap()
}

fn as_ours(path: &BlindedPaymentPath) -> BlindedPath {
    let introduction_node = match path.introduction_node() {
        IntroductionNode::NodeId(id) => *id,
        other => panic!("unexpected introduction node {other:?}"),
    };
    BlindedPath {
        introduction_node: types::IntroductionNode::NodeId(introduction_node),
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

#[test]
fn ldk_blinded_path_opens_with_our_unblinding() {
    let secp = Secp256k1::new();
    let kms: Vec<KeysManager> = (1..=3u8).map(|i| KeysManager::new(&[i; 32], 1, 0, true)).collect();
    let path = as_ours(&ldk_blinded_path(&secp, &kms));
    assert_eq!(path.hops.len(), 3);
    assert_eq!(
        path.introduction_node,
        types::IntroductionNode::NodeId(kms[0].get_node_id(Recipient::Node).unwrap())
    );
    let mut path_key = path.first_path_key;
    let mut opened = 0;
    for (i, (km, hop)) in kms.iter().zip(&path.hops).enumerate() {
        let k = km.get_node_secret_key();
        let b = blinded_node_secret(&k, &path_key).unwrap();
        assert_eq!(PublicKey::from_secret_key(&secp, &b), hop.blinded_node_id, "hop {i}");
        if i == 2 {
            // The payee's data: LDK puts its payment context under the even type 65536, which
            // only LDK (the payee that wrote it) reads; a spec reader that does not know it must
            // refuse, and the bytes still open with our key derivation.
            let got = decrypt_recipient_data(&secp, &k, &path_key, &hop.encrypted_recipient_data);
            assert_eq!(
                got.err(),
                Some(UnblindError::Tlv(EncryptedDataError::Tlv(TlvError::UnknownEvenType {
                    typ: 65536
                })))
            );
            let plain =
                decrypt_recipient_data_bytes(&k, &path_key, &hop.encrypted_recipient_data).unwrap();
            let stream = types::tlv::TlvStream::decode(&plain, &|_| true).unwrap();
            let c = stream.get(12).unwrap();
            assert_eq!(c, [&900_000u32.to_be_bytes()[..], &[1]].concat(), "payment_constraints");
            assert!(stream.get(65536).is_some(), "LDK's payee context");
            opened += 1;
            continue;
        }
        let got =
            decrypt_recipient_data(&secp, &k, &path_key, &hop.encrypted_recipient_data).unwrap();
        assert_eq!(got.data.short_channel_id, Some(ShortChannelId(1000 + i as u64)));
        let relay = got.data.payment_relay.unwrap();
        assert_eq!(relay.cltv_expiry_delta, 144 + i as u16);
        assert_eq!(relay.fee_proportional_millionths, 100 * (i as u32 + 1));
        assert_eq!(relay.fee_base_msat, 1000 + i as u32);
        let c = got.data.payment_constraints.unwrap();
        assert_eq!((c.max_cltv_expiry, c.htlc_minimum_msat), (900_000, Msat(1)));
        path_key = got.next_path_key;
        opened += 1;
    }
    assert_eq!(opened, 3);
}

#[test]
fn ldk_introduction_node_reads_our_blinded_onion() {
    let secp = Secp256k1::new();
    let kms: Vec<KeysManager> = (1..=3u8).map(|i| KeysManager::new(&[i; 32], 1, 0, true)).collect();
    let path = as_ours(&ldk_blinded_path(&secp, &kms));
    let final_values = BlindedFinal {
        amt_to_forward: Msat(10_000),
        outgoing_cltv_value: HEIGHT + 200,
        total_amount_msat: Msat(10_000),
    };
    let session = SecretKey::from_slice(&[0x44; 32]).unwrap();
    let layers: Vec<(PublicKey, Vec<u8>)> = blinded_hops(&path, final_values)
        .unwrap()
        .into_iter()
        .map(|(id, p)| (id, p.encode()))
        .collect();
    let (onion, secrets) = packet::build(&session, &layers, &PAYMENT_HASH).unwrap();
    assert_eq!(secrets.len(), 3);
    // Enough to pay both blinded hops' fees and deltas.
    let msg = add(ldk_onion(&onion), 20_000, HEIGHT + 600);
    let info = peel_payment_onion(&msg, &kms[0], &NoLog, &secp, HEIGHT, false)
        .unwrap_or_else(|e| panic!("LDK refuses our blinded onion: {} ({:?})", e.msg, e.reason));
    match info.routing {
        PendingHTLCRouting::Forward { short_channel_id, blinded, .. } => {
            assert_eq!(short_channel_id, 1000);
            assert!(blinded.is_some(), "LDK sees a blinded forward");
        }
        _ => panic!("LDK does not see a forward"),
    }
    assert_eq!(info.incoming_shared_secret, secrets[0].0);
}
