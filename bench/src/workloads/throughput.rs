//! Throughput workloads. A: 100-byte messages, one sender → one listener, liner
//! at-least-once and best-effort against ZeroMQ PUSH/PULL (high-water marks matched to
//! liner's window, and libzmq's default), Redis Pub/Sub, a Redis List queue, Redis Streams
//! with a consumer group, NATS JetStream, core NATS (beside best-effort) and Z, the raw TCP
//! ceiling (also the source of E's allocations per message). F: the same at 1 KiB and
//! 64 KiB (MB/s). C: fan-out to four listeners (liner `send_all`, ZeroMQ PUB/SUB, Redis
//! Pub/Sub). Every system's sender, receiver and (for brokers) server CPU time per million
//! delivered messages is recorded beside its rate. Each run measures the systems in
//! [`Ctx::in_run_order`].

use crate::results::{Better, Results, RowKey};
use crate::workloads::flow::{FlowOutcome, run_flow};
use crate::workloads::systems::System;
use crate::workloads::{Ctx, measure, nats_installed};

/// Rate metric of A (also read by the driver's ratio lines).
pub const A_RATE: &str = "delivered msg/s";
/// Sections of A.
pub const A_RELIABLE: &str = "A 100 B 1→1 at-least-once";
pub const A_LOSSY: &str = "A 100 B 1→1 best-effort";
/// What the NATS rows say when the server is not installed.
const NO_NATS: &str = "skipped (nats-server not found)";

fn key(section: &str, system: &str, metric: &'static str) -> RowKey {
    RowKey {
        section: section.to_string(),
        system: system.to_string(),
        metric,
    }
}

/// Runs one system's flow, printing a progress line; records a failure (or why it was
/// skipped, under `rate_metric`) and, for systems that must not drop, the delivery check.
fn run_system(
    ctx: &mut Ctx,
    results: &mut Results,
    (section, rate_metric): (&str, &'static str),
    system: System,
    (count, size, listeners): (u64, usize, u64),
) -> Option<FlowOutcome> {
    let label = system.label(listeners);
    if system.needs_nats() && !nats_installed() {
        results.skip(key(section, label, rate_metric), NO_NATS);
        return None;
    }
    let what = format!("{section} / {label}");
    let outcome = measure(ctx, results, &what, |ctx| {
        let spec = system.flow(ctx, count, size, listeners)?;
        run_flow(ctx, spec)
    })?;
    eprintln!(
        "[bench] {what}: {:.0} msg/s, {} of {} delivered; CPU s sender {:.3} (sending thread {:.3} µs/send), receivers {:.3}{}",
        outcome.messages_per_second(),
        outcome.delivered,
        outcome.expected,
        outcome.sender_cpu_s,
        outcome.caller_us_per_send(),
        outcome.receiver_cpu_s,
        outcome
            .server_cpu_s
            .map_or(String::new(), |s| format!(", server {s:.2}")),
    );
    if !system.is_lossy() {
        results.check(
            &format!("{section} / {label}: every message delivered once, in order, byte sum"),
            outcome.complete_in_order,
            || {
                format!(
                    "{} of {}; {}",
                    outcome.delivered, outcome.expected, outcome.detail
                )
            },
        );
    }
    Some(outcome)
}

/// The CPU rows of one measurement: sender, receivers, server (brokers), and with
/// `per_message` the sender + receiver total in µs per message.
fn record_cpu(
    results: &mut Results,
    section: &str,
    system: System,
    outcome: &FlowOutcome,
    (listeners, per_message): (u64, bool),
) {
    let (label, ours) = (system.label(listeners), system.is_liner());
    let mut add =
        |metric, value| results.add(key(section, label, metric), ours, Better::Lower, value);
    add(
        "sender CPU s/M msg",
        outcome.per_million(outcome.sender_cpu_s),
    );
    add(
        "receiver CPU s/M msg",
        outcome.per_million(outcome.receiver_cpu_s),
    );
    if let Some(server) = outcome.server_cpu_s {
        add("server CPU s/M msg", outcome.per_million(server));
    }
    add(
        "sending thread CPU µs/send call",
        outcome.caller_us_per_send(),
    );
    if per_message {
        let both = outcome.sender_cpu_s + outcome.receiver_cpu_s;
        add("CPU µs/msg, sender+receiver", outcome.per_million(both));
    }
}

/// Workload A (and E's allocation rows), one run.
pub fn workload_a(ctx: &mut Ctx, results: &mut Results) {
    let systems = ctx.in_run_order(&[
        System::LinerAtLeastOnce,
        System::LinerBestEffort,
        System::ZmqPushPullMatched,
        System::ZmqPushPullDefault,
        System::RedisPubSub,
        System::RedisList,
        System::RedisStreams,
        System::NatsJetStream,
        System::NatsCore,
        System::RawTcp,
    ]);
    for system in systems {
        // Quick runs measure the brokered extras in their first run only, with fewer messages.
        let count = if system.is_brokered_extra() {
            if ctx.run > ctx.plan.heavy_runs {
                continue;
            }
            ctx.plan.broker_messages
        } else {
            ctx.plan.a_messages
        };
        let home = if system.is_lossy() {
            A_LOSSY
        } else {
            A_RELIABLE
        };
        let shape = (count, 100, 1);
        let Some(outcome) = run_system(ctx, results, (home, A_RATE), system, shape) else {
            continue;
        };
        let label = system.label(1);
        let rate = outcome.messages_per_second();
        let ours = system.is_liner();
        results.add(key(home, label, A_RATE), ours, Better::Higher, rate);
        if system.is_lossy() {
            let loss = outcome.loss_percent();
            results.add(key(home, label, "loss %"), ours, Better::Lower, loss);
        }
        record_cpu(results, home, system, &outcome, (1, true));
        match system {
            System::LinerAtLeastOnce => {
                let per_message = |allocs: u64| allocs as f64 / outcome.delivered as f64;
                let e = "E allocations and memory";
                let send = per_message(outcome.send_allocs);
                let recv = per_message(outcome.recv_allocs);
                results.add(
                    key(e, label, "send path allocs/msg"),
                    true,
                    Better::Lower,
                    send,
                );
                results.add(
                    key(e, label, "receive path allocs/msg"),
                    true,
                    Better::Lower,
                    recv,
                );
            }
            // The brokerless and Redis alternatives are compared with both liner modes.
            System::ZmqPushPullMatched
            | System::ZmqPushPullDefault
            | System::RedisPubSub
            | System::RedisList => {
                results.add(key(A_LOSSY, label, A_RATE), false, Better::Higher, rate);
            }
            _ => {}
        }
    }
}

/// Workload F (1 KiB and 64 KiB payloads, MB/s), one run.
pub fn workload_f(ctx: &mut Ctx, results: &mut Results) {
    const RATE: &str = "delivered MB/s";
    for (size, count) in ctx.plan.f_cases.clone() {
        let section = format!("F {} KiB 1→1 at-least-once", size / 1024);
        let systems = ctx.in_run_order(&[
            System::LinerAtLeastOnce,
            System::ZmqPushPullMatched,
            System::ZmqPushPullDefault,
            System::RedisPubSub,
            System::RedisList,
        ]);
        for system in systems {
            let shape = (count, size, 1);
            if let Some(outcome) = run_system(ctx, results, (&section, RATE), system, shape) {
                let mb_per_s = outcome.messages_per_second() * size as f64 / 1e6;
                let row = key(&section, system.label(1), RATE);
                results.add(row, system.is_liner(), Better::Higher, mb_per_s);
                record_cpu(results, &section, system, &outcome, (1, false));
            }
        }
    }
}

/// Workload C (fan-out to `c_listeners` processes), one run.
pub fn workload_c(ctx: &mut Ctx, results: &mut Results) {
    const RATE: &str = "aggregate delivered msg/s";
    let listeners = ctx.plan.c_listeners;
    let section = format!("C 100 B fan-out 1→{listeners}");
    let shape = (ctx.plan.c_messages, 100, listeners);
    let systems = ctx.in_run_order(&[
        System::LinerAtLeastOnce,
        System::ZmqPubSub,
        System::RedisPubSub,
    ]);
    for system in systems {
        if let Some(outcome) = run_system(ctx, results, (&section, RATE), system, shape) {
            let row = key(&section, system.label(listeners), RATE);
            let rate = outcome.messages_per_second();
            results.add(row, system.is_liner(), Better::Higher, rate);
            record_cpu(results, &section, system, &outcome, (listeners, false));
        }
    }
}
