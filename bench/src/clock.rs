//! A clock every process on the machine agrees on (`CLOCK_MONOTONIC`), so a sender's "first
//! send" and a receiver's "last receive" in another process can be subtracted.

/// Nanoseconds of `CLOCK_MONOTONIC` (system-wide on Linux, never jumps).
pub fn monotonic_ns() -> u64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable timespec; CLOCK_MONOTONIC always exists on Linux.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut ts) };
    assert_eq!(rc, 0, "clock_gettime(CLOCK_MONOTONIC) failed");
    ts.tv_sec as u64 * 1_000_000_000 + ts.tv_nsec as u64
}

/// Seconds between two `monotonic_ns` readings (0 when `to` is not later).
pub fn seconds_between(from_ns: u64, to_ns: u64) -> f64 {
    to_ns.saturating_sub(from_ns) as f64 / 1e9
}
