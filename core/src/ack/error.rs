//! Why a frame could not enter the transmit window.

use core::fmt;

use crate::frame::{DecodeError, EncodeError};

/// Why [`TxWindow::push_data`](super::TxWindow::push_data) or
/// [`TxWindow::push_encoded`](super::TxWindow::push_encoded) refused a frame. The window is
/// unchanged after any of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum WindowError {
    /// Not enough room now: too few free bytes, or (for an at-least-once frame, which
    /// never moves the kept frames) free bytes split between both ends of the buffer with
    /// neither part big enough; acks (or writes, for best-effort frames) will free more.
    Full {
        /// Size of the encoded frame.
        needed: usize,
        /// Free bytes in the window.
        free: usize,
    },
    /// There is room for a best-effort frame, but only after moving the kept frames to
    /// the front, and the window is pinned (see [`TxWindow::pin`](super::TxWindow::pin)):
    /// retry once it is unpinned.
    Pinned,
    /// The encoded frame is larger than the whole window: it can never fit.
    TooLarge {
        /// Size of the encoded frame.
        needed: usize,
        /// Capacity of the window.
        capacity: usize,
    },
    /// The seq is not above the last one pushed (seqs start at 1 and strictly increase).
    SeqNotIncreasing {
        /// Last seq pushed, 0 when none.
        last: u64,
        /// The refused seq.
        got: u64,
    },
    /// `push_encoded` got a well-formed frame of another kind than Data.
    NotData,
    /// `push_encoded` got bytes that are not exactly one valid frame (`Truncated` when they
    /// end early, `Malformed` when bytes follow the frame).
    Malformed(DecodeError),
    /// `push_data` got a header the encoder refuses (unknown flag bits, a payload beyond
    /// the 32-bit length prefix).
    Encode(EncodeError),
}

impl fmt::Display for WindowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Full { needed, free } => {
                write!(
                    f,
                    "transmit window full: frame needs {needed} bytes, {free} free"
                )
            }
            Self::Pinned => f.write_str("transmit window pinned by a write in progress"),
            Self::TooLarge { needed, capacity } => write!(
                f,
                "frame of {needed} bytes exceeds the transmit window of {capacity} bytes"
            ),
            Self::SeqNotIncreasing { last, got } => {
                write!(f, "seq {got} is not above the last pushed seq {last}")
            }
            Self::NotData => f.write_str("only Data frames can enter the transmit window"),
            Self::Malformed(err) => write!(f, "stored frame is invalid: {err}"),
            Self::Encode(err) => write!(f, "cannot encode frame: {err}"),
        }
    }
}

impl core::error::Error for WindowError {
    fn source(&self) -> Option<&(dyn core::error::Error + 'static)> {
        match self {
            Self::Malformed(err) => Some(err),
            Self::Encode(err) => Some(err),
            _ => None,
        }
    }
}
