//! What the runs collected: one row of samples per (workload section, system, metric), the
//! pass/fail checks (delivery completeness and order) and the measurements that failed.
//! Rows keep insertion order, which is the table's order. A row can also say why it has no
//! samples (a system that is not installed).

use crate::error::BenchError;
use crate::stats::{Spread, spread};

/// Which direction of a metric is good (shown next to its name).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Better {
    Higher,
    Lower,
}

/// Identity of a row: section (workload), system, metric.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowKey {
    pub section: String,
    pub system: String,
    pub metric: &'static str,
}

#[derive(Debug, Clone)]
pub struct Row {
    pub key: RowKey,
    /// liner's row of its section: the numerator of the ratios.
    pub ours: bool,
    pub better: Better,
    pub samples: Vec<f64>,
    /// Why the row was not measured (shown instead of numbers).
    pub skipped: Option<String>,
}

impl Row {
    pub fn spread(&self) -> Option<Spread> {
        spread(&self.samples)
    }
}

/// A named pass/fail check, repeated once per run.
#[derive(Debug, Clone)]
pub struct Check {
    pub name: String,
    pub passed: u32,
    pub total: u32,
    /// Detail of the first failure.
    pub first_failure: Option<String>,
}

#[derive(Debug, Default)]
pub struct Results {
    pub rows: Vec<Row>,
    pub checks: Vec<Check>,
    pub failures: Vec<String>,
}

impl Results {
    /// Adds one run's value to a row (created on first use).
    pub fn add(&mut self, key: RowKey, ours: bool, better: Better, value: f64) {
        match self.rows.iter_mut().find(|row| row.key == key) {
            Some(row) => row.samples.push(value),
            None => self.rows.push(Row {
                key,
                ours,
                better,
                samples: vec![value],
                skipped: None,
            }),
        }
    }

    /// Notes that a row could not be measured, and why (once per row).
    pub fn skip(&mut self, key: RowKey, why: &str) {
        if self.rows.iter().all(|row| row.key != key) {
            self.rows.push(Row {
                key,
                ours: false,
                better: Better::Higher,
                samples: Vec::new(),
                skipped: Some(why.to_string()),
            });
        }
    }

    /// Records one run of a check.
    pub fn check(&mut self, name: &str, passed: bool, detail: impl FnOnce() -> String) {
        let index = match self.checks.iter().position(|c| c.name == name) {
            Some(index) => index,
            None => {
                self.checks.push(Check {
                    name: name.to_string(),
                    passed: 0,
                    total: 0,
                    first_failure: None,
                });
                self.checks.len() - 1
            }
        };
        let check = &mut self.checks[index];
        check.total += 1;
        if passed {
            check.passed += 1;
        } else if check.first_failure.is_none() {
            check.first_failure = Some(detail());
        }
    }

    /// Records a measurement that could not be taken.
    pub fn fail(&mut self, what: &str, error: &BenchError) {
        eprintln!("[bench] FAILED {what}: {error}");
        self.failures.push(format!("{what}: {error}"));
    }

    /// The median of a row, if it has samples.
    pub fn median(&self, section: &str, system: &str, metric: &str) -> Option<f64> {
        self.rows
            .iter()
            .find(|r| r.key.section == section && r.key.system == system && r.key.metric == metric)
            .and_then(Row::spread)
            .map(|s| s.median)
    }

    /// Whether every check passed and no measurement failed.
    pub fn all_ok(&self) -> bool {
        self.failures.is_empty() && self.checks.iter().all(|c| c.passed == c.total)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(system: &str) -> RowKey {
        RowKey {
            section: "A".into(),
            system: system.into(),
            metric: "msg/s",
        }
    }

    #[test]
    fn rows_collect_samples_in_order() {
        let mut r = Results::default();
        r.add(key("liner"), true, Better::Higher, 3.0);
        r.add(key("zmq"), false, Better::Higher, 1.0);
        r.add(key("liner"), true, Better::Higher, 5.0);
        assert_eq!(r.rows.len(), 2);
        assert_eq!(r.rows[0].samples, [3.0, 5.0]);
        assert_eq!(r.median("A", "liner", "msg/s"), Some(4.0));
        assert_eq!(r.median("A", "redis", "msg/s"), None);
        r.skip(key("nats"), "skipped (nats-server not found)");
        r.skip(key("nats"), "again");
        assert_eq!(r.rows.len(), 3);
        assert_eq!(r.median("A", "nats", "msg/s"), None);
    }

    #[test]
    fn checks_count_runs_and_keep_first_failure() {
        let mut r = Results::default();
        r.check("order", true, || "x".into());
        r.check("order", false, || "gap at 7".into());
        r.check("order", false, || "gap at 9".into());
        assert_eq!((r.checks[0].passed, r.checks[0].total), (1, 3));
        assert_eq!(r.checks[0].first_failure.as_deref(), Some("gap at 7"));
        assert!(!r.all_ok());
    }
}
