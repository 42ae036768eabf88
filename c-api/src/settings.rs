//! Process-wide settings: liner 1.4's `lnr_set_max_message_size`, `lnr_set_compress_threshold`
//! and `lnr_set_max_send_queue`, and the `lnr_config_*` capacities and timeouts. They are
//! defaults for clients created afterwards (a client's capacities are fixed when it is
//! created); the maximum message size is also checked on every send.
//!
//! Each value is an atomic where 0 means "liner-broker's default" (`Config::default()`).
//! A new value is checked with `Config::validate` (together with the other settings) before
//! it is stored; refused values leave the setting unchanged and log why.

use std::sync::atomic::{AtomicU32, AtomicUsize, Ordering};
use std::time::Duration;

use liner::Config;

use super::boundary::guard;
use super::logline::emit;

/// A capacity of `Config`, in bytes or a count.
struct SizeSetting {
    value: AtomicUsize,
    field: fn(&mut Config) -> &mut usize,
}

/// A timeout of `Config`, in milliseconds.
struct MillisSetting {
    value: AtomicU32,
    field: fn(&mut Config) -> &mut Duration,
}

static MAX_MESSAGE_SIZE: SizeSetting = SizeSetting {
    value: AtomicUsize::new(0),
    field: |c| &mut c.max_message_size,
};
static WINDOW_BYTES: SizeSetting = SizeSetting {
    value: AtomicUsize::new(0),
    field: |c| &mut c.window_bytes,
};
static RECV_BUFFER_BYTES: SizeSetting = SizeSetting {
    value: AtomicUsize::new(0),
    field: |c| &mut c.recv_buffer_bytes,
};
static MAX_PEERS: SizeSetting = SizeSetting {
    value: AtomicUsize::new(0),
    field: |c| &mut c.max_peers,
};
static SEND_TIMEOUT: MillisSetting = MillisSetting {
    value: AtomicU32::new(0),
    field: |c| &mut c.send_timeout,
};
static CONNECT_TIMEOUT: MillisSetting = MillisSetting {
    value: AtomicU32::new(0),
    field: |c| &mut c.connect_timeout,
};
static REDIS_TIMEOUT: MillisSetting = MillisSetting {
    value: AtomicU32::new(0),
    field: |c| &mut c.redis_timeout,
};
static STOP_TIMEOUT: MillisSetting = MillisSetting {
    value: AtomicU32::new(0),
    field: |c| &mut c.stop_timeout,
};

static SIZE_SETTINGS: [&SizeSetting; 4] = [
    &MAX_MESSAGE_SIZE,
    &WINDOW_BYTES,
    &RECV_BUFFER_BYTES,
    &MAX_PEERS,
];
static MILLIS_SETTINGS: [&MillisSetting; 4] = [
    &SEND_TIMEOUT,
    &CONNECT_TIMEOUT,
    &REDIS_TIMEOUT,
    &STOP_TIMEOUT,
];

/// liner 1.4's compression threshold. Wire protocol v1 has no compression, so no payload
/// is ever compressed; the value is kept and reported for compatibility. `usize::MAX`
/// (the default) says exactly that: no payload is above it.
static COMPRESS_THRESHOLD: AtomicUsize = AtomicUsize::new(usize::MAX);

/// The configuration for a client created now.
pub(crate) fn client_config() -> Config {
    let mut config = Config::default();
    for setting in SIZE_SETTINGS {
        match setting.value.load(Ordering::Relaxed) {
            0 => {}
            value => *(setting.field)(&mut config) = value,
        }
    }
    for setting in MILLIS_SETTINGS {
        match setting.value.load(Ordering::Relaxed) {
            0 => {}
            ms => *(setting.field)(&mut config) = Duration::from_millis(u64::from(ms)),
        }
    }
    config
}

/// Largest payload `lnr_send_*` accepts right now.
pub(crate) fn max_message_size() -> usize {
    *(MAX_MESSAGE_SIZE.field)(&mut client_config())
}

/// Checks the configuration that `apply` leads to; logs why it is refused.
fn acceptable(function: &'static str, apply: impl FnOnce(&mut Config)) -> bool {
    let mut candidate = client_config();
    apply(&mut candidate);
    match candidate.validate() {
        Ok(()) => true,
        Err(why) => {
            emit(format_args!("{function}: value refused: {why}"));
            false
        }
    }
}

impl SizeSetting {
    /// Sets the value (0 = library default) if the resulting configuration is valid.
    fn set(&'static self, function: &'static str, value: usize) -> bool {
        guard(function, false, || {
            let effective = match value {
                0 => *(self.field)(&mut Config::default()),
                value => value,
            };
            let ok = acceptable(function, |c| *(self.field)(c) = effective);
            if ok {
                self.value.store(value, Ordering::Relaxed);
            }
            ok
        })
    }

    /// The value clients created now get.
    fn get(&self) -> usize {
        *(self.field)(&mut client_config())
    }
}

impl MillisSetting {
    /// Sets the value (0 = library default).
    fn set(&'static self, function: &'static str, ms: u32) -> bool {
        guard(function, false, || {
            if ms != 0 {
                let timeout = Duration::from_millis(u64::from(ms));
                if !acceptable(function, |c| *(self.field)(c) = timeout) {
                    return false;
                }
            }
            self.value.store(ms, Ordering::Relaxed);
            true
        })
    }

    fn get(&self) -> u32 {
        let timeout = *(self.field)(&mut client_config());
        u32::try_from(timeout.as_millis()).unwrap_or(u32::MAX)
    }
}

/// Sets the largest payload, process-wide: `lnr_send_*` refuses bigger payloads from now on
/// (`LNR_ERR_INVALID_ARG`), and clients created afterwards also accept at most this much
/// from the wire. 0 and values above 2 GiB are refused (false). Default: 64 MiB.
///
/// Thread safety: any thread.
#[unsafe(no_mangle)]
pub extern "C" fn lnr_set_max_message_size(size: usize) -> bool {
    if size == 0 {
        emit(format_args!("lnr_set_max_message_size: 0 is refused"));
        return false;
    }
    MAX_MESSAGE_SIZE.set("lnr_set_max_message_size", size)
}

/// The largest payload `lnr_send_*` accepts.
///
/// Thread safety: any thread.
#[unsafe(no_mangle)]
pub extern "C" fn lnr_get_max_message_size() -> usize {
    guard("lnr_get_max_message_size", 0, || MAX_MESSAGE_SIZE.get())
}

/// Sets the size above which payloads may be compressed; 0 is refused (false). liner-broker's
/// wire protocol v1 never compresses, so this value only is kept and reported back.
/// Default: `SIZE_MAX` (nothing is compressed).
///
/// Thread safety: any thread.
#[unsafe(no_mangle)]
pub extern "C" fn lnr_set_compress_threshold(size: usize) -> bool {
    guard("lnr_set_compress_threshold", false, || {
        if size == 0 {
            emit(format_args!("lnr_set_compress_threshold: 0 is refused"));
            return false;
        }
        COMPRESS_THRESHOLD.store(size, Ordering::Relaxed);
        true
    })
}

/// The compression threshold (see `lnr_set_compress_threshold`).
///
/// Thread safety: any thread.
#[unsafe(no_mangle)]
pub extern "C" fn lnr_get_compress_threshold() -> usize {
    guard("lnr_get_compress_threshold", 0, || {
        COMPRESS_THRESHOLD.load(Ordering::Relaxed)
    })
}

/// Sets the per-peer in-memory bound for clients created afterwards. liner-broker bounds
/// each outbound peer by its transmit window in BYTES (not a message count as liner 1.4 did),
/// so this is the same setting as `lnr_config_set_window_bytes`. 0 = library default (1 MiB).
/// Values below the smallest usable window are refused (false).
///
/// Thread safety: any thread.
#[unsafe(no_mangle)]
pub extern "C" fn lnr_set_max_send_queue(bytes: usize) -> bool {
    WINDOW_BYTES.set("lnr_set_max_send_queue", bytes)
}

/// The per-peer in-memory bound in bytes (see `lnr_set_max_send_queue`).
///
/// Thread safety: any thread.
#[unsafe(no_mangle)]
pub extern "C" fn lnr_get_max_send_queue() -> usize {
    guard("lnr_get_max_send_queue", 0, || WINDOW_BYTES.get())
}

/// Transmit window per outbound peer, in bytes, for clients created afterwards: frames
/// waiting to be written or acknowledged. 0 = library default (1 MiB).
///
/// Thread safety: any thread.
#[unsafe(no_mangle)]
pub extern "C" fn lnr_config_set_window_bytes(bytes: usize) -> bool {
    WINDOW_BYTES.set("lnr_config_set_window_bytes", bytes)
}

/// The value clients created now get (see `lnr_config_set_window_bytes`).
///
/// Thread safety: any thread.
#[unsafe(no_mangle)]
pub extern "C" fn lnr_config_window_bytes() -> usize {
    guard("lnr_config_window_bytes", 0, || WINDOW_BYTES.get())
}

/// Receive buffer per inbound connection, in bytes, for clients created afterwards.
/// 0 = library default (256 KiB).
///
/// Thread safety: any thread.
#[unsafe(no_mangle)]
pub extern "C" fn lnr_config_set_recv_buffer_bytes(bytes: usize) -> bool {
    RECV_BUFFER_BYTES.set("lnr_config_set_recv_buffer_bytes", bytes)
}

/// The value clients created now get (see `lnr_config_set_recv_buffer_bytes`).
///
/// Thread safety: any thread.
#[unsafe(no_mangle)]
pub extern "C" fn lnr_config_recv_buffer_bytes() -> usize {
    guard("lnr_config_recv_buffer_bytes", 0, || {
        RECV_BUFFER_BYTES.get()
    })
}

/// Most outbound peers and most inbound connections (each) of clients created afterwards.
/// 0 = library default (256).
///
/// Thread safety: any thread.
#[unsafe(no_mangle)]
pub extern "C" fn lnr_config_set_max_peers(count: usize) -> bool {
    MAX_PEERS.set("lnr_config_set_max_peers", count)
}

/// The value clients created now get (see `lnr_config_set_max_peers`).
///
/// Thread safety: any thread.
#[unsafe(no_mangle)]
pub extern "C" fn lnr_config_max_peers() -> usize {
    guard("lnr_config_max_peers", 0, || MAX_PEERS.get())
}

/// How long `lnr_send_*` waits for room in a full window before failing with
/// `LNR_ERR_BUSY`, for clients created afterwards. 0 = library default (2000 ms).
///
/// Thread safety: any thread.
#[unsafe(no_mangle)]
pub extern "C" fn lnr_config_set_send_timeout_ms(ms: u32) -> bool {
    SEND_TIMEOUT.set("lnr_config_set_send_timeout_ms", ms)
}

/// The value clients created now get (see `lnr_config_set_send_timeout_ms`).
///
/// Thread safety: any thread.
#[unsafe(no_mangle)]
pub extern "C" fn lnr_config_send_timeout_ms() -> u32 {
    guard("lnr_config_send_timeout_ms", 0, || SEND_TIMEOUT.get())
}

/// TCP connect timeout to peers, for clients created afterwards. 0 = library default
/// (1000 ms).
///
/// Thread safety: any thread.
#[unsafe(no_mangle)]
pub extern "C" fn lnr_config_set_connect_timeout_ms(ms: u32) -> bool {
    CONNECT_TIMEOUT.set("lnr_config_set_connect_timeout_ms", ms)
}

/// The value clients created now get (see `lnr_config_set_connect_timeout_ms`).
///
/// Thread safety: any thread.
#[unsafe(no_mangle)]
pub extern "C" fn lnr_config_connect_timeout_ms() -> u32 {
    guard("lnr_config_connect_timeout_ms", 0, || CONNECT_TIMEOUT.get())
}

/// Connect, read and write timeout of Redis connections, for clients created afterwards
/// (creating a client against an unreachable Redis fails within about this time).
/// 0 = library default (2000 ms).
///
/// Thread safety: any thread.
#[unsafe(no_mangle)]
pub extern "C" fn lnr_config_set_redis_timeout_ms(ms: u32) -> bool {
    REDIS_TIMEOUT.set("lnr_config_set_redis_timeout_ms", ms)
}

/// The value clients created now get (see `lnr_config_set_redis_timeout_ms`).
///
/// Thread safety: any thread.
#[unsafe(no_mangle)]
pub extern "C" fn lnr_config_redis_timeout_ms() -> u32 {
    guard("lnr_config_redis_timeout_ms", 0, || REDIS_TIMEOUT.get())
}

/// Longest time `lnr_stop` and `lnr_delete_client` take, for clients created afterwards.
/// At-least-once messages that could be neither delivered nor parked in Redis by then are
/// abandoned and reported (`LNR_ERR_ABANDONED`, `LNR_FRAMES_ABANDONED`). 0 = library
/// default (3000 ms).
///
/// Thread safety: any thread.
#[unsafe(no_mangle)]
pub extern "C" fn lnr_config_set_stop_timeout_ms(ms: u32) -> bool {
    STOP_TIMEOUT.set("lnr_config_set_stop_timeout_ms", ms)
}

/// The value clients created now get (see `lnr_config_set_stop_timeout_ms`).
///
/// Thread safety: any thread.
#[unsafe(no_mangle)]
pub extern "C" fn lnr_config_stop_timeout_ms() -> u32 {
    guard("lnr_config_stop_timeout_ms", 0, || STOP_TIMEOUT.get())
}

/// Restores every process-wide setting above (including the maximum message size and the
/// compression threshold) to the library defaults. Always true.
///
/// Thread safety: any thread.
#[unsafe(no_mangle)]
pub extern "C" fn lnr_config_reset() -> bool {
    guard("lnr_config_reset", false, || {
        for setting in SIZE_SETTINGS {
            setting.value.store(0, Ordering::Relaxed);
        }
        for setting in MILLIS_SETTINGS {
            setting.value.store(0, Ordering::Relaxed);
        }
        COMPRESS_THRESHOLD.store(usize::MAX, Ordering::Relaxed);
        true
    })
}
