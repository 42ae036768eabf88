//! The bound the listener's growth must stay under during an attack, computed from its
//! `Config` (docs/chaos.md, "Hostile suite", states the same formula; the terms are those
//! of docs/operations.md, "What an inbound peer can cost a listener"):
//!
//! ```text
//! RSS growth <= max_handshakes × HANDSHAKE_BYTES                   connections in the handshake
//!             + 2 × large_budget            (attacks with frames above recv_buffer_bytes)
//!             + established × (recv_buffer_bytes + CONN_BYTES)      connections past it
//!             + SLACK                                                allocator, log, caches
//! descriptors <= max_handshakes + established + FD_SLACK
//! ```
//!
//! `large_budget` is `Config::large_frame_budget`, or twice the largest body
//! (`max_message_size + MAX_HEADER_LEN`) when that is 0. It counts twice: a large frame's
//! buffer grows by doubling, and glibc keeps the outgrown buffers (together less than the
//! final one) in its heap once its dynamic mmap threshold has risen — measured 13.3 MiB of
//! growth for an 8 MiB budget, 9.1 MiB with `MALLOC_MMAP_THRESHOLD_` fixed. `established`
//! counts the connections past the handshake the attack held at once, plus one for the
//! legitimate sender admitted during the attack. A listener that kept every slowloris
//! connection, sized a buffer from a declared length, or let large frames through beyond
//! the budget grows past it (and the descriptor bound catches handshakes kept beyond
//! `max_handshakes`).

use liner_broker::Config;
use liner_core::frame::MAX_HEADER_LEN;

use super::watch::mib;

/// Per connection in the handshake: its 426-byte buffer, the frames owed to it, its names
/// (docs/operations.md, "What an inbound peer can cost a listener": about 1.5 KiB).
pub const HANDSHAKE_BYTES: u64 = 1536;
/// Per connection past the handshake, besides its receive buffer.
pub const CONN_BYTES: u64 = 16 << 10;
/// Allocator slack, the library's log lines and caches.
pub const SLACK: u64 = 4 << 20;
/// Descriptors besides connections: a connection being accepted while another closes.
pub const FD_SLACK: u64 = 16;

/// The large-frame budget in force.
pub fn large_budget(c: &Config) -> u64 {
    match c.large_frame_budget {
        0 => 2 * (c.max_message_size + MAX_HEADER_LEN) as u64,
        budget => budget as u64,
    }
}

/// The bound for an attack that held `established` connections past the handshake at
/// once and sent large frames (`large`) or not.
#[derive(Debug, Clone)]
pub struct Bound {
    pub rss: u64,
    pub fds: u64,
    /// The formula with its numbers, for the report.
    pub formula: String,
}

pub fn bound(c: &Config, established: usize, large: bool) -> Bound {
    let established = established as u64 + 1;
    let handshakes = c.max_handshakes as u64 * HANDSHAKE_BYTES;
    let budget = if large { 2 * large_budget(c) } else { 0 };
    let conns = established * (c.recv_buffer_bytes as u64 + CONN_BYTES);
    let rss = handshakes + budget + conns + SLACK;
    let formula = format!(
        "{} handshakes × {} B + 2 × budget {} MiB + {established} conns × ({} + {}) KiB + slack {} MiB = {} MiB",
        c.max_handshakes,
        HANDSHAKE_BYTES,
        mib(budget / 2),
        c.recv_buffer_bytes >> 10,
        CONN_BYTES >> 10,
        mib(SLACK),
        mib(rss)
    );
    Bound {
        rss,
        fds: c.max_handshakes as u64 + established + FD_SLACK,
        formula,
    }
}
