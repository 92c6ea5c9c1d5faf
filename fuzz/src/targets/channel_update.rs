//! BOLT 7 `channel_update` (`wire::gossip::ChannelUpdate`).
//!
//! Checks, for any bytes:
//! - a message that parses (with its type prefix) encodes back to exactly the input, parses
//!   the same without the prefix and through the BOLT 4 failure path, and dispatches the same
//!   through `GossipMessage::parse`;
//! - a failed parse says why truthfully: `Truncated` only when fewer bytes remain than the
//!   field needs, `WrongType` only with the input's actual type;
//! - verifying against any key never panics.

use route::NodeId;
use wire::gossip::{ChannelUpdate, GossipMessage, ParseError};

/// Checks a parse error against the input it came from.
pub(crate) fn check_error(data: &[u8], error: &ParseError, expected_type: u16) {
    match error {
        ParseError::Truncated { needed, remaining, .. } => {
            assert!(remaining < needed, "truncated with {remaining} of {needed} bytes");
            assert!(
                *remaining < data.len() || data.len() < 2,
                "{remaining} left of {}",
                data.len()
            );
        }
        ParseError::WrongType { expected, got } => {
            assert_eq!(*expected, expected_type);
            assert_eq!(Some(&got.to_be_bytes()[..]), data.get(..2));
            assert_ne!(got, expected);
        }
        ParseError::Signature { bytes, .. } => {
            assert!(data.windows(64).any(|w| w == bytes), "signature bytes not in input");
        }
        ParseError::Point { .. } => {}
        other => panic!("unexpected error {other:?} for {}", data.len()),
    }
}

/// Runs the checks above on `data`, panicking when one fails.
pub fn do_test(data: &[u8]) {
    match ChannelUpdate::parse(data) {
        Ok(msg) => {
            assert_eq!(msg.encode(), data, "re-encodes differently");
            assert_eq!(ChannelUpdate::parse_body(&data[2..]).as_ref(), Ok(&msg));
            assert_eq!(ChannelUpdate::parse_from_failure(data).as_ref(), Ok(&msg));
            assert_eq!(GossipMessage::parse(data), Ok(GossipMessage::ChannelUpdate(msg.clone())));
            let key = NodeId::from_array([0x02; 33]).ok();
            if let Some(key) = key {
                let _ = msg.verify(&key);
            }
        }
        Err(error) => check_error(data, &error, ChannelUpdate::TYPE),
    }
    if let Ok(msg) = ChannelUpdate::parse_body(data) {
        let encoded = msg.encode();
        assert_eq!(encoded.get(2..), Some(data), "body re-encodes differently");
    }
}
