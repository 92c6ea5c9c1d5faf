//! A smoke run of everything the benches do, at tiny sizes, so that it keeps compiling and
//! keeps working: both payers deliver on an easy generated network, the route, onion and
//! BOLT 11 comparisons run on both sides, and the report renders.

use lightning::routing::scoring::ProbabilisticScoringFeeParameters;
use lnpay_bench::delivery::{self, shared_secrets, LdkPayer, Network};
use lnpay_bench::ldk;
use lnpay_bench::report;
use lnpay_bench::speed::{self, OnionCase};
use sim::{generate, GeneratorParams, SimRng};
use types::Msat;

fn network() -> Network {
    Network::new(generate(&GeneratorParams { nodes: 120, seed: 11, ..Default::default() }))
}

#[test]
fn both_payers_deliver_on_an_easy_network() {
    let net = network();
    let seed = 11;
    let sim_ours = net.simulator(seed).unwrap();
    let sim_ldk = net.simulator(seed).unwrap();
    // Same seed, same balances.
    for scid in sim_ours.node_channels(net.payer) {
        assert_eq!(sim_ours.balances(scid), sim_ldk.balances(scid));
    }
    let plan = delivery::plan(
        &sim_ours,
        &[Msat(10_000_000), Msat(100_000_000)],
        4,
        3,
        Msat(50_000_000),
        seed,
    );
    assert_eq!(plan.payments.len(), 11);
    assert_eq!(plan.classes.len(), 3);

    let key_seed = SimRng::for_item(seed, 0x6b65_7973, 0).bytes32();
    let (mut driver, _) = delivery::lnpay_driver(sim_ours, key_seed).unwrap();
    let (ours, our_split) = delivery::run_lnpay_on(&mut driver, &plan, &mut |_| {});
    let mut payer = LdkPayer::new(sim_ldk, seed).unwrap();
    assert!(payer.gossip.announcements > 100, "{:?}", payer.gossip);
    assert_eq!(payer.gossip.refused, 0, "{:?}", payer.gossip);
    let (theirs, their_split) = delivery::run_ldk(&mut payer, &plan, &mut |_| {});
    assert_eq!((ours.len(), theirs.len()), (11, 11));
    // Each run's time is split: the payer's own calls, the network's events, the ground truth.
    for split in [our_split, their_split] {
        for spent in [split.payer, split.network, split.truth] {
            assert!(spent.cpu_s > 0.0 && spent.wall_s > 0.0, "{split:?}");
        }
    }

    for (who, outs) in [("lnpay", &ours), ("LDK", &theirs)] {
        let feasible = outs.iter().filter(|o| o.feasible).count();
        let delivered = outs.iter().filter(|o| o.delivered).count();
        assert!(feasible >= 8, "{who}: only {feasible} of 11 feasible on the easy network");
        // Within the fee limit is a subset of feasible; on the easy network most fit.
        let feasible_fee = outs.iter().filter(|o| o.feasible_fee).count();
        assert!(outs.iter().all(|o| o.feasible || !o.feasible_fee), "{who}: {outs:?}");
        assert!(feasible_fee >= 6, "{who}: only {feasible_fee} of {feasible} within the fee limit");
        assert!(
            delivered * 10 >= feasible * 8,
            "{who}: delivered {delivered} of {feasible} feasible"
        );
        for o in outs.iter().filter(|o| o.delivered) {
            assert!(o.attempts >= 1 && o.sim_ms > 0, "{who}: {o:?}");
        }
    }
    let (rows_ours, rows_ldk) =
        (delivery::summarize(&plan, &ours), delivery::summarize(&plan, &theirs));
    assert_eq!(rows_ours.iter().map(|r| r.payments).sum::<usize>(), 11);
    for r in rows_ours.iter().chain(&rows_ldk) {
        assert!(r.feasible_fee <= r.feasible, "{r:?}");
        assert_eq!(r.success_fee.is_some(), r.feasible_fee > 0, "{r:?}");
    }
    let table = report::delivery_table(&rows_ours, &rows_ldk);
    println!("{table}");
    assert_eq!(table.lines().count(), 2 + 2 * 3, "{table}");
    assert!(table.lines().all(|l| l.matches('|').count() == 13), "{table}");
    let svg = report::svg(&rows_ours, &rows_ldk);
    assert_eq!(svg.matches("<polyline").count(), 2, "{svg}");
}

#[test]
fn route_comparisons_run_on_both_sides() {
    let net = network();
    let g = net.simulator(3).unwrap().graph();
    let ldk_net = ldk::network_graph_from(&g);
    let cases = speed::route_cases(&g, 8, 5);
    assert_eq!(cases.len(), 8);
    let row = speed::single_path("zero", &g, &ldk_net, &cases, &speed::zero_scorer(), &());
    assert_eq!((row.ours.n, row.ldk.map(|t| t.n)), (8, Some(8)));
    assert!(row.ratio().is_some());
    let prob = speed::probabilistic_scorer(&ldk_net);
    let params = ProbabilisticScoringFeeParameters::default();
    let row = speed::single_path("prob", &g, &ldk_net, &cases, &prob, &params);
    assert!(row.note.contains("on 8/8") || row.note.contains("/8 "), "{}", row.note);
    let snap = speed::fresh_snapshot(&g);
    let mpp = speed::mpp_cases(&g, &snap, &ldk_net, &prob, &params, Msat(20_000_000), 3);
    assert!(!mpp.is_empty());
    let row = speed::mpp(&g, &snap, &ldk_net, &prob, &params, &mpp);
    assert_eq!(row.ours.n, mpp.len());
    let built = speed::graph_build(&g, 1);
    assert_eq!(built.ours.n, 1);
    let scaled = lnpay_bench::data::scaled(&g, 3, 5);
    assert!(scaled.crossing > 0);
    assert_eq!(scaled.graph.channel_count(), 3 * g.channel_count());
    assert_eq!(scaled.graph.node_count(), 3 * g.node_count());
    assert_eq!(scaled.graph.edge_count(), 3 * g.edge_count());
    // Every node keeps its degree: the degrees are the original's, three times over.
    let degrees = |g: &route::graph::Graph| {
        let mut d = vec![0usize; g.node_count()];
        for c in g.channels() {
            d[c.node1.0 as usize] += 1;
            d[c.node2.0 as usize] += 1;
        }
        d.sort_unstable();
        d
    };
    let mut thrice: Vec<usize> = degrees(&g).repeat(3);
    thrice.sort_unstable();
    assert_eq!(degrees(&scaled.graph), thrice);
    let (rows, resident) = speed::scaled_rows(&g, 2, 5, 2);
    assert!(rows.len() >= 3 && rows.iter().all(|r| r.ours.n > 0), "{rows:?}");
    // Linux: the resident size is read, and the graph and its landmarks take some.
    if cfg!(target_os = "linux") {
        assert!(resident.is_some_and(|b| b > 0), "{resident:?}");
    }
    let snapshot = speed::snapshot_load(&g, 2);
    assert_eq!((snapshot.ours.n, snapshot.ldk.as_ref().map(|t| t.n)), (2, Some(2)));
    assert!(report::speed_table(&[row, built]).lines().count() == 4);
}

#[test]
fn onion_and_invoice_comparisons_agree() {
    let case = OnionCase::new();
    let secp = secp256k1::Secp256k1::new();
    let ours = case.build_ours().unwrap();
    assert!(case.peel_ours(&ours));
    assert!(case.peel_ldk(&secp, &case.update_add(&ours)));
    // LDK's onion, peeled hop by hop with our code: the secrets our failure decoder uses for
    // the LDK payer are the ones each hop derives.
    let theirs = case.build_ldk(&secp).unwrap();
    let secrets = shared_secrets(&case.session_key, &case.path);
    assert_eq!(secrets.len(), speed::ONION_HOPS);
    let mut packet = onion::packet::OnionPacket {
        version: theirs.version,
        public_key: theirs.public_key.unwrap().serialize(),
        hop_payloads: Box::new(theirs.hop_data),
        hmac: theirs.hmac,
    };
    for (i, km) in case.keys.iter().enumerate() {
        let peeled =
            onion::packet::peel(&km.get_node_secret_key(), &packet, &case.payment_hash).unwrap();
        assert_eq!(peeled.shared_secret.0, secrets[i].0, "hop {i}");
        match peeled.next {
            Some(next) => packet = next,
            None => assert_eq!(i, speed::ONION_HOPS - 1),
        }
    }
    let rows = speed::onion(&case, 2);
    assert!(rows[1].note.contains("peeled ours 2, LDK 2"), "{}", rows[1].note);

    let invoices = speed::bolt11_examples().unwrap();
    assert_eq!(invoices.len(), 16);
    assert!(invoices.iter().all(|s| speed::decode_ours(s) && speed::decode_ldk(s)));
}
