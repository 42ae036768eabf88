//! Property: any chunking of a stream of frames — fed by slices, written into
//! `spare_mut`, or read from a chunked `embedded_io::Read` — decodes to the same frames.

// Each test crate uses part of the shared support module.
#[allow(dead_code)]
mod frame_support;

use frame_support::{ChunkedReader, OwnedFrame, chunk_sizes, encode_stream, frame, to_owned};
use liner_core::frame::{Decoder, LEN_PREFIX, MAX_HEADER_LEN};
use proptest::prelude::*;

const CASES: u32 = 2500;
const MAX_PAYLOAD: usize = 300;
/// Big enough for any generated frame, small enough to force compaction often.
const BUF_LEN: usize = LEN_PREFIX + MAX_HEADER_LEN + MAX_PAYLOAD;

fn frames() -> impl Strategy<Value = Vec<OwnedFrame>> {
    proptest::collection::vec(frame(MAX_PAYLOAD), 0..24)
}

/// Drains every complete frame out of `decoder` into `into`.
fn drain<B: AsRef<[u8]> + AsMut<[u8]>>(decoder: &mut Decoder<B>, into: &mut Vec<OwnedFrame>) {
    while let Some(frame) = decoder.next_frame().unwrap() {
        into.push(to_owned(frame));
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(CASES))]

    #[test]
    fn feeding_any_chunks_yields_the_frames(frames in frames(), sizes in chunk_sizes()) {
        let bytes = encode_stream(&frames);
        let mut decoder = Decoder::new([0u8; BUF_LEN], BUF_LEN);
        let mut decoded = Vec::new();
        let mut rest = &bytes[..];
        for size in sizes.iter().cycle() {
            if rest.is_empty() {
                break;
            }
            let chunk = &rest[..(*size).min(rest.len())];
            let taken = decoder.feed(chunk);
            rest = &rest[taken..];
            let before = decoded.len();
            drain(&mut decoder, &mut decoded);
            // A full buffer always holds a whole frame here, so something must move.
            prop_assert!(taken > 0 || decoded.len() > before, "decoder stalled");
        }
        prop_assert_eq!(decoder.buffered(), 0);
        prop_assert_eq!(decoded, frames);
    }

    #[test]
    fn reading_any_chunks_yields_the_frames(frames in frames(), sizes in chunk_sizes()) {
        let bytes = encode_stream(&frames);
        let mut reader = ChunkedReader { bytes: &bytes, sizes: &sizes, calls: 0 };
        let mut decoder = Decoder::new(vec![0u8; BUF_LEN], BUF_LEN);
        let mut decoded = Vec::new();
        while decoder.read_from(&mut reader).unwrap() > 0 {
            drain(&mut decoder, &mut decoded);
        }
        prop_assert!(reader.bytes.is_empty());
        prop_assert_eq!(decoder.buffered(), 0);
        prop_assert_eq!(decoded, frames);
    }

    #[test]
    fn spare_and_commit_with_a_growing_buffer(
        frames in frames(),
        sizes in chunk_sizes(),
        small in 8usize..64,
    ) {
        // Starts too small for most frames; grows through oversized_pending like the std
        // client's slow path.
        let bytes = encode_stream(&frames);
        let mut decoder = Decoder::new(vec![0u8; small], BUF_LEN);
        let mut decoded = Vec::new();
        let mut rest = &bytes[..];
        let mut sizes = sizes.iter().cycle();
        while !rest.is_empty() {
            let spare = decoder.spare_mut();
            let n = spare.len().min(rest.len()).min(*sizes.next().unwrap());
            prop_assert!(n > 0, "no room and no oversized frame reported");
            spare[..n].copy_from_slice(&rest[..n]);
            decoder.commit(n);
            rest = &rest[n..];
            drain(&mut decoder, &mut decoded);
            if let Some(total) = decoder.oversized_pending() {
                prop_assert!(total <= LEN_PREFIX + BUF_LEN);
                decoder.replace_buffer(vec![0u8; total]);
            }
        }
        prop_assert_eq!(decoder.buffered(), 0);
        prop_assert_eq!(decoded, frames);
    }
}
