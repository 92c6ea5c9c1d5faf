//! BOLT 7 `channel_announcement` (`wire::gossip::ChannelAnnouncement`).
//!
//! Checks, for any bytes:
//! - a message that parses (with its type prefix) encodes back to exactly the input, parses
//!   the same without the prefix and through `GossipMessage::parse`, and keeps its feature
//!   bytes as sent;
//! - a failed parse says why truthfully (see `channel_update`);
//! - verifying never panics.

use wire::gossip::{ChannelAnnouncement, GossipMessage};

/// Runs the checks above on `data`, panicking when one fails.
pub fn do_test(data: &[u8]) {
    match ChannelAnnouncement::parse(data) {
        Ok(msg) => {
            assert_eq!(msg.encode(), data, "re-encodes differently");
            assert_eq!(ChannelAnnouncement::parse_body(&data[2..]).as_ref(), Ok(&msg));
            let flen = usize::from(u16::from_be_bytes([data[258], data[259]]));
            assert_eq!(msg.contents.features.len(), flen);
            assert_eq!(
                GossipMessage::parse(data),
                Ok(GossipMessage::ChannelAnnouncement(msg.clone()))
            );
            let _ = msg.verify();
        }
        Err(error) => super::channel_update::check_error(data, &error, ChannelAnnouncement::TYPE),
    }
    if let Ok(msg) = ChannelAnnouncement::parse_body(data) {
        assert_eq!(msg.encode().get(2..), Some(data), "body re-encodes differently");
    }
}
