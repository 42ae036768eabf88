//! Exact accounting of one scenario: which messages the library *accepted* (promised to
//! deliver at least once) and what the listener's callback actually got.
//!
//! ## What counts as accepted
//!
//! A sender process is one *incarnation* of a sender unique name; its messages are numbered
//! `n = 1, 2, …` and it retries a refused `send_to` with the same `n`, so the numbers that
//! returned `Ok` are exactly `1..=ok_max`.
//!
//! - An incarnation that ends by `stop` (or is still running) accepted `1..=ok_max`: each of
//!   those `send_to` calls returned `Ok`, and the contract is delivery or a reported error.
//! - An incarnation that is SIGKILLed legitimately loses the frames that were only in its
//!   memory (neither acknowledged by the listener nor parked in Redis): docs/architecture.md
//!   says so, and no library can do better. Counting those as lost would make the suite
//!   cry wolf; not counting anything would let real losses hide. The exact line: the
//!   library frees a frame only on a cumulative Ack or after parking it, and both happen in
//!   channel order (acks are cumulative, spills copy the unacked frames oldest first). So
//!   if message `m` was acknowledged or parked, every `n < m` of that incarnation was too,
//!   and the set the library took responsibility for is `1..=max(m)` over
//!   - every `m` of this incarnation the listener delivered (at any time, also after the
//!     kill: a frame that reaches the callback was on the wire, not only in memory), and
//!   - every `m` found in the Redis backlog right after the kill (the driver reads the
//!     `lnr_connection:{ck}:messages` list before anything else can touch it).
//!
//!   A message below that line that never arrives is a real loss; a message above it
//!   that arrives anyway is counted as `unconfirmed` (not an error).
//!
//! ## What counts as delivered, lost, duplicated, reordered
//!
//! Only callback calls that ended with the message processed count (`Outcome::Done`);
//! refusals and panics are shown apart. Per stream, in delivery-log order: a seq seen before
//! (by any listener) is a duplicate; a first delivery below the highest seq the same
//! listener already delivered of that stream is a reorder (the channel sender → listener
//! broke its FIFO). With one listener name that is the stream's order; with twins serving
//! one topic (`send_to` round-robin) each twin's channel keeps its own order. Lost = accepted seqs never delivered, minus the messages the
//! library reported as abandoned (`Error::Abandoned` from `stop`): those were not silent.

use std::collections::{BTreeMap, HashMap, HashSet};

use crate::payload::{inc_of, n_of};
use crate::records::{Delivery, Outcome};

/// How an incarnation ended, as far as accounting cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fate {
    /// Running, or stopped with `stop`: everything `send_to` accepted counts.
    Kept,
    /// SIGKILLed; the highest `n` of this incarnation found parked in Redis right after.
    Killed { parked_max: u32 },
}

#[derive(Debug, Clone, Copy)]
struct Incarnation {
    ok_max: u32,
    fate: Fate,
}

/// The sums a scenario reports.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    pub accepted: u64,
    /// Accepted messages that reached the callback (each counted once).
    pub delivered: u64,
    pub lost: u64,
    pub duplicated: u64,
    pub reordered: u64,
    /// Delivered messages of a killed sender above its accepted line (fine, just counted).
    pub unconfirmed: u64,
    /// Accepted but undelivered messages that `stop` reported as abandoned.
    pub abandoned: u64,
    /// Callback calls that refused or panicked (redelivery expected).
    pub refused: u64,
    pub panicked: u64,
    /// Callback calls with a payload that is not a chaos payload.
    pub garbage: u64,
    /// Callback calls with a forged payload of the hostile suite (must stay 0).
    pub forged: u64,
    /// Callback calls with an insider message of the hostile suite.
    pub insider: u64,
}

impl Tally {
    pub fn add(&mut self, other: &Tally) {
        self.accepted += other.accepted;
        self.delivered += other.delivered;
        self.lost += other.lost;
        self.duplicated += other.duplicated;
        self.reordered += other.reordered;
        self.unconfirmed += other.unconfirmed;
        self.abandoned += other.abandoned;
        self.refused += other.refused;
        self.panicked += other.panicked;
        self.garbage += other.garbage;
        self.forged += other.forged;
        self.insider += other.insider;
    }
}

/// The accepted side of a scenario's accounting; see the module docs.
#[derive(Debug, Default)]
pub struct Ledger {
    incarnations: BTreeMap<(u32, u32), Incarnation>,
    reported_abandoned: u64,
}

impl Ledger {
    /// Incarnation `inc` of `stream` had `send_to` return `Ok` for `1..=ok_max`.
    pub fn accepted(&mut self, stream: u32, inc: u32, ok_max: u32) {
        self.incarnations
            .entry((stream, inc))
            .and_modify(|i| i.ok_max = i.ok_max.max(ok_max))
            .or_insert(Incarnation {
                ok_max,
                fate: Fate::Kept,
            });
    }

    /// Incarnation `inc` of `stream` was SIGKILLed; `parked` are the seqs of its stream
    /// found in Redis right after.
    pub fn killed(&mut self, stream: u32, inc: u32, parked: &[u64]) {
        let parked_max = parked
            .iter()
            .filter(|&&s| inc_of(s) == inc)
            .map(|&s| n_of(s))
            .max()
            .unwrap_or(0);
        let entry = self
            .incarnations
            .entry((stream, inc))
            .or_insert(Incarnation {
                ok_max: 0,
                fate: Fate::Kept,
            });
        entry.fate = Fate::Killed { parked_max };
    }

    /// `stop` reported `n` messages it could neither deliver nor park.
    pub fn abandoned(&mut self, n: u64) {
        self.reported_abandoned += n;
    }

    /// Sums the scenario against the listener's delivery log.
    pub fn tally(&self, log: &[Delivery]) -> Tally {
        let mut tally = Tally::default();
        // Per stream: the seqs delivered; per channel (stream, listener) the highest seq;
        // per incarnation the highest n delivered.
        let mut seen: HashMap<u32, HashSet<u64>> = HashMap::new();
        let mut highest: HashMap<(u32, u16), u64> = HashMap::new();
        let mut top_n: HashMap<(u32, u32), u32> = HashMap::new();
        for d in log {
            match d.outcome {
                Outcome::Done => {}
                Outcome::Refused => {
                    tally.refused += 1;
                    continue;
                }
                Outcome::Panicked => {
                    tally.panicked += 1;
                    continue;
                }
                Outcome::Garbage => {
                    tally.garbage += 1;
                    continue;
                }
                Outcome::Forged => {
                    tally.forged += 1;
                    continue;
                }
                Outcome::Insider => {
                    tally.insider += 1;
                    continue;
                }
            }
            let first = seen.entry(d.stream).or_default().insert(d.seq);
            let high = highest.entry((d.stream, d.listener)).or_insert(0);
            if !first {
                tally.duplicated += 1;
            } else if d.seq < *high {
                tally.reordered += 1;
            }
            *high = (*high).max(d.seq);
            let top = top_n.entry((d.stream, inc_of(d.seq))).or_insert(0);
            *top = (*top).max(n_of(d.seq));
        }
        let empty = HashSet::new();
        let mut accepted_delivered = 0u64;
        for (&(stream, inc), incarnation) in &self.incarnations {
            let line = match incarnation.fate {
                Fate::Kept => incarnation.ok_max,
                Fate::Killed { parked_max } => {
                    parked_max.max(*top_n.get(&(stream, inc)).unwrap_or(&0))
                }
            };
            let delivered = seen.get(&stream).unwrap_or(&empty);
            let got = (1..=line)
                .filter(|&n| delivered.contains(&crate::payload::seq(inc, n)))
                .count() as u64;
            tally.accepted += u64::from(line);
            accepted_delivered += got;
        }
        let missing = tally.accepted - accepted_delivered;
        tally.delivered = accepted_delivered;
        tally.abandoned = self.reported_abandoned.min(missing);
        tally.lost = missing - tally.abandoned;
        let distinct: u64 = seen.values().map(|s| s.len() as u64).sum();
        tally.unconfirmed = distinct - accepted_delivered;
        tally
    }

    /// A cheap lower bound of the deliveries needed before nothing is missing: what the
    /// incarnations that were not killed accepted, minus what was reported abandoned.
    pub fn needed_at_least(&self) -> u64 {
        let kept: u64 = self
            .incarnations
            .values()
            .filter(|i| i.fate == Fate::Kept)
            .map(|i| u64::from(i.ok_max))
            .sum();
        kept.saturating_sub(self.reported_abandoned)
    }

    /// Accepted messages not delivered yet and not reported abandoned (for "wait until
    /// everything arrived").
    pub fn missing(&self, log: &[Delivery]) -> u64 {
        self.tally(log).lost
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::payload::seq;

    fn done(stream: u32, seq: u64) -> Delivery {
        done_by(0, stream, seq)
    }

    fn done_by(listener: u16, stream: u32, seq: u64) -> Delivery {
        Delivery {
            stream,
            outcome: Outcome::Done,
            listener,
            seq,
        }
    }

    #[test]
    fn exact_counts_for_a_clean_stream() {
        let mut ledger = Ledger::default();
        ledger.accepted(1, 1, 3);
        let log = [done(1, seq(1, 1)), done(1, seq(1, 2)), done(1, seq(1, 3))];
        let t = ledger.tally(&log);
        assert_eq!((t.accepted, t.delivered, t.lost), (3, 3, 0));
        assert_eq!((t.duplicated, t.reordered, t.unconfirmed), (0, 0, 0));
    }

    #[test]
    fn losses_duplicates_and_reorders_are_told_apart() {
        let mut ledger = Ledger::default();
        ledger.accepted(1, 1, 5);
        // 1 2 [listener restart: 2 again] 4 3 — 5 never came.
        let log = [
            done(1, seq(1, 1)),
            done(1, seq(1, 2)),
            done(1, seq(1, 2)),
            done(1, seq(1, 4)),
            done(1, seq(1, 3)),
        ];
        let t = ledger.tally(&log);
        assert_eq!((t.accepted, t.delivered, t.lost), (5, 4, 1));
        assert_eq!((t.duplicated, t.reordered), (1, 1));
    }

    #[test]
    fn twins_keep_order_per_channel_and_share_one_delivery_each() {
        let mut ledger = Ledger::default();
        ledger.accepted(1, 1, 6);
        // Round-robin: odd n to listener 0, even n to listener 1. Listener 0 was away, so
        // its 3 and 5 come after the twin's 6 (fine); 4 again by listener 0 is a duplicate,
        // and listener 1 taking 2 after its 6 is a reorder.
        let log = [
            done_by(0, 1, seq(1, 1)),
            done_by(1, 1, seq(1, 4)),
            done_by(1, 1, seq(1, 6)),
            done_by(1, 1, seq(1, 2)),
            done_by(0, 1, seq(1, 3)),
            done_by(0, 1, seq(1, 4)),
            done_by(0, 1, seq(1, 5)),
        ];
        let t = ledger.tally(&log);
        assert_eq!((t.accepted, t.delivered, t.lost), (6, 6, 0));
        assert_eq!((t.duplicated, t.reordered), (1, 1));
    }

    #[test]
    fn a_killed_sender_answers_for_everything_up_to_its_last_acked_or_parked_message() {
        let mut ledger = Ledger::default();
        // Incarnation 1 sent 1..=10 (Ok) then was killed; 7 was parked, 1..=5 delivered.
        ledger.accepted(1, 1, 10);
        ledger.killed(1, 1, &[seq(1, 6), seq(1, 7)]);
        ledger.accepted(1, 2, 2);
        let mut log: Vec<Delivery> = (1..=5).map(|n| done(1, seq(1, n))).collect();
        log.push(done(1, seq(1, 7)));
        log.extend((1..=2).map(|n| done(1, seq(2, n))));
        let t = ledger.tally(&log);
        // 1..=7 of the first (6 is missing: a real loss), 1..=2 of the second.
        assert_eq!((t.accepted, t.delivered, t.lost), (9, 8, 1));
        // 8..=10 were only in the dead process's memory: not counted at all.
        assert_eq!(t.unconfirmed, 0);
    }

    #[test]
    fn abandoned_messages_are_not_lost_but_refusals_are_not_deliveries() {
        let mut ledger = Ledger::default();
        ledger.accepted(1, 1, 4);
        ledger.abandoned(2);
        let log = [
            done(1, seq(1, 1)),
            Delivery {
                stream: 1,
                outcome: Outcome::Refused,
                listener: 0,
                seq: seq(1, 2),
            },
            done(1, seq(1, 2)),
        ];
        let t = ledger.tally(&log);
        assert_eq!((t.delivered, t.abandoned, t.lost, t.refused), (2, 2, 0, 1));
    }
}
