//! `lnpay cli`: sends one JSON-RPC request to a running `lnpay node` and prints the result,
//! like lightning-cli.

use rpc::jsonrpc::{Frame, Framer};
use serde_json::{json, Map, Value};
use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::path::PathBuf;
use std::process::ExitCode;

/// Arguments of `lnpay cli`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The daemon's data directory (socket at `DIR/<network>/lightning-rpc`).
    #[arg(long)]
    pub data_dir: Option<PathBuf>,
    /// The network.
    #[arg(long, default_value = "sim")]
    pub network: String,
    /// The socket path (overrides --data-dir).
    #[arg(long)]
    pub rpc_file: Option<PathBuf>,
    /// Params are `key=value` pairs.
    #[arg(short = 'k')]
    pub keywords: bool,
    /// The method.
    pub method: String,
    /// Its params.
    pub params: Vec<String>,
}

fn value(s: &str) -> Value {
    serde_json::from_str(s).unwrap_or_else(|_| Value::String(s.to_string()))
}

fn fail(msg: &str) -> ExitCode {
    println!("{}", super::error_json(-1, msg));
    ExitCode::FAILURE
}

/// Runs `lnpay cli`.
pub fn run(args: Args) -> ExitCode {
    let path = match (&args.rpc_file, &args.data_dir) {
        (Some(p), _) => p.clone(),
        (None, Some(d)) => super::node::socket_path(d, &args.network),
        (None, None) => return fail("give --rpc-file or --data-dir"),
    };
    let params = if args.keywords {
        let mut m = Map::new();
        for p in &args.params {
            let Some((k, v)) = p.split_once('=') else {
                return fail(&format!("expected key=value, got '{p}'"));
            };
            m.insert(k.to_string(), value(v));
        }
        Value::Object(m)
    } else {
        Value::Array(args.params.iter().map(|p| value(p)).collect())
    };
    let req = json!({"jsonrpc": "2.0", "id": "cli:1", "method": args.method, "params": params});
    let mut conn = match UnixStream::connect(&path) {
        Ok(c) => c,
        Err(e) => return fail(&format!("cannot connect to {}: {e}", path.display())),
    };
    if conn.write_all(req.to_string().as_bytes()).is_err() {
        return fail("cannot write the request");
    }
    let mut framer = Framer::new();
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        match framer.next_value() {
            Frame::Value(v) => {
                if let Some(e) = v.get("error") {
                    println!("{}", serde_json::to_string_pretty(e).unwrap_or_default());
                    return ExitCode::FAILURE;
                }
                let r = v.get("result").cloned().unwrap_or(Value::Null);
                println!("{}", serde_json::to_string_pretty(&r).unwrap_or_default());
                return ExitCode::SUCCESS;
            }
            Frame::Broken => return fail("the daemon sent bad JSON"),
            Frame::Incomplete => {}
        }
        match conn.read(&mut buf) {
            Ok(0) | Err(_) => return fail("the daemon closed the connection"),
            Ok(n) => framer.push(buf.get(..n).unwrap_or_default()),
        }
    }
}
