//! Round-trip bookkeeping shared by the ping roles: collect `rounds=` samples, drop the
//! first `warm=` (connection set-up, cold caches), report percentiles in nanoseconds
//! (`rtt p50=… p90=… p99=… p999=… max=…`), then wait for `exit`.

use crate::error::{BenchError, BenchResult};
use crate::report::Line;
use crate::role_io::{Args, Commands};
use crate::stats::percentile;

/// Round-trip samples of one ping role.
pub struct LatencyProbe {
    samples_ns: Vec<u64>,
    warm: usize,
    total: usize,
}

impl LatencyProbe {
    pub fn from_args(args: &Args) -> BenchResult<LatencyProbe> {
        let rounds = args.number("rounds")? as usize;
        let warm = args.number("warm")? as usize;
        Ok(LatencyProbe {
            samples_ns: Vec::with_capacity(warm + rounds),
            warm,
            total: warm + rounds,
        })
    }

    /// Round trips to perform, warm-up included.
    pub fn total(&self) -> u64 {
        self.total as u64
    }

    /// Whether every round trip has been recorded.
    pub fn is_complete(&self) -> bool {
        self.samples_ns.len() >= self.total
    }

    pub fn record(&mut self, round_trip_ns: u64) {
        if !self.is_complete() {
            self.samples_ns.push(round_trip_ns);
        }
    }
}

/// Reports the measured round trips, then waits for `exit`.
pub fn report_round_trips(probe: LatencyProbe, cmds: &Commands) -> BenchResult<()> {
    if !probe.is_complete() {
        return Err(BenchError::Protocol(format!(
            "only {} of {} round trips done",
            probe.samples_ns.len(),
            probe.total
        )));
    }
    let mut measured = probe.samples_ns[probe.warm..].to_vec();
    measured.sort_unstable();
    let at = |q| percentile(&measured, q).unwrap_or(0);
    Line::new("rtt")
        .field("count", measured.len())
        .field("p50", at(0.5))
        .field("p90", at(0.9))
        .field("p99", at(0.99))
        .field("p999", at(0.999))
        .field("max", at(1.0))
        .emit();
    cmds.wait_for("exit")
}
