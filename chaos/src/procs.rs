//! The driver's handle on a child role process: spawn `liner-chaos child <role> …` with its
//! stderr appended to `<scenario dir>/<name>.log`, wait for the lines it prints, and
//! signal it by PID (SIGKILL through `liner_tests::ChildProcess`, SIGSTOP/SIGCONT/SIGTERM/
//! SIGUSR1 with `kill(2)`). Nothing here ever signals a process group or a name.

use std::fs::OpenOptions;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use liner_tests::ChildProcess;

/// One running child.
pub struct Role {
    pub name: String,
    child: ChildProcess,
    /// Lines printed so far that no wait consumed (for error messages).
    seen: Vec<String>,
}

impl Role {
    /// Starts `exe child <role> args…`; `name` names its log file and error messages.
    /// `env` sets (`Some`) or removes (`None`) environment variables of the child.
    pub fn spawn(
        exe: &Path,
        dir: &Path,
        name: &str,
        role: &str,
        args: &[String],
        env: &[(String, Option<String>)],
    ) -> Result<Role, String> {
        let log = OpenOptions::new()
            .create(true)
            .append(true)
            .open(dir.join(format!("{name}.log")))
            .map_err(|e| format!("opening the log of {name}: {e}"))?;
        let mut cmd = Command::new(exe);
        cmd.arg("child")
            .arg(role)
            .args(args)
            .stderr(Stdio::from(log));
        for (key, value) in env {
            match value {
                Some(value) => cmd.env(key, value),
                None => cmd.env_remove(key),
            };
        }
        Ok(Role {
            name: name.to_string(),
            child: ChildProcess::spawn(&mut cmd),
            seen: Vec::new(),
        })
    }

    pub fn pid(&self) -> u32 {
        self.child.pid()
    }

    /// Waits for a line starting with `prefix`; a `failed …` line, the end of the child's
    /// output or the timeout is an error naming the lines seen.
    pub fn wait_line(&mut self, prefix: &str, timeout: Duration) -> Result<String, String> {
        self.wait_line_any(&[prefix], timeout)
    }

    /// Waits for a line starting with any of `prefixes` (checked before `failed`), else as
    /// [`Role::wait_line`].
    pub fn wait_line_any(
        &mut self,
        prefixes: &[&str],
        timeout: Duration,
    ) -> Result<String, String> {
        let prefix = prefixes.join("' or '");
        let wanted = |line: &str| prefixes.iter().any(|p| line.starts_with(p));
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(format!(
                    "{} printed no '{prefix}' line within {timeout:?} (saw {:?})",
                    self.name, self.seen
                ));
            }
            match self.child.next_line(left.min(Duration::from_millis(100))) {
                Some(line) if wanted(&line) => return Ok(line),
                Some(line) if line.starts_with("failed") => {
                    return Err(format!("{}: {line}", self.name));
                }
                Some(line) => self.seen.push(line),
                None if !self.child.is_running() => {
                    // Lines printed just before the exit may still be in the channel.
                    if let Some(line) = self.child.next_line(Duration::from_millis(200))
                        && wanted(&line)
                    {
                        return Ok(line);
                    }
                    return Err(format!(
                        "{} exited before printing '{prefix}' (saw {:?})",
                        self.name, self.seen
                    ));
                }
                None => {}
            }
        }
    }

    /// Whether the process has not exited yet.
    pub fn is_running(&mut self) -> bool {
        self.child.is_running()
    }

    /// SIGKILL by PID; reaps the process.
    pub fn kill9(&mut self) {
        self.child.kill9();
    }

    pub fn sigstop(&self) {
        self.signal(libc::SIGSTOP);
    }

    pub fn sigcont(&self) {
        self.signal(libc::SIGCONT);
    }

    /// Asks for a graceful stop (the child calls `try_stop` and reports).
    pub fn sigterm(&self) {
        self.signal(libc::SIGTERM);
    }

    /// Asks a sender to stop sending and report what was accepted.
    pub fn sigusr1(&self) {
        self.signal(libc::SIGUSR1);
    }

    fn signal(&self, signal: libc::c_int) {
        if let Ok(pid) = libc::pid_t::try_from(self.pid()) {
            // SAFETY: kill(2) on the PID of a child we spawned and have not reaped.
            unsafe {
                libc::kill(pid, signal);
            }
        }
    }

    /// Waits up to `timeout` for the process to exit by itself.
    pub fn wait_exit(&mut self, timeout: Duration) -> bool {
        self.exit_status(timeout).is_some()
    }

    /// Waits up to `timeout` for the process to exit by itself; its exit status.
    pub fn exit_status(&mut self, timeout: Duration) -> Option<std::process::ExitStatus> {
        self.child.wait_timeout(timeout)
    }
}

/// The value of `key=` in a reported line (`stopped ms=12 result=ok` → `ms` → `12`).
pub fn field<'a>(line: &'a str, key: &str) -> Option<&'a str> {
    line.split_whitespace()
        .find_map(|w| w.strip_prefix(key)?.strip_prefix('='))
}
