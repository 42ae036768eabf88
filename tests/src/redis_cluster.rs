//! A private Redis Cluster for one test: `masters * (1 + replicas_per_master)` `redis-server`
//! processes with `--cluster-enabled yes`, each on a free loopback port (never 6379) with a
//! free cluster bus port of its own (`--cluster-port`, so no port + 10000 arithmetic can run
//! past 65535), in its own temporary directory with its `nodes-PORT.conf` and AOF
//! (`--appendonly yes`), proven to be ours by PID like [`crate::RedisServer`]. `redis-cli
//! --cluster create` joins them; [`RedisCluster::start`] returns once every node reports
//! `cluster_state:ok`, all 16384 slots served, every node known and every replica's link to
//! its master up, with every node agreeing on who is master of which slots.
//!
//! Masters are numbered by the slots they serve: master 0 has the lowest slots. Dropping the
//! cluster SIGKILLs every process by PID and removes every temporary directory. There is no
//! external-server mode: cluster tests always start their own.

use std::collections::{BTreeMap, BTreeSet};
use std::ops::RangeInclusive;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use crate::redis_proc::{
    OwnedProcess, admin_connection, free_port, info_field, kill_child, make_temp_dir, tail,
    wait_for,
};

/// Number of hash slots of a Redis Cluster.
pub const CLUSTER_SLOTS: u32 = 16384;
/// Failure detection timeout of every node (`--cluster-node-timeout`, ms): failover within
/// a few seconds of a master's death.
const NODE_TIMEOUT_MS: u32 = 1000;
/// Bound of each wait: cluster creation, convergence, failover.
const WAIT_TIMEOUT: Duration = Duration::from_secs(30);

/// A private Redis Cluster; see the module docs.
pub struct RedisCluster {
    /// Every process started, killed ones included (their PIDs are reaped, their directories
    /// removed on drop).
    nodes: Vec<OwnedProcess>,
    /// Ports of the nodes still running.
    live: BTreeSet<u16>,
    /// Master `i` is `masters[i]`.
    masters: Vec<MasterNode>,
}

#[derive(Clone, Debug)]
struct MasterNode {
    port: u16,
    slots: Vec<RangeInclusive<u16>>,
    replicas: Vec<u16>,
}

impl RedisCluster {
    /// Starts `masters` masters (at least 3, as `redis-cli --cluster create` requires) with
    /// `replicas_per_master` replicas each and waits until the cluster is fully up; panics
    /// naming what did not happen within 30 s (every process started so far is stopped).
    pub fn start(masters: usize, replicas_per_master: usize) -> Self {
        assert!(
            masters >= 3,
            "redis-cli --cluster create needs at least 3 masters, not {masters}"
        );
        let count = masters * (1 + replicas_per_master);
        let mut nodes = Vec::with_capacity(count);
        for _ in 0..count {
            // Pushed at once so that a later panic stops every node already started.
            nodes.push(launch_node());
        }
        let mut cluster = Self {
            live: nodes.iter().map(OwnedProcess::port).collect(),
            nodes,
            masters: Vec::new(),
        };
        cluster.create(replicas_per_master);
        let what =
            format!("a cluster of {masters} masters with {replicas_per_master} replicas each");
        cluster.masters = cluster.wait_converged(&what, |found| {
            if found.len() != masters {
                return Err(format!("{} masters serve slots", found.len()));
            }
            match found
                .iter()
                .find(|m| m.replicas.len() != replicas_per_master)
            {
                Some(m) => Err(format!("master {} has replicas {:?}", m.port, m.replicas)),
                None => Ok(()),
            }
        });
        cluster
    }

    /// `redis://127.0.0.1:PORT` (no trailing `/`) of every running node, masters and
    /// replicas, sorted by port: the list `redis::cluster::ClusterClient::new` takes.
    pub fn urls(&self) -> Vec<String> {
        self.live.iter().map(|&port| node_url(port)).collect()
    }

    /// [`RedisCluster::urls`] joined by commas (`redis://127.0.0.1:P1,redis://127.0.0.1:P2,…`,
    /// no spaces): the single-string form for a configuration value or environment variable
    /// that lists several nodes. Split it on `,` to get the list back.
    pub fn url_list(&self) -> String {
        self.urls().join(",")
    }

    /// Number of masters (constant: a failover replaces a master, it does not remove one).
    pub fn master_count(&self) -> usize {
        self.masters.len()
    }

    /// Port of master `index`.
    pub fn master_port(&self, index: usize) -> u16 {
        self.master(index).port
    }

    /// Ports of all masters, master 0 first.
    pub fn master_ports(&self) -> Vec<u16> {
        self.masters.iter().map(|m| m.port).collect()
    }

    /// `redis://127.0.0.1:PORT` of master `index`.
    pub fn master_url(&self, index: usize) -> String {
        node_url(self.master_port(index))
    }

    /// The slot ranges master `index` serves.
    pub fn master_slots(&self, index: usize) -> Vec<RangeInclusive<u16>> {
        self.master(index).slots.clone()
    }

    /// Index of the master serving `slot`.
    pub fn master_of_slot(&self, slot: u16) -> usize {
        self.masters
            .iter()
            .position(|m| m.slots.iter().any(|r| r.contains(&slot)))
            .unwrap_or_else(|| panic!("no master serves slot {slot}"))
    }

    /// Ports of the replicas of master `index` (empty once its only replica was promoted).
    pub fn replica_ports(&self, index: usize) -> Vec<u16> {
        self.master(index).replicas.clone()
    }

    /// Ports of all running replicas.
    pub fn all_replica_ports(&self) -> Vec<u16> {
        self.masters
            .iter()
            .flat_map(|m| m.replicas.iter().copied())
            .collect()
    }

    /// The port of the master whose replica listens on `replica_port`, if it is a replica.
    pub fn master_of_replica(&self, replica_port: u16) -> Option<u16> {
        self.masters
            .iter()
            .find(|m| m.replicas.contains(&replica_port))
            .map(|m| m.port)
    }

    /// PIDs of every process the cluster started, killed ones included: after the cluster
    /// is dropped none of them exists.
    pub fn pids(&self) -> Vec<u32> {
        self.nodes.iter().map(OwnedProcess::pid).collect()
    }

    /// The temporary directories of all nodes (removed on drop).
    pub fn temp_dirs(&self) -> Vec<PathBuf> {
        self.nodes.iter().map(|n| n.dir().to_path_buf()).collect()
    }

    /// A plain (non-cluster) connection to the node on `port`, for admin commands such as
    /// `CLUSTER KEYSLOT` or `INFO`.
    pub fn node_connection(&self, port: u16) -> redis::Connection {
        admin_connection(port).unwrap_or_else(|e| panic!("connection to node {port}: {e}"))
    }

    /// SIGKILLs master `index` and waits until one of its replicas is promoted: every
    /// surviving node's `CLUSTER NODES` shows that replica as `master` of the old master's
    /// slots (and any other replica of the old master following it) and its `CLUSTER INFO`
    /// says `cluster_state:ok` with all slots served. Returns the promoted replica's port,
    /// which is master `index` from then on. Writes the dead master had not yet replicated
    /// are lost (replication is asynchronous).
    pub fn kill_master(&mut self, index: usize) -> u16 {
        let old = self.master(index).clone();
        assert!(
            !old.replicas.is_empty(),
            "master {index} (port {}) has no replica to fail over to",
            old.port
        );
        let node = self
            .nodes
            .iter_mut()
            .find(|n| n.port() == old.port)
            .expect("every master is a started node");
        node.kill();
        self.live.remove(&old.port);
        let what = format!(
            "a replica of killed master {index} (port {}, replicas {:?}) to be promoted",
            old.port, old.replicas
        );
        let before = self.masters.clone();
        self.masters = self.wait_converged(&what, |found| {
            if found.len() != before.len() {
                return Err(format!("{} masters serve slots", found.len()));
            }
            let now = &found[index];
            if !old.replicas.contains(&now.port) || now.slots != old.slots {
                return Err(format!("master {index} is {now:?}"));
            }
            // Any other replica of the old master follows the promoted one.
            let mut followers = now.replicas.clone();
            followers.push(now.port);
            followers.sort_unstable();
            if followers != old.replicas {
                return Err(format!("master {index} is {now:?}"));
            }
            let others_unchanged = found.iter().zip(&before).enumerate().all(|(i, (a, b))| {
                i == index || (a.port == b.port && a.slots == b.slots && a.replicas == b.replicas)
            });
            if !others_unchanged {
                return Err(format!("other masters changed: {found:?}"));
            }
            Ok(())
        });
        self.master(index).port
    }

    fn master(&self, index: usize) -> &MasterNode {
        self.masters.get(index).unwrap_or_else(|| {
            panic!(
                "no master {index}: the cluster has {} masters",
                self.masters.len()
            )
        })
    }

    /// Runs `redis-cli --cluster create` over all nodes (30 s bound).
    fn create(&self, replicas_per_master: usize) {
        let dir = self.nodes[0].dir();
        let log_path = dir.join("cluster-create.log");
        let log = std::fs::File::create(&log_path)
            .unwrap_or_else(|e| panic!("creating {}: {e}", log_path.display()));
        let err_log = log.try_clone().expect("cloning a file handle");
        let mut cmd = Command::new("redis-cli");
        cmd.arg("--cluster").arg("create");
        for node in &self.nodes {
            cmd.arg(format!("127.0.0.1:{}", node.port()));
        }
        cmd.args(["--cluster-replicas", &replicas_per_master.to_string()])
            .arg("--cluster-yes")
            .stdin(Stdio::null())
            .stdout(log)
            .stderr(err_log);
        let mut child = cmd
            .spawn()
            .unwrap_or_else(|e| panic!("spawning redis-cli --cluster create: {e}"));
        let deadline = Instant::now() + WAIT_TIMEOUT;
        let status = loop {
            match child.try_wait() {
                Ok(Some(status)) => break status,
                Ok(None) if Instant::now() < deadline => thread::sleep(Duration::from_millis(50)),
                _ => {
                    kill_child(&mut child);
                    panic!(
                        "redis-cli --cluster create did not finish within {WAIT_TIMEOUT:?}; \
                         its output:\n{}",
                        tail(&log_path, 30)
                    );
                }
            }
        };
        if !status.success() {
            panic!(
                "redis-cli --cluster create failed ({status}); its output:\n{}\n\
                 log of node {}:\n{}",
                tail(&log_path, 30),
                self.nodes[0].port(),
                self.nodes[0].log_tail()
            );
        }
    }

    /// Waits until every running node reports a healthy cluster and the same topology, which
    /// `accept` also approves; returns that topology (masters ordered by their first slot).
    fn wait_converged(
        &self,
        what: &str,
        mut accept: impl FnMut(&[MasterNode]) -> Result<(), String>,
    ) -> Vec<MasterNode> {
        wait_for(what, WAIT_TIMEOUT, || {
            let mut agreed: Option<Vec<MasterNode>> = None;
            for &port in &self.live {
                let view = self.healthy_view(port)?;
                match &agreed {
                    None => agreed = Some(view),
                    Some(first) if !same_topology(first, &view) => {
                        return Err(format!(
                            "nodes disagree: {first:?} versus node {port}: {view:?}"
                        ));
                    }
                    Some(_) => {}
                }
            }
            let masters = agreed.ok_or("no running node")?;
            accept(&masters)?;
            Ok(masters)
        })
    }

    /// The topology node `port` sees, if it reports a healthy cluster: state ok, all slots
    /// served, every running node known and connected, and (for a replica) its link to the
    /// master up.
    fn healthy_view(&self, port: u16) -> Result<Vec<MasterNode>, String> {
        let mut con = admin_connection(port).map_err(|e| format!("node {port}: {e}"))?;
        let info: String = redis::cmd("CLUSTER")
            .arg("INFO")
            .query(&mut con)
            .map_err(|e| format!("node {port}: CLUSTER INFO: {e}"))?;
        let field = |name| info_field(&info, name).unwrap_or("?");
        if field("cluster_state") != "ok" {
            return Err(format!(
                "node {port}: cluster_state:{}",
                field("cluster_state")
            ));
        }
        let slots_ok = CLUSTER_SLOTS.to_string();
        if field("cluster_slots_ok") != slots_ok {
            return Err(format!(
                "node {port}: cluster_slots_ok:{}",
                field("cluster_slots_ok")
            ));
        }
        let nodes_text: String = redis::cmd("CLUSTER")
            .arg("NODES")
            .query(&mut con)
            .map_err(|e| format!("node {port}: CLUSTER NODES: {e}"))?;
        let lines = parse_cluster_nodes(&nodes_text)?;
        let by_id: BTreeMap<&str, &NodeLine> = lines.iter().map(|l| (l.id.as_str(), l)).collect();
        for &live in &self.live {
            let line = lines
                .iter()
                .find(|l| l.port == live)
                .ok_or_else(|| format!("node {port} does not know node {live} yet"))?;
            if line.has_flag("fail") || line.has_flag("fail?") || line.has_flag("handshake") {
                return Err(format!("node {port} sees node {live} as {:?}", line.flags));
            }
            if !line.has_flag("myself") && !line.connected {
                return Err(format!("node {port} has no link to node {live}"));
            }
        }
        let mut masters: Vec<MasterNode> = lines
            .iter()
            .filter(|l| l.has_flag("master") && !l.slots.is_empty())
            .map(|l| MasterNode {
                port: l.port,
                slots: l.slots.clone(),
                replicas: Vec::new(),
            })
            .collect();
        for line in lines.iter().filter(|l| self.live.contains(&l.port)) {
            if !line.has_flag("slave") {
                continue;
            }
            let master_port = line
                .master_id
                .as_deref()
                .and_then(|id| by_id.get(id))
                .map(|m| m.port)
                .ok_or_else(|| format!("node {port}: replica {} has no known master", line.port))?;
            let master = masters
                .iter_mut()
                .find(|m| m.port == master_port)
                .ok_or_else(|| {
                    format!(
                        "node {port}: replica {} follows {master_port}, which serves no slots",
                        line.port
                    )
                })?;
            master.replicas.push(line.port);
        }
        for master in &mut masters {
            master.replicas.sort_unstable();
            if !self.live.contains(&master.port) {
                return Err(format!(
                    "node {port}: slots still served by stopped node {}",
                    master.port
                ));
            }
        }
        masters.sort_by_key(|m| *m.slots[0].start());
        let served: u32 = masters
            .iter()
            .flat_map(|m| &m.slots)
            .map(|r| u32::from(r.end() - r.start()) + 1)
            .sum();
        if served != CLUSTER_SLOTS {
            return Err(format!("node {port}: masters serve {served} slots"));
        }
        // A replica is useful for failover only once its link to the master is up.
        if let Some(line) = lines
            .iter()
            .find(|l| l.has_flag("myself") && l.has_flag("slave"))
        {
            let replication: String = redis::cmd("INFO")
                .arg("replication")
                .query(&mut con)
                .map_err(|e| format!("node {port}: INFO replication: {e}"))?;
            let status = info_field(&replication, "master_link_status").unwrap_or("?");
            if status != "up" {
                return Err(format!(
                    "replica {} has master_link_status:{status}",
                    line.port
                ));
            }
        }
        Ok(masters)
    }
}

impl Drop for RedisCluster {
    fn drop(&mut self) {
        // Each OwnedProcess SIGKILLs its PID and removes its directory.
        self.nodes.clear();
    }
}

fn node_url(port: u16) -> String {
    format!("redis://127.0.0.1:{port}")
}

fn same_topology(a: &[MasterNode], b: &[MasterNode]) -> bool {
    a.len() == b.len()
        && a.iter()
            .zip(b)
            .all(|(x, y)| x.port == y.port && x.slots == y.slots && x.replicas == y.replicas)
}

/// Starts one cluster node on free data and bus ports, in its own temporary directory.
fn launch_node() -> OwnedProcess {
    OwnedProcess::launch("a cluster node", make_temp_dir("cluster"), |port, dir| {
        let bus_port = loop {
            let bus_port = free_port();
            if bus_port != port {
                break bus_port;
            }
        };
        let mut cmd = Command::new("redis-server");
        cmd.args(["--port", &port.to_string()])
            .args(["--cluster-port", &bus_port.to_string()])
            .args(["--bind", "127.0.0.1", "--daemonize", "no"])
            .args(["--cluster-enabled", "yes"])
            .arg("--cluster-config-file")
            .arg(dir.join(format!("nodes-{port}.conf")))
            .args(["--cluster-node-timeout", &NODE_TIMEOUT_MS.to_string()])
            .args(["--appendonly", "yes", "--save", ""])
            // A replica's first sync starts at once, not after the 5 s default delay.
            .args(["--repl-diskless-sync-delay", "0"])
            .arg("--dir")
            .arg(dir)
            .arg("--logfile")
            .arg(OwnedProcess::log_path(dir));
        cmd
    })
}

/// One line of `CLUSTER NODES`.
#[derive(Debug)]
struct NodeLine {
    id: String,
    port: u16,
    flags: Vec<String>,
    master_id: Option<String>,
    connected: bool,
    slots: Vec<RangeInclusive<u16>>,
}

impl NodeLine {
    fn has_flag(&self, flag: &str) -> bool {
        self.flags.iter().any(|f| f == flag)
    }
}

/// Parses `CLUSTER NODES`: `<id> <ip:port@cport[,hostname]> <flags> <master> <ping-sent>
/// <pong-recv> <config-epoch> <link-state> <slot>...`; slots in migration (`[…]`) are
/// skipped.
fn parse_cluster_nodes(text: &str) -> Result<Vec<NodeLine>, String> {
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            if fields.len() < 8 {
                return Err(format!("short CLUSTER NODES line {line:?}"));
            }
            let addr = fields[1].split(['@', ',']).next().unwrap_or("");
            let port = addr
                .rsplit(':')
                .next()
                .and_then(|p| p.parse().ok())
                .ok_or_else(|| format!("no port in CLUSTER NODES line {line:?}"))?;
            let slots = fields[8..]
                .iter()
                .filter(|s| !s.starts_with('['))
                .map(|s| parse_slot_range(s).ok_or_else(|| format!("bad slot {s:?} in {line:?}")))
                .collect::<Result<_, _>>()?;
            Ok(NodeLine {
                id: fields[0].to_string(),
                port,
                flags: fields[2].split(',').map(str::to_string).collect(),
                master_id: (fields[3] != "-").then(|| fields[3].to_string()),
                connected: fields[7] == "connected",
                slots,
            })
        })
        .collect()
}

fn parse_slot_range(text: &str) -> Option<RangeInclusive<u16>> {
    match text.split_once('-') {
        Some((a, b)) => Some(a.parse().ok()?..=b.parse().ok()?),
        None => {
            let slot = text.parse().ok()?;
            Some(slot..=slot)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_cluster_nodes_lines() {
        let text = "\
07c37dfeb235213a872192d90877d0cd55635b91 127.0.0.1:30004@31004,host replica - 0 1426238317239 4 connected
e7d1eecce10fd6bb5eb35b9f99a514335d9ba9ca 127.0.0.1:30001@31001 myself,master - 0 0 1 connected 0-5460 [5461->-abc]
07c37dfeb235213a872192d90877d0cd55635b92 127.0.0.1:30005@31005 slave e7d1eecce10fd6bb5eb35b9f99a514335d9ba9ca 0 1426238316232 5 disconnected 7000
";
        let lines = parse_cluster_nodes(text).unwrap();
        assert_eq!(lines.len(), 3);
        assert_eq!(lines[0].port, 30004);
        assert!(lines[0].slots.is_empty());
        assert_eq!(lines[1].slots, vec![0..=5460]);
        assert!(lines[1].has_flag("myself") && lines[1].has_flag("master"));
        assert_eq!(
            lines[2].master_id.as_deref(),
            Some("e7d1eecce10fd6bb5eb35b9f99a514335d9ba9ca")
        );
        assert!(!lines[2].connected);
        assert_eq!(lines[2].slots, vec![7000..=7000]);
    }
}
