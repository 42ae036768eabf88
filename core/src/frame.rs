//! Wire protocol v2: frame types, limits, encoding and (incremental) decoding.
//!
//! Every frame is a `u32` little-endian body length ([`LEN_PREFIX`] bytes) followed by the
//! body: a postcard-encoded header that starts with a kind byte, then — for
//! [`Frame::Data`] only — the raw payload up to the end of the body. A `Hello` body starts
//! with [`MAGIC`] and [`PROTOCOL_VERSION`] right after its kind byte, so a peer of another
//! version is refused with a typed error and never misparsed. `docs/wire-protocol.md` is
//! the byte-level specification.
//!
//! Encoding writes into caller slices ([`encode`], [`encode_data_header`]) or any
//! [`embedded_io::Write`] ([`write_frame`]); decoding works on one body ([`parse_body`]),
//! on a slice ([`parse_frame`]) or incrementally on a stream ([`Decoder`]). Nothing here
//! allocates and decoded frames borrow the input.

mod data_head;
mod decoder;
mod encode;
mod error;
mod parse;
mod types;
mod wire;

pub use data_head::DataHead;
pub use decoder::Decoder;
pub use encode::{encode, encode_data_header, encoded_len, write_frame};
pub use error::{DecodeError, EncodeError, WriteError};
pub use parse::{parse_body, parse_frame};
pub use types::{Data, Frame, Hello, RejectReason, Welcome};
pub(crate) use wire::kind;

/// Bytes that open every `Hello` body after the kind byte ("LNR1"; written raw).
pub const MAGIC: [u8; 4] = *b"LNR1";
/// The protocol version this crate speaks (2: the authenticated handshake, see
/// [`handshake`](crate::handshake)).
pub const PROTOCOL_VERSION: u16 = 2;
/// Size of the little-endian `u32` body length in front of every frame.
pub const LEN_PREFIX: usize = 4;
/// Longest unique name or topic, in UTF-8 bytes.
pub const MAX_NAME_LEN: usize = 128;
/// Bytes of a handshake nonce (`Hello` and `Challenge`), fresh and random per connection.
pub const NONCE_LEN: usize = 16;
/// Bytes of a handshake proof (`Proof` and `Welcome`): an HMAC-SHA256 tag.
pub const PROOF_LEN: usize = 32;

/// Data flag: the sender keeps the frame until an `Ack` covers it and redelivers it after
/// a reconnect. Decoders refuse bits that are not defined here.
pub const FLAG_AT_LEAST_ONCE: u8 = 0x01;
/// Every Data flag bit of protocol v2.
const FLAGS_KNOWN: u8 = FLAG_AT_LEAST_ONCE;

/// Largest postcard varint of a `u64`: 64 bits at 7 bits per byte.
const VARINT_U64_MAX: usize = 10;
/// A name field: varint length (128 needs 2 bytes, see the assertion below) plus the bytes.
const NAME_FIELD_MAX: usize = 2 + MAX_NAME_LEN;
/// An optional proof: option tag, then the raw bytes.
const PROOF_FIELD_MAX: usize = 1 + PROOF_LEN;
/// The version field as written: a varint of [`PROTOCOL_VERSION`] (below 128: 1 byte).
const VERSION_FIELD: usize = 1;

/// Largest Data header (body bytes before the payload): kind, seq, topic key, flags.
pub const MAX_DATA_HEADER_LEN: usize = 1 + VARINT_U64_MAX + VARINT_U64_MAX + 1;

/// Largest header of any kind: a `Hello` with three maximal names, the largest connection
/// key and the nonce (kind + magic + version + names + key + nonce = 422 bytes). Every
/// handshake frame fits it, so an acceptor refuses anything longer before the handshake.
pub const MAX_HEADER_LEN: usize =
    1 + MAGIC.len() + VERSION_FIELD + 3 * NAME_FIELD_MAX + VARINT_U64_MAX + NONCE_LEN;

// The field sizes above depend on these varint widths.
const _: () = assert!(PROTOCOL_VERSION < 0x80);
const _: () = assert!(MAX_NAME_LEN >= 0x80 && MAX_NAME_LEN < 0x4000);
// Welcome (kind, version, name, cursor, proof) must not outgrow the Hello.
const _: () = assert!(
    1 + VERSION_FIELD + NAME_FIELD_MAX + VARINT_U64_MAX + PROOF_FIELD_MAX <= MAX_HEADER_LEN
);

#[cfg(test)]
mod tests;
