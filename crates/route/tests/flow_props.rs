//! Properties of flows on random small graphs with random knowledge: the parts sum to the
//! amount, no directed channel carries more than its upper liquidity bound (nor a hop more
//! than its `htlc_max` or less than its `htlc_min`), the fee is within budget, there are never
//! more parts than the cap nor parts below the minimum, and every hop's amount and delay
//! follow BOLT 7 from the next hop's.

use lnpay_route::flow::{flow, FlowError, FlowParams};
use lnpay_route::graph::{EdgePolicy, GraphBuilder};
use lnpay_route::knowledge::{Knowledge, KnowledgeConfig};
use proptest::prelude::*;
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use types::{Msat, NodeId, ShortChannelId, ShortChannelIdDir};

fn node(b: u8) -> NodeId {
    let mut a = [b; 33];
    a[0] = 2;
    NodeId::from_array(a).unwrap()
}

#[derive(Debug, Clone)]
struct Chan {
    a: u8,
    b: u8,
    cap: u64,
    base: u32,
    ppm: u32,
    cltv: u16,
    htlc_min: u64,
    /// Learned upper bound in each direction, as a fraction (ppm) of the capacity.
    known_hi: [Option<u32>; 2],
}

fn chan() -> impl Strategy<Value = Chan> {
    (
        1u8..9,
        1u8..9,
        100_000u64..5_000_000,
        0u32..2000,
        0u32..3000,
        6u16..150,
        prop_oneof![Just(1u64), 1u64..20_000],
        [proptest::option::of(0u32..1_000_000), proptest::option::of(0u32..1_000_000)],
    )
        .prop_map(|(a, b, cap, base, ppm, cltv, htlc_min, known_hi)| Chan {
            a,
            b,
            cap,
            base,
            ppm,
            cltv,
            htlc_min,
            known_hi,
        })
}

static ROUTED: AtomicUsize = AtomicUsize::new(0);

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    fn flows_respect_every_limit(
        chans in proptest::collection::vec(chan(), 4..24),
        amount in 1_000u64..4_000_000,
        max_parts in 1usize..6,
        min_part in prop_oneof![Just(0u64), 1_000u64..200_000],
        fee_ppm in 100u64..20_000,
        prob_cost_ppm in prop_oneof![Just(0u64), Just(1_000u64), 10_000u64..200_000],
    ) {
        let mut g = GraphBuilder::new();
        let mut k = Knowledge::new(KnowledgeConfig::default());
        for (i, c) in chans.iter().enumerate() {
            let scid = ShortChannelId(i as u64 + 1);
            if !g.add_channel(scid, node(c.a), node(c.b), Some(Msat(c.cap))) {
                continue;
            }
            for d in 0..2u8 {
                let p = EdgePolicy {
                    timestamp: 1,
                    enabled: true,
                    base_fee_msat: c.base,
                    fee_ppm: c.ppm,
                    cltv_delta: c.cltv,
                    htlc_min: Msat(c.htlc_min),
                    htlc_max: Msat(c.cap),
                };
                g.update_direction(scid, d, p).unwrap();
                if let Some(f) = c.known_hi[d as usize] {
                    let hi = c.cap * f as u64 / 1_000_000;
                    let cd = ShortChannelIdDir::new(scid, d).unwrap();
                    k.learn_less_than(cd, Msat(hi + 1), Some(Msat(c.cap)), 0);
                }
            }
        }
        let g = g.build();
        let snap = k.snapshot(&g, 0);
        let mut p = FlowParams::new(node(1), node(2), Msat(amount));
        p.max_parts = max_parts;
        p.min_part = Msat(min_part);
        p.max_fee = Msat(amount * fee_ppm / 1_000_000 + 1_000);
        p.prob_cost_ppm = prob_cost_ppm;
        p.max_delay = 500;
        let f = match flow(&g, &snap, &p) {
            Ok(f) => f,
            Err(FlowError::InsufficientLiquidity { deliverable, .. }) => {
                prop_assert!(deliverable < Msat(amount));
                return Ok(());
            }
            Err(FlowError::TooExpensive { fee, max_fee }) => {
                prop_assert!(fee > max_fee);
                return Ok(());
            }
            Err(e) => {
                // Payer or payee without channels.
                prop_assert!(matches!(e, FlowError::UnknownSource { .. } | FlowError::UnknownDestination { .. }), "{e}");
                return Ok(());
            }
        };
        ROUTED.fetch_add(1, Ordering::Relaxed);
        prop_assert_eq!(f.parts.iter().map(|x| x.amount.0).sum::<u64>(), amount);
        prop_assert_eq!(f.amount, Msat(amount));
        prop_assert!(f.fee <= p.max_fee);
        prop_assert!(f.parts.len() <= max_parts && !f.parts.is_empty());
        prop_assert!(f.probability > 0.0 && f.probability <= 1.0);
        let mut load: HashMap<ShortChannelIdDir, u64> = HashMap::new();
        for part in &f.parts {
            prop_assert!(part.amount.0 >= min_part.min(amount));
            prop_assert!(part.hops.len() <= p.max_hops);
            prop_assert_eq!(part.hops.last().map(|h| (h.id, h.amount, h.delay)), Some((node(2), part.amount, p.final_cltv)));
            prop_assert!(part.hops[0].delay <= p.max_delay);
            for (i, h) in part.hops.iter().enumerate() {
                let e = g.edge(g.edge_of(h.channel, h.direction).unwrap()).unwrap();
                prop_assert!(h.amount >= e.htlc_min && h.amount <= e.htlc_max);
                *load.entry(h.channel_dir()).or_default() += h.amount.0;
                if let Some(next) = part.hops.get(i + 1) {
                    let ne = g.edge(g.edge_of(next.channel, next.direction).unwrap()).unwrap();
                    prop_assert_eq!(h.amount, next.amount.saturating_add(ne.fee(next.amount)));
                    prop_assert_eq!(h.delay, next.delay + ne.cltv_delta as u32);
                }
            }
            prop_assert_eq!(part.fee.0, part.hops[0].amount.0 - part.amount.0);
        }
        for (c, a) in load {
            let l = snap.liquidity(g.edge_of(c.scid, c.direction).unwrap());
            prop_assert!(a <= l.hi, "{} carries {} > upper bound {}", c, a, l.hi);
        }
    }
}

#[test]
fn flows_respect_every_limit_on_random_graphs() {
    flows_respect_every_limit();
    // The property cannot pass empty: enough cases must have produced a flow.
    let routed = ROUTED.load(Ordering::Relaxed);
    assert!(routed >= 40, "only {routed} of 200 random cases routed");
}
