//! BOLT 4 failure return packets (`onion::failure`, `onion::attribution`), against a fixed
//! route of five shared secrets.
//!
//! Checks, for any bytes:
//! - read as a return packet (and, when long enough, its tail as attribution data), decoding
//!   never panics; a decoded failure names a hop of the route, its raw message starts with the
//!   code the typed message reports and parses to that typed message again; with or without
//!   attribution data the failure found is the same; an undecodable packet reports the length
//!   and the five hops tried;
//! - read as a recipe (erring hop, payload length, hold times, failure code and data), the
//!   failure built at that hop and wrapped by the hops before it decodes back to the same hop,
//!   bytes and code, with every hop's hold time up to the erring one checked; the typed message
//!   re-encodes to bytes that parse to the same message.

use onion::attribution::{
    build_attributed_failure, decode_attributed_failure, forward_attributed_failure,
    AttributionData, ATTRIBUTION_DATA_LEN,
};
use onion::crypto::SharedSecret;
use onion::failure::{
    decode_return_packet, DecodeFailureError, FailureMessage, ATTRIBUTABLE_PAYLOAD_LEN,
    LEGACY_PAYLOAD_LEN,
};

const HOPS: usize = 5;

fn secrets() -> [SharedSecret; HOPS] {
    [1u8, 2, 3, 4, 5].map(|i| SharedSecret([i; 32]))
}

fn check_received(secrets: &[SharedSecret], data: &[u8]) {
    let plain = decode_return_packet(secrets, data);
    match &plain {
        Ok(d) => {
            assert!(d.erring_index < HOPS, "erring index {}", d.erring_index);
            assert!(d.raw.len() >= 2);
            assert_eq!(d.failure.code(), u16::from_be_bytes([d.raw[0], d.raw[1]]));
            assert_eq!(FailureMessage::decode(&d.raw).as_ref(), Ok(&d.failure));
        }
        Err(DecodeFailureError::Unattributable { len, hops }) => {
            assert_eq!((*len, *hops), (data.len(), HOPS));
        }
        Err(DecodeFailureError::TooShort { len }) => assert_eq!(*len, data.len()),
        Err(DecodeFailureError::Malformed { erring_index, .. }) => assert!(*erring_index < HOPS),
        Err(other) => panic!("unexpected error {other:?}"),
    }
    if data.len() > ATTRIBUTION_DATA_LEN {
        let (packet, tail) = data.split_at(data.len() - ATTRIBUTION_DATA_LEN);
        let attribution = AttributionData::from_slice(tail).ok();
        let with = decode_attributed_failure(secrets, packet, attribution.as_ref());
        let without = decode_return_packet(secrets, packet);
        assert_eq!(with.result, without, "attribution data changed the failure found");
        assert!(with.hold_times.len() <= HOPS);
    }
}

fn check_built(secrets: &[SharedSecret], data: &[u8]) {
    let [erring, flags, hold, code_hi, code_lo, rest @ ..] = data else { return };
    let erring = usize::from(*erring) % HOPS;
    let payload_len = if flags & 1 == 0 { LEGACY_PAYLOAD_LEN } else { ATTRIBUTABLE_PAYLOAD_LEN };
    let mut message = vec![*code_hi, *code_lo];
    message.extend_from_slice(rest.get(..rest.len().min(1200)).unwrap_or(rest));
    let code = u16::from_be_bytes([*code_hi, *code_lo]);

    let built = build_attributed_failure(&secrets[erring], &message, payload_len, u32::from(*hold))
        .unwrap_or_else(|e| panic!("cannot build a failure of {} bytes: {e}", message.len()));
    let mut packet = built.packet;
    assert!(packet.len() >= 32 + 4 + payload_len.max(message.len()));
    let mut attribution = built.attribution;
    for (i, s) in secrets[..erring].iter().enumerate().rev() {
        attribution = forward_attributed_failure(s, &mut packet, Some(attribution), i as u32);
    }
    let plain = decode_return_packet(secrets, &packet)
        .unwrap_or_else(|e| panic!("failure built at hop {erring} does not decode: {e}"));
    assert_eq!((plain.erring_index, plain.failure.code()), (erring, code));
    assert_eq!(plain.raw, message);
    let got = decode_attributed_failure(secrets, &packet, Some(&attribution));
    assert_eq!(got.result.as_ref(), Ok(&plain));
    assert_eq!(got.attribution_failed_at, None);
    let mut expected: Vec<u32> = (0..erring as u32).collect();
    expected.push(u32::from(*hold));
    assert_eq!(got.hold_times, expected);

    let reencoded = plain.failure.encode();
    assert_eq!(FailureMessage::decode(&reencoded).as_ref(), Ok(&plain.failure));
}

/// Runs the checks above on `data`, panicking when one fails.
pub fn do_test(data: &[u8]) {
    let secrets = secrets();
    check_received(&secrets, data);
    check_built(&secrets, data);
}
