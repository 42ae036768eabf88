//! Offline queues: `lnr_connection:{ck}:messages`, one LIST element per already-encoded wire
//! frame (opaque bytes here), oldest first. The sender spills frames for an unreachable
//! listener, later reads them back in batches, and trims them only once the listener acked.
//!
//! Frames must be distinct within a queue (each carries its own seq): after a connection break
//! during a spill, the queue's tail tells whether the in-flight `RPUSH` took effect.

use std::collections::BTreeMap;

use redis::{Commands, RedisResult, Value};

use super::catalog::ListenerHint;
use super::conn::Conn;
use super::error::SpillError;
use super::keys::Layout;
use super::scan::scan_keys;
use super::{Store, StoreError};

/// Most frames per `RPUSH`: one round trip each, short enough not to stall the server.
const SPILL_CHUNK_FRAMES: usize = 1000;
/// Most payload bytes per `RPUSH` (a chunk closes after the frame that crosses this).
const SPILL_CHUNK_BYTES: usize = 1 << 20;
/// Pops acknowledged frames (ARGV[1] expected, seq <= ARGV[2]) from the head of KEYS[1].
/// Fast path: the n-th element is the last acknowledged frame, one `LTRIM`; otherwise pop
/// one by one. An element that is no Data frame at the head goes too (the drain reported
/// and skipped it).
const TRIM_SCRIPT: &str = concat!(
    lua_seq_of!(),
    "local n, upto = tonumber(ARGV[1]), tonumber(ARGV[2]) \
    if n > 0 and seq_of(redis.call('LINDEX', KEYS[1], n - 1)) == upto \
        and (seq_of(redis.call('LINDEX', KEYS[1], n)) or upto + 1) > upto then \
      redis.call('LTRIM', KEYS[1], n, -1) \
      return n \
    end \
    local popped = 0 \
    while true do \
      local e = redis.call('LINDEX', KEYS[1], 0) \
      if not e then return popped end \
      local seq = seq_of(e) \
      if seq and seq > upto then return popped end \
      redis.call('LPOP', KEYS[1]) \
      popped = popped + 1 \
    end"
);
/// Reads up to ARGV[3] elements of KEYS[1] from the first one the drain does not hold yet:
/// the first that is not a Data frame with seq <= ARGV[2] (the last seq read into the drain
/// window). ARGV[1] is where the caller's counters put it: checked with two `LINDEX` (the
/// element before it is no frame above ARGV[2], the one at it no frame up to ARGV[2]) and
/// used when right; otherwise the head is scanned. The list is in seq order, so the two
/// agree whenever the hint is right. Returns `{start, LLEN, elements}`.
const READ_AFTER_SCRIPT: &str = concat!(
    lua_seq_of!(),
    "local key = KEYS[1] \
    local hint, after, count = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]) \
    local len = redis.call('LLEN', key) \
    local function held(i) \
      local s = seq_of(redis.call('LINDEX', key, i)) \
      return s ~= nil and s <= after \
    end \
    local function ahead(i) \
      local s = seq_of(redis.call('LINDEX', key, i)) \
      return s ~= nil and s > after \
    end \
    local start = hint \
    if hint > len or (hint > 0 and ahead(hint - 1)) or (hint < len and held(hint)) then \
      start = 0 \
      while start < len do \
        local chunk = redis.call('LRANGE', key, start, start + 511) \
        local i = 1 \
        while i <= #chunk do \
          local s = seq_of(chunk[i]) \
          if not s or s > after then break end \
          i = i + 1 \
        end \
        start = start + i - 1 \
        if i <= #chunk or #chunk == 0 then break end \
      end \
    end \
    local out = {} \
    if count > 0 then out = redis.call('LRANGE', key, start, start + count - 1) end \
    return {start, len, out}"
);

/// Where [`Store::read_backlog_after`] found the frames it returned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BacklogPosition {
    /// Index of the first frame returned (of the element after the last one already read).
    pub start: u64,
    /// Length of the queue when it was read.
    pub len: u64,
}

/// What one sender channel still has queued in Redis for one listener.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeerBacklog {
    /// The listener's unique name (from the connection key).
    pub listener_unique: String,
    /// The listener's address: where the catalog shows it, else, while it is away, where
    /// this sender last met it (its reconnect hint). `None` only when the sender has no
    /// hint naming it (one written before hints carried the listener's name).
    pub listener_addr: Option<String>,
    /// The topic this sender reaches the listener on (known when `listener_addr` is).
    pub listener_topic: Option<String>,
    /// The connection key of the channel.
    pub connection_key: u64,
    /// Frames waiting in `lnr_connection:{ck}:messages`.
    pub count: u64,
}

impl Store {
    /// Appends `frames`, in order, to the offline queue of `ck`; returns how many were stored.
    ///
    /// Frames go out in chunks of up to 1000 per `RPUSH` (one round trip each). A chunk in
    /// flight when the connection breaks is checked against the queue's tail after one
    /// reconnect and pushed again only if it is missing. On failure, `SpillError::stored`
    /// frames from the start of the batch are in Redis; if even the check failed, the chunk
    /// after them may also be there, and a retry can store it twice (the listener drops
    /// duplicates by seq).
    pub fn spill<'f>(
        &mut self,
        ck: u64,
        frames: impl IntoIterator<Item = &'f [u8]>,
    ) -> Result<usize, SpillError> {
        let key = self.keys.messages(ck);
        let mut frames = frames.into_iter().peekable();
        if frames.peek().is_none() {
            return Ok(0);
        }
        let wanted = self
            .replicas_wanted(&key)
            .map_err(|error| SpillError { stored: 0, error })?;
        let mut stored = 0;
        while frames.peek().is_some() {
            self.push.clear();
            self.push.arg("RPUSH").arg(&key);
            let (mut count, mut bytes) = (0, 0);
            let mut last: &[u8] = &[];
            while count < SPILL_CHUNK_FRAMES && bytes < SPILL_CHUNK_BYTES {
                let Some(frame) = frames.next() else { break };
                self.push.arg(frame);
                (count, bytes, last) = (count + 1, bytes + frame.len(), frame);
            }
            self.push_chunk(&key, last, wanted)
                .map_err(|error| SpillError { stored, error })?;
            stored += count;
        }
        Ok(stored)
    }

    /// Sends the prepared `RPUSH` and has `wanted` replicas confirm it. A single `RPUSH` is atomic,
    /// so after a break either the whole chunk is in the list (its tail is `last`) or none of
    /// it. A chunk that is in the list but was not confirmed durable is not pushed again by
    /// the retry (its tail is checked first), only confirmed.
    fn push_chunk(&mut self, key: &str, last: &[u8], wanted: u32) -> Result<(), StoreError> {
        let retrying = self.unconfirmed.take().is_some_and(|k| k == key);
        if retrying {
            self.push_unless_tail(key, last)?;
        } else {
            let con = self.link.connection()?;
            if let Err(err) = self.push.query::<u64>(con) {
                let err = self.link.fail(&err);
                if !matches!(err, StoreError::ConnectionLost(_)) {
                    return Err(err);
                }
                self.push_unless_tail(key, last)?;
            }
        }
        self.confirm_durable(key, wanted).inspect_err(|_| {
            self.unconfirmed = Some(key.to_string());
        })
    }

    /// Pushes the prepared chunk unless the list already ends with `last`.
    fn push_unless_tail(&mut self, key: &str, last: &[u8]) -> Result<(), StoreError> {
        let con = self.link.connection()?;
        let checked = con.lindex::<_, Option<Vec<u8>>>(key, -1).and_then(|tail| {
            if tail.as_deref() == Some(last) {
                Ok(())
            } else {
                self.push.query::<u64>(con).map(drop)
            }
        });
        checked.map_err(|e| self.link.fail(&e))
    }

    /// Number of frames in the offline queue of `ck`.
    pub fn backlog_len(&mut self, ck: u64) -> Result<u64, StoreError> {
        let key = self.keys.messages(ck);
        self.link.idempotent(|con| con.llen(&key))
    }

    /// Replaces the contents of `out` with up to `count` frames of the queue of `ck`, starting
    /// at index `start` (0 = oldest); returns how many were read. The queue is not changed.
    pub fn read_backlog(
        &mut self,
        ck: u64,
        start: usize,
        count: usize,
        out: &mut Vec<Vec<u8>>,
    ) -> Result<usize, StoreError> {
        out.clear();
        if count == 0 {
            return Ok(0);
        }
        let key = self.keys.messages(ck);
        let stop = start.saturating_add(count - 1);
        let reply: Value = self.link.idempotent(|con| {
            redis::cmd("LRANGE")
                .arg(&key)
                .arg(start)
                .arg(stop)
                .query(con)
        })?;
        let Value::Array(items) = reply else {
            return Err(StoreError::Command(format!("LRANGE answered {reply:?}")));
        };
        for item in items {
            match item {
                // Moving the parsed buffer avoids copying the frame.
                Value::BulkString(frame) => out.push(frame),
                other => return Err(StoreError::Command(format!("LRANGE item {other:?}"))),
            }
        }
        Ok(out.len())
    }

    /// Replaces the contents of `out` with up to `count` frames of the queue of `ck` that
    /// follow the ones already read: the frames from the first element that is not a Data
    /// frame with seq at most `after`. `hint` is where the caller believes that element is
    /// (cheap when right, a scan of the head when not). Returns where the frames start and
    /// the queue's length, both as Redis has them now.
    ///
    /// Unlike an index, `after` stays right whatever left the head of the queue meanwhile
    /// (a trim whose reply was lost, data Redis lost), so a read never skips a frame.
    pub fn read_backlog_after(
        &mut self,
        ck: u64,
        hint: u64,
        after: u64,
        count: usize,
        out: &mut Vec<Vec<u8>>,
    ) -> Result<BacklogPosition, StoreError> {
        out.clear();
        let key = self.keys.messages(ck);
        let reply: Value = self.link.idempotent(|con| {
            redis::cmd("EVAL")
                .arg(READ_AFTER_SCRIPT)
                .arg(1)
                .arg(&key)
                .arg(hint)
                .arg(after)
                .arg(count)
                .query(con)
        })?;
        let bad = |reply: &Value| StoreError::Command(format!("backlog read answered {reply:?}"));
        let Value::Array(mut parts) = reply else {
            return Err(bad(&reply));
        };
        let (Some(Value::Array(items)), Some(Value::Int(len)), Some(Value::Int(start))) =
            (parts.pop(), parts.pop(), parts.pop())
        else {
            return Err(bad(&Value::Array(parts)));
        };
        for item in items {
            match item {
                Value::BulkString(frame) => out.push(frame),
                other => return Err(StoreError::Command(format!("backlog item {other:?}"))),
            }
        }
        Ok(BacklogPosition {
            start: start.max(0) as u64,
            len: len.max(0) as u64,
        })
    }

    /// Removes the frames at the head of the queue of `ck` whose seq is at most `upto`
    /// (the ones the listener acknowledged; `n` of them are expected) and returns how many
    /// it removed. Idempotent, so it is safe to repeat after a lost reply: a repeat finds
    /// the acknowledged frames gone and removes nothing. Duplicates stored by a repeated
    /// spill go with the frames they copy.
    pub fn trim_backlog(&mut self, ck: u64, n: usize, upto: u64) -> Result<u64, StoreError> {
        let key = self.keys.messages(ck);
        self.link.idempotent(|con| {
            redis::cmd("EVAL")
                .arg(TRIM_SCRIPT)
                .arg(1)
                .arg(&key)
                .arg(n)
                .arg(upto)
                .query(con)
        })
    }

    /// Deletes every offline queue of the sender (`unique`, `src_topic`); returns how many
    /// queues existed. Connection keys, cursors and last seqs stay, so seqs are never reused.
    pub fn clear_stored_messages(
        &mut self,
        unique: &str,
        src_topic: &str,
    ) -> Result<u64, StoreError> {
        let keys = self.keys;
        self.link.idempotent(|con| {
            let queues: Vec<String> = sender_connections(con, keys, unique, src_topic)?
                .into_iter()
                .map(|(_, ck)| keys.messages(ck))
                .collect();
            if queues.is_empty() {
                return Ok(0);
            }
            con.del(queues)
        })
    }

    /// Total frames the sender (`unique`, `src_topic`) has queued in Redis for all listeners.
    pub fn pending_count(&mut self, unique: &str, src_topic: &str) -> Result<u64, StoreError> {
        let keys = self.keys;
        self.link.idempotent(|con| {
            let channels = sender_connections(con, keys, unique, src_topic)?;
            Ok(queue_lengths(con, keys, &channels)?.into_iter().sum())
        })
    }

    /// The sender's queued frames per listener, for listeners with at least one frame queued,
    /// sorted by listener unique name, each with its address and topic also while it is
    /// away (see `listener_locations`).
    pub fn pending_by_peer(
        &mut self,
        unique: &str,
        src_topic: &str,
    ) -> Result<Vec<PeerBacklog>, StoreError> {
        let keys = self.keys;
        self.link.idempotent(|con| {
            let channels = sender_connections(con, keys, unique, src_topic)?;
            let lengths = queue_lengths(con, keys, &channels)?;
            if lengths.iter().all(|&count| count == 0) {
                return Ok(Vec::new());
            }
            let mut locations = listener_locations(con, keys, unique, src_topic)?;
            let peers = channels
                .into_iter()
                .zip(lengths)
                .filter(|(_, count)| *count > 0);
            Ok(peers
                .map(|((listener, ck), count)| {
                    let (addr, topic) = locations.remove(&listener).unzip();
                    PeerBacklog {
                        listener_unique: listener,
                        listener_addr: addr,
                        listener_topic: topic,
                        connection_key: ck,
                        count,
                    }
                })
                .collect())
        })
    }
}

/// (listener unique name, connection key) of every channel of the sender, sorted by name.
fn sender_connections(
    con: &mut Conn,
    keys: Layout,
    unique: &str,
    src_topic: &str,
) -> RedisResult<Vec<(String, u64)>> {
    let pattern = keys.connection_keys_pattern(unique, src_topic);
    let found = scan_keys(con, &pattern)?;
    if found.is_empty() {
        return Ok(Vec::new());
    }
    let cks: Vec<Option<u64>> = redis::cmd("MGET").arg(&found).query(con)?;
    let mut channels: Vec<(String, u64)> = found
        .iter()
        .zip(cks)
        .filter_map(|(key, ck)| {
            let listener = keys.listener_of_connection_key(key, unique, src_topic)?;
            Some((listener.to_string(), ck?))
        })
        .collect();
    channels.sort_unstable();
    Ok(channels)
}

/// `LLEN` of each channel's queue. One command at a time rather than a pipeline: the
/// `redis` crate waits out the read timeout once per pipelined reply on a stalled server.
fn queue_lengths(
    con: &mut Conn,
    keys: Layout,
    channels: &[(String, u64)],
) -> RedisResult<Vec<u64>> {
    channels
        .iter()
        .map(|(_, ck)| con.llen(keys.messages(*ck)))
        .collect()
}

/// Listener unique name → (address, topic) for every listener the sender's reconnect hints
/// know, from the best source there is:
/// 1. the catalog confirms a hint: the row at the hinted address of the hinted topic is
///    that listener's now (for a topic-only hint, the row names the listener);
/// 2. the catalog of a hinted topic shows the hinted listener at another address (it came
///    back on another port and this sender has not met it there yet);
/// 3. the hint alone: the listener is away (stopped cleanly, or killed and its row
///    removed) and this is where, and on which topic, the sender last met it. A listener
///    hinted at several addresses (restarts on other ports) gets the first by address.
///
/// Each hinted topic's catalog is read once. Only a topic-only hint (written before hints
/// named the listener) without a catalog row leaves its listener unlocated.
fn listener_locations(
    con: &mut Conn,
    keys: Layout,
    unique: &str,
    src_topic: &str,
) -> RedisResult<BTreeMap<String, (String, String)>> {
    let stored: BTreeMap<String, String> = con.hgetall(keys.sender_listeners(unique, src_topic))?;
    let hints: Vec<ListenerHint> = stored
        .into_iter()
        .map(|(addr, value)| ListenerHint::parse(addr, &value))
        .collect();
    let mut catalogs: BTreeMap<&str, BTreeMap<String, String>> = BTreeMap::new();
    for hint in &hints {
        if !catalogs.contains_key(hint.topic.as_str()) {
            let rows = con.hgetall(keys.topic_addresses(&hint.topic))?;
            catalogs.insert(&hint.topic, rows);
        }
    }
    let mut located = BTreeMap::new();
    for hint in &hints {
        if let Some(name) = catalogs[hint.topic.as_str()].get(&hint.addr) {
            located
                .entry(name.clone())
                .or_insert_with(|| (hint.addr.clone(), hint.topic.clone()));
        }
    }
    for hint in &hints {
        let Some(name) = hint.listener.as_ref().filter(|n| !located.contains_key(*n)) else {
            continue;
        };
        let rows = &catalogs[hint.topic.as_str()];
        if let Some((addr, _)) = rows.iter().find(|(_, row_name)| *row_name == name) {
            located.insert(name.clone(), (addr.clone(), hint.topic.clone()));
        }
    }
    for hint in hints {
        if let Some(name) = hint.listener {
            located.entry(name).or_insert((hint.addr, hint.topic));
        }
    }
    Ok(located)
}
