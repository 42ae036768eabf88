//! Unit tests of the frame layout: pinned sizes, golden bytes and every refusal.

use super::*;

const NAME_BYTES: [u8; MAX_NAME_LEN + 1] = [b'n'; MAX_NAME_LEN + 1];

/// An ASCII name of `len` bytes (up to one over the limit).
fn name(len: usize) -> &'static str {
    core::str::from_utf8(&NAME_BYTES[..len]).unwrap()
}

/// The connector nonce of the examples: bytes 00..0f.
const NONCE: [u8; NONCE_LEN] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15];

fn hello(sender_name: &'static str) -> Frame<'static> {
    Frame::Hello(Hello {
        sender_name,
        sender_topic: "t",
        listener_name: "b",
        connection_key: 300,
        nonce: NONCE,
    })
}

fn encode_to_array<const N: usize>(frame: &Frame<'_>) -> ([u8; N], usize) {
    let mut out = [0u8; N];
    let n = encode(frame, &mut out).unwrap();
    (out, n)
}

#[test]
fn max_header_len_is_the_largest_hello() {
    assert_eq!(MAX_HEADER_LEN, 422);
    let frame = Frame::Hello(Hello {
        sender_name: name(MAX_NAME_LEN),
        sender_topic: name(MAX_NAME_LEN),
        listener_name: name(MAX_NAME_LEN),
        connection_key: u64::MAX,
        nonce: [0xa5; NONCE_LEN],
    });
    assert_eq!(encoded_len(&frame), LEN_PREFIX + MAX_HEADER_LEN);
    let (out, n) = encode_to_array::<{ LEN_PREFIX + MAX_HEADER_LEN }>(&frame);
    assert_eq!(n, out.len());
    assert_eq!(parse_frame(&out), Ok(Some((frame, n))));
}

#[test]
fn max_data_header_len_is_pinned() {
    assert_eq!(MAX_DATA_HEADER_LEN, 22);
    let mut out = [0u8; LEN_PREFIX + MAX_DATA_HEADER_LEN];
    let n = encode_data_header(u64::MAX, u64::MAX, FLAG_AT_LEAST_ONCE, 0, &mut out).unwrap();
    assert_eq!(n, LEN_PREFIX + MAX_DATA_HEADER_LEN);
}

#[test]
fn every_other_kind_fits_under_max_header_len() {
    let welcome = Frame::Welcome(Welcome {
        listener_name: name(MAX_NAME_LEN),
        cursor: u64::MAX,
        proof: Some([0xa5; PROOF_LEN]),
    });
    assert_eq!(
        encoded_len(&welcome),
        LEN_PREFIX + 1 + 1 + 2 + MAX_NAME_LEN + 10 + 1 + PROOF_LEN
    );
    let others = [
        welcome,
        Frame::Reject(RejectReason::Malformed),
        Frame::Challenge([0xa5; NONCE_LEN]),
        Frame::Proof(Some([0xa5; PROOF_LEN])),
        Frame::Ack(u64::MAX),
        Frame::Ping(u64::MAX),
        Frame::Pong(u64::MAX),
        Frame::Bye,
    ];
    for frame in others {
        assert!(
            encoded_len(&frame) < LEN_PREFIX + MAX_HEADER_LEN,
            "{frame:?}"
        );
    }
}

#[test]
fn golden_bytes_of_every_kind() {
    let data = Data {
        seq: 1,
        topic_key: 2,
        flags: FLAG_AT_LEAST_ONCE,
        payload: b"hi",
    };
    let cases: [(Frame<'_>, &[u8]); 12] = [
        (
            hello("a"),
            b"\x1e\0\0\0\x01LNR1\x02\x01a\x01t\x01b\xac\x02\
              \x00\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f",
        ),
        (
            Frame::Welcome(Welcome {
                listener_name: "b",
                cursor: 127,
                proof: None,
            }),
            b"\x06\0\0\0\x02\x02\x01b\x7f\x00",
        ),
        (
            Frame::Welcome(Welcome {
                listener_name: "b",
                cursor: 127,
                proof: Some([0xab; PROOF_LEN]),
            }),
            b"\x26\0\0\0\x02\x02\x01b\x7f\x01\
              \xab\xab\xab\xab\xab\xab\xab\xab\xab\xab\xab\xab\xab\xab\xab\xab\
              \xab\xab\xab\xab\xab\xab\xab\xab\xab\xab\xab\xab\xab\xab\xab\xab",
        ),
        (
            Frame::Challenge([0x5a; NONCE_LEN]),
            b"\x11\0\0\0\x09ZZZZZZZZZZZZZZZZ",
        ),
        (Frame::Proof(None), b"\x02\0\0\0\x0a\x00"),
        (
            Frame::Proof(Some([0x5a; PROOF_LEN])),
            b"\x22\0\0\0\x0a\x01ZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZ",
        ),
        (
            Frame::Reject(RejectReason::UnsupportedVersion),
            b"\x02\0\0\0\x03\x01",
        ),
        (Frame::Data(data), b"\x06\0\0\0\x04\x01\x02\x01hi"),
        (Frame::Ack(128), b"\x03\0\0\0\x05\x80\x01"),
        (Frame::Ping(0), b"\x02\0\0\0\x06\x00"),
        (
            Frame::Pong(u64::MAX),
            b"\x0b\0\0\0\x07\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01",
        ),
        (Frame::Bye, b"\x01\0\0\0\x08"),
    ];
    for (frame, bytes) in cases {
        let (out, n) = encode_to_array::<64>(&frame);
        assert_eq!(&out[..n], bytes, "{frame:?}");
        assert_eq!(encoded_len(&frame), n);
        assert_eq!(parse_frame(bytes), Ok(Some((frame, n))));
        assert_eq!(parse_body(&bytes[LEN_PREFIX..]), Ok(frame));
    }
}

#[test]
fn data_header_then_payload_equals_encode() {
    let payload = [0x5a; 100];
    let frame = Frame::Data(Data {
        seq: 42,
        topic_key: 7,
        flags: 0,
        payload: &payload,
    });
    let (whole, n) = encode_to_array::<128>(&frame);
    let mut split = [0u8; 128];
    let head = encode_data_header(42, 7, 0, payload.len(), &mut split).unwrap();
    assert_eq!(head, LEN_PREFIX + 4);
    split[head..head + payload.len()].copy_from_slice(&payload);
    assert_eq!(&whole[..n], &split[..n]);
    assert_eq!(&whole[..8], b"\x68\0\0\0\x04\x2a\x07\x00");
}

#[test]
fn write_frame_writes_the_encoded_bytes() {
    let frame = Frame::Data(Data {
        seq: 9,
        topic_key: 3,
        flags: 1,
        payload: b"payload",
    });
    let (expected, n) = encode_to_array::<64>(&frame);
    let mut out = [0u8; 64];
    let mut writer: &mut [u8] = &mut out;
    write_frame(&mut writer, &frame).unwrap();
    let written = 64 - writer.len();
    assert_eq!(&out[..written], &expected[..n]);
}

#[test]
fn encoder_refuses_what_the_decoder_would() {
    let mut out = [0u8; 1024];
    let too_long = name(MAX_NAME_LEN + 1);
    assert_eq!(
        encode(&hello(too_long), &mut out),
        Err(EncodeError::NameTooLong)
    );
    let welcome = Frame::Welcome(Welcome {
        listener_name: too_long,
        cursor: 0,
        proof: None,
    });
    assert_eq!(encode(&welcome, &mut out), Err(EncodeError::NameTooLong));
    let data = Frame::Data(Data {
        seq: 1,
        topic_key: 1,
        flags: 0x83,
        payload: b"",
    });
    assert_eq!(
        encode(&data, &mut out),
        Err(EncodeError::UnknownFlags(0x82))
    );
    let huge = encode_data_header(1, 1, 0, u32::MAX as usize, &mut out);
    assert_eq!(huge, Err(EncodeError::PayloadTooLong));
    let mut writer: &mut [u8] = &mut out;
    let written = write_frame(&mut writer, &data);
    assert_eq!(
        written,
        Err(WriteError::Encode(EncodeError::UnknownFlags(0x82)))
    );
}

#[test]
fn small_buffers_report_what_they_need() {
    let frame = Frame::Data(Data {
        seq: 1,
        topic_key: 2,
        flags: 0,
        payload: &[7; 10],
    });
    let mut out = [0u8; 17];
    assert_eq!(
        encode(&frame, &mut out),
        Err(EncodeError::BufferTooSmall { needed: 18 })
    );
    let header = encode_data_header(1, 2, 0, 10, &mut out[..7]);
    assert_eq!(header, Err(EncodeError::BufferTooSmall { needed: 8 }));
    let mut writer: &mut [u8] = &mut out[..3];
    assert!(matches!(
        write_frame(&mut writer, &Frame::Ack(1)),
        Err(WriteError::Io(_))
    ));
}

#[test]
fn hello_preamble_is_checked_before_any_other_field() {
    // A version-1 Hello (v1 had an auth option where v2 has the nonce) and a version-3
    // Hello whose remaining fields are not v2's layout at all.
    let v1 = b"\x01LNR1\x01\x01a\x01t\x01b\xac\x02\x00";
    assert_eq!(parse_body(v1), Err(DecodeError::UnsupportedVersion(1)));
    let v3 = b"\x01LNR1\x03\xff\xff\xff";
    assert_eq!(parse_body(v3), Err(DecodeError::UnsupportedVersion(3)));
    let big_version = b"\x01LNR1\x80\x02";
    assert_eq!(
        parse_body(big_version),
        Err(DecodeError::UnsupportedVersion(256))
    );
    assert_eq!(parse_body(b"\x01HTTP\x01"), Err(DecodeError::BadMagic));
    assert_eq!(parse_body(b"\x01LNR"), Err(DecodeError::Truncated));
    let welcome_v1 = b"\x02\x01\x01b\x00";
    assert_eq!(
        parse_body(welcome_v1),
        Err(DecodeError::UnsupportedVersion(1))
    );
    assert_eq!(
        DecodeError::BadMagic.reject_reason(),
        RejectReason::BadMagic
    );
    let unsupported = DecodeError::UnsupportedVersion(2).reject_reason();
    assert_eq!(unsupported, RejectReason::UnsupportedVersion);
    assert_eq!(
        DecodeError::Truncated.reject_reason(),
        RejectReason::Malformed
    );
}

#[test]
fn decoder_refusals_are_typed() {
    let cases: [(&[u8], DecodeError); 12] = [
        (b"", DecodeError::Truncated),
        (b"\x00", DecodeError::UnknownKind(0)),
        (b"\x0b", DecodeError::UnknownKind(11)),
        (b"\x04\x01\x02", DecodeError::Truncated),
        (b"\x04\x01\x02\x02", DecodeError::UnknownFlags(0x02)),
        (b"\x05\x80", DecodeError::Truncated),
        (b"\x05\x01\x00", DecodeError::Malformed),
        (b"\x08\x00", DecodeError::Malformed),
        (b"\x03\x07", DecodeError::UnknownRejectReason(7)),
        (b"\x02\x02\x01\xff\x00\x00", DecodeError::Malformed),
        (
            b"\x06\xff\xff\xff\xff\xff\xff\xff\xff\xff\x02",
            DecodeError::Malformed,
        ),
        (
            b"\x01LNR1\x02\x01a\x01t\x01b\x01\
              \x00\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f\x00",
            DecodeError::Malformed,
        ),
    ];
    for (body, err) in cases {
        assert_eq!(parse_body(body), Err(err), "{body:02x?}");
    }
}

#[test]
fn decoder_refuses_overlong_names_and_bad_proof_tags() {
    let mut body = [0u8; 512];
    let n = encode(&hello(name(MAX_NAME_LEN)), &mut body).unwrap();
    // Bump the first name's length to 129 and append a byte to keep the layout consistent.
    let pos = LEN_PREFIX + 1 + 4 + 1;
    assert_eq!(&body[pos..pos + 2], &[0x80, 0x01]);
    body[pos] = 0x81;
    body.copy_within(pos + 2..n, pos + 3);
    body[pos + 2] = b'n';
    assert_eq!(
        parse_body(&body[LEN_PREFIX..n + 1]),
        Err(DecodeError::Malformed)
    );

    // A Proof's option tag other than 0 or 1, a short proof and a short nonce.
    assert_eq!(parse_body(b"\x0a\x02"), Err(DecodeError::Malformed));
    assert_eq!(parse_body(b"\x0a\x01abc"), Err(DecodeError::Truncated));
    assert_eq!(parse_body(b"\x09abc"), Err(DecodeError::Truncated));
    let n = encode(&hello("a"), &mut body).unwrap();
    assert_eq!(
        parse_body(&body[LEN_PREFIX..n - 1]),
        Err(DecodeError::Truncated)
    );
}

#[test]
fn non_minimal_varints_are_accepted_as_documented() {
    assert_eq!(parse_body(b"\x05\x80\x00"), Ok(Frame::Ack(0)));
    assert_eq!(
        parse_body(b"\x05\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01"),
        Ok(Frame::Ack(u64::MAX))
    );
    let overflow = b"\x05\xff\xff\xff\xff\xff\xff\xff\xff\xff\x02";
    assert_eq!(parse_body(overflow), Err(DecodeError::Malformed));
}

#[test]
fn parse_frame_waits_for_whole_frames_but_not_for_a_bad_kind() {
    let bytes = b"\x06\0\0\0\x04\x01\x02\x01hi";
    for cut in 0..bytes.len() {
        assert_eq!(parse_frame(&bytes[..cut]), Ok(None), "cut at {cut}");
    }
    assert_eq!(
        parse_frame(b"\xff\xff\xff\x7f\x2a"),
        Err(DecodeError::UnknownKind(0x2a))
    );
    assert_eq!(parse_frame(b"\0\0\0\0"), Err(DecodeError::Truncated));
}

/// The 100-byte Data example of docs/wire-protocol.md.
#[test]
fn documented_data_example() {
    let payload: [u8; 100] = core::array::from_fn(|i| i as u8);
    let data = Data {
        seq: 1000,
        topic_key: 3,
        flags: FLAG_AT_LEAST_ONCE,
        payload: &payload,
    };
    let (out, n) = encode_to_array::<128>(&Frame::Data(data));
    assert_eq!(n, 109);
    assert_eq!(&out[..9], b"\x69\0\0\0\x04\xe8\x07\x03\x01");
    assert_eq!(&out[9..n], &payload);
}
