//! Workload D: an at-least-once burst to a registered listener that has stopped. The
//! sender learns the listener's address while it runs (warm-up), the listener `stop`s,
//! the burst goes out and parks in Redis; then the listener runs again and the backlog
//! drains. Measured: time until Redis holds the whole burst, the sender's resident memory
//! before and after (peak), the drain time and rate; checked: every message arrived
//! exactly once, in order.
//!
//! Dc: the same burst with liner's store on a private Redis Cluster of 3 masters with one
//! replica each. liner's default `ParkDurability::Auto` then confirms every parked chunk
//! (at most 1000 frames) with `WAIT 1`, so this measures that too.

use std::time::Duration;

use crate::clock::seconds_between;
use crate::error::BenchResult;
use crate::report::Report;
use crate::results::{Better, Results, RowKey};
use crate::workloads::{Ctx, measure};

/// What one burst measured.
struct Burst {
    parked: Report,
    resumed_at: u64,
    done: Report,
}

/// Pause between the end of warm-up and stopping the listener, so warm-up acks arrive.
const ACK_SETTLE: Duration = Duration::from_millis(200);

/// Section of Dc.
const CLUSTER_SECTION: &str = "D cluster (3 masters + 3 replicas, WAIT 1)";

fn burst(ctx: &mut Ctx, url: String) -> BenchResult<Burst> {
    let count = ctx.plan.d_messages;
    let timeout = Duration::from_secs(60) + Duration::from_micros(count * 200);
    let topic = ctx.name("parked");
    let common = [
        ("url", url),
        ("n", count.to_string()),
        ("warm", ctx.plan.warm.to_string()),
        ("size", "100".to_string()),
    ];
    let mut listener_args = vec![("name", ctx.name("rx")), ("topic", topic.clone())];
    listener_args.extend(common.iter().cloned());
    let mut sender_args = vec![
        ("name", ctx.name("tx")),
        ("topic", ctx.name("txtopic")),
        ("dest", topic),
        ("alo", "1".to_string()),
        ("all", "0".to_string()),
    ];
    sender_args.extend(common.iter().cloned());

    let mut cast = ctx.cast();
    let listener = cast.spawn("listener", "liner-recv", &listener_args)?;
    cast.expect(listener, "ready", timeout)?;
    let sender = cast.spawn("burst sender", "liner-burst", &sender_args)?;
    cast.expect(listener, "warm", timeout)?;
    cast.send(sender, "hold")?;
    std::thread::sleep(ACK_SETTLE);
    cast.send(listener, "pause")?;
    cast.expect(listener, "paused", timeout)?;
    cast.send(sender, "go")?;
    let parked = cast.expect(sender, "parked", timeout)?;
    cast.send(listener, "resume")?;
    let resumed_at = cast.expect(listener, "resumed", timeout)?.number("t")?;
    let done = cast.expect(listener, "done", timeout)?;
    cast.send(sender, "exit")?;
    cast.send(listener, "exit")?;
    Ok(Burst {
        parked,
        resumed_at,
        done,
    })
}

/// Workload D, one run.
pub fn workload_d(ctx: &mut Ctx, results: &mut Results) {
    let count = ctx.plan.d_messages;
    let section = format!("D offline burst of {count}, at-least-once");
    let url = ctx.url.clone();
    if let Some(b) = measure(ctx, results, &section, |ctx| burst(ctx, url)) {
        record(results, &section, count, &b);
    }
}

/// Workload Dc (D on a Redis Cluster, started on first use), one run.
pub fn workload_d_cluster(ctx: &mut Ctx, results: &mut Results) {
    let count = ctx.plan.d_messages;
    let section = format!("{CLUSTER_SECTION}, offline burst of {count}");
    let url = match ctx.cluster_url() {
        Ok(url) => url,
        Err(e) => return results.fail(&section, &e),
    };
    let outcome = (|| {
        let waits_before = ctx.cluster_wait_calls()?;
        let b = burst(ctx, url)?;
        Ok((b, ctx.cluster_wait_calls()? - waits_before))
    })();
    if let Err(e) = ctx.reset_cluster() {
        results.fail("resetting the redis cluster", &e);
    }
    match outcome {
        Ok((b, waits)) => {
            record(results, &section, count, &b);
            eprintln!("[bench] {section}: the masters served {waits} WAIT commands");
            let key = RowKey {
                section: section.clone(),
                system: "liner at-least-once".to_string(),
                metric: "WAIT commands served by the masters",
            };
            results.add(key, true, Better::Lower, waits as f64);
        }
        Err(e) => results.fail(&section, &e),
    }
}

/// Checks a burst and adds its numbers to `section`.
fn record(results: &mut Results, section: &str, count: u64, b: &Burst) {
    let system = "liner at-least-once";
    let numbers = (|| -> BenchResult<[(&'static str, Better, f64); 6]> {
        let p = &b.parked;
        let park_s = seconds_between(p.number("t0")?, p.number("t_parked")?);
        let growth_mib = (p.number("hwm_after")? as f64 - p.number("rss_before")? as f64) / 1024.0;
        let drain_s = seconds_between(b.resumed_at, b.done.number("last")?);
        let delivered = b.done.number("count")?;
        results.check(
            &format!("{section}: every message arrived once, in order"),
            delivered == count && b.done.number("gaps")? == 0 && b.done.number("regressions")? == 0,
            || b.done.rest.clone(),
        );
        Ok([
            ("time until all parked in Redis, s", Better::Lower, park_s),
            ("parking rate msg/s", Better::Higher, count as f64 / park_s),
            ("sender peak RSS growth MiB", Better::Lower, growth_mib),
            (
                "sender peak RSS after MiB",
                Better::Lower,
                p.number("hwm_after")? as f64 / 1024.0,
            ),
            ("drain time after listener start, s", Better::Lower, drain_s),
            (
                "drain rate msg/s",
                Better::Higher,
                delivered as f64 / drain_s,
            ),
        ])
    })();
    match numbers {
        Ok(rows) => {
            let mut line = format!("[bench] {section}:");
            for (metric, better, value) in rows {
                line.push_str(&format!(" {metric} {value:.2};"));
                let key = RowKey {
                    section: section.to_string(),
                    system: system.to_string(),
                    metric,
                };
                results.add(key, true, better, value);
            }
            eprintln!("{line}");
        }
        Err(e) => results.fail(section, &e),
    }
}
