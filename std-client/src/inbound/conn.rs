//! One inbound connection: its socket, receive buffer, handshake state, dedup cursor, the
//! control frames owed to the sender, the per-connection caches that keep delivery free of
//! locks and allocations, and the progress of the frame being received (min_frame_rate).

use std::net::IpAddr;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use liner_core::ack::{AckPolicy, RxCursor};
use liner_core::frame::MAX_NAME_LEN;
use liner_core::handshake::Acceptor;
use mio::net::TcpStream;

use super::large::RxBuf;
use super::outbox::Outbox;
use crate::config::Config;
use crate::shared::OwnTopics;

/// Where the connection stands.
pub(super) enum Phase {
    /// Accepted; the first frame must be a Hello before `deadline`.
    AwaitHello { deadline: Instant },
    /// Challenged (this listener has a secret): the Proof must come before `deadline`.
    AwaitProof {
        deadline: Instant,
        acceptor: Acceptor,
        ck: u64,
    },
    /// Handshake done: Data flows on connection key `ck`.
    Open { ck: u64, rx: RxCursor },
}

/// How many topic names one connection remembers (a sender reaches one listener's own
/// topic and the topics it subscribed to, usually one or two).
const TOPIC_CACHE: usize = 4;

/// Topic key → name, filled from `Shared::own_topics` on a miss. A key's name never
/// changes, so entries never go stale; the read lock is taken only for keys not seen yet
/// and never held while the callback runs (it may call `subscribe`).
pub(super) struct TopicCache {
    entries: Vec<(u64, Arc<str>)>,
    /// Next entry to replace when full.
    victim: usize,
}

impl TopicCache {
    fn new() -> Self {
        TopicCache {
            entries: Vec::with_capacity(TOPIC_CACHE),
            victim: 0,
        }
    }

    /// The name of topic `key`, if this client listens (or listened) on it.
    pub fn name(&mut self, key: u64, own: &RwLock<OwnTopics>) -> Option<&str> {
        let at = match self.entries.iter().position(|(k, _)| *k == key) {
            Some(at) => at,
            None => {
                let name = own
                    .read()
                    .unwrap_or_else(|p| p.into_inner())
                    .name(key)?
                    .clone();
                if self.entries.len() < TOPIC_CACHE {
                    self.entries.push((key, name));
                    self.entries.len() - 1
                } else {
                    let at = self.victim;
                    self.victim = (self.victim + 1) % TOPIC_CACHE;
                    self.entries[at] = (key, name);
                    at
                }
            }
        };
        Some(&self.entries[at].1)
    }
}

/// Per-connection state the frame handlers work on; kept apart from the socket and the
/// receive buffer so a decoded frame (which borrows the buffer) and the session can be used
/// at the same time.
pub(super) struct Session {
    /// Remote address, for logs and status reports.
    pub peer: String,
    /// Remote IP address: connections are counted per source.
    pub source: IpAddr,
    pub phase: Phase,
    pub outbox: Outbox,
    /// The sender's unique name: a connection key belongs to it (capacity reserved at
    /// accept).
    pub sender: String,
    /// The sender's topic: `from` of the callback (capacity reserved at accept).
    pub from: String,
    pub topics: TopicCache,
    /// Last time any byte arrived (liveness).
    pub last_rx: Instant,
    /// Since when the buffered bytes of an incomplete frame have been waiting for the rest
    /// (`None`: nothing incomplete, or this side is not reading; see `too_slow`).
    pub partial_since: Option<Instant>,
    /// Not read until large-frame budget is free: liveness and frame rate are not judged.
    pub awaiting_budget: bool,
    /// The connection closes on purpose (a frame could not be delivered): say Bye, so the
    /// sender takes it as a normal close to retry, not as a failure to log.
    pub farewell: bool,
}

impl Session {
    /// The connection key, once the handshake is done.
    pub fn ck(&self) -> Option<u64> {
        match self.phase {
            Phase::Open { ck, .. } => Some(ck),
            Phase::AwaitHello { .. } | Phase::AwaitProof { .. } => None,
        }
    }

    /// Whether the handshake is still going on (the connection holds a handshake slot).
    pub fn in_handshake(&self) -> bool {
        !matches!(self.phase, Phase::Open { .. })
    }

    /// End of the handshake phase, while in it.
    pub fn handshake_deadline(&self) -> Option<Instant> {
        match self.phase {
            Phase::AwaitHello { deadline } | Phase::AwaitProof { deadline, .. } => Some(deadline),
            Phase::Open { .. } => None,
        }
    }

    /// Notes what a read left in the buffer: `pending` bytes of an incomplete frame, and
    /// whether a frame completed (the clock of the next one starts then).
    pub fn note_progress(&mut self, pending: usize, completed_frame: bool, now: Instant) {
        self.partial_since = match (pending, completed_frame) {
            (0, _) => None,
            (_, true) => Some(now),
            (_, false) => self.partial_since.or(Some(now)),
        };
    }

    /// Whether the incomplete frame of `pending` bytes arrives slower than `min_rate` bytes
    /// per second on average, counted after a `grace` period.
    pub fn too_slow(&self, pending: usize, grace: Duration, min_rate: usize, now: Instant) -> bool {
        let Some(since) = self.partial_since else {
            return false;
        };
        let Some(late) = now.saturating_duration_since(since).checked_sub(grace) else {
            return false;
        };
        (pending as f64) < late.as_secs_f64() * min_rate as f64
    }

    /// Enters the open phase resuming at `cursor`.
    pub fn open(&mut self, ck: u64, cursor: u64, config: &Config) {
        let policy = AckPolicy {
            max_batch: config.ack_batch,
            max_delay_ms: u64::try_from(config.ack_delay.as_millis()).unwrap_or(u64::MAX),
        };
        self.phase = Phase::Open {
            ck,
            rx: RxCursor::new(cursor, policy),
        };
    }
}

/// One accepted connection.
pub(super) struct InConn {
    pub stream: TcpStream,
    pub rx: RxBuf,
    pub session: Session,
}

impl InConn {
    /// Wraps an accepted socket with a receive buffer just big enough for the handshake
    /// (the full one comes with [`RxBuf::open`] once the peer is admitted).
    pub fn new(
        stream: TcpStream,
        peer: String,
        source: IpAddr,
        config: &Config,
        now: Instant,
    ) -> Self {
        InConn {
            stream,
            rx: RxBuf::for_handshake(),
            session: Session {
                peer,
                source,
                phase: Phase::AwaitHello {
                    deadline: now + config.connect_timeout,
                },
                outbox: Outbox::new(),
                sender: String::with_capacity(MAX_NAME_LEN),
                from: String::with_capacity(MAX_NAME_LEN),
                topics: TopicCache::new(),
                last_rx: now,
                partial_since: None,
                awaiting_budget: false,
                farewell: false,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn topic_cache_resolves_and_replaces_round_robin() {
        let own = RwLock::new(OwnTopics::default());
        let mut cache = TopicCache::new();
        assert_eq!(cache.name(1, &own), None, "unknown keys are not cached");
        for key in 1..=6 {
            own.write().unwrap().insert(key, &format!("t{key}"));
        }
        for key in 1..=6 {
            assert_eq!(cache.name(key, &own), Some(format!("t{key}").as_str()));
        }
        assert_eq!(cache.entries.len(), TOPIC_CACHE);
        assert_eq!(cache.name(3, &own), Some("t3"));
        assert_eq!(cache.name(1, &own), Some("t1"));
    }
}
