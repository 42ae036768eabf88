//! Liveness and identity with real processes and a real redis-server: a SIGKILLed listener
//! with a live twin is routed around and its catalog row removed once its liveness expired;
//! a second live client with the same unique name is refused; a process restarted after a
//! SIGKILL takes its name over at once.

mod common;

use std::time::{Duration, Instant};

use common::{Received, listener_process, open, payload, sender_to, wait_until};
use liner_broker::{Config, Error, ErrorCode};
use liner_tests::{RedisServer, unique_prefix};
use redis::Commands;

const WAIT: Duration = Duration::from_secs(30);

/// The default liveness TTL of the child processes.
fn ttl() -> Duration {
    Config::default().liveness_ttl
}

#[test]
fn a_dead_twin_is_routed_around_and_its_row_removed() {
    let redis = RedisServer::start_local();
    let p = unique_prefix();
    let topic = format!("{p}work");
    let mut doomed = listener_process(redis.url(), &format!("{p}doomed"), &topic);
    let twin = open(redis.url(), &format!("{p}twin"), &topic, Config::default());
    let received = Received::default();
    assert!(twin.run(received.callback()));
    let sender = sender_to(
        redis.url(),
        &format!("{p}sender"),
        &topic,
        Config::default(),
    );
    assert_eq!(sender.list_addresses(&topic).unwrap().len(), 2);

    doomed.kill9();
    let killed = Instant::now();
    let mut seq = 0;
    let mut send = |n: u64| {
        for _ in 0..n {
            seq += 1;
            assert!(sender.send_to(&topic, &payload(seq, 64), true));
        }
    };
    // Until its liveness expires the dead listener still gets its turn (parked for it).
    while killed.elapsed() < ttl() {
        send(10);
        std::thread::sleep(Duration::from_millis(20));
    }
    let mut con = redis.connection();
    let rows = || -> usize { con.hlen(format!("lnr_topic:{topic}:addr")).unwrap() };
    let mut rows = rows;
    assert!(wait_until(WAIT, || rows() == 1), "the dead row stays");
    let removed_after = killed.elapsed();
    let parked_before = sender.pending_count();
    send(1000);
    assert!(wait_until(WAIT, || received.len() as u64 >= seq - parked_before as u64));
    assert_eq!(
        sender.pending_count(),
        parked_before,
        "after the TTL nothing more is parked for the dead listener"
    );
    eprintln!(
        "dead row removed {removed_after:?} after the kill (ttl {:?}); {parked_before} \
         parked for it before",
        ttl()
    );
}

#[test]
fn a_second_live_client_with_the_same_name_is_refused() {
    let redis = RedisServer::start();
    let p = unique_prefix();
    let name = format!("{p}only");
    let first = open(redis.url(), &name, &name, Config::default());
    let received = Received::default();
    assert!(first.run(received.callback()));
    let first_addr = first.published_addr().unwrap();

    let second = open(redis.url(), &name, &name, Config::default());
    match second.try_run(|_, _, _| {}) {
        Err(Error::DuplicateName(n, addr)) => {
            assert_eq!(
                (n.as_str(), addr.as_str()),
                (name.as_str(), first_addr.as_str())
            );
        }
        other => panic!("expected DuplicateName, got {other:?}"),
    }
    assert!(!second.run(|_, _, _| {}));
    assert_eq!(second.last_error_code(), ErrorCode::DuplicateName);
    assert!(second.last_error_message().contains(&first_addr));

    // The first one is untouched: still in the catalog and still receiving.
    let sender = sender_to(redis.url(), &format!("{p}sender"), &name, Config::default());
    assert!(sender.send_to(&name, &payload(1, 64), true));
    assert!(received.wait_for(1, WAIT));
}

#[test]
fn a_restart_after_sigkill_takes_the_name_over_at_once() {
    let redis = RedisServer::start_local();
    let p = unique_prefix();
    let name = format!("{p}phoenix");
    let mut crashed = listener_process(redis.url(), &name, &name);
    crashed.kill9();
    let started = Instant::now();
    let again = open(redis.url(), &name, &name, Config::default());
    let received = Received::default();
    assert!(
        again.run(received.callback()),
        "{}",
        again.last_error_message()
    );
    let took = started.elapsed();
    // The predecessor's liveness has not expired; the probe found it gone.
    assert!(
        took < ttl(),
        "took over after {took:?}, not before the TTL ({:?})",
        ttl()
    );
    eprintln!("took the name over {took:?} after the SIGKILL");

    let mut con = redis.connection();
    let rows: Vec<(String, String)> = con
        .hgetall(format!("lnr_topic:{name}:addr"))
        .map(|m: std::collections::HashMap<String, String>| m.into_iter().collect())
        .unwrap();
    assert_eq!(rows, [(again.published_addr().unwrap(), name.clone())]);
    let sender = sender_to(redis.url(), &format!("{p}sender"), &name, Config::default());
    assert!(sender.send_to(&name, &payload(7, 64), true));
    assert!(received.wait_for(1, WAIT));
}
