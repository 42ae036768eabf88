//! One measured flow: a sender role and its receiver roles (separate processes). Receivers
//! start first and report `ready` (ZeroMQ ones with their endpoint, passed to the sender as
//! `eps=`); the sender warms up until every receiver saw enough warm-up messages; then the
//! driver says `go`. The elapsed time runs from the sender's first measured send to the
//! last measured receive of any receiver; only delivered messages count.

use std::time::Duration;

use crate::clock::seconds_between;
use crate::error::{BenchError, BenchResult};
use crate::workloads::Ctx;

/// A role and its arguments (the flow adds `n=`, `warm=`, `size=`, `eps=`).
pub struct RoleSpec {
    pub role: &'static str,
    pub args: Vec<(&'static str, String)>,
}

/// What to run: `count` messages of `size` bytes to every receiver.
pub struct FlowSpec {
    pub sender: RoleSpec,
    pub receivers: Vec<RoleSpec>,
    pub count: u64,
    pub size: usize,
}

/// What a flow measured.
#[derive(Debug, Clone)]
pub struct FlowOutcome {
    pub seconds: f64,
    /// Measured messages received, all receivers together.
    pub delivered: u64,
    /// `count` × receivers.
    pub expected: u64,
    /// Every receiver got every message once, in order.
    pub complete_in_order: bool,
    /// Allocations in the sender process from its first measured send to `exit`.
    pub send_allocs: u64,
    /// Allocations in the first receiver between its first and last measured message.
    pub recv_allocs: u64,
    /// Counters of the receiver that did worst, for failure messages.
    pub detail: String,
}

impl FlowOutcome {
    pub fn messages_per_second(&self) -> f64 {
        self.delivered as f64 / self.seconds
    }

    pub fn loss_percent(&self) -> f64 {
        100.0 * (1.0 - self.delivered as f64 / self.expected as f64)
    }
}

/// Time allowed for one phase: a minute plus ample time per message.
fn phase_timeout(count: u64) -> Duration {
    Duration::from_secs(60) + Duration::from_micros(count * 100)
}

/// Runs the flow of the module docs.
pub fn run_flow(ctx: &Ctx, spec: FlowSpec) -> BenchResult<FlowOutcome> {
    let timeout = phase_timeout(spec.count);
    let common = [
        ("n", spec.count.to_string()),
        ("warm", ctx.plan.warm.to_string()),
        ("size", spec.size.to_string()),
    ];
    let mut cast = ctx.cast();
    let mut receivers = Vec::new();
    for (i, receiver) in spec.receivers.iter().enumerate() {
        let mut args = receiver.args.clone();
        args.extend(common.iter().cloned());
        receivers.push(cast.spawn(&format!("receiver {i}"), receiver.role, &args)?);
    }
    let ready = cast.expect_all(&receivers, "ready", timeout)?;
    let endpoints: Vec<&str> = ready.iter().filter_map(|r| r.text("ep").ok()).collect();
    let mut args = spec.sender.args.clone();
    args.extend(common.iter().cloned());
    args.push(("eps", endpoints.join(",")));
    let sender = cast.spawn("sender", spec.sender.role, &args)?;
    cast.expect_all(&receivers, "warm", timeout)?;
    cast.send(sender, "go")?;
    let sent = cast.expect(sender, "sent", timeout)?;
    cast.send_all(&receivers, "end")?;
    let done = cast.expect_all(&receivers, "done", timeout)?;
    cast.send(sender, "exit")?;
    let bye = cast.expect(sender, "bye", timeout)?;
    cast.send_all(&receivers, "exit")?;

    let first_send = sent.number("t0")?;
    let mut last_receive = 0;
    let mut delivered = 0;
    let mut complete_in_order = true;
    let mut detail = String::new();
    for report in &done {
        let count = report.number("count")?;
        let ordered = report.number("gaps")? == 0 && report.number("regressions")? == 0;
        delivered += count;
        last_receive = last_receive.max(report.number("last")?);
        if (count != spec.count || !ordered) && complete_in_order {
            complete_in_order = false;
            detail = report.rest.clone();
        }
    }
    if delivered == 0 {
        return Err(BenchError::Transport("no measured message arrived".into()));
    }
    Ok(FlowOutcome {
        seconds: seconds_between(first_send, last_receive),
        delivered,
        expected: spec.count * spec.receivers.len() as u64,
        complete_in_order,
        send_allocs: bye.number("allocs")?,
        recv_allocs: done[0].number("allocs")?,
        detail,
    })
}
