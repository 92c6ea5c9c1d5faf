//! 1,000 concurrent pays against a running `lnpay node` over its simulated network: 250 client
//! connections at once, each with four `pay` requests of small simulated invoices in flight.
//! None is lost or stuck: every request gets its reply, and `listpays` then shows each payment
//! complete (with its preimage) or failed, agreeing with the reply (whose error says why).

mod common;

use common::{calls, ok, Daemon};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::time::Instant;

const PAYS: usize = 1000;
const CONNECTIONS: usize = 250;

#[test]
fn a_thousand_concurrent_pays_none_lost_or_stuck() {
    let d = Daemon::start("load", &[]);
    let t0 = Instant::now();
    let peers = calls(&d.sock, &[("listpeerchannels", json!([]))]).unwrap();
    let peers: Vec<String> = ok(peers[0].clone())["channels"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["peer_id"].as_str().unwrap().to_string())
        .collect();
    assert!(!peers.is_empty());

    // The invoices: small amounts, to every peer in turn, asked for over 10 connections.
    let invoices: Vec<Value> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..10)
            .map(|k| {
                let (sock, peers) = (&d.sock, &peers);
                s.spawn(move || {
                    let reqs: Vec<(&str, Value)> = (k * PAYS / 10..(k + 1) * PAYS / 10)
                        .map(|i| {
                            let peer = &peers[i % peers.len()];
                            ("dev-siminvoice", json!([peer, 1_000 + i as u64]))
                        })
                        .collect();
                    calls(sock, &reqs).unwrap()
                })
            })
            .collect();
        handles.into_iter().flat_map(|h| h.join().unwrap()).map(ok).collect()
    });
    assert_eq!(invoices.len(), PAYS);
    let t_invoices = t0.elapsed();

    // Every pay at once: CONNECTIONS connections, PAYS / CONNECTIONS pays in flight on each.
    let t1 = Instant::now();
    let per = PAYS / CONNECTIONS;
    let replies: Vec<Value> = std::thread::scope(|s| {
        let handles: Vec<_> = invoices
            .chunks(per)
            .map(|chunk| {
                let sock = &d.sock;
                std::thread::Builder::new()
                    .stack_size(256 << 10)
                    .spawn_scoped(s, move || {
                        let reqs: Vec<(&str, Value)> =
                            chunk.iter().map(|inv| ("pay", json!([inv["bolt11"]]))).collect();
                        calls(sock, &reqs).unwrap_or_else(|e| panic!("pays lost: {e}"))
                    })
                    .unwrap()
            })
            .collect();
        assert_eq!(handles.len(), CONNECTIONS);
        handles.into_iter().flat_map(|h| h.join().unwrap()).collect()
    });
    let t_pays = t1.elapsed();
    assert_eq!(replies.len(), PAYS);

    // Each reply is the pay of its invoice: complete with the preimage, or an error saying why.
    let mut outcome: HashMap<String, bool> = HashMap::new();
    let mut failures: HashMap<i64, usize> = HashMap::new();
    for (inv, r) in invoices.iter().zip(&replies) {
        let hash = inv["payment_hash"].as_str().unwrap().to_string();
        match r.get("result") {
            Some(res) => {
                assert_eq!(res["payment_hash"], inv["payment_hash"], "{r}");
                assert_eq!(res["status"], "complete", "{r}");
                assert_eq!(res["payment_preimage"].as_str().map(str::len), Some(64), "{r}");
                outcome.insert(hash, true);
            }
            None => {
                let code = r["error"]["code"].as_i64().unwrap_or_else(|| panic!("{r}"));
                let message = r["error"]["message"].as_str().unwrap_or_default();
                assert!(!message.is_empty(), "a failure without a reason: {r}");
                *failures.entry(code).or_default() += 1;
                outcome.insert(hash, false);
            }
        }
    }
    assert_eq!(outcome.len(), PAYS, "payment hashes repeat");

    // listpays agrees: nothing pending, nothing missing.
    let listed = calls(&d.sock, &[("listpays", json!([]))]).unwrap();
    let listed = ok(listed[0].clone())["pays"].as_array().unwrap().clone();
    let mut seen = 0;
    for p in &listed {
        let hash = p["payment_hash"].as_str().unwrap();
        let Some(&complete) = outcome.get(hash) else { continue };
        seen += 1;
        let want = if complete { "complete" } else { "failed" };
        assert_eq!(p["status"], want, "{p}");
        if complete {
            assert!(p["preimage"].is_string(), "{p}");
        }
    }
    let failed = outcome.values().filter(|c| !**c).count();
    // A pay refused before it started (a bad invoice, say) leaves no record; here every
    // invoice is good, so every pay is listed.
    assert_eq!(seen, PAYS, "{failed} failed: {failures:?}");
    eprintln!(
        "{PAYS} pays over {CONNECTIONS} connections: {} complete, {failed} failed {failures:?}; \
         invoices {t_invoices:?}, pays {t_pays:?}",
        PAYS - failed
    );
    // The load is the sim's to carry: most pays go through.
    assert!(failed * 10 <= PAYS, "{failed} of {PAYS} failed: {failures:?}");
}
