//! Gossip speed: parse + verify a `channel_update` against the graph's node key (ours and
//! LDK 0.2.7's `NetworkGraph::verify_channel_update` after its own deserialization, on a
//! graph holding the channel), applying one, and signing one.
//!
//! `cargo bench -p lnpay-route --bench gossip`
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{SystemTime, UNIX_EPOCH};

use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use lightning::bitcoin::Network;
use lightning::ln::msgs;
use lightning::routing::gossip::NetworkGraph;
use lightning::util::logger::{Logger, Record};
use lightning::util::ser::LengthReadable;
use lnpay_route::gossip::{
    apply_channel_announcement, apply_channel_update, ChainHash, ChannelAnnouncement,
    ChannelUpdate, UnsignedChannelUpdate, MESSAGE_FLAG_MUST_BE_ONE,
};
use lnpay_route::graph::GraphBuilder;
use lnpay_route::{Msat, NodeId, ShortChannelId};
use secp256k1::{PublicKey, SecretKey, SECP256K1};

struct NoLog;
impl Logger for NoLog {
    fn log(&self, _record: Record) {}
}

fn bench(c: &mut Criterion) {
    let keys: Vec<SecretKey> =
        (1u8..=4).map(|i| SecretKey::from_slice(&[i; 32]).unwrap()).collect();
    let scid = ShortChannelId::new(800_000, 1, 0).unwrap();
    let chain = ChainHash::BITCOIN;
    let ann = ChannelAnnouncement::sign(chain, scid, &[], &keys[0], &keys[1], &keys[2], &keys[3]);
    let id0 = NodeId::from_pubkey(&PublicKey::from_secret_key(SECP256K1, &keys[0]));
    let secret_1 = if ann.contents.node_id_1 == id0 { keys[0] } else { keys[1] };
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs() as u32;
    let unsigned = UnsignedChannelUpdate {
        chain_hash: chain,
        short_channel_id: scid,
        timestamp: now - 60,
        message_flags: MESSAGE_FLAG_MUST_BE_ONE,
        channel_flags: 0,
        cltv_expiry_delta: 40,
        htlc_minimum_msat: Msat(1000),
        fee_base_msat: 1000,
        fee_proportional_millionths: 100,
        htlc_maximum_msat: Msat(1_000_000_000),
        excess_data: Vec::new(),
    };
    let update = unsigned.clone().sign(&secret_1);
    let bytes = update.encode();

    let mut builder = GraphBuilder::new();
    apply_channel_announcement(&mut builder, &ann, chain).unwrap();
    let ldk_graph = NetworkGraph::new(Network::Bitcoin, &NoLog);
    let mut r = &ann.encode()[2..];
    let ldk_ann = msgs::ChannelAnnouncement::read_from_fixed_length_buffer(&mut r).unwrap();
    ldk_graph.update_channel_from_announcement_no_lookup(&ldk_ann).unwrap();

    let mut g = c.benchmark_group("channel_update");
    g.bench_function("ours parse+verify", |b| {
        b.iter(|| {
            let msg = ChannelUpdate::parse(std::hint::black_box(&bytes)).unwrap();
            let (n1, n2) = builder.channel_nodes(msg.contents.short_channel_id).unwrap();
            let origin = if msg.contents.direction() == 0 { n1 } else { n2 };
            msg.verify(&origin).unwrap();
        })
    });
    g.bench_function("ldk parse+verify_channel_update", |b| {
        b.iter(|| {
            let mut r = &std::hint::black_box(&bytes)[2..];
            let msg = msgs::ChannelUpdate::read_from_fixed_length_buffer(&mut r).unwrap();
            ldk_graph.verify_channel_update(&msg).unwrap();
        })
    });
    g.bench_function("ours apply (parse+verify+store)", |b| {
        b.iter_batched_ref(
            || builder.clone(),
            |fresh| {
                let msg = ChannelUpdate::parse(&bytes).unwrap();
                apply_channel_update(fresh, &msg, chain).unwrap();
            },
            BatchSize::SmallInput,
        )
    });
    g.bench_function("ours sign+encode", |b| {
        b.iter(|| unsigned.clone().sign(std::hint::black_box(&secret_1)).encode())
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
