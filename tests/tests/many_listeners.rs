//! Topics with many listeners: no fixed cliff (32 addresses used to break sending to the
//! whole topic) — `send_all` reaches every one of 40 listeners, in order; and a topic with
//! more listeners than `Config::max_listeners_per_topic` keeps working: the first ones are
//! routed to and the rest reported once (`RoutesTruncated`).

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::{Received, assert_exactly_in_order, open, payload, sender_to};
use liner_broker::{Client, Config, Status, StatusKind};
use liner_tests::{RedisServer, unique_prefix};

const WAIT: Duration = Duration::from_secs(60);

/// `count` running listeners sharing one topic, each recording what it receives.
fn listeners(url: &str, prefix: &str, topic: &str, count: usize) -> Vec<(Client, Received)> {
    (0..count)
        .map(|i| {
            let name = format!("{prefix}l{i}");
            let client = open(url, &name, &name, Config::default());
            let received = Received::default();
            assert!(client.run(received.callback()));
            assert!(client.subscribe(topic), "{}", client.last_error_message());
            (client, received)
        })
        .collect()
}

#[test]
fn send_all_reaches_forty_listeners_of_one_topic() {
    let redis = RedisServer::start();
    let p = unique_prefix();
    let topic = format!("{p}fanout");
    let all = listeners(redis.url(), &p, &topic, 40);
    let sender = sender_to(
        redis.url(),
        &format!("{p}sender"),
        &topic,
        Config::default(),
    );
    for seq in 1..=20 {
        assert!(
            sender.send_all(&topic, &payload(seq, 100), true),
            "seq {seq}: {}",
            sender.last_error_message()
        );
    }
    for (client, received) in &all {
        assert!(
            received.wait_for(20, WAIT),
            "{}: {}",
            client.unique_name(),
            received.len()
        );
        assert_exactly_in_order(&received.seqs(), 1..=20);
    }
    // send_to shares the work: every listener gets some of 400, nothing twice.
    for seq in 100..500 {
        assert!(sender.send_to(&topic, &payload(seq, 100), true));
    }
    let total = || all.iter().map(|(_, r)| r.len()).sum::<usize>();
    assert!(
        common::wait_until(WAIT, || total() == 40 * 20 + 400),
        "{}",
        total()
    );
    assert!(
        all.iter().all(|(_, r)| r.len() > 20),
        "round-robin skipped a listener"
    );
    sender.stop();
    for (client, _) in &all {
        client.stop();
    }
}

#[test]
fn a_topic_beyond_the_listener_limit_keeps_working_and_is_reported_once() {
    let redis = RedisServer::start();
    let p = unique_prefix();
    let topic = format!("{p}crowded");
    let all = listeners(redis.url(), &p, &topic, 8);
    let config = Config {
        max_listeners_per_topic: 5,
        ..Config::default()
    };
    let reports = Arc::new(Mutex::new(Vec::new()));
    let sender = open(
        redis.url(),
        &format!("{p}sender"),
        &format!("{p}sender"),
        config,
    );
    let seen = reports.clone();
    sender.set_status_callback(Some(Arc::new(move |s: &Status<'_>| {
        if s.kind == StatusKind::RoutesTruncated {
            seen.lock().unwrap().push(s.message.to_string());
        }
    })));
    assert!(sender.run(|_, _, _| {}));
    assert!(sender.refresh_address_topic(&topic));
    assert!(
        sender.refresh_address_topic(&topic),
        "a second refresh is no new report"
    );
    for seq in 1..=10 {
        assert!(
            sender.send_all(&topic, &payload(seq, 100), true),
            "{}",
            sender.last_error_message()
        );
    }
    let reached = || all.iter().filter(|(_, r)| r.len() == 10).count();
    assert!(
        common::wait_until(WAIT, || reached() == 5),
        "{} reached",
        reached()
    );
    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(
        reached(),
        5,
        "exactly the routed listeners get the messages"
    );
    let reports = reports.lock().unwrap().clone();
    assert_eq!(reports.len(), 1, "{reports:?}");
    assert!(
        reports[0].contains("8 listeners, routing to the first 5"),
        "{reports:?}"
    );
    sender.stop();
    for (client, _) in &all {
        client.stop();
    }
}
