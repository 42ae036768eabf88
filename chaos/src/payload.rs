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
}
