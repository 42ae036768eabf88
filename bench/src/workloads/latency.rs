//! Workload B: ping-pong round trips of 100-byte messages between two processes, the
//! reply sent from inside the receive callback (liner, at-least-once) or by a REP socket
//! (ZeroMQ REQ/REP). Percentiles in microseconds; warm-up round trips are not counted.

use std::time::Duration;

use crate::cast::Cast;
use crate::error::BenchResult;
use crate::report::Report;
use crate::results::{Better, Results, RowKey};
use crate::workloads::flow::RoleSpec;
use crate::workloads::{Ctx, measure};

const SECTION: &str = "B 100 B ping-pong round trip";
const PERCENTILES: [(&str, &str); 4] = [
    ("p50", "p50 µs"),
    ("p90", "p90 µs"),
    ("p99", "p99 µs"),
    ("p999", "p99.9 µs"),
];

/// Starts the responder, then the pinger, and returns the pinger's `rtt` report.
fn ping_pong(ctx: &Ctx, responder: RoleSpec, mut pinger: RoleSpec) -> BenchResult<Report> {
    let plan = &ctx.plan;
    let timeout = Duration::from_secs(60) + Duration::from_millis(plan.b_rounds);
    let mut cast: Cast = ctx.cast();
    let pong = cast.spawn("responder", responder.role, &responder.args)?;
    let ready = cast.expect(pong, "ready", timeout)?;
    pinger.args.extend([
        ("rounds", plan.b_rounds.to_string()),
        ("warm", plan.b_warm.to_string()),
        ("size", "100".to_string()),
        ("eps", ready.text("ep").unwrap_or_default().to_string()),
    ]);
    let ping = cast.spawn("pinger", pinger.role, &pinger.args)?;
    let rtt = cast.expect(ping, "rtt", timeout)?;
    cast.send(ping, "exit")?;
    cast.send(pong, "exit")?;
    Ok(rtt)
}

fn liner_roles(ctx: &mut Ctx) -> (RoleSpec, RoleSpec) {
    let (ping_topic, pong_topic) = (ctx.name("ping"), ctx.name("pong"));
    let url = ctx.url.clone();
    let responder = RoleSpec {
        role: "liner-pong",
        args: vec![
            ("url", url.clone()),
            ("name", ctx.name("ponger")),
            ("topic", pong_topic.clone()),
            ("dest", ping_topic.clone()),
            ("alo", "1".into()),
        ],
    };
    let pinger = RoleSpec {
        role: "liner-ping",
        args: vec![
            ("url", url),
            ("name", ctx.name("pinger")),
            ("topic", ping_topic),
            ("dest", pong_topic),
            ("alo", "1".into()),
        ],
    };
    (responder, pinger)
}

fn zmq_roles() -> (RoleSpec, RoleSpec) {
    let role = |role| RoleSpec { role, args: vec![] };
    (role("zmq-rep"), role("zmq-req"))
}

/// Workload B, one run.
pub fn workload_b(ctx: &mut Ctx, results: &mut Results) {
    let systems = [("liner at-least-once", true), ("ZeroMQ REQ/REP", false)];
    for (system, ours) in ctx.in_run_order(&systems) {
        let what = format!("{SECTION} / {system}");
        let rtt = measure(ctx, results, &what, |ctx| {
            let (responder, pinger) = if ours { liner_roles(ctx) } else { zmq_roles() };
            ping_pong(ctx, responder, pinger)
        });
        let Some(rtt) = rtt else { continue };
        let mut line = format!("[bench] {what}:");
        for (field, metric) in PERCENTILES {
            match rtt.number(field) {
                Ok(ns) => {
                    let micros = ns as f64 / 1000.0;
                    line.push_str(&format!(" {field} {micros:.1} µs"));
                    let key = RowKey {
                        section: SECTION.to_string(),
                        system: system.to_string(),
                        metric,
                    };
                    results.add(key, ours, Better::Lower, micros);
                }
                Err(e) => results.fail(&what, &e),
            }
        }
        eprintln!("{line}");
    }
}
