//! The engine and the handle over an in-memory duplex stream: handshake, invoices, a 1-hop
//! payment, acknowledgements, and a replay of the store that rebuilds the same network.

// The 1-hop add builder `tests/network.rs` uses too.
#[path = "../../tests/common/htlc.rs"]
mod htlc;

use super::*;
use htlc::{add_for, session_key};
use tokio::io::DuplexStream;
use types::{PaymentHash, PaymentSecret};
use wire::{channel_id, Ack, ChannelState, Hello, InvoiceRequest, OfferRequest};

fn tmp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("lnpay-network-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn spec() -> NetworkSpec {
    NetworkSpec { graph: None, nodes: 30, seed: 5 }
}

/// The secret the 1-hop onion of [`add_for`] shares with the peer.
fn shared_secret(state: &ChannelState, id: u64, hash: PaymentHash) -> onion::crypto::SharedSecret {
    let hops = [(state.peer.to_pubkey().unwrap(), vec![2, 2, 0, 0])];
    let (_, secrets) = onion::packet::build(&session_key(id), &hops, &hash.0).unwrap();
    secrets[0]
}

#[test]
fn a_wrong_payment_secret_fails_back_readable_by_the_sender() {
    let mut e = Engine::new(build_simulator(&spec()).unwrap());
    let hs = e.handshake(&Hello { node_id: e.node_id().unwrap(), want_gossip: false });
    let Some(Message::ChannelState(st)) = hs.first().cloned() else { panic!("{hs:?}") };
    let req = InvoiceRequest { request_id: 1, payee: st.peer, amount_msat: 0, description: vec![] };
    let out = e.on_message(Message::InvoiceRequest(req), 0).unwrap();
    let [Message::InvoiceReply(reply)] = out.as_slice() else { panic!("{out:?}") };
    let (hash, _) = invoice(&reply.bolt11);
    let add = add_for(&st, 0, 10_000, hash, PaymentSecret([7; 32]), 930_000);
    e.on_message(Message::UpdateAddHtlc(add), 0).unwrap();
    let out = e.advance(1_000).unwrap();
    let Some(Message::UpdateFailHtlc(fail)) = out.first() else { panic!("{out:?}") };
    assert_eq!((fail.channel_id, fail.id), (st.channel_id, 0));
    let secret = shared_secret(&st, 0, hash);
    let d = onion::failure::decode_return_packet(&[secret], &fail.reason).unwrap();
    assert_eq!(d.erring_index, 0);
    assert_eq!(d.failure.code(), onion::failure::code::INCORRECT_OR_UNKNOWN_PAYMENT_DETAILS);
    assert!(e.sim().settlements().is_empty());
}

fn invoice(bolt11: &[u8]) -> (PaymentHash, PaymentSecret) {
    let inv: bolt11::Invoice = std::str::from_utf8(bolt11).unwrap().parse().unwrap();
    (*inv.payment_hash(), *inv.payment_secret())
}

#[test]
fn engine_handshake_invoice_payment_ack_and_replay() {
    let dir = tmp_dir("engine");
    let path = dir.join("network.sqlite3");
    let mut e = Engine::open(&path, &spec()).unwrap();
    let hello = Hello { node_id: e.node_id().unwrap(), want_gossip: true };
    let hs = e.handshake(&hello);
    let gossip = hs.iter().filter(|m| matches!(m, Message::Gossip { .. })).count();
    assert!(gossip > 30, "{gossip}");
    let states: Vec<ChannelState> = hs
        .iter()
        .filter_map(|m| match m {
            Message::ChannelState(s) => Some(s.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(states.len(), 10);
    assert!(states.iter().all(|s| s.channel_id == channel_id(s.scid) && s.next_htlc_id == 0));
    let Some(Message::Ready(ready)) = hs.last() else { panic!("no ready: {:?}", hs.last()) };
    let height = ready.block_height;
    let st = &states[0];
    let req = InvoiceRequest {
        request_id: 9,
        payee: st.peer,
        amount_msat: 5_000_000,
        description: b"x".to_vec(),
    };
    let out = e.on_message(Message::InvoiceRequest(req), 10).unwrap();
    let [Message::InvoiceReply(reply)] = out.as_slice() else { panic!("{out:?}") };
    assert_eq!(reply.request_id, 9);
    let (hash, secret) = invoice(&reply.bolt11);
    // An id below next is refused with code 6 after the first add.
    let add = add_for(st, 3, 5_000_000, hash, secret, height);
    let out = e.on_message(Message::UpdateAddHtlc(add.clone()), 20).unwrap();
    let [Message::ChannelState(s)] = out.as_slice() else { panic!("{out:?}") };
    assert_eq!(s.next_htlc_id, 4);
    assert_eq!(s.spendable_msat.0, st.spendable_msat.0 - 5_000_000);
    let out = e.on_message(Message::UpdateAddHtlc(add), 30).unwrap();
    assert!(matches!(out.as_slice(), [Message::AddRefused(r)] if r.code == 6 && r.id == 3));
    // Unknown channel.
    let mut bad = add_for(st, 7, 1000, hash, secret, height);
    bad.channel_id = wire::ChannelId([1; 32]);
    let out = e.on_message(Message::UpdateAddHtlc(bad), 30).unwrap();
    assert!(matches!(out.as_slice(), [Message::AddRefused(r)] if r.code == 1));
    // Too much: refused by our side of the channel, and stored like a resolution.
    let big = add_for(st, 4, 99_000_000_000, hash, secret, height);
    let out = e.on_message(Message::UpdateAddHtlc(big), 40).unwrap();
    assert!(
        matches!(out.as_slice(), [Message::AddRefused(r), Message::ChannelState(_)] if r.code == 4),
        "{out:?}"
    );
    // The fulfill comes after two latencies.
    let out = e.advance(10_000).unwrap();
    let fulfilled: Vec<_> = out
        .iter()
        .filter_map(|m| match m {
            Message::UpdateFulfillHtlc(f) => Some(f.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(fulfilled.len(), 1, "{out:?}");
    assert_eq!((fulfilled[0].id, fulfilled[0].payment_preimage.hash()), (3, hash));
    assert_eq!(e.unacked_count(), 2);
    let log = e.sim().log().to_vec();
    let settled = e.sim().settlements().to_vec();
    assert_eq!(settled.len(), 1);
    // Ack the fulfill; the refusal is still replayed.
    let out = e.on_message(Message::Ack(Ack { channel_id: st.channel_id, id: 3 }), 10_000).unwrap();
    assert!(out.is_empty());
    assert_eq!(e.unacked_count(), 1);
    let balances: Vec<_> = e.sim().channel_balances().collect();
    drop(e);

    // Reopen: the same network, the same state, the unacked refusal replayed.
    let mut e = Engine::open(&path, &spec()).unwrap();
    assert_eq!(e.sim().log(), &log[..]);
    assert_eq!(e.sim().settlements(), &settled[..]);
    assert_eq!(e.sim().channel_balances().collect::<Vec<_>>(), balances);
    assert_eq!(e.unacked_count(), 1);
    let hs = e.handshake(&Hello { node_id: hello.node_id, want_gossip: false });
    assert!(hs.iter().all(|m| !matches!(m, Message::Gossip { .. })));
    let replayed: Vec<_> = hs.iter().filter(|m| matches!(m, Message::AddRefused(_))).collect();
    assert_eq!(replayed.len(), 1);
    let s0 = hs.iter().find_map(|m| match m {
        Message::ChannelState(s) if s.channel_id == st.channel_id => Some(s.clone()),
        _ => None,
    });
    assert_eq!(s0.unwrap().next_htlc_id, 5);
    let store = store::Store::open(&path).unwrap();
    let received = store.received().unwrap();
    assert_eq!(received.len(), 1);
    assert_eq!(received[0].amount_msat, 5_000_000);
    assert_eq!(store.resolutions().unwrap().len(), 2);
    // Another spec on the same store is refused.
    let other = NetworkSpec { seed: 6, ..spec() };
    assert!(matches!(
        Engine::open(&path, &other),
        Err(NetworkError::SpecMismatch { key: "seed", .. })
    ));
}

/// Frames written and read over a duplex stream.
struct Client {
    io: DuplexStream,
    dec: FrameDecoder,
}

impl Client {
    async fn send(&mut self, m: Message) {
        self.io.write_all(&m.encode_frame()).await.unwrap();
    }

    async fn recv(&mut self) -> Message {
        loop {
            if let Some(m) = self.dec.next() {
                return m.unwrap();
            }
            let mut buf = [0u8; 4096];
            let n =
                tokio::time::timeout(std::time::Duration::from_secs(10), self.io.read(&mut buf))
                    .await
                    .expect("a message within 10 s")
                    .unwrap();
            assert!(n > 0, "stream closed");
            self.dec.push(&buf[..n]);
        }
    }

    /// Hello, then everything up to Ready.
    async fn hello(&mut self, node_id: NodeId) -> Vec<Message> {
        self.send(Message::Hello(Hello { node_id, want_gossip: false })).await;
        let mut out = Vec::new();
        loop {
            let m = self.recv().await;
            let ready = matches!(m, Message::Ready(_));
            out.push(m);
            if ready {
                return out;
            }
        }
    }
}

fn connect(h: &NetworkHandle) -> Client {
    let (ours, theirs) = tokio::io::duplex(1 << 16);
    h.attach(theirs);
    Client { io: ours, dec: FrameDecoder::new() }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn handle_serves_and_replays_unacked_on_reconnect() {
    let dir = tmp_dir("handle");
    let opts = NetworkOptions {
        store_path: dir.join("network.sqlite3"),
        graph: None,
        nodes: Some(30),
        seed: 5,
        speed: 20.0,
    };
    let h = NetworkHandle::start(opts).unwrap();
    let me = h.node_id().unwrap();
    let mut c = connect(&h);
    let hs = c.hello(me).await;
    let st = hs
        .iter()
        .find_map(|m| match m {
            Message::ChannelState(s) => Some(s.clone()),
            _ => None,
        })
        .unwrap();
    let Some(Message::Ready(ready)) = hs.last() else { panic!() };
    let req = InvoiceRequest { request_id: 1, payee: st.peer, amount_msat: 0, description: vec![] };
    c.send(Message::InvoiceRequest(req)).await;
    let Message::InvoiceReply(reply) = c.recv().await else { panic!() };
    let (hash, secret) = invoice(&reply.bolt11);
    c.send(Message::UpdateAddHtlc(add_for(&st, 0, 2_000_000, hash, secret, ready.block_height)))
        .await;
    let mut fulfilled = None;
    while fulfilled.is_none() {
        if let Message::UpdateFulfillHtlc(f) = c.recv().await {
            fulfilled = Some(f);
        }
    }
    assert_eq!(fulfilled.unwrap().payment_preimage.hash(), hash);
    // Not acked: a new connection (replacing this one) gets it again.
    let mut c2 = connect(&h);
    let hs = c2.hello(me).await;
    assert_eq!(hs.iter().filter(|m| matches!(m, Message::UpdateFulfillHtlc(_))).count(), 1);
    // The old connection is closed.
    let mut buf = [0u8; 64];
    let n = tokio::time::timeout(std::time::Duration::from_secs(5), async {
        loop {
            match c.io.read(&mut buf).await {
                Ok(0) | Err(_) => return 0,
                Ok(_) => continue,
            }
        }
    })
    .await
    .unwrap();
    assert_eq!(n, 0);
    c2.send(Message::Ack(Ack { channel_id: st.channel_id, id: 0 })).await;
    // Let the ack reach the engine before this connection is replaced.
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let mut c3 = connect(&h);
    let hs = c3.hello(me).await;
    assert_eq!(hs.iter().filter(|m| matches!(m, Message::UpdateFulfillHtlc(_))).count(), 0);
    let s = hs
        .iter()
        .find_map(|m| match m {
            Message::ChannelState(s) if s.channel_id == st.channel_id => Some(s.clone()),
            _ => None,
        })
        .unwrap();
    assert_eq!(s.next_htlc_id, 1);
    assert_eq!(s.spendable_msat.0, st.spendable_msat.0 - 2_000_000);
}

#[test]
fn an_offer_request_is_answered_with_an_offer() {
    let mut e = Engine::new(build_simulator(&spec()).unwrap());
    let hs = e.handshake(&Hello { node_id: e.node_id().unwrap(), want_gossip: false });
    let Some(Message::ChannelState(st)) = hs.first().cloned() else { panic!("{hs:?}") };
    let req = OfferRequest {
        request_id: 4,
        payee: st.peer,
        amount_msat: 2_000,
        description: b"tea".to_vec(),
        options: wire::OfferOptions::default(),
    };
    let out = e.on_message(Message::OfferRequest(req.clone()), 0).unwrap();
    let [Message::OfferReply(reply)] = out.as_slice() else { panic!("{out:?}") };
    assert_eq!(reply.request_id, 4);
    let text = String::from_utf8(reply.offer.clone()).unwrap();
    let offer: bolt12::Offer = text.parse().unwrap();
    assert_eq!(offer.fields().amount, Some(2_000));
    assert_eq!(offer.fields().description.as_deref(), Some("tea"));
    use bolt12::secp256k1::{SecretKey, SECP256K1};
    let nobody = SecretKey::from_slice(&[0x99; 32]).unwrap().public_key(SECP256K1);
    let stranger = OfferRequest { payee: types::NodeId::from_pubkey(&nobody), ..req.clone() };
    let out = e.on_message(Message::OfferRequest(stranger), 0).unwrap();
    let [Message::OfferReply(none)] = out.as_slice() else { panic!("{out:?}") };
    assert!(none.offer.is_empty());
    // The options: the issuer's id in the clear instead of a blinded path.
    let clear = wire::OfferOptions { blinded: Some(false), ..wire::OfferOptions::default() };
    let req = OfferRequest { request_id: 5, options: clear, ..req };
    let out = e.on_message(Message::OfferRequest(req), 0).unwrap();
    let [Message::OfferReply(reply)] = out.as_slice() else { panic!("{out:?}") };
    let offer: bolt12::Offer = String::from_utf8(reply.offer.clone()).unwrap().parse().unwrap();
    assert_eq!(offer.fields().issuer_id.map(|k| types::NodeId::from_pubkey(&k)), Some(st.peer));
    assert!(offer.fields().paths.is_none());
}
