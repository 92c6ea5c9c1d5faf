//! `fetchinvoice` as the machine runs it: the invoice request goes out as an onion message
//! through our peer to the offer's path with a reply path to us; the issuer's invoice comes
//! back over that path and is checked against the request; an `invoice_error`, a wrong
//! invoice or silence until the timeout are typed errors.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use bolt12::fields::BlindedPayInfo;
use bolt12::{Invoice, InvoiceError, InvoiceFields, InvoiceRequest, Offer, OfferFields};
use lnpay_payment::offers::{FetchinvoiceError, InvoiceCheckError};
use lnpay_payment::{Action, Command, Config, FetchinvoiceRequest, Input, Machine, Reply};
use onion::message::path::build_message_path;
use onion::message::tlv::MessageContents;
use onion::message::{
    build_onion_message, peel_onion_message, FinalContents, MessageKeys, NextNode, PeeledMessage,
};
use onion::secp256k1::{PublicKey, Secp256k1, SecretKey};
use route::flow::FirstHop;
use route::graph::GraphBuilder;
use types::blinded::BlindedPath;
use types::{Features, Msat, NodeId, PaymentHash, ShortChannelId};

const NOW_MS: u64 = 1_770_076_800_000;

fn key(b: u8) -> (SecretKey, PublicKey) {
    let k = SecretKey::from_slice(&[b; 32]).unwrap();
    (k, PublicKey::from_secret_key(&Secp256k1::new(), &k))
}

fn node(b: u8) -> NodeId {
    NodeId::from_pubkey(&key(b).1)
}

/// Us (1) with one channel, to 11.
fn machine() -> Machine {
    let cfg = Config {
        node_id: node(1),
        seed: [3; 32],
        currency: bolt11::Currency::Bitcoin,
        max_parts: 8,
    };
    let mut m = Machine::new(cfg, GraphBuilder::new().build(), 900_000);
    m.set_first_hops(vec![FirstHop {
        scid: ShortChannelId(111),
        peer: node(11),
        spendable: Msat(1_000_000),
    }]);
    m
}

/// The issuer (20)'s offer of 5,000 msat per item, reached through a path from 11.
fn offer(quantity_max: Option<u64>) -> Offer {
    let secp = Secp256k1::new();
    let path = build_message_path(
        &secp,
        &SecretKey::from_slice(&[50; 32]).unwrap(),
        &[key(11).1],
        key(20).1,
        1,
        Some(b"offer".to_vec()),
    )
    .unwrap();
    Offer::new(&OfferFields {
        description: Some("coffee".into()),
        amount: Some(5_000),
        issuer_id: Some(key(20).1),
        paths: Some(vec![path]),
        quantity_max,
        ..OfferFields::default()
    })
    .unwrap()
}

fn fetch(offer: Offer, quantity: Option<u64>) -> FetchinvoiceRequest {
    FetchinvoiceRequest {
        offer: Box::new(offer),
        amount_msat: None,
        quantity,
        payer_note: Some("thanks".into()),
        timeout: None,
        payer_metadata: vec![0x5a; 16],
    }
}

fn reply(actions: &[Action]) -> Option<Reply> {
    actions.iter().find_map(|a| match a {
        Action::Reply { command: 1, result } => Some(result.clone()),
        _ => None,
    })
}

/// Starts a fetch; the message crosses 11 and reaches the issuer, who reads the request and
/// the reply path.
fn request_at_issuer(
    m: &mut Machine,
    r: FetchinvoiceRequest,
) -> (InvoiceRequest, BlindedPath, u64) {
    let secp = Secp256k1::new();
    let actions = m.handle(Input::Command { id: 1, command: Command::Fetchinvoice(r) }, NOW_MS);
    assert_eq!(reply(&actions), None);
    let timer = actions
        .iter()
        .find_map(|a| match a {
            Action::ArmTimer { timer, at_ms } => {
                assert_eq!(*at_ms, NOW_MS + 60_000);
                Some(*timer)
            }
            _ => None,
        })
        .unwrap();
    let (peer, message) = actions
        .iter()
        .find_map(|a| match a {
            Action::SendOnionMessage { peer, message } => Some((*peer, (**message).clone())),
            _ => None,
        })
        .unwrap();
    assert_eq!(peer, node(11));
    let PeeledMessage::Forward { next, message } =
        peel_onion_message(&secp, &key(11).0, &message).unwrap()
    else {
        panic!("11 forwards");
    };
    assert_eq!(next, NextNode::NodeId(key(20).1));
    let PeeledMessage::Receive(got) = peel_onion_message(&secp, &key(20).0, &message).unwrap()
    else {
        panic!("the issuer receives");
    };
    assert_eq!(got.path_id.as_deref(), Some(&b"offer"[..]));
    let Some(MessageContents::InvoiceRequest(bytes)) = &got.contents else { panic!() };
    (InvoiceRequest::from_bytes(bytes).unwrap(), got.reply_path.clone().unwrap(), timer)
}

/// The issuer's answer travels the reply path (through 11) to us, who peel it.
fn answer(m: &mut Machine, reply_path: &BlindedPath, contents: MessageContents) -> Vec<Action> {
    let secp = Secp256k1::new();
    let keys = MessageKeys {
        session_key: SecretKey::from_slice(&[60; 32]).unwrap(),
        path_key: SecretKey::from_slice(&[61; 32]).unwrap(),
    };
    let c = FinalContents { contents: Some(contents), ..FinalContents::default() };
    let (first, message) = build_onion_message(&secp, &keys, &[], reply_path, &c).unwrap();
    assert_eq!(first, key(11).1, "the reply path starts at our peer");
    let PeeledMessage::Forward { next, message } =
        peel_onion_message(&secp, &key(11).0, &message).unwrap()
    else {
        panic!("11 forwards");
    };
    assert_eq!(next, NextNode::NodeId(key(1).1));
    let PeeledMessage::Receive(got) = peel_onion_message(&secp, &key(1).0, &message).unwrap()
    else {
        panic!("we receive");
    };
    m.handle(Input::MessageReceived(got), NOW_MS + 2_000)
}

fn invoice_for(request: &InvoiceRequest, amount: u64) -> Invoice {
    let secp = Secp256k1::new();
    let pay_path = onion::blinding::build_blinded_path(
        &secp,
        &SecretKey::from_slice(&[70; 32]).unwrap(),
        &[(key(11).1, vec![1, 2]), (key(20).1, vec![3, 4])],
    )
    .unwrap();
    let info = BlindedPayInfo {
        fee_base_msat: 1,
        fee_proportional_millionths: 100,
        cltv_expiry_delta: 80,
        htlc_minimum_msat: Msat(1),
        htlc_maximum_msat: Msat(1_000_000),
        features: Features::new(),
    };
    Invoice::respond(
        request,
        &InvoiceFields {
            paths: Some(vec![pay_path]),
            blindedpay: Some(vec![info]),
            created_at: Some(NOW_MS / 1000),
            payment_hash: Some(PaymentHash([9; 32])),
            amount: Some(Msat(amount)),
            ..Default::default()
        },
        &key(20).0,
    )
    .unwrap()
}

#[test]
fn the_request_reaches_the_issuer_and_its_invoice_comes_back_checked() {
    let mut m = machine();
    let (request, reply_path, _) = request_at_issuer(&mut m, fetch(offer(Some(5)), Some(3)));
    // The request is ours: our derived payer key, the quantity and note asked for.
    let payer = m.payer_key(&[0x5a; 16]);
    assert_eq!(*request.payer_id(), PublicKey::from_secret_key(&Secp256k1::new(), &payer));
    assert_eq!(request.metadata(), &[0x5a; 16]);
    assert_eq!(request.fields().quantity, Some(3));
    assert_eq!(request.fields().payer_note.as_deref(), Some("thanks"));
    let inv = invoice_for(&request, 15_000);
    let actions = answer(&mut m, &reply_path, MessageContents::Invoice(inv.to_bytes()));
    let Some(Reply::Fetchinvoice(Ok(r))) = reply(&actions) else { panic!("{actions:?}") };
    assert_eq!(r.invoice, inv.to_string());
    assert_eq!(r.changes.amount_msat, None, "the offer's amount times the quantity");
    // Answered: a late duplicate is ignored.
    let again = answer(&mut m, &reply_path, MessageContents::Invoice(inv.to_bytes()));
    assert_eq!(reply(&again), None);
}

#[test]
fn a_wrong_invoice_an_invoice_error_or_silence_are_typed_errors() {
    let mut m = machine();
    let (request, reply_path, _) = request_at_issuer(&mut m, fetch(offer(None), None));
    let wrong = invoice_for(&request, 4_999);
    let actions = answer(&mut m, &reply_path, MessageContents::Invoice(wrong.to_bytes()));
    assert_eq!(
        reply(&actions),
        Some(Reply::Fetchinvoice(Err(FetchinvoiceError::Check(
            InvoiceCheckError::AmountNotOffer { amount: Msat(4_999), expected: Msat(5_000) }
        ))))
    );

    let mut m = machine();
    let (_, reply_path, _) = request_at_issuer(&mut m, fetch(offer(None), None));
    let e = InvoiceError {
        erroneous_field: Some(82),
        suggested_value: None,
        error: "out of coffee".into(),
        unknown: Vec::new(),
    };
    let actions = answer(&mut m, &reply_path, MessageContents::InvoiceError(e.to_bytes()));
    let Some(Reply::Fetchinvoice(Err(FetchinvoiceError::Remote(got)))) = reply(&actions) else {
        panic!("{actions:?}")
    };
    assert_eq!(got.error, "out of coffee");

    let mut m = machine();
    let (_, _, timer) = request_at_issuer(&mut m, fetch(offer(None), None));
    let actions = m.handle(Input::Timer(timer), NOW_MS + 60_000);
    assert_eq!(
        reply(&actions),
        Some(Reply::Fetchinvoice(Err(FetchinvoiceError::Timeout { seconds: 60 })))
    );
}

#[test]
fn requests_the_offer_does_not_allow_are_refused_before_sending() {
    let mut m = machine();
    let call = |m: &mut Machine, r| {
        let a = m.handle(Input::Command { id: 1, command: Command::Fetchinvoice(r) }, NOW_MS);
        assert!(!a.iter().any(|x| matches!(x, Action::SendOnionMessage { .. })));
        reply(&a)
    };
    let err = |e| Some(Reply::Fetchinvoice(Err(e)));
    assert_eq!(call(&mut m, fetch(offer(Some(5)), None)), err(FetchinvoiceError::QuantityRequired));
    assert_eq!(
        call(&mut m, fetch(offer(None), Some(2))),
        err(FetchinvoiceError::QuantityNotAllowed { quantity: 2 })
    );
    assert_eq!(
        call(&mut m, fetch(offer(Some(5)), Some(6))),
        err(FetchinvoiceError::QuantityOutOfRange { quantity: 6, max: 5 })
    );
    let mut no_peer = machine();
    no_peer.set_first_hops(Vec::new());
    assert_eq!(
        call(&mut no_peer, fetch(offer(None), None)),
        err(FetchinvoiceError::NoPath { node: node(11) })
    );
}
