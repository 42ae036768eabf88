//! One producer, three consumers of one topic: `send_to` round-robins, so every job is done
//! exactly once and each consumer gets a share.
//!
//! Run: `cargo run --release -p liner-p2p --example producer_consumer [redis-url]`

#[path = "support/mod.rs"]
mod support;

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use liner_broker::Client;

const JOBS: u32 = 900;
const CONSUMERS: usize = 3;

fn main() {
    let redis = support::redis();
    let jobs_topic = support::unique("jobs");
    let done: Arc<Mutex<Vec<(usize, u32)>>> = Arc::default();
    let mut consumers = Vec::new();
    for i in 0..CONSUMERS {
        // All consumers serve the same topic: that is what makes them share the work.
        let client = Client::new_redis(
            &support::unique(&format!("worker{i}")),
            &jobs_topic,
            "127.0.0.1:0",
            &redis.url,
        )
        .expect("cannot reach Redis");
        let sink = done.clone();
        assert!(client.run(move |_, _, payload| {
            let job = u32::from_le_bytes(payload.try_into().expect("4-byte job"));
            sink.lock().unwrap().push((i, job));
        }));
        consumers.push(client);
    }
    let producer = Client::new_redis(
        &support::unique("producer"),
        &support::unique("producer"),
        "127.0.0.1:0",
        &redis.url,
    )
    .expect("cannot reach Redis");
    assert!(producer.run(|_, _, _| {}));
    for job in 0..JOBS {
        assert!(
            producer.send_to(&jobs_topic, &job.to_le_bytes(), true),
            "{}",
            producer.last_error_message()
        );
    }
    let finished = support::wait_until(Duration::from_secs(20), || {
        done.lock().unwrap().len() >= JOBS as usize
    });
    producer.stop();
    consumers.iter().for_each(|c| {
        c.stop();
    });
    let done = done.lock().unwrap();
    let unique: HashSet<u32> = done.iter().map(|&(_, job)| job).collect();
    assert!(
        finished && done.len() == JOBS as usize && unique.len() == JOBS as usize,
        "jobs done {} (distinct {})",
        done.len(),
        unique.len()
    );
    for i in 0..CONSUMERS {
        let share = done.iter().filter(|&&(c, _)| c == i).count();
        assert!(share > 0, "consumer {i} got no job");
        println!("consumer {i}: {share} jobs");
    }
    println!("producer_consumer: {JOBS} jobs, each done once");
}
