//! Per-connection sequence numbers: the listener's cursor (`lnr_connection:{ck}:mess_number`,
//! last seq delivered to the callback) and the sender's last assigned seq
//! (`lnr_connection:{ck}:last_seq`, so a restarted sender never reuses a seq).
//! A missing key reads as 0: nothing delivered / nothing assigned yet.

use redis::Commands;

use super::{Store, StoreError, keys};

impl Store {
    /// The listener's cursor of connection `ck` (0 when none was saved).
    pub fn load_cursor(&mut self, ck: u64) -> Result<u64, StoreError> {
        self.load_seq(&keys::cursor(ck))
    }

    /// Saves the listener's cursor of connection `ck`.
    pub fn save_cursor(&mut self, ck: u64, seq: u64) -> Result<(), StoreError> {
        self.save_seq(&keys::cursor(ck), seq)
    }

    /// The last seq the sender assigned on connection `ck` (0 when none was saved).
    pub fn load_last_seq(&mut self, ck: u64) -> Result<u64, StoreError> {
        self.load_seq(&keys::last_seq(ck))
    }

    /// Saves the last seq the sender assigned on connection `ck`.
    pub fn save_last_seq(&mut self, ck: u64, seq: u64) -> Result<(), StoreError> {
        self.save_seq(&keys::last_seq(ck), seq)
    }

    fn load_seq(&mut self, key: &str) -> Result<u64, StoreError> {
        let seq: Option<u64> = self.link.idempotent(|con| con.get(key))?;
        Ok(seq.unwrap_or(0))
    }

    fn save_seq(&mut self, key: &str, seq: u64) -> Result<(), StoreError> {
        self.link.idempotent(|con| con.set::<_, _, ()>(key, seq))
    }
}
