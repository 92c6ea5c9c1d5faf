//! JSON-RPC 2.0 as Core Lightning frames it: requests arrive as a JSON stream with no
//! delimiter, every response ends with `"\n\n"`, params come by position (`null` = not
//! given) or by name, and bad requests get CLN's codes and messages.

use serde_json::{json, Map, Value};

/// `-32600`: the request is not a JSON-RPC request.
pub const INVALID_REQUEST: i64 = -32600;
/// `-32601`: no such method.
pub const METHOD_NOT_FOUND: i64 = -32601;
/// `-32602`: bad params.
pub const INVALID_PARAMS: i64 = -32602;

/// The most bytes a request may take; a longer one breaks the stream.
pub const MAX_REQUEST: usize = 16 << 20;

/// An incremental reader of a delimiter-free JSON stream.
#[derive(Debug, Default)]
pub struct Framer {
    buf: Vec<u8>,
    last: Vec<u8>,
}

/// What [`Framer::next_value`] found.
#[derive(Debug, PartialEq)]
pub enum Frame {
    /// A complete JSON value.
    Value(Value),
    /// More bytes are needed.
    Incomplete,
    /// The stream is not JSON; the connection should be answered once and closed.
    Broken,
}

impl Framer {
    /// An empty framer.
    pub fn new() -> Framer {
        Framer::default()
    }

    /// Appends bytes read from the socket.
    pub fn push(&mut self, data: &[u8]) {
        self.buf.extend_from_slice(data);
    }

    /// The raw bytes of the value last returned.
    pub fn last_raw(&self) -> &[u8] {
        &self.last
    }

    /// Bytes held that do not yet make a value (whitespace excluded).
    pub fn has_partial(&self) -> bool {
        self.buf.iter().any(|b| !b.is_ascii_whitespace())
    }

    /// The next complete value in the buffer, consuming it.
    pub fn next_value(&mut self) -> Frame {
        let start = self.buf.iter().position(|b| !b.is_ascii_whitespace());
        let Some(start) = start else {
            self.buf.clear();
            return Frame::Incomplete;
        };
        // A request is an object (a batch an array): anything else could not be told apart
        // from a value still being written (`12` then `3`), so the stream is broken.
        if !matches!(self.buf.get(start), Some(b'{' | b'[')) {
            self.buf.clear();
            return Frame::Broken;
        }
        let mut it = serde_json::Deserializer::from_slice(&self.buf[start..]).into_iter::<Value>();
        match it.next() {
            Some(Ok(v)) => {
                let used = start + it.byte_offset();
                self.last.clear();
                self.last.extend(self.buf.drain(..used));
                Frame::Value(v)
            }
            Some(Err(e)) if e.is_eof() && self.buf.len() <= MAX_REQUEST => Frame::Incomplete,
            None => Frame::Incomplete,
            Some(Err(_)) => {
                // Not JSON, or a request longer than MAX_REQUEST.
                self.buf.clear();
                Frame::Broken
            }
        }
    }
}

/// A validated request.
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    /// The caller's id (string or number).
    pub id: Value,
    /// The method name.
    pub method: String,
    /// `params` (array, object, or null when absent).
    pub params: Value,
}

/// An error reply: CLN's code and message.
#[derive(Debug, Clone, PartialEq)]
pub struct RpcFailure {
    /// The code.
    pub code: i64,
    /// The message.
    pub message: String,
    /// Optional details.
    pub data: Option<Value>,
}

impl RpcFailure {
    /// A failure with no data.
    pub fn new(code: i64, message: impl Into<String>) -> RpcFailure {
        RpcFailure { code, message: message.into(), data: None }
    }

    /// The JSON error object.
    pub fn to_json(&self) -> Value {
        let mut o = json!({"code": self.code, "message": self.message});
        if let (Some(d), Some(m)) = (&self.data, o.as_object_mut()) {
            m.insert("data".into(), d.clone());
        }
        o
    }
}

/// Checks a value is a JSON-RPC request; on failure gives the id to answer with (null when
/// none could be read) and the error.
pub fn parse_request(v: Value) -> Result<Request, (Value, RpcFailure)> {
    let Value::Object(mut o) = v else {
        return Err((
            Value::Null,
            RpcFailure::new(INVALID_REQUEST, "Expected {} for json command"),
        ));
    };
    let id = match o.remove("id") {
        Some(id @ (Value::String(_) | Value::Number(_))) => id,
        Some(_) => {
            return Err((
                Value::Null,
                RpcFailure::new(INVALID_REQUEST, "Expected string/primitive for id"),
            ))
        }
        None => return Err((Value::Null, RpcFailure::new(INVALID_REQUEST, "No id"))),
    };
    let method = match o.remove("method") {
        Some(Value::String(m)) => m,
        Some(_) => {
            return Err((id, RpcFailure::new(INVALID_REQUEST, "Expected string for method")))
        }
        None => return Err((id, RpcFailure::new(INVALID_REQUEST, "No method"))),
    };
    let params = match o.remove("params") {
        None | Some(Value::Null) => Value::Null,
        Some(p @ (Value::Array(_) | Value::Object(_))) => p,
        Some(_) => {
            return Err((
                id,
                RpcFailure::new(INVALID_REQUEST, "Expected array or object for params"),
            ))
        }
    };
    Ok(Request { id, method, params })
}

/// The bytes of a response, `"\n\n"` included.
pub fn response_bytes(id: &Value, result: Result<Value, RpcFailure>) -> Vec<u8> {
    let v = match result {
        Ok(r) => json!({"jsonrpc": "2.0", "id": id, "result": r}),
        Err(e) => json!({"jsonrpc": "2.0", "id": id, "error": e.to_json()}),
    };
    let mut out = serde_json::to_vec(&v).unwrap_or_default();
    out.extend_from_slice(b"\n\n");
    out
}

/// Binds a request's params to a method's parameter names (positional or named), as CLN's
/// `param()` does. Returns one slot per name; `None` = not given.
pub fn bind(params: &Value, names: &[&str]) -> Result<Vec<Option<Value>>, RpcFailure> {
    let mut out: Vec<Option<Value>> = vec![None; names.len()];
    match params {
        Value::Null => {}
        Value::Array(a) => {
            if a.len() > names.len() {
                return Err(RpcFailure::new(
                    INVALID_PARAMS,
                    format!("too many parameters: got {}, expected {}", a.len(), names.len()),
                ));
            }
            for (slot, v) in out.iter_mut().zip(a) {
                if !v.is_null() {
                    *slot = Some(v.clone());
                }
            }
        }
        Value::Object(m) => bind_named(m, names, &mut out)?,
        _ => return Err(RpcFailure::new(INVALID_PARAMS, "Expected array or object for params")),
    }
    Ok(out)
}

fn bind_named(
    m: &Map<String, Value>,
    names: &[&str],
    out: &mut [Option<Value>],
) -> Result<(), RpcFailure> {
    for (k, v) in m {
        let Some(i) = names.iter().position(|n| n == k) else {
            return Err(RpcFailure::new(
                INVALID_PARAMS,
                format!(
                    "unknown parameter: {k}, this may be caused by a failure to autodetect key=value-style parameters. Please try using the -k flag and explicit key=value pairs of parameters."
                ),
            ));
        };
        if let Some(slot) = out.get_mut(i) {
            if !v.is_null() {
                *slot = Some(v.clone());
            }
        }
    }
    Ok(())
}

/// Finds a duplicated key in an object in the raw request text (serde keeps the last one, so
/// CLN's "duplicate json names" check needs the bytes).
pub fn duplicate_param(raw: &[u8]) -> Option<String> {
    #[derive(serde::Deserialize)]
    struct Req {
        #[serde(default)]
        params: Option<DupCheck>,
    }
    struct DupCheck(Option<String>);
    impl<'de> serde::Deserialize<'de> for DupCheck {
        fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            struct V;
            impl<'de> serde::de::Visitor<'de> for V {
                type Value = DupCheck;
                fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                    f.write_str("params")
                }
                fn visit_map<A: serde::de::MapAccess<'de>>(
                    self,
                    mut a: A,
                ) -> Result<DupCheck, A::Error> {
                    let mut seen = std::collections::HashSet::new();
                    let mut dup = None;
                    while let Some(k) = a.next_key::<String>()? {
                        let _: serde::de::IgnoredAny = a.next_value()?;
                        if !seen.insert(k.clone()) && dup.is_none() {
                            dup = Some(k);
                        }
                    }
                    Ok(DupCheck(dup))
                }
                fn visit_seq<A: serde::de::SeqAccess<'de>>(
                    self,
                    mut a: A,
                ) -> Result<DupCheck, A::Error> {
                    while a.next_element::<serde::de::IgnoredAny>()?.is_some() {}
                    Ok(DupCheck(None))
                }
                fn visit_unit<E>(self) -> Result<DupCheck, E> {
                    Ok(DupCheck(None))
                }
            }
            d.deserialize_any(V)
        }
    }
    serde_json::from_slice::<Req>(raw).ok()?.params?.0
}

/// A required parameter.
pub fn required(slot: &Option<Value>, name: &str) -> Result<Value, RpcFailure> {
    slot.clone().ok_or_else(|| {
        RpcFailure::new(INVALID_PARAMS, format!("missing required parameter: {name}"))
    })
}

/// A `-32602` for a bad value, shaped like `command_fail_badparam`.
pub fn bad_param(name: &str, what: &str, v: &Value) -> RpcFailure {
    RpcFailure::new(INVALID_PARAMS, format!("{name}: should be {what}: invalid token '{}'", tok(v)))
}

fn tok(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// A millisatoshi amount's value, as every command reads it ([`crate::params::amount`]).
pub fn parse_msat(v: &Value) -> Option<u64> {
    crate::params::amount("amount_msat", v).ok().map(|m| m.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn framer_reads_concatenated_split_and_broken_streams() {
        let mut f = Framer::new();
        f.push(br#"{"id":1,"method":"a"}{"id":2,"#);
        assert_eq!(f.next_value(), Frame::Value(json!({"id":1,"method":"a"})));
        assert_eq!(f.next_value(), Frame::Incomplete);
        assert!(f.has_partial());
        f.push(br#""method":"b"} "#);
        assert_eq!(f.next_value(), Frame::Value(json!({"id":2,"method":"b"})));
        assert_eq!(f.next_value(), Frame::Incomplete);
        assert!(!f.has_partial());
        f.push(b"{]");
        assert_eq!(f.next_value(), Frame::Broken);
        f.push(b"12");
        assert_eq!(f.next_value(), Frame::Broken);
        f.push(b"[\"");
        f.push(&vec![b'a'; MAX_REQUEST]);
        assert_eq!(f.next_value(), Frame::Broken);
    }

    #[test]
    fn requests_are_validated() {
        let r = parse_request(json!({"jsonrpc":"2.0","id":"x","method":"getinfo"})).unwrap();
        assert_eq!(r.method, "getinfo");
        assert_eq!(r.params, Value::Null);
        assert_eq!(parse_request(json!([1])).unwrap_err().1.code, INVALID_REQUEST);
        assert_eq!(parse_request(json!({"method":"a"})).unwrap_err().1.code, INVALID_REQUEST);
        let (id, e) = parse_request(json!({"id":3,"method":4})).unwrap_err();
        assert_eq!((id, e.code), (json!(3), INVALID_REQUEST));
        assert!(parse_request(json!({"id":3,"method":"a","params":5})).is_err());
    }

    #[test]
    fn params_bind_by_position_and_name() {
        let names = ["a", "b"];
        assert_eq!(bind(&json!([1, null]), &names).unwrap(), vec![Some(json!(1)), None]);
        assert_eq!(bind(&json!({"b": 2}), &names).unwrap(), vec![None, Some(json!(2))]);
        let e = bind(&json!([1, 2, 3]), &names).unwrap_err();
        assert_eq!(e.message, "too many parameters: got 3, expected 2");
        let e = bind(&json!({"c": 1}), &names).unwrap_err();
        assert!(e.message.starts_with("unknown parameter: c, "));
        assert_eq!(e.code, INVALID_PARAMS);
        let e = required(&None, "a").unwrap_err();
        assert_eq!(e.message, "missing required parameter: a");
        assert_eq!(
            duplicate_param(br#"{"id":1,"method":"m","params":{"a":1,"a":2}}"#),
            Some("a".to_string())
        );
        assert_eq!(duplicate_param(br#"{"id":1,"method":"m","params":[1,1]}"#), None);
    }

    #[test]
    fn amounts_parse_like_cln() {
        assert_eq!(parse_msat(&json!(5)), Some(5));
        assert_eq!(parse_msat(&json!("5msat")), Some(5));
        assert_eq!(parse_msat(&json!("5sat")), Some(5000));
        assert_eq!(parse_msat(&json!("1btc")), Some(100_000_000_000));
        assert_eq!(parse_msat(&json!("1.5sat")), None);
        assert_eq!(parse_msat(&json!(-1)), None);
        assert_eq!(parse_msat(&json!("99999999999999999999")), None);
    }

    #[test]
    fn responses_end_with_two_newlines() {
        let b = response_bytes(&json!(1), Ok(json!({})));
        assert!(b.ends_with(b"}\n\n"));
        let b = response_bytes(&json!("x"), Err(RpcFailure::new(-32601, "m")));
        let v: Value = serde_json::from_slice(&b).unwrap();
        assert_eq!(v["error"]["code"], -32601);
    }
}
