//! One scenario's world: its directory, its `redis-server`, the names of its peers, the
//! listener's delivery log and the [`Ledger`], plus the moves every scenario is made of —
//! start/stop/kill a listener or a sender incarnation, wait until deliveries caught up.
//!
//! Names: the listener is `{p}L` on topic `{p}lt`; sender stream `k` is `{p}s{k}` on topic
//! `{p}st{k}`, one channel per stream. A restarted sender keeps its unique name (same
//! channel, same connection key) and takes the next incarnation number. Twins of the
//! listener (other unique names on the same topic, `send_to` round-robins over them) are
//! `{p}L{k}` for k = 1, 2, … and write `k` as the listener of their delivery records.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use liner_broker::store::keys::Layout::Standalone;
use liner_core::frame::{Frame, parse_frame};

use crate::ledger::{Ledger, Tally};
use crate::payload;
use crate::procs::{Role, field};
use crate::records::{DeliveryLog, read_accepted};
use crate::redis::ChaosRedis;
use crate::rng::Rng;

/// How long a child may take to print `ready`.
const START_TIMEOUT: Duration = Duration::from_secs(20);
/// How long a wait for deliveries goes on without any new delivery before it gives up.
pub const IDLE: Duration = Duration::from_secs(12);
/// How long a graceful stop may take before the scenario calls it hung (unless a scenario
/// waits with its own bound).
pub const STOP_TIMEOUT: Duration = Duration::from_secs(15);
/// Every sender retries its first connections quickly; the library default backoff (up to
/// 2 s) would only make the run slower, not the test stronger.
const SENDER_RECONNECT_MAX_MS: u64 = 300;

/// Options of a listener process.
#[derive(Debug, Clone, Default)]
pub struct ListenerOpts {
    /// Listen address (default `127.0.0.1:0`).
    pub bind: Option<String>,
    /// Redis URL (default: the scenario's server; a proxy in front of it for link faults).
    pub url: Option<String>,
    pub advertise: Option<String>,
    pub refuse_every: u64,
    pub panic_every: u64,
    /// `Config` overrides, e.g. `("liveness_ms", 1000)`.
    pub cfg: Vec<(&'static str, u64)>,
    /// Unique name (default: the scenario's listener, [`World::listener_name`]).
    pub name: Option<String>,
    /// Listener number written into its delivery records (0: the listener, k: twin k).
    pub tag: u16,
    /// Name of its log file and in messages (default `listener`, `listener<tag>` for twins).
    pub log: Option<&'static str>,
    /// Further `key=value` arguments (e.g. `secret_file=…`).
    pub args: Vec<String>,
    /// Environment variables set (`Some`) or removed (`None`) for the process.
    pub env: Vec<(String, Option<String>)>,
}

/// Options of a sender incarnation.
#[derive(Debug, Clone)]
pub struct SenderOpts {
    pub stream: u32,
    /// Messages to send (None: until [`World::finish`]).
    pub count: Option<u32>,
    /// Messages per second (0: as fast as `send_to` returns).
    pub rate: u64,
    pub cfg: Vec<(&'static str, u64)>,
    /// Further `key=value` arguments (e.g. `secret_file=…`).
    pub args: Vec<String>,
    /// Environment variables set (`Some`) or removed (`None`) for the process.
    pub env: Vec<(String, Option<String>)>,
}

impl SenderOpts {
    pub fn new(stream: u32) -> Self {
        SenderOpts {
            stream,
            count: None,
            rate: 0,
            cfg: Vec::new(),
            args: Vec::new(),
            env: Vec::new(),
        }
    }

    pub fn arg(mut self, arg: String) -> Self {
        self.args.push(arg);
        self
    }

    pub fn env(mut self, key: &str, value: Option<&str>) -> Self {
        self.env.push((key.to_string(), value.map(str::to_string)));
        self
    }

    pub fn rate(mut self, rate: u64) -> Self {
        self.rate = rate;
        self
    }

    pub fn count(mut self, count: u32) -> Self {
        self.count = Some(count);
        self
    }

    pub fn cfg(mut self, key: &'static str, value: u64) -> Self {
        self.cfg.push((key, value));
        self
    }
}

/// A running listener process.
pub struct Listener {
    pub role: Role,
    /// The address it published.
    pub addr: String,
}

/// How a listener start ended.
pub enum Started {
    /// It runs.
    Ready(Listener),
    /// `run` failed with `Error::DuplicateName`: the `duplicate-name …` line it printed
    /// and the exit code it ended with (None: it did not exit, and was SIGKILLed).
    Refused { line: String, exit: Option<i32> },
}

/// A running sender incarnation.
pub struct Sender {
    pub role: Role,
    pub stream: u32,
    pub inc: u32,
    record: PathBuf,
    /// Messages accepted, once the sender reported `done`.
    pub done: Option<u32>,
}

/// What a graceful stop reported.
#[derive(Debug, Clone)]
pub struct Stopped {
    pub elapsed: Duration,
    pub result: String,
    pub line: String,
}

/// See the module docs.
pub struct World {
    pub exe: PathBuf,
    pub dir: PathBuf,
    pub redis: ChaosRedis,
    pub prefix: String,
    pub log: DeliveryLog,
    pub ledger: Ledger,
    /// Duplicates this run may show without failing (a scenario raises it per kill).
    pub dup_bound: u64,
    pub notes: Vec<String>,
    /// Measurements a scenario reports on stdout beside the table (times, counts).
    pub measured: Vec<String>,
    pub failures: Vec<String>,
    pub quick: bool,
    /// Which repetition of the scenario this is (1 in a quick run).
    pub round: u32,
    /// Fault timings.
    pub rng: Rng,
    incarnations: HashMap<u32, u32>,
}

/// How a scenario's world is set up.
#[derive(Debug, Clone, Copy)]
pub struct Setup {
    /// Redis with `appendonly yes` + `appendfsync always` (for scenarios that kill it).
    pub durable_redis: bool,
    pub quick: bool,
    pub round: u32,
    pub seed: u64,
}

impl World {
    pub fn new(exe: &Path, dir: &Path, setup: Setup) -> Result<World, String> {
        std::fs::create_dir_all(dir).map_err(|e| format!("creating {}: {e}", dir.display()))?;
        let redis = ChaosRedis::start(&dir.join("redis"), setup.durable_redis)?;
        Ok(World {
            exe: exe.to_path_buf(),
            dir: dir.to_path_buf(),
            redis,
            prefix: liner_tests::unique_prefix(),
            log: DeliveryLog::new(dir.join("deliveries.bin")),
            ledger: Ledger::default(),
            dup_bound: 0,
            notes: Vec::new(),
            measured: Vec::new(),
            failures: Vec::new(),
            quick: setup.quick,
            round: setup.round,
            rng: Rng::new(setup.seed ^ u64::from(setup.round)),
            incarnations: HashMap::new(),
        })
    }

    pub fn listener_name(&self) -> String {
        format!("{}L", self.prefix)
    }

    pub fn listener_topic(&self) -> String {
        format!("{}lt", self.prefix)
    }

    pub fn sender_name(&self, stream: u32) -> String {
        format!("{}s{stream}", self.prefix)
    }

    pub fn sender_topic(&self, stream: u32) -> String {
        format!("{}st{stream}", self.prefix)
    }

    /// Unique name of twin `k` of the listener (same topic, another name).
    pub fn twin_name(&self, k: u16) -> String {
        format!("{}L{k}", self.prefix)
    }

    /// Starts a listener process and waits for its `ready` line.
    pub fn start_listener(&mut self, opts: &ListenerOpts) -> Result<Listener, String> {
        match self.try_start_listener(opts)? {
            Started::Ready(listener) => Ok(listener),
            Started::Refused { line, .. } => Err(format!("listener start refused: {line}")),
        }
    }

    /// Starts a listener process and waits until it runs or `run` is refused because its
    /// unique name belongs to a live process (then waits for its exit).
    pub fn try_start_listener(&mut self, opts: &ListenerOpts) -> Result<Started, String> {
        let unique = opts.name.clone().unwrap_or_else(|| self.listener_name());
        let mut args = vec![
            format!(
                "url={}",
                opts.url.clone().unwrap_or_else(|| self.redis.url())
            ),
            format!("unique={unique}"),
            format!("topic={}", self.listener_topic()),
            format!("tag={}", opts.tag),
            format!(
                "bind={}",
                opts.bind.as_deref().unwrap_or("127.0.0.1:0").to_owned()
            ),
            format!("record={}", self.log.path().display()),
            format!("refuse_every={}", opts.refuse_every),
            format!("panic_every={}", opts.panic_every),
        ];
        if let Some(addr) = &opts.advertise {
            args.push(format!("advertise={addr}"));
        }
        args.extend(opts.cfg.iter().map(|(k, v)| format!("cfg.{k}={v}")));
        args.extend(opts.args.iter().cloned());
        let name = match (opts.log, opts.tag) {
            (Some(name), _) => name.to_string(),
            (None, 0) => "listener".to_string(),
            (None, tag) => format!("listener{tag}"),
        };
        let mut role = Role::spawn(&self.exe, &self.dir, &name, "listen", &args, &opts.env)?;
        let line = role.wait_line_any(&["ready", "duplicate-name"], START_TIMEOUT)?;
        if line.starts_with("duplicate-name") {
            let exit = match role.exit_status(Duration::from_secs(5)) {
                Some(status) => status.code(),
                None => {
                    role.kill9();
                    None
                }
            };
            return Ok(Started::Refused { line, exit });
        }
        let addr = line.strip_prefix("ready").unwrap_or("").trim().to_string();
        Ok(Started::Ready(Listener { role, addr }))
    }

    /// Starts the next incarnation of sender `opts.stream` and waits for `ready`.
    pub fn start_sender(&mut self, opts: &SenderOpts) -> Result<Sender, String> {
        let stream = opts.stream;
        let inc = {
            let next = self.incarnations.entry(stream).or_insert(0);
            *next += 1;
            *next
        };
        let record = self.dir.join(format!("accepted-{stream}-{inc}.bin"));
        let mut args = vec![
            format!("url={}", self.redis.url()),
            format!("unique={}", self.sender_name(stream)),
            format!("topic={}", self.sender_topic(stream)),
            format!("to={}", self.listener_topic()),
            format!("stream={stream}"),
            format!("inc={inc}"),
            format!("record={}", record.display()),
            format!("rate={}", opts.rate),
            format!("cfg.reconnect_max_ms={SENDER_RECONNECT_MAX_MS}"),
        ];
        if let Some(count) = opts.count {
            args.push(format!("count={count}"));
        }
        args.extend(opts.cfg.iter().map(|(k, v)| format!("cfg.{k}={v}")));
        args.extend(opts.args.iter().cloned());
        let name = format!("sender{stream}");
        let mut role = Role::spawn(&self.exe, &self.dir, &name, "send", &args, &opts.env)?;
        role.wait_line("ready", START_TIMEOUT)?;
        Ok(Sender {
            role,
            stream,
            inc,
            record,
            done: None,
        })
    }

    /// Waits for a counted sender to report `done` (it sent everything) and books what it
    /// accepted.
    pub fn sent_all(&mut self, sender: &mut Sender, timeout: Duration) -> Result<u32, String> {
        let line = sender.role.wait_line("done", timeout)?;
        self.book_done(sender, &line)
    }

    /// Tells a sender to stop sending (SIGUSR1), waits for `done` and books what it accepted.
    pub fn finish(&mut self, sender: &mut Sender) -> Result<u32, String> {
        sender.role.sigusr1();
        // A send_to in progress may wait for the whole send timeout.
        let line = sender.role.wait_line("done", Duration::from_secs(20))?;
        self.book_done(sender, &line)
    }

    fn book_done(&mut self, sender: &mut Sender, line: &str) -> Result<u32, String> {
        let n: u32 = line
            .split_whitespace()
            .nth(1)
            .and_then(|w| w.parse().ok())
            .ok_or_else(|| format!("{}: bad done line '{line}'", sender.role.name))?;
        if let Some(errors) = field(line, "errors")
            && errors != "0"
        {
            self.notes.push(format!(
                "{} #{}: {errors} send_to calls failed and were retried",
                sender.role.name, sender.inc
            ));
        }
        sender.done = Some(n);
        self.ledger.accepted(sender.stream, sender.inc, n);
        Ok(n)
    }

    /// SIGKILLs a sender incarnation and books it: what it accepted per its log, and which
    /// of its messages were parked in Redis at the moment it died (see the ledger docs).
    pub fn kill_sender(&mut self, mut sender: Sender) -> Result<(), String> {
        sender.role.kill9();
        let ok_max = read_accepted(&sender.record)
            .last()
            .map_or(0, |&s| payload::n_of(s));
        self.ledger.accepted(sender.stream, sender.inc, ok_max);
        let parked = self.parked(sender.stream)?;
        self.ledger.killed(sender.stream, sender.inc, &parked);
        Ok(())
    }

    /// Asks a sender to stop gracefully and waits up to `timeout` for its report. A sender
    /// that does not answer is SIGKILLed and the error says so.
    pub fn stop_sender(
        &mut self,
        sender: &mut Sender,
        timeout: Duration,
    ) -> Result<Stopped, String> {
        sender.role.sigterm();
        if sender.done.is_none() {
            let line = sender.role.wait_line("done", Duration::from_secs(20))?;
            self.book_done(sender, &line)?;
        }
        let stopped = wait_stopped(&mut sender.role, timeout);
        if let Ok(s) = &stopped
            && let Some(n) = s.result.strip_prefix("abandoned=")
        {
            self.ledger.abandoned(n.parse().unwrap_or(0));
        }
        stopped
    }

    /// Messages sender `sender` accepted so far (its accepted log, read now).
    pub fn accepted_now(&self, sender: &Sender) -> u32 {
        read_accepted(&sender.record)
            .last()
            .map_or(0, |&s| payload::n_of(s))
    }

    /// The seqs of `stream` parked in Redis now (the channel's offline list).
    pub fn parked(&self, stream: u32) -> Result<Vec<u64>, String> {
        self.parked_for(stream, &self.listener_name())
    }

    /// The seqs of `stream` parked in Redis now for listener `listener` (unique name).
    pub fn parked_for(&self, stream: u32, listener: &str) -> Result<Vec<u64>, String> {
        let mut con = self
            .redis
            .connection()
            .ok_or("cannot read the parked messages: Redis is down")?;
        let ck_key = Standalone.connection_key(
            &self.sender_name(stream),
            &self.sender_topic(stream),
            listener,
        );
        let ck: Option<u64> = redis::cmd("GET")
            .arg(&ck_key)
            .query(&mut con)
            .map_err(|e| format!("GET {ck_key}: {e}"))?;
        let Some(ck) = ck else {
            return Ok(Vec::new());
        };
        let frames: Vec<Vec<u8>> = redis::cmd("LRANGE")
            .arg(Standalone.messages(ck))
            .arg(0)
            .arg(-1)
            .query(&mut con)
            .map_err(|e| format!("LRANGE of connection {ck}: {e}"))?;
        let mut seqs = Vec::with_capacity(frames.len());
        for frame in &frames {
            if let Ok(Some((Frame::Data(data), _))) = parse_frame(frame)
                && let Some((s, seq)) = payload::decode(data.payload)
                && s == stream
            {
                seqs.push(seq);
            }
        }
        Ok(seqs)
    }

    /// Length of `stream`'s offline list in Redis now (0 while Redis is down).
    pub fn parked_len(&self, stream: u32) -> u64 {
        self.parked_len_for(stream, &self.listener_name())
    }

    /// Length of `stream`'s offline list for listener `listener` (0 while Redis is down).
    pub fn parked_len_for(&self, stream: u32, listener: &str) -> u64 {
        let Some(mut con) = self.redis.connection() else {
            return 0;
        };
        let ck_key = Standalone.connection_key(
            &self.sender_name(stream),
            &self.sender_topic(stream),
            listener,
        );
        let ck: Option<u64> = redis::cmd("GET")
            .arg(&ck_key)
            .query(&mut con)
            .ok()
            .flatten();
        ck.and_then(|ck| {
            redis::cmd("LLEN")
                .arg(Standalone.messages(ck))
                .query(&mut con)
                .ok()
        })
        .unwrap_or(0)
    }

    /// Whether the listener topic's catalog (`lnr_topic:{t}:addr`) has a row for `addr`
    /// (None while Redis cannot be read).
    pub fn catalog_has(&self, addr: &str) -> Option<bool> {
        let mut con = self.redis.connection()?;
        redis::cmd("HEXISTS")
            .arg(Standalone.topic_addresses(&self.listener_topic()))
            .arg(addr)
            .query(&mut con)
            .ok()
    }

    /// Who holds unique name `unique` now (`lnr_client:{unique}:alive`: the address of the
    /// running process) and for how many more ms (`PTTL`); None while Redis cannot be read.
    pub fn name_owner(&self, unique: &str) -> Option<(Option<String>, i64)> {
        let mut con = self.redis.connection()?;
        let key = Standalone.client_alive(unique);
        let owner: Option<String> = redis::cmd("GET").arg(&key).query(&mut con).ok()?;
        let pttl: i64 = redis::cmd("PTTL").arg(&key).query(&mut con).ok()?;
        Some((owner, pttl))
    }

    /// Processed deliveries so far per listener number (index = tag).
    pub fn delivered_by(&mut self) -> Vec<u64> {
        self.log.refresh();
        let mut by = Vec::new();
        for d in &self.log.records {
            if d.outcome == crate::records::Outcome::Done {
                let i = usize::from(d.listener);
                if by.len() <= i {
                    by.resize(i + 1, 0);
                }
                by[i] += 1;
            }
        }
        by
    }

    /// The listener cursor of `stream`'s channel as stored in Redis.
    pub fn stored_cursor(&self, stream: u32) -> Option<u64> {
        let mut con = self.redis.connection()?;
        let ck_key = Standalone.connection_key(
            &self.sender_name(stream),
            &self.sender_topic(stream),
            &self.listener_name(),
        );
        let ck: u64 = redis::cmd("GET").arg(&ck_key).query(&mut con).ok()?;
        redis::cmd("GET")
            .arg(Standalone.cursor(ck))
            .query(&mut con)
            .ok()
    }

    /// Waits until `stream` has at least `n` messages parked in Redis.
    pub fn wait_parked(&mut self, stream: u32, n: u64, timeout: Duration) -> Result<(), String> {
        let deadline = Instant::now() + timeout;
        while self.parked_len(stream) < n {
            if Instant::now() >= deadline {
                return Err(format!(
                    "only {} of {n} messages parked after {timeout:?}",
                    self.parked_len(stream)
                ));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        Ok(())
    }

    /// Messages processed by the listener so far.
    pub fn delivered_now(&mut self) -> usize {
        self.log.refresh();
        self.log.done_count()
    }

    /// Waits until the listener processed at least `n` messages in total; gives up after
    /// `timeout`, or sooner when nothing was delivered for [`IDLE`] (a stuck drain).
    pub fn wait_delivered_count(&mut self, n: usize, timeout: Duration) -> Result<(), String> {
        let deadline = Instant::now() + timeout;
        let mut last = self.delivered_now();
        let mut last_progress = Instant::now();
        while last < n {
            let stuck = last_progress.elapsed() >= IDLE;
            if stuck || Instant::now() >= deadline {
                return Err(format!(
                    "only {last} of {n} messages delivered ({})",
                    if stuck {
                        format!("nothing arrived for {IDLE:?}")
                    } else {
                        format!("after {timeout:?}")
                    }
                ));
            }
            std::thread::sleep(Duration::from_millis(10));
            let now = self.delivered_now();
            if now != last {
                last = now;
                last_progress = Instant::now();
            }
        }
        Ok(())
    }

    /// Waits until no callback call happened for `quiet` (deliveries settled).
    pub fn wait_quiet(&mut self, quiet: Duration, timeout: Duration) -> Result<(), String> {
        let deadline = Instant::now() + timeout;
        let mut last_change = Instant::now();
        let mut len = self.log.records.len();
        loop {
            self.log.refresh();
            if self.log.records.len() != len {
                len = self.log.records.len();
                last_change = Instant::now();
            } else if last_change.elapsed() >= quiet {
                return Ok(());
            }
            if Instant::now() >= deadline {
                return Err(format!("deliveries did not settle within {timeout:?}"));
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// Waits until every accepted message was delivered, giving up after `idle` without a
    /// new delivery (the remaining ones are then reported as lost by the tally).
    pub fn wait_all_delivered(&mut self, idle: Duration) -> Result<(), String> {
        let mut last_progress = Instant::now();
        let mut last_len = usize::MAX;
        loop {
            self.log.refresh();
            let len = self.log.records.len();
            if len != last_len {
                last_len = len;
                last_progress = Instant::now();
                // The full tally walks every record; skip it while it cannot be complete.
                let enough = self.log.done_count() as u64 >= self.ledger.needed_at_least();
                if enough && self.ledger.missing(&self.log.records) == 0 {
                    return Ok(());
                }
            }
            if last_progress.elapsed() >= idle {
                let missing = self.ledger.missing(&self.log.records);
                return Err(format!(
                    "{missing} accepted message(s) not delivered; nothing arrived for {idle:?}"
                ));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// The scenario's sums so far.
    pub fn tally(&mut self) -> Tally {
        self.log.refresh();
        self.ledger.tally(&self.log.records)
    }
}

impl Listener {
    /// Graceful stop: SIGTERM, wait for the report, wait for the exit.
    pub fn stop(mut self, timeout: Duration) -> Result<Stopped, String> {
        self.role.sigterm();
        wait_stopped(&mut self.role, timeout)
    }

    pub fn kill9(mut self) {
        self.role.kill9();
    }
}

fn wait_stopped(role: &mut Role, timeout: Duration) -> Result<Stopped, String> {
    let line = match role.wait_line("stopped", timeout) {
        Ok(line) => line,
        Err(e) => {
            role.kill9();
            return Err(format!(
                "{} did not stop within {timeout:?}; SIGKILLed ({e})",
                role.name
            ));
        }
    };
    if !role.wait_exit(Duration::from_secs(5)) {
        role.kill9();
    }
    let ms: u64 = field(&line, "ms").and_then(|v| v.parse().ok()).unwrap_or(0);
    Ok(Stopped {
        elapsed: Duration::from_millis(ms),
        result: field(&line, "result").unwrap_or("?").to_string(),
        line,
    })
}
