//! The bench's error type: bad arguments, a messaging system failing, or a role process
//! misbehaving (died, timed out, reported something unexpected).

use std::fmt;

#[derive(Debug)]
pub enum BenchError {
    /// The command line or a role's arguments are wrong.
    Args(String),
    /// liner, ZeroMQ or Redis failed.
    Transport(String),
    /// A role process died, timed out or broke the report protocol.
    Protocol(String),
}

impl fmt::Display for BenchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BenchError::Args(why) => write!(f, "bad arguments: {why}"),
            BenchError::Transport(why) => write!(f, "transport failed: {why}"),
            BenchError::Protocol(why) => write!(f, "role process: {why}"),
        }
    }
}

impl std::error::Error for BenchError {}

impl From<liner_broker::Error> for BenchError {
    fn from(e: liner_broker::Error) -> Self {
        BenchError::Transport(format!("liner: {e}"))
    }
}

impl From<zmq::Error> for BenchError {
    fn from(e: zmq::Error) -> Self {
        BenchError::Transport(format!("zmq: {e}"))
    }
}

impl From<redis::RedisError> for BenchError {
    fn from(e: redis::RedisError) -> Self {
        BenchError::Transport(format!("redis: {e}"))
    }
}

/// Result of bench operations.
pub type BenchResult<T> = Result<T, BenchError>;
