//! Status notifications: the kinds of the C ABI (`LNR_PEER_CONNECTED` …) and the
//! per-client callback slot that library threads report through.

use std::sync::{Arc, RwLock};

/// What happened; values are part of the C ABI.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(i32)]
pub enum StatusKind {
    /// An outbound connection to a peer completed its handshake.
    PeerConnected = 1,
    /// An outbound connection to a peer was lost or refused.
    PeerDisconnected = 2,
    /// A peer registered an address under a topic this client follows.
    PeerSubscribed = 3,
    /// A peer removed its address from a topic this client follows.
    PeerUnsubscribed = 4,
    /// A topic this client sends to has no address left.
    SenderRouteLost = 5,
    /// Spilling to or draining from the Redis store failed.
    SenderStoreError = 6,
    /// Writing to a peer failed, or a peer sent something malformed.
    SenderSendError = 7,
    /// The listener could not persist or load a cursor.
    ListenerStoreError = 8,
    /// A peer's window stayed full for the send timeout.
    SenderBusy = 9,
    /// An inbound peer broke the wire protocol (bad magic, unsupported version, oversize
    /// length, unknown frame kind, garbage, a frame out of place); `peer` is its address and
    /// the connection was closed (after a Reject when it was still in the handshake).
    PeerProtocolError = 10,
    /// `stop` gave up on at-least-once messages it could neither deliver nor park in Redis
    /// within `Config::stop_timeout`; `message` says how many (also in `Stats::abandoned`).
    FramesAbandoned = 11,
    /// Parked at-least-once messages were dropped on purpose: a queue limit
    /// (`Config::max_parked`, `max_parked_age`) or the retention sweep of a channel whose
    /// both ends are long gone (`retention_drops_parked`); `message` says how many.
    ParkedDropped = 12,
    /// A handshake failed authentication (Config::secret): an inbound peer did not prove the
    /// secret or claimed another sender's connection key, or a listener refused this
    /// client's proof or did not prove its own; `peer` is the address, nothing was delivered.
    PeerUnauthorized = 13,
    /// An inbound connection was refused or closed by a resource limit: connections per
    /// source, handshake slots, `max_peers`, a frame slower than `min_frame_rate`;
    /// `message` says which.
    PeerLimited = 14,
    /// A topic this client sends to has more listeners than it routes to
    /// (`Config::max_listeners_per_topic`, or `max_peers` outbound peers in all): the first
    /// ones get the messages, the rest none; reported once per topic, `message` says how many.
    RoutesTruncated = 15,
}

/// One status report handed to the callback.
#[derive(Debug, Clone, Copy)]
pub struct Status<'a> {
    /// What happened.
    pub kind: StatusKind,
    /// The topic concerned ("" when none).
    pub topic: &'a str,
    /// The peer address or name concerned ("" when none).
    pub peer: &'a str,
    /// Human-readable detail.
    pub message: &'a str,
}

/// The user's status callback.
pub type StatusCallback = Arc<dyn Fn(&Status<'_>) + Send + Sync>;

/// The callback slot of one client; it can be replaced before or after `run`.
#[derive(Default)]
pub(crate) struct StatusSink {
    callback: RwLock<Option<StatusCallback>>,
}

impl StatusSink {
    pub(crate) fn set(&self, callback: Option<StatusCallback>) {
        *self.callback.write().unwrap_or_else(|p| p.into_inner()) = callback;
    }

    pub(crate) fn report(&self, kind: StatusKind, topic: &str, peer: &str, message: &str) {
        let callback = self
            .callback
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        if let Some(callback) = callback {
            callback(&Status {
                kind,
                topic,
                peer,
                message,
            });
        }
    }
}
