//! Status for operators, with real processes and a real redis-server: `peers` tells per
//! catalog row whether the client behind it is alive and since when; a stopped client
//! leaves no row; a SIGKILLed one shows dead, with its last heartbeat, until a reaper
//! removes its row; `pending_by_peer` names the topic and address of a listener that is
//! away.

mod common;

use std::time::{Duration, Instant};

use common::{Pair, client, listener_process, payload, wait_until};
use liner_broker::{Client, Config, PeerInfo};
use liner_tests::{RedisServer, unique_prefix};

const WAIT: Duration = Duration::from_secs(30);

/// The Redis server's clock in unix ms (liveness times are on it).
fn redis_now_ms(redis: &RedisServer) -> u64 {
    let (secs, micros): (u64, u64) = redis::cmd("TIME")
        .query(&mut redis.connection())
        .expect("TIME");
    secs * 1000 + micros / 1000
}

fn peers(observer: &Client, topic: &str) -> Vec<PeerInfo> {
    observer
        .try_peers(topic)
        .unwrap_or_else(|e| panic!("peers of {topic}: {e}"))
}

#[test]
fn a_live_listener_shows_live_since_it_registered() {
    let redis = RedisServer::start();
    let p = unique_prefix();
    let topic = format!("{p}orders");
    let listener = client(redis.url(), &format!("{p}node"), &topic);
    let before_run = redis_now_ms(&redis);
    assert!(listener.run(|_, _, _| {}));
    let addr = listener.published_addr().expect("published while running");
    // An observer needs no `run`: operators query from a tool.
    let observer = client(redis.url(), &format!("{p}ops"), &format!("{p}ops"));

    // The first heartbeat follows `run` at once; wait for its `seen`.
    assert!(
        wait_until(WAIT, || peers(&observer, &topic)
            .first()
            .is_some_and(|row| row.last_seen_unix_ms.is_some())),
        "no heartbeat recorded for the running listener: {:?}",
        peers(&observer, &topic)
    );
    let after = redis_now_ms(&redis);
    let rows = peers(&observer, &topic);
    let [row] = &rows[..] else {
        panic!("one row expected, got {rows:?}");
    };
    assert_eq!(
        (row.addr.as_str(), row.unique_name.as_str()),
        (addr.as_str(), &*format!("{p}node"))
    );
    assert!(row.live, "a running listener reads as dead: {row:?}");
    let since = row.since_unix_ms.expect("a registered row has a since");
    assert!(
        (before_run..=after).contains(&since),
        "since {since} is not between run ({before_run}) and now ({after})"
    );
    let seen = row.last_seen_unix_ms.unwrap();
    assert!(
        (since..=after).contains(&seen),
        "last seen {seen} is not between since ({since}) and now ({after})"
    );
    // The 1.4 call lists the same rows, without liveness.
    assert_eq!(
        observer.list_addresses(&topic).unwrap(),
        [(row.addr.clone(), row.unique_name.clone())]
    );
    assert_eq!(observer.peers(&topic).as_deref(), Some(&rows[..]));

    assert!(listener.stop());
    assert_eq!(
        peers(&observer, &topic),
        [],
        "a stopped listener's row is gone with its liveness"
    );
}

#[test]
fn a_killed_listener_shows_dead_with_its_last_heartbeat_until_reaped() {
    let redis = RedisServer::start();
    let p = unique_prefix();
    let (name, topic) = (format!("{p}doomed"), format!("{p}work"));
    let mut doomed = listener_process(redis.url(), &name, &topic);
    let observer = client(redis.url(), &format!("{p}ops"), &format!("{p}ops"));
    assert!(
        wait_until(WAIT, || peers(&observer, &topic)
            .first()
            .is_some_and(|row| row.live && row.last_seen_unix_ms.is_some())),
        "the child listener never read as live: {:?}",
        peers(&observer, &topic)
    );
    let alive = peers(&observer, &topic).remove(0);

    doomed.kill9();
    let killed = Instant::now();
    let killed_at = redis_now_ms(&redis);
    assert!(
        wait_until(WAIT, || !peers(&observer, &topic)[0].live),
        "the killed listener still reads as live"
    );
    let dead_after = killed.elapsed();
    let ttl = Config::default().liveness_ttl;
    assert!(
        dead_after <= ttl + Duration::from_secs(1),
        "read as live {dead_after:?} after the kill (ttl {ttl:?})"
    );

    // Reading does not reap: the dead row stays, with what Redis knew of it.
    for _ in 0..2 {
        let rows = peers(&observer, &topic);
        let [row] = &rows[..] else {
            panic!("the dead row should stay listed until reaped, got {rows:?}");
        };
        assert!(!row.live);
        assert_eq!(
            (&row.addr, &row.unique_name),
            (&alive.addr, &alive.unique_name)
        );
        assert_eq!(row.since_unix_ms, alive.since_unix_ms, "since changed");
        let seen = row
            .last_seen_unix_ms
            .expect("a dead client's last heartbeat");
        assert!(
            seen >= alive.last_seen_unix_ms.unwrap() && seen <= killed_at,
            "last seen {seen} is not between the live reading ({:?}) and the kill ({killed_at})",
            alive.last_seen_unix_ms
        );
    }
    assert!(
        redis
            .store()
            .reap(&topic, &alive.addr, &alive.unique_name)
            .unwrap(),
        "the reaper did not remove the expired row"
    );
    assert_eq!(
        peers(&observer, &topic),
        [],
        "the reaped row is still listed"
    );
    eprintln!("killed listener read as dead {dead_after:?} after the SIGKILL (ttl {ttl:?})");
}

#[test]
fn a_row_without_liveness_reads_as_dead_with_unknown_times() {
    let redis = RedisServer::start();
    let p = unique_prefix();
    let topic = format!("{p}legacy");
    // What a liner 1.4 client writes: the catalog row alone.
    let _: () = redis::cmd("HSET")
        .arg(format!("lnr_topic:{topic}:addr"))
        .arg("127.0.0.1:9")
        .arg(format!("{p}old"))
        .query(&mut redis.connection())
        .unwrap();
    let observer = client(redis.url(), &format!("{p}ops"), &format!("{p}ops"));
    assert_eq!(
        peers(&observer, &topic),
        [PeerInfo {
            addr: "127.0.0.1:9".into(),
            unique_name: format!("{p}old"),
            live: false,
            since_unix_ms: None,
            last_seen_unix_ms: None,
        }]
    );
}

#[test]
fn pending_by_peer_names_the_topic_and_address_of_a_listener_that_is_away() {
    let redis = RedisServer::start();
    let p = unique_prefix();
    let pair = Pair::start(redis.url(), &p);
    let listener_addr = pair.listener.published_addr().unwrap();
    let listener_name = pair.listener.unique_name().to_string();
    assert!(pair.listener.stop());
    assert!(
        wait_until(WAIT, || pair
            .sender
            .try_list_addresses(&pair.topic)
            .unwrap()
            .is_empty()),
        "the stopped listener's row stayed"
    );
    const PARKED: u64 = 20;
    for seq in 1..=PARKED {
        assert!(
            pair.sender.send_to(&pair.topic, &payload(seq, 100), true),
            "seq {seq}: {}",
            pair.sender.last_error_message()
        );
    }
    assert!(
        wait_until(WAIT, || pair.sender.pending_count() == PARKED as i64),
        "{} parked, expected {PARKED}",
        pair.sender.pending_count()
    );
    let expected = |backlog: &[liner_broker::PeerBacklog]| {
        let [one] = backlog else {
            panic!("one listener with a backlog expected, got {backlog:?}");
        };
        assert_eq!(one.listener_unique, listener_name);
        assert_eq!(one.listener_topic.as_deref(), Some(pair.topic.as_str()));
        assert_eq!(one.listener_addr.as_deref(), Some(listener_addr.as_str()));
        assert_eq!(one.count, PARKED);
    };
    expected(&pair.sender.pending_by_peer().unwrap());

    // A sender process that starts while the listener is still away knows it from its
    // hints alone.
    assert!(pair.sender.stop());
    let restarted = client(redis.url(), &pair.sender_name, &pair.sender_name);
    expected(&restarted.try_pending_by_peer().unwrap());

    // Back on another port: the catalog's address wins over the remembered one.
    let back = client(redis.url(), &listener_name, &pair.topic);
    assert!(back.run(|_, _, _| {}));
    let new_addr = back.published_addr().unwrap();
    assert_ne!(
        new_addr, listener_addr,
        "the ephemeral port came back; nothing tested"
    );
    let backlog = restarted.try_pending_by_peer().unwrap();
    let [one] = &backlog[..] else {
        panic!("one listener with a backlog expected, got {backlog:?}");
    };
    assert_eq!(
        (one.listener_addr.as_deref(), one.listener_topic.as_deref()),
        (Some(new_addr.as_str()), Some(pair.topic.as_str())),
        "the listener's current row was not preferred to the remembered address"
    );
    assert!(back.stop());
}
