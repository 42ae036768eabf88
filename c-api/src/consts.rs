//! Constants of the C header: error codes, status kinds and capacities. cbindgen only emits
//! constants defined in this crate, so the values of liner-p2p and liner-core are restated
//! here; the exhaustive matches and `const` asserts below stop the build when they drift apart
//! (a new `ErrorCode` or `StatusKind` variant fails to compile until it is added here).

use std::ffi::c_int;

use liner::{ErrorCode, StatusKind};

/// No error.
pub const LNR_OK: c_int = 0;
/// The client is not running.
pub const LNR_ERR_NOT_RUNNING: c_int = 1;
/// The client is running and the call needs it stopped.
pub const LNR_ERR_ALREADY_RUNNING: c_int = 2;
/// Sending to the client's own source topic.
pub const LNR_ERR_SELF_TOPIC: c_int = 3;
/// The topic is reserved for liner (`lnr_` prefix).
pub const LNR_ERR_INTERNAL_TOPIC: c_int = 4;
/// No address is registered for the topic.
pub const LNR_ERR_NO_ADDR: c_int = 5;
/// The listen address could not be bound.
pub const LNR_ERR_BIND: c_int = 6;
/// The Redis store failed or cannot be reached.
pub const LNR_ERR_STORE: c_int = 7;
/// An argument is invalid (NULL, empty, not UTF-8, too long, payload size, misuse).
pub const LNR_ERR_INVALID_ARG: c_int = 8;
/// `lnr_clear_*` was called while the client runs.
pub const LNR_ERR_CLEAR_WHILE_RUNNING: c_int = 9;
/// The client's threads could not be started.
pub const LNR_ERR_STARTUP: c_int = 10;
/// The peer's transmit window stayed full for the whole send timeout.
pub const LNR_ERR_BUSY: c_int = 11;
/// `lnr_stop`/`lnr_delete_client` could neither deliver nor park some at-least-once
/// messages within the stop timeout (the message says how many; they are lost).
pub const LNR_ERR_ABANDONED: c_int = 12;
/// Another live client runs with the same unique name (`lnr_run` fails; the message names
/// its address). A dead predecessor is taken over at once instead.
pub const LNR_ERR_DUPLICATE_NAME: c_int = 13;
/// The channel to a peer used up its sequence numbers (2^63, not reachable in practice);
/// remove its Redis keys to start a new one.
pub const LNR_ERR_SEQ_EXHAUSTED: c_int = 14;

/// Status kind: an outbound connection to a peer completed its handshake.
pub const LNR_PEER_CONNECTED: c_int = 1;
/// Status kind: an outbound connection to a peer was lost or refused.
pub const LNR_PEER_DISCONNECTED: c_int = 2;
/// Status kind: a peer registered an address under a topic this client follows.
pub const LNR_PEER_SUBSCRIBED: c_int = 3;
/// Status kind: a peer removed its address from a topic this client follows.
pub const LNR_PEER_UNSUBSCRIBED: c_int = 4;
/// Status kind: a topic this client sends to has no address left.
pub const LNR_SENDER_ROUTE_LOST: c_int = 5;
/// Status kind: spilling to or draining from the Redis store failed.
pub const LNR_SENDER_STORE_ERROR: c_int = 6;
/// Status kind: writing to a peer failed, or a peer sent something malformed.
pub const LNR_SENDER_SEND_ERROR: c_int = 7;
/// Status kind: the listener could not persist or load a cursor.
pub const LNR_LISTENER_STORE_ERROR: c_int = 8;
/// Status kind: a peer's window stayed full for the send timeout.
pub const LNR_SENDER_BUSY: c_int = 9;
/// Status kind (added by liner-p2p): an inbound peer broke the wire protocol; `peer` is
/// its address and the connection was closed.
pub const LNR_PEER_PROTOCOL_ERROR: c_int = 10;
/// Status kind (added by liner-p2p): stopping gave up on at-least-once messages it could
/// neither deliver nor park in Redis within the stop timeout; `message` says how many.
pub const LNR_FRAMES_ABANDONED: c_int = 11;
/// Status kind (added by liner-p2p): parked at-least-once messages were dropped on
/// purpose by a queue limit or the retention sweep; `message` says how many.
pub const LNR_PARKED_DROPPED: c_int = 12;
/// Status kind (added by liner-p2p): a handshake failed authentication (the shared
/// secret, `lnr_config_set_secret` / `LINER_SECRET`), on either side; `peer` is the
/// address. Nothing from that peer was delivered.
pub const LNR_PEER_UNAUTHORIZED: c_int = 13;
/// Status kind (added by liner-p2p): an inbound connection was refused or closed by a
/// resource limit (per-source connections, handshake slots, max peers, a too slow frame);
/// `message` says which.
pub const LNR_PEER_LIMITED: c_int = 14;
/// Status kind (added by liner-p2p): a topic this client sends to has more listeners
/// than it routes to (max listeners per topic, or max peers); the first ones get the
/// messages. Reported once per topic; `message` says how many.
pub const LNR_ROUTES_TRUNCATED: c_int = 15;

/// Most clients alive at once in one process by default: the slots of the static handle
/// table. A build may choose another size (1..=4095) with the environment variable
/// `LINER_MAX_CLIENTS` at compile time; `lnr_max_clients()` says what the library was
/// built with.
pub const LNR_MAX_CLIENTS: usize = 256;
/// Longest unique name or topic, in bytes without the NUL.
pub const LNR_MAX_NAME_LEN: usize = 128;
/// Longest address string handed out (`host:port`), in bytes without the NUL; longer
/// advertise addresses are rejected.
pub const LNR_MAX_ADDR_LEN: usize = 261;
/// Longest error message kept per client, in bytes without the NUL (longer ones are cut).
pub const LNR_MAX_ERROR_LEN: usize = 511;
/// Most destination topics one client sends to, by default (`lnr_config_set_max_route_topics`).
pub const LNR_MAX_ROUTE_TOPICS: usize = 1024;
/// Most listeners per destination topic a client routes to, by default
/// (`lnr_config_set_max_listeners_per_topic`); beyond it the first ones are used and the
/// rest reported (`LNR_ROUTES_TRUNCATED`).
pub const LNR_MAX_ADDRS_PER_TOPIC: usize = 1024;

/// The C constant of an error code; exhaustive, so a new variant breaks the build here.
pub(crate) const fn error_constant(code: ErrorCode) -> c_int {
    match code {
        ErrorCode::Ok => LNR_OK,
        ErrorCode::NotRunning => LNR_ERR_NOT_RUNNING,
        ErrorCode::AlreadyRunning => LNR_ERR_ALREADY_RUNNING,
        ErrorCode::SelfTopic => LNR_ERR_SELF_TOPIC,
        ErrorCode::InternalTopic => LNR_ERR_INTERNAL_TOPIC,
        ErrorCode::NoAddr => LNR_ERR_NO_ADDR,
        ErrorCode::Bind => LNR_ERR_BIND,
        ErrorCode::Store => LNR_ERR_STORE,
        ErrorCode::InvalidArg => LNR_ERR_INVALID_ARG,
        ErrorCode::ClearWhileRunning => LNR_ERR_CLEAR_WHILE_RUNNING,
        ErrorCode::Startup => LNR_ERR_STARTUP,
        ErrorCode::Busy => LNR_ERR_BUSY,
        ErrorCode::Abandoned => LNR_ERR_ABANDONED,
        ErrorCode::DuplicateName => LNR_ERR_DUPLICATE_NAME,
        ErrorCode::SeqExhausted => LNR_ERR_SEQ_EXHAUSTED,
    }
}

/// The C constant of a status kind; exhaustive like [`error_constant`].
pub(crate) const fn status_constant(kind: StatusKind) -> c_int {
    match kind {
        StatusKind::PeerConnected => LNR_PEER_CONNECTED,
        StatusKind::PeerDisconnected => LNR_PEER_DISCONNECTED,
        StatusKind::PeerSubscribed => LNR_PEER_SUBSCRIBED,
        StatusKind::PeerUnsubscribed => LNR_PEER_UNSUBSCRIBED,
        StatusKind::SenderRouteLost => LNR_SENDER_ROUTE_LOST,
        StatusKind::SenderStoreError => LNR_SENDER_STORE_ERROR,
        StatusKind::SenderSendError => LNR_SENDER_SEND_ERROR,
        StatusKind::ListenerStoreError => LNR_LISTENER_STORE_ERROR,
        StatusKind::SenderBusy => LNR_SENDER_BUSY,
        StatusKind::PeerProtocolError => LNR_PEER_PROTOCOL_ERROR,
        StatusKind::FramesAbandoned => LNR_FRAMES_ABANDONED,
        StatusKind::ParkedDropped => LNR_PARKED_DROPPED,
        StatusKind::PeerUnauthorized => LNR_PEER_UNAUTHORIZED,
        StatusKind::PeerLimited => LNR_PEER_LIMITED,
        StatusKind::RoutesTruncated => LNR_ROUTES_TRUNCATED,
    }
}

const ALL_ERROR_CODES: [ErrorCode; 15] = [
    ErrorCode::Ok,
    ErrorCode::NotRunning,
    ErrorCode::AlreadyRunning,
    ErrorCode::SelfTopic,
    ErrorCode::InternalTopic,
    ErrorCode::NoAddr,
    ErrorCode::Bind,
    ErrorCode::Store,
    ErrorCode::InvalidArg,
    ErrorCode::ClearWhileRunning,
    ErrorCode::Startup,
    ErrorCode::Busy,
    ErrorCode::Abandoned,
    ErrorCode::DuplicateName,
    ErrorCode::SeqExhausted,
];

const ALL_STATUS_KINDS: [StatusKind; 15] = [
    StatusKind::PeerConnected,
    StatusKind::PeerDisconnected,
    StatusKind::PeerSubscribed,
    StatusKind::PeerUnsubscribed,
    StatusKind::SenderRouteLost,
    StatusKind::SenderStoreError,
    StatusKind::SenderSendError,
    StatusKind::ListenerStoreError,
    StatusKind::SenderBusy,
    StatusKind::PeerProtocolError,
    StatusKind::FramesAbandoned,
    StatusKind::ParkedDropped,
    StatusKind::PeerUnauthorized,
    StatusKind::PeerLimited,
    StatusKind::RoutesTruncated,
];

// The restated values equal liner-p2p's, and liner-core's limits are the ones documented.
const _: () = {
    let mut i = 0;
    while i < ALL_ERROR_CODES.len() {
        let code = ALL_ERROR_CODES[i];
        assert!(error_constant(code) == code as c_int);
        i += 1;
    }
    let mut i = 0;
    while i < ALL_STATUS_KINDS.len() {
        let kind = ALL_STATUS_KINDS[i];
        assert!(status_constant(kind) == kind as c_int);
        i += 1;
    }
    assert!(LNR_MAX_NAME_LEN == liner_core::frame::MAX_NAME_LEN);
    assert!(LNR_MAX_CLIENTS > 0);
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn route_limits_are_the_library_defaults() {
        let config = liner::Config::default();
        assert_eq!(LNR_MAX_ROUTE_TOPICS, config.max_route_topics);
        assert_eq!(LNR_MAX_ADDRS_PER_TOPIC, config.max_listeners_per_topic);
    }

    #[test]
    fn every_variant_is_listed_once() {
        let mut codes: Vec<c_int> = ALL_ERROR_CODES.iter().map(|c| error_constant(*c)).collect();
        codes.dedup();
        assert_eq!(codes, (LNR_OK..=LNR_ERR_SEQ_EXHAUSTED).collect::<Vec<_>>());
        let kinds: Vec<c_int> = ALL_STATUS_KINDS
            .iter()
            .map(|k| status_constant(*k))
            .collect();
        assert_eq!(
            kinds,
            (LNR_PEER_CONNECTED..=LNR_ROUTES_TRUNCATED).collect::<Vec<_>>()
        );
    }
}
