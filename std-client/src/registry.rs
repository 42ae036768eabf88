//! The sender's view of the mesh: outbound peers by unique name, and routes from a
//! destination topic to listener addresses (liner-core `RouteTable`, round-robin).
//!
//! The `RouteTable` is the source of truth for which addresses serve a topic and whose turn
//! it is. On top of it each followed topic has one `Dest` entry, rebuilt whenever its
//! routes are replaced: the topic's wire key and its addresses already resolved to peers.
//! A send finds that entry with one short scan (topics are few and compared by length
//! first), so it costs one mutex, no hashing and one `Arc` clone.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, RwLock};

use liner_core::route::RouteTable;

use crate::error::Error;
use crate::peer::OutPeer;

/// Most destination topics one client sends to.
pub const MAX_ROUTE_TOPICS: usize = 64;
/// Most listener addresses per destination topic.
pub const MAX_ADDRS_PER_TOPIC: usize = 32;

/// The peers of one `send_all`, collected without allocating.
pub(crate) type PeerSet = heapless::Vec<Arc<OutPeer>, MAX_ADDRS_PER_TOPIC>;

/// One followed destination topic, derived from the route table (see the module docs).
struct Dest {
    topic: String,
    key: u64,
    /// The peer behind each of the topic's addresses.
    peers: heapless::Vec<(SocketAddr, Arc<OutPeer>), MAX_ADDRS_PER_TOPIC>,
}

struct Routes {
    table: RouteTable<MAX_ROUTE_TOPICS, MAX_ADDRS_PER_TOPIC>,
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
            routes: Mutex::new(Box::new(Routes {
                table: RouteTable::new(),
                dests: Vec::new(),
            })),
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
    /// for each in turn and delivered when it comes back.
    pub fn pick(&self, topic: &str) -> Result<(Arc<OutPeer>, u64), Error> {
        let mut routes = self.routes();
        let Routes { table, dests } = &mut **routes;
        let dest = dests
            .iter()
            .find(|d| d.topic == topic)
            .ok_or_else(|| Error::NoAddr(topic.to_string()))?;
        let mut first = None;
        for _ in 0..dest.peers.len() {
            let Some(addr) = table.next(topic) else {
                break;
            };
            let Some((_, peer)) = dest.peers.iter().find(|(a, _)| *a == addr) else {
                continue;
            };
            if !peer.is_dead() {
                return Ok((peer.clone(), dest.key));
            }
            first.get_or_insert_with(|| (peer.clone(), dest.key));
        }
        first.ok_or_else(|| Error::NoAddr(topic.to_string()))
    }

    /// Every peer of `topic` and the topic's wire key.
    pub fn all(&self, topic: &str) -> Result<(PeerSet, u64), Error> {
        let routes = self.routes();
        let dest = routes.dest(topic)?;
        let mut set = PeerSet::new();
        for (_, peer) in &dest.peers {
            // Both hold at most MAX_ADDRS_PER_TOPIC peers, so this cannot overflow.
            let _ = set.push(peer.clone());
        }
        if set.is_empty() {
            return Err(Error::NoAddr(topic.to_string()));
        }
        Ok((set, dest.key))
    }

    /// Replaces the routes of `topic` with `rows` (the catalog's current content).
    pub fn set_routes(&self, topic: &str, key: u64, rows: &[RouteRow]) -> Result<(), Error> {
        let mut routes = self.routes();
        let routes = &mut **routes;
        routes
            .table
            .replace(topic, rows.iter().map(|r| r.addr))
            .map_err(|e| Error::InvalidArg(format!("routes of '{topic}': {e}")))?;
        let mut peers = heapless::Vec::new();
        for row in rows {
            row.peer.lock().addr = Some(row.addr);
            // An address serves one listener: other topics routed to it follow along.
            for dest in &mut routes.dests {
                for (addr, peer) in &mut dest.peers {
                    if *addr == row.addr {
                        *peer = row.peer.clone();
                    }
                }
            }
            if !peers.iter().any(|(addr, _)| *addr == row.addr) {
                // The table accepted these rows, so they fit.
                let _ = peers.push((row.addr, row.peer.clone()));
            }
        }
        let dest = Dest {
            topic: topic.to_string(),
            key,
            peers,
        };
        match routes.dests.iter_mut().find(|d| d.topic == topic) {
            Some(old) => *old = dest,
            None => routes.dests.push(dest),
        }
        Ok(())
    }

    /// The peers `topic` routes to, with their addresses.
    pub fn peers_of(&self, topic: &str) -> Vec<(SocketAddr, Arc<OutPeer>)> {
        self.routes()
            .dest(topic)
            .map(|d| d.peers.iter().cloned().collect())
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
