//! What the LDK cross-checks of this crate share: a silent logger and the conversions between
//! our onion packet and LDK's. Each test file compiles this module on its own (`mod common;`)
//! and uses a part of it, so the items only some files use carry `#[allow(dead_code)]`.

use lightning::ln::msgs;
use lightning::util::logger::{Logger, Record};
use lnpay_onion::packet::OnionPacket;
use secp256k1::PublicKey;

/// A logger that drops everything.
pub struct NoLog;

impl Logger for NoLog {
    fn log(&self, _record: Record) {}
}

/// Our packet as LDK's.
#[allow(dead_code)]
pub fn to_ldk(p: &OnionPacket) -> msgs::OnionPacket {
    msgs::OnionPacket {
        version: p.version,
        public_key: PublicKey::from_slice(&p.public_key),
        hop_data: *p.hop_payloads,
        hmac: p.hmac,
    }
}

/// LDK's packet as ours.
#[allow(dead_code)]
pub fn from_ldk(p: &msgs::OnionPacket) -> OnionPacket {
    OnionPacket {
        version: p.version,
        public_key: p.public_key.expect("ldk onion has a valid key").serialize(),
        hop_payloads: Box::new(p.hop_data),
        hmac: p.hmac,
    }
}
