//! The sender's view of the mesh: outbound peers by unique name, and routes from a
//! destination topic to listener addresses (liner-core `RouteTable`, round-robin) and from
//! an address to its peer.

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

struct Routes {
    table: RouteTable<MAX_ROUTE_TOPICS, MAX_ADDRS_PER_TOPIC>,
    /// Wire key of each destination topic.
    topic_keys: HashMap<String, u64>,
    addr_peer: HashMap<SocketAddr, usize>,
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
                topic_keys: HashMap::new(),
                addr_peer: HashMap::new(),
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
        self.routes().topic_keys.contains_key(topic)
    }

    /// Next peer for `topic` (round-robin) and the topic's wire key.
    pub fn pick(&self, topic: &str) -> Result<(Arc<OutPeer>, u64), Error> {
        let mut routes = self.routes();
        let key = *routes
            .topic_keys
            .get(topic)
            .ok_or_else(|| Error::NoAddr(topic.to_string()))?;
        let addr = routes
            .table
            .next(topic)
            .ok_or_else(|| Error::NoAddr(topic.to_string()))?;
        let id = routes.addr_peer[&addr];
        drop(routes);
        Ok((self.peer(id), key))
    }

    /// Every peer of `topic` and the topic's wire key.
    pub fn all(&self, topic: &str) -> Result<(PeerSet, u64), Error> {
        let routes = self.routes();
        let key = *routes
            .topic_keys
            .get(topic)
            .ok_or_else(|| Error::NoAddr(topic.to_string()))?;
        let peers = self.peers.read().unwrap_or_else(|p| p.into_inner());
        let mut set = PeerSet::new();
        for addr in routes.table.addrs(topic) {
            // Capacity equals the table's per-topic capacity, so this cannot overflow.
            let _ = set.push(peers[routes.addr_peer[&addr]].clone());
        }
        if set.is_empty() {
            return Err(Error::NoAddr(topic.to_string()));
        }
        Ok((set, key))
    }

    /// Replaces the routes of `topic` with `rows` (the catalog's current content).
    pub fn set_routes(&self, topic: &str, key: u64, rows: &[RouteRow]) -> Result<(), Error> {
        let mut routes = self.routes();
        routes
            .table
            .replace(topic, rows.iter().map(|r| r.addr))
            .map_err(|e| Error::InvalidArg(format!("routes of '{topic}': {e}")))?;
        for row in rows {
            routes.addr_peer.insert(row.addr, row.peer.id);
            row.peer.lock().addr = Some(row.addr);
        }
        routes.topic_keys.insert(topic.to_string(), key);
        Ok(())
    }

    /// Topics whose routes are loaded (followed topics).
    pub fn topics(&self) -> Vec<String> {
        self.routes().topic_keys.keys().cloned().collect()
    }

    /// Followed topics with their wire keys.
    pub fn topic_keys(&self) -> Vec<(String, u64)> {
        let routes = self.routes();
        routes
            .topic_keys
            .iter()
            .map(|(t, k)| (t.clone(), *k))
            .collect()
    }

    /// The peer with this index.
    pub fn peer(&self, id: usize) -> Arc<OutPeer> {
        self.peers.read().unwrap_or_else(|p| p.into_inner())[id].clone()
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
