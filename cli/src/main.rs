//! `liner`: the operator's command-line tool. It reads liner's Redis store through the
//! library's own store layer (`liner_broker::store`), joins a mesh with a real client to
//! send, listen or benchmark, and probes listeners with the library's handshake
//! (`liner_broker::ping_listener`). Every subcommand prints a table for people and, with
//! `--json`, one JSON document for scripts. docs/operations.md, "The liner CLI", shows it.

mod args;
mod bench;
mod failure;
mod inspect;
mod messaging;
mod ping;
mod prune;
mod render;
mod watch;

use std::process::ExitCode;

use clap::Parser;

use args::{Cli, Command};

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match &cli.command {
        Command::Topics => inspect::topics(&cli),
        Command::Peers(a) => inspect::peers(&cli, a),
        Command::Pending => inspect::pending(&cli),
        Command::Send(a) => messaging::send(&cli, a),
        Command::Listen(a) => messaging::listen(&cli, a),
        Command::Watch(a) => watch::watch(&cli, a),
        Command::Ping(a) => ping::ping(&cli, a),
        Command::Prune(a) => prune::prune(&cli, a),
        Command::Bench(a) => bench::bench(&cli, a),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            eprintln!("liner: {failure}");
            ExitCode::FAILURE
        }
    }
}
