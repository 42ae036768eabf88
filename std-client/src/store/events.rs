//! Peer events: what a client announces on the `lnr_events:{db}` Pub/Sub channel so others
//! react at once (reconnect, refresh a topic's addresses) instead of polling the catalog.
//! Events are hints: a missed or stale one is corrected by reading the catalog.
//!
//! Encoding (text, one message per event): the kind word, a space, then topic, address and
//! unique name as netstrings (`<len>:<bytes>,`), e.g.
//! `connected 6:orders,14:127.0.0.1:4000,3:bob,`. Lengths make any byte in a field safe.

use redis::Commands;

use super::{Store, StoreError, keys};

/// What happened to a peer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PeerEventKind {
    /// The peer started and serves `topic` at `addr`.
    Connected,
    /// The peer stopped serving `topic` at `addr`.
    Disconnected,
    /// The peer subscribed to `topic` (it now also serves it at `addr`).
    Subscribed,
    /// The peer unsubscribed from `topic`.
    Unsubscribed,
    /// The peer's liveness expired (it died without `stop`) and another client removed its
    /// row of `topic` from the catalog.
    Expired,
}

impl PeerEventKind {
    const ALL: [Self; 5] = [
        Self::Connected,
        Self::Disconnected,
        Self::Subscribed,
        Self::Unsubscribed,
        Self::Expired,
    ];

    /// The word used on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Connected => "connected",
            Self::Disconnected => "disconnected",
            Self::Subscribed => "subscribed",
            Self::Unsubscribed => "unsubscribed",
            Self::Expired => "expired",
        }
    }
}

/// One peer event.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PeerEvent {
    /// What happened.
    pub kind: PeerEventKind,
    /// The topic concerned.
    pub topic: String,
    /// The peer's published address.
    pub addr: String,
    /// The peer's unique name.
    pub unique_name: String,
}

impl PeerEvent {
    /// The message published on the events channel.
    pub fn encode(&self) -> String {
        let mut text =
            String::with_capacity(self.topic.len() + self.addr.len() + self.unique_name.len() + 32);
        text.push_str(self.kind.as_str());
        text.push(' ');
        for field in [&self.topic, &self.addr, &self.unique_name] {
            text.push_str(&field.len().to_string());
            text.push(':');
            text.push_str(field);
            text.push(',');
        }
        text
    }

    /// Parses a message of the events channel; `None` for anything malformed or unknown
    /// (a newer peer's event kind, a stray publish), which subscribers simply skip.
    pub fn decode(message: &[u8]) -> Option<Self> {
        let text = std::str::from_utf8(message).ok()?;
        let (word, mut rest) = text.split_once(' ')?;
        let kind = *PeerEventKind::ALL.iter().find(|k| k.as_str() == word)?;
        let mut fields = [""; 3];
        for field in &mut fields {
            (*field, rest) = take_netstring(rest)?;
        }
        rest.is_empty().then(|| Self {
            kind,
            topic: fields[0].to_string(),
            addr: fields[1].to_string(),
            unique_name: fields[2].to_string(),
        })
    }
}

/// Splits `<len>:<bytes>,` off the front of `text`.
fn take_netstring(text: &str) -> Option<(&str, &str)> {
    let (len, rest) = text.split_once(':')?;
    if len.is_empty() || !len.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let len: usize = len.parse().ok()?;
    let field = rest.get(..len)?;
    let rest = rest.get(len..)?.strip_prefix(',')?;
    Some((field, rest))
}

impl Store {
    /// Publishes `event` to every subscriber of this database's events channel.
    pub fn publish_event(&mut self, event: &PeerEvent) -> Result<(), StoreError> {
        let channel = keys::events_channel(self.db());
        let message = event.encode();
        // A repeat after a reconnect only duplicates a hint.
        self.link
            .idempotent(|con| con.publish::<_, _, ()>(&channel, &message))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(kind: PeerEventKind, topic: &str, addr: &str, name: &str) -> PeerEvent {
        PeerEvent {
            kind,
            topic: topic.into(),
            addr: addr.into(),
            unique_name: name.into(),
        }
    }

    #[test]
    fn round_trips_every_kind_and_awkward_fields() {
        for kind in PeerEventKind::ALL {
            for (topic, addr, name) in [
                ("orders", "127.0.0.1:4000", "bob"),
                ("", "", ""),
                ("a,b:c", "[::1]:9", "né 3:x,"),
            ] {
                let e = event(kind, topic, addr, name);
                assert_eq!(PeerEvent::decode(e.encode().as_bytes()), Some(e));
            }
        }
    }

    #[test]
    fn encoding_is_the_documented_text() {
        let e = event(PeerEventKind::Connected, "orders", "127.0.0.1:4000", "bob");
        assert_eq!(e.encode(), "connected 6:orders,14:127.0.0.1:4000,3:bob,");
    }

    #[test]
    fn rejects_malformed_messages() {
        for bad in [
            &b""[..],
            b"connected",
            b"connected 6:orders,14:127.0.0.1:4000,",
            b"connected 6:orders,14:127.0.0.1:4000,3:bob,extra",
            b"connected 7:orders,14:127.0.0.1:4000,3:bob,",
            b"connected +6:orders,14:127.0.0.1:4000,3:bob,",
            b"exploded 6:orders,14:127.0.0.1:4000,3:bob,",
            b"connected 99999999999999999999999:x,",
            b"connected 1:\xff,0:,0:,",
        ] {
            assert_eq!(
                PeerEvent::decode(bad),
                None,
                "{:?}",
                String::from_utf8_lossy(bad)
            );
        }
    }
}
