//! The boundary every export goes through: the panic barrier (`guard`), the handle lookup
//! with or without recording the outcome as the client's last error (`on_client`,
//! `query_client`), and the per-thread record of which client's callback is running, so
//! calls that would join their own thread are refused instead of deadlocking.

use std::cell::Cell;
use std::panic::{AssertUnwindSafe, catch_unwind};

use super::error::CallError;
use super::logline::emit;
use super::slots::{self, Entry};
use super::types::lnr_hClient;

/// Runs `body`; a panic is caught, logged and turned into `fallback`, never unwinding into
/// C. (With `panic = "abort"` a panic ends the process instead; see docs/c-api.md.)
pub(crate) fn guard<R>(function: &'static str, fallback: R, body: impl FnOnce() -> R) -> R {
    match catch_unwind(AssertUnwindSafe(body)) {
        Ok(value) => value,
        Err(payload) => {
            let why = payload
                .downcast_ref::<&str>()
                .copied()
                .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
                .unwrap_or("(no message)");
            emit(format_args!("internal error: {function} panicked: {why}"));
            fallback
        }
    }
}

/// Runs `body` on the live client of `h` behind [`guard`] and records the outcome as the
/// client's last error. `None` for a bad handle, a failure or a panic.
pub(crate) fn on_client<T>(
    function: &'static str,
    h: lnr_hClient,
    body: impl FnOnce(&Entry) -> Result<T, CallError>,
) -> Option<T> {
    guard(function, None, || {
        let entry = slots::lookup(h)?;
        entry.record(body(&entry))
    })
}

/// Like [`on_client`] for calls that only read: the last error is left as it is.
pub(crate) fn query_client<T>(
    function: &'static str,
    h: lnr_hClient,
    body: impl FnOnce(&Entry) -> T,
) -> Option<T> {
    guard(function, None, || {
        slots::lookup(h).map(|entry| body(&entry))
    })
}

/// Whose callback the current thread is running.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Scope {
    /// No liner callback.
    Outside,
    /// A receive or status callback of the client in this slot.
    Client(usize),
    /// The process-wide log callback (it may run on any client's thread).
    Log,
}

thread_local! {
    static SCOPE: Cell<Scope> = const { Cell::new(Scope::Outside) };
}

/// Runs `call` (a C callback) marked as running inside `scope`.
pub(crate) fn in_scope<R>(scope: Scope, call: impl FnOnce() -> R) -> R {
    /// Restores the outer scope even if `call` unwinds.
    struct Restore(Scope);
    impl Drop for Restore {
        fn drop(&mut self) {
            SCOPE.set(self.0);
        }
    }
    let _restore = Restore(SCOPE.replace(scope));
    call()
}

impl Entry {
    /// Refuses `function` (run, stop, delete) from inside this client's own callbacks or the
    /// log callback: the client's threads would wait for themselves.
    pub(crate) fn refuse_inside_own_callback(
        &self,
        function: &'static str,
    ) -> Result<(), CallError> {
        match SCOPE.get() {
            Scope::Client(index) if index == self.index => {
                Err(CallError::FromOwnCallback(function))
            }
            Scope::Log => Err(CallError::FromOwnCallback(function)),
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_becomes_the_fallback() {
        let got = guard("test", 7, || -> i32 { panic!("boom") });
        assert_eq!(got, 7);
        assert_eq!(guard("test", 7, || 3), 3);
    }

    #[test]
    fn scopes_nest_and_restore() {
        assert_eq!(SCOPE.get(), Scope::Outside);
        in_scope(Scope::Client(3), || {
            assert_eq!(SCOPE.get(), Scope::Client(3));
            in_scope(Scope::Log, || assert_eq!(SCOPE.get(), Scope::Log));
            assert_eq!(SCOPE.get(), Scope::Client(3));
        });
        assert_eq!(SCOPE.get(), Scope::Outside);
    }
}
