//! Model-based property test of the transmit window.
//!
//! Random operation sequences (push best-effort / at-least-once through both push paths,
//! short writes, acks old/current/future, rewinds, clears, bad seqs) run against the
//! window and against a model kept in plain `Vec`s. After every step the window's unsent
//! bytes, usage, unacked frames and counters must equal the model's. Independently of
//! the model's window logic, a ledger of at-least-once frames owed by the peer checks
//! that no unacked at-least-once frame is ever freed, and every rewind checks that the
//! frames re-sent are exactly the owed ones, in order.

use liner_core::ack::{TxWindow, WindowError};
use liner_core::frame::{Data, FLAG_AT_LEAST_ONCE, Frame, encode, encoded_len, parse_frame};
use proptest::prelude::*;

const CASES: u32 = 3000;

#[derive(Debug, Clone)]
enum Op {
    /// Push the next frame; `seq_gap` ≥ 1 (gaps: seqs of frames dropped elsewhere).
    Push {
        at_least_once: bool,
        encoded: bool,
        seq_gap: u64,
        payload_len: usize,
    },
    /// Push a seq that is not above the last one.
    PushStale {
        back: u64,
    },
    Write(usize),
    /// Ack `last - back` (saturating), or `last + ahead` when `ahead > 0`.
    Ack {
        back: u64,
        ahead: u64,
    },
    Rewind,
    Clear,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        8 => (any::<bool>(), any::<bool>(), 1..4u64, 0..48usize).prop_map(
            |(at_least_once, encoded, seq_gap, payload_len)| Op::Push {
                at_least_once, encoded, seq_gap, payload_len,
            }
        ),
        1 => (0..3u64).prop_map(|back| Op::PushStale { back }),
        6 => prop_oneof![0..24usize, 0..200usize].prop_map(Op::Write),
        4 => (0..8u64, prop_oneof![4 => Just(0u64), 1 => 1..5u64])
            .prop_map(|(back, ahead)| Op::Ack { back, ahead }),
        2 => Just(Op::Rewind),
        1 => Just(Op::Clear),
    ]
}

/// A Data frame with a payload and topic key derived from its seq.
struct Message {
    seq: u64,
    topic_key: u64,
    flags: u8,
    payload: Vec<u8>,
}

impl Message {
    fn new(seq: u64, at_least_once: bool, payload_len: usize) -> Self {
        Self {
            seq,
            topic_key: seq.wrapping_mul(31),
            flags: if at_least_once { FLAG_AT_LEAST_ONCE } else { 0 },
            payload: (0..payload_len).map(|i| (seq as usize + i) as u8).collect(),
        }
    }

    fn encode(&self) -> Vec<u8> {
        let frame = Frame::Data(Data {
            seq: self.seq,
            topic_key: self.topic_key,
            flags: self.flags,
            payload: &self.payload,
        });
        let mut out = vec![0; encoded_len(&frame)];
        encode(&frame, &mut out).unwrap();
        out
    }
}

/// One stored frame of the model and how many of its bytes went out on this connection.
#[derive(Debug, Clone)]
struct Stored {
    seq: u64,
    at_least_once: bool,
    bytes: Vec<u8>,
    written: usize,
    /// Where in the storage it lies.
    at: usize,
}

impl Stored {
    fn end(&self) -> usize {
        self.at + self.bytes.len()
    }
}

/// The window's documented behaviour, spelt out on a `Vec` of frames.
#[derive(Debug, Default)]
struct Model {
    capacity: usize,
    /// Kept frames in order, each where it lies in the storage (a ring that never splits
    /// a frame: after the wrap, frames continue at the start of the storage).
    frames: Vec<Stored>,
    last: u64,
    acked: u64,
    /// Ledger: at-least-once frames pushed and not yet covered by an ack or a clear.
    owed: Vec<(u64, Vec<u8>)>,
}

impl Model {
    fn used(&self) -> usize {
        self.frames.iter().map(|f| f.bytes.len()).sum()
    }

    /// The unsent bytes up to the wrap, if they cross it (what the window hands a writer).
    fn unsent(&self) -> Vec<u8> {
        let mut out = Vec::new();
        let mut next_at = None;
        for f in self.frames.iter().filter(|f| f.written < f.bytes.len()) {
            if next_at.is_some_and(|at| at != f.at) {
                break;
            }
            out.extend_from_slice(&f.bytes[f.written..]);
            next_at = Some(f.end());
        }
        out
    }

    /// Where a frame of `needed` bytes goes without moving any: after the last frame, or
    /// at the start of the storage when the end is too short and the front has room.
    fn place(&self, needed: usize) -> Option<usize> {
        let (Some(first), Some(last)) = (self.frames.first(), self.frames.last()) else {
            return Some(0);
        };
        let wrapped = self.frames.iter().any(|f| f.at < first.at);
        if wrapped {
            (last.end() + needed <= first.at).then_some(last.end())
        } else if last.end() + needed <= self.capacity {
            Some(last.end())
        } else {
            (needed <= first.at).then_some(0)
        }
    }

    /// Kept frames back to back from the start of the storage, in order.
    fn linearize(&mut self) {
        let mut at = 0;
        for f in &mut self.frames {
            f.at = at;
            at += f.bytes.len();
        }
    }

    fn push(&mut self, seq: u64, at_least_once: bool, bytes: Vec<u8>) -> Result<(), WindowError> {
        if seq <= self.last {
            return Err(WindowError::SeqNotIncreasing {
                last: self.last,
                got: seq,
            });
        }
        let (needed, capacity) = (bytes.len(), self.capacity);
        if needed > capacity {
            return Err(WindowError::TooLarge { needed, capacity });
        }
        let free = capacity - self.used();
        if needed > free {
            return Err(WindowError::Full { needed, free });
        }
        // Nothing moves for an at-least-once frame (it waits for room at either end); a
        // best-effort one, which `Full` would drop, moves the kept frames if that helps.
        let at = match self.place(needed) {
            Some(at) => at,
            None if at_least_once => return Err(WindowError::Full { needed, free }),
            None => {
                self.linearize();
                self.used()
            }
        };
        if at_least_once {
            self.owed.push((seq, bytes.clone()));
        }
        self.frames.push(Stored {
            seq,
            at_least_once,
            bytes,
            written: 0,
            at,
        });
        self.last = seq;
        Ok(())
    }

    fn write(&mut self, mut n: usize) {
        for f in &mut self.frames {
            let take = n.min(f.bytes.len() - f.written);
            f.written += take;
            n -= take;
        }
        self.free_front();
    }

    /// Returns how many owed frames the ack settled.
    fn ack(&mut self, seq: u64) -> usize {
        let new = seq.min(self.last);
        if new <= self.acked {
            return 0;
        }
        self.acked = new;
        let before = self.owed.len();
        self.owed.retain(|(s, _)| *s > new);
        self.free_front();
        before - self.owed.len()
    }

    fn rewind(&mut self) {
        let acked = self.acked;
        self.frames.retain(|f| {
            let written_best_effort = !f.at_least_once && f.written == f.bytes.len();
            !written_best_effort && f.seq > acked
        });
        for f in &mut self.frames {
            f.written = 0;
        }
        self.linearize();
    }

    fn clear(&mut self) {
        *self = Model {
            capacity: self.capacity,
            ..Model::default()
        };
    }

    /// Frames are freed from the front only: written frames that are best-effort or acked,
    /// and acked frames not started.
    fn free_front(&mut self) {
        while let Some(f) = self.frames.first() {
            let acked = f.seq <= self.acked;
            let done = f.written == f.bytes.len() && (!f.at_least_once || acked);
            let skippable = f.written == 0 && acked;
            if !(done || skippable) {
                break;
            }
            self.frames.remove(0);
        }
    }
}

/// Splits back-to-back frames into (seq, at_least_once, bytes).
fn parse_all(mut bytes: &[u8]) -> Vec<(u64, bool, Vec<u8>)> {
    let mut out = Vec::new();
    while !bytes.is_empty() {
        let Ok(Some((Frame::Data(d), used))) = parse_frame(bytes) else {
            panic!("unsent bytes are not whole Data frames");
        };
        out.push((d.seq, d.at_least_once(), bytes[..used].to_vec()));
        bytes = &bytes[used..];
    }
    out
}

fn check(window: &TxWindow<Vec<u8>>, model: &Model) -> Result<(), TestCaseError> {
    prop_assert_eq!(window.unsent(), &model.unsent()[..]);
    prop_assert_eq!(window.used(), model.used());
    prop_assert_eq!(window.is_empty(), model.frames.is_empty());
    prop_assert_eq!(window.last_seq(), (model.last != 0).then_some(model.last));
    prop_assert_eq!(window.acked_seq(), model.acked);
    let unwritten_best_effort = model
        .frames
        .iter()
        .filter(|f| !f.at_least_once && f.written < f.bytes.len() && f.seq > model.acked)
        .count();
    prop_assert_eq!(window.unwritten_best_effort(), unwritten_best_effort);
    // The safety property, against the ledger rather than the model's frame list.
    let unacked: Vec<(u64, Vec<u8>)> = window
        .unacked()
        .map(|(seq, bytes)| (seq, bytes.to_vec()))
        .collect();
    prop_assert_eq!(&unacked, &model.owed);
    Ok(())
}

fn run(capacity: usize, ops: Vec<Op>) -> Result<(), TestCaseError> {
    let mut window = TxWindow::new(vec![0u8; capacity]);
    let mut model = Model {
        capacity,
        ..Model::default()
    };
    for op in ops {
        match op {
            Op::Push {
                at_least_once,
                encoded,
                seq_gap,
                payload_len,
            } => {
                let msg = Message::new(model.last + seq_gap, at_least_once, payload_len);
                let bytes = msg.encode();
                let got = if encoded {
                    window
                        .push_encoded(&bytes)
                        .map(|seq| assert_eq!(seq, msg.seq))
                } else {
                    window.push_data(msg.seq, msg.topic_key, msg.flags, &msg.payload)
                };
                prop_assert_eq!(got, model.push(msg.seq, at_least_once, bytes));
            }
            Op::PushStale { back } => {
                let seq = model.last.saturating_sub(back);
                let got = window.push_data(seq, 0, 0, b"stale");
                let want = Err(WindowError::SeqNotIncreasing {
                    last: model.last,
                    got: seq,
                });
                prop_assert_eq!(got, want);
            }
            Op::Write(n) => {
                window.mark_written(n);
                model.write(n);
            }
            Op::Ack { back, ahead } => {
                let seq = if ahead > 0 {
                    model.last + ahead
                } else {
                    model.last.saturating_sub(back)
                };
                prop_assert_eq!(window.ack(seq), model.ack(seq));
            }
            Op::Rewind => {
                window.rewind();
                model.rewind();
                let resent = parse_all(window.unsent());
                let resent_alo: Vec<(u64, Vec<u8>)> = resent
                    .iter()
                    .filter(|(_, alo, _)| *alo)
                    .map(|(seq, _, bytes)| (*seq, bytes.clone()))
                    .collect();
                prop_assert_eq!(
                    &resent_alo,
                    &model.owed,
                    "rewind re-sends exactly the owed frames"
                );
                prop_assert!(resent.windows(2).all(|w| w[0].0 < w[1].0), "in seq order");
            }
            Op::Clear => {
                window.clear();
                model.clear();
            }
        }
        check(&window, &model)?;
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(CASES))]

    #[test]
    fn window_matches_model(
        capacity in prop_oneof![40..120usize, 120..600usize],
        ops in prop::collection::vec(op(), 1..80),
    ) {
        run(capacity, ops)?;
    }
}
