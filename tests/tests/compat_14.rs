//! liner 1.4 behaviours that applications rely on: `refresh_address_topic` fails with
//! `NoAddr` while a topic has no address; `unsubscribe` clears this client's own catalog row
//! (announcing it) even in a process that never subscribed, so a restarted process can
//! remove what a crashed one left; a restarted sender parks at-least-once messages for a
//! listener that stopped cleanly, found through its reconnect hints; hints are stored and
//! read in liner 1.4's format (`{topic}\x1f{listener}`).

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::{Pair, Received, assert_exactly_in_order, client, payload, wait_until};
use liner_broker::{Client, Error, ErrorCode, Status, StatusKind};
use liner_tests::{RedisServer, unique_prefix};
use redis::Commands;

const WAIT: Duration = Duration::from_secs(30);
/// An address nobody listens on: what a crashed or stopped client leaves behind.
const DEAD_ADDR: &str = "127.0.0.1:1";

/// The `PeerUnsubscribed` reports a client received, as (topic, peer).
#[derive(Clone, Default)]
struct Unsubscribed(Arc<Mutex<Vec<(String, String)>>>);

impl Unsubscribed {
    fn watch(client: &Client) -> Unsubscribed {
        let seen = Unsubscribed::default();
        let sink = seen.0.clone();
        client.set_status_callback(Some(Arc::new(move |s: &Status<'_>| {
            if s.kind == StatusKind::PeerUnsubscribed {
                let report = (s.topic.to_string(), s.peer.to_string());
                sink.lock().unwrap().push(report);
            }
        })));
        seen
    }

    fn wait_for(&self, topic: &str, peer: &str) -> bool {
        wait_until(WAIT, || {
            let seen = self.0.lock().unwrap();
            seen.iter().any(|(t, p)| t == topic && p == peer)
        })
    }
}

fn catalog(redis: &RedisServer, topic: &str) -> Vec<(String, String)> {
    let mut rows: Vec<(String, String)> = redis
        .connection()
        .hgetall(format!("lnr_topic:{topic}:addr"))
        .unwrap();
    rows.sort();
    rows
}

#[test]
fn refresh_of_a_topic_without_an_address_fails_with_no_addr_until_a_listener_registers() {
    let redis = RedisServer::start_local();
    let p = unique_prefix();
    let topic = format!("{p}later");
    let sender = client(redis.url(), &format!("{p}sender"), &format!("{p}sender"));
    assert!(sender.run(|_, _, _| {}));

    assert!(
        !sender.refresh_address_topic(&topic),
        "refresh of an empty topic succeeded"
    );
    assert_eq!(sender.last_error_code(), ErrorCode::NoAddr);
    assert!(matches!(
        sender.try_refresh_address_topic(&topic),
        Err(Error::NoAddr(t)) if t == topic
    ));

    let listener = client(redis.url(), &topic, &topic);
    assert!(listener.run(|_, _, _| {}));
    assert!(
        sender.refresh_address_topic(&topic),
        "{}",
        sender.last_error_message()
    );
    assert_eq!(sender.last_error_code(), ErrorCode::Ok);
    assert_eq!(sender.try_refresh_address_topic(&topic).unwrap(), 1);
}

#[test]
fn a_new_process_clears_the_row_its_crashed_predecessor_left_and_announces_it() {
    let redis = RedisServer::start_local();
    let p = unique_prefix();
    let (name, topic) = (format!("{p}worker"), format!("{p}jobs"));
    let mut raw = redis.connection();
    // The crashed run's row, and a competing consumer's row that must stay.
    let _: () = raw
        .hset(format!("lnr_topic:{topic}:addr"), DEAD_ADDR, &name)
        .unwrap();
    let _: () = raw
        .hset(
            format!("lnr_topic:{topic}:addr"),
            "127.0.0.1:2",
            format!("{p}other"),
        )
        .unwrap();
    let watcher = client(redis.url(), &format!("{p}watcher"), &format!("{p}watcher"));
    assert!(watcher.run(|_, _, _| {}));
    let unsubscribed = Unsubscribed::watch(&watcher);
    assert!(watcher.refresh_address_topic(&topic));

    // A fresh process of the same client, never subscribed to the topic and not running.
    let restarted = client(redis.url(), &name, &format!("{p}home"));
    assert!(
        restarted.unsubscribe(&topic),
        "{}",
        restarted.last_error_message()
    );

    assert_eq!(
        catalog(&redis, &topic),
        [("127.0.0.1:2".to_string(), format!("{p}other"))],
        "the crashed run's row stayed or the other consumer's row went"
    );
    assert!(
        unsubscribed.wait_for(&topic, &format!("{name}@{DEAD_ADDR}")),
        "the watcher heard no unsubscription of the crashed run's row"
    );
}

#[test]
fn a_running_client_clears_its_own_stale_row_of_a_topic_it_never_subscribed() {
    let redis = RedisServer::start_local();
    let p = unique_prefix();
    let (name, topic) = (format!("{p}worker"), format!("{p}jobs"));
    let _: () = redis
        .connection()
        .hset(format!("lnr_topic:{topic}:addr"), DEAD_ADDR, &name)
        .unwrap();
    let worker = client(redis.url(), &name, &format!("{p}home"));
    assert!(worker.run(|_, _, _| {}));
    assert!(
        worker.unsubscribe(&topic),
        "{}",
        worker.last_error_message()
    );
    assert!(
        catalog(&redis, &topic).is_empty(),
        "{:?}",
        catalog(&redis, &topic)
    );
}

#[test]
fn a_restarted_sender_parks_for_a_listener_that_stopped_cleanly() {
    let redis = RedisServer::start_local();
    let pair = Pair::start(redis.url(), &unique_prefix());
    pair.send(0..1, true);
    assert!(pair.received.wait_for(1, WAIT));
    assert!(pair.listener.stop());
    assert!(
        catalog(&redis, &pair.topic).is_empty(),
        "a clean stop keeps no row"
    );
    assert!(pair.sender.stop());

    // A new process of the same sender: only its reconnect hints know the listener.
    let sender = client(redis.url(), &pair.sender_name, &pair.sender_name);
    assert!(sender.run(|_, _, _| {}));
    assert!(!sender.send_to(&pair.topic, &payload(0, 100), false));
    assert_eq!(
        sender.last_error_code(),
        ErrorCode::NoAddr,
        "best-effort must not fall back to remembered listeners"
    );
    for seq in 1..100 {
        let sent = sender.send_to(&pair.topic, &payload(seq, 100), true);
        assert!(sent, "seq {seq}: {}", sender.last_error_message());
    }
    assert!(
        wait_until(WAIT, || sender.pending_count() == 99),
        "parked {} of 99",
        sender.pending_count()
    );
    assert!(
        !sender.refresh_address_topic(&pair.topic),
        "the listener is away"
    );

    pair.rerun_listener();
    assert!(
        pair.received.wait_for(100, WAIT),
        "got {}",
        pair.received.len()
    );
    assert!(wait_until(WAIT, || sender.pending_count() == 0));
    assert_exactly_in_order(&pair.received.seqs(), 0..100);
    sender.stop();
}

#[test]
fn hints_are_written_and_read_in_liner_1_4_format() {
    let redis = RedisServer::start_local();
    let p = unique_prefix();
    let (listener_name, topic) = (format!("{p}listener"), format!("{p}inbox"));
    let sender_name = format!("{p}sender");
    let hints_key = format!("lnr_sender:{sender_name}:{sender_name}:listener");
    let mut raw = redis.connection();

    // What liner 1.4 left: the listener at an address it has since left, by name.
    let hint = format!("{topic}\x1f{listener_name}");
    let _: () = raw.hset(&hints_key, DEAD_ADDR, &hint).unwrap();
    let sender = client(redis.url(), &sender_name, &sender_name);
    assert!(sender.run(|_, _, _| {}));
    let junk: Vec<String> = raw.keys(format!("lnr_topic:{p}*\x1f*")).unwrap();
    assert!(
        junk.is_empty(),
        "run minted keys for a misread hint: {junk:?}"
    );

    assert!(
        sender.send_to(&topic, &payload(7, 100), true),
        "{}",
        sender.last_error_message()
    );
    assert!(
        wait_until(WAIT, || sender.pending_count() == 1),
        "the message was not parked for the remembered listener"
    );
    let by_peer = sender.pending_by_peer().unwrap();
    assert_eq!(by_peer[0].listener_unique, listener_name);

    let received = Received::default();
    let listener = client(redis.url(), &listener_name, &topic);
    assert!(listener.run(received.callback()));
    assert!(
        received.wait_for(1, WAIT),
        "the parked message never arrived"
    );
    assert_eq!(received.seqs(), [7]);

    let published = listener.published_addr().unwrap();
    let stored: Option<String> = raw.hget(&hints_key, &published).unwrap();
    assert_eq!(
        stored.as_deref(),
        Some(hint.as_str()),
        "the hint is not in liner 1.4's format"
    );
    sender.stop();
    listener.stop();
}

#[test]
fn a_listener_that_unsubscribes_is_not_parked_for_on_that_topic() {
    let redis = RedisServer::start_local();
    let p = unique_prefix();
    let pair = Pair::start(redis.url(), &p);
    let extra = format!("{p}extra");
    let unsubscribed = Unsubscribed::watch(&pair.sender);
    assert!(pair.listener.subscribe(&extra));
    assert!(pair.sender.send_to(&extra, &payload(1, 10), true));
    assert!(pair.received.wait_for(1, WAIT));

    assert!(pair.listener.unsubscribe(&extra));
    let peer = format!("{}@{}", pair.topic, pair.listener.published_addr().unwrap());
    assert!(
        unsubscribed.wait_for(&extra, &peer),
        "no unsubscription heard"
    );
    assert!(!pair.sender.send_to(&extra, &payload(2, 10), true));
    assert_eq!(pair.sender.last_error_code(), ErrorCode::NoAddr);
}
