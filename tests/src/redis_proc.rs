//! What every Redis process the harness starts has in common ([`crate::RedisServer`],
//! [`crate::RedisCluster`], [`crate::RedisSentinelSet`]): a free loopback port (never 6379),
//! proof that the server answering on it is the process we spawned (`INFO server` reports
//! its PID), and a stop by PID.
//!
//! [`OwnedProcess`] is one such process in its own temporary directory; dropping it SIGKILLs
//! exactly that PID, reaps it and removes the directory, so a test that panics half-way
//! through starting a cluster leaves nothing behind.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

/// How long a started server may take to answer.
pub(crate) const READY_TIMEOUT: Duration = Duration::from_secs(5);
/// Fresh ports tried when another process grabs the chosen one before redis binds it.
pub(crate) const PORT_ATTEMPTS: usize = 5;
/// The system daemon's port, which tests must never touch.
const SYSTEM_REDIS_PORT: u16 = 6379;
/// Connect and command timeout of the harness's own admin connections.
const ADMIN_TIMEOUT: Duration = Duration::from_secs(2);

/// A loopback port that was free a moment ago (bind succeeded), never the system daemon's.
pub(crate) fn free_port() -> u16 {
    loop {
        let listener = TcpListener::bind("127.0.0.1:0").expect("binding an ephemeral port");
        let port = listener.local_addr().expect("local addr").port();
        if port != SYSTEM_REDIS_PORT {
            return port;
        }
    }
}

/// A fresh directory `$TMPDIR/liner-<kind>-<unique>`.
pub(crate) fn make_temp_dir(kind: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("liner-{kind}-{}", crate::unique_prefix()));
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("creating {}: {e}", dir.display()));
    dir
}

/// The last `lines` lines of a log file, or why there are none.
pub(crate) fn tail(path: &Path, lines: usize) -> String {
    match std::fs::read_to_string(path) {
        Ok(text) => {
            let all: Vec<&str> = text.lines().collect();
            all[all.len().saturating_sub(lines)..].join("\n")
        }
        Err(e) => format!("(no log at {}: {e})", path.display()),
    }
}

/// The `process_id` from `INFO server`, if a server answers.
pub(crate) fn served_pid(client: &redis::Client) -> Option<u32> {
    let mut con = client
        .get_connection_with_timeout(Duration::from_millis(200))
        .ok()?;
    let info: String = redis::cmd("INFO").arg("server").query(&mut con).ok()?;
    info_field(&info, "process_id")?.parse().ok()
}

/// The value of `field:` in an `INFO` or `CLUSTER INFO` reply.
pub(crate) fn info_field<'a>(info: &'a str, field: &str) -> Option<&'a str> {
    info.lines().find_map(|line| {
        line.strip_prefix(field)?
            .strip_prefix(':')
            .map(|value| value.trim())
    })
}

/// Waits until the server `client` reaches reports `child`'s PID. Fails when the child exits
/// (it is then reaped), when another server answers (someone else's process on this port), or
/// after `timeout` without an answer.
pub(crate) fn wait_until_ours(
    child: &mut Child,
    client: &redis::Client,
    timeout: Duration,
) -> Result<(), String> {
    let pid = child.id();
    let deadline = Instant::now() + timeout;
    loop {
        if let Ok(Some(status)) = child.try_wait() {
            return Err(format!("redis-server exited early ({status})"));
        }
        // Someone else's server on this port would answer too: check the PID it reports.
        match served_pid(client) {
            Some(served) if served == pid => return Ok(()),
            Some(other) => return Err(format!("port answered by another redis (pid {other})")),
            None if Instant::now() >= deadline => {
                return Err(format!("no answer within {timeout:?}"));
            }
            None => thread::sleep(Duration::from_millis(20)),
        }
    }
}

/// SIGKILLs exactly this child (std's `Child::kill`; a no-op for one already reaped) and
/// reaps it.
pub(crate) fn kill_child(child: &mut Child) {
    let _ = child.kill();
    let _ = child.wait();
}

/// A plain admin connection to `127.0.0.1:port` with connect, read and write timeouts, so a
/// stalled server fails a wait instead of hanging it.
pub(crate) fn admin_connection(port: u16) -> redis::RedisResult<redis::Connection> {
    let client = redis::Client::open(format!("redis://127.0.0.1:{port}/"))?;
    let con = client.get_connection_with_timeout(ADMIN_TIMEOUT)?;
    con.set_read_timeout(Some(ADMIN_TIMEOUT))?;
    con.set_write_timeout(Some(ADMIN_TIMEOUT))?;
    Ok(con)
}

/// Polls `check` every 50 ms until it returns `Ok`; panics after `timeout` naming `what` and
/// the last reason `check` gave.
pub(crate) fn wait_for<T>(
    what: &str,
    timeout: Duration,
    mut check: impl FnMut() -> Result<T, String>,
) -> T {
    let start = Instant::now();
    loop {
        match check() {
            Ok(value) => return value,
            Err(why) if start.elapsed() >= timeout => {
                panic!("timed out after {timeout:?} waiting for {what}; last state: {why}")
            }
            Err(_) => thread::sleep(Duration::from_millis(50)),
        }
    }
}

/// A `redis-server` (plain, cluster node or sentinel) the harness spawned on a loopback
/// port, in a temporary directory of its own; see the module docs.
pub(crate) struct OwnedProcess {
    child: Child,
    pid: u32,
    port: u16,
    dir: PathBuf,
}

impl OwnedProcess {
    /// Spawns the command `make_command(port, dir)` builds on a free port and waits until it
    /// answers there with its own PID; tries [`PORT_ATTEMPTS`] fresh ports when one turns
    /// out to be taken. The command must log to [`OwnedProcess::log_path`] of `dir`.
    /// Panics with the log tail naming `what` when no attempt succeeds.
    pub(crate) fn launch(
        what: &str,
        dir: PathBuf,
        mut make_command: impl FnMut(u16, &Path) -> Command,
    ) -> Self {
        let mut failures = Vec::new();
        for _ in 0..PORT_ATTEMPTS {
            let port = free_port();
            let mut cmd = make_command(port, &dir);
            let spawned = cmd
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn();
            let mut child = match spawned {
                Ok(child) => child,
                Err(e) => panic!("spawning {what} ({cmd:?}): {e}"),
            };
            let client = redis::Client::open(format!("redis://127.0.0.1:{port}/"))
                .expect("a plain loopback URL");
            match wait_until_ours(&mut child, &client, READY_TIMEOUT) {
                Ok(()) => {
                    return Self {
                        pid: child.id(),
                        child,
                        port,
                        dir,
                    };
                }
                Err(why) => {
                    kill_child(&mut child);
                    failures.push(format!("port {port}: {why}"));
                }
            }
        }
        let log = tail(&Self::log_path(&dir), 20);
        let _ = std::fs::remove_dir_all(&dir);
        panic!(
            "could not start {what}:\n{}\nlog tail:\n{log}",
            failures.join("\n")
        );
    }

    /// Where the process of `dir` writes its log.
    pub(crate) fn log_path(dir: &Path) -> PathBuf {
        dir.join("redis.log")
    }

    pub(crate) fn pid(&self) -> u32 {
        self.pid
    }

    pub(crate) fn port(&self) -> u16 {
        self.port
    }

    pub(crate) fn dir(&self) -> &Path {
        &self.dir
    }

    pub(crate) fn log_tail(&self) -> String {
        tail(&Self::log_path(&self.dir), 20)
    }

    /// SIGKILLs the process and reaps it; its directory stays until drop.
    pub(crate) fn kill(&mut self) {
        kill_child(&mut self.child);
    }
}

impl Drop for OwnedProcess {
    fn drop(&mut self) {
        self.kill();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
