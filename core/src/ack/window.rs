//! The sender's transmit window: encoded Data frames kept in caller storage until they
//! are written (best-effort) or acknowledged (at-least-once).
//!
//! # Layout
//!
//! Frames are stored encoded, length prefix included, back to back in one linear buffer:
//!
//! ```text
//! 0        head           sent                tail        capacity
//! | free   | written      | unsent            | free      |
//! ```
//!
//! `[sent, tail)` is exactly the byte stream still to be written, so [`TxWindow::unsent`]
//! is one slice and one `write` can carry many frames. `sent` may point into the middle of
//! a frame after a short write. `[head, sent)` holds written frames that must be kept:
//! at-least-once frames waiting for their Ack, and best-effort frames written after such a
//! frame (they count as freed — a rewind drops them — but their bytes are reclaimed only
//! when the frame before them goes).
//!
//! The buffer is linear rather than a ring so that the unsent bytes never wrap. The room
//! freed at the front is reclaimed by compaction (one `copy_within` of the live bytes)
//! when a push finds no room at the end, and for free whenever the window empties. A
//! compaction for an at-least-once frame waits until it reclaims at least a quarter of the
//! window (the push fails with `Full` until then, and the caller waits for room): a window
//! that a slow reader keeps full would otherwise move nearly all of its bytes for every Ack
//! that frees a few frames; this way it copies at most three bytes per byte it takes in. A
//! best-effort frame cannot wait (`Full` drops it), so it compacts whenever that makes room.
//!
//! # Pinning
//!
//! A writer may hand the unsent bytes to the OS without holding whatever guards the window
//! (and without copying them first): [`TxWindow::pin`] promises that those bytes stay where
//! they are until [`TxWindow::unpin`]. Meanwhile pushes still append at the tail, but a push
//! that would have to compact fails with [`WindowError::Pinned`] instead of moving them.
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
use crate::frame::{
    DecodeError, FLAG_AT_LEAST_ONCE, Frame, LEN_PREFIX, MAX_DATA_HEADER_LEN, encode_data_header,
    parse_frame,
};

/// A compaction must reclaim at least `capacity / COMPACT_GAIN_DIVISOR` bytes (module docs).
const COMPACT_GAIN_DIVISOR: usize = 4;

/// Sender transmit window over caller storage (`[u8; N]`, `&mut [u8]`, `Vec<u8>` …).
#[derive(Clone)]
pub struct TxWindow<B> {
    buf: B,
    /// Start of the oldest frame still kept.
    head: usize,
    /// Start of the bytes not yet written.
    sent: usize,
    /// End of the stored frames.
    tail: usize,
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
            last: 0,
            acked: 0,
            written: 0,
            pinned: false,
        }
    }

    /// Keeps the bytes of [`TxWindow::unsent`] at their addresses until
    /// [`TxWindow::unpin`]: pushes that would compact fail with [`WindowError::Pinned`].
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
        self.check_seq(seq)?;
        let mut head = [0u8; LEN_PREFIX + MAX_DATA_HEADER_LEN];
        let head_len = encode_data_header(seq, topic_key, flags, payload.len(), &mut head)
            .map_err(WindowError::Encode)?;
        let head = head.get(..head_len).unwrap_or_default();
        let needed = head_len.saturating_add(payload.len());
        let may_defer = flags & FLAG_AT_LEAST_ONCE != 0;
        let (head_dst, payload_dst) = self.reserve(needed, may_defer)?.split_at_mut(head.len());
        head_dst.copy_from_slice(head);
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
        let may_defer = flags & FLAG_AT_LEAST_ONCE != 0;
        self.reserve(frame.len(), may_defer)?.copy_from_slice(frame);
        self.commit(seq, frame.len());
        Ok(seq)
    }

    /// The bytes still to be written, frames back to back.
    pub fn unsent(&self) -> &[u8] {
        self.bytes(self.sent, self.tail)
    }

    /// Records that the first `n` bytes of [`TxWindow::unsent`] were written (clamped to
    /// its length). Written best-effort frames are freed.
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
        self.head = 0;
        self.sent = 0;
        self.tail = 0;
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

    /// Returns `needed` writable bytes at the tail, compacting first if that makes room
    /// (`may_defer`: only if it reclaims enough, see the module docs).
    fn reserve(&mut self, needed: usize, may_defer: bool) -> Result<&mut [u8], WindowError> {
        let capacity = self.capacity();
        if needed > capacity {
            return Err(WindowError::TooLarge { needed, capacity });
        }
        let free = capacity.saturating_sub(self.used());
        if needed > free {
            return Err(WindowError::Full { needed, free });
        }
        if needed > capacity.saturating_sub(self.tail) {
            if may_defer && self.head < capacity / COMPACT_GAIN_DIVISOR {
                return Err(WindowError::Full { needed, free });
            }
            if self.pinned {
                return Err(WindowError::Pinned);
            }
            self.compact();
        }
        let tail = self.tail;
        self.buf
            .as_mut()
            .get_mut(tail..tail + needed)
            .ok_or(WindowError::Full { needed, free })
    }

    /// Records a frame of `len` bytes just written at the tail.
    fn commit(&mut self, seq: u64, len: usize) {
        self.tail += len;
        self.last = seq;
    }

    /// Moves the kept bytes to the front of the buffer.
    fn compact(&mut self) {
        let (head, tail) = (self.head, self.tail);
        if let Some(buf) = self.buf.as_mut().get_mut(..tail) {
            buf.copy_within(head.., 0);
        }
        self.head = 0;
        self.sent -= head;
        self.tail -= head;
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
            self.head = 0;
            self.sent = 0;
            self.tail = 0;
        }
    }

    fn frames(&self) -> StoredFrames<'_> {
        StoredFrames::new(self.bytes(self.head, self.tail))
    }

    fn frame_at(&self, pos: usize) -> Option<StoredFrame<'_>> {
        parse_data(self.bytes(pos, self.tail))
    }

    fn bytes(&self, from: usize, to: usize) -> &[u8] {
        self.buf.as_ref().get(from..to).unwrap_or_default()
    }
}
