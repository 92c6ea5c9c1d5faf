//! `lnpay getroute` on the BOLT 7 routing example written as a `listchannels` file (plain and
//! gzip'd), and in batch mode on a real mainnet graph.

mod common;

use serde_json::{json, Value};
use std::io::Write;
use std::path::PathBuf;
use std::process::Stdio;

/// Node ids of the BOLT 7 example: A < B < C < D by bytes.
fn id(c: char) -> String {
    let byte = match c {
        'A' => "aa",
        'B' => "bb",
        'C' => "cc",
        _ => "dd",
    };
    format!("02{}", byte.repeat(32))
}

/// The BOLT 7 example graph (A-B, A-D, B-C, D-C; each direction carries its source's policy)
/// in the old `listchannels` style with `"...msat"` strings.
fn bolt7_listchannels() -> String {
    let policy = |c: char| match c {
        'A' => (100, 1000, 10),
        'B' => (200, 2000, 20),
        'C' => (300, 3000, 30),
        _ => (400, 4000, 40),
    };
    let mut entries = Vec::new();
    for (i, (x, y)) in [('A', 'B'), ('A', 'D'), ('B', 'C'), ('D', 'C')].into_iter().enumerate() {
        for (src, dst) in [(x, y), (y, x)] {
            let (base, ppm, delay) = policy(src);
            entries.push(json!({
                "source": id(src), "destination": id(dst),
                "short_channel_id": format!("{}x1x0", 100 + i),
                "public": true, "satoshis": 1_000_000, "amount_msat": "1000000000msat",
                "message_flags": 1, "channel_flags": u8::from(src > dst), "active": true,
                "last_update": 1, "base_fee_millisatoshi": base, "fee_per_millionth": ppm,
                "delay": delay, "htlc_minimum_msat": "0msat", "htlc_maximum_msat": "990000000msat",
            }));
        }
    }
    json!({ "channels": entries }).to_string()
}

fn temp(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("lnpay-getroute-{}-{name}", std::process::id()))
}

/// The example graph as plain and gzip'd files.
fn graph_files() -> (PathBuf, PathBuf) {
    let text = bolt7_listchannels();
    let plain = temp("bolt7.json");
    std::fs::write(&plain, &text).unwrap();
    let gz = temp("bolt7.json.gz");
    let mut enc =
        flate2::write::GzEncoder::new(std::fs::File::create(&gz).unwrap(), Default::default());
    enc.write_all(text.as_bytes()).unwrap();
    enc.finish().unwrap();
    (plain, gz)
}

/// Runs `lnpay getroute ARGS [< stdin]`: success and stdout lines parsed as JSON.
fn lnpay(args: &[&str], stdin: Option<&str>) -> (bool, Vec<Value>) {
    let mut child = common::lnpay()
        .arg("getroute")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(stdin.unwrap_or("").as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    let values = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{l:?}: {e}")))
        .collect();
    (out.status.success(), values)
}

fn hop(c: char, channel: &str, direction: u8, amount: u64, delay: u32) -> Value {
    json!({"id": id(c), "channel": channel, "direction": direction, "amount_msat": amount,
           "delay": delay, "style": "tlv"})
}

#[test]
fn bolt7_example_routes_from_plain_and_gzip_files() {
    let (plain, gz) = graph_files();
    let a = id('A');
    let c = id('C');
    for graph in [&plain, &gz] {
        let g = graph.to_str().unwrap();
        let common = ["--graph", g, &c, "4999999", "0", "--fromid", &a, "--cltv", "60"];
        let (ok, out) = lnpay(&[&common[..], &["--fuzzpercent", "0"]].concat(), None);
        assert!(ok, "{out:?}");
        assert_eq!(
            out,
            vec![
                json!({"route": [hop('B', "100x1x0", 0, 5_010_198, 80), hop('C', "102x1x0", 0, 4_999_999, 60)]})
            ]
        );
        // Excluding B (as a node, or its channel to C) leaves the route through D.
        let via_d = json!({"route": [hop('D', "101x1x0", 0, 5_020_398, 100), hop('C', "103x1x0", 1, 4_999_999, 60)]});
        let b = id('B');
        let (ok, out) = lnpay(&[&common[..], &["--exclude", &b]].concat(), None);
        assert!(ok);
        assert_eq!(out, vec![via_d.clone()]);
        let (ok, out) = lnpay(&[&common[..], &["--exclude", "102x1x0/0"]].concat(), None);
        assert!(ok);
        assert_eq!(out, vec![via_d]);
        // Both middle nodes excluded: 205.
        let d = id('D');
        let (ok, out) = lnpay(&[&common[..], &["--exclude", &b, "--exclude", &d]].concat(), None);
        assert!(!ok);
        assert_eq!(out, vec![json!({"code": 205, "message": "Could not find a route"})]);
        // maxhops 1 < the 2 hops needed.
        let (ok, out) = lnpay(&[&common[..], &["--maxhops", "1"]].concat(), None);
        assert!(!ok);
        assert_eq!(out, vec![json!({"code": 205, "message": "Shortest route was 2"})]);
    }
}

#[test]
fn argument_errors() {
    let (plain, _) = graph_files();
    let g = plain.to_str().unwrap();
    let c = id('C');
    let code = |args: &[&str]| {
        let (ok, out) = lnpay(args, None);
        assert!(!ok, "{args:?}");
        assert_eq!(out.len(), 1);
        assert!(out[0]["message"].as_str().is_some_and(|m| !m.is_empty()));
        out[0]["code"].as_i64().unwrap()
    };
    // No --fromid: there is no self node offline.
    assert_eq!(code(&["--graph", g, &c, "1000", "1"]), -32602);
    assert_eq!(code(&["--graph", g, "02zz", "1000", "1", "--fromid", &id('A')]), -32602);
    assert_eq!(code(&["--graph", g, &c, "1.5", "1", "--fromid", &id('A')]), -32602);
    assert_eq!(code(&["--graph", g, &c, "1000", "-1", "--fromid", &id('A')]), -32602);
    assert_eq!(
        code(&["--graph", g, &c, "1000", "1", "--fromid", &id('A'), "--exclude", "x"]),
        -32602
    );
    assert_eq!(
        code(&["--graph", "/nonexistent/graph.json", &c, "1000", "1", "--fromid", &id('A')]),
        -32602
    );
    let unknown = format!("03{}", "ee".repeat(32));
    assert_eq!(code(&["--graph", g, &unknown, "1000", "1", "--fromid", &id('A')]), -32602);
}

#[test]
fn batch_answers_every_line() {
    let (_, gz) = graph_files();
    let (a, c) = (id('A'), id('C'));
    let lines = [
        json!({"id": c, "amount_msat": 4_999_999, "riskfactor": 0, "cltv": 60, "fromid": a, "fuzzpercent": 0}),
        json!({"id": c, "amount_msat": "4999999msat", "riskfactor": "0.5", "cltv": 60, "fromid": a,
               "exclude": [id('B')], "maxhops": 20}),
        json!({"id": c, "amount_msat": 1000, "riskfactor": 1}),
        json!({"id": c, "amount_msat": 1000, "riskfactor": 1, "fromid": a, "bogus": 1}),
        json!({"id": c, "amount_msat": 1000, "riskfactor": 1, "fromid": a, "exclude": [id('B'), id('D')]}),
    ];
    let input: String = lines.iter().map(|l| format!("{l}\n")).collect::<String>() + "not json\n";
    let (ok, out) = lnpay(&["--graph", gz.to_str().unwrap(), "--batch", "-"], Some(&input));
    assert!(ok);
    assert_eq!(out.len(), 6);
    assert_eq!(out[0]["route"][0]["amount_msat"], 5_010_198);
    assert_eq!(out[1]["route"][0]["id"], json!(id('D')));
    assert_eq!(out[2]["code"], -32602);
    assert!(out[3]["message"].as_str().unwrap().starts_with("unknown parameter: bogus"));
    assert_eq!(out[4]["code"], 205);
    assert_eq!(out[5]["code"], -32602);

    // --fromid on the command line is the default for every line.
    let line = json!({"id": c, "amount_msat": 1000, "riskfactor": 1});
    let (ok, out) = lnpay(
        &["--graph", gz.to_str().unwrap(), "--batch", "-", "--fromid", &a],
        Some(&format!("{line}\n{line}\n")),
    );
    assert!(ok);
    assert_eq!(out.len(), 2);
    assert!(out.iter().all(|o| o["route"].as_array().is_some_and(|r| r.len() == 2)));
}

#[test]
fn batch_on_real_gzip_graph() {
    let graph = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/graph/mainnet-2021-04-16.listchannels.json.gz"
    );
    assert!(std::path::Path::new(graph).is_file(), "missing test data: {graph}");
    // Two of the best-connected nodes of that snapshot.
    let from = "03864ef025fde8fb587d989186ce6a4a186895ee44a926bfc370e2c366597a3f8f";
    let to = "0242a4ae0c5bef18048fbecf995094b74bfb0f7391418d71ed394784373f41e4f3";
    let lines = [
        json!({"id": to, "amount_msat": 10_000, "riskfactor": 10, "fromid": from}),
        json!({"id": from, "amount_msat": "10sat", "riskfactor": 10, "fromid": to}),
    ];
    let input: String = lines.iter().map(|l| format!("{l}\n")).collect();
    let (ok, out) = lnpay(&["--graph", graph, "--batch", "-"], Some(&input));
    assert!(ok);
    assert_eq!(out.len(), 2);
    for (o, l) in out.iter().zip(&lines) {
        let route = o["route"].as_array().unwrap_or_else(|| panic!("{o}"));
        assert_eq!(route.last().unwrap()["id"], l["id"]);
        assert_eq!(route.last().unwrap()["amount_msat"], 10_000);
        assert_eq!(route.last().unwrap()["delay"], 9);
    }
}
