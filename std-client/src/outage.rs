//! Log volume of failures that repeat: a job that keeps failing while Redis is down is
//! retried every few hundred milliseconds, but the log gets one line when the failure
//! starts, a reminder at most every [`REMINDER`], and one line when it ends, with the
//! number of failed attempts in between.

use std::time::{Duration, Instant};

use crate::log::log;

/// Shortest time between two reminders of the same ongoing failure.
const REMINDER: Duration = Duration::from_secs(30);

/// One kind of failure that may repeat (e.g. "spilling to Redis").
pub(crate) struct Outage {
    what: &'static str,
    /// When the current failure started and when it was last logged.
    since: Option<(Instant, Instant)>,
    attempts: u64,
}

impl Outage {
    pub const fn new(what: &'static str) -> Self {
        Outage {
            what,
            since: None,
            attempts: 0,
        }
    }

    /// Records a failed attempt; logs it when it starts the outage or a reminder is due.
    /// Returns whether this attempt started the outage (callers report it once).
    pub fn begin(&mut self, detail: &str) -> bool {
        self.attempts += 1;
        let now = Instant::now();
        match &mut self.since {
            None => {
                self.since = Some((now, now));
                log!("{} failed: {detail}; retrying", self.what);
                true
            }
            Some((start, logged)) => {
                if now.duration_since(*logged) >= REMINDER {
                    *logged = now;
                    log!(
                        "{} still failing after {} attempts over {} s: {detail}",
                        self.what,
                        self.attempts,
                        now.duration_since(*start).as_secs()
                    );
                }
                false
            }
        }
    }

    /// Records a success; logs the end of an outage if one was going on.
    pub fn end(&mut self) {
        if let Some((start, _)) = self.since.take() {
            log!(
                "{} works again after {} failed attempts over {} ms",
                self.what,
                self.attempts,
                start.elapsed().as_millis()
            );
        }
        self.attempts = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_first_failure_of_an_outage_starts_it() {
        let mut outage = Outage::new("testing");
        assert!(outage.begin("down"));
        assert!(!outage.begin("down"));
        assert_eq!(outage.attempts, 2);
        outage.end();
        assert_eq!(outage.attempts, 0);
        assert!(
            outage.begin("down again"),
            "a new outage starts after an end"
        );
    }
}
