//! Property: corrupted or arbitrary input never panics any decoder entry point, errors are
//! sticky, and whatever does decode re-encodes to an equal frame.

// Each test crate uses part of the shared support module.
#[allow(dead_code)]
mod frame_support;

use frame_support::{chunk_sizes, encode_stream, frame};
use liner_core::frame::{
    DecodeError, Decoder, Frame, LEN_PREFIX, encode, encoded_len, parse_body, parse_frame,
};
use proptest::prelude::*;

const CASES: u32 = 3000;
const MAX_BODY: usize = 512;

/// A decoded frame must survive another trip through the encoder.
fn assert_reencodes(frame: &Frame<'_>) {
    let mut out = vec![0u8; encoded_len(frame)];
    let n = encode(frame, &mut out).expect("a decoded frame is encodable");
    assert_eq!(parse_frame(&out[..n]), Ok(Some((*frame, n))));
}

/// Runs `bytes` through every entry point; returns the decoder's outcome.
fn decode_everything(bytes: &[u8], sizes: &[usize]) -> Result<usize, DecodeError> {
    if let Ok(frame) = parse_body(bytes) {
        assert_reencodes(&frame);
    }
    let mut at = 0;
    while let Ok(Some((frame, used))) = parse_frame(&bytes[at..]) {
        assert_reencodes(&frame);
        at += used;
    }

    let mut decoder = Decoder::new([0u8; LEN_PREFIX + MAX_BODY], MAX_BODY);
    let mut frames = 0;
    let mut rest = bytes;
    for size in sizes.iter().cycle() {
        let taken = decoder.feed(&rest[..(*size).min(rest.len())]);
        rest = &rest[taken..];
        loop {
            match decoder.next_frame() {
                Ok(Some(frame)) => {
                    assert_reencodes(&frame);
                    frames += 1;
                }
                Ok(None) if rest.is_empty() || taken == 0 => return Ok(frames),
                Ok(None) => break,
                Err(err) => {
                    assert_eq!(decoder.next_frame(), Err(err), "errors are sticky");
                    return Err(err);
                }
            }
        }
    }
    unreachable!("cycle never ends")
}

fn flips() -> impl Strategy<Value = Vec<(usize, u8)>> {
    proptest::collection::vec((any::<usize>(), 1u8..=255), 1..8)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(CASES))]

    #[test]
    fn arbitrary_bytes_never_panic(
        bytes in proptest::collection::vec(any::<u8>(), 0..1024),
        sizes in chunk_sizes(),
    ) {
        let _ = decode_everything(&bytes, &sizes);
    }

    #[test]
    fn corrupted_streams_never_panic(
        frames in proptest::collection::vec(frame(200), 1..8),
        flips in flips(),
        cut in any::<usize>(),
        sizes in chunk_sizes(),
    ) {
        let mut bytes = encode_stream(&frames);
        for (pos, xor) in flips {
            let len = bytes.len();
            bytes[pos % len] ^= xor;
        }
        bytes.truncate(cut % (bytes.len() + 1));
        let _ = decode_everything(&bytes, &sizes);
    }

    #[test]
    fn a_declared_length_over_the_maximum_is_refused_at_once(
        len in (MAX_BODY as u32 + 1)..=u32::MAX,
        tail in proptest::collection::vec(any::<u8>(), 0..16),
    ) {
        let mut bytes = len.to_le_bytes().to_vec();
        bytes.extend_from_slice(&tail);
        let mut decoder = Decoder::new([0u8; 64], MAX_BODY);
        decoder.feed(&bytes[..LEN_PREFIX]);
        let too_long = DecodeError::TooLong { len: len as usize, max: MAX_BODY };
        prop_assert_eq!(decoder.next_frame(), Err(too_long));
        decoder.feed(&bytes[LEN_PREFIX..]);
        prop_assert_eq!(decoder.next_frame(), Err(too_long));
    }
}
