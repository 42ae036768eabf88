//! Regression tests for the holes of issue 8 in the at-least-once guarantee, each against a
//! real redis-server: a listener that starts on a slow Redis link (hole 1), a stored cursor
//! behind the listener's real one (hole 2), a Redis outage while parking with the listener
//! coming back during the recovery (hole 3), `stop` with Redis down (hole 4) and a receive
//! callback that refuses messages (hole 5). Every payload carries its seq; every test
//! accounts for loss, duplicates and order exactly.

mod common;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::{Received, assert_exactly_in_order, client, open, payload, seq_of, wait_until};
use liner_broker::{Client, Config, Error, Redeliver, Status, StatusKind};
use liner_tests::{FaultProxy, RedisServer, unique_prefix};
use redis::Commands;

const PATIENCE: Duration = Duration::from_secs(20);

fn fast() -> Config {
    Config {
        reconnect_min: Duration::from_millis(5),
        reconnect_max: Duration::from_millis(100),
        ..Config::default()
    }
}

#[test]
fn a_listener_on_a_slow_redis_link_acks_nothing_it_did_not_deliver() {
    let server = RedisServer::start();
    let prefix = unique_prefix();
    let topic = format!("{prefix}listener");
    let proxy = FaultProxy::to_port(server.port());
    let listener = open(&proxy.url(), &topic, &topic, fast());
    let received = Received::default();
    assert!(listener.run(received.callback()));
    let sender = client(
        server.url(),
        &format!("{prefix}sender"),
        &format!("{prefix}sender"),
    );
    assert!(sender.run(|_, _, _| {}));
    assert!(sender.refresh_address_topic(&topic));
    for seq in 1..=100 {
        assert!(sender.send_to(&topic, &payload(seq, 64), true));
    }
    assert!(received.wait_for(100, PATIENCE));
    // The listener goes away; the sender keeps its route and parks. The listener comes back
    // with the read of its topic key held up on the Redis link, while the sender retries.
    assert!(listener.stop());
    for seq in 101..=300 {
        assert!(sender.send_to(&topic, &payload(seq, 64), true));
    }
    proxy.delay_matching(
        format!("lnr_topic:{topic}:key").as_bytes(),
        Duration::from_millis(800),
    );
    assert!(listener.run(received.callback()));
    assert!(received.wait_for(300, PATIENCE), "got {}", received.len());
    assert!(wait_until(PATIENCE, || sender.pending_count() == 0));
    assert_exactly_in_order(&received.seqs(), 1..=300);
    assert_eq!(listener.stats().unknown_topic, 0);
}

#[test]
fn a_stored_cursor_behind_the_listener_never_frees_new_messages() {
    let server = RedisServer::start();
    let prefix = unique_prefix();
    let topic = format!("{prefix}listener");
    let sender_name = format!("{prefix}sender");
    let listener = open(server.url(), &topic, &topic, fast());
    let received = Received::default();
    assert!(listener.run(received.callback()));
    let first = open(server.url(), &sender_name, &sender_name, fast());
    assert!(first.run(|_, _, _| {}));
    assert!(first.refresh_address_topic(&topic));
    for seq in 1..=100 {
        assert!(first.send_to(&topic, &payload(seq, 64), true));
    }
    assert!(received.wait_for(100, PATIENCE));
    assert!(first.stop());
    drop(first);
    // What a failed cursor write and a crashed sender used to leave behind: a stored
    // cursor and a last seq far below what the running listener delivered.
    let mut con = server.connection();
    let ck_key = format!("lnr_connection:{sender_name}:{sender_name}:{topic}:key");
    let ck: u64 = con.get(&ck_key).unwrap();
    let _: () = con
        .set(format!("lnr_connection:{ck}:mess_number"), 10)
        .unwrap();
    let _: () = con
        .set(format!("lnr_connection:{ck}:last_seq"), 10)
        .unwrap();

    let second = open(server.url(), &sender_name, &sender_name, fast());
    assert!(second.run(|_, _, _| {}));
    assert!(second.refresh_address_topic(&topic));
    for seq in 101..=150 {
        assert!(second.send_to(&topic, &payload(seq, 64), true));
    }
    assert!(received.wait_for(150, PATIENCE), "got {}", received.len());
    assert_exactly_in_order(&received.seqs(), 1..=150);
    assert!(second.stop());
    let reserved: u64 = con.get(format!("lnr_connection:{ck}:last_seq")).unwrap();
    assert!(
        reserved >= 150,
        "the new run reserved seqs above what it used"
    );
}

#[test]
fn a_redis_outage_while_parking_strands_nothing() {
    let server = RedisServer::start();
    let prefix = unique_prefix();
    let topic = format!("{prefix}listener");
    let listener = open(server.url(), &topic, &topic, fast());
    let received = Received::default();
    assert!(listener.run(received.callback()));
    // The sender reaches Redis through a proxy the test can cut.
    let proxy = FaultProxy::to_port(server.port());
    let config = Config {
        send_timeout: Duration::from_millis(200),
        redis_timeout: Duration::from_millis(300),
        ..fast()
    };
    let sender = open(
        &proxy.url(),
        &format!("{prefix}sender"),
        &format!("{prefix}sender"),
        config,
    );
    assert!(sender.run(|_, _, _| {}));
    assert!(sender.refresh_address_topic(&topic));
    assert!(listener.stop());
    let mut next = 1;
    let mut send_until = |sender: &Client, until: Instant| {
        while Instant::now() < until {
            // A full window while Redis is away fails with Busy: the same seq is retried.
            if sender.send_to(&topic, &payload(next, 64), true) {
                next += 1;
            }
        }
    };
    send_until(&sender, Instant::now() + Duration::from_millis(500));
    proxy.sever();
    send_until(&sender, Instant::now() + Duration::from_millis(1500));
    proxy.heal();
    send_until(&sender, Instant::now() + Duration::from_millis(300));
    // The listener returns while the sender is still recovering from the outage.
    assert!(listener.run(received.callback()));
    send_until(&sender, Instant::now() + Duration::from_millis(500));
    let accepted = next - 1;
    assert!(
        received.wait_for(accepted as usize, PATIENCE),
        "{} of {accepted} delivered",
        received.len()
    );
    assert!(wait_until(PATIENCE, || sender.pending_count() == 0));
    std::thread::sleep(Duration::from_millis(200));
    assert_exactly_in_order(&received.seqs(), 1..=accepted);
}

#[test]
fn stop_with_redis_down_returns_in_time_and_reports_what_it_could_not_park() {
    let mut server = RedisServer::start_local();
    let prefix = unique_prefix();
    let topic = format!("{prefix}listener");
    let listener = client(server.url(), &topic, &topic);
    assert!(listener.run(|_, _, _| {}));
    let config = Config {
        stop_timeout: Duration::from_millis(1500),
        redis_timeout: Duration::from_millis(500),
        ..fast()
    };
    let sender = open(
        server.url(),
        &format!("{prefix}sender"),
        &format!("{prefix}sender"),
        config,
    );
    let reports = Arc::new(Mutex::new(Vec::new()));
    let sink = reports.clone();
    sender.set_status_callback(Some(Arc::new(move |s: &Status<'_>| {
        if s.kind == StatusKind::FramesAbandoned {
            sink.lock().unwrap().push(s.message.to_string());
        }
    })));
    assert!(sender.run(|_, _, _| {}));
    assert!(sender.refresh_address_topic(&topic));
    assert!(listener.stop());
    drop(listener);
    server.stop();
    for seq in 1..=20 {
        assert!(sender.send_to(&topic, &payload(seq, 64), true));
    }
    let started = Instant::now();
    let stopped = sender.try_stop();
    let took = started.elapsed();
    // A bound, not a speed: stop_timeout plus one Redis timeout, with a wide margin.
    assert!(took < Duration::from_secs(8), "stop took {took:?}");
    match stopped {
        Err(Error::Abandoned(20)) => {}
        other => panic!("expected Abandoned(20), got {other:?}"),
    }
    assert_eq!(sender.stats().abandoned, 20);
    let reports = reports.lock().unwrap();
    assert_eq!(reports.len(), 1, "{reports:?}");
    assert!(reports[0].contains("20"), "{}", reports[0]);
}

#[test]
fn refused_messages_come_again_in_order() {
    let server = RedisServer::start();
    let prefix = unique_prefix();
    let topic = format!("{prefix}listener");
    let listener = open(server.url(), &topic, &topic, fast());
    let seen = Arc::new(Mutex::new(Vec::new()));
    let sink = seen.clone();
    let refusals = Arc::new(AtomicU64::new(0));
    let refused = refusals.clone();
    assert!(listener.run_fallible(move |_, _, bytes| {
        let seq = seq_of(bytes);
        let mut seen = sink.lock().unwrap();
        let first_sight = !seen.contains(&seq);
        seen.push(seq);
        if first_sight && seq.is_multiple_of(7) {
            refused.fetch_add(1, Ordering::Relaxed);
            return Err(Redeliver);
        }
        if first_sight && seq.is_multiple_of(11) {
            drop(seen);
            panic!("callback panics on purpose at {seq}");
        }
        Ok(())
    }));
    let sender = open(
        server.url(),
        &format!("{prefix}sender"),
        &format!("{prefix}sender"),
        fast(),
    );
    assert!(sender.run(|_, _, _| {}));
    assert!(sender.refresh_address_topic(&topic));
    for seq in 1..=100 {
        assert!(sender.send_to(&topic, &payload(seq, 64), true));
    }
    let delivered = || listener.stats().delivered;
    assert!(
        wait_until(PATIENCE, || delivered() >= 100),
        "delivered {}",
        delivered()
    );
    assert!(wait_until(PATIENCE, || sender.pending_count() == 0));
    let seen = seen.lock().unwrap().clone();
    // What the callback accepted, in order: every seq once, 1..=100.
    let mut accepted = Vec::new();
    for (i, &seq) in seen.iter().enumerate() {
        let refused_here =
            (seq.is_multiple_of(7) || seq.is_multiple_of(11)) && !seen[..i].contains(&seq);
        if !refused_here {
            accepted.push(seq);
        }
    }
    assert_exactly_in_order(&accepted, 1..=100);
    let stats = listener.stats();
    assert_eq!(stats.delivered, 100);
    assert_eq!(
        stats.refused,
        refusals.load(Ordering::Relaxed) + stats.callback_panics
    );
    assert_eq!(
        refusals.load(Ordering::Relaxed),
        14,
        "multiples of 7 up to 100"
    );
    assert_eq!(
        stats.callback_panics, 8,
        "multiples of 11 (not of 7) up to 100"
    );
}
