//! One hostile run: the listener (secret from `LINER_SECRET`) and the legitimate sender
//! (stream 1, secret through `Config::secret`) start, the attacks run one after the other
//! while stream 1 streams throughout, and every attack is judged from what the driver
//! saw around it: the listener's RSS and descriptors against the bound, its status reports,
//! the delivery log (nothing forged, every acknowledged insider message, stream 1 still
//! flowing), a new legitimate sender admitted meanwhile, and the listener still running.

use std::net::SocketAddr;
use std::sync::atomic::AtomicU64;
use std::time::{Duration, Instant};

use liner_broker::SECRET_ENV;
use liner_broker::store::keys::Layout::Standalone;

use super::attacks::{Attack, OUTSIDER_STREAMS, Outcome, Run};
use super::bound::bound;
use super::report::Row;
use super::target::{Ident, Target};
use super::watch::{self, Watch};
use crate::ledger::Tally;
use crate::procs::field;
use crate::records::Outcome as Rec;
use crate::roles::config_of;
use crate::world::{IDLE, Listener, ListenerOpts, STOP_TIMEOUT, SenderOpts, World};

/// The listener's configuration: 4 MiB messages keep the large-frame budget (8 MiB) small
/// against the bound; a 2 s liveness timeout is the trickle grace.
pub const LISTENER_CFG: &[(&str, u64)] = &[
    ("max_message_size", 4 << 20),
    ("liveness_ms", 2000),
    ("ping_ms", 500),
];
/// Messages per second of the legitimate stream.
pub const LEGIT_RATE: u64 = 1000;
/// Messages of each admitted legitimate sender.
const ADMIT_COUNT: u32 = 200;
/// How long an admitted sender's messages may take to arrive after it sent them all.
const ADMIT_WAIT: Duration = Duration::from_secs(10);
/// How long the listener may take to close what the previous attack left open.
const SETTLE: Duration = Duration::from_secs(5);
/// The legitimate stream must keep at least this share of its rate during an attack.
const LEGIT_FLOOR: f64 = 0.1;

/// The running suite.
pub struct Suite {
    pub world: World,
    pub listener: Listener,
    legit: crate::world::Sender,
    pub target: Target,
    secret: String,
    next_stream: u32,
    /// The listener's descriptors with only the legitimate stream connected.
    base_fds: u64,
}

impl Suite {
    /// Starts the listener and the legitimate stream, and learns the target.
    pub fn start(mut world: World, full: bool, seed: u64) -> Result<Suite, String> {
        let mut rng = crate::rng::Rng::new(seed ^ u64::from(std::process::id()));
        let secret: String = (0..4).map(|_| format!("{:016x}", rng.next())).collect();
        let secret_file = world.dir.join("secret");
        std::fs::write(&secret_file, &secret).map_err(|e| format!("writing the secret: {e}"))?;
        let listener = world.start_listener(&ListenerOpts {
            cfg: LISTENER_CFG.to_vec(),
            env: vec![(SECRET_ENV.to_string(), Some(secret.clone()))],
            ..ListenerOpts::default()
        })?;
        let legit = world.start_sender(
            &SenderOpts::new(1)
                .rate(LEGIT_RATE)
                .arg(format!("secret_file={}", secret_file.display()))
                .env(SECRET_ENV, None),
        )?;
        world.wait_delivered_count(100, Duration::from_secs(20))?;
        let mut con = world.redis.connection().ok_or("Redis is down")?;
        let get = |con: &mut redis::Connection, key: &str| -> Result<u64, String> {
            redis::cmd("GET")
                .arg(key)
                .query(con)
                .map_err(|e| format!("GET {key}: {e}"))
        };
        let topic_key = get(&mut con, &Standalone.topic_key(&world.listener_topic()))?;
        let legit_key = get(
            &mut con,
            &Standalone.connection_key(
                &world.sender_name(1),
                &world.sender_topic(1),
                &world.listener_name(),
            ),
        )?;
        let addr: SocketAddr = listener
            .addr
            .parse()
            .map_err(|e| format!("listener address {}: {e}", listener.addr))?;
        let target = Target {
            addr,
            listener_name: world.listener_name(),
            topic_key,
            secret: secret.clone().into_bytes(),
            config: config_of(LISTENER_CFG)?,
            legit: Ident {
                name: world.sender_name(1),
                topic: world.sender_topic(1),
                key: legit_key,
            },
            redis_url: world.redis.url(),
            prefix: world.prefix.clone(),
            full,
            seed,
            slot: 1,
            next_id: AtomicU64::new(1),
        };
        Ok(Suite {
            world,
            listener,
            legit,
            target,
            secret,
            next_stream: 2,
            base_fds: 0,
        })
        .map(|mut suite| {
            suite.base_fds = watch::fds(suite.listener.role.pid()).unwrap_or(0);
            suite
        })
    }

    /// Runs one attack (number `slot`, which picks its source addresses) and judges it.
    pub fn attack(&mut self, slot: u8, attack: &Attack) -> Row {
        self.target.slot = slot;
        let mut failures = Vec::new();
        if let Err(e) = self.settle() {
            failures.push(e);
        }
        let t0 = Instant::now();
        let before = self.status().unwrap_or_else(|e| {
            failures.push(e);
            [0; 3]
        });
        self.world.log.refresh();
        let log_start = self.world.log.records.len();
        let watch = Watch::start(self.listener.role.pid());
        let stream = self.next_stream;
        self.next_stream += 1;
        let (outcome, admitted, overlapped) = match attack.run {
            Run::Raw(run) => {
                let target = &self.target;
                let world = &mut self.world;
                let secret = &self.secret;
                std::thread::scope(|s| {
                    let handle = s.spawn(|| run(target));
                    std::thread::sleep(attack.admit_after);
                    let admitted = admit(world, stream, secret);
                    let overlapped = !handle.is_finished();
                    let outcome = handle
                        .join()
                        .unwrap_or_else(|_| Err("the attack panicked".into()));
                    (outcome, admitted, overlapped)
                })
            }
            Run::Processes(run) => {
                let outcome = run(&mut self.world, &self.target);
                (outcome, admit(&mut self.world, stream, &self.secret), false)
            }
        };
        // Late deliveries and reports of the attack's last connections.
        std::thread::sleep(Duration::from_millis(300));
        let sample = watch.finish();
        let outcome = outcome.unwrap_or_else(|e| Outcome {
            failures: vec![e],
            ..Outcome::default()
        });
        let after = self.status().unwrap_or_else(|e| {
            failures.push(e);
            before
        });
        let reports = [0, 1, 2].map(|i| after[i].saturating_sub(before[i]));
        let seen = self.seen_since(log_start);
        let elapsed = t0.elapsed();
        let bound = bound(&self.target.config, outcome.established, outcome.large);

        failures.extend(outcome.failures.iter().cloned());
        if seen.forged > 0 {
            failures.push(format!("{} forged messages delivered", seen.forged));
        }
        if seen.insider < outcome.insider_acked {
            failures.push(format!(
                "{} insider messages acknowledged, only {} delivered",
                outcome.insider_acked, seen.insider
            ));
        }
        for &(report, at_least) in &outcome.expect {
            // Report's discriminants are the indexes of the status counts.
            let got = reports[report as usize];
            if got < at_least {
                failures.push(format!(
                    "{got} {report:?} status reports, expected at least {at_least}"
                ));
            }
        }
        if sample.rss_growth() > bound.rss {
            failures.push(format!(
                "listener RSS grew {} bytes, bound {} ({})",
                sample.rss_growth(),
                bound.rss,
                bound.formula
            ));
        }
        if sample.fds_growth() > bound.fds {
            failures.push(format!(
                "listener descriptors grew by {}, bound {}",
                sample.fds_growth(),
                bound.fds
            ));
        }
        let admitted = match admitted {
            Ok(took) => Some(took),
            Err(e) => {
                failures.push(format!("a new legitimate sender was not admitted: {e}"));
                None
            }
        };
        if attack.overlap && admitted.is_some() && !overlapped {
            failures.push(
                "the admitted sender was through only after the attack ended; not tested during it"
                    .into(),
            );
        }
        let floor = (LEGIT_RATE as f64 * elapsed.as_secs_f64() * LEGIT_FLOOR) as u64;
        if seen.legit < floor {
            failures.push(format!(
                "the legitimate stream delivered {} messages in {elapsed:?} (floor {floor})",
                seen.legit
            ));
        }
        if !self.listener.role.is_running() {
            failures.push("the listener process died".into());
        }
        Row {
            name: attack.name,
            memory: attack.memory,
            conns: outcome.conns,
            closed: outcome.closed,
            rejected: outcome.rejected,
            ends: outcome.ends_text(),
            sample,
            bound,
            reports,
            forged: seen.forged,
            insider: (outcome.insider_acked, seen.insider),
            legit: seen.legit,
            admitted,
            time: elapsed,
            measured: outcome.measured,
            failures,
        }
    }

    /// Stops the legitimate stream and the listener; the tally of every legitimate message,
    /// the forged messages delivered over the whole run, and what is wrong with the ending
    /// (a broken channel, a stop that failed).
    pub fn finish(mut self) -> (Tally, u64, Vec<String>) {
        let mut wrong = Vec::new();
        match self.world.stop_sender(&mut self.legit, STOP_TIMEOUT) {
            Ok(stopped) => {
                let broken: u64 = field(&stopped.line, "disconnected")
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(u64::MAX);
                if broken > 0 {
                    wrong.push(format!(
                        "the legitimate sender's channel broke {broken} times ({})",
                        stopped.line
                    ));
                }
                if stopped.result != "ok" {
                    wrong.push(format!("the legitimate sender's stop: {}", stopped.line));
                }
            }
            Err(e) => wrong.push(e),
        }
        if let Err(e) = self.world.wait_all_delivered(IDLE) {
            wrong.push(e);
        }
        let tally = self.world.tally();
        let forged = self.seen_since(0).forged;
        if forged > 0 {
            wrong.push(format!(
                "{forged} forged messages delivered in the whole run"
            ));
        }
        match self.listener.stop(STOP_TIMEOUT) {
            Ok(stopped) if stopped.result == "ok" => {}
            Ok(stopped) => wrong.push(format!("listener stop: {}", stopped.line)),
            Err(e) => wrong.push(e),
        }
        (tally, forged, wrong)
    }

    /// Waits until the listener closed what earlier attacks left (its descriptors back to
    /// the start), so each attack is measured from a clean baseline; connections still open
    /// after [`SETTLE`] are a leak.
    fn settle(&self) -> Result<(), String> {
        let pid = self.listener.role.pid();
        let deadline = Instant::now() + SETTLE;
        loop {
            let now = watch::fds(pid).unwrap_or(0);
            if now <= self.base_fds + 2 {
                return Ok(());
            }
            if Instant::now() >= deadline {
                return Err(format!(
                    "the listener still held {now} descriptors {SETTLE:?} after the previous attack ({} with the legitimate stream alone)",
                    self.base_fds
                ));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// The listener's status counts: protocol, unauthorized, limited.
    fn status(&mut self) -> Result<[u64; 3], String> {
        self.listener.role.sigusr1();
        let line = self
            .listener
            .role
            .wait_line("status", Duration::from_secs(5))?;
        let num = |key| field(&line, key).and_then(|v| v.parse().ok()).unwrap_or(0);
        Ok([num("protocol"), num("unauthorized"), num("limited")])
    }

    /// What the delivery log holds since record `from`.
    fn seen_since(&mut self, from: usize) -> Seen {
        self.world.log.refresh();
        let mut seen = Seen::default();
        let mut insiders = std::collections::HashSet::new();
        for d in &self.world.log.records[from..] {
            match d.outcome {
                Rec::Forged => seen.forged += 1,
                Rec::Done if d.stream >= OUTSIDER_STREAMS => seen.forged += 1,
                Rec::Done if d.stream == 1 => seen.legit += 1,
                Rec::Insider => {
                    insiders.insert((d.stream, d.seq));
                }
                _ => {}
            }
        }
        seen.insider = insiders.len() as u64;
        seen
    }
}

#[derive(Default)]
struct Seen {
    forged: u64,
    insider: u64,
    legit: u64,
}

/// Admits a new legitimate sender (stream `stream`, secret from `LINER_SECRET`): how long
/// until all its messages were delivered.
fn admit(world: &mut World, stream: u32, secret: &str) -> Result<Duration, String> {
    let t0 = Instant::now();
    let opts = SenderOpts::new(stream)
        .count(ADMIT_COUNT)
        .env(SECRET_ENV, Some(secret));
    let mut sender = world.start_sender(&opts)?;
    world.sent_all(&mut sender, Duration::from_secs(20))?;
    // Not `wait_all_delivered`: its idle timeout never runs out while stream 1 delivers.
    let deadline = Instant::now() + ADMIT_WAIT;
    let delivered = loop {
        world.log.refresh();
        let missing = world.ledger.missing(&world.log.records);
        if missing == 0 {
            break Ok(());
        }
        if Instant::now() >= deadline {
            break Err(format!(
                "{missing} of its messages not delivered after {ADMIT_WAIT:?}"
            ));
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let took = t0.elapsed();
    let stopped = world.stop_sender(&mut sender, STOP_TIMEOUT);
    delivered?;
    stopped?;
    Ok(took)
}
