//! Throughput workloads. A: 100-byte messages, one sender → one listener, liner
//! at-least-once and best-effort against ZeroMQ PUSH/PULL, Redis Pub/Sub and a Redis List
//! queue (also the source of E's allocations per message). F: the same at 1 KiB and 64 KiB
//! (MB/s). C: fan-out to four listeners (liner `send_all`, ZeroMQ PUB/SUB, Redis Pub/Sub).

use crate::results::{Better, Results, RowKey};
use crate::workloads::flow::{FlowOutcome, FlowSpec, RoleSpec, run_flow};
use crate::workloads::{Ctx, measure};

/// The systems a throughput workload compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum System {
    LinerAtLeastOnce,
    LinerBestEffort,
    ZmqPushPull,
    ZmqPubSub,
    RedisPubSub,
    RedisList,
}

impl System {
    fn label(self, listeners: u64) -> &'static str {
        match self {
            System::LinerAtLeastOnce if listeners > 1 => "liner send_all, at-least-once",
            System::LinerAtLeastOnce => "liner at-least-once",
            System::LinerBestEffort => "liner best-effort",
            System::ZmqPushPull => "ZeroMQ PUSH/PULL",
            System::ZmqPubSub => "ZeroMQ PUB/SUB",
            System::RedisPubSub => "Redis Pub/Sub",
            System::RedisList => "Redis List RPUSH/LPOP",
        }
    }

    fn is_liner(self) -> bool {
        matches!(self, System::LinerAtLeastOnce | System::LinerBestEffort)
    }

    /// The flow measuring this system with `listeners` receivers.
    fn flow(self, ctx: &mut Ctx, count: u64, size: usize, listeners: u64) -> FlowSpec {
        let url = ctx.url.clone();
        let (sender, receivers) = match self {
            System::LinerAtLeastOnce | System::LinerBestEffort => {
                let topic = ctx.name("topic");
                let alo = u8::from(self == System::LinerAtLeastOnce);
                let sender = RoleSpec {
                    role: "liner-send",
                    args: vec![
                        ("url", url.clone()),
                        ("name", ctx.name("tx")),
                        ("topic", ctx.name("txtopic")),
                        ("dest", topic.clone()),
                        ("alo", alo.to_string()),
                        ("all", u8::from(listeners > 1).to_string()),
                    ],
                };
                let receivers = (0..listeners)
                    .map(|_| RoleSpec {
                        role: "liner-recv",
                        args: vec![
                            ("url", url.clone()),
                            ("name", ctx.name("rx")),
                            ("topic", topic.clone()),
                        ],
                    })
                    .collect();
                (sender, receivers)
            }
            System::ZmqPushPull | System::ZmqPubSub => {
                let (send_kind, recv_kind) = match self {
                    System::ZmqPushPull => ("push", "pull"),
                    _ => ("pub", "sub"),
                };
                let sender = RoleSpec {
                    role: "zmq-send",
                    args: vec![("kind", send_kind.to_string())],
                };
                let receivers = (0..listeners)
                    .map(|_| RoleSpec {
                        role: "zmq-recv",
                        args: vec![("kind", recv_kind.to_string())],
                    })
                    .collect();
                (sender, receivers)
            }
            System::RedisPubSub | System::RedisList => {
                let kind = if self == System::RedisList {
                    "list"
                } else {
                    "sub"
                };
                let key = ctx.name("key");
                // About 1 MB per round trip, at most 1000 messages.
                let batch = (1_000_000 / size).clamp(1, 1000);
                let sender = RoleSpec {
                    role: "redis-send",
                    args: vec![
                        ("kind", if kind == "sub" { "pub" } else { kind }.to_string()),
                        ("url", url.clone()),
                        ("key", key.clone()),
                        ("batch", batch.to_string()),
                    ],
                };
                let receivers = (0..listeners)
                    .map(|_| RoleSpec {
                        role: "redis-recv",
                        args: vec![
                            ("kind", kind.to_string()),
                            ("url", url.clone()),
                            ("key", key.clone()),
                        ],
                    })
                    .collect();
                (sender, receivers)
            }
        };
        FlowSpec {
            sender,
            receivers,
            count,
            size,
        }
    }
}

/// Runs one system's flow, printing a progress line; records a failure and the
/// completeness check.
fn run_system(
    ctx: &mut Ctx,
    results: &mut Results,
    section: &str,
    system: System,
    (count, size, listeners): (u64, usize, u64),
) -> Option<FlowOutcome> {
    let label = system.label(listeners);
    let what = format!("{section} / {label}");
    let outcome = measure(ctx, results, &what, |ctx| {
        let spec = system.flow(ctx, count, size, listeners);
        run_flow(ctx, spec)
    })?;
    eprintln!(
        "[bench] {what}: {:.0} msg/s, {} of {} delivered",
        outcome.messages_per_second(),
        outcome.delivered,
        outcome.expected
    );
    if system != System::LinerBestEffort {
        results.check(
            &format!("{section} / {label}: every message delivered once, in order"),
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

fn key(section: &str, system: &str, metric: &'static str) -> RowKey {
    RowKey {
        section: section.to_string(),
        system: system.to_string(),
        metric,
    }
}

/// Workload A (and E's allocation rows), one run.
pub fn workload_a(ctx: &mut Ctx, results: &mut Results) {
    const RATE: &str = "delivered msg/s";
    let reliable = "A 100 B 1→1 at-least-once";
    let lossy = "A 100 B 1→1 best-effort";
    let shape = (ctx.plan.a_messages, 100, 1);
    for system in [
        System::LinerAtLeastOnce,
        System::LinerBestEffort,
        System::ZmqPushPull,
        System::RedisPubSub,
        System::RedisList,
    ] {
        let section = if system == System::LinerBestEffort {
            lossy
        } else {
            reliable
        };
        let Some(outcome) = run_system(ctx, results, section, system, shape) else {
            continue;
        };
        let label = system.label(1);
        let rate = outcome.messages_per_second();
        match system {
            System::LinerAtLeastOnce => {
                results.add(key(reliable, label, RATE), true, Better::Higher, rate);
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
            System::LinerBestEffort => {
                results.add(key(lossy, label, RATE), true, Better::Higher, rate);
                let loss = outcome.loss_percent();
                results.add(key(lossy, label, "loss %"), true, Better::Lower, loss);
            }
            _ => {
                // The alternatives are compared with both liner modes.
                results.add(key(reliable, label, RATE), false, Better::Higher, rate);
                results.add(key(lossy, label, RATE), false, Better::Higher, rate);
            }
        }
    }
}

/// Workload F (1 KiB and 64 KiB payloads, MB/s), one run.
pub fn workload_f(ctx: &mut Ctx, results: &mut Results) {
    for (size, count) in ctx.plan.f_cases.clone() {
        let section = format!("F {} KiB 1→1 at-least-once", size / 1024);
        for system in [
            System::LinerAtLeastOnce,
            System::ZmqPushPull,
            System::RedisPubSub,
            System::RedisList,
        ] {
            let shape = (count, size, 1);
            if let Some(outcome) = run_system(ctx, results, &section, system, shape) {
                let mb_per_s = outcome.messages_per_second() * size as f64 / 1e6;
                let row = key(&section, system.label(1), "delivered MB/s");
                results.add(row, system.is_liner(), Better::Higher, mb_per_s);
            }
        }
    }
}

/// Workload C (fan-out to `c_listeners` processes), one run.
pub fn workload_c(ctx: &mut Ctx, results: &mut Results) {
    let listeners = ctx.plan.c_listeners;
    let section = format!("C 100 B fan-out 1→{listeners}");
    let shape = (ctx.plan.c_messages, 100, listeners);
    for system in [
        System::LinerAtLeastOnce,
        System::ZmqPubSub,
        System::RedisPubSub,
    ] {
        if let Some(outcome) = run_system(ctx, results, &section, system, shape) {
            let row = key(
                &section,
                system.label(listeners),
                "aggregate delivered msg/s",
            );
            let rate = outcome.messages_per_second();
            results.add(row, system.is_liner(), Better::Higher, rate);
        }
    }
}
