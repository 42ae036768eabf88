//! The sending half every throughput role shares: warm up (one message per millisecond,
//! flagged as warm-up, until the driver says `go`), send the measured messages as fast as
//! the transport accepts them, report `sent` with the first and last send times and the
//! CPU time of the sending thread over the sends (`caller_cpu_us`: what a send call costs
//! the application, apart from background threads), then stay
//! alive (liner sends from its window in the background) until `exit`, and report the
//! allocations made and the CPU time this process used since `go` (`bye allocs= cpu_us=`).
//!
//! Arguments: `n=` measured messages, `size=` payload bytes.

use std::time::Duration;

use crate::alloc_count::allocations;
use crate::clock::monotonic_ns;
use crate::cpu::{own_cpu_us, thread_cpu_us};
use crate::error::{BenchError, BenchResult};
use crate::payload::{Payload, WARM_FLAG};
use crate::report::Line;
use crate::role_io::{Args, Commands};

/// A transport's sending side.
pub trait Outlet {
    /// Sends (or queues) one message.
    fn send(&mut self, payload: &[u8]) -> BenchResult<()>;
    /// Pushes out anything a batching transport still holds.
    fn flush(&mut self) -> BenchResult<()> {
        Ok(())
    }
}

/// Time between warm-up messages.
const WARM_PACE: Duration = Duration::from_millis(1);

/// The whole sender flow of the module docs.
pub fn run_sender(outlet: &mut dyn Outlet, args: &Args, cmds: &Commands) -> BenchResult<()> {
    let count = args.number("n")?;
    let mut payload = Payload::new(args.number("size")? as usize);
    warm_up(outlet, &mut payload, cmds, "go")?;
    let cpu_at_go = own_cpu_us();
    let caller_cpu_at_go = thread_cpu_us();
    let allocs_before = allocations();
    let first = monotonic_ns();
    for seq in 0..count {
        outlet.send(payload.stamp(seq))?;
    }
    outlet.flush()?;
    Line::new("sent")
        .field("t0", first)
        .field("t1", monotonic_ns())
        .field("caller_cpu_us", thread_cpu_us() - caller_cpu_at_go)
        .emit();
    cmds.wait_for("exit")?;
    Line::new("bye")
        .field("allocs", allocations() - allocs_before)
        .field("cpu_us", own_cpu_us() - cpu_at_go)
        .emit();
    Ok(())
}

/// Sends warm-up messages until the command `until` arrives.
pub fn warm_up(
    outlet: &mut dyn Outlet,
    payload: &mut Payload,
    cmds: &Commands,
    until: &str,
) -> BenchResult<()> {
    let mut seq = 0;
    loop {
        match cmds.poll(WARM_PACE) {
            None => {
                outlet.send(payload.stamp(WARM_FLAG | seq))?;
                outlet.flush()?;
                seq += 1;
            }
            Some(command) if command == until => return Ok(()),
            Some(other) => {
                return Err(BenchError::Protocol(format!(
                    "expected '{until}' during warm-up, got '{other}'"
                )));
            }
        }
    }
}
