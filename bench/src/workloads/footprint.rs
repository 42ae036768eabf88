//! Workload E's memory rows (its allocation rows come from workload A): the RSS an idle
//! running client adds to its process, and the RSS a client gains per connected peer — a
//! hub sending to `e_spokes` listeners (outbound peers), then receiving from them (inbound
//! connections), `e_per_spoke` 100-byte messages each way per peer so the buffers are
//! fully used.

use std::time::Duration;

use crate::error::BenchResult;
use crate::results::{Better, Results, RowKey};
use crate::workloads::{Ctx, measure};

const SECTION: &str = "E allocations and memory";
const SYSTEM: &str = "liner at-least-once";
const TIMEOUT: Duration = Duration::from_secs(120);

/// (RSS before the client, RSS with the client running idle), KiB.
fn idle(ctx: &mut Ctx) -> BenchResult<(u64, u64)> {
    let args = [
        ("url", ctx.url.clone()),
        ("name", ctx.name("idle")),
        ("topic", ctx.name("idletopic")),
    ];
    let mut cast = ctx.cast();
    let who = cast.spawn("idle client", "liner-idle", &args)?;
    let report = cast.expect(who, "idle", TIMEOUT)?;
    cast.send(who, "exit")?;
    Ok((report.number("rss_before")?, report.number("rss_after")?))
}

/// Hub RSS (KiB): idle, after sending to every spoke, after receiving from every spoke.
fn per_peer(ctx: &mut Ctx) -> BenchResult<[u64; 3]> {
    let plan = &ctx.plan;
    let (k, m) = (plan.e_spokes, plan.e_per_spoke);
    let (hub_topic, spoke_topic) = (ctx.name("hub"), ctx.name("spoke"));
    let url = ctx.url.clone();
    let spoke_topics: Vec<String> = (0..k).map(|i| format!("{spoke_topic}_{i}")).collect();
    let spokes_args = [
        ("url", url.clone()),
        ("name", ctx.name("spoke")),
        ("topic", spoke_topic),
        ("dest", hub_topic.clone()),
        ("k", k.to_string()),
        ("m", m.to_string()),
        ("size", "100".to_string()),
    ];
    let hub_args = [
        ("url", url),
        ("name", ctx.name("hub")),
        ("topic", hub_topic),
        ("spokes", spoke_topics.join(",")),
        ("m", m.to_string()),
        ("size", "100".to_string()),
    ];
    let mut cast = ctx.cast();
    let spokes = cast.spawn("spokes", "liner-spokes", &spokes_args)?;
    cast.expect(spokes, "ready", TIMEOUT)?;
    let hub = cast.spawn("hub", "liner-hub", &hub_args)?;
    let idle = cast.expect(hub, "ready", TIMEOUT)?.number("rss")?;
    cast.send(hub, "out")?;
    let out = cast.expect(hub, "out", TIMEOUT)?.number("rss")?;
    cast.send(spokes, "send")?;
    cast.send(hub, "in")?;
    let inbound = cast.expect(hub, "in", TIMEOUT)?.number("rss")?;
    cast.expect(spokes, "sent", TIMEOUT)?;
    cast.send(hub, "exit")?;
    cast.send(spokes, "exit")?;
    Ok([idle, out, inbound])
}

fn add(results: &mut Results, metric: &'static str, value: f64) {
    let key = RowKey {
        section: SECTION.to_string(),
        system: SYSTEM.to_string(),
        metric,
    };
    results.add(key, true, Better::Lower, value);
}

/// Workload E's memory rows, one run.
pub fn workload_e(ctx: &mut Ctx, results: &mut Results) {
    if let Some((before, after)) = measure(ctx, results, "E idle client", idle) {
        let client_mib = after.saturating_sub(before) as f64 / 1024.0;
        eprintln!("[bench] E idle client: +{client_mib:.2} MiB ({after} KiB process)");
        add(results, "idle client RSS (client's share) MiB", client_mib);
        add(
            results,
            "idle client process RSS MiB",
            after as f64 / 1024.0,
        );
    }
    let spokes = ctx.plan.e_spokes as f64;
    if let Some([idle, out, inbound]) = measure(ctx, results, "E per-peer RSS", per_peer) {
        let outbound_kib = out.saturating_sub(idle) as f64 / spokes;
        let inbound_kib = inbound.saturating_sub(out) as f64 / spokes;
        eprintln!(
            "[bench] E per peer: {outbound_kib:.0} KiB outbound, {inbound_kib:.0} KiB inbound"
        );
        add(results, "RSS per outbound peer KiB", outbound_kib);
        add(results, "RSS per inbound peer KiB", inbound_kib);
    }
}
