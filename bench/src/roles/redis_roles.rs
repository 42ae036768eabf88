//! Redis roles through the `redis` crate against the bench's own redis-server: Pub/Sub
//! (`PUBLISH` pipelined in batches / `SUBSCRIBE`) and a List used as a queue (`RPUSH` of a
//! batch of values per command / `LPOP key count`, `BLPOP` when it is empty).
//!
//! Arguments: `url=`, `key=` (channel or list), and for senders `batch=` messages per round
//! trip.

use std::time::Duration;

use crate::error::{BenchError, BenchResult};
use crate::report::Line;
use crate::role_io::{Args, Commands};
use crate::roles::receive::{Inbox, pull};
use crate::roles::send::{Outlet, run_sender};

/// Read timeout of a subscriber, so its loop notices when to stop.
const SUBSCRIBER_POLL: Duration = Duration::from_millis(50);
/// Longest wait of one `BLPOP` on an empty list (seconds, as Redis takes it).
const BLPOP_WAIT_S: f64 = 0.05;
/// Elements one `LPOP` takes.
const LPOP_COUNT: usize = 1000;

pub(crate) fn connect(url: &str) -> BenchResult<redis::Connection> {
    let client = redis::Client::open(url)?;
    let con = client.get_connection_with_timeout(Duration::from_secs(2))?;
    con.set_read_timeout(Some(Duration::from_secs(5)))?;
    Ok(con)
}

/// `kind=sub` (SUBSCRIBE to `key`) or `kind=list` (pop from list `key`).
pub fn receive(args: &Args, cmds: &Commands) -> BenchResult<()> {
    let url = args.text("url")?.to_string();
    let key = args.text("key")?.to_string();
    match args.text("kind")? {
        "sub" => pull(args, cmds, move |inbox: &Inbox, ready| {
            let mut con = connect(&url)?;
            let mut pubsub = con.as_pubsub();
            pubsub.subscribe(&key)?;
            pubsub.set_read_timeout(Some(SUBSCRIBER_POLL))?;
            ready(Line::new("ready"));
            while inbox.keep_going() {
                match pubsub.get_message() {
                    Ok(message) => inbox.record(message.get_payload_bytes()),
                    Err(e) if e.is_timeout() => {}
                    Err(e) => return Err(e.into()),
                }
            }
            Ok(())
        }),
        "list" => pull(args, cmds, move |inbox: &Inbox, ready| {
            let mut con = connect(&url)?;
            ready(Line::new("ready"));
            let mut lpop = redis::cmd("LPOP");
            lpop.arg(&key).arg(LPOP_COUNT);
            let mut blpop = redis::cmd("BLPOP");
            blpop.arg(&key).arg(BLPOP_WAIT_S);
            while inbox.keep_going() {
                let batch: Option<Vec<Vec<u8>>> = lpop.query(&mut con)?;
                match batch {
                    Some(items) => items.iter().for_each(|item| inbox.record(item)),
                    None => {
                        let popped: Option<(Vec<u8>, Vec<u8>)> = blpop.query(&mut con)?;
                        if let Some((_, item)) = popped {
                            inbox.record(&item);
                        }
                    }
                }
            }
            Ok(())
        }),
        other => Err(BenchError::Args(format!("redis receiver kind '{other}'"))),
    }
}

/// Payloads gathered for one round trip to Redis.
pub(crate) trait Batch {
    fn add(&mut self, payload: &[u8]);
    /// Sends what was added in one round trip and starts over empty.
    fn exec(&mut self, con: &mut redis::Connection) -> redis::RedisResult<()>;
}

/// A sender that goes to Redis once per `batch` payloads (and on flush).
pub(crate) struct Batched<B> {
    con: redis::Connection,
    pending: B,
    queued: usize,
    batch: usize,
}

impl<B: Batch> Batched<B> {
    pub(crate) fn new(con: redis::Connection, pending: B, batch: usize) -> Self {
        Batched {
            con,
            pending,
            queued: 0,
            batch,
        }
    }
}

impl<B: Batch> Outlet for Batched<B> {
    fn send(&mut self, payload: &[u8]) -> BenchResult<()> {
        self.pending.add(payload);
        self.queued += 1;
        if self.queued >= self.batch {
            self.flush()?;
        }
        Ok(())
    }

    fn flush(&mut self) -> BenchResult<()> {
        if self.queued > 0 {
            self.pending.exec(&mut self.con)?;
            self.queued = 0;
        }
        Ok(())
    }
}

/// Publishes to a channel: `PUBLISH`es pipelined.
struct Publish {
    channel: String,
    pipe: redis::Pipeline,
}

impl Batch for Publish {
    fn add(&mut self, payload: &[u8]) {
        self.pipe
            .cmd("PUBLISH")
            .arg(&self.channel)
            .arg(payload)
            .ignore();
    }

    fn exec(&mut self, con: &mut redis::Connection) -> redis::RedisResult<()> {
        self.pipe.exec(con)?;
        self.pipe.clear();
        Ok(())
    }
}

/// Appends to a list: one `RPUSH key v1 … vN` per batch.
struct ListPush {
    key: String,
    rpush: redis::Cmd,
}

impl ListPush {
    fn new(key: String) -> Self {
        ListPush {
            rpush: Self::fresh_command(&key),
            key,
        }
    }

    fn fresh_command(key: &str) -> redis::Cmd {
        let mut rpush = redis::cmd("RPUSH");
        rpush.arg(key);
        rpush
    }
}

impl Batch for ListPush {
    fn add(&mut self, payload: &[u8]) {
        self.rpush.arg(payload);
    }

    fn exec(&mut self, con: &mut redis::Connection) -> redis::RedisResult<()> {
        let full = std::mem::replace(&mut self.rpush, Self::fresh_command(&self.key));
        full.exec(con)
    }
}

/// `kind=pub` or `kind=list`.
pub fn send(args: &Args, cmds: &Commands) -> BenchResult<()> {
    let con = connect(args.text("url")?)?;
    let key = args.text("key")?.to_string();
    let batch = args.number("batch")?.max(1) as usize;
    match args.text("kind")? {
        "pub" => {
            let publish = Publish {
                channel: key,
                pipe: redis::pipe(),
            };
            run_sender(&mut Batched::new(con, publish, batch), args, cmds)
        }
        "list" => run_sender(
            &mut Batched::new(con, ListPush::new(key), batch),
            args,
            cmds,
        ),
        other => Err(BenchError::Args(format!("redis sender kind '{other}'"))),
    }
}
