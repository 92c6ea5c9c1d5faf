//! `lnpay node` over its socket: Core Lightning's framing, param errors, methods, a pay, and a
//! few hundred malformed requests after which the daemon still pays.

mod common;

use common::{
    call, err, lnpay, ok, read_reply, wait_listening, Daemon, ScriptedNetwork, TempDir, WAIT,
};
use serde_json::{json, Value};
use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::path::Path;
use std::time::{Duration, Instant};

fn pay_one(sock: &Path, amount: u64) -> Value {
    let peers = ok(call(sock, "listpeerchannels", json!([])));
    let peer = peers["channels"][0]["peer_id"].as_str().unwrap().to_string();
    let inv = ok(call(sock, "dev-siminvoice", json!([peer, amount])));
    let r = ok(call(sock, "pay", json!({"bolt11": inv["bolt11"]})));
    assert_eq!(r["status"], "complete");
    assert_eq!(r["payment_hash"], inv["payment_hash"]);
    assert_eq!(r["amount_msat"], amount);
    r
}

#[test]
fn framing_like_core_lightning() {
    let d = Daemon::start("daemon-framing", &["--nodes", "200"]);
    let mut c = UnixStream::connect(&d.sock).unwrap();
    let mut pending = Vec::new();
    // Two requests in one write, no delimiter.
    c.write_all(br#"{"jsonrpc":"2.0","id":1,"method":"getinfo"}{"jsonrpc":"2.0","id":"b","method":"help","params":[]}"#)
        .unwrap();
    let a = read_reply(&mut c, &mut pending).unwrap();
    let b = read_reply(&mut c, &mut pending).unwrap();
    let mut ids = vec![a["id"].clone(), b["id"].clone()];
    ids.sort_by_key(|v| v.to_string());
    assert_eq!(ids, vec![json!("b"), json!(1)]);
    // One request split across writes.
    c.write_all(br#"{"jsonrpc":"2.0","id":7,"met"#).unwrap();
    std::thread::sleep(Duration::from_millis(50));
    c.write_all(br#"hod":"getinfo","params":{}}"#).unwrap();
    let r = read_reply(&mut c, &mut pending).unwrap();
    assert_eq!(r["id"], 7);
    assert_eq!(r["result"]["network"], "sim");
    assert_eq!(r["result"]["id"].as_str().unwrap().len(), 66);
    assert!(pending.is_empty());
}

#[test]
fn errors_carry_core_lightning_codes_and_messages() {
    let d = Daemon::start("daemon-errors", &["--nodes", "200"]);
    assert_eq!(
        err(call(&d.sock, "nosuch", json!([]))),
        (-32601, "Unknown command 'nosuch'".into())
    );
    let (code, msg) = err(call(&d.sock, "getinfo", json!({"x": 1})));
    assert_eq!(code, -32602);
    assert!(msg.starts_with("unknown parameter: x, "), "{msg}");
    assert_eq!(
        err(call(&d.sock, "pay", json!([]))),
        (-32602, "missing required parameter: bolt11".into())
    );
    assert_eq!(
        err(call(&d.sock, "getinfo", json!([1]))),
        (-32602, "too many parameters: got 1, expected 0".into())
    );
    let (code, msg) = err(call(&d.sock, "pay", json!({"bolt11": "x", "amount_msat": "1.5sat"})));
    assert_eq!(
        (code, msg.as_str()),
        (-32602, "amount_msat: should be a millisatoshi amount: invalid token '1.5sat'")
    );
    let mut c = UnixStream::connect(&d.sock).unwrap();
    c.write_all(br#"{"id":3,"method":"pay","params":{"bolt11":"a","bolt11":"b"}}"#).unwrap();
    assert_eq!(
        err(read_reply(&mut c, &mut Vec::new()).unwrap()),
        (-32602, "duplicate json names: bolt11".into())
    );
    c.write_all(br#"{"id":4,"params":[]}"#).unwrap();
    assert_eq!(err(read_reply(&mut c, &mut Vec::new()).unwrap()).0, -32600);
}

#[test]
fn pay_then_list() {
    let d = Daemon::start("daemon-pay", &["--nodes", "200"]);
    let r = pay_one(&d.sock, 100_000);
    let hash = r["payment_hash"].clone();
    let pays = ok(call(&d.sock, "listpays", json!({"payment_hash": hash})));
    assert_eq!(pays["pays"].as_array().unwrap().len(), 1);
    assert_eq!(pays["pays"][0]["status"], "complete");
    let parts = ok(call(&d.sock, "listsendpays", json!([null, hash])));
    let parts = parts["payments"].as_array().unwrap();
    assert!(!parts.is_empty());
    assert!(parts.iter().any(|p| p["status"] == "complete"));
    let dec = ok(call(&d.sock, "decodepay", json!([pays["pays"][0]["bolt11"]])));
    assert_eq!(dec["payment_hash"], hash);
}

#[test]
fn malformed_requests_then_a_pay() {
    let d = Daemon::start("daemon-malformed", &["--nodes", "200"]);
    let bad: Vec<Vec<u8>> = vec![
        b"{]".to_vec(),
        b"[1,2,3]".to_vec(),
        b"42".to_vec(),
        b"\"str\"".to_vec(),
        br#"{"id":{},"method":"getinfo"}"#.to_vec(),
        br#"{"id":1,"method":17}"#.to_vec(),
        br#"{"id":1,"method":"getinfo","params":5}"#.to_vec(),
        br#"{"id":1,"method":"pay","params":[1e400]}"#.to_vec(),
        br#"{"id":1,"method":"pay","params":{"bolt11":123}}"#.to_vec(),
        br#"{"id":1,"method":"pay","params":["lnbc1nope"]}"#.to_vec(),
        br#"{"id":1,"method":"dev-siminvoice","params":["02zz", 5]}"#.to_vec(),
        br#"{"id":1,"method":"dev-siminvoice","params":[null, 99999999999999999999999]}"#.to_vec(),
        br#"{"id":1,"method":"listpays","params":[null,"abc"]}"#.to_vec(),
        br#"{"id":1,"method":"\u0000"}"#.to_vec(),
        b"\xff\xfe".to_vec(),
    ];
    let mut answered = 0;
    let mut n = 0;
    for round in 0..20 {
        for b in &bad {
            n += 1;
            let mut c = UnixStream::connect(&d.sock).unwrap();
            c.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
            c.write_all(b).unwrap();
            let mut out = Vec::new();
            let mut buf = [0u8; 4096];
            // Read until a full response or the close.
            loop {
                if out.windows(2).any(|w| w == b"\n\n") {
                    break;
                }
                match c.read(&mut buf) {
                    Ok(0) => break,
                    Ok(k) => out.extend_from_slice(&buf[..k]),
                    Err(e) => {
                        panic!("no answer and no close for {:?}: {e}", String::from_utf8_lossy(b))
                    }
                }
            }
            if !out.is_empty() {
                let v: Value = serde_json::from_slice(&out[..out.len() - 2]).unwrap();
                assert!(v["error"]["code"].is_i64(), "{v}");
                answered += 1;
            }
        }
        // A half-written request, then disconnect.
        let mut c = UnixStream::connect(&d.sock).unwrap();
        c.write_all(format!(r#"{{"id":{round},"method":"pay","par"#).as_bytes()).unwrap();
        drop(c);
        n += 1;
    }
    assert_eq!(n, 20 * (bad.len() + 1));
    assert!(answered >= 20 * (bad.len() - 1), "answered {answered}");
    pay_one(&d.sock, 50_000);
}

#[test]
fn cli_and_stop() {
    let d = Daemon::start("daemon-cli", &["--nodes", "200"]);
    let out =
        lnpay().args(["cli", "--rpc-file"]).arg(&d.sock).args(["-k", "getinfo"]).output().unwrap();
    assert!(out.status.success());
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["network"], "sim");
    // xpay and xkeysend by keyword.
    let peer = ok(call(&d.sock, "listpeerchannels", json!([])))["channels"][0]["peer_id"]
        .as_str()
        .unwrap()
        .to_string();
    let inv = ok(call(&d.sock, "dev-siminvoice", json!([peer, 21_000])));
    let invstring = format!("invstring={}", inv["bolt11"].as_str().unwrap());
    for args in [
        vec!["-k", "xpay", invstring.as_str(), "maxfee=5sat"],
        vec!["-k", "xkeysend", &format!("destination={peer}"), "amount_msat=4000msat"],
    ] {
        let out = lnpay().args(["cli", "--rpc-file"]).arg(&d.sock).args(&args).output().unwrap();
        assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stdout));
        let v: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(v["successful_parts"], 1, "{v}");
    }
    let out = lnpay().args(["cli", "--rpc-file"]).arg(&d.sock).args(["pay"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["code"], -32602);
    assert_eq!(ok(call(&d.sock, "stop", json!([])))["result"], "Shutdown complete");
    let t = Instant::now();
    let mut d = d;
    loop {
        if let Some(s) = d.proc.0.try_wait().unwrap() {
            assert!(s.success());
            break;
        }
        assert!(t.elapsed() < Duration::from_secs(10), "daemon did not exit after stop");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn concurrent_pays_each_get_their_reply() {
    let d = Daemon::start("daemon-concurrent", &["--nodes", "200"]);
    let peers = ok(call(&d.sock, "listpeerchannels", json!([])));
    let peers: Vec<String> = peers["channels"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["peer_id"].as_str().unwrap().to_string())
        .collect();
    assert!(peers.len() >= 2);
    let threads: Vec<_> = (0..40)
        .map(|i| {
            let sock = d.sock.clone();
            let peer = peers[i % peers.len()].clone();
            std::thread::spawn(move || {
                let inv = ok(call(&sock, "dev-siminvoice", json!([peer, 1_000 + i as u64])));
                let r = ok(call(&sock, "pay", json!([inv["bolt11"]])));
                assert_eq!(r["payment_hash"], inv["payment_hash"]);
                r["status"].as_str().unwrap().to_string()
            })
        })
        .collect();
    // The daemon answers other calls while pays are in flight.
    assert_eq!(ok(call(&d.sock, "getinfo", json!([])))["network"], "sim");
    let done: Vec<String> = threads.into_iter().map(|t| t.join().unwrap()).collect();
    assert_eq!(done.len(), 40);
    assert!(done.iter().all(|s| s == "complete"), "{done:?}");
    let pays = ok(call(&d.sock, "listpays", json!([])));
    assert_eq!(pays["pays"].as_array().unwrap().len(), 40);
}

#[test]
fn pay_binds_riskfactor_and_partial_msat() {
    let d = Daemon::start("daemon-riskpartial", &["--nodes", "200"]);
    let peers = ok(call(&d.sock, "listpeerchannels", json!([])));
    let peer = peers["channels"][0]["peer_id"].as_str().unwrap().to_string();
    let inv = ok(call(&d.sock, "dev-siminvoice", json!([peer, 100_000])));
    // partial_msat above the invoice amount: CLN's -32602.
    assert_eq!(
        err(call(&d.sock, "pay", json!({"bolt11": inv["bolt11"], "partial_msat": 100_001}))),
        (-32602, "partial_msat 100001msat must be less or equal to total amount 100000msat".into())
    );
    // A riskfactor that is not a number.
    let (code, msg) =
        err(call(&d.sock, "pay", json!({"bolt11": inv["bolt11"], "riskfactor": "x"})));
    assert_eq!(code, -32602);
    assert!(msg.starts_with("riskfactor: "), "{msg}");
    // localinvreqid stays refused (no bolt12).
    let (code, msg) =
        err(call(&d.sock, "pay", json!({"bolt11": inv["bolt11"], "localinvreqid": "00"})));
    assert_eq!((code, msg.as_str()), (-32602, "localinvreqid: not supported by lnpay"));
    // riskfactor positionally (4th) and partial_msat of the whole amount by name: a plain pay.
    let r = ok(call(&d.sock, "pay", json!([inv["bolt11"], null, null, 0.5])));
    assert_eq!(r["status"], "complete");
    assert_eq!(r["amount_msat"], 100_000);
    let inv = ok(call(&d.sock, "dev-siminvoice", json!([peer, 70_000])));
    let r = ok(call(
        &d.sock,
        "pay",
        json!({"bolt11": inv["bolt11"], "riskfactor": 20, "partial_msat": "70000msat"}),
    ));
    assert_eq!(r["status"], "complete");
    assert_eq!(r["amount_msat"], 70_000);
}

/// A scripted network on a unix socket speaking `wire`: the node stores each part with
/// its HTLC id before the add leaves, fails locally a part whose add the network never
/// logged (told by `next_htlc_id` at the reconnect), never reuses that id, and acknowledges a
/// fulfill once it is stored.
#[test]
fn peer_link_against_a_scripted_network() {
    use types::{Msat, PaymentPreimage};

    let dir = TempDir::new("daemon-scripted");
    let net = ScriptedNetwork::bind(dir.path());
    let (_node, lines) = net.spawn_node(dir.path());
    let sock = dir.path().join("sim").join("lightning-rpc");
    let mut c = net.accept(0);
    assert_eq!(wait_listening(&lines, WAIT, "lnpay node"), sock);
    assert_eq!(ok(call(&sock, "getinfo", json!([])))["id"], net.me.to_string());

    const SECRET: &str = "0101010101010101010101010101010101010101010101010101010101010101";
    let preimage = PaymentPreimage([42; 32]);
    let hash = preimage.hash().to_string();
    let route = net.route(5_000);
    // A part of 5,000 msat of a 10,000 msat payment, sent and pending.
    let send_part = |partid: u64| {
        let sent = ok(call(
            &sock,
            "sendpay",
            json!({"route": route, "payment_hash": hash, "partid": partid, "groupid": 1,
                   "amount_msat": 10_000, "payment_secret": SECRET}),
        ));
        assert_eq!(sent["status"], "pending");
    };
    send_part(1);
    let wire::Message::UpdateAddHtlc(add) = c.read() else { panic!("no add") };
    assert_eq!((add.channel_id, add.id, add.amount_msat), (net.channel_id, 0, Msat(5_000)));
    // The part and its HTLC id were stored before the add was written.
    let store = rusqlite::Connection::open(dir.path().join("sim").join("lnpay.sqlite3")).unwrap();
    let (status, id): (String, i64) = store
        .query_row("select status, htlc_id from parts where partid = 1", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .unwrap();
    assert_eq!((status.as_str(), id), ("pending", 0));

    // The network goes away without logging the add; back, it says id 0 was never received.
    drop(c);
    let mut c = net.accept(0);
    let r = call(&sock, "waitsendpay", json!({"payment_hash": hash, "partid": 1, "groupid": 1}));
    assert_eq!(err(r).0, 204);

    // The next part takes id 1, not the id of the lost add; its fulfill is acknowledged.
    send_part(2);
    let (id, _) = c.read_add();
    assert_eq!(id, 1);
    c.fulfill(net.channel_id, 1, preimage);
    let r =
        ok(call(&sock, "waitsendpay", json!({"payment_hash": hash, "partid": 2, "groupid": 1})));
    assert_eq!(r["status"], "complete");
    assert_eq!(r["payment_preimage"], types::hex::encode(&preimage.0));
}
