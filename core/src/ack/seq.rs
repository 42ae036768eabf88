//! Sender sequence numbering and the resume rule.
//!
//! Seqs are per connection key, start at 1 (a listener's cursor of 0 means "nothing
//! delivered", so seq 0 would always be dropped as a duplicate) and are never reused:
//! after a restart or reconnect the sender continues above both its own stored tail and
//! the listener's cursor.

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
    ///
    /// Saturates at `u64::MAX` (unreachable in practice: 2^64 messages on one channel).
    pub fn allocate(&mut self) -> u64 {
        let seq = self.next;
        self.next = self.next.saturating_add(1);
        seq
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
        assert_eq!(seqs.allocate(), 1);
        assert_eq!(seqs.allocate(), 2);
        assert_eq!(seqs.peek(), 3);
        assert_eq!(seqs.tail(), 2);
        seqs.resume(0, 1);
        assert_eq!(seqs.peek(), 3, "resume never reuses handed-out seqs");
        seqs.resume(5, 9);
        assert_eq!(seqs.allocate(), 10);
        let mut last = SeqCounter::new(u64::MAX);
        assert_eq!(last.allocate(), u64::MAX);
        assert_eq!(
            last.allocate(),
            u64::MAX,
            "saturates instead of wrapping to 0"
        );
    }
}
