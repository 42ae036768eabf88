//! liner-chaos: the chaos suite of liner (run it through `ci/chaos`; docs/chaos.md).
//!
//! Real processes over the real library and a real `redis-server`: listeners and senders
//! are SIGKILLed, SIGSTOPped and restarted, Redis is killed and restarted with its AOF,
//! links are stalled, severed and slowed by a proxy — and every at-least-once message is
//! accounted for: accepted, delivered, lost, duplicated, reordered (see [`ledger`]).
//!
//! The same binary is the driver (`liner-chaos [--quick] …`) and each child process it
//! starts (`liner-chaos child listen|send key=value…`), so SIGKILL hits a real process.
//! `liner-chaos hostile [--quick] …` runs the hostile suite instead ([`hostile`]): attacks
//! on the listener's trust boundary while a legitimate stream is accounted the same way.

mod driver;
mod hostile;
mod ledger;
mod payload;
mod plan;
mod procs;
mod records;
mod redis;
mod report;
mod rng;
mod roles;
mod scenarios;
mod world;

use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.split_first() {
        Some((first, rest)) if first == "child" => roles::run(rest),
        Some((first, rest)) if first == "hostile" => hostile::run(rest),
        _ => driver::run(&args),
    }
}
