//! Who serves a topic and whether each one is alive, for operators: the catalog rows of a
//! topic joined with their liveness (layout in `store::liveness`) and the last heartbeat of
//! the client behind each row.
//!
//! ```text
//! lnr_topic:{t}:addr   addr → name  ┐ one script, the topic's keys only,
//! lnr_topic:{t}:live   addr → until │ with the Redis clock (`now`)
//! lnr_topic:{t}:since  addr → at    ┘
//! lnr_client:{u}:alive  address of the name's current owner  ┐ two GETs per distinct name
//! lnr_client:{u}:seen   unix ms of that owner's last beat    ┘ among the rows
//! ```
//!
//! A row is live when its live-until lies after `now`. `seen` belongs to the name, not to
//! the row: it is this row's last heartbeat only while the name is held by this row's
//! address or by nobody, and not later than the row's live-until (a heartbeat writes
//! `seen = now` and `live-until = now + ttl` together). Otherwise another instance of the
//! name wrote it and the row's last heartbeat is unknown.
//!
//! Read only: dead rows are reported, not removed (senders reap them, see `liveness.rs`).
//! The client keys are read apart from the topic script because a client's keys and a
//! topic's keys fall in different hash slots on a cluster. Cost: one `EVAL` plus two `GET`s
//! per distinct unique name, each one round trip.

use std::collections::BTreeMap;

use redis::Commands;

use super::liveness::{RowLiveness, TopicLiveness};
use super::{Store, StoreError};

/// One catalog row of a topic and whether the client behind it is alive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeerInfo {
    /// The published address (the catalog row's field).
    pub addr: String,
    /// The unique name of the client behind it.
    pub unique_name: String,
    /// Whether that client sent a heartbeat within its `liveness_ttl` (its live-until
    /// lies after the Redis clock's now). False for a client killed without `stop`, until
    /// a sender removes its row, and for a row without liveness (written by liner 1.4).
    pub live: bool,
    /// Unix ms (Redis clock) when the row was registered: "live since" for a live row;
    /// for a dead row, when the process now gone registered it. A process that restarts at
    /// the same address under the same name before its row was removed keeps the time.
    /// `None` for a row without one (liner 1.4).
    pub since_unix_ms: Option<u64>,
    /// Unix ms (Redis clock) of the last heartbeat of the client behind the row
    /// (`lnr_client:{unique}:seen`): within its TTL for a live row (beats come every third
    /// of it), the last sign of life of a dead one. `None` when unknown: it never sent one, or another
    /// instance of its unique name has beaten since.
    pub last_seen_unix_ms: Option<u64>,
}

/// What Redis says about a unique name: who holds it and when its holder last beat.
struct NameRecord {
    holder: Option<String>,
    seen_ms: Option<u64>,
}

impl NameRecord {
    /// The last heartbeat of the client behind `row`, if `seen` is its own (module doc).
    fn last_seen_of(&self, row: &RowLiveness) -> Option<u64> {
        let seen = self.seen_ms?;
        let held_by_row = self.holder.as_ref().is_none_or(|h| *h == row.addr);
        let not_after_row = row.live_until_ms.is_none_or(|until| seen <= until);
        (held_by_row && not_after_row).then_some(seen)
    }
}

/// A unix-ms value as the scripts write it (an integer: Lua prints whole numbers below
/// 2^53 without exponent; parsing floats would cost the C library the float tables).
fn parse_ms(text: &str) -> Option<u64> {
    text.parse().ok()
}

impl Store {
    /// Every catalog row of `topic` with its liveness, sorted by address (see [`PeerInfo`]).
    pub fn peers(&mut self, topic: &str) -> Result<Vec<PeerInfo>, StoreError> {
        let TopicLiveness { now_ms, mut rows } = self.topic_liveness(topic)?;
        rows.sort_unstable_by(|a, b| a.addr.cmp(&b.addr));
        let mut names: BTreeMap<&str, NameRecord> = BTreeMap::new();
        for row in &rows {
            if !names.contains_key(row.unique_name.as_str()) {
                let record = self.name_record(&row.unique_name)?;
                names.insert(&row.unique_name, record);
            }
        }
        Ok(rows
            .iter()
            .map(|row| PeerInfo {
                addr: row.addr.clone(),
                unique_name: row.unique_name.clone(),
                live: row.is_live(now_ms),
                since_unix_ms: row.since_ms,
                last_seen_unix_ms: names[row.unique_name.as_str()].last_seen_of(row),
            })
            .collect())
    }

    /// The holder and last heartbeat of `unique`.
    fn name_record(&mut self, unique: &str) -> Result<NameRecord, StoreError> {
        let (alive, seen) = (
            self.keys.client_alive(unique),
            self.keys.client_seen(unique),
        );
        let holder: Option<String> = self.link.idempotent(|con| con.get(&alive))?;
        let seen: Option<String> = self.link.idempotent(|con| con.get(&seen))?;
        Ok(NameRecord {
            holder,
            seen_ms: seen.as_deref().and_then(parse_ms),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(addr: &str, until: Option<u64>) -> RowLiveness {
        RowLiveness {
            addr: addr.into(),
            unique_name: "n".into(),
            live_until_ms: until,
            since_ms: Some(1),
        }
    }

    fn record(holder: Option<&str>, seen: Option<u64>) -> NameRecord {
        NameRecord {
            holder: holder.map(Into::into),
            seen_ms: seen,
        }
    }

    #[test]
    fn seen_is_the_rows_own_while_its_address_holds_the_name() {
        let r = row("a:1", Some(4000));
        assert_eq!(record(Some("a:1"), Some(1000)).last_seen_of(&r), Some(1000));
        // Killed: the name expired, its last beat stays.
        assert_eq!(record(None, Some(1000)).last_seen_of(&r), Some(1000));
    }

    #[test]
    fn seen_of_another_instance_is_not_the_rows() {
        let r = row("a:1", Some(4000));
        assert_eq!(record(Some("b:2"), Some(1000)).last_seen_of(&r), None);
        // Nobody holds the name now, but its last beat came after this row's last one.
        assert_eq!(record(None, Some(5000)).last_seen_of(&r), None);
        assert_eq!(record(Some("a:1"), None).last_seen_of(&r), None);
    }

    #[test]
    fn stored_times_parse_as_integers() {
        assert_eq!(parse_ms("1733040000123"), Some(1_733_040_000_123));
        assert_eq!(parse_ms("soon"), None);
    }
}
