//! `lnpay network` as its own process, driven by a small framed client over a unix socket:
//! the handshake, a real 1-hop payment to a simulated receiver, resolutions replayed until
//! acknowledged, and `kill -9` of the network at random moments while HTLCs are in flight.

mod common;

use common::Client;
#[path = "common/htlc.rs"]
mod htlc;

use common::{lnpay, spawn_listening, Proc, TempDir, WAIT};
use htlc::add_for;
use onion::payment::{build_payment_onion, FinalData};
use onion::secp256k1::SecretKey;
use route::getroute::RouteRequest;
use sim::SimRng;
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};
use types::{Msat, NodeId, PaymentHash, PaymentSecret};
use wire::{Ack, ChannelId, ChannelState, Hello, InvoiceRequest, Message, UpdateAddHtlc};

const NODES: &str = "30";
const SEED: &str = "11";
/// The payer's side of each of its channels at the start (90% of 1 BTC).
const INITIAL_MSAT: u64 = 90_000_000_000;

/// A running `lnpay network`.
struct Network {
    proc: Proc,
    socket: PathBuf,
}

impl Network {
    fn start(dir: &Path, speed: &str) -> Network {
        let mut cmd = lnpay();
        cmd.args(["network", "--data-dir"])
            .arg(dir)
            .args(["--nodes", NODES, "--seed", SEED, "--speed", speed])
            .env("RUST_LOG", "warn")
            .stderr(Stdio::inherit());
        let (proc, socket) = spawn_listening(&mut cmd, WAIT);
        assert_eq!(socket, dir.join("peer.sock"));
        Network { proc, socket }
    }

    fn kill(mut self) {
        self.proc.kill9();
    }
}

fn states(hs: &[Message]) -> Vec<ChannelState> {
    hs.iter()
        .filter_map(|m| match m {
            Message::ChannelState(s) => Some(s.clone()),
            _ => None,
        })
        .collect()
}

fn block_height(hs: &[Message]) -> u32 {
    match hs.last() {
        Some(Message::Ready(r)) => r.block_height,
        other => panic!("handshake ends with ready, got {other:?}"),
    }
}

fn meta(dir: &Path, key: &str) -> String {
    let db = rusqlite::Connection::open(dir.join("network.sqlite3")).unwrap();
    db.query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0)).unwrap()
}

fn our_id(dir: &Path) -> NodeId {
    meta(dir, "payer_id").parse().unwrap()
}

/// Asks the network for an invoice of the channel's peer; `None` if it went away.
fn invoice(
    c: &mut Client,
    st: &ChannelState,
    request_id: u64,
    amount: u64,
    seen: &mut Vec<Message>,
) -> Option<(PaymentHash, PaymentSecret)> {
    let req =
        InvoiceRequest { request_id, payee: st.peer, amount_msat: amount, description: vec![] };
    if !c.send(&Message::InvoiceRequest(req)) {
        return None;
    }
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        match c.recv(Duration::from_millis(200)) {
            Some(Message::InvoiceReply(r)) if r.request_id == request_id => {
                let inv: bolt11::Invoice = std::str::from_utf8(&r.bolt11).ok()?.parse().ok()?;
                return Some((*inv.payment_hash(), *inv.payment_secret()));
            }
            Some(m) => seen.push(m),
            None => {}
        }
    }
    None
}

fn key_of(m: &Message) -> Option<(ChannelId, u64)> {
    match m {
        Message::UpdateFulfillHtlc(f) => Some((f.channel_id, f.id)),
        Message::UpdateFailHtlc(f) => Some((f.channel_id, f.id)),
        Message::UpdateFailMalformedHtlc(f) => Some((f.channel_id, f.id)),
        Message::AddRefused(r) => Some((r.channel_id, r.id)),
        _ => None,
    }
}

#[test]
fn handshake_payment_and_replay_until_ack() {
    let dir = TempDir::new("nettest-basic");
    let dir = dir.path();
    let net = Network::start(dir, "1");
    let me = our_id(dir);
    let mut c = Client::connect(&net.socket);
    let hs = c.hello(me);
    let st = states(&hs);
    assert_eq!(st.len(), 10, "one state per channel of ours");
    assert!(st.iter().all(|s| s.next_htlc_id == 0 && s.spendable_msat.0 > 0));
    assert!(st.iter().all(|s| s.channel_id == wire::channel_id(s.scid)));
    let height = block_height(&hs);
    let ch = &st[0];
    let mut seen = Vec::new();
    let (hash, secret) = invoice(&mut c, ch, 1, 3_000_000, &mut seen).unwrap();
    assert!(c.send(&Message::UpdateAddHtlc(add_for(ch, 0, 3_000_000, hash, secret, height))));
    let mut fulfilled = None;
    let deadline = Instant::now() + Duration::from_secs(10);
    while fulfilled.is_none() && Instant::now() < deadline {
        if let Some(Message::UpdateFulfillHtlc(f)) = c.recv(Duration::from_millis(100)) {
            fulfilled = Some(f);
        }
    }
    let f = fulfilled.expect("fulfilled within 10 s");
    assert_eq!((f.channel_id, f.id, f.payment_preimage.hash()), (ch.channel_id, 0, hash));

    // Not acked: replayed on reconnect, and after a restart of the network.
    let mut c = Client::connect(&net.socket);
    let hs = c.hello(me);
    assert_eq!(hs.iter().filter(|m| **m == Message::UpdateFulfillHtlc(f.clone())).count(), 1);
    net.kill();
    let net = Network::start(dir, "1");
    let mut c = Client::connect(&net.socket);
    let hs = c.hello(me);
    assert_eq!(hs.iter().filter(|m| **m == Message::UpdateFulfillHtlc(f.clone())).count(), 1);
    let st0 = states(&hs).into_iter().find(|s| s.channel_id == ch.channel_id).unwrap();
    assert_eq!(st0.next_htlc_id, 1);
    assert_eq!(st0.spendable_msat.0, ch.spendable_msat.0 - 3_000_000);
    // Acked: never again, on reconnect or after a restart.
    assert!(c.send(&Message::Ack(Ack { channel_id: ch.channel_id, id: 0 })));
    std::thread::sleep(Duration::from_millis(300));
    let mut c = Client::connect(&net.socket);
    assert!(c.hello(me).iter().all(|m| key_of(m).is_none()));
    net.kill();
    let net = Network::start(dir, "1");
    let mut c = Client::connect(&net.socket);
    assert!(c.hello(me).iter().all(|m| key_of(m).is_none()));
    drop(net);
}

/// What the test's "node" knows about one add it wrote.
#[derive(Debug, Clone)]
struct Sent {
    amount: u64,
    hash: PaymentHash,
}

#[test]
fn kill_nine_while_htlcs_are_in_flight() {
    let dir = TempDir::new("nettest-kill");
    let dir = dir.path();
    let mut rng = SimRng::new(0x6b696c6c);
    let mut me = None;
    // Every add written, by (channel, id).
    let mut sent: BTreeMap<(ChannelId, u64), Sent> = BTreeMap::new();
    // Every resolution seen, by (channel, id): always the same message.
    let mut resolved: HashMap<(ChannelId, u64), Message> = HashMap::new();
    // The ids we used per channel.
    let mut max_used: HashMap<ChannelId, u64> = HashMap::new();
    let mut request_id = 0u64;
    // Adds by the round they were written in, and resolutions first seen in a later round
    // (the HTLC was in flight when the network was killed).
    let mut sent_round: HashMap<(ChannelId, u64), usize> = HashMap::new();
    // Whether the network received each add, as the first handshake after it said.
    let mut received: HashMap<(ChannelId, u64), bool> = HashMap::new();
    let mut late = 0usize;
    let mut record = |resolved: &mut HashMap<(ChannelId, u64), Message>,
                      sent_round: &HashMap<(ChannelId, u64), usize>,
                      round: usize,
                      m: &Message| {
        if let Some(k) = key_of(m) {
            match resolved.insert(k, m.clone()) {
                Some(prev) => assert_eq!(&prev, m, "a resolution replayed differently"),
                None => late += usize::from(sent_round.get(&k).is_some_and(|r| *r < round)),
            }
        }
    };
    let rounds = 16;
    let mut adds_received = 0;
    for round in 0..=rounds {
        let net = Network::start(dir, "1");
        let me = *me.get_or_insert_with(|| our_id(dir));
        let mut c = Client::connect(&net.socket);
        let hs = c.hello(me);
        for m in &hs {
            record(&mut resolved, &sent_round, round, m);
        }
        let height = block_height(&hs);
        let st = states(&hs);
        let next: HashMap<ChannelId, u64> =
            st.iter().map(|s| (s.channel_id, s.next_htlc_id)).collect();
        // PEER.md rule 3, at the first handshake after an add was written: received iff its
        // id is below next_htlc_id (a node fails the others locally, for good, right here).
        for k in sent.keys() {
            received.entry(*k).or_insert_with(|| next.get(&k.0).is_some_and(|n| k.1 < *n));
        }
        // Ack some of what was resolved (a node acks after storing; here, at random).
        for k in resolved.keys() {
            if rng.chance(0.5) {
                c.send(&Message::Ack(Ack { channel_id: k.0, id: k.1 }));
            }
        }
        if round == rounds {
            // The last round: no kill. Every add received must resolve.
            let received: Vec<_> = received.iter().filter(|(_, r)| **r).map(|(k, _)| *k).collect();
            adds_received = received.len();
            let deadline = Instant::now() + Duration::from_secs(20);
            while received.iter().any(|k| !resolved.contains_key(k)) && Instant::now() < deadline {
                if let Some(m) = c.recv(Duration::from_millis(100)) {
                    record(&mut resolved, &sent_round, round, &m);
                }
            }
            for k in &received {
                assert!(resolved.contains_key(k), "add {k:?} received but never resolved");
            }
            // Adds never received are never resolved.
            for k in sent.keys().filter(|k| !received.contains(k)) {
                assert!(!resolved.contains_key(k), "{k:?} resolved but never received");
            }
            drop(c);
            net.kill();
            break;
        }
        // Write a burst of adds with their invoices, then kill at a random moment.
        let kill_after = Duration::from_millis(rng.below(400));
        let started = Instant::now();
        let mut seen = Vec::new();
        while started.elapsed() < kill_after || sent.len() < 3 {
            let ch = &st[rng.below(st.len() as u64) as usize];
            let amount = 1_000 + rng.below(20_000_000);
            request_id += 1;
            let Some((hash, secret)) = invoice(&mut c, ch, request_id, amount, &mut seen) else {
                break;
            };
            let id = next
                .get(&ch.channel_id)
                .copied()
                .unwrap_or(0)
                .max(max_used.get(&ch.channel_id).map_or(0, |m| m + 1));
            max_used.insert(ch.channel_id, id);
            sent.insert((ch.channel_id, id), Sent { amount, hash });
            sent_round.insert((ch.channel_id, id), round);
            if !c.send(&Message::UpdateAddHtlc(add_for(ch, id, amount, hash, secret, height))) {
                break;
            }
            if started.elapsed() >= kill_after && rng.chance(0.5) {
                // Kill right behind the add: it may or may not have been logged.
                break;
            }
            while let Some(m) = c.recv(Duration::from_millis(rng.below(30))) {
                seen.push(m);
            }
        }
        for m in &seen {
            record(&mut resolved, &sent_round, round, m);
        }
        net.kill();
    }
    eprintln!(
        "{rounds} kills: {} adds written, {adds_received} received, {} resolved, {late} of \
         them after a kill",
        sent.len(),
        resolved.len()
    );
    assert!(adds_received >= 20, "only {adds_received} adds reached the network");
    assert!(late >= 3, "only {late} HTLCs were in flight at a kill");
    let fulfilled: Vec<_> = resolved
        .iter()
        .filter_map(|(k, m)| match m {
            Message::UpdateFulfillHtlc(f) => Some((*k, f.payment_preimage)),
            _ => None,
        })
        .collect();
    assert!(!fulfilled.is_empty());

    // The network's own records: no receiver settled a hash twice, every fulfilled hash was
    // settled once for its amount, and our side of each channel lost exactly what was paid.
    let db = rusqlite::Connection::open(dir.join("network.sqlite3")).unwrap();
    let mut st = db.prepare("SELECT payment_hash, amount_msat, parts FROM received").unwrap();
    let received: Vec<(String, u64, u32)> = st
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let mut by_hash: HashMap<&str, u64> = HashMap::new();
    for (h, amount, parts) in &received {
        assert_eq!(*parts, 1);
        assert!(by_hash.insert(h.as_str(), *amount).is_none(), "hash {h} settled twice");
    }
    assert_eq!(received.len(), fulfilled.len());
    let mut paid_by_channel: HashMap<ChannelId, u64> = HashMap::new();
    for ((cid, id), preimage) in &fulfilled {
        let s = &sent[&(*cid, *id)];
        assert_eq!(preimage.hash(), s.hash);
        assert_eq!(by_hash.get(types::hex::encode(&s.hash.0).as_str()), Some(&s.amount));
        *paid_by_channel.entry(*cid).or_default() += s.amount;
    }
    let me_hex = me.unwrap().to_string();
    let mut st = db
        .prepare("SELECT scid, node0, node1, balance0_msat, balance1_msat FROM channels")
        .unwrap();
    let rows: Vec<(String, String, String, u64, u64)> = st
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let mut ours = 0;
    for (scid, n0, n1, b0, b1) in rows {
        let mine = if n0 == me_hex {
            b0
        } else if n1 == me_hex {
            b1
        } else {
            continue;
        };
        ours += 1;
        let cid = wire::channel_id(scid.parse().unwrap());
        let paid = paid_by_channel.get(&cid).copied().unwrap_or(0);
        assert_eq!(mine, INITIAL_MSAT - paid, "channel {scid}");
    }
    assert_eq!(ours, 10);
}

#[test]
fn multi_hop_payments_over_gossip_routes() {
    let dir = TempDir::new("nettest-route");
    let dir = dir.path();
    let net = Network::start(dir, "5");
    let me = our_id(dir);
    let mut c = Client::connect(&net.socket);
    assert!(c.send(&Message::Hello(Hello { node_id: me, want_gossip: true })));
    let mut hs = Vec::new();
    while !matches!(hs.last(), Some(Message::Ready(_))) {
        hs.push(c.recv(Duration::from_secs(20)).expect("handshake within 20 s"));
    }
    // The gossip, as a node imports it (signatures verified).
    let gossip: Vec<Vec<u8>> = hs
        .iter()
        .filter_map(|m| match m {
            Message::Gossip { .. } => Some(m.encode()),
            _ => None,
        })
        .collect();
    let mut b = route::graph::GraphBuilder::new();
    route::gossip::import_gossip(
        &mut b,
        route::gossip::ChainHash::BITCOIN,
        gossip.iter().map(Vec::as_slice),
    );
    let graph = b.build();
    assert!(graph.node_count() >= 30, "{}", graph.node_count());
    let st = states(&hs);
    let height = block_height(&hs);
    let first_hops: Vec<_> = st
        .iter()
        .map(|s| route::getroute::FirstHop {
            scid: s.scid,
            peer: s.peer,
            spendable: s.spendable_msat,
        })
        .collect();
    let peers: Vec<NodeId> = st.iter().map(|s| s.peer).collect();
    let payees: Vec<NodeId> =
        graph.node_ids().iter().filter(|n| **n != me && !peers.contains(n)).copied().collect();
    let amount = Msat(20_000_000);
    let mut next: HashMap<ChannelId, u64> = HashMap::new();
    let (mut paid, mut failed, mut longest) = (0, 0, 0);
    let mut seen = Vec::new();
    for (i, payee) in payees.iter().take(8).enumerate() {
        let fake = ChannelState { peer: *payee, ..st[0].clone() };
        let Some((hash, secret)) = invoice(&mut c, &fake, i as u64, amount.0, &mut seen) else {
            panic!("no invoice from {payee}");
        };
        let mut req = RouteRequest::new(me, *payee, amount, 10_000_000);
        req.final_cltv = 18;
        req.first_hops = first_hops.clone();
        let Ok(route) = route::getroute::get_route(&graph, &req) else { continue };
        longest = longest.max(route.hops.len());
        let (first_amount, first_cltv) = (route.sent(), height + route.hops[0].delay);
        let session = SecretKey::from_slice(&[i as u8 + 1; 32]).unwrap();
        let final_data =
            FinalData { payment_secret: Some(secret), total_msat: amount, ..FinalData::default() };
        let (onion, secrets) =
            build_payment_onion(&session, &route.hops, height, &final_data, &hash).unwrap();
        let ch = st.iter().find(|s| s.scid == route.hops[0].channel).unwrap();
        let id = next.entry(ch.channel_id).or_default();
        let add = UpdateAddHtlc {
            channel_id: ch.channel_id,
            id: *id,
            amount_msat: first_amount,
            payment_hash: hash,
            cltv_expiry: first_cltv,
            onion: Box::new(onion.to_bytes()),
            blinding_point: None,
            unknown_tlvs: Default::default(),
        };
        let key = (ch.channel_id, *id);
        *id += 1;
        assert!(c.send(&Message::UpdateAddHtlc(add)));
        let deadline = Instant::now() + Duration::from_secs(20);
        let resolution = loop {
            assert!(Instant::now() < deadline, "no resolution for {key:?}");
            match c.recv(Duration::from_millis(100)) {
                Some(m) if key_of(&m) == Some(key) => break m,
                _ => {}
            }
        };
        match resolution {
            Message::UpdateFulfillHtlc(f) => {
                assert_eq!(f.payment_preimage.hash(), hash);
                paid += 1;
            }
            Message::UpdateFailHtlc(f) => {
                // A real failure: the erring hop is on the route and its HMAC matches.
                let d = onion::failure::decode_return_packet(&secrets, &f.reason).unwrap();
                assert!(d.erring_index < route.hops.len());
                failed += 1;
            }
            other => panic!("unexpected {other:?}"),
        }
    }
    eprintln!("multi-hop: {paid} paid, {failed} failed, longest route {longest} hops");
    assert!(paid >= 1 && longest >= 2, "{paid} paid, longest {longest}");
    drop(net);
}
