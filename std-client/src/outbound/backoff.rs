//! Reconnect backoff of one peer: `reconnect_min`, doubling on every failed attempt, with
//! ±25 % jitter, never above `reconnect_max`. The jitter keeps many senders that lost the
//! same listener from reconnecting in lockstep; a tiny xorshift generator is enough for
//! that (no cryptographic quality needed), seeded per peer from std's random hash keys.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::time::Duration;

/// Smallest first delay.
const FLOOR: Duration = Duration::from_millis(1);

/// Delay before the next reconnect attempt of one peer.
#[derive(Debug, Clone)]
pub(super) struct Backoff {
    min: Duration,
    max: Duration,
    /// Base of the next delay, before jitter.
    next: Duration,
    rng: u64,
}

impl Backoff {
    /// A fresh backoff for the peer `seed` (its id): the first delay is about `min`
    /// (at least [`FLOOR`], so a zero setting cannot turn into a busy retry loop).
    pub fn new(min: Duration, max: Duration, seed: usize) -> Self {
        let mut hasher = RandomState::new().build_hasher();
        hasher.write_usize(seed);
        let min = min.max(FLOOR);
        let max = max.max(min);
        Backoff {
            min,
            max,
            next: min,
            // xorshift must not start at 0 (it would stay there).
            rng: hasher.finish() | 1,
        }
    }

    /// The delay to wait now; the following one doubles (up to `max`).
    pub fn next_delay(&mut self) -> Duration {
        let base = self.next.min(self.max);
        self.next = base.saturating_mul(2).min(self.max);
        // Factor in [0.75, 1.25): 768..1280 thousandths.
        let permille = 768 + (self.random() % 512) as u32;
        base.checked_mul(permille)
            .map_or(base, |d| d / 1024)
            .min(self.max)
    }

    /// After a successful handshake: the next failure waits about `min` again.
    pub fn reset(&mut self) {
        self.next = self.min;
    }

    /// xorshift64 step.
    fn random(&mut self) -> u64 {
        let mut x = self.rng;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.rng = x;
        x
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIN: Duration = Duration::from_millis(20);
    const MAX: Duration = Duration::from_millis(2000);

    fn within_jitter(delay: Duration, base: Duration) -> bool {
        delay >= base * 3 / 4 && delay < base * 5 / 4
    }

    #[test]
    fn doubles_from_min_with_jitter_up_to_max() {
        let mut backoff = Backoff::new(MIN, MAX, 7);
        let mut base = MIN;
        for _ in 0..20 {
            let delay = backoff.next_delay();
            assert!(delay <= MAX, "{delay:?} above the cap");
            assert!(within_jitter(delay, base), "{delay:?} not near {base:?}");
            base = (base * 2).min(MAX);
        }
        // Capped: the last delays stay in [0.75 max, max].
        let delay = backoff.next_delay();
        assert!(delay >= MAX * 3 / 4 && delay <= MAX);
    }

    #[test]
    fn reset_starts_over_at_min() {
        let mut backoff = Backoff::new(MIN, MAX, 1);
        for _ in 0..10 {
            backoff.next_delay();
        }
        backoff.reset();
        assert!(within_jitter(backoff.next_delay(), MIN));
    }

    #[test]
    fn jitter_spreads_delays() {
        let mut delays: Vec<Duration> = (0..32)
            .map(|seed| Backoff::new(MIN * 50, MAX * 50, seed).next_delay())
            .collect();
        delays.sort();
        delays.dedup();
        assert!(delays.len() > 16, "jitter too weak: {delays:?}");
        let spread = *delays.last().unwrap() - delays[0];
        assert!(
            spread >= MIN * 50 / 4,
            "jitter range too narrow: {spread:?}"
        );
    }

    #[test]
    fn huge_settings_do_not_overflow() {
        let mut backoff = Backoff::new(Duration::MAX, Duration::MAX, 5);
        for _ in 0..3 {
            assert!(backoff.next_delay() > Duration::from_secs(1 << 40));
        }
    }

    #[test]
    fn equal_min_and_max_is_a_fixed_delay_with_jitter_below_it() {
        let mut backoff = Backoff::new(MAX, MAX, 3);
        for _ in 0..10 {
            let delay = backoff.next_delay();
            assert!(delay >= MAX * 3 / 4 && delay <= MAX);
        }
    }
}
