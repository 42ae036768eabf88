//! Workload D: an at-least-once burst to a registered listener that has stopped. The
//! sender learns the listener's address while it runs (warm-up), the listener `stop`s,
//! the burst goes out and parks in Redis; then the listener runs again and the backlog
//! drains. Measured: time until Redis holds the whole burst, the sender's resident memory
//! before and after (peak), the drain time and rate; checked: every message arrived
//! exactly once, in order.

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

fn burst(ctx: &mut Ctx) -> BenchResult<Burst> {
    let count = ctx.plan.d_messages;
    let timeout = Duration::from_secs(60) + Duration::from_micros(count * 200);
    let topic = ctx.name("parked");
    let url = ctx.url.clone();
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
    let system = "liner at-least-once";
    let Some(b) = measure(ctx, results, &section, burst) else {
        return;
    };
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
                    section: section.clone(),
                    system: system.to_string(),
                    metric,
                };
                results.add(key, true, better, value);
            }
            eprintln!("{line}");
        }
        Err(e) => results.fail(&section, &e),
    }
}
