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
mod cursor;
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
mod subscriber;
mod tls;

pub use backlog::PeerBacklog;
pub use catalog::ListenerHint;
pub use endpoint::StoreTimeouts;
pub use error::{SpillError, StoreError};
pub use events::{PeerEvent, PeerEventKind};
pub use liveness::{Heartbeat, RowLiveness, TopicLiveness};
pub use peers::PeerInfo;
pub use subscriber::{EventNote, EventSubscriber};
pub use tls::CA_FILE_ENV;

use endpoint::Endpoint;
use link::Link;

/// One connection to the Redis store; see the module docs.
pub struct Store {
    link: Link,
    /// Reused to build `RPUSH` commands so spilling does not allocate per frame.
    push: redis::Cmd,
}

impl Store {
    /// Connects to `url` and checks the server is Redis 6.2 or newer.
    ///
    /// Accepts `redis://[user:password@]host[:port][/db]`, the same with `rediss://` for TLS
    /// (trusting the CA file named by [`CA_FILE_ENV`] if set, else the system's trust store)
    /// and unix sockets (`redis+unix:///path/redis.sock`, `unix:///path/redis.sock?db=N`).
    /// Fails within `timeouts.connect` (plus DNS) when the server is down.
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
        Self::open(Endpoint::parse(url, timeouts, ca_file)?)
    }

    fn open(endpoint: Endpoint) -> Result<Self, StoreError> {
        let mut link = Link::new(endpoint);
        link.connection()?;
        Ok(Self {
            link,
            push: redis::Cmd::new(),
        })
    }

    /// Opens another connection to the same server with the same settings (for another thread).
    pub fn try_clone(&self) -> Result<Self, StoreError> {
        Self::open(self.link.endpoint().clone())
    }

    /// Checks the server answers (reconnecting once if the kept connection broke).
    pub fn ping(&mut self) -> Result<(), StoreError> {
        self.link
            .idempotent(|con| redis::cmd("PING").query::<String>(con))
            .map(drop)
    }

    /// The logical database selected by the URL.
    pub fn db(&self) -> i64 {
        self.link.endpoint().db()
    }

    /// A subscriber for peer events on its own connection (connected on first use).
    pub fn event_subscriber(&self) -> EventSubscriber {
        EventSubscriber::new(self.link.endpoint().clone())
    }
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("addr", &self.link.endpoint().addr().to_string())
            .field("db", &self.db())
            .finish_non_exhaustive()
    }
}
