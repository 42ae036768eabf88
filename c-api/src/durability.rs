//! Process-wide parking durability: how many Redis replicas must confirm parked messages
//! (`WAIT`) before a sender frees them, and how long to wait for them. Like every
//! `lnr_config_*` setting they apply to clients created afterwards.

use super::boundary::guard;
use super::settings::{PARK_CONFIRM_TIMEOUT, PARK_REPLICAS};

/// How many replicas must confirm each parked chunk (and each seq reservation) of clients
/// created afterwards: -1 (any negative value) = automatic, the default (one when the master
/// holding the queue has a replica connected, none on a server without replicas); 0 = never
/// wait; n = exactly n. Until they confirm, the frames stay in the sender's window and
/// parking is retried (`LNR_SENDER_STORE_ERROR` is reported). docs/operations.md,
/// "Parking durability".
///
/// Thread safety: any thread.
#[unsafe(no_mangle)]
pub extern "C" fn lnr_config_set_park_replicas(replicas: i32) -> bool {
    let stored = i64::from(replicas.max(-1)) as u64;
    PARK_REPLICAS.set("lnr_config_set_park_replicas", stored)
}

/// The value clients created now get: -1 automatic, else the count (see
/// `lnr_config_set_park_replicas`).
///
/// Thread safety: any thread.
#[unsafe(no_mangle)]
pub extern "C" fn lnr_config_park_replicas() -> i32 {
    guard("lnr_config_park_replicas", -1, || {
        i32::try_from(PARK_REPLICAS.get() as i64).unwrap_or(-1)
    })
}

/// Longest wait for those replicas, in milliseconds, for clients created afterwards (at most
/// half of the Redis timeout is used). 0 = library default, 1000.
///
/// Thread safety: any thread.
#[unsafe(no_mangle)]
pub extern "C" fn lnr_config_set_park_confirm_timeout_ms(ms: u32) -> bool {
    PARK_CONFIRM_TIMEOUT.set("lnr_config_set_park_confirm_timeout_ms", ms)
}

/// The value clients created now get (see `lnr_config_set_park_confirm_timeout_ms`).
///
/// Thread safety: any thread.
#[unsafe(no_mangle)]
pub extern "C" fn lnr_config_park_confirm_timeout_ms() -> u32 {
    guard("lnr_config_park_confirm_timeout_ms", 0, || {
        PARK_CONFIRM_TIMEOUT.get()
    })
}
