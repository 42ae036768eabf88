//! The C types of the ABI: the opaque client handle, user data and the callback typedefs
//! (liner 1.4's signatures), plus `UserData`, which lets a `void*` travel to library threads.

#![allow(non_camel_case_types)]

use std::ffi::{c_char, c_int, c_longlong, c_void};

/// Opaque client handle. It encodes a slot index and a generation; it is never a pointer
/// and is never dereferenced, so a stale or forged handle is detected and rejected.
pub type lnr_hClient = *mut c_void;

/// User data: passed back untouched to the callback it was registered with.
pub type lnr_uData = *mut c_void;

/// Receive callback: `to` is the receiving topic, `from` the sender's source topic, `data`
/// and `size` the payload. Every pointer is valid only during the call. Runs on the client's
/// listener thread.
pub type lnr_receive_cb = Option<
    unsafe extern "C" fn(
        to: *const c_char,
        from: *const c_char,
        data: *const c_char,
        size: usize,
        user_data: lnr_uData,
    ),
>;

/// Receive callback of `lnr_run_fallible`, with the parameters of `lnr_receive_cb`. It
/// returns 0 when it processed the message, non-zero to refuse it: the message is then not
/// acknowledged and is delivered again later (with backoff), before anything newer from the
/// same sender topic.
pub type lnr_fallible_receive_cb = Option<
    unsafe extern "C" fn(
        to: *const c_char,
        from: *const c_char,
        data: *const c_char,
        size: usize,
        user_data: lnr_uData,
    ) -> c_int,
>;

/// Status callback: `kind` is one of `LNR_PEER_CONNECTED` … `LNR_FRAMES_ABANDONED`;
/// `topic`, `peer` and `message` are never NULL (possibly "") and valid only during the call.
pub type lnr_status_cb = Option<
    unsafe extern "C" fn(
        kind: c_int,
        topic: *const c_char,
        peer: *const c_char,
        message: *const c_char,
        user_data: lnr_uData,
    ),
>;

/// Log callback (process-wide): one diagnostic line, valid only during the call.
pub type lnr_log_cb = Option<unsafe extern "C" fn(message: *const c_char, user_data: lnr_uData)>;

/// One catalog row of `lnr_list_addresses`; pointers valid only during the call.
pub type lnr_addr_cb = Option<
    unsafe extern "C" fn(addr: *const c_char, unique_name: *const c_char, user_data: lnr_uData),
>;

/// One listener's backlog of `lnr_pending_by_peer`; `addr` and `topic` are known also while
/// the listener is away, "" only for a listener this sender has no named hint of. Pointers
/// valid only during the call.
pub type lnr_pending_cb = Option<
    unsafe extern "C" fn(
        addr: *const c_char,
        topic: *const c_char,
        unique_name: *const c_char,
        count: c_longlong,
        user_data: lnr_uData,
    ),
>;

/// One catalog row of `lnr_list_peers` (added): address, unique name, whether the client
/// behind it is alive, when the row was registered and when that client last sent a
/// heartbeat, in unix milliseconds of the Redis clock (-1 when unknown). Pointers valid only
/// during the call.
pub type lnr_peer_cb = Option<
    unsafe extern "C" fn(
        addr: *const c_char,
        unique_name: *const c_char,
        live: bool,
        since_unix_ms: i64,
        last_seen_unix_ms: i64,
        user_data: lnr_uData,
    ),
>;

/// A user-data pointer carried to library threads. liner never dereferences it; the caller
/// promised, by registering it, that its callback may receive it on any thread.
#[derive(Clone, Copy)]
pub(crate) struct UserData(lnr_uData);

// SAFETY: the pointer is only handed back to the caller's own callback, never used here.
unsafe impl Send for UserData {}
// SAFETY: as above; liner never reads or writes through it.
unsafe impl Sync for UserData {}

impl UserData {
    pub(crate) fn new(user: lnr_uData) -> Self {
        UserData(user)
    }

    /// The pointer (a method, so closures capture the whole `Send` wrapper, not the field).
    pub(crate) fn get(self) -> lnr_uData {
        self.0
    }
}
