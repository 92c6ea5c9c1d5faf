//! The peer as oracle: LDK 0.2.7's `offers` module and this crate read each other's BOLT 12
//! messages.
//!
//! - Random offers, invoice requests and invoices built and signed here are accepted by
//!   LDK's parsers (which check the signatures), read to the same fields, and written back by
//!   LDK to the same bytes.
//! - Random offers, invoice requests and invoices built and signed by LDK decode and verify
//!   here, read to the same fields, and write back to the same bytes; the invoice answers the
//!   request by [`Invoice::check_response`].
//!
//! Cases come from a small seeded generator, so every run checks the same messages.

use std::num::NonZeroU64;
use std::str::FromStr;
use std::time::Duration;

use bitcoin::hashes::Hash;
use lightning::blinded_path::message::BlindedMessagePath;
use lightning::blinded_path::payment::{BlindedPayInfo as LdkPayInfo, BlindedPaymentPath};
use lightning::blinded_path::{BlindedHop as LdkHop, IntroductionNode as LdkIntro};
use lightning::ln::channelmanager::PaymentId;
use lightning::ln::inbound_payment::ExpandedKey;
use lightning::offers::invoice::Bolt12Invoice;
use lightning::offers::invoice_request::InvoiceRequest as LdkInvoiceRequest;
use lightning::offers::nonce::Nonce;
use lightning::offers::offer::{Amount, Offer as LdkOffer, OfferBuilder, Quantity};
use lightning::types::features::BlindedHopFeatures;
use lightning::util::ser::Writeable;
use lnpay_bolt12::fields::{BlindedPayInfo, FallbackAddress};
use lnpay_bolt12::{
    ChainHash, Invoice, InvoiceFields, InvoiceRequest, InvreqFields, Offer, OfferFields,
};
use secp256k1::{Keypair, PublicKey, Secp256k1, SecretKey, SECP256K1};
use types::{BlindedHop, BlindedPath, Features, IntroductionNode, Msat, PaymentHash};

/// Random cases per direction.
const CASES: usize = 300;

/// splitmix64: small, seeded, good enough to spread test cases.
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
    fn chance(&mut self, one_in: u64) -> bool {
        self.below(one_in) == 0
    }
    fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.next() as u8).collect()
    }
    fn key(&mut self) -> SecretKey {
        loop {
            if let Ok(k) = SecretKey::from_slice(&self.bytes(32)) {
                return k;
            }
        }
    }
    fn pubkey(&mut self) -> PublicKey {
        self.key().public_key(SECP256K1)
    }
    fn text(&mut self, max: u64) -> String {
        let words = ["coffee", "₿", "tea", "bolt", "12", "ünïcode", "x"];
        (0..1 + self.below(max))
            .map(|_| words[self.below(words.len() as u64) as usize])
            .collect::<Vec<_>>()
            .join(" ")
    }
    fn path(&mut self) -> BlindedPath {
        let hops = (0..1 + self.below(3))
            .map(|_| BlindedHop {
                blinded_node_id: self.pubkey(),
                encrypted_recipient_data: {
                    let n = self.below(40) as usize;
                    self.bytes(n)
                },
            })
            .collect();
        BlindedPath {
            introduction_node: IntroductionNode::NodeId(self.pubkey()),
            first_path_key: self.pubkey(),
            hops,
        }
    }
    fn payinfo(&mut self) -> BlindedPayInfo {
        let min = self.below(1000);
        BlindedPayInfo {
            fee_base_msat: self.below(5000) as u32,
            fee_proportional_millionths: self.below(5000) as u32,
            cltv_expiry_delta: self.below(500) as u16,
            htlc_minimum_msat: Msat(min),
            htlc_maximum_msat: Msat(min + self.below(1 << 40)),
            features: Features::new(),
        }
    }
}

fn ldk_hops(p: &BlindedPath) -> Vec<LdkHop> {
    p.hops
        .iter()
        .map(|h| LdkHop {
            blinded_node_id: h.blinded_node_id,
            encrypted_payload: h.encrypted_recipient_data.clone(),
        })
        .collect()
}

fn intro_key(p: &BlindedPath) -> PublicKey {
    match p.introduction_node {
        IntroductionNode::NodeId(k) => k,
        IntroductionNode::Channel(c) => panic!("generated paths name their node: {c}"),
    }
}

/// Our reading of an LDK path: the same introduction node, path key and hops.
fn same_path(ours: &BlindedPath, intro: &LdkIntro, path_key: PublicKey, hops: &[LdkHop]) {
    match intro {
        LdkIntro::NodeId(k) => assert_eq!(ours.introduction_node, IntroductionNode::NodeId(*k)),
        LdkIntro::DirectedShortChannelId(..) => panic!("unexpected channel intro"),
    }
    assert_eq!(ours.first_path_key, path_key);
    assert_eq!(ours.hops.len(), hops.len());
    for (a, b) in ours.hops.iter().zip(hops) {
        assert_eq!(a.blinded_node_id, b.blinded_node_id);
        assert_eq!(a.encrypted_recipient_data, b.encrypted_payload);
    }
}

fn same_payinfo(ours: &BlindedPayInfo, theirs: &LdkPayInfo) {
    assert_eq!(ours.fee_base_msat, theirs.fee_base_msat);
    assert_eq!(ours.fee_proportional_millionths, theirs.fee_proportional_millionths);
    assert_eq!(ours.cltv_expiry_delta, theirs.cltv_expiry_delta);
    assert_eq!(ours.htlc_minimum_msat.0, theirs.htlc_minimum_msat);
    assert_eq!(ours.htlc_maximum_msat.0, theirs.htlc_maximum_msat);
    assert_eq!(
        ours.features.to_be_bytes(),
        theirs.features.le_flags().iter().rev().copied().collect::<Vec<_>>()
    );
}

/// The offer fields LDK reads match ours.
fn same_offer_fields(ours: &OfferFields, theirs: &LdkOffer) {
    assert_eq!(theirs.chains(), ours.chains.clone().unwrap_or_else(|| vec![ChainHash::BITCOIN]));
    assert_eq!(theirs.metadata(), ours.metadata.as_ref());
    match (theirs.amount(), ours.amount, &ours.currency) {
        (None, None, None) => {}
        (Some(Amount::Bitcoin { amount_msats }), Some(a), None) => assert_eq!(amount_msats, a),
        (Some(Amount::Currency { iso4217_code, amount }), Some(a), Some(c)) => {
            assert_eq!((iso4217_code.as_str(), amount), (c.as_str(), a))
        }
        other => panic!("amounts differ: {other:?}"),
    }
    assert_eq!(theirs.description().map(|d| d.0.to_string()), ours.description);
    assert_eq!(theirs.issuer().map(|d| d.0.to_string()), ours.issuer);
    assert_eq!(theirs.absolute_expiry().map(|d| d.as_secs()), ours.absolute_expiry);
    assert_eq!(theirs.issuer_signing_pubkey(), ours.issuer_id);
    let quantity_max = match theirs.supported_quantity() {
        Quantity::One => None,
        Quantity::Unbounded => Some(0),
        Quantity::Bounded(n) => Some(n.get()),
    };
    assert_eq!(quantity_max, ours.quantity_max);
    let paths = ours.paths.clone().unwrap_or_default();
    assert_eq!(paths.len(), theirs.paths().len());
    for (a, b) in paths.iter().zip(theirs.paths()) {
        same_path(a, b.introduction_node(), b.blinding_point(), b.blinded_hops());
    }
}

/// Ours → LDK: an offer, an invoice request answering it and an invoice answering that, each
/// built here from random fields, parsed by LDK to the same fields and written back by LDK
/// to the same bytes.
#[test]
fn ldk_reads_what_we_write() {
    let mut rng = Rng(0x0b01_7120);
    let (mut offers, mut requests, mut invoices) = (0, 0, 0);
    for case in 0..CASES {
        let issuer = rng.key();
        let with_paths = rng.chance(3);
        let quantity_max = if rng.chance(3) { Some(rng.below(5)) } else { None };
        let amount = if rng.chance(2) { Some(1 + rng.below(1 << 30)) } else { None };
        let fields = OfferFields {
            chains: rng.chance(4).then(|| vec![ChainHash::BITCOIN]),
            metadata: rng.chance(3).then(|| {
                let n = 1 + rng.below(30) as usize;
                rng.bytes(n)
            }),
            currency: None,
            amount,
            description: (amount.is_some() || rng.chance(2)).then(|| rng.text(5)),
            features: None,
            absolute_expiry: rng.chance(3).then(|| 1_700_000_000 + rng.below(1 << 30)),
            paths: with_paths.then(|| (0..1 + rng.below(2)).map(|_| rng.path()).collect()),
            issuer: rng.chance(3).then(|| rng.text(3)),
            quantity_max,
            issuer_id: Some(issuer.public_key(SECP256K1)),
        };
        let offer = Offer::new(&fields).unwrap_or_else(|e| panic!("case {case}: {e}"));
        let theirs = LdkOffer::from_str(&offer.to_string())
            .unwrap_or_else(|e| panic!("case {case}: LDK refuses our offer: {e:?}"));
        same_offer_fields(offer.fields(), &theirs);
        assert_eq!(theirs.to_string(), offer.to_string(), "case {case}");
        offers += 1;

        // The request: a quantity when the offer allows one, an amount at least the offer's.
        let payer = rng.key();
        let quantity = quantity_max.map(|m| 1 + rng.below(if m == 0 { 10 } else { m }));
        let expected = amount.map(|a| a * quantity.unwrap_or(1));
        let invreq_amount = match expected {
            Some(e) if rng.chance(2) => Some(Msat(e + rng.below(1000))),
            Some(_) => None,
            None => Some(Msat(1 + rng.below(1 << 32))),
        };
        let invreq = InvreqFields {
            metadata: Some({
                let n = 8 + rng.below(32) as usize;
                rng.bytes(n)
            }),
            amount: invreq_amount,
            quantity,
            payer_note: rng.chance(3).then(|| rng.text(4)),
            ..Default::default()
        };
        let request = InvoiceRequest::for_offer(&offer, &invreq, &payer)
            .unwrap_or_else(|e| panic!("case {case}: {e}"));
        let theirs = LdkInvoiceRequest::try_from(request.to_bytes())
            .unwrap_or_else(|e| panic!("case {case}: LDK refuses our request: {e:?}"));
        assert_eq!(theirs.payer_metadata(), request.metadata());
        assert_eq!(theirs.payer_signing_pubkey(), *request.payer_id());
        assert_eq!(theirs.amount_msats(), invreq_amount.or(expected.map(Msat)).map(|m| m.0));
        assert_eq!(theirs.quantity(), quantity);
        assert_eq!(theirs.payer_note().map(|n| n.0.to_string()), invreq.payer_note);
        assert_eq!(theirs.chain(), ChainHash::BITCOIN);
        assert_eq!(theirs.signature(), *request.signature());
        assert_eq!(theirs.encode(), request.to_bytes(), "case {case}");
        requests += 1;

        // The invoice: random paths and payinfo, times, hash, features, fallbacks.
        let n = 1 + rng.below(3) as usize;
        let paths: Vec<BlindedPath> = (0..n).map(|_| rng.path()).collect();
        let payinfo: Vec<BlindedPayInfo> = (0..n).map(|_| rng.payinfo()).collect();
        let mut features = Features::new();
        if rng.chance(2) {
            features.set(17);
        }
        let fallbacks: Vec<FallbackAddress> = (0..rng.below(3))
            .map(|_| match rng.below(3) {
                0 => FallbackAddress { version: 0, address: rng.bytes(20) },
                1 => FallbackAddress { version: 0, address: rng.bytes(32) },
                _ => FallbackAddress { version: 1, address: rng.bytes(32) },
            })
            .collect();
        let amount_msat = invreq_amount.or(expected.map(Msat)).unwrap();
        let inv_fields = InvoiceFields {
            paths: Some(paths.clone()),
            blindedpay: Some(payinfo.clone()),
            created_at: Some(1_700_000_000 + rng.below(1 << 28)),
            relative_expiry: rng.chance(2).then(|| rng.below(1 << 20) as u32),
            payment_hash: Some(PaymentHash(rng.bytes(32).try_into().unwrap())),
            amount: Some(amount_msat),
            fallbacks: (!fallbacks.is_empty()).then(|| fallbacks.clone()),
            features: (!features.is_empty()).then(|| features.clone()),
            node_id: None,
        };
        let invoice = Invoice::respond(&request, &inv_fields, &issuer)
            .unwrap_or_else(|e| panic!("case {case}: {e}"));
        invoice.check_response(&request).unwrap_or_else(|e| panic!("case {case}: {e}"));
        let theirs = Bolt12Invoice::try_from(invoice.to_bytes())
            .unwrap_or_else(|e| panic!("case {case}: LDK refuses our invoice: {e:?}"));
        assert_eq!(theirs.payment_hash().0, invoice.payment_hash().0);
        assert_eq!(theirs.amount_msats(), amount_msat.0);
        assert_eq!(theirs.created_at().as_secs(), invoice.created_at());
        assert_eq!(theirs.relative_expiry().as_secs(), invoice.relative_expiry());
        assert_eq!(theirs.signing_pubkey(), issuer.public_key(SECP256K1));
        assert_eq!(theirs.invoice_features().supports_basic_mpp(), invoice.allows_mpp());
        assert_eq!(theirs.fallbacks().len(), fallbacks.len());
        for (a, b) in theirs.fallbacks().iter().zip(&fallbacks) {
            let program = a.witness_program().unwrap();
            assert_eq!(program.version().to_num(), b.version);
            assert_eq!(program.program().as_bytes(), &b.address[..]);
        }
        assert_eq!(theirs.payment_paths().len(), n);
        for ((p, i), q) in paths.iter().zip(&payinfo).zip(theirs.payment_paths()) {
            same_path(p, q.introduction_node(), q.blinding_point(), q.blinded_hops());
            same_payinfo(i, &q.payinfo);
        }
        assert_eq!(theirs.signature(), *invoice.signature());
        assert_eq!(theirs.encode(), invoice.to_bytes(), "case {case}");
        invoices += 1;
    }
    assert_eq!((offers, requests, invoices), (CASES, CASES, CASES));
}

/// LDK → ours: offers, requests and invoices built and signed by LDK decode and verify here to
/// the fields LDK reads, write back byte for byte, and the invoice answers the request.
#[test]
fn we_read_what_ldk_writes() {
    let mut rng = Rng(0x1d_4b12);
    let secp = Secp256k1::new();
    let expanded_key = ExpandedKey::new([7; 32]);
    let mut checked = 0;
    for case in 0..CASES {
        let issuer = rng.key();
        let mut builder = OfferBuilder::new(issuer.public_key(SECP256K1));
        let amount = rng.chance(2).then(|| 1 + rng.below(1 << 30));
        if let Some(a) = amount {
            builder = builder.amount_msats(a);
        }
        if amount.is_some() || rng.chance(2) {
            builder = builder.description(rng.text(5));
        }
        if rng.chance(3) {
            builder = builder.issuer(rng.text(3));
        }
        if rng.chance(3) {
            // In the future: LDK refuses to request from an expired offer by its own clock.
            builder =
                builder.absolute_expiry(Duration::from_secs(4_000_000_000 + rng.below(1 << 30)));
        }
        let quantity = match rng.below(4) {
            0 => Quantity::Unbounded,
            1 => Quantity::Bounded(NonZeroU64::new(1 + rng.below(9)).unwrap()),
            _ => Quantity::One,
        };
        builder = builder.supported_quantity(quantity);
        for _ in 0..rng.below(3) {
            let p = rng.path();
            builder = builder.path(BlindedMessagePath::from_blinded_path(
                intro_key(&p),
                p.first_path_key,
                ldk_hops(&p),
            ));
        }
        let testnet = rng.chance(4);
        if testnet {
            builder = builder.chain(bitcoin::Network::Testnet);
        }
        let theirs = builder.build().unwrap_or_else(|e| panic!("case {case}: {e:?}"));
        let offer: Offer = theirs
            .to_string()
            .parse()
            .unwrap_or_else(|e| panic!("case {case}: we refuse LDK's offer: {e}"));
        same_offer_fields(offer.fields(), &theirs);
        assert_eq!(offer.to_string(), theirs.to_string());

        // LDK's request (its payer key derived from the expanded key and a nonce).
        let nonce = Nonce::try_from(&rng.bytes(16)[..]).unwrap();
        let mut rb = theirs
            .request_invoice(&expanded_key, nonce, &secp, PaymentId([case as u8; 32]))
            .unwrap_or_else(|e| panic!("case {case}: {e:?}"));
        if testnet {
            rb = rb.chain(bitcoin::Network::Testnet).unwrap();
        }
        let q = match quantity {
            Quantity::One => None,
            Quantity::Unbounded => Some(1 + rng.below(5)),
            Quantity::Bounded(n) => Some(1 + rng.below(n.get())),
        };
        if let Some(q) = q {
            rb = rb.quantity(q).unwrap();
        }
        if amount.is_none() || rng.chance(2) {
            let base = amount.unwrap_or(1) * q.unwrap_or(1);
            rb = rb.amount_msats(base + rng.below(1000)).unwrap();
        }
        if rng.chance(3) {
            rb = rb.payer_note(rng.text(3));
        }
        let ldk_request = rb.build_and_sign().unwrap_or_else(|e| panic!("case {case}: {e:?}"));
        let bytes = ldk_request.encode();
        let request = InvoiceRequest::from_bytes(&bytes)
            .unwrap_or_else(|e| panic!("case {case}: we refuse LDK's request: {e}"));
        assert!(request.matches_offer(&offer));
        assert_eq!(request.metadata(), ldk_request.payer_metadata());
        assert_eq!(*request.payer_id(), ldk_request.payer_signing_pubkey());
        assert_eq!(
            request.fields().amount.map(|m| m.0),
            ldk_request.amount_msats().filter(|_| request.fields().amount.is_some())
        );
        assert_eq!(request.fields().quantity, ldk_request.quantity());
        assert_eq!(request.fields().payer_note, ldk_request.payer_note().map(|n| n.0.to_string()));
        assert_eq!(request.chain(), ldk_request.chain());
        assert_eq!(request.to_bytes(), bytes);

        // LDK's invoice, signed with the issuer's key.
        let n = 1 + rng.below(3) as usize;
        let paths: Vec<(BlindedPath, BlindedPayInfo)> =
            (0..n).map(|_| (rng.path(), rng.payinfo())).collect();
        let ldk_paths = paths
            .iter()
            .map(|(p, i)| {
                BlindedPaymentPath::from_blinded_path_and_payinfo(
                    intro_key(p),
                    p.first_path_key,
                    ldk_hops(p),
                    LdkPayInfo {
                        fee_base_msat: i.fee_base_msat,
                        fee_proportional_millionths: i.fee_proportional_millionths,
                        cltv_expiry_delta: i.cltv_expiry_delta,
                        htlc_minimum_msat: i.htlc_minimum_msat.0,
                        htlc_maximum_msat: i.htlc_maximum_msat.0,
                        features: BlindedHopFeatures::empty(),
                    },
                )
            })
            .collect();
        let hash = lightning::types::payment::PaymentHash(rng.bytes(32).try_into().unwrap());
        let created_at = Duration::from_secs(1_700_000_000 + rng.below(1 << 28));
        let mut ib = ldk_request
            .respond_with_no_std(ldk_paths, hash, created_at)
            .unwrap_or_else(|e| panic!("case {case}: {e:?}"));
        if rng.chance(2) {
            ib = ib.relative_expiry(rng.below(1 << 20) as u32);
        }
        if rng.chance(2) {
            ib = ib.allow_mpp();
        }
        if rng.chance(3) {
            let h = bitcoin::WPubkeyHash::from_byte_array(rng.bytes(20).try_into().unwrap());
            ib = ib.fallback_v0_p2wpkh(&h);
        }
        let keypair = Keypair::from_secret_key(&secp, &issuer);
        let ldk_invoice = ib
            .build()
            .unwrap_or_else(|e| panic!("case {case}: {e:?}"))
            .sign(|m: &lightning::offers::invoice::UnsignedBolt12Invoice| {
                Ok(secp.sign_schnorr_no_aux_rand(m.as_ref().as_digest(), &keypair))
            })
            .unwrap();
        let bytes = ldk_invoice.encode();
        let invoice = Invoice::from_bytes(&bytes)
            .unwrap_or_else(|e| panic!("case {case}: we refuse LDK's invoice: {e}"));
        invoice.check_response(&request).unwrap_or_else(|e| panic!("case {case}: {e}"));
        assert_eq!(invoice.payment_hash().0, hash.0);
        assert_eq!(invoice.amount().0, ldk_invoice.amount_msats());
        assert_eq!(invoice.created_at(), created_at.as_secs());
        assert_eq!(invoice.relative_expiry(), ldk_invoice.relative_expiry().as_secs());
        assert_eq!(*invoice.node_id(), issuer.public_key(SECP256K1));
        assert_eq!(invoice.allows_mpp(), ldk_invoice.invoice_features().supports_basic_mpp());
        assert_eq!(
            invoice.fields().fallbacks.as_ref().map_or(0, Vec::len),
            ldk_invoice.fallbacks().len()
        );
        assert_eq!(invoice.paths().len(), n);
        for ((ours, info), q) in invoice.paths().iter().zip(ldk_invoice.payment_paths()) {
            same_path(ours, q.introduction_node(), q.blinding_point(), q.blinded_hops());
            same_payinfo(info, &q.payinfo);
        }
        assert_eq!(
            invoice.paths().iter().map(|(p, _)| p).collect::<Vec<_>>(),
            paths.iter().map(|(p, _)| p).collect::<Vec<_>>()
        );
        assert_eq!(invoice.chain(), ldk_invoice.chain());
        assert_eq!(invoice.to_bytes(), bytes);
        checked += 1;
    }
    assert_eq!(checked, CASES);
}
