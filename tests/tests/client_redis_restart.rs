//! Redis restarted empty on the same port: running clients register again and traffic
//! resumes.

mod common;

use std::time::Duration;

use common::{Pair, client, payload};
use liner_tests::{RedisServer, unique_prefix};
use redis::Commands;

const WAIT: Duration = Duration::from_secs(30);

#[test]
fn clients_re_register_and_traffic_resumes_after_redis_restarts_empty() {
    let mut redis = RedisServer::start_local();
    let p = unique_prefix();
    let pair = Pair::start(redis.url(), &p);
    let topic = pair.topic.clone();
    pair.send(0..100, true);
    assert!(pair.received.wait_for(100, WAIT));
    let key_name = format!("lnr_topic:{topic}:key");
    let topic_key: u64 = redis.connection().get(&key_name).unwrap();

    redis.restart_empty();
    // The catalog row comes back once the listener notices the restart.
    assert!(
        common::wait_until(WAIT, || pair
            .listener
            .list_addresses(&topic)
            .is_some_and(|rows| !rows.is_empty())),
        "the listener did not register again"
    );
    // The keys in use come back, and the counter cannot hand them out again.
    assert!(common::wait_until(WAIT, || redis
        .connection()
        .get::<_, Option<u64>>(&key_name)
        .unwrap()
        == Some(topic_key)));
    let counter: u64 = redis.connection().get("lnr_unique_key").unwrap();
    assert!(
        counter >= topic_key,
        "counter {counter} below key in use {topic_key}"
    );
    pair.send(100..200, true);
    assert!(
        pair.received.wait_for(200, WAIT),
        "got {}",
        pair.received.len()
    );
    // A newcomer finds the listener through the rebuilt catalog.
    let newcomer = client(
        redis.url(),
        &format!("{p}newcomer"),
        &format!("{p}newcomer"),
    );
    assert!(newcomer.run(|_, _, _| {}));
    assert!(
        newcomer.send_to(&topic, &payload(1000, 100), true),
        "{}",
        newcomer.last_error_message()
    );
    assert!(pair.received.wait_for(201, WAIT));
    let mut seqs = pair.received.seqs();
    seqs.sort_unstable();
    seqs.dedup();
    assert_eq!(seqs.len(), 201);
    newcomer.stop();
}
