//! The process-wide CA file for `rediss://` URLs (docs/operations.md, "TLS"): the CA
//! certificates (PEM) a Redis server's certificate must be signed by. Like every
//! `lnr_config_*` setting it applies to clients created afterwards. Without one set here,
//! clients read `LINER_REDIS_CA_FILE` from the environment, so existing programs use a
//! private CA without a code change.

use std::ffi::c_char;
use std::path::PathBuf;
use std::sync::{Mutex, PoisonError};

use super::boundary::guard;
use super::logline::emit;
use super::text::opt_str_arg;

static CA_FILE: Mutex<Option<PathBuf>> = Mutex::new(None);

/// The CA file set with `lnr_config_set_redis_ca_file`, if any.
pub(crate) fn ca_file() -> Option<PathBuf> {
    CA_FILE
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .clone()
}

/// Back to "no CA file set" (`lnr_config_reset`).
pub(crate) fn forget_ca_file() {
    *CA_FILE.lock().unwrap_or_else(PoisonError::into_inner) = None;
}

/// Sets the CA file (PEM; a NUL-terminated UTF-8 path) that the Redis server's certificate
/// must be signed by, for clients created afterwards with a `rediss://` URL: it replaces the
/// system's trust store (for a private CA). NULL or "" clears it: clients then use the file
/// named by `LINER_REDIS_CA_FILE` if set, else the system's trust store. The file is read
/// when a client is created; a missing or unusable file makes that fail with `LNR_ERR_STORE`
/// and a message naming it. Ignored for `redis://` and unix-socket URLs. docs/operations.md,
/// "TLS".
///
/// Thread safety: any thread.
///
/// # Safety
/// `path` is NULL or a NUL-terminated string valid for the call.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn lnr_config_set_redis_ca_file(path: *const c_char) -> bool {
    guard("lnr_config_set_redis_ca_file", false, || {
        // SAFETY: forwarded contract.
        let path = match unsafe { opt_str_arg(path, "path") } {
            Ok(path) => path.filter(|p| !p.is_empty()).map(PathBuf::from),
            Err(err) => {
                emit(format_args!("lnr_config_set_redis_ca_file: {err}"));
                return false;
            }
        };
        *CA_FILE.lock().unwrap_or_else(PoisonError::into_inner) = path;
        true
    })
}
