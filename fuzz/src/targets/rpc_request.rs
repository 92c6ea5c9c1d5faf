//! `rpc_request`: the daemon's JSON-RPC stream reader (`lnpay_rpc::jsonrpc`). Any bytes,
//! fed in two writes at an arbitrary split, give the same values as fed whole; every value is
//! either a request or an error with a JSON-RPC code; binding its params never panics, nor
//! does turning a request into a payment command (every parameter parser: amounts, routes in
//! `getroute`'s and `getroutes`' shapes, layers, invoices), whose refusals are `-32602`; and
//! every response is JSON followed by exactly "\n\n".

use rpc::jsonrpc::{self, Frame, Framer};
use serde_json::Value;

fn drain(f: &mut Framer) -> (Vec<Value>, bool) {
    let mut out = Vec::new();
    loop {
        match f.next_value() {
            Frame::Value(v) => out.push(v),
            Frame::Incomplete => return (out, false),
            Frame::Broken => return (out, true),
        }
    }
}

/// Checks the invariants above for one input.
pub fn do_test(data: &[u8]) {
    let mut whole = Framer::new();
    whole.push(data);
    let (a, broken_a) = drain(&mut whole);
    let split = data.first().map_or(0, |b| usize::from(*b)).min(data.len());
    let mut parts = Framer::new();
    parts.push(&data[..split]);
    let (mut b, broken_first) = drain(&mut parts);
    let mut broken_b = broken_first;
    if !broken_first {
        parts.push(&data[split..]);
        let (rest, br) = drain(&mut parts);
        b.extend(rest);
        broken_b = br;
    }
    if !broken_a && !broken_b {
        assert_eq!(a, b, "split at {split} changed the values");
    }
    for v in a {
        let raw = serde_json::to_vec(&v).unwrap_or_default();
        let _ = jsonrpc::duplicate_param(&raw);
        let (id, result) = match jsonrpc::parse_request(v) {
            Ok(req) => {
                assert!(req.id.is_string() || req.id.is_number());
                assert!(req.params.is_null() || req.params.is_array() || req.params.is_object());
                let r = jsonrpc::bind(&req.params, &["a", "b", "c"]).map(|slots| {
                    assert_eq!(slots.len(), 3);
                    Value::Null
                });
                if let Err(e) =
                    rpc::methods::command(&req.method, &req.params, bolt11::Currency::Bitcoin)
                {
                    assert_eq!(e.code, jsonrpc::INVALID_PARAMS, "{}: {}", req.method, e.message);
                }
                (req.id, r)
            }
            Err((id, e)) => {
                assert_eq!(e.code, jsonrpc::INVALID_REQUEST, "{}", e.message);
                (id, Err(e))
            }
        };
        let bytes = jsonrpc::response_bytes(&id, result);
        assert!(bytes.ends_with(b"\n\n") && !bytes.ends_with(b"\n\n\n"));
        let back: Value = serde_json::from_slice(&bytes).unwrap_or_default();
        assert_eq!(back["id"], id);
    }
}
