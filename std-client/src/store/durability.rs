//! When a write counts as safe. Redis replicates asynchronously: a master acknowledges an
//! `RPUSH`, and if it dies before its replica has the write, the replica it fails over to
//! never had it. So after parking a chunk (and after raising a sender's seq reservation, which
//! must never go backwards) the store asks the master with `WAIT` until replicas confirm it,
//! and the sender frees those frames only then.
//!
//! [`ParkDurability::Auto`] waits for one replica when the master has one connected and not
//! at all on a server without replicas (where `WAIT` would only time out).

use std::time::Duration;

use redis::RedisResult;

use super::conn::Conn;
use super::error::StoreError;

/// How many replicas must confirm a parked chunk before its frames are freed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ParkDurability {
    /// One replica when the master holding the queue has a replica connected, else none.
    #[default]
    Auto,
    /// Exactly this many replicas (0: never wait; the master's acknowledgement suffices).
    Replicas(u32),
}

/// A policy with its `WAIT` timeout.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Durability {
    pub(crate) policy: ParkDurability,
    pub(crate) timeout: Duration,
}

impl Default for Durability {
    fn default() -> Self {
        Self {
            policy: ParkDurability::Auto,
            timeout: Duration::from_secs(1),
        }
    }
}

impl Durability {
    /// How many replicas must confirm writes to `key`: the policy's count, or for `Auto` one
    /// when the master holding `key` has a replica connected. Asked once per batch of
    /// writes, not per write.
    pub(crate) fn replicas_wanted(&self, con: &mut Conn, key: &str) -> RedisResult<u32> {
        match self.policy {
            ParkDurability::Replicas(n) => Ok(n),
            ParkDurability::Auto => Ok(connected_replicas(con, key)?.min(1)),
        }
    }

    /// Waits until `wanted` replicas (from [`Durability::replicas_wanted`]) have every write
    /// made on `con` so far (the last of them to `key`). Fails with
    /// [`StoreError::NotDurable`] when fewer confirm within the timeout; the writes stay in
    /// place on the master.
    pub(crate) fn confirm(
        &self,
        con: &mut Conn,
        key: &str,
        wanted: u32,
    ) -> Result<(), DurabilityError> {
        if wanted == 0 {
            return Ok(());
        }
        let ms = u64::try_from(self.timeout.as_millis())
            .unwrap_or(u64::MAX)
            .max(1);
        let mut wait = redis::cmd("WAIT");
        wait.arg(wanted).arg(ms);
        let confirmed: u64 = con.query_for_key(key, &wait)?;
        if confirmed >= u64::from(wanted) {
            Ok(())
        } else {
            Err(DurabilityError::Short(StoreError::NotDurable {
                confirmed,
                wanted,
                timeout_ms: ms,
            }))
        }
    }
}

/// Why [`Durability::confirm`] failed.
pub(crate) enum DurabilityError {
    /// A command failed (map it like any other).
    Redis(redis::RedisError),
    /// Fewer replicas confirmed than required.
    Short(StoreError),
}

impl From<redis::RedisError> for DurabilityError {
    fn from(err: redis::RedisError) -> Self {
        Self::Redis(err)
    }
}

/// `connected_slaves` of the master holding `key`.
fn connected_replicas(con: &mut Conn, key: &str) -> RedisResult<u32> {
    let info: String = con.query_for_key(key, redis::cmd("INFO").arg("replication"))?;
    Ok(info
        .lines()
        .find_map(|line| line.strip_prefix("connected_slaves:"))
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or(0))
}
