//! Sender sequence numbering and the resume rule.
//!
//! Seqs are per connection key, start at 1 (a listener's cursor of 0 means "nothing
//! delivered", so seq 0 would always be dropped as a duplicate) and are never reused:
//! after a restart or reconnect the sender continues above both its own stored tail and
//! the listener's cursor.
//!
//! Seqs stop at [`MAX_SEQ`] (2^63): a counter past it is exhausted and refuses to number
//! more frames instead of wrapping or repeating a seq (which the listener would drop as a
//! duplicate). At ten million messages a second that is 29 000 years of one channel.

/// The highest seq a channel may use. Listeners refuse Data above it
/// ([`RxCursor::check`](super::RxCursor::check)).
pub const MAX_SEQ: u64 = 1 << 63;

/// The sender's next seq after a restart or reconnect: `max(own_tail + 1, peer_cursor + 1)`.
///
/// `own_tail` is the highest seq this sender ever assigned on the connection key (0 when
/// none), `peer_cursor` the listener's cursor from `Welcome`. Saturates at `u64::MAX`.
pub fn resume_next_seq(own_tail: u64, peer_cursor: u64) -> u64 {
    own_tail.max(peer_cursor).saturating_add(1)
}

/// Allocates strictly increasing seqs for one connection key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct SeqCounter {
    next: u64,
}

impl Default for SeqCounter {
    /// A counter for a brand-new connection key: the first seq is 1.
    fn default() -> Self {
        Self::new(1)
    }
}

impl SeqCounter {
    /// A counter whose first allocated seq is `next` (0 is raised to 1).
    pub const fn new(next: u64) -> Self {
        Self {
            next: if next == 0 { 1 } else { next },
        }
    }

    /// Allocates the next seq. (Named `allocate`, not `next`: this is no iterator.)
    /// `None` once the counter is [exhausted](Self::is_exhausted).
    pub fn allocate(&mut self) -> Option<u64> {
        if self.is_exhausted() {
            return None;
        }
        let seq = self.next;
        self.next += 1;
        Some(seq)
    }

    /// Whether the next seq would pass [`MAX_SEQ`]: the channel can number no more frames
    /// (its keys must be removed to start a new one).
    pub const fn is_exhausted(&self) -> bool {
        self.next > MAX_SEQ
    }

    /// The seq [`SeqCounter::allocate`] would return, without allocating it.
    pub const fn peek(&self) -> u64 {
        self.next
    }

    /// The highest seq allocated so far (0 when none was).
    pub const fn tail(&self) -> u64 {
        self.next.saturating_sub(1)
    }

    /// Applies the resume rule after a handshake: the next seq becomes
    /// [`resume_next_seq`]`(own_tail, peer_cursor)`, but never moves backwards, so seqs
    /// already handed out by this counter are not reused either.
    pub fn resume(&mut self, own_tail: u64, peer_cursor: u64) {
        self.next = self.next.max(resume_next_seq(own_tail, peer_cursor));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resume_rule() {
        assert_eq!(resume_next_seq(0, 0), 1);
        assert_eq!(resume_next_seq(10, 3), 11);
        assert_eq!(resume_next_seq(3, 10), 11);
        assert_eq!(resume_next_seq(u64::MAX, 0), u64::MAX);
    }

    #[test]
    fn counter_allocates_from_one_and_never_goes_back() {
        let mut seqs = SeqCounter::new(0);
        assert_eq!(seqs.tail(), 0);
        assert_eq!(seqs.allocate(), Some(1));
        assert_eq!(seqs.allocate(), Some(2));
        assert_eq!(seqs.peek(), 3);
        assert_eq!(seqs.tail(), 2);
        seqs.resume(0, 1);
        assert_eq!(seqs.peek(), 3, "resume never reuses handed-out seqs");
        seqs.resume(5, 9);
        assert_eq!(seqs.allocate(), Some(10));
    }

    #[test]
    fn counter_stops_at_max_seq_instead_of_repeating() {
        let mut last = SeqCounter::new(MAX_SEQ);
        assert!(!last.is_exhausted());
        assert_eq!(last.allocate(), Some(MAX_SEQ));
        assert!(last.is_exhausted());
        assert_eq!(last.allocate(), None);
        assert_eq!(last.allocate(), None, "stays exhausted");
        let mut resumed = SeqCounter::default();
        resumed.resume(0, u64::MAX);
        assert!(resumed.is_exhausted(), "a cursor at the top leaves no seq");
    }
}
