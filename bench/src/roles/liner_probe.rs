//! liner roles that probe one property: ping/pong round trips (the pong replies from
//! inside its receive callback), the RSS of an idle client, and the RSS a client gains per
//! connected peer (a hub talking to `k=` spoke clients hosted by one process).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;
use std::time::Duration;

use liner_broker::Client;

use crate::clock::monotonic_ns;
use crate::error::{BenchError, BenchResult};
use crate::memory::resident;
use crate::payload::{Payload, sent_ns_of};
use crate::report::Line;
use crate::role_io::{Args, Commands};
use crate::roles::latency::{LatencyProbe, report_round_trips};
use crate::roles::liner_flow::open_client;

/// Longest wait for the whole ping-pong series or a hub phase.
const PHASE_TIMEOUT: Duration = Duration::from_secs(300);
/// Settling time before an RSS reading (acks flow, threads park).
const SETTLE: Duration = Duration::from_millis(300);

/// A client that lives as long as the process, so callbacks can use it.
fn leaked_client(args: &Args) -> BenchResult<&'static Client> {
    Ok(Box::leak(Box::new(open_client(args)?)))
}

/// Echoes every message back to `dest=` from inside the receive callback.
pub fn pong(args: &Args, cmds: &Commands) -> BenchResult<()> {
    let client = leaked_client(args)?;
    let dest = args.text("dest")?.to_string();
    let at_least_once = args.flag("alo")?;
    let failures = Arc::new(AtomicU64::new(0));
    let counted = failures.clone();
    client.try_run(move |_, _, payload| {
        if client.try_send_to(&dest, payload, at_least_once).is_err() {
            counted.fetch_add(1, Ordering::Relaxed);
        }
    })?;
    Line::new("ready").emit();
    cmds.wait_for("exit")?;
    client.try_stop()?;
    match failures.load(Ordering::Relaxed) {
        0 => Ok(()),
        n => Err(BenchError::Transport(format!("{n} replies failed"))),
    }
}

/// Sends a ping to `dest=`; each pong's callback records the round trip (from the send
/// time inside the payload) and sends the next ping, `warm=` + `rounds=` times.
pub fn ping(args: &Args, cmds: &Commands) -> BenchResult<()> {
    let client = leaked_client(args)?;
    let dest = args.text("dest")?.to_string();
    let at_least_once = args.flag("alo")?;
    let mut payload = Payload::new(args.number("size")? as usize);
    let mut probe = Some(LatencyProbe::from_args(args)?);
    let (done_tx, done_rx) = mpsc::channel::<Result<LatencyProbe, String>>();
    let mut next_payload = Payload::new(args.number("size")? as usize);
    let mut seq = 1;
    let callback_dest = dest.clone();
    client.try_run(move |_, _, reply| {
        let Some(current) = probe.as_mut() else {
            return;
        };
        let now = monotonic_ns();
        current.record(now - sent_ns_of(reply).unwrap_or(now));
        if current.is_complete() {
            let _ = done_tx.send(Ok(probe.take().expect("present")));
            return;
        }
        seq += 1;
        let next = next_payload.stamp_timed(seq);
        if let Err(e) = client.try_send_to(&callback_dest, next, at_least_once) {
            probe = None;
            let _ = done_tx.send(Err(e.to_string()));
        }
    })?;
    client.try_send_to(&dest, payload.stamp_timed(1), at_least_once)?;
    let probe = done_rx
        .recv_timeout(PHASE_TIMEOUT)
        .map_err(|_| BenchError::Transport("ping-pong stalled".into()))?
        .map_err(BenchError::Transport)?;
    report_round_trips(probe, cmds)?;
    Ok(client.try_stop()?)
}

/// Reports `VmRSS` before creating a client and after it runs idle.
pub fn idle(args: &Args, cmds: &Commands) -> BenchResult<()> {
    let before = resident();
    let client = open_client(args)?;
    client.try_run(|_, _, _| {})?;
    std::thread::sleep(SETTLE);
    let after = resident();
    Line::new("idle")
        .field("rss_before", before.rss_kib)
        .field("rss_after", after.rss_kib)
        .emit();
    cmds.wait_for("exit")?;
    Ok(client.try_stop()?)
}

/// Sends `m=` at-least-once messages to `dest` from `client`.
fn send_many(client: &Client, dest: &str, count: u64, payload: &mut Payload) -> BenchResult<()> {
    for seq in 0..count {
        client.try_send_to(dest, payload.stamp(seq), true)?;
    }
    Ok(())
}

/// Waits until `counter` reaches `target`.
fn wait_count(counter: &AtomicU64, target: u64) -> BenchResult<()> {
    let deadline = monotonic_ns() + PHASE_TIMEOUT.as_nanos() as u64;
    while counter.load(Ordering::Relaxed) < target {
        if monotonic_ns() > deadline {
            return Err(BenchError::Transport(format!(
                "{} of {target} messages arrived",
                counter.load(Ordering::Relaxed)
            )));
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    Ok(())
}

/// The hub: reports RSS idle (`ready`), after `out` (sending `m=` messages to each of the
/// `spokes=` topics) and after `in` (receiving `m=` from each spoke).
pub fn hub(args: &Args, cmds: &Commands) -> BenchResult<()> {
    let client = open_client(args)?;
    let spokes = args.list("spokes")?;
    let per_peer = args.number("m")?;
    let received = Arc::new(AtomicU64::new(0));
    let counter = received.clone();
    client.try_run(move |_, _, _| {
        counter.fetch_add(1, Ordering::Relaxed);
    })?;
    let mut payload = Payload::new(args.number("size")? as usize);
    std::thread::sleep(SETTLE);
    Line::new("ready").field("rss", resident().rss_kib).emit();
    cmds.wait_for("out")?;
    for spoke in &spokes {
        send_many(&client, spoke, per_peer, &mut payload)?;
    }
    std::thread::sleep(SETTLE);
    Line::new("out").field("rss", resident().rss_kib).emit();
    cmds.wait_for("in")?;
    wait_count(&received, per_peer * spokes.len() as u64)?;
    std::thread::sleep(SETTLE);
    Line::new("in").field("rss", resident().rss_kib).emit();
    cmds.wait_for("exit")?;
    Ok(client.try_stop()?)
}

/// `k=` spoke clients (`name=`/`topic=` plus `_i`); each counts what it receives; on
/// `send` each sends `m=` messages to the hub topic `dest=`, then reports `spoke`s done.
pub fn spokes(args: &Args, cmds: &Commands) -> BenchResult<()> {
    let k = args.number("k")?;
    let per_peer = args.number("m")?;
    let dest = args.text("dest")?;
    let (name, topic, url) = (args.text("name")?, args.text("topic")?, args.text("url")?);
    let received = Arc::new(AtomicU64::new(0));
    let mut clients = Vec::new();
    for i in 0..k {
        let client = Client::open(
            &format!("{name}_{i}"),
            &format!("{topic}_{i}"),
            "127.0.0.1:0",
            url,
            liner_broker::Config::default(),
        )?;
        let counter = received.clone();
        client.try_run(move |_, _, _| {
            counter.fetch_add(1, Ordering::Relaxed);
        })?;
        clients.push(client);
    }
    Line::new("ready").emit();
    cmds.wait_for("send")?;
    wait_count(&received, per_peer * k)?;
    let mut payload = Payload::new(args.number("size")? as usize);
    for client in &clients {
        send_many(client, dest, per_peer, &mut payload)?;
    }
    Line::new("sent").emit();
    cmds.wait_for("exit")?;
    for client in &clients {
        client.try_stop()?;
    }
    Ok(())
}
