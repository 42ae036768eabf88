//! liner behind Redis Sentinel (1 master, 1 replica, 3 sentinels, started here): a pair given
//! only the sentinels' addresses and the master's name delivers directly and through parking,
//! and when the master is killed mid-stream the sentinels promote the replica, the clients
//! follow it, and every message still arrives exactly once, in order.

mod common;

use std::time::Duration;

use common::{Pair, assert_exactly_in_order};
use liner_tests::{RedisSentinelSet, unique_prefix};

const WAIT: Duration = Duration::from_secs(60);

fn sentinel_url(set: &RedisSentinelSet) -> String {
    let hosts: Vec<String> = set
        .sentinel_addrs()
        .into_iter()
        .map(|(host, port)| format!("{host}:{port}"))
        .collect();
    format!("redis+sentinel://{}/{}", hosts.join(","), set.master_name())
}

#[test]
fn traffic_and_parking_continue_across_a_sentinel_failover() {
    let mut set = RedisSentinelSet::start();
    let pair = Pair::start(&sentinel_url(&set), &unique_prefix());

    // Direct delivery, then parking for a stopped listener, across the failover.
    for seq in 0..20_000 {
        pair.send_until_accepted(seq, WAIT);
    }
    assert!(
        pair.received.wait_for(20_000, WAIT),
        "got {}",
        pair.received.len()
    );
    assert!(pair.listener.stop());
    for seq in 20_000..40_000 {
        pair.send_until_accepted(seq, WAIT);
    }
    let old = set.master_port();
    let promoted = set.kill_master();
    eprintln!("master {old} killed, sentinels promoted {promoted}");
    for seq in 40_000..60_000 {
        pair.send_until_accepted(seq, WAIT);
    }
    assert!(
        common::wait_until(WAIT, || pair.sender.pending_count() >= 40_000),
        "pending {}",
        pair.sender.pending_count()
    );
    pair.rerun_listener();
    for seq in 60_000..80_000 {
        pair.send_until_accepted(seq, WAIT);
    }
    assert!(
        pair.received.wait_for(80_000, WAIT),
        "got {}",
        pair.received.len()
    );
    std::thread::sleep(Duration::from_millis(200));
    assert_exactly_in_order(&pair.received.seqs(), 0..80_000);
    eprintln!(
        "listener dropped {} duplicates",
        pair.listener.stats().duplicates
    );
}
