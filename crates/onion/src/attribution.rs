//! Attribution data (attributable failures, BOLT 4 "Returning Errors"): per-hop hold times and
//! truncated HMACs that travel beside the return packet in `update_fail_htlc` (and in
//! `update_fulfill_htlc`, where they cover an empty message).
//!
//! The block is 920 bytes: 20 big-endian `u32` hold times (units of 100 ms), then 210 HMACs of 4
//! bytes. Hop `x` (counted from the node handling the data) holds a block of `20 - x` HMACs,
//! `hmac_x_y` for `y = 19 - x, ..., 0` positions away from the last attributable hop. Each HMAC,
//! keyed with the hop's `um` key, covers the message (the return packet before this hop's
//! `ammag` layer), the first `y + 1` hold times and the `y` downstream HMACs of the matching
//! positions. The block is obfuscated with the `ammagext` stream.

use crate::crypto::{ct_eq, xor_stream, SharedSecret};
use crate::failure::{
    self, build_unencrypted_return_packet, hmac_matches, parse_matched, wrap_return_packet,
    BuildReturnError, DecodeFailureError, DecodedFailure,
};
use core::fmt;
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// The largest route attribution data covers.
pub const MAX_HOPS: usize = 20;
/// Bytes of one hold time.
pub const HOLD_TIME_LEN: usize = 4;
/// Bytes of one truncated HMAC.
pub const TRUNCATED_HMAC_LEN: usize = 4;
/// How many HMACs the block holds: 20 + 19 + ... + 1.
pub const HMAC_COUNT: usize = MAX_HOPS * (MAX_HOPS + 1) / 2;
/// Bytes of the hold times.
pub const HOLD_TIMES_LEN: usize = MAX_HOPS * HOLD_TIME_LEN;
/// Bytes of the whole block.
pub const ATTRIBUTION_DATA_LEN: usize = HOLD_TIMES_LEN + HMAC_COUNT * TRUNCATED_HMAC_LEN;

/// Attribution data as it travels on the wire (obfuscated) or as a hop sees it after removing
/// its layer.
#[derive(Clone, PartialEq, Eq)]
pub struct AttributionData(pub [u8; ATTRIBUTION_DATA_LEN]);

impl fmt::Debug for AttributionData {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "AttributionData({})", types::hex::encode(&self.0))
    }
}

impl Default for AttributionData {
    fn default() -> Self {
        AttributionData([0; ATTRIBUTION_DATA_LEN])
    }
}

/// Attribution data of the wrong length.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct AttributionLenError {
    /// Bytes given.
    pub len: usize,
}

impl fmt::Display for AttributionLenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "attribution data of {} bytes, expected {ATTRIBUTION_DATA_LEN}", self.len)
    }
}
impl std::error::Error for AttributionLenError {}

/// Index of the first HMAC of hop block `x` (blocks shrink from 20 to 1 HMACs).
const fn block_start(x: usize) -> usize {
    x * MAX_HOPS - x * x.saturating_sub(1) / 2
}

impl AttributionData {
    /// All zeroes: what the erring node (or a hop that received none) starts from.
    pub fn new() -> AttributionData {
        AttributionData::default()
    }

    /// From wire bytes.
    pub fn from_slice(bytes: &[u8]) -> Result<AttributionData, AttributionLenError> {
        bytes.try_into().map(AttributionData).map_err(|_| AttributionLenError { len: bytes.len() })
    }

    /// The wire bytes.
    pub fn as_bytes(&self) -> &[u8; ATTRIBUTION_DATA_LEN] {
        &self.0
    }

    /// Hold time `i` (units of 100 ms) as it reads now.
    pub fn hold_time(&self, i: usize) -> Option<u32> {
        let b = self.0.get(i * HOLD_TIME_LEN..(i + 1) * HOLD_TIME_LEN)?;
        b.try_into().ok().map(u32::from_be_bytes)
    }

    fn hmac(&self, idx: usize) -> &[u8] {
        let at = HOLD_TIMES_LEN + idx * TRUNCATED_HMAC_LEN;
        self.0.get(at..at + TRUNCATED_HMAC_LEN).unwrap_or_default()
    }

    /// Adds (or removes) one hop's `ammagext` layer.
    pub fn crypt(&mut self, secret: &SharedSecret) {
        xor_stream(&secret.derive(b"ammagext"), &mut self.0);
    }

    /// The truncated HMAC of a hop at `position` (0 = last attributable hop) over `message`.
    fn compute_hmac(&self, um: &[u8; 32], message: &[u8], position: usize) -> [u8; 4] {
        let mut mac = match Hmac::<Sha256>::new_from_slice(um) {
            Ok(m) => m,
            Err(_) => unreachable!("hmac accepts any key length"),
        };
        mac.update(message);
        mac.update(self.0.get(..(position + 1) * HOLD_TIME_LEN).unwrap_or_default());
        // Downstream hop j (1-based) at position - j: its block starts at block_start(j), and
        // in that block the HMAC for position p sits at index (MAX_HOPS - j - 1) - p.
        for j in 1..=position {
            let idx = block_start(j) + (MAX_HOPS - j - 1) - (position - j);
            mac.update(self.hmac(idx));
        }
        let full: [u8; 32] = mac.finalize().into_bytes().into();
        [full[0], full[1], full[2], full[3]]
    }

    /// Makes room for this hop: hold times move right by one slot, and each downstream block
    /// moves one block right, dropping its leftmost HMAC (its position 20 is beyond the limit).
    pub fn shift_right(&mut self) {
        let old = self.0;
        self.0.copy_within(0..HOLD_TIMES_LEN - HOLD_TIME_LEN, HOLD_TIME_LEN);
        for x in (0..MAX_HOPS - 1).rev() {
            let src = HOLD_TIMES_LEN + (block_start(x) + 1) * TRUNCATED_HMAC_LEN;
            let dst = HOLD_TIMES_LEN + block_start(x + 1) * TRUNCATED_HMAC_LEN;
            let len = (MAX_HOPS - x - 1) * TRUNCATED_HMAC_LEN;
            if let (Some(to), Some(from)) =
                (self.0.get_mut(dst..dst + len), old.get(src..src + len))
            {
                to.copy_from_slice(from);
            }
        }
    }

    /// The origin's inverse of [`AttributionData::shift_right`] after checking a hop: the next
    /// hop's data moves to the front.
    pub fn shift_left(&mut self) {
        let old = self.0;
        self.0.copy_within(HOLD_TIME_LEN..HOLD_TIMES_LEN, 0);
        for x in 0..MAX_HOPS - 1 {
            let src = HOLD_TIMES_LEN + block_start(x + 1) * TRUNCATED_HMAC_LEN;
            let dst = HOLD_TIMES_LEN + (block_start(x) + 1) * TRUNCATED_HMAC_LEN;
            let len = (MAX_HOPS - x - 1) * TRUNCATED_HMAC_LEN;
            if let (Some(to), Some(from)) =
                (self.0.get_mut(dst..dst + len), old.get(src..src + len))
            {
                to.copy_from_slice(from);
            }
        }
    }

    /// Puts this hop's hold time first and its 20 HMACs (one per possible position) in the first
    /// block. Call after [`AttributionData::shift_right`] (or on fresh data), before
    /// [`AttributionData::crypt`].
    pub fn add_hop(&mut self, secret: &SharedSecret, message: &[u8], hold_time: u32) {
        if let Some(slot) = self.0.get_mut(..HOLD_TIME_LEN) {
            slot.copy_from_slice(&hold_time.to_be_bytes());
        }
        let um = secret.derive(b"um");
        for idx in 0..MAX_HOPS {
            let position = MAX_HOPS - idx - 1;
            let mac = self.compute_hmac(&um, message, position);
            let at = HOLD_TIMES_LEN + idx * TRUNCATED_HMAC_LEN;
            if let Some(slot) = self.0.get_mut(at..at + TRUNCATED_HMAC_LEN) {
                slot.copy_from_slice(&mac);
            }
        }
    }

    /// Checks the HMAC of the first hop at `position` over `message`; returns its hold time.
    pub fn verify(&self, secret: &SharedSecret, message: &[u8], position: usize) -> Option<u32> {
        if position >= MAX_HOPS {
            return None;
        }
        let expected = self.compute_hmac(&secret.derive(b"um"), message, position);
        ct_eq(&expected, self.hmac(MAX_HOPS - position - 1)).then(|| self.hold_time(0)).flatten()
    }
}

/// A return packet with its attribution data, as sent in `update_fail_htlc`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttributedPacket {
    /// The obfuscated return packet (`reason`).
    pub packet: Vec<u8>,
    /// The obfuscated attribution data.
    pub attribution: AttributionData,
}

/// The erring node: builds the return packet ([`failure::build_unencrypted_return_packet`]),
/// initializes attribution data with its hold time and HMACs over it, and obfuscates both.
pub fn build_attributed_failure(
    secret: &SharedSecret,
    failure_message: &[u8],
    payload_len: usize,
    hold_time: u32,
) -> Result<AttributedPacket, BuildReturnError> {
    let mut packet = build_unencrypted_return_packet(secret, failure_message, payload_len)?;
    let mut attribution = AttributionData::new();
    attribution.add_hop(secret, &packet, hold_time);
    wrap_return_packet(secret, &mut packet);
    attribution.crypt(secret);
    Ok(AttributedPacket { packet, attribution })
}

/// An intermediate hop returning a failure: shifts the downstream attribution data (or starts
/// from zeroes when the next hop sent none), adds its hold time and HMACs over the packet as
/// received, then adds its `ammag` and `ammagext` layers.
pub fn forward_attributed_failure(
    secret: &SharedSecret,
    packet: &mut [u8],
    attribution: Option<AttributionData>,
    hold_time: u32,
) -> AttributionData {
    let mut data = match attribution {
        Some(mut d) => {
            d.shift_right();
            d
        }
        None => AttributionData::new(),
    };
    data.add_hop(secret, packet, hold_time);
    wrap_return_packet(secret, packet);
    data.crypt(secret);
    data
}

/// A hop settling an HTLC: the same update over an empty message (`update_fulfill_htlc`).
pub fn forward_fulfill_attribution(
    secret: &SharedSecret,
    attribution: Option<AttributionData>,
    hold_time: u32,
) -> AttributionData {
    let mut data = match attribution {
        Some(mut d) => {
            d.shift_right();
            d
        }
        None => AttributionData::new(),
    };
    data.add_hop(secret, &[], hold_time);
    data.crypt(secret);
    data
}

/// What the origin learned from a failure and its attribution data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttributedFailure {
    /// The failure, as [`failure::decode_return_packet`] finds it (the HMAC of the return packet
    /// names the erring hop).
    pub result: Result<DecodedFailure, DecodeFailureError>,
    /// Hold times (units of 100 ms) of the hops whose attribution HMAC checked, in route order.
    pub hold_times: Vec<u32>,
    /// The first hop whose attribution HMAC did not check (blame lies with it or the hop before),
    /// `None` when every hop checked up to the erring one (or there was no attribution data).
    pub attribution_failed_at: Option<usize>,
}

/// Decodes a failure at the origin, checking attribution data when present. Peels hop after
/// hop; at each of the first [`MAX_HOPS`] hops, while the attribution data still checks, it
/// verifies the hop's HMAC and records its hold time. Stops at the hop whose return-packet HMAC
/// matches.
pub fn decode_attributed_failure(
    shared_secrets: &[SharedSecret],
    packet: &[u8],
    attribution: Option<&AttributionData>,
) -> AttributedFailure {
    let mut hold_times = Vec::new();
    let mut attribution_failed_at = None;
    if packet.len() < failure::MIN_PACKET_LEN {
        return AttributedFailure {
            result: Err(DecodeFailureError::TooShort { len: packet.len() }),
            hold_times,
            attribution_failed_at,
        };
    }
    let attributable = shared_secrets.len().min(MAX_HOPS);
    let mut data = attribution.cloned();
    let mut buf = packet.to_vec();
    for (index, secret) in shared_secrets.iter().enumerate() {
        wrap_return_packet(secret, &mut buf);
        if let Some(d) = data.as_mut() {
            if index < attributable && attribution_failed_at.is_none() {
                d.crypt(secret);
                match d.verify(secret, &buf, attributable - index - 1) {
                    Some(hold) => {
                        hold_times.push(hold);
                        d.shift_left();
                    }
                    None => attribution_failed_at = Some(index),
                }
            }
        }
        if hmac_matches(secret, &buf) {
            return AttributedFailure {
                result: parse_matched(index, &buf),
                hold_times,
                attribution_failed_at,
            };
        }
    }
    AttributedFailure {
        result: Err(DecodeFailureError::Unattributable {
            len: packet.len(),
            hops: shared_secrets.len(),
        }),
        hold_times,
        attribution_failed_at,
    }
}

/// The hold times of a successful payment's attribution data (from `update_fulfill_htlc`), in
/// route order, up to the first hop whose HMAC does not check.
pub fn decode_fulfill_attribution(
    shared_secrets: &[SharedSecret],
    attribution: &AttributionData,
) -> Vec<u32> {
    let attributable = shared_secrets.len().min(MAX_HOPS);
    let mut data = attribution.clone();
    let mut hold_times = Vec::with_capacity(attributable);
    for (index, secret) in shared_secrets.iter().take(attributable).enumerate() {
        data.crypt(secret);
        match data.verify(secret, &[], attributable - index - 1) {
            Some(hold) => hold_times.push(hold),
            None => break,
        }
        data.shift_left();
    }
    hold_times
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn block_layout() {
        assert_eq!(block_start(0), 0);
        assert_eq!(block_start(1), 20);
        assert_eq!(block_start(2), 39);
        assert_eq!(block_start(19), 209);
        assert_eq!(block_start(20), HMAC_COUNT);
        assert_eq!(ATTRIBUTION_DATA_LEN, 920);
    }

    #[test]
    fn shifts_are_inverse_on_kept_slots() {
        let mut d = AttributionData::new();
        for (i, b) in d.0.iter_mut().enumerate() {
            *b = (i % 251) as u8;
        }
        let before = d.clone();
        d.shift_right();
        d.shift_left();
        // Hold times 0..19 and, in each block, every HMAC but the first survive.
        assert_eq!(d.0[..HOLD_TIMES_LEN - 4], before.0[..HOLD_TIMES_LEN - 4]);
        for x in 0..MAX_HOPS - 1 {
            for m in 1..MAX_HOPS - x {
                let idx = block_start(x) + m;
                assert_eq!(d.hmac(idx), before.hmac(idx), "block {x} slot {m}");
            }
        }
    }

    #[test]
    fn tampering_is_attributed_to_the_tampering_hop() {
        let secrets: Vec<SharedSecret> = (1..=6u8).map(|i| SharedSecret([i; 32])).collect();
        let msg = crate::failure::FailureMessage::UnknownNextPeer.encode();
        let origin = 4;
        let built = build_attributed_failure(&secrets[origin], &msg, 256, 9);
        let AttributedPacket { mut packet, attribution } = built.unwrap_or_else(|e| panic!("{e}"));
        let mut attr = attribution;
        for (i, s) in secrets[..origin].iter().enumerate().rev() {
            attr = forward_attributed_failure(s, &mut packet, Some(attr), i as u32);
            if i == 2 {
                // Hop 2 flips a bit of the packet after its own HMACs were computed.
                packet[100] ^= 1;
            }
        }
        let got = decode_attributed_failure(&secrets, &packet, Some(&attr));
        assert_eq!(got.hold_times, vec![0, 1]);
        assert_eq!(got.attribution_failed_at, Some(2));
        assert!(matches!(got.result, Err(DecodeFailureError::Unattributable { .. })));
    }
}
