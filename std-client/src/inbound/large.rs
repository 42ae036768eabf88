//! A connection's receive buffer and its slow path for frames bigger than it.
//!
//! The normal buffer (`Config::recv_buffer_bytes`) is allocated once per connection. When
//! the decoder reports that the next frame is allowed (`max_message_size`) but does not fit,
//! a one-off buffer of exactly that frame's size is swapped in, the frame is read into it
//! and delivered, and the normal buffer is swapped back as soon as the bytes left over fit
//! it again. The big buffer is then freed: large messages cost one allocation each, small
//! ones none. The peer cannot make this unbounded: a declared length above
//! `Config::max_body_len()` is a protocol error before any byte of the body is buffered.

use liner_core::frame::Decoder;

/// The decoder of one connection plus the normal buffer while a big one is installed.
pub(super) struct RxBuf {
    pub decoder: Decoder<Vec<u8>>,
    parked: Option<Vec<u8>>,
}

impl RxBuf {
    pub fn new(capacity: usize, max_body_len: usize) -> Self {
        RxBuf {
            decoder: Decoder::new(vec![0; capacity], max_body_len),
            parked: None,
        }
    }

    /// Makes room for the next read: installs a buffer of the pending frame's size when it
    /// does not fit the current one.
    pub fn prepare_read(&mut self) {
        if let Some(total) = self.decoder.oversized_pending() {
            let big = self.decoder.replace_buffer(vec![0; total]);
            // Keep the normal buffer (not an earlier big one) for the way back.
            self.parked.get_or_insert(big);
        }
    }

    /// After the frames of a read were handled: returns to the normal buffer once what is
    /// left fits it.
    pub fn settle(&mut self) {
        let fits = match &self.parked {
            Some(normal) => self.decoder.buffered() <= normal.len(),
            None => false,
        };
        if fits && let Some(normal) = self.parked.take() {
            drop(self.decoder.replace_buffer(normal));
        }
    }

    /// True while a one-off big buffer is installed.
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

    /// Feeds `stream` through `rx` in reads of at most the spare room, like a socket.
    fn receive(rx: &mut RxBuf, mut stream: &[u8]) -> Vec<(u64, usize)> {
        let mut got = Vec::new();
        while !stream.is_empty() {
            rx.prepare_read();
            let spare = rx.decoder.spare_mut();
            let n = spare.len().min(stream.len());
            spare[..n].copy_from_slice(&stream[..n]);
            rx.decoder.commit(n);
            stream = &stream[n..];
            while let Some(frame) = rx.decoder.next_frame().unwrap() {
                let Frame::Data(d) = frame else { panic!() };
                got.push((d.seq, d.payload.len()));
            }
            rx.settle();
        }
        got
    }

    #[test]
    fn big_frames_take_a_one_off_buffer_and_come_back() {
        let mut rx = RxBuf::new(64, 1 << 20);
        let mut stream = data(1, &[1; 10]);
        stream.extend(data(2, &[2; 1000]));
        stream.extend(data(3, &[3; 5]));
        stream.extend(data(4, &[4; 300]));
        stream.extend(data(5, &[5; 1]));
        let got = receive(&mut rx, &stream);
        assert_eq!(got, [(1, 10), (2, 1000), (3, 5), (4, 300), (5, 1)]);
        assert!(!rx.on_slow_path());
        assert_eq!(rx.decoder.spare_mut().len(), 64, "normal buffer is back");
    }
}
