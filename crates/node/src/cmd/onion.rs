//! `lnpay onion`: build and peel BOLT 4 payment onions by hand, the way operators debug them
//! (like Core Lightning's `devtools/onion`).
//!
//! - `lnpay onion generate --session-key HEX [--assoc-data HEX] PUBKEY/PAYLOAD_HEX ...` prints
//!   the 1366-byte packet as hex.
//! - `lnpay onion decode --privkey HEX [--assoc-data HEX] PACKET_HEX` peels one layer and
//!   prints `{"payload": HEX, "next_onion": HEX}` or `{"payload": HEX, "final": true}`.
//!
//! Payloads are written as in the BOLT 4 test vector: the hop's TLV stream preceded by its
//! BigSize length. The associated data defaults to the test vector's, 32 bytes of `0x42` (for a
//! real payment it is the payment hash). Bad input prints `{"code": .., "message": ..}` and
//! exits 1: code -32602 for unreadable arguments, the BOLT 4 failure code (for example 49157,
//! `invalid_onion_hmac`) when the onion cannot be peeled or built.

use super::error_json;
use clap::Subcommand;
use onion::packet::{self, OnionPacket};
use onion::secp256k1::{PublicKey, SecretKey};
use serde_json::json;
use std::process::ExitCode;
use types::{bigsize, hex};

/// JSON-RPC "invalid params": an argument that cannot be read.
const INVALID_PARAMS: i64 = -32602;
/// The associated data of the BOLT 4 onion test vector, used when none is given.
const DEFAULT_ASSOC_DATA: [u8; 32] = [0x42; 32];

/// Build or peel a BOLT 4 payment onion.
#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    cmd: OnionCmd,
}

#[derive(Subcommand)]
enum OnionCmd {
    /// Build an onion and print it as hex.
    Generate {
        /// The sender's session key (32 bytes hex).
        #[arg(long)]
        session_key: String,
        /// Associated data the HMACs commit to (hex; default: 32 bytes of 0x42, as in the
        /// BOLT 4 test vector; a payment uses its payment hash).
        #[arg(long)]
        assoc_data: Option<String>,
        /// One per hop, in route order: node id, `/`, and the hop payload as hex (its TLV
        /// stream preceded by its BigSize length, as in the BOLT 4 test vector).
        #[arg(required = true, value_name = "PUBKEY/PAYLOAD_HEX")]
        hops: Vec<String>,
    },
    /// Peel one layer off an onion and print the payload and the next onion as JSON.
    Decode {
        /// The processing node's private key (32 bytes hex).
        #[arg(long)]
        privkey: String,
        /// Associated data (hex; default: 32 bytes of 0x42, as for `generate`).
        #[arg(long)]
        assoc_data: Option<String>,
        /// The 1366-byte onion packet as hex.
        packet: String,
    },
}

/// An error to print: its JSON code and message.
struct Failure {
    code: i64,
    message: String,
}

fn invalid(message: String) -> Failure {
    Failure { code: INVALID_PARAMS, message }
}

/// Runs `lnpay onion`.
pub fn run(args: Args) -> ExitCode {
    let result = match args.cmd {
        OnionCmd::Generate { session_key, assoc_data, hops } => {
            generate(&session_key, assoc_data.as_deref(), &hops).map(serde_json::Value::String)
        }
        OnionCmd::Decode { privkey, assoc_data, packet } => {
            decode(&privkey, assoc_data.as_deref(), &packet)
        }
    };
    match result {
        Ok(serde_json::Value::String(s)) => {
            println!("{s}");
            ExitCode::SUCCESS
        }
        Ok(value) => {
            println!("{value}");
            ExitCode::SUCCESS
        }
        Err(f) => {
            println!("{}", error_json(f.code, &f.message));
            ExitCode::FAILURE
        }
    }
}

fn hex_arg(what: &str, s: &str) -> Result<Vec<u8>, Failure> {
    hex::decode(s).map_err(|e| invalid(format!("{what} {s:?} is not hex: {e}")))
}

fn secret_arg(what: &str, s: &str) -> Result<SecretKey, Failure> {
    let bytes = hex_arg(what, s)?;
    SecretKey::from_slice(&bytes)
        .map_err(|_| invalid(format!("{what} {s} is not a valid 32-byte secret key")))
}

fn assoc_arg(s: Option<&str>) -> Result<Vec<u8>, Failure> {
    s.map_or(Ok(DEFAULT_ASSOC_DATA.to_vec()), |s| hex_arg("assoc-data", s))
}

/// Reads `PUBKEY/PAYLOAD_HEX`, checking the payload's length prefix; returns the bare payload.
fn hop_arg(s: &str) -> Result<(PublicKey, Vec<u8>), Failure> {
    let (key, payload) =
        s.split_once('/').ok_or_else(|| invalid(format!("hop {s:?} is not PUBKEY/PAYLOAD_HEX")))?;
    let key_bytes = hex_arg("hop pubkey", key)?;
    let key = PublicKey::from_slice(&key_bytes)
        .map_err(|_| invalid(format!("hop pubkey {key} is not a valid public key")))?;
    let full = hex_arg("hop payload", payload)?;
    let (len, n) = bigsize::decode(&full)
        .map_err(|e| invalid(format!("hop payload {payload} has a bad length prefix: {e}")))?;
    let body = full.get(n..).unwrap_or_default();
    if u64::try_from(body.len()).ok() != Some(len) {
        return Err(invalid(format!(
            "hop payload {payload} announces {len} bytes but holds {}",
            body.len()
        )));
    }
    Ok((key, body.to_vec()))
}

fn generate(session_key: &str, assoc: Option<&str>, hops: &[String]) -> Result<String, Failure> {
    let session_key = secret_arg("session-key", session_key)?;
    let assoc = assoc_arg(assoc)?;
    let hops = hops.iter().map(|h| hop_arg(h)).collect::<Result<Vec<_>, _>>()?;
    let (onion, _) = packet::build(&session_key, &hops, &assoc)
        .map_err(|e| invalid(format!("cannot build onion: {e}")))?;
    Ok(hex::encode(&onion.to_bytes()))
}

fn decode(
    privkey: &str,
    assoc: Option<&str>,
    packet_hex: &str,
) -> Result<serde_json::Value, Failure> {
    let privkey = secret_arg("privkey", privkey)?;
    let assoc = assoc_arg(assoc)?;
    let bytes = hex_arg("onion", packet_hex)?;
    let onion = OnionPacket::from_bytes(&bytes).map_err(|e| invalid(e.to_string()))?;
    let peeled = packet::peel(&privkey, &onion, &assoc)
        .map_err(|e| Failure { code: i64::from(e.failure_code()), message: e.to_string() })?;
    let mut payload = Vec::with_capacity(peeled.payload.len() + 3);
    bigsize::encode(peeled.payload.len() as u64, &mut payload);
    payload.extend_from_slice(&peeled.payload);
    Ok(match peeled.next {
        Some(next) => json!({
            "payload": hex::encode(&payload),
            "next_onion": hex::encode(&next.to_bytes()),
        }),
        None => json!({ "payload": hex::encode(&payload), "final": true }),
    })
}
