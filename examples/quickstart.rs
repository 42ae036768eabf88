//! The README's demo: two peers on one Redis. `bob` listens on topic `greetings`; `alice`
//! sends to it at-least-once and bob answers from inside his receive callback.
//!
//! Run: `cargo run --release -p liner-p2p --example quickstart [redis-url]`

#[path = "support/mod.rs"]
mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use liner_broker::Client;

fn main() {
    let redis = support::redis();
    let (alice_topic, bob_topic) = (support::unique("hellos"), support::unique("greetings"));

    let bob = Arc::new(
        Client::new_redis(
            &support::unique("bob"),
            &bob_topic,
            "127.0.0.1:0",
            &redis.url,
        )
        .expect("bob: cannot reach Redis"),
    );
    let alice = Client::new_redis(
        &support::unique("alice"),
        &alice_topic,
        "127.0.0.1:0",
        &redis.url,
    )
    .expect("alice: cannot reach Redis");

    let replies = Arc::new(AtomicUsize::new(0));
    let seen = replies.clone();
    assert!(alice.run(move |_to, from, payload| {
        println!(
            "alice got from '{from}': {}",
            String::from_utf8_lossy(payload)
        );
        seen.fetch_add(1, Ordering::SeqCst);
    }));

    let bob_in_callback = bob.clone();
    let reply_topic = alice_topic.clone();
    assert!(bob.run(move |to, from, payload| {
        println!(
            "bob got on '{to}' from '{from}': {}",
            String::from_utf8_lossy(payload)
        );
        let answer = format!("hello back ({} bytes received)", payload.len());
        if !bob_in_callback.send_to(&reply_topic, answer.as_bytes(), true) {
            eprintln!(
                "bob could not reply: {}",
                bob_in_callback.last_error_message()
            );
        }
    }));
    println!(
        "bob listens on {} (topic '{bob_topic}'), alice on {}",
        bob.published_addr().unwrap_or_default(),
        alice.published_addr().unwrap_or_default()
    );

    assert!(alice.refresh_address_topic(&bob_topic));
    for i in 1..=3 {
        let message = format!("hello #{i} from alice");
        assert!(
            alice.send_to(&bob_topic, message.as_bytes(), true),
            "{}",
            alice.last_error_message()
        );
    }
    let ok = support::wait_until(Duration::from_secs(10), || {
        replies.load(Ordering::SeqCst) == 3
    });
    alice.stop();
    bob.stop();
    assert!(
        ok,
        "expected 3 replies, got {}",
        replies.load(Ordering::SeqCst)
    );
    println!("quickstart done: 3 messages sent, 3 replies received");
}
