//! One sender, one listener: 1000 at-least-once messages arrive once each, in order.
//!
//! Run: `cargo run --release -p liner-p2p --example one_to_one [redis-url]`

#[path = "support/mod.rs"]
mod support;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use liner_broker::Client;

const COUNT: u32 = 1000;

fn main() {
    let redis = support::redis();
    let topic = support::unique("one_to_one.listener");
    let listener = Client::new_redis(
        &support::unique("listener"),
        &topic,
        "127.0.0.1:0",
        &redis.url,
    )
    .expect("cannot reach Redis");
    let sender = Client::new_redis(
        &support::unique("sender"),
        &support::unique("one_to_one.sender"),
        "127.0.0.1:0",
        &redis.url,
    )
    .expect("cannot reach Redis");

    let received = Arc::new(Mutex::new(Vec::new()));
    let sink = received.clone();
    assert!(listener.run(move |_to, _from, payload| {
        let n = u32::from_le_bytes(payload.try_into().expect("4-byte payload"));
        sink.lock().unwrap().push(n);
    }));
    assert!(sender.run(|_, _, _| {}));
    for n in 0..COUNT {
        assert!(
            sender.send_to(&topic, &n.to_le_bytes(), true),
            "{}",
            sender.last_error_message()
        );
    }
    let done = support::wait_until(Duration::from_secs(20), || {
        received.lock().unwrap().len() >= COUNT as usize
    });
    sender.stop();
    listener.stop();
    let received = received.lock().unwrap();
    assert!(done, "received {} of {COUNT}", received.len());
    assert!(
        received.iter().copied().eq(0..COUNT),
        "messages out of order or duplicated"
    );
    println!("one_to_one: {COUNT} messages delivered once, in order");
}
