//! Race-free allocation of topic keys and connection keys from the `lnr_unique_key` counter.
//!
//! get-or-create is `GET`, else `INCR` a candidate and `SET NX` it: whoever sets first wins
//! and everybody else reads the winner's value, so concurrent clients always agree. A losing
//! candidate only leaves a gap in the counter. Every step is safe to repeat after a reconnect.

use redis::{Commands, RedisResult};

use super::conn::Conn;

use super::{Store, StoreError, keys};

/// Attempts before giving up when the key keeps vanishing between `SET NX` and `GET`
/// (only possible if someone deletes it concurrently).
const MAX_ATTEMPTS: usize = 8;

impl Store {
    /// After Redis lost its data: writes back a topic or connection key this client still
    /// uses (`key` is the full key name, e.g. from [`super::keys::Layout::topic_key`]) unless someone set
    /// it meanwhile, and lifts `lnr_unique_key` to at least `value` so later allocations
    /// never hand out a number that is still in use.
    pub fn restore_key(&mut self, key: &str, value: u64) -> Result<(), StoreError> {
        self.link
            .idempotent(|con| con.set_nx::<_, _, bool>(key, value).map(drop))?;
        self.lift_key_counter(value)
    }

    /// Raises `lnr_unique_key` to at least `value` (a key known to be in use).
    pub fn lift_key_counter(&mut self, value: u64) -> Result<(), StoreError> {
        self.raise(keys::UNIQUE_KEY_COUNTER, value)
    }

    /// The numeric key of `topic` (`lnr_topic:{topic}:key`), allocated on first use.
    pub fn topic_key(&mut self, topic: &str) -> Result<u64, StoreError> {
        let key = self.keys.topic_key(topic);
        self.link.idempotent(|con| get_or_allocate(con, &key))
    }

    /// The connection key of the channel sender (`sender_unique`, `src_topic`) → listener
    /// `listener_name`, allocated on first use; also records the sender topic under
    /// `lnr_connection:{ck}:sender`.
    pub fn connection_key(
        &mut self,
        sender_unique: &str,
        src_topic: &str,
        listener_name: &str,
    ) -> Result<u64, StoreError> {
        let keys = self.keys;
        let key = keys.connection_key(sender_unique, src_topic, listener_name);
        self.link.idempotent(|con| {
            let ck = get_or_allocate(con, &key)?;
            con.set::<_, _, ()>(keys.connection_sender(ck), src_topic)?;
            Ok(ck)
        })
    }
}

fn get_or_allocate(con: &mut Conn, key: &str) -> RedisResult<u64> {
    for _ in 0..MAX_ATTEMPTS {
        if let Some(existing) = con.get::<_, Option<u64>>(key)? {
            return Ok(existing);
        }
        let candidate: u64 = con.incr(keys::UNIQUE_KEY_COUNTER, 1)?;
        if con.set_nx::<_, _, bool>(key, candidate)? {
            return Ok(candidate);
        }
    }
    Err(redis::RedisError::from((
        redis::ErrorKind::Client,
        "key allocation did not settle",
        key.to_string(),
    )))
}
