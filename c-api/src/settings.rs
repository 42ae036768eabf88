//! Process-wide settings: liner 1.4's `lnr_set_max_message_size`, `lnr_set_compress_threshold`
//! and `lnr_set_max_send_queue`, and the `lnr_config_*` capacities, timeouts and limits. They
//! are defaults for clients created afterwards (a client's configuration is fixed when it is
//! created); the maximum message size is also checked on every send.
//!
//! Capacities and timeouts are each an atomic where 0 means "liner-p2p's default"
//! (`Config::default()`). Retention and the limits on parked queues are different: there 0 is
//! a value of its own (keep forever, no limit), so an [`ExactSetting`] keeps beside the value
//! whether it was set at all. A new value is checked with `Config::validate` (together with
//! the other settings) before it is stored; refused values leave the setting unchanged and
//! log why.

use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

use liner::{Config, ParkDurability};

use super::boundary::guard;
use super::logline::emit;

/// A capacity of `Config`, in bytes or a count.
pub(crate) struct SizeSetting {
    value: AtomicUsize,
    field: fn(&mut Config) -> &mut usize,
}

/// A timeout of `Config`, in milliseconds.
pub(crate) struct MillisSetting {
    value: AtomicU32,
    field: fn(&mut Config) -> &mut Duration,
}

/// A setting of `Config` whose 0 (or false) is a value of its own, not "the default". It is
/// stored as the C caller gave it; `chosen` says whether it was set since the last reset.
/// `value` is written before `chosen` is released, so a reader that sees `chosen` sees the
/// value that came with it (or a later one).
pub(crate) struct ExactSetting {
    chosen: AtomicBool,
    value: AtomicU64,
    apply: fn(&mut Config, u64),
    read: fn(&Config) -> u64,
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
static LIVENESS_TTL: MillisSetting = MillisSetting {
    value: AtomicU32::new(0),
    field: |c| &mut c.liveness_ttl,
};
/// In seconds; 0 keeps everything forever.
static RETENTION: ExactSetting = ExactSetting {
    chosen: AtomicBool::new(false),
    value: AtomicU64::new(0),
    apply: |c, s| c.retention = Duration::from_secs(s),
    read: |c| c.retention.as_secs(),
};
/// 0 or 1.
static RETENTION_DROPS_PARKED: ExactSetting = ExactSetting {
    chosen: AtomicBool::new(false),
    value: AtomicU64::new(0),
    apply: |c, on| c.retention_drops_parked = on != 0,
    read: |c| u64::from(c.retention_drops_parked),
};
/// A count; 0 is no limit.
static MAX_PARKED: ExactSetting = ExactSetting {
    chosen: AtomicBool::new(false),
    value: AtomicU64::new(0),
    apply: |c, n| c.max_parked = n,
    read: |c| c.max_parked,
};
/// In milliseconds; 0 is no limit.
static MAX_PARKED_AGE: ExactSetting = ExactSetting {
    chosen: AtomicBool::new(false),
    value: AtomicU64::new(0),
    apply: |c, ms| c.max_parked_age = Duration::from_millis(ms),
    read: |c| u64::try_from(c.max_parked_age.as_millis()).unwrap_or(u64::MAX),
};

static SIZE_SETTINGS: [&SizeSetting; 11] = [
    &MAX_MESSAGE_SIZE,
    &WINDOW_BYTES,
    &RECV_BUFFER_BYTES,
    &MAX_PEERS,
    &MAX_HANDSHAKES,
    &MAX_HANDSHAKES_PER_SOURCE,
    &MAX_CONNS_PER_SOURCE,
    &LARGE_FRAME_BUDGET,
    &MIN_FRAME_RATE,
    &MAX_ROUTE_TOPICS,
    &MAX_LISTENERS_PER_TOPIC,
];
/// Inbound limits (docs/operations.md, "Trust boundary"); their C functions are in `trust`.
pub(crate) static MAX_HANDSHAKES: SizeSetting = SizeSetting {
    value: AtomicUsize::new(0),
    field: |c| &mut c.max_handshakes,
};
pub(crate) static MAX_HANDSHAKES_PER_SOURCE: SizeSetting = SizeSetting {
    value: AtomicUsize::new(0),
    field: |c| &mut c.max_handshakes_per_source,
};
pub(crate) static MAX_CONNS_PER_SOURCE: SizeSetting = SizeSetting {
    value: AtomicUsize::new(0),
    field: |c| &mut c.max_conns_per_source,
};
/// 0 is also the library default here: twice the largest frame.
pub(crate) static LARGE_FRAME_BUDGET: SizeSetting = SizeSetting {
    value: AtomicUsize::new(0),
    field: |c| &mut c.large_frame_budget,
};
pub(crate) static MIN_FRAME_RATE: SizeSetting = SizeSetting {
    value: AtomicUsize::new(0),
    field: |c| &mut c.min_frame_rate,
};

/// How far one client fans out; their C functions are in `fanout`.
pub(crate) static MAX_ROUTE_TOPICS: SizeSetting = SizeSetting {
    value: AtomicUsize::new(0),
    field: |c| &mut c.max_route_topics,
};
pub(crate) static MAX_LISTENERS_PER_TOPIC: SizeSetting = SizeSetting {
    value: AtomicUsize::new(0),
    field: |c| &mut c.max_listeners_per_topic,
};

/// Parking durability (docs/operations.md, "Parking durability"); their C functions are in
/// `durability`. Replicas as the C caller gave them: negative is `Auto`.
pub(crate) static PARK_REPLICAS: ExactSetting = ExactSetting {
    chosen: AtomicBool::new(false),
    value: AtomicU64::new(0),
    apply: |c, n| {
        c.park_durability = match u32::try_from(n as i64) {
            Ok(n) => ParkDurability::Replicas(n),
            Err(_) => ParkDurability::Auto,
        }
    },
    read: |c| match c.park_durability {
        ParkDurability::Replicas(n) => u64::from(n),
        _ => -1i64 as u64,
    },
};
pub(crate) static PARK_CONFIRM_TIMEOUT: MillisSetting = MillisSetting {
    value: AtomicU32::new(0),
    field: |c| &mut c.park_confirm_timeout,
};

static MILLIS_SETTINGS: [&MillisSetting; 6] = [
    &SEND_TIMEOUT,
    &CONNECT_TIMEOUT,
    &REDIS_TIMEOUT,
    &STOP_TIMEOUT,
    &LIVENESS_TTL,
    &PARK_CONFIRM_TIMEOUT,
];
static EXACT_SETTINGS: [&ExactSetting; 5] = [
    &RETENTION,
    &RETENTION_DROPS_PARKED,
    &MAX_PARKED,
    &MAX_PARKED_AGE,
    &PARK_REPLICAS,
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
    for setting in EXACT_SETTINGS {
        if setting.chosen.load(Ordering::Acquire) {
            (setting.apply)(&mut config, setting.value.load(Ordering::Relaxed));
        }
    }
    config.secret = super::trust::secret();
    config.redis_ca_file = super::redis_ca::ca_file();
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
    pub(crate) fn set(&'static self, function: &'static str, value: usize) -> bool {
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
    pub(crate) fn get(&self) -> usize {
        *(self.field)(&mut client_config())
    }
}

impl MillisSetting {
    /// Sets the value (0 = library default).
    pub(crate) fn set(&'static self, function: &'static str, ms: u32) -> bool {
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

    pub(crate) fn get(&self) -> u32 {
        let timeout = *(self.field)(&mut client_config());
        u32::try_from(timeout.as_millis()).unwrap_or(u32::MAX)
    }
}

impl ExactSetting {
    /// Sets the value exactly as given (0 included) if the resulting configuration is valid.
    pub(crate) fn set(&'static self, function: &'static str, value: u64) -> bool {
        guard(function, false, || {
            if !acceptable(function, |c| (self.apply)(c, value)) {
                return false;
            }
            self.value.store(value, Ordering::Relaxed);
            self.chosen.store(true, Ordering::Release);
            true
        })
    }

    /// The value clients created now get.
    pub(crate) fn get(&self) -> u64 {
        (self.read)(&client_config())
    }

    /// Back to liner-p2p's default.
    fn reset(&self) {
        self.chosen.store(false, Ordering::Release);
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

/// Sets the size above which payloads may be compressed; 0 is refused (false). liner-p2p's
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

/// Sets the per-peer in-memory bound for clients created afterwards. liner-p2p bounds
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

/// How long a running client counts as alive in Redis after its last heartbeat (sent every
/// third of it), for clients created afterwards: a listener killed without `lnr_stop` is
/// routed around, and its catalog rows removed, about this long after its last heartbeat,
/// and a second process with the same unique name is refused (`LNR_ERR_DUPLICATE_NAME`)
/// while the first is alive. 0 is refused (false): a client would be dead as soon as it
/// registered; `lnr_config_reset` restores the default (3000 ms). docs/operations.md,
/// "Who is alive".
///
/// Thread safety: any thread.
#[unsafe(no_mangle)]
pub extern "C" fn lnr_config_set_liveness_ttl_ms(ms: u32) -> bool {
    if ms == 0 {
        emit(format_args!("lnr_config_set_liveness_ttl_ms: 0 is refused"));
        return false;
    }
    LIVENESS_TTL.set("lnr_config_set_liveness_ttl_ms", ms)
}

/// The value clients created now get (see `lnr_config_set_liveness_ttl_ms`).
///
/// Thread safety: any thread.
#[unsafe(no_mangle)]
pub extern "C" fn lnr_config_liveness_ttl_ms() -> u32 {
    guard("lnr_config_liveness_ttl_ms", 0, || LIVENESS_TTL.get())
}

/// Retention period in seconds, for clients created afterwards: a channel whose sender and
/// listener have both been gone longer than this is removed from Redis by a sweep that one
/// running client of the database does every quarter of it (at most hourly). **0 keeps
/// everything forever** (it is not "the default": `lnr_config_reset` restores the default,
/// 7 days = 604800 s). docs/operations.md, "Retention: what is removed, and when".
///
/// Thread safety: any thread.
#[unsafe(no_mangle)]
pub extern "C" fn lnr_config_set_retention_s(seconds: u32) -> bool {
    RETENTION.set("lnr_config_set_retention_s", u64::from(seconds))
}

/// The value clients created now get, in seconds, 0 = forever (see
/// `lnr_config_set_retention_s`).
///
/// Thread safety: any thread.
#[unsafe(no_mangle)]
pub extern "C" fn lnr_config_retention_s() -> u32 {
    guard("lnr_config_retention_s", 0, || {
        u32::try_from(RETENTION.get()).unwrap_or(u32::MAX)
    })
}

/// Whether the retention sweep of clients created afterwards may also remove a gone
/// channel's parked messages (counted, logged and reported with `LNR_PARKED_DROPPED`).
/// Default false: such channels are kept. docs/operations.md, "Retention: what is removed,
/// and when".
///
/// Thread safety: any thread.
#[unsafe(no_mangle)]
pub extern "C" fn lnr_config_set_retention_drops_parked(drop_parked: bool) -> bool {
    RETENTION_DROPS_PARKED.set(
        "lnr_config_set_retention_drops_parked",
        u64::from(drop_parked),
    )
}

/// The value clients created now get (see `lnr_config_set_retention_drops_parked`).
///
/// Thread safety: any thread.
#[unsafe(no_mangle)]
pub extern "C" fn lnr_config_retention_drops_parked() -> bool {
    guard("lnr_config_retention_drops_parked", false, || {
        RETENTION_DROPS_PARKED.get() != 0
    })
}

/// Most messages a client created afterwards keeps parked per channel while its listener is
/// away; beyond it the oldest are dropped (counted, logged and reported with
/// `LNR_PARKED_DROPPED`). 0 = no limit, the default. docs/operations.md, "Limits on parked
/// queues".
///
/// Thread safety: any thread.
#[unsafe(no_mangle)]
pub extern "C" fn lnr_config_set_max_parked(count: u64) -> bool {
    MAX_PARKED.set("lnr_config_set_max_parked", count)
}

/// The value clients created now get, 0 = no limit (see `lnr_config_set_max_parked`).
///
/// Thread safety: any thread.
#[unsafe(no_mangle)]
pub extern "C" fn lnr_config_max_parked() -> u64 {
    guard("lnr_config_max_parked", 0, || MAX_PARKED.get())
}

/// Age limit on parked messages, for clients created afterwards: messages parked longer
/// than this are dropped while their listener is away (counted, logged and reported with
/// `LNR_PARKED_DROPPED`). 0 = no limit, the default. 64-bit, unlike the timeouts: an age limit may well exceed the 49 days a
/// 32-bit count of milliseconds holds. docs/operations.md, "Limits on parked queues".
///
/// Thread safety: any thread.
#[unsafe(no_mangle)]
pub extern "C" fn lnr_config_set_max_parked_age_ms(ms: u64) -> bool {
    MAX_PARKED_AGE.set("lnr_config_set_max_parked_age_ms", ms)
}

/// The value clients created now get, 0 = no limit (see `lnr_config_set_max_parked_age_ms`).
///
/// Thread safety: any thread.
#[unsafe(no_mangle)]
pub extern "C" fn lnr_config_max_parked_age_ms() -> u64 {
    guard("lnr_config_max_parked_age_ms", 0, || MAX_PARKED_AGE.get())
}

/// Restores every process-wide setting (including the maximum message size, the
/// compression threshold, the shared secret and the Redis CA file) to the library
/// defaults. Always true.
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
        for setting in EXACT_SETTINGS {
            setting.reset();
        }
        super::trust::forget_secret();
        super::redis_ca::forget_ca_file();
        COMPRESS_THRESHOLD.store(usize::MAX, Ordering::Relaxed);
        true
    })
}
