//! Every BOLT 12 vector of `shared/vectors`: `offers-test.json` (each valid offer decodes to
//! its listed fields and writes back byte for byte; each invalid one is refused for the
//! reason given), `signature-test.json` (every leaf, branch, merkle root, tagged digest and
//! signature) and `format-string-test.json` (the `+` continuations and case rules).

use lnpay_bolt12::merkle::{self, tagged_hash};
use lnpay_bolt12::offer::DecodeError;
use lnpay_bolt12::{FieldError, InvoiceRequest, Offer, StringError};
use secp256k1::schnorr;
use serde_json::Value;
use types::blinded::BlindedPathError;
use types::tlv::{TlvError, TlvStream};
use types::{hex, IntroductionNode};

fn vectors(name: &str) -> Value {
    let path = format!("{}/../../../shared/vectors/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read the BOLT 12 vectors at {path}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn list(v: &Value) -> &Vec<Value> {
    v.as_array().expect("a list of vectors")
}

/// What an invalid offer vector must fail with.
fn expected_error(description: &str, e: &DecodeError) -> bool {
    use DecodeError as D;
    let field = |typ: u64, e: &DecodeError| matches!(e, D::Field(b) if b.typ == typ);
    match description {
        "Malformed: fields out of order" => {
            matches!(e, D::Tlv(TlvError::NotIncreasing { .. }))
        }
        // The vector's record is of type 72 (0x48), whatever its description says.
        "Malformed: unknown even TLV type 78" => {
            matches!(e, D::Tlv(TlvError::UnknownEvenType { typ: 72 }))
        }
        "Malformed: empty" => matches!(e, D::NoIssuerIdNorPaths),
        "Malformed: truncated at type" => matches!(e, D::Tlv(TlvError::Length { .. })),
        "Malformed: truncated in length" => matches!(e, D::Tlv(TlvError::Length { .. })),
        "Malformed: truncated after length" | "Malformed: truncated in description" => {
            matches!(e, D::Tlv(TlvError::ValueTruncated { .. }))
        }
        "Malformed: invalid offer_chains length" => field(2, e),
        "Malformed: truncated currency UTF-8" | "Malformed: invalid currency UTF-8" => field(6, e),
        "Malformed: truncated description UTF-8" | "Malformed: invalid description UTF-8" => {
            field(10, e)
        }
        "Malformed: truncated offer_paths" => {
            matches!(e, D::Field(b) if b.typ == 16 && matches!(b.error, FieldError::BlindedPath { error: BlindedPathError::Truncated { .. }, .. }))
        }
        "Second offer_path is empty" => {
            matches!(e, D::Field(b) if b.typ == 16 && matches!(b.error, FieldError::BlindedPath { index: 1, error: BlindedPathError::NoHops }))
        }
        // These vectors write the path right after the type, with no length: the length
        // read is the path's first byte, and the rest of the path is read as records, whose
        // order breaks. `blinded_path_vectors_reframed` checks the path errors they mean.
        "Malformed: zero num_hops in blinded_path"
        | "Malformed: truncated onionmsg_hop in blinded_path"
        | "Malformed: bad path_key in blinded_path"
        | "Malformed: bad blinded_node_id in onionmsg_hop" => {
            matches!(e, D::Tlv(TlvError::NotIncreasing { previous: 16, typ: 2 }))
        }
        "Malformed: bad first_node_id in blinded_path" => {
            matches!(e, D::Tlv(TlvError::NotIncreasing { previous: 16, typ: 3 }))
        }
        "Malformed: truncated issuer UTF-8" | "Malformed: invalid issuer UTF-8" => field(18, e),
        "Malformed: invalid offer_issuer_id" => field(22, e),
        "Contains type >= 80" => matches!(e, D::Tlv(TlvError::UnknownEvenType { typ: 80 })),
        // These two write their large type as 0xfd and four bytes (a BigSize must use 0xfe):
        // the type read is the first two bytes and the record's length runs past the end.
        // `large_types` checks the rules they mean.
        "Contains type > 1999999999" => {
            matches!(e, D::Tlv(TlvError::ValueTruncated { typ: 0x7735, .. }))
        }
        "Contains unknown even type (1000000002)" => {
            matches!(e, D::Tlv(TlvError::ValueTruncated { typ: 0x3b9a, .. }))
        }
        "Contains unknown feature 122" => {
            matches!(e, D::UnknownRequiredFeatures { bits } if bits == &[122])
        }
        "Missing offer_description, but has offer_amount" => {
            matches!(e, D::AmountWithoutDescription { .. })
        }
        "Missing offer_amount with offer_currency" => {
            matches!(e, D::CurrencyWithoutAmount { .. })
        }
        "Invalid: zero offer_amount" | "Invalid: zero offer_amount with currency" => {
            matches!(e, D::ZeroAmount)
        }
        "Missing offer_issuer_id and no offer_path" => matches!(e, D::NoIssuerIdNorPaths),
        "offer_chains with zero entries" => {
            matches!(e, D::Field(b) if b.typ == 2 && b.error == FieldError::NoChains)
        }
        "Bech32 padding exceeds 4-bit limit" => {
            matches!(e, D::String(StringError::BadPadding { .. }))
        }
        other => panic!("no expected error written for invalid vector {other:?}"),
    }
}

#[test]
fn offers() {
    let (mut valid, mut invalid) = (0, 0);
    let mut wrong = Vec::new();
    for v in list(&vectors("offers-test.json")) {
        let description = v["description"].as_str().unwrap();
        let text = v["bolt12"].as_str().unwrap();
        let result = text.parse::<Offer>();
        if v["valid"].as_bool().unwrap() {
            let offer = result.unwrap_or_else(|e| panic!("{description}: {e}"));
            let want: Vec<(u64, Vec<u8>)> = list(&v["fields"])
                .iter()
                .map(|f| {
                    let value = hex::decode(f["hex"].as_str().unwrap()).unwrap();
                    assert_eq!(f["length"].as_u64().unwrap() as usize, value.len());
                    (f["type"].as_u64().unwrap(), value)
                })
                .collect();
            let got: Vec<(u64, Vec<u8>)> =
                offer.records().records.iter().map(|r| (r.typ, r.value.clone())).collect();
            assert_eq!(got, want, "{description}");
            // Byte for byte: the string written again is the one read.
            assert_eq!(offer.to_string(), text, "{description}");
            // And the typed fields write back the same known records.
            let mut rebuilt = TlvStream::default();
            offer.fields().write(&mut rebuilt);
            for r in offer.records().records.iter().filter(|r| r.typ < 80) {
                if lnpay_bolt12::fields::offer_type::ALL.contains(&r.typ) {
                    assert_eq!(rebuilt.get(r.typ), Some(&r.value[..]), "{description}");
                }
            }
            check_valid_fields(description, &offer);
            valid += 1;
        } else {
            match result {
                Ok(o) => panic!("{description}: accepted invalid offer {o:?}"),
                Err(e) if expected_error(description, &e) => {}
                Err(e) => wrong.push(format!("{description}: wrong error {e:?}")),
            }
            invalid += 1;
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
    assert_eq!((valid, invalid), (20, 33));
}

/// The typed reading of the fields the valid vectors' descriptions name.
fn check_valid_fields(description: &str, offer: &Offer) {
    let f = offer.fields();
    let bitcoin = lnpay_bolt12::ChainHash::BITCOIN;
    match description {
        "with description (but no amount)" => {
            assert_eq!(f.description.as_deref(), Some("Test vectors"))
        }
        "for testnet" => {
            assert!(!offer.supports_chain(bitcoin));
            assert!(offer.supports_chain(lnpay_bolt12::ChainHash::TESTNET3));
        }
        "for bitcoin (redundant)" => assert_eq!(offer.chains(), [bitcoin]),
        "for bitcoin or liquidv1" => assert_eq!(offer.chains().get(1), Some(&bitcoin)),
        "with metadata" => assert_eq!(f.metadata.as_deref(), Some(&[0u8; 16][..])),
        "with amount" => assert_eq!((f.amount, f.currency.as_deref()), (Some(10_000), None)),
        "with currency" => {
            assert_eq!((f.amount, f.currency.as_deref()), (Some(10_000), Some("USD")))
        }
        "with expiry" => {
            // 2035-01-01 in some time zone (the vector's field: 0x7a4297d8).
            assert_eq!(f.absolute_expiry, Some(0x7a42_97d8));
            assert!(!offer.is_expired(0x7a42_97d8));
            assert!(offer.is_expired(0x7a42_97d9));
        }
        "with issuer" => {
            assert_eq!(f.issuer.as_deref(), Some("https://bolt12.org BOLT12 industries"))
        }
        "with quantity" => assert_eq!(f.quantity_max, Some(5)),
        "with unlimited (or unknown) quantity" => assert_eq!(f.quantity_max, Some(0)),
        "with single quantity (weird but valid)" => assert_eq!(f.quantity_max, Some(1)),
        "with feature" => assert!(f.features.as_ref().unwrap().is_set(99)),
        "with blinded path via Bob (0x424242...), path_key 020202..."
        | "with no issuer_id and blinded path via Bob (0x424242...), path_key 020202..." => {
            let paths = f.paths.as_ref().unwrap();
            assert_eq!(paths.len(), 1);
            let hops = &paths[0].hops;
            assert_eq!(hops.len(), 2);
            assert_eq!(hops[0].encrypted_recipient_data, [0u8; 16]);
            assert_eq!(hops[1].encrypted_recipient_data, [0x11u8; 8]);
            assert_eq!(
                paths[0].first_path_key.to_string(),
                "020202020202020202020202020202020202020202020202020202020202020202"
            );
        }
        "same, with blinded path first_node_id using sciddir" => {
            let paths = f.paths.as_ref().unwrap();
            match paths[0].introduction_node {
                IntroductionNode::Channel(c) => {
                    assert_eq!((c.scid.to_string().as_str(), c.direction), ("0x0x42", 0))
                }
                other => panic!("{description}: {other:?}"),
            }
        }
        "... and with second blinded path via 1x2x3 (direction 1), path_key 020202..." => {
            let paths = f.paths.as_ref().unwrap();
            assert_eq!(paths.len(), 2);
            match paths[1].introduction_node {
                IntroductionNode::Channel(c) => {
                    assert_eq!((c.scid.to_string().as_str(), c.direction), ("1x2x3", 1))
                }
                other => panic!("{description}: {other:?}"),
            }
            assert_eq!(paths[1].hops[1].encrypted_recipient_data, [0x22u8; 8]);
        }
        "unknown odd field" => assert_eq!(offer.records().get(33), Some(&b"helloworld"[..])),
        "unknown odd experimental field" => {
            assert_eq!(offer.records().get(1_000_000_033), Some(&b"helloworld"[..]))
        }
        _ => {}
    }
}

fn offer_bytes(description: &str) -> Vec<u8> {
    let all = vectors("offers-test.json");
    let v = list(&all).iter().find(|v| v["description"] == description).unwrap();
    lnpay_bolt12::string::decode(v["bolt12"].as_str().unwrap(), "lno").unwrap()
}

/// The blinded-path vectors with the path framed as a record (`10 <len> <path>`): each is
/// refused for the fault its description names.
#[test]
fn blinded_path_vectors_reframed() {
    // Every such vector is `offer_description` (7 bytes), `10`, the path, then the 35-byte
    // `offer_issuer_id` record.
    type Want = fn(&BlindedPathError) -> bool;
    let cases: [(&str, Want); 5] = [
        ("Malformed: zero num_hops in blinded_path", |e| *e == BlindedPathError::NoHops),
        ("Malformed: truncated onionmsg_hop in blinded_path", |e| {
            matches!(e, BlindedPathError::Truncated { .. })
        }),
        ("Malformed: bad first_node_id in blinded_path", |e| {
            matches!(e, BlindedPathError::FirstNodeId { .. })
        }),
        ("Malformed: bad path_key in blinded_path", |e| {
            matches!(e, BlindedPathError::PathKey { .. })
        }),
        ("Malformed: bad blinded_node_id in onionmsg_hop", |e| {
            matches!(e, BlindedPathError::BlindedNodeId { hop: 0, .. })
        }),
    ];
    for (description, want) in cases {
        let bytes = offer_bytes(description);
        let (head, rest) = bytes.split_at(7);
        assert_eq!(rest[0], 0x10, "{description}");
        let (path, issuer) = rest[1..].split_at(rest.len() - 1 - 35);
        let mut framed = head.to_vec();
        types::tlv::encode_record(16, path, &mut framed);
        framed.extend_from_slice(issuer);
        match Offer::from_bytes(&framed) {
            Err(DecodeError::Field(b)) => match &b.error {
                FieldError::BlindedPath { error, .. } if b.typ == 16 && want(error) => {}
                other => panic!("{description}: wrong error {other:?}"),
            },
            other => panic!("{description}: {other:?}"),
        }
    }
}

/// The rules the two large-type vectors mean (their bytes break the framing first): an even
/// type in the experimental range is unknown, an odd type above 1999999999 is out of range,
/// an odd one within the range is kept.
#[test]
fn large_types() {
    let base = offer_bytes("Minimal bolt12 offer");
    let with = |typ: u64| {
        let mut out = base.clone();
        types::tlv::encode_record(typ, &[1, 2, 3], &mut out);
        Offer::from_bytes(&out)
    };
    assert_eq!(
        with(1_000_000_002).unwrap_err(),
        DecodeError::Tlv(TlvError::UnknownEvenType { typ: 1_000_000_002 })
    );
    assert_eq!(
        with(2_000_000_000).unwrap_err(),
        DecodeError::Tlv(TlvError::UnknownEvenType { typ: 2_000_000_000 })
    );
    assert_eq!(with(2_000_000_001).unwrap_err(), DecodeError::OutOfRange { typ: 2_000_000_001 });
    assert_eq!(with(81).unwrap_err(), DecodeError::OutOfRange { typ: 81 });
    assert_eq!(with(1_999_999_999).unwrap().records().get(1_999_999_999), Some(&[1u8, 2, 3][..]));
}

fn h32(s: &str) -> [u8; 32] {
    hex::decode_array(s).unwrap()
}

/// The hex inside the backticked key `H(...,HEX)` / the value of the first key starting with
/// `prefix`.
fn entry<'a>(obj: &'a Value, prefix: &str) -> (&'a str, &'a str) {
    let (k, v) = obj
        .as_object()
        .unwrap()
        .iter()
        .find(|(k, _)| k.starts_with(prefix))
        .unwrap_or_else(|| panic!("no key {prefix} in {obj}"));
    (k.as_str(), v.as_str().unwrap())
}

#[test]
fn signatures() {
    let all = vectors("signature-test.json");
    let mut checked = 0;
    for v in list(&all) {
        let comment = v["comment"].as_str().unwrap();
        let first = hex::decode(v["first-tlv"].as_str().unwrap()).unwrap();
        let mut nonce_tag = b"LnNonce".to_vec();
        nonce_tag.extend_from_slice(&first);
        let mut records = Vec::new();
        for leaf in list(&v["leaves"]) {
            let (key, want) = entry(leaf, "H(`LnLeaf`,");
            let tlv =
                hex::decode(key.trim_start_matches("H(`LnLeaf`,").trim_end_matches(')')).unwrap();
            assert_eq!(tagged_hash(b"LnLeaf", &tlv), h32(want), "{comment}: leaf");
            let stream = TlvStream::decode(&tlv, &|_| true).unwrap();
            let record = stream.records.into_iter().next().unwrap();
            let mut typ = Vec::new();
            types::bigsize::encode(record.typ, &mut typ);
            let (_, nonce) = entry(leaf, "H(`LnNonce`");
            assert_eq!(tagged_hash(&nonce_tag, &typ), h32(nonce), "{comment}: nonce");
            let (_, b) = entry(leaf, "H(`LnBranch`");
            assert_eq!(merkle::branch(&h32(want), &h32(nonce)), h32(b), "{comment}: leaf branch");
            records.push(record);
            checked += 1;
        }
        for br in list(&v["branches"]) {
            let (key, want) = entry(br, "H(`LnBranch`,");
            let both =
                hex::decode(key.trim_start_matches("H(`LnBranch`,").trim_end_matches(')')).unwrap();
            let (a, b) = both.split_at(32);
            let got = merkle::branch(&a.try_into().unwrap(), &b.try_into().unwrap());
            assert_eq!(got, h32(want), "{comment}: branch");
            checked += 1;
        }
        let root = merkle::root(&records).unwrap();
        assert_eq!(root, h32(v["merkle"].as_str().unwrap()), "{comment}: merkle root");
        if let Some(text) = v["bolt12"].as_str() {
            // The whole request: its merkle root over every non-signature record, the tagged
            // digest, the signature (reproduced: BIP-340 without auxiliary randomness), and a
            // reader that accepts it.
            let request: InvoiceRequest = text.parse().unwrap_or_else(|e| panic!("{comment}: {e}"));
            assert_eq!(merkle::root(&request.records().records), Some(root), "{comment}");
            let tag = v["signature_tag"].as_str().unwrap();
            assert_eq!(tag, "lightninginvoice_requestsignature");
            let digest = merkle::signature_digest("invoice_request", "signature", &root);
            assert_eq!(digest, tagged_hash(tag.as_bytes(), &root));
            assert_eq!(digest, h32(v["H(signature_tag,merkle)"].as_str().unwrap()), "{comment}");
            let sig = hex::decode(v["signature"].as_str().unwrap()).unwrap();
            assert_eq!(request.signature(), &schnorr::Signature::from_slice(&sig).unwrap());
            let bob = secp256k1::SecretKey::from_slice(&[0x42; 32]).unwrap();
            assert_eq!(request.payer_id(), &bob.public_key(secp256k1::SECP256K1));
            assert_eq!(merkle::sign(&digest, &bob).as_ref(), &sig[..], "{comment}: signing");
            assert_eq!(request.to_string(), text);
            let f = request.offer_fields();
            assert_eq!(f.description.as_deref(), Some("A Mathematical Treatise"));
            assert_eq!((f.amount, f.currency.as_deref()), (Some(100), Some("USD")));
            assert_eq!(request.metadata(), [0u8; 8]);
            // Rebuilt from the offer part by our own builder: the same bytes.
            let mut offer_part = request.records().clone();
            offer_part.records.retain(|r| r.typ < 80 && r.typ != 0);
            let rebuilt = InvoiceRequest::sign(
                &offer_part,
                &lnpay_bolt12::InvreqFields { metadata: Some(vec![0; 8]), ..Default::default() },
                &bob,
            )
            .unwrap();
            assert_eq!(rebuilt.to_string(), text, "{comment}: rebuilt");
            checked += 1;
        }
    }
    assert_eq!(list(&all).len(), 4);
    // 12 leaves, 8 branches, 1 whole invoice request.
    assert_eq!(checked, 12 + 8 + 1);
}

#[test]
fn format_strings() {
    let (mut valid, mut invalid) = (0, 0);
    let all = vectors("format-string-test.json");
    let reference: Offer = list(&all)[0]["string"].as_str().unwrap().parse().unwrap();
    for v in list(&all) {
        let comment = v["comment"].as_str().unwrap();
        let s = v["string"].as_str().unwrap();
        let result = lnpay_bolt12::string::decode(s, "lno");
        if v["valid"].as_bool().unwrap() {
            let bytes = result.unwrap_or_else(|e| panic!("{comment}: {s:?}: {e}"));
            let offer = Offer::from_bytes(&bytes).unwrap();
            assert_eq!(offer, reference, "{comment}");
            assert_eq!(s.parse::<Offer>().unwrap(), reference);
            valid += 1;
        } else {
            let e = result.expect_err(comment);
            let ok = match comment {
                "Mixed case is invalid" => matches!(e, StringError::MixedCase { .. }),
                _ => matches!(e, StringError::BadContinuation { .. }),
            };
            assert!(ok, "{comment}: {s:?}: wrong error {e:?}");
            invalid += 1;
        }
    }
    assert_eq!((valid, invalid), (6, 6));
}
