//! The frame values of wire protocol v2 as the rest of the crate sees them.
//!
//! Every borrowed field points into the caller's buffer (the decoder's storage or the bytes
//! given to [`parse_body`](super::parse_body)); nothing is copied.

use core::fmt;

use super::{FLAG_AT_LEAST_ONCE, NONCE_LEN, PROOF_LEN};

/// One frame of wire protocol v2.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Frame<'a> {
    /// Connector → acceptor, the first frame on a connection.
    Hello(Hello<'a>),
    /// Acceptor → connector: the handshake succeeded.
    Welcome(Welcome<'a>),
    /// Acceptor → connector: the handshake failed; the acceptor closes the connection.
    Reject(RejectReason),
    /// Acceptor → connector, in answer to a `Hello` when the acceptor has a secret: its
    /// nonce; the connector answers with a [`Frame::Proof`].
    Challenge([u8; NONCE_LEN]),
    /// Connector → acceptor, in answer to a `Challenge`: the connector's proof of the
    /// secret, or none when it has no secret (the acceptor then rejects it).
    Proof(Option<[u8; PROOF_LEN]>),
    /// One message.
    Data(Data<'a>),
    /// Cumulative acknowledgement: every Data frame with `seq <=` this value was delivered.
    Ack(u64),
    /// Liveness probe carrying a nonce the peer echoes in a [`Frame::Pong`].
    Ping(u64),
    /// Answer to a [`Frame::Ping`], with the same nonce.
    Pong(u64),
    /// Clean close: the sender of `Bye` sends nothing more.
    Bye,
}

/// Handshake opener. The magic and the protocol version are implicit: the encoder always
/// writes [`MAGIC`](super::MAGIC) and [`PROTOCOL_VERSION`](super::PROTOCOL_VERSION), the
/// decoder refuses anything else.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Hello<'a> {
    /// The connecting peer's unique name (at most [`MAX_NAME_LEN`](super::MAX_NAME_LEN) bytes).
    pub sender_name: &'a str,
    /// The topic the connecting peer sends from.
    pub sender_topic: &'a str,
    /// The unique name the connector expects to find listening at this address.
    pub listener_name: &'a str,
    /// Connection key of the channel (sender name, sender topic, listener name).
    pub connection_key: u64,
    /// The connector's fresh random nonce for this connection.
    pub nonce: [u8; NONCE_LEN],
}

/// Handshake acceptance. The protocol version is implicit, as in [`Hello`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Welcome<'a> {
    /// The accepting peer's unique name.
    pub listener_name: &'a str,
    /// Last seq the listener delivered on this connection key (0 = nothing yet).
    pub cursor: u64,
    /// The acceptor's proof of the secret (when it challenged the connector), binding the
    /// handshake and `cursor`.
    pub proof: Option<[u8; PROOF_LEN]>,
}

/// Why an acceptor refused a [`Hello`]. The numeric codes are part of the wire format and
/// never change meaning.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum RejectReason {
    /// The Hello carried a protocol version this peer does not speak.
    UnsupportedVersion,
    /// The Hello did not start with [`MAGIC`](super::MAGIC).
    BadMagic,
    /// The listener at this address is not the one the Hello named.
    WrongListener,
    /// The authentication proof was missing or wrong.
    Unauthorized,
    /// The acceptor has no room for another connection.
    Busy,
    /// The Hello could not be decoded.
    Malformed,
}

impl RejectReason {
    /// Every reason, in code order.
    pub const ALL: [RejectReason; 6] = [
        Self::UnsupportedVersion,
        Self::BadMagic,
        Self::WrongListener,
        Self::Unauthorized,
        Self::Busy,
        Self::Malformed,
    ];

    /// The stable wire code of this reason.
    pub const fn code(self) -> u8 {
        match self {
            Self::UnsupportedVersion => 1,
            Self::BadMagic => 2,
            Self::WrongListener => 3,
            Self::Unauthorized => 4,
            Self::Busy => 5,
            Self::Malformed => 6,
        }
    }

    /// The reason with wire code `code`, if there is one.
    pub const fn from_code(code: u8) -> Option<Self> {
        Some(match code {
            1 => Self::UnsupportedVersion,
            2 => Self::BadMagic,
            3 => Self::WrongListener,
            4 => Self::Unauthorized,
            5 => Self::Busy,
            6 => Self::Malformed,
            _ => return None,
        })
    }
}

impl fmt::Display for RejectReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::UnsupportedVersion => "unsupported protocol version",
            Self::BadMagic => "bad magic (not a liner peer)",
            Self::WrongListener => "wrong listener at this address",
            Self::Unauthorized => "unauthorized",
            Self::Busy => "listener busy",
            Self::Malformed => "malformed handshake",
        })
    }
}

/// One message: header fields plus the payload, borrowed from the buffer it arrived in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Data<'a> {
    /// Sequence number, strictly increasing per connection key.
    pub seq: u64,
    /// Key of the destination topic.
    pub topic_key: u64,
    /// Flag bits (`FLAG_*`); bits this version does not define are refused.
    pub flags: u8,
    /// The message bytes.
    pub payload: &'a [u8],
}

impl Data<'_> {
    /// Whether the sender wants an acknowledgement and will redeliver until it gets one.
    pub fn at_least_once(&self) -> bool {
        self.flags & FLAG_AT_LEAST_ONCE != 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reject_codes_round_trip_and_are_distinct() {
        for (i, reason) in RejectReason::ALL.iter().enumerate() {
            assert_eq!(usize::from(reason.code()), i + 1);
            assert_eq!(RejectReason::from_code(reason.code()), Some(*reason));
        }
        assert_eq!(RejectReason::from_code(0), None);
        assert_eq!(RejectReason::from_code(7), None);
    }

    #[test]
    fn at_least_once_reads_the_flag_bit() {
        let mut data = Data {
            seq: 1,
            topic_key: 2,
            flags: 0,
            payload: b"x",
        };
        assert!(!data.at_least_once());
        data.flags = FLAG_AT_LEAST_ONCE;
        assert!(data.at_least_once());
    }
}
