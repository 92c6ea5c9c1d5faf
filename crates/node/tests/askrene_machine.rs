//! The askrene commands and `getroutes` in the payment machine, over the simulated network
//! through the harness's driver: a pay routes through the layers it names, `getroutes` keeps
//! its limits, only persistent layers reach the store, and a restart from the store brings
//! them back.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use harness::driver::{Driver, StoreKey};
use payment::{AskreneCommand, AskreneReply, Command, GetroutesRequest, PayRequest, Reply};
use route::flow::FlowError;
use route::graph::EdgePolicy;
use sim::{SimConfig, Simulator, Topology};
use types::{Msat, NodeId, ShortChannelId};

const CAP: u64 = 10_000_000_000;

fn policy(base: u32, ppm: u32, cap: u64) -> EdgePolicy {
    EdgePolicy {
        timestamp: 1_770_000_000,
        enabled: true,
        base_fee_msat: base,
        fee_ppm: ppm,
        cltv_delta: 40,
        htlc_min: Msat(1),
        htlc_max: Msat(cap),
    }
}

/// 0-1-3 (cheap) and 0-2-3 (dearer), half of each channel on each side.
fn diamond() -> Driver {
    let mut t = Topology::new();
    for _ in 0..4 {
        t.add_node();
    }
    for (i, (a, b, base, ppm)) in
        [(0, 1, 1000, 100), (0, 2, 2000, 500), (1, 3, 1000, 100), (2, 3, 2000, 500)]
            .into_iter()
            .enumerate()
    {
        t.add_channel(
            ShortChannelId::new(800_000, i as u64 + 1, 0).unwrap(),
            a,
            b,
            Msat(CAP),
            policy(base, ppm, CAP),
        )
        .balance_a = Some(Msat(CAP / 2));
    }
    let mut sim = Simulator::new(&t, SimConfig { seed: 1, ..Default::default() }).unwrap();
    sim.set_payer(0);
    Driver::new(sim, [42; 32]).unwrap()
}

fn node(d: &Driver, i: u32) -> NodeId {
    d.sim.node_id(i).unwrap()
}

fn askrene(d: &mut Driver, c: AskreneCommand) -> AskreneReply {
    match d.call(Command::Askrene(c)) {
        Some(Reply::Askrene(Ok(r))) => r,
        other => panic!("askrene gave {other:?}"),
    }
}

fn getroutes(d: &mut Driver, layers: &[&str], maxfee: u64, maxparts: Option<u32>) -> Reply {
    let r = GetroutesRequest {
        source: node(d, 0),
        destination: node(d, 3),
        amount_msat: Msat(100_000_000),
        layers: layers.iter().map(|s| s.to_string()).collect(),
        maxfee_msat: Msat(maxfee),
        final_cltv: 18,
        maxdelay: None,
        maxparts,
    };
    d.call(Command::Getroutes(r)).unwrap()
}

fn first_peers(r: &Reply) -> Vec<NodeId> {
    let Reply::Getroutes(Ok(routes)) = r else { panic!("getroutes gave {r:?}") };
    routes.flow.parts.iter().map(|p| p.hops[0].id).collect()
}

#[test]
fn pay_and_getroutes_go_through_layers() {
    let mut d = diamond();
    let (n1, n2) = (node(&d, 1), node(&d, 2));
    let r = getroutes(&mut d, &["auto.localchans"], 1_000_000, Some(1));
    assert_eq!(first_peers(&r), vec![n1]);
    askrene(&mut d, AskreneCommand::CreateLayer { layer: "avoid".into(), persistent: false });
    askrene(&mut d, AskreneCommand::DisableNode { layer: "avoid".into(), node: n1 });
    let r = getroutes(&mut d, &["auto.localchans", "avoid"], 1_000_000, Some(1));
    assert_eq!(first_peers(&r), vec![n2]);
    // The dearer way costs 52 sat: below that it is refused as too expensive.
    let r = getroutes(&mut d, &["auto.localchans", "avoid"], 51_999, Some(1));
    assert!(
        matches!(
            r,
            Reply::Getroutes(Err(payment::GetroutesError::Flow(FlowError::TooExpensive { .. })))
        ),
        "{r:?}"
    );
    let r = getroutes(&mut d, &["nosuch"], 1_000_000, None);
    assert!(matches!(r, Reply::Getroutes(Err(payment::GetroutesError::UnknownLayer { .. }))));

    // A pay through the layer goes the dearer way; without it, the cheap one.
    let inv = d.sim.create_invoice(3, Some(Msat(100_000_000))).unwrap();
    let mut req = PayRequest::new(
        bolt11::Invoice::decode(&inv.bolt11, bolt11::Currency::Bitcoin).unwrap(),
        inv.bolt11.clone(),
    );
    // A layer that does not exist is refused before anything is sent, by pay and xpay.
    let mut bad = req.clone();
    bad.options.layers = vec!["avoid".into(), "nosuch".into()];
    let r = d.call(Command::Pay(bad));
    assert!(
        matches!(&r, Some(Reply::Pay(Err(payment::PayError::UnknownLayer { layer }))) if layer == "nosuch"),
        "{r:?}"
    );
    let mut x = payment::XpayRequest::new((*req.invoice).clone(), inv.bolt11.clone());
    x.layers = vec!["nosuch".into()];
    let r = d.call(Command::Xpay(x));
    assert!(
        matches!(&r, Some(Reply::Xpay(Err(payment::XpayError::UnknownLayer { layer }))) if layer == "nosuch"),
        "{r:?}"
    );
    assert!(d.machine.parts().is_empty());
    req.options.layers = vec!["avoid".into()];
    assert!(matches!(d.call(Command::Pay(req)), Some(Reply::Pay(Ok(_)))));
    let via: Vec<NodeId> = d.machine.parts().iter().map(|p| p.route[0].id).collect();
    assert_eq!(via, vec![n2]);
    let inv = d.sim.create_invoice(3, Some(Msat(100_000_000))).unwrap();
    let req = PayRequest::new(
        bolt11::Invoice::decode(&inv.bolt11, bolt11::Currency::Bitcoin).unwrap(),
        inv.bolt11.clone(),
    );
    assert!(matches!(d.call(Command::Pay(req)), Some(Reply::Pay(Ok(_)))));
    assert_eq!(d.machine.parts().last().unwrap().route[0].id, n1);
}

#[test]
fn only_persistent_layers_are_stored_and_come_back() {
    let mut d = diamond();
    let n1 = node(&d, 1);
    askrene(&mut d, AskreneCommand::CreateLayer { layer: "keep".into(), persistent: true });
    askrene(&mut d, AskreneCommand::CreateLayer { layer: "temp".into(), persistent: false });
    for l in ["keep", "temp"] {
        askrene(&mut d, AskreneCommand::DisableNode { layer: l.into(), node: n1 });
    }
    assert!(d.store.contains_key(&StoreKey::Layer("keep".into())));
    assert!(!d.store.contains_key(&StoreKey::Layer("temp".into())));
    let before = askrene(&mut d, AskreneCommand::ListLayers { layer: Some("keep".into()) });
    d.restart();
    let after = askrene(&mut d, AskreneCommand::ListLayers { layer: Some("keep".into()) });
    assert_eq!(before, after);
    let r = d.call(Command::Askrene(AskreneCommand::ListLayers { layer: Some("temp".into()) }));
    assert!(matches!(r, Some(Reply::Askrene(Err(payment::AskreneError::UnknownLayer { .. })))));
    // Removing a persistent layer removes it from the store.
    askrene(&mut d, AskreneCommand::RemoveLayer { layer: "keep".into() });
    assert!(!d.store.contains_key(&StoreKey::Layer("keep".into())));
    d.restart();
    let AskreneReply::Layers(ls) = askrene(&mut d, AskreneCommand::ListLayers { layer: None })
    else {
        panic!("not layers")
    };
    let names: Vec<&str> = ls.iter().map(|l| l.name.as_str()).collect();
    assert_eq!(names, ["xpay"]);
}
