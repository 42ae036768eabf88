//! The head of a Data frame (length prefix and header), written without the serializer:
//! it is on the send path of every message. A [`DataHead`] keeps what follows the seq
//! (topic key and flags) encoded, so one message sent to many peers — a frame per peer,
//! differing only in the seq — is encoded once, and each peer's frame only adds its seq.
//! The bytes are exactly what [`encode`](super::encode) writes (property-tested against it).

use super::wire::kind;
use super::{EncodeError, FLAG_AT_LEAST_ONCE, FLAGS_KNOWN, LEN_PREFIX, VARINT_U64_MAX};

/// Topic key varint and flags byte.
const FIELDS_MAX: usize = VARINT_U64_MAX + 1;

/// The head of the Data frames of one topic key and flags, for any seq and payload.
#[derive(Debug, Clone, Copy)]
pub struct DataHead {
    /// The header fields after the seq, encoded: topic key varint, flags.
    fields: [u8; FIELDS_MAX],
    fields_len: usize,
    flags: u8,
}

impl DataHead {
    /// Validates the flags (unknown bits are refused, as the peer would) and encodes the
    /// fields every frame of this message shares.
    pub fn new(topic_key: u64, flags: u8) -> Result<Self, EncodeError> {
        if flags & !FLAGS_KNOWN != 0 {
            return Err(EncodeError::UnknownFlags(flags & !FLAGS_KNOWN));
        }
        let mut fields = [0u8; FIELDS_MAX];
        let key_len = put_varint(topic_key, &mut fields);
        fields[key_len] = flags;
        Ok(DataHead {
            fields,
            fields_len: key_len + 1,
            flags,
        })
    }

    /// Whether the frames are at-least-once.
    pub fn at_least_once(&self) -> bool {
        self.flags & FLAG_AT_LEAST_ONCE != 0
    }

    /// Bytes of the head of the frame numbered `seq` (the payload follows them).
    pub fn len(&self, seq: u64) -> usize {
        LEN_PREFIX + 1 + varint_len(seq) + self.fields_len
    }

    /// Body length (header and payload, what the length prefix says) of the frame
    /// numbered `seq` with `payload_len` payload bytes; fails when it does not fit the
    /// 32-bit length prefix.
    pub fn body_len(&self, seq: u64, payload_len: usize) -> Result<u32, EncodeError> {
        (self.len(seq) - LEN_PREFIX)
            .checked_add(payload_len)
            .and_then(|len| u32::try_from(len).ok())
            .ok_or(EncodeError::PayloadTooLong)
    }

    /// Writes the head of the frame numbered `seq` with `payload_len` payload bytes at
    /// the start of `out`; returns its length. Fails as [`DataHead::body_len`] does, or
    /// when `out` is too short.
    pub fn write(
        &self,
        seq: u64,
        payload_len: usize,
        out: &mut [u8],
    ) -> Result<usize, EncodeError> {
        let body_len = self.body_len(seq, payload_len)?;
        let needed = self.len(seq);
        let Some(out) = out.get_mut(..needed) else {
            return Err(EncodeError::BufferTooSmall { needed });
        };
        let (prefix, body) = out.split_at_mut(LEN_PREFIX);
        prefix.copy_from_slice(&body_len.to_le_bytes());
        body[0] = kind::DATA;
        let seq_len = put_varint(seq, &mut body[1..]);
        body[1 + seq_len..].copy_from_slice(&self.fields[..self.fields_len]);
        Ok(needed)
    }
}

/// Bytes of the postcard varint of `value` (7 bits per byte).
fn varint_len(value: u64) -> usize {
    let bits = u64::BITS - (value | 1).leading_zeros();
    bits.div_ceil(7) as usize
}

/// Writes the postcard varint of `value` (least significant group first, high bit set on
/// every byte but the last) at the start of `out`, which has room for it; returns its
/// length.
fn put_varint(mut value: u64, out: &mut [u8]) -> usize {
    let mut n = 0;
    while value >= 0x80 {
        out[n] = (value as u8) | 0x80;
        value >>= 7;
        n += 1;
    }
    out[n] = value as u8;
    n + 1
}
