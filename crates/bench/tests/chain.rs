//! Both payers of the delivery bench know channel capacities from the simulated chain: LDK
//! through its `UtxoLookup` (checking the funding script), lnpay through its graph builder,
//! while `htlc_maximum_msat` still caps each HTLC on both.

use bitcoin::constants::ChainHash;
use bitcoin::{Amount, ScriptBuf, TxOut};
use lightning::routing::gossip::{EffectiveCapacity, NodeId as LdkNodeId};
use lightning::routing::utxo::{UtxoLookup, UtxoResult};
use lnpay_bench::chain::{graph_from_gossip_and_chain, SimChain};
use lnpay_bench::delivery::{self, Network};
use lnpay_bench::ldk;
use sim::{generate, GeneratorParams, SimRng, Simulator};
use types::Msat;

fn simulator() -> Simulator {
    let net =
        Network::new(generate(&GeneratorParams { nodes: 120, seed: 11, ..Default::default() }));
    net.simulator(11).unwrap()
}

#[test]
fn both_payers_take_each_capacity_from_the_chain_and_keep_htlc_max_per_htlc() {
    let sim = simulator();
    let truth = sim.graph();
    let gossip = sim.gossip();
    let chain = SimChain::new(&sim, gossip.iter().map(Vec::as_slice));
    assert!(truth.channel_count() > 100, "{}", truth.channel_count());
    assert_eq!(chain.len(), truth.channel_count());

    let (ldk_graph, counts) =
        ldk::network_graph_from_gossip(gossip.iter().map(Vec::as_slice), Some(&chain));
    assert_eq!(counts.refused, 0, "{counts:?}");
    assert_eq!(counts.announcements, chain.len(), "{counts:?}");
    assert_eq!(counts.capacities, chain.len(), "{counts:?}");

    let (builder, ours) = graph_from_gossip_and_chain(&gossip, &chain);
    assert_eq!((ours.announcements, ours.capacities, ours.refused), (chain.len(), chain.len(), 0));
    assert_eq!(ours.updates, counts.updates);
    let g = builder.build();

    let ro = ldk_graph.read_only();
    let (mut directions, mut htlc_max_below_capacity) = (0, 0);
    for c in truth.channels() {
        let cap = c.capacity.unwrap();
        let cap_sat_msat = cap.0 / 1000 * 1000;
        assert_eq!(chain.capacity(c.scid), Some(Msat(cap_sat_msat)), "{}", c.scid);
        assert_eq!(g.channel(c.scid).and_then(|ch| ch.capacity), Some(Msat(cap_sat_msat)));
        let info = ro.channel(c.scid.0).unwrap();
        assert_eq!(info.capacity_sats, Some(cap.0 / 1000), "{}", c.scid);
        for d in 0..2u8 {
            let Some(e) = truth.edge_of(c.scid, d).and_then(|e| truth.edge(e)) else { continue };
            let src = truth.node_id(e.src).unwrap();
            let (dir, _) =
                info.as_directed_from(&LdkNodeId::from_slice(src.as_bytes()).unwrap()).unwrap();
            // LDK: the whole capacity, and the advertised per-HTLC limit.
            assert_eq!(
                dir.effective_capacity(),
                EffectiveCapacity::Total {
                    capacity_msat: cap_sat_msat,
                    htlc_maximum_msat: e.htlc_max.0
                },
                "{} direction {d}",
                c.scid
            );
            // Ours: the same per-HTLC limit on the edge, the capacity on the channel.
            let ours = g.edge_of(c.scid, d).and_then(|x| g.edge(x)).unwrap();
            assert_eq!(ours.htlc_max, e.htlc_max, "{} direction {d}", c.scid);
            assert_eq!(route::knowledge::edge_capacity(&g, ours), cap_sat_msat);
            directions += 1;
            if e.htlc_max.0 * 3 < cap.0 * 2 {
                htlc_max_below_capacity += 1;
            }
        }
    }
    assert!(directions > 200, "{directions}");
    // The generator gives a quarter of the directions htlc_max = capacity / 2: the case the
    // chain's answer is for.
    assert!(htlc_max_below_capacity * 8 > directions, "{htlc_max_below_capacity}/{directions}");

    // Without the chain LDK knows no capacity at all.
    let (_, blind) = ldk::network_graph_from_gossip(gossip.iter().map(Vec::as_slice), None);
    assert_eq!((blind.announcements, blind.capacities), (chain.len(), 0), "{blind:?}");
}

/// A chain whose outputs pay to another script than the announcement's keys.
struct WrongScript(SimChain);

impl UtxoLookup for WrongScript {
    fn get_utxo(&self, chain_hash: &ChainHash, short_channel_id: u64) -> UtxoResult {
        match self.0.get_utxo(chain_hash, short_channel_id) {
            UtxoResult::Sync(Ok(out)) => {
                UtxoResult::Sync(Ok(TxOut { value: out.value, script_pubkey: ScriptBuf::new() }))
            }
            other => other,
        }
    }
}

#[test]
fn ldk_checks_the_funding_script_and_the_chain() {
    let sim = simulator();
    let gossip = sim.gossip();
    let chain = SimChain::new(&sim, gossip.iter().map(Vec::as_slice));
    let any = sim.graph().channels()[0].scid;
    let out = chain.output(any).unwrap();
    assert!(out.script_pubkey.is_p2wsh());
    assert!(out.value > Amount::ZERO);

    let other = ChainHash::using_genesis_block(bitcoin::Network::Testnet);
    assert!(matches!(chain.get_utxo(&other, any.0), UtxoResult::Sync(Err(_))));
    assert!(matches!(chain.get_utxo(&ChainHash::BITCOIN, u64::MAX), UtxoResult::Sync(Err(_))));

    let wrong = WrongScript(chain.clone());
    let net = lightning::routing::gossip::NetworkGraph::new(bitcoin::Network::Bitcoin, &ldk::LOG);
    let mut refused = 0;
    for m in &gossip {
        let Some(body) = m.strip_prefix(&[0x01, 0x00]) else { continue };
        let mut r = body;
        let ann: lightning::ln::msgs::ChannelAnnouncement =
            lightning::util::ser::LengthReadable::read_from_fixed_length_buffer(&mut r).unwrap();
        let err = net.update_channel_from_announcement(&ann, &Some(&wrong)).unwrap_err();
        assert!(err.err.contains("didn't match on-chain script"), "{}", err.err);
        refused += 1;
    }
    assert_eq!(refused, chain.len());
    assert_eq!(net.read_only().channels().len(), 0);
}

#[test]
fn the_lnpay_payer_routes_over_the_chain_capacities() {
    let sim = simulator();
    let key_seed = SimRng::for_item(11, 0x6b65_7973, 0).bytes32();
    let (d, counts) = delivery::lnpay_driver(sim, key_seed).unwrap();
    assert!(counts.capacities > 100, "{counts:?}");
    let g = d.machine.graph();
    assert_eq!(g.channels().iter().filter(|c| c.capacity.is_some()).count(), counts.capacities);
}
