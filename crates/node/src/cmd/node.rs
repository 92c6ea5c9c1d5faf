//! `lnpay node`: the daemon. Our node is placed in a simulated network and serves JSON-RPC on
//! a unix socket (see [`crate::daemon`]).

use crate::daemon::rpc::{self, Frame, Framer, RpcFailure};
use crate::daemon::{Driver, Job, Node, METHODS};
use serde_json::Value;
use std::io::{Read, Write};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::mpsc::{self, Sender};
use std::sync::{Arc, Mutex};

/// Arguments of `lnpay node`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The data directory; the socket is `DIR/<network>/lightning-rpc`.
    #[arg(long)]
    pub data_dir: PathBuf,
    /// The network (only `sim`).
    #[arg(long, default_value = "sim")]
    pub network: String,
    /// Nodes in the generated network.
    #[arg(long, default_value_t = 60)]
    pub nodes: u32,
    /// Seed of the generated network and of the node.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// The socket path (overrides the default).
    #[arg(long)]
    pub rpc_file: Option<PathBuf>,
}

/// The default socket path for a data directory and network.
pub fn socket_path(data_dir: &std::path::Path, network: &str) -> PathBuf {
    data_dir.join(network).join("lightning-rpc")
}

fn build_driver(args: &Args) -> Option<Driver> {
    let topo = sim::generate(&sim::GeneratorParams {
        nodes: args.nodes,
        seed: args.seed,
        ..Default::default()
    });
    let mut s =
        sim::Simulator::new(&topo, sim::SimConfig { seed: args.seed, ..Default::default() })
            .ok()?;
    // The payer: the best-connected node, so it has first hops to pay over.
    let payer = (0..s.node_count() as u32).max_by_key(|&n| s.node_channels(n).len())?;
    s.set_payer(payer);
    let mut seed = [0u8; 32];
    seed[..8].copy_from_slice(&args.seed.to_le_bytes());
    Driver::new(s, seed)
}

/// Runs `lnpay node`.
pub fn run(args: Args) -> ExitCode {
    if args.network != "sim" {
        eprintln!("lnpay node: only --network sim is built");
        return ExitCode::FAILURE;
    }
    let path = args.rpc_file.clone().unwrap_or_else(|| socket_path(&args.data_dir, &args.network));
    if let Some(dir) = path.parent() {
        if let Err(e) = std::fs::create_dir_all(dir) {
            eprintln!("lnpay node: cannot create {}: {e}", dir.display());
            return ExitCode::FAILURE;
        }
    }
    let _ = std::fs::remove_file(&path);
    let listener = match UnixListener::bind(&path) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("lnpay node: cannot listen on {}: {e}", path.display());
            return ExitCode::FAILURE;
        }
    };
    let Some(driver) = build_driver(&args) else {
        eprintln!("lnpay node: cannot build the simulated network");
        return ExitCode::FAILURE;
    };
    let (tx, rx) = mpsc::channel::<Job>();
    let worker = std::thread::spawn(move || Node::new(driver).run(rx));
    eprintln!("lnpay node: listening on {}", path.display());
    let done = Arc::new(std::sync::atomic::AtomicBool::new(false));
    {
        let done = done.clone();
        let path = path.clone();
        std::thread::spawn(move || {
            let _ = worker.join();
            done.store(true, std::sync::atomic::Ordering::SeqCst);
            // Wake the accept loop.
            let _ = UnixStream::connect(&path);
        });
    }
    for conn in listener.incoming() {
        if done.load(std::sync::atomic::Ordering::SeqCst) {
            break;
        }
        let Ok(conn) = conn else { continue };
        let tx = tx.clone();
        std::thread::spawn(move || serve(conn, tx));
    }
    // Give replies in flight (the `stop` answer) a moment to be written.
    std::thread::sleep(std::time::Duration::from_millis(100));
    let _ = std::fs::remove_file(&path);
    ExitCode::SUCCESS
}

fn write_locked(out: &Mutex<UnixStream>, bytes: &[u8]) {
    if let Ok(mut w) = out.lock() {
        let _ = w.write_all(bytes);
    }
}

/// Serves one connection: reads a JSON stream, answers every request.
fn serve(conn: UnixStream, jobs: Sender<Job>) {
    let Ok(reader) = conn.try_clone() else { return };
    let out = Arc::new(Mutex::new(conn));
    let mut reader = reader;
    let mut framer = Framer::new();
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = match reader.read(&mut buf) {
            Ok(0) | Err(_) => return,
            Ok(n) => n,
        };
        framer.push(buf.get(..n).unwrap_or_default());
        loop {
            match framer.next_value() {
                Frame::Incomplete => break,
                Frame::Broken => {
                    let err = RpcFailure::new(rpc::INVALID_REQUEST, "Invalid JSON");
                    write_locked(&out, &rpc::response_bytes(&Value::Null, Err(err)));
                    if let Ok(w) = out.lock() {
                        let _ = w.shutdown(std::net::Shutdown::Both);
                    }
                    return;
                }
                Frame::Value(v) => dispatch(v, framer.last_raw(), &out, &jobs),
            }
        }
    }
}

fn dispatch(v: Value, raw: &[u8], out: &Arc<Mutex<UnixStream>>, jobs: &Sender<Job>) {
    let req = match rpc::parse_request(v) {
        Ok(r) => r,
        Err((id, e)) => return write_locked(out, &rpc::response_bytes(&id, Err(e))),
    };
    if let Some(k) = rpc::duplicate_param(raw) {
        let e = RpcFailure::new(rpc::INVALID_PARAMS, format!("duplicate json names: {k}"));
        return write_locked(out, &rpc::response_bytes(&req.id, Err(e)));
    }
    if !METHODS.contains(&req.method.as_str()) {
        let e = RpcFailure::new(rpc::METHOD_NOT_FOUND, format!("Unknown command '{}'", req.method));
        return write_locked(out, &rpc::response_bytes(&req.id, Err(e)));
    }
    let (tx, rx) = mpsc::channel();
    let id = req.id.clone();
    if jobs.send(Job { method: req.method, params: req.params, reply: tx }).is_err() {
        let e = RpcFailure::new(-5, "lightningd is shutting down");
        return write_locked(out, &rpc::response_bytes(&id, Err(e)));
    }
    let out = out.clone();
    std::thread::spawn(move || {
        let r =
            rx.recv().unwrap_or_else(|_| Err(RpcFailure::new(-5, "lightningd is shutting down")));
        write_locked(&out, &rpc::response_bytes(&id, r));
    });
}
