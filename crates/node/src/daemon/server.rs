//! The RPC side: an accept loop and one task per connection. A connection task parses the
//! JSON stream, answers what is wrong with a request itself, hands the rest to the core, and
//! writes each answer (`"\n\n"`-terminated) as soon as it comes, in any order.

use super::Job;
use rpc::jsonrpc::{self, Frame, Framer, RpcFailure};
use rpc::methods::METHODS;
use serde_json::Value;
use std::sync::Arc;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::unix::OwnedWriteHalf;
use tokio::net::{UnixListener, UnixStream};
use tokio::sync::{mpsc, oneshot, Mutex};

type Writer = Arc<Mutex<OwnedWriteHalf>>;

/// Accepts connections forever.
pub(super) async fn accept_loop(listener: UnixListener, jobs: mpsc::Sender<Job>) {
    loop {
        match listener.accept().await {
            Ok((conn, _)) => {
                tokio::spawn(serve(conn, jobs.clone()));
            }
            Err(e) => {
                tracing::warn!(error = %e, "accept failed");
                tokio::time::sleep(std::time::Duration::from_millis(10)).await;
            }
        }
    }
}

async fn write(out: &Writer, bytes: &[u8]) {
    let mut w = out.lock().await;
    let _ = w.write_all(bytes).await;
}

/// Serves one connection: reads a JSON stream, answers every request.
async fn serve(conn: UnixStream, jobs: mpsc::Sender<Job>) {
    let (mut reader, writer) = conn.into_split();
    let out: Writer = Arc::new(Mutex::new(writer));
    let mut framer = Framer::new();
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = match reader.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => n,
        };
        framer.push(buf.get(..n).unwrap_or_default());
        loop {
            match framer.next_value() {
                Frame::Incomplete => break,
                Frame::Broken => {
                    let err = RpcFailure::new(jsonrpc::INVALID_REQUEST, "Invalid JSON");
                    write(&out, &jsonrpc::response_bytes(&Value::Null, Err(err))).await;
                    let _ = out.lock().await.shutdown().await;
                    return;
                }
                Frame::Value(v) => dispatch(v, framer.last_raw(), &out, &jobs).await,
            }
        }
    }
}

async fn dispatch(v: Value, raw: &[u8], out: &Writer, jobs: &mpsc::Sender<Job>) {
    let req = match jsonrpc::parse_request(v) {
        Ok(r) => r,
        Err((id, e)) => return write(out, &jsonrpc::response_bytes(&id, Err(e))).await,
    };
    if let Some(k) = jsonrpc::duplicate_param(raw) {
        let e = RpcFailure::new(jsonrpc::INVALID_PARAMS, format!("duplicate json names: {k}"));
        return write(out, &jsonrpc::response_bytes(&req.id, Err(e))).await;
    }
    if !METHODS.contains(&req.method.as_str())
        && !rpc::askrene::METHODS.contains(&req.method.as_str())
    {
        let e =
            RpcFailure::new(jsonrpc::METHOD_NOT_FOUND, format!("Unknown command '{}'", req.method));
        return write(out, &jsonrpc::response_bytes(&req.id, Err(e))).await;
    }
    let (tx, rx) = oneshot::channel();
    let id = req.id.clone();
    tracing::debug!(method = %req.method, "request");
    if jobs.send(Job { method: req.method, params: req.params, reply: tx }).await.is_err() {
        let e = RpcFailure::new(-5, "lightningd is shutting down");
        return write(out, &jsonrpc::response_bytes(&id, Err(e))).await;
    }
    let out = out.clone();
    tokio::spawn(async move {
        let r =
            rx.await.unwrap_or_else(|_| Err(RpcFailure::new(-5, "lightningd is shutting down")));
        write(&out, &jsonrpc::response_bytes(&id, r)).await;
    });
}
