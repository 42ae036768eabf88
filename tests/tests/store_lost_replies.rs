//! Commands whose reply is lost after the server executed them (a proxy drops the answer and
//! closes the connection): the store must neither duplicate a spill nor trim twice.

use liner_broker::store::{Store, StoreTimeouts};
use liner_tests::{CutProxy, RedisServer, data_frame, unique_prefix};
use redis::Commands;

fn through_proxy(server: &RedisServer) -> (CutProxy, Store) {
    let proxy = CutProxy::start(server.port());
    let store = Store::connect(&proxy.url(), StoreTimeouts::default()).unwrap();
    (proxy, store)
}

fn numbered(n: usize) -> Vec<Vec<u8>> {
    (1..=n as u64)
        .map(|seq| data_frame(seq, format!("frame-{seq:06}").as_bytes()))
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
fn a_trim_whose_reply_was_lost_is_repeated_without_trimming_twice() {
    let server = RedisServer::start_local();
    let (proxy, mut store) = through_proxy(&server);
    let ck = store.connection_key(&unique_prefix(), "src", "l").unwrap();
    let frames = numbered(10);
    store.spill(ck, frames.iter().map(Vec::as_slice)).unwrap();

    // Seqs 1..=4 were acknowledged; the reply of the trim is lost, the store repeats it on
    // a new connection, and the repeat finds them gone.
    proxy.cut_next_reply();
    assert_eq!(store.trim_backlog(ck, 4, 4).unwrap(), 0);
    assert!(!proxy.cut_pending(), "the cut never happened");
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
    store
        .register(
            &topic,
            "127.0.0.1:4000",
            "a",
            std::time::Duration::from_secs(60),
        )
        .unwrap();
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

#[test]
fn a_read_after_a_trim_whose_reply_was_lost_continues_by_seq() {
    let server = RedisServer::start_local();
    let (proxy, mut store) = through_proxy(&server);
    let ck = store.connection_key(&unique_prefix(), "src", "l").unwrap();
    let frames = numbered(10);
    store.spill(ck, frames.iter().map(Vec::as_slice)).unwrap();
    let mut out = Vec::new();

    // The first read: nothing held yet, the counters say index 0.
    let at = store.read_backlog_after(ck, 0, 0, 4, &mut out).unwrap();
    assert_eq!((at.start, at.len), (0, 10));
    assert_eq!(out, frames[..4]);

    // Seqs 1..=4 were acknowledged and trimmed, but the reply was lost: the repeat removed
    // nothing, so a caller counting removals still puts the next frame at index 4.
    proxy.cut_next_reply();
    assert_eq!(store.trim_backlog(ck, 4, 4).unwrap(), 0);
    assert!(!proxy.cut_pending(), "the cut never happened");
    let at = store.read_backlog_after(ck, 4, 4, 3, &mut out).unwrap();
    assert_eq!((at.start, at.len), (0, 6), "the stale index was trusted");
    assert_eq!(out, frames[4..7]);

    // A right hint is taken as is; hints too low, too high or past the end are corrected.
    for hint in [3, 0, 1, 5, 6, 99] {
        let at = store.read_backlog_after(ck, hint, 7, 10, &mut out).unwrap();
        assert_eq!((at.start, at.len), (3, 6), "hint {hint}");
        assert_eq!(out, frames[7..]);
    }
    // Everything held: nothing more to read, wherever the hint points.
    for hint in [6, 2] {
        let at = store
            .read_backlog_after(ck, hint, 10, 10, &mut out)
            .unwrap();
        assert_eq!((at.start, at.len), (6, 6), "hint {hint}");
        assert!(out.is_empty());
    }
    // A second copy of a held frame (a repeated spill) stays behind the position; an
    // element that is no frame is where reading goes on, so the drain can report it.
    let mut raw = server.connection();
    let key = format!("lnr_connection:{ck}:messages");
    let _: u64 = raw.rpush(&key, &frames[9]).unwrap();
    let _: u64 = raw.rpush(&key, b"not a frame".as_slice()).unwrap();
    let at = store.read_backlog_after(ck, 0, 10, 10, &mut out).unwrap();
    assert_eq!((at.start, at.len), (7, 8));
    assert_eq!(out, [b"not a frame".to_vec()]);
    // An empty or missing list.
    let at = store
        .read_backlog_after(ck + 1000, 5, 3, 10, &mut out)
        .unwrap();
    assert_eq!((at.start, at.len), (0, 0));
    assert!(out.is_empty());
}
