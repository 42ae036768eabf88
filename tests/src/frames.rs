//! Encoded wire frames for store tests: parked queues hold whole Data frames, and trimming
//! reads their seqs.

use liner_core::frame::{Data, FLAG_AT_LEAST_ONCE, Frame, LEN_PREFIX, MAX_DATA_HEADER_LEN, encode};

/// An at-least-once Data frame with `seq` and `payload`, encoded as it is parked.
pub fn data_frame(seq: u64, payload: &[u8]) -> Vec<u8> {
    let mut out = vec![0; LEN_PREFIX + MAX_DATA_HEADER_LEN + payload.len()];
    let frame = Frame::Data(Data {
        seq,
        topic_key: 1,
        flags: FLAG_AT_LEAST_ONCE,
        payload,
    });
    let len = encode(&frame, &mut out).expect("a Data frame encodes");
    out.truncate(len);
    out
}
