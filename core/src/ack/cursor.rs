//! Receiver side of delivery: duplicate filter, ack policy and the resume value.
//!
//! [`RxCursor`] holds the last delivered seq of one connection key. A frame with
//! `seq <= cursor` is a duplicate (a resend after reconnect, or a backlog frame the
//! listener already had); anything above is new, gaps included (a sender may drop
//! best-effort frames it had numbered), up to [`MAX_SEQ_GAP`] above the cursor and never
//! beyond [`MAX_SEQ`]: a seq outside that range is a protocol error
//! ([`SeqCheck::OutOfRange`]) that must not move the cursor, so no single frame can push a
//! channel where its sender could never follow. Acks are cumulative and batched: one is due when
//! [`AckPolicy::max_batch`] new frames are unacked or the oldest of them has waited
//! [`AckPolicy::max_delay_ms`]. Time is a number of milliseconds from any monotonic clock,
//! passed in by the caller.

use super::MAX_SEQ;

/// Largest distance a new seq may have above the cursor (2^40). A sender's seqs jump only
/// by its reservation block (2^20 in the std client) per restart and by the frames it
/// dropped, so an honest channel stays far below it.
pub const MAX_SEQ_GAP: u64 = 1 << 40;

/// Verdict of [`RxCursor::check`] on a received Data seq.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum SeqCheck {
    /// Above the cursor, within range: deliver it, then [`RxCursor::accept`] it.
    New,
    /// At or below the cursor: already delivered, drop it (it still counts as acked).
    Duplicate,
    /// More than [`MAX_SEQ_GAP`] above the cursor or above [`MAX_SEQ`]: a protocol error
    /// (close the connection, ack nothing of it).
    OutOfRange,
}

/// When the receiver owes the sender an Ack.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct AckPolicy {
    /// An Ack is due once this many new frames are unacked (0 and 1 both mean every frame).
    pub max_batch: u32,
    /// An Ack is due once the oldest unacked new frame was accepted this long ago.
    pub max_delay_ms: u64,
}

impl Default for AckPolicy {
    /// 64 frames or 5 ms, whichever comes first: a busy stream acks every 64 frames, a
    /// quiet one frees the sender's window within a few milliseconds.
    fn default() -> Self {
        Self {
            max_batch: 64,
            max_delay_ms: 5,
        }
    }
}

/// Verdict of [`RxCursor::accept`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Accept {
    /// Above the cursor: deliver it. The cursor has moved to its seq.
    New,
    /// At or below the cursor: already delivered, drop it (it still counts as acked).
    Duplicate,
}

/// Dedup cursor and ack bookkeeping of one connection key on the listener.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct RxCursor {
    policy: AckPolicy,
    /// Last delivered seq.
    cursor: u64,
    /// Highest seq an Ack was sent for.
    acked: u64,
    /// New frames accepted since the last Ack that covered the cursor (an upper bound
    /// after a partial Ack).
    unacked: u32,
    /// When the oldest of those frames was accepted.
    oldest_ms: u64,
}

impl RxCursor {
    /// A cursor resuming at `cursor`, the last delivered seq (persisted; 0 for a new key).
    /// Everything up to `cursor` counts as acked.
    pub const fn new(cursor: u64, policy: AckPolicy) -> Self {
        Self {
            policy,
            cursor,
            acked: cursor,
            unacked: 0,
            oldest_ms: 0,
        }
    }

    /// Classifies `seq` without accepting it: the receiver checks first, delivers, and
    /// calls [`RxCursor::accept`] only once the frame was really delivered (a frame it could
    /// not deliver must not move the cursor, or it would be acked).
    pub const fn check(&self, seq: u64) -> SeqCheck {
        if seq <= self.cursor {
            SeqCheck::Duplicate
        } else if seq > MAX_SEQ || seq - self.cursor > MAX_SEQ_GAP {
            SeqCheck::OutOfRange
        } else {
            SeqCheck::New
        }
    }

    /// Classifies a received Data seq; a new one moves the cursor.
    pub fn accept(&mut self, seq: u64, now_ms: u64) -> Accept {
        if seq <= self.cursor {
            return Accept::Duplicate;
        }
        if self.unacked == 0 {
            self.oldest_ms = now_ms;
        }
        self.cursor = seq;
        self.unacked = self.unacked.saturating_add(1);
        Accept::New
    }

    /// Last delivered seq: the resume value for `Welcome` and the value to persist.
    pub const fn cursor(&self) -> u64 {
        self.cursor
    }

    /// Highest seq an Ack was sent for.
    pub const fn acked(&self) -> u64 {
        self.acked
    }

    /// `Some(cumulative seq)` when the policy says an Ack is due at `now_ms`.
    pub fn ack_due(&self, now_ms: u64) -> Option<u64> {
        let deadline = self.poll_at()?;
        (now_ms >= deadline).then_some(self.cursor)
    }

    /// `Some(cumulative seq)` when anything is unacked, whatever the policy (end of a read
    /// batch, before going idle or closing).
    pub fn flush(&self) -> Option<u64> {
        (self.cursor > self.acked).then_some(self.cursor)
    }

    /// Records that an Ack for `seq` went out. An Ack below the cursor leaves the rest
    /// owed, still dated from the oldest frame, so the next one comes at once if the
    /// policy was already met. Values above the cursor are clamped to it.
    pub fn on_ack_sent(&mut self, seq: u64) {
        self.acked = self.acked.max(seq.min(self.cursor));
        if self.acked == self.cursor {
            self.unacked = 0;
        }
    }

    /// The time (ms) at which [`RxCursor::ack_due`] turns `Some` if nothing else arrives,
    /// `None` when nothing is owed. A past value means "due now".
    pub fn poll_at(&self) -> Option<u64> {
        if self.cursor <= self.acked {
            return None;
        }
        if self.unacked >= self.policy.max_batch {
            return Some(self.oldest_ms);
        }
        Some(self.oldest_ms.saturating_add(self.policy.max_delay_ms))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const POLICY: AckPolicy = AckPolicy {
        max_batch: 3,
        max_delay_ms: 10,
    };

    #[test]
    fn dedup_against_persisted_cursor() {
        let mut rx = RxCursor::new(5, POLICY);
        assert_eq!(rx.accept(5, 0), Accept::Duplicate);
        assert_eq!(rx.accept(1, 0), Accept::Duplicate);
        assert_eq!(rx.flush(), None, "a resumed cursor owes nothing");
        assert_eq!(rx.accept(7, 0), Accept::New, "gaps are fine");
        assert_eq!(rx.accept(6, 0), Accept::Duplicate);
        assert_eq!(rx.cursor(), 7);
    }

    #[test]
    fn seqs_far_above_the_cursor_or_past_max_seq_are_out_of_range() {
        let rx = RxCursor::new(1000, POLICY);
        assert_eq!(rx.check(1000), SeqCheck::Duplicate);
        assert_eq!(rx.check(1001), SeqCheck::New);
        assert_eq!(rx.check(1000 + MAX_SEQ_GAP), SeqCheck::New);
        assert_eq!(rx.check(1001 + MAX_SEQ_GAP), SeqCheck::OutOfRange);
        assert_eq!(rx.check(u64::MAX), SeqCheck::OutOfRange);
        let top = RxCursor::new(MAX_SEQ - 1, POLICY);
        assert_eq!(top.check(MAX_SEQ), SeqCheck::New);
        assert_eq!(top.check(MAX_SEQ + 1), SeqCheck::OutOfRange);
    }

    #[test]
    fn ack_due_by_count() {
        let mut rx = RxCursor::new(0, POLICY);
        rx.accept(1, 100);
        rx.accept(2, 100);
        assert_eq!(rx.ack_due(100), None);
        rx.accept(3, 101);
        assert_eq!(rx.ack_due(101), Some(3));
        rx.on_ack_sent(3);
        assert_eq!(rx.ack_due(10_000), None);
        assert_eq!(rx.poll_at(), None);
        assert_eq!(rx.acked(), 3);
    }

    #[test]
    fn ack_due_by_delay_from_oldest_frame() {
        let mut rx = RxCursor::new(0, POLICY);
        rx.accept(1, 100);
        rx.accept(2, 105);
        assert_eq!(rx.poll_at(), Some(110));
        assert_eq!(rx.ack_due(109), None);
        assert_eq!(rx.ack_due(110), Some(2));
        assert_eq!(rx.ack_due(50), None, "a clock that went back is not due");
    }

    #[test]
    fn partial_ack_leaves_rest_owed() {
        let mut rx = RxCursor::new(0, POLICY);
        for seq in 1..=3 {
            rx.accept(seq, 0);
        }
        rx.on_ack_sent(2);
        assert_eq!(rx.flush(), Some(3));
        assert_eq!(rx.ack_due(0), Some(3));
        rx.on_ack_sent(99);
        assert_eq!(rx.acked(), 3, "clamped to the cursor");
        assert_eq!(rx.flush(), None);
    }

    #[test]
    fn zero_policy_acks_every_frame_at_once() {
        let mut rx = RxCursor::new(
            0,
            AckPolicy {
                max_batch: 0,
                max_delay_ms: 0,
            },
        );
        assert_eq!(rx.ack_due(0), None);
        rx.accept(1, 7);
        assert_eq!(rx.ack_due(7), Some(1));
    }
}
