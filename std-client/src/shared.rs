//! State shared by a client's API handle and its threads: identity, configuration, peers
//! and routes, own topics, the job queue, wake-ups and the status sink.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};

use crate::config::Config;
use crate::jobs::{Job, JobQueue};
use crate::registry::Registry;
use crate::status::{StatusKind, StatusSink};

/// Token of the sender thread's waker.
pub(crate) const OUT_WAKE: mio::Token = mio::Token(usize::MAX);
/// Token of the listener thread's waker.
pub(crate) const IN_WAKE: mio::Token = mio::Token(usize::MAX - 1);

/// Topics this client listens on (its own and subscribed ones), by wire key.
#[derive(Default)]
pub(crate) struct OwnTopics {
    by_key: HashMap<u64, Arc<str>>,
}

impl OwnTopics {
    pub fn insert(&mut self, key: u64, topic: &str) {
        self.by_key.insert(key, Arc::from(topic));
    }

    /// Every (key, topic) pair, lowest key first.
    pub fn pairs(&self) -> Vec<(u64, Arc<str>)> {
        let mut pairs: Vec<_> = self.by_key.iter().map(|(k, t)| (*k, t.clone())).collect();
        pairs.sort_unstable_by_key(|(k, _)| *k);
        pairs
    }

    /// Name of a topic key this client listens (or listened) on.
    pub fn name(&self, key: u64) -> Option<&Arc<str>> {
        self.by_key.get(&key)
    }
}

/// Listener cursors waiting to be persisted by the store worker (latest value wins).
#[derive(Default)]
pub(crate) struct DirtyCursors {
    pending: Mutex<(HashMap<u64, u64>, bool)>,
}

impl DirtyCursors {
    /// Records `cursor` for `ck` (the highest value wins, so putting back a cursor whose
    /// write failed never hides a newer one); queues one persist job per batch of updates.
    pub fn mark(&self, jobs: &JobQueue, ck: u64, cursor: u64) {
        let mut pending = self.pending.lock().unwrap_or_else(|p| p.into_inner());
        let entry = pending.0.entry(ck).or_insert(cursor);
        *entry = (*entry).max(cursor);
        if !pending.1 {
            pending.1 = true;
            jobs.push(Job::PersistCursors);
        }
    }

    /// Moves the pending cursors into `into` (reused buffer).
    pub fn take(&self, into: &mut Vec<(u64, u64)>) {
        let mut pending = self.pending.lock().unwrap_or_else(|p| p.into_inner());
        into.clear();
        into.extend(pending.0.drain());
        pending.1 = false;
    }
}

/// Everything a client's threads share.
pub(crate) struct Shared {
    pub config: Config,
    pub unique_name: String,
    pub topic: String,
    pub status: StatusSink,
    pub jobs: JobQueue,
    pub registry: Registry,
    pub own_topics: RwLock<OwnTopics>,
    pub cursors: DirtyCursors,
    /// Wakes the sender thread (valid across runs: its `Poll` lives in the client).
    pub out_waker: mio::Waker,
    /// Wakes the listener thread.
    pub in_waker: mio::Waker,
    /// Cleared by `stop`; every thread exits soon after.
    pub running: AtomicBool,
    /// The address published in the catalog while running.
    pub published: RwLock<Option<SocketAddr>>,
    /// Highest connection key a sender used to reach this listener; after Redis lost its
    /// data the key counter is lifted above it so no new channel reuses a key in use.
    pub highest_inbound_key: AtomicU64,
    /// Topics this client listens on: its own first, then subscriptions.
    pub listening: Mutex<Vec<String>>,
    /// Counters of the listener thread (delivered, duplicates, dropped …).
    pub listener_stats: crate::inbound::ListenerStats,
    /// At-least-once frames given up at `stop` (neither delivered nor parked).
    pub abandoned: AtomicU64,
    /// Parked messages dropped on purpose (queue limits, retention).
    pub parked_dropped: AtomicU64,
    /// Channels removed by this client's retention sweeps.
    pub channels_removed: AtomicU64,
    /// Between `run` and `stop` (see `liveness`): whether the heartbeat may write.
    pub present: Mutex<bool>,
}

impl Shared {
    pub fn is_running(&self) -> bool {
        self.running.load(Ordering::Acquire)
    }

    /// Wakes the sender thread; a failed wake only delays I/O to the next timer tick.
    pub fn wake_sender(&self) {
        let _ = self.out_waker.wake();
    }

    /// A copy of the topics this client listens on.
    pub fn listening_topics(&self) -> Vec<String> {
        self.listening
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// The address published in the catalog, while running.
    pub fn published_addr(&self) -> Option<SocketAddr> {
        *self.published.read().unwrap_or_else(|p| p.into_inner())
    }

    pub fn wake_listener(&self) {
        let _ = self.in_waker.wake();
    }

    pub fn report(&self, kind: StatusKind, topic: &str, peer: &str, message: &str) {
        self.status.report(kind, topic, peer, message);
    }
}
