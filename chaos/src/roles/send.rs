//! The sender child: one incarnation of a sender unique name. Sends message n = 1, 2, … of
//! its incarnation to the listener topic, at-least-once, at `rate` messages per second
//! (0 = as fast as `send_to` returns), until `count` were accepted or SIGUSR1 came.
//! A `send_to` that fails is retried with the same n, so the accepted numbers are exactly
//! `1..=done` and each one is appended to the accepted log right after `Ok`.
//!
//! Arguments: `url unique topic to stream inc record`, optionally `count` (default: until
//! SIGUSR1), `rate` (default 0), `cfg.*` overrides and `secret_file`. Prints `ready`, then
//! `done <accepted> errors=<failed send_to calls> <status counts>`, then on SIGTERM
//! `stopped ms=<stop time> result=<ok|abandoned=N|err=…> abandoned=<stats> <status counts>`,
//! where the status counts are `protocol=… unauthorized=… limited=… disconnected=…`
//! (status reports so far; `disconnected` counts broken outbound connections).

use std::path::Path;
use std::time::{Duration, Instant};

use liner_broker::{Client, Error};

use super::{Args, finishing, run_error, stop_result, terminating, watch_status};
use crate::payload;
use crate::records::Appender;

pub fn run(args: &Args) -> Result<(), String> {
    let config = args.config()?;
    let client = Client::open(
        args.text("unique")?,
        args.text("topic")?,
        "127.0.0.1:0",
        args.text("url")?,
        config,
    )
    .map_err(|e| format!("open: {e}"))?;
    let status = watch_status(&client);
    let to = args.text("to")?.to_string();
    let stream = u32::try_from(args.num("stream", 1)?).map_err(|_| "stream too large")?;
    let inc = u32::try_from(args.num("inc", 1)?).map_err(|_| "inc too large")?;
    let count = args.opt("count").map(str::parse::<u32>).transpose();
    let count = count
        .map_err(|_| "count is not a number")?
        .unwrap_or(u32::MAX);
    let rate = args.num("rate", 0)?;
    let mut accepted = Appender::open(Path::new(args.text("record")?))
        .map_err(|e| format!("opening the accepted log: {e}"))?;
    client.try_run(|_, _, _| {}).map_err(|e| run_error(&e))?;
    println!("ready");

    let started = Instant::now();
    let mut buf = [0u8; payload::LEN];
    let mut n: u32 = 1;
    let mut errors = 0u64;
    let mut last_error = String::new();
    while n <= count && !finishing() {
        if rate > 0 {
            let due = started + Duration::from_secs_f64(f64::from(n - 1) / rate as f64);
            let now = Instant::now();
            if due > now {
                std::thread::sleep((due - now).min(Duration::from_millis(20)));
                continue;
            }
        }
        let seq = payload::seq(inc, n);
        payload::encode(stream, seq, &mut buf);
        match client.try_send_to(&to, &buf, true) {
            Ok(()) => {
                accepted
                    .accepted(seq)
                    .map_err(|e| format!("writing the accepted log: {e}"))?;
                n += 1;
            }
            Err(e) => {
                errors += 1;
                let text = e.to_string();
                if text != last_error {
                    eprintln!("liner-chaos sender: send_to failed (retrying): {text}");
                    last_error = text;
                }
                if matches!(e, Error::NoAddr(_)) {
                    let _ = client.try_refresh_address_topic(&to);
                }
                std::thread::sleep(Duration::from_millis(5));
            }
        }
    }
    println!("done {} errors={errors} {}", n - 1, status.line());

    while !terminating() {
        std::thread::sleep(Duration::from_millis(10));
    }
    let t0 = Instant::now();
    let result = client.try_stop();
    let ms = t0.elapsed().as_millis();
    println!(
        "stopped ms={ms} result={} abandoned={} {}",
        stop_result(&result),
        client.stats().abandoned,
        status.line()
    );
    Ok(())
}
