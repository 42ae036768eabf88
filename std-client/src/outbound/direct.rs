//! Writing a frame straight from the caller's thread when the connection is idle: on the
//! latency path this saves the hand-off to the sender thread (an eventfd write, a wake-up
//! and a context switch in each direction of a request/reply).
//!
//! The connected socket is shared through the peer state. A caller writes to it only under
//! the peer lock, and only when the frame it just pushed is the only unsent byte of the
//! window, the drain has nothing unsent, the sender thread is neither writing (it writes
//! without the lock) nor in the middle of a frame, and the last attempt on this peer was at
//! least [`IDLE_GAP`] ago. The last rule keeps bursts batched by the sender thread (one
//! syscall for many frames): after a pause only the first frame goes out directly, the next
//! ones wake the sender thread as before. The clock is read only once the cheap conditions
//! hold, which in a burst is about once per batch. Frames above [`DIRECT_MAX`] always go
//! through the sender thread: copying a big frame into the socket (on loopback the `write`
//! also runs the receiver's TCP processing) holds the caller up far longer than the
//! hand-off costs, while the sender thread does it in parallel with the caller's next
//! message (64 KiB messages: 50 K instead of 35 K msg/s). A short write leaves the rest of
//! the frame in `cut` for the sender thread to finish before anything else.

use std::io::Write;
use std::net::TcpStream;
use std::time::{Duration, Instant};

use crate::peer::PeerState;

/// Shortest pause before a frame may be written from the caller's thread.
const IDLE_GAP: Duration = Duration::from_micros(20);

/// Largest frame written from the caller's thread (module docs).
const DIRECT_MAX: usize = 16 * 1024;

/// The part of a peer's outgoing stream that callers may share.
#[derive(Default)]
pub(crate) struct SharedStream {
    /// A handle on the socket (a duplicate of the sender thread's descriptor, sharing its
    /// non-blocking mode) while the link is connected.
    pub socket: Option<TcpStream>,
    /// The sender thread is writing without the peer lock or has a frame partly written.
    pub busy: bool,
    /// Bytes of a window frame that a direct write left unwritten.
    pub cut: usize,
    /// Last time a caller considered writing directly.
    last_try: Option<Instant>,
}

impl SharedStream {
    /// The stream of a link that just came up on `socket`.
    pub fn connected(socket: TcpStream) -> Self {
        SharedStream {
            socket: Some(socket),
            ..SharedStream::default()
        }
    }
}

/// Tries to write the window's unsent bytes (the one frame just pushed) to the socket.
/// Returns true when nothing is left for the sender thread to do.
pub(crate) fn try_write(st: &mut PeerState) -> bool {
    let PeerState {
        stream,
        window,
        drain,
        ..
    } = st;
    let Some(socket) = stream.socket.as_ref() else {
        return false;
    };
    let bytes = window.unsent();
    let len = bytes.len();
    if len > DIRECT_MAX
        || stream.busy
        || stream.cut > 0
        || drain.as_ref().is_some_and(|d| !d.unsent().is_empty())
    {
        return false;
    }
    let now = Instant::now();
    let idle = stream
        .last_try
        .is_none_or(|t| now.duration_since(t) >= IDLE_GAP);
    stream.last_try = Some(now);
    if !idle {
        return false;
    }
    // On WouldBlock or an error the sender thread writes (and reports) as usual.
    let mut socket: &TcpStream = socket;
    let Ok(n) = socket.write(bytes) else {
        return false;
    };
    window.mark_written(n);
    stream.cut = len - n;
    n == len
}
