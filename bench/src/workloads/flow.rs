//! One measured flow: a sender role and its receiver roles (separate processes). Receivers
//! start first and report `ready` (ZeroMQ ones with their endpoint, passed to the sender as
//! `eps=`); the sender warms up until every receiver saw enough warm-up messages; then the
//! driver says `go` (to the receivers first, which start counting their CPU time, then to
//! the sender). The elapsed time runs from the sender's first measured send to the last
//! measured receive of any receiver; only delivered messages count. Every receiver's
//! count, order and byte sum are checked against what the sender sent; CPU time is taken
//! per process (sender, receivers, and the broker's server when there is one).

use std::time::Duration;

use crate::clock::seconds_between;
use crate::cpu::process_cpu_s;
use crate::error::{BenchError, BenchResult};
use crate::payload::expected_sum;
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
    /// PID of the broker's server (redis-server, nats-server), whose CPU time is counted.
    pub server_pid: Option<u32>,
}

/// What a flow measured.
#[derive(Debug, Clone)]
pub struct FlowOutcome {
    pub seconds: f64,
    /// Measured messages received, all receivers together.
    pub delivered: u64,
    /// `count` × receivers.
    pub expected: u64,
    /// Every receiver got every message once, in order, with the byte sum sent.
    pub complete_in_order: bool,
    /// Allocations in the sender process from its first measured send to `exit`.
    pub send_allocs: u64,
    /// Allocations in the first receiver between its first and last measured message.
    pub recv_allocs: u64,
    /// Counters of the receiver that did worst, for failure messages.
    pub detail: String,
    /// CPU seconds of the sender process from `go` to `exit`.
    pub sender_cpu_s: f64,
    /// CPU seconds of the sender's sending thread over its measured send calls.
    pub caller_cpu_s: f64,
    /// Measured send calls (messages sent, whatever the number of receivers).
    pub sends: u64,
    /// CPU seconds of the receiver processes (together) from `go` to their last message.
    pub receiver_cpu_s: f64,
    /// CPU seconds of the broker's server from `go` until every receiver was done.
    pub server_cpu_s: Option<f64>,
}

impl FlowOutcome {
    pub fn messages_per_second(&self) -> f64 {
        self.delivered as f64 / self.seconds
    }

    /// CPU seconds per million delivered messages.
    pub fn per_million(&self, cpu_s: f64) -> f64 {
        cpu_s * 1e6 / self.delivered as f64
    }

    /// CPU µs of the sending thread per send call.
    pub fn caller_us_per_send(&self) -> f64 {
        self.caller_cpu_s * 1e6 / self.sends as f64
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
    cast.send_all(&receivers, "go")?;
    cast.expect_all(&receivers, "set", timeout)?;
    let server_cpu_at_go = spec.server_pid.and_then(process_cpu_s);
    cast.send(sender, "go")?;
    let sent = cast.expect(sender, "sent", timeout)?;
    cast.send_all(&receivers, "end")?;
    let done = cast.expect_all(&receivers, "done", timeout)?;
    let server_cpu_s = spec
        .server_pid
        .and_then(process_cpu_s)
        .zip(server_cpu_at_go)
        .map(|(now, at_go)| now - at_go);
    cast.send(sender, "exit")?;
    let bye = cast.expect(sender, "bye", timeout)?;
    cast.send_all(&receivers, "exit")?;

    let first_send = sent.number("t0")?;
    let sum_sent = expected_sum(spec.size, spec.count);
    let mut last_receive = 0;
    let mut delivered = 0;
    let mut receiver_cpu_us = 0;
    let mut complete_in_order = true;
    let mut detail = String::new();
    for report in &done {
        let count = report.number("count")?;
        let ordered = report.number("gaps")? == 0 && report.number("regressions")? == 0;
        let sum = report.number("sum")?;
        delivered += count;
        receiver_cpu_us += report.number("cpu_us")?;
        last_receive = last_receive.max(report.number("last")?);
        if (count != spec.count || !ordered || sum != sum_sent) && complete_in_order {
            complete_in_order = false;
            detail = format!("{} (byte sum expected {sum_sent})", report.rest);
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
        sender_cpu_s: bye.number("cpu_us")? as f64 / 1e6,
        caller_cpu_s: sent.number("caller_cpu_us")? as f64 / 1e6,
        sends: spec.count,
        receiver_cpu_s: receiver_cpu_us as f64 / 1e6,
        server_cpu_s,
    })
}
