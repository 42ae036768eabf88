//! This client's liveness and identity in Redis (layout in `store::liveness`): claiming
//! its unique name at `run` — at once from a predecessor that is gone — the heartbeat that
//! keeps its name and catalog rows alive, and, for the topics it sends to, telling live
//! listeners from dead ones and removing the rows of the dead.
//!
//! The heartbeat runs on the store worker every third of `Config::liveness_ttl`. Routes
//! are checked only for topics with a listener that is not connected, so a healthy mesh
//! costs one script per client per beat. The beat's last script, which writes the `seen`
//! time, also publishes the client's counters (`lnr_client:{unique}:stats`) for operators
//! (`liner peers`): a few hundred bytes, no extra round trip.

use std::net::SocketAddr;
use std::sync::MutexGuard;
use std::time::Instant;

use crate::catalog::{refresh_topic, register_all, resolve};
use crate::error::Error;
use crate::log::log;
use crate::outage::Outage;
use crate::peer::Link;
use crate::probe::{Probe, ProbeIdentity};
use crate::shared::Shared;
use crate::status::StatusKind;
use crate::store::{PeerEvent, PeerEventKind, Store, TopicLiveness};

/// Connection key of a Hello that only asks "is this unique name alive here?": the
/// listener answers with a Welcome and opens no channel. Key allocation starts at 1.
pub(crate) const IDENTITY_PROBE: u64 = 0;

/// Takes this client's unique name for `addr`. Another owner found in Redis is probed:
/// one that refuses connections, does not answer as this name or answers as another one
/// is gone and taken over at once; a live one makes `run` fail with `DuplicateName`.
pub(crate) fn claim_name(
    shared: &Shared,
    store: &mut Store,
    addr: SocketAddr,
) -> Result<(), Error> {
    let (me, ttl) = (addr.to_string(), shared.config.liveness_ttl);
    let Some(owner) = store.claim_name(&shared.unique_name, &me, ttl, None)? else {
        return Ok(());
    };
    if is_alive_at(shared, &owner) {
        return Err(Error::DuplicateName(shared.unique_name.clone(), owner));
    }
    log!(
        "unique name '{}' was held by {owner}, which does not answer as it: taking over",
        shared.unique_name
    );
    match store.claim_name(&shared.unique_name, &me, ttl, Some(&owner))? {
        None => Ok(()),
        Some(other) => Err(Error::DuplicateName(shared.unique_name.clone(), other)),
    }
}

/// Whether a liner client answering as this client's unique name listens at `addr`. A
/// connection that opens but stays silent counts as alive (a stalled process comes back),
/// and so does one that answers but fails authentication (a process with another secret
/// holds the address: starting a second one under its name would be worse).
fn is_alive_at(shared: &Shared, addr: &str) -> bool {
    let Some(target) = resolve(addr) else {
        return false;
    };
    let name = shared.unique_name.as_str();
    let who = ProbeIdentity {
        sender: name,
        sender_topic: &shared.topic,
        listener: name,
        connection_key: IDENTITY_PROBE,
    };
    let secret = shared.config.secret.as_ref();
    match Probe::open(target, who, secret, shared.config.connect_timeout) {
        Ok(_) => true,
        Err(e) => e.suggests_alive(),
    }
}

/// The heartbeat's schedule and what it found last.
pub(crate) struct Pulse {
    next: Instant,
    /// Another process took the unique name over: this one no longer refreshes it.
    superseded: bool,
    outage: Outage,
}

impl Pulse {
    pub fn new() -> Self {
        Pulse {
            next: Instant::now(),
            superseded: false,
            outage: Outage::new("the liveness heartbeat"),
        }
    }

    /// When the next beat is due.
    pub fn due(&self) -> Instant {
        self.next
    }

    /// Refreshes this client's liveness, then checks the listeners it sends to. Does
    /// nothing once `stop` began (its rows must not come back).
    pub fn beat(&mut self, shared: &Shared, store: &mut Store) {
        self.next = Instant::now() + shared.config.liveness_ttl / 3;
        let presence = shared.presence();
        if !*presence || self.superseded {
            return;
        }
        let Some(addr) = shared.published_addr() else {
            return;
        };
        let topics = shared.listening_topics();
        let ttl = shared.config.liveness_ttl;
        let stats = shared.stats();
        let beat = store.heartbeat_with_stats(
            &shared.unique_name,
            &addr.to_string(),
            &topics,
            ttl,
            Some(&stats),
        );
        match beat {
            Ok(beat) => {
                self.outage.end();
                if let Some(owner) = beat.taken_over_by {
                    self.superseded = true;
                    let message = format!(
                        "unique name '{}' was taken over by {owner} (this process looked \
                         dead); it no longer refreshes its catalog rows",
                        shared.unique_name
                    );
                    log!("{message}");
                    shared.report(StatusKind::ListenerStoreError, "", &owner, &message);
                } else if beat.rows_restored > 0 {
                    drop(presence);
                    // Rows removed while this process was stalled are back: say so.
                    let _ = register_all(shared, store);
                }
            }
            Err(error) => {
                if self.outage.begin(&error.to_string()) {
                    shared.report(StatusKind::ListenerStoreError, "", "", &error.to_string());
                }
                return;
            }
        }
        check_routes(shared, store);
    }
}

/// For each followed topic with a listener that is not connected: marks listeners dead
/// or alive from Redis, and removes (and announces) rows whose liveness expired.
fn check_routes(shared: &Shared, store: &mut Store) {
    for (topic, _) in shared.registry.topic_keys() {
        let peers = shared.registry.peers_of(&topic);
        if peers.iter().all(|(_, p)| p.lock().link == Link::Connected) {
            continue;
        }
        let live = match store.topic_liveness(&topic) {
            Ok(live) => live,
            Err(e) => {
                log!("reading the liveness of '{topic}': {e}");
                continue;
            }
        };
        for (addr, peer) in &peers {
            let alive = live.rows.iter().any(|row| {
                row.unique_name == peer.name
                    && resolve(&row.addr) == Some(*addr)
                    && row.is_live(live.now_ms)
            });
            let connected = peer.lock().link == Link::Connected;
            peer.set_dead(!alive && !connected);
        }
        if reap_expired(store, &topic, &live) > 0
            && let Err(e) = refresh_topic(shared, store, &topic)
        {
            log!("refreshing '{topic}' after removing dead rows: {e}");
        }
    }
}

/// Removes the expired rows of `topic` (a script re-checks each under Redis's clock) and
/// announces each removal; returns how many it removed.
fn reap_expired(store: &mut Store, topic: &str, live: &TopicLiveness) -> usize {
    let mut removed = 0;
    for row in live.rows.iter().filter(|r| !r.is_live(live.now_ms)) {
        match store.reap(topic, &row.addr, &row.unique_name) {
            Ok(true) => {
                removed += 1;
                log!(
                    "removed the catalog row {}@{} of '{topic}': its liveness expired",
                    row.unique_name,
                    row.addr
                );
                let event = PeerEvent {
                    kind: PeerEventKind::Expired,
                    topic: topic.to_string(),
                    addr: row.addr.clone(),
                    unique_name: row.unique_name.clone(),
                };
                if let Err(e) = store.publish_event(&event) {
                    log!("announcing the removal of {}: {e}", row.addr);
                }
            }
            Ok(false) => {}
            Err(e) => log!("removing the expired row {} of '{topic}': {e}", row.addr),
        }
    }
    removed
}

/// Marks the start of `stop`: the heartbeat must not write rows back after they were
/// withdrawn. Waits for a beat in flight.
pub(crate) fn leave(shared: &Shared) {
    *shared.presence() = false;
}

/// Marks the start of `run`: the heartbeat may run.
pub(crate) fn arrive(shared: &Shared) {
    *shared.presence() = true;
}

impl Shared {
    /// Whether the client is present (between `run` and `stop`); held by a heartbeat in
    /// flight so `stop` cannot withdraw rows that the beat then writes back.
    pub fn presence(&self) -> MutexGuard<'_, bool> {
        self.present.lock().unwrap_or_else(|p| p.into_inner())
    }
}
