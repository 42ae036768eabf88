//! The receiving half every throughput role shares. A receiver counts into a [`Tally`]
//! (from liner's callback or from a pull loop on its own thread) while the role's main
//! thread reports `warm` once enough warm-up messages arrived, and `done` when all measured
//! messages arrived — or, after the driver's `end`, when none arrived for `IDLE_END` (lossy
//! transports never reach the full count). It then waits for `exit`.
//!
//! Arguments: `n=` measured messages expected, `warm=` warm-up messages needed.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::time::Duration;

use crate::clock::monotonic_ns;
use crate::cpu::own_cpu_us;
use crate::error::{BenchError, BenchResult};
use crate::report::Line;
use crate::role_io::{Args, Commands};
use crate::tally::Tally;

/// Silence after `end` that closes a lossy measurement.
const IDLE_END: Duration = Duration::from_millis(1000);
/// How often the main thread looks at the tally.
const POLL: Duration = Duration::from_millis(2);

/// Waits for the measurement to finish (see the module docs) and reports `done`.
/// Commands other than `end`/`exit` go to `on_command`.
pub fn serve(
    tally: &Tally,
    args: &Args,
    cmds: &Commands,
    mut on_command: impl FnMut(&str) -> BenchResult<()>,
) -> BenchResult<()> {
    let measured = args.number("n")?;
    let warm_needed = args.number("warm")?;
    let mut warm_reported = false;
    let mut ended_at = None;
    let mut cpu_at_go = None;
    loop {
        if !warm_reported && tally.warm() >= warm_needed {
            Line::new("warm").emit();
            warm_reported = true;
        }
        if tally.count() >= measured {
            break;
        }
        if let Some(ended) = ended_at {
            let quiet_since = tally.last_ns().max(ended);
            if monotonic_ns().saturating_sub(quiet_since) > IDLE_END.as_nanos() as u64 {
                break;
            }
        }
        match cmds.poll(POLL).as_deref() {
            None => {}
            Some("go") => {
                cpu_at_go = Some(own_cpu_us());
                Line::new("set").emit();
            }
            Some("end") => ended_at = Some(monotonic_ns()),
            Some("exit") => {
                return Err(BenchError::Protocol("told to exit before done".into()));
            }
            Some(other) => on_command(other)?,
        }
    }
    let cpu_us = cpu_at_go.map_or(0, |at_go| own_cpu_us() - at_go);
    let s = tally.snapshot();
    Line::new("done")
        .field("count", s.count)
        .field("sum", s.sum)
        .field("gaps", s.gaps)
        .field("regressions", s.regressions)
        .field("first", s.first_ns)
        .field("last", s.last_ns)
        .field("allocs", s.allocs)
        .field("cpu_us", cpu_us)
        .emit();
    wait_for_exit(cmds)
}

/// After `done`: a late `end` is harmless; anything but `exit` is a protocol error.
pub(crate) fn wait_for_exit(cmds: &Commands) -> BenchResult<()> {
    loop {
        match cmds.poll(POLL * 50).as_deref() {
            None | Some("end") => {}
            Some("exit") => return Ok(()),
            Some(other) => {
                return Err(BenchError::Protocol(format!(
                    "unexpected '{other}' after done"
                )));
            }
        }
    }
}

/// What a pull loop receives into.
#[derive(Clone)]
pub struct Inbox {
    tally: Arc<Tally>,
    stop: Arc<AtomicBool>,
    measured: u64,
}

impl Inbox {
    pub fn record(&self, payload: &[u8]) {
        self.tally.record(payload);
    }

    /// Whether the loop should wait for more messages.
    pub fn keep_going(&self) -> bool {
        !self.stop.load(Ordering::Relaxed) && self.tally.count() < self.measured
    }
}

#[cfg(test)]
impl Inbox {
    /// An inbox expecting `measured` messages, outside any role.
    pub fn for_test(measured: u64) -> Inbox {
        Inbox {
            tally: Arc::new(Tally::new(measured)),
            stop: Arc::new(AtomicBool::new(false)),
            measured,
        }
    }
}

/// Runs a pull-style receiver. `body` runs on its own thread: it sets up its socket, calls
/// `ready` once with the `ready` report, then records messages into the inbox while
/// `keep_going()`, blocking at most ~50 ms per receive so it notices the stop.
pub fn pull<F>(args: &Args, cmds: &Commands, body: F) -> BenchResult<()>
where
    F: FnOnce(&Inbox, &dyn Fn(Line)) -> BenchResult<()> + Send + 'static,
{
    let measured = args.number("n")?;
    let inbox = Inbox {
        tally: Arc::new(Tally::new(measured)),
        stop: Arc::new(AtomicBool::new(false)),
        measured,
    };
    let (ready_tx, ready_rx) = mpsc::channel::<Line>();
    let worker_inbox = inbox.clone();
    let worker = std::thread::spawn(move || {
        let ready = move |line: Line| {
            let _ = ready_tx.send(line);
        };
        body(&worker_inbox, &ready)
    });
    let served = match ready_rx.recv() {
        Ok(line) => {
            line.emit();
            serve(&inbox.tally, args, cmds, |other| {
                Err(BenchError::Protocol(format!("unknown command '{other}'")))
            })
        }
        Err(_) => Err(BenchError::Protocol(
            "receiver ended before it was ready".into(),
        )),
    };
    inbox.stop.store(true, Ordering::Relaxed);
    let worked = worker
        .join()
        .unwrap_or_else(|_| Err(BenchError::Protocol("receiver thread panicked".into())));
    worked.and(served)
}
