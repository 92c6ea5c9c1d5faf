//! The node keeps its verified graph as a snapshot (`DIR/sim/graph.snapshot`) and, started
//! again, routes on it without asking the network for its gossip; a corrupt snapshot, or one
//! of another network, is replaced by the gossip import. Played against a scripted network,
//! which sees whether the node's `Hello` asks for gossip.

mod common;

use common::{call, ok, wait_listening, Proc, ScriptedNetwork, TempDir, WAIT};
use serde_json::{json, Value};
use std::path::Path;

/// Starts the node on `dir` against `net`, plays the handshake, waits for `listening on`;
/// returns the node and whether it asked for gossip.
fn start(net: &ScriptedNetwork, dir: &Path) -> (Proc, common::Link, bool) {
    let (node, lines) = net.spawn_node(dir);
    let link = net.accept(0);
    let wanted = link.wanted_gossip;
    wait_listening(&lines, WAIT, "lnpay node");
    (node, link, wanted)
}

fn channels(sock: &Path) -> Vec<Value> {
    let mut v = ok(call(sock, "listchannels", json!([])))["channels"].as_array().unwrap().clone();
    v.sort_by_key(|c| (c["short_channel_id"].to_string(), c["direction"].as_u64()));
    v
}

#[test]
fn the_graph_comes_back_from_its_snapshot() {
    let dir = TempDir::new("graph-snapshot");
    let net = ScriptedNetwork::bind(dir.path());
    let sock = dir.path().join("sim").join("lightning-rpc");
    let file = dir.path().join("sim").join("graph.snapshot");

    // First start: no snapshot, the gossip is asked for, imported and kept.
    let (mut node, link, wanted) = start(&net, dir.path());
    assert!(wanted, "a node without a graph must ask for gossip");
    assert!(file.is_file(), "no snapshot at {}", file.display());
    let first = channels(&sock);
    assert!(first.len() > 40, "{} channel directions", first.len());
    let me = ok(call(&sock, "getinfo", json!([])))["id"].clone();
    assert_eq!(me, net.me.to_string());
    node.kill9();
    drop(link);

    // Again: the graph comes from the snapshot, no gossip asked; the same graph, the same id.
    let (mut node, link, wanted) = start(&net, dir.path());
    assert!(!wanted, "the node asked for gossip though it has a snapshot");
    assert_eq!(channels(&sock), first);
    assert_eq!(ok(call(&sock, "getinfo", json!([])))["id"], me);
    node.kill9();
    drop(link);

    // A corrupt snapshot is refused: gossip again, and the snapshot is written anew.
    let mut bytes = std::fs::read(&file).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0x10;
    std::fs::write(&file, &bytes).unwrap();
    let (mut node, link, wanted) = start(&net, dir.path());
    assert!(wanted, "a corrupt snapshot was used");
    assert_eq!(channels(&sock), first);
    assert!(route::graph::snapshot::read(&std::fs::read(&file).unwrap()).is_ok());
    node.kill9();
    drop(link);

    // The snapshot of another network (without our channel): the node finds out at the
    // handshake, connects again asking for gossip, and routes on the right graph.
    let mut b = route::graph::GraphBuilder::new();
    let (a, z) = (types::NodeId::from_array([2; 33]).unwrap(), net.peer);
    b.add_channel(types::ShortChannelId(1), a, z, None);
    std::fs::write(&file, route::graph::snapshot::write(&b.build())).unwrap();
    let (node, lines) = net.spawn_node(dir.path());
    let first_try = net.accept(0);
    assert!(!first_try.wanted_gossip);
    let second = net.accept(0);
    assert!(second.wanted_gossip, "after a wrong snapshot the node must ask for gossip");
    wait_listening(&lines, WAIT, "lnpay node");
    assert_eq!(channels(&sock), first);
    assert_eq!(ok(call(&sock, "getinfo", json!([])))["id"], me);
    drop(node);
}
