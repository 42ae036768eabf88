//! A client's counters and gauges (`Client::stats`): what its listener delivered, dropped
//! or refused, what its senders dropped or gave up, and how many peers it knows.
//!
//! Counters only grow, from 0 when the client is created (also across `stop`/`run`);
//! gauges are the value at the time of the call. Reading them costs relaxed atomic loads
//! and one short lock per outbound peer; nothing is allocated, so the C API can read them
//! from any thread at any rate. docs/metrics.md lists them with their Prometheus names
//! (`metrics.rs`) and the C struct.

use std::sync::atomic::Ordering;

use crate::client::Client;
use crate::peer::{Link, PeerState};
use crate::shared::Shared;

/// A snapshot of a client's counters and gauges.
///
/// Fields may be added in later versions (appended; the C struct `lnr_stats_t` grows the
/// same way). Build one with `..Default::default()` if you construct it yourself.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stats {
    /// Counter: messages handed to the receive callback (and accepted by it).
    pub delivered: u64,
    /// Counter: messages received again after a reconnect and dropped as already delivered.
    pub duplicates: u64,
    /// Counter: messages for a topic key this client does not know: not acknowledged, the
    /// connection closes so the sender keeps them and sends them again.
    pub unknown_topic: u64,
    /// Counter: inbound connections closed for a protocol error or a refused handshake.
    pub rejected_connections: u64,
    /// Counter: receive callback calls that panicked (each also counts in `refused`).
    pub callback_panics: u64,
    /// Counter: messages the receive callback refused (`Err(Redeliver)`, a panic, a
    /// non-zero C return): not acknowledged, delivered again later.
    pub refused: u64,
    /// Counter: at-least-once messages `stop` could neither deliver nor park in Redis
    /// within `Config::stop_timeout` (lost, and reported).
    pub abandoned: u64,
    /// Counter: best-effort messages dropped because their peer was unreachable or its
    /// window full.
    pub best_effort_dropped: u64,
    /// Counter: parked messages this client dropped on purpose: its queue limits, and the
    /// retention sweeps it ran (only with `retention_drops_parked`).
    pub parked_dropped: u64,
    /// Counter: channels the retention sweeps of this client removed.
    pub channels_removed: u64,
    /// Gauge: listeners this client has sent to since it was created (outbound peers,
    /// connected or not; a peer is never forgotten while the client lives).
    pub peers_known: u64,
    /// Gauge: outbound peers with an established connection (handshake done) right now.
    pub peers_connected: u64,
    /// Gauge: topics this client listens on: its own topic plus its subscriptions.
    pub listening_topics: u64,
}

impl Client {
    /// The client's counters and gauges (see [`Stats`] for what each one counts).
    /// Allocation-free; callable from any thread, also while stopped.
    pub fn stats(&self) -> Stats {
        self.shared.stats()
    }
}

impl Shared {
    /// `Client::stats`; also published with each heartbeat (`liveness`).
    pub fn stats(&self) -> Stats {
        let listener = &self.listener_stats;
        let mut senders = SenderCounts::default();
        // Peers are only ever appended, so ids 0..count stay valid; iterating by id avoids
        // the allocation of a snapshot.
        for id in 0..self.registry.count() {
            senders.add(&self.registry.peer(id).lock());
        }
        // A poisoned lock still holds a valid list.
        let listening = self.listening.lock().unwrap_or_else(|p| p.into_inner());
        let listening_topics = listening.len() as u64;
        drop(listening);
        Stats {
            delivered: listener.delivered.load(Ordering::Relaxed),
            duplicates: listener.duplicates.load(Ordering::Relaxed),
            unknown_topic: listener.unknown_topic.load(Ordering::Relaxed),
            rejected_connections: listener.rejected.load(Ordering::Relaxed),
            callback_panics: listener.callback_panics.load(Ordering::Relaxed),
            refused: listener.refused.load(Ordering::Relaxed),
            abandoned: self.abandoned.load(Ordering::Relaxed),
            best_effort_dropped: senders.best_effort_dropped,
            parked_dropped: self.parked_dropped.load(Ordering::Relaxed),
            channels_removed: self.channels_removed.load(Ordering::Relaxed),
            peers_known: senders.known,
            peers_connected: senders.connected,
            listening_topics,
        }
    }
}

/// What the outbound peers add up to.
#[derive(Default)]
struct SenderCounts {
    known: u64,
    connected: u64,
    best_effort_dropped: u64,
}

impl SenderCounts {
    fn add(&mut self, peer: &PeerState) {
        self.known += 1;
        self.connected += u64::from(peer.link == Link::Connected);
        self.best_effort_dropped += peer.dropped_best_effort;
    }
}
