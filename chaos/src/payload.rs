//! The payload every chaos message carries, so the driver can account for each one:
//!
//! ```text
//! offset 0  u32 LE  magic "chao" (0x6f616863)
//!        4  u32 LE  stream: which sender unique name (channel) sent it
//!        8  u64 LE  seq = incarnation << 32 | n
//!       16  filler up to LEN bytes
//! ```
//!
//! `n` counts from 1 within one sender process (an *incarnation*); a restarted sender takes
//! the next incarnation number, so seqs keep growing along the channel across restarts and
//! "delivered in channel order" is simply "delivered in increasing seq order".
//!
//! The hostile suite (`liner-chaos hostile`) adds two kinds of its own, told apart by
//! [`classify`]: *forged* payloads, which must never reach a callback — any payload
//! containing [`FORGED`], and chaos payloads of incarnation [`FORGED_INC`] (which no sender
//! process ever takes), used to forge messages of a real stream — and *insider* payloads
//! (`INSIDER`, id u32 LE, n u64 LE, filler) sent by the suite's raw peers that know the
//! secret and are entitled to deliver them.

/// Bytes per message (a small message, like most traffic of a board).
pub const LEN: usize = 64;
const MAGIC: u32 = u32::from_le_bytes(*b"chao");

/// The seq of message `n` of incarnation `inc`.
pub fn seq(inc: u32, n: u32) -> u64 {
    (u64::from(inc) << 32) | u64::from(n)
}

/// The incarnation of a seq.
pub fn inc_of(seq: u64) -> u32 {
    (seq >> 32) as u32
}

/// The message number within its incarnation.
pub fn n_of(seq: u64) -> u32 {
    seq as u32
}

/// Writes the payload of (`stream`, `seq`) into `buf` (LEN bytes).
pub fn encode(stream: u32, seq: u64, buf: &mut [u8; LEN]) {
    buf[..4].copy_from_slice(&MAGIC.to_le_bytes());
    buf[4..8].copy_from_slice(&stream.to_le_bytes());
    buf[8..16].copy_from_slice(&seq.to_le_bytes());
    for (i, byte) in buf[16..].iter_mut().enumerate() {
        *byte = (seq as u8).wrapping_add(i as u8);
    }
}

/// Incarnation of forged chaos-format payloads (real incarnations count from 1).
pub const FORGED_INC: u32 = 0xF0F0_F0F0;
/// Marker every other forged payload carries.
pub const FORGED: &[u8] = b"FORGED";
/// Prefix of an insider payload.
pub const INSIDER: &[u8] = b"INSIDER";
/// Bytes of an insider payload before its filler.
const INSIDER_HEAD: usize = INSIDER.len() + 4 + 8;

/// What a callback received, as the suite's payloads say.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A chaos payload of a real incarnation: (stream, seq).
    Chaos(u32, u64),
    /// An insider message: (id, n).
    Insider(u32, u64),
    /// A forged payload (the n it carries, 0 when none).
    Forged(u64),
    /// Anything else: corrupted or foreign bytes.
    Garbage,
}

/// Classifies a received payload; see the module docs.
pub fn classify(payload: &[u8]) -> Kind {
    if let Some((stream, seq)) = decode(payload) {
        return if inc_of(seq) == FORGED_INC {
            Kind::Forged(u64::from(n_of(seq)))
        } else {
            Kind::Chaos(stream, seq)
        };
    }
    if payload.len() >= INSIDER_HEAD && payload.starts_with(INSIDER) {
        let id = u32::from_le_bytes(payload[7..11].try_into().expect("4 bytes"));
        let n = u64::from_le_bytes(payload[11..19].try_into().expect("8 bytes"));
        return Kind::Insider(id, n);
    }
    if let Some(at) = payload.windows(FORGED.len()).position(|w| w == FORGED) {
        let n = payload
            .get(at + FORGED.len()..at + FORGED.len() + 8)
            .map_or(0, |b| u64::from_le_bytes(b.try_into().expect("8 bytes")));
        return Kind::Forged(n);
    }
    Kind::Garbage
}

/// An insider payload of `len` bytes (at least 19) for message `n` of insider `id`.
pub fn insider(id: u32, n: u64, len: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(len.max(INSIDER_HEAD));
    out.extend_from_slice(INSIDER);
    out.extend_from_slice(&id.to_le_bytes());
    out.extend_from_slice(&n.to_le_bytes());
    out.resize(len.max(INSIDER_HEAD), b'i');
    out
}

/// A forged payload of `len` bytes (at least 14): the marker, `n`, then the marker again
/// as filler, so any slice of it long enough still says what it is.
pub fn forged(n: u64, len: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(len.max(FORGED.len() + 8));
    out.extend_from_slice(FORGED);
    out.extend_from_slice(&n.to_le_bytes());
    while out.len() < len {
        let take = FORGED.len().min(len - out.len());
        out.extend_from_slice(&FORGED[..take]);
    }
    out
}

/// A chaos payload of `stream` that no sender sent: incarnation [`FORGED_INC`], number `n`.
pub fn forged_chaos(stream: u32, n: u32) -> [u8; LEN] {
    let mut buf = [0u8; LEN];
    encode(stream, seq(FORGED_INC, n), &mut buf);
    buf
}

/// (`stream`, `seq`) of a chaos payload; `None` for anything else (wrong size, magic or
/// filler: a corrupted message is reported as unknown, never miscounted).
pub fn decode(payload: &[u8]) -> Option<(u32, u64)> {
    if payload.len() != LEN || payload[..4] != MAGIC.to_le_bytes() {
        return None;
    }
    let stream = u32::from_le_bytes(payload[4..8].try_into().ok()?);
    let seq = u64::from_le_bytes(payload[8..16].try_into().ok()?);
    let filler_ok = payload[16..]
        .iter()
        .enumerate()
        .all(|(i, &b)| b == (seq as u8).wrapping_add(i as u8));
    filler_ok.then_some((stream, seq))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_corruption() {
        let mut buf = [0u8; LEN];
        encode(3, seq(2, 77), &mut buf);
        assert_eq!(decode(&buf), Some((3, seq(2, 77))));
        assert_eq!(inc_of(seq(2, 77)), 2);
        assert_eq!(n_of(seq(2, 77)), 77);
        buf[40] ^= 1;
        assert_eq!(decode(&buf), None);
    }

    #[test]
    fn hostile_kinds_are_told_apart() {
        let mut buf = [0u8; LEN];
        encode(1, seq(1, 5), &mut buf);
        assert_eq!(classify(&buf), Kind::Chaos(1, seq(1, 5)));
        assert_eq!(classify(&forged_chaos(1, 9)), Kind::Forged(9));
        assert_eq!(classify(&forged(7, 100)), Kind::Forged(7));
        assert!(matches!(
            classify(&forged(7, 1 << 16)[501..]),
            Kind::Forged(_)
        ));
        assert_eq!(
            classify(&insider(3, 1 << 40, 64)),
            Kind::Insider(3, 1 << 40)
        );
        assert_eq!(classify(b"hello"), Kind::Garbage);
    }
}
