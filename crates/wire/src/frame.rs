//! [`FrameDecoder`]: a byte stream split into `len: u16 BE` frames, each decoded as a
//! [`Message`] (sans-IO: the caller reads the socket).

use crate::error::WireError;
use crate::message::Message;

/// The largest number of bytes a [`FrameDecoder`] holds: one whole frame of the longest kind.
pub const MAX_FRAME: usize = 2 + u16::MAX as usize;

/// Splits a byte stream into frames and decodes each (sans-IO: the caller reads the socket).
///
/// Push bytes as they arrive with [`FrameDecoder::push`], then call [`FrameDecoder::next`]
/// until it returns `None`. A frame whose message is invalid yields one error and is skipped:
/// the framing stays in step, so decoding continues with the next frame. Consumed bytes are
/// released as frames are taken, so the buffer holds at most one partial frame (at most
/// [`MAX_FRAME`] bytes) beyond what was pushed and not yet taken.
#[derive(Debug, Default, Clone)]
pub struct FrameDecoder {
    buf: Vec<u8>,
    start: usize,
}

impl FrameDecoder {
    /// An empty decoder.
    pub fn new() -> Self {
        FrameDecoder::default()
    }

    /// Adds bytes received from the peer.
    pub fn push(&mut self, bytes: &[u8]) {
        if self.start > 0 && (self.start == self.buf.len() || self.start >= MAX_FRAME) {
            self.buf.drain(..self.start);
            self.start = 0;
        }
        self.buf.extend_from_slice(bytes);
    }

    /// Bytes held that do not yet make a whole frame (or are not yet taken).
    pub fn buffered(&self) -> usize {
        self.buf.len() - self.start
    }

    /// The next whole frame's message, an error for an invalid one, or `None` when more bytes
    /// are needed.
    #[allow(clippy::should_implement_trait)]
    pub fn next(&mut self) -> Option<Result<Message, WireError>> {
        let rest = self.buf.get(self.start..)?;
        let len = match rest {
            [a, b, ..] => u16::from_be_bytes([*a, *b]),
            _ => return None,
        };
        let body = rest.get(2..2 + usize::from(len))?;
        let result =
            if len < 2 { Err(WireError::FrameTooShort { len }) } else { Message::decode(body) };
        self.start += 2 + usize::from(len);
        if self.start == self.buf.len() {
            self.buf.clear();
            self.start = 0;
        }
        Some(result)
    }
}
