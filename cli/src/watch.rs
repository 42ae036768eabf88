//! `watch`: the events channel, live. The library's own subscriber (which resubscribes
//! after a Redis outage) hands each peer event to this loop, which prints it as a line.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use liner_broker::store::EventNote;

use crate::args::{Cli, WatchArgs, seconds};
use crate::failure::Outcome;
use crate::render::now_unix_ms;

/// How often the subscriber checks whether to stop.
const POLL: Duration = Duration::from_millis(100);

pub fn watch(cli: &Cli, args: &WatchArgs) -> Outcome {
    let store = cli.store()?;
    let subscriber = store.event_subscriber();
    let stop = Arc::new(AtomicBool::new(false));
    if let Some(timeout) = args.timeout {
        let timeout = seconds(timeout, "--timeout")?;
        let stop = Arc::clone(&stop);
        std::thread::spawn(move || {
            std::thread::sleep(timeout);
            stop.store(true, Ordering::Release);
        });
    }
    let mut seen = 0u64;
    subscriber.run(&stop, POLL, |note| match note {
        EventNote::Subscribed => eprintln!("liner: watching peer events (db {})", store.db()),
        EventNote::Lost(e) => eprintln!("liner: events subscription lost, retrying: {e}"),
        EventNote::Event(event) => {
            if cli.json {
                // One JSON object per line, as events come.
                let line = serde_json::json!({
                    "at_unix_ms": now_unix_ms(),
                    "kind": event.kind.as_str(),
                    "topic": event.topic,
                    "addr": event.addr,
                    "unique_name": event.unique_name,
                });
                println!("{line}");
            } else {
                println!(
                    "{:<12} {}  {}  {}",
                    event.kind.as_str(),
                    event.topic,
                    event.addr,
                    event.unique_name
                );
            }
            seen += 1;
            if args.count.is_some_and(|n| seen >= n) {
                stop.store(true, Ordering::Release);
            }
        }
    });
    Ok(())
}
