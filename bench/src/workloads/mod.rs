//! The driver's workloads (A–F of docs/performance.md). Each measures liner and its
//! alternatives once per call (one run) and adds the numbers to the results; a measurement
//! that fails is recorded as failed and the others go on.

mod flow;
mod footprint;
mod latency;
mod offline;
mod throughput;

use std::path::{Path, PathBuf};

use crate::cast::Cast;
use crate::error::BenchResult;
use crate::plan::Plan;
use crate::results::Results;

pub use footprint::workload_e;
pub use latency::workload_b;
pub use offline::workload_d;
pub use throughput::{workload_a, workload_c, workload_f};

/// What every workload needs: the binary to re-execute, the Redis server, fresh names.
pub struct Ctx {
    exe: PathBuf,
    pub url: String,
    admin: redis::Connection,
    serial: u64,
    pub plan: Plan,
}

impl Ctx {
    pub fn new(exe: &Path, url: &str, admin: redis::Connection, plan: Plan) -> Ctx {
        Ctx {
            exe: exe.to_path_buf(),
            url: url.to_string(),
            admin,
            serial: 0,
            plan,
        }
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
