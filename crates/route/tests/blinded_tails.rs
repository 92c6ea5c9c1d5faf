//! Blinded tails as routing targets: each part routes to one tail's introduction node and
//! pays the tail's aggregate fee and CLTV delta exactly; parts spread over several tails
//! when none carries the amount alone; a tail that failed is avoided the next time for the
//! amount it failed at, still carries a smaller part, and is left out after failing again;
//! parts in flight through a tail leave the flow only the room they do not fill.

use lnpay_route::flow::{
    flow, route, tail_channel, tail_failed, tail_liquidity, tail_of_channel, tail_released,
    tail_sent, tail_succeeded, BlindedTail, FirstHop, FlowError, FlowParams,
};
use lnpay_route::graph::{EdgePolicy, Graph, GraphBuilder};
use lnpay_route::knowledge::{Knowledge, KnowledgeConfig};
use std::sync::Arc;
use types::{Msat, NodeId, ShortChannelId};

fn node(b: u8) -> NodeId {
    let mut a = [b; 33];
    a[0] = 2;
    NodeId::from_array(a).unwrap()
}

#[allow(clippy::too_many_arguments)]
fn add(g: &mut GraphBuilder, scid: u64, a: u8, b: u8, cap: u64, base: u32, ppm: u32, cltv: u16) {
    g.add_channel(ShortChannelId(scid), node(a), node(b), Some(Msat(cap)));
    for d in 0..2 {
        let p = EdgePolicy {
            timestamp: 1,
            enabled: true,
            base_fee_msat: base,
            fee_ppm: ppm,
            cltv_delta: cltv,
            htlc_min: Msat(1),
            htlc_max: Msat(cap),
        };
        g.update_direction(ShortChannelId(scid), d, p).unwrap();
    }
}

fn tail(intro: u8, base: u32, ppm: u32, cltv: u16) -> BlindedTail {
    BlindedTail {
        introduction: node(intro),
        fee_base_msat: base,
        fee_proportional_millionths: ppm,
        cltv_expiry_delta: cltv,
        htlc_min: Msat(1),
        htlc_max: Msat(u64::MAX / 4),
        liquidity: None,
    }
}

/// BOLT 4's aggregation of a blinded path's `payment_relay`s `(base, ppm, cltv)`, from the
/// payee backwards, as the payee communicates them in `blinded_payinfo` (the formulas as
/// BOLT 4 writes them, rounding up by adding 999,999).
#[allow(clippy::manual_div_ceil)]
fn aggregate(relays: &[(u64, u64, u16)], final_cltv: u16) -> (u32, u32, u16) {
    let (mut base, mut ppm, mut cltv) = (0u64, 0u64, final_cltv);
    for &(b, p, c) in relays.iter().rev() {
        base = (b * 1_000_000 + base * (1_000_000 + p) + 999_999) / 1_000_000;
        ppm = ((ppm + p) * 1_000_000 + ppm * p + 999_999) / 1_000_000;
        cltv += c;
    }
    (base as u32, ppm as u32, cltv)
}

/// What the introduction node must receive so that each blinded hop, charging its own
/// `payment_relay` fee as BOLT 7 does, leaves the payee `amount`.
fn needed_hop_by_hop(relays: &[(u64, u64, u16)], amount: u64) -> u64 {
    let mut a = amount;
    for &(b, p, _) in relays.iter().rev() {
        a += b + a * p / 1_000_000;
    }
    a
}

#[test]
fn a_part_pays_the_tail_aggregate_fee_and_cltv_as_bolt4_and_bolt12_have_them() {
    // 1 -> 2 -> 3; the blinded path starts at 3 and has two relays inside it.
    let mut g = GraphBuilder::new();
    add(&mut g, 1, 1, 2, 1_000_000_000, 0, 0, 6);
    add(&mut g, 2, 2, 3, 1_000_000_000, 1_000, 100, 40);
    let g = g.build();
    let relays = [(1_000u64, 150u64, 40u16), (500, 2_500, 144)];
    let (base, ppm, cltv) = aggregate(&relays, 18);
    assert_eq!((base, ppm, cltv), (1_501, 2_651, 202));
    let snap = Knowledge::new(KnowledgeConfig::default()).snapshot(&g, 0);
    let amount = 1_234_567u64;
    let mut p = FlowParams::new(node(1), node(99), Msat(amount));
    p.final_cltv = 0;
    p.blinded_tails = vec![tail(3, base, ppm, cltv)];
    for part in [route(&g, &snap, &p).unwrap(), flow(&g, &snap, &p).unwrap().parts.remove(0)] {
        assert_eq!(part.blinded_tail, Some(0));
        assert_eq!(part.amount, Msat(amount));
        let ids: Vec<NodeId> = part.hops.iter().map(|h| h.id).collect();
        assert_eq!(ids, vec![node(2), node(3)], "the last hop reaches the introduction node");
        // Into the introduction node: the amount plus the tail's fee (BOLT 12 payer).
        let tail_fee = base as u64 + amount * ppm as u64 / 1_000_000;
        let at_intro = amount + tail_fee;
        assert_eq!(part.hops[1].amount.0, at_intro);
        assert_eq!(part.hops[1].delay, cltv as u32);
        // The aggregate rounds up: it always covers the relays' own fees.
        assert!(at_intro >= needed_hop_by_hop(&relays, amount));
        assert!(at_intro - needed_hop_by_hop(&relays, amount) <= 2);
        // Node 2 charges on what it forwards, as for any hop.
        let fee2 = 1_000 + at_intro * 100 / 1_000_000;
        assert_eq!(part.hops[0].amount.0, at_intro + fee2);
        assert_eq!(part.hops[0].delay, cltv as u32 + 40);
        assert_eq!(part.fee.0, tail_fee + fee2);
    }
}

/// 1 has a channel of 400k to each of 2, 3 and 4; a blinded path starts at each.
fn three_ways() -> (Arc<Graph>, FlowParams) {
    let mut g = GraphBuilder::new();
    add(&mut g, 1, 1, 2, 1_000_000, 0, 0, 6);
    add(&mut g, 2, 1, 3, 1_000_000, 0, 0, 6);
    add(&mut g, 3, 1, 4, 1_000_000, 0, 0, 6);
    let g = g.build();
    let mut p = FlowParams::new(node(1), node(99), Msat(1_000_000));
    p.final_cltv = 0;
    p.first_hops = (2..=4)
        .map(|peer| FirstHop {
            scid: ShortChannelId(peer as u64 - 1),
            peer: node(peer),
            spendable: Msat(400_000),
        })
        .collect();
    p.blinded_tails = vec![tail(2, 100, 100, 50), tail(3, 200, 200, 60), tail(4, 300, 300, 70)];
    (g, p)
}

#[test]
fn no_tail_carries_the_amount_alone_so_parts_spread_over_all_three() {
    let (g, p) = three_ways();
    let snap = Knowledge::new(KnowledgeConfig::default()).snapshot(&g, 0);
    let f = flow(&g, &snap, &p).unwrap();
    assert_eq!(f.amount, Msat(1_000_000));
    let mut used: Vec<usize> = f.parts.iter().filter_map(|x| x.blinded_tail).collect();
    used.sort();
    used.dedup();
    assert_eq!(used, vec![0, 1, 2]);
    for part in &f.parts {
        let t = &p.blinded_tails[part.blinded_tail.unwrap()];
        let last = part.hops.last().unwrap();
        assert_eq!(last.id, t.introduction);
        assert_eq!(last.amount, part.amount.saturating_add(t.fee(part.amount)));
        assert_eq!(last.delay, t.cltv_expiry_delta as u32);
        assert!(last.amount.0 <= 400_000);
    }
    // One part alone cannot.
    let single = FlowParams { max_parts: 1, ..p.clone() };
    assert!(matches!(flow(&g, &snap, &single), Err(FlowError::InsufficientLiquidity { .. })));
    // Nor two when the third tail is left out.
    let mut two = p.clone();
    two.exclude_channels.push(tail_channel(2));
    let f2 = flow(&g, &snap, &two);
    assert!(f2.is_err(), "800k of channels cannot carry 1M: {f2:?}");
}

#[test]
fn a_tail_that_failed_inside_the_blinded_path_is_avoided_next_time() {
    // 1 -> 2 -> {3, 4}; the tail at 3 is cheaper than the one at 4.
    let mut g = GraphBuilder::new();
    add(&mut g, 1, 1, 2, 100_000_000, 0, 0, 6);
    add(&mut g, 2, 2, 3, 100_000_000, 10, 10, 6);
    add(&mut g, 3, 2, 4, 100_000_000, 10, 10, 6);
    let g = g.build();
    let mut knowledge = Knowledge::new(KnowledgeConfig::default());
    let mut p = FlowParams::new(node(1), node(99), Msat(2_000_000));
    p.final_cltv = 0;
    p.blinded_tails = vec![tail(3, 0, 0, 40), tail(4, 1_000, 1_000, 40)];
    let first = flow(&g, &knowledge.snapshot(&g, 0), &p).unwrap();
    assert_eq!(first.parts.len(), 1);
    let part = &first.parts[0];
    assert_eq!(part.blinded_tail, Some(0));
    // The introduction node answered invalid_onion_blinding: every channel up to it carried
    // the part (the payee position of our hops), the tail did not.
    knowledge.part_sent(&part.hops);
    knowledge.part_failed(&g, &part.hops, part.hops.len(), 0x8000 | 0x4000 | 24, 10);
    // It failed at the amount it was asked to deliver: the tail carries less than that.
    let limits = (p.blinded_tails[0].htlc_min, p.blinded_tails[0].htlc_max);
    assert!(!tail_failed(&mut knowledge, 0, part.amount, limits, 10));
    assert!(knowledge.learned(tail_channel(0)).is_some());
    assert_eq!(tail_of_channel(tail_channel(0)), Some(0));
    for (i, t) in p.blinded_tails.iter_mut().enumerate() {
        t.liquidity = tail_liquidity(&knowledge, i, t.htlc_max, 10);
    }
    assert!(p.blinded_tails[0].liquidity.is_some() && p.blinded_tails[1].liquidity.is_none());
    // The failed tail is no longer asked for the amount it failed at: the flow takes the
    // other tail for the rest of it, and may still try a smaller part through the first.
    let again = flow(&g, &knowledge.snapshot(&g, 10), &p).unwrap();
    assert_eq!(again.amount, Msat(2_000_000));
    let [first_tail, second_tail] = through_tails(&again, 2)[..] else { unreachable!() };
    assert!(first_tail > 0 && first_tail < 2_000_000 && second_tail > 0, "{again:?}");
    // That part fails inside the path too, nothing having passed it in between: the tail is
    // held unusable and the flow leaves it for the other.
    assert!(tail_failed(&mut knowledge, 0, Msat(first_tail), limits, 11));
    for (i, t) in p.blinded_tails.iter_mut().enumerate() {
        t.liquidity = tail_liquidity(&knowledge, i, t.htlc_max, 11);
    }
    let again = flow(&g, &knowledge.snapshot(&g, 11), &p).unwrap();
    assert_eq!(again.amount, Msat(2_000_000));
    assert!(again.parts.iter().all(|x| x.blinded_tail == Some(1)), "{again:?}");
    // Before anything was learned, the same call took the cheaper tail.
    let fresh: Vec<_> =
        p.blinded_tails.iter().map(|t| BlindedTail { liquidity: None, ..t.clone() }).collect();
    let before =
        flow(&g, &knowledge.snapshot(&g, 10), &FlowParams { blinded_tails: fresh, ..p.clone() })
            .unwrap();
    assert!(before.parts.iter().all(|x| x.blinded_tail == Some(0)));
}

#[test]
fn a_tail_whose_introduction_node_is_unknown_is_no_route() {
    let mut g = GraphBuilder::new();
    add(&mut g, 1, 1, 2, 1_000_000, 0, 0, 6);
    let g = g.build();
    let snap = Knowledge::new(KnowledgeConfig::default()).snapshot(&g, 0);
    let mut p = FlowParams::new(node(1), node(99), Msat(1_000));
    p.blinded_tails = vec![tail(7, 0, 0, 40)];
    assert!(flow(&g, &snap, &p).is_err());
    // Without tails, the same destination is simply unknown.
    p.blinded_tails.clear();
    assert!(matches!(flow(&g, &snap, &p), Err(FlowError::UnknownDestination { .. })));
}

/// 1 -> 2 -> 3 over channels of 10M; one blinded path from 3 of `htlc_max`, with what
/// `knowledge` knows of it.
fn one_tail(
    knowledge: &Knowledge,
    amount: u64,
    htlc_max: u64,
    now: u64,
) -> (Arc<Graph>, FlowParams) {
    let mut g = GraphBuilder::new();
    add(&mut g, 1, 1, 2, 10_000_000, 0, 0, 6);
    add(&mut g, 2, 2, 3, 10_000_000, 0, 0, 6);
    let g = g.build();
    let mut p = FlowParams::new(node(1), node(99), Msat(amount));
    p.final_cltv = 0;
    let mut t = tail(3, 0, 0, 40);
    t.htlc_max = Msat(htlc_max);
    t.liquidity = tail_liquidity(knowledge, 0, t.htlc_max, now);
    p.blinded_tails = vec![t];
    (g, p)
}

/// What a flow of `p` delivers through each tail.
fn through_tails(f: &lnpay_route::flow::Flow, tails: usize) -> Vec<u64> {
    let mut v = vec![0; tails];
    for part in &f.parts {
        v[part.blinded_tail.unwrap()] += part.amount.0;
    }
    v
}

#[test]
fn a_tail_that_failed_a_large_part_still_carries_a_smaller_one_and_a_second_failure_ends_it() {
    let mut knowledge = Knowledge::new(KnowledgeConfig::default());
    let limits = (Msat(1), Msat(5_000_000));
    // A part of 4M failed inside the path (a channel in it holds less).
    assert!(!tail_failed(&mut knowledge, 0, Msat(4_000_000), limits, 10));
    let learned = knowledge.learned(tail_channel(0)).unwrap();
    assert_eq!((learned.min, learned.max), (Msat(0), Some(Msat(3_999_999))));
    // The flow no longer asks 4M of it, but 1M still goes through, in one part or more.
    let (g, p) = one_tail(&knowledge, 4_000_000, 5_000_000, 10);
    assert!(flow(&g, &knowledge.snapshot(&g, 10), &p).is_err());
    let (g, p) = one_tail(&knowledge, 1_000_000, 5_000_000, 10);
    let f = flow(&g, &knowledge.snapshot(&g, 10), &p).unwrap();
    assert_eq!(through_tails(&f, 1), vec![1_000_000]);
    let part = route(&g, &knowledge.snapshot(&g, 10), &p).unwrap();
    assert_eq!((part.blinded_tail, part.amount), (Some(0), Msat(1_000_000)));
    // It failed again, smaller, with nothing carried since: not liquidity a smaller part
    // would find (a channel inside is down); the tail is held unusable.
    assert!(tail_failed(&mut knowledge, 0, Msat(1_000_000), limits, 20));
    let (g, p) = one_tail(&knowledge, 10_000, 5_000_000, 20);
    assert!(flow(&g, &knowledge.snapshot(&g, 20), &p).is_err());
    // A part it carried in between makes the next failure liquidity again.
    let mut knowledge = Knowledge::new(KnowledgeConfig::default());
    assert!(!tail_failed(&mut knowledge, 0, Msat(4_000_000), limits, 10));
    tail_succeeded(&mut knowledge, 0, Msat(500_000), limits.1, 11);
    assert!(!tail_failed(&mut knowledge, 0, Msat(2_000_000), limits, 12));
    let (g, p) = one_tail(&knowledge, 1_000_000, 5_000_000, 12);
    assert_eq!(through_tails(&flow(&g, &knowledge.snapshot(&g, 12), &p).unwrap(), 1), [1_000_000]);
    // A part no larger than the path's htlc_min that fails leaves nothing smaller to try.
    let mut knowledge = Knowledge::new(KnowledgeConfig::default());
    assert!(tail_failed(&mut knowledge, 0, Msat(1_000), (Msat(1_000), limits.1), 10));
    let (g, p) = one_tail(&knowledge, 1_000, 5_000_000, 10);
    assert!(flow(&g, &knowledge.snapshot(&g, 10), &p).is_err());
}

#[test]
fn a_part_in_flight_through_a_tail_leaves_the_flow_the_rest_of_its_room() {
    // 1 -> 2 -> {3, 4}; the tail at 3 is cheaper and known to carry 500k (a part of 500k
    // passed it); the tail at 4 is unknown.
    let mut g = GraphBuilder::new();
    add(&mut g, 1, 1, 2, 100_000_000, 0, 0, 6);
    add(&mut g, 2, 2, 3, 100_000_000, 10, 10, 6);
    add(&mut g, 3, 2, 4, 100_000_000, 10, 10, 6);
    let g = g.build();
    let mut knowledge = Knowledge::new(KnowledgeConfig::default());
    let mut p = FlowParams::new(node(1), node(99), Msat(300_000));
    p.final_cltv = 0;
    p.blinded_tails = vec![tail(3, 0, 0, 40), tail(4, 1_000, 1_000, 40)];
    for t in &mut p.blinded_tails {
        t.htlc_max = Msat(500_000);
    }
    tail_succeeded(&mut knowledge, 0, Msat(500_000), Msat(500_000), 10);
    let with = |knowledge: &Knowledge, p: &FlowParams| {
        let mut p = p.clone();
        for (i, t) in p.blinded_tails.iter_mut().enumerate() {
            t.liquidity = tail_liquidity(knowledge, i, t.htlc_max, 10);
        }
        through_tails(&flow(&g, &knowledge.snapshot(&g, 10), &p).unwrap(), 2)
    };
    // Nothing out: all of it through the cheaper tail.
    assert_eq!(with(&knowledge, &p), [300_000, 0]);
    // 400k in flight through it: 100k of room is left there, the rest goes to the other.
    tail_sent(&mut knowledge, 0, Msat(400_000));
    let l = tail_liquidity(&knowledge, 0, Msat(500_000), 10).unwrap();
    assert_eq!((l.lo, l.hi, l.in_flight), (500_000, 500_000, 400_000));
    let [first, second] = with(&knowledge, &p)[..] else { unreachable!() };
    assert!(first <= 100_000 && first + second == 300_000, "{first} {second}");
    assert!(second >= 200_000);
    // Resolved, it is released: the cheaper tail takes it all again.
    tail_released(&mut knowledge, 0, Msat(400_000));
    assert_eq!(tail_liquidity(&knowledge, 0, Msat(500_000), 10).map(|l| l.in_flight), Some(0));
    assert_eq!(with(&knowledge, &p), [300_000, 0]);
    // Of a tail nothing is known of, the flow assumes it carries what it is asked (within its
    // htlc_max per part), as in the flow that sent the parts: in flight alone changes nothing.
    tail_sent(&mut knowledge, 1, Msat(400_000));
    assert!(knowledge.learned(tail_channel(1)).is_none(), "in flight is not learned");
    assert_eq!(tail_liquidity(&knowledge, 1, Msat(500_000), 10), None);
    // Once something is learned of it, what is in flight counts.
    assert!(!tail_failed(&mut knowledge, 1, Msat(450_000), (Msat(1), Msat(500_000)), 10));
    let l = tail_liquidity(&knowledge, 1, Msat(500_000), 10).unwrap();
    assert_eq!((l.hi, l.in_flight, l.possible()), (449_999, 400_000, 49_999));
}
