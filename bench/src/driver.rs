//! The driver: starts a private redis-server (never 6379), runs the selected workloads
//! `runs` times each (liner and its alternatives side by side in every run), prints the
//! machine, the table and the checks, and as its very last line
//! `ratio_vs_zmq_pushpull=<x>` (workload A, liner at-least-once ÷ ZeroMQ PUSH/PULL).

use std::process::ExitCode;
use std::time::{Duration, Instant};

use liner_tests::RedisServer;

use crate::error::{BenchError, BenchResult};
use crate::plan::Plan;
use crate::results::Results;
use crate::table::render;
use crate::workloads::{self, Ctx};

/// One run of one workload.
type Workload = fn(&mut Ctx, &mut Results);

/// Entry point of `liner-bench [options]`.
pub fn run(args: &[String]) -> ExitCode {
    let plan = match Plan::from_args(args) {
        Ok(plan) => plan,
        Err(e) => {
            eprintln!("liner-bench: {e}\nusage: liner-bench [--quick] [--runs N] [--only A,B,…]");
            return ExitCode::from(2);
        }
    };
    let started = Instant::now();
    match run_plan(plan) {
        Ok((results, plan)) => {
            println!("{}", describe(&plan, started.elapsed()));
            println!("{}", render(&results));
            println!("ratio_vs_zmq_pushpull={}", ratio_vs_zmq(&results));
            if results.all_ok() {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            }
        }
        Err(e) => {
            eprintln!("liner-bench: {e}");
            println!("ratio_vs_zmq_pushpull=nan");
            ExitCode::FAILURE
        }
    }
}

fn run_plan(plan: Plan) -> BenchResult<(Results, Plan)> {
    let exe = std::env::current_exe()
        .map_err(|e| BenchError::Args(format!("cannot find own executable: {e}")))?;
    let redis = RedisServer::start_local();
    let mut admin = redis.connection();
    // Pub/Sub subscribers that fall behind must not be disconnected mid-measurement.
    redis::cmd("CONFIG")
        .arg("SET")
        .arg("client-output-buffer-limit")
        .arg("pubsub 0 0 0")
        .exec(&mut admin)?;
    let mut ctx = Ctx::new(&exe, redis.url(), admin, plan);
    let mut results = Results::default();
    let workloads: [(char, Workload); 6] = [
        ('A', workloads::workload_a),
        ('B', workloads::workload_b),
        ('C', workloads::workload_c),
        ('D', workloads::workload_d),
        ('E', workloads::workload_e),
        ('F', workloads::workload_f),
    ];
    for run in 1..=ctx.plan.runs {
        eprintln!("[bench] run {run}/{}", ctx.plan.runs);
        for (letter, workload) in workloads {
            if ctx.plan.runs_workload(letter) {
                workload(&mut ctx, &mut results);
            }
        }
    }
    Ok((results, ctx.plan))
}

/// The header: machine, mode, counts, duration.
fn describe(plan: &Plan, took: Duration) -> String {
    let cpus = std::thread::available_parallelism().map_or(0, |n| n.get());
    let model = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines().find_map(|l| {
                l.strip_prefix("model name")
                    .map(|m| m.trim_start_matches([' ', '\t', ':']).to_string())
            })
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let f_cases: Vec<String> = plan
        .f_cases
        .iter()
        .map(|(size, n)| format!("{n}×{} KiB", size / 1024))
        .collect();
    format!(
        "liner-bench{}: {} run(s) of {} on {cpus} CPU(s), {model}; took {:.1} s\n\
         messages: A {} | B {} round trips (+{} warm-up) | C {} to {} listeners | D {} | \
         E {} peers × {} | F {}\n",
        if plan.quick { " --quick" } else { "" },
        plan.runs,
        plan.workloads,
        took.as_secs_f64(),
        plan.a_messages,
        plan.b_rounds,
        plan.b_warm,
        plan.c_messages,
        plan.c_listeners,
        plan.d_messages,
        plan.e_spokes,
        plan.e_per_spoke,
        f_cases.join(", "),
    )
}

/// Median liner at-least-once msg/s ÷ median ZeroMQ PUSH/PULL msg/s in workload A.
fn ratio_vs_zmq(results: &Results) -> String {
    let section = "A 100 B 1→1 at-least-once";
    let metric = "delivered msg/s";
    let ours = results.median(section, "liner at-least-once", metric);
    let zmq = results.median(section, "ZeroMQ PUSH/PULL", metric);
    match (ours, zmq) {
        (Some(ours), Some(zmq)) if zmq > 0.0 => format!("{:.2}", ours / zmq),
        _ => "nan".to_string(),
    }
}
