//! One sender, three subscribers of one topic: `send_all` reaches each of them with every
//! message exactly once.
//!
//! Run: `cargo run --release -p liner-p2p --example one_to_many [redis-url]`

#[path = "support/mod.rs"]
mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use liner_broker::Client;

const COUNT: usize = 500;
const LISTENERS: usize = 3;

fn main() {
    let redis = support::redis();
    let news = support::unique("news");
    let mut listeners = Vec::new();
    let mut counters = Vec::new();
    for i in 0..LISTENERS {
        let client = Client::new_redis(
            &support::unique(&format!("reader{i}")),
            &support::unique(&format!("reader{i}.inbox")),
            "127.0.0.1:0",
            &redis.url,
        )
        .expect("cannot reach Redis");
        assert!(client.subscribe(&news));
        let count = Arc::new(AtomicUsize::new(0));
        let seen = count.clone();
        assert!(client.run(move |_, _, _| {
            seen.fetch_add(1, Ordering::SeqCst);
        }));
        listeners.push(client);
        counters.push(count);
    }
    let sender = Client::new_redis(
        &support::unique("publisher"),
        &support::unique("publisher"),
        "127.0.0.1:0",
        &redis.url,
    )
    .expect("cannot reach Redis");
    assert!(sender.run(|_, _, _| {}));
    for n in 0..COUNT {
        assert!(
            sender.send_all(&news, format!("item {n}").as_bytes(), true),
            "{}",
            sender.last_error_message()
        );
    }
    let done = support::wait_until(Duration::from_secs(20), || {
        counters.iter().all(|c| c.load(Ordering::SeqCst) >= COUNT)
    });
    sender.stop();
    listeners.iter().for_each(|l| {
        l.stop();
    });
    let counts: Vec<usize> = counters.iter().map(|c| c.load(Ordering::SeqCst)).collect();
    assert!(
        done && counts.iter().all(|&c| c == COUNT),
        "counts {counts:?}, expected {COUNT} each"
    );
    println!("one_to_many: each of {LISTENERS} subscribers got all {COUNT} messages once");
}
