//! Counters a client exposes: what its listener delivered, dropped or refused, and the
//! best-effort messages its senders dropped.

use std::sync::atomic::Ordering;

use crate::client::Client;

/// A snapshot of a client's counters since it was created.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stats {
    /// Messages handed to the receive callback.
    pub delivered: u64,
    /// Messages received again after a reconnect and dropped as already delivered.
    pub duplicates: u64,
    /// Messages for a topic this client no longer listens on (acked, not delivered).
    pub dropped_unknown_topic: u64,
    /// Inbound connections closed for a protocol error or a refused handshake.
    pub rejected_connections: u64,
    /// Receive callback calls that panicked.
    pub callback_panics: u64,
    /// Best-effort messages dropped because their peer was unreachable or its window full.
    pub best_effort_dropped: u64,
}

impl Client {
    /// The client's counters.
    pub fn stats(&self) -> Stats {
        let listener = &self.shared.listener_stats;
        let mut peers = Vec::new();
        self.shared.registry.snapshot(&mut peers);
        Stats {
            delivered: listener.delivered.load(Ordering::Relaxed),
            duplicates: listener.duplicates.load(Ordering::Relaxed),
            dropped_unknown_topic: listener.dropped.load(Ordering::Relaxed),
            rejected_connections: listener.rejected.load(Ordering::Relaxed),
            callback_panics: listener.callback_panics.load(Ordering::Relaxed),
            best_effort_dropped: peers.iter().map(|p| p.lock().dropped_best_effort).sum(),
        }
    }
}
