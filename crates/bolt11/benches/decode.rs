//! Decoding the 16 valid BOLT 11 examples: ours beside lightning-invoice, in the same run.
//!
//! Both sides do the whole job a payer needs: parse, check the fields, check the signature
//! and know the payee (LDK's `get_payee_pub_key` recovers it again when `n` is absent).
//! Run: `cargo bench -p lnpay-bolt11 --bench decode`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;
use std::str::FromStr;
use std::time::Instant;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use lnpay_bolt11::Invoice;

const VECTORS: &str =
    concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/vectors/bolt11-examples.json");

fn invoices() -> Vec<String> {
    let text = std::fs::read_to_string(VECTORS)
        .unwrap_or_else(|e| panic!("cannot read the BOLT 11 examples at {VECTORS}: {e}"));
    let v: serde_json::Value = serde_json::from_str(&text).expect("json");
    let list: Vec<String> = v["valid"]
        .as_array()
        .expect("valid")
        .iter()
        .map(|c| c["invoice"].as_str().expect("invoice").to_owned())
        .collect();
    assert_eq!(list.len(), 16);
    list
}

fn ours(list: &[String]) {
    for s in list {
        let inv = Invoice::from_str(black_box(s)).expect("decodes");
        black_box(inv.payee_pubkey());
    }
}

fn ldk(list: &[String]) {
    for s in list {
        let inv = lightning_invoice::Bolt11Invoice::from_str(black_box(s)).expect("decodes");
        black_box(inv.get_payee_pub_key());
    }
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// On a shared machine the load changes between criterion's measurement windows: this times
/// both sides alternately, round after round, so each round's pair sees the same load, and
/// prints the medians and their ratio.
fn interleaved(list: &[String]) {
    const ROUNDS: usize = 400;
    let (mut a, mut b) = (Vec::with_capacity(ROUNDS), Vec::with_capacity(ROUNDS));
    for round in 0..ROUNDS + 20 {
        let t = Instant::now();
        ours(list);
        let ours_t = t.elapsed().as_secs_f64();
        let t = Instant::now();
        ldk(list);
        let ldk_t = t.elapsed().as_secs_f64();
        if round >= 20 {
            a.push(ours_t);
            b.push(ldk_t);
        }
    }
    let ratios: Vec<f64> = a.iter().zip(&b).map(|(x, y)| y / x).collect();
    let (ma, mb) = (median(a), median(b));
    println!(
        "interleaved, {ROUNDS} rounds of the 16 examples: lnpay median {:.1} us/invoice, \
         lightning-invoice median {:.1} us/invoice, ratio of medians {:.2}, median of per-round \
         ratios {:.2}",
        ma * 1e6 / list.len() as f64,
        mb * 1e6 / list.len() as f64,
        mb / ma,
        median(ratios)
    );
}

fn decode(c: &mut Criterion) {
    let list = invoices();
    interleaved(&list);
    let mut g = c.benchmark_group("bolt11_decode_16_examples");
    g.throughput(Throughput::Elements(list.len() as u64));
    g.bench_function("lnpay", |b| b.iter(|| ours(&list)));
    // Where our time goes: syntax only (bech32, human-readable part, framing), no fields
    // read and no signature checked.
    g.bench_function("lnpay_parse_only", |b| {
        b.iter(|| {
            for s in &list {
                black_box(lnpay_bolt11::RawInvoice::parse(black_box(s)).expect("parses"));
            }
        })
    });
    g.bench_function("lightning-invoice", |b| {
        b.iter(|| {
            for s in &list {
                let inv =
                    lightning_invoice::Bolt11Invoice::from_str(black_box(s)).expect("decodes");
                black_box(inv.get_payee_pub_key());
            }
        })
    });
    g.finish();
}

criterion_group!(benches, decode);
criterion_main!(benches);
