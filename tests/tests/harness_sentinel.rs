//! The Redis Sentinel harness itself: master, replica and three sentinels come up, writes
//! acknowledged by the replica survive the master's death, the sentinels promote the
//! replica, the crate's sentinel client finds it, and dropping the set leaves no process and
//! no directory behind.

use std::path::Path;
use std::time::Instant;

use liner_tests::RedisSentinelSet;
use redis::Commands;
use redis::sentinel::{SentinelClient, SentinelServerType};

const KEYS: usize = 200;

fn process_exists(pid: u32) -> bool {
    Path::new(&format!("/proc/{pid}")).exists()
}

/// The TCP port the server behind `con` listens on.
fn served_port(con: &mut redis::Connection) -> u16 {
    let info: String = redis::cmd("INFO").arg("server").query(con).unwrap();
    info.lines()
        .find_map(|l| l.strip_prefix("tcp_port:"))
        .expect("tcp_port in INFO server")
        .trim()
        .parse()
        .unwrap()
}

fn role(con: &mut redis::Connection) -> String {
    let role: Vec<redis::Value> = redis::cmd("ROLE").query(con).unwrap();
    redis::from_redis_value_ref(&role[0]).unwrap()
}

#[test]
fn sentinels_promote_the_replica_of_a_killed_master_and_die_with_their_handle() {
    let started = Instant::now();
    let mut set = RedisSentinelSet::start();
    let up = started.elapsed();

    let (old_master, replica) = (set.master_port(), set.replica_port().unwrap());
    assert_ne!(old_master, replica);
    assert_eq!(set.sentinel_addrs().len(), 3);
    assert_eq!(set.sentinel_urls().len(), 3);
    let mut ports = vec![old_master, replica];
    ports.extend(set.sentinel_addrs().iter().map(|(_, p)| *p));
    assert!(!ports.contains(&6379));
    let pids = set.pids();
    let dirs = set.temp_dirs();
    assert_eq!(pids.len(), 5);
    assert!(pids.iter().all(|&pid| process_exists(pid)));

    let mut client = SentinelClient::build(
        set.sentinel_urls(),
        set.master_name(),
        None,
        SentinelServerType::Master,
    )
    .expect("sentinel client");
    let mut con = client.get_connection().expect("connection to the master");
    assert_eq!(served_port(&mut con), old_master);
    for i in 0..KEYS {
        con.set::<_, _, ()>(format!("lnr_harness:{i}"), i).unwrap();
    }
    // Every write acknowledged by the replica before the master dies.
    let acked: i64 = redis::cmd("WAIT").arg(1).arg(5000).query(&mut con).unwrap();
    assert_eq!(acked, 1, "replica did not acknowledge the writes");
    drop(con);

    let kill_started = Instant::now();
    let promoted = set.kill_master();
    let failover = kill_started.elapsed();
    assert_eq!(promoted, replica);
    assert_eq!(set.master_port(), replica);
    assert_eq!(set.replica_port(), None);
    assert!(!process_exists(pids[0]), "old master still alive");

    // The same sentinel client now leads to the promoted replica.
    let mut con = client
        .get_connection()
        .expect("connection to the new master");
    assert_eq!(served_port(&mut con), replica);
    assert_eq!(role(&mut con), "master");
    for i in 0..KEYS {
        let value: Option<usize> = con.get(format!("lnr_harness:{i}")).unwrap();
        assert_eq!(value, Some(i), "lnr_harness:{i} after failover");
    }
    con.set::<_, _, ()>("lnr_harness:after", 1)
        .expect("the new master takes writes");
    drop(con);
    println!("sentinel set up in {up:?}; failover in {failover:?}");

    drop(set);
    let left: Vec<u32> = pids.into_iter().filter(|&p| process_exists(p)).collect();
    assert!(
        left.is_empty(),
        "processes outlived the sentinel set: {left:?}"
    );
    let left: Vec<_> = dirs.iter().filter(|d| d.exists()).collect();
    assert!(
        left.is_empty(),
        "directories outlived the sentinel set: {left:?}"
    );
    println!("whole test {:?}", started.elapsed());
}
