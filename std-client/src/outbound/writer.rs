//! The outgoing byte stream of one connection: small control frames (Hello, Ping, Pong,
//! Bye) queued here, then the peer's drain window, then its main window, written with as
//! few syscalls as possible: each source's unsent bytes in one `write`.
//!
//! The peer lock is not held across the write syscall (on loopback a `write` also runs the
//! receiver's TCP processing, tens of microseconds that callers of `send_to` would wait
//! for), and the bytes are not copied out first: each round takes, under the lock, where
//! the next bytes of all three sources are, pins the drain and main windows that hold them
//! (see `TxWindow::pin`: their unsent bytes stay put), writes the first non-empty region
//! without the lock, then unpins and marks what went under the lock again. (One `write`
//! per source rather than one vectored write for all: `writev` cannot suppress SIGPIPE,
//! which would kill a C host whose peer closed, while `write` on a socket is a `send` with
//! `MSG_NOSIGNAL`. Control frames and drain bytes rarely wait beside window bytes.)
//! Meanwhile other threads only append to the windows (after the last frame or, wrapping,
//! at the start of the buffer; a push that would have to move frames waits for the unpin
//! instead), so the unsent bytes still start with exactly what was
//! handed to the write; every step that drops, rewinds or replaces frames runs on the
//! sender thread itself, never during its write (or, for the store worker's spill, only
//! while the window is not writable, see `PeerState::direct`). While it writes, or while a
//! frame is cut, the peer state says the stream is `busy` so that no caller writes to the
//! socket directly (see `direct`); a frame a caller's direct write cut is finished here
//! first.
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
    /// Takes the peer lock only to find the bytes and for the bookkeeping (see the module
    /// docs). When `data`, records in the peer state whether the sender thread still has
    /// bytes to write (`wake_pending`), in the same critical section that found out, so a
    /// caller's push cannot slip in between.
    pub fn flush<W: Write>(
        &mut self,
        w: &mut W,
        peer: &OutPeer,
        data: bool,
    ) -> io::Result<Flushed> {
        loop {
            let mut st = peer.lock();
            if st.stream.cut > 0 {
                // A caller's direct write cut a window frame (only possible while idle).
                self.partial = Some((Source::Window, std::mem::take(&mut st.stream.cut)));
            }
            let Some(regions) = self.next_regions(&st, data)? else {
                if data {
                    st.wake_pending = false;
                }
                st.stream.busy = false;
                return Ok(Flushed::Done);
            };
            st.stream.busy = true;
            set_pinned(&mut st, regions, true);
            drop(st);
            let written = self.write_regions(w, regions);
            let mut st = peer.lock();
            set_pinned(&mut st, regions, false);
            peer.notify_room(&st);
            let written = written.inspect_err(|_| st.stream.busy = false)?;
            let lens = regions.map(|region| region.len);
            match written {
                Some(n) => self.commit(&mut st, lens, n),
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

    /// Where the next bytes to write are: the rest of a partly written frame, or else every
    /// writable source in order. `None` when there is nothing to write.
    fn next_regions(&self, st: &PeerState, data: bool) -> io::Result<Option<[Region; 3]>> {
        let mut regions = [Region::EMPTY; 3];
        let writable = [true, data, data && st.direct()];
        for ((source, on), region) in SOURCES.into_iter().zip(writable).zip(&mut regions) {
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
            *region = Region {
                start: bytes.as_ptr(),
                len: bytes.len(),
            };
        }
        Ok(regions.iter().any(|r| r.len > 0).then_some(regions))
    }

    /// One `write` of the first non-empty region (without the peer lock).
    fn write_regions<W: Write>(
        &self,
        w: &mut W,
        regions: [Region; 3],
    ) -> io::Result<Option<usize>> {
        let [ctl, drain, window] = regions;
        // SAFETY: `ctl` points into `self.ctl`, which this `&self` borrow keeps unchanged.
        // `drain` and `window` point at the unsent bytes of the peer's drain and main windows,
        // found under the peer lock and pinned there before it was released: until they are
        // unpinned (after this call, under the lock) nothing moves, overwrites or frees those
        // bytes — other threads only append after them, and every step that would rewind,
        // clear or replace a window runs on this thread (module docs, `TxWindow::pin`).
        let slices = unsafe { [ctl.bytes(), drain.bytes(), window.bytes()] };
        let first = slices.into_iter().find(|bytes| !bytes.is_empty());
        write_some(w, first.unwrap_or_default())
    }

    /// Marks the first `n` bytes of the regions (of `lens` bytes each) written, source by
    /// source, and remembers the frame the write ended in if it was cut. The sources'
    /// unsent bytes still start with what was written (see the module docs), so frame
    /// boundaries are found in them.
    fn commit(&mut self, st: &mut PeerState, lens: [usize; 3], mut n: usize) {
        let finishing = self.partial.take();
        for (source, len) in SOURCES.into_iter().zip(lens) {
            let taken = n.min(len);
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

/// Bytes of one source handed to a write: a raw region because the peer lock that guards
/// them is released during the write (see `Writer::write_regions`).
#[derive(Clone, Copy)]
struct Region {
    start: *const u8,
    len: usize,
}

impl Region {
    const EMPTY: Region = Region {
        start: std::ptr::NonNull::dangling().as_ptr(),
        len: 0,
    };

    /// # Safety
    /// The `len` bytes at `start` must stay allocated and unchanged while the slice lives.
    unsafe fn bytes<'a>(self) -> &'a [u8] {
        // SAFETY: upheld by the caller; `start` is non-null and aligned (u8), also when empty.
        unsafe { std::slice::from_raw_parts(self.start, self.len) }
    }
}

/// Pins (or unpins) the windows whose bytes `regions` hands to a write.
fn set_pinned(st: &mut PeerState, regions: [Region; 3], pinned: bool) {
    let [_, drain, window] = regions;
    let set = |w: &mut TxWindow<Vec<u8>>| if pinned { w.pin() } else { w.unpin() };
    if drain.len > 0
        && let Some(d) = st.drain.as_mut()
    {
        set(d);
    }
    if window.len > 0 {
        set(&mut st.window);
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
