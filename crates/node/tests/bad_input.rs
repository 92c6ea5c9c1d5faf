//! 1,000 malformed requests against a running `lnpay node`: broken JSON, wrong types, huge
//! numbers, unknown methods, deeply nested JSON, invalid UTF-8, oversized strings, several on
//! one connection, and half-written requests dropped mid-way. Every one gets JSON-RPC errors
//! or a closed connection (never a result, never silence), the daemon answers `getinfo`
//! throughout, and a `pay` of a simulated invoice succeeds afterwards.

mod common;

use common::{call, ok, Daemon};
use serde_json::{json, Value};
use std::io::{ErrorKind, Read, Write};
use std::net::Shutdown;
use std::os::unix::net::UnixStream;
use std::path::Path;
use std::time::{Duration, Instant};

/// A small deterministic generator (xorshift64*).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len())]
    }
}

/// Methods the daemon serves (never `stop`), with params of the wrong shape for each.
const WRONG_PARAMS: &[(&str, &str)] = &[
    ("pay", r#"{"bolt11": 123}"#),
    ("pay", r#"["lnbc1nope"]"#),
    ("pay", r#"{"bolt11": "lnbc1nope", "maxfeepercent": "lots"}"#),
    ("pay", r#"{"bolt11": ["x"]}"#),
    ("pay", r#"{}"#),
    ("pay", r#"[null, "abc"]"#),
    ("decodepay", r#"[{"a":1}]"#),
    ("decodepay", r#"[]"#),
    ("decode", r#"[7]"#),
    ("decode", r#"["lnbc1garbage"]"#),
    ("listpays", r#"[null, "abc"]"#),
    ("listpays", r#"{"status": "sideways"}"#),
    ("listpays", r#"[1, 2, 3, 4, 5, 6, 7]"#),
    ("listsendpays", r#"[42]"#),
    ("listsendpays", r#"{"payment_hash": "00"}"#),
    ("sendpay", r#"["route", "hash"]"#),
    ("sendpay", r#"[[{"id": 1}], "00"]"#),
    ("sendpay", r#"{"route": [], "payment_hash": 5}"#),
    ("waitsendpay", r#"["nothex"]"#),
    ("waitsendpay", r#"{"payment_hash": [], "timeout": -1}"#),
    ("keysend", r#"["02zz", 5]"#),
    ("keysend", r#"{"destination": 5, "amount_msat": "x"}"#),
    ("delpay", r#"["00", "complete"]"#),
    ("delpay", r#"[]"#),
    ("paystatus", r#"[17]"#),
    ("dev-siminvoice", r#"["02zz", 5]"#),
    ("dev-siminvoice", r#"[null, 99999999999999999999999]"#),
    ("dev-siminvoice", r#"{"node_id": {}, "amount_msat": []}"#),
    ("dev-simoffer", r#"["02zz"]"#),
    ("dev-simoffer", r#"{"node_id": {}, "amount_msat": [], "description": 5}"#),
    ("getinfo", r#"[1]"#),
    ("getinfo", r#"{"verbose": true}"#),
    ("help", r#"[1, 2, 3]"#),
    ("listpeerchannels", r#"["02zz"]"#),
    ("getroute", r#"["02zz", 1, 1]"#),
    ("getroute", r#"{"id": 5}"#),
    ("listchannels", r#"["9x9"]"#),
    ("listchannels", r#"["1x1x1", "02zz"]"#),
];

const HUGE: &[&str] = &[
    "1e400",
    "-1e400",
    "18446744073709551616",
    "123456789012345678901234567890123456789",
    "-9223372036854775809",
    "0.000000000000000000000000000000000001",
    "1.7976931348623157e309",
];

/// Why a case may get no reply at all.
#[derive(Clone, Copy, PartialEq, Debug)]
enum Expect {
    /// A complete request: it must be answered (with errors).
    Answer,
    /// Not a complete request: errors or a close.
    ErrorOrClose,
    /// Dropped half-way: nothing to read.
    Dropped,
}

fn case(rng: &mut Rng, i: usize) -> (Vec<u8>, Expect) {
    // Requests that fail whatever prefix of their params is kept (so a cut request that
    // happens to be complete JSON is still an error).
    let valid = [
        r#"{"jsonrpc":"2.0","id":1,"method":"no-such-method","params":[]}"#,
        r#"{"jsonrpc":"2.0","id":"x","method":"decodepay","params":["lnbc1x"]}"#,
        r#"{"jsonrpc":"2.0","id":7,"method":"pay","params":{"bolt11":"lnbc1"}}"#,
    ];
    match i % 10 {
        // Broken JSON: a valid request cut and followed by a stray character.
        0 => {
            let v = rng.pick(&valid).as_bytes();
            let cut = 1 + rng.below(v.len() - 2);
            let mut b = v[..cut].to_vec();
            b.push(*rng.pick(b"}]:,\"x\x01"));
            (b, Expect::ErrorOrClose)
        }
        // Not a request object.
        1 => {
            let s = *rng.pick(&[
                "{]",
                "[1,2,3]",
                "42",
                "\"str\"",
                "null",
                "true",
                "[]",
                "{}",
                "{\"id\":{},\"method\":\"getinfo\"}",
                "{\"id\":1,\"method\":17}",
                "{\"id\":1}",
                "{\"method\":\"getinfo\",\"id\":[1]}",
                "{\"id\":1,\"method\":\"getinfo\",\"params\":5}",
                "{\"id\":1,\"method\":\"getinfo\",\"params\":\"x\"}",
                "{\"id\":1,\"method\":\"getinfo\",\"params\":{\"a\":1,\"a\":2}}",
                "{\"id\":1,\"method\":\"\\u0000\"}",
                "{\"jsonrpc\":\"1.0\",\"id\":1,\"method\":null}",
            ]);
            let complete = s.starts_with('{') || s.starts_with('[');
            (s.as_bytes().to_vec(), if complete { Expect::Answer } else { Expect::ErrorOrClose })
        }
        // Wrong types for a real method.
        2 | 3 => {
            let (m, p) = rng.pick(WRONG_PARAMS);
            let id = rng.below(1000);
            (
                format!(r#"{{"jsonrpc":"2.0","id":{id},"method":"{m}","params":{p}}}"#)
                    .into_bytes(),
                Expect::Answer,
            )
        }
        // Huge numbers as ids and params.
        4 => {
            let h = rng.pick(HUGE);
            let (m, _) = rng.pick(WRONG_PARAMS);
            let s = match rng.below(3) {
                0 => format!(r#"{{"id":{h},"method":"no-such-method"}}"#),
                1 => format!(r#"{{"id":1,"method":"{m}","params":[{h},{h}]}}"#),
                _ => format!(
                    r#"{{"id":1,"method":"pay","params":{{"bolt11":"lnbc1","maxfee":{h}}}}}"#
                ),
            };
            (s.into_bytes(), Expect::Answer)
        }
        // Unknown methods, some with odd characters.
        5 => {
            let len = 1 + rng.below(40);
            let name: String = (0..len)
                .map(|_| *rng.pick(&['a', 'z', '-', '_', '.', 'é', '☃', ' ', '0', '\\']))
                .collect();
            let name = serde_json::to_string(&format!("no-such-{name}")).unwrap();
            (format!(r#"{{"id":1,"method":{name},"params":[]}}"#).into_bytes(), Expect::Answer)
        }
        // Deeply nested JSON, closed or not, as params or as the whole request.
        6 => {
            let depth = *rng.pick(&[100, 127, 200, 1000, 100_000]);
            let closed = rng.below(2) == 0;
            let (open, close) = if rng.below(2) == 0 { ("[", "]") } else { ("{\"a\":", "}") };
            let mut s = if rng.below(2) == 0 {
                String::from(r#"{"id":1,"method":"decodepay","params":"#)
            } else {
                String::new()
            };
            let wrapped = !s.is_empty();
            s.push_str(&open.repeat(depth));
            if closed {
                s.push('1');
                s.push_str(&close.repeat(depth));
                if wrapped {
                    s.push('}');
                }
            }
            (s.into_bytes(), Expect::ErrorOrClose)
        }
        // Half-written, then the connection drops.
        7 => {
            let v = rng.pick(&valid).as_bytes();
            let cut = 1 + rng.below(v.len() - 2);
            (v[..cut].to_vec(), Expect::Dropped)
        }
        // Oversized strings (up to 4 MiB) as the method, the id or a param.
        8 => {
            let len = *rng.pick(&[1 << 10, 1 << 16, 1 << 20, 4 << 20]);
            let big = "x".repeat(len);
            let s = match rng.below(3) {
                0 => format!(r#"{{"id":1,"method":"{big}"}}"#),
                1 => format!(r#"{{"id":"{big}","method":"nosuch"}}"#),
                _ => format!(r#"{{"id":1,"method":"decodepay","params":["lnbc{big}"]}}"#),
            };
            (s.into_bytes(), Expect::Answer)
        }
        // Binary garbage and invalid UTF-8 inside strings; several requests on one connection.
        _ => {
            if rng.below(2) == 0 {
                let len = 1 + rng.below(200);
                let mut b: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
                if rng.below(2) == 0 {
                    b.splice(0..0, br#"{"id":1,"method":""#.iter().copied());
                    b.extend_from_slice(b"\"}");
                }
                (b, Expect::ErrorOrClose)
            } else {
                let n = 2 + rng.below(5);
                let mut b = Vec::new();
                for k in 0..n {
                    let (m, p) = rng.pick(WRONG_PARAMS);
                    b.extend_from_slice(
                        format!(r#"{{"id":{k},"method":"{m}","params":{p}}} "#).as_bytes(),
                    );
                }
                (b, Expect::Answer)
            }
        }
    }
}

/// Sends one case and checks what comes back. Returns how many error replies it got.
fn run_case(sock: &Path, bytes: &[u8], expect: Expect) -> usize {
    let mut c = UnixStream::connect(sock).unwrap();
    c.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    c.set_write_timeout(Some(Duration::from_secs(60))).unwrap();
    let shown = String::from_utf8_lossy(&bytes[..bytes.len().min(120)]).into_owned();
    match c.write_all(bytes) {
        Ok(()) => {}
        // The daemon closed the connection before reading it all (a broken stream).
        Err(e) if matches!(e.kind(), ErrorKind::BrokenPipe | ErrorKind::ConnectionReset) => {
            assert_ne!(expect, Expect::Answer, "{shown:?}: closed instead of answered");
            return 0;
        }
        Err(e) => panic!("{shown:?}: cannot write: {e}"),
    }
    if expect == Expect::Dropped {
        return 0;
    }
    // End of our side: an incomplete request can only be closed now.
    let _ = c.shutdown(Shutdown::Write);
    let mut out = Vec::new();
    let mut buf = [0u8; 65536];
    loop {
        match c.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => out.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == ErrorKind::ConnectionReset => break,
            Err(e) => panic!("{shown:?}: no answer and no close: {e}"),
        }
    }
    if out.is_empty() {
        assert_ne!(expect, Expect::Answer, "{shown:?}: closed without an answer");
        return 0;
    }
    assert!(
        out.ends_with(b"\n\n"),
        "{shown:?}: reply not terminated: {:?}",
        String::from_utf8_lossy(&out)
    );
    let mut n = 0;
    for part in out[..out.len() - 2].split(|&b| b == b'\n').filter(|p| !p.is_empty()) {
        let v: Value = serde_json::from_slice(part).unwrap_or_else(|e| {
            panic!("{shown:?}: reply is not JSON ({e}): {:?}", String::from_utf8_lossy(part))
        });
        assert!(v.get("result").is_none(), "{shown:?}: got a result: {v}");
        assert!(v["error"]["code"].is_i64(), "{shown:?}: not a JSON-RPC error: {v}");
        assert!(v["error"]["message"].is_string(), "{shown:?}: error without message: {v}");
        assert_eq!(v["jsonrpc"], "2.0", "{v}");
        n += 1;
    }
    n
}

#[test]
fn a_thousand_malformed_requests_then_a_pay() {
    let d = Daemon::start("bad-input", &[]);
    let info = ok(call(&d.sock, "getinfo", json!([])));
    let mut rng = Rng(0x5eed_1234_abcd_0001);
    let mut answered = 0;
    let mut by_kind = [0usize; 3];
    let t = Instant::now();
    let cases = 1000;
    for i in 0..cases {
        let (bytes, expect) = case(&mut rng, i);
        let got = run_case(&d.sock, &bytes, expect);
        if got > 0 {
            answered += 1;
        }
        by_kind[expect as usize] += 1;
        if i % 50 == 49 {
            // Still serving, the same node.
            assert_eq!(ok(call(&d.sock, "getinfo", json!([])))["id"], info["id"], "after case {i}");
            assert!(d.sock.exists());
        }
    }
    eprintln!("{cases} cases in {:?}", t.elapsed());
    // One request longer than the 16 MiB limit: an error or a close, and the daemon lives on.
    let huge = format!(r#"{{"id":1,"method":"decodepay","params":["{}"]}}"#, "q".repeat(17 << 20));
    run_case(&d.sock, huge.as_bytes(), Expect::ErrorOrClose);
    eprintln!("with the 17 MiB request: {:?}", t.elapsed());
    assert_eq!(by_kind.iter().sum::<usize>(), cases);
    assert!(by_kind[Expect::Dropped as usize] >= 90, "{by_kind:?}");
    // Every complete request was answered; most others got an error before the close.
    assert!(answered >= by_kind[Expect::Answer as usize], "{answered} {by_kind:?}");
    assert!(answered >= 700, "only {answered} of {cases} answered");

    // A pay afterwards succeeds.
    let peers = ok(call(&d.sock, "listpeerchannels", json!([])));
    let peer = peers["channels"][0]["peer_id"].as_str().unwrap().to_string();
    let inv = ok(call(&d.sock, "dev-siminvoice", json!([peer, 50_000])));
    let r = ok(call(&d.sock, "pay", json!({"bolt11": inv["bolt11"]})));
    assert_eq!(r["status"], "complete", "{r}");
    assert_eq!(r["payment_hash"], inv["payment_hash"]);
    assert!(t.elapsed() < Duration::from_secs(120), "took {:?}", t.elapsed());
}
