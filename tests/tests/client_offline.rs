//! At-least-once across absence: parking in Redis while the listener is stopped, draining
//! in order when it returns, best-effort never stored, listener and sender restarts,
//! unsubscribe, and how fast a sender reconnects to a restarted peer.

mod common;

use std::time::{Duration, Instant};

use common::{Received, assert_exactly_in_order, client, payload};
use liner_broker::ErrorCode;
use liner_tests::{RedisServer, unique_prefix};
use redis::Commands;

const WAIT: Duration = Duration::from_secs(30);

/// Total length of every offline list in the server.
fn parked(redis: &RedisServer) -> u64 {
    let mut con = redis.connection();
    let keys: Vec<String> = con.keys("lnr_connection:*:messages").unwrap();
    keys.iter().map(|k| con.llen::<_, u64>(k).unwrap()).sum()
}

#[test]
fn ten_thousand_messages_to_a_stopped_listener_are_parked_then_delivered_once_in_order() {
    let redis = RedisServer::start_local();
    let p = unique_prefix();
    let topic = format!("{p}parked");
    let listener = client(redis.url(), &format!("{p}listener"), &topic);
    let received = Received::default();
    assert!(listener.run(received.callback()));
    let sender = client(redis.url(), &format!("{p}sender"), &format!("{p}sender"));
    assert!(sender.run(|_, _, _| {}));
    assert!(sender.refresh_address_topic(&topic));
    assert!(listener.stop());

    for seq in 0..10_000 {
        assert!(
            sender.send_to(&topic, &payload(seq, 100), true),
            "{}",
            sender.last_error_message()
        );
    }
    assert!(
        common::wait_until(WAIT, || parked(&redis) == 10_000),
        "parked {}",
        parked(&redis)
    );
    assert_eq!(sender.pending_count(), 10_000);
    let by_peer = sender.pending_by_peer().unwrap();
    assert_eq!(by_peer.len(), 1);
    assert_eq!(by_peer[0].count, 10_000);
    assert_eq!(received.len(), 0);

    assert!(listener.run(received.callback()));
    assert!(received.wait_for(10_000, WAIT), "got {}", received.len());
    assert!(
        common::wait_until(WAIT, || parked(&redis) == 0),
        "still parked {}",
        parked(&redis)
    );
    std::thread::sleep(Duration::from_millis(100));
    assert_exactly_in_order(&received.seqs(), 0..10_000);
    assert_eq!(sender.pending_count(), 0);
    sender.stop();
    listener.stop();
}

#[test]
fn best_effort_to_an_offline_peer_is_accepted_but_neither_stored_nor_delivered() {
    let redis = RedisServer::start_local();
    let p = unique_prefix();
    let topic = format!("{p}lossy");
    let listener = client(redis.url(), &format!("{p}listener"), &topic);
    let received = Received::default();
    assert!(listener.run(received.callback()));
    let sender = client(redis.url(), &format!("{p}sender"), &format!("{p}sender"));
    assert!(sender.run(|_, _, _| {}));
    assert!(sender.refresh_address_topic(&topic));
    assert!(listener.stop());
    std::thread::sleep(Duration::from_millis(300));
    for seq in 0..100 {
        assert!(sender.send_to(&topic, &payload(seq, 100), false));
    }
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(parked(&redis), 0);
    assert_eq!(sender.pending_count(), 0);
    assert!(listener.run(received.callback()));
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(
        received.len(),
        0,
        "best-effort frames were delivered after the fact"
    );
    sender.stop();
    listener.stop();
}

#[test]
fn listener_stopped_and_restarted_mid_stream_loses_and_repeats_nothing() {
    let redis = RedisServer::start_local();
    let p = unique_prefix();
    let topic = format!("{p}stream");
    let listener = client(redis.url(), &format!("{p}listener"), &topic);
    let received = Received::default();
    assert!(listener.run(received.callback()));
    let sender = client(redis.url(), &format!("{p}sender"), &format!("{p}sender"));
    assert!(sender.run(|_, _, _| {}));
    for seq in 0..20_000u64 {
        if seq == 5_000 {
            assert!(listener.stop());
        }
        if seq == 12_000 {
            assert!(listener.run(received.callback()));
        }
        assert!(
            sender.send_to(&topic, &payload(seq, 100), true),
            "{}",
            sender.last_error_message()
        );
    }
    assert!(received.wait_for(20_000, WAIT), "got {}", received.len());
    std::thread::sleep(Duration::from_millis(200));
    assert_exactly_in_order(&received.seqs(), 0..20_000);
    sender.stop();
    listener.stop();
}

#[test]
fn a_sender_stopped_with_a_backlog_continues_its_numbering_after_restart() {
    let redis = RedisServer::start_local();
    let p = unique_prefix();
    let topic = format!("{p}later");
    let listener = client(redis.url(), &format!("{p}listener"), &topic);
    let received = Received::default();
    assert!(listener.run(received.callback()));
    let sender_name = format!("{p}sender");
    let sender = client(redis.url(), &sender_name, &format!("{p}sender"));
    assert!(sender.run(|_, _, _| {}));
    for seq in 0..100 {
        assert!(sender.send_to(&topic, &payload(seq, 100), true));
    }
    assert!(received.wait_for(100, WAIT));
    assert!(listener.stop());
    for seq in 100..1100 {
        assert!(sender.send_to(&topic, &payload(seq, 100), true));
    }
    assert!(sender.stop());
    assert_eq!(sender.pending_count(), 1000);
    drop(sender);

    let sender = client(redis.url(), &sender_name, &format!("{p}sender"));
    assert!(sender.run(|_, _, _| {}));
    assert!(listener.run(received.callback()));
    for seq in 1100..1200 {
        assert!(
            sender.send_to(&topic, &payload(seq, 100), true),
            "{}",
            sender.last_error_message()
        );
    }
    assert!(received.wait_for(1200, WAIT), "got {}", received.len());
    std::thread::sleep(Duration::from_millis(200));
    assert_exactly_in_order(&received.seqs(), 0..1200);
    assert!(common::wait_until(WAIT, || sender.pending_count() == 0));
    sender.stop();
    listener.stop();
}

#[test]
fn after_the_last_subscriber_unsubscribes_send_to_fails_with_no_addr() {
    let redis = RedisServer::start_local();
    let p = unique_prefix();
    let (topic, extra) = (format!("{p}home"), format!("{p}extra"));
    let listener = client(redis.url(), &format!("{p}listener"), &topic);
    assert!(listener.subscribe(&extra));
    let received = Received::default();
    assert!(listener.run(received.callback()));
    let sender = client(redis.url(), &format!("{p}sender"), &format!("{p}sender"));
    assert!(sender.run(|_, _, _| {}));
    assert!(sender.send_to(&extra, &payload(1, 10), true));
    assert!(received.wait_for(1, WAIT));
    assert!(listener.unsubscribe(&extra));
    assert!(listener.list_addresses(&extra).unwrap().is_empty());
    assert!(sender.refresh_address_topic(&extra));
    assert!(!sender.send_to(&extra, &payload(2, 10), true));
    assert_eq!(sender.last_error_code(), ErrorCode::NoAddr);
    sender.stop();
    listener.stop();
}

#[test]
fn a_sender_reconnects_quickly_to_a_restarted_peer() {
    let redis = RedisServer::start_local();
    let p = unique_prefix();
    let topic = format!("{p}bouncy");
    let listener = client(redis.url(), &format!("{p}listener"), &topic);
    let received = Received::default();
    assert!(listener.run(received.callback()));
    let sender = client(redis.url(), &format!("{p}sender"), &format!("{p}sender"));
    assert!(sender.run(|_, _, _| {}));
    assert!(sender.send_to(&topic, &payload(0, 100), true));
    assert!(received.wait_for(1, WAIT));

    let mut times = Vec::new();
    for round in 1..=5u64 {
        assert!(listener.stop());
        std::thread::sleep(Duration::from_millis(200));
        assert!(listener.run(received.callback()));
        let restarted = Instant::now();
        assert!(sender.send_to(&topic, &payload(round, 100), true));
        assert!(received.wait_for(round as usize + 1, WAIT));
        times.push(restarted.elapsed());
    }
    times.sort();
    println!(
        "reconnect + delivery after a peer restart: median {:?}, max {:?}",
        times[2], times[4]
    );
    assert_exactly_in_order(&received.seqs(), 0..=5);
    sender.stop();
    listener.stop();
}
