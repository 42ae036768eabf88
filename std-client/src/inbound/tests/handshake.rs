//! Handshake outcomes: Welcome with the right cursor, and every way a first frame is refused.

use super::*;

#[test]
fn welcome_resumes_at_the_stored_cursor() {
    let store = MemStore::default();
    store.set(21, 5);
    let rig = Rig::start_with(config(), store, |_| {});
    assert_eq!(rig.connect().handshake(21), 5);
    assert_eq!(rig.connect().handshake(22), 0, "a new key starts at 0");
}

#[test]
fn unsupported_version_is_rejected_while_another_connection_keeps_working() {
    let rig = Rig::start(config());
    let mut good = rig.connect();
    good.handshake(1);

    let mut bad = rig.connect();
    // Body byte 0 is the kind, 1..5 the magic, 5 the version varint.
    bad.send_raw(&patched_hello(5, 3));
    assert_eq!(bad.recv(), Got::Reject(RejectReason::UnsupportedVersion));
    assert_eq!(bad.recv(), Got::Closed);

    good.send(&[data(1, b"still here")]);
    assert_eq!(good.acks_until(1), [1]);
    assert_eq!(rig.payloads(), [b"still here".to_vec()]);

    let reports = rig.reports_of(StatusKind::PeerProtocolError);
    assert_eq!(reports.len(), 1, "{reports:?}");
    assert_eq!(reports[0].peer, bad.local_addr());
    assert!(reports[0].message.contains("version 3"), "{reports:?}");
    assert_eq!(rig.stat(|s| &s.rejected), 1);
}

#[test]
fn bad_magic_is_rejected() {
    let rig = Rig::start(config());
    let mut peer = rig.connect();
    peer.send_raw(&patched_hello(1, b'X'));
    assert_eq!(peer.recv(), Got::Reject(RejectReason::BadMagic));
    assert_eq!(peer.recv(), Got::Closed);
}

#[test]
fn hello_for_another_listener_is_rejected_without_a_report() {
    let rig = Rig::start(config());
    let mut peer = rig.connect();
    peer.send(&[hello_to("carol", 3)]);
    assert_eq!(peer.recv(), Got::Reject(RejectReason::WrongListener));
    assert_eq!(peer.recv(), Got::Closed);
    assert!(rig.reports_of(StatusKind::PeerProtocolError).is_empty());
}

#[test]
fn oversize_length_is_refused_from_the_prefix_and_reported() {
    let rig = Rig::start(config());
    let mut peer = rig.connect();
    let too_long = u32::try_from(rig.shared.config.max_body_len() + 1).unwrap();
    peer.send_raw(&too_long.to_le_bytes());
    assert_eq!(peer.recv(), Got::Reject(RejectReason::Malformed));
    assert_eq!(peer.recv(), Got::Closed);
    let reports = rig.reports_of(StatusKind::PeerProtocolError);
    assert!(
        reports[0].message.contains("exceeds the maximum"),
        "{reports:?}"
    );
}

#[test]
fn garbage_and_frames_out_of_place_are_refused() {
    let rig = Rig::start(config());
    let mut garbage = rig.connect();
    garbage.send_raw(b"GET / HTTP/1.1\r\n\r\n");
    assert_eq!(garbage.recv(), Got::Reject(RejectReason::Malformed));
    assert_eq!(garbage.recv(), Got::Closed);

    let mut early = rig.connect();
    early.send(&[data(1, b"before hello")]);
    assert_eq!(early.recv(), Got::Reject(RejectReason::Malformed));
    assert_eq!(early.recv(), Got::Closed);

    let mut twice = rig.connect();
    twice.handshake(4);
    twice.send(&[hello(4)]);
    assert_eq!(twice.recv(), Got::Closed, "no Reject after the handshake");

    assert_eq!(rig.reports_of(StatusKind::PeerProtocolError).len(), 3);
    assert!(rig.payloads().is_empty());
}

#[test]
fn garbage_after_the_handshake_closes_only_that_connection() {
    let rig = Rig::start(config());
    let mut good = rig.connect();
    good.handshake(1);
    let mut bad = rig.connect();
    bad.handshake(2);
    // A frame of 5 body bytes whose kind byte is unknown.
    bad.send_raw(&[5, 0, 0, 0, 0xee, 1, 2, 3, 4]);
    assert_eq!(bad.recv(), Got::Closed);
    let reports = rig.reports_of(StatusKind::PeerProtocolError);
    assert!(
        reports[0].message.contains("unknown frame kind"),
        "{reports:?}"
    );

    good.send(&[data(1, b"ok")]);
    assert_eq!(good.acks_until(1), [1]);
}

#[test]
fn connections_beyond_max_peers_are_refused_busy() {
    let rig = Rig::start(Config {
        max_peers: 1,
        ..config()
    });
    let mut first = rig.connect();
    first.handshake(1);
    let mut second = rig.connect();
    second.send(&[hello(2)]);
    assert_eq!(second.recv(), Got::Reject(RejectReason::Busy));
    assert_eq!(second.recv(), Got::Closed);
    assert_eq!(rig.reports_of(StatusKind::PeerLimited).len(), 1);
    first.send(&[data(1, b"x")]);
    assert_eq!(first.acks_until(1), [1]);
}

#[test]
fn silent_connections_are_closed() {
    let rig = Rig::start(Config {
        connect_timeout: Duration::from_millis(100),
        liveness_timeout: Duration::from_millis(200),
        // Senders ping more often than the listener's liveness timeout (Config::validate).
        ping_interval: Duration::from_millis(50),
        ..config()
    });
    let mut mute = rig.connect();
    let mut idle = rig.connect();
    idle.handshake(1);
    let started = Instant::now();
    assert_eq!(mute.recv(), Got::Closed, "no Hello within connect_timeout");
    assert_eq!(idle.recv(), Got::Closed, "nothing within liveness_timeout");
    assert!(started.elapsed() < PATIENCE);
}

#[test]
fn store_failure_on_resume_is_reported_and_starts_at_zero() {
    let store = MemStore::default();
    store.set(8, 40);
    store.failing.store(true, Ordering::SeqCst);
    let rig = Rig::start_with(config(), store, |_| {});
    let mut peer = rig.connect();
    assert_eq!(peer.handshake(8), 0);
    let reports = rig.reports_of(StatusKind::ListenerStoreError);
    assert_eq!(reports.len(), 1, "{reports:?}");
    assert_eq!(reports[0].peer, peer.local_addr());
}

#[test]
fn a_slow_callback_does_not_make_other_connections_look_silent() {
    let rig = Rig::start_with(
        Config {
            liveness_timeout: Duration::from_millis(300),
            ping_interval: Duration::from_millis(50),
            ..config()
        },
        MemStore::default(),
        |payload| {
            if payload == b"slow" {
                std::thread::sleep(Duration::from_millis(600));
            }
        },
    );
    let mut busy = rig.connect();
    busy.handshake(1);
    let mut other = rig.connect();
    other.handshake(2);
    busy.send(&[data(1, b"slow")]);
    std::thread::sleep(Duration::from_millis(100));
    // Arrives while the listener thread is stuck in the callback.
    other.send(&[Frame::Ping(5)]);
    assert_eq!(busy.acks_until(1), [1]);
    assert_eq!(
        other.recv(),
        Got::Pong(5),
        "the waiting Ping proves it alive"
    );
}
