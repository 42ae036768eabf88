//! The catalog (`lnr_topic:{topic}:addr`: which addresses serve a topic, under which unique
//! name) and the sender's reconnect hints (`lnr_sender:{unique}:{src_topic}:listener`).

use std::collections::BTreeMap;

use redis::Commands;

use super::{Store, StoreError, keys};

impl Store {
    /// Publishes `addr` as serving `topic` for the client `unique_name`.
    pub fn register(
        &mut self,
        topic: &str,
        addr: &str,
        unique_name: &str,
    ) -> Result<(), StoreError> {
        let key = keys::topic_addresses(topic);
        self.link
            .idempotent(|con| con.hset::<_, _, _, ()>(&key, addr, unique_name))
    }

    /// Withdraws `addr` from the catalog of `topic`.
    pub fn unregister(&mut self, topic: &str, addr: &str) -> Result<(), StoreError> {
        let key = keys::topic_addresses(topic);
        self.link.idempotent(|con| con.hdel::<_, _, ()>(&key, addr))
    }

    /// The catalog of `topic`: (address, unique_name) pairs sorted by address.
    pub fn addresses(&mut self, topic: &str) -> Result<Vec<(String, String)>, StoreError> {
        let key = keys::topic_addresses(topic);
        let map: BTreeMap<String, String> = self.link.idempotent(|con| con.hgetall(&key))?;
        Ok(map.into_iter().collect())
    }

    /// Deletes the whole catalog of `topic`.
    pub fn clear_addresses_of_topic(&mut self, topic: &str) -> Result<(), StoreError> {
        let key = keys::topic_addresses(topic);
        self.link.idempotent(|con| con.del::<_, ()>(&key))
    }

    /// Remembers that the sender (`unique`, `src_topic`) talks to `listener_topic` at
    /// `listener_addr`, so a restarted sender knows whom to reconnect to for its backlog.
    pub fn remember_listener(
        &mut self,
        unique: &str,
        src_topic: &str,
        listener_addr: &str,
        listener_topic: &str,
    ) -> Result<(), StoreError> {
        let key = keys::sender_listeners(unique, src_topic);
        self.link
            .idempotent(|con| con.hset::<_, _, _, ()>(&key, listener_addr, listener_topic))
    }

    /// The sender's reconnect hints: (listener address, listener topic) sorted by address.
    pub fn listeners_of(
        &mut self,
        unique: &str,
        src_topic: &str,
    ) -> Result<Vec<(String, String)>, StoreError> {
        let key = keys::sender_listeners(unique, src_topic);
        let map: BTreeMap<String, String> = self.link.idempotent(|con| con.hgetall(&key))?;
        Ok(map.into_iter().collect())
    }
}
