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

use super::{Store, StoreError};

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

/// Records the end of a heartbeat (KEYS: seen): written after the rows, so a row the
/// heartbeat wrote back never reads as registered after its client was last seen.
const SEEN: &str = "redis.call('SET', KEYS[1], now) return 1";

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
    pub now_ms: u64,
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
        seen.arg(1).arg(self.keys.client_seen(unique));
        self.link.idempotent(|con| seen.query::<i64>(con))?;
        Ok(Heartbeat {
            taken_over_by: None,
            rows_restored,
        })
    }
}
