//! Fuzz target `decoder`: arbitrary bytes, cut into arbitrary chunks, through every frame
//! decoder entry point (`parse_body`, `parse_frame`, `Decoder` by `feed` and by
//! `spare_mut`/`commit`, growing its buffer on `oversized_pending`). Nothing may panic,
//! errors must be sticky, and every decoded frame must re-encode to an equal frame.
#![no_main]

use libfuzzer_sys::fuzz_target;
use liner_core::frame::{
    DecodeError, Decoder, Frame, LEN_PREFIX, encode, encoded_len, parse_body, parse_frame,
};

fuzz_target!(|input: (Vec<u8>, u16, u8, bool, &[u8])| {
    let (chunks, max_body, initial_buf, use_spare, bytes) = input;
    if let Ok(frame) = parse_body(bytes) {
        check_reencodes(&frame);
    }
    let mut at = 0;
    while let Ok(Some((frame, used))) = parse_frame(&bytes[at..]) {
        check_reencodes(&frame);
        at += used;
    }
    // A decoder buffer must at least hold a length prefix.
    let initial_buf = usize::from(initial_buf).max(LEN_PREFIX);
    decode_stream(
        bytes,
        &chunks,
        usize::from(max_body),
        initial_buf,
        use_spare,
    );
});

/// Feeds `bytes` in chunks of the given sizes (cycled; 0 counts as 1) to a decoder that
/// starts with `initial_buf` bytes of storage and grows when a frame needs more.
fn decode_stream(
    bytes: &[u8],
    chunks: &[u8],
    max_body: usize,
    initial_buf: usize,
    use_spare: bool,
) {
    let mut decoder = Decoder::new(vec![0u8; initial_buf], max_body);
    let mut sizes = chunks.iter().map(|&size| usize::from(size.max(1))).cycle();
    let mut rest = bytes;
    loop {
        let want = sizes.next().unwrap_or(rest.len()).min(rest.len());
        let taken = if use_spare {
            let spare = decoder.spare_mut();
            let n = want.min(spare.len());
            spare[..n].copy_from_slice(&rest[..n]);
            decoder.commit(n);
            n
        } else {
            decoder.feed(&rest[..want])
        };
        rest = &rest[taken..];
        let mut progressed = taken > 0;
        loop {
            match decoder.next_frame() {
                Ok(Some(frame)) => {
                    check_reencodes(&frame);
                    progressed = true;
                }
                Ok(None) => break,
                Err(err) => return check_sticky(&mut decoder, err),
            }
        }
        if let Some(total) = decoder.oversized_pending() {
            assert!(total <= LEN_PREFIX + max_body);
            decoder.replace_buffer(vec![0u8; total]);
            progressed = true;
        }
        if rest.is_empty() {
            return;
        }
        // A decoder with a full buffer must either yield a frame or ask for a bigger one.
        assert!(
            progressed,
            "decoder stalled with {} bytes buffered",
            decoder.buffered()
        );
    }
}

fn check_sticky<B: AsRef<[u8]> + AsMut<[u8]>>(decoder: &mut Decoder<B>, err: DecodeError) {
    decoder.feed(&[0x01, 0, 0, 0, 0x08]);
    assert_eq!(decoder.next_frame(), Err(err));
}

fn check_reencodes(frame: &Frame<'_>) {
    let mut out = vec![0u8; encoded_len(frame)];
    let n = encode(frame, &mut out).expect("a decoded frame is encodable");
    assert_eq!(n, out.len());
    assert_eq!(parse_frame(&out), Ok(Some((*frame, n))));
}
