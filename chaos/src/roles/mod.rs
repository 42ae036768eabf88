//! The child processes of the chaos suite: `liner-chaos child listen|send key=value…`.
//! Each is one liner client in its own process, so the driver can SIGKILL, SIGSTOP and
//! restart it like a real deployment would be. Children talk back through stdout lines
//! (`ready …`, `done …`, `stopped …`) and the record files of [`crate::records`]; their
//! stderr (the library's log) goes to a per-role file in the scenario's directory.
//!
//! Signals a child understands: SIGTERM = stop the client gracefully (`try_stop`), report
//! and exit; SIGUSR1 = (sender) stop sending, report what was accepted, keep running;
//! (listener) print a `status …` line with the status reports counted so far.
//!
//! Exit codes: 0 after a graceful stop, 1 on any failure (after a `failed …` line), and
//! [`EXIT_DUPLICATE_NAME`] when `run` was refused with `Error::DuplicateName` (after a
//! `duplicate-name …` line).

mod listen;
mod send;

use std::collections::HashMap;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use liner_broker::{Config, Secret, StatusKind};

/// Exit code of a child whose `run` failed with `Error::DuplicateName`.
pub const EXIT_DUPLICATE_NAME: u8 = 3;
/// Start of the error text a role returns for `Error::DuplicateName` (see [`run`]).
const DUPLICATE_NAME: &str = "duplicate-name";

static TERM: AtomicBool = AtomicBool::new(false);
static USR1: AtomicBool = AtomicBool::new(false);

extern "C" fn on_signal(signal: libc::c_int) {
    // Only atomic stores: async-signal-safe.
    match signal {
        libc::SIGTERM => TERM.store(true, Ordering::SeqCst),
        libc::SIGUSR1 => USR1.store(true, Ordering::SeqCst),
        _ => {}
    }
}

/// SIGTERM arrived.
pub fn terminating() -> bool {
    TERM.load(Ordering::SeqCst)
}

/// SIGUSR1 (or SIGTERM) arrived.
pub fn finishing() -> bool {
    USR1.load(Ordering::SeqCst) || terminating()
}

/// SIGUSR1 arrived since the last call.
pub fn take_usr1() -> bool {
    USR1.swap(false, Ordering::SeqCst)
}

fn install_signals() {
    let handler = on_signal as extern "C" fn(libc::c_int) as libc::sighandler_t;
    // SAFETY: the handler only stores to atomics; prctl makes the child die with the driver.
    unsafe {
        libc::signal(libc::SIGTERM, handler);
        libc::signal(libc::SIGUSR1, handler);
        libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
    }
}

/// `key=value` arguments of a child.
pub struct Args(HashMap<String, String>);

impl Args {
    fn parse(words: &[String]) -> Result<Args, String> {
        let mut map = HashMap::new();
        for word in words {
            let (k, v) = word
                .split_once('=')
                .ok_or_else(|| format!("argument '{word}' is not key=value"))?;
            map.insert(k.to_string(), v.to_string());
        }
        Ok(Args(map))
    }

    pub fn text(&self, key: &str) -> Result<&str, String> {
        self.0
            .get(key)
            .map(String::as_str)
            .ok_or_else(|| format!("missing argument {key}="))
    }

    pub fn opt(&self, key: &str) -> Option<&str> {
        self.0.get(key).map(String::as_str)
    }

    pub fn num(&self, key: &str, default: u64) -> Result<u64, String> {
        match self.0.get(key) {
            None => Ok(default),
            Some(v) => v.parse().map_err(|_| format!("{key}={v} is not a number")),
        }
    }

    /// The client configuration: defaults, then the `cfg.*` overrides the driver passed,
    /// then `secret_file=` (the file's bytes become `Config::secret`).
    pub fn config(&self) -> Result<Config, String> {
        let mut c = Config::default();
        let ms = |key: &str, into: &mut Duration| -> Result<(), String> {
            if let Some(v) = self.0.get(key) {
                *into = Duration::from_millis(v.parse().map_err(|_| format!("bad {key}={v}"))?);
            }
            Ok(())
        };
        ms("cfg.liveness_ms", &mut c.liveness_timeout)?;
        ms("cfg.ping_ms", &mut c.ping_interval)?;
        ms("cfg.connect_ms", &mut c.connect_timeout)?;
        ms("cfg.reconnect_min_ms", &mut c.reconnect_min)?;
        ms("cfg.reconnect_max_ms", &mut c.reconnect_max)?;
        ms("cfg.send_timeout_ms", &mut c.send_timeout)?;
        ms("cfg.redis_timeout_ms", &mut c.redis_timeout)?;
        ms("cfg.stop_timeout_ms", &mut c.stop_timeout)?;
        ms("cfg.liveness_ttl_ms", &mut c.liveness_ttl)?;
        if let Some(v) = self.0.get("cfg.ack_batch") {
            c.ack_batch = v.parse().map_err(|_| format!("bad cfg.ack_batch={v}"))?;
        }
        let count = |key: &str, into: &mut usize| -> Result<(), String> {
            if let Some(v) = self.0.get(key) {
                *into = v.parse().map_err(|_| format!("bad {key}={v}"))?;
            }
            Ok(())
        };
        count("cfg.drain_batch", &mut c.drain_batch)?;
        count("cfg.window_bytes", &mut c.window_bytes)?;
        count("cfg.recv_buffer_bytes", &mut c.recv_buffer_bytes)?;
        count("cfg.max_message_size", &mut c.max_message_size)?;
        count("cfg.max_peers", &mut c.max_peers)?;
        count("cfg.max_handshakes", &mut c.max_handshakes)?;
        count(
            "cfg.max_handshakes_per_source",
            &mut c.max_handshakes_per_source,
        )?;
        count("cfg.max_conns_per_source", &mut c.max_conns_per_source)?;
        count("cfg.large_frame_budget", &mut c.large_frame_budget)?;
        count("cfg.min_frame_rate", &mut c.min_frame_rate)?;
        if let Some(path) = self.0.get("secret_file") {
            let bytes = std::fs::read(path).map_err(|e| format!("reading {path}: {e}"))?;
            c.secret = Some(Secret::new(bytes)?);
        }
        Ok(c)
    }
}

/// The configuration a child started with `cfg.*` overrides `cfg` runs with (so the driver
/// can size what it expects from the same numbers).
pub fn config_of(cfg: &[(&str, u64)]) -> Result<Config, String> {
    let words: Vec<String> = cfg.iter().map(|(k, v)| format!("cfg.{k}={v}")).collect();
    Args::parse(&words)?.config()
}

/// Counts of the status reports that say an inbound peer was turned away, kept by a
/// status callback (see [`watch_status`]).
#[derive(Default)]
pub struct StatusCounts {
    pub protocol: AtomicU64,
    pub unauthorized: AtomicU64,
    pub limited: AtomicU64,
    pub disconnected: AtomicU64,
}

impl StatusCounts {
    /// `protocol=… unauthorized=… limited=… disconnected=…`
    pub fn line(&self) -> String {
        let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
        format!(
            "protocol={} unauthorized={} limited={} disconnected={}",
            get(&self.protocol),
            get(&self.unauthorized),
            get(&self.limited),
            get(&self.disconnected)
        )
    }
}

/// Installs a status callback on `client` that counts into the returned counters.
pub fn watch_status(client: &liner_broker::Client) -> Arc<StatusCounts> {
    let counts = Arc::new(StatusCounts::default());
    let sink = Arc::clone(&counts);
    client.set_status_callback(Some(Arc::new(move |status: &liner_broker::Status<'_>| {
        let counter = match status.kind {
            StatusKind::PeerProtocolError => &sink.protocol,
            StatusKind::PeerUnauthorized => &sink.unauthorized,
            StatusKind::PeerLimited => &sink.limited,
            StatusKind::PeerDisconnected => &sink.disconnected,
            _ => return,
        };
        counter.fetch_add(1, Ordering::Relaxed);
    })));
    counts
}

/// Entry point of `liner-chaos child <role> key=value…`.
pub fn run(args: &[String]) -> ExitCode {
    install_signals();
    let Some((role, rest)) = args.split_first() else {
        eprintln!("usage: liner-chaos child listen|send key=value…");
        return ExitCode::from(2);
    };
    let result = Args::parse(rest).and_then(|args| match role.as_str() {
        "listen" => listen::run(&args),
        "send" => send::run(&args),
        other => Err(format!("unknown role {other}")),
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // The driver waits for a `ready` line; this one tells it why none comes.
            println!("failed {e}");
            eprintln!("liner-chaos child {role}: {e}");
            if e.starts_with(DUPLICATE_NAME) {
                ExitCode::from(EXIT_DUPLICATE_NAME)
            } else {
                ExitCode::FAILURE
            }
        }
    }
}

/// The error a role returns when `run` failed: for `Error::DuplicateName` it first prints
/// `duplicate-name code=<C error code> name=<unique> owner=<address of the live one>` and
/// makes the process exit with [`EXIT_DUPLICATE_NAME`].
pub fn run_error(e: &liner_broker::Error) -> String {
    if let liner_broker::Error::DuplicateName(name, owner) = e {
        println!(
            "{DUPLICATE_NAME} code={} name={name} owner={owner}",
            e.code() as i32
        );
        return format!("{DUPLICATE_NAME}: {e}");
    }
    format!("run: {e}")
}

/// Describes the outcome of `try_stop` on one line: `ok`, `abandoned=N` or `err=…`.
pub fn stop_result(result: &Result<(), liner_broker::Error>) -> String {
    match result {
        Ok(()) => "ok".to_string(),
        Err(liner_broker::Error::Abandoned(n)) => format!("abandoned={n}"),
        Err(e) => format!("err={}", e.to_string().replace(' ', "_")),
    }
}
