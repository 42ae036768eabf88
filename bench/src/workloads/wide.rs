//! Workload G: wide fan-out. One sender, `send_all` at-least-once of 100-byte messages to a
//! topic with 100 listeners (each its own liner client with its own unique name), spread
//! over at most 10 listener processes; side by side ZeroMQ PUB → 100 SUB sockets spread the
//! same way. G500: the same with 500 liner listeners (10 processes × 50), liner only.
//!
//! Measured: aggregate deliveries/s (measured messages × listeners, as counted by the
//! listeners, from the sender's first measured send to the last listener's last receive),
//! the time from the sender's start (before it creates its client or socket) until every
//! listener has received its first message (warm-up included), of which the sender's own
//! start-up (creating, running, loading the topic's listeners), and the sender's peak RSS.
//! Checked: every listener got every message once, in order, and the listeners' byte sums
//! add up to what was sent to them.

use std::time::Duration;

use crate::cast::Who;
use crate::clock::seconds_between;
use crate::error::{BenchError, BenchResult};
use crate::payload::expected_sum;
use crate::report::Report;
use crate::results::{Better, Results, RowKey};
use crate::workloads::{Ctx, measure};

/// Metric of the aggregate rate (also read by the driver's G ratio line).
pub const G_RATE: &str = "aggregate deliveries/s";
/// System labels of G.
pub const G_LINER: &str = "liner send_all, at-least-once";
pub const G_ZMQ: &str = "ZeroMQ PUB/SUB";

/// Section of G (or G500) with `listeners` listeners.
pub fn g_section(listeners: u64) -> String {
    format!("G 100 B fan-out 1→{listeners}")
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum System {
    Liner,
    Zmq,
}

impl System {
    fn label(self) -> &'static str {
        match self {
            System::Liner => G_LINER,
            System::Zmq => G_ZMQ,
        }
    }
}

/// What one wide fan-out measured.
struct Outcome {
    deliveries_per_s: f64,
    delivered: u64,
    expected: u64,
    /// Every listener got every message once, in order, and the byte sums add up.
    complete_in_order: bool,
    /// Sender start → the last listener's first message.
    reach_s: f64,
    /// Sender start → the sender knows (liner) or has connected to (ZeroMQ) every listener.
    startup_s: f64,
    sender_peak_mib: f64,
    /// Counters of the first listener that fell short, for failure messages.
    detail: String,
}

/// `listeners` split over at most `processes` processes, as evenly as possible.
fn spread(listeners: u64, processes: u64) -> Vec<u64> {
    let processes = processes.clamp(1, listeners.max(1));
    (0..processes)
        .map(|p| listeners / processes + u64::from(p < listeners % processes))
        .collect()
}

/// Time allowed for one phase.
fn phase_timeout(deliveries: u64) -> Duration {
    Duration::from_secs(90) + Duration::from_micros(deliveries * 50)
}

fn run_wide(ctx: &mut Ctx, system: System, listeners: u64, count: u64) -> BenchResult<Outcome> {
    let timeout = phase_timeout(count * listeners);
    let common = [
        ("n", count.to_string()),
        ("warm", ctx.plan.warm.to_string()),
        ("size", "100".to_string()),
    ];
    let topic = ctx.name("crowd");
    let mut cast = ctx.cast();
    let mut groups: Vec<Who> = Vec::new();
    for (p, k) in spread(listeners, ctx.plan.g_processes)
        .into_iter()
        .enumerate()
    {
        let mut args = vec![("k", k.to_string())];
        let role = match system {
            System::Liner => {
                args.push(("url", ctx.url.clone()));
                args.push(("name", ctx.name(&format!("rx{p}"))));
                args.push(("topic", topic.clone()));
                "liner-listen-group"
            }
            System::Zmq => "zmq-sub-group",
        };
        args.extend(common.iter().cloned());
        groups.push(cast.spawn(&format!("listener process {p}"), role, &args)?);
    }
    let ready = cast.expect_all(&groups, "ready", timeout)?;
    let mut args = common.to_vec();
    let role = match system {
        System::Liner => {
            args.push(("url", ctx.url.clone()));
            args.push(("name", ctx.name("tx")));
            args.push(("topic", ctx.name("txtopic")));
            args.push(("dest", topic));
            args.push(("listeners", listeners.to_string()));
            "liner-send-group"
        }
        System::Zmq => {
            let endpoints: Vec<&str> = ready.iter().filter_map(|r| r.text("eps").ok()).collect();
            args.push(("eps", endpoints.join(",")));
            "zmq-pub-group"
        }
    };
    let sender = cast.spawn("sender", role, &args)?;
    let started = cast.expect(sender, "started", timeout)?;
    cast.expect_all(&groups, "warm", timeout)?;
    cast.send(sender, "go")?;
    let sent = cast.expect(sender, "sent", timeout)?;
    cast.send_all(&groups, "end")?;
    let done = cast.expect_all(&groups, "done", timeout)?;
    cast.send(sender, "exit")?;
    cast.expect(sender, "bye", timeout)?;
    let memory = cast.expect(sender, "mem", timeout)?;
    cast.send_all(&groups, "exit")?;
    let sum_sent = expected_sum(100, count).wrapping_mul(listeners);
    outcome(
        &started,
        &sent,
        &done,
        &memory,
        (count * listeners, sum_sent),
    )
}

fn outcome(
    started: &Report,
    sent: &Report,
    done: &[Report],
    memory: &Report,
    (expected, sum_sent): (u64, u64),
) -> BenchResult<Outcome> {
    let t_start = started.number("t_start")?;
    let first_send = sent.number("t0")?;
    let (mut delivered, mut last, mut reach, mut sum) = (0, 0, 0, 0u64);
    let mut complete_in_order = true;
    let mut detail = String::new();
    for report in done {
        delivered += report.number("count")?;
        sum = sum.wrapping_add(report.number("sum")?);
        last = last.max(report.number("last")?);
        reach = reach.max(report.number("reach")?);
        if report.number("bad")? != 0 && complete_in_order {
            complete_in_order = false;
            detail = report.rest.clone();
        }
    }
    if delivered == 0 {
        return Err(BenchError::Transport("no measured message arrived".into()));
    }
    if sum != sum_sent && complete_in_order {
        complete_in_order = false;
        detail = format!("byte sum {sum}, expected {sum_sent}");
    }
    Ok(Outcome {
        deliveries_per_s: delivered as f64 / seconds_between(first_send, last),
        delivered,
        expected,
        complete_in_order: complete_in_order && delivered == expected,
        reach_s: seconds_between(t_start, reach),
        startup_s: seconds_between(t_start, started.number("t_routed")?),
        sender_peak_mib: memory.number("peak")? as f64 / 1024.0,
        detail,
    })
}

/// Measures `systems` with `listeners` listeners and `count` messages, one run.
fn wide_workload(
    ctx: &mut Ctx,
    results: &mut Results,
    systems: &[System],
    (listeners, count): (u64, u64),
) {
    let section = g_section(listeners);
    for system in ctx.in_run_order(systems) {
        let label = system.label();
        let what = format!("{section} / {label}");
        let Some(o) = measure(ctx, results, &what, |ctx| {
            run_wide(ctx, system, listeners, count)
        }) else {
            continue;
        };
        eprintln!(
            "[bench] {what}: {:.0} deliveries/s, {} of {} delivered; all reached {:.1} ms \
             after the sender started (its start-up {:.1} ms); sender peak RSS {:.1} MiB",
            o.deliveries_per_s,
            o.delivered,
            o.expected,
            o.reach_s * 1e3,
            o.startup_s * 1e3,
            o.sender_peak_mib
        );
        results.check(
            &format!(
                "{section} / {label}: every listener got every message once, in order, byte sum"
            ),
            o.complete_in_order,
            || format!("{} of {}; {}", o.delivered, o.expected, o.detail),
        );
        let ours = system == System::Liner;
        let mut add = |metric: &'static str, better: Better, value: f64| {
            let key = RowKey {
                section: section.clone(),
                system: label.to_string(),
                metric,
            };
            results.add(key, ours, better, value);
        };
        add(G_RATE, Better::Higher, o.deliveries_per_s);
        if !ours {
            let lost = 100.0 * (1.0 - o.delivered as f64 / o.expected as f64);
            add("lost %", Better::Lower, lost);
        }
        add(
            "time until all reached (from sender start), ms",
            Better::Lower,
            o.reach_s * 1e3,
        );
        add(
            "of which sender start-up, ms",
            Better::Lower,
            o.startup_s * 1e3,
        );
        add("sender peak RSS MiB", Better::Lower, o.sender_peak_mib);
    }
}

/// Workload G (liner and ZeroMQ, 100 listeners), one run.
pub fn workload_g(ctx: &mut Ctx, results: &mut Results) {
    let shape = (ctx.plan.g_listeners, ctx.plan.g_messages);
    wide_workload(ctx, results, &[System::Liner, System::Zmq], shape);
}

/// Workload G500 (liner, 500 listeners), one run.
pub fn workload_g500(ctx: &mut Ctx, results: &mut Results) {
    let shape = (ctx.plan.g500_listeners, ctx.plan.g500_messages);
    wide_workload(ctx, results, &[System::Liner], shape);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listeners_spread_evenly() {
        assert_eq!(spread(100, 10), vec![10; 10]);
        assert_eq!(spread(500, 10), vec![50; 10]);
        assert_eq!(spread(7, 10), vec![1; 7]);
        assert_eq!(spread(23, 10).iter().sum::<u64>(), 23);
        assert_eq!(spread(23, 10)[0], 3);
    }
}
