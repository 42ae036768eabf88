//! Connections that break: garbage, a vanished listener, silence, and reconnecting.

use std::io::Write;
use std::time::Duration;

use liner_core::frame::Frame;

use super::*;

#[test]
fn garbage_from_the_listener_is_a_send_error() {
    let (h, script, _peer, mut side) = connected(fast_config());
    // A length prefix far above any control frame.
    side.stream
        .write_all(&[0xff, 0xff, 0xff, 0x7f, 1, 2, 3])
        .unwrap();
    let message = h.wait_report(StatusKind::SenderSendError, 1);
    assert!(message.contains("protocol"), "{message}");
    h.wait_report(StatusKind::PeerDisconnected, 1);
    assert_eq!(side.next(), None);
    // And it comes back.
    let _again = script.accept_welcome(LISTENER, 0);
    h.wait_report(StatusKind::PeerConnected, 2);
}

#[test]
fn data_from_the_listener_is_a_send_error() {
    let (h, _script, _peer, mut side) = connected(fast_config());
    side.send(&Frame::Data(liner_core::frame::Data {
        seq: 1,
        topic_key: 1,
        flags: 0,
        payload: b"?",
    }));
    let message = h.wait_report(StatusKind::SenderSendError, 1);
    assert!(message.contains("Data"), "{message}");
}

#[test]
fn a_lost_connection_rewinds_spills_and_resends_after_reconnect() {
    let (h, script, peer, mut side) = connected(fast_config());
    for payload in [b"a", b"b", b"c"] {
        h.send(&peer, payload, true);
    }
    assert_eq!(seqs(&side.data(3)), [1, 2, 3]);
    drop(side);
    let message = h.wait_report(StatusKind::PeerDisconnected, 1);
    assert!(message.contains("closed"), "{message}");
    assert!(h.jobs().contains(&Job::Spill(peer.id)));
    // The listener had delivered seq 1 before the connection broke.
    let mut side = script.accept_welcome(LISTENER, 1);
    assert_eq!(
        side.data(2),
        [(2, b"b".to_vec()), (3, b"c".to_vec())],
        "unacked frames resent in order"
    );
    h.wait_report(StatusKind::PeerConnected, 2);
}

#[test]
fn a_silent_listener_is_pinged_then_declared_dead() {
    let config = Config {
        ping_interval: Duration::from_millis(30),
        liveness_timeout: Duration::from_millis(200),
        ..fast_config()
    };
    let (h, _script, _peer, mut side) = welcomed(config);
    assert!(matches!(side.next(), Some(Got::Ping(_))));
    // Never answering: the sender gives up and closes.
    while let Some(got) = side.next() {
        assert!(matches!(got, Got::Ping(_)), "{got:?}");
    }
    let message = h.wait_report(StatusKind::PeerDisconnected, 1);
    assert!(message.contains("silent"), "{message}");
}

#[test]
fn pongs_keep_an_idle_connection_alive() {
    let config = Config {
        ping_interval: Duration::from_millis(25),
        liveness_timeout: Duration::from_millis(500),
        ..fast_config()
    };
    let (h, _script, peer, mut side) = welcomed(config);
    // Twice the liveness timeout (at least), answered ping by ping.
    for _ in 0..40 {
        match side.next() {
            Some(Got::Ping(nonce)) => side.send(&Frame::Pong(nonce)),
            other => panic!("expected a ping, got {other:?}"),
        }
    }
    assert_eq!(h.count(StatusKind::PeerDisconnected), 0);
    assert_eq!(peer.lock().link, Link::Connected);
}

#[test]
fn the_sender_answers_pings() {
    let (_h, _script, _peer, mut side) = welcomed(fast_config());
    side.send(&Frame::Ping(77));
    assert_eq!(side.next(), Some(Got::Pong(77)));
}

#[test]
fn a_connect_now_hint_skips_a_long_backoff() {
    let config = Config {
        reconnect_min: Duration::from_secs(30),
        reconnect_max: Duration::from_secs(30),
        ..fast_config()
    };
    let (h, script, peer, side) = connected(config);
    drop(side);
    h.wait_report(StatusKind::PeerDisconnected, 1);
    // Without the hint the next attempt would be ~30 s away.
    h.point(&peer, script.addr());
    let _side = script.accept_welcome(LISTENER, 0);
    h.wait_report(StatusKind::PeerConnected, 2);
}

#[test]
fn a_hint_with_a_new_address_abandons_the_old_attempt() {
    // Long enough that only the hint can explain a quick switch.
    let config = Config {
        connect_timeout: Duration::from_secs(30),
        ..fast_config()
    };
    let (h, old, peer) = one_peer(config);
    h.point(&peer, old.addr());
    // The old address accepts but never answers the Hello.
    let _stuck = old.accept();
    let new = Script::bind();
    h.point(&peer, new.addr());
    let _side = new.accept_welcome(LISTENER, 0);
    wait_link(&peer, Link::Connected);
}

#[test]
fn best_effort_frames_stuck_in_the_window_are_dropped_and_counted_on_loss() {
    // The listener will neither read nor answer pings: only its close may end the link.
    let config = Config {
        liveness_timeout: Duration::from_secs(120),
        ping_interval: Duration::from_secs(60),
        ..fast_config()
    };
    let (h, _script, peer, side) = connected(config);
    // The listener reads nothing: socket buffers fill, then the window, until the sender
    // cannot write any more (its unsent bytes stop shrinking).
    let payload = [7u8; 1000];
    wait_for("the sender blocked on a full socket", || {
        for _ in 0..1000 {
            h.send(&peer, &payload, false);
        }
        let before = peer.lock().window.unsent().len();
        std::thread::sleep(Duration::from_millis(20));
        let after = peer.lock().window.unsent().len();
        (after > 0 && after == before).then_some(())
    });
    let dropped_while_full = peer.lock().dropped_best_effort;
    drop(side);
    h.wait_report(StatusKind::PeerDisconnected, 1);
    let st = peer.lock();
    assert!(st.window.is_empty());
    assert!(st.dropped_best_effort > dropped_while_full);
    assert!(
        !h.jobs().contains(&Job::Spill(peer.id)),
        "never parked in Redis"
    );
}
