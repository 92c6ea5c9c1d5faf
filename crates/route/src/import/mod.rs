//! Importers that fill a [`GraphBuilder`](crate::graph::GraphBuilder) from other
//! implementations' dumps of the channel graph: Core Lightning `listchannels` JSON
//! ([`listchannels`]) and LND `lncli describegraph` JSON ([`lnd`]).
//!
//! Both read from an [`std::io::Read`] or a byte slice the caller provides (this crate opens
//! no file and decompresses nothing). A record that cannot be used is skipped and counted with
//! a typed [`RecordError`]; the graph never receives half of a bad record.

use std::fmt;
use types::ShortChannelId;

pub mod listchannels;
pub mod lnd;

/// How many record errors an [`ImportStats`] keeps (the count covers all of them).
pub const MAX_KEPT_ERRORS: usize = 64;

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ImportStats {
    /// Records read (one per direction for `listchannels`, one per channel for LND).
    pub records: usize,
    /// Records applied to the builder.
    pub applied: usize,
    /// Records skipped because they were invalid.
    pub skipped: usize,
    /// The first [`MAX_KEPT_ERRORS`] reasons records were skipped.
    pub errors: Vec<RecordError>,
}

impl ImportStats {
    pub(crate) fn skip(&mut self, error: RecordError) {
        self.skipped += 1;
        if self.errors.len() < MAX_KEPT_ERRORS {
            self.errors.push(error);
        }
    }
}

/// Why one record of a graph dump was skipped.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum RecordError {
    /// The record is not a JSON object.
    NotAnObject {
        /// Position of the record in its array.
        index: usize,
    },
    /// A required field is absent.
    MissingField {
        /// Position of the record in its array.
        index: usize,
        /// The field.
        field: &'static str,
    },
    /// A field has a value of the wrong type or out of range.
    BadField {
        /// Position of the record in its array.
        index: usize,
        /// The field.
        field: &'static str,
        /// The offending value as text (truncated to 80 characters).
        value: String,
    },
    /// Both ends of the channel are the same node.
    SameNode {
        /// Position of the record in its array.
        index: usize,
        /// The channel.
        scid: ShortChannelId,
    },
    /// The direction bit does not match the order of the source and destination ids.
    DirectionMismatch {
        /// Position of the record in its array.
        index: usize,
        /// The channel.
        scid: ShortChannelId,
        /// The direction the record claims.
        direction: u8,
    },
    /// The channel is already known between other nodes.
    ConflictingNodes {
        /// Position of the record in its array.
        index: usize,
        /// The channel.
        scid: ShortChannelId,
    },
}

impl fmt::Display for RecordError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RecordError::NotAnObject { index } => write!(f, "record {index}: not an object"),
            RecordError::MissingField { index, field } => {
                write!(f, "record {index}: missing field {field}")
            }
            RecordError::BadField { index, field, value } => {
                write!(f, "record {index}: invalid {field}: {value}")
            }
            RecordError::SameNode { index, scid } => {
                write!(f, "record {index}: channel {scid} connects a node to itself")
            }
            RecordError::DirectionMismatch { index, scid, direction } => write!(
                f,
                "record {index}: direction {direction} of channel {scid} does not match its node order"
            ),
            RecordError::ConflictingNodes { index, scid } => {
                write!(f, "record {index}: channel {scid} already known between other nodes")
            }
        }
    }
}

impl std::error::Error for RecordError {}

/// The offending value of a field as kept in a [`RecordError`]: at most 80 characters.
pub(crate) fn truncate_value(s: &str) -> String {
    match s.char_indices().nth(80) {
        Some((i, _)) => format!("{}...", &s[..i]),
        None => s.to_string(),
    }
}
