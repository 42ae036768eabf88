//! The catalog (`lnr_topic:{topic}:addr`: which addresses serve a topic, under which unique
//! name) and the sender's reconnect hints (`lnr_sender:{unique}:{src_topic}:listener`).
//!
//! A hint maps a listener address to `{topic}\x1f{listener_name}`, liner 1.4's format, so a
//! sender restarted while the listener is away still knows whom to park for (the catalog
//! row is gone by then). Hints written before that format hold the topic alone; they are
//! read as a hint without a name and rewritten the next time the catalog confirms the row.
//! Names cannot contain control characters, so `\x1f` is never part of a topic.

use std::collections::BTreeMap;

use redis::Commands;

use super::{Store, StoreError};

/// Separates the topic from the listener name in a hint's value (liner 1.4's choice).
const HINT_SEPARATOR: char = '\x1f';

/// One reconnect hint of a sender: where a listener was, on which topic, under which name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListenerHint {
    /// The listener's address as the catalog published it.
    pub addr: String,
    /// The topic the sender reached the listener on.
    pub topic: String,
    /// The listener's unique name; `None` for a hint in the older topic-only format.
    pub listener: Option<String>,
}

impl ListenerHint {
    /// Reads a hint field (`addr`) and value (`topic\x1fname`, or the older `topic`).
    pub fn parse(addr: String, value: &str) -> Self {
        let (topic, listener) = match value.split_once(HINT_SEPARATOR) {
            Some((topic, name)) if !name.is_empty() => (topic, Some(name.to_string())),
            Some((topic, _)) => (topic, None),
            None => (value, None),
        };
        ListenerHint {
            addr,
            topic: topic.to_string(),
            listener,
        }
    }

    /// The stored value of a hint for `listener` on `topic`.
    pub fn value(topic: &str, listener: &str) -> String {
        format!("{topic}{HINT_SEPARATOR}{listener}")
    }
}

impl Store {
    /// The catalog of `topic`: (address, unique_name) pairs sorted by address.
    pub fn addresses(&mut self, topic: &str) -> Result<Vec<(String, String)>, StoreError> {
        let key = self.keys.topic_addresses(topic);
        let map: BTreeMap<String, String> = self.link.idempotent(|con| con.hgetall(&key))?;
        Ok(map.into_iter().collect())
    }

    /// Deletes the whole catalog of `topic`, with the liveness of its rows.
    pub fn clear_addresses_of_topic(&mut self, topic: &str) -> Result<(), StoreError> {
        let keys = [
            self.keys.topic_addresses(topic),
            self.keys.topic_live(topic),
            self.keys.topic_since(topic),
        ];
        self.link.idempotent(|con| con.del::<_, ()>(&keys))
    }

    /// Remembers that the sender (`unique`, `src_topic`) talks to the listener `listener`
    /// on `listener_topic` at `listener_addr`, so a restarted sender knows whom to reconnect
    /// to for its backlog, and whom to park for while that listener is away.
    pub fn remember_listener(
        &mut self,
        unique: &str,
        src_topic: &str,
        listener_addr: &str,
        listener_topic: &str,
        listener: &str,
    ) -> Result<(), StoreError> {
        let key = self.keys.sender_listeners(unique, src_topic);
        let value = ListenerHint::value(listener_topic, listener);
        self.link
            .idempotent(|con| con.hset::<_, _, _, ()>(&key, listener_addr, &value))
    }

    /// Forgets the hint for `listener_addr` if it is about `listener_topic` (the listener
    /// left that topic on purpose, so nothing should be parked for it there any more).
    pub fn forget_listener(
        &mut self,
        unique: &str,
        src_topic: &str,
        listener_addr: &str,
        listener_topic: &str,
    ) -> Result<(), StoreError> {
        let key = self.keys.sender_listeners(unique, src_topic);
        let value: Option<String> = self.link.idempotent(|con| con.hget(&key, listener_addr))?;
        let hint = value.map(|v| ListenerHint::parse(listener_addr.to_string(), &v));
        if hint.is_none_or(|hint| hint.topic != listener_topic) {
            return Ok(());
        }
        self.link
            .idempotent(|con| con.hdel::<_, _, ()>(&key, listener_addr))
    }

    /// The sender's reconnect hints, sorted by address.
    pub fn listeners_of(
        &mut self,
        unique: &str,
        src_topic: &str,
    ) -> Result<Vec<ListenerHint>, StoreError> {
        let key = self.keys.sender_listeners(unique, src_topic);
        let map: BTreeMap<String, String> = self.link.idempotent(|con| con.hgetall(&key))?;
        Ok(map
            .into_iter()
            .map(|(addr, value)| ListenerHint::parse(addr, &value))
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::ListenerHint;

    fn hint(addr: &str, topic: &str, listener: Option<&str>) -> ListenerHint {
        ListenerHint {
            addr: addr.into(),
            topic: topic.into(),
            listener: listener.map(Into::into),
        }
    }

    #[test]
    fn reads_liner_1_4_hints() {
        let parsed = ListenerHint::parse("127.0.0.1:5000".into(), "orders\x1fnode-a");
        assert_eq!(parsed, hint("127.0.0.1:5000", "orders", Some("node-a")));
    }

    #[test]
    fn reads_topic_only_hints_without_a_name() {
        let parsed = ListenerHint::parse("a:1".into(), "orders");
        assert_eq!(parsed, hint("a:1", "orders", None));
        let parsed = ListenerHint::parse("a:1".into(), "orders\x1f");
        assert_eq!(parsed, hint("a:1", "orders", None));
    }

    #[test]
    fn writes_what_it_reads() {
        let value = ListenerHint::value("orders", "node-a");
        assert_eq!(value, "orders\x1fnode-a");
        assert_eq!(
            ListenerHint::parse("a:1".into(), &value),
            hint("a:1", "orders", Some("node-a"))
        );
    }
}
