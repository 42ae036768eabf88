//! The sender's transmit window: encoded Data frames kept in caller storage until they
//! are written (best-effort) or acknowledged (at-least-once).
//!
//! # Layout
//!
//! Frames are stored encoded, length prefix included, back to back in one buffer used as
//! a ring that never splits a frame. Positions are *logical*: they only grow while the
//! window holds anything, and map to the buffer as follows.
//!
//! ```text
//! unwrapped:  0      head        sent          tail           capacity
//!             | free | written   | unsent      | free         |
//! wrapped:    0             tail-split   head          sent       split     capacity
//!             | 2nd part    | free       | written     | unsent   | unused  |
//! ```
//!
//! A frame that no longer fits at the end of the buffer goes to its start when the front
//! has room (the window *wraps*): `split` is then where the first part ends, and a logical
//! position `p >= split` lives at `p - split` in the buffer. When the first part has been
//! freed, positions are rebased and the window is unwrapped again. So no byte is ever
//! moved to make room for a frame, whatever the acks free; the only exception is a
//! best-effort frame (which `Full` would drop) with too little room at either end, which
//! moves the kept frames to the front of the buffer (one rotation).
//!
//! `[sent, tail)` is exactly the byte stream still to be written. [`TxWindow::unsent`] is
//! its first contiguous piece: all of it, or when it wraps, the part before the wrap (the
//! rest follows once that is marked written). `sent` may point into the middle of a frame
//! after a short write. `[head, sent)` holds written frames that must be kept:
//! at-least-once frames waiting for their Ack, and best-effort frames written after such a
//! frame (they count as freed — a rewind drops them — but their bytes are reclaimed only
//! when the frame before them goes).
//!
//! # Pinning
//!
//! A writer may hand the unsent bytes to the OS without holding whatever guards the window
//! (and without copying them first): [`TxWindow::pin`] promises that those bytes stay where
//! they are until [`TxWindow::unpin`]. Meanwhile pushes still append (at the end or, by
//! wrapping, at the start), but a best-effort push that would have to move the kept frames
//! fails with [`WindowError::Pinned`] instead.
//!
//! # Acks
//!
//! Acks are cumulative: `ack(s)` covers every frame with `seq <= s`. The window only
//! believes Acks for seqs it holds or held: a value above the last pushed seq is clamped
//! to it (a confused or stale peer cannot make the window treat future frames as
//! delivered), and a value at or below the current one is ignored. A covered frame that
//! has not been started is never written; one that is partly written is finished (the
//! stream cannot be cut mid-frame) and freed once written.

use core::fmt;

use super::error::WindowError;
use super::stored::{StoredFrame, StoredFrames, parse_data};
use crate::frame::{DataHead, DecodeError, FLAG_AT_LEAST_ONCE, Frame, LEN_PREFIX, parse_frame};

/// Sender transmit window over caller storage (`[u8; N]`, `&mut [u8]`, `Vec<u8>` …).
#[derive(Clone)]
pub struct TxWindow<B> {
    buf: B,
    /// Start of the oldest frame still kept (logical position, see the module docs).
    head: usize,
    /// Start of the bytes not yet written (logical).
    sent: usize,
    /// End of the stored frames (logical).
    tail: usize,
    /// When wrapped: the end of the part at the end of the buffer, where logical positions
    /// continue at the start of the buffer.
    split: Option<usize>,
    /// Highest seq pushed since `new`/`clear`, 0 when none.
    last: u64,
    /// Highest cumulative Ack accepted, never above `last`.
    acked: u64,
    /// Highest seq of a frame written (at least in part) before the last rewind: frames
    /// above it were never on any connection. Survives `clear`.
    written: u64,
    /// Compaction is off (see the module docs, "Pinning").
    pinned: bool,
}

/// Positions and counters only: the stored bytes would drown them.
impl<B: AsRef<[u8]>> fmt::Debug for TxWindow<B> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TxWindow")
            .field("capacity", &self.buf.as_ref().len())
            .field("head", &self.head)
            .field("sent", &self.sent)
            .field("tail", &self.tail)
            .field("split", &self.split)
            .field("last", &self.last)
            .field("acked", &self.acked)
            .field("written", &self.written)
            .field("pinned", &self.pinned)
            .finish()
    }
}

impl<B: AsRef<[u8]> + AsMut<[u8]>> TxWindow<B> {
    /// An empty window over `buf`; its capacity is `buf`'s length.
    pub fn new(buf: B) -> Self {
        Self {
            buf,
            head: 0,
            sent: 0,
            tail: 0,
            split: None,
            last: 0,
            acked: 0,
            written: 0,
            pinned: false,
        }
    }

    /// Keeps the bytes of [`TxWindow::unsent`] at their addresses until
    /// [`TxWindow::unpin`]: pushes that would move frames fail with [`WindowError::Pinned`].
    /// Only appending pushes, [`TxWindow::ack`] of frames already written and
    /// [`TxWindow::mark_written`] keep that promise; a pinned window must not be rewound,
    /// cleared or replaced.
    pub fn pin(&mut self) {
        self.pinned = true;
    }

    /// Ends a [`TxWindow::pin`].
    pub fn unpin(&mut self) {
        self.pinned = false;
    }

    /// Whether the window is pinned.
    pub fn is_pinned(&self) -> bool {
        self.pinned
    }

    /// Encodes a Data frame at the end of the window.
    pub fn push_data(
        &mut self,
        seq: u64,
        topic_key: u64,
        flags: u8,
        payload: &[u8],
    ) -> Result<(), WindowError> {
        let head = DataHead::new(topic_key, flags).map_err(WindowError::Encode)?;
        self.push_with_head(seq, &head, payload)
    }

    /// [`TxWindow::push_data`] with the head encoded beforehand: one message sent to many
    /// peers encodes its head once and each window only adds the seq.
    pub fn push_with_head(
        &mut self,
        seq: u64,
        head: &DataHead,
        payload: &[u8],
    ) -> Result<(), WindowError> {
        self.check_seq(seq)?;
        // Checked before room is taken, so that a refused frame leaves the window as it was.
        let body_len = head
            .body_len(seq, payload.len())
            .map_err(WindowError::Encode)?;
        let head_len = head.len(seq);
        let needed = LEN_PREFIX + body_len as usize;
        let (head_dst, payload_dst) = self
            .reserve(needed, !head.at_least_once())?
            .split_at_mut(head_len);
        head.write(seq, payload.len(), head_dst)
            .map_err(WindowError::Encode)?;
        payload_dst.copy_from_slice(payload);
        self.commit(seq, needed);
        Ok(())
    }

    /// Appends `frame`, one already encoded Data frame (e.g. from the store's backlog),
    /// after checking it is exactly one valid Data frame. Returns its seq.
    pub fn push_encoded(&mut self, frame: &[u8]) -> Result<u64, WindowError> {
        let (seq, flags) = match parse_frame(frame).map_err(WindowError::Malformed)? {
            Some((Frame::Data(data), used)) if used == frame.len() => (data.seq, data.flags),
            Some((Frame::Data(_), _)) => {
                return Err(WindowError::Malformed(DecodeError::Malformed));
            }
            Some(_) => return Err(WindowError::NotData),
            None => return Err(WindowError::Malformed(DecodeError::Truncated)),
        };
        self.check_seq(seq)?;
        let may_compact = flags & FLAG_AT_LEAST_ONCE == 0;
        self.reserve(frame.len(), may_compact)?
            .copy_from_slice(frame);
        self.commit(seq, frame.len());
        Ok(seq)
    }

    /// The next bytes to write, frames back to back: all of the unsent bytes, or when they
    /// wrap around the end of the storage, those before the wrap (module docs). Empty only
    /// when nothing is left to write.
    pub fn unsent(&self) -> &[u8] {
        self.bytes(self.sent, self.region_end(self.sent))
    }

    /// Records that the first `n` bytes still to be written were (clamped to what is left;
    /// a writer passes at most the length of [`TxWindow::unsent`]). Written best-effort
    /// frames are freed.
    pub fn mark_written(&mut self, n: usize) {
        self.sent = self.sent.saturating_add(n).min(self.tail);
        self.reclaim();
    }

    /// Applies a cumulative Ack (see the module docs for clamping). Returns how many
    /// at-least-once frames it newly confirmed.
    pub fn ack(&mut self, cumulative_seq: u64) -> usize {
        let old = self.acked;
        let new = cumulative_seq.min(self.last);
        if new <= old {
            return 0;
        }
        self.acked = new;
        let confirmed = self
            .frames()
            .take_while(|frame| frame.seq <= new)
            .filter(|frame| frame.at_least_once && frame.seq > old)
            .count();
        self.reclaim();
        confirmed
    }

    /// Starts over on a new connection: afterwards [`TxWindow::unsent`] holds every
    /// unacked at-least-once frame and every best-effort frame not completely written
    /// (a partly written one is resent whole), in seq order. Written best-effort frames
    /// are dropped. Apply the peer's `Welcome` cursor with [`TxWindow::ack`] before or
    /// after this.
    pub fn rewind(&mut self) {
        debug_assert!(!self.pinned, "a pinned window was rewound");
        self.linearize();
        let mut kept = 0;
        let mut pos = self.head;
        while let Some(frame) = self.frame_at(pos) {
            let (len, seq, at_least_once) = (frame.len(), frame.seq, frame.at_least_once);
            if pos < self.sent {
                self.written = self.written.max(seq);
            }
            let written_best_effort = !at_least_once && pos + len <= self.sent;
            if !written_best_effort && seq > self.acked {
                if let Some(buf) = self.buf.as_mut().get_mut(..pos + len) {
                    buf.copy_within(pos.., kept);
                }
                kept += len;
            }
            pos += len;
        }
        self.head = 0;
        self.sent = 0;
        self.tail = kept;
    }

    /// Unacked at-least-once frames in seq order, each whole (length prefix included),
    /// sent or not: what must be parked in the store when the peer is gone.
    pub fn unacked(&self) -> impl Iterator<Item = (u64, &[u8])> + '_ {
        let acked = self.acked;
        self.frames()
            .filter(move |frame| frame.at_least_once && frame.seq > acked)
            .map(|frame| (frame.seq, frame.bytes))
    }

    /// How many best-effort frames are not completely written (nor acked): the ones
    /// [`TxWindow::clear`] drops, to count as lost when the peer is gone.
    pub fn unwritten_best_effort(&self) -> usize {
        let mut end = self.head;
        self.frames()
            .filter(|frame| {
                end += frame.len();
                !frame.at_least_once && end > self.sent && frame.seq > self.acked
            })
            .count()
    }

    /// Forgets everything, including the last seq and the ack level, as if new: after the
    /// unacked frames were spilled and the connection is gone.
    pub fn clear(&mut self) {
        debug_assert!(!self.pinned, "a pinned window was cleared");
        self.reset();
        self.last = 0;
        self.acked = 0;
    }

    /// Whether the window holds no bytes at all.
    pub fn is_empty(&self) -> bool {
        self.head == self.tail
    }

    /// Bytes held (frames waiting to be written or acked, and freed best-effort frames
    /// whose room is not reclaimed yet).
    pub fn used(&self) -> usize {
        self.tail - self.head
    }

    /// Size of the storage.
    pub fn capacity(&self) -> usize {
        self.buf.as_ref().len()
    }

    /// Highest seq pushed since `new`/`clear`.
    pub fn last_seq(&self) -> Option<u64> {
        (self.last != 0).then_some(self.last)
    }

    /// Highest cumulative Ack applied (0 when none).
    pub fn acked_seq(&self) -> u64 {
        self.acked
    }

    /// Highest seq written to a connection, at least in part, before the last
    /// [`TxWindow::rewind`] (0 when none). Frames above it have never been sent, so a
    /// peer's cursor covering one of them cannot mean it was delivered: the sender's
    /// numbering collided with an older run's and those frames need new seqs.
    pub fn written_seq(&self) -> u64 {
        self.written
    }

    fn check_seq(&self, seq: u64) -> Result<(), WindowError> {
        if seq > self.last {
            Ok(())
        } else {
            Err(WindowError::SeqNotIncreasing {
                last: self.last,
                got: seq,
            })
        }
    }

    /// Returns `needed` writable bytes for the next frame, without moving any byte if
    /// there is room at either end of the buffer; else, only when `may_compact` (a
    /// best-effort frame), after moving the kept frames to the front (module docs).
    fn reserve(&mut self, needed: usize, may_compact: bool) -> Result<&mut [u8], WindowError> {
        let capacity = self.capacity();
        if needed > capacity {
            return Err(WindowError::TooLarge { needed, capacity });
        }
        let free = capacity.saturating_sub(self.used());
        if needed > free {
            return Err(WindowError::Full { needed, free });
        }
        let at = match self.place(needed) {
            Some(at) => at,
            None if !may_compact => return Err(WindowError::Full { needed, free }),
            None if self.pinned => return Err(WindowError::Pinned),
            None => {
                self.linearize();
                self.tail
            }
        };
        self.buf
            .as_mut()
            .get_mut(at..at + needed)
            .ok_or(WindowError::Full { needed, free })
    }

    /// Where in the buffer a frame of `needed` bytes can go without moving anything: after
    /// the last frame, or at the start of the buffer (wrapping) when the end is too short
    /// and the front has room.
    fn place(&mut self, needed: usize) -> Option<usize> {
        match self.split {
            Some(split) => {
                let end = self.tail - split;
                (end + needed <= self.head).then_some(end)
            }
            None if self.tail + needed <= self.capacity() => Some(self.tail),
            None if needed <= self.head => {
                self.split = Some(self.tail);
                Some(0)
            }
            None => None,
        }
    }

    /// Records a frame of `len` bytes just written at the tail.
    fn commit(&mut self, seq: u64, len: usize) {
        self.tail += len;
        self.last = seq;
    }

    /// Moves the kept frames, in order, to the start of the buffer, unwrapped: one rotation
    /// of the buffer up to the end of the part `head` is in. Every later part lands right
    /// behind it, at its logical position minus `head`.
    fn linearize(&mut self) {
        let head = self.head;
        let end = self.split.take().unwrap_or(self.tail);
        if let Some(buf) = self.buf.as_mut().get_mut(..end) {
            buf.rotate_left(head);
        }
        self.shift_back(head);
    }

    /// Moves every logical position `by` bytes back (the frames now start `by` earlier).
    fn shift_back(&mut self, by: usize) {
        self.head -= by;
        self.sent -= by;
        self.tail -= by;
    }

    /// Empty, unwrapped, at the start of the buffer.
    fn reset(&mut self) {
        self.head = 0;
        self.sent = 0;
        self.tail = 0;
        self.split = None;
    }

    /// Frees frames at the front that are no longer needed: written frames that are
    /// best-effort or acked, and acked frames not started yet.
    fn reclaim(&mut self) {
        while let Some(frame) = self.frame_at(self.head) {
            let end = self.head + frame.len();
            let acked = frame.seq <= self.acked;
            if end <= self.sent {
                if frame.at_least_once && !acked {
                    break;
                }
            } else if self.sent == self.head && acked {
                self.sent = end;
            } else {
                break;
            }
            self.head = end;
        }
        if self.head == self.tail {
            self.reset();
        } else if let Some(split) = self.split
            && self.head >= split
        {
            // The part at the end of the buffer is all freed: unwrapped again.
            self.split = None;
            self.shift_back(split);
        }
    }

    /// Every stored frame in order: the part at the end of the buffer, then (when
    /// wrapped) the part at its start.
    fn frames(&self) -> impl Iterator<Item = StoredFrame<'_>> {
        let first_end = self.region_end(self.head);
        StoredFrames::new(self.bytes(self.head, first_end))
            .chain(StoredFrames::new(self.bytes(first_end, self.tail)))
    }

    fn frame_at(&self, pos: usize) -> Option<StoredFrame<'_>> {
        parse_data(self.bytes(pos, self.region_end(pos)))
    }

    /// End of the contiguous stored bytes that logical position `pos` is in.
    fn region_end(&self, pos: usize) -> usize {
        match self.split {
            Some(split) if pos < split => split,
            _ => self.tail,
        }
    }

    /// The stored bytes at logical positions `from..to`, which must not cross the split.
    fn bytes(&self, from: usize, to: usize) -> &[u8] {
        let base = match self.split {
            Some(split) if from >= split => split,
            _ => 0,
        };
        self.buf
            .as_ref()
            .get(from - base..to - base)
            .unwrap_or_default()
    }
}
