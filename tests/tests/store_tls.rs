//! `rediss://` against a private `redis-server` that speaks TLS only, with a CA made for the
//! test: a client pair delivers, parks while the listener is away and drains; peer events
//! cross Pub/Sub; the CA file can come from `LINER_REDIS_CA_FILE`. And the failures, each a
//! clear error within the connect deadline rather than a panic or a hang: no CA file or the
//! wrong one (the certificate is refused), a missing CA file, `#insecure` (no certificate
//! check), a plain URL to the TLS port, a TLS URL to a plain port or to a server that answers
//! with HTTP, and a server that never answers the TLS handshake.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use common::{Pair, assert_exactly_in_order, wait_until};
use liner_broker::store::{
    CA_FILE_ENV, EventNote, PeerEvent, PeerEventKind, Store, StoreError, StoreTimeouts,
};
use liner_broker::{Client, Config, Error};
use liner_tests::{ChildProcess, FakeRedis, RedisServer, unique_prefix};

const WAIT: Duration = Duration::from_secs(30);
/// A failed connection is reported well within this (the connect timeout is 1 s).
const FAIL_LIMIT: Duration = Duration::from_secs(2);

/// A configuration that trusts the test server's CA.
fn trusting(server: &RedisServer) -> Config {
    let ca = server.tls_certs().expect("a TLS server").ca_cert.clone();
    Config {
        redis_ca_file: Some(ca),
        ..Config::default()
    }
}

/// The error of creating a client on `url` with `config`, and how long it took.
fn refused(url: &str, config: Config) -> (StoreError, Duration) {
    let started = Instant::now();
    let result = Client::open(&unique_prefix(), "tls_topic", "127.0.0.1:0", url, config);
    match result {
        Err(Error::Store(e)) => (e, started.elapsed()),
        Err(other) => panic!("expected a store error, got {other}"),
        Ok(_) => panic!("{url} was accepted"),
    }
}

#[test]
fn a_client_pair_delivers_parks_and_drains_over_tls() {
    let server = RedisServer::start_tls();
    assert!(server.url().starts_with("rediss://"), "{}", server.url());
    let pair = Pair::start_with(server.url(), &unique_prefix(), trusting(&server));
    pair.send(0..100, true);
    assert!(
        pair.received.wait_for(100, WAIT),
        "got {}",
        pair.received.len()
    );

    // The listener goes away: at-least-once messages are parked in Redis, over TLS.
    assert!(pair.listener.stop());
    pair.send(100..150, true);
    assert!(
        wait_until(WAIT, || pair.sender.pending_count() == 50),
        "pending {}",
        pair.sender.pending_count()
    );
    pair.rerun_listener();
    assert!(
        pair.received.wait_for(150, WAIT),
        "got {}",
        pair.received.len()
    );
    assert!(
        wait_until(WAIT, || pair.sender.pending_count() == 0),
        "still pending {}",
        pair.sender.pending_count()
    );
    assert_exactly_in_order(&pair.received.seqs(), 0..150);
}

#[test]
fn peer_events_cross_pub_sub_over_tls() {
    let server = RedisServer::start_tls();
    let subscriber = server.store().event_subscriber();
    let stop = Arc::new(AtomicBool::new(false));
    let (notes, received) = mpsc::channel();
    let stopping = Arc::clone(&stop);
    let thread = std::thread::spawn(move || {
        subscriber.run(&stopping, Duration::from_millis(50), |note| {
            let _ = notes.send(note);
        });
    });
    let first = received.recv_timeout(WAIT).expect("no note");
    assert_eq!(first, EventNote::Subscribed);
    let event = PeerEvent {
        kind: PeerEventKind::Connected,
        topic: "tls_topic".into(),
        addr: "127.0.0.1:4000".into(),
        unique_name: unique_prefix(),
    };
    server.store().publish_event(&event).unwrap();
    let got = received.recv_timeout(WAIT).expect("no event");
    stop.store(true, Ordering::Release);
    thread.join().unwrap();
    assert_eq!(got, EventNote::Event(event));
}

#[test]
fn the_ca_file_can_come_from_the_environment() {
    let server = RedisServer::start_tls();
    let p = unique_prefix();
    let topic = format!("{p}listener");
    // liner-test-peer creates its client with `Config::default()`, like a C program would.
    let mut command = common::peer_command("listen", server.url(), &topic, &topic);
    let ca = &server.tls_certs().expect("a TLS server").ca_cert;
    let listener = ChildProcess::spawn(command.env(CA_FILE_ENV, ca));
    listener.wait_for_line(Duration::from_secs(60), |l| l.starts_with("ready"));
    let sender = common::sender_to(
        server.url(),
        &format!("{p}sender"),
        &topic,
        trusting(&server),
    );
    assert!(sender.send_to(&topic, &common::payload(7, 100), true));
    listener.wait_for_line(WAIT, |l| l == "got 7");
}

#[test]
fn without_the_ca_file_the_certificate_is_refused() {
    assert!(
        std::env::var_os(CA_FILE_ENV).is_none(),
        "unset {CA_FILE_ENV} to run this test: it checks the system trust store is used"
    );
    let server = RedisServer::start_tls();
    let (e, took) = refused(server.url(), Config::default());
    assert!(matches!(e, StoreError::Tls(_)), "{e:?}");
    let shown = e.to_string();
    assert!(shown.contains("not signed by a trusted CA"), "{shown}");
    assert!(shown.contains("UnknownIssuer"), "{shown}");
    assert!(shown.contains(CA_FILE_ENV), "names no way out: {shown}");
    assert!(took < FAIL_LIMIT, "took {took:?}");
}

#[test]
fn a_ca_that_did_not_sign_the_server_is_refused() {
    let server = RedisServer::start_tls();
    let other = server
        .tls_certs()
        .expect("a TLS server")
        .other_ca_cert
        .clone();
    let config = Config {
        redis_ca_file: Some(other),
        ..Config::default()
    };
    let (e, took) = refused(server.url(), config);
    assert!(e.to_string().contains("not signed by a trusted CA"), "{e}");
    assert!(took < FAIL_LIMIT, "took {took:?}");
}

#[test]
fn a_missing_or_empty_ca_file_is_named() {
    let server = RedisServer::start_tls();
    let missing = std::env::temp_dir().join(format!("{}-none.pem", unique_prefix()));
    let (e, _) = refused(
        server.url(),
        Config {
            redis_ca_file: Some(missing.clone()),
            ..Config::default()
        },
    );
    assert!(matches!(e, StoreError::Tls(_)), "{e:?}");
    assert!(
        e.to_string().contains(&missing.display().to_string()),
        "{e}"
    );

    let key_only = server.tls_certs().expect("a TLS server").server_key.clone();
    let (e, _) = refused(
        server.url(),
        Config {
            redis_ca_file: Some(key_only),
            ..Config::default()
        },
    );
    assert!(e.to_string().contains("holds no PEM certificate"), "{e}");
}

#[test]
fn the_insecure_fragment_is_refused() {
    let server = RedisServer::start_tls();
    let insecure = format!("{}#insecure", server.url());
    let e = Store::connect(&insecure, StoreTimeouts::default()).unwrap_err();
    assert!(matches!(e, StoreError::InvalidUrl(_)), "{e:?}");
}

#[test]
fn a_plain_url_to_the_tls_port_says_it_may_be_one() {
    let server = RedisServer::start_tls();
    let plain = server.url().replacen("rediss://", "redis://", 1);
    let started = Instant::now();
    let e = Store::connect(&plain, StoreTimeouts::default()).unwrap_err();
    assert!(matches!(e, StoreError::Unreachable(_)), "{e:?}");
    assert!(e.to_string().contains("rediss://"), "{e}");
    assert!(
        started.elapsed() < FAIL_LIMIT,
        "took {:?}",
        started.elapsed()
    );
}

#[test]
fn a_tls_url_to_a_plain_port_times_out_saying_why_that_may_be() {
    // Redis takes the TLS hello for the start of a command and waits for the rest.
    let server = RedisServer::start_local();
    let tls = server.url().replacen("redis://", "rediss://", 1);
    let started = Instant::now();
    let e = Store::connect(&tls, StoreTimeouts::default()).unwrap_err();
    assert!(matches!(e, StoreError::Unreachable(_)), "{e:?}");
    let shown = e.to_string();
    assert!(shown.contains("timed out after 1000 ms"), "{shown}");
    assert!(
        shown.contains("a port without TLS never answers"),
        "{shown}"
    );
    assert!(
        started.elapsed() < FAIL_LIMIT,
        "took {:?}",
        started.elapsed()
    );
}

#[test]
fn a_server_answering_the_hello_with_http_speaks_no_tls() {
    let fake = FakeRedis::foreign(b"HTTP/1.1 400 Bad Request\r\n\r\n");
    let e = Store::connect(&fake.tls_url(), StoreTimeouts::default()).unwrap_err();
    assert!(matches!(e, StoreError::Tls(_)), "{e:?}");
    assert!(e.to_string().contains("does not speak TLS"), "{e}");
}

#[test]
fn a_silent_server_times_out_within_the_connect_deadline() {
    let fake = FakeRedis::silent();
    let started = Instant::now();
    let e = Store::connect(&fake.tls_url(), StoreTimeouts::default()).unwrap_err();
    assert!(e.to_string().contains("timed out after 1000 ms"), "{e}");
    assert!(
        started.elapsed() < FAIL_LIMIT,
        "took {:?}",
        started.elapsed()
    );
}
