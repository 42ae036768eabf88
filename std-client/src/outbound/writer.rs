//! The outgoing byte stream of one connection: small control frames (Hello, Ping, Pong,
//! Bye) queued here, then the peer's drain window, then its main window, written with as
//! few syscalls as possible (one `writev` for all three).
//!
//! The stream must never be cut mid-frame, yet the windows may stop being writable at any
//! time (a spill starts, the drain refills). So the writer remembers which source a partly
//! written frame came from and how many of its bytes remain, finishes that frame first, and
//! only then picks the next source. Finding the frame boundary after a short write walks
//! the length prefixes of the frames just written (no per-frame bookkeeping elsewhere).

use std::io::{self, IoSlice, Write};

use liner_core::ack::TxWindow;
use liner_core::frame::{Frame, LEN_PREFIX, MAX_HEADER_LEN, encode};

use crate::peer::PeerState;

/// Room for a Hello of maximal size, or many small control frames.
const CTL_CAP: usize = LEN_PREFIX + MAX_HEADER_LEN;

/// Where outgoing bytes come from, in the order they are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Source {
    Ctl,
    Drain,
    Window,
}

/// Result of a flush.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Flushed {
    /// Everything writable now was written.
    Done,
    /// The socket buffer is full; wait for a writable event.
    Blocked,
}

/// Outgoing stream state of one connection.
pub(super) struct Writer {
    ctl: [u8; CTL_CAP],
    ctl_start: usize,
    ctl_end: usize,
    /// A frame of this source is partly written; this many of its bytes remain.
    partial: Option<(Source, usize)>,
}

impl Writer {
    pub fn new() -> Self {
        Writer {
            ctl: [0; CTL_CAP],
            ctl_start: 0,
            ctl_end: 0,
            partial: None,
        }
    }

    /// Queues a control frame; false when it does not fit (the caller drops it: control
    /// frames other than Hello are advisory).
    pub fn queue(&mut self, frame: &Frame<'_>) -> bool {
        if self.ctl_start > 0 {
            self.ctl.copy_within(self.ctl_start..self.ctl_end, 0);
            self.ctl_end -= self.ctl_start;
            self.ctl_start = 0;
        }
        match encode(frame, &mut self.ctl[self.ctl_end..]) {
            Ok(n) => {
                self.ctl_end += n;
                true
            }
            Err(_) => false,
        }
    }

    /// Whether nothing is partly written and no control frame waits.
    pub fn idle(&self) -> bool {
        self.partial.is_none() && self.ctl_start == self.ctl_end
    }

    /// Writes control frames, then (when `data`) the drain window, then (when `data` and the
    /// peer state allows direct sending) the main window, until done or the socket blocks.
    pub fn flush<W: Write>(
        &mut self,
        w: &mut W,
        st: &mut PeerState,
        data: bool,
    ) -> io::Result<Flushed> {
        loop {
            if let Some((source, remaining)) = self.partial {
                let Some(bytes) = self.source_bytes(source, st).get(..remaining) else {
                    // Someone dropped frame bytes the peer already got the start of.
                    return Err(io::Error::other("a partly written frame vanished"));
                };
                let Some(n) = write_some(w, &[IoSlice::new(bytes)])? else {
                    return Ok(Flushed::Blocked);
                };
                self.partial = (n < remaining).then_some((source, remaining - n));
                self.mark_written(source, n, st);
                continue;
            }
            let sources = [
                (Source::Ctl, true),
                (Source::Drain, data),
                (Source::Window, data && st.direct()),
            ];
            let mut slices = [IoSlice::new(&[]); 3];
            for (slice, (source, on)) in slices.iter_mut().zip(sources) {
                if on {
                    *slice = IoSlice::new(self.source_bytes(source, st));
                }
            }
            if slices.iter().all(|s| s.is_empty()) {
                return Ok(Flushed::Done);
            }
            let Some(mut n) = write_some(w, &slices)? else {
                return Ok(Flushed::Blocked);
            };
            // Split `n` over the sources in order; the one it ends in may be cut mid-frame.
            let mut taken = [0usize; 3];
            let mut partial = None;
            for ((slice, (source, _)), taken) in slices.iter().zip(sources).zip(&mut taken) {
                *taken = n.min(slice.len());
                n -= *taken;
                let rest = frame_rest(slice, *taken);
                if rest > 0 {
                    partial = Some((source, rest));
                }
            }
            self.partial = partial;
            for ((source, _), taken) in sources.into_iter().zip(taken) {
                self.mark_written(source, taken, st);
            }
        }
    }

    fn source_bytes<'a>(&'a self, source: Source, st: &'a PeerState) -> &'a [u8] {
        match source {
            Source::Ctl => &self.ctl[self.ctl_start..self.ctl_end],
            Source::Drain => st.drain.as_ref().map_or(&[], TxWindow::unsent),
            Source::Window => st.window.unsent(),
        }
    }

    fn mark_written(&mut self, source: Source, n: usize, st: &mut PeerState) {
        if n == 0 {
            return;
        }
        match source {
            Source::Ctl => {
                self.ctl_start += n;
                if self.ctl_start == self.ctl_end {
                    self.ctl_start = 0;
                    self.ctl_end = 0;
                }
            }
            Source::Drain => {
                if let Some(drain) = st.drain.as_mut() {
                    drain.mark_written(n);
                }
            }
            Source::Window => st.window.mark_written(n),
        }
    }
}

/// One `writev`: `Some(bytes written)`, or `None` when the socket would block.
fn write_some<W: Write>(w: &mut W, slices: &[IoSlice<'_>]) -> io::Result<Option<usize>> {
    loop {
        return match w.write_vectored(slices) {
            Ok(0) => Err(io::ErrorKind::WriteZero.into()),
            Ok(n) => Ok(Some(n)),
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => Ok(None),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => Err(e),
        };
    }
}

/// `frames` are whole frames back to back and their first `written` bytes went out: how
/// many bytes of the frame that write ended in remain (0 when it ended on a boundary).
fn frame_rest(frames: &[u8], written: usize) -> usize {
    let mut end = 0;
    while end < written {
        let Some(prefix) = frames
            .get(end..)
            .and_then(|b| b.first_chunk::<LEN_PREFIX>())
        else {
            return 0;
        };
        end += LEN_PREFIX + u32::from_le_bytes(*prefix) as usize;
    }
    end - written
}
