//! [`WireError`]: why bytes are not a message or a frame.

use core::fmt;
use types::tlv::TlvError;
use types::NodeIdError;

/// Why bytes are not a message (or a frame).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum WireError {
    /// Fewer bytes than the message's fixed fields (or a length-prefixed field) need.
    TooShort {
        /// The message type.
        msg_type: u16,
        /// Bytes needed.
        need: usize,
        /// Bytes given.
        got: usize,
    },
    /// A message of fixed size with bytes left over.
    LengthMismatch {
        /// The message type.
        msg_type: u16,
        /// The size of the message's payload.
        expected: usize,
        /// The size given.
        got: usize,
    },
    /// An even message type we do not know (it's ok to be odd).
    UnknownEvenType(u16),
    /// A message shorter than its two type bytes.
    NoType {
        /// Bytes given.
        got: usize,
    },
    /// A frame length below 2 (a frame holds at least the message type).
    FrameTooShort {
        /// The frame length.
        len: u16,
    },
    /// The TLV extension stream is invalid (including an unknown even TLV type).
    BadTlv {
        /// The message type.
        msg_type: u16,
        /// What is wrong with the stream.
        error: TlvError,
    },
    /// A known TLV record has the wrong length.
    BadTlvLength {
        /// The message type.
        msg_type: u16,
        /// The TLV type.
        tlv_type: u64,
        /// Its required length.
        expected: usize,
        /// Its length.
        got: usize,
    },
    /// A public key field is not a valid point.
    BadPoint {
        /// The message type.
        msg_type: u16,
        /// The 33 bytes given.
        bytes: [u8; 33],
    },
    /// A node id field is invalid.
    BadNodeId {
        /// The message type.
        msg_type: u16,
        /// What is wrong with it.
        error: NodeIdError,
    },
    /// A boolean byte other than 0 or 1.
    BadBool {
        /// The message type.
        msg_type: u16,
        /// The byte given.
        value: u8,
    },
}

impl fmt::Display for WireError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WireError::TooShort { msg_type, need, got } => {
                write!(f, "message type {msg_type} too short: need {need} bytes, got {got}")
            }
            WireError::LengthMismatch { msg_type, expected, got } => {
                write!(f, "message type {msg_type} must be {expected} bytes, got {got}")
            }
            WireError::UnknownEvenType(t) => write!(f, "unknown even message type {t}"),
            WireError::NoType { got } => {
                write!(f, "message of {got} bytes has no 2-byte type")
            }
            WireError::FrameTooShort { len } => {
                write!(f, "frame length {len} is below 2")
            }
            WireError::BadTlv { msg_type, error } => {
                write!(f, "bad tlv stream in message type {msg_type}: {error}")
            }
            WireError::BadTlvLength { msg_type, tlv_type, expected, got } => write!(
                f,
                "tlv type {tlv_type} of message type {msg_type} must be {expected} bytes, got {got}"
            ),
            WireError::BadPoint { msg_type, bytes } => write!(
                f,
                "message type {msg_type}: {} is not a valid point",
                types::hex::encode(bytes)
            ),
            WireError::BadNodeId { msg_type, error } => {
                write!(f, "message type {msg_type}: {error}")
            }
            WireError::BadBool { msg_type, value } => {
                write!(f, "message type {msg_type}: boolean byte {value} is not 0 or 1")
            }
        }
    }
}

impl std::error::Error for WireError {}
