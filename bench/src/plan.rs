//! What one bench invocation measures: the workloads selected, how many runs, and the
//! message counts of each workload in full and in `--quick` mode.
//!
//! Usage: `liner-bench [--quick] [--runs N] [--only A,B,…]`.

use crate::error::{BenchError, BenchResult};

/// Every workload letter, in the order they run.
pub const ALL_WORKLOADS: &str = "ABCDEF";

#[derive(Debug, Clone)]
pub struct Plan {
    pub quick: bool,
    pub runs: usize,
    /// Workload letters to run (a subset of `ALL_WORKLOADS`).
    pub workloads: String,
    /// Warm-up messages each receiver must see before the measured part starts.
    pub warm: u64,
    /// A: messages per throughput measurement.
    pub a_messages: u64,
    /// B: measured round trips and warm-up round trips.
    pub b_rounds: u64,
    pub b_warm: u64,
    /// C: messages sent to the listeners (each listener gets all of them).
    pub c_messages: u64,
    pub c_listeners: u64,
    /// D: messages of the offline burst.
    pub d_messages: u64,
    /// E: spoke clients and messages each way per spoke.
    pub e_spokes: u64,
    pub e_per_spoke: u64,
    /// F: (payload bytes, messages).
    pub f_cases: Vec<(usize, u64)>,
}

impl Plan {
    fn full() -> Plan {
        Plan {
            quick: false,
            runs: 5,
            workloads: ALL_WORKLOADS.to_string(),
            warm: 50,
            a_messages: 1_000_000,
            b_rounds: 100_000,
            b_warm: 2_000,
            c_messages: 250_000,
            c_listeners: 4,
            d_messages: 1_000_000,
            e_spokes: 8,
            e_per_spoke: 20_000,
            f_cases: vec![(1024, 200_000), (64 * 1024, 10_000)],
        }
    }

    fn quick() -> Plan {
        Plan {
            quick: true,
            runs: 3,
            a_messages: 100_000,
            b_rounds: 5_000,
            b_warm: 500,
            c_messages: 20_000,
            d_messages: 50_000,
            e_spokes: 4,
            e_per_spoke: 10_000,
            f_cases: vec![(1024, 20_000), (64 * 1024, 1_000)],
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
                }
                "--only" => {
                    let letters = value(rest.next(), "--only")?.to_ascii_uppercase();
                    let letters: String = letters.chars().filter(|c| *c != ',').collect();
                    if letters.is_empty() || !letters.chars().all(|c| ALL_WORKLOADS.contains(c)) {
                        return Err(BenchError::Args(format!(
                            "--only takes letters of {ALL_WORKLOADS}, got '{letters}'"
                        )));
                    }
                    plan.workloads = ALL_WORKLOADS
                        .chars()
                        .filter(|c| letters.contains(*c))
                        .collect();
                }
                other => return Err(BenchError::Args(format!("unknown option '{other}'"))),
            }
        }
        Ok(plan)
    }

    pub fn runs_workload(&self, letter: char) -> bool {
        self.workloads.contains(letter)
    }
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
        let quick = parse(&["--quick"]).unwrap();
        assert!(quick.quick && quick.a_messages < full.a_messages);
    }

    #[test]
    fn options() {
        let plan = parse(&["--runs", "2", "--only", "b,a"]).unwrap();
        assert_eq!((plan.runs, plan.workloads.as_str()), (2, "AB"));
        assert!(plan.runs_workload('A') && !plan.runs_workload('C'));
        assert!(parse(&["--only", "Z"]).is_err());
        assert!(parse(&["--runs", "0"]).is_err());
        assert!(parse(&["--fast"]).is_err());
    }
}
