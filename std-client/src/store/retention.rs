//! Keeping Redis clean: the retention sweep (channels whose sender and listener have both
//! been gone longer than the retention period, their hints and liveness leftovers, dead
//! catalog rows of topics nobody follows) and the opt-in limits on parked queues (a
//! maximum length and a maximum age, oldest first, like a capped list).
//!
//! Every removal is one script that re-checks its condition on the Redis clock, so a client
//! that comes back while a sweep runs keeps its keys. Removed parked messages are counted
//! in `lnr_connection:{ck}:dropped` for operators, besides the client's own counters.

use std::time::Duration;

use super::liveness::timed_script;
use super::scan::scan_keys;
use super::{Store, StoreError, keys};

/// Removes one channel (KEYS: its `…:key`, sender alive, sender seen, listener alive,
/// listener seen; ARGV: retention ms, '1' to drop parked messages too) if neither end is
/// alive nor was seen within the retention period. Returns `{removed 0/1, parked}`.
const SWEEP_CHANNEL: &str = "local cutoff = now - tonumber(ARGV[1]) \
    for i = 2, 4, 2 do \
      if redis.call('EXISTS', KEYS[i]) == 1 then return {0, 0} end \
      local seen = redis.call('GET', KEYS[i + 1]) \
      if seen and tonumber(seen) > cutoff then return {0, 0} end \
    end \
    local ck = redis.call('GET', KEYS[1]) \
    if not ck then return {0, 0} end \
    local base = 'lnr_connection:' .. ck \
    local parked = redis.call('LLEN', base .. ':messages') \
    if parked > 0 and ARGV[2] ~= '1' then return {0, parked} end \
    redis.call('DEL', KEYS[1], base .. ':sender', base .. ':mess_number', \
      base .. ':last_seq', base .. ':messages', base .. ':parked_at', base .. ':dropped') \
    return {1, parked}";

/// Removes a key tied to one client (KEYS: the key, the client's alive and seen keys;
/// ARGV: retention ms) if the client is not alive and was not seen within the period.
const SWEEP_CLIENT_KEY: &str = "if redis.call('EXISTS', KEYS[2]) == 1 then return 0 end \
    local seen = redis.call('GET', KEYS[3]) \
    if seen and tonumber(seen) > now - tonumber(ARGV[1]) then return 0 end \
    return redis.call('DEL', KEYS[1])";

/// Drops the oldest parked frames beyond ARGV[2] (KEYS: messages, dropped counter),
/// only if the list still has the length the caller knows (ARGV[1]), so a repeat after
/// a lost reply drops nothing more. Returns the number dropped, -1 on a length mismatch.
const CAP: &str = "local len = redis.call('LLEN', KEYS[1]) \
    if len ~= tonumber(ARGV[1]) then return -1 end \
    local excess = len - tonumber(ARGV[2]) \
    if excess <= 0 then return 0 end \
    redis.call('LTRIM', KEYS[1], excess, -1) \
    redis.call('INCRBY', KEYS[2], excess) \
    return excess";

/// Records when a chunk of frames up to seq ARGV[1] was parked (KEYS: parked_at).
const NOTE_PARKED: &str = "redis.call('ZADD', KEYS[1], ARGV[1], ARGV[1] .. ':' .. now) \
    return 1";

/// Drops the parked frames older than ARGV[1] ms (KEYS: messages, parked_at, dropped):
/// the frames up to the last chunk parked before the cutoff. Returns the number dropped.
const EXPIRE: &str = concat!(
    lua_seq_of!(),
    "local cutoff = now - tonumber(ARGV[1]) \
    local upto = nil \
    for _, m in ipairs(redis.call('ZRANGE', KEYS[2], 0, -1)) do \
      local seq, at = string.match(m, '^(%d+):(%d+)$') \
      if tonumber(at) < cutoff then upto = tonumber(seq) end \
    end \
    if not upto then return 0 end \
    local dropped = 0 \
    while true do \
      local seq = seq_of(redis.call('LINDEX', KEYS[1], 0)) \
      if not seq or seq > upto then break end \
      redis.call('LPOP', KEYS[1]) \
      dropped = dropped + 1 \
    end \
    redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', upto) \
    if dropped > 0 then redis.call('INCRBY', KEYS[3], dropped) end \
    return dropped"
);

/// What one retention sweep removed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SweepReport {
    /// Channels whose keys were removed.
    pub channels: u64,
    /// Parked messages removed with them (only when allowed).
    pub parked_dropped: u64,
    /// Channels kept only because they still hold parked messages.
    pub kept_for_parked: u64,
    /// Sender hints and heartbeat times of long-gone clients removed.
    pub client_keys: u64,
    /// Catalog rows whose liveness had expired, removed.
    pub dead_rows: u64,
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

impl Store {
    /// One retention sweep over the whole database (see the module docs).
    pub fn sweep(
        &mut self,
        retention: Duration,
        drop_parked: bool,
    ) -> Result<SweepReport, StoreError> {
        let mut report = SweepReport::default();
        let ms = millis(retention);
        let channels = self
            .link
            .idempotent(|con| scan_keys(con, "lnr_connection:*:*:*:key"))?;
        for key in channels {
            let Some((sender, listener)) = keys::channel_ends(&key) else {
                continue;
            };
            let mut cmd = timed_script(SWEEP_CHANNEL);
            cmd.arg(5)
                .arg(&key)
                .arg(keys::client_alive(sender))
                .arg(keys::client_seen(sender))
                .arg(keys::client_alive(listener))
                .arg(keys::client_seen(listener))
                .arg(ms)
                .arg(if drop_parked { "1" } else { "0" });
            let (removed, parked): (u64, u64) = self.link.idempotent(|con| cmd.query(con))?;
            if removed == 1 {
                report.channels += 1;
                report.parked_dropped += parked;
            } else if parked > 0 {
                report.kept_for_parked += 1;
            }
        }
        for (pattern, owner) in [
            (
                "lnr_sender:*:*:listener",
                keys::hint_owner as fn(&str) -> Option<&str>,
            ),
            ("lnr_client:*:seen", keys::seen_owner),
        ] {
            for key in self.link.idempotent(|con| scan_keys(con, pattern))? {
                let Some(client) = owner(&key) else { continue };
                let mut cmd = timed_script(SWEEP_CLIENT_KEY);
                cmd.arg(3)
                    .arg(&key)
                    .arg(keys::client_alive(client))
                    .arg(keys::client_seen(client))
                    .arg(ms);
                report.client_keys += self.link.idempotent(|con| cmd.query::<u64>(con))?;
            }
        }
        for key in self
            .link
            .idempotent(|con| scan_keys(con, "lnr_topic:*:addr"))?
        {
            let Some(topic) = keys::catalog_topic(&key) else {
                continue;
            };
            let live = self.topic_liveness(topic)?;
            for row in live.rows.iter().filter(|r| !r.is_live(live.now_ms)) {
                if self.reap(topic, &row.addr, &row.unique_name)? {
                    report.dead_rows += 1;
                }
            }
        }
        Ok(report)
    }

    /// Takes the database's sweep lease for `lease` unless another client holds it.
    pub fn take_sweep_lease(&mut self, owner: &str, lease: Duration) -> Result<bool, StoreError> {
        self.link.idempotent(|con| {
            redis::cmd("SET")
                .arg(keys::SWEEP_LEASE)
                .arg(owner)
                .arg("NX")
                .arg("PX")
                .arg(millis(lease).max(1))
                .query::<Option<String>>(con)
                .map(|set| set.is_some())
        })
    }

    /// Keeps at most `keep` parked frames of `ck` (the oldest go) when the list has the
    /// `expected` length. Returns how many were dropped, or `None` when the length differs
    /// (re-read it first).
    pub fn cap_backlog(
        &mut self,
        ck: u64,
        expected: u64,
        keep: u64,
    ) -> Result<Option<u64>, StoreError> {
        let mut cmd = redis::cmd("EVAL");
        cmd.arg(CAP)
            .arg(2)
            .arg(keys::messages(ck))
            .arg(keys::parked_dropped(ck))
            .arg(expected)
            .arg(keep);
        let dropped: i64 = self.link.idempotent(|con| cmd.query(con))?;
        Ok(u64::try_from(dropped).ok())
    }

    /// Records that frames up to `last_seq` were parked for `ck` now (for the age limit).
    pub fn note_parked(&mut self, ck: u64, last_seq: u64) -> Result<(), StoreError> {
        let mut cmd = timed_script(NOTE_PARKED);
        cmd.arg(1).arg(keys::parked_at(ck)).arg(last_seq);
        self.link.idempotent(|con| cmd.query::<i64>(con).map(drop))
    }

    /// Drops the frames of `ck` parked longer than `max_age` ago; returns how many.
    pub fn expire_backlog(&mut self, ck: u64, max_age: Duration) -> Result<u64, StoreError> {
        let mut cmd = timed_script(EXPIRE);
        cmd.arg(3)
            .arg(keys::messages(ck))
            .arg(keys::parked_at(ck))
            .arg(keys::parked_dropped(ck))
            .arg(millis(max_age));
        self.link.idempotent(|con| cmd.query(con))
    }
}
