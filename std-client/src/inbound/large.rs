//! A connection's receive buffer, its slow path for frames bigger than it, and the budget
//! all such frames of one listener share.
//!
//! A connection starts with a buffer just big enough for the handshake frames and a
//! decoder limit of `MAX_HEADER_LEN`: before the peer is admitted, nothing longer is even
//! waited for. [`RxBuf::open`] installs the normal buffer (`Config::recv_buffer_bytes`,
//! allocated once) and the real limit. When the decoder reports that the next frame is
//! allowed (`max_message_size`) but does not fit, the frame's whole declared size is taken
//! from the [`LargeBudget`] first — if it does not fit the budget, the connection is not
//! read until another large frame gives its share back — and a buffer that grows (doubling)
//! as the bytes arrive, never beyond the frame's size, replaces the normal one. Reads into
//! it therefore end at the frame's last byte; once the frame is delivered the normal buffer
//! comes back, the big one is freed and the budget returned. Large messages cost a few
//! allocations each, small ones none, and a declared length alone costs nothing.

use liner_core::frame::{Decoder, LEN_PREFIX, MAX_HEADER_LEN};

/// Bytes all large frames of a listener may hold at once (`Config::large_frame_budget`),
/// and the connections waiting for some of it.
#[derive(Debug)]
pub(super) struct LargeBudget {
    left: usize,
    /// Slots of connections not read until budget is returned.
    waiting: Vec<usize>,
    /// Waiting connections to serve again now that budget was returned.
    woken: Vec<usize>,
}

impl LargeBudget {
    pub fn new(bytes: usize) -> Self {
        LargeBudget {
            left: bytes,
            waiting: Vec::new(),
            woken: Vec::new(),
        }
    }

    fn take(&mut self, bytes: usize) -> bool {
        match self.left.checked_sub(bytes) {
            Some(left) => {
                self.left = left;
                true
            }
            None => false,
        }
    }

    fn give(&mut self, bytes: usize) {
        self.left += bytes;
        self.woken.append(&mut self.waiting);
    }

    /// Remembers that the connection in `slot` waits for budget.
    pub fn wait(&mut self, slot: usize) {
        if !self.waiting.contains(&slot) {
            self.waiting.push(slot);
        }
    }

    /// Connections to serve again (budget was returned since the last call).
    pub fn woken(&mut self) -> std::vec::Drain<'_, usize> {
        self.woken.drain(..)
    }
}

/// The decoder of one connection plus the normal buffer while a big one is installed.
pub(super) struct RxBuf {
    pub decoder: Decoder<Vec<u8>>,
    parked: Option<Vec<u8>>,
    /// Budget held by the large frame being received (0: none).
    reserved: usize,
}

/// What [`RxBuf::prepare_read`] allows.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum ReadPlan {
    /// Read into `decoder.spare_mut()`.
    Read,
    /// The next frame needs more large-frame budget than is left: do not read.
    AwaitBudget,
}

impl RxBuf {
    /// The buffer of a connection still in the handshake: one maximal handshake frame.
    pub fn for_handshake() -> Self {
        RxBuf {
            decoder: Decoder::new(vec![0; LEN_PREFIX + MAX_HEADER_LEN], MAX_HEADER_LEN),
            parked: None,
            reserved: 0,
        }
    }

    /// The peer was admitted: installs the normal buffer and the real frame limit.
    pub fn open(&mut self, capacity: usize, max_body_len: usize) {
        let capacity = capacity.max(self.decoder.buffered());
        drop(self.decoder.replace_buffer(vec![0; capacity]));
        self.decoder.set_max_body_len(max_body_len);
    }

    /// Makes room for the next read: for a frame that does not fit the buffer, takes its
    /// size from `budget` (once per frame) and grows the buffer towards it.
    pub fn prepare_read(&mut self, budget: &mut LargeBudget) -> ReadPlan {
        let Some(total) = self.decoder.oversized_pending() else {
            return ReadPlan::Read;
        };
        if self.reserved == 0 {
            if !budget.take(total) {
                return ReadPlan::AwaitBudget;
            }
            self.reserved = total;
        }
        if self.decoder.buffered() < self.decoder.capacity() {
            return ReadPlan::Read; // room left: grow only when the bytes fill it
        }
        let grown = total.min(2 * self.decoder.capacity());
        let previous = self.decoder.replace_buffer(vec![0; grown]);
        // Keep the normal buffer (not an outgrown big one) for the way back.
        self.parked.get_or_insert(previous);
        ReadPlan::Read
    }

    /// After the frames of a read were handled: once the large frame is delivered (nothing
    /// of it is left), returns to the normal buffer and gives the budget back.
    pub fn settle(&mut self, budget: &mut LargeBudget) {
        if self.decoder.buffered() == 0
            && let Some(normal) = self.parked.take()
        {
            drop(self.decoder.replace_buffer(normal));
            self.release(budget);
        }
    }

    /// Gives the large frame's budget back (also when the connection closes; its buffers
    /// go with it).
    pub fn release(&mut self, budget: &mut LargeBudget) {
        if self.reserved > 0 {
            budget.give(std::mem::take(&mut self.reserved));
        }
    }

    /// True while a big buffer is installed.
    #[cfg(test)]
    pub fn on_slow_path(&self) -> bool {
        self.parked.is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use liner_core::frame::{Data, Frame, encode};

    fn data(seq: u64, payload: &[u8]) -> Vec<u8> {
        let frame = Frame::Data(Data {
            seq,
            topic_key: 1,
            flags: 0,
            payload,
        });
        let mut out = vec![0; payload.len() + 64];
        let n = encode(&frame, &mut out).unwrap();
        out.truncate(n);
        out
    }

    /// Feeds `stream` through `rx` in reads of at most `chunk` bytes and the spare room,
    /// like a socket; returns (seq, payload length) of each frame and the largest buffer.
    fn receive(
        rx: &mut RxBuf,
        budget: &mut LargeBudget,
        mut stream: &[u8],
        chunk: usize,
    ) -> (Vec<(u64, usize)>, usize) {
        let mut got = Vec::new();
        let mut largest = 0;
        while !stream.is_empty() {
            assert_eq!(rx.prepare_read(budget), ReadPlan::Read);
            largest = largest.max(rx.decoder.capacity());
            let spare = rx.decoder.spare_mut();
            let n = spare.len().min(stream.len()).min(chunk);
            spare[..n].copy_from_slice(&stream[..n]);
            rx.decoder.commit(n);
            stream = &stream[n..];
            while let Some(frame) = rx.decoder.next_frame().unwrap() {
                let Frame::Data(d) = frame else { panic!() };
                got.push((d.seq, d.payload.len()));
            }
            rx.settle(budget);
        }
        (got, largest)
    }

    fn opened(capacity: usize) -> RxBuf {
        let mut rx = RxBuf::for_handshake();
        rx.open(capacity, 1 << 20);
        rx
    }

    #[test]
    fn big_frames_take_a_growing_buffer_and_give_the_budget_back() {
        let mut budget = LargeBudget::new(4096);
        let mut rx = opened(64);
        let mut stream = data(1, &[1; 10]);
        stream.extend(data(2, &[2; 1000]));
        stream.extend(data(3, &[3; 5]));
        stream.extend(data(4, &[4; 300]));
        stream.extend(data(5, &[5; 1]));
        let (got, largest) = receive(&mut rx, &mut budget, &stream, 16);
        assert_eq!(got, [(1, 10), (2, 1000), (3, 5), (4, 300), (5, 1)]);
        assert_eq!(largest, data(2, &[2; 1000]).len(), "never beyond the frame");
        assert!(!rx.on_slow_path());
        assert_eq!(rx.decoder.spare_mut().len(), 64, "normal buffer is back");
        assert_eq!(budget.left, 4096, "all budget returned");
    }

    #[test]
    fn a_trickled_frame_holds_memory_in_proportion_to_what_arrived() {
        let mut budget = LargeBudget::new(1 << 20);
        let mut rx = opened(64);
        let frame = data(1, &[7; 100_000]);
        let mut fed = 0;
        while fed < 50_000 {
            assert_eq!(rx.prepare_read(&mut budget), ReadPlan::Read);
            let spare = rx.decoder.spare_mut();
            let n = spare.len().min(1000);
            spare[..n].copy_from_slice(&frame[fed..fed + n]);
            rx.decoder.commit(n);
            fed += n;
            assert!(rx.decoder.next_frame().unwrap().is_none());
            assert!(
                rx.decoder.capacity() <= 2 * fed + 64,
                "{} bytes of buffer for {fed} bytes received",
                rx.decoder.capacity()
            );
        }
        assert_eq!(
            budget.left,
            (1 << 20) - frame.len(),
            "the whole frame is reserved"
        );
        rx.release(&mut budget);
        assert_eq!(
            budget.left,
            1 << 20,
            "a closing connection gives its share back"
        );
    }

    #[test]
    fn a_frame_that_does_not_fit_the_budget_waits_for_another_to_finish() {
        let frame = data(1, &[9; 1000]);
        let mut budget = LargeBudget::new(frame.len() + 10);
        let (mut first, mut second) = (opened(64), opened(64));
        first.decoder.feed(&frame[..64]);
        second.decoder.feed(&frame[..64]);
        assert_eq!(first.prepare_read(&mut budget), ReadPlan::Read);
        assert_eq!(second.prepare_read(&mut budget), ReadPlan::AwaitBudget);
        budget.wait(7);
        assert_eq!(budget.woken().count(), 0);
        // The first frame completes: its budget comes back and the waiter is woken.
        let (got, _) = receive(&mut first, &mut budget, &frame[64..], usize::MAX);
        assert_eq!(got, [(1, 1000)]);
        assert_eq!(budget.woken().collect::<Vec<_>>(), [7]);
        let (got, _) = receive(&mut second, &mut budget, &frame[64..], usize::MAX);
        assert_eq!(got, [(1, 1000)]);
    }

    #[test]
    fn the_handshake_buffer_refuses_long_frames_from_the_prefix() {
        let mut rx = RxBuf::for_handshake();
        rx.decoder.feed(&(60u32 << 20).to_le_bytes());
        assert!(matches!(
            rx.decoder.next_frame(),
            Err(liner_core::frame::DecodeError::TooLong { .. })
        ));
        assert_eq!(rx.decoder.capacity(), LEN_PREFIX + MAX_HEADER_LEN);
    }
}
