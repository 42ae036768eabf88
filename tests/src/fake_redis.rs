//! Fake Redis servers on loopback for failure cases a real server cannot produce on demand:
//! one that accepts connections but never answers (tests connect timeouts), one that answers
//! every command with `+OK` but reports an old `redis_version` (tests the version check), and
//! one that is not Redis at all: it answers whatever it is sent with fixed bytes (an HTTP
//! error, garbage) and hangs up.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::{self, JoinHandle};

/// A fake server; stops accepting and drops its connections when dropped.
pub struct FakeRedis {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    acceptor: Option<JoinHandle<()>>,
}

#[derive(Clone)]
enum Behaviour {
    Silent,
    Version(String),
    Foreign(&'static [u8]),
}

impl FakeRedis {
    /// Accepts TCP connections and never sends a byte.
    pub fn silent() -> Self {
        Self::start(Behaviour::Silent)
    }

    /// Answers `INFO` with `redis_version:{version}` and everything else with `+OK`.
    pub fn reporting_version(version: &str) -> Self {
        Self::start(Behaviour::Version(version.to_string()))
    }

    /// Not Redis: once a client sent something, answers `reply` and closes the connection.
    pub fn foreign(reply: &'static [u8]) -> Self {
        Self::start(Behaviour::Foreign(reply))
    }

    /// `redis://127.0.0.1:PORT/`.
    pub fn url(&self) -> String {
        format!("redis://{}/", self.addr)
    }

    /// `rediss://127.0.0.1:PORT/`: the same server, for a client that starts with TLS.
    pub fn tls_url(&self) -> String {
        format!("rediss://{}/", self.addr)
    }

    fn start(behaviour: Behaviour) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("binding the fake server");
        let addr = listener.local_addr().expect("local addr");
        let stop = Arc::new(AtomicBool::new(false));
        let stopping = Arc::clone(&stop);
        let acceptor = thread::spawn(move || {
            let mut held = Vec::new();
            for stream in listener.incoming() {
                if stopping.load(Ordering::Acquire) {
                    break;
                }
                let Ok(stream) = stream else { continue };
                match &behaviour {
                    Behaviour::Silent => held.push(stream),
                    Behaviour::Version(v) => {
                        let v = v.clone();
                        thread::spawn(move || answer(stream, &v));
                    }
                    Behaviour::Foreign(reply) => {
                        let reply = *reply;
                        thread::spawn(move || answer_foreign(stream, reply));
                    }
                }
            }
        });
        Self {
            addr,
            stop,
            acceptor: Some(acceptor),
        }
    }
}

impl Drop for FakeRedis {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Release);
        // Wake the blocking accept so the thread sees the flag.
        let _ = TcpStream::connect(self.addr);
        if let Some(acceptor) = self.acceptor.take() {
            let _ = acceptor.join();
        }
    }
}

/// Serves one connection until the client closes it.
fn answer(stream: TcpStream, version: &str) {
    let mut writer = stream.try_clone().expect("cloning the stream");
    let mut reader = BufReader::new(stream);
    while let Some(command) = read_command(&mut reader) {
        let reply = if command.eq_ignore_ascii_case("INFO") {
            let body = format!("# Server\r\nredis_version:{version}\r\n");
            format!("${}\r\n{body}\r\n", body.len())
        } else {
            "+OK\r\n".to_string()
        };
        if writer.write_all(reply.as_bytes()).is_err() {
            return;
        }
    }
}

/// Waits for the client's first bytes, answers `reply` and hangs up (dropping `stream`).
fn answer_foreign(mut stream: TcpStream, reply: &[u8]) {
    let mut request = [0u8; 512];
    if matches!(stream.read(&mut request), Ok(n) if n > 0) {
        let _ = stream.write_all(reply);
    }
}

/// Reads one RESP command array and returns its first word.
fn read_command(reader: &mut impl BufRead) -> Option<String> {
    let count: usize = read_line(reader)?.strip_prefix('*')?.parse().ok()?;
    let mut first = None;
    for _ in 0..count {
        let len: usize = read_line(reader)?.strip_prefix('$')?.parse().ok()?;
        let mut arg = vec![0; len + 2];
        reader.read_exact(&mut arg).ok()?;
        arg.truncate(len);
        first.get_or_insert_with(|| String::from_utf8_lossy(&arg).into_owned());
    }
    first
}

fn read_line(reader: &mut impl BufRead) -> Option<String> {
    let mut line = String::new();
    match reader.read_line(&mut line) {
        Ok(0) | Err(_) => None,
        Ok(_) => Some(line.trim_end().to_string()),
    }
}
