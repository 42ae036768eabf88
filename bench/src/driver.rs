//! The driver: starts a private redis-server (never 6379), runs the selected workloads
//! `runs` times each (liner and its alternatives side by side in every run; in `--quick`
//! mode the heavy ones, G, G500 and Dc, once), prints the machine, the table and the
//! checks, `ratio_g_vs_zmq_pubsub=<x>` when G ran, `ratio_a_vs_raw_tcp=<x>` (liner
//! at-least-once ÷ workload Z) and as its very last line `ratio_vs_zmq_pushpull=<x>`
//! (workload A, liner at-least-once ÷ ZeroMQ PUSH/PULL with high-water marks matched to
//! liner's window). Odd runs measure each workload's systems in one order, even runs in
//! the reverse order.

use std::process::ExitCode;
use std::time::{Duration, Instant};

use liner_tests::RedisServer;

use crate::error::{BenchError, BenchResult};
use crate::plan::{HEAVY, Plan};
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
            if plan.runs_workload("G") {
                println!("ratio_g_vs_zmq_pubsub={}", ratio_g_vs_zmq(&results, &plan));
            }
            if plan.runs_workload("A") {
                let raw = ratio_in_a(&results, workloads::RAW_TCP);
                println!("ratio_a_vs_raw_tcp={raw}");
            }
            let zmq = ratio_in_a(&results, workloads::ZMQ_MATCHED);
            println!("ratio_vs_zmq_pushpull={zmq}");
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
    let mut ctx = Ctx::new(&exe, (redis.url(), redis.pid()), admin, plan);
    let mut results = Results::default();
    let workloads: [(&str, Workload); 9] = [
        ("A", workloads::workload_a),
        ("B", workloads::workload_b),
        ("C", workloads::workload_c),
        ("D", workloads::workload_d),
        ("Dc", workloads::workload_d_cluster),
        ("E", workloads::workload_e),
        ("F", workloads::workload_f),
        ("G", workloads::workload_g),
        ("G500", workloads::workload_g500),
    ];
    let runs = ctx.plan.total_runs();
    for run in 1..=runs {
        eprintln!("[bench] run {run}/{runs}");
        ctx.run = run;
        for (name, workload) in workloads {
            if ctx.plan.runs_workload(name) && run <= ctx.plan.runs_of(name) {
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
    let mut extra = String::new();
    if plan.runs_workload("G") {
        extra.push_str(&format!(
            " | G {} to {} listeners",
            plan.g_messages, plan.g_listeners
        ));
    }
    if plan.runs_workload("G500") {
        extra.push_str(&format!(
            " | G500 {} to {} listeners",
            plan.g500_messages, plan.g500_listeners
        ));
    }
    if plan.runs_workload("Dc") {
        extra.push_str(&format!(" | Dc {}", plan.d_messages));
    }
    let any_heavy = plan.workloads.iter().any(|name| HEAVY.contains(name));
    let only_heavy = plan.workloads.iter().all(|name| HEAVY.contains(name));
    let heavy_runs = if any_heavy && !only_heavy && plan.heavy_runs != plan.runs {
        format!(" ({} of G, G500, Dc)", plan.heavy_runs)
    } else {
        String::new()
    };
    format!(
        "liner-bench{}: {} run(s){heavy_runs} of {} on {cpus} CPU(s), {model}; took {:.1} s\n\
         messages: A {} (Redis Streams, NATS, JetStream {}) | B {} round trips (+{} warm-up) | \
         C {} to {} listeners | D {} | E {} peers × {} | F {}{extra}\n{}\n\
         systems alternate order between runs (odd runs as listed, even runs reversed)\n",
        if plan.quick { " --quick" } else { "" },
        plan.total_runs(),
        if plan.workloads.iter().all(|name| name.len() == 1) {
            plan.workloads.concat()
        } else {
            plan.workloads.join(",")
        },
        took.as_secs_f64(),
        plan.a_messages,
        plan.broker_messages,
        plan.b_rounds,
        plan.b_warm,
        plan.c_messages,
        plan.c_listeners,
        plan.d_messages,
        plan.e_spokes,
        plan.e_per_spoke,
        f_cases.join(", "),
        buffering(plan),
    )
}

/// The buffering each system gets: liner's window in bytes and in frames, and the ZeroMQ
/// high-water marks set from it, for A's and F's message sizes.
fn buffering(plan: &Plan) -> String {
    let sizes = std::iter::once((100, plan.a_messages)).chain(plan.f_cases.iter().copied());
    let matched: Vec<String> = sizes
        .map(|(size, count)| {
            let w = workloads::liner_window(size, count);
            format!("{size} B: {} frames of {} B", w.messages, w.frame_bytes)
        })
        .collect();
    let window = workloads::liner_window(100, plan.a_messages);
    format!(
        "buffering: liner at-least-once window {} B per peer = {}; ZeroMQ PUSH/PULL \
         SNDHWM = RCVHWM = that many messages (matched rows; {} at 100 B) and {} (libzmq's \
         default, default rows); PUB/SUB unlimited (0); JetStream publisher ≤ {} acks in \
         flight",
        window.bytes,
        matched.join(", "),
        window.messages,
        workloads::ZMQ_DEFAULT_HWM,
        window.messages,
    )
}

/// Median liner at-least-once msg/s ÷ median msg/s of `system` in workload A.
fn ratio_in_a(results: &Results, system: &str) -> String {
    let (section, metric) = (workloads::A_RELIABLE, workloads::A_RATE);
    let ours = results.median(section, workloads::A_LINER, metric);
    let theirs = results.median(section, system, metric);
    match (ours, theirs) {
        (Some(ours), Some(theirs)) if theirs > 0.0 => format!("{:.2}", ours / theirs),
        _ => "nan".to_string(),
    }
}

/// Median liner `send_all` deliveries/s ÷ median ZeroMQ PUB/SUB deliveries/s in workload G.
fn ratio_g_vs_zmq(results: &Results, plan: &Plan) -> String {
    let section = workloads::g_section(plan.g_listeners);
    let metric = workloads::G_RATE;
    let ours = results.median(&section, workloads::G_LINER, metric);
    let zmq = results.median(&section, workloads::G_ZMQ, metric);
    match (ours, zmq) {
        (Some(ours), Some(zmq)) if zmq > 0.0 => format!("{:.2}", ours / zmq),
        _ => "nan".to_string(),
    }
}
