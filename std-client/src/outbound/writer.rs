//! The outgoing byte stream of one connection: small control frames (Hello, Ping, Pong,
//! Bye) queued here, then the peer's drain window, then its main window, written with as
//! few syscalls as possible.
//!
//! The peer lock is not held across the write syscall (on loopback a `write` also runs the
//! receiver's TCP processing, tens of microseconds that callers of `send_to` would wait
//! for). Each round copies the next bytes of all three sources, up to [`STAGE_MAX`], into
//! a staging buffer under the lock, writes the copy without it, and marks what went under
//! the lock again. Meanwhile other threads only append to the windows (or compact them,
//! which moves bytes but keeps the unsent ones in order), so the unsent bytes still start
//! with exactly what was copied; every step that drops or rewinds frames runs on the sender
//! thread itself, never during its write. While it writes, or while a frame is cut, the
//! peer state says the stream is `busy` so that no caller writes to the socket directly
//! (see `direct`); a frame a caller's direct write cut is finished here first.
//!
//! The stream must never be cut mid-frame, yet the windows may stop being writable at any
//! time (a spill starts, the drain refills). So the writer remembers which source a partly
//! written frame came from and how many of its bytes remain, finishes that frame first, and
//! only then picks the next source. Finding the frame boundary after a short write walks
//! the length prefixes of the frames just written (no per-frame bookkeeping elsewhere).

use std::io::{self, Write};

use liner_core::ack::TxWindow;
use liner_core::frame::{Frame, LEN_PREFIX, MAX_HEADER_LEN, encode};

use crate::peer::{OutPeer, PeerState};

/// Room for a Hello of maximal size, or many small control frames.
const CTL_CAP: usize = LEN_PREFIX + MAX_HEADER_LEN;

/// Most bytes one write round copies out (and hands to one `write`).
pub(super) const STAGE_MAX: usize = 256 << 10;

/// Sources in the order their bytes go out.
const SOURCES: [Source; 3] = [Source::Ctl, Source::Drain, Source::Window];

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
    /// Takes the peer lock only around the copies and the bookkeeping (see the module
    /// docs); `stage` is the reusable staging buffer. When `data`, records in the peer
    /// state whether the sender thread still has bytes to write (`wake_pending`), in the
    /// same critical section that found out, so a caller's push cannot slip in between.
    pub fn flush<W: Write>(
        &mut self,
        w: &mut W,
        peer: &OutPeer,
        data: bool,
        stage: &mut Vec<u8>,
    ) -> io::Result<Flushed> {
        loop {
            let mut st = peer.lock();
            if st.stream.cut > 0 {
                // A caller's direct write cut a window frame (only possible while idle).
                self.partial = Some((Source::Window, std::mem::take(&mut st.stream.cut)));
            }
            let Some(copied) = self.stage(&st, data, stage)? else {
                if data {
                    st.wake_pending = false;
                }
                st.stream.busy = false;
                return Ok(Flushed::Done);
            };
            st.stream.busy = true;
            drop(st);
            let written = write_some(w, stage);
            let mut st = peer.lock();
            let written = written.inspect_err(|_| st.stream.busy = false)?;
            match written {
                Some(n) => self.commit(&mut st, copied, n),
                None => {
                    if data {
                        st.wake_pending = true;
                    }
                    st.stream.busy = self.partial.is_some();
                    return Ok(Flushed::Blocked);
                }
            }
            st.stream.busy = self.partial.is_some();
        }
    }

    /// Copies the next bytes to write into `stage`: the rest of a partly written frame, or
    /// else every writable source in order, up to [`STAGE_MAX`] in all. Returns how many
    /// bytes came from each source, `None` when there is nothing to write.
    fn stage(
        &self,
        st: &PeerState,
        data: bool,
        stage: &mut Vec<u8>,
    ) -> io::Result<Option<[usize; 3]>> {
        stage.clear();
        let mut copied = [0usize; 3];
        let writable = [true, data, data && st.direct()];
        for ((source, on), copied) in SOURCES.into_iter().zip(writable).zip(&mut copied) {
            let bytes = match self.partial {
                Some((partial, remaining)) if partial == source => {
                    let Some(bytes) = self.source_bytes(source, st).get(..remaining) else {
                        // Someone dropped frame bytes the peer already got the start of.
                        return Err(io::Error::other("a partly written frame vanished"));
                    };
                    bytes
                }
                // A cut frame is finished before anything else goes out.
                Some(_) => continue,
                None if on => self.source_bytes(source, st),
                None => continue,
            };
            *copied = bytes.len().min(STAGE_MAX - stage.len());
            stage.extend_from_slice(&bytes[..*copied]);
        }
        Ok((!stage.is_empty()).then_some(copied))
    }

    /// Marks the first `n` staged bytes written, source by source, and remembers the
    /// frame the write ended in if it was cut. The sources' unsent bytes still start with
    /// what was staged (see the module docs), so frame boundaries are found in them.
    fn commit(&mut self, st: &mut PeerState, copied: [usize; 3], mut n: usize) {
        let finishing = self.partial.take();
        for (source, copied) in SOURCES.into_iter().zip(copied) {
            let taken = n.min(copied);
            n -= taken;
            let rest = match finishing {
                Some((partial, remaining)) if partial == source => remaining - taken,
                _ => frame_rest(self.source_bytes(source, st), taken),
            };
            if rest > 0 {
                self.partial = Some((source, rest));
            }
            self.mark_written(source, taken, st);
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

/// One `write`: `Some(bytes written)`, or `None` when the socket would block.
fn write_some<W: Write>(w: &mut W, bytes: &[u8]) -> io::Result<Option<usize>> {
    loop {
        return match w.write(bytes) {
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
