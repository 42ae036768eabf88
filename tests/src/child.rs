//! Child processes for crash tests: spawn a program (a test binary, an example) with its
//! stdout forwarded line by line, wait for the lines it prints, and SIGKILL it by PID.
//! A child still running when its handle drops is killed, so no test leaves one behind.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::thread;
use std::time::{Duration, Instant};

/// A spawned child process; see the module docs.
pub struct ChildProcess {
    child: Child,
    lines: Receiver<String>,
}

impl ChildProcess {
    /// Spawns `cmd` with stdout piped into [`ChildProcess::next_line`] (stderr is inherited,
    /// so the child's diagnostics show in the test output).
    pub fn spawn(cmd: &mut Command) -> Self {
        let mut child = cmd
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("spawning {cmd:?}: {e}"));
        let stdout = child.stdout.take().expect("stdout is piped");
        let (tx, lines) = mpsc::channel();
        thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Self { child, lines }
    }

    /// The child's PID.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The next line the child printed, or `None` after `timeout` or once it closed stdout.
    pub fn next_line(&self, timeout: Duration) -> Option<String> {
        self.lines.recv_timeout(timeout).ok()
    }

    /// Skips printed lines until one satisfies `wanted`; panics after `timeout` with the lines
    /// seen, or when the child closes stdout first.
    pub fn wait_for_line(&self, timeout: Duration, wanted: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + timeout;
        let mut seen = Vec::new();
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) if wanted(&line) => return line,
                Ok(line) => seen.push(line),
                Err(RecvTimeoutError::Timeout) => {
                    panic!(
                        "child {} printed no wanted line in {timeout:?}; saw {seen:?}",
                        self.pid()
                    )
                }
                Err(RecvTimeoutError::Disconnected) => {
                    panic!("child {} closed stdout first; saw {seen:?}", self.pid())
                }
            }
        }
    }

    /// Sends SIGKILL to exactly this PID (std's `Child::kill`) and reaps the process.
    pub fn kill9(&mut self) -> ExitStatus {
        // Fails only if it already exited; `wait` then returns that status.
        let _ = self.child.kill();
        self.child.wait().expect("reaping the child")
    }

    /// Waits up to `timeout` for the child to exit by itself.
    pub fn wait_timeout(&mut self, timeout: Duration) -> Option<ExitStatus> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(status) = self.child.try_wait().expect("polling the child") {
                return Some(status);
            }
            if Instant::now() >= deadline {
                return None;
            }
            thread::sleep(Duration::from_millis(10));
        }
    }

    /// True while the child has not exited.
    pub fn is_running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }
}

impl Drop for ChildProcess {
    fn drop(&mut self) {
        if self.is_running() {
            self.kill9();
        }
    }
}
