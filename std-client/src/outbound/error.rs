//! Why an outbound connection ended or never came up.

use std::fmt;
use std::io;

use liner_core::frame::{DecodeError, RejectReason};

/// The end of one outbound connection (attempt).
#[derive(Debug)]
pub(super) enum ConnError {
    /// The TCP connect failed (refused, unreachable).
    Connect(io::Error),
    /// The TCP connect did not complete within `connect_timeout`.
    ConnectTimeout,
    /// No `Welcome` within `connect_timeout` after the connect.
    HandshakeTimeout,
    /// Reading or writing the socket failed.
    Io(io::Error),
    /// The peer closed the connection without `Bye`.
    Closed,
    /// The peer said `Bye`.
    Bye,
    /// Nothing received for `liveness_timeout` despite pings.
    Dead,
    /// The catalog sent us to another address for this peer.
    Moved,
    /// The listener refused the `Hello`.
    Rejected(RejectReason),
    /// Authentication failed either way (shared secret): the text says which.
    Unauthorized(&'static str),
    /// Another listener answers at this address.
    WrongListener(String),
    /// The peer sent bytes that are not a valid frame.
    Protocol(DecodeError),
    /// The peer sent a valid frame that makes no sense at this point.
    Unexpected(&'static str),
}

impl ConnError {
    /// Whether authentication failed (reported as `PeerUnauthorized`).
    pub fn is_unauthorized(&self) -> bool {
        matches!(self, ConnError::Unauthorized(_))
    }

    /// Whether the peer misbehaved or refused us (reported as a send error), as opposed to
    /// being unreachable or gone.
    pub fn is_send_error(&self) -> bool {
        matches!(
            self,
            ConnError::Rejected(_)
                | ConnError::WrongListener(_)
                | ConnError::Protocol(_)
                | ConnError::Unexpected(_)
        )
    }
}

impl fmt::Display for ConnError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConnError::Connect(e) => write!(f, "connect failed: {e}"),
            ConnError::ConnectTimeout => f.write_str("connect timed out"),
            ConnError::HandshakeTimeout => f.write_str("no Welcome before the connect timeout"),
            ConnError::Io(e) => write!(f, "connection failed: {e}"),
            ConnError::Closed => f.write_str("connection closed by the peer"),
            ConnError::Bye => f.write_str("peer closed the connection (Bye)"),
            ConnError::Dead => f.write_str("peer silent for the liveness timeout"),
            ConnError::Moved => f.write_str("peer moved to another address"),
            ConnError::Rejected(RejectReason::UnsupportedVersion) => f.write_str(
                "handshake rejected: the listener speaks another wire protocol version \
                 (upgrade the older side)",
            ),
            ConnError::Rejected(reason) => write!(f, "handshake rejected: {reason}"),
            ConnError::Unauthorized(why) => write!(f, "authentication failed: {why}"),
            ConnError::WrongListener(found) => {
                write!(f, "another listener ('{found}') answers at this address")
            }
            ConnError::Protocol(DecodeError::UnsupportedVersion(v)) => write!(
                f,
                "the listener speaks wire protocol version {v}, this client {}",
                liner_core::frame::PROTOCOL_VERSION
            ),
            ConnError::Protocol(e) => write!(f, "protocol error: {e}"),
            ConnError::Unexpected(what) => write!(f, "protocol error: unexpected {what}"),
        }
    }
}

impl From<io::Error> for ConnError {
    fn from(e: io::Error) -> Self {
        ConnError::Io(e)
    }
}
