//! Bad input gets a clear error and loses nothing: API misuse, unreachable or invalid
//! Redis, and garbage on a listener's port (that connection is closed and reported while
//! the listener keeps serving everyone else).

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::{Pair, client};
use liner_broker::{Client, ErrorCode, StatusKind};
use liner_tests::{RedisServer, unique_prefix};

const WAIT: Duration = Duration::from_secs(20);

#[test]
fn api_misuse_is_refused_with_the_documented_codes() {
    let redis = RedisServer::start();
    let p = unique_prefix();
    let me = client(redis.url(), &format!("{p}me"), &format!("{p}mine"));
    assert!(!me.send_to(&format!("{p}other"), b"x", true));
    assert_eq!(me.last_error_code(), ErrorCode::NotRunning);
    assert!(me.run(|_, _, _| {}));
    assert!(me.run(|_, _, _| {}), "run is idempotent");

    assert!(!me.send_to(&format!("{p}mine"), b"x", true));
    assert_eq!(me.last_error_code(), ErrorCode::SelfTopic);
    assert!(!me.send_to("lnr_internal", b"x", true));
    assert_eq!(me.last_error_code(), ErrorCode::InternalTopic);
    assert!(!me.send_to(&format!("{p}nobody"), b"x", true));
    assert_eq!(me.last_error_code(), ErrorCode::NoAddr);

    let other = client(redis.url(), &format!("{p}other"), &format!("{p}other"));
    assert!(other.run(|_, _, _| {}));
    assert!(!me.send_to(&format!("{p}other"), b"", true));
    assert_eq!(me.last_error_code(), ErrorCode::InvalidArg);
    let oversize = vec![0u8; me.config().max_message_size + 1];
    assert!(!me.send_to(&format!("{p}other"), &oversize, true));
    assert_eq!(me.last_error_code(), ErrorCode::InvalidArg);
    assert!(!me.send_to("bad topic", b"x", true));
    assert_eq!(me.last_error_code(), ErrorCode::InvalidArg);
    assert!(me.send_to(&format!("{p}other"), b"x", true));
    assert_eq!(me.last_error_code(), ErrorCode::Ok);
    assert_eq!(me.last_error_message(), "");

    assert!(!me.clear_stored_messages());
    assert_eq!(me.last_error_code(), ErrorCode::ClearWhileRunning);
    assert!(!me.clear_addresses_of_topic());
    assert_eq!(me.last_error_code(), ErrorCode::ClearWhileRunning);
    assert!(!me.set_advertise_addr(Some("127.0.0.1:0")));
    assert_eq!(me.last_error_code(), ErrorCode::AlreadyRunning);

    assert!(me.stop());
    assert!(me.stop(), "stop is idempotent");
    assert!(me.clear_stored_messages());
    assert!(me.clear_addresses_of_topic());
    other.stop();
}

#[test]
fn advertise_address_port_zero_takes_the_bound_port() {
    let redis = RedisServer::start();
    let p = unique_prefix();
    let me = client(redis.url(), &format!("{p}me"), &format!("{p}mine"));
    assert!(me.set_advertise_addr(Some("127.0.0.1:0")));
    assert!(me.run(|_, _, _| {}));
    let bound = me.bound_listen_addr().unwrap();
    assert_eq!(me.published_addr().unwrap(), bound);
    let rows = me.list_addresses(&format!("{p}mine")).unwrap();
    assert_eq!(rows, vec![(bound.clone(), format!("{p}me"))]);
    assert!(me.stop());
    assert_eq!(me.published_addr(), None);
    assert_eq!(me.bound_listen_addr(), Some(bound));
}

#[test]
fn invalid_arguments_and_unreachable_redis_give_none_quickly() {
    assert!(Client::new_redis("", "t", "127.0.0.1:0", "redis://127.0.0.1:1/").is_none());
    assert!(Client::new_redis("a", "", "127.0.0.1:0", "redis://127.0.0.1:1/").is_none());
    assert!(Client::new_redis("a", "t", "", "redis://127.0.0.1:1/").is_none());
    assert!(Client::new_redis("a", "t", "127.0.0.1:0", "not a url").is_none());
    let dead = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let dead_port = dead.local_addr().unwrap().port();
    drop(dead);
    let started = Instant::now();
    let url = format!("redis://127.0.0.1:{dead_port}/");
    assert!(Client::new_redis("a", "t", "127.0.0.1:0", &url).is_none());
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "took {:?}",
        started.elapsed()
    );
}

/// Sends raw bytes to the listener's port; returns whether the listener closed the socket.
fn poke(addr: &str, bytes: &[u8]) -> bool {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    stream.write_all(bytes).unwrap();
    let mut sink = [0u8; 256];
    loop {
        match stream.read(&mut sink) {
            Ok(0) => return true,
            Ok(_) => continue, // a Reject frame may come first
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => return true,
            Err(_) => return false,
        }
    }
}

#[test]
fn garbage_on_the_listener_port_closes_that_connection_and_nothing_else() {
    let redis = RedisServer::start();
    let pair = Pair::start(redis.url(), &unique_prefix());
    let reports = Arc::new(Mutex::new(Vec::new()));
    let sink = reports.clone();
    pair.listener
        .set_status_callback(Some(Arc::new(move |s: &liner_broker::Status<'_>| {
            sink.lock().unwrap().push((s.kind, s.message.to_string()));
        })));
    pair.send(0..1, true);
    assert!(pair.received.wait_for(1, WAIT));

    let addr = pair.listener.published_addr().unwrap();
    assert!(
        poke(&addr, b"GET / HTTP/1.1\r\nHost: liner\r\n\r\n"),
        "garbage not closed"
    );
    assert!(
        poke(&addr, &0xFFFF_FFF0u32.to_le_bytes()),
        "oversize length not closed"
    );
    // A Hello of protocol version 99: kind 0x01, magic, version varint 99.
    let mut hello = vec![1u8];
    hello.extend_from_slice(b"LNR1");
    hello.push(99);
    let mut framed = (hello.len() as u32).to_le_bytes().to_vec();
    framed.extend_from_slice(&hello);
    assert!(poke(&addr, &framed), "wrong version not closed");

    pair.send(1..=100, true);
    assert!(
        pair.received.wait_for(101, WAIT),
        "the listener stopped serving: {}",
        pair.received.len()
    );
    let protocol_reports = reports
        .lock()
        .unwrap()
        .iter()
        .filter(|(kind, _)| *kind == StatusKind::PeerProtocolError)
        .count();
    assert_eq!(
        protocol_reports,
        3,
        "reports: {:?}",
        reports.lock().unwrap()
    );
    assert_eq!(pair.listener.stats().rejected_connections, 3);
}
