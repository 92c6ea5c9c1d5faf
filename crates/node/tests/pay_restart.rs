//! A `pay` asked again after a restart, while parts of its payment are still in flight: it
//! answers only once none of them is pending, and then with every fulfilled part. Played
//! against a scripted network that holds the HTLCs and fulfills them by hand, some before the
//! node is killed with SIGKILL and some after it is back.

mod common;

use common::{call, ok, wait_listening, ScriptedNetwork, TempDir, WAIT};
use serde_json::{json, Value};
use std::path::Path;
use std::sync::mpsc;
use std::time::Duration;
use types::{Msat, PaymentPreimage, PaymentSecret};

/// A call on its own thread: its reply arrives on the receiver when the node gives it.
fn call_later(sock: &Path, method: &'static str, params: Value) -> mpsc::Receiver<Value> {
    let (tx, rx) = mpsc::channel();
    let sock = sock.to_path_buf();
    std::thread::spawn(move || {
        let _ = tx.send(call(&sock, method, params));
    });
    rx
}

/// The parts of `hash` as `listsendpays` has them: (partid, status, amount, amount sent).
fn parts(sock: &Path, hash: &str) -> Vec<(u64, String, u64, u64)> {
    let r = ok(call(sock, "listsendpays", json!({"payment_hash": hash})));
    r["payments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["partid"].as_u64().unwrap_or(0),
                p["status"].as_str().unwrap().to_string(),
                p["amount_msat"].as_u64().unwrap(),
                p["amount_sent_msat"].as_u64().unwrap(),
            )
        })
        .collect()
}

#[test]
fn pay_after_a_restart_waits_for_the_parts_in_flight() {
    const PART: u64 = 5_000;
    const TOTAL: u64 = 3 * PART;
    let dir = TempDir::new("pay-restart");
    let net = ScriptedNetwork::bind(dir.path());
    let (mut node, lines) = net.spawn_node(dir.path());
    let sock = dir.path().join("sim").join("lightning-rpc");
    let mut link = net.accept(0);
    assert_eq!(wait_listening(&lines, WAIT, "lnpay node"), sock);

    // An invoice for three parts' worth, stamped when the node's simulated clock starts
    // (2026-02-03, the day of the simulator's gossip, plus the scripted network's 1 s).
    let preimage = PaymentPreimage([7; 32]);
    let secret = PaymentSecret([9; 32]);
    let key = bolt11::secp256k1::SecretKey::from_slice(&[0x33; 32]).unwrap();
    let invoice = bolt11::InvoiceBuilder::new(bolt11::Currency::Bitcoin, 1_770_076_800)
        .amount(Msat(TOTAL))
        .payment_hash(preimage.hash())
        .payment_secret(secret)
        .description("pay after restart")
        .build_signed(&key)
        .unwrap()
        .to_string();
    let hash = preimage.hash().to_string();

    // Three parts of one group in flight; the first is fulfilled before the node dies.
    for partid in 1..=3u64 {
        let sent = ok(call(
            &sock,
            "sendpay",
            json!({"route": net.route(PART), "payment_hash": hash, "partid": partid,
                   "groupid": 0, "amount_msat": TOTAL, "bolt11": invoice,
                   "payment_secret": secret.to_string()}),
        ));
        assert_eq!(sent["status"], "pending");
        assert_eq!(link.read_add(), (partid - 1, Msat(PART)));
    }
    link.fulfill(net.channel_id, 0, preimage);
    node.kill9();
    drop(link);

    // Back on the same data dir: the network says it holds all three adds.
    let (_node, lines) = net.spawn_node(dir.path());
    let mut link = net.accept(3);
    assert_eq!(wait_listening(&lines, WAIT, "lnpay node"), sock);
    let statuses: Vec<String> = parts(&sock, &hash).into_iter().map(|p| p.1).collect();
    assert_eq!(statuses, ["complete", "pending", "pending"]);
    let listed = ok(call(&sock, "listpays", json!({"payment_hash": hash})));
    assert_eq!(listed["pays"][0]["status"], "pending", "{listed}");

    // A pay of the invoice, and a waitsendpay of the group without a part, while two parts
    // are in flight: neither answers yet.
    let pay = call_later(&sock, "pay", json!({"bolt11": invoice, "retry_for": 60}));
    let wait = call_later(&sock, "waitsendpay", json!({"payment_hash": hash}));
    std::thread::sleep(Duration::from_millis(500));
    if let Ok(early) = pay.try_recv() {
        panic!("pay answered with parts in flight: {early}");
    }
    if let Ok(early) = wait.try_recv() {
        panic!("waitsendpay answered with parts in flight: {early}");
    }

    // The two others are fulfilled after the restart; now both answer, with every part.
    link.fulfill(net.channel_id, 1, preimage);
    link.fulfill(net.channel_id, 2, preimage);
    let pay = ok(pay.recv_timeout(WAIT).expect("pay answered"));
    let wait = ok(wait.recv_timeout(WAIT).expect("waitsendpay answered"));
    let parts = parts(&sock, &hash);
    assert!(parts.iter().all(|p| p.1 == "complete"), "{parts:?}");
    let received: u64 = parts.iter().map(|p| p.2).sum();
    let sent: u64 = parts.iter().map(|p| p.3).sum();
    assert_eq!(received, TOTAL);
    assert_eq!(pay["status"], "complete");
    assert_eq!(pay["payment_hash"], hash);
    assert_eq!(pay["amount_msat"], received, "{pay}");
    assert_eq!(pay["amount_sent_msat"], sent, "{pay}");
    assert_eq!(pay["parts"], parts.len(), "{pay}");
    assert_eq!(pay["payment_preimage"], types::hex::encode(&preimage.0));
    assert_eq!(wait["status"], "complete");
    assert_eq!(wait["amount_msat"], received, "{wait}");
    assert_eq!(wait["amount_sent_msat"], sent, "{wait}");
    let listed = ok(call(&sock, "listpays", json!({"payment_hash": hash})));
    assert_eq!(listed["pays"][0]["status"], "complete", "{listed}");
    assert_eq!(listed["pays"][0]["amount_msat"], received, "{listed}");
    assert_eq!(listed["pays"][0]["amount_sent_msat"], sent, "{listed}");
    // Asked once more after everything settled, pay answers at once, the same.
    let again = ok(call(&sock, "pay", json!({"bolt11": invoice})));
    assert_eq!((&again["amount_msat"], &again["status"]), (&pay["amount_msat"], &pay["status"]));
}

/// An invoice of `amount` from a payee behind the scripted network's peer (a route hint
/// through a private channel of no fee), stamped when the node's simulated clock starts.
fn hinted_invoice(net: &ScriptedNetwork, preimage: PaymentPreimage, amount: u64) -> String {
    let key = bolt11::secp256k1::SecretKey::from_slice(&[0x44; 32]).unwrap();
    let hint = types::RouteHintHop {
        node_id: net.peer,
        short_channel_id: types::ShortChannelId::new(1, 2, 3).unwrap(),
        fee_base_msat: 0,
        fee_proportional_millionths: 0,
        cltv_expiry_delta: 40,
    };
    bolt11::InvoiceBuilder::new(bolt11::Currency::Bitcoin, 1_770_076_800)
        .amount(Msat(amount))
        .payment_hash(preimage.hash())
        .payment_secret(PaymentSecret([8; 32]))
        .description("xpay after restart")
        .route_hint(&bolt11::RouteHint(vec![hint]))
        .build_signed(&key)
        .unwrap()
        .to_string()
}

#[test]
fn xpay_after_a_restart_waits_for_its_part_held_at_the_payee() {
    const AMOUNT: u64 = 7_000;
    let dir = TempDir::new("xpay-restart");
    let net = ScriptedNetwork::bind(dir.path());
    let (mut node, lines) = net.spawn_node(dir.path());
    let sock = dir.path().join("sim").join("lightning-rpc");
    let mut link = net.accept(0);
    assert_eq!(wait_listening(&lines, WAIT, "lnpay node"), sock);
    let preimage = PaymentPreimage([5; 32]);
    let invoice = hinted_invoice(&net, preimage, AMOUNT);
    let hash = preimage.hash().to_string();

    // The xpay's part leaves and is held at the payee; the node dies before any answer.
    let first = call_later(&sock, "xpay", json!({"invstring": invoice}));
    assert_eq!(link.read_add(), (0, Msat(AMOUNT)));
    node.kill9();
    drop(link);
    // The first xpay never answered: its connection died with the node.
    assert!(first.recv_timeout(WAIT).is_err(), "the first xpay answered with its part in flight");

    // Back: the network holds the add. The payment is pending, and an xpay asked again waits.
    let (_node, lines) = net.spawn_node(dir.path());
    let mut link = net.accept(1);
    assert_eq!(wait_listening(&lines, WAIT, "lnpay node"), sock);
    let statuses: Vec<String> = parts(&sock, &hash).into_iter().map(|p| p.1).collect();
    assert_eq!(statuses, ["pending"]);
    let again = call_later(&sock, "xpay", json!({"invstring": invoice}));
    std::thread::sleep(Duration::from_millis(500));
    if let Ok(early) = again.try_recv() {
        panic!("xpay answered with its part in flight: {early}");
    }

    // Fulfilled after the restart: now it answers, with the part.
    link.fulfill(net.channel_id, 0, preimage);
    let paid = ok(again.recv_timeout(WAIT).expect("xpay answered"));
    assert_eq!(paid["payment_preimage"], types::hex::encode(&preimage.0), "{paid}");
    assert_eq!((&paid["successful_parts"], &paid["failed_parts"]), (&json!(1), &json!(0)));
    assert_eq!(paid["amount_msat"], AMOUNT, "{paid}");
    assert_eq!(paid["amount_sent_msat"], AMOUNT, "{paid}");
    let listed = ok(call(&sock, "listpays", json!({"payment_hash": hash})));
    assert_eq!(listed["pays"][0]["status"], "complete", "{listed}");
    // Asked once more: already paid (219).
    let e = call(&sock, "xpay", json!({"invstring": invoice}));
    assert_eq!(e["error"]["code"], 219, "{e}");
}

#[test]
fn a_part_the_channels_never_received_is_failed_at_start() {
    const PART: u64 = 4_000;
    const TOTAL: u64 = 3 * PART;
    let dir = TempDir::new("reconcile");
    let net = ScriptedNetwork::bind(dir.path());
    let (mut node, lines) = net.spawn_node(dir.path());
    let sock = dir.path().join("sim").join("lightning-rpc");
    let mut link = net.accept(0);
    assert_eq!(wait_listening(&lines, WAIT, "lnpay node"), sock);
    let preimage = PaymentPreimage([6; 32]);
    let invoice = hinted_invoice(&net, preimage, TOTAL);
    let hash = preimage.hash().to_string();
    let secret = PaymentSecret([8; 32]);
    for partid in 1..=3u64 {
        let sent = ok(call(
            &sock,
            "sendpay",
            json!({"route": net.route(PART), "payment_hash": hash, "partid": partid,
                   "groupid": 0, "amount_msat": TOTAL, "bolt11": invoice,
                   "payment_secret": secret.to_string()}),
        ));
        assert_eq!(sent["status"], "pending");
        assert_eq!(link.read_add(), (partid - 1, Msat(PART)));
    }
    node.kill9();
    drop(link);

    // Back, the channel layer says it received the first two adds only: the third part has no
    // HTLC anywhere, and no listing may show it pending.
    let (_node, lines) = net.spawn_node(dir.path());
    let _link = net.accept(2);
    assert_eq!(wait_listening(&lines, WAIT, "lnpay node"), sock);
    let listed = parts(&sock, &hash);
    let statuses: Vec<(u64, &str)> = listed.iter().map(|p| (p.0, p.1.as_str())).collect();
    assert_eq!(statuses, [(1, "pending"), (2, "pending"), (3, "failed")]);
    let pays = ok(call(&sock, "listpays", json!({"payment_hash": hash})));
    assert_eq!(pays["pays"][0]["status"], "pending", "{pays}");
    assert_eq!(pays["pays"][0]["amount_msat"], 2 * PART, "{pays}");
    assert_eq!(pays["pays"][0]["number_of_parts"], 2, "{pays}");
    let pending = ok(call(&sock, "listsendpays", json!({"payment_hash": hash})));
    let n = pending["payments"].as_array().unwrap().iter().filter(|p| p["status"] == "pending");
    assert_eq!(n.count(), 2, "{pending}");
}
