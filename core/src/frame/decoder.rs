//! Incremental frame decoder over caller-provided storage.
//!
//! Bytes arrive in arbitrary chunks ([`Decoder::feed`], or a read straight into
//! [`Decoder::spare_mut`] followed by [`Decoder::commit`], or [`Decoder::read_from`]);
//! [`Decoder::next_frame`] yields frames that borrow the buffer, so a payload reaches the
//! caller without a copy. The buffer is linear: consumed bytes at the front are reclaimed
//! by moving the (usually short) unconsumed tail to the front when room is needed.

use core::mem;

use super::parse::{Next, parse_body, peek};
use super::{DecodeError, Frame, LEN_PREFIX};

/// Incremental decoder over caller storage `B` (`[u8; N]`, `&mut [u8]`, `Vec<u8>`, …).
///
/// Errors are sticky: once [`next_frame`](Self::next_frame) has returned an error it
/// returns the same error forever, because the byte stream can no longer be framed; the
/// caller closes the connection.
///
/// The buffer should hold at least `LEN_PREFIX + MAX_HEADER_LEN` bytes plus the payloads
/// the caller wants to receive without the slow path of
/// [`oversized_pending`](Self::oversized_pending).
#[derive(Debug)]
pub struct Decoder<B> {
    buf: B,
    /// First unconsumed byte.
    start: usize,
    /// One past the last buffered byte.
    end: usize,
    max_body_len: usize,
    error: Option<DecodeError>,
}

impl<B: AsRef<[u8]> + AsMut<[u8]>> Decoder<B> {
    /// A decoder over `buf` refusing bodies longer than `max_body_len`, which may exceed
    /// the buffer's capacity (see [`oversized_pending`](Self::oversized_pending)).
    ///
    /// # Panics
    /// If `buf` is shorter than [`LEN_PREFIX`]: it could never hold a length prefix.
    pub fn new(buf: B, max_body_len: usize) -> Self {
        assert!(
            buf.as_ref().len() >= LEN_PREFIX,
            "decoder buffer shorter than LEN_PREFIX"
        );
        Self {
            buf,
            start: 0,
            end: 0,
            max_body_len,
            error: None,
        }
    }

    /// Copies as much of `bytes` as fits and returns how many bytes were taken.
    pub fn feed(&mut self, bytes: &[u8]) -> usize {
        if self.buf.as_ref().len() - self.end < bytes.len() {
            self.compact();
        }
        let spare = &mut self.buf.as_mut()[self.end..];
        let n = spare.len().min(bytes.len());
        spare[..n].copy_from_slice(&bytes[..n]);
        self.end += n;
        n
    }

    /// Moves the unconsumed bytes to the front and returns all free space after them, to
    /// read a socket straight into; report what was written with [`commit`](Self::commit).
    pub fn spare_mut(&mut self) -> &mut [u8] {
        self.compact();
        &mut self.buf.as_mut()[self.end..]
    }

    /// Marks `n` bytes written into [`spare_mut`](Self::spare_mut) as buffered.
    ///
    /// # Panics
    /// If `n` exceeds the free space.
    pub fn commit(&mut self, n: usize) {
        assert!(
            n <= self.buf.as_ref().len() - self.end,
            "commit past the end of the buffer"
        );
        self.end += n;
    }

    /// Performs one `read` from `r` into the free space and returns the bytes read
    /// (0 = end of stream). When the buffer is full it returns `Ok(0)` without reading:
    /// drain [`next_frame`](Self::next_frame) and check
    /// [`oversized_pending`](Self::oversized_pending) before reading again.
    pub fn read_from<R: embedded_io::Read>(&mut self, r: &mut R) -> Result<usize, R::Error> {
        let spare = self.spare_mut();
        if spare.is_empty() {
            return Ok(0);
        }
        let n = r.read(spare)?;
        self.commit(n);
        Ok(n)
    }

    /// The next complete frame, borrowed from the buffer, or `None` when more bytes are
    /// needed. A too-long declared length or an unknown kind is reported as soon as the
    /// prefix (and, for the kind, the first body byte) is buffered.
    pub fn next_frame(&mut self) -> Result<Option<Frame<'_>>, DecodeError> {
        if let Some(err) = self.error {
            return Err(err);
        }
        let pending = &self.buf.as_ref()[self.start..self.end];
        let total = match peek(pending, self.max_body_len) {
            Ok(Next::Complete { total }) => total,
            Ok(Next::NeedPrefix | Next::Incomplete { .. }) => return Ok(None),
            Err(err) => {
                self.error = Some(err);
                return Err(err);
            }
        };
        let body = self.start + LEN_PREFIX..self.start + total;
        self.start += total;
        parse_body(&self.buf.as_ref()[body])
            .map(Some)
            .inspect_err(|err| self.error = Some(*err))
    }

    /// Changes the largest body accepted from now on (e.g. a small limit until a handshake
    /// completes, then the real one). A frame whose prefix was already checked is checked
    /// again against the new limit.
    pub fn set_max_body_len(&mut self, max_body_len: usize) {
        self.max_body_len = max_body_len;
    }

    /// Size of the buffer in bytes.
    pub fn capacity(&self) -> usize {
        self.buf.as_ref().len()
    }

    /// Bytes buffered and not yet returned as frames.
    pub fn buffered(&self) -> usize {
        self.end - self.start
    }

    /// `Some(total frame size including the prefix)` when the next frame is allowed by
    /// `max_body_len` but larger than this buffer: the caller swaps in a bigger buffer with
    /// [`replace_buffer`](Self::replace_buffer) to receive it.
    pub fn oversized_pending(&self) -> Option<usize> {
        match peek(&self.buf.as_ref()[self.start..self.end], self.max_body_len) {
            Ok(Next::Incomplete { total }) if total > self.buf.as_ref().len() => Some(total),
            _ => None,
        }
    }

    /// Installs `new` as the buffer, moving the buffered bytes into it, and returns the old
    /// buffer.
    ///
    /// # Panics
    /// If `new` is smaller than [`buffered`](Self::buffered) or than [`LEN_PREFIX`].
    pub fn replace_buffer(&mut self, mut new: B) -> B {
        let pending = &self.buf.as_ref()[self.start..self.end];
        let dest = new.as_mut();
        let needed = pending.len().max(LEN_PREFIX);
        assert!(dest.len() >= needed, "replacement buffer too small");
        dest[..pending.len()].copy_from_slice(pending);
        self.end = pending.len();
        self.start = 0;
        mem::replace(&mut self.buf, new)
    }

    /// Moves the unconsumed bytes to the front of the buffer.
    fn compact(&mut self) {
        if self.start > 0 {
            self.buf.as_mut().copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::frame::{Data, MAX_HEADER_LEN, encode};

    fn data(seq: u64, payload: &[u8]) -> Frame<'_> {
        Frame::Data(Data {
            seq,
            topic_key: 5,
            flags: 0,
            payload,
        })
    }

    /// `frames` encoded back to back into `out`; returns the length used.
    fn stream(frames: &[Frame<'_>], out: &mut [u8]) -> usize {
        frames
            .iter()
            .fold(0, |at, frame| at + encode(frame, &mut out[at..]).unwrap())
    }

    #[test]
    fn yields_frames_in_order_then_waits() {
        let frames = [data(1, b"one"), Frame::Ping(9), data(2, b""), Frame::Bye];
        let mut bytes = [0u8; 64];
        let len = stream(&frames, &mut bytes);
        let mut decoder = Decoder::new([0u8; 64], 1024);
        assert_eq!(decoder.feed(&bytes[..len]), len);
        for expected in frames {
            assert_eq!(decoder.next_frame(), Ok(Some(expected)));
        }
        assert_eq!(decoder.next_frame(), Ok(None));
        assert_eq!(decoder.buffered(), 0);
    }

    #[test]
    fn byte_at_a_time_through_a_small_buffer() {
        let frames = [
            data(1, &[1; 20]),
            Frame::Ack(1),
            data(2, &[2; 20]),
            Frame::Pong(3),
        ];
        let mut bytes = [0u8; 128];
        let len = stream(&frames, &mut bytes);
        // Room for the largest frame only: compaction must keep making space.
        let mut decoder = Decoder::new([0u8; 30], 1024);
        let mut seen = 0;
        for byte in &bytes[..len] {
            assert_eq!(decoder.feed(core::slice::from_ref(byte)), 1);
            if let Some(frame) = decoder.next_frame().unwrap() {
                assert_eq!(frame, frames[seen]);
                seen += 1;
            }
        }
        assert_eq!(seen, frames.len());
    }

    #[test]
    fn too_long_is_found_from_the_prefix_alone() {
        let mut decoder = Decoder::new([0u8; 64], 100);
        decoder.feed(&101u32.to_le_bytes()[..3]);
        assert_eq!(decoder.next_frame(), Ok(None));
        decoder.feed(&101u32.to_le_bytes()[3..]);
        let too_long = DecodeError::TooLong { len: 101, max: 100 };
        assert_eq!(decoder.next_frame(), Err(too_long));
        // Sticky: later bytes change nothing.
        decoder.feed(b"\x02\0\0\0\x06\x00");
        assert_eq!(decoder.next_frame(), Err(too_long));
    }

    #[test]
    fn unknown_kind_is_found_from_the_first_body_byte() {
        let mut decoder = Decoder::new([0u8; 64], 1 << 20);
        decoder.feed(&50_000u32.to_le_bytes());
        assert_eq!(decoder.next_frame(), Ok(None));
        decoder.feed(&[0xee]);
        assert_eq!(decoder.next_frame(), Err(DecodeError::UnknownKind(0xee)));
    }

    #[test]
    fn body_errors_are_sticky_too() {
        let mut decoder = Decoder::new([0u8; 64], 64);
        decoder.feed(b"\x02\0\0\0\x03\x09\x01\0\0\0\x08");
        let unknown = DecodeError::UnknownRejectReason(9);
        assert_eq!(decoder.next_frame(), Err(unknown));
        assert_eq!(decoder.next_frame(), Err(unknown));
    }

    #[test]
    fn spare_mut_compacts_and_commit_buffers() {
        let mut bytes = [0u8; 64];
        let len = stream(&[Frame::Ack(7), Frame::Ping(8)], &mut bytes);
        let mut decoder = Decoder::new([0u8; 12], 64);
        let first = 7; // Ack(7) (6 bytes) plus one byte of the Ping
        decoder.spare_mut()[..first].copy_from_slice(&bytes[..first]);
        decoder.commit(first);
        assert_eq!(decoder.next_frame(), Ok(Some(Frame::Ack(7))));
        assert_eq!(decoder.spare_mut().len(), 11);
        let spare = decoder.spare_mut();
        spare[..len - first].copy_from_slice(&bytes[first..len]);
        decoder.commit(len - first);
        assert_eq!(decoder.next_frame(), Ok(Some(Frame::Ping(8))));
    }

    #[test]
    fn read_from_reads_into_spare_space() {
        let mut bytes = [0u8; 64];
        let len = stream(&[data(3, b"abc"), Frame::Bye], &mut bytes);
        let mut reader: &[u8] = &bytes[..len];
        // Smaller than the stream (16 bytes) but larger than its largest frame (11 bytes).
        let mut decoder = Decoder::new([0u8; 12], 64);
        let mut frames = 0;
        loop {
            while let Some(frame) = decoder.next_frame().unwrap() {
                assert_eq!(frame, [data(3, b"abc"), Frame::Bye][frames]);
                frames += 1;
            }
            if decoder.read_from(&mut reader).unwrap() == 0 {
                break;
            }
        }
        assert_eq!(frames, 2);
        assert_eq!(decoder.buffered(), 0);
    }

    #[test]
    fn oversized_frames_move_to_a_bigger_buffer() {
        let payload = [0x42; 100];
        let mut bytes = [0u8; 128];
        let len = stream(&[data(1, &payload), Frame::Ack(1)], &mut bytes);
        let mut small = [0u8; LEN_PREFIX + MAX_HEADER_LEN / 8];
        let mut big = [0u8; 256];
        let mut decoder = Decoder::new(&mut small[..], 1000);
        let taken = decoder.feed(&bytes[..len]);
        assert_eq!(decoder.next_frame(), Ok(None));
        assert_eq!(
            decoder.oversized_pending(),
            Some(LEN_PREFIX + 4 + payload.len())
        );
        let old = decoder.replace_buffer(&mut big[..]);
        assert_eq!(old.len(), taken);
        assert_eq!(decoder.oversized_pending(), None);
        decoder.feed(&bytes[taken..len]);
        assert_eq!(decoder.next_frame(), Ok(Some(data(1, &payload))));
        assert_eq!(decoder.next_frame(), Ok(Some(Frame::Ack(1))));
    }
}
