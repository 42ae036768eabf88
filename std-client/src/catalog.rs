//! The client's side of the catalog: registering the topics it listens on, and turning a
//! topic's catalog rows into routes and outbound peers (allocating connection keys and
//! restoring each peer's backlog length and sequence numbers from Redis).
//!
//! Every catalog row a sender loads is also remembered as a reconnect hint (address →
//! topic and listener name). The hints outlive the rows: a listener that stopped cleanly
//! took its rows with it, and an at-least-once send to its topic is then routed to the
//! listeners the hints name ([`route_to_remembered`]), so the messages park until it is
//! back, as in liner 1.4. A listener that unsubscribes is forgotten for that topic.

use std::net::{SocketAddr, ToSocketAddrs};
use std::sync::Arc;
use std::sync::atomic::Ordering;

use crate::error::Error;
use crate::jobs::Job;
use crate::log::log;
use crate::names::check_topic;
use crate::peer::{OutPeer, SEQ_BLOCK};
use crate::registry::RouteRow;
use crate::shared::Shared;
use crate::status::StatusKind;
use crate::store::{PeerEvent, PeerEventKind, Store};

/// Resolves a catalog address (`ip:port` or `host:port`).
pub(crate) fn resolve(addr: &str) -> Option<SocketAddr> {
    addr.parse()
        .ok()
        .or_else(|| addr.to_socket_addrs().ok()?.next())
}

/// Announces a change of one of this client's catalog rows to the other peers.
pub(crate) fn announce(shared: &Shared, store: &mut Store, kind: PeerEventKind, topic: &str) {
    let Some(addr) = shared.published_addr() else {
        return;
    };
    announce_row(shared, store, kind, topic, &addr.to_string());
}

/// Announces a change of this client's catalog row `addr` of `topic`.
fn announce_row(shared: &Shared, store: &mut Store, kind: PeerEventKind, topic: &str, addr: &str) {
    let event = PeerEvent {
        kind,
        topic: topic.to_string(),
        addr: addr.to_string(),
        unique_name: shared.unique_name.clone(),
    };
    if let Err(e) = store.publish_event(&event) {
        log!("announcing {} of '{topic}' failed: {e}", kind.as_str());
    }
}

/// Learns the wire key of a topic this client listens on, so its listener can deliver
/// frames for it.
fn load_own_key(shared: &Shared, store: &mut Store, topic: &str) -> Result<(), Error> {
    let key = store.topic_key(topic)?;
    shared
        .own_topics
        .write()
        .unwrap_or_else(|p| p.into_inner())
        .insert(key, topic);
    Ok(())
}

/// Learns the keys of every topic this client listens on (before its listener starts).
pub(crate) fn load_own_keys(shared: &Shared, store: &mut Store) -> Result<(), Error> {
    for topic in shared.listening_topics() {
        load_own_key(shared, store, &topic)?;
    }
    Ok(())
}

/// Registers one topic this client listens on: its key and its catalog row.
pub(crate) fn register_topic(shared: &Shared, store: &mut Store, topic: &str) -> Result<(), Error> {
    load_own_key(shared, store, topic)?;
    if let Some(addr) = shared.published_addr() {
        let addr = addr.to_string();
        store.register(
            topic,
            &addr,
            &shared.unique_name,
            shared.config.liveness_ttl,
        )?;
        // Unique names are unique: another row under our name is left over by an earlier
        // run of this client that did not stop cleanly, and would send peers to a dead port.
        for (stale, name) in store.addresses(topic)? {
            if name == shared.unique_name && stale != addr {
                store.unregister(topic, &stale)?;
            }
        }
    }
    Ok(())
}

/// Registers every topic this client listens on and announces it (at `run`, and again
/// when Redis came back empty). Every topic is tried; the first failure is returned.
pub(crate) fn register_all(shared: &Shared, store: &mut Store) -> Result<(), Error> {
    let mut first_error = None;
    for topic in shared.listening_topics() {
        match register_topic(shared, store, &topic) {
            Ok(()) => announce(shared, store, PeerEventKind::Connected, &topic),
            Err(e) => {
                let message = format!("registering '{topic}' failed: {e}");
                log!("{message}");
                shared.report(StatusKind::ListenerStoreError, &topic, "", &message);
                first_error.get_or_insert(e);
            }
        }
    }
    first_error.map_or(Ok(()), Err)
}

/// After Redis came back (maybe without its data): puts back the topic and connection keys
/// this client still uses (so numbering cannot collide) and has the worker re-read each
/// peer's backlog length (what Redis lost is gone; frames still in memory are kept and
/// sent).
pub(crate) fn restore_after_data_loss(shared: &Shared, store: &mut Store) {
    let own = shared
        .own_topics
        .read()
        .unwrap_or_else(|p| p.into_inner())
        .pairs();
    let followed = shared.registry.topic_keys();
    let own = own.iter().map(|(key, topic)| (*key, &**topic));
    for (key, topic) in own.chain(followed.iter().map(|(t, k)| (*k, t.as_str()))) {
        let name = store.layout().topic_key(topic);
        if let Err(e) = store.restore_key(&name, key) {
            log!("restoring the key of '{topic}' failed: {e}");
        }
    }
    // Connection keys of senders reaching us: their names live with the senders, but the
    // counter must not hand these numbers out again.
    let highest = shared.highest_inbound_key.load(Ordering::Relaxed);
    if highest > 0
        && let Err(e) = store.lift_key_counter(highest)
    {
        log!("lifting the key counter failed: {e}");
    }
    let mut peers = Vec::new();
    shared.registry.snapshot(&mut peers);
    for peer in peers {
        let name = store
            .layout()
            .connection_key(&shared.unique_name, &shared.topic, &peer.name);
        if let Err(e) = store.restore_key(&name, peer.ck) {
            log!("restoring connection key of {} failed: {e}", peer.name);
        }
        // The worker owns the list and its mirror counters: it re-reads the length in
        // order with its own pushes and trims.
        shared.jobs.push(Job::Resync(peer.id));
    }
}

/// Removes this client's catalog rows and announces it (at `stop`). Gives up at the first
/// failure: Redis is down, and `stop` must not wait a Redis timeout per topic.
pub(crate) fn unregister_all(shared: &Shared, store: &mut Store) {
    let Some(addr) = shared.published_addr() else {
        return;
    };
    for topic in shared.listening_topics() {
        if let Err(e) = store.unregister(&topic, &addr.to_string()) {
            log!("unregistering '{topic}' failed: {e}; its row stays until its liveness expires");
            return;
        }
        announce(shared, store, PeerEventKind::Disconnected, &topic);
    }
    if let Err(e) = store.release_name(&shared.unique_name, &addr.to_string()) {
        log!("releasing the unique name failed: {e}; it is free once its liveness expires");
    }
}

/// Removes this client's rows from the catalog of `topic` and announces each one
/// (`unsubscribe`). Every row under this client's unique name is its own: the published
/// address, or one left by an earlier run that did not stop cleanly (unique names are
/// unique), so a restarted process can clear it without having subscribed.
pub(crate) fn unregister_topic(
    shared: &Shared,
    store: &mut Store,
    topic: &str,
) -> Result<(), Error> {
    for (addr, name) in store.addresses(topic)? {
        if name == shared.unique_name {
            store.unregister(topic, &addr)?;
            announce_row(shared, store, PeerEventKind::Unsubscribed, topic, &addr);
        }
    }
    Ok(())
}

/// Loads the catalog rows of `topic` into routes, creating peers for new listeners.
/// Returns how many addresses the topic has (0 is not an error here: the topic's routes
/// are then empty, and a later row or event fills them). The topic name is checked here,
/// so every topic with routes is valid (sends rely on that and skip the check).
pub(crate) fn refresh_topic(
    shared: &Shared,
    store: &mut Store,
    topic: &str,
) -> Result<usize, Error> {
    check_topic(topic)?;
    let key = store.topic_key(topic)?;
    let mut rows = Vec::new();
    let mut left_out = 0usize;
    for (addr_text, name) in store.addresses(topic)? {
        if name == shared.unique_name {
            continue;
        }
        let Some(addr) = resolve(&addr_text) else {
            log!("catalog row '{addr_text}' of '{topic}' is not an address; skipped");
            continue;
        };
        if !within_limits(shared, &rows, &name) {
            left_out += 1;
            continue;
        }
        let peer = peer_named(shared, store, &name)?;
        store.remember_listener(&shared.unique_name, &shared.topic, &addr_text, topic, &name)?;
        rows.push(RouteRow { addr, peer });
    }
    let had_routes = shared.registry.knows_topic(topic);
    let max_topics = shared.config.max_route_topics;
    if shared
        .registry
        .set_routes(topic, key, &rows, left_out > 0, max_topics)?
    {
        let message = format!(
            "{} listeners, routing to the first {} (Config::max_listeners_per_topic {}, \
             max_peers {})",
            rows.len() + left_out,
            rows.len(),
            shared.config.max_listeners_per_topic,
            shared.config.max_peers
        );
        log!("topic '{topic}': {message}");
        shared.report(StatusKind::RoutesTruncated, topic, "", &message);
    }
    if rows.is_empty() && had_routes {
        shared.report(StatusKind::SenderRouteLost, topic, "", "no address left");
    }
    for row in &rows {
        row.peer.lock().connect_now = true;
    }
    shared.wake_sender();
    Ok(rows.len())
}

/// Routes `topic` to the listeners this sender's hints remember for it, one route per
/// listener; for an at-least-once send to a topic whose catalog is empty. The listeners are
/// away, so frames for them park in Redis until they are back and announce it. Returns
/// how many listeners the topic is routed to now (0: none remembered, routes unchanged).
pub(crate) fn route_to_remembered(
    shared: &Shared,
    store: &mut Store,
    topic: &str,
) -> Result<usize, Error> {
    let mut rows: Vec<RouteRow> = Vec::new();
    for hint in store.listeners_of(&shared.unique_name, &shared.topic)? {
        // A topic-only hint (older format) cannot name the channel to park on.
        let Some(name) = hint.listener.filter(|_| hint.topic == topic) else {
            continue;
        };
        // A listener restarted on other ports left one hint per address; one is enough.
        if name == shared.unique_name || rows.iter().any(|row| row.peer.name == name) {
            continue;
        }
        let Some(addr) = resolve(&hint.addr) else {
            continue;
        };
        if !within_limits(shared, &rows, &name) {
            continue;
        }
        // The address may serve another listener by now (a port reused): keep its route.
        if shared
            .registry
            .peer_at(addr)
            .is_some_and(|peer| peer.name != name)
        {
            continue;
        }
        let peer = peer_named(shared, store, &name)?;
        rows.push(RouteRow { addr, peer });
    }
    if !rows.is_empty() {
        let key = store.topic_key(topic)?;
        let max_topics = shared.config.max_route_topics;
        shared
            .registry
            .set_routes(topic, key, &rows, false, max_topics)?;
        shared.wake_sender();
    }
    Ok(rows.len())
}

/// Whether listener `name` may join `rows`: the topic is below
/// `Config::max_listeners_per_topic` and a peer for it exists or fits under `max_peers`.
fn within_limits(shared: &Shared, rows: &[RouteRow], name: &str) -> bool {
    let config = &shared.config;
    rows.len() < config.max_listeners_per_topic
        && shared.registry.has_room_for(name, config.max_peers)
}

/// The outbound peer of listener `name`, created on first use.
fn peer_named(shared: &Shared, store: &mut Store, name: &str) -> Result<Arc<OutPeer>, Error> {
    match shared.registry.peer_named(name) {
        Some(peer) => Ok(peer),
        None => new_peer(shared, store, name),
    }
}

/// Creates the outbound peer of listener `name`, resuming its numbering and backlog.
fn new_peer(shared: &Shared, store: &mut Store, name: &str) -> Result<Arc<OutPeer>, Error> {
    let ck = store.connection_key(&shared.unique_name, &shared.topic, name)?;
    let backlog = store.backlog_len(ck)?;
    let own_tail = store.load_last_seq(ck)?;
    let cursor = store.load_cursor(ck)?;
    let next_seq = liner_core::ack::resume_next_seq(own_tail, cursor);
    // Reserved before the first one is used: whatever happens to this process, its
    // successor numbers above every seq it could have sent.
    let reserved = next_seq.saturating_sub(1).saturating_add(SEQ_BLOCK);
    store.save_last_seq(ck, reserved)?;
    let config = &shared.config;
    shared.registry.add_peer(name, config.max_peers, |id| {
        let peer = OutPeer::new(
            id,
            name.to_string(),
            ck,
            config.window_bytes,
            next_seq,
            reserved,
        );
        peer.lock().redis_len = backlog;
        peer
    })
}
