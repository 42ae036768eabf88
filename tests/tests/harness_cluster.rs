//! The Redis Cluster harness itself: six nodes (3 masters, 1 replica each) come up, a cluster
//! client writes keys over every master, a killed master's replica takes over, the keys read
//! back, and dropping the cluster leaves no process and no directory behind.

use std::path::Path;
use std::time::{Duration, Instant};

use liner_tests::{CLUSTER_SLOTS, RedisCluster};
use redis::Commands;
use redis::cluster::ClusterClient;

const KEYS: usize = 1000;

fn process_exists(pid: u32) -> bool {
    Path::new(&format!("/proc/{pid}")).exists()
}

/// Key `i`, with a hash tag of its own so the keys spread over the slots.
fn key(i: usize) -> String {
    format!("lnr_harness:{{tag{i}}}")
}

#[test]
fn cluster_fails_over_a_killed_master_and_dies_with_its_handle() {
    let started = Instant::now();
    let mut cluster = RedisCluster::start(3, 1);
    let up = started.elapsed();

    // Shape: 3 masters with 1 replica each, 6 distinct ports, none the system daemon's.
    let masters = cluster.master_ports();
    assert_eq!(masters.len(), 3);
    let replicas = cluster.all_replica_ports();
    assert_eq!(replicas.len(), 3);
    for (index, &master) in masters.iter().enumerate() {
        let of_master = cluster.replica_ports(index);
        assert_eq!(of_master.len(), 1, "master {index}: {of_master:?}");
        assert_eq!(cluster.master_of_replica(of_master[0]), Some(master));
    }
    assert_eq!(cluster.urls().len(), 6);
    assert_eq!(cluster.url_list().split(',').count(), 6);
    assert!(cluster.urls().iter().all(|u| !u.ends_with(":6379")));
    let slots: u32 = (0..3)
        .flat_map(|i| cluster.master_slots(i))
        .map(|r| u32::from(r.end() - r.start()) + 1)
        .sum();
    assert_eq!(slots, CLUSTER_SLOTS);
    let pids = cluster.pids();
    let dirs = cluster.temp_dirs();
    assert_eq!(pids.len(), 6);
    assert!(pids.iter().all(|&pid| process_exists(pid)));

    // Write through the crate's cluster client; short retry waits so a failure shows fast.
    let client = ClusterClient::builder(cluster.urls())
        .connection_timeout(Duration::from_secs(2))
        .response_timeout(Duration::from_secs(2))
        .retries(5)
        .max_retry_wait(500)
        .build()
        .expect("cluster client");
    let mut con = client.get_connection().expect("cluster connection");
    for i in 0..KEYS {
        con.set::<_, _, ()>(key(i), i)
            .expect("SET through the cluster");
    }

    // Which master holds each key (CLUSTER KEYSLOT on any node).
    let mut admin = cluster.node_connection(masters[0]);
    let mut pipe = redis::pipe();
    for i in 0..KEYS {
        pipe.cmd("CLUSTER").arg("KEYSLOT").arg(key(i));
    }
    let key_slots: Vec<u16> = pipe.query(&mut admin).expect("CLUSTER KEYSLOT");
    let owner: Vec<usize> = key_slots
        .iter()
        .map(|&s| cluster.master_of_slot(s))
        .collect();
    for index in 0..3 {
        let held = owner.iter().filter(|&&o| o == index).count();
        assert!(
            held > 100,
            "master {index} holds only {held} of {KEYS} keys"
        );
    }

    let victim = 0;
    let victim_port = masters[victim];
    let victim_replica = cluster.replica_ports(victim)[0];
    let kill_started = Instant::now();
    let promoted = cluster.kill_master(victim);
    let failover = kill_started.elapsed();
    assert_eq!(promoted, victim_replica);
    assert_eq!(cluster.master_port(victim), promoted);
    assert!(cluster.replica_ports(victim).is_empty());
    assert_eq!(cluster.urls().len(), 5);
    assert!(
        !cluster
            .urls()
            .iter()
            .any(|u| u.ends_with(&format!(":{victim_port}")))
    );

    // Read back. redis 1.8.1's blocking cluster connection does not refresh its slot map
    // when the dead master refuses connections (it retries the same address), so on the
    // first error it is replaced by a new connection from the same client, which reads the
    // slot map afresh.
    let mut lost_on_victim = 0;
    let mut lost_elsewhere = Vec::new();
    let mut reconnected = false;
    for (i, &holder) in owner.iter().enumerate() {
        let value: Option<usize> = match con.get(key(i)) {
            Ok(value) => value,
            Err(e) if !reconnected => {
                println!("old cluster connection failed after the failover ({e}); reconnecting");
                reconnected = true;
                con = client.get_connection().expect("new cluster connection");
                con.get(key(i))
                    .expect("GET through the new cluster connection")
            }
            Err(e) => panic!("GET {} through the new cluster connection: {e}", key(i)),
        };
        match value {
            Some(v) => assert_eq!(v, i, "{}", key(i)),
            None if holder == victim => lost_on_victim += 1,
            None => lost_elsewhere.push(key(i)),
        }
    }
    let on_victim = owner.iter().filter(|&&o| o == victim).count();
    println!(
        "cluster up in {up:?}; failover in {failover:?}; {lost_on_victim} of the \
         {on_victim} keys on the killed master lost (asynchronous replication)"
    );
    assert!(
        lost_elsewhere.is_empty(),
        "keys on surviving masters lost: {lost_elsewhere:?}"
    );

    drop(con);
    drop(cluster);
    let left: Vec<u32> = pids.into_iter().filter(|&p| process_exists(p)).collect();
    assert!(left.is_empty(), "processes outlived the cluster: {left:?}");
    let left: Vec<_> = dirs.iter().filter(|d| d.exists()).collect();
    assert!(
        left.is_empty(),
        "directories outlived the cluster: {left:?}"
    );
    println!("whole test {:?}", started.elapsed());
}
