//! Where the library's diagnostic lines go. Every line goes through `log_line`:
//!
//! - to the [`log`](https://docs.rs/log) facade, at level `Warn` (the lines report
//!   failures, retries, refused and lost connections), with the module it comes from as
//!   the target (`liner_broker::inbound::deliver` …), so `RUST_LOG=liner_broker=warn`
//!   style filters select them;
//! - and to the process-wide hook when one is set ([`set_log_hook`], the C API's
//!   `lnr_set_log_cb`); without a hook, to stderr ("liner: …") unless a `log` logger is
//!   installed, so an application with a logger does not see each line twice.
//!
//! "A logger is installed" means `log::max_level()` is not `Off`: every logger
//! implementation sets it when installed, and without one it stays `Off`.

use std::io::Write as _;
use std::sync::{Arc, RwLock};

/// A process-wide log sink.
pub type LogHook = Arc<dyn Fn(&str) + Send + Sync>;

/// Level of every line on the `log` facade.
const LEVEL: ::log::Level = ::log::Level::Warn;

static HOOK: RwLock<Option<LogHook>> = RwLock::new(None);

/// Installs `hook` as the process-wide log sink; `None` restores stderr. Lines go to the
/// `log` facade as well, whether or not a hook is set.
pub fn set_log_hook(hook: Option<LogHook>) {
    // A poisoned lock only means a hook panicked earlier; the slot itself is still valid.
    *HOOK.write().unwrap_or_else(|p| p.into_inner()) = hook;
}

/// Emits one diagnostic line from the module `target`.
pub(crate) fn log_line(target: &str, message: &str) {
    ::log::log!(target: target, LEVEL, "{message}");
    let hook = HOOK.read().unwrap_or_else(|p| p.into_inner()).clone();
    match hook {
        Some(hook) => hook(message),
        None if ::log::max_level() != ::log::LevelFilter::Off => {}
        // Unlike eprintln!, a failed write to stderr (closed, full pipe) must not panic.
        None => {
            let _ = writeln!(std::io::stderr(), "liner: {message}");
        }
    }
}

/// `format!`-style front end of [`log_line`]; the target is the calling module.
macro_rules! log {
    ($($arg:tt)*) => { $crate::log::log_line(module_path!(), &format!($($arg)*)) };
}
pub(crate) use log;

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    /// Records what reaches the `log` facade.
    struct Recorder(Mutex<Vec<(::log::Level, String, String)>>);

    impl ::log::Log for Recorder {
        fn enabled(&self, _: &::log::Metadata<'_>) -> bool {
            true
        }
        fn log(&self, record: &::log::Record<'_>) {
            let entry = (
                record.level(),
                record.target().to_string(),
                record.args().to_string(),
            );
            self.0.lock().unwrap().push(entry);
        }
        fn flush(&self) {}
    }

    static RECORDER: Recorder = Recorder(Mutex::new(Vec::new()));

    #[test]
    fn lines_reach_the_log_facade_and_the_hook() {
        // The only test of this crate that installs a logger (a process-wide, one-time act).
        ::log::set_logger(&RECORDER).expect("no other logger in the unit tests");
        ::log::set_max_level(::log::LevelFilter::Trace);
        let hooked = Arc::new(Mutex::new(Vec::new()));
        let sink = hooked.clone();
        set_log_hook(Some(Arc::new(move |line: &str| {
            sink.lock().unwrap().push(line.to_string())
        })));
        let marker = "log facade test line 7f3a";
        log!("{marker}: {}", 42);
        set_log_hook(None);

        let want = format!("{marker}: 42");
        let records = RECORDER.0.lock().unwrap();
        let record = records
            .iter()
            .find(|(_, _, text)| *text == want)
            .expect("the line reached the log facade");
        assert_eq!(record.0, ::log::Level::Warn);
        assert_eq!(
            record.1, "liner_broker::log::tests",
            "the target is the calling module"
        );
        assert!(
            hooked.lock().unwrap().contains(&want),
            "the hook got the line too"
        );
    }
}
