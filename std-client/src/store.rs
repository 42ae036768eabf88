//! Redis store: liner's shared phone book (topic → TCP addresses), key allocation, listener
//! cursors, the durable offline queues of at-least-once frames, and peer events over Pub/Sub.
//!
//! A [`Store`] owns one blocking connection with connect/read/write timeouts and is used from
//! one thread at a time (`&mut self`); open one per thread with [`Store::try_clone`]. After
//! Redis restarts, operations that are safe to repeat reconnect and retry once by themselves;
//! the others (trimming a queue) report [`StoreError::ConnectionLost`] so the caller decides.
//! The key layout lives in [`keys`]; events use their own connection, see [`EventSubscriber`].

#[macro_use]
mod lua;
mod backlog;
mod catalog;
#[cfg(feature = "cluster")]
mod cluster;
mod conn;
mod cursor;
mod durability;
mod endpoint;
mod error;
mod events;
mod key_alloc;
pub mod keys;
mod link;
mod liveness;
mod peers;
mod redact;
mod retention;
mod scan;
#[cfg(feature = "sentinel")]
mod sentinel;
mod subscriber;
mod target;
mod tls;

pub use backlog::PeerBacklog;
pub use catalog::ListenerHint;
pub use durability::ParkDurability;
pub use endpoint::StoreTimeouts;
pub use error::{SpillError, StoreError};
pub use events::{PeerEvent, PeerEventKind};
pub use liveness::{Heartbeat, RowLiveness, TopicLiveness};
pub use peers::PeerInfo;
pub use subscriber::{EventNote, EventSubscriber};
pub use tls::CA_FILE_ENV;

use std::time::Duration;

use durability::{Durability, DurabilityError};
use keys::Layout;
use link::Link;
use target::Target;

/// One connection to the Redis store; see the module docs.
pub struct Store {
    link: Link,
    /// Key names for the deployment `link` reaches.
    keys: Layout,
    /// Reused to build `RPUSH` commands so spilling does not allocate per frame.
    push: redis::Cmd,
    /// When parked chunks and seq reservations count as safe.
    durability: Durability,
    /// The queue whose last pushed chunk replicas did not confirm: the next push checks
    /// its tail rather than pushing the chunk twice.
    unconfirmed: Option<String>,
}

impl Store {
    /// Connects to `url` and checks the server is Redis 6.2 or newer.
    ///
    /// Accepts `redis://[user:password@]host[:port][/db]`, the same with `rediss://` for TLS
    /// (trusting the CA file named by [`CA_FILE_ENV`] if set, else the system's trust store)
    /// and unix sockets (`redis+unix:///path/redis.sock`, `unix:///path/redis.sock?db=N`).
    /// A Redis Cluster is named by one or more of its nodes, separated by commas
    /// (`redis://10.0.0.1:7000,redis://10.0.0.2:7000`); a single URL of a cluster node works
    /// too, since the server says it is one. A master watched by Redis Sentinel is named by
    /// its sentinels and name: `redis+sentinel://[user:password@]h1:26379,h2:26379/name[/db]`. Fails within `timeouts.connect` (plus DNS) per
    /// listed server when they are down.
    pub fn connect(url: &str, timeouts: StoreTimeouts) -> Result<Self, StoreError> {
        Self::connect_with_ca_file(url, timeouts, None)
    }

    /// [`Store::connect`], trusting the CA certificates (PEM) in `ca_file` for a `rediss://`
    /// URL; `None` falls back to [`CA_FILE_ENV`]. Ignored for other URLs.
    pub fn connect_with_ca_file(
        url: &str,
        timeouts: StoreTimeouts,
        ca_file: Option<&std::path::Path>,
    ) -> Result<Self, StoreError> {
        let (target, con) = Target::discover(url, timeouts, ca_file)?;
        Ok(Self::with_link(Link::new(target, Some(con))))
    }

    fn with_link(link: Link) -> Self {
        Self {
            keys: link.target().layout(),
            link,
            push: redis::Cmd::new(),
            durability: Durability::default(),
            unconfirmed: None,
        }
    }

    /// Opens another connection to the same deployment with the same settings (for another
    /// thread).
    pub fn try_clone(&self) -> Result<Self, StoreError> {
        let target = self.link.target().clone();
        let con = target.connect()?;
        Ok(Self {
            durability: self.durability,
            ..Self::with_link(Link::new(target, Some(con)))
        })
    }

    /// Sets how many replicas must confirm parked frames and seq reservations, and how long
    /// to wait for them (see [`ParkDurability`]; the default is `Auto` with 1 s).
    pub fn set_park_durability(&mut self, policy: ParkDurability, timeout: Duration) {
        self.durability = Durability { policy, timeout };
    }

    /// How many replicas must confirm writes to `key` (see [`Durability::replicas_wanted`]).
    fn replicas_wanted(&mut self, key: &str) -> Result<u32, StoreError> {
        let durability = self.durability;
        self.link
            .idempotent(|con| durability.replicas_wanted(con, key))
    }

    /// Has `wanted` replicas confirm every write so far (the last to `key`).
    fn confirm_durable(&mut self, key: &str, wanted: u32) -> Result<(), StoreError> {
        if wanted == 0 {
            return Ok(());
        }
        let durability = self.durability;
        let con = self.link.connection()?;
        match durability.confirm(con, key, wanted) {
            Ok(()) => Ok(()),
            Err(DurabilityError::Short(err)) => Err(err),
            Err(DurabilityError::Redis(err)) => Err(self.link.fail(&err)),
        }
    }

    /// How keys are named on this deployment (standalone or cluster, see [`keys`]).
    pub fn layout(&self) -> Layout {
        self.keys
    }

    /// Checks the server answers (reconnecting once if the kept connection broke).
    pub fn ping(&mut self) -> Result<(), StoreError> {
        self.link
            .idempotent(|con| redis::cmd("PING").query::<String>(con))
            .map(drop)
    }

    /// The logical database selected by the URL.
    pub fn db(&self) -> i64 {
        self.link.target().db()
    }

    /// A subscriber for peer events on its own connection (connected on first use).
    pub fn event_subscriber(&self) -> EventSubscriber {
        EventSubscriber::new(self.link.target().clone())
    }
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("addr", &self.link.target().primary().addr().to_string())
            .field("layout", &self.keys)
            .field("db", &self.db())
            .finish_non_exhaustive()
    }
}
