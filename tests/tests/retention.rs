//! Keeping Redis clean, against a real redis-server: the retention sweep removes the keys
//! of channels whose both ends are long gone (the key count returns to where it was) and
//! nothing else; parked messages go only when allowed, counted and reported; the queue
//! limits drop exactly what they say, oldest first.

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::{Received, assert_exactly_in_order, open, payload, wait_until};
use liner_broker::{Client, Config, Status, StatusKind};
use liner_tests::{RedisServer, unique_prefix};
use redis::Commands;

const WAIT: Duration = Duration::from_secs(30);

/// A sweep every 1.5 s that removes what has been gone for 6 s (the shortest retention
/// allowed with the default 3 s liveness TTL).
fn janitor_config(drop_parked: bool) -> Config {
    Config {
        retention: Duration::from_secs(6),
        retention_drops_parked: drop_parked,
        ..Config::default()
    }
}

/// No sweep: the clients that come and go must not clean up themselves.
fn no_retention() -> Config {
    Config {
        retention: Duration::ZERO,
        ..Config::default()
    }
}

/// A sender and a listener exchange one message on `topic` and stop.
fn pair_comes_and_goes(url: &str, sender: &str, listener: &str, topic: &str, src: &str) {
    let l = open(url, listener, topic, no_retention());
    let received = Received::default();
    assert!(l.run(received.callback()));
    let s = open(url, sender, src, no_retention());
    assert!(s.run(|_, _, _| {}));
    assert!(s.refresh_address_topic(topic));
    assert!(s.send_to(topic, &payload(1, 32), true));
    assert!(
        received.wait_for(1, WAIT),
        "{sender} -> {listener}: pending {}, stats {:?}",
        s.pending_count(),
        l.stats()
    );
    assert!(s.stop());
    assert!(l.stop());
}

/// Keys in the database, the sweep lease aside (it comes and goes with its TTL).
fn dbsize(redis: &RedisServer) -> u64 {
    let mut con = redis.connection();
    let all: u64 = redis::cmd("DBSIZE").query(&mut con).unwrap();
    let lease: u64 = con.exists("lnr_retention:lease").unwrap();
    all - lease
}

#[test]
fn retention_removes_gone_channels_and_nothing_else() {
    let redis = RedisServer::start_local();
    let p = unique_prefix();
    let (topic, src, pairs) = (format!("{p}work"), format!("{p}src"), format!("{p}pairs"));
    // A live pair that must keep everything.
    let keeper = open(redis.url(), &format!("{p}keeper"), &topic, no_retention());
    let kept = Received::default();
    assert!(keeper.run(kept.callback()));
    let talker = open(redis.url(), &format!("{p}talker"), &src, no_retention());
    assert!(talker.run(|_, _, _| {}));
    assert!(talker.refresh_address_topic(&topic));
    assert!(talker.send_to(&topic, &payload(1, 32), true));
    assert!(kept.wait_for(1, WAIT));
    let janitor = open(
        redis.url(),
        &format!("{p}janitor"),
        &format!("{p}janitor"),
        janitor_config(false),
    );
    assert!(janitor.run(|_, _, _| {}));
    // A first pair creates the keys that stay for good (its topics' numbers); the sweep
    // takes the rest.
    pair_comes_and_goes(
        redis.url(),
        &format!("{p}s"),
        &format!("{p}l"),
        &pairs,
        &src,
    );
    assert!(wait_until(WAIT, || janitor.stats().channels_removed == 1));
    std::thread::sleep(Duration::from_millis(500));
    let before = dbsize(&redis);

    for i in 0..50 {
        let (sender, listener) = (format!("{p}s{i}"), format!("{p}l{i}"));
        pair_comes_and_goes(redis.url(), &sender, &listener, &pairs, &src);
    }
    // Sweeps run meanwhile (every second), so this is no peak; 100 clients leave 350 keys
    // behind them (heartbeat times, 50 channels of 4 keys, 50 sender hints).
    let grown = dbsize(&redis);
    assert!(
        grown > before,
        "{before} keys before, {grown} after 100 clients"
    );
    assert!(
        wait_until(WAIT, || dbsize(&redis) == before),
        "{before} keys before, {} after the sweeps",
        dbsize(&redis)
    );
    // The sweep counts what it removed when it finishes, after its last key went.
    assert!(
        wait_until(WAIT, || janitor.stats().channels_removed == 51),
        "{} channels removed",
        janitor.stats().channels_removed
    );
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(
        janitor.stats().channels_removed,
        51,
        "no channel counted twice"
    );

    // The live channel kept its keys and still works.
    let mut con = redis.connection();
    let ck_key = format!("lnr_connection:{p}talker:{src}:{p}keeper:key");
    let ck: u64 = con.get(&ck_key).unwrap();
    let cursor: Option<u64> = con.get(format!("lnr_connection:{ck}:mess_number")).unwrap();
    assert!(cursor.is_some_and(|c| c >= 1));
    assert!(talker.send_to(&topic, &payload(2, 32), true));
    assert!(kept.wait_for(2, WAIT));
    eprintln!("keys: {before} before, {grown} with 100 gone clients, {before} after the sweeps");
}

#[test]
fn parked_messages_of_gone_channels_go_only_when_allowed() {
    let redis = RedisServer::start_local();
    let p = unique_prefix();
    let topic = format!("{p}away");
    let listener = open(redis.url(), &format!("{p}listener"), &topic, no_retention());
    assert!(listener.run(|_, _, _| {}));
    let sender = open(
        redis.url(),
        &format!("{p}sender"),
        &format!("{p}sender"),
        no_retention(),
    );
    assert!(sender.run(|_, _, _| {}));
    assert!(sender.refresh_address_topic(&topic));
    assert!(listener.stop());
    for seq in 1..=10 {
        assert!(sender.send_to(&topic, &payload(seq, 32), true));
    }
    assert!(wait_until(WAIT, || sender.pending_count() == 10));
    assert!(sender.stop());
    let messages = {
        let mut con = redis.connection();
        let ck: u64 = con
            .get(format!(
                "lnr_connection:{p}sender:{p}sender:{p}listener:key"
            ))
            .unwrap();
        format!("lnr_connection:{ck}:messages")
    };
    let parked = || -> u64 { redis.connection().llen(&messages).unwrap() };

    let careful = open(
        redis.url(),
        &format!("{p}careful"),
        &format!("{p}careful"),
        janitor_config(false),
    );
    assert!(careful.run(|_, _, _| {}));
    std::thread::sleep(Duration::from_secs(9));
    assert_eq!(
        parked(),
        10,
        "kept: its parked messages may still be wanted"
    );
    assert!(careful.stop());

    let reports = Arc::new(Mutex::new(Vec::new()));
    let sink = reports.clone();
    let bold = open(
        redis.url(),
        &format!("{p}bold"),
        &format!("{p}bold"),
        janitor_config(true),
    );
    bold.set_status_callback(Some(Arc::new(move |s: &Status<'_>| {
        if s.kind == StatusKind::ParkedDropped {
            sink.lock().unwrap().push(s.message.to_string());
        }
    })));
    assert!(bold.run(|_, _, _| {}));
    assert!(wait_until(WAIT, || parked() == 0));
    assert!(wait_until(WAIT, || bold.stats().parked_dropped == 10));
    assert!(reports.lock().unwrap()[0].contains("10"));
}

/// A listener that ran once (so the sender has its route) and is away now.
fn sender_with_absent_listener(
    redis: &RedisServer,
    p: &str,
    config: Config,
) -> (Client, String, String) {
    let topic = format!("{p}away");
    let listener_name = format!("{p}listener");
    let listener = open(redis.url(), &listener_name, &topic, no_retention());
    assert!(listener.run(|_, _, _| {}));
    let sender = open(
        redis.url(),
        &format!("{p}sender"),
        &format!("{p}sender"),
        config,
    );
    assert!(sender.run(|_, _, _| {}));
    assert!(sender.refresh_address_topic(&topic));
    assert!(listener.stop());
    (sender, topic, listener_name)
}

/// The listener comes back; returns the seqs it received once everything drained.
fn listener_returns(
    redis: &RedisServer,
    name: &str,
    topic: &str,
    sender: &Client,
    n: usize,
) -> Vec<u64> {
    let listener = open(redis.url(), name, topic, no_retention());
    let received = Received::default();
    assert!(listener.run(received.callback()));
    assert!(received.wait_for(n, WAIT), "got {}", received.len());
    assert!(wait_until(WAIT, || sender.pending_count() == 0));
    std::thread::sleep(Duration::from_millis(200));
    received.seqs()
}

#[test]
fn max_parked_drops_the_oldest_exactly() {
    let redis = RedisServer::start_local();
    let p = unique_prefix();
    let config = Config {
        max_parked: 100,
        ..no_retention()
    };
    let (sender, topic, listener) = sender_with_absent_listener(&redis, &p, config);
    for seq in 1..=250 {
        assert!(sender.send_to(&topic, &payload(seq, 32), true));
    }
    assert!(wait_until(WAIT, || sender.stats().parked_dropped == 150));
    assert_eq!(sender.pending_count(), 100);
    let got = listener_returns(&redis, &listener, &topic, &sender, 100);
    assert_exactly_in_order(&got, 151..=250);
    assert_eq!(sender.stats().parked_dropped, 150);
}

#[test]
fn max_parked_age_drops_what_waited_too_long() {
    let redis = RedisServer::start_local();
    let p = unique_prefix();
    let config = Config {
        max_parked_age: Duration::from_millis(1500),
        liveness_ttl: Duration::from_millis(600),
        ..no_retention()
    };
    let (sender, topic, listener) = sender_with_absent_listener(&redis, &p, config);
    for seq in 1..=50 {
        assert!(sender.send_to(&topic, &payload(seq, 32), true));
    }
    assert!(wait_until(WAIT, || sender.pending_count() == 50));
    assert!(wait_until(WAIT, || sender.stats().parked_dropped == 50));
    for seq in 51..=80 {
        assert!(sender.send_to(&topic, &payload(seq, 32), true));
    }
    assert!(wait_until(WAIT, || sender.pending_count() == 30));
    let got = listener_returns(&redis, &listener, &topic, &sender, 30);
    assert_exactly_in_order(&got, 51..=80);
    assert_eq!(sender.stats().parked_dropped, 50);
}
