//! The command line: global options and one struct per subcommand, each with the long
//! help `liner help <subcommand>` prints (what it reads or writes, and an example).

use std::time::Duration;

use clap::{Args, Parser, Subcommand};
use liner_broker::Config;
use liner_broker::store::{Store, StoreTimeouts};

use crate::failure::Failure;

/// Operate a liner mesh: see who serves which topic and who is alive, what is parked for
/// whom, send and receive test messages, watch peers come and go, measure round trips,
/// retire dead rows and benchmark a topic.
#[derive(Parser, Debug)]
#[command(name = "liner", version, propagate_version = true)]
#[command(after_long_help = "Examples:\n  \
    export LINER_REDIS_URL=redis://:password@10.0.0.5:6379/5\n  \
    liner topics\n  liner peers orders --json | jq '.[] | select(.live | not)'\n  \
    liner pending\n  liner ping orders -c 5\n\n\
    The shared secret of peer authentication is read from LINER_SECRET, as every liner \
    client does; it is never printed, and neither is the Redis password.")]
pub struct Cli {
    /// Redis URL of the deployment (same forms as the library: redis://, rediss://,
    /// unix sockets, cluster node lists, redis+sentinel://).
    #[arg(long, env = "LINER_REDIS_URL", global = true, hide_env_values = true)]
    pub redis: Option<String>,
    /// Print one JSON document instead of a table (for scripts).
    #[arg(long, global = true)]
    pub json: bool,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// List every topic in the catalog with its listeners, live and dead.
    #[command(
        long_about = "List every topic that has a catalog (lnr_topic:*:addr, found with \
        SCAN, never KEYS) with how many listeners are registered under it and how many of \
        them are live (heartbeat within their liveness_ttl) or dead (gone without stop; \
        `liner prune` removes their rows).\n\nExample:\n  liner topics\n  \
        liner topics --json"
    )]
    Topics,
    /// Show each listener of a topic: address, name, live or dead, since, counters.
    #[command(
        long_about = "Show every catalog row of TOPIC: the listener's published \
        address and unique name, whether it is live, since when (registration time) and when \
        its client last sent a heartbeat, all on the Redis clock. Clients publish their \
        counters with each heartbeat (lnr_client:NAME:stats); they are shown when present: \
        messages delivered, refused, dropped (best-effort + parked dropped + abandoned) and \
        outbound peers connected/known.\n\nFails when TOPIC has no catalog row.\n\n\
        Example:\n  liner peers orders\n  liner peers orders --json"
    )]
    Peers(TopicArg),
    /// List the parked (offline) messages per channel: sender, listener, count, age.
    #[command(
        long_about = "List every channel with at-least-once messages parked in \
        Redis for a listener that is away: the sender (unique name and topic), the \
        listener, the topic and address it is reached at, how many messages wait, and how \
        old the oldest is (known when the sender runs with max_parked_age, which records \
        park times; '-' otherwise).\n\nExample:\n  liner pending\n  \
        liner pending --json | jq 'map(.count) | add'"
    )]
    Pending,
    /// Send one message to a topic (at-least-once unless --best-effort).
    #[command(
        long_about = "Send MESSAGE to one listener of TOPIC (round-robin, like \
        send_to) from a short-lived client, then stop it, which hands over or parks what \
        is unacknowledged. At-least-once by default: a listener that is away gets the \
        message when it comes back. MESSAGE '-' reads the message from stdin (bytes, as \
        is). Prints what happened; exits non-zero when the message was not accepted \
        (no listener, Redis down, ...).\n\nThe sending client's unique name is \
        liner-cli-PID unless --name is given; its channels stay in Redis like any \
        sender's (retention removes them).\n\nExample:\n  liner send orders 'hello'\n  \
        date | liner send orders - --best-effort"
    )]
    Send(SendArgs),
    /// Join a topic as a listener and print the messages it receives.
    #[command(
        long_about = "Join TOPIC as a listener (a real client registered in the \
        catalog under --name): it takes its share of the messages senders spread over the \
        topic's listeners, so messages printed here do NOT reach the other listeners. Each \
        message is one line: the sender's topic, a tab, the payload as UTF-8 (invalid \
        bytes replaced) or hex with --hex. --count N exits after N messages.\n\n\
        Example:\n  liner listen orders --count 1\n  liner listen orders --hex"
    )]
    Listen(ListenArgs),
    /// Print peers coming and going, live, from the events channel.
    #[command(
        long_about = "Subscribe to the events channel (lnr_events:DB) and print each \
        peer event as it happens: connected, disconnected, subscribed, unsubscribed, \
        expired (a dead row removed), with topic, address and unique name. Runs until \
        interrupted, --count events or --timeout seconds.\n\nExample:\n  liner watch\n  \
        liner watch --count 1 --timeout 30 --json"
    )]
    Watch(WatchArgs),
    /// Measure handshake and Ping/Pong round trips to each listener of a topic.
    #[command(
        long_about = "For each listener of TOPIC: open a TCP connection, do the \
        handshake (proving LINER_SECRET when set, as clients do) and COUNT Ping/Pong round \
        trips, then print min/avg/max RTT, like `nats rtt`. Exits non-zero when no \
        listener answered.\n\nThe probe opens a channel of its own (sender liner-cli, \
        topic lnr-ping) per listener; it sends no message.\n\nExample:\n  \
        liner ping orders\n  liner ping orders -c 10 --json"
    )]
    Ping(PingArgs),
    /// Remove catalog rows and channel keys that liveness shows dead.
    #[command(
        long_about = "Remove what belongs to clients that are gone: catalog rows \
        whose liveness expired, and the keys of channels whose sender and listener have \
        both been gone (no heartbeat) for longer than --gone-for, with the reconnect hints \
        and heartbeat times of such clients. The library's retention sweep does the work: \
        each removal re-checks its condition in a script on the Redis clock, so a client \
        that is alive (or comes back meanwhile) keeps its keys. Channels still holding \
        parked messages are kept unless --drop-parked.\n\n--dry-run lists what would go \
        and removes nothing.\n\nExample:\n  liner prune --dry-run\n  \
        liner prune --gone-for 3600"
    )]
    Prune(PruneArgs),
    /// Measure throughput and latency through a topic.
    #[command(
        long_about = "Send --messages messages of --size bytes and report msg/s, \
        MB/s and the p50/p99 latency from send to delivery. Self-contained by default: \
        starts a listener client on a topic of its own (lnr-bench-PID style name) in this \
        process and checks every message arrived once and in order (each payload carries a \
        sequence number and its send time). With --topic it sends to an existing topic \
        instead and reports the send rate only (the listeners are elsewhere).\n\nA \
        progress bar shows on a terminal (not with --json).\n\nExample:\n  liner bench\n  \
        liner bench --messages 100000 --size 1024\n  liner bench --topic orders --best-effort"
    )]
    Bench(BenchArgs),
}

#[derive(Args, Debug)]
pub struct TopicArg {
    /// The topic.
    pub topic: String,
}

#[derive(Args, Debug)]
pub struct SendArgs {
    /// The topic to send to.
    pub topic: String,
    /// The message; '-' reads it from stdin.
    pub message: String,
    /// Best-effort: dropped when no listener is reachable (nothing parked).
    #[arg(long)]
    pub best_effort: bool,
    /// Unique name of the sending client (default liner-cli-PID).
    #[arg(long)]
    pub name: Option<String>,
    /// Address the short-lived client binds (it listens while it runs).
    #[arg(long, default_value = "127.0.0.1:0")]
    pub bind: String,
}

#[derive(Args, Debug)]
pub struct ListenArgs {
    /// The topic to join as a listener.
    pub topic: String,
    /// Exit after this many messages.
    #[arg(long)]
    pub count: Option<u64>,
    /// Print payloads as hex instead of UTF-8.
    #[arg(long)]
    pub hex: bool,
    /// Unique name of the listening client (default liner-cli-PID).
    #[arg(long)]
    pub name: Option<String>,
    /// Address to listen on (published in the catalog; senders must reach it).
    #[arg(long, default_value = "127.0.0.1:0")]
    pub bind: String,
}

#[derive(Args, Debug)]
pub struct WatchArgs {
    /// Exit after this many events.
    #[arg(long)]
    pub count: Option<u64>,
    /// Exit after this many seconds.
    #[arg(long)]
    pub timeout: Option<f64>,
}

#[derive(Args, Debug)]
pub struct PingArgs {
    /// The topic whose listeners to ping.
    pub topic: String,
    /// Round trips per listener.
    #[arg(short = 'c', long = "count", default_value_t = 3)]
    pub count: usize,
    /// Seconds to wait for the connection and each answer.
    #[arg(long, default_value_t = 2.0)]
    pub timeout: f64,
}

#[derive(Args, Debug)]
pub struct PruneArgs {
    /// List what would be removed; remove nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Seconds both ends of a channel must have been gone before its keys go.
    #[arg(long, default_value_t = 60)]
    pub gone_for: u64,
    /// Also remove channels that still hold parked messages (they are lost).
    #[arg(long)]
    pub drop_parked: bool,
}

#[derive(Args, Debug)]
pub struct BenchArgs {
    /// Send to this existing topic instead of a self-contained listener.
    #[arg(long)]
    pub topic: Option<String>,
    /// Messages to send.
    #[arg(long, default_value_t = 10_000)]
    pub messages: u64,
    /// Payload size in bytes (at least 16: sequence number and send time).
    #[arg(long, default_value_t = 128)]
    pub size: usize,
    /// Send best-effort instead of at-least-once.
    #[arg(long)]
    pub best_effort: bool,
}

impl Cli {
    /// The Redis URL given, or a usage error naming both ways to give it.
    pub fn redis_url(&self) -> Result<&str, Failure> {
        self.redis
            .as_deref()
            .filter(|u| !u.trim().is_empty())
            .ok_or_else(|| Failure("no Redis URL: pass --redis URL or set LINER_REDIS_URL".into()))
    }

    /// A store connection for reading (the library's own, with its timeouts).
    pub fn store(&self) -> Result<Store, Failure> {
        let timeouts = StoreTimeouts {
            connect: Duration::from_secs(2),
            io: Duration::from_secs(5),
        };
        Ok(Store::connect(self.redis_url()?, timeouts)?)
    }
}

/// A client configuration for the CLI's short-lived clients: the library's defaults (the
/// secret comes from LINER_SECRET) with a shorter stop.
pub fn client_config() -> Config {
    Config {
        stop_timeout: Duration::from_secs(3),
        ..Config::default()
    }
}

/// The CLI's default unique name, distinct per process.
pub fn default_name() -> String {
    format!("liner-cli-{}", std::process::id())
}

/// Seconds given on the command line as a duration (a clear error for nonsense).
pub fn seconds(value: f64, what: &str) -> Result<Duration, Failure> {
    Duration::try_from_secs_f64(value).map_err(|_| {
        Failure(format!(
            "{what} must be a positive number of seconds, not {value}"
        ))
    })
}
