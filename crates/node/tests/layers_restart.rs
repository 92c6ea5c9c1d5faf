//! askrene layers across a crash: `lnpay node` is given a persistent layer, a layer that is
//! not, and learned constraints (from a pay and from `askrene-inform-channel` on `xpay`), then
//! killed with SIGKILL and started again on the same data dir. The persistent layer and what
//! was learned come back exactly as `askrene-listlayers` showed them; the other layer is gone,
//! and routing still honours the persistent layer.

mod common;

use common::{call, err, lnpay, ok, spawn_listening, Proc, TempDir, WAIT};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::Stdio;

fn start(dir: &Path) -> (Proc, PathBuf) {
    let mut cmd = lnpay();
    cmd.arg("node").args(["--nodes", "100"]).arg("--data-dir").arg(dir).stderr(Stdio::null());
    spawn_listening(&mut cmd, WAIT)
}

fn layer(sock: &Path, name: &str) -> Value {
    ok(call(sock, "askrene-listlayers", json!({"layer": name})))["layers"][0].clone()
}

#[test]
fn persistent_layers_and_learned_constraints_survive_kill_9() {
    let dir = TempDir::new("layers-restart");
    let (mut node, sock) = start(dir.path());
    let me = ok(call(&sock, "getinfo", json!([])))["id"].as_str().unwrap().to_string();
    let chans = ok(call(&sock, "listpeerchannels", json!([])))["channels"].clone();
    let peer = chans[0]["peer_id"].as_str().unwrap().to_string();
    let scid = chans[0]["short_channel_id"].as_str().unwrap().to_string();
    let dir0 = format!("{scid}/{}", u8::from(me > peer));

    // A pay teaches the learned layer something.
    let inv = ok(call(&sock, "dev-siminvoice", json!([peer, 250_000])));
    let paid = ok(call(&sock, "pay", json!({"bolt11": inv["bolt11"]})));
    assert_eq!(paid["status"], "complete");
    ok(call(
        &sock,
        "askrene-inform-channel",
        json!({"layer": "xpay", "short_channel_id_dir": dir0, "amount_msat": 900_000_000_000u64,
               "inform": "constrained"}),
    ));

    ok(call(&sock, "askrene-create-layer", json!({"layer": "keep", "persistent": true})));
    ok(call(&sock, "askrene-create-layer", json!({"layer": "gone"})));
    for l in ["keep", "gone"] {
        ok(call(&sock, "askrene-disable-node", json!({"layer": l, "node": peer})));
        ok(call(
            &sock,
            "askrene-inform-channel",
            json!({"layer": l, "short_channel_id_dir": dir0, "amount_msat": 1000,
                   "inform": "unconstrained"}),
        ));
    }
    ok(call(
        &sock,
        "askrene-bias-channel",
        json!({"layer": "keep", "short_channel_id_dir": dir0, "bias": 7, "description": "d"}),
    ));
    ok(call(
        &sock,
        "askrene-create-channel",
        json!({"layer": "keep", "source": peer, "destination": "02".to_string() + &"cd".repeat(32),
               "short_channel_id": "5x6x7", "capacity_msat": 1_000_000}),
    ));
    ok(call(
        &sock,
        "askrene-update-channel",
        json!({"layer": "keep", "short_channel_id_dir": dir0, "fee_base_msat": 3}),
    ));
    let keep = layer(&sock, "keep");
    let xpay = layer(&sock, "xpay");
    assert!(!xpay["constraints"].as_array().unwrap().is_empty(), "{xpay}");
    assert!(xpay["constraints"]
        .as_array()
        .unwrap()
        .iter()
        .any(|c| c["short_channel_id_dir"] == dir0.as_str()
            && c["maximum_msat"] == 900_000_000_000u64 - 1));

    node.kill9();
    let (_node, sock) = start(dir.path());
    assert_eq!(layer(&sock, "keep"), keep);
    assert_eq!(layer(&sock, "xpay"), xpay);
    let (code, msg) = err(call(&sock, "askrene-listlayers", json!({"layer": "gone"})));
    assert_eq!(code, -32602, "{msg}");
    let all = ok(call(&sock, "askrene-listlayers", json!({})))["layers"].clone();
    let names: Vec<&str> =
        all.as_array().unwrap().iter().map(|l| l["layer"].as_str().unwrap()).collect();
    assert_eq!(names, ["keep", "xpay"]);

    // Routing honours the restored layer: with our peer disabled, no route passes it.
    let far = ok(call(&sock, "listchannels", json!({"source": peer})))["channels"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["destination"].as_str().unwrap().to_string())
        .find(|d| *d != me && *d != peer)
        .unwrap();
    let base = json!({"source": me, "destination": far, "amount_msat": 1000,
                      "layers": ["auto.localchans"], "maxfee_msat": 100_000, "final_cltv": 18});
    ok(call(&sock, "getroutes", base.clone()));
    let mut blocked = base.clone();
    blocked["layers"] = json!(["auto.localchans", "keep"]);
    let r = call(&sock, "getroutes", blocked);
    if r.get("error").is_none() {
        for route in ok(r)["routes"].as_array().unwrap() {
            for h in route["path"].as_array().unwrap() {
                assert_ne!(h["node_id_out"], peer.as_str(), "{route}");
            }
        }
    } else {
        assert_eq!(err(r).0, 205);
    }

    // `lnpay cli -k` reaches the askrene methods with keyword params, arrays included.
    let out = lnpay()
        .arg("cli")
        .arg("--rpc-file")
        .arg(&sock)
        .args(["-k", "askrene-create-layer", "layer=cli", "persistent=true"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        (&v["layers"][0]["layer"], &v["layers"][0]["persistent"]),
        (&json!("cli"), &json!(true))
    );
    let out = lnpay()
        .arg("cli")
        .arg("--rpc-file")
        .arg(&sock)
        .arg("-k")
        .arg("getroutes")
        .arg(format!("source={me}"))
        .arg(format!("destination={far}"))
        .args(["amount_msat=1000sat", r#"layers=["auto.localchans","cli"]"#, "maxfee_msat=100000"])
        .arg("final_cltv=18")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(!v["routes"].as_array().unwrap().is_empty(), "{v}");
}
