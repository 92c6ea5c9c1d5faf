//! Whole-network properties: signed gossip imported through the verified path, determinism,
//! conservation, and a run on the 2026 mainnet graph.

use lnpay_sim::workload::{add_payer, run_single_attempts};
use lnpay_sim::{generate, FaultRates, GeneratorParams, Latency, Liquidity, SimConfig, Simulator};
use route::gossip::{import_gossip, ChainHash};
use route::graph::{snapshot, GraphBuilder};
use types::Msat;

const AMOUNT: Msat = Msat(100_000_000); // 100k sat

fn small(seed: u64, faults: FaultRates) -> (Simulator, u32) {
    let mut t = generate(&GeneratorParams { nodes: 400, seed, ..Default::default() });
    let payer = add_payer(&mut t, 4, Msat(100_000_000_000));
    let cfg = SimConfig {
        seed,
        faults,
        latency: Latency::HeavyTail { min_ms: 30, alpha: 1.5 },
        ..Default::default()
    };
    (Simulator::new(&t, cfg).unwrap(), payer)
}

#[test]
fn gossip_imports_through_the_verified_path() {
    let (sim, _) = small(3, FaultRates::default());
    let messages = sim.gossip();
    let mut b = GraphBuilder::new();
    let stats = import_gossip(&mut b, ChainHash::BITCOIN, messages.iter().map(Vec::as_slice));
    assert_eq!(stats.rejected.total(), 0, "{stats:?}");
    assert_eq!(stats.applied, messages.len());
    let imported = b.build();
    let published = sim.graph();
    assert_eq!(imported.node_count(), published.node_count());
    assert_eq!(imported.channel_count(), published.channel_count());
    assert!(published.channel_count() > 400);
    let mut compared = 0;
    for c in published.channels() {
        for d in 0..2u8 {
            let p = published.edge_of(c.scid, d).and_then(|e| published.edge_policy(e));
            let q = imported.edge_of(c.scid, d).and_then(|e| imported.edge_policy(e));
            assert_eq!(p, q, "{} direction {d}", c.scid);
            compared += 1;
        }
    }
    assert_eq!(compared, 2 * published.channel_count());
    // What a trusting payer takes instead of importing: the same graph, byte for byte.
    let trusted = sim.gossip_graph();
    assert_eq!(snapshot::write(&trusted), snapshot::write(&imported));
}

fn run(seed: u64) -> (Vec<lnpay_sim::LogEntry>, lnpay_sim::workload::Outcomes) {
    let faults = FaultRates {
        offline: 0.02,
        hold: 0.02,
        hold_ms: 5_000,
        corrupt: 0.02,
        silent: 0.0,
        stale_gossip: 0.05,
    };
    let (mut sim, payer) = small(seed, faults);
    let out = run_single_attempts(&mut sim, payer, 150, AMOUNT, seed, true);
    sim.run_until_idle();
    assert_eq!(sim.check_conservation(), Ok(()));
    assert_eq!(sim.htlcs_in_flight(), 0);
    (sim.log().to_vec(), out)
}

#[test]
fn same_seed_same_log_different_seed_differs() {
    let (log_a, out_a) = run(11);
    let (log_b, out_b) = run(11);
    let (log_c, _) = run(12);
    assert!(log_a.len() > 300, "{} log lines", log_a.len());
    assert_eq!(log_a, log_b);
    assert_eq!(out_a, out_b);
    assert_ne!(log_a, log_c);
    // The faults show up: some payments fail, some succeed; none beyond what was feasible.
    assert!(out_a.paid > 0 && out_a.paid < 150, "{out_a}");
    assert!(out_a.feasible >= out_a.paid, "{out_a}");
    assert!(out_a.feasible_amount >= out_a.delivered, "{out_a}");
    // Stale gossip (5% of directions charge more than announced) shows as fee_insufficient.
    let fee_insufficient = onion::failure::code::FEE_INSUFFICIENT;
    assert!(out_a.failed_by_code.get(&fee_insufficient).is_some_and(|&n| n > 0), "{out_a}");
}

#[test]
fn conservation_under_every_liquidity_model() {
    fn custom(_: &mut lnpay_sim::SimRng, cap: Msat) -> Msat {
        Msat(cap.0 / 3)
    }
    for (i, liquidity) in
        [Liquidity::Uniform, Liquidity::Even, Liquidity::Bimodal, Liquidity::Custom(custom)]
            .into_iter()
            .enumerate()
    {
        let mut t = generate(&GeneratorParams { nodes: 200, seed: 5, ..Default::default() });
        let payer = add_payer(&mut t, 3, Msat(50_000_000_000));
        let cfg = SimConfig { seed: i as u64, liquidity, ..Default::default() };
        let mut sim = Simulator::new(&t, cfg).unwrap();
        assert_eq!(sim.check_conservation(), Ok(()));
        let out = run_single_attempts(&mut sim, payer, 60, Msat(20_000_000), 9, false);
        assert_eq!(out.payments, 60);
        sim.run_until_idle();
        assert_eq!(sim.check_conservation(), Ok(()), "{liquidity:?}");
        assert_eq!(sim.htlcs_in_flight(), 0);
        assert!(out.paid > 0, "{liquidity:?}: {out}");
    }
}

#[test]
fn mainnet_2026_routes_1000_payments() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/graph/mainnet-2026-02-03.listchannels.json.gz"
    );
    let file =
        std::fs::File::open(path).unwrap_or_else(|e| panic!("missing test data {path}: {e}"));
    let t0 = std::time::Instant::now();
    let mut b = GraphBuilder::new();
    let mut json = Vec::new();
    std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(file), &mut json).unwrap();
    route::import::listchannels::read_slice(&json, &mut b).unwrap();
    let graph = b.build();
    assert_eq!(graph.node_count(), 17_324);
    let mut t = lnpay_sim::Topology::from_graph(&graph);
    let payer = add_payer(&mut t, 8, Msat(1_000_000_000_000));
    let t1 = std::time::Instant::now();
    let mut sim = Simulator::new(&t, SimConfig { seed: 2026, ..Default::default() }).unwrap();
    let t2 = std::time::Instant::now();
    assert_eq!(sim.graph().channel_count(), graph.channel_count() + 8);
    let out = run_single_attempts(&mut sim, payer, 1000, AMOUNT, 1, false);
    let t3 = std::time::Instant::now();
    eprintln!("mainnet 2026: {out}");
    eprintln!("import {:?}, build {:?}, 1000 payments {:?}", t1 - t0, t2 - t1, t3 - t2);
    let decided = out.paid + out.failed_by_code.values().sum::<usize>();
    assert_eq!(
        decided + out.no_route + out.local_failure + out.unattributable + out.malformed,
        1000
    );
    assert!(out.paid > 100, "{out}");
    assert!(out.failed_by_code.values().sum::<usize>() > 10, "{out}");
    sim.run_until_idle();
    assert_eq!(sim.check_conservation(), Ok(()));
    assert_eq!(sim.htlcs_in_flight(), 0);
}

#[test]
fn can_deliver_agrees_with_max_flow() {
    let (sim, payer) = small(4, FaultRates::default());
    let n = sim.node_count() as u32;
    let mut rng = lnpay_sim::SimRng::new(9);
    let (mut yes, mut no) = (0, 0);
    for _ in 0..300 {
        let (src, dst) = if rng.chance(0.5) {
            (payer, rng.below(u64::from(n)) as u32)
        } else {
            (rng.below(u64::from(n)) as u32, rng.below(u64::from(n)) as u32)
        };
        let flow = sim.max_flow(src, dst);
        // Amounts around the max flow and far from it.
        for amount in [1, flow.0 / 2, flow.0, flow.0 + 1, 10 * flow.0 + 1_000] {
            let can = sim.can_deliver(src, dst, Msat(amount));
            assert_eq!(can, flow.0 >= amount, "{src} -> {dst}: {amount} against {flow:?}");
            if can {
                yes += 1
            } else {
                no += 1
            }
        }
    }
    assert!(yes > 100 && no > 100, "{yes} deliverable, {no} not");
}
