//! BOLT 2 `update_fail_malformed_htlc` (`wire::UpdateFailMalformedHtlc`), the payload
//! after the type.
//!
//! The checks of [`super::update_add_htlc`]: a decoded payload re-encodes to exactly the
//! input and survives `Message` and framing; errors tell the truth about the input.

use super::update_add_htlc::{check, Kind};
use wire::{Message, UpdateFailMalformedHtlc};

/// Runs the checks on `data`, panicking when one fails.
pub fn do_test(data: &[u8]) {
    check(
        data,
        &Kind {
            msg_type: UpdateFailMalformedHtlc::TYPE,
            decode: UpdateFailMalformedHtlc::decode,
            encode: UpdateFailMalformedHtlc::encode_payload,
            wrap: Message::UpdateFailMalformedHtlc,
            unknown: |m| &m.unknown_tlvs,
            known_tlvs: &[],
            min_len: 32 + 8 + 32 + 2,
        },
    );
}
