//! Three peers, each sending to the two others: every peer receives every message meant
//! for it exactly once.
//!
//! Run: `cargo run --release -p liner-p2p --example many_to_many [redis-url]`

#[path = "support/mod.rs"]
mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use liner_broker::Client;

const PEERS: usize = 3;
const PER_PAIR: usize = 200;

fn main() {
    let redis = support::redis();
    let topics: Vec<String> = (0..PEERS)
        .map(|i| support::unique(&format!("peer{i}")))
        .collect();
    let mut peers = Vec::new();
    let mut counters = Vec::new();
    for (i, topic) in topics.iter().enumerate() {
        let client = Client::new_redis(
            &support::unique(&format!("node{i}")),
            topic,
            "127.0.0.1:0",
            &redis.url,
        )
        .expect("cannot reach Redis");
        let count = Arc::new(AtomicUsize::new(0));
        let seen = count.clone();
        assert!(client.run(move |_, _, _| {
            seen.fetch_add(1, Ordering::SeqCst);
        }));
        peers.push(client);
        counters.push(count);
    }
    for (i, sender) in peers.iter().enumerate() {
        for (j, topic) in topics.iter().enumerate().filter(|&(j, _)| j != i) {
            for n in 0..PER_PAIR {
                let message = format!("{i}->{j} #{n}");
                assert!(
                    sender.send_to(topic, message.as_bytes(), true),
                    "{}",
                    sender.last_error_message()
                );
            }
        }
    }
    let expected = PER_PAIR * (PEERS - 1);
    let done = support::wait_until(Duration::from_secs(20), || {
        counters
            .iter()
            .all(|c| c.load(Ordering::SeqCst) >= expected)
    });
    peers.iter().for_each(|p| {
        p.stop();
    });
    let counts: Vec<usize> = counters.iter().map(|c| c.load(Ordering::SeqCst)).collect();
    assert!(
        done && counts.iter().all(|&c| c == expected),
        "counts {counts:?}, expected {expected} each"
    );
    println!("many_to_many: {PEERS} peers, each got {expected} messages once");
}
