//! `bench`: a quick throughput and latency run through the library's real send path.
//!
//! Self-contained (the default): a listener client on a topic of its own and a sender
//! client, both in this process. Every payload starts with its sequence number and its
//! send time (nanoseconds since the run began, on this process's monotonic clock), so the
//! listener measures each message's latency and checks that none is lost, repeated or out
//! of order. With `--topic` the messages go to an existing topic's listeners elsewhere: only
//! the send rate is measured.
//!
//! The progress bar (indicatif) draws on stderr only when stdout is a terminal and the
//! output is not JSON.

use std::io::IsTerminal;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};
use liner_broker::Client;
use serde::Serialize;

use crate::args::{BenchArgs, Cli, client_config};
use crate::failure::{Failure, Outcome};
use crate::render::{millis, print_json};

/// Bytes of the header every payload starts with: sequence number, send time.
const HEADER: usize = 16;
/// How long the listener may take to receive the rest once everything is sent.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(30);

#[derive(Serialize, Default)]
struct Summary {
    topic: String,
    self_contained: bool,
    messages: u64,
    size: usize,
    at_least_once: bool,
    seconds: f64,
    msgs_per_sec: f64,
    mb_per_sec: f64,
    /// Send to delivery, self-contained only.
    p50_us: Option<u64>,
    p99_us: Option<u64>,
    received: u64,
    lost: u64,
    duplicates: u64,
    out_of_order: u64,
}

/// What the listener saw, in arrival order.
struct Arrival {
    seq: u64,
    latency: Duration,
}

pub fn bench(cli: &Cli, args: &BenchArgs) -> Outcome {
    if args.size < HEADER {
        return Err(Failure(format!(
            "--size must be at least {HEADER} bytes (sequence number and send time)"
        )));
    }
    if args.messages == 0 {
        return Err(Failure("--messages must be at least 1".into()));
    }
    let url = cli.redis_url()?;
    let pid = std::process::id();
    let started = Instant::now();
    let (topic, listener, arrivals) = match &args.topic {
        Some(topic) => (topic.clone(), None, None),
        None => {
            let topic = format!("liner-bench-{pid}");
            let listener = Client::open(
                &format!("liner-bench-listener-{pid}"),
                &topic,
                "127.0.0.1:0",
                url,
                client_config(),
            )?;
            let (tx, rx) = mpsc::channel();
            listener.try_run(move |_, _, payload| {
                let seq = u64::from_le_bytes(payload[..8].try_into().expect("8 bytes"));
                let sent = Duration::from_nanos(u64::from_le_bytes(
                    payload[8..16].try_into().expect("8 bytes"),
                ));
                let _ = tx.send(Arrival {
                    seq,
                    latency: started.elapsed().saturating_sub(sent),
                });
            })?;
            (topic, Some(listener), Some(rx))
        }
    };
    let sender = Client::open(
        &format!("liner-bench-sender-{pid}"),
        &format!("liner-bench-out-{pid}"),
        "127.0.0.1:0",
        url,
        client_config(),
    )?;
    sender.try_run(|_, _, _| {})?;
    let bar = progress_bar(cli, args.messages);
    let mut payload = vec![0u8; args.size];
    let at_least_once = !args.best_effort;
    let t0 = Instant::now();
    for seq in 1..=args.messages {
        payload[..8].copy_from_slice(&seq.to_le_bytes());
        let now = u64::try_from(started.elapsed().as_nanos()).unwrap_or(u64::MAX);
        payload[8..16].copy_from_slice(&now.to_le_bytes());
        sender
            .try_send_to(&topic, &payload, at_least_once)
            .map_err(|e| Failure(format!("message {seq} to '{topic}' not accepted: {e}")))?;
        if seq % 256 == 0 {
            bar.set_position(seq);
        }
    }
    let mut summary = Summary {
        topic,
        self_contained: listener.is_some(),
        messages: args.messages,
        size: args.size,
        at_least_once,
        ..Summary::default()
    };
    let mut latencies = Vec::new();
    if let Some(rx) = arrivals {
        check_arrivals(&rx, &mut summary, &mut latencies);
    }
    let elapsed = t0.elapsed();
    bar.finish_and_clear();
    sender.try_stop()?;
    if let Some(listener) = listener {
        listener.try_stop()?;
    }
    summarise(&mut summary, elapsed, &mut latencies);
    if cli.json {
        print_json(&summary);
    } else {
        print_summary(&summary);
    }
    let broken = summary.lost + summary.duplicates + summary.out_of_order;
    if summary.self_contained && broken > 0 {
        return Err(Failure(format!(
            "delivery check failed: {} lost, {} duplicated, {} out of order",
            summary.lost, summary.duplicates, summary.out_of_order
        )));
    }
    Ok(())
}

fn progress_bar(cli: &Cli, total: u64) -> ProgressBar {
    if cli.json || !std::io::stdout().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(total);
    let style = ProgressStyle::with_template("{bar:40} {pos}/{len} messages  {per_sec}  eta {eta}")
        .expect("the template is valid");
    bar.set_style(style);
    bar
}

/// Receives until every message arrived (or the drain timeout), checking the sequence.
fn check_arrivals(
    rx: &mpsc::Receiver<Arrival>,
    summary: &mut Summary,
    latencies: &mut Vec<Duration>,
) {
    let mut seen = vec![false; usize::try_from(summary.messages + 1).unwrap_or(usize::MAX)];
    let mut last = 0u64;
    let deadline = Instant::now() + DRAIN_TIMEOUT;
    while summary.received < summary.messages {
        let Ok(arrival) = rx.recv_timeout(deadline.saturating_duration_since(Instant::now()))
        else {
            break;
        };
        let slot = usize::try_from(arrival.seq)
            .ok()
            .and_then(|i| seen.get_mut(i));
        match slot {
            Some(seen) if !*seen => *seen = true,
            _ => {
                summary.duplicates += 1;
                continue;
            }
        }
        if arrival.seq < last {
            summary.out_of_order += 1;
        }
        last = arrival.seq;
        summary.received += 1;
        latencies.push(arrival.latency);
    }
    summary.lost = summary.messages - summary.received;
}

fn summarise(summary: &mut Summary, elapsed: Duration, latencies: &mut [Duration]) {
    let secs = elapsed.as_secs_f64().max(1e-9);
    summary.seconds = secs;
    summary.msgs_per_sec = summary.messages as f64 / secs;
    summary.mb_per_sec = (summary.messages as f64 * summary.size as f64) / secs / 1e6;
    latencies.sort_unstable();
    let percentile = |p: usize| {
        let i = (latencies.len() * p / 100).min(latencies.len().saturating_sub(1));
        latencies
            .get(i)
            .map(|d| u64::try_from(d.as_micros()).unwrap_or(u64::MAX))
    };
    summary.p50_us = percentile(50);
    summary.p99_us = percentile(99);
}

fn print_summary(s: &Summary) {
    let mode = if s.at_least_once {
        "at-least-once"
    } else {
        "best-effort"
    };
    println!(
        "{} messages of {} bytes to '{}' ({mode}) in {:.2}s",
        s.messages, s.size, s.topic, s.seconds
    );
    println!("  {:.0} msg/s, {:.2} MB/s", s.msgs_per_sec, s.mb_per_sec);
    if !s.self_contained {
        println!("  (send rate only: the listeners are elsewhere)");
        return;
    }
    let us = |v: Option<u64>| v.map_or("-".into(), |v| millis(Duration::from_micros(v)));
    println!("  latency p50 {}, p99 {}", us(s.p50_us), us(s.p99_us));
    println!(
        "  received {} of {}: {} lost, {} duplicated, {} out of order",
        s.received, s.messages, s.lost, s.duplicates, s.out_of_order
    );
}
