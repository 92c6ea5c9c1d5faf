//! BOLT 4 `onion_message` (`wire::OnionMessage`), the payload after the type.
//!
//! The checks of [`super::update_add_htlc`]: a decoded payload re-encodes to exactly the
//! input (path key, `u16`-length packet, unknown odd TLVs) and survives `Message` and framing;
//! errors tell the truth about the input.

use super::update_add_htlc::{check, Kind};
use wire::{Message, OnionMessage};

/// Runs the checks on `data`, panicking when one fails.
pub fn do_test(data: &[u8]) {
    check(
        data,
        &Kind {
            msg_type: OnionMessage::TYPE,
            decode: OnionMessage::decode,
            encode: OnionMessage::encode_payload,
            wrap: Message::OnionMessage,
            unknown: |m| &m.unknown_tlvs,
            known_tlvs: &[],
            // The path key alone: a bad one is refused before the packet's length is read.
            min_len: 33,
        },
    );
}
