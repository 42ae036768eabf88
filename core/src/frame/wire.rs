//! The header layout: kind codes and the postcard (serde) shape of every header.
//!
//! Encoding and decoding both go through the structs below, so the two directions cannot
//! drift apart. A header is the kind byte followed by the kind's fields in declaration
//! order; postcard writes `u8` and `[u8; 4]` raw, integers wider than a byte as varints,
//! `&str` as a varint length plus the bytes, byte arrays raw, and `Option` as a 0/1 tag.

use serde::{Deserialize, Serialize, Serializer};

use super::{Frame, Hello, MAGIC, NONCE_LEN, PROOF_LEN, PROTOCOL_VERSION, Welcome};

/// First body byte of each frame kind. 0 is never a kind, so a zeroed body is refused.
pub(crate) mod kind {
    pub const HELLO: u8 = 0x01;
    pub const WELCOME: u8 = 0x02;
    pub const REJECT: u8 = 0x03;
    pub const DATA: u8 = 0x04;
    pub const ACK: u8 = 0x05;
    pub const PING: u8 = 0x06;
    pub const PONG: u8 = 0x07;
    pub const BYE: u8 = 0x08;
    pub const CHALLENGE: u8 = 0x09;
    pub const PROOF: u8 = 0x0a;

    /// Whether `code` is a kind of this protocol version.
    pub fn is_known(code: u8) -> bool {
        (HELLO..=PROOF).contains(&code)
    }
}

/// Magic and version: the first fields of a `Hello`, frozen across protocol versions so any
/// version can recognise (and refuse) any other.
#[derive(Serialize, Deserialize)]
pub(super) struct Preamble {
    pub magic: [u8; 4],
    pub version: u16,
}

impl Preamble {
    const CURRENT: Self = Self {
        magic: MAGIC,
        version: PROTOCOL_VERSION,
    };
}

/// `Hello` fields after the preamble.
#[derive(Serialize, Deserialize)]
pub(super) struct HelloFields<'a> {
    #[serde(borrow)]
    pub sender_name: &'a str,
    #[serde(borrow)]
    pub sender_topic: &'a str,
    #[serde(borrow)]
    pub listener_name: &'a str,
    pub connection_key: u64,
    pub nonce: [u8; NONCE_LEN],
}

/// `Welcome` fields: the version leads so a mismatch is found before anything else.
#[derive(Serialize, Deserialize)]
pub(super) struct WelcomeFields<'a> {
    pub version: u16,
    #[serde(borrow)]
    pub listener_name: &'a str,
    pub cursor: u64,
    pub proof: Option<[u8; PROOF_LEN]>,
}

/// `Data` header fields; the payload follows them raw, up to the end of the body.
#[derive(Serialize, Deserialize)]
pub(super) struct DataFields {
    pub seq: u64,
    pub topic_key: u64,
    pub flags: u8,
}

/// A frame's header (kind byte and fields, payload excluded) as one postcard value.
pub(super) struct Header<'r, 'a>(pub &'r Frame<'a>);

impl Serialize for Header<'_, '_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        // Tuples are written field after field with no length, exactly the wire order.
        match *self.0 {
            Frame::Hello(h) => (kind::HELLO, Preamble::CURRENT, hello_fields(&h)).serialize(s),
            Frame::Welcome(w) => (kind::WELCOME, welcome_fields(&w)).serialize(s),
            Frame::Reject(reason) => (kind::REJECT, reason.code()).serialize(s),
            Frame::Challenge(nonce) => (kind::CHALLENGE, nonce).serialize(s),
            Frame::Proof(proof) => (kind::PROOF, proof).serialize(s),
            Frame::Data(d) => {
                let fields = DataFields {
                    seq: d.seq,
                    topic_key: d.topic_key,
                    flags: d.flags,
                };
                (kind::DATA, fields).serialize(s)
            }
            Frame::Ack(seq) => (kind::ACK, seq).serialize(s),
            Frame::Ping(nonce) => (kind::PING, nonce).serialize(s),
            Frame::Pong(nonce) => (kind::PONG, nonce).serialize(s),
            Frame::Bye => kind::BYE.serialize(s),
        }
    }
}

fn hello_fields<'a>(h: &Hello<'a>) -> HelloFields<'a> {
    HelloFields {
        sender_name: h.sender_name,
        sender_topic: h.sender_topic,
        listener_name: h.listener_name,
        connection_key: h.connection_key,
        nonce: h.nonce,
    }
}

fn welcome_fields<'a>(w: &Welcome<'a>) -> WelcomeFields<'a> {
    WelcomeFields {
        version: PROTOCOL_VERSION,
        listener_name: w.listener_name,
        cursor: w.cursor,
        proof: w.proof,
    }
}
