//! The node ⇄ network byte stream (`wire::FrameDecoder` and `Message::decode`).
//!
//! The first byte of the input seeds how the rest is cut into chunks (1 to 64 bytes, or
//! everything at once); the rest is the stream. Checks, for any bytes:
//! - the decoder fed in chunks yields exactly what a direct walk over the length prefixes
//!   gives: for each whole frame, `FrameTooShort` when its length is below 2, else
//!   `Message::decode` of its body; then `None`, with the bytes of the last partial frame
//!   still buffered;
//! - each decoded message re-encodes to exactly its frame body and frame, and decodes again
//!   to itself; an error for an even type names that type.

use wire::{FrameDecoder, Message, WireError};

/// Runs the checks above on `data`, panicking when one fails.
pub fn do_test(data: &[u8]) {
    let Some((&seed, stream)) = data.split_first() else { return };

    // The frames, walked directly.
    let mut expected = Vec::new();
    let mut rest = stream;
    while let [a, b, tail @ ..] = rest {
        let len = usize::from(u16::from_be_bytes([*a, *b]));
        let Some(body) = tail.get(..len) else { break };
        expected.push(body);
        rest = &tail[len..];
    }
    let partial = rest.len();

    // The decoder, fed in chunks.
    let mut decoder = FrameDecoder::new();
    let mut got = Vec::new();
    let mut state = u32::from(seed) | 0x100;
    let mut input = stream;
    while !input.is_empty() {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        let n = if seed == 0 { input.len() } else { (state % 64) as usize + 1 };
        let (chunk, tail) = input.split_at(n.min(input.len()));
        decoder.push(chunk);
        input = tail;
        if state % 3 != 0 {
            while let Some(r) = decoder.next() {
                got.push(r);
            }
        }
    }
    while let Some(r) = decoder.next() {
        got.push(r);
    }
    assert_eq!(decoder.buffered(), partial, "bytes left buffered");
    assert_eq!(got.len(), expected.len(), "frames decoded");

    for (result, body) in got.into_iter().zip(expected) {
        let len = body.len() as u16;
        match result {
            Ok(msg) => {
                assert!(len >= 2);
                assert_eq!(msg.encode(), body, "re-encodes differently");
                let frame = msg.encode_frame();
                assert_eq!(frame.get(..2), Some(&len.to_be_bytes()[..]));
                assert_eq!(frame.get(2..), Some(body));
                assert_eq!(Message::decode(body).as_ref(), Ok(&msg));
                assert_eq!(Some(&msg.msg_type().to_be_bytes()[..]), body.get(..2));
            }
            Err(WireError::FrameTooShort { len: l }) => {
                assert!(len < 2);
                assert_eq!(l, len);
            }
            Err(error) => {
                assert!(len >= 2, "{error:?} for a frame of {len}");
                assert_eq!(Message::decode(body), Err(error.clone()));
                if let WireError::UnknownEvenType(t) = error {
                    assert_eq!(t % 2, 0);
                    assert_eq!(Some(&t.to_be_bytes()[..]), body.get(..2));
                }
            }
        }
    }
}
