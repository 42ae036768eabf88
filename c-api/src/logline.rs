//! The process-wide log sink of the C API: `lnr_set_log_cb` routes liner-p2p's diagnostic
//! lines and this crate's own (`emit`) to the C callback, or to stderr when none is set.
//! Lines reach the callback through a stack buffer of `LOG_LINE_CAPACITY` bytes.

use std::ffi::c_char;
use std::fmt::{self, Write as _};
use std::io::Write as _;
use std::sync::{Arc, RwLock};

use super::boundary::{Scope, guard, in_scope};
use super::text::CText;
use super::types::{UserData, lnr_log_cb, lnr_uData};

/// Longest line handed to the log callback (longer ones are cut), NUL included.
const LOG_LINE_CAPACITY: usize = 1024;

type LogFn = unsafe extern "C" fn(message: *const c_char, user_data: lnr_uData);

#[derive(Clone, Copy)]
struct Sink {
    callback: LogFn,
    user: UserData,
}

static SINK: RwLock<Option<Sink>> = RwLock::new(None);

fn current_sink() -> Option<Sink> {
    *SINK.read().unwrap_or_else(|p| p.into_inner())
}

/// Writes one line of this crate to the log sink.
pub(crate) fn emit(args: fmt::Arguments<'_>) {
    let mut line = CText::<LOG_LINE_CAPACITY>::new();
    // CText truncates instead of failing.
    let _ = line.write_fmt(args);
    deliver(line.as_str());
}

/// Hands `message` to the C callback (the lock is released first, so the callback may call
/// `lnr_set_log_cb` itself) or prints it to stderr.
fn deliver(message: &str) {
    match current_sink() {
        Some(sink) => {
            let line = CText::<LOG_LINE_CAPACITY>::from_str(message);
            // SAFETY: the caller registered this callback for exactly this signature; the
            // line is NUL-terminated and outlives the call.
            in_scope(Scope::Log, || unsafe {
                (sink.callback)(line.as_ptr(), sink.user.get())
            });
        }
        // Unlike eprintln!, a failed write to stderr (closed, full pipe) must not panic here.
        None => {
            let _ = writeln!(std::io::stderr(), "liner: {message}");
        }
    }
}

/// Sets the process-wide log callback; NULL restores stderr (lines prefixed "liner: ").
/// Lines longer than 1023 bytes are cut. The callback may run on any thread, including the
/// library's; it must not call `lnr_run`, `lnr_stop` or `lnr_delete_client` (refused with
/// `LNR_ERR_INVALID_ARG`). Always returns true.
///
/// Thread safety: any thread; lines already being delivered may still reach the previous
/// callback.
#[unsafe(no_mangle)]
pub extern "C" fn lnr_set_log_cb(callback: lnr_log_cb, user_data: lnr_uData) -> bool {
    guard("lnr_set_log_cb", false, || {
        let sink = callback.map(|callback| Sink {
            callback,
            user: UserData::new(user_data),
        });
        *SINK.write().unwrap_or_else(|p| p.into_inner()) = sink;
        let hook: Option<liner::LogHook> = match sink {
            Some(_) => Some(Arc::new(deliver)),
            None => None,
        };
        liner::set_log_hook(hook);
        true
    })
}
