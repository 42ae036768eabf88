//! The hostile suite (`liner-chaos hostile`, run through `ci/hostile`; docs/chaos.md,
//! "Hostile suite"): the trust boundary of wire protocol v2 under attack from the same
//! machine, over loopback only.
//!
//! One listener process with a secret and one legitimate sender process streaming
//! at-least-once messages to it throughout; meanwhile the attacks of [`attacks::ALL`] run
//! one after the other — random bytes, oversize declared lengths before and after the
//! handshake, trickled large frames, the large-frame budget, slowloris, a connection flood,
//! per-source limits, forged Hellos, replayed handshakes, stolen connection keys, outsider
//! processes with a wrong or no secret, cursor jumps — each with a new legitimate sender
//! admitted in the middle of it. The same world as the chaos scenarios ([`crate::world`]:
//! its own `redis-server` on a free port, child processes of this binary, the delivery log
//! and the ledger) does the exact accounting of the legitimate messages; [`suite`] judges
//! each attack, [`report`] prints the table and the summary line
//! `hostile: N attacks, M messages, L lost, F forged delivered`.

mod attacks;
mod bound;
mod net;
mod peer;
mod report;
mod suite;
mod target;
mod watch;

use std::path::PathBuf;
use std::process::ExitCode;

use attacks::{ALL, Attack};
use report::{Row, details, summary, table};
use suite::Suite;

use crate::world::{Setup, World};

const USAGE: &str =
    "usage: liner-chaos hostile [--quick] [--only NAME,...] [--seed N] [--keep] [--list]";

struct Plan {
    quick: bool,
    selected: Vec<&'static Attack>,
    seed: u64,
    keep: bool,
    list: bool,
}

fn plan(args: &[String]) -> Result<Plan, String> {
    let mut plan = Plan {
        quick: false,
        selected: ALL.iter().collect(),
        seed: 10,
        keep: false,
        list: false,
    };
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--quick" => plan.quick = true,
            "--keep" => plan.keep = true,
            "--list" => plan.list = true,
            "--seed" => {
                let v = it.next().ok_or("--seed needs a value")?;
                plan.seed = v.parse().map_err(|_| format!("--seed {v}: not a number"))?;
            }
            "--only" => {
                let v = it.next().ok_or("--only needs a value")?;
                let names: Vec<&str> = v.split(',').map(str::trim).collect();
                if let Some(bad) = names.iter().find(|n| !ALL.iter().any(|a| a.name == **n)) {
                    return Err(format!("no attack '{bad}' (see --list)"));
                }
                plan.selected = ALL.iter().filter(|a| names.contains(&a.name)).collect();
            }
            other => return Err(format!("unknown argument {other}")),
        }
    }
    Ok(plan)
}

/// Entry point of `liner-chaos hostile …`.
pub fn run(args: &[String]) -> ExitCode {
    let plan = match plan(args) {
        Ok(plan) => plan,
        Err(e) => {
            eprintln!("liner-chaos hostile: {e}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    if plan.list {
        for a in ALL {
            println!(
                "{:<14} {}{}",
                a.name,
                if a.memory { "[memory] " } else { "" },
                a.about
            );
        }
        return ExitCode::SUCCESS;
    }
    let exe = match std::env::current_exe() {
        Ok(exe) => exe,
        Err(e) => {
            eprintln!("liner-chaos hostile: cannot find own executable: {e}");
            return ExitCode::FAILURE;
        }
    };
    let dir = std::env::var_os("LINER_CHAOS_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(std::env::temp_dir)
        .join(format!("liner-hostile-{}", liner_tests::unique_prefix()));
    let setup = Setup {
        durable_redis: false,
        quick: plan.quick,
        round: 1,
        seed: plan.seed,
    };
    let started = std::time::Instant::now();
    let (rows, tally, forged, mut wrong) =
        match World::new(&exe, &dir, setup).and_then(|w| Suite::start(w, !plan.quick, plan.seed)) {
            Ok(mut suite) => {
                let rows = run_attacks(&mut suite, &plan.selected);
                let (tally, forged, wrong) = suite.finish();
                (rows, tally, forged, wrong)
            }
            Err(e) => (Vec::new(), Default::default(), 0, vec![e]),
        };
    wrong.extend(crate::driver::judge(&tally, u64::MAX));
    if rows.len() < plan.selected.len() {
        wrong.push(format!(
            "only {} of {} attacks ran",
            rows.len(),
            plan.selected.len()
        ));
    }
    eprintln!("[hostile] {:.0} s", started.elapsed().as_secs_f64());

    println!();
    for r in &rows {
        for f in &r.failures {
            println!("{}: {f}", r.name);
        }
    }
    for w in &wrong {
        println!("run: {w}");
    }
    println!("measured:\n{}", details(&rows));
    println!(
        "legitimate messages: accepted {} delivered {} lost {} duplicated {} reordered {}; insider messages delivered {}",
        tally.accepted,
        tally.delivered,
        tally.lost,
        tally.duplicated,
        tally.reordered,
        tally.insider
    );
    let failed = !wrong.is_empty() || rows.iter().any(|r| !r.failures.is_empty());
    if failed {
        println!("FAILED; logs and records kept in {}", dir.display());
    }
    print!("{}", table(&rows));
    println!(
        "{}",
        summary(rows.len(), tally.accepted, tally.lost, forged)
    );
    if failed {
        return ExitCode::FAILURE;
    }
    if plan.keep {
        eprintln!("[hostile] logs and records kept in {}", dir.display());
    } else {
        let _ = std::fs::remove_dir_all(&dir);
    }
    ExitCode::SUCCESS
}

/// Runs the attacks in order (each with its own slot of source addresses); stops early
/// when the listener died.
fn run_attacks(suite: &mut Suite, selected: &[&'static Attack]) -> Vec<Row> {
    let mut rows: Vec<Row> = Vec::new();
    for (i, attack) in selected.iter().enumerate() {
        eprintln!("[hostile] {} ...", attack.name);
        let slot = u8::try_from(i + 2).unwrap_or(u8::MAX);
        let row = suite.attack(slot, attack);
        for failure in &row.failures {
            eprintln!("[hostile]   FAIL: {failure}");
        }
        eprintln!(
            "[hostile]   {} conns, {} closed, growth {} MiB, {:.1} s: {}",
            row.conns,
            row.closed,
            watch::mib(row.sample.rss_growth()),
            row.time.as_secs_f64(),
            if row.failures.is_empty() {
                "ok"
            } else {
                "FAIL"
            }
        );
        rows.push(row);
        if !suite.listener.role.is_running() {
            break;
        }
    }
    rows
}
