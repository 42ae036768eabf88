//! Commands whose reply is lost after the server executed them (a proxy drops the answer and
//! closes the connection): the store must neither duplicate a spill nor repeat a trim.

use liner_broker::store::{Store, StoreError, StoreTimeouts};
use liner_tests::{CutProxy, RedisServer, unique_prefix};
use redis::Commands;

fn through_proxy(server: &RedisServer) -> (CutProxy, Store) {
    let proxy = CutProxy::start(server.port());
    let store = Store::connect(&proxy.url(), StoreTimeouts::default()).unwrap();
    (proxy, store)
}

fn numbered(n: usize) -> Vec<Vec<u8>> {
    (0..n)
        .map(|i| format!("frame-{i:06}").into_bytes())
        .collect()
}

#[test]
fn a_spill_whose_reply_was_lost_is_stored_once() {
    let server = RedisServer::start_local();
    let (proxy, mut store) = through_proxy(&server);
    let ck = store.connection_key(&unique_prefix(), "src", "l").unwrap();

    // 2500 frames = three RPUSH chunks; the first one's answer is lost.
    let frames = numbered(2500);
    proxy.cut_next_reply();
    let stored = store.spill(ck, frames.iter().map(Vec::as_slice));
    assert_eq!(stored, Ok(2500));
    assert!(!proxy.cut_pending(), "the cut never happened");
    let in_redis: Vec<Vec<u8>> = server
        .connection()
        .lrange(format!("lnr_connection:{ck}:messages"), 0, -1)
        .unwrap();
    assert_eq!(in_redis, frames);
}

#[test]
fn a_trim_whose_reply_was_lost_is_reported_and_not_repeated() {
    let server = RedisServer::start_local();
    let (proxy, mut store) = through_proxy(&server);
    let ck = store.connection_key(&unique_prefix(), "src", "l").unwrap();
    let frames = numbered(10);
    store.spill(ck, frames.iter().map(Vec::as_slice)).unwrap();

    proxy.cut_next_reply();
    let trimmed = store.trim_backlog(ck, 4);
    assert!(
        matches!(trimmed, Err(StoreError::ConnectionLost(_))),
        "{trimmed:?}"
    );
    // It did happen, exactly once; the caller learns that from the queue itself.
    assert_eq!(store.backlog_len(ck).unwrap(), 6);
    let mut head = Vec::new();
    store.read_backlog(ck, 0, 1, &mut head).unwrap();
    assert_eq!(head, [frames[4].clone()]);
}

#[test]
fn repeatable_operations_hide_a_lost_reply() {
    let server = RedisServer::start_local();
    let (proxy, mut store) = through_proxy(&server);
    let p = unique_prefix();
    let topic = format!("{p}t");

    proxy.cut_next_reply();
    store.register(&topic, "127.0.0.1:4000", "a").unwrap();
    proxy.cut_next_reply();
    let key = store.topic_key(&topic).unwrap();
    proxy.cut_next_reply();
    assert_eq!(store.topic_key(&topic).unwrap(), key);
    assert!(!proxy.cut_pending());

    let mut raw = server.connection();
    let stored: u64 = raw.get(format!("lnr_topic:{topic}:key")).unwrap();
    assert_eq!(stored, key);
    assert_eq!(store.addresses(&topic).unwrap().len(), 1);
}
