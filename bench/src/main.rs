//! liner-bench: measures liner against ZeroMQ, Redis, NATS and a raw TCP stream on this
//! machine (workloads A–G, G500, Dc and Z of docs/performance.md) and prints one table of
//! rates and CPU costs. Run it through `ci/bench`.
//!
//! The same binary is the driver (`liner-bench [--quick] [--runs N] [--only A,B,…]`) and
//! every role process it starts (`liner-bench child <role> key=value…`), so senders and
//! receivers always run in separate processes.

mod alloc_count;
mod cast;
mod clock;
mod cpu;
mod driver;
mod error;
mod memory;
mod payload;
mod plan;
mod report;
mod results;
mod role_io;
mod roles;
mod stats;
mod table;
mod tally;
mod workloads;

use std::process::ExitCode;

#[global_allocator]
static ALLOCATOR: alloc_count::CountingAlloc = alloc_count::CountingAlloc;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.split_first() {
        Some((first, rest)) if first == "child" => roles::run(rest),
        _ => driver::run(&args),
    }
}
