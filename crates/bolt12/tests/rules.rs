//! Every reader rule of BOLT 12 for invoice requests and invoices that the vectors do not
//! cover, one mutation of a valid message per rule, each refused with its typed error (the
//! offer rules are the vectors' `offers-test.json`).

use lnpay_bolt12::fields::{invoice_type as it, invreq_type as rt, offer_type as ot};
use lnpay_bolt12::fields::{BlindedPayInfo, FallbackAddress};
use lnpay_bolt12::invoice::DecodeError as InvErr;
use lnpay_bolt12::invoice_request::DecodeError as ReqErr;
use lnpay_bolt12::{
    offer, FieldError, Invoice, InvoiceError, InvoiceFields, InvoiceRequest, InvreqFields, Offer,
    OfferFields, ResponseError,
};
use secp256k1::{SecretKey, SECP256K1};
use types::tlv::{encode_tu64, TlvError, TlvStream};
use types::{BlindedHop, BlindedPath, Features, IntroductionNode, Msat, PaymentHash};

fn key(b: u8) -> SecretKey {
    SecretKey::from_slice(&[b; 32]).unwrap()
}

fn path(b: u8) -> BlindedPath {
    BlindedPath {
        introduction_node: IntroductionNode::NodeId(key(b).public_key(SECP256K1)),
        first_path_key: key(b + 1).public_key(SECP256K1),
        hops: vec![BlindedHop {
            blinded_node_id: key(b + 2).public_key(SECP256K1),
            encrypted_recipient_data: vec![b; 4],
        }],
    }
}

fn payinfo() -> BlindedPayInfo {
    BlindedPayInfo {
        fee_base_msat: 1,
        fee_proportional_millionths: 2,
        cltv_expiry_delta: 3,
        htlc_minimum_msat: Msat(4),
        htlc_maximum_msat: Msat(5_000_000),
        features: Features::new(),
    }
}

fn offer_fields() -> OfferFields {
    OfferFields {
        description: Some("widget".into()),
        amount: Some(1_000),
        quantity_max: Some(5),
        issuer_id: Some(key(0x41).public_key(SECP256K1)),
        ..Default::default()
    }
}

fn invreq_fields() -> InvreqFields {
    InvreqFields {
        metadata: Some(vec![9; 16]),
        quantity: Some(2),
        amount: Some(Msat(2_000)),
        ..Default::default()
    }
}

/// The records of a request: the offer's, then the request's, changed by `edit`, signed by
/// the payer.
fn request(edit: impl FnOnce(&mut TlvStream)) -> Result<InvoiceRequest, ReqErr> {
    let mut s = TlvStream::default();
    offer_fields().write(&mut s);
    invreq_fields().write(&mut s);
    edit(&mut s);
    InvoiceRequest::sign(&s, &InvreqFields::default(), &key(0x42))
}

fn invoice_fields() -> InvoiceFields {
    InvoiceFields {
        paths: Some(vec![path(1), path(5)]),
        blindedpay: Some(vec![payinfo(), payinfo()]),
        created_at: Some(1_700_000_000),
        payment_hash: Some(PaymentHash([7; 32])),
        amount: Some(Msat(2_000)),
        ..Default::default()
    }
}

fn invoice(edit: impl FnOnce(&mut TlvStream)) -> Result<Invoice, InvErr> {
    let req = request(|_| {}).unwrap();
    let mut s = req.records().clone();
    let mut f = invoice_fields();
    f.node_id = Some(key(0x41).public_key(SECP256K1));
    f.write(&mut s);
    edit(&mut s);
    Invoice::sign(&s, &InvoiceFields::default(), &key(0x41))
}

#[test]
fn invoice_request_rules() {
    let ok = request(|_| {}).unwrap();
    assert_eq!(ok.to_string().parse::<InvoiceRequest>().unwrap(), ok);
    let rm = |t: u64| move |s: &mut TlvStream| s.records.retain(|r| r.typ != t);
    let set = |t: u64, v: Vec<u8>| move |s: &mut TlvStream| s.insert(t, v);
    type Case = (&'static str, Result<InvoiceRequest, ReqErr>, fn(&ReqErr) -> bool);
    let cases: Vec<Case> = vec![
        ("no metadata", request(rm(rt::METADATA)), |e| *e == ReqErr::MissingMetadata),
        ("out of range", request(set(161, vec![1])), |e| *e == ReqErr::OutOfRange { typ: 161 }),
        ("out of range high", request(set(3_000_000_001, vec![1])), |e| {
            *e == ReqErr::OutOfRange { typ: 3_000_000_001 }
        }),
        ("unknown even", request(set(100, vec![1])), |e| {
            *e == ReqErr::Tlv(TlvError::UnknownEvenType { typ: 100 })
        }),
        ("unknown feature", request(set(rt::FEATURES, vec![1, 0])), |e| {
            *e == ReqErr::UnknownRequiredFeatures { bits: vec![8] }
        }),
        ("missing quantity", request(rm(rt::QUANTITY)), |e| {
            *e == ReqErr::MissingQuantity { quantity_max: 5 }
        }),
        ("zero quantity", request(set(rt::QUANTITY, vec![])), |e| {
            *e == ReqErr::BadQuantity { quantity: 0, quantity_max: 5 }
        }),
        ("quantity above max", request(set(rt::QUANTITY, vec![6])), |e| {
            *e == ReqErr::BadQuantity { quantity: 6, quantity_max: 5 }
        }),
        ("unexpected quantity", request(rm(ot::QUANTITY_MAX)), |e| {
            *e == ReqErr::UnexpectedQuantity { quantity: 2 }
        }),
        ("amount too low", request(set(rt::AMOUNT, encode_tu64(1_999))), |e| {
            *e == ReqErr::AmountTooLow { amount: Msat(1_999), expected: Msat(2_000) }
        }),
        ("offer rule", request(rm(ot::DESCRIPTION)), |e| {
            *e == ReqErr::Offer(offer::DecodeError::AmountWithoutDescription { amount: 1_000 })
        }),
        (
            "no amount anywhere",
            request(|s| {
                s.records.retain(|r| r.typ != ot::AMOUNT && r.typ != rt::AMOUNT);
            }),
            |e| *e == ReqErr::MissingAmount,
        ),
        (
            "no offer: offer_quantity_max",
            request(|s| s.records.retain(|r| r.typ != ot::ISSUER_ID)),
            |e| *e == ReqErr::UnexpectedOfferField { typ: ot::QUANTITY_MAX },
        ),
        (
            "no offer: no amount",
            request(|s| {
                s.records.retain(|r| {
                    ![ot::ISSUER_ID, ot::QUANTITY_MAX, rt::QUANTITY, rt::AMOUNT].contains(&r.typ)
                });
            }),
            |e| *e == ReqErr::MissingAmount,
        ),
        (
            "zero hops in invreq_paths",
            request(set(rt::PATHS, {
                let mut v = Vec::new();
                let mut p = path(1);
                p.hops.clear();
                p.encode_to(&mut v);
                v
            })),
            |e| matches!(e, ReqErr::Field(b) if b.typ == rt::PATHS),
        ),
        (
            "bad bip 353 name",
            request(set(rt::BIP_353_NAME, b"\x03a@b\x01c".to_vec())),
            |e| matches!(e, ReqErr::Field(b) if matches!(b.error, FieldError::Bip353Name { .. })),
        ),
    ];
    for (name, result, want) in cases {
        match result {
            Err(e) if want(&e) => assert!(!e.to_string().is_empty()),
            other => panic!("{name}: {other:?}"),
        }
    }
    // A good BIP 353 name is read.
    let named = request(set(rt::BIP_353_NAME, b"\x04alice\x0bexample.com".to_vec()));
    assert!(named.is_err(), "name_len 4 with 5 bytes is malformed");
    let named = request(set(rt::BIP_353_NAME, b"\x05alice\x0bexample.com".to_vec())).unwrap();
    let name = named.fields().bip_353_name.clone().unwrap();
    assert_eq!((name.name.as_str(), name.domain.as_str()), ("alice", "example.com"));

    // Missing payer id / signature, and a tampered signature, read from bytes.
    let mut s = ok.records().clone();
    s.records.retain(|r| r.typ != 240);
    assert_eq!(InvoiceRequest::from_bytes(&s.encode()), Err(ReqErr::MissingSignature));
    s.records.retain(|r| r.typ != rt::PAYER_ID);
    assert_eq!(InvoiceRequest::from_bytes(&s.encode()), Err(ReqErr::MissingPayerId));
    let mut bytes = ok.to_bytes();
    let last = bytes.len() - 1;
    bytes[last] ^= 1;
    assert!(matches!(
        InvoiceRequest::from_bytes(&bytes),
        Err(ReqErr::BadSignature { .. }) | Err(ReqErr::Field(_))
    ));
    let mut s = ok.records().clone();
    s.insert(rt::PAYER_NOTE, b"changed".to_vec());
    assert!(matches!(InvoiceRequest::from_bytes(&s.encode()), Err(ReqErr::BadSignature { .. })));

    // The request matches its offer, not another.
    let offer = Offer::new(&offer_fields()).unwrap();
    assert!(ok.matches_offer(&offer));
    let other = Offer::new(&OfferFields { issuer: Some("x".into()), ..offer_fields() }).unwrap();
    assert!(!ok.matches_offer(&other));
}

#[test]
fn invoice_rules() {
    let req = request(|_| {}).unwrap();
    let ok = invoice(|_| {}).unwrap();
    ok.check_response(&req).unwrap();
    assert_eq!(ok.to_string().parse::<Invoice>().unwrap(), ok);
    assert!(!ok.is_expired(1_700_007_200) && ok.is_expired(1_700_007_201));
    let rm = |t: u64| move |s: &mut TlvStream| s.records.retain(|r| r.typ != t);
    let set = |t: u64, v: Vec<u8>| move |s: &mut TlvStream| s.insert(t, v);
    for t in [it::AMOUNT, it::CREATED_AT, it::PAYMENT_HASH, it::PATHS, it::BLINDEDPAY] {
        assert_eq!(invoice(rm(t)), Err(InvErr::Missing { typ: t }), "missing {t}");
    }
    assert_eq!(invoice(set(it::PATHS, vec![])), Err(InvErr::NoPaths));
    assert_eq!(
        invoice(set(it::BLINDEDPAY, {
            let mut s = TlvStream::default();
            InvoiceFields { blindedpay: Some(vec![payinfo()]), ..Default::default() }.write(&mut s);
            s.get(it::BLINDEDPAY).unwrap().to_vec()
        })),
        Err(InvErr::PayInfoCount { paths: 2, payinfos: 1 })
    );
    let mut odd_bits = payinfo();
    odd_bits.features.set(0);
    let unusable = |s: &mut TlvStream| {
        let mut f = TlvStream::default();
        InvoiceFields {
            blindedpay: Some(vec![odd_bits.clone(), odd_bits.clone()]),
            ..Default::default()
        }
        .write(&mut f);
        s.insert(it::BLINDEDPAY, f.get(it::BLINDEDPAY).unwrap().to_vec());
    };
    assert_eq!(invoice(unusable), Err(InvErr::NoUsablePath));
    // One unusable path of two: kept, but not offered as usable.
    let mut one_unusable = payinfo();
    one_unusable.features.set(0);
    let half = invoice(|s| {
        let mut f = TlvStream::default();
        InvoiceFields { blindedpay: Some(vec![one_unusable, payinfo()]), ..Default::default() }
            .write(&mut f);
        s.insert(it::BLINDEDPAY, f.get(it::BLINDEDPAY).unwrap().to_vec());
    })
    .unwrap();
    assert_eq!(half.usable_paths().count(), 1);
    assert_eq!(
        invoice(set(it::FEATURES, vec![4, 0, 0])),
        Err(InvErr::UnknownRequiredFeatures { bits: vec![18] })
    );
    let required = invoice(set(it::FEATURES, vec![1, 0, 0])).unwrap();
    assert!(required.allows_mpp() && required.requires_mpp());
    let mpp = invoice(set(it::FEATURES, vec![2, 0, 0])).unwrap();
    assert!(mpp.allows_mpp() && !mpp.requires_mpp());
    assert_eq!(
        invoice(set(it::AMOUNT, encode_tu64(2_001))),
        Err(InvErr::AmountMismatch { amount: Msat(2_001), requested: Msat(2_000) })
    );
    // Signed by another key than the offer's issuer.
    let mut s = req.records().clone();
    invoice_fields().write(&mut s);
    assert!(matches!(
        Invoice::sign(&s, &InvoiceFields::default(), &key(0x43)),
        Err(InvErr::NotIssuer { .. })
    ));
    // Tampered after signing.
    let mut t = ok.records().clone();
    t.insert(it::CREATED_AT, encode_tu64(1));
    assert!(matches!(Invoice::from_bytes(&t.encode()), Err(InvErr::BadSignature { .. })));
    // Relative expiry and fallbacks.
    let e = invoice(set(it::RELATIVE_EXPIRY, encode_tu64(60))).unwrap();
    assert!(!e.is_expired(1_700_000_060) && e.is_expired(1_700_000_061));
    let fb = invoice(|s| {
        let mut f = TlvStream::default();
        InvoiceFields {
            fallbacks: Some(vec![
                FallbackAddress { version: 0, address: vec![1; 20] },
                FallbackAddress { version: 17, address: vec![1; 20] },
                FallbackAddress { version: 0, address: vec![1; 21] },
                FallbackAddress { version: 1, address: vec![1; 41] },
                FallbackAddress { version: 1, address: vec![1; 32] },
            ]),
            ..Default::default()
        }
        .write(&mut f);
        s.insert(it::FALLBACKS, f.get(it::FALLBACKS).unwrap().to_vec());
    })
    .unwrap();
    assert_eq!(fb.usable_fallbacks().count(), 2);
    assert!(
        matches!(invoice(set(it::FALLBACKS, vec![0, 0, 5, 1])), Err(InvErr::Field(b)) if b.typ == it::FALLBACKS)
    );

    // check_response: a different request.
    let other = request(|s| s.insert(rt::PAYER_NOTE, b"hi".to_vec())).unwrap();
    assert_eq!(
        ok.check_response(&other),
        Err(ResponseError::FieldMismatch { typ: rt::PAYER_NOTE })
    );
}

#[test]
fn invoice_errors() {
    let e = InvoiceError {
        erroneous_field: Some(82),
        suggested_value: Some(vec![3, 0xe8]),
        error: "amount too low".into(),
        unknown: vec![],
    };
    assert_eq!(InvoiceError::from_bytes(&e.to_bytes()), Ok(e));
    use lnpay_bolt12::invoice_error::DecodeError as E;
    assert_eq!(InvoiceError::from_bytes(&[1, 1, 5]), Err(E::MissingError));
    assert_eq!(InvoiceError::from_bytes(&[3, 1, 5, 5, 1, b'x']), Err(E::SuggestionWithoutField));
    assert_eq!(InvoiceError::from_bytes(&[5, 1, 0xff]), Err(E::Utf8 { bytes: vec![0xff] }));
    assert!(matches!(InvoiceError::from_bytes(&[1, 1, 0, 5, 1, b'x']), Err(E::ErroneousField(_))));
    assert_eq!(
        InvoiceError::from_bytes(&[2, 0]),
        Err(E::Tlv(TlvError::UnknownEvenType { typ: 2 }))
    );
}
