//! Errors of the Redis store, and the mapping from `redis::RedisError` to them.

use std::fmt;

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
}

impl StoreError {
    /// Classifies an error raised while opening a connection to `addr`.
    pub(crate) fn from_connect(err: &redis::RedisError, addr: &dyn fmt::Display) -> Self {
        match (err.kind(), err.code()) {
            (redis::ErrorKind::AuthenticationFailed, _) | (_, Some("NOAUTH" | "WRONGPASS")) => {
                Self::AuthFailed(err.to_string())
            }
            (redis::ErrorKind::InvalidClientConfig, _) => Self::InvalidUrl(err.to_string()),
            (redis::ErrorKind::Io, _) => Self::Unreachable(format!("{addr}: {err}")),
            _ => Self::Command(err.to_string()),
        }
    }

    /// Classifies an error raised by a command on an open connection.
    pub(crate) fn from_command(err: &redis::RedisError) -> Self {
        if breaks_connection(err) {
            Self::ConnectionLost(err.to_string())
        } else {
            Self::Command(err.to_string())
        }
    }
}

/// True when the connection can no longer be trusted after `err`: an I/O failure or timeout
/// (a late reply could be taken for the next command's) or a reply that did not parse.
pub(crate) fn breaks_connection(err: &redis::RedisError) -> bool {
    matches!(err.kind(), redis::ErrorKind::Io | redis::ErrorKind::Parse)
        || err.is_unrecoverable_error()
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
