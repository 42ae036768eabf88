//! The listener child: runs one client on its topic and appends every receive-callback
//! call to the delivery log *before* returning (so a SIGKILL never loses a record of a
//! message the library may already have acknowledged).
//!
//! Arguments: `url unique topic bind record` and optionally `tag` (the listener number
//! written into each delivery record; 0 by default), `advertise`, `refuse_every=K`
//! and `panic_every=P` (the callback refuses with `Err(Redeliver)` the first time it sees a
//! message whose number n has n % K == 3, and panics the first time it sees one with
//! n % P == 5), plus `cfg.*` overrides and `secret_file`. Prints `ready <published addr>`,
//! on each SIGUSR1 `status protocol=… unauthorized=… limited=… disconnected=…` (status
//! reports counted so far) and on SIGTERM `stopped ms=<stop time> result=<…> delivered=…
//! refused=… panics=…`. A `run` refused because another live process holds the unique name
//! prints `duplicate-name …` and exits with [`super::EXIT_DUPLICATE_NAME`].
//!
//! Payloads are recorded as [`payload::classify`] reads them: chaos messages as processed
//! (or refused/panicked), the hostile suite's insider and forged payloads with outcomes of
//! their own, anything else as garbage.

use std::collections::HashSet;
use std::path::Path;
use std::time::{Duration, Instant};

use liner_broker::{Client, Redeliver};

use super::{Args, run_error, stop_result, take_usr1, terminating, watch_status};
use crate::payload;
use crate::records::{Appender, Delivery, Outcome};

pub fn run(args: &Args) -> Result<(), String> {
    let config = args.config()?;
    let client = Client::open(
        args.text("unique")?,
        args.text("topic")?,
        args.text("bind")?,
        args.text("url")?,
        config,
    )
    .map_err(|e| format!("open: {e}"))?;
    let status = watch_status(&client);
    if let Some(addr) = args.opt("advertise") {
        client
            .try_set_advertise_addr(Some(addr))
            .map_err(|e| format!("advertise: {e}"))?;
    }
    let mut log = Appender::open(Path::new(args.text("record")?))
        .map_err(|e| format!("opening the delivery log: {e}"))?;
    let refuse_every = args.num("refuse_every", 0)?;
    let panic_every = args.num("panic_every", 0)?;
    let listener = u16::try_from(args.num("tag", 0)?).map_err(|_| "tag too large")?;
    quiet_intended_panics();

    let started = if refuse_every == 0 && panic_every == 0 {
        client.try_run(move |_to, _from, bytes| {
            let (stream, seq, outcome) = classify(bytes);
            // A record that cannot be written must not be acknowledged: panicking refuses it.
            log.delivery(Delivery {
                stream,
                outcome,
                listener,
                seq,
            })
            .expect("writing the delivery log");
        })
    } else {
        let mut seen = HashSet::new();
        client.try_run_fallible(move |_to, _from, bytes| {
            let (stream, seq, outcome) = classify(bytes);
            let n = u64::from(payload::n_of(seq));
            let first = outcome == Outcome::Done && seen.insert(seq);
            let outcome = match () {
                _ if first && refuse_every > 0 && n % refuse_every == 3 => Outcome::Refused,
                _ if first && panic_every > 0 && n % panic_every == 5 => Outcome::Panicked,
                _ => outcome,
            };
            let written = log.delivery(Delivery {
                stream,
                outcome,
                listener,
                seq,
            });
            match outcome {
                _ if written.is_err() => Err(Redeliver),
                Outcome::Refused => Err(Redeliver),
                Outcome::Panicked => panic!("chaos: intended panic on {seq:#x}"),
                _ => Ok(()),
            }
        })
    };
    started.map_err(|e| run_error(&e))?;
    println!("ready {}", client.published_addr().unwrap_or_default());

    while !terminating() {
        if take_usr1() {
            println!("status {}", status.line());
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    let t0 = Instant::now();
    let result = client.try_stop();
    let ms = t0.elapsed().as_millis();
    let stats = client.stats();
    println!(
        "stopped ms={ms} result={} delivered={} refused={} panics={} duplicates={}",
        stop_result(&result),
        stats.delivered,
        stats.refused,
        stats.callback_panics,
        stats.duplicates
    );
    Ok(())
}

fn classify(bytes: &[u8]) -> (u32, u64, Outcome) {
    match payload::classify(bytes) {
        payload::Kind::Chaos(stream, seq) => (stream, seq, Outcome::Done),
        payload::Kind::Insider(id, n) => (id, n, Outcome::Insider),
        payload::Kind::Forged(n) => (0, n, Outcome::Forged),
        payload::Kind::Garbage => (0, 0, Outcome::Garbage),
    }
}

/// Intended panics print one short line instead of the default report.
fn quiet_intended_panics() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let text = info.to_string();
        if text.contains("chaos: intended panic") {
            eprintln!("liner-chaos listener: intended panic in the callback");
        } else {
            default(info);
        }
    }));
}
