//! The per-scenario table and the summary line the suite ends with:
//! `chaos: N scenarios, M messages, L lost`.

use std::fmt::Write;
use std::time::Duration;

use crate::ledger::Tally;

/// One scenario's results, summed over its runs.
pub struct Row {
    pub name: &'static str,
    pub item: &'static str,
    pub runs: u32,
    pub tally: Tally,
    pub dup_bound: u64,
    pub time: Duration,
    pub failed_runs: u32,
    /// What its runs measured (`round N: …`), printed before the table.
    pub measured: Vec<String>,
}

impl Row {
    pub fn ok(&self) -> bool {
        self.failed_runs == 0
    }
}

pub fn table(rows: &[Row]) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:<22} {:>4} {:>4} {:>9} {:>9} {:>6} {:>11} {:>9} {:>8}  result",
        "scenario",
        "item",
        "runs",
        "accepted",
        "delivered",
        "lost",
        "dup/bound",
        "reordered",
        "time"
    );
    for r in rows {
        let t = &r.tally;
        let result = if r.ok() {
            "ok".to_string()
        } else {
            format!("FAIL ({}/{})", r.failed_runs, r.runs)
        };
        let _ = writeln!(
            out,
            "{:<22} {:>4} {:>4} {:>9} {:>9} {:>6} {:>11} {:>9} {:>6.1} s  {result}",
            r.name,
            r.item,
            r.runs,
            t.accepted,
            t.delivered,
            t.lost,
            format!("{}/{}", t.duplicated, r.dup_bound),
            t.reordered,
            r.time.as_secs_f64(),
        );
    }
    out
}

/// The measurements of every row, one line each (empty when none measured anything).
pub fn measurements(rows: &[Row]) -> String {
    let mut out = String::new();
    for r in rows {
        for m in &r.measured {
            let _ = writeln!(out, "{}: {m}", r.name);
        }
    }
    out
}

pub fn summary(rows: &[Row]) -> String {
    let messages: u64 = rows.iter().map(|r| r.tally.accepted).sum();
    let lost: u64 = rows.iter().map(|r| r.tally.lost).sum();
    format!(
        "chaos: {} scenarios, {messages} messages, {lost} lost",
        rows.len()
    )
}
