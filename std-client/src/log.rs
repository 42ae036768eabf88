//! Process-wide log hook: every diagnostic line of the library goes through `log_line`,
//! to the hook when one is set, else to stderr.

use std::sync::{Arc, RwLock};

/// A process-wide log sink.
pub type LogHook = Arc<dyn Fn(&str) + Send + Sync>;

static HOOK: RwLock<Option<LogHook>> = RwLock::new(None);

/// Installs `hook` as the process-wide log sink; `None` restores stderr.
pub fn set_log_hook(hook: Option<LogHook>) {
    // A poisoned lock only means a hook panicked earlier; the slot itself is still valid.
    *HOOK.write().unwrap_or_else(|p| p.into_inner()) = hook;
}

/// Emits one diagnostic line.
pub(crate) fn log_line(message: &str) {
    let hook = HOOK.read().unwrap_or_else(|p| p.into_inner()).clone();
    match hook {
        Some(hook) => hook(message),
        None => eprintln!("liner: {message}"),
    }
}

/// `format!`-style front end of [`log_line`].
macro_rules! log {
    ($($arg:tt)*) => { $crate::log::log_line(&format!($($arg)*)) };
}
pub(crate) use log;
