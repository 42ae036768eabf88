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
    /// Messages for a topic key this client does not know: not acknowledged, the
    /// connection closes so the sender keeps them and sends them again.
    pub unknown_topic: u64,
    /// Inbound connections closed for a protocol error or a refused handshake.
    pub rejected_connections: u64,
    /// Receive callback calls that panicked (each also counts in `refused`).
    pub callback_panics: u64,
    /// Messages the receive callback refused (`Err(Redeliver)`, a panic, a non-zero C
    /// return): not acknowledged, delivered again later.
    pub refused: u64,
    /// At-least-once messages `stop` could neither deliver nor park in Redis within
    /// `Config::stop_timeout` (lost, and reported).
    pub abandoned: u64,
    /// Best-effort messages dropped because their peer was unreachable or its window full.
    pub best_effort_dropped: u64,
    /// Parked messages this client dropped on purpose: its queue limits, and the retention
    /// sweeps it ran (only with `retention_drops_parked`).
    pub parked_dropped: u64,
    /// Channels the retention sweeps of this client removed.
    pub channels_removed: u64,
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
            unknown_topic: listener.unknown_topic.load(Ordering::Relaxed),
            rejected_connections: listener.rejected.load(Ordering::Relaxed),
            callback_panics: listener.callback_panics.load(Ordering::Relaxed),
            refused: listener.refused.load(Ordering::Relaxed),
            abandoned: self.shared.abandoned.load(Ordering::Relaxed),
            parked_dropped: self.shared.parked_dropped.load(Ordering::Relaxed),
            channels_removed: self.shared.channels_removed.load(Ordering::Relaxed),
            best_effort_dropped: peers.iter().map(|p| p.lock().dropped_best_effort).sum(),
        }
    }
}
