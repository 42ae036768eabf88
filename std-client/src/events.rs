//! A client's handling of peer events (on its process's shared subscription, see
//! [`crate::event_hub`]): route refreshes, "connect now" hints and status reports; after
//! Redis comes back it registers this client again. Events are hints; the catalog stays the
//! truth.

use std::sync::{Arc, Mutex};

use crate::catalog::{refresh_topic, register_all, restore_after_data_loss};
use crate::event_hub::{self, Membership};
use crate::log::log;
use crate::shared::Shared;
use crate::status::StatusKind;
use crate::store::{EventNote, EventSubscriber, PeerEvent, PeerEventKind, Store};

/// Joins this client to its process's events hub for the deployment `key`; the client's
/// share of the hub's work runs until the returned membership is dropped.
pub(crate) fn join(
    key: &str,
    shared: Arc<Shared>,
    subscriber: EventSubscriber,
    store: Arc<Mutex<Store>>,
) -> std::io::Result<Membership> {
    let mut outage = false;
    let handler = move |note: &EventNote| {
        let mut store = store.lock().unwrap_or_else(|p| p.into_inner());
        match note {
            EventNote::Subscribed if outage => {
                outage = false;
                // Redis may have restarted empty: keys first (so nobody allocates new ones
                // for names in use), then our catalog rows, then our routes.
                restore_after_data_loss(&shared, &mut store);
                // Failures were logged and reported; the next outage retries.
                let _ = register_all(&shared, &mut store);
                for (topic, _) in shared.registry.topic_keys() {
                    if let Err(e) = refresh_topic(&shared, &mut store, &topic) {
                        log!("refreshing '{topic}' after reconnect failed: {e}");
                    }
                }
            }
            EventNote::Subscribed => {}
            EventNote::Event(event) => on_event(&shared, &mut store, event),
            EventNote::Lost(e) => {
                outage = true;
                log!("peer events unavailable: {e}");
            }
        }
    };
    event_hub::join(key, subscriber, Box::new(handler))
}

fn on_event(shared: &Shared, store: &mut Store, event: &PeerEvent) {
    if event.unique_name == shared.unique_name || !shared.registry.knows_topic(&event.topic) {
        return;
    }
    let peer = format!("{}@{}", event.unique_name, event.addr);
    match event.kind {
        PeerEventKind::Connected | PeerEventKind::Subscribed => {
            if let Err(e) = refresh_topic(shared, store, &event.topic) {
                log!("refreshing '{}' failed: {e}", event.topic);
            }
            if event.kind == PeerEventKind::Subscribed {
                shared.report(
                    StatusKind::PeerSubscribed,
                    &event.topic,
                    &peer,
                    "subscribed",
                );
            }
        }
        PeerEventKind::Unsubscribed | PeerEventKind::Expired => {
            let why = if event.kind == PeerEventKind::Unsubscribed {
                // The listener left the topic on purpose: nothing more is parked for it
                // there. One that died keeps its hint: its backlog drains when it is back.
                let (me, src) = (&shared.unique_name, &shared.topic);
                if let Err(e) = store.forget_listener(me, src, &event.addr, &event.topic) {
                    log!(
                        "forgetting {peer} as a listener of '{}' failed: {e}",
                        event.topic
                    );
                }
                "unsubscribed"
            } else {
                "liveness expired; its catalog row was removed"
            };
            if let Err(e) = refresh_topic(shared, store, &event.topic) {
                log!("refreshing '{}' failed: {e}", event.topic);
            }
            shared.report(StatusKind::PeerUnsubscribed, &event.topic, &peer, why);
        }
        // A stopped peer keeps its route: at-least-once frames for it park in Redis (while
        // the topic has no live listener; see `Registry::pick`).
        PeerEventKind::Disconnected => {}
    }
}
