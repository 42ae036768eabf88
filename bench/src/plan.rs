//! What one bench invocation measures: the workloads selected, how many runs, and the
//! message counts of each workload in full and in `--quick` mode.
//!
//! Usage: `liner-bench [--quick] [--runs N] [--only A,B,…]`. Workloads are named by letter
//! (A–G) plus two variants: `G500` (fan-out to 500 listeners) and `Dc` (D on a Redis
//! Cluster). `--only` takes names separated by commas; a run of letters without commas
//! (`AB`) still names one workload per letter, except the names `G500` and `Dc` (any case).

use crate::error::{BenchError, BenchResult};

/// Every workload, in the order they run.
pub const ALL_WORKLOADS: [&str; 9] = ["A", "B", "C", "D", "Dc", "E", "F", "G", "G500"];
/// What `--quick` runs unless `--only` says otherwise: the CI smoke set (G500 and Dc take
/// longer and start more; they run in quick mode only when `--only` names them).
const QUICK_DEFAULT: [&str; 7] = ["A", "B", "C", "D", "E", "F", "G"];
/// Workloads that, in `--quick` mode, run once (in the first run) unless `--runs` is given:
/// they start hundreds of clients or a Redis Cluster.
pub const HEAVY: [&str; 3] = ["Dc", "G", "G500"];

#[derive(Debug, Clone)]
pub struct Plan {
    pub quick: bool,
    pub runs: usize,
    /// Runs of the `HEAVY` workloads.
    pub heavy_runs: usize,
    /// Workloads to run (names of `ALL_WORKLOADS`, in that order).
    pub workloads: Vec<&'static str>,
    /// Warm-up messages each receiver must see before the measured part starts.
    pub warm: u64,
    /// A: messages per throughput measurement.
    pub a_messages: u64,
    /// A: messages through the brokered extras (Redis Streams, core NATS, JetStream),
    /// which `--quick` measures in its first run only (`heavy_runs`).
    pub broker_messages: u64,
    /// B: measured round trips and warm-up round trips.
    pub b_rounds: u64,
    pub b_warm: u64,
    /// C: messages sent to the listeners (each listener gets all of them).
    pub c_messages: u64,
    pub c_listeners: u64,
    /// D (and Dc): messages of the offline burst.
    pub d_messages: u64,
    /// E: spoke clients and messages each way per spoke.
    pub e_spokes: u64,
    pub e_per_spoke: u64,
    /// F: (payload bytes, messages).
    pub f_cases: Vec<(usize, u64)>,
    /// G: messages sent to every one of `g_listeners` listeners.
    pub g_messages: u64,
    pub g_listeners: u64,
    /// G500: messages sent to every one of `g500_listeners` listeners.
    pub g500_messages: u64,
    pub g500_listeners: u64,
    /// G and G500: most listener processes (the listeners are spread evenly over them).
    pub g_processes: u64,
}

impl Plan {
    fn full() -> Plan {
        Plan {
            quick: false,
            runs: 5,
            heavy_runs: 5,
            workloads: ALL_WORKLOADS.to_vec(),
            warm: 50,
            a_messages: 1_000_000,
            broker_messages: 1_000_000,
            b_rounds: 100_000,
            b_warm: 2_000,
            c_messages: 250_000,
            c_listeners: 4,
            d_messages: 1_000_000,
            e_spokes: 8,
            e_per_spoke: 20_000,
            f_cases: vec![(1024, 200_000), (64 * 1024, 10_000)],
            g_messages: 10_000,
            g_listeners: 100,
            g500_messages: 2_000,
            g500_listeners: 500,
            g_processes: 10,
        }
    }

    fn quick() -> Plan {
        Plan {
            quick: true,
            runs: 3,
            heavy_runs: 1,
            workloads: QUICK_DEFAULT.to_vec(),
            a_messages: 100_000,
            broker_messages: 20_000,
            b_rounds: 5_000,
            b_warm: 500,
            c_messages: 20_000,
            d_messages: 50_000,
            e_spokes: 4,
            e_per_spoke: 10_000,
            f_cases: vec![(1024, 20_000), (64 * 1024, 1_000)],
            g_messages: 2_000,
            g500_messages: 1_000,
            ..Plan::full()
        }
    }

    /// Parses the command line (see the module docs).
    pub fn from_args(args: &[String]) -> BenchResult<Plan> {
        let mut plan = if args.iter().any(|a| a == "--quick") {
            Plan::quick()
        } else {
            Plan::full()
        };
        let mut rest = args.iter();
        while let Some(arg) = rest.next() {
            match arg.as_str() {
                "--quick" => {}
                "--runs" => {
                    plan.runs = value(rest.next(), "--runs")?
                        .parse()
                        .ok()
                        .filter(|&n| n > 0)
                        .ok_or_else(|| BenchError::Args("--runs needs a positive number".into()))?;
                    plan.heavy_runs = plan.runs;
                }
                "--only" => plan.workloads = parse_only(value(rest.next(), "--only")?)?,
                other => return Err(BenchError::Args(format!("unknown option '{other}'"))),
            }
        }
        Ok(plan)
    }

    pub fn runs_workload(&self, name: &str) -> bool {
        self.workloads.contains(&name)
    }

    /// How many runs measure workload `name`.
    pub fn runs_of(&self, name: &str) -> usize {
        if HEAVY.contains(&name) {
            self.heavy_runs
        } else {
            self.runs
        }
    }

    /// How many runs the bench makes: the most any selected workload needs.
    pub fn total_runs(&self) -> usize {
        self.workloads
            .iter()
            .map(|name| self.runs_of(name))
            .max()
            .unwrap_or(self.runs)
    }
}

/// The workloads `--only` names, in `ALL_WORKLOADS` order.
fn parse_only(text: &str) -> BenchResult<Vec<&'static str>> {
    let mut chosen = Vec::new();
    for token in text.split(',').map(str::trim).filter(|t| !t.is_empty()) {
        let named = ALL_WORKLOADS
            .iter()
            .find(|name| name.len() > 1 && name.eq_ignore_ascii_case(token));
        if let Some(name) = named {
            chosen.push(*name);
            continue;
        }
        for letter in token.chars() {
            let name = ALL_WORKLOADS
                .iter()
                .find(|name| name.len() == 1 && name.eq_ignore_ascii_case(&letter.to_string()))
                .ok_or_else(|| {
                    BenchError::Args(format!(
                        "--only takes workloads of {}, got '{token}'",
                        ALL_WORKLOADS.join(",")
                    ))
                })?;
            chosen.push(*name);
        }
    }
    if chosen.is_empty() {
        return Err(BenchError::Args(
            "--only needs at least one workload".into(),
        ));
    }
    Ok(ALL_WORKLOADS
        .iter()
        .copied()
        .filter(|name| chosen.contains(name))
        .collect())
}

fn value<'a>(arg: Option<&'a String>, option: &str) -> BenchResult<&'a str> {
    arg.map(String::as_str)
        .ok_or_else(|| BenchError::Args(format!("{option} needs a value")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> BenchResult<Plan> {
        Plan::from_args(&args.iter().map(|s| s.to_string()).collect::<Vec<_>>())
    }

    #[test]
    fn defaults_and_quick() {
        let full = parse(&[]).unwrap();
        assert!(!full.quick && full.runs >= 5 && full.a_messages == 1_000_000);
        assert_eq!(full.workloads, ALL_WORKLOADS);
        assert_eq!(full.runs_of("G"), full.runs);
        let quick = parse(&["--quick"]).unwrap();
        assert!(quick.quick && quick.a_messages < full.a_messages);
        assert_eq!(quick.workloads, ["A", "B", "C", "D", "E", "F", "G"]);
        assert!(!quick.runs_workload("G500") && !quick.runs_workload("Dc"));
        assert_eq!((quick.runs_of("G"), quick.total_runs()), (1, 3));
    }

    #[test]
    fn options() {
        let plan = parse(&["--runs", "2", "--only", "b,a"]).unwrap();
        assert_eq!((plan.runs, plan.workloads.clone()), (2, vec!["A", "B"]));
        assert!(plan.runs_workload("A") && !plan.runs_workload("C"));
        assert_eq!(parse(&["--only", "AB"]).unwrap().workloads, ["A", "B"]);
        assert!(parse(&["--only", "Z"]).is_err());
        assert!(parse(&["--only", ","]).is_err());
        assert!(parse(&["--runs", "0"]).is_err());
        assert!(parse(&["--fast"]).is_err());
    }

    #[test]
    fn variants_by_name() {
        let plan = parse(&["--quick", "--only", "g500,Dc,G"]).unwrap();
        assert_eq!(plan.workloads, ["Dc", "G", "G500"]);
        assert_eq!(
            (plan.runs_of("G"), plan.runs_of("A"), plan.total_runs()),
            (1, 3, 1)
        );
        let plan = parse(&["--quick", "--runs", "2", "--only", "A,G"]).unwrap();
        assert_eq!((plan.runs_of("G"), plan.total_runs()), (2, 2));
        assert!(parse(&["--only", "G5"]).is_err());
    }
}
