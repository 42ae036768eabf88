//! Errors of encoding, writing and decoding frames.

use core::fmt;

/// Why bytes received from a peer are not a valid v2 frame.
///
/// Every variant means the byte stream can no longer be trusted: the caller closes the
/// connection (answering a bad `Hello` with a `Reject` first, see
/// [`DecodeError::reject_reason`]). The [`Decoder`](super::Decoder) keeps returning the same
/// error once it has seen one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum DecodeError {
    /// The length prefix declares a body longer than the configured maximum. Detected from
    /// the 4-byte prefix alone, without waiting for the body.
    TooLong {
        /// Declared body length.
        len: usize,
        /// Configured maximum body length.
        max: usize,
    },
    /// The body's first byte is not a frame kind of this version.
    UnknownKind(u8),
    /// A `Hello` did not start with the protocol magic: the peer is not speaking liner.
    BadMagic,
    /// A `Hello` or `Welcome` carried a protocol version other than ours.
    UnsupportedVersion(u16),
    /// The header runs past the end of the body (including an empty body).
    Truncated,
    /// A `Data` frame set flag bits this version does not define.
    UnknownFlags(u8),
    /// A `Reject` carried a reason code this version does not define.
    UnknownRejectReason(u8),
    /// The header is not valid postcard for its kind: bad varint or option tag, invalid
    /// UTF-8, a name over its limit, or trailing bytes after a non-Data header.
    Malformed,
}

impl DecodeError {
    /// The reason an acceptor should send in a `Reject` when the first frame of a connection
    /// failed to decode with this error.
    pub fn reject_reason(self) -> super::RejectReason {
        match self {
            Self::BadMagic => super::RejectReason::BadMagic,
            Self::UnsupportedVersion(_) => super::RejectReason::UnsupportedVersion,
            _ => super::RejectReason::Malformed,
        }
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::TooLong { len, max } => {
                write!(f, "frame body of {len} bytes exceeds the maximum of {max}")
            }
            Self::UnknownKind(kind) => write!(f, "unknown frame kind 0x{kind:02x}"),
            Self::BadMagic => f.write_str("bad magic: peer is not speaking the liner protocol"),
            Self::UnsupportedVersion(v) => write!(f, "unsupported protocol version {v}"),
            Self::Truncated => f.write_str("frame header runs past the end of the body"),
            Self::UnknownFlags(flags) => write!(f, "unknown data flag bits 0x{flags:02x}"),
            Self::UnknownRejectReason(code) => write!(f, "unknown reject reason code {code}"),
            Self::Malformed => f.write_str("malformed frame header"),
        }
    }
}

impl core::error::Error for DecodeError {}

/// Why a frame cannot be encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum EncodeError {
    /// The output slice is too small; `needed` bytes would be written.
    BufferTooSmall {
        /// Bytes the operation needs.
        needed: usize,
    },
    /// A name or topic is longer than [`MAX_NAME_LEN`](super::MAX_NAME_LEN).
    NameTooLong,
    /// Header plus payload would not fit the 32-bit length prefix.
    PayloadTooLong,
    /// The flags contain bits this version does not define (the peer would refuse them).
    UnknownFlags(u8),
}

impl fmt::Display for EncodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::BufferTooSmall { needed } => {
                write!(f, "output buffer too small: {needed} bytes needed")
            }
            Self::NameTooLong => write!(f, "name longer than {} bytes", super::MAX_NAME_LEN),
            Self::PayloadTooLong => f.write_str("payload does not fit a 32-bit frame length"),
            Self::UnknownFlags(flags) => write!(f, "unknown data flag bits 0x{flags:02x}"),
        }
    }
}

impl core::error::Error for EncodeError {}

/// Why [`write_frame`](super::write_frame) failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum WriteError<E> {
    /// The writer failed; part of the frame may have been written.
    Io(E),
    /// The frame could not be encoded; nothing was written.
    Encode(EncodeError),
}

impl<E> From<EncodeError> for WriteError<E> {
    fn from(err: EncodeError) -> Self {
        Self::Encode(err)
    }
}

impl<E: fmt::Display> fmt::Display for WriteError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Io(err) => write!(f, "writing frame: {err}"),
            Self::Encode(err) => write!(f, "encoding frame: {err}"),
        }
    }
}

impl<E: core::error::Error + 'static> core::error::Error for WriteError<E> {
    fn source(&self) -> Option<&(dyn core::error::Error + 'static)> {
        match self {
            Self::Io(err) => Some(err),
            Self::Encode(err) => Some(err),
        }
    }
}
