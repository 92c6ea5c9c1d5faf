//! BOLT 2 `update_fail_htlc` (`wire::UpdateFailHtlc`), the payload after the type.
//!
//! The checks of [`super::update_add_htlc`]: a decoded payload re-encodes to exactly the
//! input and survives `Message` and framing; errors tell the truth about the input. Also:
//! the attribution data (TLV 1) is never kept as an unknown record.

use super::update_add_htlc::{check, Kind};
use wire::{Message, UpdateFailHtlc};

/// Runs the checks on `data`, panicking when one fails.
pub fn do_test(data: &[u8]) {
    check(
        data,
        &Kind {
            msg_type: UpdateFailHtlc::TYPE,
            decode: UpdateFailHtlc::decode,
            encode: UpdateFailHtlc::encode_payload,
            wrap: Message::UpdateFailHtlc,
            unknown: |m| &m.unknown_tlvs,
            known_tlvs: &[1],
            min_len: 32 + 8 + 2,
        },
    );
}
