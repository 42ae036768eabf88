//! Taking part in the mesh with a real client: `send` (one message from a short-lived
//! client that stops before exiting, so what is unacknowledged gets parked, not lost) and
//! `listen` (a listener of the topic that prints what it receives).

use std::io::{Read, Write};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use liner_broker::{Client, Redeliver};
use serde::Serialize;

use crate::args::{Cli, ListenArgs, SendArgs, client_config, default_name};
use crate::failure::{Failure, Outcome};
use crate::render::print_json;

/// Longest wait for the listener's connection before `stop` parks the message for it.
const CONNECT_WAIT: Duration = Duration::from_secs(2);
/// Time for the acknowledgement of a message written to a connected listener.
const ACK_GRACE: Duration = Duration::from_millis(100);

/// The sending client's own topic: it listens on it while it runs (a client always does).
const SENDER_TOPIC: &str = "liner-cli";

#[derive(Serialize)]
struct SendReport {
    topic: String,
    bytes: usize,
    at_least_once: bool,
    accepted: bool,
    /// Messages of this sender parked in Redis after it stopped, per listener.
    parked: Vec<(String, u64)>,
}

fn read_message(arg: &str) -> Result<Vec<u8>, Failure> {
    if arg != "-" {
        return Ok(arg.as_bytes().to_vec());
    }
    let mut bytes = Vec::new();
    std::io::stdin()
        .read_to_end(&mut bytes)
        .map_err(|e| Failure(format!("reading the message from stdin: {e}")))?;
    Ok(bytes)
}

pub fn send(cli: &Cli, args: &SendArgs) -> Outcome {
    let payload = read_message(&args.message)?;
    let name = args.name.clone().unwrap_or_else(default_name);
    let client = Client::open(
        &name,
        SENDER_TOPIC,
        &args.bind,
        cli.redis_url()?,
        client_config(),
    )?;
    client.try_run(|_, _, _| {})?;
    let at_least_once = !args.best_effort;
    let sent = client.try_send_to(&args.topic, &payload, at_least_once);
    if sent.is_ok() {
        settle(&client);
    }
    let stopped = client.try_stop();
    sent.map_err(|e| Failure(format!("message to '{}' not accepted: {e}", args.topic)))?;
    stopped.map_err(|e| Failure(format!("message to '{}' not handed over: {e}", args.topic)))?;
    let parked: Vec<(String, u64)> = client
        .try_pending_by_peer()?
        .into_iter()
        .map(|b| (b.listener_unique, b.count))
        .collect();
    let report = SendReport {
        topic: args.topic.clone(),
        bytes: payload.len(),
        at_least_once,
        accepted: true,
        parked,
    };
    if cli.json {
        print_json(&report);
        return Ok(());
    }
    let mode = if at_least_once {
        "at-least-once"
    } else {
        "best-effort"
    };
    println!(
        "accepted: {} bytes to '{}' ({mode}) as {name}",
        report.bytes, report.topic
    );
    if report.parked.is_empty() {
        let how = if at_least_once {
            "delivered"
        } else {
            "sent (or dropped, best-effort)"
        };
        println!("{how}: nothing of {name} is parked in Redis");
    }
    for (listener, count) in &report.parked {
        println!(
            "parked in Redis for {listener} (away): {count} message(s); a parked message is \
             delivered by its sender, so run a sender named {name} again (liner send --name \
             {name} ...) once {listener} is back"
        );
    }
    Ok(())
}

/// Gives a message to a reachable listener the time to be handed over and acknowledged
/// before `stop`, which parks whatever is still unacknowledged — and a message parked by a
/// sender that never runs again waits for it forever. The library has no "flush": waits
/// until every listener this client sends to is connected (at most [`CONNECT_WAIT`]), then
/// [`ACK_GRACE`] for the acknowledgement. A listener that is away stays unconnected, and
/// its message is parked for it by `stop`.
fn settle(client: &Client) {
    let deadline = Instant::now() + CONNECT_WAIT;
    while Instant::now() < deadline {
        let stats = client.stats();
        if stats.peers_known > 0 && stats.peers_connected == stats.peers_known {
            std::thread::sleep(ACK_GRACE);
            return;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

pub fn listen(cli: &Cli, args: &ListenArgs) -> Outcome {
    let name = args.name.clone().unwrap_or_else(default_name);
    let client = Client::open(
        &name,
        &args.topic,
        &args.bind,
        cli.redis_url()?,
        client_config(),
    )?;
    let (tx, rx) = mpsc::channel::<(String, Vec<u8>)>();
    let mut taken = 0u64;
    let wanted = args.count;
    // Beyond --count a message is refused, not acknowledged: it stays with its sender
    // (delivered again, to another listener or later) instead of being lost here.
    client.try_run_fallible(move |_, from, payload| {
        if wanted.is_some_and(|n| taken >= n) {
            return Err(Redeliver);
        }
        taken += 1;
        let _ = tx.send((from.to_string(), payload.to_vec()));
        Ok(())
    })?;
    eprintln!(
        "liner: listening on '{}' as {name} at {}: this joins the topic as a listener, so \
         it receives a share of the messages (those do not reach the other listeners)",
        args.topic,
        client.published_addr().unwrap_or_default()
    );
    let mut printed = 0u64;
    let mut out = std::io::stdout().lock();
    while args.count.is_none_or(|n| printed < n) {
        let Ok((from, payload)) = rx.recv() else {
            break;
        };
        let shown = if args.hex {
            payload
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect::<String>()
        } else {
            String::from_utf8_lossy(&payload).replace('\n', "\\n")
        };
        let line = if cli.json {
            serde_json::json!({ "from_topic": from, "payload": shown }).to_string()
        } else {
            format!("{from}\t{shown}")
        };
        if writeln!(out, "{line}").and_then(|()| out.flush()).is_err() {
            break; // stdout closed (| head): stop listening.
        }
        printed += 1;
    }
    client.try_stop()?;
    Ok(())
}
