//! Command line of the driver: `liner-chaos [--quick] [--budget SECONDS] [--only a,b]
//! [--seed N] [--keep] [--list]`.

use std::time::Duration;

use crate::scenarios::{ALL, Scenario};

pub const USAGE: &str = "usage: liner-chaos [--quick] [--budget SECONDS] [--only NAME|ITEM,...] [--seed N] [--keep] [--list]";

/// What to run.
pub struct Plan {
    /// Each scenario once, small.
    pub quick: bool,
    /// Full run: keep repeating the scenarios until this much time is spent (the first
    /// round always completes).
    pub budget: Duration,
    pub selected: Vec<&'static Scenario>,
    pub seed: u64,
    /// Keep every scenario's directory (logs, records, Redis files), not only failed ones.
    pub keep: bool,
    pub list: bool,
}

impl Plan {
    pub fn from_args(args: &[String]) -> Result<Plan, String> {
        let mut plan = Plan {
            quick: false,
            budget: Duration::from_secs(600),
            selected: ALL.iter().collect(),
            seed: 8,
            keep: false,
            list: false,
        };
        let mut it = args.iter();
        while let Some(arg) = it.next() {
            let mut value = |name: &str| {
                it.next()
                    .cloned()
                    .ok_or_else(|| format!("{name} needs a value"))
            };
            match arg.as_str() {
                "--quick" => plan.quick = true,
                "--keep" => plan.keep = true,
                "--list" => plan.list = true,
                "--budget" => {
                    let v = value("--budget")?;
                    let secs: u64 = v
                        .parse()
                        .map_err(|_| format!("--budget {v}: not seconds"))?;
                    plan.budget = Duration::from_secs(secs);
                }
                "--seed" => {
                    let v = value("--seed")?;
                    plan.seed = v.parse().map_err(|_| format!("--seed {v}: not a number"))?;
                }
                "--only" => plan.selected = select(&value("--only")?)?,
                other => return Err(format!("unknown argument {other}")),
            }
        }
        Ok(plan)
    }
}

/// Scenarios named in a comma list: names, or items (`6`: issue 8's item 6, `9.6`: issue
/// 9's item 6; all scenarios of that item).
fn select(list: &str) -> Result<Vec<&'static Scenario>, String> {
    let mut picked: Vec<&'static Scenario> = Vec::new();
    for word in list.split(',').map(str::trim).filter(|w| !w.is_empty()) {
        let matching: Vec<&'static Scenario> = ALL
            .iter()
            .filter(|s| s.name == word || s.item == word)
            .collect();
        if matching.is_empty() {
            return Err(format!("no scenario '{word}' (see --list)"));
        }
        picked.extend(matching);
    }
    // Keep the suite's order and drop repeats.
    let mut ordered: Vec<&'static Scenario> = ALL
        .iter()
        .filter(|s| picked.iter().any(|p| p.name == s.name))
        .collect();
    ordered.dedup_by_key(|s| s.name);
    if ordered.is_empty() {
        return Err("--only selected nothing".into());
    }
    Ok(ordered)
}
