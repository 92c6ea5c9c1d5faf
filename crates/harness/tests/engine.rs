//! The network engine over an in-memory journal: a 1-hop payment (handshake, invoice, add,
//! fulfil), then engines restored from what the journal holds give the same channel states and
//! the same unacknowledged resolution, and none once it is acknowledged.

use lnpay_harness::network::journal::{Batch, ChannelRow, Journal, JournalError};
use lnpay_harness::network::journal::{LoggedInput, Saved, StoredResolution};
use lnpay_harness::network::Engine;
use onion::payment::{build_payment_onion, FinalData};
use onion::secp256k1::SecretKey;
use sim::workload::add_payer;
use sim::{generate, ChannelBackend, GeneratorParams, SimConfig, Simulator};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use types::{Hop, Msat, PaymentHash, PaymentSecret};
use wire::{Ack, ChannelState, Hello, InvoiceRequest, Message, UpdateAddHtlc};

/// What a store would hold, in memory.
#[derive(Default)]
struct Mem {
    inputs: Vec<LoggedInput>,
    resolutions: Vec<StoredResolution>,
    received: usize,
    channels: BTreeMap<String, ChannelRow>,
    commits: usize,
}

impl Mem {
    fn saved(&self) -> Saved {
        Saved {
            resolutions: self.resolutions.clone(),
            channels: self.channels.values().cloned().collect(),
            received: self.received,
            inputs: self.inputs.clone(),
        }
    }
}

#[derive(Clone, Default)]
struct MemJournal(Arc<Mutex<Mem>>);

impl Journal for MemJournal {
    fn commit(&mut self, batch: &Batch) -> Result<(), JournalError> {
        let mut m = self.0.lock().unwrap();
        m.commits += 1;
        m.inputs.extend(batch.inputs.iter().cloned());
        for (channel_id, htlc_id, _, bytes, _) in &batch.resolutions {
            m.resolutions.push(StoredResolution {
                channel_id: channel_id.clone(),
                htlc_id: *htlc_id,
                bytes: bytes.clone(),
                acked: false,
            });
        }
        m.received += batch.received.len();
        for row in &batch.channels {
            m.channels.insert(row.scid.clone(), row.clone());
        }
        Ok(())
    }

    fn ack(&mut self, channel_id: &str, htlc_id: u64) -> Result<(), JournalError> {
        let mut m = self.0.lock().unwrap();
        for r in &mut m.resolutions {
            if r.channel_id == channel_id && r.htlc_id == htlc_id {
                r.acked = true;
            }
        }
        Ok(())
    }
}

/// The network `lnpay network` builds for a generated graph of 30 nodes and seed 5.
fn simulator() -> Simulator {
    let mut topo = generate(&GeneratorParams { nodes: 30, seed: 5, ..Default::default() });
    let payer = add_payer(&mut topo, 10, Msat(100_000_000_000));
    let mut sim = Simulator::new(&topo, SimConfig { seed: 5, ..Default::default() }).unwrap();
    sim.set_payer(payer);
    sim
}

/// A 1-hop add paying `amount` to the peer of `state`, expiring 40 blocks after `height`.
fn add_for(
    state: &ChannelState,
    amount: u64,
    (hash, secret): (PaymentHash, PaymentSecret),
    height: u32,
) -> Message {
    let cltv = height + 40;
    let hop =
        Hop { id: state.peer, channel: state.scid, direction: 0, amount: Msat(amount), delay: 40 };
    let final_data = FinalData {
        payment_secret: Some(secret),
        total_msat: Msat(amount),
        ..FinalData::default()
    };
    let session = SecretKey::from_slice(&[3; 32]).unwrap();
    let (onion, _) = build_payment_onion(&session, &[hop], height, &final_data, &hash).unwrap();
    Message::UpdateAddHtlc(UpdateAddHtlc {
        channel_id: state.channel_id,
        id: 0,
        amount_msat: Msat(amount),
        payment_hash: hash,
        cltv_expiry: cltv,
        onion: Box::new(onion.to_bytes()),
        blinding_point: None,
        unknown_tlvs: Default::default(),
    })
}

fn states(handshake: &[Message]) -> Vec<ChannelState> {
    handshake
        .iter()
        .filter_map(|m| match m {
            Message::ChannelState(s) => Some(s.clone()),
            _ => None,
        })
        .collect()
}

fn unacked(handshake: &[Message]) -> Vec<&Message> {
    handshake.iter().filter(|m| matches!(m, Message::UpdateFulfillHtlc(_))).collect()
}

#[test]
fn a_payment_survives_a_restore_from_the_journal() {
    let journal = MemJournal::default();
    let mut e = Engine::restore(simulator(), Box::new(journal.clone()), Saved::default()).unwrap();
    let hello = Hello { node_id: e.node_id().unwrap(), want_gossip: false };
    let hs = e.handshake(&hello);
    let before = states(&hs);
    assert_eq!(before.len(), 10);
    let st = before[0].clone();

    let req = InvoiceRequest { request_id: 1, payee: st.peer, amount_msat: 0, description: vec![] };
    let out = e.on_message(Message::InvoiceRequest(req), 0).unwrap();
    let [Message::InvoiceReply(reply)] = out.as_slice() else { panic!("{out:?}") };
    let inv: bolt11::Invoice = std::str::from_utf8(&reply.bolt11).unwrap().parse().unwrap();
    let height = e.sim().block_height();
    let add = add_for(&st, 25_000, (*inv.payment_hash(), *inv.payment_secret()), height);
    e.on_message(add, 0).unwrap();
    let out = e.advance(10_000).unwrap();
    let Some(Message::UpdateFulfillHtlc(fulfil)) = out.first().cloned() else { panic!("{out:?}") };
    assert_eq!(e.sim().settlements().len(), 1);
    assert_eq!(e.unacked_count(), 1);
    {
        let m = journal.0.lock().unwrap();
        assert_eq!(m.inputs.len(), 3, "invoice, add, advance");
        assert_eq!((m.resolutions.len(), m.received), (1, 1));
    }
    let after = states(&e.handshake(&hello));

    // Restored from the journal at the time of the fulfil: same states, same resolution owed.
    let saved = journal.0.lock().unwrap().saved();
    let mut r = Engine::restore(simulator(), Box::new(MemJournal::default()), saved).unwrap();
    r.advance(10_000).unwrap();
    let hs = r.handshake(&hello);
    assert_eq!(states(&hs), after);
    assert_eq!(unacked(&hs), [&Message::UpdateFulfillHtlc(fulfil.clone())]);
    assert_eq!(r.sim().settlements().len(), 1);

    // Acknowledged: nothing is owed after a restore.
    e.on_message(Message::Ack(Ack { channel_id: fulfil.channel_id, id: fulfil.id }), 10_000)
        .unwrap();
    assert_eq!(e.unacked_count(), 0);
    let saved = journal.0.lock().unwrap().saved();
    let mut r = Engine::restore(simulator(), Box::new(MemJournal::default()), saved).unwrap();
    r.advance(10_000).unwrap();
    let hs = r.handshake(&hello);
    assert!(unacked(&hs).is_empty(), "{hs:?}");
    assert_eq!(states(&hs), after);
}
