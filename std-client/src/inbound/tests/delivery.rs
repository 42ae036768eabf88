//! Delivery: callback arguments, dedup, Ack timing, Ping/Bye, unknown topics, big frames,
//! a panicking callback.

use super::*;
use crate::jobs::Job;

#[test]
fn delivers_then_acks_the_burst_once_and_hands_the_cursor_to_the_worker() {
    let rig = Rig::start(config());
    let mut peer = rig.connect();
    assert_eq!(peer.handshake(11), 0);
    peer.send(&[data(1, b"one"), data(2, b"two"), data(3, b"three")]);
    assert_eq!(peer.acks_until(3), [3], "one Ack for the whole burst");
    // The Ack is written after the callbacks returned.
    let delivered = rig.delivered.lock().unwrap().clone();
    let expected: Vec<Delivered> = ["one", "two", "three"]
        .iter()
        .map(|p| Delivered {
            to: "inbox".into(),
            from: "src".into(),
            payload: p.as_bytes().to_vec(),
        })
        .collect();
    assert_eq!(delivered, expected);
    assert_eq!(rig.stat(|s| &s.delivered), 3);

    assert_eq!(
        rig.shared.jobs.pop(Duration::ZERO),
        Some(Job::PersistCursors)
    );
    let mut dirty = Vec::new();
    rig.shared.cursors.take(&mut dirty);
    assert_eq!(dirty, [(11, 3)]);
}

#[test]
fn acks_every_ack_batch_frames_within_a_burst() {
    let rig = Rig::start(Config {
        ack_batch: 4,
        ..config()
    });
    let mut peer = rig.connect();
    peer.handshake(1);
    let payloads: Vec<[u8; 1]> = (1..=10u8).map(|i| [i]).collect();
    let frames: Vec<Frame<'_>> = (1..=10)
        .map(|s| data(s, &payloads[s as usize - 1]))
        .collect();
    // One write of 10 small frames reaches the listener in one read on loopback.
    peer.send(&frames);
    assert_eq!(peer.acks_until(10), [4, 8, 10]);
}

#[test]
fn duplicates_are_dropped_and_still_acked() {
    let store = MemStore::default();
    store.set(21, 5);
    let rig = Rig::start_with(config(), store, |_| {});
    let mut peer = rig.connect();
    assert_eq!(peer.handshake(21), 5);
    peer.send(&[data(4, b"old"), data(5, b"old"), data(6, b"new")]);
    assert_eq!(peer.acks_until(6), [6]);
    peer.send(&[data(6, b"again"), data(8, b"gap is fine"), data(7, b"late")]);
    assert_eq!(peer.acks_until(8), [8]);
    assert_eq!(rig.payloads(), [b"new".to_vec(), b"gap is fine".to_vec()]);
    assert_eq!(rig.stat(|s| &s.duplicates), 4);
}

#[test]
fn a_reconnect_resumes_where_delivery_stopped() {
    let rig = Rig::start(config());
    let mut first = rig.connect();
    first.handshake(31);
    first.send(&[data(1, b"a"), data(2, b"b")]);
    assert_eq!(first.acks_until(2), [2]);
    drop(first);
    // The store knows nothing yet (the worker persists later): the cursor is the thread's.
    let mut second = rig.connect();
    assert_eq!(second.handshake(31), 2);
    second.send(&[data(2, b"b"), data(3, b"c")]);
    assert_eq!(second.acks_until(3), [3]);
    assert_eq!(
        rig.payloads(),
        [b"a".to_vec(), b"b".to_vec(), b"c".to_vec()]
    );
}

#[test]
fn a_newer_connection_on_the_same_key_replaces_the_older() {
    let rig = Rig::start(config());
    let mut old = rig.connect();
    old.handshake(41);
    old.send(&[data(1, b"a")]);
    assert_eq!(old.acks_until(1), [1]);
    let mut new = rig.connect();
    assert_eq!(new.handshake(41), 1);
    assert_eq!(old.recv(), Got::Closed);
    new.send(&[data(2, b"b")]);
    assert_eq!(new.acks_until(2), [2]);
}

#[test]
fn ping_gets_pong_and_bye_closes_quietly() {
    let rig = Rig::start(config());
    let mut peer = rig.connect();
    peer.handshake(1);
    peer.send(&[Frame::Ping(42)]);
    assert_eq!(peer.recv(), Got::Pong(42));
    peer.send(&[data(1, b"last"), Frame::Bye]);
    assert_eq!(
        peer.recv(),
        Got::Ack(1),
        "what was delivered is acked on close"
    );
    assert_eq!(peer.recv(), Got::Closed);
    assert_eq!(rig.payloads(), [b"last".to_vec()]);
    assert!(rig.reports.lock().unwrap().is_empty());
}

#[test]
fn a_frame_for_an_unknown_topic_is_never_acked() {
    let rig = Rig::start(config());
    let mut peer = rig.connect();
    peer.handshake(1);
    peer.send(&[
        data(1, b"first"),
        data_for(UNKNOWN_TOPIC, 2, b"held"),
        data(3, b"later"),
    ]);
    assert_eq!(
        peer.acks_until_closed(),
        [1],
        "what came before is acked, the undeliverable frame is not, the connection closes"
    );
    assert_eq!(rig.payloads(), [b"first".to_vec()]);
    assert_eq!(rig.stat(|s| &s.unknown_topic), 1);
    // The sender keeps the frame and offers it again: once the topic is known it is
    // delivered, in order.
    rig.shared
        .own_topics
        .write()
        .unwrap()
        .insert(UNKNOWN_TOPIC, "late");
    let mut again = rig.connect();
    assert_eq!(
        again.handshake(1),
        1,
        "the cursor stayed below the held frame"
    );
    again.send(&[data_for(UNKNOWN_TOPIC, 2, b"held"), data(3, b"later")]);
    assert_eq!(again.acks_until(3), [3]);
    assert_eq!(
        rig.payloads(),
        [b"first".to_vec(), b"held".to_vec(), b"later".to_vec()]
    );
}

#[test]
fn a_topic_subscribed_later_is_delivered_under_its_name() {
    let rig = Rig::start(config());
    rig.shared.own_topics.write().unwrap().insert(12, "news");
    let mut peer = rig.connect();
    peer.handshake(1);
    peer.send(&[data_for(12, 1, b"late")]);
    assert_eq!(peer.acks_until(1), [1]);
    let delivered = rig.delivered.lock().unwrap().clone();
    assert_eq!(delivered.len(), 1);
    assert_eq!(
        (delivered[0].to.as_str(), delivered[0].payload.as_slice()),
        ("news", &b"late"[..])
    );
}

#[test]
fn messages_bigger_than_the_receive_buffer_take_the_slow_path() {
    let rig = Rig::start(Config {
        recv_buffer_bytes: 1024,
        max_message_size: 1 << 20,
        ..config()
    });
    let mut peer = rig.connect();
    peer.handshake(1);
    let big: Vec<u8> = (0..300_000u32).map(|i| (i % 251) as u8).collect();
    peer.send(&[data(1, b"small"), data(2, &big), data(3, b"after")]);
    assert_eq!(*peer.acks_until(3).last().unwrap(), 3);
    assert_eq!(rig.payloads(), [b"small".to_vec(), big, b"after".to_vec()]);
}

#[test]
fn a_panicking_callback_refuses_the_message_and_it_comes_again() {
    let mut first = true;
    let rig = Rig::start_with(config(), MemStore::default(), move |payload| {
        if payload == b"boom" && std::mem::take(&mut first) {
            panic!("callback panics on purpose");
        }
    });
    let mut peer = rig.connect();
    peer.handshake(1);
    peer.send(&[data(1, b"ok"), data(2, b"boom"), data(3, b"after")]);
    assert_eq!(peer.acks_until_closed(), [1]);
    let mut again = rig.connect();
    assert_eq!(again.handshake(1), 1);
    again.send(&[data(2, b"boom"), data(3, b"after")]);
    assert_eq!(again.acks_until(3), [3]);
    assert_eq!(
        rig.payloads(),
        [b"ok".to_vec(), b"boom".to_vec(), b"after".to_vec()]
    );
    assert_eq!(rig.stat(|s| &s.callback_panics), 1);
    assert_eq!(rig.stat(|s| &s.refused), 1);
    assert_eq!(rig.stat(|s| &s.delivered), 3);
}

#[test]
fn a_refused_message_is_not_acked_and_keeps_its_place() {
    let mut refusals = 2;
    let rig = Rig::start_fallible(config(), MemStore::default(), move |payload| {
        if payload == b"b" && refusals > 0 {
            refusals -= 1;
            return Err(Redeliver);
        }
        Ok(())
    });
    for _ in 0..2 {
        let mut peer = rig.connect();
        peer.handshake(1);
        peer.send(&[data(1, b"a"), data(2, b"b"), data(3, b"c")]);
        let acks = peer.acks_until_closed();
        assert!(acks.iter().all(|&a| a == 1), "only 'a' is acked: {acks:?}");
    }
    let mut peer = rig.connect();
    assert_eq!(peer.handshake(1), 1);
    peer.send(&[data(2, b"b"), data(3, b"c")]);
    assert_eq!(peer.acks_until(3), [3]);
    assert_eq!(
        rig.payloads(),
        [b"a".to_vec(), b"b".to_vec(), b"c".to_vec()]
    );
    assert_eq!(rig.stat(|s| &s.refused), 2);
}
