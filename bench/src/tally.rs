//! What a receiver counts: warm-up messages, measured messages, the byte sum, order
//! (sequence gaps and regressions), the times of the first and last measured message and the
//! allocation counter at those moments. One receiving thread writes (plain load/store on
//! atomics, no read-modify-write); the role's main thread reads at any time.
//!
//! The clock and the allocation counter are read on the first measured message, then every
//! `STRIDE` messages and on the `expected`-th: reading them on every message cost the
//! receiving thread more than liner's whole delivery path. A lossy run that ends short of
//! `expected` dates its last message at most `STRIDE - 1` messages early (microseconds).

use std::sync::atomic::AtomicU64;
use std::sync::atomic::Ordering::{Acquire, Relaxed, Release};

use crate::alloc_count::allocations;
use crate::clock::monotonic_ns;
use crate::payload::{WARM_FLAG, byte_sum, seq_of};

/// Messages between clock readings.
const STRIDE: u64 = 64;

/// Counters of one receiver; see the module docs.
pub struct Tally {
    expected: u64,
    warm: AtomicU64,
    count: AtomicU64,
    sum: AtomicU64,
    next_seq: AtomicU64,
    gaps: AtomicU64,
    regressions: AtomicU64,
    first_ns: AtomicU64,
    last_ns: AtomicU64,
    allocs_first: AtomicU64,
    allocs_last: AtomicU64,
}

/// A consistent-enough copy of the counters for a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TallySnapshot {
    pub warm: u64,
    pub count: u64,
    pub sum: u64,
    pub gaps: u64,
    pub regressions: u64,
    pub first_ns: u64,
    pub last_ns: u64,
    /// Allocations between the first and the last measured message.
    pub allocs: u64,
}

impl Tally {
    /// A tally for a measurement of `expected` messages.
    pub fn new(expected: u64) -> Tally {
        Tally {
            expected,
            warm: AtomicU64::new(0),
            count: AtomicU64::new(0),
            sum: AtomicU64::new(0),
            next_seq: AtomicU64::new(0),
            gaps: AtomicU64::new(0),
            regressions: AtomicU64::new(0),
            first_ns: AtomicU64::new(0),
            last_ns: AtomicU64::new(0),
            allocs_first: AtomicU64::new(0),
            allocs_last: AtomicU64::new(0),
        }
    }

    /// Records one received payload. Only one thread may call this.
    pub fn record(&self, payload: &[u8]) {
        let sum = byte_sum(payload);
        let Some(seq) = seq_of(payload) else {
            self.regressions
                .store(self.regressions.load(Relaxed) + 1, Relaxed);
            return;
        };
        if seq & WARM_FLAG != 0 {
            self.warm.store(self.warm.load(Relaxed) + 1, Relaxed);
            return;
        }
        let count = self.count.load(Relaxed);
        let dated = count.is_multiple_of(STRIDE) || count + 1 == self.expected;
        if dated {
            let now = monotonic_ns();
            if count == 0 {
                self.first_ns.store(now, Relaxed);
                self.allocs_first.store(allocations(), Relaxed);
            }
            self.last_ns.store(now, Relaxed);
            self.allocs_last.store(allocations(), Relaxed);
        }
        let expected = self.next_seq.load(Relaxed);
        if seq > expected {
            self.gaps.store(self.gaps.load(Relaxed) + 1, Relaxed);
        } else if seq < expected {
            self.regressions
                .store(self.regressions.load(Relaxed) + 1, Relaxed);
        }
        self.next_seq
            .store(seq.max(expected.saturating_sub(1)) + 1, Relaxed);
        self.sum
            .store(self.sum.load(Relaxed).wrapping_add(sum), Relaxed);
        // Written last: a reader that sees the count sees the rest of this message.
        self.count.store(count + 1, Release);
    }

    /// Warm-up messages received so far.
    pub fn warm(&self) -> u64 {
        self.warm.load(Relaxed)
    }

    /// Measured messages received so far.
    pub fn count(&self) -> u64 {
        self.count.load(Acquire)
    }

    /// Time of the last dated measured message (0 before the first).
    pub fn last_ns(&self) -> u64 {
        self.last_ns.load(Relaxed)
    }

    pub fn snapshot(&self) -> TallySnapshot {
        let count = self.count();
        TallySnapshot {
            warm: self.warm(),
            count,
            sum: self.sum.load(Relaxed),
            gaps: self.gaps.load(Relaxed),
            regressions: self.regressions.load(Relaxed),
            first_ns: self.first_ns.load(Relaxed),
            last_ns: self.last_ns(),
            allocs: self.allocs_last.load(Relaxed) - self.allocs_first.load(Relaxed),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::payload::Payload;

    #[test]
    fn counts_warm_up_apart_and_checks_order() {
        let tally = Tally::new(5);
        let mut p = Payload::new(32);
        tally.record(p.stamp(WARM_FLAG));
        for seq in [0, 1, 3, 2, 4] {
            tally.record(p.stamp(seq));
        }
        let s = tally.snapshot();
        assert_eq!((s.warm, s.count), (1, 5));
        assert_eq!(
            (s.gaps, s.regressions),
            (1, 1),
            "3 skips 2; 2 comes after 3"
        );
        assert!(s.last_ns >= s.first_ns && s.first_ns > 0);
        assert_eq!(s.sum, 5 * byte_sum(p.stamp(0)) + 1 + 3 + 2 + 4);
    }

    #[test]
    fn in_order_stream_has_no_gaps() {
        let tally = Tally::new(1000);
        let mut p = Payload::new(100);
        for seq in 0..999 {
            tally.record(p.stamp(seq));
        }
        let before_last = monotonic_ns();
        tally.record(p.stamp(999));
        let s = tally.snapshot();
        assert_eq!((s.count, s.gaps, s.regressions), (1000, 0, 0));
        assert!(s.last_ns >= before_last, "the expected-th message is dated");
    }
}
