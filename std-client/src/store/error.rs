//! Errors of the Redis store, and the mapping from `redis::RedisError` to them: what
//! happened in words (a timeout names the timeout that ran out, a server that is not Redis
//! says so), never a credential (URLs in these texts have their password masked).

use std::fmt;
use std::time::Duration;

use super::tls;

/// What went wrong in a store operation.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum StoreError {
    /// The URL does not parse or names something this build cannot connect to (e.g. TLS).
    InvalidUrl(String),
    /// No connection could be made within the connect timeout (server down, wrong host/port).
    Unreachable(String),
    /// The server refused the credentials given in the URL.
    AuthFailed(String),
    /// The server is older than the minimum version liner needs.
    ServerTooOld {
        /// `redis_version` as the server reported it.
        version: String,
    },
    /// The connection broke or timed out during a command, so the command may or may not have
    /// taken effect. The next operation reconnects.
    ConnectionLost(String),
    /// The server answered with an error, or with a reply of an unexpected shape.
    Command(String),
    /// The server at `addr` answered the connection handshake with something that is not the
    /// Redis protocol (an HTTP server, some other service on that port).
    NotRedis {
        /// Where the server is.
        addr: String,
        /// What gave it away.
        detail: String,
    },
    /// TLS failed: the CA file is unusable, the server's certificate was refused, or the
    /// handshake failed.
    Tls(String),
    /// Fewer replicas than the parking durability policy asks for confirmed a write within
    /// the timeout. The write is on the master, but a failover could still lose it, so the
    /// sender keeps the frames and tries again.
    NotDurable {
        /// Replicas that confirmed it.
        confirmed: u64,
        /// Replicas the policy asks for.
        wanted: u32,
        /// How long the store waited.
        timeout_ms: u64,
    },
}

impl StoreError {
    /// Classifies an error raised while opening a connection to `addr` with `timeout` for the
    /// whole handshake.
    pub(crate) fn from_connect(
        err: &redis::RedisError,
        addr: &redis::ConnectionAddr,
        timeout: Duration,
    ) -> Self {
        if let Some(why) = tls::failure(err) {
            return Self::Tls(format!("{addr}: {why}"));
        }
        match (err.kind(), err.code()) {
            (redis::ErrorKind::AuthenticationFailed, _) | (_, Some("NOAUTH" | "WRONGPASS")) => {
                Self::AuthFailed(err.to_string())
            }
            (redis::ErrorKind::InvalidClientConfig, _) => Self::InvalidUrl(err.to_string()),
            (redis::ErrorKind::Parse, _) => Self::NotRedis {
                addr: addr.to_string(),
                detail: "its reply to the handshake is not RESP".into(),
            },
            (redis::ErrorKind::Io, _) => {
                Self::Unreachable(format!("{addr}: {}", io_failure(err, addr, timeout)))
            }
            _ => Self::Command(err.to_string()),
        }
    }

    /// Classifies an error raised by a command on an open connection with `timeout` per
    /// read or write.
    pub(crate) fn from_command(err: &redis::RedisError, timeout: Duration) -> Self {
        if breaks_connection(err) {
            Self::ConnectionLost(what(err, timeout))
        } else {
            Self::Command(err.to_string())
        }
    }
}

/// The error in words; a timeout says which timeout ran out ("timed out after 2000 ms")
/// instead of the OS's "Resource temporarily unavailable".
fn what(err: &redis::RedisError, timeout: Duration) -> String {
    if err.is_timeout() {
        format!("timed out after {} ms", timeout.as_millis())
    } else {
        err.to_string()
    }
}

/// An I/O failure of the handshake in words, with a hint for the two ways of mixing up TLS
/// and plain ports: a TLS port hangs up on plain text, a plain port waits for the rest of
/// what it takes for a command when it gets a TLS hello.
fn io_failure(err: &redis::RedisError, addr: &redis::ConnectionAddr, timeout: Duration) -> String {
    let tls = matches!(addr, redis::ConnectionAddr::TcpTls { .. });
    let timed_out = err.is_timeout();
    // Reset, EOF, broken pipe: connected, then dropped (a refusal is no hang-up).
    let hung_up = err.is_connection_dropped() && !err.is_connection_refusal() && !timed_out;
    match (tls, timed_out, hung_up) {
        (false, _, true) => "the server closed the connection without answering \
                             (a TLS port? those need a rediss:// URL)"
            .into(),
        (true, true, _) => format!(
            "{} (a port without TLS never answers the TLS handshake)",
            what(err, timeout)
        ),
        _ => what(err, timeout),
    }
}

/// True when the connection can no longer be trusted after `err`: an I/O failure or timeout
/// (a late reply could be taken for the next command's) or a reply that did not parse.
pub(crate) fn breaks_connection(err: &redis::RedisError) -> bool {
    use redis::ServerErrorKind::{MasterDown, ReadOnly};
    matches!(
        err.kind(),
        redis::ErrorKind::Io
            | redis::ErrorKind::Parse
            | redis::ErrorKind::ClusterConnectionNotFound
            | redis::ErrorKind::Server(MasterDown | ReadOnly)
    ) || err.is_unrecoverable_error()
        // A cluster whose slot map changed (failover): a fresh connection learns the new one.
        || err.is_cluster_error()
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::InvalidUrl(msg) => write!(f, "invalid Redis URL: {msg}"),
            Self::Unreachable(msg) => write!(f, "Redis is unreachable: {msg}"),
            Self::AuthFailed(msg) => write!(f, "Redis refused the credentials: {msg}"),
            Self::ServerTooOld { version } => write!(
                f,
                "Redis server {version} is too old, liner needs {}.{} or newer",
                super::endpoint::MIN_SERVER_VERSION.0,
                super::endpoint::MIN_SERVER_VERSION.1
            ),
            Self::ConnectionLost(msg) => write!(f, "connection to Redis lost: {msg}"),
            Self::Command(msg) => write!(f, "Redis command failed: {msg}"),
            Self::NotRedis { addr, detail } => write!(
                f,
                "the server at {addr} does not speak the Redis protocol ({detail})"
            ),
            Self::Tls(msg) => write!(f, "TLS with Redis failed: {msg}"),
            Self::NotDurable {
                confirmed,
                wanted,
                timeout_ms,
            } => write!(
                f,
                "{confirmed} of {wanted} Redis replicas confirmed the write within {timeout_ms} ms"
            ),
        }
    }
}

impl std::error::Error for StoreError {}

/// A spill that stored only the first `stored` frames before failing; the rest are not in Redis.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpillError {
    /// How many frames from the start of the batch are in Redis, in order.
    pub stored: usize,
    /// Why the remaining frames could not be stored.
    pub error: StoreError,
}

impl fmt::Display for SpillError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "spill stopped after {} frames: {}",
            self.stored, self.error
        )
    }
}

impl std::error::Error for SpillError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.error)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_timeout_names_the_timeout_that_ran_out() {
        let timed_out =
            redis::RedisError::from(std::io::Error::from(std::io::ErrorKind::WouldBlock));
        let lost = StoreError::from_command(&timed_out, Duration::from_millis(2000));
        assert_eq!(
            lost.to_string(),
            "connection to Redis lost: timed out after 2000 ms"
        );
        let addr = redis::ConnectionAddr::Tcp("127.0.0.1".into(), 7);
        let unreachable = StoreError::from_connect(&timed_out, &addr, Duration::from_millis(1000));
        assert_eq!(
            unreachable.to_string(),
            "Redis is unreachable: 127.0.0.1:7: timed out after 1000 ms"
        );
    }
}
