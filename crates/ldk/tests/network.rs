//! The in-process LDK network builds: channels opened, confirmed and announced by gossip.

use lnpay_ldk::network::{Network, RouterKind, Topology};

#[test]
fn a_generated_network_opens_and_announces_every_channel() {
    let topology = Topology::generated(12, 2, 7);
    let net = Network::build(&topology, RouterKind::Lnpay, 7);
    eprintln!("{:?}", net.stats);
    assert_eq!(net.stats.channels, topology.channels.len());
    for n in &net.nodes {
        let view = n.graph.read_only();
        assert_eq!(view.channels().len(), topology.channels.len());
        let with_both = view
            .channels()
            .unordered_iter()
            .filter(|(_, c)| c.one_to_two.is_some() && c.two_to_one.is_some())
            .count();
        assert_eq!(with_both, topology.channels.len());
    }
}

#[test]
fn the_best_connected_nodes_of_a_mainnet_listchannels_graph_become_an_ldk_network() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/graph/mainnet-2026-02-03.listchannels.json.gz");
    assert!(path.exists(), "the shared mainnet graph is missing: {}", path.display());
    let topology = Topology::from_listchannels(&path, 12, 3).unwrap();
    assert_eq!(topology.nodes, 12);
    // The best-connected nodes of mainnet are densely connected among themselves.
    assert!(topology.channels.len() >= 20, "{} channels", topology.channels.len());
    assert!(topology.channels.iter().all(|c| c.capacity_sat < (1 << 24)));
    let net = Network::build(&topology, RouterKind::Ldk, 3);
    assert_eq!(net.stats.channels, topology.channels.len());
    let view = net.nodes[11].graph.read_only();
    assert_eq!(view.channels().len(), topology.channels.len());
    // Policies come from the file: some channel charges a proportional fee other than ours.
    let spec = topology.channels[0];
    let scid = net.scids(spec.a, spec.b);
    let info = scid.iter().find_map(|s| view.channel(*s)).unwrap();
    let fees: Vec<u32> = [&info.one_to_two, &info.two_to_one]
        .iter()
        .filter_map(|u| u.as_ref().map(|u| u.fees.proportional_millionths))
        .collect();
    assert_eq!(fees.len(), 2);
}
