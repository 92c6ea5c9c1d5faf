//! Decoding a failure returned by the last hop of a 20-hop route (20 shared secrets): the
//! legacy 256-byte packet, the 1024-byte packet of attributable failures with its attribution
//! data checked at every hop, and building the failure at the erring node.
//!
//! LDK 0.2.7 has no public failure decoder (`process_onion_failure` is `pub(crate)` unless
//! LDK itself is compiled with `cfg(fuzzing)`), so there is no LDK figure beside ours here.
//!
//! Run: `cargo bench -p lnpay-onion --bench failure`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use lnpay_onion::attribution::{
    build_attributed_failure, decode_attributed_failure, forward_attributed_failure,
};
use lnpay_onion::crypto::SharedSecret;
use lnpay_onion::failure::{
    build_return_packet, decode_return_packet, wrap_return_packet, FailureMessage,
    ATTRIBUTABLE_PAYLOAD_LEN, LEGACY_PAYLOAD_LEN,
};
use types::Msat;

const HOPS: usize = 20;

fn secrets() -> Vec<SharedSecret> {
    (1..=HOPS as u8).map(|i| SharedSecret([i; 32])).collect()
}

fn message() -> Vec<u8> {
    FailureMessage::FeeInsufficient { htlc_msat: Msat(1_000_000), channel_update: vec![7; 136] }
        .encode()
}

fn bench(c: &mut Criterion) {
    let secrets = secrets();
    let erring = HOPS - 1;
    let msg = message();

    let mut legacy = build_return_packet(&secrets[erring], &msg, LEGACY_PAYLOAD_LEN).unwrap();
    for s in secrets[..erring].iter().rev() {
        wrap_return_packet(s, &mut legacy);
    }
    assert_eq!(decode_return_packet(&secrets, &legacy).unwrap().erring_index, erring);
    c.bench_function("ours/decode_failure_hop20_legacy256", |b| {
        b.iter(|| decode_return_packet(black_box(&secrets), black_box(&legacy)))
    });

    let built =
        build_attributed_failure(&secrets[erring], &msg, ATTRIBUTABLE_PAYLOAD_LEN, 1).unwrap();
    let (mut packet, mut attribution) = (built.packet, built.attribution);
    for s in secrets[..erring].iter().rev() {
        attribution = forward_attributed_failure(s, &mut packet, Some(attribution), 1);
    }
    let got = decode_attributed_failure(&secrets, &packet, Some(&attribution));
    assert_eq!(got.result.unwrap().erring_index, erring);
    assert_eq!(got.hold_times.len(), HOPS);
    c.bench_function("ours/decode_failure_hop20_no_attribution1024", |b| {
        b.iter(|| decode_return_packet(black_box(&secrets), black_box(&packet)))
    });
    c.bench_function("ours/decode_failure_hop20_attributed1024", |b| {
        b.iter(|| {
            decode_attributed_failure(black_box(&secrets), black_box(&packet), Some(&attribution))
        })
    });

    c.bench_function("ours/build_failure_legacy256", |b| {
        b.iter(|| build_return_packet(black_box(&secrets[0]), black_box(&msg), LEGACY_PAYLOAD_LEN))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
