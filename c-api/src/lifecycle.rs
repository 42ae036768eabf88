//! A client's life through the C API: version, creation (Redis; the SQLite and PostgreSQL
//! entry points of liner 1.4 exist and return NULL), run, stop, is_running and delete.

use std::ffi::c_char;
use std::ptr;

use liner::Client;

use super::boundary::{guard, on_client, query_client};
use super::callbacks::{fallible_receive_shim, receive_shim};
use super::error::CallError;
use super::logline::emit;
use super::settings::client_config;
use super::slots::{self, TABLE_SIZE};
use super::text::str_arg;
use super::types::{UserData, lnr_fallible_receive_cb, lnr_hClient, lnr_receive_cb, lnr_uData};

/// liner-p2p's version, NUL-terminated (the c-api crate shares the workspace version).
const VERSION: &str = concat!(env!("CARGO_PKG_VERSION"), "\0");

const _: () = {
    let (ours, theirs) = (VERSION.as_bytes(), liner::VERSION.as_bytes());
    assert!(ours.len() == theirs.len() + 1);
    let mut i = 0;
    while i < theirs.len() {
        assert!(ours[i] == theirs[i]);
        i += 1;
    }
};

/// The library version ("MAJOR.MINOR.PATCH"): a static string, never NULL.
///
/// Thread safety: any thread.
#[unsafe(no_mangle)]
pub extern "C" fn lnr_version() -> *const c_char {
    guard("lnr_version", c"".as_ptr(), || VERSION.as_ptr().cast())
}

/// How many clients can be alive at once in this process: the size of the handle table
/// this library was built with (`LNR_MAX_CLIENTS` unless the build set `LINER_MAX_CLIENTS`).
///
/// Thread safety: any thread.
#[unsafe(no_mangle)]
pub extern "C" fn lnr_max_clients() -> usize {
    TABLE_SIZE
}

/// Reads the four creation arguments; every one must be non-NULL, non-empty UTF-8.
///
/// # Safety
/// Each pointer is NULL or a NUL-terminated string valid for the call.
unsafe fn creation_args<'a>(
    unique_name: *const c_char,
    topic: *const c_char,
    localhost: *const c_char,
    redis_url: *const c_char,
) -> Result<[&'a str; 4], CallError> {
    let mut args = [""; 4];
    let named = [
        (unique_name, "unique_name"),
        (topic, "topic"),
        (localhost, "localhost"),
        (redis_url, "redis_url"),
    ];
    for (slot, (ptr, what)) in args.iter_mut().zip(named) {
        // SAFETY: forwarded contract.
        let text = unsafe { str_arg(ptr, what) }?;
        if text.trim().is_empty() {
            return Err(CallError::Empty(what));
        }
        *slot = text;
    }
    Ok(args)
}

/// Creates a client of the Redis backend: checks the names, connects to Redis (within the
/// Redis timeout, `lnr_config_set_redis_timeout_ms`) and takes a slot of the handle table.
/// Nothing is bound or registered until `lnr_run`. `localhost` is the listen address
/// (`"127.0.0.1:0"`, `"localhost:2255"`; port 0 = ephemeral). Capacities come from the
/// process-wide settings (`lnr_config_*`) as they are now.
///
/// Returns NULL, with the reason on the log callback or stderr, when an argument is NULL,
/// empty or not UTF-8, a name is invalid, Redis cannot be reached, or all `lnr_max_clients()`
/// slots are taken. Free the client with `lnr_delete_client`.
///
/// Thread safety: any thread.
///
/// # Safety
/// Each argument is NULL or a NUL-terminated string valid for the duration of the call.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn lnr_new_client_redis(
    unique_name: *const c_char,
    topic: *const c_char,
    localhost: *const c_char,
    redis_url: *const c_char,
) -> lnr_hClient {
    guard("lnr_new_client_redis", ptr::null_mut(), || {
        // SAFETY: forwarded contract.
        let args = unsafe { creation_args(unique_name, topic, localhost, redis_url) };
        let [name, topic, bind, url] = match args {
            Ok(args) => args,
            Err(e) => {
                emit(format_args!("cannot create client: {e}"));
                return ptr::null_mut();
            }
        };
        let client = match Client::open(name, topic, bind, url, client_config()) {
            Ok(client) => client,
            Err(e) => {
                emit(format_args!("cannot create client '{name}': {e}"));
                return ptr::null_mut();
            }
        };
        slots::insert(client).unwrap_or_else(|| {
            emit(format_args!(
                "cannot create client '{name}': all {TABLE_SIZE} client slots are in use \
                 (lnr_max_clients); delete a client first"
            ));
            ptr::null_mut()
        })
    })
}

/// Deprecated alias of `lnr_new_client_redis` (liner 1.4 name; `redis_path` is the URL).
///
/// Thread safety: any thread.
///
/// # Safety
/// As for `lnr_new_client_redis`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn lnr_new_client(
    unique_name: *const c_char,
    topic: *const c_char,
    localhost: *const c_char,
    redis_path: *const c_char,
) -> lnr_hClient {
    // SAFETY: forwarded contract.
    unsafe { lnr_new_client_redis(unique_name, topic, localhost, redis_path) }
}

/// SQLite backend of liner 1.4: not available in liner-p2p (Redis only). Always returns
/// NULL and logs why. The arguments are not read.
///
/// Thread safety: any thread.
#[unsafe(no_mangle)]
pub extern "C" fn lnr_new_client_sqlite(
    unique_name: *const c_char,
    topic: *const c_char,
    localhost: *const c_char,
    sqlite_path: *const c_char,
    receivers_json: *const c_char,
) -> lnr_hClient {
    let _ = (unique_name, topic, localhost, sqlite_path, receivers_json);
    guard("lnr_new_client_sqlite", ptr::null_mut(), || {
        emit(format_args!(
            "lnr_new_client_sqlite: the SQLite backend is not available in this build of liner \
             (only Redis: use lnr_new_client_redis); returning NULL"
        ));
        ptr::null_mut()
    })
}

/// PostgreSQL backend of liner 1.4: not available in liner-p2p (Redis only). Always
/// returns NULL and logs why. The arguments are not read.
///
/// Thread safety: any thread.
#[unsafe(no_mangle)]
pub extern "C" fn lnr_new_client_postgres(
    unique_name: *const c_char,
    topic: *const c_char,
    localhost: *const c_char,
    postgres_url: *const c_char,
) -> lnr_hClient {
    let _ = (unique_name, topic, localhost, postgres_url);
    guard("lnr_new_client_postgres", ptr::null_mut(), || {
        emit(format_args!(
            "lnr_new_client_postgres: the PostgreSQL backend is not available in this build \
             of liner (only Redis: use lnr_new_client_redis); returning NULL"
        ));
        ptr::null_mut()
    })
}

/// Binds the listen address, registers the client's topics in the catalog and starts its
/// threads. `callback` receives every message on the client's listener thread (NULL: a
/// send-only client; received messages are acknowledged and dropped); `user_data` is passed
/// back to it. Idempotent: true when already running (the new callback is then ignored).
/// Errors: `LNR_ERR_BIND`, `LNR_ERR_STORE`, `LNR_ERR_STARTUP`; `LNR_ERR_INVALID_ARG` when
/// called from inside this client's own callbacks.
///
/// Thread safety: any thread; concurrent run/stop calls on one handle are serialised.
#[unsafe(no_mangle)]
pub extern "C" fn lnr_run(h: lnr_hClient, callback: lnr_receive_cb, user_data: lnr_uData) -> bool {
    on_client("lnr_run", h, |entry| {
        entry.refuse_inside_own_callback("lnr_run")?;
        let shim = receive_shim(entry.index, callback, UserData::new(user_data));
        Ok(entry.client.try_run(shim)?)
    })
    .is_some()
}

/// `lnr_run` with a callback that may refuse a message (liner-p2p addition): it returns
/// 0 when it processed the message and non-zero when it could not (a database down, a full
/// queue). A refused message is not acknowledged; it is delivered again later, after the
/// sender's reconnect backoff (growing while refusals go on), and before anything newer from
/// the same sender (unique name and topic), whose later messages wait behind it meanwhile.
/// Everything else is as for `lnr_run` (NULL callback: a send-only client).
///
/// Thread safety: any thread; concurrent run/stop calls on one handle are serialised.
#[unsafe(no_mangle)]
pub extern "C" fn lnr_run_fallible(
    h: lnr_hClient,
    callback: lnr_fallible_receive_cb,
    user_data: lnr_uData,
) -> bool {
    on_client("lnr_run_fallible", h, |entry| {
        entry.refuse_inside_own_callback("lnr_run_fallible")?;
        let shim = fallible_receive_shim(entry.index, callback, UserData::new(user_data));
        Ok(entry.client.try_run_fallible(shim)?)
    })
    .is_some()
}

/// Removes the client's addresses from the catalog, persists cursors, parks unacknowledged
/// at-least-once messages in Redis and joins the client's threads (a receive callback in
/// progress finishes first). The bound address is kept for the next `lnr_run`; the published
/// address is cleared. Idempotent. Must not be called from this client's own callbacks
/// (`LNR_ERR_INVALID_ARG`). Takes at most the stop timeout (`lnr_config_set_stop_timeout_ms`):
/// at-least-once messages it could neither deliver nor park in Redis by then are reported
/// (false, `LNR_ERR_ABANDONED` with the count in the message, `LNR_FRAMES_ABANDONED` to the
/// status callback) and the client is stopped all the same; they stay in memory for the
/// next `lnr_run` and are lost if the process exits or the client is deleted.
///
/// Thread safety: any thread except this client's callback threads.
#[unsafe(no_mangle)]
pub extern "C" fn lnr_stop(h: lnr_hClient) -> bool {
    on_client("lnr_stop", h, |entry| {
        entry.refuse_inside_own_callback("lnr_stop")?;
        Ok(entry.client.try_stop()?)
    })
    .is_some()
}

/// Whether `lnr_run` succeeded and `lnr_stop` was not called since. False for a bad handle.
///
/// Thread safety: any thread.
#[unsafe(no_mangle)]
pub extern "C" fn lnr_is_running(h: lnr_hClient) -> bool {
    query_client("lnr_is_running", h, |entry| entry.client.is_running()).unwrap_or(false)
}

/// Stops the client (as `lnr_stop`) and frees its slot; the handle and every string handed
/// out for it become invalid. False for a bad handle, so a second delete of the same handle
/// returns false. Must not be called from this client's own callbacks (false,
/// `LNR_ERR_INVALID_ARG`, the client stays alive).
///
/// Thread safety: any thread except this client's callback threads. Calls on the same
/// handle that are in progress on other threads finish normally; later ones fail as for a
/// bad handle.
#[unsafe(no_mangle)]
pub extern "C" fn lnr_delete_client(h: lnr_hClient) -> bool {
    guard("lnr_delete_client", false, || {
        let Some(entry) = slots::lookup(h) else {
            return false;
        };
        if let Err(e) = entry.refuse_inside_own_callback("lnr_delete_client") {
            entry.record::<()>(Err(e));
            return false;
        }
        // Stop while the handle still works: callbacks finishing meanwhile may use it.
        if let Err(e) = entry.client.try_stop() {
            emit(format_args!(
                "lnr_delete_client: stopping '{}': {e}",
                entry.client.unique_name()
            ));
        }
        drop(entry);
        let Some(client) = slots::remove(h) else {
            return false; // a concurrent delete won
        };
        // A concurrent lnr_run may have restarted it before the slot was emptied; after this
        // stop no library thread of the client holds a reference, so the last one is never
        // dropped (and joined) on the client's own thread.
        if let Err(e) = client.try_stop() {
            emit(format_args!(
                "lnr_delete_client: stopping '{}': {e}",
                client.unique_name()
            ));
        }
        true
    })
}
