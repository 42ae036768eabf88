//! Client configuration: capacities and timeouts, fixed when a client is created.
//!
//! RAM of a running client is dominated by the buffers sized here (see docs/using-redis.md,
//! "Memory"): per outbound peer one transmit window (`window_bytes`) plus, once it has
//! drained a Redis backlog, a second one (kept); per inbound connection one receive buffer
//! (`recv_buffer_bytes`).

use std::time::Duration;

use crate::secret::Secret;
use crate::store::ParkDurability;

/// Capacities and timeouts of one client. Start from `Config::default()` and override fields.
///
/// [`Client::open`](crate::Client::open) takes one and checks it with [`Config::validate`];
/// [`Client::new_redis`](crate::Client::new_redis) uses the defaults. RAM per peer is mostly
/// `window_bytes` (per listener sent to) and `recv_buffer_bytes` (per sender connected):
/// shrink those first on a small board.
///
/// ```
/// use std::time::Duration;
///
/// use liner_broker::{Client, Config, Error};
/// # struct Redis(std::process::Child, String);
/// # impl Drop for Redis { fn drop(&mut self) { let _ = self.0.kill(); let _ = self.0.wait(); } }
/// # fn private_redis() -> Redis {
/// #     let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
/// #     let child = std::process::Command::new("redis-server")
/// #         .args(["--port", &port.to_string(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
/// #         .stdout(std::process::Stdio::null()).spawn().expect("redis-server must be on PATH");
/// #     let redis = Redis(child, format!("redis://127.0.0.1:{port}/"));
/// #     for _ in 0..500 {
/// #         if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() { break }
/// #         std::thread::sleep(Duration::from_millis(10));
/// #     }
/// #     redis
/// # }
/// # let redis = private_redis();
/// # let url = redis.1.as_str();
/// let small = Config {
///     window_bytes: 64 << 10,
///     recv_buffer_bytes: 16 << 10,
///     max_message_size: 1 << 20,
///     max_peers: 16,
///     send_timeout: Duration::from_millis(500),
///     ..Config::default()
/// };
/// assert_eq!(small.validate(), Ok(()));
/// let client = Client::open("board-3", "board-3.out", "127.0.0.1:0", url, small)?;
/// assert_eq!(client.config().max_peers, 16);
///
/// // Inconsistent values are refused before anything is opened, naming the field.
/// let deaf = Config { ping_interval: Duration::from_secs(10), ..Config::default() };
/// match Client::open("board-4", "board-4.out", "127.0.0.1:0", url, deaf) {
///     Err(Error::InvalidArg(why)) => assert!(why.contains("ping_interval"), "{why}"),
///     other => panic!("expected InvalidArg, got {:?}", other.map(|_| ())),
/// }
/// # Ok::<(), Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct Config {
    /// Bytes of the transmit window per outbound peer: encoded frames waiting to be written
    /// or acknowledged.
    pub window_bytes: usize,
    /// Bytes of the receive buffer per inbound connection.
    pub recv_buffer_bytes: usize,
    /// Largest payload accepted by `send_to` and from the wire. Messages bigger than the
    /// window or receive buffer take the slow path (a one-off buffer for that message).
    pub max_message_size: usize,
    /// Most outbound peers, and most inbound connections past the handshake.
    pub max_peers: usize,
    /// Most destination topics one client sends to (followed topics).
    pub max_route_topics: usize,
    /// Most listeners of one topic a sender routes to. A topic with more catalog rows is
    /// routed to the first ones and the rest are reported once (`RoutesTruncated`); sending
    /// to it keeps working. Each routed listener is an outbound peer, so `max_peers` bounds
    /// this too.
    pub max_listeners_per_topic: usize,
    /// Pre-shared secret both ends of every connection must prove (wire protocol v2). `None`:
    /// `LINER_SECRET` from the environment when `run` starts, else no authentication —
    /// any peer that reaches the port is trusted (trusted networks only).
    pub secret: Option<Secret>,
    /// Most inbound connections still in the handshake. At the limit the oldest of them
    /// is closed to admit the newcomer, so a flood cannot keep a legitimate sender out:
    /// its handshake completes in a round trip or two.
    pub max_handshakes: usize,
    /// Most inbound connections in the handshake from one source address; more are
    /// refused (`Busy`).
    pub max_handshakes_per_source: usize,
    /// Most inbound connections from one source address (handshakes included); more are
    /// refused (`Busy`).
    pub max_conns_per_source: usize,
    /// Bytes all of a listener's frames larger than `recv_buffer_bytes` may hold at once.
    /// A large frame is admitted only when its whole declared size fits what is left (its
    /// buffer then grows as its bytes arrive); otherwise its connection is not read until
    /// another large frame completes. 0: twice `max_message_size` (at least one message).
    pub large_frame_budget: usize,
    /// A frame that has started arriving must keep coming at this many bytes per second
    /// on average (after a grace of `liveness_timeout`), or its connection is closed: a
    /// trickle cannot hold memory or a slot.
    pub min_frame_rate: usize,
    /// TCP connect timeout to a peer.
    pub connect_timeout: Duration,
    /// A connection with no byte received for this long (despite pings) is declared dead.
    pub liveness_timeout: Duration,
    /// Idle time after which a ping is sent.
    pub ping_interval: Duration,
    /// How long `send_to` waits for room in a full window before failing with `Busy`.
    pub send_timeout: Duration,
    /// The listener acks after this many delivered messages at the latest…
    pub ack_batch: u32,
    /// …or after this delay.
    pub ack_delay: Duration,
    /// First reconnect delay; it doubles (with jitter) up to `reconnect_max`.
    pub reconnect_min: Duration,
    /// Largest reconnect delay.
    pub reconnect_max: Duration,
    /// Frames read from a Redis backlog per round trip when draining.
    pub drain_batch: usize,
    /// Connect, read and write timeout of Redis connections.
    pub redis_timeout: Duration,
    /// How long a running client counts as alive in Redis after its last heartbeat (sent
    /// every third of this). A listener killed without `stop` is routed around and its
    /// catalog rows are removed once this expired; a second process with the same unique
    /// name is refused while the first one is alive.
    pub liveness_ttl: Duration,
    /// Channels whose sender and listener have both been gone (not alive, no heartbeat)
    /// longer than this are removed from Redis by a sweep that one running client of the
    /// database does every quarter of this (at most hourly). `Duration::ZERO` keeps
    /// everything forever; otherwise at least twice `liveness_ttl`.
    pub retention: Duration,
    /// Whether the retention sweep may also remove a gone channel's parked messages
    /// (counted, logged and reported); by default such channels are kept.
    pub retention_drops_parked: bool,
    /// Most messages parked per channel while its listener is away; beyond it the oldest
    /// are dropped (counted in `Stats::parked_dropped`, reported). 0: no limit (default).
    pub max_parked: u64,
    /// Parked messages older than this are dropped while the listener is away (counted,
    /// reported). `Duration::ZERO`: no limit (default).
    pub max_parked_age: Duration,
    /// Longest time `stop` (and drop) takes. At-least-once frames that could be neither
    /// delivered nor parked in Redis by then are counted in `Stats::abandoned`, reported
    /// with `StatusKind::FramesAbandoned` and `stop` returns `Error::Abandoned`.
    pub stop_timeout: Duration,
    /// CA certificates (PEM) that a `rediss://` server's certificate must be signed by,
    /// instead of the system's trust store (for a private CA). `None`: the file named by the
    /// environment variable `LINER_REDIS_CA_FILE` if set, else the system's trust store.
    /// Ignored for other URLs.
    pub redis_ca_file: Option<std::path::PathBuf>,
    /// How many Redis replicas must confirm parked messages (and seq reservations) before
    /// the sender frees them, so a failover cannot lose them (`WAIT`). `Auto` (default): one
    /// when the master has a replica connected, none on a server without replicas.
    pub park_durability: ParkDurability,
    /// Longest wait for those replicas (at most half of `redis_timeout`: `WAIT` holds the
    /// connection); when fewer confirm, the frames stay in the window, `SenderStoreError` is
    /// reported and parking is retried.
    pub park_confirm_timeout: Duration,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            window_bytes: 1 << 20,
            recv_buffer_bytes: 256 << 10,
            max_message_size: 64 << 20,
            max_peers: 1024,
            max_route_topics: 1024,
            max_listeners_per_topic: 1024,
            secret: None,
            max_handshakes: 64,
            max_handshakes_per_source: 8,
            max_conns_per_source: 64,
            large_frame_budget: 0,
            min_frame_rate: 16 << 10,
            connect_timeout: Duration::from_millis(1000),
            liveness_timeout: Duration::from_millis(5000),
            ping_interval: Duration::from_millis(1000),
            send_timeout: Duration::from_millis(2000),
            ack_batch: 512,
            ack_delay: Duration::from_millis(2),
            reconnect_min: Duration::from_millis(20),
            reconnect_max: Duration::from_millis(2000),
            drain_batch: 2000,
            redis_timeout: Duration::from_millis(2000),
            liveness_ttl: Duration::from_millis(3000),
            retention: Duration::from_secs(7 * 24 * 3600),
            retention_drops_parked: false,
            max_parked: 0,
            max_parked_age: Duration::ZERO,
            stop_timeout: Duration::from_millis(3000),
            redis_ca_file: None,
            park_durability: ParkDurability::Auto,
            park_confirm_timeout: Duration::from_secs(1),
        }
    }
}

impl Config {
    /// Checks the values make sense together; the text says what is wrong.
    pub fn validate(&self) -> Result<(), String> {
        let min_buf = liner_core::frame::LEN_PREFIX + liner_core::frame::MAX_HEADER_LEN + 1;
        if self.window_bytes < min_buf {
            return Err(format!("window_bytes must be at least {min_buf}"));
        }
        if self.recv_buffer_bytes < min_buf {
            return Err(format!("recv_buffer_bytes must be at least {min_buf}"));
        }
        if self.max_message_size == 0 || self.max_message_size > u32::MAX as usize / 2 {
            return Err("max_message_size must be between 1 and 2 GiB".into());
        }
        let zero_count = [
            ("max_peers", self.max_peers),
            ("drain_batch", self.drain_batch),
            ("ack_batch", self.ack_batch as usize),
            ("max_handshakes", self.max_handshakes),
            ("max_route_topics", self.max_route_topics),
            ("max_listeners_per_topic", self.max_listeners_per_topic),
            ("max_handshakes_per_source", self.max_handshakes_per_source),
            ("max_conns_per_source", self.max_conns_per_source),
            ("min_frame_rate", self.min_frame_rate),
        ]
        .into_iter()
        .find(|(_, value)| *value == 0);
        if let Some((name, _)) = zero_count {
            return Err(format!("{name} must be positive"));
        }
        if self.large_frame_budget != 0 && self.large_frame_budget < self.max_body_len() {
            return Err(
                "large_frame_budget must be 0 (automatic) or hold one message of \
                 max_message_size"
                    .into(),
            );
        }
        let zero_timeout = [
            ("connect_timeout", self.connect_timeout),
            ("liveness_timeout", self.liveness_timeout),
            ("ping_interval", self.ping_interval),
            ("redis_timeout", self.redis_timeout),
            ("stop_timeout", self.stop_timeout),
            ("liveness_ttl", self.liveness_ttl),
            ("park_confirm_timeout", self.park_confirm_timeout),
        ]
        .into_iter()
        .find(|(_, value)| value.is_zero());
        if let Some((name, _)) = zero_timeout {
            return Err(format!("{name} must be positive"));
        }
        if self.ping_interval >= self.liveness_timeout {
            return Err("ping_interval must be shorter than liveness_timeout".into());
        }
        if self.liveness_ttl < Duration::from_millis(100) {
            // The heartbeat runs every third of it: shorter would flood Redis.
            return Err("liveness_ttl must be at least 100 ms".into());
        }
        if !self.retention.is_zero() && self.retention < 2 * self.liveness_ttl {
            // A client stalled for a few heartbeats must not look gone for good.
            return Err("retention must be 0 (forever) or at least twice liveness_ttl".into());
        }
        if self.reconnect_min > self.reconnect_max {
            return Err("reconnect_min must not exceed reconnect_max".into());
        }
        Ok(())
    }

    /// Largest body length accepted from the wire: the biggest message plus its header.
    pub(crate) fn max_body_len(&self) -> usize {
        self.max_message_size + liner_core::frame::MAX_HEADER_LEN
    }

    /// The large-frame budget in force (`large_frame_budget`, 0 meaning twice the largest
    /// frame).
    pub(crate) fn large_budget(&self) -> usize {
        match self.large_frame_budget {
            0 => 2 * self.max_body_len(),
            budget => budget,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_defaults_are_valid() {
        assert_eq!(Config::default().validate(), Ok(()));
    }

    #[test]
    fn nonsense_is_refused_with_the_field_named() {
        let zero_connect = Config {
            connect_timeout: Duration::ZERO,
            ..Config::default()
        };
        assert!(
            zero_connect
                .validate()
                .unwrap_err()
                .contains("connect_timeout")
        );
        let deaf = Config {
            ping_interval: Duration::from_secs(10),
            ..Config::default()
        };
        assert!(deaf.validate().unwrap_err().contains("ping_interval"));
        let tiny_window = Config {
            window_bytes: 8,
            ..Config::default()
        };
        assert!(tiny_window.validate().unwrap_err().contains("window_bytes"));
    }
}
