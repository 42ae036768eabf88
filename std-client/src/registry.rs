//! The sender's view of the mesh: outbound peers by unique name, and routes from a
//! destination topic to the listeners serving it (round-robin for `send_to`, all of them
//! for `send_all`).
//!
//! Each followed topic has one `Dest`: its wire key and its (address, peer) pairs in the
//! catalog's order, rebuilt whenever the topic's routes are replaced. The pairs are an
//! `Arc<[_]>`, so `send_all` takes them with one reference count and no copy; a send finds
//! its `Dest` with one short scan of the followed topics, under one mutex, with no hashing
//! and no allocation. How many topics and listeners per topic are followed is bounded by
//! `Config::max_route_topics` and `Config::max_listeners_per_topic` (the catalog refresh
//! routes to the first listeners and reports the rest, see `catalog::refresh_topic`).

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, RwLock};

use crate::error::Error;
use crate::peer::OutPeer;

/// The listeners of one destination topic: address and peer, in catalog order.
pub(crate) type PeerSet = Arc<[(SocketAddr, Arc<OutPeer>)]>;

/// One followed destination topic (see the module docs).
struct Dest {
    topic: String,
    key: u64,
    peers: PeerSet,
    /// Index in `peers` that `pick` tries next; always `< peers.len()` (0 when empty).
    cursor: usize,
    /// The catalog had more listeners than were routed to (reported once, see `set_routes`).
    truncated: bool,
}

impl Dest {
    /// Installs a new set; the address that was due next stays due next if it is still
    /// present, so a refresh returning the same set in another order does not skew the
    /// rotation.
    fn set_peers(&mut self, peers: PeerSet) {
        let due = self.peers.get(self.cursor).map(|(addr, _)| *addr);
        let at = due.and_then(|due| peers.iter().position(|(addr, _)| *addr == due));
        self.cursor = at.unwrap_or(self.cursor % peers.len().max(1));
        self.peers = peers;
    }
}

struct Routes {
    /// Every topic whose routes were loaded, possibly with no address.
    dests: Vec<Dest>,
}

impl Routes {
    fn dest(&self, topic: &str) -> Result<&Dest, Error> {
        self.dests
            .iter()
            .find(|d| d.topic == topic)
            .ok_or_else(|| Error::NoAddr(topic.to_string()))
    }
}

/// One row of the catalog resolved to a peer.
pub(crate) struct RouteRow {
    pub addr: SocketAddr,
    pub peer: Arc<OutPeer>,
}

/// Peers and routes of one client.
pub(crate) struct Registry {
    routes: Mutex<Box<Routes>>,
    peers: RwLock<Vec<Arc<OutPeer>>>,
    by_name: Mutex<HashMap<String, usize>>,
}

impl Registry {
    pub fn new() -> Self {
        Registry {
            routes: Mutex::new(Box::new(Routes { dests: Vec::new() })),
            peers: RwLock::new(Vec::new()),
            by_name: Mutex::new(HashMap::new()),
        }
    }

    fn routes(&self) -> std::sync::MutexGuard<'_, Box<Routes>> {
        self.routes.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Whether the topic's routes were loaded at least once (possibly empty).
    pub fn knows_topic(&self, topic: &str) -> bool {
        self.routes().dest(topic).is_ok()
    }

    /// Next peer for `topic` (round-robin) and the topic's wire key. Listeners known to be
    /// dead (connection failed, liveness expired) are skipped while a live one exists; when
    /// all are dead the rotation goes on over them, so at-least-once messages are parked
    /// for each in turn and delivered when it comes back. The peer is borrowed from the
    /// registry, which keeps every peer it ever made (see [`Registry::keep`]), so the send
    /// path takes no reference count.
    pub fn pick(&self, topic: &str) -> Result<(&OutPeer, u64), Error> {
        let mut routes = self.routes();
        let dest = routes
            .dests
            .iter_mut()
            .find(|d| d.topic == topic)
            .ok_or_else(|| Error::NoAddr(topic.to_string()))?;
        let count = dest.peers.len();
        let mut first = None;
        for _ in 0..count {
            let at = dest.cursor;
            dest.cursor = if at + 1 < count { at + 1 } else { 0 };
            let peer = &dest.peers[at].1;
            if !peer.is_dead() {
                return Ok((self.keep(peer), dest.key));
            }
            first.get_or_insert(at);
        }
        first
            .map(|at| (self.keep(&dest.peers[at].1), dest.key))
            .ok_or_else(|| Error::NoAddr(topic.to_string()))
    }

    /// Borrows a routed peer for as long as the registry lives, beyond the routes lock.
    fn keep(&self, peer: &Arc<OutPeer>) -> &OutPeer {
        // SAFETY: every peer a route holds was made by `add_peer`, which also put a clone of
        // its `Arc` in `self.peers`; nothing ever removes one from there (ids index it), so
        // the `OutPeer` stays allocated and in place for as long as `self` is borrowed.
        unsafe { &*Arc::as_ptr(peer) }
    }

    /// Every peer of `topic` and the topic's wire key.
    pub fn all(&self, topic: &str) -> Result<(PeerSet, u64), Error> {
        let routes = self.routes();
        let dest = routes.dest(topic)?;
        if dest.peers.is_empty() {
            return Err(Error::NoAddr(topic.to_string()));
        }
        Ok((dest.peers.clone(), dest.key))
    }

    /// Replaces the routes of `topic` with `rows` (the catalog's current content; an
    /// address given twice counts once). `truncated`: the catalog had more listeners than
    /// `rows` holds. Returns true when that is new for this topic (report it once). A topic
    /// beyond `max_topics` is refused.
    pub fn set_routes(
        &self,
        topic: &str,
        key: u64,
        rows: &[RouteRow],
        truncated: bool,
        max_topics: usize,
    ) -> Result<bool, Error> {
        let mut routes = self.routes();
        let routes = &mut **routes;
        let mut pairs: Vec<(SocketAddr, Arc<OutPeer>)> = Vec::with_capacity(rows.len());
        for row in rows {
            row.peer.lock().addr = Some(row.addr);
            if !pairs.iter().any(|(addr, _)| *addr == row.addr) {
                pairs.push((row.addr, row.peer.clone()));
            }
        }
        // An address serves one listener: other topics routed to it follow along.
        for dest in routes.dests.iter_mut().filter(|d| d.topic != topic) {
            let moved = |(addr, peer): &(SocketAddr, Arc<OutPeer>)| {
                pairs
                    .iter()
                    .any(|(a, p)| a == addr && !Arc::ptr_eq(p, peer))
            };
            if dest.peers.iter().any(moved) {
                let updated: Vec<_> = dest
                    .peers
                    .iter()
                    .map(|(addr, peer)| {
                        let now = pairs.iter().find(|(a, _)| a == addr);
                        (*addr, now.map_or(peer, |(_, p)| p).clone())
                    })
                    .collect();
                dest.peers = updated.into();
            }
        }
        let peers: PeerSet = pairs.into();
        let followed = routes.dests.len();
        match routes.dests.iter_mut().find(|d| d.topic == topic) {
            Some(dest) => {
                dest.key = key;
                dest.set_peers(peers);
                let newly = truncated && !dest.truncated;
                dest.truncated = truncated;
                Ok(newly)
            }
            None if followed >= max_topics => Err(Error::InvalidArg(format!(
                "cannot send to '{topic}': already {max_topics} destination topics \
                 (Config::max_route_topics)"
            ))),
            None => {
                routes.dests.push(Dest {
                    topic: topic.to_string(),
                    key,
                    peers,
                    cursor: 0,
                    truncated,
                });
                Ok(truncated)
            }
        }
    }

    /// Whether a peer for listener `name` exists or may still be created under `max_peers`.
    pub fn has_room_for(&self, name: &str, max_peers: usize) -> bool {
        let known = self
            .by_name
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .contains_key(name);
        known || self.count() < max_peers
    }

    /// The peers `topic` routes to, with their addresses.
    pub fn peers_of(&self, topic: &str) -> Vec<(SocketAddr, Arc<OutPeer>)> {
        self.routes()
            .dest(topic)
            .map(|d| d.peers.to_vec())
            .unwrap_or_default()
    }

    /// A followed topic routed to the peer with index `id`, if any (status reports name it).
    pub fn topic_of(&self, id: usize) -> Option<String> {
        self.routes()
            .dests
            .iter()
            .find(|d| d.peers.iter().any(|(_, p)| p.id == id))
            .map(|d| d.topic.clone())
    }

    /// Followed topics with their wire keys.
    pub fn topic_keys(&self) -> Vec<(String, u64)> {
        let routes = self.routes();
        routes
            .dests
            .iter()
            .map(|d| (d.topic.clone(), d.key))
            .collect()
    }

    /// The peer with this index.
    pub fn peer(&self, id: usize) -> Arc<OutPeer> {
        self.peers.read().unwrap_or_else(|p| p.into_inner())[id].clone()
    }

    /// The peer a followed topic routes `addr` to, if any.
    pub fn peer_at(&self, addr: SocketAddr) -> Option<Arc<OutPeer>> {
        self.routes()
            .dests
            .iter()
            .flat_map(|d| d.peers.iter())
            .find(|(a, _)| *a == addr)
            .map(|(_, peer)| peer.clone())
    }

    /// The peer for a listener name, if known.
    pub fn peer_named(&self, name: &str) -> Option<Arc<OutPeer>> {
        let id = *self
            .by_name
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(name)?;
        Some(self.peer(id))
    }

    /// Adds a peer built by `make(id)` unless one with that name exists; returns it.
    pub fn add_peer(
        &self,
        name: &str,
        max_peers: usize,
        make: impl FnOnce(usize) -> OutPeer,
    ) -> Result<Arc<OutPeer>, Error> {
        let mut by_name = self.by_name.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(&id) = by_name.get(name) {
            return Ok(self.peer(id));
        }
        let mut peers = self.peers.write().unwrap_or_else(|p| p.into_inner());
        if peers.len() >= max_peers {
            return Err(Error::InvalidArg(format!(
                "peer limit reached ({max_peers}); raise Config::max_peers"
            )));
        }
        let peer = Arc::new(make(peers.len()));
        peers.push(peer.clone());
        by_name.insert(name.to_string(), peer.id);
        Ok(peer)
    }

    /// A snapshot of all peers (for the sender thread's scans and for `stop`).
    pub fn snapshot(&self, into: &mut Vec<Arc<OutPeer>>) {
        into.clear();
        into.extend(
            self.peers
                .read()
                .unwrap_or_else(|p| p.into_inner())
                .iter()
                .cloned(),
        );
    }

    /// Number of peers (ids are `0..count`).
    pub fn count(&self) -> usize {
        self.peers.read().unwrap_or_else(|p| p.into_inner()).len()
    }
}
