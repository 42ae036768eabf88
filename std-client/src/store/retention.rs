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
use redis::Commands;

use super::keys::{self, Layout};
use super::{Store, StoreError};

/// Whether a client is gone (KEYS: its alive and seen keys; ARGV: retention ms): not alive
/// and not seen within the retention period. With KEYS[3] (a key of the same client, so of
/// the same hash slot) removes that key when the client is gone and returns how many keys
/// it removed; without, returns 1 when gone.
const CLIENT_GONE: &str = "if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end \
    local seen = redis.call('GET', KEYS[2]) \
    if seen and tonumber(seen) > now - tonumber(ARGV[1]) then return 0 end \
    if KEYS[3] then return redis.call('DEL', KEYS[3]) end \
    return 1";

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

/// What the sweep did with one channel.
enum ChannelSweep {
    /// One of its ends is alive or was seen within the retention period.
    Kept,
    /// Both ends are gone, but it holds parked messages and dropping them is not allowed.
    KeptForParked,
    /// Its keys were removed, with this many parked messages.
    Removed { parked: u64 },
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
        let keys = self.keys;
        let channels = self
            .link
            .idempotent(|con| scan_keys(con, "lnr_connection:*:*:*:key"))?;
        for key in channels {
            let Some((sender, listener)) = keys.channel_ends(&key) else {
                continue;
            };
            match self.sweep_channel(&key, sender, listener, ms, drop_parked)? {
                ChannelSweep::Kept => {}
                ChannelSweep::KeptForParked => report.kept_for_parked += 1,
                ChannelSweep::Removed { parked } => {
                    report.channels += 1;
                    report.parked_dropped += parked;
                }
            }
        }
        for (pattern, owner) in [
            (
                "lnr_sender:*:*:listener",
                Layout::hint_owner as fn(Layout, &str) -> Option<&str>,
            ),
            ("lnr_client:*:seen", Layout::seen_owner),
            ("lnr_client:*:stats", Layout::stats_owner),
        ] {
            for key in self.link.idempotent(|con| scan_keys(con, pattern))? {
                let Some(client) = owner(keys, &key) else {
                    continue;
                };
                report.client_keys += self.remove_if_gone(client, Some(&key), ms)?;
            }
        }
        for topic in self.catalog_topics()? {
            let live = self.topic_liveness(&topic)?;
            for row in live.rows.iter().filter(|r| !r.is_live(live.now_ms)) {
                if self.reap(&topic, &row.addr, &row.unique_name)? {
                    report.dead_rows += 1;
                }
            }
        }
        Ok(report)
    }

    /// One channel of the sweep. The steps touch three clients' and channels' hash slots, so
    /// on a cluster they cannot be one script; each re-checks its own condition instead, and
    /// the connection key goes first, so a sender that comes back meanwhile allocates a fresh
    /// channel rather than finding half of one.
    fn sweep_channel(
        &mut self,
        key: &str,
        sender: &str,
        listener: &str,
        ms: u64,
        drop_parked: bool,
    ) -> Result<ChannelSweep, StoreError> {
        let ck: Option<u64> = self.link.idempotent(|con| con.get(key))?;
        let Some(ck) = ck else {
            return Ok(ChannelSweep::Kept);
        };
        for end in [listener, sender] {
            if self.remove_if_gone(end, None, ms)? == 0 {
                return Ok(ChannelSweep::Kept);
            }
        }
        let queue = self.keys.messages(ck);
        let parked: u64 = self.link.idempotent(|con| con.llen(&queue))?;
        if parked > 0 && !drop_parked {
            return Ok(ChannelSweep::KeptForParked);
        }
        if self.remove_if_gone(sender, Some(key), ms)? == 0 {
            return Ok(ChannelSweep::Kept);
        }
        let channel = self.keys.channel_keys(ck);
        self.link.idempotent(|con| con.del::<_, u64>(&channel))?;
        Ok(ChannelSweep::Removed { parked })
    }

    /// [`CLIENT_GONE`] for `client`: removes `key` (one of the client's own keys) if the
    /// client is gone and returns how many keys went, or without `key` returns 1 if gone.
    fn remove_if_gone(
        &mut self,
        client: &str,
        key: Option<&str>,
        ms: u64,
    ) -> Result<u64, StoreError> {
        let mut cmd = timed_script(CLIENT_GONE);
        cmd.arg(2 + usize::from(key.is_some()))
            .arg(self.keys.client_alive(client))
            .arg(self.keys.client_seen(client));
        if let Some(key) = key {
            cmd.arg(key);
        }
        cmd.arg(ms);
        self.link.idempotent(|con| cmd.query(con))
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
            .arg(self.keys.messages(ck))
            .arg(self.keys.parked_dropped(ck))
            .arg(expected)
            .arg(keep);
        let dropped: i64 = self.link.idempotent(|con| cmd.query(con))?;
        Ok(u64::try_from(dropped).ok())
    }

    /// Records that frames up to `last_seq` were parked for `ck` now (for the age limit).
    pub fn note_parked(&mut self, ck: u64, last_seq: u64) -> Result<(), StoreError> {
        let mut cmd = timed_script(NOTE_PARKED);
        cmd.arg(1).arg(self.keys.parked_at(ck)).arg(last_seq);
        self.link.idempotent(|con| cmd.query::<i64>(con).map(drop))
    }

    /// Drops the frames of `ck` parked longer than `max_age` ago; returns how many.
    pub fn expire_backlog(&mut self, ck: u64, max_age: Duration) -> Result<u64, StoreError> {
        let mut cmd = timed_script(EXPIRE);
        cmd.arg(3)
            .arg(self.keys.messages(ck))
            .arg(self.keys.parked_at(ck))
            .arg(self.keys.parked_dropped(ck))
            .arg(millis(max_age));
        self.link.idempotent(|con| cmd.query(con))
    }
}
