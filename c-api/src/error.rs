//! Errors at the C boundary: `CallError` (liner's errors plus the argument and misuse errors
//! this layer detects), each client's last error kept in its slot, and the two exports that
//! read it (`lnr_last_error_code`, `lnr_last_error_message`).

use std::ffi::{c_char, c_int};
use std::fmt::{self, Write};
use std::sync::Mutex;
use std::sync::atomic::{AtomicI32, Ordering};

use super::boundary::query_client;
use super::consts::{LNR_ERR_INVALID_ARG, LNR_MAX_ERROR_LEN, LNR_OK, error_constant};
use super::text::CText;
use super::types::lnr_hClient;

/// Buffer of one error message.
pub(crate) type ErrorText = CText<{ LNR_MAX_ERROR_LEN + 1 }>;

/// Why a call failed.
#[derive(Debug)]
pub(crate) enum CallError {
    /// liner-p2p refused or failed.
    Liner(liner::Error),
    /// A required pointer argument is NULL.
    Null(&'static str),
    /// A string argument is not UTF-8.
    NotUtf8(&'static str),
    /// A string argument is empty.
    Empty(&'static str),
    /// A string argument is longer than the buffer that would hand it back.
    TooLong { what: &'static str, max: usize },
    /// The payload exceeds the process-wide maximum (`lnr_set_max_message_size`).
    PayloadTooLarge { size: usize, max: usize },
    /// The call would join the thread it runs on (from inside this client's callback).
    FromOwnCallback(&'static str),
}

impl CallError {
    /// The `LNR_*` code of this error.
    pub(crate) fn code(&self) -> c_int {
        match self {
            CallError::Liner(e) => error_constant(e.code()),
            _ => LNR_ERR_INVALID_ARG,
        }
    }
}

impl From<liner::Error> for CallError {
    fn from(e: liner::Error) -> Self {
        CallError::Liner(e)
    }
}

impl fmt::Display for CallError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CallError::Liner(e) => write!(f, "{e}"),
            CallError::Null(what) => write!(f, "invalid argument: {what} is NULL"),
            CallError::NotUtf8(what) => write!(f, "invalid argument: {what} is not UTF-8"),
            CallError::Empty(what) => write!(f, "invalid argument: {what} is empty"),
            CallError::TooLong { what, max } => {
                write!(f, "invalid argument: {what} is longer than {max} bytes")
            }
            CallError::PayloadTooLarge { size, max } => write!(
                f,
                "invalid argument: payload is {size} bytes; the maximum message size is {max}"
            ),
            CallError::FromOwnCallback(function) => write!(
                f,
                "invalid argument: {function} cannot be called from inside this client's own \
                 callbacks (it would join the thread the callback runs on)"
            ),
        }
    }
}

/// The last error of one client: the code is readable without a lock, the message is
/// written only when a call fails (so successful calls do not format or lock anything
/// unless they clear an earlier error).
pub(crate) struct LastError {
    code: AtomicI32,
    message: Mutex<ErrorText>,
}

impl LastError {
    pub(crate) const fn new() -> Self {
        LastError {
            code: AtomicI32::new(LNR_OK),
            message: Mutex::new(ErrorText::new()),
        }
    }

    /// Records the outcome of a call and converts it to an `Option`.
    pub(crate) fn record<T>(&self, result: Result<T, CallError>) -> Option<T> {
        match result {
            Ok(value) => {
                if self.code.load(Ordering::Acquire) != LNR_OK {
                    self.reset();
                }
                Some(value)
            }
            Err(e) => {
                let mut message = self.message.lock().unwrap_or_else(|p| p.into_inner());
                message.clear();
                // CText truncates instead of failing.
                let _ = write!(message, "{e}");
                self.code.store(e.code(), Ordering::Release);
                None
            }
        }
    }

    /// Back to `LNR_OK` and "".
    pub(crate) fn reset(&self) {
        let mut message = self.message.lock().unwrap_or_else(|p| p.into_inner());
        message.clear();
        self.code.store(LNR_OK, Ordering::Release);
    }

    pub(crate) fn code(&self) -> c_int {
        self.code.load(Ordering::Acquire)
    }

    /// Copies the message into a buffer that is handed out.
    pub(crate) fn copy_message(&self, into: &mut ErrorText) {
        into.set(
            self.message
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .as_str(),
        );
    }
}

/// Code of the last failed call on `h` (`LNR_OK` after a successful one). `LNR_OK` for a
/// NULL, stale or forged handle.
///
/// Thread safety: any thread. With several threads using one handle, the last error is
/// whichever call finished last.
#[unsafe(no_mangle)]
pub extern "C" fn lnr_last_error_code(h: lnr_hClient) -> c_int {
    query_client("lnr_last_error_code", h, |entry| {
        entry.slot.last_error.code()
    })
    .unwrap_or(LNR_OK)
}

/// Detail of the last failed call on `h`: "" when it succeeded, NULL for a bad handle.
/// The text is at most `LNR_MAX_ERROR_LEN` bytes and lives in the client's slot: valid until
/// the next `lnr_last_error_message(h)` or `lnr_delete_client(h)`.
///
/// Thread safety: any thread, but the returned buffer is shared per handle: do not call this
/// on the same handle from two threads at once.
#[unsafe(no_mangle)]
pub extern "C" fn lnr_last_error_message(h: lnr_hClient) -> *const c_char {
    query_client("lnr_last_error_message", h, |entry| {
        let mut out = entry.handed_out();
        entry.slot.last_error.copy_message(&mut out.error);
        out.error.as_ptr()
    })
    .unwrap_or(std::ptr::null())
}
