//! What the node's integration tests share: fresh temporary directories, `lnpay` processes
//! started and awaited on their `listening on PATH` line, Core Lightning-framed JSON-RPC calls
//! over the daemon's unix socket, and the checker of Core Lightning's JSON schemas.
//!
//! Each test file compiles this module on its own (`mod common;`) and uses a part of it, so
//! the items only some files use carry `#[allow(dead_code)]`.

use serde_json::{json, Value};
use std::io::{BufRead, BufReader, ErrorKind, Read, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;
use types::NodeId;
use wire::{FrameDecoder, Hello, Message};

/// How long a call waits for its reply, and a daemon for its `listening on` line.
#[allow(dead_code)]
pub const WAIT: Duration = Duration::from_secs(120);

/// A fresh directory `lnpay-NAME-PID` under the system's temporary directory, removed on drop
/// unless the test is failing (its logs and stores are then left to look at).
#[allow(dead_code)]
pub struct TempDir(PathBuf);

#[allow(dead_code)]
impl TempDir {
    pub fn new(name: &str) -> TempDir {
        let dir = std::env::temp_dir().join(format!("lnpay-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

/// A child process, killed and reaped on drop.
#[allow(dead_code)]
pub struct Proc(pub Child);

#[allow(dead_code)]
impl Proc {
    /// SIGKILL: no destructor, no flush, no goodbye.
    pub fn kill9(&mut self) {
        self.0.kill().unwrap();
        self.0.wait().unwrap();
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `lnpay`, the binary under test.
#[allow(dead_code)]
pub fn lnpay() -> Command {
    Command::new(env!("CARGO_BIN_EXE_lnpay"))
}

/// Spawns `cmd` with its stdout piped; a thread sends its lines to the receiver.
#[allow(dead_code)]
pub fn spawn_piped(cmd: &mut Command) -> (Proc, mpsc::Receiver<String>) {
    let mut child = cmd.stdout(Stdio::piped()).spawn().unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { return };
            let _ = tx.send(line);
        }
    });
    (Proc(child), rx)
}

/// Waits up to `wait` for the first line of `what`, which must be `listening on PATH`;
/// returns PATH.
#[allow(dead_code)]
pub fn wait_listening(lines: &mpsc::Receiver<String>, wait: Duration, what: &str) -> PathBuf {
    let line = lines
        .recv_timeout(wait)
        .unwrap_or_else(|_| panic!("{what} did not print `listening on PATH` within {wait:?}"));
    let path = line.strip_prefix("listening on ").unwrap_or_else(|| {
        panic!("{what}: expected `listening on PATH`, got {line:?}");
    });
    PathBuf::from(path)
}

/// [`spawn_piped`], then [`wait_listening`]: the process and the path it listens on.
#[allow(dead_code)]
pub fn spawn_listening(cmd: &mut Command, wait: Duration) -> (Proc, PathBuf) {
    let (proc, lines) = spawn_piped(cmd);
    let path = wait_listening(&lines, wait, &format!("{cmd:?}"));
    (proc, path)
}

/// A running `lnpay node` on a fresh data dir.
#[allow(dead_code)]
pub struct Daemon {
    /// The `lnpay node` process.
    pub proc: Proc,
    /// Its JSON-RPC socket.
    pub sock: PathBuf,
    _dir: TempDir,
}

#[allow(dead_code)]
impl Daemon {
    /// Starts `lnpay node ARGS --data-dir DIR` (stderr dropped) on a fresh `DIR` named after
    /// `name`; ready once it prints `listening on` its socket, after its first handshake.
    pub fn start(name: &str, args: &[&str]) -> Daemon {
        let dir = TempDir::new(name);
        let mut cmd = lnpay();
        cmd.arg("node").args(args).arg("--data-dir").arg(dir.path()).stderr(Stdio::null());
        let (proc, sock) = spawn_listening(&mut cmd, WAIT);
        assert_eq!(sock, dir.path().join("sim").join("lightning-rpc"));
        Daemon { proc, sock, _dir: dir }
    }
}

/// A JSON-RPC 2.0 request as the bytes to write.
#[allow(dead_code)]
pub fn request(id: impl Into<Value>, method: &str, params: &Value) -> Vec<u8> {
    let req = json!({"jsonrpc": "2.0", "id": id.into(), "method": method, "params": params});
    req.to_string().into_bytes()
}

/// Reads one reply (up to and including "\n\n"), keeping what follows it in `pending`:
/// `UnexpectedEof` if the connection closes first, `InvalidData` if the reply is not JSON.
#[allow(dead_code)]
pub fn read_reply(c: &mut UnixStream, pending: &mut Vec<u8>) -> std::io::Result<Value> {
    let mut buf = [0u8; 16384];
    loop {
        if let Some(end) = pending.windows(2).position(|w| w == b"\n\n") {
            let v = serde_json::from_slice(&pending[..end])
                .map_err(|e| std::io::Error::new(ErrorKind::InvalidData, e));
            pending.drain(..end + 2);
            return v;
        }
        let n = c.read(&mut buf)?;
        if n == 0 {
            return Err(ErrorKind::UnexpectedEof.into());
        }
        pending.extend_from_slice(&buf[..n]);
    }
}

/// One call on a new connection (read timeout [`WAIT`]): the reply, or why there was none.
#[allow(dead_code)]
pub fn try_call(sock: &Path, method: &str, params: Value) -> std::io::Result<Value> {
    let mut c = UnixStream::connect(sock)?;
    c.set_read_timeout(Some(WAIT))?;
    c.write_all(&request(1, method, &params))?;
    read_reply(&mut c, &mut Vec::new())
}

/// [`try_call`], panicking when there is no reply.
#[allow(dead_code)]
pub fn call(sock: &Path, method: &str, params: Value) -> Value {
    try_call(sock, method, params.clone())
        .unwrap_or_else(|e| panic!("{method} {params}: no reply: {e}"))
}

/// Sends every request on one connection at once (ids are their indexes), then reads until
/// each has its reply, in any order. Returns the replies in request order.
#[allow(dead_code)]
pub fn calls(sock: &Path, reqs: &[(&str, Value)]) -> std::io::Result<Vec<Value>> {
    let mut c = UnixStream::connect(sock)?;
    c.set_read_timeout(Some(WAIT))?;
    let mut out = Vec::new();
    for (i, (method, params)) in reqs.iter().enumerate() {
        out.extend_from_slice(&request(i, method, params));
    }
    c.write_all(&out)?;
    let mut replies: Vec<Option<Value>> = vec![None; reqs.len()];
    let mut pending = Vec::new();
    for _ in 0..reqs.len() {
        let v = read_reply(&mut c, &mut pending)?;
        let i = v["id"].as_u64().and_then(|i| usize::try_from(i).ok());
        let Some(slot) = i.and_then(|i| replies.get_mut(i)) else {
            return Err(std::io::Error::new(ErrorKind::InvalidData, format!("bad id: {v}")));
        };
        assert!(slot.is_none(), "two replies for one request: {v}");
        *slot = Some(v);
    }
    Ok(replies.into_iter().flatten().collect())
}

/// The result of a reply, which must not be an error.
#[allow(dead_code)]
pub fn ok(v: Value) -> Value {
    assert!(v.get("error").is_none(), "expected a result, got {v}");
    v["result"].clone()
}

/// The code and message of an error reply.
#[allow(dead_code)]
pub fn err(v: Value) -> (i64, String) {
    let e = &v["error"];
    (e["code"].as_i64().unwrap(), e["message"].as_str().unwrap().to_string())
}

/// A spec data file as JSON; a missing file fails naming it.
#[allow(dead_code)]
pub fn read_json(path: &str) -> Value {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("missing spec data file {path}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path} is not JSON: {e}"))
}

#[allow(dead_code)]
pub fn is_hex(s: &str) -> bool {
    s.len() % 2 == 0 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Checks `v` against a Core Lightning schema, for the keywords its schemas used here have:
/// `type` (JSON types and CLN's `u64`, `u32`, `u16`, `u8`, `msat`, `pubkey`, `hash`, `secret`,
/// `hex`, `signature`, `bip340sig`, `short_channel_id`), `required`, `properties`,
/// `additionalProperties: false`, `items`, `enum`, `minLength`, `maxLength`. Collects every
/// violation with its path.
#[allow(dead_code)]
pub fn check_schema(v: &Value, schema: &Value, path: &str, errors: &mut Vec<String>) {
    let mut fail = |what: String| errors.push(format!("{path}: {what}"));
    if let Some(t) = schema.get("type").and_then(Value::as_str) {
        let ok = match t {
            "object" => v.is_object(),
            "array" => v.is_array(),
            "string" => v.is_string(),
            "boolean" => v.is_boolean(),
            "u64" | "msat" => v.is_u64(),
            "u32" => v.as_u64().is_some_and(|n| n <= u64::from(u32::MAX)),
            "u16" => v.as_u64().is_some_and(|n| n <= u64::from(u16::MAX)),
            "u8" => v.as_u64().is_some_and(|n| n <= u64::from(u8::MAX)),
            "pubkey" => v.as_str().is_some_and(|s| {
                s.len() == 66 && is_hex(s) && (s.starts_with("02") || s.starts_with("03"))
            }),
            "hash" | "secret" => v.as_str().is_some_and(|s| s.len() == 64 && is_hex(s)),
            "hex" => v.as_str().is_some_and(is_hex),
            "bip340sig" => v.as_str().is_some_and(|s| s.len() == 128 && is_hex(s)),
            // DER: 0x30, length, two integers; 8 to 72 bytes.
            "signature" => v
                .as_str()
                .is_some_and(|s| is_hex(s) && s.starts_with("30") && (16..=144).contains(&s.len())),
            "short_channel_id" => v.as_str().is_some_and(|s| {
                let parts: Vec<&str> = s.split('x').collect();
                parts.len() == 3 && parts.iter().all(|p| p.parse::<u64>().is_ok())
            }),
            other => {
                fail(format!("schema type {other} unknown to this checker"));
                return;
            }
        };
        if !ok {
            fail(format!("{v} is not of type {t}"));
            return;
        }
    }
    if let Some(allowed) = schema.get("enum").and_then(Value::as_array) {
        if !allowed.contains(v) {
            fail(format!("{v} not in {allowed:?}"));
        }
    }
    if let Some(s) = v.as_str() {
        let len = s.chars().count() as u64;
        if schema.get("minLength").and_then(Value::as_u64).is_some_and(|m| len < m) {
            fail(format!("{s:?} shorter than minLength"));
        }
        if schema.get("maxLength").and_then(Value::as_u64).is_some_and(|m| len > m) {
            fail(format!("{s:?} longer than maxLength"));
        }
    }
    if let Some(obj) = v.as_object() {
        let props = schema.get("properties").and_then(Value::as_object);
        for key in schema.get("required").and_then(Value::as_array).into_iter().flatten() {
            if let Some(k) = key.as_str() {
                if !obj.contains_key(k) {
                    fail(format!("missing required {k}"));
                }
            }
        }
        for (k, val) in obj {
            match props.and_then(|p| p.get(k)) {
                Some(sub) => check_schema(val, sub, &format!("{path}.{k}"), errors),
                None if schema.get("additionalProperties") == Some(&Value::Bool(false)) => {
                    errors.push(format!("{path}: unexpected property {k}"))
                }
                None => {}
            }
        }
    }
    if let (Some(items), Some(sub)) = (v.as_array(), schema.get("items")) {
        for (i, item) in items.iter().enumerate() {
            check_schema(item, sub, &format!("{path}[{i}]"), errors);
        }
    }
}

/// A network played by the test on a unix socket, speaking `wire` to one `lnpay node
/// --peers SOCK`: one channel of 1 BTC from the node (the best-connected node of a small
/// generated network) to one peer, the network's gossip on request, and whatever adds,
/// fulfills and failures the test writes by hand.
#[allow(dead_code)]
pub struct ScriptedNetwork {
    pub listener: std::os::unix::net::UnixListener,
    pub sock: PathBuf,
    /// Our node's id, and its peer's.
    pub me: types::NodeId,
    pub peer: types::NodeId,
    pub scid: types::ShortChannelId,
    pub channel_id: wire::ChannelId,
    gossip: Vec<wire::Message>,
}

/// One connection of [`ScriptedNetwork`] to the node.
#[allow(dead_code)]
pub struct Link {
    pub conn: UnixStream,
    dec: wire::FrameDecoder,
    /// Whether the node's `Hello` asked for the network's gossip.
    pub wanted_gossip: bool,
}

#[allow(dead_code)]
impl ScriptedNetwork {
    /// Binds `DIR/peer.sock` for a 30-node network of seed 5.
    pub fn bind(dir: &Path) -> ScriptedNetwork {
        use wire::Message;
        let topo =
            sim::generate(&sim::GeneratorParams { nodes: 30, seed: 5, ..Default::default() });
        let s =
            sim::Simulator::new(&topo, sim::SimConfig { seed: 5, ..Default::default() }).unwrap();
        let payer = (0..s.node_count() as u32).max_by_key(|&n| s.node_channels(n).len()).unwrap();
        let me = s.node_id(payer).unwrap();
        let scid = s.node_channels(payer)[0];
        let (nodes, _) = s.balances(scid).unwrap();
        let peer = s.node_id(if nodes[0] == payer { nodes[1] } else { nodes[0] }).unwrap();
        let gossip = s
            .gossip()
            .into_iter()
            .map(|g| Message::Gossip {
                msg_type: u16::from_be_bytes([g[0], g[1]]),
                payload: g[2..].to_vec(),
            })
            .collect();
        let sock = dir.join("peer.sock");
        let listener = std::os::unix::net::UnixListener::bind(&sock).unwrap();
        ScriptedNetwork {
            listener,
            sock,
            me,
            peer,
            scid,
            channel_id: wire::channel_id(scid),
            gossip,
        }
    }

    /// `lnpay node --data-dir DIR --peers SOCK`, stderr appended to `DIR/node.log`, and the
    /// receiver of its stdout lines (`listening on` comes after the first handshake).
    pub fn spawn_node(&self, dir: &Path) -> (Proc, mpsc::Receiver<String>) {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(dir.join("node.log"))
            .unwrap();
        let mut cmd = lnpay();
        cmd.args(["node", "--data-dir"]).arg(dir).arg("--peers").arg(&self.sock);
        spawn_piped(cmd.stderr(Stdio::from(log)))
    }

    /// Accepts the node's connection and plays the handshake: the gossip if asked, the
    /// channel (with `next_htlc_id`: the first add id the network has not received), ready.
    pub fn accept(&self, next_htlc_id: u64) -> Link {
        use wire::Message;
        let (conn, _) = self.listener.accept().unwrap();
        let mut link = Link { conn, dec: wire::FrameDecoder::new(), wanted_gossip: false };
        let Message::Hello(h) = link.read() else { panic!("no hello") };
        link.wanted_gossip = h.want_gossip;
        if h.want_gossip {
            for g in &self.gossip {
                link.send(g.clone());
            }
        }
        link.send(Message::ChannelState(wire::ChannelState {
            channel_id: self.channel_id,
            scid: self.scid,
            peer: self.peer,
            spendable_msat: types::Msat(1_000_000_000),
            next_htlc_id,
        }));
        link.send(Message::Ready(wire::Ready { block_height: 800_000, sim_time_ms: 1_000 }));
        link
    }

    /// A one-hop route to the peer for `amount_msat`, as `sendpay` takes it.
    pub fn route(&self, amount_msat: u64) -> Value {
        let direction = u8::from(self.me > self.peer);
        json!([{"id": self.peer.to_string(), "channel": self.scid.to_string(),
                "direction": direction, "amount_msat": amount_msat, "delay": 18}])
    }
}

#[allow(dead_code)]
impl Link {
    /// The next message from the node.
    pub fn read(&mut self) -> wire::Message {
        let mut buf = [0u8; 65536];
        loop {
            if let Some(m) = self.dec.next() {
                return m.unwrap();
            }
            let n = self.conn.read(&mut buf).unwrap();
            assert!(n > 0, "the node closed the link");
            self.dec.push(&buf[..n]);
        }
    }

    pub fn send(&mut self, m: wire::Message) {
        self.conn.write_all(&m.encode_frame()).unwrap();
    }

    /// The next message, which must be an add: its HTLC id and amount.
    pub fn read_add(&mut self) -> (u64, types::Msat) {
        match self.read() {
            wire::Message::UpdateAddHtlc(add) => (add.id, add.amount_msat),
            other => panic!("expected an add, got {other:?}"),
        }
    }

    /// Fulfills HTLC `id` of `channel_id` and waits for the node's acknowledgement.
    pub fn fulfill(
        &mut self,
        channel_id: wire::ChannelId,
        id: u64,
        preimage: types::PaymentPreimage,
    ) {
        use wire::Message;
        self.send(Message::UpdateFulfillHtlc(wire::UpdateFulfillHtlc {
            channel_id,
            id,
            payment_preimage: preimage,
            unknown_tlvs: Default::default(),
        }));
        let Message::Ack(a) = self.read() else { panic!("no ack") };
        assert_eq!((a.channel_id, a.id), (channel_id, id));
    }
}

/// The framed client of the network's link socket: writes on the stream, a thread reads and decodes into a channel.
#[allow(dead_code)]
pub struct Client {
    /// The stream to the network.
    pub stream: UnixStream,
    /// What the reader thread decoded.
    pub rx: mpsc::Receiver<Message>,
}

#[allow(dead_code)]
impl Client {
    /// Connects to the network's socket.
    pub fn connect(socket: &Path) -> Client {
        let stream = UnixStream::connect(socket).unwrap();
        let mut rd = stream.try_clone().unwrap();
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut dec = FrameDecoder::new();
            let mut buf = [0u8; 1 << 16];
            loop {
                match rd.read(&mut buf) {
                    Ok(0) | Err(_) => return,
                    Ok(n) => dec.push(&buf[..n]),
                }
                while let Some(m) = dec.next() {
                    if tx.send(m.expect("the network sends valid frames")).is_err() {
                        return;
                    }
                }
            }
        });
        Client { stream, rx }
    }

    /// Sends; false when the network is gone.
    pub fn send(&mut self, m: &Message) -> bool {
        self.stream.write_all(&m.encode_frame()).is_ok()
    }

    /// The next message within `timeout`.
    pub fn recv(&self, timeout: Duration) -> Option<Message> {
        self.rx.recv_timeout(timeout).ok()
    }

    /// Hello, then everything up to `Ready`.
    pub fn hello(&mut self, node_id: NodeId) -> Vec<Message> {
        assert!(self.send(&Message::Hello(Hello { node_id, want_gossip: false })));
        let mut out = Vec::new();
        loop {
            let m = self.recv(Duration::from_secs(20)).expect("handshake within 20 s");
            let ready = matches!(m, Message::Ready(_));
            out.push(m);
            if ready {
                return out;
            }
        }
    }

    /// The first message `f` picks within `wait`.
    pub fn wait_for<T>(
        &self,
        wait: Duration,
        mut f: impl FnMut(Message) -> Option<T>,
    ) -> Option<T> {
        let deadline = std::time::Instant::now() + wait;
        while let Some(left) = deadline.checked_duration_since(std::time::Instant::now()) {
            if let Ok(m) = self.rx.recv_timeout(left) {
                if let Some(t) = f(m) {
                    return Some(t);
                }
            }
        }
        None
    }
}
