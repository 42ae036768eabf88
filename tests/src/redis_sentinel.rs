//! A private Redis Sentinel deployment for one test: one master, one replica
//! (`--replicaof`) and three `redis-server --sentinel` processes monitoring the master under
//! [`RedisSentinelSet::master_name`] with quorum 2, `down-after-milliseconds 1000` and
//! `failover-timeout 5000`. Every process runs on a free loopback port (never 6379) in its
//! own temporary directory (each sentinel with its own `sentinel.conf`, which it rewrites),
//! and is proven to be ours by the PID `INFO server` reports, like [`crate::RedisServer`].
//!
//! [`RedisSentinelSet::start`] returns once every sentinel sees the master up, the replica
//! with its link up (`SENTINEL replicas`) and the two other sentinels (`SENTINEL
//! sentinels`). Dropping the set SIGKILLs every process by PID and removes the directories.

use std::collections::{BTreeSet, HashMap};
use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use crate::redis_proc::{OwnedProcess, admin_connection, info_field, make_temp_dir, wait_for};

/// The name the sentinels monitor the master under.
pub const SENTINEL_MASTER_NAME: &str = "liner-master";
/// Sentinels in the set.
const SENTINELS: usize = 3;
/// Sentinels that must agree the master is down.
const QUORUM: usize = 2;
const DOWN_AFTER_MS: u32 = 1000;
const FAILOVER_TIMEOUT_MS: u32 = 5000;
/// Bound of each wait: replication, sentinel discovery, failover.
const WAIT_TIMEOUT: Duration = Duration::from_secs(30);

/// A private master, replica and three sentinels; see the module docs.
pub struct RedisSentinelSet {
    /// The current master (the promoted replica after [`RedisSentinelSet::kill_master`]).
    master: OwnedProcess,
    /// The current replica, if any is left.
    replica: Option<OwnedProcess>,
    sentinels: Vec<OwnedProcess>,
    /// Killed masters, kept so their directories are removed on drop.
    killed: Vec<OwnedProcess>,
}

impl RedisSentinelSet {
    /// Starts the master, its replica and three sentinels and waits until the sentinels see
    /// all of them; panics naming what did not happen within 30 s (every process started so
    /// far is stopped).
    pub fn start() -> Self {
        let master = launch_data_node("the sentinel set's master", None);
        let replica = launch_data_node("the sentinel set's replica", Some(master.port()));
        wait_for(
            &format!(
                "replica {} to be in sync with master {}",
                replica.port(),
                master.port()
            ),
            WAIT_TIMEOUT,
            || replica_online(master.port(), replica.port()),
        );
        let mut set = Self {
            master,
            replica: Some(replica),
            sentinels: Vec::with_capacity(SENTINELS),
            killed: Vec::new(),
        };
        for _ in 0..SENTINELS {
            let sentinel = launch_sentinel(set.master.port());
            set.sentinels.push(sentinel);
        }
        let what = format!(
            "{SENTINELS} sentinels to see master {}, replica {} and each other",
            set.master.port(),
            set.replica.as_ref().map_or(0, OwnedProcess::port)
        );
        wait_for(&what, WAIT_TIMEOUT, || set.check_discovery());
        set
    }

    /// The name the sentinels monitor the master under (`SENTINEL get-master-addr-by-name`).
    pub fn master_name(&self) -> &str {
        SENTINEL_MASTER_NAME
    }

    /// Port of the current master.
    pub fn master_port(&self) -> u16 {
        self.master.port()
    }

    /// `redis://127.0.0.1:PORT` of the current master.
    pub fn master_url(&self) -> String {
        node_url(self.master.port())
    }

    /// Port of the replica, `None` once it was promoted by [`RedisSentinelSet::kill_master`].
    pub fn replica_port(&self) -> Option<u16> {
        self.replica.as_ref().map(OwnedProcess::port)
    }

    /// `(host, port)` of every sentinel.
    pub fn sentinel_addrs(&self) -> Vec<(String, u16)> {
        self.sentinels
            .iter()
            .map(|s| ("127.0.0.1".to_string(), s.port()))
            .collect()
    }

    /// `redis://127.0.0.1:PORT` of every sentinel: the list
    /// `redis::sentinel::SentinelClient::build` takes.
    pub fn sentinel_urls(&self) -> Vec<String> {
        self.sentinels.iter().map(|s| node_url(s.port())).collect()
    }

    /// PIDs of every process the set started, killed ones included: after the set is dropped
    /// none of them exists.
    pub fn pids(&self) -> Vec<u32> {
        let mut all = vec![self.master.pid()];
        all.extend(self.replica.iter().map(OwnedProcess::pid));
        all.extend(self.sentinels.iter().map(OwnedProcess::pid));
        all.extend(self.killed.iter().map(OwnedProcess::pid));
        all
    }

    /// The temporary directories of all processes (removed on drop).
    pub fn temp_dirs(&self) -> Vec<PathBuf> {
        let mut all = vec![self.master.dir().to_path_buf()];
        all.extend(self.replica.iter().map(|p| p.dir().to_path_buf()));
        all.extend(self.sentinels.iter().map(|p| p.dir().to_path_buf()));
        all.extend(self.killed.iter().map(|p| p.dir().to_path_buf()));
        all
    }

    /// SIGKILLs the master and waits until every sentinel names the replica as the master
    /// (`SENTINEL get-master-addr-by-name`) and the replica says it is one (`ROLE`). Returns
    /// the new master's port. Writes the dead master had not yet replicated are lost
    /// (replication is asynchronous; `WAIT 1 …` before the kill prevents that).
    pub fn kill_master(&mut self) -> u16 {
        let replica = self
            .replica
            .take()
            .expect("kill_master needs a replica to fail over to (it was already promoted)");
        let new_port = replica.port();
        let mut old = std::mem::replace(&mut self.master, replica);
        let old_port = old.port();
        old.kill();
        self.killed.push(old);
        let what = format!(
            "the sentinels to fail over from killed master {old_port} to replica {new_port}"
        );
        wait_for(&what, WAIT_TIMEOUT, || {
            for sentinel in &self.sentinels {
                let port = sentinel.port();
                let mut con =
                    admin_connection(port).map_err(|e| format!("sentinel {port}: {e}"))?;
                let addr: Option<(String, u16)> = redis::cmd("SENTINEL")
                    .arg("get-master-addr-by-name")
                    .arg(SENTINEL_MASTER_NAME)
                    .query(&mut con)
                    .map_err(|e| format!("sentinel {port}: get-master-addr-by-name: {e}"))?;
                if addr.as_ref().map(|(_, p)| *p) != Some(new_port) {
                    return Err(format!("sentinel {port} names master {addr:?}"));
                }
            }
            let mut con =
                admin_connection(new_port).map_err(|e| format!("node {new_port}: {e}"))?;
            let role: Vec<redis::Value> = redis::cmd("ROLE")
                .query(&mut con)
                .map_err(|e| format!("node {new_port}: ROLE: {e}"))?;
            match role.first() {
                Some(redis::Value::BulkString(r)) if r.as_slice() == b"master" => Ok(()),
                other => Err(format!("node {new_port} has ROLE {other:?}")),
            }
        });
        new_port
    }

    /// `Ok` once every sentinel sees the master up, the replica with its link up and the
    /// other sentinels.
    fn check_discovery(&self) -> Result<(), String> {
        let master_port = self.master.port();
        let replica_port = self.replica_port().expect("a replica at start");
        let ports: BTreeSet<u16> = self.sentinels.iter().map(OwnedProcess::port).collect();
        for &port in &ports {
            let mut con = admin_connection(port).map_err(|e| format!("sentinel {port}: {e}"))?;
            let query = |con: &mut redis::Connection, sub: &str| {
                redis::cmd("SENTINEL")
                    .arg(sub)
                    .arg(SENTINEL_MASTER_NAME)
                    .query::<redis::Value>(con)
                    .map_err(|e| format!("sentinel {port}: SENTINEL {sub}: {e}"))
            };
            let master = to_map(&query(&mut con, "master")?);
            let field = |map: &HashMap<String, String>, name: &str| {
                map.get(name).cloned().unwrap_or_default()
            };
            if field(&master, "port") != master_port.to_string()
                || field(&master, "flags") != "master"
            {
                return Err(format!("sentinel {port} sees master {master:?}"));
            }
            let replicas = to_maps(&query(&mut con, "replicas")?);
            let replica_ok = replicas.iter().any(|r| {
                field(r, "port") == replica_port.to_string()
                    && field(r, "flags") == "slave"
                    && field(r, "master-link-status") == "ok"
            });
            if !replica_ok {
                return Err(format!("sentinel {port} sees replicas {replicas:?}"));
            }
            let others: BTreeSet<u16> = to_maps(&query(&mut con, "sentinels")?)
                .iter()
                .filter_map(|s| field(s, "port").parse().ok())
                .collect();
            let expected: BTreeSet<u16> = ports.iter().copied().filter(|&p| p != port).collect();
            if others != expected {
                return Err(format!(
                    "sentinel {port} sees sentinels {others:?}, expected {expected:?}"
                ));
            }
        }
        Ok(())
    }
}

impl Drop for RedisSentinelSet {
    fn drop(&mut self) {
        // Sentinels first, so none reconfigures a data node while the rest are stopped;
        // each OwnedProcess SIGKILLs its PID and removes its directory.
        self.sentinels.clear();
        self.replica = None;
        self.killed.clear();
    }
}

fn node_url(port: u16) -> String {
    format!("redis://127.0.0.1:{port}")
}

/// Starts a master (`replica_of` `None`) or a replica of the master on `replica_of`, without
/// persistence, with a config file of its own (empty) so that the `CONFIG REWRITE` sentinels
/// send with a promotion succeeds.
fn launch_data_node(what: &str, replica_of: Option<u16>) -> OwnedProcess {
    OwnedProcess::launch(what, make_temp_dir("sentinel-data"), |port, dir| {
        let conf = dir.join("redis.conf");
        std::fs::write(&conf, "").unwrap_or_else(|e| panic!("writing {}: {e}", conf.display()));
        let mut cmd = Command::new("redis-server");
        cmd.arg(&conf)
            .args(["--port", &port.to_string()])
            .args(["--bind", "127.0.0.1", "--daemonize", "no"])
            .args(["--save", "", "--appendonly", "no"])
            // A replica's first sync starts at once, not after the 5 s default delay.
            .args(["--repl-diskless-sync-delay", "0"])
            .arg("--dir")
            .arg(dir)
            .arg("--logfile")
            .arg(OwnedProcess::log_path(dir));
        if let Some(master) = replica_of {
            cmd.args(["--replicaof", "127.0.0.1", &master.to_string()]);
        }
        cmd
    })
}

/// Starts one sentinel monitoring the master on `master_port`.
fn launch_sentinel(master_port: u16) -> OwnedProcess {
    OwnedProcess::launch("a sentinel", make_temp_dir("sentinel"), |port, dir| {
        let conf = dir.join("sentinel.conf");
        let name = SENTINEL_MASTER_NAME;
        let text = format!(
            "port {port}\n\
             bind 127.0.0.1\n\
             daemonize no\n\
             dir {dir:?}\n\
             logfile {log:?}\n\
             sentinel resolve-hostnames no\n\
             sentinel monitor {name} 127.0.0.1 {master_port} {QUORUM}\n\
             sentinel down-after-milliseconds {name} {DOWN_AFTER_MS}\n\
             sentinel failover-timeout {name} {FAILOVER_TIMEOUT_MS}\n",
            dir = dir.display().to_string(),
            log = OwnedProcess::log_path(dir).display().to_string(),
        );
        std::fs::write(&conf, text).unwrap_or_else(|e| panic!("writing {}: {e}", conf.display()));
        let mut cmd = Command::new("redis-server");
        cmd.arg(&conf).arg("--sentinel");
        cmd
    })
}

/// `Ok` once the master on `master_port` lists the replica on `replica_port` as `online`
/// (initial sync done).
fn replica_online(master_port: u16, replica_port: u16) -> Result<(), String> {
    let mut con = admin_connection(master_port).map_err(|e| format!("master: {e}"))?;
    let info: String = redis::cmd("INFO")
        .arg("replication")
        .query(&mut con)
        .map_err(|e| format!("master: INFO replication: {e}"))?;
    let online = (0..8).any(|i| {
        info_field(&info, &format!("slave{i}")).is_some_and(|v| {
            v.contains(&format!("port={replica_port},")) && v.contains("state=online")
        })
    });
    if online {
        Ok(())
    } else {
        Err(format!("master INFO replication: {info:?}"))
    }
}

/// A flat `[key, value, key, value, …]` reply (RESP2) or a map (RESP3) as a map of strings.
fn to_map(value: &redis::Value) -> HashMap<String, String> {
    let pairs: Vec<(&redis::Value, &redis::Value)> = match value {
        redis::Value::Array(items) => items
            .chunks(2)
            .filter_map(|c| Some((c.first()?, c.get(1)?)))
            .collect(),
        redis::Value::Map(items) => items.iter().map(|(k, v)| (k, v)).collect(),
        _ => Vec::new(),
    };
    pairs
        .into_iter()
        .filter_map(|(k, v)| {
            Some((
                redis::from_redis_value_ref::<String>(k).ok()?,
                redis::from_redis_value_ref::<String>(v).ok()?,
            ))
        })
        .collect()
}

/// An array of flat maps (`SENTINEL replicas`, `SENTINEL sentinels`).
fn to_maps(value: &redis::Value) -> Vec<HashMap<String, String>> {
    match value {
        redis::Value::Array(items) => items.iter().map(to_map).collect(),
        _ => Vec::new(),
    }
}
