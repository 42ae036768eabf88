//! The driver's side of role processes: a [`Cast`] spawns the roles of one measurement
//! (this binary re-executed as `child <role> key=value…`), sends them commands and waits for
//! their reports. Every stdout line of every member arrives on one channel, so an `error`
//! line or an unexpected exit of *any* member ends the wait at once instead of a timeout.
//! Dropping the cast closes the members' stdin (read as `exit`) and kills stragglers.

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::time::{Duration, Instant};

use crate::error::{BenchError, BenchResult};
use crate::report::Report;

/// Index of a member in its cast.
pub type Who = usize;

/// How long a member may take to exit after its stdin closed.
const EXIT_GRACE: Duration = Duration::from_secs(5);

/// One line (or end of output: `None`) from a member.
type Event = (Who, Option<String>);

struct Member {
    label: String,
    child: Child,
    stdin: Option<ChildStdin>,
    pending: VecDeque<Report>,
    exited: bool,
    /// The driver sent `exit`, so an end of output is expected.
    released: bool,
}

/// The role processes of one measurement.
pub struct Cast {
    exe: PathBuf,
    members: Vec<Member>,
    events_tx: Sender<Event>,
    events: Receiver<Event>,
}

impl Cast {
    pub fn new(exe: &Path) -> Cast {
        let (events_tx, events) = mpsc::channel();
        Cast {
            exe: exe.to_path_buf(),
            members: Vec::new(),
            events_tx,
            events,
        }
    }

    /// Starts `role` with `key=value` arguments; `label` names it in errors.
    pub fn spawn(&mut self, label: &str, role: &str, args: &[(&str, String)]) -> BenchResult<Who> {
        let mut child = Command::new(&self.exe)
            .arg("child")
            .arg(role)
            .args(args.iter().map(|(k, v)| format!("{k}={v}")))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|e| BenchError::Protocol(format!("spawning {label}: {e}")))?;
        let who = self.members.len();
        let stdout = child.stdout.take().expect("piped");
        let tx = self.events_tx.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send((who, Some(line))).is_err() {
                    return;
                }
            }
            let _ = tx.send((who, None));
        });
        self.members.push(Member {
            label: label.to_string(),
            stdin: child.stdin.take(),
            child,
            pending: VecDeque::new(),
            exited: false,
            released: false,
        });
        Ok(who)
    }

    /// Sends a one-word command.
    pub fn send(&mut self, who: Who, command: &str) -> BenchResult<()> {
        let member = &mut self.members[who];
        member.released |= command == "exit";
        let label = &member.label;
        let stdin = member
            .stdin
            .as_mut()
            .ok_or_else(|| BenchError::Protocol(format!("{label} has no stdin")))?;
        writeln!(stdin, "{command}")
            .and_then(|()| stdin.flush())
            .map_err(|e| BenchError::Protocol(format!("{label} does not take commands: {e}")))
    }

    /// Sends `command` to every member in `whom`.
    pub fn send_all(&mut self, whom: &[Who], command: &str) -> BenchResult<()> {
        whom.iter().try_for_each(|&who| self.send(who, command))
    }

    /// Waits for the next report of `who`, which must be of `kind`.
    pub fn expect(&mut self, who: Who, kind: &str, timeout: Duration) -> BenchResult<Report> {
        let deadline = Instant::now() + timeout;
        loop {
            let member = &mut self.members[who];
            if let Some(report) = member.pending.pop_front() {
                if report.kind == kind {
                    return Ok(report);
                }
                return Err(BenchError::Protocol(format!(
                    "{} reported '{}' instead of '{kind}'",
                    member.label, report.kind
                )));
            }
            if member.exited {
                return Err(BenchError::Protocol(format!(
                    "{} exited before reporting '{kind}'",
                    member.label
                )));
            }
            let left = deadline.saturating_duration_since(Instant::now());
            match self.events.recv_timeout(left) {
                Ok(event) => self.take(event)?,
                Err(RecvTimeoutError::Timeout) => {
                    return Err(BenchError::Protocol(format!(
                        "{} did not report '{kind}' within {timeout:?}",
                        self.members[who].label
                    )));
                }
                Err(RecvTimeoutError::Disconnected) => unreachable!("the cast holds a sender"),
            }
        }
    }

    /// Waits for a report of `kind` from every member in `whom`, in order.
    pub fn expect_all(
        &mut self,
        whom: &[Who],
        kind: &str,
        timeout: Duration,
    ) -> BenchResult<Vec<Report>> {
        whom.iter()
            .map(|&who| self.expect(who, kind, timeout))
            .collect()
    }

    fn take(&mut self, (who, line): Event) -> BenchResult<()> {
        let member = &mut self.members[who];
        match line {
            Some(line) => {
                let report = Report::parse(&line);
                if report.kind == "error" {
                    return Err(BenchError::Protocol(format!(
                        "{}: {}",
                        member.label, report.rest
                    )));
                }
                member.pending.push_back(report);
                Ok(())
            }
            None => {
                member.exited = true;
                if member.released {
                    Ok(())
                } else {
                    Err(BenchError::Protocol(format!(
                        "{} exited unexpectedly",
                        member.label
                    )))
                }
            }
        }
    }
}

impl Drop for Cast {
    fn drop(&mut self) {
        for member in &mut self.members {
            member.stdin = None;
        }
        let deadline = Instant::now() + EXIT_GRACE;
        for member in &mut self.members {
            while matches!(member.child.try_wait(), Ok(None)) && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(10));
            }
            if matches!(member.child.try_wait(), Ok(None)) {
                // SIGKILL of exactly this child's PID.
                let _ = member.child.kill();
                let _ = member.child.wait();
            }
        }
    }
}
