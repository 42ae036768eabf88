//! Decoding one frame from a byte slice, and the prefix inspection the streaming
//! [`Decoder`](super::Decoder) shares with [`parse_frame`].

use serde::Deserialize;

use super::wire::{DataFields, HelloFields, Preamble, WelcomeFields, kind};
use super::{
    Data, DecodeError, FLAGS_KNOWN, Frame, Hello, LEN_PREFIX, MAGIC, MAX_NAME_LEN, NONCE_LEN,
    PROOF_LEN, PROTOCOL_VERSION, RejectReason, Welcome,
};

/// Decodes one frame body (the bytes after the length prefix). A Data payload borrows the
/// rest of `body`; every other kind must end exactly where its header ends.
pub fn parse_body(body: &[u8]) -> Result<Frame<'_>, DecodeError> {
    let (&kind, rest) = body.split_first().ok_or(DecodeError::Truncated)?;
    match kind {
        kind::HELLO => parse_hello(rest),
        kind::WELCOME => {
            // The version leads: a Welcome of another version is refused whatever follows.
            check_version(take::<u16>(rest)?.0)?;
            let fields: WelcomeFields<'_> = take_all(rest)?;
            check_name(fields.listener_name)?;
            Ok(Frame::Welcome(Welcome {
                listener_name: fields.listener_name,
                cursor: fields.cursor,
                proof: fields.proof,
            }))
        }
        kind::REJECT => {
            let code: u8 = take_all(rest)?;
            let reason =
                RejectReason::from_code(code).ok_or(DecodeError::UnknownRejectReason(code))?;
            Ok(Frame::Reject(reason))
        }
        kind::CHALLENGE => take_all::<[u8; NONCE_LEN]>(rest).map(Frame::Challenge),
        kind::PROOF => take_all::<Option<[u8; PROOF_LEN]>>(rest).map(Frame::Proof),
        kind::DATA => {
            let (fields, payload) = take_data_fields(rest)?;
            if fields.flags & !FLAGS_KNOWN != 0 {
                return Err(DecodeError::UnknownFlags(fields.flags & !FLAGS_KNOWN));
            }
            let DataFields {
                seq,
                topic_key,
                flags,
            } = fields;
            Ok(Frame::Data(Data {
                seq,
                topic_key,
                flags,
                payload,
            }))
        }
        kind::ACK => take_all(rest).map(Frame::Ack),
        kind::PING => take_all(rest).map(Frame::Ping),
        kind::PONG => take_all(rest).map(Frame::Pong),
        kind::BYE => take_all::<()>(rest).map(|()| Frame::Bye),
        unknown => Err(DecodeError::UnknownKind(unknown)),
    }
}

/// Decodes the frame (length prefix and body) at the start of `bytes`.
///
/// `Ok(None)` means more bytes are needed; `Ok(Some((frame, used)))` gives the frame and
/// the number of bytes it occupied. No maximum body length applies beyond the 32-bit
/// prefix; an unknown kind is reported as soon as the first body byte is present.
pub fn parse_frame(bytes: &[u8]) -> Result<Option<(Frame<'_>, usize)>, DecodeError> {
    match peek(bytes, usize::MAX)? {
        Next::Complete { total } => Ok(Some((parse_body(&bytes[LEN_PREFIX..total])?, total))),
        Next::NeedPrefix | Next::Incomplete { .. } => Ok(None),
    }
}

/// What the bytes at the start of a stream say about the next frame.
pub(super) enum Next {
    /// Fewer than [`LEN_PREFIX`] bytes.
    NeedPrefix,
    /// The prefix is there and announces a frame of `total` bytes, not all present yet.
    Incomplete { total: usize },
    /// The whole frame of `total` bytes is present.
    Complete { total: usize },
}

/// Checks the length prefix (and the kind byte when present) of the frame at the start of
/// `bytes`, refusing a body longer than `max_body_len` without looking at any body byte.
pub(super) fn peek(bytes: &[u8], max_body_len: usize) -> Result<Next, DecodeError> {
    let Some(prefix) = bytes.first_chunk::<LEN_PREFIX>() else {
        return Ok(Next::NeedPrefix);
    };
    // liner-core targets have usize of at least 32 bits.
    let body_len = u32::from_le_bytes(*prefix) as usize;
    if body_len > max_body_len {
        return Err(DecodeError::TooLong {
            len: body_len,
            max: max_body_len,
        });
    }
    if body_len == 0 {
        return Err(DecodeError::Truncated);
    }
    if let Some(&first) = bytes.get(LEN_PREFIX)
        && !kind::is_known(first)
    {
        return Err(DecodeError::UnknownKind(first));
    }
    let total = LEN_PREFIX + body_len;
    Ok(if bytes.len() >= total {
        Next::Complete { total }
    } else {
        Next::Incomplete { total }
    })
}

/// Magic, then version, then the rest: a peer of another version is refused by its
/// preamble and its fields are never interpreted.
fn parse_hello(rest: &[u8]) -> Result<Frame<'_>, DecodeError> {
    let (preamble, rest) = take::<Preamble>(rest)?;
    if preamble.magic != MAGIC {
        return Err(DecodeError::BadMagic);
    }
    check_version(preamble.version)?;
    let fields: HelloFields<'_> = take_all(rest)?;
    for name in [
        fields.sender_name,
        fields.sender_topic,
        fields.listener_name,
    ] {
        check_name(name)?;
    }
    Ok(Frame::Hello(Hello {
        sender_name: fields.sender_name,
        sender_topic: fields.sender_topic,
        listener_name: fields.listener_name,
        connection_key: fields.connection_key,
        nonce: fields.nonce,
    }))
}

fn check_version(version: u16) -> Result<(), DecodeError> {
    if version == PROTOCOL_VERSION {
        Ok(())
    } else {
        Err(DecodeError::UnsupportedVersion(version))
    }
}

fn check_name(name: &str) -> Result<(), DecodeError> {
    if name.len() <= MAX_NAME_LEN {
        Ok(())
    } else {
        Err(DecodeError::Malformed)
    }
}

/// Decodes a `T` from the start of `bytes`, returning it with the bytes after it.
fn take<'a, T: Deserialize<'a>>(bytes: &'a [u8]) -> Result<(T, &'a [u8]), DecodeError> {
    postcard::take_from_bytes(bytes).map_err(|err| match err {
        postcard::Error::DeserializeUnexpectedEnd => DecodeError::Truncated,
        _ => DecodeError::Malformed,
    })
}

/// The Data header, decoded by hand: it is the one header on the per-message path, and
/// this accepts exactly what `take::<DataFields>` (postcard) accepts, several times faster.
fn take_data_fields(bytes: &[u8]) -> Result<(DataFields, &[u8]), DecodeError> {
    let (seq, rest) = take_varint_u64(bytes)?;
    let (topic_key, rest) = take_varint_u64(rest)?;
    let (&flags, payload) = rest.split_first().ok_or(DecodeError::Truncated)?;
    let fields = DataFields {
        seq,
        topic_key,
        flags,
    };
    Ok((fields, payload))
}

/// One postcard varint `u64` (LEB128, at most 10 bytes, the last one at most 1).
fn take_varint_u64(bytes: &[u8]) -> Result<(u64, &[u8]), DecodeError> {
    const MAX_LEN: usize = 10;
    let mut value = 0u64;
    for (i, &byte) in bytes.iter().take(MAX_LEN).enumerate() {
        value |= u64::from(byte & 0x7F) << (7 * i);
        if byte & 0x80 == 0 {
            if i == MAX_LEN - 1 && byte > 1 {
                return Err(DecodeError::Malformed);
            }
            return Ok((value, &bytes[i + 1..]));
        }
    }
    if bytes.len() < MAX_LEN {
        Err(DecodeError::Truncated)
    } else {
        Err(DecodeError::Malformed)
    }
}

/// Decodes a `T` that must span all of `bytes`.
fn take_all<'a, T: Deserialize<'a>>(bytes: &'a [u8]) -> Result<T, DecodeError> {
    match take(bytes)? {
        (value, []) => Ok(value),
        _ => Err(DecodeError::Malformed),
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    /// seq, topic key, flags, and the bytes after them.
    type Decoded<'a> = Result<((u64, u64, u8), &'a [u8]), DecodeError>;

    fn via_postcard(bytes: &[u8]) -> Decoded<'_> {
        take::<DataFields>(bytes).map(|(f, rest)| ((f.seq, f.topic_key, f.flags), rest))
    }

    fn by_hand(bytes: &[u8]) -> Decoded<'_> {
        take_data_fields(bytes).map(|(f, rest)| ((f.seq, f.topic_key, f.flags), rest))
    }

    #[test]
    fn the_hand_decoder_agrees_with_postcard_on_edge_varints() {
        let cases: [&[u8]; 7] = [
            &[],
            &[0x80],
            &[1, 2, 3, 4],
            &[
                0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01, 0, 0,
            ],
            &[
                0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x02, 0, 0,
            ],
            &[0xFF; 11],
            &[0x80, 0x80, 0x00, 5, 1, 9, 9],
        ];
        for bytes in cases {
            assert_eq!(by_hand(bytes), via_postcard(bytes), "{bytes:02x?}");
        }
    }

    proptest! {
        #[test]
        fn the_hand_decoder_agrees_with_postcard(bytes in proptest::collection::vec(
            prop_oneof![Just(0x80u8), Just(0xFFu8), Just(0x01u8), any::<u8>()], 0..24)) {
            prop_assert_eq!(by_hand(&bytes), via_postcard(&bytes));
        }
    }
}
