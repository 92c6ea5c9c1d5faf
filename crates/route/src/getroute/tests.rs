//! Unit tests of `getroute` on small hand-built graphs.

use super::*;
use crate::graph::{EdgePolicy, GraphBuilder};
use std::sync::Arc;

fn node(c: char) -> NodeId {
    let mut a = [c as u8; 33];
    a[0] = 2;
    NodeId::from_array(a).unwrap()
}

fn scid(i: u64) -> ShortChannelId {
    ShortChannelId::new(100 + i, 1, 0).unwrap()
}

#[derive(Clone, Copy)]
struct P {
    base: u32,
    ppm: u32,
    cltv: u16,
    min: u64,
    max: u64,
    enabled: bool,
}

const fn p(base: u32, ppm: u32, cltv: u16) -> P {
    P { base, ppm, cltv, min: 0, max: u64::MAX, enabled: true }
}

/// Adds channel `i` between `from` and `to` with `from`'s policy in the from→to direction
/// (and the same policy the other way).
fn chan(b: &mut GraphBuilder, i: u64, from: char, to: char, pol: P) {
    let (f, t) = (node(from), node(to));
    b.add_channel(scid(i), f, t, None);
    let policy = |q: P| EdgePolicy {
        timestamp: 1,
        enabled: q.enabled,
        base_fee_msat: q.base,
        fee_ppm: q.ppm,
        cltv_delta: q.cltv,
        htlc_min: Msat(q.min),
        htlc_max: Msat(q.max),
    };
    let dir = u8::from(f > t);
    b.update_direction(scid(i), dir, policy(pol)).unwrap();
    b.update_direction(scid(i), 1 - dir, policy(p(0, 0, 6))).unwrap();
}

/// Sets only the from→to direction's policy of channel `i`.
fn set(b: &mut GraphBuilder, i: u64, from: char, to: char, q: P) {
    let dir = u8::from(node(from) > node(to));
    let policy = EdgePolicy {
        timestamp: 2,
        enabled: q.enabled,
        base_fee_msat: q.base,
        fee_ppm: q.ppm,
        cltv_delta: q.cltv,
        htlc_min: Msat(q.min),
        htlc_max: Msat(q.max),
    };
    b.update_direction(scid(i), dir, policy).unwrap();
}

fn req(from: char, to: char, amount: u64) -> RouteRequest {
    let mut r = RouteRequest::new(node(from), node(to), Msat(amount), 0);
    r.fuzz_percent = 0.0;
    r
}

/// The route as `(node, channel index, amount, delay)`.
fn hops(g: &Graph, r: &RouteRequest) -> Result<Vec<(char, u64, u64, u32)>, RouteError> {
    let route = get_route(g, r)?;
    Ok(route
        .hops
        .iter()
        .map(|h| {
            let c = h.id.as_bytes()[1] as char;
            (c, h.channel.block() as u64 - 100, h.amount.msat(), h.delay)
        })
        .collect())
}

/// The BOLT 7 routing example: A, B, C, D with channels A-B, A-D, B-C, D-C.
fn bolt7() -> Arc<Graph> {
    let mut b = GraphBuilder::new();
    let pol = |c| match c {
        'A' => p(100, 1000, 10),
        'B' => p(200, 2000, 20),
        'C' => p(300, 3000, 30),
        _ => p(400, 4000, 40),
    };
    for (i, (x, y)) in [('A', 'B'), ('A', 'D'), ('B', 'C'), ('D', 'C')].into_iter().enumerate() {
        chan(&mut b, i as u64, x, y, pol(x));
        set(&mut b, i as u64, y, x, pol(y));
    }
    b.build()
}

#[test]
fn bolt7_routing_example_vector() {
    let path =
        concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/vectors/bolt07-routing-example.json");
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("missing {path}: {e}"));
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    let final_cltv = v["min_final_cltv_expiry_delta"].as_u64().unwrap()
        + v["shadow_route_extra_cltv"].as_u64().unwrap();
    let g = bolt7();
    let mut ran = 0;
    for case in v["cases"].as_array().unwrap() {
        let route: Vec<char> = case["route"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c.as_str().unwrap().chars().next().unwrap())
            .collect();
        let amount = case["amount_to_recipient_msat"].as_u64().unwrap();
        let mut r = req(route[0], *route.last().unwrap(), amount);
        r.final_cltv = final_cltv as u32;
        // Force the case's path by excluding the other middle node.
        if route.len() == 3 {
            let other = if route[1] == 'B' { 'D' } else { 'B' };
            r.exclude_nodes.push(node(other));
        }
        let got = get_route(&g, &r).unwrap();
        let ids: Vec<NodeId> = got.hops.iter().map(|h| h.id).collect();
        let want: Vec<NodeId> = route[1..].iter().map(|&c| node(c)).collect();
        assert_eq!(ids, want);
        assert_eq!(got.sent().msat(), case["first_hop_amount_msat"].as_u64().unwrap());
        assert_eq!(
            got.hops[0].delay as u64,
            case["first_hop_cltv_expiry_offset"].as_u64().unwrap()
        );
        assert_eq!(got.received().msat(), amount);
        assert_eq!(
            got.hops.last().unwrap().delay as u64,
            case["final_outgoing_cltv_offset"].as_u64().unwrap()
        );
        if let Some(fee) = case.get("fee_at_B_msat") {
            assert_eq!(got.fee().msat(), fee.as_u64().unwrap());
        }
        ran += 1;
    }
    assert_eq!(ran, 3);
    // Unconstrained, A pays C through B (the cheaper one).
    let mut r = req('A', 'C', 4_999_999);
    r.final_cltv = 60;
    assert_eq!(hops(&g, &r).unwrap(), vec![('B', 0, 5_010_198, 80), ('C', 2, 4_999_999, 60)]);
}

/// A line S - X - Y - T plus a detour X - Z - T.
fn diamond() -> GraphBuilder {
    let mut b = GraphBuilder::new();
    chan(&mut b, 1, 'S', 'X', p(1000, 0, 10));
    chan(&mut b, 2, 'X', 'Y', p(10, 100, 20));
    chan(&mut b, 3, 'Y', 'T', p(10, 100, 30));
    chan(&mut b, 4, 'X', 'Z', p(100, 1000, 40));
    chan(&mut b, 5, 'Z', 'T', p(100, 1000, 50));
    b
}

#[test]
fn fee_and_cltv_arithmetic_backwards() {
    let g = diamond().build();
    let r = req('S', 'T', 1_000_000);
    // Y charges 10 + 1e6*100/1e6 = 110 for T's amount; X charges 10 + 1_000_110*100/1e6 = 110.
    assert_eq!(
        hops(&g, &r).unwrap(),
        vec![('X', 1, 1_000_220, 9 + 30 + 20), ('Y', 2, 1_000_110, 9 + 30), ('T', 3, 1_000_000, 9)]
    );
    let route = get_route(&g, &r).unwrap();
    assert_eq!(route.fee(), Msat(220));
}

#[test]
fn exclusions_of_channels_and_nodes() {
    let g = diamond().build();
    let mut r = req('S', 'T', 1_000_000);
    r.exclude_nodes.push(node('Y'));
    assert_eq!(hops(&g, &r).unwrap().iter().map(|h| h.0).collect::<String>(), "XZT");
    let mut r = req('S', 'T', 1_000_000);
    let dir = u8::from(node('X') > node('Y'));
    r.exclude_channels.push(ShortChannelIdDir::new(scid(2), dir).unwrap());
    assert_eq!(hops(&g, &r).unwrap().iter().map(|h| h.0).collect::<String>(), "XZT");
    // The other direction of the same channel does not matter.
    let mut r = req('S', 'T', 1_000_000);
    r.exclude_channels.push(ShortChannelIdDir::new(scid(2), 1 - dir).unwrap());
    assert_eq!(hops(&g, &r).unwrap().len(), 3);
    let mut r = req('S', 'T', 1_000_000);
    r.exclude_nodes.extend([node('Y'), node('Z')]);
    assert_eq!(hops(&g, &r), Err(RouteError::NoRoute));
}

#[test]
fn maxhops_reruns_shortest_then_fails() {
    let mut b = diamond();
    // A 2-hop way through W, dearer than the 3-hop S-X-Y-T (fee 220).
    chan(&mut b, 6, 'S', 'W', p(0, 0, 6));
    chan(&mut b, 7, 'W', 'T', p(100_000, 0, 6));
    let g = b.build();
    let mut r = req('S', 'T', 1_000);
    assert_eq!(hops(&g, &r).unwrap().len(), 3);
    r.max_hops = 2;
    assert_eq!(hops(&g, &r).unwrap(), vec![('W', 6, 101_000, 15), ('T', 7, 1_000, 9)]);
    r.max_hops = 1;
    assert_eq!(hops(&g, &r), Err(RouteError::TooManyHops { shortest: 2, max_hops: 1 }));
    assert_eq!(
        RouteError::TooManyHops { shortest: 2, max_hops: 1 }.to_string(),
        "Shortest route was 2"
    );
}

#[test]
fn maxhops_prefers_cost_when_within_limit() {
    let mut b = diamond();
    chan(&mut b, 6, 'S', 'T', p(0, 0, 6));
    // S's direct channel has a high fee policy, but S is the payer: its own fee is free.
    let g = b.build();
    assert_eq!(hops(&g, &req('S', 'T', 1_000)).unwrap(), vec![('T', 6, 1_000, 9)]);
}

#[test]
fn htlc_limits_and_disabled_edges() {
    let mut b = diamond();
    // Y -> T carries at most 999_999: the detour must be taken for 1_000_000.
    set(&mut b, 3, 'Y', 'T', P { max: 999_999, ..p(10, 100, 30) });
    let g = b.build();
    assert_eq!(
        hops(&g, &req('S', 'T', 1_000_000)).unwrap().iter().map(|h| h.0).collect::<String>(),
        "XZT"
    );
    assert_eq!(
        hops(&g, &req('S', 'T', 999_999)).unwrap().iter().map(|h| h.0).collect::<String>(),
        "XYT"
    );

    let mut b = diamond();
    set(&mut b, 3, 'Y', 'T', P { min: 2_000, ..p(10, 100, 30) });
    let g = b.build();
    assert_eq!(
        hops(&g, &req('S', 'T', 1_999)).unwrap().iter().map(|h| h.0).collect::<String>(),
        "XZT"
    );
    // Amount 0 probes: the minimum is ignored.
    assert_eq!(hops(&g, &req('S', 'T', 0)).unwrap().iter().map(|h| h.0).collect::<String>(), "XYT");

    // X -> Y's minimum applies to what Y must receive (including Y's fee).
    let mut b = diamond();
    set(&mut b, 2, 'X', 'Y', P { min: 1_010, ..p(10, 100, 20) });
    let g = b.build();
    assert_eq!(
        hops(&g, &req('S', 'T', 1_000)).unwrap().iter().map(|h| h.0).collect::<String>(),
        "XYT"
    );
    assert_eq!(
        hops(&g, &req('S', 'T', 999)).unwrap().iter().map(|h| h.0).collect::<String>(),
        "XZT"
    );

    let mut b = diamond();
    set(&mut b, 2, 'X', 'Y', P { enabled: false, ..p(10, 100, 20) });
    set(&mut b, 5, 'Z', 'T', P { enabled: false, ..p(10, 100, 20) });
    let g = b.build();
    assert_eq!(hops(&g, &req('S', 'T', 1_000)), Err(RouteError::NoRoute));
    // The first hop's limits bind the payer too.
    let mut b = diamond();
    set(&mut b, 1, 'S', 'X', P { max: 500, ..p(0, 0, 6) });
    assert_eq!(hops(&b.build(), &req('S', 'T', 1_000)), Err(RouteError::NoRoute));
}

#[test]
fn capacity_caps_htlc_max() {
    let mut b = GraphBuilder::new();
    b.add_channel(scid(1), node('S'), node('T'), Some(Msat(5_000)));
    let pol = EdgePolicy {
        timestamp: 1,
        enabled: true,
        base_fee_msat: 0,
        fee_ppm: 0,
        cltv_delta: 6,
        htlc_min: Msat(0),
        htlc_max: Msat(1_000_000),
    };
    b.update_direction(scid(1), u8::from(node('S') > node('T')), pol).unwrap();
    let g = b.build();
    assert!(hops(&g, &req('S', 'T', 5_000)).is_ok());
    assert_eq!(hops(&g, &req('S', 'T', 5_001)), Err(RouteError::NoRoute));
}

#[test]
fn total_cltv_limit() {
    let g = diamond().build();
    let mut r = req('S', 'T', 1_000);
    r.max_total_cltv = 9 + 30 + 20;
    assert_eq!(hops(&g, &r).unwrap().len(), 3);
    r.max_total_cltv = 58;
    assert_eq!(hops(&g, &r), Err(RouteError::NoRoute));
}

#[test]
fn riskfactor_trades_fee_for_delay() {
    let mut b = GraphBuilder::new();
    // Two ways S -> M -> T: via A (fee 100, cltv 1000) or via B (fee 200, cltv 10).
    chan(&mut b, 1, 'S', 'A', p(0, 0, 6));
    chan(&mut b, 2, 'A', 'T', p(100, 0, 1000));
    chan(&mut b, 3, 'S', 'B', p(0, 0, 6));
    chan(&mut b, 4, 'B', 'T', p(200, 0, 10));
    let g = b.build();
    let r = req('S', 'T', 10_000_000);
    assert_eq!(hops(&g, &r).unwrap()[0].0, 'A');
    // risk via A = 1e7 * 1000 * 10 / 5_259_600 = 19012 > 100 + 190 via B.
    let mut r = req('S', 'T', 10_000_000);
    r.riskfactor_millionths = 10_000_000;
    assert_eq!(hops(&g, &r).unwrap()[0].0, 'B');
}

#[test]
fn fuzz_is_seeded_and_bounded() {
    let mut b = GraphBuilder::new();
    // Two routes whose fees differ by 1%: a 5% fuzz picks either, depending on the seed.
    chan(&mut b, 1, 'S', 'A', p(0, 0, 6));
    chan(&mut b, 2, 'A', 'T', p(10_000, 0, 10));
    chan(&mut b, 3, 'S', 'B', p(0, 0, 6));
    chan(&mut b, 4, 'B', 'T', p(10_100, 0, 10));
    let g = b.build();
    let mut seen = [0usize; 2];
    for seed in 0..64 {
        let mut r = req('S', 'T', 1_000);
        r.fuzz_percent = 5.0;
        r.seed = seed;
        let a = hops(&g, &r).unwrap();
        assert_eq!(a, hops(&g, &r).unwrap(), "same seed, same route");
        // Amounts are the real fees, never fuzzed.
        let fee = a[0].2 - 1_000;
        assert!(fee == 10_000 || fee == 10_100);
        seen[usize::from(a[0].0 == 'B')] += 1;
    }
    assert!(seen[0] > 0 && seen[1] > 0, "{seen:?}");
    // A 0.4% fuzz can never overturn a 1% difference.
    for seed in 0..32 {
        let mut r = req('S', 'T', 1_000);
        r.fuzz_percent = 0.4;
        r.seed = seed;
        assert_eq!(hops(&g, &r).unwrap()[0].0, 'A');
    }
}

#[test]
fn fromid_and_unknown_nodes() {
    let g = diamond().build();
    // Route from the middle of the graph.
    assert_eq!(
        hops(&g, &req('X', 'T', 1_000)).unwrap().iter().map(|h| h.0).collect::<String>(),
        "YT"
    );
    assert_eq!(
        hops(&g, &req('Y', 'S', 1_000)).unwrap().iter().map(|h| h.0).collect::<String>(),
        "XS"
    );
    assert_eq!(hops(&g, &req('Q', 'T', 1_000)), Err(RouteError::UnknownSource(node('Q'))));
    assert_eq!(hops(&g, &req('S', 'Q', 1_000)), Err(RouteError::UnknownDestination(node('Q'))));
    assert_eq!(hops(&g, &req('S', 'S', 1_000)), Err(RouteError::SameNode(node('S'))));
}

#[test]
fn first_hops_replace_the_graph_view() {
    let g = diamond().build();
    // The graph says S -> X can carry anything; our real balance is 500.
    let mut r = req('S', 'T', 1_000);
    r.first_hops.push(FirstHop { scid: scid(1), peer: node('X'), spendable: Msat(500) });
    assert_eq!(hops(&g, &r), Err(RouteError::NoRoute));
    r.first_hops[0].spendable = Msat(2_000);
    assert_eq!(hops(&g, &r).unwrap().len(), 3);
    // A private channel to Y not in the graph: now the route skips X.
    r.first_hops.push(FirstHop { scid: scid(9), peer: node('Y'), spendable: Msat(1_000_000) });
    assert_eq!(hops(&g, &r).unwrap(), vec![('Y', 9, 1_010, 39), ('T', 3, 1_000, 9)]);
    // An unknown payer with first hops only.
    let mut r = req('P', 'T', 1_000);
    r.first_hops.push(FirstHop { scid: scid(8), peer: node('Y'), spendable: Msat(1_000_000) });
    assert_eq!(hops(&g, &r).unwrap(), vec![('Y', 8, 1_010, 39), ('T', 3, 1_000, 9)]);
    // Excluding the first hop leaves nothing.
    let dir = u8::from(node('P') > node('Y'));
    r.exclude_channels.push(ShortChannelIdDir::new(scid(8), dir).unwrap());
    assert_eq!(hops(&g, &r), Err(RouteError::NoRoute));
}

#[test]
fn route_hints_reach_private_payees() {
    let g = diamond().build();
    // Payee U is private, reachable from Y over a hinted channel, then V -> U? No: Y -> V -> U.
    let hint = vec![
        RouteHintHop {
            node_id: node('Y'),
            short_channel_id: scid(20),
            fee_base_msat: 5,
            fee_proportional_millionths: 1000,
            cltv_expiry_delta: 12,
        },
        RouteHintHop {
            node_id: node('V'),
            short_channel_id: scid(21),
            fee_base_msat: 1,
            fee_proportional_millionths: 0,
            cltv_expiry_delta: 7,
        },
    ];
    let mut r = req('S', 'U', 10_000);
    assert_eq!(hops(&g, &r), Err(RouteError::UnknownDestination(node('U'))));
    r.route_hints.push(hint);
    // V charges 1; Y charges 5 + 10_001*1000/1e6 = 15; X charges 10 + 10_016*100/1e6 = 11.
    assert_eq!(
        hops(&g, &r).unwrap(),
        vec![
            ('X', 1, 10_027, 9 + 7 + 12 + 20),
            ('Y', 2, 10_016, 9 + 7 + 12),
            ('V', 20, 10_001, 9 + 7),
            ('U', 21, 10_000, 9)
        ]
    );
    let route = get_route(&g, &r).unwrap();
    assert_eq!(route.hops[2].direction, u8::from(node('Y') > node('V')));
}

#[test]
fn scratch_is_reusable_across_graphs() {
    let mut scratch = Scratch::new();
    let small = bolt7();
    let big = diamond().build();
    for _ in 0..3 {
        let a = get_route_with(&small, &req('A', 'C', 1_000), &mut scratch).unwrap();
        assert_eq!(a, get_route(&small, &req('A', 'C', 1_000)).unwrap());
        let b = get_route_with(&big, &req('S', 'T', 1_000), &mut scratch).unwrap();
        assert_eq!(b, get_route(&big, &req('S', 'T', 1_000)).unwrap());
    }
}

/// Two ways of equal cost into X: over Q (the cheaper tail, settled first by a plain
/// Dijkstra, so its label stays) and over M (a lower node index; the goal-directed search,
/// with Q's bound at its 100 msat distance from X, may reach M first). The route is the
/// plain search's: S X Q T.
#[test]
fn equal_labels_keep_the_plain_searchs_choice() {
    let mut b = GraphBuilder::new();
    chan(&mut b, 1, 'S', 'X', p(0, 0, 6));
    chan(&mut b, 2, 'X', 'Q', p(100, 0, 6));
    chan(&mut b, 3, 'Q', 'T', p(0, 0, 6));
    chan(&mut b, 4, 'X', 'M', p(0, 0, 6));
    chan(&mut b, 5, 'M', 'T', p(100, 0, 6));
    let g = b.build();
    let r = req('S', 'T', 1_000);
    let (mut a, mut plain) = (Scratch::new(), Scratch::new());
    let want = route_with(&g, &r, &mut plain, false).unwrap();
    let ids: String = want.hops.iter().map(|h| h.id.as_bytes()[1] as char).collect();
    assert_eq!(ids, "XQT");
    assert_eq!(route_with(&g, &r, &mut a, true).unwrap(), want);
}

/// Random graphs and requests: the goal-directed search returns exactly what the plain
/// backwards Dijkstra returns (route, amounts, delays, or the same error), through ties
/// (zero and equal fees, parallel channels), HTLC and CLTV limits, disabled edges, fuzz,
/// risk, exclusions, first hops, route hints and the hops-first rerun.
mod goal_directed {
    use super::*;
    use proptest::prelude::*;

    const NODES: &[u8] = b"abcdefghijklmnop";

    /// A direction's policy: base, ppm, CLTV delta, htlc_min, htlc_max, enabled.
    type Pol = (u32, u32, u16, u64, u64, bool);

    #[derive(Debug, Clone)]
    struct Ch {
        a: u8,
        b: u8,
        pol: [Option<Pol>; 2],
        cap: Option<u64>,
    }

    fn pol() -> impl Strategy<Value = Option<Pol>> {
        prop::option::weighted(
            0.9,
            (
                prop_oneof![Just(0u32), Just(1_000), 0u32..3_000],
                prop_oneof![Just(0u32), Just(100), 0u32..5_000],
                prop_oneof![Just(6u16), Just(40), 0u16..200],
                prop_oneof![3 => Just(0u64), 1 => 0u64..2_000_000],
                prop_oneof![3 => Just(u64::MAX), 1 => 0u64..2_000_000_000],
                prop::bool::weighted(0.9),
            ),
        )
    }

    fn ch() -> impl Strategy<Value = Ch> {
        (
            0..NODES.len() as u8,
            0..NODES.len() as u8,
            [pol(), pol()],
            prop::option::of(0u64..5e9 as u64),
        )
            .prop_map(|(a, b, pol, cap)| Ch { a, b, pol, cap })
    }

    fn build(n: u8, chans: &[Ch]) -> Arc<Graph> {
        let mut b = GraphBuilder::new();
        for (i, c) in chans.iter().enumerate() {
            let (x, y) =
                (node(NODES[(c.a % n) as usize] as char), node(NODES[(c.b % n) as usize] as char));
            if !b.add_channel(scid(i as u64), x, y, c.cap.map(Msat)) {
                continue;
            }
            for (dir, p) in c.pol.iter().enumerate() {
                let Some((base, ppm, cltv, min, max, enabled)) = *p else { continue };
                let policy = EdgePolicy {
                    timestamp: 1,
                    enabled,
                    base_fee_msat: base,
                    fee_ppm: ppm,
                    cltv_delta: cltv,
                    htlc_min: Msat(min),
                    htlc_max: Msat(max),
                };
                b.update_direction(scid(i as u64), dir as u8, policy).unwrap();
            }
        }
        b.build()
    }

    #[derive(Debug, Clone)]
    struct Q {
        from: u8,
        to: u8,
        amount: u64,
        risk: u64,
        fuzz: f64,
        seed: u64,
        max_hops: u32,
        max_cltv: u32,
        exclude_node: Option<u8>,
        exclude_chan: Option<(u64, u8)>,
        first_hops: Vec<(u64, u8, u64)>,
        hint: Option<(u8, u32, u32)>,
    }

    fn q() -> impl Strategy<Value = Q> {
        (
            (0..NODES.len() as u8, 0..NODES.len() as u8),
            prop_oneof![Just(0u64), 1u64..1_000, 1_000u64..100_000, 100_000u64..1_000_000_000],
            prop_oneof![Just(0u64), Just(10_000_000), 0u64..1_000_000_000],
            prop_oneof![Just(0.0), Just(5.0), 0.0f64..100.0, Just(100.0)],
            any::<u64>(),
            prop_oneof![Just(20u32), 1u32..6],
            prop_oneof![Just(2016u32), 0u32..400],
            (
                prop::option::weighted(0.2, 0..NODES.len() as u8),
                prop::option::weighted(0.2, (0u64..40, 0u8..2)),
            ),
            prop::collection::vec((50u64..60, 0..NODES.len() as u8, 0u64..2_000_000_000), 0..3),
            prop::option::weighted(0.2, (0..NODES.len() as u8, 0u32..2_000, 0u32..2_000)),
        )
            .prop_map(
                |((from, to), amount, risk, fuzz, seed, max_hops, max_cltv, (xn, xc), fh, hint)| {
                    Q {
                        from,
                        to,
                        amount,
                        risk,
                        fuzz,
                        seed,
                        max_hops,
                        max_cltv,
                        exclude_node: xn,
                        exclude_chan: xc,
                        first_hops: fh,
                        hint,
                    }
                },
            )
    }

    fn request(n: u8, q: &Q) -> RouteRequest {
        let at = |i: u8| node(NODES[(i % n) as usize] as char);
        let mut r = RouteRequest::new(at(q.from), at(q.to), Msat(q.amount), q.risk);
        r.fuzz_percent = q.fuzz;
        r.seed = q.seed;
        r.max_hops = q.max_hops;
        r.max_total_cltv = q.max_cltv;
        r.exclude_nodes.extend(q.exclude_node.map(at));
        if let Some((c, d)) = q.exclude_chan {
            r.exclude_channels.push(ShortChannelIdDir::new(scid(c), d).unwrap());
        }
        for &(c, peer, spendable) in &q.first_hops {
            r.first_hops.push(FirstHop {
                scid: scid(c),
                peer: at(peer),
                spendable: Msat(spendable),
            });
        }
        if let Some((via, base, ppm)) = q.hint {
            r.route_hints.push(vec![RouteHintHop {
                node_id: at(via),
                short_channel_id: scid(70),
                fee_base_msat: base,
                fee_proportional_millionths: ppm,
                cltv_expiry_delta: 40,
            }]);
        }
        r
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]
        #[test]
        fn same_answer_as_the_plain_search(
            n in 2u8..=NODES.len() as u8,
            chans in prop::collection::vec(ch(), 1..60),
            qs in prop::collection::vec(q(), 1..8),
        ) {
            let g = build(n, &chans);
            let (mut a, mut b) = (Scratch::new(), Scratch::new());
            for q in &qs {
                let r = request(n, q);
                let aimed = route_with(&g, &r, &mut a, true);
                let plain = route_with(&g, &r, &mut b, false);
                prop_assert_eq!(aimed, plain, "{:?}", q);
            }
        }
    }
}

/// The 2026 mainnet graph: the goal-directed search and the plain one give the same routes
/// on random pairs, with and without fuzz and risk.
#[cfg(feature = "json")]
#[test]
fn goal_directed_matches_plain_on_mainnet() {
    use crate::graph::NodeIdx;
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/graph/mainnet-2026-02-03.listchannels.json.gz"
    );
    let file = std::fs::File::open(path).unwrap_or_else(|e| panic!("missing {path}: {e}"));
    let mut b = GraphBuilder::new();
    let gz = flate2::read::GzDecoder::new(std::io::BufReader::new(file));
    crate::import::listchannels::read(gz, &mut b).unwrap();
    let g = b.build();
    // Payers with an enabled edge out, payees with one in (as the speed bench draws them).
    let nodes = (0..g.node_count() as u32).map(NodeIdx);
    let payers: Vec<NodeIdx> = nodes
        .clone()
        .filter(|&v| g.outgoing(v).iter().any(|&e| g.edge(e).unwrap().enabled))
        .collect();
    let payees: Vec<NodeIdx> = nodes.filter(|&v| g.incoming(v).iter().any(|e| e.enabled)).collect();
    let (mut a, mut p) = (Scratch::new(), Scratch::new());
    let mut x = 0x5eedu64;
    let (mut routed, mut tried) = (0, 0);
    while routed < 200 && tried < 400 {
        tried += 1;
        let s = payers[(mix(x) % payers.len() as u64) as usize];
        let d = payees[(mix(x ^ 1) % payees.len() as u64) as usize];
        let amount =
            [0, 1_000, 50_000, 1_000_000, 20_000_000, 500_000_000][(mix(x ^ 2) % 6) as usize];
        x = mix(x);
        let mut r =
            RouteRequest::new(*g.node_id(s).unwrap(), *g.node_id(d).unwrap(), Msat(amount), 0);
        for (fuzz, risk) in [(0.0, 0), (5.0, 10_000_000)] {
            r.fuzz_percent = fuzz;
            r.riskfactor_millionths = risk;
            r.seed = x;
            let aimed = route_with(&g, &r, &mut a, true);
            assert_eq!(aimed, route_with(&g, &r, &mut p, false), "{s:?} -> {d:?} {amount}");
            routed += usize::from(aimed.is_ok());
        }
    }
    assert_eq!(routed, 200, "only {routed} routes in {tried} pairs");
}
