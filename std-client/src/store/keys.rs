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
//!
//! Peer events travel on the Pub/Sub channel `lnr_events:{db}`: Pub/Sub ignores `SELECT`, so
//! the database number keeps clients of different databases apart.

/// Held (with a TTL) by the client running the retention sweep of the database.
pub const SWEEP_LEASE: &str = "lnr_retention:lease";

/// Counter that topic keys and connection keys are allocated from.
pub const UNIQUE_KEY_COUNTER: &str = "lnr_unique_key";

/// Catalog of a topic: HASH published address → unique_name.
pub fn topic_addresses(topic: &str) -> String {
    format!("lnr_topic:{topic}:addr")
}

/// The topic's numeric key.
pub fn topic_key(topic: &str) -> String {
    format!("lnr_topic:{topic}:key")
}

/// The connection key of the channel sender (`unique`, `src_topic`) → listener `listener`.
pub fn connection_key(unique: &str, src_topic: &str, listener: &str) -> String {
    format!("{}{listener}:key", connection_key_prefix(unique, src_topic))
}

/// SCAN pattern matching every connection key of the sender (`unique`, `src_topic`).
pub fn connection_keys_pattern(unique: &str, src_topic: &str) -> String {
    let prefix = connection_key_prefix(unique, src_topic);
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

/// The listener name inside a key produced by [`connection_key`] for this sender.
pub fn listener_of_connection_key<'k>(
    key: &'k str,
    unique: &str,
    src_topic: &str,
) -> Option<&'k str> {
    key.strip_prefix(&connection_key_prefix(unique, src_topic))?
        .strip_suffix(":key")
}

fn connection_key_prefix(unique: &str, src_topic: &str) -> String {
    format!("lnr_connection:{unique}:{src_topic}:")
}

/// The sender topic of connection `ck`.
pub fn connection_sender(ck: u64) -> String {
    format!("lnr_connection:{ck}:sender")
}

/// The listener's cursor (last delivered seq) of connection `ck`.
pub fn cursor(ck: u64) -> String {
    format!("lnr_connection:{ck}:mess_number")
}

/// The last seq the sender assigned on connection `ck`.
pub fn last_seq(ck: u64) -> String {
    format!("lnr_connection:{ck}:last_seq")
}

/// The offline queue of connection `ck`.
pub fn messages(ck: u64) -> String {
    format!("lnr_connection:{ck}:messages")
}

/// When each chunk of `ck`'s parked frames was parked (for `Config::max_parked_age`).
pub fn parked_at(ck: u64) -> String {
    format!("lnr_connection:{ck}:parked_at")
}

/// How many parked messages of `ck` a queue limit or the retention sweep dropped.
pub fn parked_dropped(ck: u64) -> String {
    format!("lnr_connection:{ck}:dropped")
}

/// The sender and listener names of a key made by [`connection_key`] (names hold no `:`).
pub fn channel_ends(key: &str) -> Option<(&str, &str)> {
    let rest = key.strip_prefix("lnr_connection:")?.strip_suffix(":key")?;
    let mut parts = rest.split(':');
    let (sender, _topic, listener) = (parts.next()?, parts.next()?, parts.next()?);
    parts.next().is_none().then_some((sender, listener))
}

/// The sender of a key made by [`sender_listeners`].
pub fn hint_owner(key: &str) -> Option<&str> {
    let rest = key.strip_prefix("lnr_sender:")?.strip_suffix(":listener")?;
    rest.split_once(':').map(|(unique, _)| unique)
}

/// The client of a key made by [`client_seen`].
pub fn seen_owner(key: &str) -> Option<&str> {
    key.strip_prefix("lnr_client:")?.strip_suffix(":seen")
}

/// The topic of a key made by [`topic_addresses`].
pub fn catalog_topic(key: &str) -> Option<&str> {
    key.strip_prefix("lnr_topic:")?.strip_suffix(":addr")
}

/// Reconnect hints of the sender (`unique`, `src_topic`): HASH listener address → topic and
/// listener name (see [`super::ListenerHint`]).
pub fn sender_listeners(unique: &str, src_topic: &str) -> String {
    format!("lnr_sender:{unique}:{src_topic}:listener")
}

/// Liveness of a topic's catalog rows: ZSET address → unix ms (Redis clock) until which the
/// client behind the row counts as alive.
pub fn topic_live(topic: &str) -> String {
    format!("lnr_topic:{topic}:live")
}

/// When each catalog row of a topic was registered: HASH address → unix ms.
pub fn topic_since(topic: &str) -> String {
    format!("lnr_topic:{topic}:since")
}

/// The owner of a unique name: the published address of the running client, with a TTL.
pub fn client_alive(unique: &str) -> String {
    format!("lnr_client:{unique}:alive")
}

/// Unix ms of a client's last heartbeat (kept after it stopped: retention reads it).
pub fn client_seen(unique: &str) -> String {
    format!("lnr_client:{unique}:seen")
}

/// Pub/Sub channel of peer events for clients of logical database `db`.
pub fn events_channel(db: i64) -> String {
    format!("lnr_events:{db}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_matches_the_seed() {
        assert_eq!(topic_addresses("t"), "lnr_topic:t:addr");
        assert_eq!(topic_key("t"), "lnr_topic:t:key");
        assert_eq!(
            connection_key("u", "src", "l"),
            "lnr_connection:u:src:l:key"
        );
        assert_eq!(connection_sender(7), "lnr_connection:7:sender");
        assert_eq!(cursor(7), "lnr_connection:7:mess_number");
        assert_eq!(messages(7), "lnr_connection:7:messages");
        assert_eq!(last_seq(7), "lnr_connection:7:last_seq");
        assert_eq!(sender_listeners("u", "src"), "lnr_sender:u:src:listener");
        assert_eq!(topic_live("t"), "lnr_topic:t:live");
        assert_eq!(topic_since("t"), "lnr_topic:t:since");
        assert_eq!(client_alive("u"), "lnr_client:u:alive");
        assert_eq!(client_seen("u"), "lnr_client:u:seen");
    }

    #[test]
    fn owners_are_read_back_from_key_names() {
        let key = connection_key("snd", "src", "lst");
        assert_eq!(channel_ends(&key), Some(("snd", "lst")));
        assert_eq!(channel_ends("lnr_connection:7:messages"), None);
        assert_eq!(hint_owner(&sender_listeners("u", "t")), Some("u"));
        assert_eq!(seen_owner(&client_seen("u")), Some("u"));
        assert_eq!(catalog_topic(&topic_addresses("t")), Some("t"));
    }

    #[test]
    fn pattern_escapes_glob_characters() {
        assert_eq!(
            connection_keys_pattern("u", "s"),
            "lnr_connection:u:s:*:key"
        );
        assert_eq!(
            connection_keys_pattern("u*", "s?"),
            r"lnr_connection:u\*:s\?:*:key"
        );
    }

    #[test]
    fn extracts_listener_names() {
        let key = connection_key("u", "s", "listener-1");
        assert_eq!(
            listener_of_connection_key(&key, "u", "s"),
            Some("listener-1")
        );
        assert_eq!(listener_of_connection_key(&key, "u", "other"), None);
    }
}
