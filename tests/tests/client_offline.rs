//! At-least-once across absence: parking in Redis while the listener is stopped, draining
//! in order when it returns, best-effort never stored, listener and sender restarts,
//! unsubscribe, and how fast a sender reconnects to a restarted peer.

mod common;

use std::time::{Duration, Instant};

use common::{Pair, assert_exactly_in_order, client, payload};
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
    let pair = Pair::start(redis.url(), &unique_prefix());
    assert!(pair.listener.stop());

    pair.send(0..10_000, true);
    assert!(
        common::wait_until(WAIT, || parked(&redis) == 10_000),
        "parked {}",
        parked(&redis)
    );
    assert_eq!(pair.sender.pending_count(), 10_000);
    let by_peer = pair.sender.pending_by_peer().unwrap();
    assert_eq!(by_peer.len(), 1);
    assert_eq!(by_peer[0].count, 10_000);
    assert_eq!(pair.received.len(), 0);

    pair.rerun_listener();
    assert!(
        pair.received.wait_for(10_000, WAIT),
        "got {}",
        pair.received.len()
    );
    assert!(
        common::wait_until(WAIT, || parked(&redis) == 0),
        "still parked {}",
        parked(&redis)
    );
    std::thread::sleep(Duration::from_millis(100));
    assert_exactly_in_order(&pair.received.seqs(), 0..10_000);
    assert_eq!(pair.sender.pending_count(), 0);
}

#[test]
fn best_effort_to_an_offline_peer_is_accepted_but_neither_stored_nor_delivered() {
    let redis = RedisServer::start_local();
    let pair = Pair::start(redis.url(), &unique_prefix());
    assert!(pair.listener.stop());
    std::thread::sleep(Duration::from_millis(300));
    pair.send(0..100, false);
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(parked(&redis), 0);
    assert_eq!(pair.sender.pending_count(), 0);
    assert!(pair.sender.stats().best_effort_dropped >= 100);
    pair.rerun_listener();
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(
        pair.received.len(),
        0,
        "best-effort frames were delivered after the fact"
    );
}

#[test]
fn listener_stopped_and_restarted_mid_stream_loses_and_repeats_nothing() {
    let redis = RedisServer::start_local();
    let pair = Pair::start(redis.url(), &unique_prefix());
    pair.send(0..5_000, true);
    assert!(pair.listener.stop());
    pair.send(5_000..12_000, true);
    pair.rerun_listener();
    pair.send(12_000..20_000, true);
    assert!(
        pair.received.wait_for(20_000, WAIT),
        "got {}",
        pair.received.len()
    );
    std::thread::sleep(Duration::from_millis(200));
    assert_exactly_in_order(&pair.received.seqs(), 0..20_000);
}

#[test]
fn a_sender_stopped_with_a_backlog_continues_its_numbering_after_restart() {
    let redis = RedisServer::start_local();
    let mut pair = Pair::start(redis.url(), &unique_prefix());
    pair.send(0..100, true);
    assert!(pair.received.wait_for(100, WAIT));
    assert!(pair.listener.stop());
    pair.send(100..1100, true);
    assert!(pair.sender.stop());
    assert_eq!(pair.sender.pending_count(), 1000);

    // A new process of the same sender: same name, fresh memory.
    pair.sender = client(redis.url(), &pair.sender_name, &pair.sender_name);
    assert!(pair.sender.run(|_, _, _| {}));
    pair.rerun_listener();
    pair.send(1100..1200, true);
    assert!(
        pair.received.wait_for(1200, WAIT),
        "got {}",
        pair.received.len()
    );
    std::thread::sleep(Duration::from_millis(200));
    assert_exactly_in_order(&pair.received.seqs(), 0..1200);
    assert!(common::wait_until(WAIT, || pair.sender.pending_count() == 0));
}

#[test]
fn after_the_last_subscriber_unsubscribes_send_to_fails_with_no_addr() {
    let redis = RedisServer::start_local();
    let p = unique_prefix();
    let pair = Pair::start(redis.url(), &p);
    let extra = format!("{p}extra");
    assert!(pair.listener.subscribe(&extra));
    assert!(pair.sender.send_to(&extra, &payload(1, 10), true));
    assert!(pair.received.wait_for(1, WAIT));
    assert!(pair.listener.unsubscribe(&extra));
    assert!(pair.listener.list_addresses(&extra).unwrap().is_empty());
    assert!(!pair.sender.refresh_address_topic(&extra));
    assert_eq!(pair.sender.last_error_code(), ErrorCode::NoAddr);
    // At-least-once sends fall back to remembered listeners until the sender hears the
    // unsubscription; compat_14.rs covers that case.
    assert!(!pair.sender.send_to(&extra, &payload(2, 10), false));
    assert_eq!(pair.sender.last_error_code(), ErrorCode::NoAddr);
}

#[test]
fn a_sender_reconnects_quickly_to_a_restarted_peer() {
    let redis = RedisServer::start_local();
    let pair = Pair::start(redis.url(), &unique_prefix());
    pair.send(0..1, true);
    assert!(pair.received.wait_for(1, WAIT));

    let mut times = Vec::new();
    for round in 1..=5u64 {
        assert!(pair.listener.stop());
        std::thread::sleep(Duration::from_millis(200));
        pair.rerun_listener();
        let restarted = Instant::now();
        pair.send(round..round + 1, true);
        assert!(pair.received.wait_for(round as usize + 1, WAIT));
        times.push(restarted.elapsed());
    }
    times.sort();
    println!(
        "reconnect + delivery after a peer restart: median {:?}, max {:?}",
        times[2], times[4]
    );
    assert_exactly_in_order(&pair.received.seqs(), 0..=5);
}
