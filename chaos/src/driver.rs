//! The driver: runs the selected scenarios (once with `--quick`, else round after round
//! until the time budget is spent), judges each run from its tally, prints progress on
//! stderr and, on stdout, the failures, the per-scenario table and the summary line.
//!
//! A run fails on any loss, any reorder, duplicates above its bound, a payload that is not
//! a chaos payload, or a failure the scenario saw itself. Each run gets its own directory
//! (child logs, record files, Redis files) under `$LINER_CHAOS_DIR` or the temp dir; it is
//! deleted when the run passed (unless `--keep`) and its path printed when it failed.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use crate::ledger::Tally;
use crate::plan::{Plan, USAGE};
use crate::report::{Row, measurements, summary, table};
use crate::scenarios::{ALL, Scenario};
use crate::world::{Setup, World};

pub fn run(args: &[String]) -> ExitCode {
    let plan = match Plan::from_args(args) {
        Ok(plan) => plan,
        Err(e) => {
            eprintln!("liner-chaos: {e}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    if plan.list {
        for s in ALL {
            println!("{:<22} item {:>3}  {}", s.name, s.item, s.about);
        }
        return ExitCode::SUCCESS;
    }
    let exe = match std::env::current_exe() {
        Ok(exe) => exe,
        Err(e) => {
            eprintln!("liner-chaos: cannot find own executable: {e}");
            return ExitCode::FAILURE;
        }
    };
    let base = std::env::var_os("LINER_CHAOS_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(std::env::temp_dir)
        .join(format!("liner-chaos-{}", liner_tests::unique_prefix()));
    let rows = run_plan(&plan, &exe, &base);
    let failures: Vec<&Row> = rows.iter().filter(|r| !r.ok()).collect();
    println!();
    if !failures.is_empty() {
        println!(
            "failed: {} (details above; kept directories under {})",
            failures
                .iter()
                .map(|r| r.name)
                .collect::<Vec<_>>()
                .join(", "),
            base.display()
        );
    }
    let measured = measurements(&rows);
    if !measured.is_empty() {
        println!("measured:\n{measured}");
    }
    print!("{}", table(&rows));
    println!("{}", summary(&rows));
    if failures.is_empty() {
        if plan.keep {
            eprintln!("[chaos] logs and records kept in {}", base.display());
        } else {
            let _ = std::fs::remove_dir_all(&base);
        }
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

fn run_plan(plan: &Plan, exe: &Path, base: &Path) -> Vec<Row> {
    let started = Instant::now();
    let mut rows: Vec<Row> = plan
        .selected
        .iter()
        .map(|s| Row {
            name: s.name,
            item: s.item,
            runs: 0,
            tally: Tally::default(),
            dup_bound: 0,
            time: Duration::ZERO,
            failed_runs: 0,
            measured: Vec::new(),
        })
        .collect();
    let mut round = 1u32;
    'rounds: loop {
        for (scenario, row) in plan.selected.iter().zip(rows.iter_mut()) {
            // After the first round, start a run only if a run like the last one still fits.
            if round > 1 {
                let typical = row.time / row.runs.max(1);
                if started.elapsed() + typical > plan.budget {
                    break 'rounds;
                }
            }
            run_one(plan, scenario, round, exe, base, row);
        }
        if plan.quick || started.elapsed() >= plan.budget {
            break;
        }
        round += 1;
    }
    let rounds = rows.iter().map(|r| r.runs).max().unwrap_or(0);
    eprintln!(
        "[chaos] {rounds} round(s) in {:.0} s",
        started.elapsed().as_secs_f64()
    );
    rows
}

fn run_one(plan: &Plan, scenario: &Scenario, round: u32, exe: &Path, base: &Path, row: &mut Row) {
    let dir = base.join(format!("{}-{round}", scenario.name));
    eprintln!(
        "[chaos] {} (item {}), round {round} ...",
        scenario.name, scenario.item
    );
    let t0 = Instant::now();
    let setup = Setup {
        durable_redis: scenario.durable_redis,
        quick: plan.quick,
        round,
        seed: plan.seed,
    };
    let (tally, bound, notes, measured, mut failures) = match World::new(exe, &dir, setup) {
        Ok(mut world) => {
            if let Err(e) = (scenario.run)(&mut world) {
                world.failures.push(e);
            }
            let tally = world.tally();
            (
                tally,
                world.dup_bound,
                world.notes,
                world.measured,
                world.failures,
            )
        }
        Err(e) => (Tally::default(), 0, Vec::new(), Vec::new(), vec![e]),
    };
    let elapsed = t0.elapsed();
    failures.extend(judge(&tally, bound));
    for note in &notes {
        eprintln!("[chaos]   {note}");
    }
    for m in &measured {
        eprintln!("[chaos]   {m}");
    }
    eprintln!(
        "[chaos]   accepted {} delivered {} lost {} dup {}/{bound} reordered {} unconfirmed {} \
         abandoned {} refused {} panicked {} in {:.1} s: {}",
        tally.accepted,
        tally.delivered,
        tally.lost,
        tally.duplicated,
        tally.reordered,
        tally.unconfirmed,
        tally.abandoned,
        tally.refused,
        tally.panicked,
        elapsed.as_secs_f64(),
        if failures.is_empty() { "ok" } else { "FAIL" }
    );
    for failure in &failures {
        eprintln!("[chaos]   FAIL: {failure}");
        println!("{} round {round}: {failure}", scenario.name);
    }
    if failures.is_empty() && !plan.keep {
        let _ = std::fs::remove_dir_all(&dir);
    } else if !failures.is_empty() {
        eprintln!("[chaos]   logs and records kept in {}", dir.display());
    }
    row.runs += 1;
    row.tally.add(&tally);
    row.dup_bound += bound;
    row.time += elapsed;
    row.measured
        .extend(measured.iter().map(|m| format!("round {round}: {m}")));
    if !failures.is_empty() {
        row.failed_runs += 1;
    }
}

/// What the tally alone says is wrong.
pub fn judge(t: &Tally, dup_bound: u64) -> Vec<String> {
    let mut wrong = Vec::new();
    if t.lost > 0 {
        wrong.push(format!(
            "{} of {} accepted messages lost",
            t.lost, t.accepted
        ));
    }
    if t.reordered > 0 {
        wrong.push(format!(
            "{} messages delivered out of channel order",
            t.reordered
        ));
    }
    if t.duplicated > dup_bound {
        wrong.push(format!("{} duplicates, bound {dup_bound}", t.duplicated));
    }
    if t.garbage > 0 {
        wrong.push(format!(
            "{} callback calls with a corrupted payload",
            t.garbage
        ));
    }
    if t.forged > 0 {
        wrong.push(format!("{} forged messages delivered", t.forged));
    }
    if t.accepted == 0 {
        wrong.push("no message was accepted; nothing tested".into());
    }
    wrong
}
