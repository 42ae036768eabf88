//! The bench's own `nats-server -js` (Debian's package): started on first use on a free
//! loopback port with a fresh JetStream store directory under the temp dir, killed by its
//! PID (and the directory removed) when dropped. Never a server the bench did not start.

use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::error::{BenchError, BenchResult};

/// The executable looked up on `PATH`.
const EXECUTABLE: &str = "nats-server";
/// How long the server may take to accept connections.
const START_TIMEOUT: Duration = Duration::from_secs(10);

pub struct NatsServer {
    child: Child,
    port: u16,
    store: PathBuf,
}

/// Whether `nats-server` is on `PATH`.
pub fn installed() -> bool {
    std::env::var_os("PATH")
        .is_some_and(|path| std::env::split_paths(&path).any(|dir| dir.join(EXECUTABLE).is_file()))
}

impl NatsServer {
    pub fn start() -> BenchResult<NatsServer> {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map_err(|e| BenchError::Transport(format!("finding a free port: {e}")))?
            .port();
        let store =
            std::env::temp_dir().join(format!("liner-bench-nats-{}-{port}", std::process::id()));
        std::fs::create_dir_all(&store)
            .map_err(|e| BenchError::Transport(format!("creating {}: {e}", store.display())))?;
        let child = Command::new(EXECUTABLE)
            .args(["-js", "-a", "127.0.0.1", "-p", &port.to_string(), "-sd"])
            .arg(&store)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| BenchError::Transport(format!("starting {EXECUTABLE}: {e}")))?;
        let mut server = NatsServer { child, port, store };
        let deadline = Instant::now() + START_TIMEOUT;
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            if Instant::now() > deadline || !matches!(server.child.try_wait(), Ok(None)) {
                server.stop();
                return Err(BenchError::Transport(format!(
                    "{EXECUTABLE} did not accept connections on port {port}"
                )));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        Ok(server)
    }

    pub fn url(&self) -> String {
        format!("nats://127.0.0.1:{}", self.port)
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    fn stop(&mut self) {
        // SIGKILL of exactly this child's PID.
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.store);
    }
}

impl Drop for NatsServer {
    fn drop(&mut self) {
        self.stop();
    }
}
