//! BOLT 1 test vectors, read from `../shared`: BigSize (JSON blocks), TLV streams (the markdown
//! appendix, parsed here), and signed integers.

use lnpay_types::bigsize::{self, BigSizeError};
use lnpay_types::tlv::{self, TlvError, TlvStream};
use lnpay_types::{hex, signed, NodeId, ShortChannelId};
use serde_json::Value;

const SHARED: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared");

fn read_shared(rel: &str) -> String {
    let path = format!("{SHARED}/{rel}");
    std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!("missing spec data {path}: {e} (../shared must sit beside the repo)")
    })
}

fn json_blocks() -> Vec<Value> {
    let v: Value = serde_json::from_str(&read_shared("vectors/bolt01-json-blocks.json")).unwrap();
    v.as_array().unwrap().clone()
}

#[test]
fn bigsize_decoding() {
    let blocks = json_blocks();
    let cases = blocks[0].as_array().unwrap();
    let mut ran = 0;
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let bytes = hex::decode(case["bytes"].as_str().unwrap()).unwrap();
        let got = bigsize::decode(&bytes);
        match case.get("exp_error").and_then(Value::as_str) {
            None => {
                let want = case["value"].as_u64().unwrap();
                assert_eq!(got, Ok((want, bytes.len())), "{name}");
            }
            Some("decoded bigsize is not canonical") => {
                assert!(matches!(got, Err(BigSizeError::NotCanonical { .. })), "{name}: {got:?}")
            }
            Some("unexpected EOF") => {
                assert!(matches!(got, Err(BigSizeError::UnexpectedEof { .. })), "{name}: {got:?}")
            }
            Some("EOF") => assert_eq!(got, Err(BigSizeError::Eof), "{name}"),
            Some(other) => panic!("{name}: unknown expected error {other:?}"),
        }
        if let Err(e) = got {
            assert!(e.to_string().contains(case["exp_error"].as_str().unwrap()), "{name}: {e}");
        }
        ran += 1;
    }
    assert_eq!(ran, 18);
}

#[test]
fn bigsize_encoding() {
    let blocks = json_blocks();
    let cases = blocks[1].as_array().unwrap();
    for case in cases {
        let mut out = Vec::new();
        bigsize::encode(case["value"].as_u64().unwrap(), &mut out);
        assert_eq!(hex::encode(&out), case["bytes"].as_str().unwrap(), "{}", case["name"]);
    }
    assert_eq!(cases.len(), 8);
}

#[test]
fn signed_integers() {
    let blocks = json_blocks();
    let cases = blocks[2].as_array().unwrap();
    for case in cases {
        let value = case["value"].as_i64().unwrap();
        let bytes = case["bytes"].as_str().unwrap();
        assert_eq!(hex::encode(&signed::encode_minimal(value)), bytes, "{value}");
        assert_eq!(signed::decode(&hex::decode(bytes).unwrap()), Ok(value), "{bytes}");
    }
    assert!(cases.len() >= 20, "only {} signed vectors", cases.len());
    assert!(signed::decode(&[1, 2, 3]).is_err());
}

/// Which namespaces a paragraph of the appendix talks about, and whether its streams decode.
#[derive(Clone, Copy, Debug)]
struct Context {
    n1: bool,
    n2: bool,
    valid: bool,
}

#[derive(Debug)]
struct Case {
    ctx: Context,
    stream: Vec<u8>,
    line: usize,
    values: Option<String>,
}

/// Parses Appendix B of the BOLT 1 vectors: every `Valid stream`/`Invalid stream` line under
/// the paragraph that says which namespaces it is for.
fn tlv_cases() -> Vec<Case> {
    let text = read_shared("spec/bolt01-bigsize-tlv-signedint-vectors.md");
    let start = text.find("## Appendix B").expect("appendix B");
    let end = text.find("## Appendix D").expect("appendix D");
    let mut ctx = None;
    let mut cases: Vec<Case> = Vec::new();
    let mut para = String::new();
    for (i, line) in text[start..end].lines().enumerate() {
        let l = line.trim();
        if l.starts_with("The following") || l.starts_with("In addition") {
            para = l.to_string();
        } else if !l.is_empty() && !para.is_empty() && !l.starts_with("1.") && !l.starts_with("2.")
        {
            para.push(' ');
            para.push_str(l);
        }
        if l.is_empty() && !para.is_empty() {
            let n1 = para.contains("any namespace")
                || para.contains("either namespace")
                || para.contains("namespace `n1`")
                || para.contains("`n1` namespace");
            let n2 = para.contains("any namespace")
                || para.contains("either namespace")
                || para.contains("namespace `n2`");
            let valid = para.contains("should correctly decode");
            ctx = Some(Context { n1, n2, valid });
            para.clear();
        }
        if let Some(rest) =
            l.strip_prefix("1. Invalid stream: 0x").or(l.strip_prefix("1. Valid stream: 0x"))
        {
            let ctx = ctx.expect("stream before any paragraph");
            assert_eq!(
                ctx.valid,
                l.starts_with("1. Valid"),
                "line {i}: paragraph and stream disagree"
            );
            let hexstr: String = rest.chars().filter(|c| !c.is_whitespace()).collect();
            cases.push(Case { ctx, stream: hex::decode(&hexstr).unwrap(), line: i, values: None });
        }
        if let Some(v) = l.strip_prefix("2. Values: ") {
            cases.last_mut().unwrap().values = Some(v.to_string());
        }
    }
    cases
}

type Decoder = fn(&[u8]) -> Result<TlvStream, String>;

/// Decodes a stream in namespace n1 and checks every known record's value.
fn decode_n1(bytes: &[u8]) -> Result<TlvStream, String> {
    let s =
        TlvStream::decode(bytes, &|t| matches!(t, 1 | 2 | 3 | 254)).map_err(|e| e.to_string())?;
    for r in &s.records {
        match r.typ {
            1 => {
                tlv::decode_tu64(&r.value).map_err(|e| e.to_string())?;
            }
            2 if r.value.len() != 8 => return Err("tlv2 length".into()),
            3 => {
                if r.value.len() != 49 {
                    return Err("tlv3 length".into());
                }
                NodeId::from_slice(&r.value[..33])
                    .and_then(|n| n.to_pubkey())
                    .map_err(|e| e.to_string())?;
            }
            254 if r.value.len() != 2 => return Err("tlv4 length".into()),
            _ => {}
        }
    }
    Ok(s)
}

fn decode_n2(bytes: &[u8]) -> Result<TlvStream, String> {
    let s = TlvStream::decode(bytes, &|t| matches!(t, 0 | 11)).map_err(|e| e.to_string())?;
    for r in &s.records {
        match r.typ {
            0 => {
                tlv::decode_tu64(&r.value).map_err(|e| e.to_string())?;
            }
            11 => {
                tlv::decode_tu32(&r.value).map_err(|e| e.to_string())?;
            }
            _ => {}
        }
    }
    Ok(s)
}

/// The `Values:` line of an n1 vector, rendered from what we decoded.
fn render_n1(s: &TlvStream) -> String {
    let mut parts = Vec::new();
    for r in &s.records {
        match r.typ {
            1 => {
                parts.push(format!("`tlv1` `amount_msat`={}", tlv::decode_tu64(&r.value).unwrap()))
            }
            2 => {
                let v = u64::from_be_bytes(r.value[..].try_into().unwrap());
                parts.push(format!("`tlv2` `scid`={}", ShortChannelId(v)));
            }
            3 => parts.push(format!(
                "`tlv3` `node_id`={} `amount_msat_1`={} `amount_msat_2`={}",
                hex::encode(&r.value[..33]),
                u64::from_be_bytes(r.value[33..41].try_into().unwrap()),
                u64::from_be_bytes(r.value[41..49].try_into().unwrap())
            )),
            254 => parts.push(format!(
                "`tlv4` `cltv_delta`={}",
                u16::from_be_bytes(r.value[..].try_into().unwrap())
            )),
            _ => {}
        }
    }
    parts.join(" ")
}

#[test]
fn tlv_streams() {
    let cases = tlv_cases();
    let (mut valid, mut invalid, mut with_values) = (0, 0, 0);
    for c in &cases {
        let mut namespaces: Vec<(&str, Decoder)> = Vec::new();
        if c.ctx.n1 {
            namespaces.push(("n1", decode_n1));
        }
        if c.ctx.n2 {
            namespaces.push(("n2", decode_n2));
        }
        assert!(!namespaces.is_empty(), "line {}: no namespace", c.line);
        for (ns, decode) in namespaces {
            let got = decode(&c.stream);
            if c.ctx.valid {
                let s = got.unwrap_or_else(|e| panic!("line {} in {ns}: {e}", c.line));
                assert_eq!(s.encode(), c.stream, "line {}: re-encoding differs", c.line);
                if let Some(values) = &c.values {
                    assert_eq!(render_n1(&s), *values, "line {}", c.line);
                    with_values += 1;
                }
            } else {
                assert!(got.is_err(), "line {} in {ns}: decoded an invalid stream", c.line);
            }
        }
        if c.ctx.valid {
            valid += 1
        } else {
            invalid += 1
        }
    }
    assert_eq!((valid, invalid, with_values), (19, 38, 12), "vector count changed");
}

#[test]
fn tlv_stream_concatenation() {
    // "Any appending of an invalid stream to a valid stream should trigger a decoding failure.
    // Any appending of a higher-numbered valid stream to a lower-numbered valid stream should
    // not trigger a decoding failure."
    let cases = tlv_cases();
    let valid_n1: Vec<&Case> = cases.iter().filter(|c| c.ctx.valid && c.ctx.n1).collect();
    let invalid_any: Vec<&Case> =
        cases.iter().filter(|c| !c.ctx.valid && c.ctx.n1 && c.ctx.n2).collect();
    let mut checked = 0;
    for v in &valid_n1 {
        for bad in &invalid_any {
            let joined = [v.stream.clone(), bad.stream.clone()].concat();
            assert!(decode_n1(&joined).is_err(), "lines {}+{}", v.line, bad.line);
            checked += 1;
        }
    }
    let first_type =
        |c: &Case| TlvStream::decode(&c.stream, &|_| true).ok()?.records.first().map(|r| r.typ);
    for a in &valid_n1 {
        for b in &valid_n1 {
            if let (Some(ta), Some(tb)) = (first_type(a), first_type(b)) {
                let joined = [a.stream.clone(), b.stream.clone()].concat();
                if ta < tb {
                    assert!(decode_n1(&joined).is_ok(), "lines {}+{}", a.line, b.line);
                } else {
                    assert!(
                        matches!(
                            TlvStream::decode(&joined, &|_| true),
                            Err(TlvError::NotIncreasing { .. })
                        ),
                        "lines {}+{}",
                        a.line,
                        b.line
                    );
                }
                checked += 1;
            }
        }
    }
    assert!(checked > 300, "only {checked} concatenations checked");
}
