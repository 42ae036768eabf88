//! Process-wide settings of the trust boundary (docs/operations.md, "Trust boundary"): the
//! shared secret peers authenticate each other with, and the limits on what an inbound
//! peer may cost a listener. Like every `lnr_config_*` setting they apply to clients
//! created afterwards.
//!
//! The secret is never handed back (there is no getter for it, only whether one is set)
//! and never logged. Without one set here, clients read `LINER_SECRET` from the
//! environment, so existing programs enable authentication without a code change.

use std::ffi::c_char;
use std::sync::{Mutex, PoisonError};

use liner::Secret;

use super::boundary::guard;
use super::logline::emit;
use super::settings::{
    LARGE_FRAME_BUDGET, MAX_CONNS_PER_SOURCE, MAX_HANDSHAKES, MAX_HANDSHAKES_PER_SOURCE,
    MIN_FRAME_RATE,
};
use super::text::opt_str_arg;

static SECRET: Mutex<Option<Secret>> = Mutex::new(None);

/// The secret set with `lnr_config_set_secret`, if any.
pub(crate) fn secret() -> Option<Secret> {
    SECRET
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .clone()
}

/// Back to "no secret set" (`lnr_config_reset`).
pub(crate) fn forget_secret() {
    *SECRET.lock().unwrap_or_else(PoisonError::into_inner) = None;
}

/// Sets the shared secret (a NUL-terminated string of at least 16 bytes) that clients
/// created afterwards prove to every peer and require from every peer (HMAC-SHA256 in the
/// handshake; the secret never crosses the wire). NULL or "" clears it: clients then use
/// `LINER_SECRET` from the environment if set, else no authentication (trusted networks
/// only). A shorter secret is refused (false). Peers without the secret get nothing
/// delivered and are reported with `LNR_PEER_UNAUTHORIZED`.
///
/// Thread safety: any thread.
///
/// # Safety
/// `secret` is NULL or a NUL-terminated string valid for the call.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn lnr_config_set_secret(secret: *const c_char) -> bool {
    guard("lnr_config_set_secret", false, || {
        // SAFETY: forwarded contract.
        let text = match unsafe { opt_str_arg(secret, "secret") } {
            Ok(text) => text.unwrap_or(""),
            Err(err) => {
                emit(format_args!("lnr_config_set_secret: {err}"));
                return false;
            }
        };
        let value = match text {
            "" => None,
            text => match Secret::new(text) {
                Ok(secret) => Some(secret),
                Err(why) => {
                    emit(format_args!("lnr_config_set_secret: value refused: {why}"));
                    return false;
                }
            },
        };
        *SECRET.lock().unwrap_or_else(PoisonError::into_inner) = value;
        true
    })
}

/// Whether clients created now get a secret set with `lnr_config_set_secret` (the
/// environment's `LINER_SECRET` is not looked at here).
///
/// Thread safety: any thread.
#[unsafe(no_mangle)]
pub extern "C" fn lnr_config_has_secret() -> bool {
    guard("lnr_config_has_secret", false, || secret().is_some())
}

/// Most inbound connections still in the handshake, for clients created afterwards; at
/// the limit the oldest of them is closed for a newcomer. 0 = library default (64).
///
/// Thread safety: any thread.
#[unsafe(no_mangle)]
pub extern "C" fn lnr_config_set_max_handshakes(count: usize) -> bool {
    MAX_HANDSHAKES.set("lnr_config_set_max_handshakes", count)
}

/// The value clients created now get (see `lnr_config_set_max_handshakes`).
///
/// Thread safety: any thread.
#[unsafe(no_mangle)]
pub extern "C" fn lnr_config_max_handshakes() -> usize {
    guard("lnr_config_max_handshakes", 0, || MAX_HANDSHAKES.get())
}

/// Most inbound connections in the handshake from one source address, for clients created
/// afterwards; more are refused. 0 = library default (8).
///
/// Thread safety: any thread.
#[unsafe(no_mangle)]
pub extern "C" fn lnr_config_set_max_handshakes_per_source(count: usize) -> bool {
    MAX_HANDSHAKES_PER_SOURCE.set("lnr_config_set_max_handshakes_per_source", count)
}

/// The value clients created now get (see `lnr_config_set_max_handshakes_per_source`).
///
/// Thread safety: any thread.
#[unsafe(no_mangle)]
pub extern "C" fn lnr_config_max_handshakes_per_source() -> usize {
    guard("lnr_config_max_handshakes_per_source", 0, || {
        MAX_HANDSHAKES_PER_SOURCE.get()
    })
}

/// Most inbound connections from one source address (handshakes included), for clients
/// created afterwards; more are refused. 0 = library default (64).
///
/// Thread safety: any thread.
#[unsafe(no_mangle)]
pub extern "C" fn lnr_config_set_max_conns_per_source(count: usize) -> bool {
    MAX_CONNS_PER_SOURCE.set("lnr_config_set_max_conns_per_source", count)
}

/// The value clients created now get (see `lnr_config_set_max_conns_per_source`).
///
/// Thread safety: any thread.
#[unsafe(no_mangle)]
pub extern "C" fn lnr_config_max_conns_per_source() -> usize {
    guard("lnr_config_max_conns_per_source", 0, || {
        MAX_CONNS_PER_SOURCE.get()
    })
}

/// Bytes all of a listener's frames larger than its receive buffer may hold at once, for
/// clients created afterwards; a frame that does not fit waits (its connection is not
/// read). 0 = automatic, the default: twice the largest message. Otherwise at least one
/// message of the maximum size.
///
/// Thread safety: any thread.
#[unsafe(no_mangle)]
pub extern "C" fn lnr_config_set_large_frame_budget(bytes: usize) -> bool {
    LARGE_FRAME_BUDGET.set("lnr_config_set_large_frame_budget", bytes)
}

/// The value clients created now get, 0 = automatic (see
/// `lnr_config_set_large_frame_budget`).
///
/// Thread safety: any thread.
#[unsafe(no_mangle)]
pub extern "C" fn lnr_config_large_frame_budget() -> usize {
    guard("lnr_config_large_frame_budget", 0, || {
        LARGE_FRAME_BUDGET.get()
    })
}

/// Slowest average rate, in bytes per second, at which a frame that started arriving must
/// keep coming (after a grace of the liveness timeout) before its connection is closed,
/// for clients created afterwards. 0 = library default (16384).
///
/// Thread safety: any thread.
#[unsafe(no_mangle)]
pub extern "C" fn lnr_config_set_min_frame_rate(bytes_per_second: usize) -> bool {
    MIN_FRAME_RATE.set("lnr_config_set_min_frame_rate", bytes_per_second)
}

/// The value clients created now get (see `lnr_config_set_min_frame_rate`).
///
/// Thread safety: any thread.
#[unsafe(no_mangle)]
pub extern "C" fn lnr_config_min_frame_rate() -> usize {
    guard("lnr_config_min_frame_rate", 0, || MIN_FRAME_RATE.get())
}
