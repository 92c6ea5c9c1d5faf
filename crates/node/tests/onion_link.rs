//! Onion messages over the link to `lnpay network` (its own process): the payment machine's
//! invoice request goes out as `send_onion_message`, is journaled by the network, reaches the
//! simulated receiver, and the invoice comes back as `onion_message_received`, peeled for our
//! node by the network; the machine checks it. The journaled send survives a `kill -9` of
//! the network (the replay applies it again), and the reply is not sent twice.

mod common;

use common::Client;

use common::{lnpay, spawn_listening, TempDir, WAIT};
use onion::message::ReceivedMessage;
use payment::{Action, Command, Config, FetchinvoiceRequest, Input, Machine, Reply};
use route::flow::FirstHop;
use route::graph::GraphBuilder;
use std::path::Path;
use std::process::Stdio;
use std::time::Duration;
use types::NodeId;
use wire::{Message, OfferOptions, OfferRequest};

fn start(dir: &Path) -> (common::Proc, std::path::PathBuf) {
    let mut cmd = lnpay();
    cmd.args(["network", "--data-dir"])
        .arg(dir)
        .args(["--nodes", "30", "--seed", "11", "--speed", "1"])
        .env("RUST_LOG", "warn")
        .stderr(Stdio::inherit());
    spawn_listening(&mut cmd, WAIT)
}

fn onion_inputs(dir: &Path) -> i64 {
    let db = rusqlite::Connection::open(dir.join("network.sqlite3")).unwrap();
    db.query_row("SELECT COUNT(*) FROM inputs WHERE kind = 5", [], |r| r.get(0)).unwrap()
}

#[test]
fn invoice_request_and_invoice_cross_the_link_as_onion_messages() {
    let tmp = TempDir::new("onion-link");
    let dir = tmp.path();
    let (mut net, socket) = start(dir);
    let db = rusqlite::Connection::open(dir.join("network.sqlite3")).unwrap();
    let me: NodeId = db
        .query_row("SELECT value FROM meta WHERE key = 'payer_id'", [], |r| r.get::<_, String>(0))
        .unwrap()
        .parse()
        .unwrap();
    let mut c = Client::connect(&socket);
    let states: Vec<wire::ChannelState> = c
        .hello(me)
        .into_iter()
        .filter_map(|m| match m {
            Message::ChannelState(s) => Some(s),
            _ => None,
        })
        .collect();
    let peer = states[0].peer;

    // An offer of our peer naming it in the clear: the request goes to it directly.
    let options = OfferOptions { blinded: Some(false), ..OfferOptions::default() };
    c.send(&Message::OfferRequest(OfferRequest {
        request_id: 1,
        payee: peer,
        amount_msat: 42_000,
        description: b"link".to_vec(),
        options,
    }));
    let text = c
        .wait_for(Duration::from_secs(10), |m| match m {
            Message::OfferReply(r) if r.request_id == 1 => Some(r.offer),
            _ => None,
        })
        .expect("an offer");
    let offer: bolt12::Offer = std::str::from_utf8(&text).unwrap().parse().unwrap();
    assert_eq!(offer.fields().issuer_id.map(|k| NodeId::from_pubkey(&k)), Some(peer));

    // The machine builds the request; the link carries it.
    let cfg =
        Config { node_id: me, seed: [5; 32], currency: bolt11::Currency::Bitcoin, max_parts: 16 };
    let mut m = Machine::new(cfg, GraphBuilder::new().build(), 800_000);
    m.set_first_hops(
        states
            .iter()
            .map(|s| FirstHop { scid: s.scid, peer: s.peer, spendable: s.spendable_msat })
            .collect(),
    );
    let fetch = FetchinvoiceRequest {
        offer: Box::new(offer),
        amount_msat: None,
        quantity: None,
        payer_note: Some("hi".into()),
        timeout: Some(30),
        payer_metadata: vec![9; 16],
    };
    let now = harness::driver::SIM_EPOCH_MS + 1_000;
    let actions = m.handle(Input::Command { id: 1, command: Command::Fetchinvoice(fetch) }, now);
    let sends: Vec<wire::SendOnionMessage> = actions
        .into_iter()
        .filter_map(|a| match a {
            Action::SendOnionMessage { peer, message } => {
                Some(wire::SendOnionMessage { peer, message: *message })
            }
            _ => None,
        })
        .collect();
    assert_eq!(sends.len(), 1);
    assert_eq!(sends[0].peer, peer);
    c.send(&Message::SendOnionMessage(sends[0].clone()));

    // The invoice comes back peeled for us; the machine takes it.
    let got = c
        .wait_for(Duration::from_secs(10), |m| match m {
            Message::OnionMessageReceived(r) => Some(r),
            _ => None,
        })
        .expect("the invoice as an onion message");
    let received =
        ReceivedMessage::from_parts(&got.payload, &got.recipient_data, got.dummy_hops.into())
            .unwrap();
    assert!(received.path_id.is_some());
    let actions = m.handle(Input::MessageReceived(Box::new(received)), now + 500);
    let reply = actions.iter().find_map(|a| match a {
        Action::Reply { command: 1, result: Reply::Fetchinvoice(r) } => Some(r.clone()),
        _ => None,
    });
    let fetched = reply.expect("fetchinvoice answered").expect("an invoice");
    let invoice: bolt12::Invoice = fetched.invoice.parse().unwrap();
    assert_eq!(invoice.amount().0, 42_000);
    assert_eq!(invoice.invreq_fields().payer_note.as_deref(), Some("hi"));
    assert!(fetched.changes.amount_msat.is_none());

    // Journaled before it was applied. After a kill -9 the replay applies the send again at
    // its time; the answer it makes is the same bytes (a deterministic replay) and arrives
    // once more unless the replay already passed its delivery: at least once, like a
    // resolution, and the machine takes an answer to an answered fetch as nothing.
    assert_eq!(onion_inputs(dir), 1);
    drop(c);
    net.kill9();
    let (_net, socket) = start(dir);
    let mut c = Client::connect(&socket);
    let hs = c.hello(me);
    assert!(hs.iter().all(|m| !matches!(m, Message::OnionMessageReceived(_))));
    let again = c.wait_for(Duration::from_secs(3), |m| match m {
        Message::OnionMessageReceived(r) => Some(r),
        _ => None,
    });
    if let Some(again) = again {
        assert_eq!(again, got, "the replay answers with the same invoice");
        let received = ReceivedMessage::from_parts(&again.payload, &again.recipient_data, 0);
        let actions = m.handle(Input::MessageReceived(Box::new(received.unwrap())), now + 900);
        assert!(actions.is_empty(), "{actions:?}");
    }
    assert_eq!(onion_inputs(dir), 1);
}
