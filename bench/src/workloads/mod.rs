//! The driver's workloads (A–G, G500 and Dc of docs/performance.md). Each measures liner and its
//! alternatives once per call (one run) and adds the numbers to the results; a measurement
//! that fails is recorded as failed and the others go on.

mod flow;
mod footprint;
mod latency;
mod nats_server;
mod offline;
mod systems;
mod throughput;
mod wide;

use std::path::{Path, PathBuf};

use liner_tests::RedisCluster;

use crate::cast::Cast;
use crate::error::{BenchError, BenchResult};
use crate::plan::Plan;
use crate::results::Results;
use crate::workloads::nats_server::NatsServer;

pub use nats_server::installed as nats_installed;

pub use footprint::workload_e;
pub use latency::workload_b;
pub use offline::{workload_d, workload_d_cluster};
pub use systems::{A_LINER, RAW_TCP, ZMQ_DEFAULT_HWM, ZMQ_MATCHED, liner_window};
pub use throughput::{A_RATE, A_RELIABLE, workload_a, workload_c, workload_f};
pub use wide::{G_LINER, G_RATE, G_ZMQ, g_section, workload_g, workload_g500};

/// What every workload needs: the binary to re-execute, the Redis server, fresh names.
pub struct Ctx {
    exe: PathBuf,
    pub url: String,
    /// PID of the bench's redis-server, whose CPU time the Redis rows count.
    pub redis_pid: Option<u32>,
    admin: redis::Connection,
    /// The current run (1-based): even runs measure a workload's systems in reverse order.
    pub run: usize,
    serial: u64,
    pub plan: Plan,
    /// Redis Cluster of Dc, started on first use and stopped (by PID) when the context
    /// is dropped.
    cluster: Option<RedisCluster>,
    /// nats-server of the NATS rows, started on first use and killed when dropped.
    nats: Option<NatsServer>,
}

impl Ctx {
    pub fn new(
        exe: &Path,
        redis: (&str, Option<u32>),
        admin: redis::Connection,
        plan: Plan,
    ) -> Ctx {
        Ctx {
            exe: exe.to_path_buf(),
            url: redis.0.to_string(),
            redis_pid: redis.1,
            admin,
            run: 1,
            serial: 0,
            plan,
            cluster: None,
            nats: None,
        }
    }

    /// `items` in this run's order: as given in odd runs, reversed in even ones, so drift
    /// over a run (other load, heat) does not always favour the same system.
    pub fn in_run_order<T: Copy>(&self, items: &[T]) -> Vec<T> {
        let mut ordered = items.to_vec();
        if self.run.is_multiple_of(2) {
            ordered.reverse();
        }
        ordered
    }

    /// URL and PID of the bench's nats-server, started on the first call.
    pub fn nats(&mut self) -> BenchResult<(String, u32)> {
        if self.nats.is_none() {
            eprintln!("[bench] starting nats-server -js");
            self.nats = Some(NatsServer::start()?);
        }
        let server = self.nats.as_ref().expect("started above");
        Ok((server.url(), server.pid()))
    }

    /// The node list (`redis://…,redis://…`) of a private Redis Cluster of 3 masters with
    /// one replica each, started on the first call.
    pub fn cluster_url(&mut self) -> BenchResult<String> {
        if self.cluster.is_none() {
            eprintln!("[bench] starting a Redis Cluster (3 masters + 3 replicas)");
            // The harness panics (after stopping what it started) when the cluster does
            // not come up: that fails this workload, not the bench.
            let started = std::panic::catch_unwind(|| RedisCluster::start(3, 1));
            let cluster = started.map_err(|panic| {
                let why = panic
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_else(|| "unknown reason".into());
                BenchError::Transport(format!("starting a Redis Cluster: {why}"))
            })?;
            self.cluster = Some(cluster);
        }
        Ok(self
            .cluster
            .as_ref()
            .map(RedisCluster::url_list)
            .unwrap_or_default())
    }

    /// A plain connection to each master of the Redis Cluster (none before it started).
    fn cluster_masters(&self) -> BenchResult<Vec<redis::Connection>> {
        let Some(cluster) = &self.cluster else {
            return Ok(Vec::new());
        };
        let mut masters = Vec::new();
        for port in cluster.master_ports() {
            let client = redis::Client::open(format!("redis://127.0.0.1:{port}/"))?;
            masters.push(client.get_connection_with_timeout(std::time::Duration::from_secs(2))?);
        }
        Ok(masters)
    }

    /// Empties every master of the Redis Cluster (replicas follow).
    pub fn reset_cluster(&mut self) -> BenchResult<()> {
        for mut con in self.cluster_masters()? {
            redis::cmd("FLUSHALL").exec(&mut con)?;
        }
        Ok(())
    }

    /// `WAIT` commands the masters of the Redis Cluster have served so far, all together.
    pub fn cluster_wait_calls(&mut self) -> BenchResult<u64> {
        let mut calls = 0;
        for mut con in self.cluster_masters()? {
            let stats: String = redis::cmd("INFO").arg("commandstats").query(&mut con)?;
            calls += stats
                .lines()
                .find_map(|line| line.strip_prefix("cmdstat_wait:calls="))
                .and_then(|rest| rest.split(',').next())
                .and_then(|n| n.parse::<u64>().ok())
                .unwrap_or(0);
        }
        Ok(calls)
    }

    /// A name no other measurement of this bench uses (valid as a liner name or Redis key).
    pub fn name(&mut self, tag: &str) -> String {
        self.serial += 1;
        format!("bench{}_{}_{tag}", std::process::id(), self.serial)
    }

    /// An empty cast of role processes.
    pub fn cast(&self) -> Cast {
        Cast::new(&self.exe)
    }

    /// Empties the bench's Redis between measurements (parked messages, catalogs, lists).
    pub fn reset_store(&mut self) -> BenchResult<()> {
        Ok(redis::cmd("FLUSHALL").exec(&mut self.admin)?)
    }
}

/// Runs one measurement and resets the store afterwards; a failure is recorded.
fn measure<T>(
    ctx: &mut Ctx,
    results: &mut Results,
    what: &str,
    body: impl FnOnce(&mut Ctx) -> BenchResult<T>,
) -> Option<T> {
    let outcome = body(ctx);
    if let Err(e) = ctx.reset_store() {
        results.fail("resetting redis", &e);
    }
    match outcome {
        Ok(value) => Some(value),
        Err(e) => {
            results.fail(what, &e);
            None
        }
    }
}
