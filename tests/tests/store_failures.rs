//! Connection failures: Redis down, a server that never answers, one that is not Redis, bad
//! URLs, wrong passwords, old servers, a paused server, and Redis restarting empty under a
//! live store. Each error says what happened in one line.

use std::time::{Duration, Instant};

use liner_broker::store::{Store, StoreError, StoreTimeouts};
use liner_tests::{FakeRedis, RedisServer, unique_prefix};

/// The seed's promise: creating a client with Redis down fails fast.
const DOWN_LIMIT: Duration = Duration::from_secs(2);

fn connect_timed(url: &str, timeouts: StoreTimeouts) -> (Result<Store, StoreError>, Duration) {
    let started = Instant::now();
    let result = Store::connect(url, timeouts);
    (result, started.elapsed())
}

#[test]
fn redis_down_fails_within_two_seconds() {
    let mut server = RedisServer::start_local();
    let url = server.url().to_string();
    server.stop();
    let (result, took) = connect_timed(&url, StoreTimeouts::default());
    match result {
        Err(StoreError::Unreachable(why)) => {
            assert!(
                why.contains(&server.port().to_string()),
                "names no address: {why}"
            )
        }
        other => panic!("expected Unreachable, got {other:?}"),
    }
    assert!(took < DOWN_LIMIT, "took {took:?}");
}

#[test]
fn a_server_that_never_answers_hits_the_connect_timeout() {
    let fake = FakeRedis::silent();
    let (result, took) = connect_timed(&fake.url(), StoreTimeouts::default());
    match result {
        Err(e @ StoreError::Unreachable(_)) => {
            assert!(e.to_string().contains("timed out after 1000 ms"), "{e}")
        }
        other => panic!("expected Unreachable, got {other:?}"),
    }
    assert!(took < DOWN_LIMIT, "took {took:?}");
}

/// One line naming the address and saying it is not Redis.
fn assert_not_redis(fake: &FakeRedis) {
    let (result, took) = connect_timed(&fake.url(), StoreTimeouts::default());
    let e = match result {
        Err(e @ StoreError::NotRedis { .. }) => e,
        other => panic!("expected NotRedis, got {other:?}"),
    };
    let shown = e.to_string();
    let addr = fake.url().replace("redis://", "").replace('/', "");
    assert!(
        shown.contains(&format!(
            "the server at {addr} does not speak the Redis protocol"
        )),
        "{shown}"
    );
    assert!(!shown.contains('\n'), "more than one line: {shown:?}");
    assert!(took < DOWN_LIMIT, "took {took:?}");
}

#[test]
fn an_http_server_is_not_redis() {
    assert_not_redis(&FakeRedis::foreign(b"HTTP/1.1 400 Bad Request\r\n\r\n"));
}

#[test]
fn a_server_answering_garbage_is_not_redis() {
    assert_not_redis(&FakeRedis::foreign(b"\x00\x17garbage\xff\r\n"));
}

#[test]
fn a_paused_server_times_out_naming_the_timeout() {
    let server = RedisServer::start_local();
    let timeouts = StoreTimeouts {
        connect: Duration::from_millis(300),
        io: Duration::from_millis(400),
    };
    let mut store = Store::connect(server.url(), timeouts).unwrap();
    let _: () = redis::cmd("CLIENT")
        .arg(&["PAUSE", "3000", "ALL"])
        .query(&mut server.connection())
        .unwrap();
    let started = Instant::now();
    // The PING times out after the I/O timeout; its retry on a new connection after the
    // connect timeout, which is what is reported.
    let e = store.ping().unwrap_err();
    assert!(e.to_string().contains("timed out after 300 ms"), "{e}");
    assert!(
        started.elapsed() < DOWN_LIMIT,
        "took {:?}",
        started.elapsed()
    );
}

#[test]
fn invalid_urls_are_reported_as_such() {
    for url in [
        "",
        "127.0.0.1:6379",
        "http://127.0.0.1/",
        "redis://127.0.0.1:99999/",
        "redis://h/x",
    ] {
        let result = Store::connect(url, StoreTimeouts::default());
        assert!(
            matches!(result, Err(StoreError::InvalidUrl(_))),
            "{url:?}: {result:?}"
        );
    }
}

#[test]
fn a_database_the_server_does_not_have_is_an_invalid_url() {
    let server = RedisServer::start_local();
    let url = format!("{}99", server.url());
    let result = Store::connect(&url, StoreTimeouts::default());
    assert!(
        matches!(result, Err(StoreError::InvalidUrl(_))),
        "{result:?}"
    );
}

#[test]
fn servers_older_than_6_2_are_refused() {
    let old = FakeRedis::reporting_version("6.0.16");
    match Store::connect(&old.url(), StoreTimeouts::default()) {
        Err(e @ StoreError::ServerTooOld { .. }) => {
            assert_eq!(
                e,
                StoreError::ServerTooOld {
                    version: "6.0.16".into()
                }
            );
            assert!(e.to_string().contains("6.2"), "{e}");
        }
        other => panic!("expected ServerTooOld, got {other:?}"),
    }
    let recent = FakeRedis::reporting_version("6.2.0");
    Store::connect(&recent.url(), StoreTimeouts::default()).unwrap();
}

#[test]
fn passwords_in_the_url_are_used() {
    let server = RedisServer::start_with_password("s3cret");
    server.store().ping().unwrap();
    let with_user = format!("redis://default:s3cret@127.0.0.1:{}/", server.port());
    Store::connect(&with_user, StoreTimeouts::default())
        .unwrap()
        .ping()
        .unwrap();
    let wrong = format!("redis://:nope@127.0.0.1:{}/", server.port());
    let result = Store::connect(&wrong, StoreTimeouts::default());
    assert!(
        matches!(result, Err(StoreError::AuthFailed(_))),
        "{result:?}"
    );
}

#[test]
fn store_works_again_after_redis_restarts_empty() {
    let mut server = RedisServer::start_local();
    let mut store = server.store();
    let p = unique_prefix();
    let topic = format!("{p}t");
    store
        .register(
            &topic,
            "127.0.0.1:4000",
            "a",
            std::time::Duration::from_secs(60),
        )
        .unwrap();
    let ck = store.connection_key(&format!("{p}s"), "src", "l").unwrap();
    store.spill(ck, [&b"one"[..]]).unwrap();

    server.restart_empty();
    // Repeatable operations reconnect by themselves.
    assert!(
        store.addresses(&topic).unwrap().is_empty(),
        "data must be gone"
    );
    store
        .register(
            &topic,
            "127.0.0.1:4000",
            "a",
            std::time::Duration::from_secs(60),
        )
        .unwrap();
    assert_eq!(store.addresses(&topic).unwrap().len(), 1);
    store.topic_key(&topic).unwrap();

    server.restart_empty();
    // A spill checks the queue after the break and pushes once.
    assert_eq!(store.spill(ck, [&b"two"[..], &b"three"[..]]).unwrap(), 2);
    let mut out = Vec::new();
    store.read_backlog(ck, 0, 10, &mut out).unwrap();
    assert_eq!(out, [b"two".to_vec(), b"three".to_vec()]);

    server.restart_empty();
    // A trim is safe to repeat: it reconnects by itself and finds nothing to remove.
    assert_eq!(store.trim_backlog(ck, 1, 1).unwrap(), 0);
    store.ping().unwrap();
}

#[test]
fn operations_fail_fast_while_redis_is_down() {
    let mut server = RedisServer::start_local();
    let mut store = server.store();
    let ck = store.connection_key(&unique_prefix(), "src", "l").unwrap();
    server.stop();

    let started = Instant::now();
    let ping = store.ping();
    assert!(matches!(ping, Err(StoreError::Unreachable(_))), "{ping:?}");
    let spill = store.spill(ck, [&b"x"[..]]).unwrap_err();
    assert_eq!(spill.stored, 0);
    assert!(
        matches!(spill.error, StoreError::Unreachable(_)),
        "{spill:?}"
    );
    assert!(
        started.elapsed() < DOWN_LIMIT * 2,
        "took {:?}",
        started.elapsed()
    );

    server.restart_empty();
    store.ping().unwrap();
}
