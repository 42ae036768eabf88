//! The scenarios, each a function over a fresh [`World`] (its own Redis, names and logs).
//! A scenario drives traffic and faults, books every sender incarnation in the ledger and
//! sets its duplicate bound; the driver then tallies and judges it. An `Err` is a failure
//! the scenario saw itself (a stop that hung, a fault that did not hit); the tally is still
//! taken, so a run that failed early still says what was lost.
//!
//! `item` is the number in issue 8, item 10's list (1 = listener SIGKILL loop … 10 =
//! refused callbacks), or `9.6` for the liveness scenarios of issue 9, item 6; `--only`
//! accepts names or these items.

mod contract;
mod links;
mod liveness;
mod redis_faults;
mod restarts;
mod sender_kills;

use std::time::Duration;

use crate::world::World;

/// One scenario of the suite.
pub struct Scenario {
    pub name: &'static str,
    pub item: &'static str,
    /// One line for `--list`.
    pub about: &'static str,
    /// Its Redis runs with AOF (`appendfsync always`), because the scenario kills Redis.
    pub durable_redis: bool,
    pub run: fn(&mut World) -> Result<(), String>,
}

/// Every scenario, in the order they run.
pub const ALL: &[Scenario] = &[
    Scenario {
        name: "listener-kill",
        item: "1",
        about: "SIGKILL the listener again and again under steady traffic (>= 30 kills in a full run); dup <= one ack batch per kill",
        durable_redis: false,
        run: restarts::listener_kill,
    },
    Scenario {
        name: "listener-restart",
        item: "2",
        about: "graceful listener stop/start under steady traffic; 0 duplicates",
        durable_redis: false,
        run: restarts::listener_restart,
    },
    Scenario {
        name: "sender-kill",
        item: "3",
        about: "SIGKILL the sender repeatedly at a rate the listener keeps up with; restarted senders carry on",
        durable_redis: false,
        run: sender_kills::sender_kill,
    },
    Scenario {
        name: "sender-kill-drain",
        item: "3",
        about: "SIGKILL the sender repeatedly while it drains a parked backlog",
        durable_redis: false,
        run: sender_kills::sender_kill_drain,
    },
    Scenario {
        name: "redis-kill-parking",
        item: "4",
        about: "SIGKILL + restart Redis (AOF, fsync always) while a sender parks for an absent listener",
        durable_redis: true,
        run: redis_faults::redis_kill_parking,
    },
    Scenario {
        name: "redis-kill-draining",
        item: "4",
        about: "SIGKILL + restart Redis (AOF, fsync always) while a backlog drains",
        durable_redis: true,
        run: redis_faults::redis_kill_draining,
    },
    Scenario {
        name: "redis-outage-return",
        item: "5",
        about: "Redis down with the listener away, listener back while the sender recovers (hole 3)",
        durable_redis: true,
        run: redis_faults::redis_outage_return,
    },
    Scenario {
        name: "stale-cursor",
        item: "6",
        about: "listener cursor writes fail, sender SIGKILLed and restarted while the listener is SIGSTOPped (hole 2)",
        durable_redis: false,
        run: links::stale_cursor,
    },
    Scenario {
        name: "slow-redis-start",
        item: "7",
        about: "listener restarts behind a Redis link that delays its topic-key lookup; sender reconnects meanwhile (hole 1)",
        durable_redis: false,
        run: links::slow_redis_start,
    },
    Scenario {
        name: "partition",
        item: "8",
        about: "a proxy between sender and listener stops forwarding (no RST), longer and shorter than the liveness timeout",
        durable_redis: false,
        run: links::partition,
    },
    Scenario {
        name: "stop-redis-down",
        item: "9",
        about: "sender stop with Redis and the listener down: returns within stop_timeout and reports what it abandoned (hole 4)",
        durable_redis: true,
        run: contract::stop_redis_down,
    },
    Scenario {
        name: "refused-callbacks",
        item: "10",
        about: "callback refuses every 7th message and panics on every 11th on first sight; all delivered, in order (hole 5)",
        durable_redis: false,
        run: contract::refused_callbacks,
    },
    Scenario {
        name: "dead-twin",
        item: "9.6",
        about: "SIGKILL one of two listeners of a topic under round-robin send_to: nothing parked for it once its row is gone; it returns and gets its backlog",
        durable_redis: false,
        run: liveness::dead_twin,
    },
    Scenario {
        name: "duplicate-name",
        item: "9.6",
        about: "a second process with a running listener's unique name is refused (DuplicateName); after a SIGKILL a third takes the name over at once",
        durable_redis: false,
        run: liveness::duplicate_name,
    },
];

/// The library's default `ack_batch`: the most a listener can have delivered without
/// acknowledging when it is SIGKILLed (the duplicate bound per kill).
pub fn ack_batch() -> u64 {
    u64::from(liner_broker::Config::default().ack_batch)
}

/// How long to wait without any new delivery before declaring the rest lost.
pub const IDLE: Duration = crate::world::IDLE;
/// Generous bound for a child's graceful stop (where a scenario does not test the bound).
pub const STOP: Duration = crate::world::STOP_TIMEOUT;

pub fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}
