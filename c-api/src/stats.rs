//! A client's counters and gauges for C: `lnr_stats` fills the caller's `lnr_stats_t`, and
//! `lnr_metrics_text` writes their Prometheus text exposition into the caller's buffer, so
//! a program can serve `/metrics` from its own HTTP server. Neither allocates.
//!
//! `lnr_stats_t` grows compatibly, the way Win32's `cbSize` structs do: its first field is
//! the size the caller compiled (`sizeof(lnr_stats_t)`), the library fills only the whole
//! fields that fit in it and writes back the size it filled, and later versions only append
//! `uint64_t` fields. A program built against an older header gets the fields it knows; a
//! program built against a newer header run on an older library sees a smaller `size` and
//! knows the fields past it were not filled.

use std::ffi::{c_char, c_longlong};
use std::fmt;
use std::mem::size_of;

use super::boundary::on_client;
use super::error::CallError;
use super::types::lnr_hClient;

/// A client's counters and gauges (`lnr_stats`). Counters only grow, from 0 when the client
/// is created; gauges are the value at the time of the call. Every field after `size` is a
/// `uint64_t`; new fields are only ever appended.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct lnr_stats_t {
    /// In: `sizeof(lnr_stats_t)` as the caller compiled it. Out: the bytes the library
    /// filled (its own `sizeof(lnr_stats_t)` when that is smaller, else the caller's size
    /// rounded down to whole fields).
    pub size: u64,
    /// Counter: messages handed to the receive callback.
    pub delivered: u64,
    /// Counter: messages received again after a reconnect and dropped as already delivered.
    pub duplicates: u64,
    /// Counter: messages for a topic key this client does not know (not acknowledged; the
    /// sender sends them again).
    pub unknown_topic: u64,
    /// Counter: inbound connections closed for a protocol error or a refused handshake.
    pub rejected_connections: u64,
    /// Counter: receive callback calls that panicked (each also counts in `refused`).
    pub callback_panics: u64,
    /// Counter: messages the receive callback refused (non-zero return of a fallible
    /// callback): not acknowledged, delivered again later.
    pub refused: u64,
    /// Counter: at-least-once messages `lnr_stop` could neither deliver nor park in Redis
    /// (lost, and reported).
    pub abandoned: u64,
    /// Counter: best-effort messages dropped because their peer was unreachable or its
    /// window full.
    pub best_effort_dropped: u64,
    /// Counter: parked messages this client dropped on purpose (queue limits, retention).
    pub parked_dropped: u64,
    /// Counter: channels the retention sweeps of this client removed.
    pub channels_removed: u64,
    /// Gauge: listeners this client has sent to since it was created (connected or not).
    pub peers_known: u64,
    /// Gauge: outbound peers with an established connection.
    pub peers_connected: u64,
    /// Gauge: topics this client listens on: its own plus its subscriptions.
    pub listening_topics: u64,
}

/// Bytes of one field (every field is a `uint64_t`).
const FIELD: usize = size_of::<u64>();

impl lnr_stats_t {
    fn from_stats(stats: liner::Stats, size: usize) -> Self {
        lnr_stats_t {
            size: size as u64,
            delivered: stats.delivered,
            duplicates: stats.duplicates,
            unknown_topic: stats.unknown_topic,
            rejected_connections: stats.rejected_connections,
            callback_panics: stats.callback_panics,
            refused: stats.refused,
            abandoned: stats.abandoned,
            best_effort_dropped: stats.best_effort_dropped,
            parked_dropped: stats.parked_dropped,
            channels_removed: stats.channels_removed,
            peers_known: stats.peers_known,
            peers_connected: stats.peers_connected,
            listening_topics: stats.listening_topics,
        }
    }
}

/// How many bytes to fill for a caller whose struct is `asked` bytes: whole fields, at most
/// this library's struct. `None` when not even `size` fits.
fn filled_size(asked: u64) -> Option<usize> {
    let asked = usize::try_from(asked).unwrap_or(usize::MAX);
    (asked >= FIELD).then(|| asked.min(size_of::<lnr_stats_t>()) / FIELD * FIELD)
}

/// Fills `*out` with the counters and gauges of `h` (see `lnr_stats_t`). Set `out->size =
/// sizeof *out` first: the library fills the fields that fit in that size and sets
/// `out->size` to the bytes it filled. False for a bad handle, a NULL `out` or an
/// `out->size` below 8 (`LNR_ERR_INVALID_ARG`). Allocation-free; works also while stopped.
/// Added (not in liner 1.4).
///
/// Thread safety: any thread.
///
/// # Safety
/// `out` is NULL or points to `out->size` writable bytes, aligned for `uint64_t`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn lnr_stats(h: lnr_hClient, out: *mut lnr_stats_t) -> bool {
    on_client("lnr_stats", h, |entry| {
        if out.is_null() {
            return Err(CallError::Null("out"));
        }
        // SAFETY: non-NULL, aligned and at least its first field long (the contract).
        let asked = unsafe { std::ptr::addr_of!((*out).size).read() };
        let size = filled_size(asked).ok_or_else(|| {
            liner::Error::InvalidArg(format!(
                "out->size is {asked}; set it to sizeof(lnr_stats_t) before the call"
            ))
        })?;
        let stats = lnr_stats_t::from_stats(entry.client.stats(), size);
        // SAFETY: `size` bytes are writable at `out` (at most `out->size`, the contract) and
        // readable in `stats` (at most its size); the two do not overlap.
        unsafe {
            std::ptr::copy_nonoverlapping(
                std::ptr::addr_of!(stats).cast::<u8>(),
                out.cast::<u8>(),
                size,
            );
        }
        Ok(())
    })
    .is_some()
}

/// The caller's buffer as a `fmt::Write`: text goes in while it fits (one byte is kept for
/// the NUL), and `len` counts the whole text either way.
struct CallerBuffer<'a> {
    buf: &'a mut [u8],
    len: usize,
}

impl CallerBuffer<'_> {
    /// NUL-terminates the text, or leaves "" when it did not fit whole.
    fn finish(self) -> usize {
        if self.len < self.buf.len() {
            self.buf[self.len] = 0;
        } else if let Some(first) = self.buf.first_mut() {
            *first = 0;
        }
        self.len
    }
}

impl fmt::Write for CallerBuffer<'_> {
    fn write_str(&mut self, text: &str) -> fmt::Result {
        let room = self.buf.len().saturating_sub(1);
        if let Some(free) = room.checked_sub(self.len) {
            let take = text.len().min(free);
            self.buf[self.len..self.len + take].copy_from_slice(&text.as_bytes()[..take]);
        }
        self.len += text.len();
        Ok(())
    }
}

/// Writes the Prometheus text exposition (format 0.0.4, content type
/// `text/plain; version=0.0.4`) of `h`'s counters and gauges into `buf`, NUL-terminated,
/// and returns its length in bytes without the NUL, like `snprintf`:
///
/// - a result below `cap`: `buf` holds the whole text;
/// - a result of `cap` or more: the text did not fit; `buf` holds "" (never a cut text) when
///   `cap > 0`. Call again with a buffer of at least the result + 1 bytes, plus headroom:
///   counters keep growing, so the next text may be a few bytes longer;
/// - `buf` NULL with `cap` 0 only measures;
/// - -1 for a bad handle or `buf` NULL with `cap > 0` (`LNR_ERR_INVALID_ARG`).
///
/// One `# HELP` and `# TYPE` line per metric, then one sample labelled with the client's
/// unique name and topic (docs/metrics.md). Allocation-free. Added (not in liner 1.4).
///
/// Thread safety: any thread.
///
/// # Safety
/// `buf` is NULL or points to `cap` writable bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn lnr_metrics_text(
    h: lnr_hClient,
    buf: *mut c_char,
    cap: usize,
) -> c_longlong {
    on_client("lnr_metrics_text", h, |entry| {
        let buf: &mut [u8] = match (buf.is_null(), cap) {
            (_, 0) => &mut [],
            (true, _) => return Err(CallError::Null("buf")),
            // SAFETY: non-NULL with `cap` writable bytes (the contract).
            (false, _) => unsafe { std::slice::from_raw_parts_mut(buf.cast::<u8>(), cap) },
        };
        let mut out = CallerBuffer { buf, len: 0 };
        // CallerBuffer never fails; a formatting error could only come from a bug.
        entry
            .client
            .write_metrics(&mut out)
            .map_err(|_| liner::Error::InvalidArg("formatting the metrics failed".into()))?;
        Ok(c_longlong::try_from(out.finish()).unwrap_or(c_longlong::MAX))
    })
    .unwrap_or(-1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fmt::Write;

    #[test]
    fn the_filled_size_is_whole_fields_within_both_structs() {
        assert_eq!(filled_size(0), None);
        assert_eq!(filled_size(7), None);
        assert_eq!(filled_size(8), Some(8));
        assert_eq!(filled_size(8 + 8 + 5), Some(16));
        let ours = size_of::<lnr_stats_t>();
        assert_eq!(filled_size(ours as u64), Some(ours));
        assert_eq!(filled_size(ours as u64 + 64), Some(ours));
        assert_eq!(filled_size(u64::MAX), Some(ours));
    }

    #[test]
    fn the_struct_is_size_then_u64_fields() {
        // The layout the header and python/liner.py describe: no padding, all u64.
        assert_eq!(size_of::<lnr_stats_t>() % FIELD, 0);
        assert_eq!(std::mem::align_of::<lnr_stats_t>(), FIELD);
        assert_eq!(std::mem::offset_of!(lnr_stats_t, size), 0);
        assert_eq!(std::mem::offset_of!(lnr_stats_t, delivered), FIELD);
    }

    fn written(cap: usize, pieces: &[&str]) -> (usize, Vec<u8>) {
        let mut bytes = vec![0xaa; cap];
        let mut out = CallerBuffer {
            buf: &mut bytes,
            len: 0,
        };
        for piece in pieces {
            out.write_str(piece).unwrap();
        }
        (out.finish(), bytes)
    }

    #[test]
    fn a_text_that_fits_is_nul_terminated() {
        let (len, bytes) = written(8, &["abc", "def"]);
        assert_eq!(len, 6);
        assert_eq!(&bytes[..7], b"abcdef\0");
        let (len, bytes) = written(7, &["abc", "def"]);
        assert_eq!(len, 6);
        assert_eq!(&bytes[..7], b"abcdef\0", "exactly len + 1 bytes suffice");
    }

    #[test]
    fn a_text_that_does_not_fit_leaves_an_empty_string_and_its_length() {
        let (len, bytes) = written(6, &["abc", "def"]);
        assert_eq!(len, 6, "the length of the whole text");
        assert_eq!(bytes[0], 0, "no cut text pretending to be complete");
        let (len, bytes) = written(0, &["abc"]);
        assert_eq!((len, bytes.len()), (3, 0), "cap 0 only measures");
    }
}
