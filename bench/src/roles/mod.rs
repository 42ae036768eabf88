//! Role processes: the bench binary re-executed as `liner-bench child <role> key=value…`
//! plays one side of a measurement (a sender, a receiver, a ping…) and talks to the driver
//! through report lines on stdout and commands on stdin (`role_io`).

mod group;
mod latency;
mod liner_flow;
mod liner_probe;
mod nats_roles;
mod raw_tcp;
mod receive;
mod redis_roles;
mod send;
mod stream_roles;
mod zmq_roles;

use std::process::ExitCode;

use crate::error::{BenchError, BenchResult};
use crate::report::emit_error;
use crate::role_io::{Args, Commands};

/// A role's entry point.
type Role = fn(&Args, &Commands) -> BenchResult<()>;

/// Every role: name and entry point.
const ROLES: &[(&str, Role)] = &[
    ("liner-recv", liner_flow::receive),
    ("liner-send", liner_flow::send),
    ("liner-burst", liner_flow::burst),
    ("liner-ping", liner_probe::ping),
    ("liner-pong", liner_probe::pong),
    ("liner-idle", liner_probe::idle),
    ("liner-hub", liner_probe::hub),
    ("liner-spokes", liner_probe::spokes),
    ("liner-listen-group", group::liner_listeners),
    ("liner-send-group", group::liner_sender),
    ("zmq-sub-group", group::zmq_subscribers),
    ("zmq-pub-group", group::zmq_sender),
    ("zmq-recv", zmq_roles::receive),
    ("zmq-send", zmq_roles::send),
    ("zmq-rep", zmq_roles::reply),
    ("zmq-req", zmq_roles::request),
    ("redis-recv", redis_roles::receive),
    ("redis-send", redis_roles::send),
    ("redis-stream-recv", stream_roles::receive),
    ("redis-stream-send", stream_roles::send),
    ("nats-recv", nats_roles::receive),
    ("nats-send", nats_roles::send),
    ("tcp-recv", raw_tcp::receive),
    ("tcp-send", raw_tcp::send),
];

/// Runs the role named by `args[0]` with the `key=value` arguments after it. A failure is
/// reported as an `error` line (and exit status 1).
pub fn run(args: &[String]) -> ExitCode {
    let outcome = match args.split_first() {
        None => Err(BenchError::Args("child needs a role name".into())),
        Some((name, rest)) => match ROLES.iter().find(|(role, _)| role == name) {
            None => Err(BenchError::Args(format!("unknown role '{name}'"))),
            Some((_, entry)) => {
                Args::parse(rest).and_then(|parsed| entry(&parsed, &Commands::start()))
            }
        },
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            emit_error(&e.to_string());
            ExitCode::FAILURE
        }
    }
}
