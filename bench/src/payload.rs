//! The bench's message layout. Bytes 0..8: sequence number (little endian), whose top bit
//! marks a warm-up message; bytes 8..16: the sender's `monotonic_ns` for latency probes; the
//! rest a fixed filler. Every payload is at least `MIN_SIZE` bytes.

use crate::clock::monotonic_ns;

/// Bit of the sequence number set on warm-up messages (not counted in measurements).
pub const WARM_FLAG: u64 = 1 << 63;
/// Smallest payload: sequence number plus timestamp.
pub const MIN_SIZE: usize = 16;

/// A reusable outgoing payload; stamping rewrites the header in place (no allocation).
pub struct Payload {
    bytes: Vec<u8>,
}

impl Payload {
    /// A payload of `size` bytes (at least `MIN_SIZE`).
    pub fn new(size: usize) -> Self {
        let size = size.max(MIN_SIZE);
        let bytes = (0..size).map(|i| (i % 251) as u8).collect();
        Payload { bytes }
    }

    /// Writes `seq` and returns the bytes to send.
    pub fn stamp(&mut self, seq: u64) -> &[u8] {
        self.bytes[..8].copy_from_slice(&seq.to_le_bytes());
        &self.bytes
    }

    /// Writes `seq` and the current time (for round-trip measurements).
    pub fn stamp_timed(&mut self, seq: u64) -> &[u8] {
        self.bytes[8..16].copy_from_slice(&monotonic_ns().to_le_bytes());
        self.stamp(seq)
    }
}

/// The sequence number of a received payload (`None` when too short to carry one).
pub fn seq_of(payload: &[u8]) -> Option<u64> {
    Some(u64::from_le_bytes(payload.get(..8)?.try_into().ok()?))
}

/// The send time written by `stamp_timed`.
pub fn sent_ns_of(payload: &[u8]) -> Option<u64> {
    Some(u64::from_le_bytes(payload.get(8..16)?.try_into().ok()?))
}

/// Sum of all bytes: makes the receiver read every byte of every payload.
pub fn byte_sum(payload: &[u8]) -> u64 {
    payload.iter().map(|&b| u64::from(b)).sum()
}

/// The byte sum a receiver reports after getting the measured messages `0..count` of `size`
/// bytes once each: the filler's sum per message plus the bytes of every sequence number.
pub fn expected_sum(size: usize, count: u64) -> u64 {
    let filler = byte_sum(Payload::new(size).stamp(0));
    let seq_bytes: u64 = (0..count)
        .map(|seq| seq.to_le_bytes().iter().map(|&b| u64::from(b)).sum::<u64>())
        .sum();
    filler.wrapping_mul(count).wrapping_add(seq_bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stamps_round_trip() {
        let mut p = Payload::new(100);
        let bytes = p.stamp_timed(42 | WARM_FLAG).to_vec();
        assert_eq!(bytes.len(), 100);
        assert_eq!(seq_of(&bytes), Some(42 | WARM_FLAG));
        assert!(sent_ns_of(&bytes).unwrap() > 0);
        assert_eq!(seq_of(&bytes[..4]), None);
    }

    #[test]
    fn small_sizes_are_raised_to_the_header() {
        assert_eq!(Payload::new(3).stamp(1).len(), MIN_SIZE);
    }

    #[test]
    fn byte_sum_counts_every_byte() {
        assert_eq!(byte_sum(&[1, 2, 250]), 253);
    }

    #[test]
    fn expected_sum_matches_stamped_payloads() {
        let mut p = Payload::new(100);
        let total: u64 = (0..70_000).map(|seq| byte_sum(p.stamp(seq))).sum();
        assert_eq!(expected_sum(100, 70_000), total);
        assert_ne!(expected_sum(100, 70_000), expected_sum(100, 69_999));
    }
}
