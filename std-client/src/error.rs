//! Errors of the client API: the `Error` enum of the `Result` API and the stable numeric
//! `ErrorCode` table shared with the C ABI (`LNR_OK` … `LNR_ERR_BUSY`).

use std::fmt;

/// Stable numeric error codes; the values are part of the C ABI and never change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(i32)]
pub enum ErrorCode {
    /// No error.
    Ok = 0,
    /// The client is not running.
    NotRunning = 1,
    /// The client is already running (or the call is only allowed while stopped).
    AlreadyRunning = 2,
    /// A client tried to send to its own source topic.
    SelfTopic = 3,
    /// The topic name is reserved for liner's internal use.
    InternalTopic = 4,
    /// No address is registered for the topic.
    NoAddr = 5,
    /// The listen address could not be bound.
    Bind = 6,
    /// The Redis store failed or cannot be reached.
    Store = 7,
    /// An argument is invalid (empty, too long, malformed, payload size).
    InvalidArg = 8,
    /// `clear_*` was called while the client runs.
    ClearWhileRunning = 9,
    /// The client's threads could not be started.
    Startup = 10,
    /// The peer's window stayed full for the whole send timeout.
    Busy = 11,
    /// `stop` could neither deliver nor park some at-least-once messages in time.
    Abandoned = 12,
    /// Another live client runs with the same unique name.
    DuplicateName = 13,
    /// The channel to a peer used up its sequence numbers (2^63; not reachable in practice).
    SeqExhausted = 14,
}

impl ErrorCode {
    /// The numeric value used by the C ABI.
    pub fn as_i32(self) -> i32 {
        self as i32
    }
}

/// Error of a client operation, with the detail a user needs to act on it.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// The client is not running.
    NotRunning,
    /// The client is running and the call needs it stopped.
    AlreadyRunning,
    /// Sending to the client's own source topic.
    SelfTopic(String),
    /// The topic is reserved (`lnr_` prefix).
    InternalTopic(String),
    /// No address registered for the topic.
    NoAddr(String),
    /// Binding the listen address failed.
    Bind(String, std::io::Error),
    /// A Redis store operation failed.
    Store(crate::store::StoreError),
    /// An argument is invalid; the text says which and why.
    InvalidArg(String),
    /// `clear_*` needs the client stopped.
    ClearWhileRunning,
    /// Threads or sockets could not be set up at `run`.
    Startup(String),
    /// The peer's transmit window stayed full for the send timeout.
    Busy(String),
    /// `stop` gave up on this many at-least-once messages: neither delivered nor parked in
    /// Redis within `Config::stop_timeout` (Redis down and the peer unreachable).
    Abandoned(u64),
    /// Another live client runs with this unique name (first) at this address (second).
    DuplicateName(String, String),
    /// The channel to this peer has numbered 2^63 messages (or its listener's cursor says
    /// so): it takes no more until its Redis keys are removed (docs/operations.md).
    SeqExhausted(String),
}

impl Error {
    /// The stable code of this error for the C ABI and `last_error_code`.
    pub fn code(&self) -> ErrorCode {
        match self {
            Error::NotRunning => ErrorCode::NotRunning,
            Error::AlreadyRunning => ErrorCode::AlreadyRunning,
            Error::SelfTopic(_) => ErrorCode::SelfTopic,
            Error::InternalTopic(_) => ErrorCode::InternalTopic,
            Error::NoAddr(_) => ErrorCode::NoAddr,
            Error::Bind(..) => ErrorCode::Bind,
            Error::Store(_) => ErrorCode::Store,
            Error::InvalidArg(_) => ErrorCode::InvalidArg,
            Error::ClearWhileRunning => ErrorCode::ClearWhileRunning,
            Error::Startup(_) => ErrorCode::Startup,
            Error::Busy(_) => ErrorCode::Busy,
            Error::Abandoned(_) => ErrorCode::Abandoned,
            Error::DuplicateName(..) => ErrorCode::DuplicateName,
            Error::SeqExhausted(_) => ErrorCode::SeqExhausted,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::NotRunning => f.write_str("client is not running"),
            Error::AlreadyRunning => f.write_str("client is running; stop it first"),
            Error::SelfTopic(t) => write!(f, "cannot send to own source topic '{t}'"),
            Error::InternalTopic(t) => write!(f, "topic '{t}' is reserved (lnr_ prefix)"),
            Error::NoAddr(t) => write!(f, "no address registered for topic '{t}'"),
            Error::Bind(addr, e) => write!(f, "cannot bind '{addr}': {e}"),
            Error::Store(e) => write!(f, "store: {e}"),
            Error::InvalidArg(why) => write!(f, "invalid argument: {why}"),
            Error::ClearWhileRunning => f.write_str("clear_* is only allowed while stopped"),
            Error::Startup(why) => write!(f, "startup failed: {why}"),
            Error::Busy(peer) => write!(f, "send window to {peer} stayed full"),
            Error::Abandoned(n) => write!(
                f,
                "stopped with {n} at-least-once message(s) neither delivered nor parked \
                 in Redis (they are lost)"
            ),
            Error::DuplicateName(name, addr) => write!(
                f,
                "unique name '{name}' is in use by a live client at {addr}; stop it first"
            ),
            Error::SeqExhausted(peer) => write!(
                f,
                "the channel to {peer} has used up its sequence numbers; remove its keys \
                 (docs/operations.md) to start a new one"
            ),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Bind(_, e) => Some(e),
            Error::Store(e) => Some(e),
            _ => None,
        }
    }
}

impl From<crate::store::StoreError> for Error {
    fn from(e: crate::store::StoreError) -> Self {
        Error::Store(e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_match_the_c_abi_table() {
        let table = [
            (ErrorCode::Ok, 0),
            (ErrorCode::NotRunning, 1),
            (ErrorCode::AlreadyRunning, 2),
            (ErrorCode::SelfTopic, 3),
            (ErrorCode::InternalTopic, 4),
            (ErrorCode::NoAddr, 5),
            (ErrorCode::Bind, 6),
            (ErrorCode::Store, 7),
            (ErrorCode::InvalidArg, 8),
            (ErrorCode::ClearWhileRunning, 9),
            (ErrorCode::Startup, 10),
            (ErrorCode::Busy, 11),
            (ErrorCode::Abandoned, 12),
            (ErrorCode::DuplicateName, 13),
            (ErrorCode::SeqExhausted, 14),
        ];
        for (code, value) in table {
            assert_eq!(code.as_i32(), value, "{code:?}");
        }
    }
}
