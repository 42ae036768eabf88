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
    pub fn new(buf: B, max_body_len: usize) -> Self {
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
    /// If `new` is smaller than [`buffered`](Self::buffered).
    pub fn replace_buffer(&mut self, mut new: B) -> B {
        let pending = &self.buf.as_ref()[self.start..self.end];
        let dest = new.as_mut();
        assert!(
            dest.len() >= pending.len(),
            "replacement buffer smaller than buffered bytes"
        );
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
