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
