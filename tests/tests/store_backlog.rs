//! Offline queues: spill order, batched reads, trimming acked frames, pending counts and
//! clearing, checked against the raw Redis lists.

use liner_broker::store::{PeerBacklog, Store};
use liner_tests::{RedisServer, data_frame, unique_prefix};
use redis::Commands;

/// A Data frame with `seq` and a 91-byte payload (frames in a queue must differ).
fn frame(seq: u64) -> Vec<u8> {
    data_frame(seq, &[(seq % 251) as u8; 91])
}

fn frames(seqs: std::ops::Range<u64>) -> Vec<Vec<u8>> {
    seqs.map(frame).collect()
}

fn spill_all(store: &mut Store, ck: u64, frames: &[Vec<u8>]) {
    let stored = store.spill(ck, frames.iter().map(Vec::as_slice)).unwrap();
    assert_eq!(stored, frames.len());
}

#[test]
fn ten_thousand_frames_keep_their_order_through_read_and_trim() {
    let server = RedisServer::start();
    let mut store = server.store();
    let ck = store.connection_key(&unique_prefix(), "src", "l").unwrap();
    let sent = frames(1..10_001);
    spill_all(&mut store, ck, &sent[..4000]);
    spill_all(&mut store, ck, &sent[4000..]);
    assert_eq!(store.backlog_len(ck).unwrap(), 10_000);

    let mut raw = server.connection();
    let key = format!("lnr_connection:{ck}:messages");
    let head: Vec<Vec<u8>> = raw.lrange(&key, 0, 1).unwrap();
    let tail: Vec<u8> = raw.lindex(&key, -1).unwrap();
    assert_eq!((head, tail), (sent[..2].to_vec(), sent[9999].clone()));

    // Drain like a sender: read a batch, "ack" part of it, trim exactly that.
    let mut batch = Vec::new();
    let mut received = Vec::new();
    loop {
        let n = store.read_backlog(ck, 0, 512, &mut batch).unwrap();
        if n == 0 {
            break;
        }
        let acked = n.min(300);
        let upto = 1 + received.len() as u64 + acked as u64 - 1;
        received.extend(batch.drain(..acked));
        assert_eq!(store.trim_backlog(ck, acked, upto).unwrap(), acked as u64);
        assert_eq!(
            store.trim_backlog(ck, acked, upto).unwrap(),
            0,
            "a repeated trim removes nothing"
        );
    }
    assert_eq!(received, sent);
    assert_eq!(store.backlog_len(ck).unwrap(), 0);
}

#[test]
fn reads_at_an_offset_and_past_the_end() {
    let server = RedisServer::start();
    let mut store = server.store();
    let ck = store.connection_key(&unique_prefix(), "src", "l").unwrap();
    let sent = frames(1..11);
    spill_all(&mut store, ck, &sent);

    let mut out = vec![b"stale".to_vec()];
    assert_eq!(store.read_backlog(ck, 7, 100, &mut out).unwrap(), 3);
    assert_eq!(out, sent[7..]);
    assert_eq!(store.read_backlog(ck, 10, 5, &mut out).unwrap(), 0);
    assert!(out.is_empty(), "out is replaced, not appended to");
    assert_eq!(store.read_backlog(ck, 0, 0, &mut out).unwrap(), 0);
    assert_eq!(store.spill(ck, std::iter::empty()).unwrap(), 0);
    assert_eq!(store.trim_backlog(ck, 0, 0).unwrap(), 0);
    assert_eq!(store.backlog_len(ck).unwrap(), 10);
}

#[test]
fn frames_larger_than_a_spill_chunk_stay_in_order() {
    let server = RedisServer::start();
    let mut store = server.store();
    let ck = store.connection_key(&unique_prefix(), "src", "l").unwrap();
    // 700 KB each: every chunk closes after one or two frames.
    let big: Vec<Vec<u8>> = (0..5u8)
        .map(|i| data_frame(u64::from(i) + 1, &vec![i; 700 * 1024]))
        .collect();
    let small = frames(100..3100);
    spill_all(&mut store, ck, &big);
    spill_all(&mut store, ck, &small);

    let mut out = Vec::new();
    store.read_backlog(ck, 0, 10_000, &mut out).unwrap();
    assert_eq!(out.len(), big.len() + small.len());
    assert!(out[..5] == big[..], "large frames reordered or damaged");
    assert!(out[5..] == small[..]);
}

#[test]
fn pending_counts_cover_only_this_senders_queues() {
    let server = RedisServer::start();
    let mut store = server.store();
    let p = unique_prefix();
    let (me, src) = (format!("{p}me"), format!("{p}src"));
    let (l1, l2, l3) = (format!("{p}l1"), format!("{p}l2"), format!("{p}l3"));
    let ck1 = store.connection_key(&me, &src, &l1).unwrap();
    store.connection_key(&me, &src, &l2).unwrap(); // a channel with nothing queued
    let ck3 = store.connection_key(&me, &src, &l3).unwrap();
    spill_all(&mut store, ck1, &frames(1..6));
    spill_all(&mut store, ck3, &frames(1..8));
    // Someone else's queues: another sender, and this sender's other topic.
    let other = store
        .connection_key(&format!("{p}other"), &src, &l1)
        .unwrap();
    let other_topic = store.connection_key(&me, &format!("{p}src2"), &l1).unwrap();
    spill_all(&mut store, other, &frames(1..4));
    spill_all(&mut store, other_topic, &frames(1..3));

    // l1 is known and registered; l3 was seen once but is no longer in the catalog (away:
    // its hint still says where and on which topic).
    let l1_topic = format!("{p}t1");
    store
        .remember_listener(&me, &src, "127.0.0.1:7001", &l1_topic, &l1)
        .unwrap();
    store
        .register(
            &l1_topic,
            "127.0.0.1:7001",
            &l1,
            std::time::Duration::from_secs(60),
        )
        .unwrap();
    let l3_topic = format!("{p}t3");
    store
        .remember_listener(&me, &src, "127.0.0.1:7003", &l3_topic, &l3)
        .unwrap();

    assert_eq!(store.pending_count(&me, &src).unwrap(), 12);
    assert_eq!(
        store.pending_by_peer(&me, &src).unwrap(),
        [
            PeerBacklog {
                listener_unique: l1.clone(),
                listener_addr: Some("127.0.0.1:7001".into()),
                listener_topic: Some(l1_topic),
                connection_key: ck1,
                count: 5,
            },
            PeerBacklog {
                listener_unique: l3,
                listener_addr: Some("127.0.0.1:7003".into()),
                listener_topic: Some(l3_topic),
                connection_key: ck3,
                count: 7,
            },
        ]
    );
    assert_eq!(store.pending_count(&format!("{p}nobody"), &src).unwrap(), 0);
    assert!(
        store
            .pending_by_peer(&format!("{p}nobody"), &src)
            .unwrap()
            .is_empty()
    );
}

#[test]
fn clear_stored_messages_deletes_only_this_senders_queues() {
    let server = RedisServer::start();
    let mut store = server.store();
    let p = unique_prefix();
    let (me, src) = (format!("{p}me"), format!("{p}src"));
    let mine: Vec<u64> = (0..3)
        .map(|i| store.connection_key(&me, &src, &format!("l{i}")).unwrap())
        .collect();
    for &ck in &mine {
        spill_all(&mut store, ck, &frames(1..21));
        store.save_last_seq(ck, 20).unwrap();
        store.save_cursor(ck, 3).unwrap();
    }
    let other = store
        .connection_key(&format!("{p}other"), &src, "l0")
        .unwrap();
    spill_all(&mut store, other, &frames(1..21));

    assert_eq!(store.clear_stored_messages(&me, &src).unwrap(), 3);
    assert_eq!(store.pending_count(&me, &src).unwrap(), 0);
    assert_eq!(store.backlog_len(other).unwrap(), 20);
    for &ck in &mine {
        assert_eq!(
            store.load_last_seq(ck).unwrap(),
            20,
            "seqs must never be reused"
        );
        assert_eq!(store.load_cursor(ck).unwrap(), 3);
    }
    assert_eq!(store.clear_stored_messages(&me, &src).unwrap(), 0);
}
