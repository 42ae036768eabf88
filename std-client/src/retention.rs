//! This client's part in keeping Redis clean (the scripts are in `store::retention`): the
//! opt-in limits on what it parks for an absent listener (`Config::max_parked`,
//! `max_parked_age`), enforced by the store worker, which owns the parked lists; and the
//! periodic retention sweep of channels whose both ends are long gone, run on a thread of
//! its own by one client of the database at a time (a lock key with a TTL).
//!
//! Nothing is dropped silently: every drop is counted (`Stats::parked_dropped`, and
//! `lnr_connection:{ck}:dropped` for operators), logged and reported (`ParkedDropped`).

use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::log::log;
use crate::peer::{Link, OutPeer};
use crate::shared::Shared;
use crate::status::StatusKind;
use crate::store::Store;

/// Shortest and longest time between two sweeps of one client.
const SWEEP_MIN: Duration = Duration::from_secs(1);
const SWEEP_MAX: Duration = Duration::from_secs(3600);

/// Counts, logs and reports parked messages dropped on purpose.
fn dropped(shared: &Shared, peer: &str, n: u64, why: &str) {
    shared
        .parked_dropped
        .fetch_add(n, std::sync::atomic::Ordering::Relaxed);
    let message = format!("dropped {n} parked message(s) for {peer}: {why}");
    log!("{message}");
    shared.report(StatusKind::ParkedDropped, "", peer, &message);
}

/// After a spill: keeps at most `max_parked` frames in the peer's list, the oldest going
/// first. Only while the listener is away and nothing of the list is being sent (a list
/// being drained shrinks by itself). Runs on the worker, the only thread that changes the
/// list and `redis_len`, so the peer is not kept locked during the Redis call.
pub(crate) fn cap(shared: &Shared, store: &mut Store, peer: &OutPeer) {
    let max = shared.config.max_parked;
    let len = {
        let st = peer.lock();
        let draining = st.link == Link::Connected || st.redis_read > 0;
        if max == 0 || st.redis_len <= max || draining {
            return;
        }
        st.redis_len
    };
    match store.cap_backlog(peer.ck, len, max) {
        Ok(Some(n)) => {
            peer.lock().redis_len -= n;
            if n > 0 {
                dropped(
                    shared,
                    &peer.name,
                    n,
                    &format!("more than max_parked ({max})"),
                );
            }
        }
        // The list is not as long as counted: re-read it, the next spill caps again.
        Ok(None) => shared.jobs.push(crate::jobs::Job::Resync(peer.id)),
        Err(e) => log!("capping the backlog of {}: {e}", peer.name),
    }
}

/// After a spill with an age limit: records when frames up to `last_seq` were parked.
pub(crate) fn note_parked(shared: &Shared, store: &mut Store, peer: &OutPeer, last_seq: u64) {
    if shared.config.max_parked_age.is_zero() {
        return;
    }
    if let Err(e) = store.note_parked(peer.ck, last_seq) {
        log!("recording the parking time for {}: {e}", peer.name);
    }
}

/// Periodic duties of the store worker: the age limit on parked queues and starting the
/// retention sweep.
pub(crate) struct Housekeeping {
    next_sweep: Instant,
    sweeping: Option<JoinHandle<()>>,
}

impl Housekeeping {
    pub fn new(shared: &Shared) -> Self {
        Housekeeping {
            next_sweep: Instant::now() + sweep_interval(shared),
            sweeping: None,
        }
    }

    /// Runs what is due; called by the worker with each heartbeat.
    pub fn tick(&mut self, shared: &Arc<Shared>, store: &mut Store) {
        expire_parked(shared, store);
        if shared.config.retention.is_zero() || Instant::now() < self.next_sweep {
            return;
        }
        self.next_sweep = Instant::now() + sweep_interval(shared);
        if self.sweeping.as_ref().is_some_and(|t| !t.is_finished()) {
            return;
        }
        let Ok(store) = store.try_clone() else {
            return;
        };
        let shared = shared.clone();
        self.sweeping = std::thread::Builder::new()
            .name("liner-sweep".into())
            .spawn(move || sweep(&shared, store))
            .ok();
    }
}

fn sweep_interval(shared: &Shared) -> Duration {
    (shared.config.retention / 4).clamp(SWEEP_MIN, SWEEP_MAX)
}

/// Drops frames parked longer than `max_parked_age` for listeners that are away.
fn expire_parked(shared: &Shared, store: &mut Store) {
    let max_age = shared.config.max_parked_age;
    if max_age.is_zero() {
        return;
    }
    let mut peers = Vec::new();
    shared.registry.snapshot(&mut peers);
    for peer in peers {
        let away = {
            let st = peer.lock();
            st.redis_len > 0 && st.link != Link::Connected && st.redis_read == 0
        };
        if !away {
            continue;
        }
        match store.expire_backlog(peer.ck, max_age) {
            Ok(0) => {}
            Ok(n) => {
                let mut st = peer.lock();
                st.redis_len = st.redis_len.saturating_sub(n);
                drop(st);
                dropped(
                    shared,
                    &peer.name,
                    n,
                    &format!("older than max_parked_age ({max_age:?})"),
                );
            }
            Err(e) => log!("expiring the backlog of {}: {e}", peer.name),
        }
    }
}

/// One retention sweep, if no other client of the database runs one now.
fn sweep(shared: &Shared, mut store: Store) {
    // The lease outlives the sweep and is left to expire: one sweep per interval for the
    // whole database.
    if !matches!(
        store.take_sweep_lease(&shared.unique_name, sweep_interval(shared)),
        Ok(true)
    ) {
        return;
    }
    let config = &shared.config;
    match store.sweep(config.retention, config.retention_drops_parked) {
        Ok(report) => {
            let counters = &shared.channels_removed;
            counters.fetch_add(report.channels, std::sync::atomic::Ordering::Relaxed);
            if report.parked_dropped > 0 {
                dropped(
                    shared,
                    "",
                    report.parked_dropped,
                    "retention of gone channels",
                );
            }
            if report.channels + report.client_keys + report.dead_rows > 0 {
                log!(
                    "retention sweep: removed {} channel(s), {} key(s) of long-gone clients, \
                     {} dead catalog row(s); {} channel(s) kept for their parked messages",
                    report.channels,
                    report.client_keys,
                    report.dead_rows,
                    report.kept_for_parked
                );
            }
        }
        Err(e) => log!("retention sweep failed: {e}"),
    }
}
