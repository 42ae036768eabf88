//! Peer events over Pub/Sub: round trip, skipping junk, database isolation, stopping, and
//! surviving a Redis restart.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver};
use std::thread::{self, JoinHandle};
use std::time::Duration;

use liner_broker::store::{EventNote, PeerEvent, PeerEventKind, Store};
use liner_tests::{RedisServer, unique_prefix};
use redis::Commands;

const POLL: Duration = Duration::from_millis(50);
const WAIT: Duration = Duration::from_secs(10);

/// A subscriber running on its own thread, its notes forwarded to a channel.
struct Running {
    stop: Arc<AtomicBool>,
    notes: Receiver<EventNote>,
    thread: Option<JoinHandle<()>>,
}

impl Running {
    fn start(store: &Store) -> Self {
        let subscriber = store.event_subscriber();
        let stop = Arc::new(AtomicBool::new(false));
        let (tx, notes) = mpsc::channel();
        let stopping = Arc::clone(&stop);
        let thread = thread::spawn(move || {
            subscriber.run(&stopping, POLL, |note| {
                let _ = tx.send(note);
            });
        });
        Self {
            stop,
            notes,
            thread: Some(thread),
        }
    }

    fn next(&self) -> EventNote {
        self.notes
            .recv_timeout(WAIT)
            .expect("no note from the subscriber")
    }

    fn next_event(&self) -> PeerEvent {
        match self.next() {
            EventNote::Event(event) => event,
            other => panic!("expected an event, got {other:?}"),
        }
    }

    fn stop(mut self) {
        self.stop.store(true, Ordering::Release);
        self.thread.take().unwrap().join().unwrap();
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Release);
    }
}

fn event(kind: PeerEventKind, topic: &str, name: &str) -> PeerEvent {
    PeerEvent {
        kind,
        topic: topic.to_string(),
        addr: "127.0.0.1:4000".to_string(),
        unique_name: name.to_string(),
    }
}

#[test]
fn events_arrive_in_order_and_junk_is_skipped() {
    let server = RedisServer::start();
    let mut store = server.store();
    let running = Running::start(&store);
    assert_eq!(running.next(), EventNote::Subscribed);

    let p = unique_prefix();
    let sent: Vec<PeerEvent> = [
        PeerEventKind::Connected,
        PeerEventKind::Subscribed,
        PeerEventKind::Unsubscribed,
        PeerEventKind::Disconnected,
    ]
    .into_iter()
    .map(|kind| event(kind, &format!("{p}t"), &format!("{p}n")))
    .collect();
    let channel = format!("lnr_events:{}", store.db());
    let mut raw = server.connection();
    raw.publish::<_, _, ()>(&channel, "not an event").unwrap();
    for e in &sent {
        store.publish_event(e).unwrap();
    }
    // With an external server other tests may publish too: keep only ours.
    let mut got = Vec::new();
    while got.len() < sent.len() {
        let e = running.next_event();
        if e.unique_name.starts_with(&p) {
            got.push(e);
        }
    }
    assert_eq!(got, sent);
    running.stop();
}

#[test]
fn events_stay_within_their_database() {
    let server = RedisServer::start_local();
    let mut db0 = server.store();
    let mut db5 = Store::connect(&format!("{}5", server.url()), Default::default()).unwrap();
    let running = Running::start(&db0);
    assert_eq!(running.next(), EventNote::Subscribed);

    db5.publish_event(&event(PeerEventKind::Connected, "elsewhere", "x"))
        .unwrap();
    let mine = event(PeerEventKind::Connected, "here", "y");
    db0.publish_event(&mine).unwrap();
    assert_eq!(running.next_event(), mine, "db 5's event leaked into db 0");
    running.stop();
}

#[test]
fn subscriber_survives_a_redis_restart() {
    let mut server = RedisServer::start_local();
    let mut store = server.store();
    let running = Running::start(&store);
    assert_eq!(running.next(), EventNote::Subscribed);

    server.restart_empty();
    assert!(matches!(running.next(), EventNote::Lost(_)));
    assert_eq!(running.next(), EventNote::Subscribed);
    let after = event(PeerEventKind::Subscribed, "back", "z");
    store.publish_event(&after).unwrap();
    assert_eq!(running.next_event(), after);
    running.stop();
}

#[test]
fn subscriber_waits_for_a_server_that_is_down_and_stops_on_request() {
    let mut server = RedisServer::start_local();
    let store = server.store();
    server.stop();
    let running = Running::start(&store);
    assert!(matches!(running.next(), EventNote::Lost(_)));
    // Reported once per outage, not on every retry.
    assert!(
        running
            .notes
            .recv_timeout(Duration::from_millis(500))
            .is_err()
    );

    server.restart_empty();
    assert_eq!(running.next(), EventNote::Subscribed);
    running.stop();
}
