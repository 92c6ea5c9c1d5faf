//! The machine's typed API with no network: each refusal is its operation's error variant,
//! carrying the offending values, and every error's message is lower-case with no trailing
//! period.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use lnpay_payment::{
    Action, Command, Config, DelpayError, DelpayRequest, Exclusion, Input, ListError, ListRequest,
    Machine, PartStatus, PayError, PayOptions, PayRequest, Reply, SendpayError, SendpayRequest,
    WaitsendpayError, WaitsendpayRequest,
};
use onion::secp256k1::{PublicKey, Secp256k1, SecretKey};
use route::graph::GraphBuilder;
use types::{Msat, NodeId, PaymentHash, PaymentPreimage, PaymentSecret};

const NOW_MS: u64 = 1_770_076_800_000;

fn key(b: u8) -> (SecretKey, NodeId) {
    let k = SecretKey::from_slice(&[b; 32]).unwrap();
    (k, NodeId::from_pubkey(&PublicKey::from_secret_key(&Secp256k1::new(), &k)))
}

fn machine() -> Machine {
    let cfg = Config {
        node_id: key(1).1,
        seed: [3; 32],
        currency: bolt11::Currency::Bitcoin,
        max_parts: 4,
    };
    Machine::new(cfg, GraphBuilder::new().build(), 900_000)
}

/// An invoice of `amount` from node 2, created at `at_s` with a one-hour expiry.
fn invoice(amount: u64, at_s: u64) -> PayRequest {
    let text = bolt11::InvoiceBuilder::new(bolt11::Currency::Bitcoin, at_s)
        .payment_hash(PaymentPreimage([7; 32]).hash())
        .payment_secret(PaymentSecret([8; 32]))
        .description("typed")
        .amount(Msat(amount))
        .expiry(3600)
        .build_signed(&key(2).0)
        .unwrap()
        .to_string();
    let inv = bolt11::Invoice::decode(&text, bolt11::Currency::Bitcoin).unwrap();
    PayRequest::new(inv, text)
}

fn call(m: &mut Machine, command: Command) -> Reply {
    let actions = m.handle(Input::Command { id: 1, command }, NOW_MS);
    actions
        .into_iter()
        .find_map(|a| match a {
            Action::Reply { command: 1, result } => Some(result),
            _ => None,
        })
        .expect("a reply")
}

fn pay_error(m: &mut Machine, r: PayRequest) -> PayError {
    match call(m, Command::Pay(r)) {
        Reply::Pay(Err(e)) => e,
        other => panic!("expected a pay error, got {other:?}"),
    }
}

fn check_message(e: &dyn std::error::Error) {
    let s = e.to_string();
    assert!(s.chars().next().is_some_and(|c| !c.is_uppercase()), "{s}");
    assert!(!s.ends_with('.'), "{s}");
}

#[test]
fn pay_errors_carry_their_values() {
    let mut m = machine();
    let e = pay_error(&mut m, invoice(50_000, NOW_MS / 1000 - 7200));
    assert_eq!(e, PayError::Expired { now: NOW_MS / 1000, expiry: NOW_MS / 1000 - 3600 });
    check_message(&e);
    let mut r = invoice(50_000, NOW_MS / 1000);
    r.options.amount_msat = Some(Msat(1));
    assert_eq!(pay_error(&mut m, r), PayError::AmountUnnecessary { amount: Msat(1) });
    let mut r = invoice(50_000, NOW_MS / 1000);
    r.options.partial_msat = Some(Msat(50_001));
    let e = pay_error(&mut m, r);
    assert_eq!(e, PayError::PartialAboveAmount { partial: Msat(50_001), amount: Msat(50_000) });
    check_message(&e);
    let mut r = invoice(50_000, NOW_MS / 1000);
    r.options = PayOptions { maxfee: Some(Msat(1)), exemptfee: Some(Msat(1)), ..r.options };
    assert_eq!(pay_error(&mut m, r), PayError::MaxfeeConflict);
    let mut r = invoice(50_000, NOW_MS / 1000);
    r.options.exclude = vec![Exclusion::Node(key(2).1)];
    assert_eq!(pay_error(&mut m, r), PayError::PayeeExcluded(key(2).1));
    // No channel at all: no route on the first attempt.
    let e = pay_error(&mut m, invoice(50_000, NOW_MS / 1000));
    assert_eq!(e, PayError::NoRoute);
    check_message(&e);
}

#[test]
fn sendpay_waitsendpay_list_and_delpay_errors_are_typed() {
    let mut m = machine();
    let hash = PaymentHash([5; 32]);
    let r = SendpayRequest { payment_hash: hash, ..Default::default() };
    let Reply::Sendpay(Err(e)) = call(&mut m, Command::Sendpay(r)) else { panic!() };
    assert_eq!(e, SendpayError::SelfPaymentWithoutAmount);
    check_message(&e);
    let w = WaitsendpayRequest { payment_hash: hash, partid: Some(3), ..Default::default() };
    let Reply::Waitsendpay(Err(e)) = call(&mut m, Command::Waitsendpay(w)) else { panic!() };
    assert_eq!(e, WaitsendpayError::NeverAttempted { payment_hash: hash, partid: 3 });
    check_message(&e);
    let l = ListRequest { limit: Some(1), ..Default::default() };
    let Reply::Listpays(Err(e)) = call(&mut m, Command::Listpays(l)) else { panic!() };
    assert_eq!(e, ListError::StartOrLimitWithoutIndex);
    check_message(&e);
    let d = DelpayRequest {
        payment_hash: hash,
        status: PartStatus::Complete,
        partid: None,
        groupid: None,
    };
    let Reply::Delpay(Err(e)) = call(&mut m, Command::Delpay(d)) else { panic!() };
    assert_eq!(e, DelpayError::UnknownPayment { payment_hash: hash });
    check_message(&e);
    let Reply::Listsendpays(Ok(parts)) =
        call(&mut m, Command::Listsendpays(ListRequest::default()))
    else {
        panic!()
    };
    assert!(parts.is_empty());
}
