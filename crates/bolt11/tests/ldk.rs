//! The peer as oracle: lightning-invoice 0.34.1 (LDK) and this crate read and write the same
//! invoices.
//!
//! - Random invoices written and signed by LDK decode here to exactly what LDK decodes, field by
//!   field, and re-encode to the same string.
//! - Random invoices written and signed here are accepted by LDK and read identically.
//! - The 16 valid spec examples decode identically on both sides (payee included).

use std::str::FromStr;
use std::time::Duration;

use bitcoin::hashes::{sha256, Hash};
use lightning_invoice as ldk;
use lnpay_bolt11::{
    Currency, Description, Fallback, Invoice, InvoiceBuilder, RouteHint, RouteHintHop,
};
use proptest::prelude::*;
use secp256k1::{PublicKey, Secp256k1, SecretKey};
use types::{Features, Msat, NodeId, PaymentHash, PaymentSecret, ShortChannelId};

/// Random cases per direction (two directions: about 2,000 invoices in all).
const CASES: u32 = 1000;

const VECTORS: &str =
    concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/vectors/bolt11-examples.json");

/// A hint hop: node key seed, scid, fee base, fee ppm, cltv delta.
type HopSpec = ([u8; 32], u64, u32, u32, u16);

/// What both writers are asked to write.
#[derive(Clone, Debug)]
struct Spec {
    currency: Currency,
    key: [u8; 32],
    with_payee: bool,
    amount_msat: Option<u64>,
    timestamp: u64,
    payment_hash: [u8; 32],
    payment_secret: [u8; 32],
    /// `Ok(text)` for `d`, `Err(hash)` for `h`.
    description: Result<String, [u8; 32]>,
    expiry: Option<u64>,
    cltv: u64,
    fallbacks: Vec<Fallback>,
    hints: Vec<Vec<HopSpec>>,
    basic_mpp: bool,
    metadata: Option<Vec<u8>>,
}

fn key(seed: [u8; 32]) -> SecretKey {
    let mut s = seed;
    s[0] = 1; // below the curve order, never zero
    SecretKey::from_slice(&s).unwrap_or_else(|e| panic!("{e}"))
}

fn pubkey(seed: [u8; 32]) -> PublicKey {
    PublicKey::from_secret_key(&Secp256k1::signing_only(), &key(seed))
}

fn arb_fallback() -> impl Strategy<Value = Fallback> {
    prop_oneof![
        any::<[u8; 20]>().prop_map(Fallback::PubkeyHash),
        any::<[u8; 20]>().prop_map(Fallback::ScriptHash),
        any::<[u8; 20]>().prop_map(|p| Fallback::Segwit { version: 0, program: p.to_vec() }),
        any::<[u8; 32]>().prop_map(|p| Fallback::Segwit { version: 0, program: p.to_vec() }),
        any::<[u8; 32]>().prop_map(|p| Fallback::Segwit { version: 1, program: p.to_vec() }),
        (2u8..=16, prop::collection::vec(any::<u8>(), 2..=40))
            .prop_map(|(version, program)| Fallback::Segwit { version, program }),
    ]
}

fn arb_amount() -> impl Strategy<Value = Option<u64>> {
    prop_oneof![
        Just(None),
        (1u64..=1_000_000_000_000_000).prop_map(Some),
        (1u64..=10_000, 0u32..=11).prop_map(|(v, e)| Some(v * 10u64.pow(e))),
    ]
}

fn arb_spec() -> impl Strategy<Value = Spec> {
    let currency = prop_oneof![
        Just(Currency::Bitcoin),
        Just(Currency::Testnet),
        Just(Currency::Signet),
        Just(Currency::Regtest)
    ];
    let description = prop_oneof![".{0,100}".prop_map(Ok), any::<[u8; 32]>().prop_map(Err),];
    let hop = (any::<[u8; 32]>(), any::<u64>(), any::<u32>(), any::<u32>(), any::<u16>());
    let hints = prop::collection::vec(prop::collection::vec(hop, 1..=3), 0..=2);
    (
        (currency, any::<[u8; 32]>(), any::<bool>(), arb_amount(), 0u64..(1 << 35)),
        (any::<[u8; 32]>(), any::<[u8; 32]>(), description),
        (prop::option::of(0u64..=1 << 40), 0u64..=100_000),
        (prop::collection::vec(arb_fallback(), 0..=2), hints, any::<bool>()),
        prop::option::of(prop::collection::vec(any::<u8>(), 0..=64)),
    )
        .prop_map(
            |(
                (currency, key, with_payee, amount_msat, timestamp),
                (payment_hash, payment_secret, description),
                (expiry, cltv),
                (fallbacks, hints, basic_mpp),
                metadata,
            )| Spec {
                currency,
                key,
                with_payee,
                amount_msat,
                timestamp,
                payment_hash,
                payment_secret,
                description,
                expiry,
                cltv,
                fallbacks,
                hints,
                basic_mpp,
                metadata,
            },
        )
}

fn ldk_currency(c: Currency) -> ldk::Currency {
    match c {
        Currency::Bitcoin => ldk::Currency::Bitcoin,
        Currency::Testnet => ldk::Currency::BitcoinTestnet,
        Currency::Signet => ldk::Currency::Signet,
        Currency::Regtest => ldk::Currency::Regtest,
    }
}

fn ldk_fallback(f: &Fallback) -> ldk::Fallback {
    match f {
        Fallback::PubkeyHash(h) => {
            ldk::Fallback::PubKeyHash(bitcoin::PubkeyHash::from_byte_array(*h))
        }
        Fallback::ScriptHash(h) => {
            ldk::Fallback::ScriptHash(bitcoin::ScriptHash::from_byte_array(*h))
        }
        Fallback::Segwit { version, program } => ldk::Fallback::SegWitProgram {
            version: bitcoin::WitnessVersion::try_from(*version).unwrap_or_else(|e| panic!("{e}")),
            program: program.clone(),
        },
    }
}

fn ldk_hint(h: &[HopSpec]) -> ldk::RouteHint {
    ldk::RouteHint(
        h.iter()
            .map(|&(seed, scid, base, ppm, cltv)| ldk::RouteHintHop {
                src_node_id: pubkey(seed),
                short_channel_id: scid,
                fees: ldk::RoutingFees { base_msat: base, proportional_millionths: ppm },
                cltv_expiry_delta: cltv,
                htlc_minimum_msat: None,
                htlc_maximum_msat: None,
            })
            .collect(),
    )
}

fn our_hint(h: &[HopSpec]) -> RouteHint {
    RouteHint(
        h.iter()
            .map(|&(seed, scid, base, ppm, cltv)| RouteHintHop {
                node_id: NodeId::from_pubkey(&pubkey(seed)),
                short_channel_id: ShortChannelId(scid),
                fee_base_msat: base,
                fee_proportional_millionths: ppm,
                cltv_expiry_delta: cltv,
            })
            .collect(),
    )
}

/// LDK writes and signs the spec.
fn ldk_write(spec: &Spec) -> String {
    let b = ldk::InvoiceBuilder::new(ldk_currency(spec.currency));
    let b = match &spec.description {
        Ok(d) => b.description(d.clone()),
        Err(h) => b.description_hash(sha256::Hash::from_byte_array(*h)),
    };
    let mut b = b
        .payment_hash(sha256::Hash::from_byte_array(spec.payment_hash))
        .duration_since_epoch(Duration::from_secs(spec.timestamp))
        .min_final_cltv_expiry_delta(spec.cltv)
        .payment_secret(ldk::PaymentSecret(spec.payment_secret));
    if let Some(a) = spec.amount_msat {
        b = b.amount_milli_satoshis(a);
    }
    if spec.with_payee {
        b = b.payee_pub_key(pubkey(spec.key));
    }
    if let Some(x) = spec.expiry {
        b = b.expiry_time(Duration::from_secs(x));
    }
    for f in &spec.fallbacks {
        b = b.fallback(ldk_fallback(f));
    }
    for h in &spec.hints {
        b = b.private_route(ldk_hint(h));
    }
    if spec.basic_mpp {
        b = b.basic_mpp();
    }
    let sk = key(spec.key);
    let secp = Secp256k1::signing_only();
    let inv = match &spec.metadata {
        Some(m) => b
            .payment_metadata(m.clone())
            .build_signed(|hash| secp.sign_ecdsa_recoverable(hash, &sk)),
        None => b.build_signed(|hash| secp.sign_ecdsa_recoverable(hash, &sk)),
    };
    inv.unwrap_or_else(|e| panic!("LDK cannot write {spec:?}: {e}")).to_string()
}

/// This crate writes and signs the spec (in LDK's feature conventions).
fn our_write(spec: &Spec) -> Invoice {
    let mut b = InvoiceBuilder::new(spec.currency, spec.timestamp);
    if let Some(a) = spec.amount_msat {
        b = b.amount(Msat(a));
    }
    b = match &spec.description {
        Ok(d) => b.description(d),
        Err(h) => b.description_hash(*h),
    };
    b = b
        .payment_hash(PaymentHash(spec.payment_hash))
        .payment_secret(PaymentSecret(spec.payment_secret))
        .min_final_cltv_expiry_delta(spec.cltv);
    if spec.with_payee {
        b = b.payee(&pubkey(spec.key));
    }
    if let Some(x) = spec.expiry {
        b = b.expiry(x);
    }
    for f in &spec.fallbacks {
        b = b.fallback(f);
    }
    for h in &spec.hints {
        b = b.route_hint(&our_hint(h));
    }
    let mut features = Features::new();
    features.set(8);
    features.set(14);
    if spec.basic_mpp {
        features.set(17);
    }
    if let Some(m) = &spec.metadata {
        features.set(49);
        b = b.payment_metadata(m);
    }
    b = b.features(&features);
    b.build_signed(&key(spec.key)).unwrap_or_else(|e| panic!("cannot write {spec:?}: {e}"))
}

/// Every field of our decoding equals LDK's decoding of the same string.
fn same(ours: &Invoice, theirs: &ldk::Bolt11Invoice) {
    assert_eq!(ldk_currency(ours.currency()), theirs.currency());
    assert_eq!(ours.amount().map(|a| a.msat()), theirs.amount_milli_satoshis());
    assert_eq!(ours.timestamp(), theirs.duration_since_epoch().as_secs());
    assert_eq!(ours.payment_hash().0, theirs.payment_hash().to_byte_array());
    assert_eq!(ours.payment_secret().0, theirs.payment_secret().0);
    match (ours.description(), theirs.description()) {
        (Description::Direct(a), ldk::Bolt11InvoiceDescriptionRef::Direct(b)) => {
            assert_eq!(a, &b.as_inner().0)
        }
        (Description::Hash(a), ldk::Bolt11InvoiceDescriptionRef::Hash(b)) => {
            assert_eq!(a, &b.0.to_byte_array())
        }
        (a, b) => panic!("descriptions differ: {a:?} / {b:?}"),
    }
    assert_eq!(ours.payee_pubkey(), &theirs.get_payee_pub_key());
    assert_eq!(ours.payee_in_invoice(), theirs.payee_pub_key().is_some());
    assert_eq!(ours.expiry(), theirs.expiry_time().as_secs());
    assert_eq!(Some(Duration::from_secs(ours.expires_at())), theirs.expires_at());
    assert_eq!(ours.min_final_cltv_expiry_delta(), theirs.min_final_cltv_expiry_delta());
    let their_fallbacks: Vec<ldk::Fallback> = theirs.fallbacks().into_iter().cloned().collect();
    let our_fallbacks: Vec<ldk::Fallback> = ours.fallbacks().iter().map(ldk_fallback).collect();
    assert_eq!(our_fallbacks, their_fallbacks);
    let network = ours.currency().network();
    let addresses: Vec<String> = ours
        .fallbacks()
        .iter()
        .filter_map(|f| f.address(ours.currency()))
        .map(|a| a.to_string())
        .collect();
    let theirs_addr: Vec<String> =
        theirs.fallback_addresses().iter().map(|a| a.to_string()).collect();
    assert_eq!(addresses, theirs_addr, "{network}");
    let hints: Vec<ldk::RouteHint> = ours
        .route_hints()
        .iter()
        .map(|h| {
            ldk::RouteHint(
                h.0.iter()
                    .map(|hop| ldk::RouteHintHop {
                        src_node_id: hop.node_id.to_pubkey().unwrap_or_else(|e| panic!("{e}")),
                        short_channel_id: hop.short_channel_id.0,
                        fees: ldk::RoutingFees {
                            base_msat: hop.fee_base_msat,
                            proportional_millionths: hop.fee_proportional_millionths,
                        },
                        cltv_expiry_delta: hop.cltv_expiry_delta,
                        htlc_minimum_msat: None,
                        htlc_maximum_msat: None,
                    })
                    .collect(),
            )
        })
        .collect();
    assert_eq!(hints, theirs.route_hints());
    assert_eq!(ours.payment_metadata(), theirs.payment_metadata().map(Vec::as_slice));
    let their_features = theirs.features().map(|f| {
        let le = f.le_flags();
        Features::from_be_bytes(&le.iter().rev().copied().collect::<Vec<u8>>())
    });
    assert_eq!(Some(ours.features().clone()), their_features);
    assert_eq!(
        ours.signature().serialize_compact(),
        theirs.clone().into_signed_raw().signature().0.to_standard().serialize_compact()
    );
}

proptest! {
    #![proptest_config(ProptestConfig { cases: CASES, ..ProptestConfig::default() })]

    #[test]
    fn ldk_writes_we_read(spec in arb_spec()) {
        let s = ldk_write(&spec);
        let ours = Invoice::decode(&s, spec.currency).unwrap_or_else(|e| panic!("{s}: {e}"));
        let theirs = ldk::Bolt11Invoice::from_str(&s).unwrap_or_else(|e| panic!("{s}: {e}"));
        same(&ours, &theirs);
        prop_assert_eq!(ours.to_string(), s);
    }

    #[test]
    fn we_write_ldk_reads(spec in arb_spec()) {
        let ours = our_write(&spec);
        let s = ours.to_string();
        let theirs = ldk::Bolt11Invoice::from_str(&s).unwrap_or_else(|e| panic!("LDK refuses {s}: {e}"));
        same(&ours, &theirs);
        prop_assert_eq!(ours.payee_pubkey(), &pubkey(spec.key));
        prop_assert_eq!(ours.fallbacks(), spec.fallbacks.as_slice());
        let again = Invoice::decode(&s, spec.currency).unwrap_or_else(|e| panic!("{s}: {e}"));
        prop_assert_eq!(again, ours);
    }
}

#[test]
fn spec_examples_read_as_ldk_reads_them() {
    let text = std::fs::read_to_string(VECTORS)
        .unwrap_or_else(|e| panic!("cannot read the BOLT 11 examples at {VECTORS}: {e}"));
    let v: serde_json::Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}"));
    let mut n = 0;
    for case in v["valid"].as_array().into_iter().flatten() {
        let s = case["invoice"].as_str().unwrap_or_default();
        let ours = Invoice::from_str(s).unwrap_or_else(|e| panic!("{s}: {e}"));
        let theirs = ldk::Bolt11Invoice::from_str(s).unwrap_or_else(|e| panic!("{s}: {e}"));
        same(&ours, &theirs);
        n += 1;
    }
    assert_eq!(n, 16);
    for case in v["invalid"].as_array().into_iter().flatten() {
        let s = case["invoice"].as_str().unwrap_or_default();
        assert!(Invoice::from_str(s).is_err() && ldk::Bolt11Invoice::from_str(s).is_err(), "{s}");
        n += 1;
    }
    assert_eq!(n, 26);
}
