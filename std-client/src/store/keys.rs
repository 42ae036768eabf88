//! The Redis key layout: the one place that knows how liner names its keys. Operators rely on
//! these names (`redis-cli HGETALL lnr_topic:T:addr`), so they follow the seed exactly.
//!
//! | key | type | content |
//! |---|---|---|
//! | `lnr_topic:{topic}:addr` | HASH | published address → unique_name (the catalog) |
//! | `lnr_topic:{topic}:key` | STRING | topic key (wire `topic_key`) |
//! | `lnr_unique_key` | STRING | counter every topic and connection key is drawn from |
//! | `lnr_retention:lease` | STRING, PX | the client running the retention sweep (liner addition) |
//! | `lnr_connection:{unique}:{src_topic}:{listener}:key` | STRING | connection key `ck` |
//! | `lnr_connection:{ck}:sender` | STRING | the sender's topic |
//! | `lnr_connection:{ck}:mess_number` | STRING | listener cursor: last delivered seq |
//! | `lnr_connection:{ck}:last_seq` | STRING | sender: seq reservation, no seq above it was assigned (liner addition) |
//! | `lnr_connection:{ck}:messages` | LIST | offline frames, oldest first |
//! | `lnr_connection:{ck}:parked_at` | ZSET | with `max_parked_age`: last seq of each parked chunk → `{seq}:{unix ms}` (liner addition) |
//! | `lnr_connection:{ck}:dropped` | STRING | parked messages dropped by a queue limit or retention (liner addition) |
//! | `lnr_sender:{unique}:{src_topic}:listener` | HASH | listener address → `{topic}\x1f{listener}` |
//! | `lnr_topic:{topic}:live` | ZSET | catalog address → unix ms until which its client is alive (liner addition) |
//! | `lnr_topic:{topic}:since` | HASH | catalog address → unix ms when it was registered (liner addition) |
//! | `lnr_client:{unique}:alive` | STRING, PX | the address of the running client owning this unique name (liner addition) |
//! | `lnr_client:{unique}:seen` | STRING | unix ms of the client's last heartbeat (liner addition) |
//! | `lnr_client:{unique}:stats` | STRING | the client's counters as of its last heartbeat (liner addition) |
//!
//! In the table `{x}` stands for the value. On a standalone server (or one found through
//! Sentinel) the value is written bare: `lnr_connection:7:messages`, byte for byte as liner
//! 1.4 wrote it. On a Redis Cluster ([`Layout::Cluster`]) the first variable part of each key
//! keeps its braces and becomes the key's hash tag: `lnr_connection:{7}:messages`,
//! `lnr_topic:{orders}:addr`, `lnr_connection:{sensor-1}:orders:panel:key`. So the keys of one
//! topic, of one channel and of one client each share a hash slot, and every script and
//! multi-key command stays within one slot. `lnr_unique_key` and `lnr_retention:lease` are
//! single keys and keep their names.
//!
//! Peer events travel on the Pub/Sub channel `lnr_events:{db}`: Pub/Sub ignores `SELECT`, so
//! the database number keeps clients of different databases apart. A cluster has only
//! database 0, and classic Pub/Sub reaches subscribers on every node.

use std::fmt;

/// Held (with a TTL) by the client running the retention sweep of the database.
pub const SWEEP_LEASE: &str = "lnr_retention:lease";

/// Counter that topic keys and connection keys are allocated from.
pub const UNIQUE_KEY_COUNTER: &str = "lnr_unique_key";

/// How key names carry their variable part; see the module docs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// One server (also behind Sentinel): the seed's names, values written bare.
    Standalone,
    /// Redis Cluster: the first variable part is a hash tag, `{value}`.
    Cluster,
}

/// A key's variable part as the layout writes it (formats without allocating).
struct Tag<T>(Layout, T);

impl<T: fmt::Display> fmt::Display for Tag<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Layout::Standalone => write!(f, "{}", self.1),
            Layout::Cluster => write!(f, "{{{}}}", self.1),
        }
    }
}

impl Layout {
    fn tag<T: fmt::Display>(self, value: T) -> Tag<T> {
        Tag(self, value)
    }

    /// The value inside a part written by [`Layout::tag`].
    fn untag(self, part: &str) -> Option<&str> {
        match self {
            Layout::Standalone => Some(part),
            Layout::Cluster => part.strip_prefix('{')?.strip_suffix('}'),
        }
    }

    /// Catalog of a topic: HASH published address → unique_name.
    pub fn topic_addresses(self, topic: &str) -> String {
        format!("lnr_topic:{}:addr", self.tag(topic))
    }

    /// The topic's numeric key.
    pub fn topic_key(self, topic: &str) -> String {
        format!("lnr_topic:{}:key", self.tag(topic))
    }

    /// The connection key of the channel sender (`unique`, `src_topic`) → listener `listener`.
    pub fn connection_key(self, unique: &str, src_topic: &str, listener: &str) -> String {
        format!(
            "{}{listener}:key",
            self.connection_key_prefix(unique, src_topic)
        )
    }

    /// SCAN pattern matching every connection key of the sender (`unique`, `src_topic`).
    pub fn connection_keys_pattern(self, unique: &str, src_topic: &str) -> String {
        let prefix = self.connection_key_prefix(unique, src_topic);
        let mut pattern = String::with_capacity(prefix.len() + 8);
        for c in prefix.chars() {
            if matches!(c, '*' | '?' | '[' | ']' | '\\') {
                pattern.push('\\');
            }
            pattern.push(c);
        }
        pattern.push_str("*:key");
        pattern
    }

    /// The listener name inside a key produced by [`Layout::connection_key`] for this sender.
    pub fn listener_of_connection_key<'k>(
        self,
        key: &'k str,
        unique: &str,
        src_topic: &str,
    ) -> Option<&'k str> {
        key.strip_prefix(&self.connection_key_prefix(unique, src_topic))?
            .strip_suffix(":key")
    }

    fn connection_key_prefix(self, unique: &str, src_topic: &str) -> String {
        format!("lnr_connection:{}:{src_topic}:", self.tag(unique))
    }

    /// The sender topic of connection `ck`.
    pub fn connection_sender(self, ck: u64) -> String {
        format!("lnr_connection:{}:sender", self.tag(ck))
    }

    /// The listener's cursor (last delivered seq) of connection `ck`.
    pub fn cursor(self, ck: u64) -> String {
        format!("lnr_connection:{}:mess_number", self.tag(ck))
    }

    /// The last seq the sender assigned on connection `ck`.
    pub fn last_seq(self, ck: u64) -> String {
        format!("lnr_connection:{}:last_seq", self.tag(ck))
    }

    /// The offline queue of connection `ck`.
    pub fn messages(self, ck: u64) -> String {
        format!("lnr_connection:{}:messages", self.tag(ck))
    }

    /// When each chunk of `ck`'s parked frames was parked (for `Config::max_parked_age`).
    pub fn parked_at(self, ck: u64) -> String {
        format!("lnr_connection:{}:parked_at", self.tag(ck))
    }

    /// How many parked messages of `ck` a queue limit or the retention sweep dropped.
    pub fn parked_dropped(self, ck: u64) -> String {
        format!("lnr_connection:{}:dropped", self.tag(ck))
    }

    /// Every key of connection `ck` besides its connection key, for removing the channel.
    pub fn channel_keys(self, ck: u64) -> [String; 6] {
        [
            self.connection_sender(ck),
            self.cursor(ck),
            self.last_seq(ck),
            self.messages(ck),
            self.parked_at(ck),
            self.parked_dropped(ck),
        ]
    }

    /// The sender and listener names of a key made by [`Layout::connection_key`] (names
    /// hold no `:`).
    pub fn channel_ends(self, key: &str) -> Option<(&str, &str)> {
        let rest = key.strip_prefix("lnr_connection:")?.strip_suffix(":key")?;
        let mut parts = rest.split(':');
        let (sender, _topic, listener) = (parts.next()?, parts.next()?, parts.next()?);
        let sender = self.untag(sender)?;
        parts.next().is_none().then_some((sender, listener))
    }

    /// The sender of a key made by [`Layout::sender_listeners`].
    pub fn hint_owner(self, key: &str) -> Option<&str> {
        let rest = key.strip_prefix("lnr_sender:")?.strip_suffix(":listener")?;
        rest.split_once(':')
            .and_then(|(unique, _)| self.untag(unique))
    }

    /// The client of a key made by [`Layout::client_seen`].
    pub fn seen_owner(self, key: &str) -> Option<&str> {
        self.untag(key.strip_prefix("lnr_client:")?.strip_suffix(":seen")?)
    }

    /// The client of a key made by [`Layout::client_stats`].
    pub fn stats_owner(self, key: &str) -> Option<&str> {
        self.untag(key.strip_prefix("lnr_client:")?.strip_suffix(":stats")?)
    }

    /// The topic of a key made by [`Layout::topic_addresses`].
    pub fn catalog_topic(self, key: &str) -> Option<&str> {
        self.untag(key.strip_prefix("lnr_topic:")?.strip_suffix(":addr")?)
    }

    /// Reconnect hints of the sender (`unique`, `src_topic`): HASH listener address → topic
    /// and listener name (see [`super::ListenerHint`]).
    pub fn sender_listeners(self, unique: &str, src_topic: &str) -> String {
        format!("lnr_sender:{}:{src_topic}:listener", self.tag(unique))
    }

    /// Liveness of a topic's catalog rows: ZSET address → unix ms (Redis clock) until which
    /// the client behind the row counts as alive.
    pub fn topic_live(self, topic: &str) -> String {
        format!("lnr_topic:{}:live", self.tag(topic))
    }

    /// When each catalog row of a topic was registered: HASH address → unix ms.
    pub fn topic_since(self, topic: &str) -> String {
        format!("lnr_topic:{}:since", self.tag(topic))
    }

    /// The owner of a unique name: the published address of the running client, with a TTL.
    pub fn client_alive(self, unique: &str) -> String {
        format!("lnr_client:{}:alive", self.tag(unique))
    }

    /// Unix ms of a client's last heartbeat (kept after it stopped: retention reads it).
    pub fn client_seen(self, unique: &str) -> String {
        format!("lnr_client:{}:seen", self.tag(unique))
    }

    /// `lnr_client:{unique}:stats`: the counters the client published with its last
    /// heartbeat (in the hash slot of its `seen` key).
    pub fn client_stats(self, unique: &str) -> String {
        format!("lnr_client:{}:stats", self.tag(unique))
    }
}

/// Pub/Sub channel of peer events for clients of logical database `db`.
pub fn events_channel(db: i64) -> String {
    format!("lnr_events:{db}")
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: Layout = Layout::Standalone;
    const C: Layout = Layout::Cluster;

    #[test]
    fn standalone_layout_matches_the_seed() {
        assert_eq!(S.topic_addresses("t"), "lnr_topic:t:addr");
        assert_eq!(S.topic_key("t"), "lnr_topic:t:key");
        assert_eq!(
            S.connection_key("u", "src", "l"),
            "lnr_connection:u:src:l:key"
        );
        assert_eq!(S.connection_sender(7), "lnr_connection:7:sender");
        assert_eq!(S.cursor(7), "lnr_connection:7:mess_number");
        assert_eq!(S.messages(7), "lnr_connection:7:messages");
        assert_eq!(S.last_seq(7), "lnr_connection:7:last_seq");
        assert_eq!(S.sender_listeners("u", "src"), "lnr_sender:u:src:listener");
        assert_eq!(S.topic_live("t"), "lnr_topic:t:live");
        assert_eq!(S.topic_since("t"), "lnr_topic:t:since");
        assert_eq!(S.client_alive("u"), "lnr_client:u:alive");
        assert_eq!(S.client_seen("u"), "lnr_client:u:seen");
    }

    #[test]
    fn cluster_layout_tags_the_variable_part() {
        assert_eq!(C.topic_addresses("t"), "lnr_topic:{t}:addr");
        assert_eq!(C.topic_live("t"), "lnr_topic:{t}:live");
        assert_eq!(
            C.connection_key("u", "src", "l"),
            "lnr_connection:{u}:src:l:key"
        );
        assert_eq!(C.messages(7), "lnr_connection:{7}:messages");
        assert_eq!(C.channel_keys(7)[0], "lnr_connection:{7}:sender");
        assert_eq!(C.sender_listeners("u", "s"), "lnr_sender:{u}:s:listener");
        assert_eq!(C.client_seen("u"), "lnr_client:{u}:seen");
    }

    #[test]
    fn owners_are_read_back_from_key_names() {
        for layout in [S, C] {
            let key = layout.connection_key("snd", "src", "lst");
            assert_eq!(layout.channel_ends(&key), Some(("snd", "lst")));
            assert_eq!(layout.channel_ends(&layout.messages(7)), None);
            let hints = layout.sender_listeners("u", "t");
            assert_eq!(layout.hint_owner(&hints), Some("u"));
            assert_eq!(layout.seen_owner(&layout.client_seen("u")), Some("u"));
            assert_eq!(layout.stats_owner(&layout.client_stats("u")), Some("u"));
            let catalog = layout.topic_addresses("t");
            assert_eq!(layout.catalog_topic(&catalog), Some("t"));
        }
        assert_eq!(C.catalog_topic("lnr_topic:t:addr"), None);
    }

    #[test]
    fn pattern_escapes_glob_characters() {
        assert_eq!(
            S.connection_keys_pattern("u", "s"),
            "lnr_connection:u:s:*:key"
        );
        assert_eq!(
            S.connection_keys_pattern("u*", "s?"),
            r"lnr_connection:u\*:s\?:*:key"
        );
        assert_eq!(
            C.connection_keys_pattern("u", "s"),
            "lnr_connection:{u}:s:*:key"
        );
    }

    #[test]
    fn extracts_listener_names() {
        for layout in [S, C] {
            let key = layout.connection_key("u", "s", "listener-1");
            assert_eq!(
                layout.listener_of_connection_key(&key, "u", "s"),
                Some("listener-1")
            );
            assert_eq!(layout.listener_of_connection_key(&key, "u", "other"), None);
        }
    }
}
