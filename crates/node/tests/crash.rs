//! Crash safety of `lnpay node` against `lnpay network` running as its own process: 20
//! multi-part pays in flight, the node killed with SIGKILL at seeded random moments and
//! restarted on the same data dir (several rounds), then one round where the network process
//! is killed and restarted instead. After each restart of the node every pay not yet answered
//! is asked again, as a client of a crashed node does. At the end every payment is complete
//! with its preimage or failed with its reason, none was paid twice or lost, every `pay` reply
//! agrees with the parts it claims, and the network's balances on our channels agree with what
//! the node's store says was sent.

mod common;

use common::{call, lnpay, ok, read_reply, request, spawn_piped, wait_listening, Proc, TempDir};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashMap};
use std::io::Write;
use std::os::unix::net::UnixStream;
use std::path::Path;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Pays in flight.
const PAYS: usize = 20;
/// Kill rounds: the node is killed in each but one, where the network is.
const ROUNDS: usize = 12;
/// The round that kills the network process instead of the node.
const NETWORK_ROUND: usize = 7;
/// Simulated milliseconds per wall-clock millisecond: 50 ms per hop message, so an attempt
/// takes tens of milliseconds of real time and a pay with its retries a few hundred; a
/// receiver holds an incomplete multi-part set for 30 s.
const SPEED: &str = "2";
const NODES: &str = "150";
/// Seconds a pay keeps retrying (simulated: 20 s of wall-clock time).
const RETRY_FOR: u64 = 40;

/// A seeded xorshift: the kill moments are the same on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// Spawns `lnpay ARGS`, its stderr appended to `log`, and waits for `listening on`.
fn spawn(name: &str, args: &[&str], log: &Path) -> Proc {
    let err = std::fs::OpenOptions::new().create(true).append(true).open(log).unwrap();
    let (proc, lines) = spawn_piped(lnpay().args(args).stderr(Stdio::from(err)));
    wait_listening(&lines, Duration::from_secs(60), &format!("{name} (log: {})", log.display()));
    proc
}

/// Answers the node gave to `pay`, by invoice, in the order they came (a `pay` cut by a kill
/// has none).
type Answers = Arc<Mutex<HashMap<usize, Vec<Value>>>>;

/// Sends a `pay` and waits for its answer on a thread (the node may die first).
fn start_pay(sock: &Path, i: usize, bolt11: &str, answers: &Answers) {
    let mut c = UnixStream::connect(sock).unwrap();
    let params = json!({"bolt11": bolt11, "retry_for": RETRY_FOR});
    c.write_all(&request(i, "pay", &params)).unwrap();
    let answers = answers.clone();
    std::thread::spawn(move || {
        if let Ok(v) = read_reply(&mut c, &mut Vec::new()) {
            answers.lock().unwrap().entry(i).or_default().push(v);
        }
    });
}

fn db(path: &Path) -> rusqlite::Connection {
    let c = rusqlite::Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
        .unwrap();
    c.busy_timeout(Duration::from_secs(5)).unwrap();
    c
}

/// Our side's balance on each of our channels, from the network's `channels` table.
fn our_balances(net_db: &Path, me: &str, scids: &[String]) -> BTreeMap<String, u64> {
    let c = db(net_db);
    let mut out = BTreeMap::new();
    for scid in scids {
        let (n0, n1, b0, b1): (String, String, i64, i64) = c
            .query_row(
                "select node0, node1, balance0_msat, balance1_msat from channels where scid = ?1",
                [scid],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
            .unwrap_or_else(|e| panic!("channel {scid} not in the network's channels table: {e}"));
        let b = if n0 == me {
            b0
        } else {
            assert_eq!(n1, me, "channel {scid} is not ours");
            b1
        };
        out.insert(scid.clone(), b as u64);
    }
    out
}

/// Every node id the network knows (to pick payees from).
fn network_nodes(net_db: &Path) -> Vec<String> {
    let c = db(net_db);
    let mut st = c.prepare("select node0 from channels union select node1 from channels").unwrap();
    let mut ids: Vec<String> =
        st.query_map([], |r| r.get(0)).unwrap().map(Result::unwrap).collect();
    ids.sort();
    ids
}

/// The median capacity of the network's channels.
fn median_capacity(net_db: &Path) -> u64 {
    let c = db(net_db);
    let mut st = c.prepare("select balance0_msat + balance1_msat from channels").unwrap();
    let mut caps: Vec<i64> = st.query_map([], |r| r.get(0)).unwrap().map(Result::unwrap).collect();
    caps.sort();
    caps[caps.len() / 2] as u64
}

struct Invoice {
    bolt11: String,
    hash: String,
    amount: u64,
}

/// The group of a payment's fulfilled parts (a payment is completed by one group).
fn parts_group(parts: &[Value]) -> Value {
    parts.iter().find(|p| p["status"] == "complete").map_or(Value::Null, |p| p["groupid"].clone())
}

/// Pays started but not answered yet: asked again after a restart of the node (the new `pay`
/// latches on to the payment in flight, or answers with its stored result once none of its
/// parts is pending).
fn ask_again(sock: &Path, invoices: &[Invoice], started: &[bool], answers: &Answers) -> usize {
    let mut n = 0;
    for (i, inv) in invoices.iter().enumerate().filter(|(i, _)| started[*i]) {
        if !answers.lock().unwrap().contains_key(&i) {
            start_pay(sock, i, &inv.bolt11, answers);
            n += 1;
        }
    }
    n
}

/// Pays the node has no record of and never answered (the `pay` was lost with the node
/// before anything was stored): the caller asks again, as a client of a crashed node does.
fn reissue_lost(sock: &Path, invoices: &[Invoice], started: &[bool], answers: &Answers) -> usize {
    let mut n = 0;
    for (i, inv) in invoices.iter().enumerate().filter(|(i, _)| started[*i]) {
        let pays = ok(call(sock, "listpays", json!({"payment_hash": inv.hash})));
        if pays["pays"].as_array().unwrap().is_empty() && !answers.lock().unwrap().contains_key(&i)
        {
            start_pay(sock, i, &inv.bolt11, answers);
            n += 1;
        }
    }
    n
}

fn pending_parts(sock: &Path) -> usize {
    let parts = ok(call(sock, "listsendpays", json!([])));
    parts["payments"].as_array().unwrap().iter().filter(|p| p["status"] == "pending").count()
}

#[test]
fn kill_the_node_and_the_network_mid_payment() {
    let t0 = Instant::now();
    let root = TempDir::new("crash");
    let root = root.path();
    let net_dir = root.join("net");
    let node_dir = root.join("node");
    let peer_sock = net_dir.join("peer.sock");
    let net_db = net_dir.join("network.sqlite3");
    let node_db = node_dir.join("sim").join("lnpay.sqlite3");
    let sock = node_dir.join("sim").join("lightning-rpc");
    let net_log = root.join("network.log");
    let node_log = root.join("node.log");
    let net_args: Vec<String> = vec![
        "network".into(),
        "--data-dir".into(),
        net_dir.display().to_string(),
        "--nodes".into(),
        NODES.into(),
        "--seed".into(),
        "11".into(),
        "--speed".into(),
        SPEED.into(),
    ];
    let net_args: Vec<&str> = net_args.iter().map(String::as_str).collect();
    let node_args: Vec<String> = vec![
        "node".into(),
        "--data-dir".into(),
        node_dir.display().to_string(),
        "--peers".into(),
        peer_sock.display().to_string(),
        "--speed".into(),
        SPEED.into(),
    ];
    let node_args: Vec<&str> = node_args.iter().map(String::as_str).collect();

    let mut net = spawn("network", &net_args, &net_log);
    let mut node = spawn("node", &node_args, &node_log);
    let me = ok(call(&sock, "getinfo", json!([])))["id"].as_str().unwrap().to_string();
    let chans = ok(call(&sock, "listpeerchannels", json!([])));
    let chans = chans["channels"].as_array().unwrap().clone();
    assert!(chans.len() >= 2, "our node needs several channels: {chans:?}");
    let scids: Vec<String> =
        chans.iter().map(|c| c["short_channel_id"].as_str().unwrap().to_string()).collect();
    let initial = our_balances(&net_db, &me, &scids);

    // Payees drawn from the whole network; amounts from half to one and a half times the
    // median channel capacity, so most pays split into several parts.
    let mut rng = Rng(0x5eed_c0ff_ee11);
    let median = median_capacity(&net_db);
    let nodes: Vec<String> = network_nodes(&net_db).into_iter().filter(|n| *n != me).collect();
    assert!(nodes.len() > 50, "too few nodes: {}", nodes.len());
    let mut invoices = Vec::new();
    for i in 0..PAYS {
        let payee = &nodes[rng.below(nodes.len() as u64) as usize];
        let amount = median / 2 + rng.below(median);
        let r = ok(call(&sock, "dev-siminvoice", json!([payee, amount, format!("crash {i}")])));
        invoices.push(Invoice {
            bolt11: r["bolt11"].as_str().unwrap().to_string(),
            hash: r["payment_hash"].as_str().unwrap().to_string(),
            amount,
        });
    }

    // Rounds: start a few pays, wait a random moment, kill the node (or, once, the network)
    // with SIGKILL, restart it on the same data dir.
    let mut started = vec![false; PAYS];
    let answers: Answers = Arc::default();
    let mut reissued = 0;
    let mut asked_again = 0;
    let mut next = 0;
    let mut pending_at_kill = Vec::new();
    // All pays start in the first rounds; the later ones catch retries and held parts.
    let batch = PAYS.div_ceil(4);
    for round in 0..ROUNDS {
        for _ in 0..batch {
            if next < PAYS {
                start_pay(&sock, next, &invoices[next].bolt11, &answers);
                started[next] = true;
                next += 1;
            }
        }
        std::thread::sleep(Duration::from_millis(50 + rng.below(700)));
        let pending = pending_parts(&sock);
        std::thread::sleep(Duration::from_millis(rng.below(100)));
        pending_at_kill.push(pending);
        let t = t0.elapsed().as_secs_f64();
        if round == NETWORK_ROUND {
            // The node stays up and reconnects by itself once the network is back.
            net.kill9();
            eprintln!("{t:5.1} s round {round}: network killed, about {pending} parts pending");
            std::thread::sleep(Duration::from_millis(200 + rng.below(500)));
            net = spawn("network", &net_args, &net_log);
        } else {
            node.kill9();
            eprintln!("{t:5.1} s round {round}: node killed, about {pending} parts pending");
            node = spawn("node", &node_args, &node_log);
            reissued += reissue_lost(&sock, &invoices, &started, &answers);
            asked_again += ask_again(&sock, &invoices, &started, &answers);
        }
    }
    assert_eq!(next, PAYS, "every pay was started");
    eprintln!("{:5.1} s rounds done", t0.elapsed().as_secs_f64());

    // Everything settles.
    let deadline = Instant::now() + Duration::from_secs(60);
    let pays = loop {
        let pays = ok(call(&sock, "listpays", json!([])));
        let pays = pays["pays"].as_array().unwrap().clone();
        let settled = pays.iter().all(|p| p["status"] != "pending");
        let answers_now = answers.lock().unwrap().clone();
        let all_known = invoices.iter().enumerate().all(|(i, inv)| {
            answers_now.contains_key(&i) || pays.iter().any(|p| p["payment_hash"] == inv.hash)
        });
        if settled && all_known && pending_parts(&sock) == 0 {
            break pays;
        }
        assert!(Instant::now() < deadline, "pays still pending after 60 s: {pays:?}");
        std::thread::sleep(Duration::from_millis(200));
    };

    eprintln!("{:5.1} s settled", t0.elapsed().as_secs_f64());
    // Every invoice: exactly one pay, complete with its preimage or failed with its reason.
    let by_hash: HashMap<String, Vec<&Value>> = pays.iter().fold(HashMap::new(), |mut m, p| {
        m.entry(p["payment_hash"].as_str().unwrap().to_string()).or_default().push(p);
        m
    });
    let mut complete = 0;
    let mut failed = 0;
    let mut multipart = 0;
    let mut unsent = 0;
    for (i, inv) in invoices.iter().enumerate() {
        let Some(mine) = by_hash.get(&inv.hash) else {
            // No part was ever sent: the pay must have been answered with its reason.
            let a = answers.lock().unwrap().get(&i).and_then(|a| a.last().cloned());
            let a = a.unwrap_or_else(|| panic!("pay of {} lost", inv.hash));
            let e = &a["error"];
            assert!(e["code"].as_i64().is_some_and(|c| c > 200), "no reason: {a}");
            failed += 1;
            unsent += 1;
            continue;
        };
        assert_eq!(mine.len(), 1, "one pay per invoice: {mine:?}");
        let p = mine[0];
        let parts = ok(call(&sock, "listsendpays", json!({"payment_hash": inv.hash})));
        let parts = parts["payments"].as_array().unwrap().clone();
        match p["status"].as_str().unwrap() {
            "complete" => {
                let pre = types::hex::decode(p["preimage"].as_str().unwrap()).unwrap();
                assert_eq!(types::hex::encode(&Sha256::digest(&pre)), inv.hash);
                let done = parts.iter().filter(|x| x["status"] == "complete").count();
                if done > 1 {
                    multipart += 1;
                }
                complete += 1;
            }
            "failed" => {
                // The reason: waitsendpay on a failed part answers with its error.
                let part = parts.iter().find(|x| x["status"] == "failed").unwrap();
                let r = call(
                    &sock,
                    "waitsendpay",
                    json!({"payment_hash": inv.hash, "partid": part["partid"],
                           "groupid": part["groupid"]}),
                );
                let e = &r["error"];
                assert!(e["code"].as_i64().is_some_and(|c| c > 200), "no reason: {r}");
                assert!(!e["message"].as_str().unwrap().is_empty());
                failed += 1;
            }
            s => panic!("pay {} ended {s}", inv.hash),
        }
    }
    assert_eq!(complete + failed, PAYS);

    // Every pay reply agrees with the parts it claims: a complete one carries the whole
    // amount, exactly what the fulfilled parts delivered and sent (none was still in flight
    // when it answered); a failed one belongs to a payment that never completed.
    let answers_now = answers.lock().unwrap().clone();
    let mut replies = 0;
    for (i, inv) in invoices.iter().enumerate() {
        let parts = ok(call(&sock, "listsendpays", json!({"payment_hash": inv.hash})));
        let parts = parts["payments"].as_array().unwrap().clone();
        for a in answers_now.get(&i).into_iter().flatten() {
            replies += 1;
            let Some(r) = a.get("result") else {
                let status = by_hash.get(&inv.hash).map(|p| p[0]["status"].clone());
                assert_ne!(status, Some(json!("complete")), "pay of {} answered {a}", inv.hash);
                continue;
            };
            assert_eq!(r["status"], "complete", "{r}");
            let group = parts_group(&parts);
            let done: Vec<&Value> = parts
                .iter()
                .filter(|p| p["status"] == "complete" && p["groupid"] == group)
                .collect();
            let got: u64 = done.iter().map(|p| p["amount_msat"].as_u64().unwrap()).sum();
            let sent: u64 = done.iter().map(|p| p["amount_sent_msat"].as_u64().unwrap()).sum();
            assert_eq!(r["amount_msat"], inv.amount, "pay of {} answered {r}", inv.hash);
            assert_eq!(r["amount_msat"], got, "pay of {} answered {r}, parts {parts:?}", inv.hash);
            assert_eq!(r["amount_sent_msat"], sent, "pay of {} answered {r}", inv.hash);
            assert!(r["parts"].as_u64().unwrap() >= done.len() as u64, "{r}");
        }
    }

    // No hash paid twice, and paid exactly when the node says complete.
    let c = db(&net_db);
    let mut st =
        c.prepare("select payment_hash, count(*) from received group by payment_hash").unwrap();
    let received: HashMap<String, i64> =
        st.query_map([], |r| Ok((r.get(0)?, r.get(1)?))).unwrap().map(Result::unwrap).collect();
    for inv in &invoices {
        let n = received.get(&inv.hash).copied().unwrap_or(0);
        assert!(n <= 1, "{} paid {n} times", inv.hash);
        let status = by_hash.get(&inv.hash).map_or("failed", |p| p[0]["status"].as_str().unwrap());
        assert_eq!(
            n == 1,
            status == "complete",
            "{} received {n} times, node says {status}",
            inv.hash
        );
    }

    // Balances: what left each of our channels is what the node's store says it sent.
    let fin = our_balances(&net_db, &me, &scids);
    let store = db(&node_db);
    let mut sent_total = 0u64;
    for scid in &scids {
        let sent: i64 = store
            .query_row(
                "select coalesce(sum(amount_sent_msat), 0) from parts \
                 where status = 'complete' and scid = ?1",
                [scid],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(initial[scid] - fin[scid], sent as u64, "channel {scid}");
        sent_total += sent as u64;
    }
    let pending_rows: i64 = store
        .query_row("select count(*) from parts where status = 'pending'", [], |r| r.get(0))
        .unwrap();
    assert_eq!(pending_rows, 0);
    let in_flight: usize = pending_at_kill.iter().sum();
    eprintln!(
        "{} node rounds + 1 network round, {PAYS} pays: {complete} complete ({multipart} \
         multi-part), {failed} failed ({unsent} before any part); {reissued} pays asked \
         again after a kill; {sent_total} msat sent; parts pending at the kills: \
         {pending_at_kill:?}; {replies} pay replies checked against their parts, \
         {asked_again} pays asked again after a restart; {:.1} s",
        ROUNDS - 1,
        t0.elapsed().as_secs_f64()
    );
    assert!(complete >= PAYS / 2, "too few pays completed: {complete}");
    assert!(multipart > 0, "no multi-part pay completed");
    assert!(in_flight > 0, "no kill caught a part in flight");
    let caught = pending_at_kill.iter().filter(|&&p| p > 0).count();
    assert!(caught >= ROUNDS / 2, "only {caught} kills caught parts in flight");
    drop(node);
    drop(net);
}
