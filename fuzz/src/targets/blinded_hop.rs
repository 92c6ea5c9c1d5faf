//! A node's reading of its hop of a blinded payment path (`onion::blinded_payment::
//! read_blinded_hop`) and the recipient's path builder (`build_payment_path`).
//!
//! Checks, for any bytes:
//! - the bytes as the plaintext of a hop's `encrypted_recipient_data` (sealed for a fixed node
//!   and path key, so the TLV reader sees them), with an HTLC amount and CLTV and final values
//!   or none taken from the first bytes, never make the reader panic; a forward it reads keeps
//!   exactly the relay's fee rounded as BOLT 4 says and its CLTV delta, within the
//!   constraints; a receive has its `path_id` and the payload's final values;
//! - a path built from relays, constraints and a `path_id` drawn from the bytes reads back,
//!   hop by hop with the path key each node passes on, as built: each node's channel, the
//!   amounts and CLTVs its relay leaves, the payee's `path_id` and values.

use onion::blinded_payment::{build_payment_path, read_blinded_hop, BlindedHopRead, PathForward};
use onion::blinding::{build_blinded_path, PaymentConstraints, PaymentRelay};
use onion::payload::{BlindedFinal, BlindedPayload};
use onion::secp256k1::{PublicKey, Secp256k1, SecretKey};
use types::{Msat, ShortChannelId};

fn key(i: u8) -> SecretKey {
    let mut k = [0x22u8; 32];
    k[31] = i.wrapping_add(1);
    match SecretKey::from_slice(&k) {
        Ok(k) => k,
        Err(e) => unreachable!("fixed key is valid: {e}"),
    }
}

/// Runs the checks above on `data`, panicking when one fails.
pub fn do_test(data: &[u8]) {
    read_arbitrary(data);
    build_and_read(data);
}

fn u64_at(data: &[u8], at: usize) -> u64 {
    let mut b = [0u8; 8];
    for (i, x) in b.iter_mut().enumerate() {
        *x = data.get(at + i).copied().unwrap_or(0);
    }
    u64::from_be_bytes(b)
}

fn read_arbitrary(data: &[u8]) {
    let secp = Secp256k1::new();
    let (node, session) = (key(0), key(1));
    let node_id = PublicKey::from_secret_key(&secp, &node);
    let plain = data.get(13..).unwrap_or_default().to_vec();
    let Ok(path) = build_blinded_path(&secp, &session, &[(node_id, plain)]) else {
        panic!("one hop always seals");
    };
    let Some(hop) = path.hops.first() else { panic!("a path of one hop") };
    let amount = Msat(u64_at(data, 0));
    let cltv = u64_at(data, 8) as u32;
    let flags = data.get(12).copied().unwrap_or(0);
    let values = BlindedFinal {
        amt_to_forward: Msat(amount.0 / 2),
        outgoing_cltv_value: cltv / 2,
        total_amount_msat: amount,
    };
    let payload = BlindedPayload {
        encrypted_recipient_data: hop.encrypted_recipient_data.clone(),
        current_path_key: (flags & 1 == 0).then_some(path.first_path_key),
        final_values: (flags & 2 != 0).then_some(values),
    };
    let beside = (flags & 1 != 0).then_some(path.first_path_key);
    let Ok(read) = read_blinded_hop(&secp, &node, beside, &payload, amount, cltv) else { return };
    let Ok(parsed) = onion::blinding::EncryptedDataTlv::decode(data.get(13..).unwrap_or_default())
    else {
        panic!("the reader accepted data the TLV reader refuses");
    };
    if let Some(c) = parsed.payment_constraints {
        assert!(amount >= c.htlc_minimum_msat && cltv <= c.max_cltv_expiry, "constraints");
    }
    match read {
        BlindedHopRead::Forward {
            short_channel_id, amt_to_forward, outgoing_cltv_value, ..
        } => {
            let Some(relay) = parsed.payment_relay else { panic!("a forward without relay") };
            assert_eq!(Some(short_channel_id), parsed.short_channel_id);
            assert!(payload.final_values.is_none());
            check_forward(amount, cltv, relay, amt_to_forward, outgoing_cltv_value);
        }
        BlindedHopRead::Receive { path_id, values: got } => {
            assert_eq!(Some(path_id), parsed.path_id);
            assert_eq!(Some(got), payload.final_values);
        }
    }
}

/// A forward of `fwd` at `out` from an HTLC of `amount` at `cltv`: BOLT 4's rounded-up amount
/// (the least that, with the relay's fee on it rounded up, is at least what came in less the
/// base fee) and the relay's delta.
fn check_forward(amount: Msat, cltv: u32, relay: PaymentRelay, fwd: Msat, out: u32) {
    let ppm = u128::from(relay.fee_proportional_millionths);
    let after_base = u128::from(amount.0) - u128::from(relay.fee_base_msat);
    let f = u128::from(fwd.0);
    assert!(f * (1_000_000 + ppm) >= after_base * 1_000_000, "forwards too little");
    assert!(f == 0 || (f - 1) * (1_000_000 + ppm) < after_base * 1_000_000, "forwards too much");
    assert_eq!(cltv - out, u32::from(relay.cltv_expiry_delta));
}

fn build_and_read(data: &[u8]) {
    let Some((&first, rest)) = data.split_first() else { return };
    let n = usize::from(first % 4);
    let secp = Secp256k1::new();
    let mut at = 0;
    let mut next = |len: usize| {
        let v = u64_at(rest, at) >> (64 - 8 * len.min(8));
        at += len;
        v
    };
    let forwards: Vec<PathForward> = (0..n)
        .map(|i| PathForward {
            node_id: PublicKey::from_secret_key(&secp, &key(10 + i as u8)),
            short_channel_id: ShortChannelId(next(8)),
            relay: PaymentRelay {
                cltv_expiry_delta: next(2) as u16,
                fee_proportional_millionths: next(3) as u32,
                fee_base_msat: next(2) as u32,
            },
            constraints: PaymentConstraints {
                max_cltv_expiry: u32::MAX,
                htlc_minimum_msat: Msat(next(1)),
            },
        })
        .collect();
    let payee = key(20);
    let path_id: Vec<u8> = (0..next(1) % 40).map(|i| i as u8).collect();
    let payee_constraints =
        PaymentConstraints { max_cltv_expiry: u32::MAX, htlc_minimum_msat: Msat(1) };
    let session = key(30);
    let payee_id = PublicKey::from_secret_key(&secp, &payee);
    let Ok(path) =
        build_payment_path(&secp, &session, &forwards, payee_id, &path_id, payee_constraints)
    else {
        panic!("a path of fixed keys always builds");
    };
    assert_eq!(path.hops.len(), n + 1);
    let values = BlindedFinal {
        amt_to_forward: Msat(1),
        outgoing_cltv_value: 0,
        total_amount_msat: Msat(next(4)),
    };
    let mut amount = Msat(next(5).max(1) << 20);
    let mut cltv = u32::MAX - 1;
    let mut path_key = None;
    let keys: Vec<SecretKey> = (0..n).map(|i| key(10 + i as u8)).chain([payee]).collect();
    for (i, (hop, k)) in path.hops.iter().zip(&keys).enumerate() {
        let last = i == n;
        let payload = BlindedPayload {
            encrypted_recipient_data: hop.encrypted_recipient_data.clone(),
            current_path_key: (i == 0).then_some(path.first_path_key),
            final_values: last.then_some(values),
        };
        let read = read_blinded_hop(&secp, k, path_key, &payload, amount, cltv);
        match (read, forwards.get(i)) {
            (
                Ok(BlindedHopRead::Forward {
                    short_channel_id,
                    amt_to_forward,
                    outgoing_cltv_value,
                    next_path_key,
                }),
                Some(f),
            ) => {
                assert_eq!(short_channel_id, f.short_channel_id);
                check_forward(amount, cltv, f.relay, amt_to_forward, outgoing_cltv_value);
                (amount, cltv, path_key) =
                    (amt_to_forward, outgoing_cltv_value, Some(next_path_key));
            }
            (Ok(BlindedHopRead::Receive { path_id: got, values: v }), None) => {
                assert_eq!(got, path_id);
                assert_eq!(v, values);
            }
            // The HTLC stopped paying a relay or its minimum: the node refuses it, rightly.
            (Err(onion::blinded_payment::BlindedHopError::RelayUnpaid { .. }), Some(_))
            | (Err(onion::blinded_payment::BlindedHopError::BelowMinimum { .. }), _) => return,
            (other, f) => panic!("hop {i} (forward {}): {other:?}", f.is_some()),
        }
    }
}
