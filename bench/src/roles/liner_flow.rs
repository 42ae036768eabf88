//! liner roles of the throughput, fan-out and offline-burst workloads: a listener counting
//! into a tally (which the driver can `pause` — `stop` the client — and `resume`), a sender
//! (`send_to`, or `send_all` with `all=1`), and the burst sender of workload D.
//!
//! Arguments: `url=`, `name=` unique name, `topic=` own topic; senders `dest=` topic and
//! `alo=1|0` (at-least-once or best-effort).

use std::sync::Arc;
use std::time::Duration;

use liner_broker::{Client, Config};

use crate::clock::monotonic_ns;
use crate::error::{BenchError, BenchResult};
use crate::memory::resident;
use crate::payload::Payload;
use crate::report::Line;
use crate::role_io::{Args, Commands};
use crate::roles::receive::serve;
use crate::roles::send::{Outlet, run_sender, warm_up};
use crate::tally::Tally;

/// How often the burst sender asks Redis how much is parked.
const PARKED_POLL: Duration = Duration::from_millis(5);

/// A client with the default configuration, listening on 127.0.0.1 (any port).
pub fn open_client(args: &Args) -> BenchResult<Client> {
    Ok(Client::open(
        args.text("name")?,
        args.text("topic")?,
        "127.0.0.1:0",
        args.text("url")?,
        Config::default(),
    )?)
}

/// Listener: counts every payload; `pause`/`resume` stop and restart the client.
pub fn receive(args: &Args, cmds: &Commands) -> BenchResult<()> {
    let client = open_client(args)?;
    let tally = Arc::new(Tally::new(args.number("n")?));
    let start = |client: &Client| {
        let tally = tally.clone();
        client.try_run(move |_, _, payload| tally.record(payload))
    };
    start(&client)?;
    Line::new("ready").emit();
    serve(&tally, args, cmds, |command| match command {
        "pause" => {
            client.try_stop()?;
            Line::new("paused").emit();
            Ok(())
        }
        "resume" => {
            let at = monotonic_ns();
            start(&client)?;
            Line::new("resumed").field("t", at).emit();
            Ok(())
        }
        other => Err(BenchError::Protocol(format!("unknown command '{other}'"))),
    })?;
    Ok(client.try_stop()?)
}

/// `send_to` (or `send_all`) of one client; a full window past the send timeout fails.
pub struct LinerOutlet {
    pub client: Client,
    pub dest: String,
    pub at_least_once: bool,
    pub all: bool,
}

impl Outlet for LinerOutlet {
    fn send(&mut self, payload: &[u8]) -> BenchResult<()> {
        if self.all {
            self.client
                .try_send_all(&self.dest, payload, self.at_least_once)?;
        } else {
            self.client
                .try_send_to(&self.dest, payload, self.at_least_once)?;
        }
        Ok(())
    }
}

fn running_outlet(args: &Args) -> BenchResult<LinerOutlet> {
    let client = open_client(args)?;
    client.try_run(|_, _, _| {})?;
    Ok(LinerOutlet {
        client,
        dest: args.text("dest")?.to_string(),
        at_least_once: args.flag("alo")?,
        all: args.flag("all")?,
    })
}

/// Sender of the throughput and fan-out workloads.
pub fn send(args: &Args, cmds: &Commands) -> BenchResult<()> {
    let mut outlet = running_outlet(args)?;
    run_sender(&mut outlet, args, cmds)?;
    Ok(outlet.client.try_stop()?)
}

/// Workload D's sender: warm up until `hold`, wait for `go` (the listener is stopped by
/// then), send `n=` at-least-once messages, wait until Redis holds all of them, and report
/// the times and this process's memory before and after (`parked …`).
pub fn burst(args: &Args, cmds: &Commands) -> BenchResult<()> {
    let count = args.number("n")?;
    let mut outlet = running_outlet(args)?;
    let mut payload = Payload::new(args.number("size")? as usize);
    warm_up(&mut outlet, &mut payload, cmds, "hold")?;
    cmds.wait_for("go")?;
    let parked_before = outlet.client.try_pending_count()?;
    let before = resident();
    let first = monotonic_ns();
    for seq in 0..count {
        outlet.send(payload.stamp(seq))?;
    }
    let sent = monotonic_ns();
    while outlet.client.try_pending_count()? < parked_before + count {
        std::thread::sleep(PARKED_POLL);
    }
    let parked = monotonic_ns();
    let after = resident();
    Line::new("parked")
        .field("t0", first)
        .field("t_sent", sent)
        .field("t_parked", parked)
        .field("rss_before", before.rss_kib)
        .field("hwm_before", before.peak_kib)
        .field("rss_after", after.rss_kib)
        .field("hwm_after", after.peak_kib)
        .emit();
    cmds.wait_for("exit")?;
    Ok(outlet.client.try_stop()?)
}
