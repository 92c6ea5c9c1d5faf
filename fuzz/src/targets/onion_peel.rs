//! BOLT 4 onion peeling (`onion::packet::peel`) and the build/peel round trip.
//!
//! Checks, for any bytes:
//! - the bytes read as a packet (zero-padded or cut to 1366 bytes, the rest as associated data)
//!   never make `peel` panic, and its error maps to a BOLT 4 failure code of the right kind;
//! - the bytes read as a route (first byte: hop count 1..=20; then per hop a length byte and that
//!   many payload bytes) build an onion exactly when the payloads are long enough and fit the
//!   1300 bytes, and peeling it hop by hop with the hops' keys gives back every payload, the
//!   shared secrets the sender kept, and "final" exactly at the last hop;
//! - flipping one bit of the built packet's routing info or HMAC makes the first peel fail with
//!   `invalid_onion_hmac`.

use onion::packet::{self, BuildError, OnionPacket, PeelError, PACKET_LEN};
use onion::secp256k1::{PublicKey, Secp256k1, SecretKey};

fn key(i: usize) -> SecretKey {
    let mut k = [0x11u8; 32];
    k[31] = i as u8 + 1;
    match SecretKey::from_slice(&k) {
        Ok(k) => k,
        Err(e) => unreachable!("fixed key is valid: {e}"),
    }
}

/// Runs the checks above on `data`, panicking when one fails.
pub fn do_test(data: &[u8]) {
    peel_arbitrary(data);
    round_trip(data);
}

fn peel_arbitrary(data: &[u8]) {
    let mut bytes = [0u8; PACKET_LEN];
    let n = data.len().min(PACKET_LEN);
    bytes[..n].copy_from_slice(&data[..n]);
    let assoc = data.get(PACKET_LEN..).unwrap_or_default();
    let packet = match OnionPacket::from_bytes(&bytes) {
        Ok(p) => p,
        Err(e) => panic!("a {PACKET_LEN}-byte buffer is a packet: {e}"),
    };
    assert_eq!(packet.to_bytes(), bytes, "packet bytes round-trip");
    match packet::peel(&key(0), &packet, assoc) {
        Ok(peeled) => {
            assert!(peeled.payload.len() >= 2);
            if let Some(next) = peeled.next {
                assert_eq!(next.version, 0);
                assert!(PublicKey::from_slice(&next.public_key).is_ok());
                assert_ne!(next.hmac, [0u8; 32]);
            }
        }
        Err(e) => {
            let code = e.failure_code();
            match e {
                PeelError::UnknownVersion { version } => {
                    assert_ne!(version, 0);
                    assert_eq!(code, 0xc004);
                }
                PeelError::InvalidPublicKey { .. } => assert_eq!(code, 0xc006),
                PeelError::InvalidHmac { hmac } => {
                    assert_eq!(hmac, packet.hmac);
                    assert_eq!(code, 0xc005);
                }
                _ => assert_eq!(code & 0x8000, 0, "{e}: a payload error is not BADONION"),
            }
        }
    }
}

fn round_trip(data: &[u8]) {
    let Some((&count, mut rest)) = data.split_first() else { return };
    let hops = usize::from(count) % 20 + 1;
    let mut payloads = Vec::with_capacity(hops);
    for _ in 0..hops {
        let Some((&len, tail)) = rest.split_first() else { break };
        let len = usize::from(len).min(tail.len());
        payloads.push(tail[..len].to_vec());
        rest = &tail[len..];
    }
    if payloads.is_empty() {
        return;
    }
    let secp = Secp256k1::new();
    let route: Vec<(PublicKey, Vec<u8>)> = payloads
        .iter()
        .enumerate()
        .map(|(i, p)| (PublicKey::from_secret_key(&secp, &key(i)), p.clone()))
        .collect();
    let assoc = rest;
    let needed: usize = payloads.iter().map(|p| packet::hop_slot_len(p.len())).sum();
    let (onion, secrets) = match packet::build(&key(99), &route, assoc) {
        Ok(built) => built,
        Err(BuildError::PayloadTooShort { hop, len }) => {
            assert!(len < 2 && payloads[hop].len() == len);
            return;
        }
        Err(BuildError::PayloadsTooLong { needed: n, available }) => {
            assert!(payloads.iter().all(|p| p.len() >= 2));
            assert_eq!((n, available), (needed, 1300));
            assert!(needed > 1300);
            return;
        }
        Err(e) => panic!("unexpected build error {e}"),
    };
    assert!(payloads.iter().all(|p| p.len() >= 2) && needed <= 1300);
    assert_eq!(secrets.len(), payloads.len());

    // One flipped bit anywhere past the public key breaks the first hop's HMAC.
    if let Some(&pick) = data.get(1) {
        let mut bytes = onion.to_bytes();
        let at = 34 + usize::from(pick) * 5 % (PACKET_LEN - 34);
        bytes[at] ^= 1 << (pick % 8);
        let bad = match OnionPacket::from_bytes(&bytes) {
            Ok(p) => p,
            Err(e) => panic!("{e}"),
        };
        match packet::peel(&key(0), &bad, assoc) {
            Err(PeelError::InvalidHmac { .. }) => {}
            other => panic!("flipped byte {at} peeled as {other:?}"),
        }
    }

    let mut current = onion;
    for (i, payload) in payloads.iter().enumerate() {
        let peeled = match packet::peel(&key(i), &current, assoc) {
            Ok(p) => p,
            Err(e) => panic!("hop {i} of {}: {e}", payloads.len()),
        };
        assert_eq!(&peeled.payload, payload, "payload of hop {i}");
        assert_eq!(peeled.shared_secret, secrets[i], "shared secret of hop {i}");
        match peeled.next {
            Some(next) => {
                assert!(i + 1 < payloads.len(), "hop {i} is last but got a next packet");
                current = next;
            }
            None => assert_eq!(i + 1, payloads.len(), "hop {i} is not last but is final"),
        }
    }
}
