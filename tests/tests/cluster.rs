//! liner on a Redis Cluster (3 masters, 1 replica each, started here): the key layout with
//! hash tags, direct delivery, parking and draining across the masters, the admin reads
//! (SCAN over every master), liveness and the retention sweep, and a single node URL that
//! finds the cluster by itself.

mod common;

use std::time::Duration;

use common::{Pair, assert_exactly_in_order};
use liner_broker::store::Store;
use liner_tests::{RedisCluster, unique_prefix};
use redis::Commands;

const WAIT: Duration = Duration::from_secs(30);

/// Keys matching `pattern` on every master of `cluster`.
fn keys_on_masters(cluster: &RedisCluster, pattern: &str) -> Vec<String> {
    let mut found: Vec<String> = Vec::new();
    for port in cluster.master_ports() {
        let mut con = cluster.node_connection(port);
        found.extend(con.keys::<_, Vec<String>>(pattern).unwrap());
    }
    found.sort();
    found
}

/// Frames parked in every offline list of the cluster.
fn parked(cluster: &RedisCluster) -> u64 {
    let mut total = 0;
    for port in cluster.master_ports() {
        let mut con = cluster.node_connection(port);
        let lists: Vec<String> = con.keys("lnr_connection:{*}:messages").unwrap();
        for list in lists {
            total += con.llen::<_, u64>(&list).unwrap();
        }
    }
    total
}

#[test]
fn a_pair_delivers_parks_and_drains_on_a_cluster_with_tagged_keys() {
    let cluster = RedisCluster::start(3, 1);
    let url = cluster.url_list();
    let pair = Pair::start(&url, &unique_prefix());

    pair.send(0..5_000, true);
    assert!(
        pair.received.wait_for(5_000, WAIT),
        "got {}",
        pair.received.len()
    );

    assert!(pair.listener.stop());
    pair.send(5_000..25_000, true);
    assert!(
        common::wait_until(WAIT, || parked(&cluster) == 20_000),
        "parked {}",
        parked(&cluster)
    );
    assert_eq!(pair.sender.pending_count(), 20_000);
    let by_peer = pair.sender.pending_by_peer().unwrap();
    assert_eq!(by_peer.len(), 1);
    assert_eq!(by_peer[0].count, 20_000);

    // Every key carries its hash tag; none is left in the standalone form.
    let topic_keys = keys_on_masters(&cluster, &format!("lnr_topic:{{{}}}:*", pair.topic));
    // The stopped listener removed its catalog row; the topic key stays.
    assert!(
        topic_keys.iter().any(|k| k.ends_with(":key")),
        "{topic_keys:?}"
    );
    assert!(keys_on_masters(&cluster, &format!("lnr_topic:{}:*", pair.topic)).is_empty());
    let channel = keys_on_masters(
        &cluster,
        &format!("lnr_connection:{{{}}}:*", pair.sender_name),
    );
    assert_eq!(channel.len(), 1, "{channel:?}");

    pair.rerun_listener();
    assert!(
        pair.received.wait_for(25_000, WAIT),
        "got {}",
        pair.received.len()
    );
    assert!(
        common::wait_until(WAIT, || parked(&cluster) == 0),
        "still parked {}",
        parked(&cluster)
    );
    assert_exactly_in_order(&pair.received.seqs(), 0..25_000);
    assert_eq!(pair.sender.pending_count(), 0);
}

#[test]
fn one_node_url_finds_the_cluster_and_the_store_works_across_slots() {
    let cluster = RedisCluster::start(3, 1);
    let mut store = Store::connect(&cluster.master_url(1), Default::default()).unwrap();
    assert_eq!(store.layout(), liner_broker::store::keys::Layout::Cluster);
    // Topics and channels spread over the masters; every operation finds its slot.
    let mut cks = Vec::new();
    for i in 0..30 {
        let topic = format!("t{i}");
        store
            .register(
                &topic,
                &format!("127.0.0.1:{}", 1000 + i),
                "owner",
                Duration::from_secs(30),
            )
            .unwrap();
        assert_eq!(store.topic_liveness(&topic).unwrap().rows.len(), 1);
        let ck = store
            .connection_key("snd", "src", &format!("l{i}"))
            .unwrap();
        store.spill(ck, [b"x".as_slice()]).unwrap();
        cks.push(ck);
    }
    let masters_used = cluster
        .master_ports()
        .into_iter()
        .filter(|&port| {
            let mut con = cluster.node_connection(port);
            !con.keys::<_, Vec<String>>("lnr_connection:{*}:messages")
                .unwrap()
                .is_empty()
        })
        .count();
    assert!(masters_used >= 2, "all queues on {masters_used} master");
    assert_eq!(store.pending_count("snd", "src").unwrap(), 30);
    assert_eq!(store.pending_by_peer("snd", "src").unwrap().len(), 30);
    let beat = store
        .heartbeat(
            "owner",
            "127.0.0.1:1000",
            &["t0".to_string(), "t1".to_string()],
            Duration::from_secs(30),
        )
        .unwrap();
    assert_eq!(beat.taken_over_by, None);
    assert_eq!(store.clear_stored_messages("snd", "src").unwrap(), 30);
    assert_eq!(parked(&cluster), 0);
    // Neither end of the channels ever heartbeat: a sweep with no retention removes them all.
    let report = store.sweep(Duration::ZERO, true).unwrap();
    assert_eq!(report.channels, 30, "{report:?}");
    assert!(keys_on_masters(&cluster, "lnr_connection:*").is_empty());
}

#[test]
fn a_chunk_fewer_replicas_confirmed_is_reported_and_not_pushed_twice() {
    use liner_broker::store::{ParkDurability, StoreError};
    let cluster = RedisCluster::start(3, 1);
    let mut store = Store::connect(&cluster.url_list(), Default::default()).unwrap();
    let ck = store.connection_key("snd", "src", "lst").unwrap();
    let frame: &[u8] = b"\x00\x00\x00\x02\x04\x01";

    // Each master has one replica: asking for two cannot be met.
    store.set_park_durability(ParkDurability::Replicas(2), Duration::from_millis(200));
    let err = store.spill(ck, [frame]).unwrap_err();
    assert_eq!(err.stored, 0);
    assert!(
        matches!(
            err.error,
            StoreError::NotDurable {
                confirmed: 1,
                wanted: 2,
                ..
            }
        ),
        "{}",
        err.error
    );
    // The retry only has the chunk confirmed: it is in the list once.
    store.set_park_durability(ParkDurability::Auto, Duration::from_millis(500));
    assert_eq!(store.spill(ck, [frame]).unwrap(), 1);
    assert_eq!(store.backlog_len(ck).unwrap(), 1);
    assert_eq!(store.spill(ck, [frame]).unwrap(), 1);
    assert_eq!(
        store.backlog_len(ck).unwrap(),
        2,
        "a new chunk is pushed normally"
    );
}
