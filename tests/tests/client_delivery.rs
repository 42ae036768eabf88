//! Delivery between live peers: one-to-one with a reply from the callback, send_all to
//! three subscribers, round-robin to three consumers, many-to-many, and a 2 MiB payload.

mod common;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::{Received, assert_exactly_in_order, client, payload, seq_of};
use liner_tests::{RedisServer, unique_prefix};

const WAIT: Duration = Duration::from_secs(20);

/// Seqs one peer received, by sender topic.
type BySender = Arc<Mutex<HashMap<String, Vec<u64>>>>;

#[test]
fn one_to_one_with_reply_from_inside_the_callback() {
    let redis = RedisServer::start();
    let p = unique_prefix();
    let (ping_topic, pong_topic) = (format!("{p}ping"), format!("{p}pong"));
    let replier = Arc::new(client(redis.url(), &format!("{p}replier"), &ping_topic));
    let asker = client(redis.url(), &format!("{p}asker"), &pong_topic);

    let replies = Received::default();
    assert!(asker.run(replies.callback()));
    let me = replier.clone();
    let reply_to = pong_topic.clone();
    let seen_from = Arc::new(Mutex::new(Vec::new()));
    let seen = seen_from.clone();
    assert!(replier.run(move |to, from, data| {
        seen.lock()
            .unwrap()
            .push((to.to_string(), from.to_string()));
        assert!(
            me.send_to(&reply_to, data, true),
            "{}",
            me.last_error_message()
        );
    }));

    for seq in 1..=100 {
        assert!(
            asker.send_to(&ping_topic, &payload(seq, 100), true),
            "{}",
            asker.last_error_message()
        );
    }
    assert!(replies.wait_for(100, WAIT), "got {} replies", replies.len());
    assert_exactly_in_order(&replies.seqs(), 1..=100);
    let seen = seen_from.lock().unwrap();
    assert!(
        seen.iter()
            .all(|(to, from)| *to == ping_topic && *from == pong_topic)
    );
    asker.stop();
    replier.stop();
}

#[test]
fn send_all_reaches_every_subscriber_once() {
    let redis = RedisServer::start();
    let p = unique_prefix();
    let news = format!("{p}news");
    let mut readers = Vec::new();
    for i in 0..3 {
        let reader = client(
            redis.url(),
            &format!("{p}reader{i}"),
            &format!("{p}inbox{i}"),
        );
        assert!(reader.subscribe(&news));
        let received = Received::default();
        assert!(reader.run(received.callback()));
        readers.push((reader, received));
    }
    let sender = client(
        redis.url(),
        &format!("{p}publisher"),
        &format!("{p}publisher"),
    );
    assert!(sender.run(|_, _, _| {}));
    for seq in 0..1000 {
        assert!(
            sender.send_all(&news, &payload(seq, 100), true),
            "{}",
            sender.last_error_message()
        );
    }
    for (reader, received) in &readers {
        assert!(
            received.wait_for(1000, WAIT),
            "reader got {}",
            received.len()
        );
        std::thread::sleep(Duration::from_millis(50));
        assert_exactly_in_order(&received.seqs(), 0..1000);
        reader.stop();
    }
    sender.stop();
}

#[test]
fn send_to_shares_work_across_consumers_without_loss_or_repeat() {
    let redis = RedisServer::start();
    let p = unique_prefix();
    let jobs = format!("{p}jobs");
    let mut consumers = Vec::new();
    for i in 0..3 {
        let consumer = client(redis.url(), &format!("{p}worker{i}"), &jobs);
        let received = Received::default();
        assert!(consumer.run(received.callback()));
        consumers.push((consumer, received));
    }
    let producer = client(
        redis.url(),
        &format!("{p}producer"),
        &format!("{p}producer"),
    );
    assert!(producer.run(|_, _, _| {}));
    assert!(producer.refresh_address_topic(&jobs));
    for seq in 0..3000 {
        assert!(
            producer.send_to(&jobs, &payload(seq, 100), true),
            "{}",
            producer.last_error_message()
        );
    }
    let total = || consumers.iter().map(|(_, r)| r.len()).sum::<usize>();
    assert!(
        common::wait_until(WAIT, || total() >= 3000),
        "got {}",
        total()
    );
    std::thread::sleep(Duration::from_millis(50));
    let mut all: Vec<u64> = consumers.iter().flat_map(|(_, r)| r.seqs()).collect();
    for (_, received) in &consumers {
        assert!(received.len() > 0, "a consumer got no share");
        let seqs = received.seqs();
        assert!(
            seqs.windows(2).all(|w| w[0] < w[1]),
            "a consumer's share is out of order"
        );
    }
    all.sort_unstable();
    assert_exactly_in_order(&all, 0..3000);
    producer.stop();
}

#[test]
fn many_to_many_delivers_each_message_once() {
    let redis = RedisServer::start();
    let p = unique_prefix();
    let topics: Vec<String> = (0..3).map(|i| format!("{p}node{i}")).collect();
    let received: Vec<BySender> = (0..3).map(|_| Arc::default()).collect();
    let mut peers = Vec::new();
    for (i, topic) in topics.iter().enumerate() {
        let peer = client(redis.url(), &format!("{p}peer{i}"), topic);
        let sink = received[i].clone();
        assert!(peer.run(move |_, from, data| {
            sink.lock()
                .unwrap()
                .entry(from.to_string())
                .or_default()
                .push(seq_of(data));
        }));
        peers.push(peer);
    }
    for (i, peer) in peers.iter().enumerate() {
        for (j, topic) in topics.iter().enumerate() {
            if i != j {
                for seq in 0..500 {
                    assert!(
                        peer.send_to(topic, &payload(seq, 64), true),
                        "{}",
                        peer.last_error_message()
                    );
                }
            }
        }
    }
    let complete = |r: &BySender| r.lock().unwrap().values().map(Vec::len).sum::<usize>() >= 1000;
    assert!(common::wait_until(WAIT, || received.iter().all(complete)));
    std::thread::sleep(Duration::from_millis(50));
    for (j, r) in received.iter().enumerate() {
        let r = r.lock().unwrap();
        assert_eq!(r.len(), 2, "peer {j} heard from {:?}", r.keys());
        for seqs in r.values() {
            assert_exactly_in_order(seqs, 0..500);
        }
    }
    peers.iter().for_each(|p| {
        p.stop();
    });
}

#[test]
fn a_two_mib_payload_goes_through_with_the_default_config() {
    let redis = RedisServer::start();
    let p = unique_prefix();
    let topic = format!("{p}big");
    let listener = client(redis.url(), &format!("{p}big_listener"), &topic);
    let sizes = Arc::new(Mutex::new(Vec::new()));
    let sink = sizes.clone();
    assert!(listener.run(move |_, _, data| {
        assert!(data[8..].iter().all(|&b| b == 0xA5), "payload corrupted");
        sink.lock().unwrap().push((seq_of(data), data.len()));
    }));
    let sender = client(
        redis.url(),
        &format!("{p}big_sender"),
        &format!("{p}big_sender"),
    );
    assert!(sender.run(|_, _, _| {}));
    let big = 2 << 20;
    for seq in 0..3 {
        assert!(
            sender.send_to(&topic, &payload(seq, big), true),
            "{}",
            sender.last_error_message()
        );
        assert!(sender.send_to(&topic, &payload(100 + seq, 100), true));
    }
    assert!(common::wait_until(WAIT, || sizes.lock().unwrap().len() >= 6));
    let got = sizes.lock().unwrap().clone();
    assert_eq!(
        got,
        vec![
            (0, big),
            (100, 100),
            (1, big),
            (101, 100),
            (2, big),
            (102, 100)
        ]
    );
    sender.stop();
    listener.stop();
}
