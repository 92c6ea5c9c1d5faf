//! Decoding the 16 valid BOLT 11 examples: ours beside lightning-invoice, in the same run.
//!
//! Both sides do the whole job a payer needs: parse, check the fields, check the signature
//! and know the payee (LDK's `get_payee_pub_key` recovers it again when `n` is absent).
//! Run: `cargo bench -p lnpay-bolt11 --bench decode`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;
use std::str::FromStr;

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

fn decode(c: &mut Criterion) {
    let list = invoices();
    let mut g = c.benchmark_group("bolt11_decode_16_examples");
    g.throughput(Throughput::Elements(list.len() as u64));
    g.bench_function("lnpay", |b| {
        b.iter(|| {
            for s in &list {
                let inv = Invoice::from_str(black_box(s)).expect("decodes");
                black_box(inv.payee_pubkey());
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
