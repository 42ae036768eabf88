//! Frames flowing on a connected peer: window bytes out, acks back, the drain window first,
//! and what stopping leaves behind.

use liner_core::ack::TxWindow;
use liner_core::frame::{FLAG_AT_LEAST_ONCE, Frame};

use std::time::Duration;

use super::*;

#[test]
fn frames_flow_in_order_and_acks_free_the_window() {
    let (h, _script, peer, mut side) = connected(fast_config());
    let payloads: Vec<Vec<u8>> = (0..500u32).map(|i| i.to_le_bytes().repeat(8)).collect();
    for payload in &payloads {
        h.send(&peer, payload, true);
    }
    let frames = side.data(payloads.len());
    assert_eq!(seqs(&frames), (1..=500).collect::<Vec<u64>>());
    assert!(frames.iter().zip(&payloads).all(|(f, p)| &f.1 == p));
    assert_eq!(
        peer.lock().window.unacked().count(),
        500,
        "kept until acked"
    );
    side.send(&Frame::Ack(200));
    wait_state(&peer, "ack 200", |st| st.window.unacked().count() == 300);
    side.send(&Frame::Ack(500));
    wait_state(&peer, "window empty", |st| st.window.is_empty());
    assert!(h.jobs().is_empty(), "nothing for Redis: {:?}", h.jobs());
}

#[test]
fn best_effort_frames_are_freed_once_written() {
    let (h, _script, peer, mut side) = connected(fast_config());
    h.send(&peer, b"fire", false);
    h.send(&peer, b"forget", false);
    let frames = side.data(2);
    assert_eq!(frames, [(1, b"fire".to_vec()), (2, b"forget".to_vec())]);
    wait_state(&peer, "window empty", |st| st.window.is_empty());
}

#[test]
fn drain_goes_before_the_window_and_acks_trim_redis() {
    let (h, script, peer) = one_peer(fast_config());
    {
        // As if the worker had read three backlog frames (seqs 1..=3) and send_to had
        // queued 4 and 5 behind them.
        let mut st = peer.lock();
        let mut drain = TxWindow::new(vec![0; 4096]);
        for seq in 1..=3 {
            drain
                .push_data(seq, TOPIC_KEY, FLAG_AT_LEAST_ONCE, b"parked")
                .unwrap();
        }
        st.drain = Some(drain);
        st.redis_len = 3;
        st.redis_read = 3;
        for seq in 4..=5 {
            st.window
                .push_data(seq, TOPIC_KEY, FLAG_AT_LEAST_ONCE, b"new")
                .unwrap();
        }
    }
    h.point(&peer, script.addr());
    // The listener already has seq 1: it is trimmed without being sent.
    let mut side = script.accept_welcome(LISTENER, 1);
    assert_eq!(seqs(&side.data(4)), [2, 3, 4, 5]);
    side.send(&Frame::Ack(3));
    wait_state(&peer, "drain acked", |st| {
        st.drain.as_ref().is_some_and(|d| d.is_empty())
    });
    let trims: Vec<Job> = h
        .jobs()
        .into_iter()
        .filter(|j| matches!(j, Job::Trim(..)))
        .collect();
    assert_eq!(trims, [Job::Trim(peer.id, 1, 1), Job::Trim(peer.id, 2, 3)]);
    side.send(&Frame::Ack(5));
    wait_state(&peer, "window empty", |st| st.window.is_empty());
}

#[test]
fn stop_says_bye_and_leaves_unacked_frames_for_redis() {
    let (mut h, _script, peer, mut side) = two_frames_on_the_wire();
    side.send(&Frame::Ack(1));
    wait_state(&peer, "ack 1", |st| st.window.unacked().count() == 1);
    let _poll = h.stop();
    assert_eq!(side.next(), Some(Got::Bye));
    assert_eq!(side.next(), None);
    let st = peer.lock();
    assert_eq!(st.link, Link::Offline);
    let unacked: Vec<u64> = st.window.unacked().map(|(seq, _)| seq).collect();
    assert_eq!(unacked, [2]);
    assert!(h.jobs().contains(&Job::Spill(peer.id)));
}

#[test]
fn the_returned_poll_serves_a_second_run() {
    let mut h = Harness::start(fast_config());
    let poll = h.stop();
    h.shared
        .running
        .store(true, std::sync::atomic::Ordering::Release);
    h.thread = Some(super::super::spawn(h.shared.clone(), poll).unwrap());
    let script = Script::bind();
    let peer = h.peer(LISTENER);
    h.point(&peer, script.addr());
    let _side = script.accept_welcome(LISTENER, 0);
    wait_link(&peer, Link::Connected);
}

#[test]
fn an_ack_arriving_as_the_client_stops_still_frees_its_frames() {
    let (mut h, _script, peer, mut side) = two_frames_on_the_wire();
    side.send(&Frame::Ack(2));
    let _poll = h.stop();
    assert!(peer.lock().window.is_empty());
    assert!(!h.jobs().contains(&Job::Spill(peer.id)), "nothing to park");
    assert_eq!(side.next(), Some(Got::Bye));
}

#[test]
fn unbounded_timeouts_do_not_overflow() {
    let config = Config {
        connect_timeout: Duration::MAX,
        liveness_timeout: Duration::MAX,
        ping_interval: Duration::MAX,
        reconnect_min: Duration::MAX,
        reconnect_max: Duration::MAX,
        ..fast_config()
    };
    let (h, _script, peer, mut side) = connected(config);
    h.send(&peer, b"x", true);
    assert_eq!(seqs(&side.data(1)), [1]);
}

/// A connected peer whose listener has read at-least-once frames 1 and 2 but acked neither.
fn two_frames_on_the_wire() -> (Harness, Script, Arc<OutPeer>, Side) {
    let (h, script, peer, mut side) = connected(fast_config());
    h.send(&peer, b"one", true);
    h.send(&peer, b"two", true);
    assert_eq!(seqs(&side.data(2)), [1, 2]);
    (h, script, peer, side)
}

/// Pushes `payload` to an idle connection and checks the caller did not write it.
fn assert_left_to_the_sender_thread(payload: &[u8], may_write_directly: bool) {
    let (h, _script, peer, mut side) = connected(fast_config());
    wait_state(&peer, "idle stream", |st| {
        st.stream.socket.is_some() && !st.stream.busy && !st.wake_pending
    });
    std::thread::sleep(Duration::from_millis(1));
    let wake = peer
        .enqueue(
            &h.shared.jobs,
            &head(true),
            payload,
            PATIENCE,
            may_write_directly,
        )
        .unwrap();
    assert!(
        wake,
        "not written by the caller: the sender thread must be woken"
    );
    assert!(!peer.lock().window.unsent().is_empty());
    h.shared.wake_sender();
    let frames = side.data(1);
    assert_eq!(frames[0].1, payload);
}

#[test]
fn a_fan_out_frame_to_an_idle_connection_is_left_to_the_sender_thread() {
    assert_left_to_the_sender_thread(b"fan-out", false);
}

#[test]
fn a_big_frame_to_an_idle_connection_is_left_to_the_sender_thread() {
    assert_left_to_the_sender_thread(&[7; 20 * 1024], true);
}

#[test]
fn a_frame_to_an_idle_connection_is_written_by_the_caller() {
    let (h, _script, peer, mut side) = connected(fast_config());
    wait_state(&peer, "idle stream", |st| {
        st.stream.socket.is_some() && !st.stream.busy && !st.wake_pending
    });
    // Longer than the idle gap since the last attempt (there was none).
    std::thread::sleep(Duration::from_millis(1));
    let wake = peer
        .enqueue(&h.shared.jobs, &head(true), b"direct", PATIENCE, true)
        .unwrap();
    assert!(!wake, "written already: nothing for the sender thread");
    assert!(peer.lock().window.unsent().is_empty());
    assert_eq!(peer.lock().window.unacked().count(), 1, "kept until acked");
    // Whatever path the next ones take, the stream stays whole and in order.
    for payload in [&b"next"[..], b"and next"] {
        h.send(&peer, payload, true);
    }
    let frames = side.data(3);
    assert_eq!(seqs(&frames), [1, 2, 3]);
    assert_eq!(frames[0].1, b"direct");
    side.send(&Frame::Ack(3));
    wait_state(&peer, "window empty", |st| st.window.is_empty());
}
