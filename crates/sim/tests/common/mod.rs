//! Test helpers: a payer that builds real onions over a given path and decodes the failures
//! with the onion crate (cross-checked with the simulator's own decoder).
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use lnpay_sim::{HtlcId, LocalFailure, Resolution, Simulator};
use onion::crypto::SharedSecret;
use onion::failure::{decode_return_packet, DecodeFailureError, FailureMessage};
use onion::packet::OnionPacket;
use onion::payload::{FinalPayload, ForwardPayload, HopPayload, PaymentData};
use onion::payment::{build_payment_onion, FinalData};
use route::graph::EdgePolicy;
use secp256k1::SecretKey;
use types::{Hop, Msat, PaymentHash, PaymentPreimage, PaymentSecret, ShortChannelId};

/// What a hop payload says, before it becomes the onion crate's typed payload.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HopSpec {
    pub amt_to_forward: Msat,
    pub outgoing_cltv: u32,
    pub short_channel_id: Option<ShortChannelId>,
    pub payment_data: Option<(PaymentSecret, Msat)>,
    pub keysend: Option<PaymentPreimage>,
}

impl HopSpec {
    pub fn forward(amt: Msat, cltv: u32, scid: ShortChannelId) -> HopSpec {
        HopSpec {
            amt_to_forward: amt,
            outgoing_cltv: cltv,
            short_channel_id: Some(scid),
            payment_data: None,
            keysend: None,
        }
    }

    pub fn final_hop(
        amt: Msat,
        cltv: u32,
        payment_data: Option<(PaymentSecret, Msat)>,
        keysend: Option<PaymentPreimage>,
    ) -> HopSpec {
        HopSpec {
            amt_to_forward: amt,
            outgoing_cltv: cltv,
            short_channel_id: None,
            payment_data,
            keysend,
        }
    }

    pub fn encode(&self) -> Vec<u8> {
        let p = match self.short_channel_id {
            Some(scid) => HopPayload::Forward(ForwardPayload {
                amt_to_forward: self.amt_to_forward,
                outgoing_cltv_value: self.outgoing_cltv,
                short_channel_id: scid,
                custom_records: Vec::new(),
            }),
            None => HopPayload::Final(FinalPayload {
                amt_to_forward: self.amt_to_forward,
                outgoing_cltv_value: self.outgoing_cltv,
                payment_data: self
                    .payment_data
                    .map(|(payment_secret, total_msat)| PaymentData { payment_secret, total_msat }),
                payment_metadata: None,
                keysend_preimage: self.keysend,
                custom_records: Vec::new(),
            }),
        };
        p.encode()
    }
}

/// One hop of a path: the channel into `node`.
#[derive(Clone, Copy, Debug)]
pub struct PathHop {
    pub scid: ShortChannelId,
    pub node: u32,
}

/// What a payment attempt ended as, seen by the payer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Paid(PaymentPreimage),
    Failed { index: usize, failure: FailureMessage },
    Unattributable,
    Malformed { code: u16 },
    Local(LocalFailure),
    Stuck,
}

pub fn policy(base: u32, ppm: u32, cltv: u16) -> EdgePolicy {
    EdgePolicy {
        timestamp: 1_770_000_000,
        enabled: true,
        base_fee_msat: base,
        fee_ppm: ppm,
        cltv_delta: cltv,
        htlc_min: Msat(1000),
        htlc_max: Msat(9_000_000_000),
    }
}

pub fn fee(p: &EdgePolicy, amt: u64) -> u64 {
    u64::from(p.base_fee_msat) + amt * u64::from(p.fee_ppm) / 1_000_000
}

/// Payloads for `path` (payer first excluded) delivering `amount` with the announced
/// policies; returns (first htlc amount, first htlc cltv, payloads).
pub fn plan(
    sim: &Simulator,
    payer: u32,
    path: &[PathHop],
    amount: u64,
    final_delta: u32,
    payment_data: Option<(PaymentSecret, Msat)>,
    keysend: Option<PaymentPreimage>,
) -> (u64, u32, Vec<HopSpec>) {
    let height = sim.config().block_height;
    let last = path.len() - 1;
    let mut amt = amount;
    let mut cltv = height + final_delta;
    let mut payloads = vec![HopSpec::final_hop(Msat(amt), cltv, payment_data, keysend)];
    for i in (0..last).rev() {
        let p = sim.announced_policy(path[i + 1].scid, path[i].node).unwrap();
        payloads.push(HopSpec::forward(Msat(amt), cltv, path[i + 1].scid));
        amt += fee(&p, amt);
        cltv += u32::from(p.cltv_delta);
    }
    let _ = payer;
    payloads.reverse();
    (amt, cltv, payloads)
}

pub struct Attempt {
    pub htlc: HtlcId,
    pub secrets: Vec<SharedSecret>,
}

pub fn onion_for(
    sim: &Simulator,
    path: &[PathHop],
    payloads: &[Vec<u8>],
    hash: &PaymentHash,
    session: u8,
) -> (OnionPacket, Vec<SharedSecret>) {
    let hops: Vec<_> = path
        .iter()
        .zip(payloads)
        .map(|(h, p)| (sim.node_pubkey(h.node).unwrap(), p.clone()))
        .collect();
    let key = SecretKey::from_slice(&[session.max(1); 32]).unwrap();
    onion::packet::build(&key, &hops, &hash.0).unwrap()
}

/// Sends over `path` from `payer` and runs the simulation to this HTLC's resolution.
#[allow(clippy::too_many_arguments)]
pub fn send_raw(
    sim: &mut Simulator,
    payer: u32,
    path: &[PathHop],
    first_amount: u64,
    first_cltv: u32,
    payloads: &[Vec<u8>],
    hash: PaymentHash,
    session: u8,
) -> Result<Attempt, LocalFailure> {
    let (onion, secrets) = onion_for(sim, path, payloads, &hash, session);
    let htlc =
        sim.send_htlc_from(payer, path[0].scid, Msat(first_amount), first_cltv, hash, onion)?;
    Ok(Attempt { htlc, secrets })
}

pub fn resolve(sim: &mut Simulator, attempt: &Attempt) -> Outcome {
    use lnpay_sim::ChannelBackend;
    let r = match sim.poll_resolution() {
        Some(r) => r,
        None => match sim.run_until_resolution() {
            Some(r) => r,
            None => return Outcome::Stuck,
        },
    };
    assert_eq!(r.htlc, attempt.htlc, "resolutions come one attempt at a time here");
    classify(&attempt.secrets, r.resolution)
}

pub fn classify(secrets: &[SharedSecret], r: Resolution) -> Outcome {
    match r {
        Resolution::Fulfilled(p) => Outcome::Paid(p),
        Resolution::Malformed { failure_code, .. } => Outcome::Malformed { code: failure_code },
        Resolution::Failed(reason) => match decode_return_packet(secrets, &reason) {
            Ok(d) => Outcome::Failed { index: d.erring_index, failure: d.failure },
            Err(
                DecodeFailureError::Unattributable { .. } | DecodeFailureError::TooShort { .. },
            ) => Outcome::Unattributable,
            Err(e) => panic!("unexpected decode error {e}"),
        },
    }
}

/// Plans, sends and resolves a payment over `path`: the planned amounts and CLTVs become
/// the path's hops, whose onion the onion crate's payer function builds.
pub fn pay(
    sim: &mut Simulator,
    payer: u32,
    path: &[PathHop],
    amount: u64,
    hash: PaymentHash,
    payment_data: Option<(PaymentSecret, Msat)>,
    keysend: Option<PaymentPreimage>,
) -> Outcome {
    let (a, c, payloads) = plan(sim, payer, path, amount, 18, payment_data, keysend);
    let height = sim.config().block_height;
    let received = std::iter::once((Msat(a), c))
        .chain(payloads.iter().map(|p| (p.amt_to_forward, p.outgoing_cltv)));
    let hops: Vec<Hop> = path
        .iter()
        .zip(received)
        .map(|(h, (amount, cltv))| Hop {
            id: sim.node_id(h.node).unwrap(),
            channel: h.scid,
            direction: 0,
            amount,
            delay: cltv - height,
        })
        .collect();
    let final_data = FinalData {
        payment_secret: payment_data.map(|(s, _)| s),
        total_msat: payment_data.map_or(Msat(0), |(_, t)| t),
        keysend_preimage: keysend,
        ..FinalData::default()
    };
    let key = SecretKey::from_slice(&[7; 32]).unwrap();
    let (onion, secrets) = build_payment_onion(&key, &hops, height, &final_data, &hash).unwrap();
    match sim.send_htlc_from(payer, path[0].scid, Msat(a), c, hash, onion) {
        Ok(htlc) => resolve(sim, &Attempt { htlc, secrets }),
        Err(e) => Outcome::Local(e),
    }
}
