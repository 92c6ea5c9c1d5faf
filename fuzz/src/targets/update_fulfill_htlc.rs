//! BOLT 2 `update_fulfill_htlc` (`wire::UpdateFulfillHtlc`), the payload after the type.
//!
//! The checks of [`super::update_add_htlc`]: a decoded payload re-encodes to exactly the
//! input and survives `Message` and framing; errors tell the truth about the input.

use super::update_add_htlc::{check, Kind};
use wire::{Message, UpdateFulfillHtlc};

/// Runs the checks on `data`, panicking when one fails.
pub fn do_test(data: &[u8]) {
    check(
        data,
        &Kind {
            msg_type: UpdateFulfillHtlc::TYPE,
            decode: UpdateFulfillHtlc::decode,
            encode: UpdateFulfillHtlc::encode_payload,
            wrap: Message::UpdateFulfillHtlc,
            unknown: |m| &m.unknown_tlvs,
            known_tlvs: &[],
            min_len: 32 + 8 + 32,
        },
    );
}
