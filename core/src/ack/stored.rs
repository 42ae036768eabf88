//! Walking the encoded Data frames a transmit window holds.
//!
//! The window keeps no per-frame metadata: the frames themselves (length prefix, seq,
//! flags) are the index. Every frame entered the window through the encoder or a
//! validating parse, so re-parsing it cannot fail; if it ever did, the walk just ends.

use crate::frame::{Frame, parse_frame};

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

/// Decodes the Data frame at the start of `bytes` if it is whole, returning it with the
/// number of bytes it spans.
pub(super) fn parse_data(bytes: &[u8]) -> Option<StoredFrame<'_>> {
    match parse_frame(bytes) {
        Ok(Some((Frame::Data(data), used))) => Some(StoredFrame {
            seq: data.seq,
            at_least_once: data.at_least_once(),
            bytes: bytes.get(..used)?,
        }),
        _ => None,
    }
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
