//! The outgoing stream against a socket stand-in that takes a few bytes per call.

use std::io::{self, IoSlice, Write};
use std::sync::Arc;

use liner_core::ack::{TxWindow, WindowError};
use liner_core::frame::{FLAG_AT_LEAST_ONCE, Frame, parse_frame};

use super::super::writer::{Flushed, Writer};
use crate::peer::{Link, OutPeer, PeerState};

/// A socket that accepts at most `per_call` bytes per write and `budget` in all before
/// it "would block". `during_write` runs inside each write before the bytes are taken,
/// as another thread could while the writer is in the syscall without the peer lock.
struct Pipe {
    out: Vec<u8>,
    per_call: usize,
    budget: usize,
    calls: usize,
    during_write: Option<Box<dyn FnMut()>>,
}

impl Pipe {
    fn new(per_call: usize, budget: usize) -> Pipe {
        Pipe {
            out: Vec::new(),
            per_call,
            budget,
            calls: 0,
            during_write: None,
        }
    }
}

impl Write for Pipe {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.write_vectored(&[IoSlice::new(buf)])
    }

    fn write_vectored(&mut self, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
        if self.budget == 0 {
            return Err(io::ErrorKind::WouldBlock.into());
        }
        self.calls += 1;
        if let Some(hook) = self.during_write.as_mut() {
            hook();
        }
        let limit = self.per_call.min(self.budget);
        let mut n = 0;
        for buf in bufs {
            let take = (limit - n).min(buf.len());
            self.out.extend_from_slice(&buf[..take]);
            n += take;
        }
        self.budget -= n;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// `(kind, seq or nonce)` of every frame in `bytes`, which must hold whole frames only.
fn frames(bytes: &[u8]) -> Vec<(&'static str, u64)> {
    let mut out = Vec::new();
    let mut rest = bytes;
    while !rest.is_empty() {
        let (frame, used) = parse_frame(rest)
            .expect("valid frame")
            .expect("whole frames only");
        out.push(match frame {
            Frame::Data(d) => ("data", d.seq),
            Frame::Ping(n) => ("ping", n),
            other => panic!("unexpected {other:?}"),
        });
        rest = &rest[used..];
    }
    out
}

fn push(window: &mut TxWindow<Vec<u8>>, seq: u64) {
    window
        .push_data(seq, 1, FLAG_AT_LEAST_ONCE, &[seq as u8; 40])
        .unwrap();
}

/// A connected peer with a drain window holding `drain` and a window holding `window`.
fn peer(drain: &[u64], window: &[u64]) -> OutPeer {
    let peer = OutPeer::new(0, "listener".into(), 1, 4096, 1, u64::MAX);
    let mut st = peer.lock();
    st.link = Link::Connected;
    let mut d = TxWindow::new(vec![0; 4096]);
    drain.iter().for_each(|&seq| push(&mut d, seq));
    st.drain = Some(d);
    window.iter().for_each(|&seq| push(&mut st.window, seq));
    drop(st);
    peer
}

fn flush(writer: &mut Writer, pipe: &mut Pipe, peer: &OutPeer, data: bool) -> io::Result<Flushed> {
    writer.flush(pipe, peer, data)
}

fn unsent(st: &PeerState) -> (usize, usize) {
    let drain = st.drain.as_ref().map_or(0, |d| d.unsent().len());
    (drain, st.window.unsent().len())
}

#[test]
fn control_then_drain_then_window_one_write_per_source() {
    let peer = peer(&[1, 2], &[3, 4]);
    let mut writer = Writer::new();
    assert!(writer.queue(&Frame::Ping(9)));
    let mut pipe = Pipe::new(usize::MAX, usize::MAX);
    assert_eq!(
        flush(&mut writer, &mut pipe, &peer, true).unwrap(),
        Flushed::Done
    );
    // Not one `writev` for all three: it would raise SIGPIPE in a C host (module docs).
    assert_eq!(pipe.calls, 3, "one write per non-empty source");
    let expected = [
        ("ping", 9),
        ("data", 1),
        ("data", 2),
        ("data", 3),
        ("data", 4),
    ];
    assert_eq!(frames(&pipe.out), expected);
    assert_eq!(unsent(&peer.lock()), (0, 0));
    assert!(writer.idle());
}

#[test]
fn short_writes_resume_and_keep_frames_whole() {
    let peer = peer(&[1, 2], &[3, 4, 5]);
    let mut writer = Writer::new();
    writer.queue(&Frame::Ping(1));
    let mut pipe = Pipe::new(7, usize::MAX);
    assert_eq!(
        flush(&mut writer, &mut pipe, &peer, true).unwrap(),
        Flushed::Done
    );
    let seqs: Vec<_> = frames(&pipe.out).into_iter().map(|f| f.1).collect();
    assert_eq!(seqs, [1, 1, 2, 3, 4, 5]);
}

#[test]
fn a_partly_written_window_frame_is_finished_before_the_drain_takes_over() {
    let peer = peer(&[], &[10, 11]);
    let mut writer = Writer::new();
    let mut pipe = Pipe::new(usize::MAX, 20);
    assert_eq!(
        flush(&mut writer, &mut pipe, &peer, true).unwrap(),
        Flushed::Blocked
    );
    assert!(!writer.idle(), "frame 10 is cut");
    // A spill starts (the window is no longer writable) and the drain gets a frame.
    peer.lock().spilling = true;
    push(peer.lock().drain.as_mut().unwrap(), 3);
    pipe.budget = usize::MAX;
    assert_eq!(
        flush(&mut writer, &mut pipe, &peer, true).unwrap(),
        Flushed::Done
    );
    assert_eq!(frames(&pipe.out), [("data", 10), ("data", 3)]);
    assert!(
        !peer.lock().window.unsent().is_empty(),
        "frame 11 waits for the spill"
    );
    peer.lock().spilling = false;
    flush(&mut writer, &mut pipe, &peer, true).unwrap();
    assert_eq!(frames(&pipe.out).last(), Some(&("data", 11)));
    assert_eq!(unsent(&peer.lock()), (0, 0));
}

#[test]
fn a_partly_written_control_frame_goes_before_data() {
    let peer = peer(&[], &[1]);
    let mut writer = Writer::new();
    writer.queue(&Frame::Ping(5));
    let mut pipe = Pipe::new(usize::MAX, 3);
    assert_eq!(
        flush(&mut writer, &mut pipe, &peer, true).unwrap(),
        Flushed::Blocked
    );
    writer.queue(&Frame::Ping(6));
    pipe.budget = usize::MAX;
    flush(&mut writer, &mut pipe, &peer, true).unwrap();
    assert_eq!(frames(&pipe.out), [("ping", 5), ("ping", 6), ("data", 1)]);
}

#[test]
fn before_the_handshake_only_control_frames_go_out() {
    let peer = peer(&[1], &[2]);
    let mut writer = Writer::new();
    writer.queue(&Frame::Ping(1));
    let mut pipe = Pipe::new(usize::MAX, usize::MAX);
    flush(&mut writer, &mut pipe, &peer, false).unwrap();
    assert_eq!(frames(&pipe.out), [("ping", 1)]);
    assert_ne!(unsent(&peer.lock()), (0, 0));
}

#[test]
fn window_waits_while_the_backlog_is_unread() {
    let peer = peer(&[1], &[5]);
    peer.lock().redis_len = 4;
    peer.lock().redis_read = 1;
    let mut writer = Writer::new();
    let mut pipe = Pipe::new(usize::MAX, usize::MAX);
    flush(&mut writer, &mut pipe, &peer, true).unwrap();
    assert_eq!(frames(&pipe.out), [("data", 1)]);
    assert!(!peer.lock().window.unsent().is_empty());
}

#[test]
fn control_queue_is_bounded_and_frees_up_when_written() {
    let peer = peer(&[], &[]);
    let mut writer = Writer::new();
    let queued = (0..1000)
        .take_while(|&n| writer.queue(&Frame::Ping(n)))
        .count();
    assert!(queued > 10 && queued < 1000, "queued {queued}");
    let mut pipe = Pipe::new(usize::MAX, usize::MAX);
    flush(&mut writer, &mut pipe, &peer, true).unwrap();
    assert_eq!(frames(&pipe.out).len(), queued);
    assert!(writer.queue(&Frame::Ping(1)));
}

#[test]
fn a_vanished_partial_frame_is_an_error_not_a_corrupt_stream() {
    let peer = peer(&[], &[1]);
    let mut writer = Writer::new();
    let mut pipe = Pipe::new(usize::MAX, 10);
    flush(&mut writer, &mut pipe, &peer, true).unwrap();
    peer.lock().window.clear();
    pipe.budget = usize::MAX;
    assert!(flush(&mut writer, &mut pipe, &peer, true).is_err());
}

#[test]
fn callers_append_during_a_write_but_never_move_the_bytes_being_written() {
    // 4096-byte window of ~50-byte frames: 1..=40 fill half of it; 1..=30 are written and
    // acked during the test, so pushes during the next write fill the end of the window,
    // then wrap into the room at its front, until both are full.
    let peer = Arc::new(peer(&[], &(1..=40).collect::<Vec<_>>()));
    let mut writer = Writer::new();
    let frame_len = peer.lock().window.unsent().len() / 40;
    let mut pipe = Pipe::new(usize::MAX, frame_len * 30);
    assert_eq!(
        flush(&mut writer, &mut pipe, &peer, true).unwrap(),
        Flushed::Blocked
    );
    assert_eq!(frames(&pipe.out).len(), 30);
    pipe.budget = usize::MAX;
    peer.lock().window.ack(30);
    let pushed = Arc::new(std::sync::Mutex::new((41u64, None)));
    let (hook_peer, hook_pushed) = (peer.clone(), pushed.clone());
    pipe.during_write = Some(Box::new(move || {
        let mut st = hook_peer.lock();
        let mut pushed = hook_pushed.lock().unwrap();
        while pushed.1.is_none() {
            let seq = pushed.0;
            match st
                .window
                .push_data(seq, 1, FLAG_AT_LEAST_ONCE, &[seq as u8; 40])
            {
                Ok(()) => pushed.0 += 1,
                Err(e) => pushed.1 = Some(e),
            }
        }
    }));
    flush(&mut writer, &mut pipe, &peer, true).unwrap();
    let (next, refused) = *pushed.lock().unwrap();
    assert!(
        matches!(refused, Some(WindowError::Full { .. })),
        "pushes went in until the window was full: {refused:?}"
    );
    let fit_at_end = (4096 - 40 * frame_len) / frame_len;
    assert!(
        next > 41 + fit_at_end as u64,
        "pushes wrapped into the freed front during the write"
    );
    assert!(!peer.lock().window.is_pinned(), "unpinned after the write");
    pipe.during_write = None;
    peer.lock().window.ack(next - 1);
    push(&mut peer.lock().window, next);
    flush(&mut writer, &mut pipe, &peer, true).unwrap();
    let seqs: Vec<u64> = frames(&pipe.out).into_iter().map(|f| f.1).collect();
    assert_eq!(
        seqs,
        (1..=next).collect::<Vec<_>>(),
        "every frame once, in order"
    );
}
