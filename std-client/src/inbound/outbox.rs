//! Control frames a listener owes one sender (Welcome or Reject, Acks, Pongs, Bye), written
//! without blocking from a small fixed buffer.
//!
//! Acks and Pongs are kept as values, not queued bytes: while the socket would block only
//! the latest of each is remembered (an Ack is cumulative, a Pong only proves liveness), so
//! a slow reader never makes the listener buffer more than one header's worth per frame.
//! A frame already partly written is always finished before the next one starts.

use std::io::{self, Write};

use liner_core::frame::{self, Frame, LEN_PREFIX, MAX_HEADER_LEN};

/// Room for the largest control frame (a Welcome) plus an Ack, a Pong and a Bye.
const CAPACITY: usize = LEN_PREFIX + MAX_HEADER_LEN + 64;

/// Bytes and values waiting to be written to one connection.
pub(super) struct Outbox {
    buf: [u8; CAPACITY],
    /// First byte not yet written.
    start: usize,
    /// One past the last encoded byte.
    end: usize,
    ack: Option<u64>,
    pong: Option<u64>,
}

impl Outbox {
    pub fn new() -> Self {
        Outbox {
            buf: [0; CAPACITY],
            start: 0,
            end: 0,
            ack: None,
            pong: None,
        }
    }

    /// Encodes `frame` behind what is already queued; false when it does not fit (only
    /// possible for a Welcome/Reject/Bye behind a stuck backlog of the same).
    pub fn push(&mut self, frame: &Frame<'_>) -> bool {
        if self.start == self.end {
            self.start = 0;
            self.end = 0;
        }
        match frame::encode(frame, &mut self.buf[self.end..]) {
            Ok(n) => {
                self.end += n;
                true
            }
            Err(_) => false,
        }
    }

    /// Encodes the owed Pong and Ack, then `frame` as the last one (a Bye).
    pub fn push_last(&mut self, frame: &Frame<'_>) -> bool {
        self.encode_owed();
        self.push(frame)
    }

    /// Owes the peer a cumulative Ack for `seq` (replacing an older one not yet encoded).
    pub fn owe_ack(&mut self, seq: u64) {
        self.ack = Some(seq);
    }

    /// Owes the peer a Pong with `nonce` (replacing an older one not yet encoded).
    pub fn owe_pong(&mut self, nonce: u64) {
        self.pong = Some(nonce);
    }

    /// Writes everything owed. `Ok(true)` when nothing is left, `Ok(false)` when the socket
    /// would block (the rest goes out on the next writable event).
    pub fn flush<W: Write>(&mut self, w: &mut W) -> io::Result<bool> {
        loop {
            if self.start == self.end && !self.encode_owed() {
                return Ok(true);
            }
            match w.write(&self.buf[self.start..self.end]) {
                Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
                Ok(n) => self.start += n,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(false),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
    }

    /// Encodes the owed Pong and Ack behind the queued bytes; false when none was owed.
    fn encode_owed(&mut self) -> bool {
        let before = (self.start, self.end);
        let owed = [
            self.pong.take().map(Frame::Pong),
            self.ack.take().map(Frame::Ack),
        ];
        for frame in owed.iter().flatten() {
            // Two frames of at most 15 bytes fit behind any one queued control frame.
            let pushed = self.push(frame);
            debug_assert!(pushed, "Ack and Pong fit the outbox");
        }
        (self.start, self.end) != before
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use liner_core::frame::{Decoder, RejectReason};

    /// A writer that takes at most `room` bytes, then would block.
    struct Throttled {
        taken: Vec<u8>,
        room: usize,
    }

    impl Write for Throttled {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            if self.room == 0 {
                return Err(io::ErrorKind::WouldBlock.into());
            }
            let n = buf.len().min(self.room);
            self.room -= n;
            self.taken.extend_from_slice(&buf[..n]);
            Ok(n)
        }

        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    fn frames(bytes: &[u8]) -> Vec<String> {
        let mut decoder = Decoder::new(vec![0; 1024], 1024);
        decoder.feed(bytes);
        let mut out = Vec::new();
        while let Some(frame) = decoder.next_frame().unwrap() {
            out.push(format!("{frame:?}"));
        }
        assert_eq!(decoder.buffered(), 0, "only whole frames were written");
        out
    }

    #[test]
    fn only_the_latest_ack_and_pong_survive_a_blocked_socket() {
        let mut outbox = Outbox::new();
        let mut w = Throttled {
            taken: Vec::new(),
            room: 3,
        };
        outbox.owe_ack(5);
        assert!(!outbox.flush(&mut w).unwrap(), "Ack(5) is half written");
        outbox.owe_ack(9);
        outbox.owe_pong(1);
        outbox.owe_pong(2);
        w.room = usize::MAX;
        assert!(outbox.flush(&mut w).unwrap());
        assert_eq!(frames(&w.taken), ["Ack(5)", "Pong(2)", "Ack(9)"]);
    }

    #[test]
    fn pushed_frames_go_first_and_whole() {
        let mut outbox = Outbox::new();
        let mut w = Throttled {
            taken: Vec::new(),
            room: 1,
        };
        assert!(outbox.push(&Frame::Reject(RejectReason::Busy)));
        outbox.owe_ack(1);
        assert!(!outbox.flush(&mut w).unwrap());
        w.room = usize::MAX;
        assert!(outbox.flush(&mut w).unwrap());
        assert_eq!(frames(&w.taken), ["Reject(Busy)", "Ack(1)"]);
        assert!(outbox.flush(&mut w).unwrap(), "nothing left to write");
    }

    #[test]
    fn the_last_frame_follows_what_is_owed() {
        let mut outbox = Outbox::new();
        let mut w = Throttled {
            taken: Vec::new(),
            room: usize::MAX,
        };
        outbox.owe_ack(3);
        assert!(outbox.push_last(&Frame::Bye));
        assert!(outbox.flush(&mut w).unwrap());
        assert_eq!(frames(&w.taken), ["Ack(3)", "Bye"]);
    }
}
