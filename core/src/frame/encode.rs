//! Encoding frames into caller slices and into any [`embedded_io::Write`].
//!
//! Every encoder validates the frame first (names, flags, 32-bit body length) and
//! checks the room it needs, so on error nothing useful has been written and on success
//! the bytes always decode back to an equal frame.

use postcard::ser_flavors::Size;

use super::wire::Header;
use super::{
    DataHead, EncodeError, FLAGS_KNOWN, Frame, LEN_PREFIX, MAX_HEADER_LEN, MAX_NAME_LEN, WriteError,
};

/// Size of the whole encoded frame: length prefix, header and payload.
///
/// Meaningful for frames that [`encode`] accepts; for others it is the size the bytes would
/// have had.
pub fn encoded_len(frame: &Frame<'_>) -> usize {
    LEN_PREFIX + header_len(frame) + payload(frame).len()
}

/// Encodes the whole frame at the start of `out` and returns the number of bytes written.
pub fn encode(frame: &Frame<'_>, out: &mut [u8]) -> Result<usize, EncodeError> {
    let payload = payload(frame);
    let head = plan(frame, payload.len())?;
    let needed = head.len() + payload.len();
    let Some(out) = out.get_mut(..needed) else {
        return Err(EncodeError::BufferTooSmall { needed });
    };
    let (head_bytes, payload_bytes) = out.split_at_mut(head.len());
    head.write(frame, head_bytes)?;
    payload_bytes.copy_from_slice(payload);
    Ok(needed)
}

/// Encodes the length prefix and the header of a Data frame whose `payload_len` payload
/// bytes the caller writes right after the returned length (at most
/// `LEN_PREFIX + MAX_DATA_HEADER_LEN` bytes).
pub fn encode_data_header(
    seq: u64,
    topic_key: u64,
    flags: u8,
    payload_len: usize,
    out: &mut [u8],
) -> Result<usize, EncodeError> {
    DataHead::new(topic_key, flags)?.write(seq, payload_len, out)
}

/// Writes the whole frame to `w` without allocating: the prefix and header go through a
/// stack buffer of `LEN_PREFIX + MAX_HEADER_LEN` bytes, the payload straight from its
/// borrow. Does not flush. Nothing is written when the frame cannot be encoded.
pub fn write_frame<W: embedded_io::Write>(
    w: &mut W,
    frame: &Frame<'_>,
) -> Result<(), WriteError<W::Error>> {
    let payload = payload(frame);
    let head = plan(frame, payload.len())?;
    let mut scratch = [0u8; LEN_PREFIX + MAX_HEADER_LEN];
    let head_len = head.write(frame, &mut scratch)?;
    w.write_all(&scratch[..head_len]).map_err(WriteError::Io)?;
    if !payload.is_empty() {
        w.write_all(payload).map_err(WriteError::Io)?;
    }
    Ok(())
}

/// The payload carried after the header (empty for every kind but Data).
fn payload<'a>(frame: &Frame<'a>) -> &'a [u8] {
    match frame {
        Frame::Data(data) => data.payload,
        _ => &[],
    }
}

/// Header length of `frame`, measured by running the serializer without output.
fn header_len(frame: &Frame<'_>) -> usize {
    // The Size flavor has no capacity limit and our headers hold no sequence of unknown
    // length, so measuring cannot fail.
    postcard::serialize_with_flavor(&Header(frame), Size::default()).unwrap_or(MAX_HEADER_LEN)
}

/// Length prefix and header of a validated frame.
#[derive(Clone, Copy)]
struct Head {
    header_len: usize,
    body_len: u32,
}

/// Validates `frame` (refusing what the peer would refuse, so encoded bytes always decode)
/// and sizes its head for a payload of `payload_len` bytes.
fn plan(frame: &Frame<'_>, payload_len: usize) -> Result<Head, EncodeError> {
    let name_ok = |name: &str| name.len() <= MAX_NAME_LEN;
    match frame {
        Frame::Hello(h)
            if ![h.sender_name, h.sender_topic, h.listener_name]
                .into_iter()
                .all(name_ok) =>
        {
            return Err(EncodeError::NameTooLong);
        }
        Frame::Welcome(w) if !name_ok(w.listener_name) => return Err(EncodeError::NameTooLong),
        Frame::Data(d) if d.flags & !FLAGS_KNOWN != 0 => {
            return Err(EncodeError::UnknownFlags(d.flags & !FLAGS_KNOWN));
        }
        _ => {}
    }
    let header_len = header_len(frame);
    let body_len = header_len
        .checked_add(payload_len)
        .and_then(|len| u32::try_from(len).ok())
        .ok_or(EncodeError::PayloadTooLong)?;
    Ok(Head {
        header_len,
        body_len,
    })
}

impl Head {
    /// Prefix plus header bytes.
    fn len(self) -> usize {
        LEN_PREFIX + self.header_len
    }

    /// Writes the prefix and `frame`'s header at the start of `out`; returns the bytes written.
    fn write(self, frame: &Frame<'_>, out: &mut [u8]) -> Result<usize, EncodeError> {
        let needed = self.len();
        let Some((prefix, header)) = out
            .get_mut(..needed)
            .and_then(|o| o.split_first_chunk_mut())
        else {
            return Err(EncodeError::BufferTooSmall { needed });
        };
        *prefix = self.body_len.to_le_bytes();
        postcard::to_slice(&Header(frame), header)
            .map_err(|_| EncodeError::BufferTooSmall { needed })?;
        Ok(needed)
    }
}
