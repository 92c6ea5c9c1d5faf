//! Every example of BOLT 11 (`shared/vectors/bolt11-examples.json`): the 16 valid invoices
//! decode to the fields of their breakdown and are written again byte for byte (from the raw
//! form, and by signing them again with the builder where the spec's key signed them); the 10
//! invalid ones fail with the error for the reason the spec gives.

use lnpay_bolt11::{
    tag, Currency, DecodeError, Description, Fallback, Invoice, InvoiceBuilder, ParseError,
    RawInvoice, VerifyError,
};
use secp256k1::SecretKey;
use serde_json::Value;
use sha2::{Digest, Sha256};
use types::hex;

const VECTORS: &str =
    concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/vectors/bolt11-examples.json");

fn vectors() -> Value {
    let text = std::fs::read_to_string(VECTORS)
        .unwrap_or_else(|e| panic!("cannot read the BOLT 11 examples at {VECTORS}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{VECTORS}: {e}"))
}

const TS: u64 = 1_496_314_658;
const PH: &str = "0001020304050607080900010203040506070809000102030405060708090102";
const SECRET: &str = "1111111111111111111111111111111111111111111111111111111111111111";
const PAYEE: &str = "03e7156ae33b0a208d0744199163177e909e80176e55d97a2f221ede0f934dd9ad";
const CAKE: &str = "One piece of chocolate cake, one icecream cone, one pickle, one slice of swiss cheese, one slice of salami, one lollypop, one piece of cherry pie, one sausage, one cupcake, and one slice of watermelon";

/// A route hint hop: node, scid, fee base, fee ppm, cltv delta.
type Hop<S> = (S, S, u32, u32, u16);

/// What a valid example's breakdown says.
struct Expect {
    currency: Currency,
    amount_msat: Option<u64>,
    timestamp: u64,
    payment_hash: &'static str,
    /// `Ok(text)` for `d`, `Err(text)` for an `h` of that text.
    description: Result<&'static str, &'static str>,
    expiry: u64,
    cltv: u64,
    fallbacks: &'static [&'static str],
    /// (node, scid, base, ppm, cltv delta) per hop, per hint.
    routes: &'static [&'static [Hop<&'static str>]],
    features: &'static [usize],
    metadata: Option<&'static str>,
    /// `None` where the spec does not name the signer.
    payee: Option<&'static str>,
    unknown: &'static [char],
}

const BASE: Expect = Expect {
    currency: Currency::Bitcoin,
    amount_msat: None,
    timestamp: TS,
    payment_hash: PH,
    description: Ok("Please consider supporting this project"),
    expiry: 3600,
    cltv: 18,
    fallbacks: &[],
    routes: &[],
    features: &[8, 14],
    metadata: None,
    payee: Some(PAYEE),
    unknown: &[],
};

const CAKE_20M: Expect =
    Expect { amount_msat: Some(2_000_000_000), description: Err(CAKE), ..BASE };
const BEANS: Expect = Expect {
    amount_msat: Some(2_500_000_000),
    description: Ok("coffee beans"),
    features: &[8, 14, 99],
    ..BASE
};

fn expectations() -> Vec<Expect> {
    vec![
        BASE,
        Expect { amount_msat: Some(250_000_000), description: Ok("1 cup coffee"), expiry: 60, ..BASE },
        Expect { amount_msat: Some(250_000_000), description: Ok("ナンセンス 1杯"), expiry: 60, ..BASE },
        CAKE_20M,
        Expect { currency: Currency::Testnet, fallbacks: &["mk2QpYatsKicvFVuTAQLBryyccRXMUaGHP"], ..CAKE_20M },
        Expect {
            fallbacks: &["1RustyRX2oai4EYYDpQGWvEL62BBGqN9T"],
            routes: &[&[
                ("029e03a901b85534ff1e92c43c74431f7ce72046060fcf7a95c37e148f78c77255", "66051x263430x1800", 1, 20, 3),
                ("039e03a901b85534ff1e92c43c74431f7ce72046060fcf7a95c37e148f78c77255", "197637x395016x2314", 2, 30, 4),
            ]],
            ..CAKE_20M
        },
        Expect { fallbacks: &["3EktnHQD7RiAE6uzMj2ZifT9YgRrkSgzQX"], ..CAKE_20M },
        Expect { fallbacks: &["bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4"], ..CAKE_20M },
        Expect { fallbacks: &["bc1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3qccfmv3"], ..CAKE_20M },
        Expect { fallbacks: &["bc1pptdvg0d2nj99568qn6ssdy4cygnwuxgw2ukmnwgwz7jpqjz2kszse2s3lm"], ..CAKE_20M },
        Expect {
            amount_msat: Some(967_878_534),
            timestamp: 1_572_468_703,
            payment_hash: "462264ede7e14047e9b249da94fefc47f41f7d02ee9b091815a5506bc8abf75f",
            description: Ok("Blockstream Store: 88.85 USD for Blockstream Ledger Nano S x 1, \"Back In My Day\" Sticker x 2, \"I Got Lightning Working\" Sticker x 2 and 1 more items"),
            expiry: 604_800,
            cltv: 10,
            routes: &[&[("03d06758583bb5154774a6eb221b1276c9e82d65bbaceca806d90e20c108f4b1c7", "589390x3312x1", 1000, 2500, 40)]],
            features: &[8, 14],
            payee: None,
            ..BASE
        },
        BEANS,
        BEANS,
        Expect { unknown: &['2'], ..BEANS },
        Expect {
            amount_msat: Some(1_000_000_000),
            description: Ok("payment metadata inside"),
            features: &[8, 14, 48],
            metadata: Some("01fafaf0"),
            ..BASE
        },
        // The high-S signature is example 0's with S negated and the same recovery id, so
        // recovery yields another key than example 0's (checked against LDK in tests/ldk.rs).
        Expect { payee: Some("02d0139ce7427d6dfffd26a326c18be754ef1e64672b42694ba5b23ef6e6e7803d"), ..BASE },
    ]
}

fn check(i: usize, inv: &Invoice, e: &Expect) {
    let ctx = format!("valid example {i}");
    assert_eq!(inv.currency(), e.currency, "{ctx}");
    assert_eq!(inv.amount().map(|a| a.msat()), e.amount_msat, "{ctx}");
    assert_eq!(inv.timestamp(), e.timestamp, "{ctx}");
    assert_eq!(inv.payment_hash().to_string(), e.payment_hash, "{ctx}");
    assert_eq!(inv.payment_secret().to_string(), SECRET, "{ctx}");
    let want = match e.description {
        Ok(d) => Description::Direct(d.to_owned()),
        Err(text) => Description::Hash(Sha256::digest(text.as_bytes()).into()),
    };
    assert_eq!(inv.description(), &want, "{ctx}");
    if let Err(text) = e.description {
        assert_eq!(inv.check_description(text), Ok(()), "{ctx}");
        assert!(inv.check_description("something else").is_err(), "{ctx}");
    }
    assert_eq!(inv.expiry(), e.expiry, "{ctx}");
    assert_eq!(inv.expires_at(), e.timestamp + e.expiry, "{ctx}");
    assert!(!inv.is_expired(e.timestamp + e.expiry), "{ctx}");
    assert!(inv.is_expired(e.timestamp + e.expiry + 1), "{ctx}");
    assert_eq!(inv.min_final_cltv_expiry_delta(), e.cltv, "{ctx}");
    let fallbacks: Vec<String> = inv
        .fallbacks()
        .iter()
        .map(|f| f.address(inv.currency()).map(|a| a.to_string()).unwrap_or_default())
        .collect();
    assert_eq!(fallbacks, e.fallbacks, "{ctx}");
    let routes: Vec<Vec<Hop<String>>> = inv
        .route_hints()
        .iter()
        .map(|h| {
            h.0.iter()
                .map(|hop| {
                    (
                        hop.node_id.to_string(),
                        hop.short_channel_id.to_string(),
                        hop.fee_base_msat,
                        hop.fee_proportional_millionths,
                        hop.cltv_expiry_delta,
                    )
                })
                .collect()
        })
        .collect();
    let want_routes: Vec<Vec<Hop<String>>> = e
        .routes
        .iter()
        .map(|h| h.iter().map(|&(n, s, b, p, c)| (n.to_owned(), s.to_owned(), b, p, c)).collect())
        .collect();
    assert_eq!(routes, want_routes, "{ctx}");
    assert_eq!(inv.features().bits().collect::<Vec<_>>(), e.features, "{ctx}");
    assert_eq!(inv.payment_metadata().map(hex::encode), e.metadata.map(str::to_owned), "{ctx}");
    if let Some(payee) = e.payee {
        assert_eq!(inv.payee().to_string(), payee, "{ctx}");
    }
    assert!(!inv.payee_in_invoice(), "{ctx}: no example has a valid n field");
    let unknown: Vec<char> = inv.unknown_fields().map(|f| f.letter()).collect();
    assert_eq!(unknown, e.unknown, "{ctx}");
}

/// The builder calls that write `inv`'s fields in its order (fields the reader ignored, and
/// unknown ones, as written).
fn rebuild(inv: &Invoice) -> InvoiceBuilder {
    let mut b = InvoiceBuilder::new(inv.currency(), inv.timestamp());
    if let Some(a) = inv.amount() {
        b = b.amount(a);
    }
    let mut fallbacks = inv.fallbacks().iter();
    let mut hints = inv.route_hints().iter();
    for f in inv.raw().fields() {
        let fixed_ok = match f.tag {
            tag::P | tag::S | tag::H => f.data.len() == 52,
            tag::N => f.data.len() == 53,
            tag::F => f.data.first().is_some_and(|v| *v <= 18),
            _ => true,
        };
        b = match f.tag {
            _ if !fixed_ok => b.raw_field(f.tag, f.data),
            tag::P => b.payment_hash(*inv.payment_hash()),
            tag::S => b.payment_secret(*inv.payment_secret()),
            tag::D | tag::H => match inv.description() {
                Description::Direct(d) => b.description(d),
                Description::Hash(h) => b.description_hash(*h),
            },
            tag::X => b.expiry(inv.expiry()),
            tag::C => b.min_final_cltv_expiry_delta(inv.min_final_cltv_expiry_delta()),
            tag::F => match fallbacks.next() {
                Some(fb) => b.fallback(fb),
                None => panic!("fallback field without a decoded fallback"),
            },
            tag::R => match hints.next() {
                Some(h) => b.route_hint(h),
                None => panic!("route field without a decoded hint"),
            },
            tag::FEATURES => b.features(inv.features()),
            tag::M => b.payment_metadata(inv.payment_metadata().unwrap_or_default()),
            _ => b.raw_field(f.tag, f.data),
        };
    }
    b
}

#[test]
fn valid_examples_decode_and_reencode() {
    let v = vectors();
    let key_hex = v["signing_privkey"].as_str().unwrap_or_default();
    let key = SecretKey::from_slice(&hex::decode(key_hex).unwrap_or_default())
        .unwrap_or_else(|e| panic!("signing_privkey: {e}"));
    let valid = v["valid"].as_array().cloned().unwrap_or_default();
    let expect = expectations();
    assert_eq!(valid.len(), 16, "valid examples");
    let mut resigned = 0;
    for (i, (case, e)) in valid.iter().zip(&expect).enumerate() {
        let s = case["invoice"].as_str().unwrap_or_default();
        let inv = match Invoice::decode(s, e.currency) {
            Ok(inv) => inv,
            Err(err) => panic!("valid example {i} ({}): {err}", case["title"]),
        };
        check(i, &inv, e);

        // The raw form writes exactly what was read.
        let raw = RawInvoice::parse(s).unwrap_or_else(|err| panic!("example {i}: {err}"));
        assert_eq!(raw.to_string(), s.to_lowercase(), "example {i} raw re-encoding");
        assert_eq!(inv.to_string(), s.to_lowercase(), "example {i} re-encoding");

        if let Some(h) = case["signing_hash_hex"].as_str() {
            assert_eq!(hex::encode(&raw.signing_hash()), h, "example {i} signing hash");
        }
        if let Some(rs) = case["signature_rs_hex"].as_str() {
            assert_eq!(hex::encode(raw.signature()), rs, "example {i} signature");
            assert_eq!(Some(u64::from(raw.recovery_id())), case["recovery_id"].as_u64());
        }

        // Signing again with the spec's key (RFC 6979) gives the same string, except for the
        // high-S example (we sign low-S) and example 10 (signed by another key).
        if e.payee == Some(PAYEE) {
            let again = rebuild(&inv).build_signed(&key).unwrap_or_else(|err| panic!("{i}: {err}"));
            let text = again.to_string();
            let text =
                if s.chars().any(|c| c.is_ascii_uppercase()) { text.to_uppercase() } else { text };
            assert_eq!(text, s, "example {i} signed again");
            resigned += 1;
        }
    }
    assert_eq!(resigned, 14);
}

#[test]
fn invalid_examples_fail_for_their_reason() {
    let v = vectors();
    let invalid = v["invalid"].as_array().cloned().unwrap_or_default();
    assert_eq!(invalid.len(), 10, "invalid examples");
    let mut ran = 0;
    for (i, case) in invalid.iter().enumerate() {
        let s = case["invoice"].as_str().unwrap_or_default();
        let title = case["title"].as_str().unwrap_or_default();
        let err = match s.parse::<Invoice>() {
            Ok(_) => panic!("invalid example {i} ({title}) decoded"),
            Err(err) => err,
        };
        let ok = match i {
            0 => err == DecodeError::Verify(VerifyError::UnknownRequiredFeature { bit: 100 }),
            1 => err == DecodeError::Parse(ParseError::BadChecksum),
            2 => err == DecodeError::Parse(ParseError::NoSeparator),
            3 => err == DecodeError::Parse(ParseError::MixedCase),
            4 => err == DecodeError::Verify(VerifyError::UnrecoverableSignature),
            5 => matches!(err, DecodeError::Parse(ParseError::TooShort { .. })),
            6 => {
                err == DecodeError::Parse(ParseError::InvalidMultiplier { multiplier: "x".into() })
            }
            7 => matches!(err, DecodeError::Parse(ParseError::SubMillisatoshiAmount { .. })),
            8 => err == DecodeError::Verify(VerifyError::MissingPaymentSecret),
            9 => err == DecodeError::Verify(VerifyError::HighS),
            _ => false,
        };
        assert!(ok, "invalid example {i} ({title}) failed with {err:?}: {err}");
        let message = err.to_string();
        assert!(!message.is_empty() && !message.ends_with('.'), "{message}");
        ran += 1;
    }
    assert_eq!(ran, 10);
}

#[test]
fn wrong_currency_is_refused() {
    let v = vectors();
    let s = v["valid"][4]["invoice"].as_str().unwrap_or_default();
    assert_eq!(
        Invoice::decode(s, Currency::Bitcoin),
        Err(DecodeError::WrongCurrency { expected: Currency::Bitcoin, found: Currency::Testnet })
    );
    let fb = Invoice::decode(s, Currency::Testnet).map(|i| i.fallbacks().to_vec());
    assert!(matches!(fb.as_deref(), Ok([Fallback::PubkeyHash(_)])));
}
