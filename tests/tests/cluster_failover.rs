//! Failover loses nothing: 100 000 at-least-once messages are parked on a Redis Cluster
//! (3 masters, 1 replica each) for a stopped listener while the master holding their queue
//! is killed mid-stream and its replica promoted. Parked chunks are freed by the sender only
//! after a replica confirmed them (`WAIT`), so the promoted replica has every one of them;
//! the listener then drains all 100 000 exactly once, in order. Copies of a chunk pushed
//! again after the failover are counted (the listener drops them by seq).

mod common;

use std::time::Duration;

use common::{Pair, assert_exactly_in_order};
use liner_tests::{RedisCluster, unique_prefix};
use redis::Commands;

const MESSAGES: u64 = 100_000;
const WAIT: Duration = Duration::from_secs(60);

/// The master index and length of every offline list in the cluster.
fn queues(cluster: &RedisCluster) -> Vec<(usize, u64)> {
    let mut found = Vec::new();
    for (index, port) in cluster.master_ports().into_iter().enumerate() {
        let mut con = cluster.node_connection(port);
        let lists: Vec<String> = con.keys("lnr_connection:{*}:messages").unwrap_or_default();
        for list in lists {
            found.push((index, con.llen::<_, u64>(&list).unwrap_or(0)));
        }
    }
    found
}

#[test]
fn a_master_killed_while_messages_park_loses_none_of_them() {
    let mut cluster = RedisCluster::start(3, 1);
    let pair = Pair::start(&cluster.url_list(), &unique_prefix());
    assert!(pair.listener.stop());

    let mut refusals = 0;
    let mut killed = None;
    for seq in 0..MESSAGES {
        refusals += pair.send_until_accepted(seq, WAIT);
        if killed.is_none() && seq >= MESSAGES / 2 {
            let parked = queues(&cluster);
            if let Some(&(master, len)) = parked.first()
                && len > 0
            {
                let promoted = cluster.kill_master(master);
                eprintln!("killed master {master} with {len} parked; replica {promoted} took over");
                killed = Some(master);
            }
        }
    }
    assert!(killed.is_some(), "nothing was parked before the kill");
    assert!(
        common::wait_until(WAIT, || pair.sender.pending_count() >= MESSAGES as i64),
        "pending {} of {MESSAGES}",
        pair.sender.pending_count()
    );
    let stored: u64 = queues(&cluster).iter().map(|(_, len)| len).sum();
    eprintln!(
        "stored {stored} frames for {MESSAGES} messages ({} copies), {refusals} refused sends",
        stored - MESSAGES
    );

    pair.rerun_listener();
    assert!(
        pair.received.wait_for(MESSAGES as usize, WAIT),
        "got {} of {MESSAGES}",
        pair.received.len()
    );
    assert!(
        common::wait_until(WAIT, || queues(&cluster).iter().all(|(_, len)| *len == 0)),
        "still parked: {:?}",
        queues(&cluster)
    );
    std::thread::sleep(Duration::from_millis(200));
    assert_exactly_in_order(&pair.received.seqs(), 0..MESSAGES);
    let duplicates = pair.listener.stats().duplicates;
    eprintln!("listener dropped {duplicates} duplicates");
    assert!(
        duplicates <= stored - MESSAGES + 1_000,
        "{duplicates} duplicates"
    );
}
