//! Property tests of the receiver cursor and the sender's resume rule.

use liner_core::ack::{Accept, AckPolicy, RxCursor, SeqCounter, resume_next_seq};
use proptest::prelude::*;

const CASES: u32 = 2000;

fn policy() -> impl Strategy<Value = AckPolicy> {
    (0..6u32, 0..20u64).prop_map(|(max_batch, max_delay_ms)| AckPolicy {
        max_batch,
        max_delay_ms,
    })
}

/// Receiver events: a Data frame `back` below / `ahead` above the newest seq seen so far
/// (ahead 0 = a duplicate of it), after `dt` ms; or the caller acking less than due.
#[derive(Debug, Clone)]
enum Event {
    Frame { dt: u64, back: u64, ahead: u64 },
    PartialAck { back: u64 },
}

fn event() -> impl Strategy<Value = Event> {
    prop_oneof![
        8 => (0..8u64, 0..4u64, 0..4u64).prop_map(|(dt, back, ahead)| Event::Frame { dt, back, ahead }),
        1 => (1..4u64).prop_map(|back| Event::PartialAck { back }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(CASES))]

    /// Whatever arrives, in whatever order and repetition, each seq is accepted at most
    /// once, only above the starting cursor, and the cursor is the highest seen.
    #[test]
    fn never_accepts_a_seq_twice(
        start in 0..20u64,
        seqs in prop::collection::vec(0..60u64, 0..200),
    ) {
        let mut rx = RxCursor::new(start, AckPolicy::default());
        let mut accepted = Vec::new();
        for (now, &seq) in seqs.iter().enumerate() {
            if rx.accept(seq, now as u64) == Accept::New {
                prop_assert!(!accepted.contains(&seq), "seq {} accepted twice", seq);
                prop_assert!(seq > start);
                accepted.push(seq);
            }
        }
        prop_assert!(accepted.windows(2).all(|w| w[0] < w[1]));
        let highest = seqs.iter().copied().chain([start]).max().unwrap_or(start);
        prop_assert_eq!(rx.cursor(), highest);
    }

    /// A caller that sends whatever `ack_due` asks for never leaves a delivered frame
    /// unacked for `max_delay_ms` or more, nor `max_batch` frames at once, and
    /// `poll_at`/`flush` agree with `ack_due`.
    #[test]
    fn ack_policy_bounds_what_is_owed(
        policy in policy(),
        events in prop::collection::vec(event(), 1..150),
    ) {
        let mut rx = RxCursor::new(0, policy);
        let mut now = 0u64;
        // (seq, accepted at) of every new frame; owed = those above the last ack sent.
        let mut delivered: Vec<(u64, u64)> = Vec::new();
        for event in events {
            match event {
                Event::Frame { dt, back, ahead } => {
                    now += dt;
                    let newest = rx.cursor();
                    let seq = if ahead > 0 { newest + ahead } else { newest.saturating_sub(back) };
                    let want = if seq > newest { Accept::New } else { Accept::Duplicate };
                    prop_assert_eq!(rx.accept(seq, now), want);
                    if want == Accept::New {
                        delivered.push((seq, now));
                    }
                }
                Event::PartialAck { back } => {
                    let seq = rx.cursor().saturating_sub(back).max(rx.acked());
                    rx.on_ack_sent(seq);
                }
            }
            let due = rx.ack_due(now);
            prop_assert_eq!(due.is_some(), rx.poll_at().is_some_and(|at| at <= now));
            if let Some(seq) = due {
                prop_assert_eq!(seq, rx.cursor());
                rx.on_ack_sent(seq);
            }
            let acked = rx.acked();
            let owed: Vec<_> = delivered.iter().filter(|(seq, _)| *seq > acked).collect();
            prop_assert_eq!(rx.flush().is_some(), !owed.is_empty());
            prop_assert!(owed.len() < policy.max_batch.max(1) as usize, "{} owed", owed.len());
            if let Some((_, oldest)) = owed.first() {
                prop_assert!(now - oldest < policy.max_delay_ms, "owed since {}", oldest);
            }
        }
    }

    /// After any restart (the sender's stored tail may lag what it really sent, the
    /// listener's cursor may be anywhere), the resumed counter's seqs are all new to the
    /// listener and never repeat one the counter already handed out.
    #[test]
    fn resume_hands_out_only_fresh_seqs(
        sent in 0..50u64,
        stored_lag in 0..10u64,
        cursor in 0..80u64,
        more in 1..20usize,
    ) {
        let mut seqs = SeqCounter::default();
        for _ in 0..sent {
            seqs.allocate();
        }
        let own_tail = seqs.tail().saturating_sub(stored_lag);
        let mut restarted = SeqCounter::default();
        restarted.resume(own_tail, cursor);
        seqs.resume(own_tail, cursor);
        prop_assert_eq!(restarted.peek(), resume_next_seq(own_tail, cursor));
        prop_assert!(seqs.peek() > sent);
        for counter in [&mut seqs, &mut restarted] {
            let mut rx = RxCursor::new(cursor, AckPolicy::default());
            for _ in 0..more {
                let seq = counter.allocate().expect("far below MAX_SEQ");
                prop_assert_eq!(rx.accept(seq, 0), Accept::New);
            }
        }
    }
}
