//! Connect, Hello, Welcome (or not), and what the Welcome cursor does to the window.

use std::net::TcpListener;
use std::time::Duration;

use liner_core::frame::{Frame, RejectReason};

use super::*;
use crate::registry::RouteRow;

#[test]
fn hello_names_the_channel_and_welcome_connects() {
    let (h, script, peer) = one_peer(fast_config());
    h.point(&peer, script.addr());
    let mut side = script.accept();
    let hello = side.next();
    let expected = Got::Hello {
        sender: SENDER.into(),
        topic: SENDER_TOPIC.into(),
        listener: "listener-a".into(),
        ck: peer.ck,
    };
    assert_eq!(hello, Some(expected));
    assert_eq!(peer.lock().link, Link::Connecting);
    side.welcome(LISTENER, 0);
    let report = h.wait_full_report(StatusKind::PeerConnected, 1);
    wait_link(&peer, Link::Connected);
    assert_eq!(report.peer, format!("listener-a@{}", script.addr()));
    assert_eq!(report.topic, "", "no route leads to this peer");
}

#[test]
fn peer_reports_name_a_topic_routed_to_the_peer() {
    let (h, script, peer) = one_peer(fast_config());
    let row = RouteRow {
        addr: script.addr(),
        peer: peer.clone(),
    };
    h.shared
        .registry
        .set_routes("orders", 9, &[row], false, 1)
        .unwrap();
    h.shared.wake_sender();
    let side = script.accept_welcome(LISTENER, 0);
    assert_eq!(
        h.wait_full_report(StatusKind::PeerConnected, 1).topic,
        "orders"
    );
    drop(side);
    let report = h.wait_full_report(StatusKind::PeerDisconnected, 1);
    assert_eq!(report.topic, "orders");
}

#[test]
fn welcome_cursor_frees_delivered_frames_and_the_rest_is_resent() {
    let (h, script, peer) = one_peer(fast_config());
    h.point(&peer, script.addr());
    let mut side = script.accept_welcome(LISTENER, 0);
    for i in 1..=5u8 {
        h.send(&peer, &[i], true);
    }
    assert_eq!(seqs(&side.data(5)), [1, 2, 3, 4, 5]);
    // The connection breaks before any Ack; the listener had delivered up to 3.
    drop(side);
    let mut again = script.accept_welcome(LISTENER, 3);
    assert_eq!(again.data(2), [(4, vec![4]), (5, vec![5])]);
    h.send(&peer, b"six", true);
    assert_eq!(again.data(1), [(6, b"six".to_vec())]);
}

#[test]
fn frames_never_sent_are_renumbered_above_a_cursor_that_covers_them() {
    let (h, script, peer) = one_peer(fast_config());
    // Queued before the first connection, numbered from 1: a cursor of 40 means an
    // earlier run of this sender already used those seqs; these frames were never sent.
    for i in 1..=3u8 {
        h.send(&peer, &[i], true);
    }
    h.point(&peer, script.addr());
    let mut side = script.accept_welcome(LISTENER, 40);
    assert_eq!(side.data(3), [(41, vec![1]), (42, vec![2]), (43, vec![3])]);
    assert!(
        h.wait_report(StatusKind::SenderSendError, 1)
            .contains("renumbered")
    );
    h.send(&peer, b"new", true);
    assert_eq!(side.data(1), [(44, b"new".to_vec())]);
}

#[test]
fn reject_is_a_send_error_and_the_sender_retries() {
    let (h, script, peer) = one_peer(fast_config());
    h.point(&peer, script.addr());
    for round in 1..=2 {
        let mut side = script.accept();
        assert!(matches!(side.next(), Some(Got::Hello { .. })));
        side.send(&Frame::Reject(RejectReason::Busy));
        let message = h.wait_report(StatusKind::SenderSendError, round);
        assert!(message.contains("busy"), "{message}");
    }
    let _side = script.accept_welcome(LISTENER, 0);
    h.wait_report(StatusKind::PeerConnected, 1);
    assert_eq!(
        h.count(StatusKind::PeerDisconnected),
        1,
        "reported once, not per retry"
    );
}

#[test]
fn welcome_from_another_listener_is_refused() {
    let (h, script, peer) = one_peer(fast_config());
    h.send(&peer, b"kept", true);
    h.point(&peer, script.addr());
    let mut side = script.accept();
    side.next();
    side.welcome("impostor", 0);
    let message = h.wait_report(StatusKind::SenderSendError, 1);
    assert!(message.contains("impostor"), "{message}");
    assert_eq!(side.next(), None, "connection closed, nothing sent");
    assert_eq!(peer.lock().window.unacked().count(), 1);
}

#[test]
fn refused_connects_are_reported_once_and_retried() {
    let h = Harness::start(fast_config());
    let addr = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let peer = h.peer("gone");
    h.point(&peer, addr);
    h.wait_report(StatusKind::PeerDisconnected, 1);
    // Several backoff rounds (10–40 ms each) later: still one report, still offline.
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(h.count(StatusKind::PeerDisconnected), 1);
    assert_eq!(h.count(StatusKind::SenderSendError), 0);
    assert_ne!(peer.lock().link, Link::Connected);
}

#[test]
fn no_welcome_times_out() {
    let config = Config {
        connect_timeout: Duration::from_millis(100),
        ..fast_config()
    };
    let (h, script, peer) = one_peer(config);
    h.point(&peer, script.addr());
    let mut side = script.accept();
    assert!(matches!(side.next(), Some(Got::Hello { .. })));
    let message = h.wait_report(StatusKind::PeerDisconnected, 1);
    assert!(message.contains("Welcome"), "{message}");
    assert_eq!(side.next(), None);
}
