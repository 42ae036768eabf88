//! ZeroMQ (libzmq through the `zmq` crate) roles: PUSH/PULL and PUB/SUB for throughput and
//! fan-out, REQ/REP for latency. Receivers bind an ephemeral loopback port and report it
//! (`ready ep=tcp://…`); senders connect to the endpoints in `eps=`. PUSH and PULL take
//! `hwm=`: their SNDHWM / RCVHWM in messages (libzmq's default is 1000).

use std::time::Duration;

use crate::clock::monotonic_ns;
use crate::error::{BenchError, BenchResult};
use crate::payload::Payload;
use crate::report::Line;
use crate::role_io::{Args, Commands};
use crate::roles::latency::{LatencyProbe, report_round_trips};
use crate::roles::receive::{Inbox, pull};
use crate::roles::send::{Outlet, run_sender};

/// Receive timeout, so loops notice when to stop.
const RECV_TIMEOUT_MS: i32 = 50;
/// A reply later than this fails the latency run instead of hanging it.
const REPLY_TIMEOUT_MS: i32 = 5000;

pub fn bound_socket(
    context: &zmq::Context,
    kind: zmq::SocketType,
) -> BenchResult<(zmq::Socket, String)> {
    let socket = context.socket(kind)?;
    socket.set_rcvtimeo(RECV_TIMEOUT_MS)?;
    socket.set_linger(0)?;
    socket.bind("tcp://127.0.0.1:*")?;
    let endpoint = socket
        .get_last_endpoint()?
        .map_err(|_| BenchError::Transport("zmq endpoint is not UTF-8".into()))?;
    Ok((socket, endpoint))
}

/// A high-water mark argument as libzmq takes it.
fn hwm(args: &Args) -> BenchResult<i32> {
    i32::try_from(args.number("hwm")?).map_err(|_| BenchError::Args("hwm= is too large".into()))
}

/// PULL (`kind=pull`, RCVHWM `hwm=`) or SUB (`kind=sub`, everything subscribed, no
/// high-water mark).
pub fn receive(args: &Args, cmds: &Commands) -> BenchResult<()> {
    let (kind, rcvhwm) = match args.text("kind")? {
        "pull" => (zmq::PULL, hwm(args)?),
        "sub" => (zmq::SUB, 0),
        other => return Err(BenchError::Args(format!("zmq receiver kind '{other}'"))),
    };
    pull(args, cmds, move |inbox: &Inbox, ready| {
        let context = zmq::Context::new();
        let (socket, endpoint) = bound_socket(&context, kind)?;
        socket.set_rcvhwm(rcvhwm)?;
        if kind == zmq::SUB {
            socket.set_subscribe(b"")?;
        }
        ready(Line::new("ready").field("ep", endpoint));
        let mut message = zmq::Message::new();
        while inbox.keep_going() {
            match socket.recv(&mut message, 0) {
                Ok(()) => inbox.record(&message),
                Err(zmq::Error::EAGAIN) => {}
                Err(e) => return Err(e.into()),
            }
        }
        Ok(())
    })
}

pub struct ZmqOutlet {
    socket: zmq::Socket,
    // Dropped after the socket (field order), as libzmq requires.
    _context: zmq::Context,
}

impl Outlet for ZmqOutlet {
    fn send(&mut self, payload: &[u8]) -> BenchResult<()> {
        Ok(self.socket.send(payload, 0)?)
    }
}

/// PUSH (`kind=push`, SNDHWM `hwm=`: blocks when the receiver lags) or PUB (`kind=pub`,
/// no high-water mark so nothing is dropped), connected to every `eps=`.
pub fn send(args: &Args, cmds: &Commands) -> BenchResult<()> {
    let context = zmq::Context::new();
    let socket = match args.text("kind")? {
        "push" => {
            let socket = context.socket(zmq::PUSH)?;
            socket.set_sndhwm(hwm(args)?)?;
            socket
        }
        "pub" => {
            let socket = context.socket(zmq::PUB)?;
            socket.set_sndhwm(0)?;
            socket
        }
        other => return Err(BenchError::Args(format!("zmq sender kind '{other}'"))),
    };
    socket.set_linger(0)?;
    for endpoint in args.list("eps")? {
        socket.connect(endpoint)?;
    }
    let mut outlet = ZmqOutlet {
        socket,
        _context: context,
    };
    run_sender(&mut outlet, args, cmds)
}

/// A PUB socket with no high-water mark (nothing dropped), connected to `endpoints`.
pub fn publisher(endpoints: &[&str]) -> BenchResult<ZmqOutlet> {
    let context = zmq::Context::new();
    let socket = context.socket(zmq::PUB)?;
    socket.set_sndhwm(0)?;
    socket.set_linger(0)?;
    for endpoint in endpoints {
        socket.connect(endpoint)?;
    }
    Ok(ZmqOutlet {
        socket,
        _context: context,
    })
}

/// REP: echoes every request until `exit`.
pub fn reply(_args: &Args, cmds: &Commands) -> BenchResult<()> {
    let context = zmq::Context::new();
    let (socket, endpoint) = bound_socket(&context, zmq::REP)?;
    Line::new("ready").field("ep", endpoint).emit();
    let mut message = zmq::Message::new();
    loop {
        match socket.recv(&mut message, 0) {
            Ok(()) => socket.send(&*message, 0)?,
            Err(zmq::Error::EAGAIN) => {
                if cmds.poll(Duration::ZERO).as_deref() == Some("exit") {
                    return Ok(());
                }
            }
            Err(e) => return Err(e.into()),
        }
    }
}

/// REQ: `rounds=` round trips to `eps=` (the first `warm=` not counted), one at a time.
pub fn request(args: &Args, cmds: &Commands) -> BenchResult<()> {
    let context = zmq::Context::new();
    let socket = context.socket(zmq::REQ)?;
    socket.set_linger(0)?;
    socket.set_rcvtimeo(REPLY_TIMEOUT_MS)?;
    socket.connect(args.text("eps")?)?;
    let mut probe = LatencyProbe::from_args(args)?;
    let mut payload = Payload::new(args.number("size")? as usize);
    let mut reply = zmq::Message::new();
    for seq in 0..probe.total() {
        let sent = monotonic_ns();
        socket.send(payload.stamp(seq), 0)?;
        socket.recv(&mut reply, 0)?;
        probe.record(monotonic_ns() - sent);
    }
    report_round_trips(probe, cmds)
}
