//! BOLT 7 `node_announcement` (`wire::gossip::NodeAnnouncement`).
//!
//! Checks, for any bytes:
//! - a message that parses (with its type prefix) encodes back to exactly the input, parses
//!   the same without the prefix and through `GossipMessage::parse`;
//! - the alias, when UTF-8, has no trailing zero bytes and is a prefix of the alias field;
//! - a failed parse says why truthfully (see `channel_update`);
//! - decoded addresses never carry port 0 (IP, hostname) nor a non-ASCII hostname;
//! - verifying never panics.

use wire::gossip::{Address, GossipMessage, NodeAnnouncement};

/// Runs the checks above on `data`, panicking when one fails.
pub fn do_test(data: &[u8]) {
    match NodeAnnouncement::parse(data) {
        Ok(msg) => {
            assert_eq!(msg.encode(), data, "re-encodes differently");
            assert_eq!(NodeAnnouncement::parse_body(&data[2..]).as_ref(), Ok(&msg));
            assert_eq!(
                GossipMessage::parse(data),
                Ok(GossipMessage::NodeAnnouncement(msg.clone()))
            );
            if let Some(alias) = msg.contents.alias_str() {
                assert!(!alias.ends_with('\0'));
                assert!(msg.contents.alias.starts_with(alias.as_bytes()));
            }
            let _ = msg.verify();
            if let Ok(addresses) = msg.contents.decoded_addresses() {
                for a in &addresses {
                    match a {
                        Address::Ipv4 { port, .. }
                        | Address::Ipv6 { port, .. }
                        | Address::Hostname { port, .. } => assert_ne!(*port, 0, "{a:?}"),
                        _ => {}
                    }
                    if let Address::Hostname { host, .. } = a {
                        assert!(host.is_ascii(), "{host:?}");
                    }
                }
                assert!(addresses.len() <= msg.contents.addresses.len() / 3);
            }
        }
        Err(error) => super::channel_update::check_error(data, &error, NodeAnnouncement::TYPE),
    }
    if let Ok(msg) = NodeAnnouncement::parse_body(data) {
        assert_eq!(msg.encode().get(2..), Some(data), "body re-encodes differently");
    }
}
