//! Shared by the Rust examples: where Redis is. `LINER_REDIS_URL` (or the first argument)
//! names a server; without one the example starts a private `redis-server` on a free
//! loopback port, says so, and stops it on exit.

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A Redis URL, and the server process when the example started its own.
pub struct Redis {
    pub url: String,
    server: Option<Child>,
}

impl Drop for Redis {
    fn drop(&mut self) {
        if let Some(server) = &mut self.server {
            let _ = server.kill();
            let _ = server.wait();
        }
    }
}

/// Finds or starts Redis (see the module docs).
pub fn redis() -> Redis {
    if let Some(url) = std::env::args()
        .nth(1)
        .or_else(|| std::env::var("LINER_REDIS_URL").ok())
    {
        return Redis { url, server: None };
    }
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("no free loopback port")
        .port();
    let dir = std::env::temp_dir();
    let server = Command::new("redis-server")
        .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
        .args(["--save", "", "--appendonly", "no"])
        .arg("--dir")
        .arg(&dir)
        .stdout(Stdio::null())
        .spawn()
        .expect("no LINER_REDIS_URL given and `redis-server` could not be started");
    println!(
        "(no LINER_REDIS_URL given: started a private redis-server on 127.0.0.1:{port}, pid {})",
        server.id()
    );
    let url = format!("redis://127.0.0.1:{port}/");
    let deadline = Instant::now() + Duration::from_secs(5);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "redis-server did not come up");
        std::thread::sleep(Duration::from_millis(20));
    }
    Redis {
        url,
        server: Some(server),
    }
}

/// Waits until `done()` holds or `timeout` passes; returns whether it held.
pub fn wait_until(timeout: Duration, done: impl Fn() -> bool) -> bool {
    let deadline = Instant::now() + timeout;
    while !done() {
        if Instant::now() > deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    true
}

/// A name no other run of the example uses, so runs against a shared Redis don't mix.
pub fn unique(name: &str) -> String {
    format!("{name}-{}", std::process::id())
}
