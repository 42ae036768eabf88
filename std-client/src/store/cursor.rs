//! Per-connection sequence numbers: the listener's cursor (`lnr_connection:{ck}:mess_number`,
//! last seq delivered to the callback) and the sender's seq reservation
//! (`lnr_connection:{ck}:last_seq`: no seq above it was ever assigned, so a restarted sender
//! that numbers from there never reuses one). A missing key reads as 0: nothing delivered /
//! nothing assigned yet.
//!
//! Both only ever grow: they are written with a script that raises the stored value and
//! never lowers it, so a late or retried write cannot move a cursor backwards.

use redis::Commands;

use super::{Store, StoreError};

/// Raises KEYS[1] to at least ARGV[1] in one server-side step (never lowers it). Values are
/// compared as decimal strings (longer is larger, then lexicographic), which is exact over
/// the whole u64 range where `tonumber` would round above 2^53.
const RAISE_SCRIPT: &str = "local c = redis.call('GET', KEYS[1]) or '0' \
    local v = ARGV[1] \
    if #v > #c or (#v == #c and v > c) then redis.call('SET', KEYS[1], v) end \
    return 1";

impl Store {
    /// The listener's cursor of connection `ck` (0 when none was saved).
    pub fn load_cursor(&mut self, ck: u64) -> Result<u64, StoreError> {
        self.load_seq(&self.keys.cursor(ck))
    }

    /// Saves the listener's cursor of connection `ck` (a lower value than the stored one is
    /// ignored).
    pub fn save_cursor(&mut self, ck: u64, seq: u64) -> Result<(), StoreError> {
        self.raise(&self.keys.cursor(ck), seq)
    }

    /// The sender's seq reservation on connection `ck` (0 when none was saved).
    pub fn load_last_seq(&mut self, ck: u64) -> Result<u64, StoreError> {
        self.load_seq(&self.keys.last_seq(ck))
    }

    /// Raises the sender's seq reservation on connection `ck` to `seq`, confirmed durable
    /// like parked frames: a reservation a failover lost would let a restarted sender reuse
    /// seqs the listener already has.
    pub fn save_last_seq(&mut self, ck: u64, seq: u64) -> Result<(), StoreError> {
        let key = self.keys.last_seq(ck);
        let wanted = self.replicas_wanted(&key)?;
        self.raise(&key, seq)?;
        self.confirm_durable(&key, wanted)
    }

    fn load_seq(&mut self, key: &str) -> Result<u64, StoreError> {
        let seq: Option<u64> = self.link.idempotent(|con| con.get(key))?;
        Ok(seq.unwrap_or(0))
    }

    /// Raises `key` to at least `value`; safe to repeat.
    pub(super) fn raise(&mut self, key: &str, value: u64) -> Result<(), StoreError> {
        self.link.idempotent(|con| {
            redis::cmd("EVAL")
                .arg(RAISE_SCRIPT)
                .arg(1)
                .arg(key)
                .arg(value)
                .query::<i64>(con)
                .map(drop)
        })
    }
}
