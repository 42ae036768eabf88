//! `ping`: for each listener of a topic, the library's probe (`liner_broker::ping_listener`)
//! connects, does the handshake — with the shared secret from LINER_SECRET, as clients do —
//! and times Ping/Pong round trips; the summary is min/avg/max per listener, like
//! `nats rtt`.
//!
//! A listener only answers Pings on an open channel, and channels are numbered in Redis,
//! so the probe uses a channel of its own per listener: sender `liner-cli`, topic
//! `lnr-ping` (allocated once, reused by every later ping). It never sends a message, so
//! the channel's cursor stays at 0.

use std::net::ToSocketAddrs;
use std::time::Duration;

use liner_broker::{ProbeIdentity, Secret, ping_listener};
use serde::Serialize;

use crate::args::{Cli, PingArgs, seconds};
use crate::failure::{Failure, Outcome};
use crate::render::{millis, print_json};

/// The probe's identity in the listeners' handshakes.
const PROBE_SENDER: &str = "liner-cli";
const PROBE_TOPIC: &str = "lnr-ping";

#[derive(Serialize)]
struct PingRow {
    addr: String,
    unique_name: String,
    live: bool,
    /// Round trips in microseconds, in the order measured.
    rtt_us: Vec<u64>,
    min_us: Option<u64>,
    avg_us: Option<u64>,
    max_us: Option<u64>,
    error: Option<String>,
}

pub fn ping(cli: &Cli, args: &PingArgs) -> Outcome {
    if args.count == 0 {
        return Err(Failure("-c must be at least 1".into()));
    }
    let timeout = seconds(args.timeout, "--timeout")?;
    let secret = Secret::from_env().map_err(Failure)?;
    let mut store = cli.store()?;
    let peers = store.peers(&args.topic)?;
    if peers.is_empty() {
        return Err(Failure(format!(
            "topic '{}' has no listener in the catalog; `liner topics` lists the topics",
            args.topic
        )));
    }
    let mut rows = Vec::new();
    for peer in peers {
        let ck = store.connection_key(PROBE_SENDER, PROBE_TOPIC, &peer.unique_name)?;
        let who = ProbeIdentity {
            sender: PROBE_SENDER,
            sender_topic: PROBE_TOPIC,
            listener: &peer.unique_name,
            connection_key: ck,
        };
        let measured = resolve(&peer.addr).and_then(|addr| {
            ping_listener(addr, who, secret.as_ref(), args.count, timeout)
                .map_err(|e| e.to_string())
        });
        rows.push(row(peer.addr, peer.unique_name, peer.live, measured));
    }
    let answered = rows.iter().any(|r| r.error.is_none());
    if cli.json {
        print_json(&rows);
    } else {
        for r in &rows {
            print_row(r);
        }
    }
    if answered {
        Ok(())
    } else {
        Err(Failure(format!("no listener of '{}' answered", args.topic)))
    }
}

fn resolve(addr: &str) -> Result<std::net::SocketAddr, String> {
    addr.to_socket_addrs()
        .ok()
        .and_then(|mut a| a.next())
        .ok_or_else(|| format!("cannot resolve {addr}"))
}

fn row(
    addr: String,
    unique_name: String,
    live: bool,
    measured: Result<Vec<Duration>, String>,
) -> PingRow {
    let (rtts, error) = match measured {
        Ok(rtts) => (rtts, None),
        Err(e) => (Vec::new(), Some(e)),
    };
    let us: Vec<u64> = rtts
        .iter()
        .map(|d| u64::try_from(d.as_micros()).unwrap_or(u64::MAX))
        .collect();
    let avg = (!rtts.is_empty()).then(|| rtts.iter().sum::<Duration>() / rtts.len() as u32);
    PingRow {
        addr,
        unique_name,
        live,
        min_us: us.iter().min().copied(),
        avg_us: avg.map(|d| u64::try_from(d.as_micros()).unwrap_or(u64::MAX)),
        max_us: us.iter().max().copied(),
        rtt_us: us,
        error,
    }
}

fn print_row(r: &PingRow) {
    let state = if r.live { "live" } else { "dead" };
    println!("{} ({}, {state}):", r.unique_name, r.addr);
    if let Some(e) = &r.error {
        println!("  error: {e}");
        return;
    }
    let us = |v: Option<u64>| millis(Duration::from_micros(v.unwrap_or(0)));
    println!(
        "  {} round trips: min/avg/max = {} / {} / {}",
        r.rtt_us.len(),
        us(r.min_us),
        us(r.avg_us),
        us(r.max_us)
    );
}
