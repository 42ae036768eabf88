//! The client's side of the catalog: registering the topics it listens on, and turning a
//! topic's catalog rows into routes and outbound peers (allocating connection keys and
//! restoring each peer's backlog length and sequence numbers from Redis).

use std::net::{SocketAddr, ToSocketAddrs};
use std::sync::atomic::Ordering;

use crate::error::Error;
use crate::log::log;
use crate::peer::OutPeer;
use crate::registry::RouteRow;
use crate::shared::Shared;
use crate::status::StatusKind;
use crate::store::{PeerEvent, PeerEventKind, Store, keys};

/// Resolves a catalog address (`ip:port` or `host:port`).
pub(crate) fn resolve(addr: &str) -> Option<SocketAddr> {
    addr.parse()
        .ok()
        .or_else(|| addr.to_socket_addrs().ok()?.next())
}

/// Announces a change of one of this client's catalog rows to the other peers.
pub(crate) fn announce(shared: &Shared, store: &mut Store, kind: PeerEventKind, topic: &str) {
    let Some(addr) = *shared.published.read().unwrap_or_else(|p| p.into_inner()) else {
        return;
    };
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
    if let Some(addr) = *shared.published.read().unwrap_or_else(|p| p.into_inner()) {
        let addr = addr.to_string();
        store.register(topic, &addr, &shared.unique_name)?;
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

/// After Redis came back without its data: puts back the topic and connection keys this
/// client still uses (so numbering cannot collide) and re-reads each peer's backlog length
/// (what Redis held is gone; frames still in memory are kept and sent).
pub(crate) fn restore_after_data_loss(shared: &Shared, store: &mut Store) {
    let own = shared
        .own_topics
        .read()
        .unwrap_or_else(|p| p.into_inner())
        .pairs();
    let followed = shared.registry.topic_keys();
    let own = own.iter().map(|(key, topic)| (*key, &**topic));
    for (key, topic) in own.chain(followed.iter().map(|(t, k)| (*k, t.as_str()))) {
        if let Err(e) = store.restore_key(&keys::topic_key(topic), key) {
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
        let name = keys::connection_key(&shared.unique_name, &shared.topic, &peer.name);
        if let Err(e) = store.restore_key(&name, peer.ck) {
            log!("restoring connection key of {} failed: {e}", peer.name);
        }
        if let Ok(len) = store.backlog_len(peer.ck) {
            let mut st = peer.lock();
            if len < st.redis_len {
                st.redis_len = len;
                st.redis_read = st.redis_read.min(len);
            }
        }
    }
}

/// Removes this client's catalog rows and announces it (at `stop`).
pub(crate) fn unregister_all(shared: &Shared, store: &mut Store) {
    let Some(addr) = *shared.published.read().unwrap_or_else(|p| p.into_inner()) else {
        return;
    };
    for topic in shared.listening_topics() {
        if let Err(e) = store.unregister(&topic, &addr.to_string()) {
            log!("unregistering '{topic}' failed: {e}");
        }
        announce(shared, store, PeerEventKind::Disconnected, &topic);
    }
}

/// Loads the catalog rows of `topic` into routes, creating peers for new listeners.
/// Returns how many addresses the topic has.
pub(crate) fn refresh_topic(
    shared: &Shared,
    store: &mut Store,
    topic: &str,
) -> Result<usize, Error> {
    let key = store.topic_key(topic)?;
    let mut rows = Vec::new();
    for (addr_text, name) in store.addresses(topic)? {
        if name == shared.unique_name {
            continue;
        }
        let Some(addr) = resolve(&addr_text) else {
            log!("catalog row '{addr_text}' of '{topic}' is not an address; skipped");
            continue;
        };
        let peer = match shared.registry.peer_named(&name) {
            Some(peer) => peer,
            None => new_peer(shared, store, &name)?,
        };
        store.remember_listener(&shared.unique_name, &shared.topic, &addr_text, topic)?;
        rows.push(RouteRow { addr, peer });
    }
    let had_routes = shared.registry.knows_topic(topic);
    shared.registry.set_routes(topic, key, &rows)?;
    if rows.is_empty() && had_routes {
        shared.report(StatusKind::SenderRouteLost, topic, "", "no address left");
    }
    for row in &rows {
        row.peer.lock().connect_now = true;
    }
    shared.wake_sender();
    Ok(rows.len())
}

/// Creates the outbound peer of listener `name`, resuming its numbering and backlog.
fn new_peer(
    shared: &Shared,
    store: &mut Store,
    name: &str,
) -> Result<std::sync::Arc<OutPeer>, Error> {
    let ck = store.connection_key(&shared.unique_name, &shared.topic, name)?;
    let backlog = store.backlog_len(ck)?;
    let own_tail = store.load_last_seq(ck)?;
    let cursor = store.load_cursor(ck)?;
    let next_seq = liner_core::ack::resume_next_seq(own_tail, cursor);
    let config = &shared.config;
    shared.registry.add_peer(name, config.max_peers, |id| {
        let peer = OutPeer::new(id, name.to_string(), ck, config.window_bytes, next_seq);
        peer.lock().redis_len = backlog;
        peer
    })
}
