//! A private `redis-server` for one test: started on a free loopback port (never 6379), in its
//! own temporary directory, without persistence; proven to be *this* process (PID alive and
//! `INFO server` reporting that PID) before use; stopped by PID on drop.
//!
//! [`RedisServer::start_tls`] starts one that serves TCP only with TLS (`rediss://`), with
//! certificates made for it ([`TestCerts`]); the test itself reaches it over its unix socket.
//!
//! With `LINER_TEST_REDIS_URL` set, [`RedisServer::start`] uses that server instead and never
//! stops it; tests keep apart through [`crate::unique_prefix`] names.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use liner_broker::store::{Store, StoreTimeouts};

use crate::redis_proc::{
    PORT_ATTEMPTS, READY_TIMEOUT, free_port, kill_child, make_temp_dir, tail, wait_until_ours,
};
use crate::tls_certs::TestCerts;

/// Environment variable naming an external Redis to test against.
pub const EXTERNAL_URL_ENV: &str = "LINER_TEST_REDIS_URL";

/// A Redis server for one test; see the module docs.
pub struct RedisServer {
    url: String,
    /// Where the test's own connections go: `url`, or the unix socket of a TLS server.
    admin_url: String,
    port: u16,
    own: Option<OwnServer>,
}

/// The process and files of a server this harness started.
struct OwnServer {
    child: Option<Child>,
    dir: PathBuf,
    password: Option<String>,
    /// Set for a server whose TCP port speaks TLS only.
    tls: Option<TestCerts>,
}

impl RedisServer {
    /// The external server of `LINER_TEST_REDIS_URL` if set, else a private one.
    pub fn start() -> Self {
        match std::env::var(EXTERNAL_URL_ENV) {
            Ok(url) if !url.trim().is_empty() => Self::external(url),
            _ => Self::start_local(),
        }
    }

    /// Always a private server (for tests that stop or restart it).
    pub fn start_local() -> Self {
        Self::spawn(None, false)
    }

    /// A private server that requires `password` (`requirepass`); `url()` carries it.
    pub fn start_with_password(password: &str) -> Self {
        Self::spawn(Some(password.to_string()), false)
    }

    /// A private server whose TCP port speaks TLS only, with a certificate for `127.0.0.1`
    /// signed by the CA of [`RedisServer::tls_certs`]; clients need no certificate of their
    /// own. `url()` is `rediss://127.0.0.1:PORT/`.
    pub fn start_tls() -> Self {
        Self::spawn(None, true)
    }

    fn external(url: String) -> Self {
        let port = redis::Client::open(url.as_str())
            .ok()
            .and_then(|c| match c.get_connection_info().addr() {
                redis::ConnectionAddr::Tcp(_, port) => Some(*port),
                _ => None,
            })
            .unwrap_or(0);
        Self {
            admin_url: url.clone(),
            url,
            port,
            own: None,
        }
    }

    fn spawn(password: Option<String>, tls: bool) -> Self {
        let dir = make_temp_dir("redis");
        let tls = tls.then(|| TestCerts::create(&dir.join("tls")));
        let mut own = OwnServer {
            child: None,
            dir,
            password,
            tls,
        };
        let mut failures = Vec::new();
        for _ in 0..PORT_ATTEMPTS {
            let port = free_port();
            match own.launch(port) {
                Ok(()) => {
                    return Self {
                        url: own.url(port),
                        admin_url: own.admin_url(port),
                        port,
                        own: Some(own),
                    };
                }
                Err(why) => failures.push(format!("port {port}: {why}")),
            }
        }
        panic!(
            "could not start redis-server:\n{}\nlog tail:\n{}",
            failures.join("\n"),
            own.log_tail()
        );
    }

    /// `redis://[:password@]127.0.0.1:PORT/`, `rediss://127.0.0.1:PORT/` for a TLS server,
    /// or the external URL.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The certificates of a server from [`RedisServer::start_tls`].
    pub fn tls_certs(&self) -> Option<&TestCerts> {
        self.own.as_ref()?.tls.as_ref()
    }

    /// The TCP port (0 for an external server reached otherwise).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// PID of the private server while it runs; `None` for an external or stopped one.
    pub fn pid(&self) -> Option<u32> {
        self.own.as_ref()?.child.as_ref().map(Child::id)
    }

    /// `redis+unix://…` URL of the private server's unix socket.
    pub fn unix_url(&self) -> Option<String> {
        let own = self.own.as_ref()?;
        Some(format!("redis+unix://{}", own.socket_path().display()))
    }

    /// A plain connection for reading keys back in tests (over the unix socket for a TLS
    /// server).
    pub fn connection(&self) -> redis::Connection {
        redis::Client::open(self.admin_url.as_str())
            .and_then(|c| c.get_connection_with_timeout(Duration::from_secs(2)))
            .unwrap_or_else(|e| panic!("test connection to {}: {e}", self.admin_url))
    }

    /// A liner store connected to this server with default timeouts (trusting the CA of a
    /// TLS server).
    pub fn store(&self) -> Store {
        let ca_file = self.tls_certs().map(|certs| certs.ca_cert.as_path());
        Store::connect_with_ca_file(&self.url, StoreTimeouts::default(), ca_file)
            .unwrap_or_else(|e| panic!("store connection to {}: {e}", self.url))
    }

    /// Stops the private server (SIGKILL) and waits for it to exit.
    pub fn stop(&mut self) {
        self.own_mut("stop").kill();
    }

    /// Restarts the private server on the same port with no data (like a Redis restart
    /// without persistence).
    pub fn restart_empty(&mut self) {
        let port = self.port;
        let own = self.own_mut("restart_empty");
        own.kill();
        if let Err(why) = own.launch(port) {
            panic!(
                "restarting redis-server on port {port}: {why}\nlog tail:\n{}",
                own.log_tail()
            );
        }
    }

    fn own_mut(&mut self, what: &str) -> &mut OwnServer {
        self.own.as_mut().unwrap_or_else(|| {
            panic!(
                "{what} needs a private server (RedisServer::start_local), not {EXTERNAL_URL_ENV}"
            )
        })
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        if let Some(own) = &mut self.own {
            own.kill();
            let _ = std::fs::remove_dir_all(&own.dir);
        }
    }
}

impl OwnServer {
    fn url(&self, port: u16) -> String {
        let scheme = if self.tls.is_some() {
            "rediss"
        } else {
            "redis"
        };
        match &self.password {
            Some(pw) => format!("{scheme}://:{pw}@127.0.0.1:{port}/"),
            None => format!("{scheme}://127.0.0.1:{port}/"),
        }
    }

    /// The URL of the test's own connections: the unix socket of a TLS server (the test's
    /// `redis` crate has no TLS of its own), else the TCP URL.
    fn admin_url(&self, port: u16) -> String {
        if self.tls.is_none() {
            return self.url(port);
        }
        let socket = self.socket_path();
        match &self.password {
            Some(pw) => format!("redis+unix://{}?pass={pw}", socket.display()),
            None => format!("redis+unix://{}", socket.display()),
        }
    }

    fn socket_path(&self) -> PathBuf {
        self.dir.join("redis.sock")
    }

    fn log_path(&self) -> PathBuf {
        self.dir.join("redis.log")
    }

    /// Spawns redis-server on `port` and waits until it is up and proven to be ours.
    fn launch(&mut self, port: u16) -> Result<(), String> {
        let mut cmd = Command::new("redis-server");
        match &self.tls {
            None => cmd.args(["--port", &port.to_string()]),
            Some(certs) => cmd
                .args(["--port", "0", "--tls-port", &port.to_string()])
                .arg("--tls-cert-file")
                .arg(&certs.server_cert)
                .arg("--tls-key-file")
                .arg(&certs.server_key)
                .arg("--tls-ca-cert-file")
                .arg(&certs.ca_cert)
                .args(["--tls-auth-clients", "no"]),
        };
        cmd.args(["--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no", "--daemonize", "no"])
            .arg("--dir")
            .arg(&self.dir)
            .arg("--logfile")
            .arg(self.log_path())
            .arg("--unixsocket")
            .arg(self.socket_path())
            .args(["--unixsocketperm", "700"]);
        if let Some(pw) = &self.password {
            cmd.args(["--requirepass", pw]);
        }
        let child = cmd
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("spawning redis-server: {e}"))?;
        self.child = Some(child);
        let ready = self.wait_ready(port);
        if ready.is_err() {
            self.kill();
        }
        ready
    }

    fn wait_ready(&mut self, port: u16) -> Result<(), String> {
        // A TLS server answers on its unix socket once its TLS port is bound too (a port it
        // cannot bind makes it exit instead).
        let client = redis::Client::open(self.admin_url(port)).map_err(|e| e.to_string())?;
        let child = self.child.as_mut().expect("launched");
        wait_until_ours(child, &client, READY_TIMEOUT)
    }

    fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            // Child::kill is SIGKILL and targets exactly this PID.
            kill_child(&mut child);
        }
    }

    fn log_tail(&self) -> String {
        tail(&self.log_path(), 20)
    }
}
