//! Shared by the frame property tests: owned frames, their proptest strategies and a
//! reader that hands out a byte stream in given chunk sizes.

use liner_core::frame::{
    Data, FLAG_AT_LEAST_ONCE, Frame, Hello, MAX_NAME_LEN, NONCE_LEN, PROOF_LEN, RejectReason,
    Welcome,
};
use proptest::prelude::*;

/// A frame that owns its strings and bytes, so strategies can generate it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OwnedFrame {
    Hello {
        names: [String; 3],
        connection_key: u64,
        nonce: [u8; NONCE_LEN],
    },
    Welcome {
        listener_name: String,
        cursor: u64,
        proof: Option<[u8; PROOF_LEN]>,
    },
    Reject(RejectReason),
    Challenge([u8; NONCE_LEN]),
    Proof(Option<[u8; PROOF_LEN]>),
    Data {
        seq: u64,
        topic_key: u64,
        flags: u8,
        payload: Vec<u8>,
    },
    Ack(u64),
    Ping(u64),
    Pong(u64),
    Bye,
}

impl OwnedFrame {
    pub fn as_frame(&self) -> Frame<'_> {
        match self {
            Self::Hello {
                names: [sender, topic, listener],
                connection_key,
                nonce,
            } => Frame::Hello(Hello {
                sender_name: sender,
                sender_topic: topic,
                listener_name: listener,
                connection_key: *connection_key,
                nonce: *nonce,
            }),
            Self::Welcome {
                listener_name,
                cursor,
                proof,
            } => Frame::Welcome(Welcome {
                listener_name,
                cursor: *cursor,
                proof: *proof,
            }),
            Self::Reject(reason) => Frame::Reject(*reason),
            Self::Challenge(nonce) => Frame::Challenge(*nonce),
            Self::Proof(proof) => Frame::Proof(*proof),
            Self::Data {
                seq,
                topic_key,
                flags,
                payload,
            } => Frame::Data(Data {
                seq: *seq,
                topic_key: *topic_key,
                flags: *flags,
                payload,
            }),
            Self::Ack(seq) => Frame::Ack(*seq),
            Self::Ping(nonce) => Frame::Ping(*nonce),
            Self::Pong(nonce) => Frame::Pong(*nonce),
            Self::Bye => Frame::Bye,
        }
    }
}

/// Names up to the limit: any Unicode (32 chars of at most 4 bytes each) or ASCII up to
/// exactly `MAX_NAME_LEN` bytes.
fn name() -> impl Strategy<Value = String> {
    let ascii = format!("[a-z0-9_.-]{{0,{MAX_NAME_LEN}}}");
    prop_oneof![
        proptest::string::string_regex("\\PC{0,32}").unwrap(),
        proptest::string::string_regex(&ascii).unwrap(),
    ]
    .prop_filter("name within MAX_NAME_LEN", |name| {
        name.len() <= MAX_NAME_LEN
    })
}

/// Integers biased towards varint width boundaries.
fn varint_u64() -> impl Strategy<Value = u64> {
    prop_oneof![
        any::<u64>(),
        (0u32..64).prop_map(|bits| 1u64 << bits),
        (0u32..64).prop_map(|bits| (1u64 << bits) - 1),
        Just(u64::MAX),
    ]
}

pub fn payload(max_len: usize) -> impl Strategy<Value = Vec<u8>> {
    proptest::collection::vec(any::<u8>(), 0..=max_len)
}

/// Any valid v2 frame with a Data payload of at most `max_payload` bytes.
pub fn frame(max_payload: usize) -> impl Strategy<Value = OwnedFrame> {
    prop_oneof![
        1 => (
            [name(), name(), name()],
            varint_u64(),
            any::<[u8; NONCE_LEN]>(),
        )
            .prop_map(|(names, connection_key, nonce)| OwnedFrame::Hello {
                names,
                connection_key,
                nonce
            }),
        1 => (name(), varint_u64(), proptest::option::of(any::<[u8; PROOF_LEN]>()))
            .prop_map(|(listener_name, cursor, proof)| OwnedFrame::Welcome {
                listener_name,
                cursor,
                proof
            }),
        1 => proptest::sample::select(RejectReason::ALL.to_vec()).prop_map(OwnedFrame::Reject),
        1 => any::<[u8; NONCE_LEN]>().prop_map(OwnedFrame::Challenge),
        1 => proptest::option::of(any::<[u8; PROOF_LEN]>()).prop_map(OwnedFrame::Proof),
        3 => (varint_u64(), varint_u64(), prop_oneof![Just(0), Just(FLAG_AT_LEAST_ONCE)], payload(max_payload))
            .prop_map(|(seq, topic_key, flags, payload)| OwnedFrame::Data {
                seq,
                topic_key,
                flags,
                payload
            }),
        1 => varint_u64().prop_map(OwnedFrame::Ack),
        1 => varint_u64().prop_map(OwnedFrame::Ping),
        1 => varint_u64().prop_map(OwnedFrame::Pong),
        1 => Just(OwnedFrame::Bye),
    ]
}

/// Chunk sizes for splitting a stream: mostly tiny, sometimes large.
pub fn chunk_sizes() -> impl Strategy<Value = Vec<usize>> {
    proptest::collection::vec(prop_oneof![3 => 1usize..8, 1 => 8usize..600], 1..64)
}

/// Encodes `frames` back to back.
pub fn encode_stream(frames: &[OwnedFrame]) -> Vec<u8> {
    let mut out = Vec::new();
    for frame in frames {
        let frame = frame.as_frame();
        let start = out.len();
        out.resize(start + liner_core::frame::encoded_len(&frame), 0);
        let n = liner_core::frame::encode(&frame, &mut out[start..]).unwrap();
        assert_eq!(start + n, out.len());
    }
    out
}

/// An [`embedded_io::Read`] returning at most the next chunk size per call (cycling
/// through `sizes`), never more than the caller's buffer.
pub struct ChunkedReader<'a> {
    pub bytes: &'a [u8],
    pub sizes: &'a [usize],
    pub calls: usize,
}

impl embedded_io::ErrorType for ChunkedReader<'_> {
    type Error = core::convert::Infallible;
}

impl embedded_io::Read for ChunkedReader<'_> {
    fn read(&mut self, buf: &mut [u8]) -> Result<usize, Self::Error> {
        let limit = self.sizes[self.calls % self.sizes.len()];
        self.calls += 1;
        let n = limit.min(buf.len()).min(self.bytes.len());
        buf[..n].copy_from_slice(&self.bytes[..n]);
        self.bytes = &self.bytes[n..];
        Ok(n)
    }
}

/// Converts a borrowed frame back to an owned one, to compare after the borrow ends.
pub fn to_owned(frame: Frame<'_>) -> OwnedFrame {
    match frame {
        Frame::Hello(h) => OwnedFrame::Hello {
            names: [
                h.sender_name.into(),
                h.sender_topic.into(),
                h.listener_name.into(),
            ],
            connection_key: h.connection_key,
            nonce: h.nonce,
        },
        Frame::Welcome(w) => OwnedFrame::Welcome {
            listener_name: w.listener_name.into(),
            cursor: w.cursor,
            proof: w.proof,
        },
        Frame::Reject(reason) => OwnedFrame::Reject(reason),
        Frame::Challenge(nonce) => OwnedFrame::Challenge(nonce),
        Frame::Proof(proof) => OwnedFrame::Proof(proof),
        Frame::Data(d) => OwnedFrame::Data {
            seq: d.seq,
            topic_key: d.topic_key,
            flags: d.flags,
            payload: d.payload.to_vec(),
        },
        Frame::Ack(seq) => OwnedFrame::Ack(seq),
        Frame::Ping(nonce) => OwnedFrame::Ping(nonce),
        Frame::Pong(nonce) => OwnedFrame::Pong(nonce),
        Frame::Bye => OwnedFrame::Bye,
    }
}
