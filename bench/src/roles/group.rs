//! Roles of workload G (wide fan-out): one process hosting `k=` listeners of one topic —
//! liner clients, each with its own unique name, or ZeroMQ SUB sockets — and the senders
//! feeding them. Every listener counts into its own [`Tally`] (count, order, byte sum) and
//! notes when its first message of any kind arrived, so the driver can tell when the
//! sender reached the last of them.
//!
//! A group reports `ready` once all its listeners listen (ZeroMQ: `eps=` their endpoints),
//! `warm` once each saw `warm=` warm-up messages, and `done` once each got `n=` measured
//! messages — or, after the driver's `end`, when the group has been quiet for `IDLE_END`:
//! `done count= sum= bad= gaps= regressions= first= last= reach= worst=` (sums over the group;
//! `bad` listeners short or out of order, `first`/`last` the earliest/latest measured
//! receive, `reach` the latest first receive, `worst` `index:count:gaps:regressions` of the
//! first bad listener).
//!
//! The senders report `started t_start= t_routed=` (before creating the client or socket;
//! once every listener is known or connected to), then behave like every throughput sender
//! (`roles::send`), and after `bye` report `mem peak=` (`VmHWM`, KiB).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc;
use std::time::Duration;

use liner_broker::{Client, Config};

use crate::clock::monotonic_ns;
use crate::error::{BenchError, BenchResult};
use crate::memory::resident;
use crate::report::Line;
use crate::role_io::{Args, Commands};
use crate::roles::liner_flow::LinerOutlet;
use crate::roles::receive::wait_for_exit;
use crate::roles::send::run_sender;
use crate::roles::zmq_roles::{bound_socket, publisher};
use crate::tally::Tally;

/// Silence after `end` that closes a measurement some listener never completes. Longer
/// than a single receiver's: hundreds of listeners share two cores.
const IDLE_END: Duration = Duration::from_secs(3);
/// How often the main thread looks at the tallies.
const POLL: Duration = Duration::from_millis(2);
/// Longest wait for the catalog to list every listener.
const ROUTES_TIMEOUT: Duration = Duration::from_secs(30);
/// How long the liner sender waits for room in a listener's window. `send_all` that fails
/// for one listener has queued the message for the others, so a retry would duplicate it:
/// the sender waits instead (back-pressure from the slowest listener).
const SEND_TIMEOUT: Duration = Duration::from_secs(60);

/// One listener of the group.
struct Member {
    tally: Tally,
    /// `monotonic_ns` of its first message, warm-up included (0: none yet).
    first_any_ns: AtomicU64,
}

impl Member {
    fn new(expected: u64) -> Arc<Member> {
        Arc::new(Member {
            tally: Tally::new(expected),
            first_any_ns: AtomicU64::new(0),
        })
    }

    /// Records a payload; `seen` is the caller's own "first message noted" flag.
    fn record(&self, payload: &[u8], seen: &mut bool) {
        if !*seen {
            *seen = true;
            self.first_any_ns.store(monotonic_ns(), Ordering::Relaxed);
        }
        self.tally.record(payload);
    }
}

/// Waits until the group is done (see the module docs), reports `done`, waits for `exit`.
fn serve_group(members: &[Arc<Member>], args: &Args, cmds: &Commands) -> BenchResult<()> {
    let measured = args.number("n")?;
    let warm_needed = args.number("warm")?;
    let mut warm_reported = false;
    let mut ended_at = None;
    loop {
        if !warm_reported && members.iter().all(|m| m.tally.warm() >= warm_needed) {
            Line::new("warm").emit();
            warm_reported = true;
        }
        if members.iter().all(|m| m.tally.count() >= measured) {
            break;
        }
        if let Some(ended) = ended_at {
            let latest = members.iter().map(|m| m.tally.last_ns()).max().unwrap_or(0);
            if monotonic_ns().saturating_sub(latest.max(ended)) > IDLE_END.as_nanos() as u64 {
                break;
            }
        }
        match cmds.poll(POLL).as_deref() {
            None => {}
            Some("end") => ended_at = Some(monotonic_ns()),
            Some(other) => {
                return Err(BenchError::Protocol(format!(
                    "unexpected '{other}' before done"
                )));
            }
        }
    }
    report_done(members, measured);
    wait_for_exit(cmds)
}

fn report_done(members: &[Arc<Member>], measured: u64) {
    let (mut count, mut bad, mut gaps, mut regressions) = (0, 0, 0, 0);
    let mut sum = 0u64;
    let (mut first, mut last, mut reach) = (u64::MAX, 0, 0);
    let mut worst = String::from("-");
    for (index, member) in members.iter().enumerate() {
        let s = member.tally.snapshot();
        count += s.count;
        sum = sum.wrapping_add(s.sum);
        gaps += s.gaps;
        regressions += s.regressions;
        if s.count > 0 {
            first = first.min(s.first_ns);
            last = last.max(s.last_ns);
        }
        reach = reach.max(member.first_any_ns.load(Ordering::Relaxed));
        if s.count != measured || s.gaps != 0 || s.regressions != 0 {
            if bad == 0 {
                worst = format!("{index}:{}:{}:{}", s.count, s.gaps, s.regressions);
            }
            bad += 1;
        }
    }
    Line::new("done")
        .field("count", count)
        .field("sum", sum)
        .field("bad", bad)
        .field("gaps", gaps)
        .field("regressions", regressions)
        .field("first", if first == u64::MAX { 0 } else { first })
        .field("last", last)
        .field("reach", reach)
        .field("worst", worst)
        .emit();
}

/// `k=` liner clients `name=`_0 … listening on `topic=`.
pub fn liner_listeners(args: &Args, cmds: &Commands) -> BenchResult<()> {
    let (name, topic, url) = (args.text("name")?, args.text("topic")?, args.text("url")?);
    let expected = args.number("n")?;
    let mut members = Vec::new();
    let mut clients = Vec::new();
    for i in 0..args.number("k")? {
        let member = Member::new(expected);
        let client = Client::open(
            &format!("{name}_{i}"),
            topic,
            "127.0.0.1:0",
            url,
            Config::default(),
        )?;
        let counted = member.clone();
        let mut seen = false;
        client.try_run(move |_, _, payload| counted.record(payload, &mut seen))?;
        members.push(member);
        clients.push(client);
    }
    Line::new("ready").emit();
    let served = serve_group(&members, args, cmds);
    let stopped = clients.iter().try_for_each(Client::try_stop);
    served?;
    Ok(stopped?)
}

/// `k=` ZeroMQ SUB sockets (everything subscribed, no high-water mark), one thread each,
/// sharing the process's context.
pub fn zmq_subscribers(args: &Args, cmds: &Commands) -> BenchResult<()> {
    let expected = args.number("n")?;
    let context = zmq::Context::new();
    let stop = Arc::new(AtomicBool::new(false));
    let (ep_tx, ep_rx) = mpsc::channel::<BenchResult<String>>();
    let mut members = Vec::new();
    let mut workers = Vec::new();
    for _ in 0..args.number("k")? {
        let member = Member::new(expected);
        members.push(member.clone());
        let (context, stop, ep_tx) = (context.clone(), stop.clone(), ep_tx.clone());
        workers.push(std::thread::spawn(move || -> BenchResult<()> {
            let bound = bound_socket(&context, zmq::SUB).and_then(|(socket, endpoint)| {
                socket.set_rcvhwm(0)?;
                socket.set_subscribe(b"")?;
                Ok((socket, endpoint))
            });
            let socket = match bound {
                Ok((socket, endpoint)) => {
                    let _ = ep_tx.send(Ok(endpoint));
                    socket
                }
                Err(e) => {
                    let _ = ep_tx.send(Err(BenchError::Transport(e.to_string())));
                    return Err(e);
                }
            };
            let mut message = zmq::Message::new();
            let mut seen = false;
            while !stop.load(Ordering::Relaxed) && member.tally.count() < expected {
                match socket.recv(&mut message, 0) {
                    Ok(()) => member.record(&message, &mut seen),
                    Err(zmq::Error::EAGAIN) => {}
                    Err(e) => return Err(e.into()),
                }
            }
            Ok(())
        }));
    }
    drop(ep_tx);
    let endpoints = (0..workers.len())
        .map(|_| {
            ep_rx
                .recv()
                .unwrap_or_else(|_| Err(BenchError::Protocol("subscriber thread ended".into())))
        })
        .collect::<BenchResult<Vec<String>>>();
    let served = endpoints.and_then(|endpoints| {
        Line::new("ready").field("eps", endpoints.join(",")).emit();
        serve_group(&members, args, cmds)
    });
    stop.store(true, Ordering::Relaxed);
    let worked = workers.into_iter().try_for_each(|worker| {
        worker
            .join()
            .unwrap_or_else(|_| Err(BenchError::Protocol("subscriber thread panicked".into())))
    });
    served.and(worked)
}

fn report_started(t_start: u64) {
    Line::new("started")
        .field("t_start", t_start)
        .field("t_routed", monotonic_ns())
        .emit();
}

fn report_memory() {
    Line::new("mem").field("peak", resident().peak_kib).emit();
}

/// liner sender: `send_all` at-least-once to `dest=` once the catalog lists `listeners=`
/// listeners. Its `max_peers` fits them; see `SEND_TIMEOUT` for its send timeout.
pub fn liner_sender(args: &Args, cmds: &Commands) -> BenchResult<()> {
    let t_start = monotonic_ns();
    let listeners = args.number("listeners")? as usize;
    let dest = args.text("dest")?.to_string();
    let defaults = Config::default();
    let config = Config {
        max_peers: defaults.max_peers.max(listeners + 16),
        send_timeout: SEND_TIMEOUT,
        ..defaults
    };
    let client = Client::open(
        args.text("name")?,
        args.text("topic")?,
        "127.0.0.1:0",
        args.text("url")?,
        config,
    )?;
    client.try_run(|_, _, _| {})?;
    let deadline = monotonic_ns() + ROUTES_TIMEOUT.as_nanos() as u64;
    loop {
        match client.try_refresh_address_topic(&dest) {
            Ok(found) if found >= listeners => break,
            Ok(_) | Err(liner_broker::Error::NoAddr(_)) if monotonic_ns() < deadline => {
                std::thread::sleep(Duration::from_millis(10));
            }
            Ok(found) => {
                return Err(BenchError::Transport(format!(
                    "the catalog lists {found} of {listeners} listeners of {dest}"
                )));
            }
            Err(e) => return Err(e.into()),
        }
    }
    report_started(t_start);
    let mut outlet = LinerOutlet {
        client,
        dest,
        at_least_once: true,
        all: true,
    };
    run_sender(&mut outlet, args, cmds)?;
    report_memory();
    Ok(outlet.client.try_stop()?)
}

/// ZeroMQ PUB connected to every endpoint of `eps=`.
pub fn zmq_sender(args: &Args, cmds: &Commands) -> BenchResult<()> {
    let t_start = monotonic_ns();
    let mut outlet = publisher(&args.list("eps")?)?;
    report_started(t_start);
    run_sender(&mut outlet, args, cmds)?;
    report_memory();
    Ok(())
}
