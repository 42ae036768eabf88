//! Property: every valid frame encodes to bytes that decode back to the same frame, by
//! every encoder (`encode`, `encode_data_header` + payload, `write_frame`, one `DataHead`
//! for many seqs).

// Each test crate uses part of the shared support module.
#[allow(dead_code)]
mod frame_support;

use frame_support::{OwnedFrame, frame};
use liner_core::frame::{
    Data, DataHead, DecodeError, Frame, LEN_PREFIX, MAX_DATA_HEADER_LEN, MAX_HEADER_LEN, encode,
    encode_data_header, encoded_len, parse_body, parse_frame, write_frame,
};
use proptest::prelude::*;

const CASES: u32 = 4000;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(CASES))]

    #[test]
    fn encode_then_parse_is_identity(owned in frame(2048)) {
        let frame = owned.as_frame();
        let len = encoded_len(&frame);
        let mut out = vec![0u8; len + 8];
        prop_assert_eq!(encode(&frame, &mut out), Ok(len));
        prop_assert_eq!(parse_frame(&out), Ok(Some((frame, len))));
        prop_assert_eq!(parse_body(&out[LEN_PREFIX..len]), Ok(frame));
        let declared = u32::from_le_bytes(out[..LEN_PREFIX].try_into().unwrap()) as usize;
        prop_assert_eq!(declared, len - LEN_PREFIX);
        let header_len = match frame {
            Frame::Data(data) => {
                prop_assert!(len - LEN_PREFIX - data.payload.len() <= MAX_DATA_HEADER_LEN);
                len - LEN_PREFIX - data.payload.len()
            }
            _ => len - LEN_PREFIX,
        };
        prop_assert!(header_len <= MAX_HEADER_LEN);
        // Every strict prefix of a frame is "incomplete", never an error.
        for cut in [0, 1, LEN_PREFIX, LEN_PREFIX + 1, len / 2, len - 1] {
            prop_assert_eq!(parse_frame(&out[..cut.min(len - 1)]), Ok(None));
        }
    }

    #[test]
    fn all_encoders_agree(owned in frame(512)) {
        let frame = owned.as_frame();
        let len = encoded_len(&frame);
        let mut whole = vec![0u8; len];
        encode(&frame, &mut whole).unwrap();

        let mut written = vec![0u8; len];
        let mut writer: &mut [u8] = &mut written;
        write_frame(&mut writer, &frame).unwrap();
        prop_assert!(writer.is_empty());
        prop_assert_eq!(&written, &whole);

        if let OwnedFrame::Data { seq, topic_key, flags, payload } = &owned {
            let mut split = vec![0u8; len];
            let head = encode_data_header(*seq, *topic_key, *flags, payload.len(), &mut split)
                .unwrap();
            prop_assert_eq!(head + payload.len(), len);
            split[head..].copy_from_slice(payload);
            prop_assert_eq!(&split, &whole);

            // One head for any seq (a fan-out encodes it once): each frame is encode's.
            let shared = DataHead::new(*topic_key, *flags).unwrap();
            for other in [0, 1, 127, 128, seq / 2, u64::MAX] {
                let data = Data { seq: other, topic_key: *topic_key, flags: *flags, payload };
                let mut want = vec![0u8; encoded_len(&Frame::Data(data))];
                encode(&Frame::Data(data), &mut want).unwrap();
                let mut got = vec![0u8; want.len()];
                let n = shared.write(other, payload.len(), &mut got).unwrap();
                prop_assert_eq!(n, shared.len(other));
                got[n..].copy_from_slice(payload);
                prop_assert_eq!(&got, &want);
            }
        }
    }

    #[test]
    fn a_body_cut_short_never_parses_as_the_original(owned in frame(64), cut in 0usize..600) {
        let frame = owned.as_frame();
        let len = encoded_len(&frame);
        let mut out = vec![0u8; len];
        encode(&frame, &mut out).unwrap();
        let body = &out[LEN_PREFIX..];
        let cut = cut % body.len();
        match parse_body(&body[..cut]) {
            // Only a Data frame can lose bytes and still parse: its payload got shorter.
            Ok(Frame::Data(data)) => {
                let Frame::Data(original) = frame else { unreachable!() };
                prop_assert!(data.payload.len() < original.payload.len());
            }
            Ok(other) => prop_assert!(false, "{:?} parsed from a cut {:?}", other, frame),
            Err(err) => prop_assert!(matches!(err, DecodeError::Truncated), "{:?}", err),
        }
    }
}
