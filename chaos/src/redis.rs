//! The scenario's own `redis-server`: a free loopback port (never 6379), its own directory,
//! proven to be this process (the PID `INFO server` reports) before use, SIGKILLed by PID
//! and restarted on the same port with the same directory.
//!
//! `liner_tests::RedisServer` runs without persistence, so a restart there is a restart
//! with no data; the Redis scenarios need the durable setup operators run for at-least-once
//! traffic (`appendonly yes`, `appendfsync always`), under which a SIGKILL loses nothing
//! Redis acknowledged. [`ChaosRedis::start`] takes the choice.

use std::net::TcpListener;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// How long a (re)started server may take to answer (loading the AOF included).
const READY_TIMEOUT: Duration = Duration::from_secs(20);
const SYSTEM_REDIS_PORT: u16 = 6379;

/// See the module docs.
pub struct ChaosRedis {
    port: u16,
    dir: PathBuf,
    durable: bool,
    child: Option<Child>,
}

impl ChaosRedis {
    /// Starts a server in `dir` (created); `durable` turns on AOF with fsync always.
    pub fn start(dir: &Path, durable: bool) -> Result<Self, String> {
        std::fs::create_dir_all(dir).map_err(|e| format!("creating {}: {e}", dir.display()))?;
        let mut last = String::new();
        for _ in 0..5 {
            let mut server = ChaosRedis {
                port: free_port()?,
                dir: dir.to_path_buf(),
                durable,
                child: None,
            };
            match server.launch() {
                Ok(()) => return Ok(server),
                Err(e) => last = e,
            }
        }
        Err(format!("could not start redis-server: {last}"))
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/", self.port)
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// A plain connection for reading keys (None while the server is down).
    pub fn connection(&self) -> Option<redis::Connection> {
        redis::Client::open(self.url())
            .ok()?
            .get_connection_with_timeout(Duration::from_secs(2))
            .ok()
    }

    /// SIGKILL by PID, and reap.
    pub fn kill9(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts it again on the same port and directory (the AOF is loaded when durable).
    pub fn restart(&mut self) -> Result<(), String> {
        self.kill9();
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            match self.launch() {
                Ok(()) => return Ok(()),
                // The port can be briefly unavailable right after the kill.
                Err(e) if Instant::now() < deadline => {
                    let _ = e;
                    std::thread::sleep(Duration::from_millis(50));
                }
                Err(e) => return Err(e),
            }
        }
    }

    fn launch(&mut self) -> Result<(), String> {
        let mut cmd = Command::new("redis-server");
        cmd.args(["--port", &self.port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--daemonize", "no"])
            .arg("--dir")
            .arg(&self.dir)
            .arg("--logfile")
            .arg(self.dir.join("redis.log"));
        if self.durable {
            cmd.args(["--appendonly", "yes", "--appendfsync", "always"]);
        } else {
            cmd.args(["--appendonly", "no"]);
        }
        // The server dies with the driver even if the driver is killed before it can stop it.
        // SAFETY: prctl is async-signal-safe and touches no memory of the parent.
        unsafe {
            cmd.pre_exec(|| {
                libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
                Ok(())
            });
        }
        let child = cmd
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("spawning redis-server: {e}"))?;
        let pid = child.id();
        self.child = Some(child);
        let ready = self.wait_ready(pid);
        if ready.is_err() {
            self.kill9();
        }
        ready
    }

    fn wait_ready(&mut self, pid: u32) -> Result<(), String> {
        let deadline = Instant::now() + READY_TIMEOUT;
        loop {
            if let Some(child) = self.child.as_mut()
                && let Ok(Some(status)) = child.try_wait()
            {
                self.child = None;
                return Err(format!("redis-server exited early ({status})"));
            }
            match served_pid(&self.url()) {
                Some(served) if served == pid => return Ok(()),
                Some(other) => return Err(format!("port answered by another redis (pid {other})")),
                None if Instant::now() >= deadline => {
                    return Err(format!("no answer within {READY_TIMEOUT:?}"));
                }
                None => std::thread::sleep(Duration::from_millis(10)),
            }
        }
    }
}

impl Drop for ChaosRedis {
    fn drop(&mut self) {
        self.kill9();
    }
}

/// The `process_id` from `INFO server` once the server answers and has loaded its data.
fn served_pid(url: &str) -> Option<u32> {
    let client = redis::Client::open(url).ok()?;
    let mut con = client
        .get_connection_with_timeout(Duration::from_millis(200))
        .ok()?;
    // While loading the AOF every command but INFO fails with LOADING.
    redis::cmd("PING").query::<String>(&mut con).ok()?;
    let info: String = redis::cmd("INFO").arg("server").query(&mut con).ok()?;
    info.lines()
        .find_map(|line| line.strip_prefix("process_id:"))?
        .trim()
        .parse()
        .ok()
}

/// A loopback port that was free a moment ago, never the system daemon's.
pub fn free_port() -> Result<u16, String> {
    loop {
        let listener =
            TcpListener::bind("127.0.0.1:0").map_err(|e| format!("binding a port: {e}"))?;
        let port = listener.local_addr().map_err(|e| e.to_string())?.port();
        if port != SYSTEM_REDIS_PORT {
            return Ok(port);
        }
    }
}
