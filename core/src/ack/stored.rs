//! Walking the encoded Data frames a transmit window holds.
//!
//! The window keeps no per-frame metadata: the frames themselves (length prefix, seq,
//! flags) are the index. Every frame entered the window through the encoder or a
//! validating parse, so the walk reads only what it needs — the length prefix, the kind
//! byte, the seq and topic-key varints and the flags byte — instead of decoding the whole
//! header again (acks walk every frame they free). Anything unexpected ends the walk.

use crate::frame::{FLAG_AT_LEAST_ONCE, LEN_PREFIX, kind};

/// One frame as stored: what the window needs to know about it, and its bytes.
#[derive(Debug, Clone, Copy)]
pub(super) struct StoredFrame<'a> {
    pub(super) seq: u64,
    pub(super) at_least_once: bool,
    /// The whole encoded frame, length prefix included.
    pub(super) bytes: &'a [u8],
}

impl StoredFrame<'_> {
    pub(super) fn len(&self) -> usize {
        self.bytes.len()
    }
}

/// Reads the Data frame at the start of `bytes` if it is whole, returning it with the
/// number of bytes it spans.
pub(super) fn parse_data(bytes: &[u8]) -> Option<StoredFrame<'_>> {
    let (prefix, body) = bytes.split_first_chunk::<LEN_PREFIX>()?;
    let body_len = usize::try_from(u32::from_le_bytes(*prefix)).ok()?;
    let (&code, fields) = body.get(..body_len)?.split_first()?;
    if code != kind::DATA {
        return None;
    }
    let (seq, rest) = take_varint(fields)?;
    let (_topic_key, rest) = take_varint(rest)?;
    let flags = *rest.first()?;
    Some(StoredFrame {
        seq,
        at_least_once: flags & FLAG_AT_LEAST_ONCE != 0,
        bytes: bytes.get(..LEN_PREFIX + body_len)?,
    })
}

/// Splits a postcard `u64` varint (7 bits per byte, least significant group first) off
/// the front of `bytes`.
fn take_varint(bytes: &[u8]) -> Option<(u64, &[u8])> {
    let mut value = 0u64;
    for (i, &byte) in bytes.iter().enumerate().take(10) {
        value |= u64::from(byte & 0x7f) << (7 * i);
        if byte & 0x80 == 0 {
            return Some((value, bytes.get(i + 1..)?));
        }
    }
    None
}

/// Iterator over back-to-back stored frames.
#[derive(Debug, Clone)]
pub(super) struct StoredFrames<'a> {
    rest: &'a [u8],
}

impl<'a> StoredFrames<'a> {
    pub(super) fn new(bytes: &'a [u8]) -> Self {
        Self { rest: bytes }
    }
}

impl<'a> Iterator for StoredFrames<'a> {
    type Item = StoredFrame<'a>;

    fn next(&mut self) -> Option<Self::Item> {
        let frame = parse_data(self.rest)?;
        self.rest = self.rest.get(frame.len()..).unwrap_or_default();
        Some(frame)
    }
}
