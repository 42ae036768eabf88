//! Who is alive, from Redis alone: the liveness of catalog rows and the ownership of unique
//! names.
//!
//! - `lnr_topic:{topic}:live` (ZSET address → unix ms) says until when the client behind
//!   each catalog row counts as alive; `lnr_topic:{topic}:since` (HASH address → unix ms)
//!   when the row was registered. A row is written together with its liveness entry and
//!   removed together with it, in one script, so a row without a live entry is dead.
//! - `lnr_client:{unique}:alive` (STRING with a TTL) holds the address of the running
//!   client that owns the name; `lnr_client:{unique}:seen` its last heartbeat time.
//!
//! Every time is the Redis server's clock (`TIME` inside the scripts), so clients on hosts
//! with skewed clocks agree. The keys of one topic share a hash slot on a cluster; a
//! heartbeat is one script for the client's name, then one per topic, then its `seen` time.

use std::time::Duration;

use super::scan::scan_keys;
use super::{Store, StoreError};
use crate::stats::Stats;

/// `now` in unix milliseconds from the server's clock, shared by every script below.
/// `replicate_commands` lets a script write after reading the clock on Redis 6.2.
const NOW: &str = "redis.replicate_commands() \
    local t = redis.call('TIME') \
    local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) ";

/// Writes a catalog row (KEYS: addr, live, since; ARGV: address, name, ttl ms) with its
/// liveness; keeps the registration time of a row that already was this client's.
const REGISTER: &str = "local a, name = ARGV[1], ARGV[2] \
    redis.call('ZADD', KEYS[2], now + tonumber(ARGV[3]), a) \
    if redis.call('HGET', KEYS[1], a) ~= name or redis.call('HEXISTS', KEYS[3], a) == 0 then \
      redis.call('HSET', KEYS[3], a, now) end \
    redis.call('HSET', KEYS[1], a, name) \
    return 1";

/// Removes a catalog row and its liveness (KEYS: addr, live, since; ARGV: address).
const UNREGISTER: &str = "redis.call('HDEL', KEYS[1], ARGV[1]) \
    redis.call('ZREM', KEYS[2], ARGV[1]) \
    redis.call('HDEL', KEYS[3], ARGV[1]) \
    return 1";

/// Removes a row whose liveness expired (KEYS: addr, live, since; ARGV: address, name),
/// only if it still belongs to `name` and is still expired. Returns 1 when it removed it.
const REAP: &str = "if redis.call('HGET', KEYS[1], ARGV[1]) ~= ARGV[2] then return 0 end \
    local score = redis.call('ZSCORE', KEYS[2], ARGV[1]) \
    if score and tonumber(score) > now then return 0 end \
    redis.call('HDEL', KEYS[1], ARGV[1]) \
    redis.call('ZREM', KEYS[2], ARGV[1]) \
    redis.call('HDEL', KEYS[3], ARGV[1]) \
    return 1";

/// Every row of a topic with its liveness (KEYS: addr, live, since): `{now, addr, name,
/// live-until or '', since or '', …}`.
const READ: &str = "local rows = redis.call('HGETALL', KEYS[1]) \
    local out = {tostring(now)} \
    for i = 1, #rows, 2 do \
      local a = rows[i] \
      out[#out + 1] = a \
      out[#out + 1] = rows[i + 1] \
      local score = redis.call('ZSCORE', KEYS[2], a) \
      out[#out + 1] = score and string.format('%.0f', tonumber(score)) or '' \
      out[#out + 1] = redis.call('HGET', KEYS[3], a) or '' \
    end \
    return out";

/// Takes a unique name (KEYS: alive; ARGV: address, ttl ms, the owner being replaced or
/// ''). Returns false when taken, else the other owner's address.
const CLAIM: &str = "local cur = redis.call('GET', KEYS[1]) \
    if cur and cur ~= ARGV[1] and cur ~= ARGV[3] then return cur end \
    redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) \
    return false";

/// Gives a unique name up (KEYS: alive; ARGV: address) if this address still owns it.
const RELEASE: &str = "if redis.call('GET', KEYS[1]) == ARGV[1] then \
      redis.call('DEL', KEYS[1]) end \
    return 1";

/// A client's heartbeat (KEYS: alive; ARGV: address, ttl ms): refreshes the name. Returns
/// the other owner's address when another client owns the name (then nothing is written),
/// else ''.
const HEARTBEAT: &str = "local cur = redis.call('GET', KEYS[1]) \
    if cur and cur ~= ARGV[1] then return cur end \
    redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) \
    return ''";

/// Records the end of a heartbeat (KEYS: seen, and stats when the client publishes its
/// counters; ARGV: the counters): written after the rows, so a row the heartbeat wrote back
/// never reads as registered after its client was last seen. The counters ride in the same
/// script (the two keys share the client's slot): no extra round trip.
const SEEN: &str = "redis.call('SET', KEYS[1], now) \
    if KEYS[2] then redis.call('SET', KEYS[2], ARGV[1]) end \
    return 1";

/// Refreshes the liveness of one catalog row (KEYS: addr, live, since; ARGV: address, name,
/// ttl ms), writing the row back if it was removed meanwhile. Returns 1 when it wrote it back.
const REFRESH: &str = "local a, name = ARGV[1], ARGV[2] \
    redis.call('ZADD', KEYS[2], now + tonumber(ARGV[3]), a) \
    if redis.call('HGET', KEYS[1], a) == name then return 0 end \
    redis.call('HSET', KEYS[1], a, name) \
    redis.call('HSET', KEYS[3], a, now) \
    return 1";

/// One catalog row and what Redis says about its client's liveness.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowLiveness {
    /// The published address (the row's field).
    pub addr: String,
    /// The unique name of the client behind it.
    pub unique_name: String,
    /// Unix ms (Redis clock) until which it counts as alive; `None` when it never had a
    /// liveness entry (then it is dead).
    pub live_until_ms: Option<u64>,
    /// Unix ms when the row was registered, when known.
    pub since_ms: Option<u64>,
}

impl RowLiveness {
    /// Whether the client was alive at `now_ms` (Redis clock).
    pub fn is_live(&self, now_ms: u64) -> bool {
        self.live_until_ms.is_some_and(|until| until > now_ms)
    }
}

/// The rows of a topic and the Redis clock they were read at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopicLiveness {
    /// The Redis clock when the rows were read, unix ms.
    pub now_ms: u64,
    /// Every catalog row of the topic.
    pub rows: Vec<RowLiveness>,
}

/// What a heartbeat found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Heartbeat {
    /// Another client owns the unique name now (it took over): its address.
    pub taken_over_by: Option<String>,
    /// Catalog rows that had been removed (expired while this client was stalled) and were
    /// written back.
    pub rows_restored: u64,
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX).max(1)
}

/// An `EVAL` of `body` with [`NOW`] in front of it (the key count and keys follow).
pub(super) fn timed_script(body: &str) -> redis::Cmd {
    let mut cmd = redis::cmd("EVAL");
    cmd.arg(format!("{NOW}{body}"));
    cmd
}

impl Store {
    fn eval_topic(&mut self, script: &str, topic: &str, args: &[&str]) -> redis::Cmd {
        let mut cmd = timed_script(script);
        cmd.arg(3)
            .arg(self.keys.topic_addresses(topic))
            .arg(self.keys.topic_live(topic))
            .arg(self.keys.topic_since(topic));
        for arg in args {
            cmd.arg(*arg);
        }
        cmd
    }

    /// Publishes `addr` under `topic` for `unique_name`, alive for `ttl`.
    pub fn register(
        &mut self,
        topic: &str,
        addr: &str,
        unique_name: &str,
        ttl: Duration,
    ) -> Result<(), StoreError> {
        let ttl = millis(ttl).to_string();
        let cmd = self.eval_topic(REGISTER, topic, &[addr, unique_name, &ttl]);
        self.link.idempotent(|con| cmd.query::<i64>(con).map(drop))
    }

    /// Removes the catalog row `addr` of `topic` and its liveness.
    pub fn unregister(&mut self, topic: &str, addr: &str) -> Result<(), StoreError> {
        let cmd = self.eval_topic(UNREGISTER, topic, &[addr]);
        self.link.idempotent(|con| cmd.query::<i64>(con).map(drop))
    }

    /// Removes the row `addr` of `topic` if it still belongs to `unique_name` and its
    /// liveness expired; returns whether it did.
    pub fn reap(&mut self, topic: &str, addr: &str, unique_name: &str) -> Result<bool, StoreError> {
        let cmd = self.eval_topic(REAP, topic, &[addr, unique_name]);
        self.link
            .idempotent(|con| cmd.query::<i64>(con))
            .map(|n| n == 1)
    }

    /// Every catalog row of `topic` with its liveness.
    pub fn topic_liveness(&mut self, topic: &str) -> Result<TopicLiveness, StoreError> {
        let cmd = self.eval_topic(READ, topic, &[]);
        let flat: Vec<String> = self.link.idempotent(|con| cmd.query(con))?;
        let bad = || StoreError::Command("liveness script answered garbage".into());
        let (now, rest) = flat.split_first().ok_or_else(bad)?;
        let now_ms = now.parse().map_err(|_| bad())?;
        let mut rows = Vec::with_capacity(rest.len() / 4);
        for row in rest.chunks(4) {
            let [addr, name, until, since] = row else {
                return Err(bad());
            };
            rows.push(RowLiveness {
                addr: addr.clone(),
                unique_name: name.clone(),
                // The script prints the score (a double holding unix ms) as an integer.
                live_until_ms: until.parse().ok(),
                since_ms: since.parse().ok(),
            });
        }
        Ok(TopicLiveness { now_ms, rows })
    }

    /// Takes `unique` for the client at `addr` for `ttl`, replacing `replacing` (an owner
    /// found dead) if given. Returns the address of another owner that holds it.
    pub fn claim_name(
        &mut self,
        unique: &str,
        addr: &str,
        ttl: Duration,
        replacing: Option<&str>,
    ) -> Result<Option<String>, StoreError> {
        let mut cmd = redis::cmd("EVAL");
        cmd.arg(CLAIM)
            .arg(1)
            .arg(self.keys.client_alive(unique))
            .arg(addr)
            .arg(millis(ttl))
            .arg(replacing.unwrap_or(""));
        self.link.idempotent(|con| cmd.query(con))
    }

    /// Gives `unique` up if `addr` still owns it (at `stop`).
    pub fn release_name(&mut self, unique: &str, addr: &str) -> Result<(), StoreError> {
        let mut cmd = redis::cmd("EVAL");
        cmd.arg(RELEASE)
            .arg(1)
            .arg(self.keys.client_alive(unique))
            .arg(addr);
        self.link.idempotent(|con| cmd.query::<i64>(con).map(drop))
    }

    /// Refreshes the ownership of `unique`, then the liveness of its rows under `topics`
    /// (one script per topic: on a cluster each topic has its own hash slot), then when it
    /// was last seen. When another client took the name over, nothing else is written.
    pub fn heartbeat(
        &mut self,
        unique: &str,
        addr: &str,
        topics: &[String],
        ttl: Duration,
    ) -> Result<Heartbeat, StoreError> {
        self.heartbeat_with_stats(unique, addr, topics, ttl, None)
    }

    /// [`Store::heartbeat`] that also publishes the client's counters
    /// (`lnr_client:{unique}:stats`, see `encode_stats`) in the script that writes its
    /// `seen` time.
    pub fn heartbeat_with_stats(
        &mut self,
        unique: &str,
        addr: &str,
        topics: &[String],
        ttl: Duration,
        stats: Option<&Stats>,
    ) -> Result<Heartbeat, StoreError> {
        let ttl = millis(ttl).to_string();
        let mut cmd = redis::cmd("EVAL");
        cmd.arg(HEARTBEAT)
            .arg(1)
            .arg(self.keys.client_alive(unique))
            .arg(addr)
            .arg(&ttl);
        let owner: String = self.link.idempotent(|con| cmd.query(con))?;
        if !owner.is_empty() {
            return Ok(Heartbeat {
                taken_over_by: Some(owner),
                rows_restored: 0,
            });
        }
        let mut rows_restored = 0;
        for topic in topics {
            let cmd = self.eval_topic(REFRESH, topic, &[addr, unique, &ttl]);
            rows_restored += self.link.idempotent(|con| cmd.query::<u64>(con))?;
        }
        let mut seen = timed_script(SEEN);
        match stats {
            Some(stats) => seen
                .arg(2)
                .arg(self.keys.client_seen(unique))
                .arg(self.keys.client_stats(unique))
                .arg(encode_stats(stats)),
            None => seen.arg(1).arg(self.keys.client_seen(unique)),
        };
        self.link.idempotent(|con| seen.query::<i64>(con))?;
        Ok(Heartbeat {
            taken_over_by: None,
            rows_restored,
        })
    }
}

/// One counter of [`Stats`], reached through a copy of it.
type StatsField = fn(&mut Stats) -> &mut u64;

/// The counters a client publishes, by the name they carry in `lnr_client:{unique}:stats`.
/// A counter added to [`Stats`] is published once it is listed here.
const PUBLISHED_STATS: [(&str, StatsField); 13] = [
    ("delivered", |s| &mut s.delivered),
    ("duplicates", |s| &mut s.duplicates),
    ("unknown_topic", |s| &mut s.unknown_topic),
    ("rejected_connections", |s| &mut s.rejected_connections),
    ("callback_panics", |s| &mut s.callback_panics),
    ("refused", |s| &mut s.refused),
    ("abandoned", |s| &mut s.abandoned),
    ("best_effort_dropped", |s| &mut s.best_effort_dropped),
    ("parked_dropped", |s| &mut s.parked_dropped),
    ("channels_removed", |s| &mut s.channels_removed),
    ("peers_known", |s| &mut s.peers_known),
    ("peers_connected", |s| &mut s.peers_connected),
    ("listening_topics", |s| &mut s.listening_topics),
];

/// The published form of `stats`: `name=value` pairs separated by spaces, zeros left out
/// (`delivered=1200 best_effort_dropped=3`; empty when all are zero). Readable with
/// `redis-cli GET`, and a reader ignores names it does not know.
fn encode_stats(stats: &Stats) -> String {
    let mut copy = *stats;
    let mut text = String::new();
    for (name, field) in PUBLISHED_STATS {
        let value = *field(&mut copy);
        if value != 0 {
            if !text.is_empty() {
                text.push(' ');
            }
            text.push_str(&format!("{name}={value}"));
        }
    }
    text
}

/// Reads what [`encode_stats`] wrote; unknown names and malformed pairs are skipped, and
/// counters not mentioned are zero.
fn decode_stats(text: &str) -> Stats {
    let mut stats = Stats::default();
    for (name, value) in text.split_whitespace().filter_map(|p| p.split_once('=')) {
        let known = PUBLISHED_STATS.iter().find(|(n, _)| *n == name);
        if let (Some((_, field)), Ok(value)) = (known, value.parse()) {
            *field(&mut stats) = value;
        }
    }
    stats
}

impl Store {
    /// The counters `unique` published with its last heartbeat, if it ever did. Like
    /// `seen`, they belong to the name: the last instance that ran under it wrote them.
    pub fn published_stats(&mut self, unique: &str) -> Result<Option<Stats>, StoreError> {
        let key = self.keys.client_stats(unique);
        let text: Option<String> = self
            .link
            .idempotent(|con| redis::cmd("GET").arg(&key).query(con))?;
        Ok(text.as_deref().map(decode_stats))
    }
}

/// The queue of one channel and how old its oldest message is (KEYS: messages, parked_at):
/// `{now, length, unix ms when the chunk holding the head was parked or ''}`. The park
/// times are only recorded under `Config::max_parked_age`; the chunk holding the head is
/// the first one whose last seq is at or above the head's.
const QUEUE_AGE: &str = concat!(
    lua_seq_of!(),
    "local len = redis.call('LLEN', KEYS[1]) \
    local oldest = '' \
    local head = len > 0 and seq_of(redis.call('LINDEX', KEYS[1], 0)) \
    if head then \
      local m = redis.call('ZRANGE', KEYS[2], head, '+inf', 'BYSCORE', 'LIMIT', 0, 1)[1] \
      if m then oldest = string.match(m, ':(%d+)$') or '' end \
    end \
    return {tostring(now), len, oldest}"
);

/// One channel (a sender's topic towards one listener) and its parked queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChannelQueue {
    /// The sender's unique name.
    pub sender: String,
    /// The sender's own topic (the channel belongs to the pair).
    pub sender_topic: String,
    /// The listener's unique name.
    pub listener: String,
    /// The channel's connection key.
    pub connection_key: u64,
    /// Messages parked in `lnr_connection:{ck}:messages`.
    pub parked: u64,
    /// Unix ms (Redis clock) when the oldest parked message was parked; known only for a
    /// sender with `Config::max_parked_age` (which records park times).
    pub oldest_parked_unix_ms: Option<u64>,
    /// The Redis clock when the queue was read.
    pub now_ms: u64,
}

/// Who holds a unique name and when its holder last beat.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NamePresence {
    /// The address of the running client owning the name (`lnr_client:{unique}:alive`);
    /// `None` when no process holds it: the client is not alive.
    pub holder: Option<String>,
    /// Unix ms of the name's last heartbeat (`lnr_client:{unique}:seen`), if any.
    pub last_seen_unix_ms: Option<u64>,
}

impl Store {
    /// Every topic with a catalog (`lnr_topic:*:addr`), sorted. One `SCAN` (on every
    /// master of a cluster): for operators and the retention sweep, not for a hot path.
    pub fn catalog_topics(&mut self) -> Result<Vec<String>, StoreError> {
        let keys = self.keys;
        let found = self
            .link
            .idempotent(|con| scan_keys(con, "lnr_topic:*:addr"))?;
        Ok(found
            .iter()
            .filter_map(|key| keys.catalog_topic(key).map(str::to_string))
            .collect())
    }

    /// Every channel of the database with its parked queue, sorted by sender, topic and
    /// listener: a `SCAN` of the connection keys, then per channel a `GET` and one script.
    pub fn channel_queues(&mut self) -> Result<Vec<ChannelQueue>, StoreError> {
        let keys = self.keys;
        let found = self
            .link
            .idempotent(|con| scan_keys(con, "lnr_connection:*:*:*:key"))?;
        let mut queues = Vec::new();
        for key in found {
            let Some((sender, listener)) = keys.channel_ends(&key) else {
                continue;
            };
            // `lnr_connection:S:T:L:key`: names hold no `:`, so the topic is the third part.
            let Some(sender_topic) = key.split(':').nth(2) else {
                continue;
            };
            let ck: Option<u64> = self
                .link
                .idempotent(|con| redis::cmd("GET").arg(&key).query(con))?;
            let Some(ck) = ck else {
                continue;
            };
            let mut cmd = timed_script(QUEUE_AGE);
            cmd.arg(2).arg(keys.messages(ck)).arg(keys.parked_at(ck));
            let (now, parked, oldest): (String, u64, String) =
                self.link.idempotent(|con| cmd.query(con))?;
            queues.push(ChannelQueue {
                sender: sender.to_string(),
                sender_topic: sender_topic.to_string(),
                listener: listener.to_string(),
                connection_key: ck,
                parked,
                oldest_parked_unix_ms: oldest.parse().ok(),
                now_ms: now.parse().unwrap_or(0),
            });
        }
        queues.sort_unstable_by(|a, b| {
            (&a.sender, &a.sender_topic, &a.listener).cmp(&(
                &b.sender,
                &b.sender_topic,
                &b.listener,
            ))
        });
        Ok(queues)
    }

    /// Who holds `unique` now and when it last beat: two `GET`s.
    pub fn name_presence(&mut self, unique: &str) -> Result<NamePresence, StoreError> {
        let (alive, seen) = (
            self.keys.client_alive(unique),
            self.keys.client_seen(unique),
        );
        let holder: Option<String> = self
            .link
            .idempotent(|con| redis::cmd("GET").arg(&alive).query(con))?;
        let seen: Option<String> = self
            .link
            .idempotent(|con| redis::cmd("GET").arg(&seen).query(con))?;
        Ok(NamePresence {
            holder,
            last_seen_unix_ms: seen.and_then(|s| s.parse().ok()),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn published_stats_read_back_as_written() {
        let stats = Stats {
            delivered: 1200,
            best_effort_dropped: 3,
            channels_removed: u64::MAX,
            ..Stats::default()
        };
        let text = encode_stats(&stats);
        assert_eq!(
            text,
            format!(
                "delivered=1200 best_effort_dropped=3 channels_removed={}",
                u64::MAX
            )
        );
        assert_eq!(decode_stats(&text), stats);
        assert_eq!(encode_stats(&Stats::default()), "");
    }

    #[test]
    fn unknown_or_malformed_counters_are_skipped() {
        let stats = decode_stats("sent=9 delivered=x refused=2 junk delivered=");
        assert_eq!(
            stats,
            Stats {
                refused: 2,
                ..Stats::default()
            }
        );
    }
}
