//! The events subscriber: a dedicated Pub/Sub connection on `lnr_events:{db}` that hands each
//! peer event to a callback, survives Redis restarts (reconnect with backoff, resubscribe),
//! and stops promptly when asked. Meant to run on a thread of its own. On a cluster it
//! subscribes on one node (classic Pub/Sub reaches every node) and moves on to the next
//! listed node when that one fails.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use redis::Value;

use super::endpoint::non_zero;
use super::target::Target;
use super::{PeerEvent, StoreError, keys};

/// First wait before reconnecting after the subscription broke; doubles up to the maximum.
const RECONNECT_DELAY_MIN: Duration = Duration::from_millis(50);
const RECONNECT_DELAY_MAX: Duration = Duration::from_secs(2);
/// After this long without traffic the subscriber pings, so a silently dead connection is
/// noticed instead of waiting forever.
const LIVENESS_PING_AFTER: Duration = Duration::from_secs(5);

/// What the subscriber reports to its callback.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventNote {
    /// The subscription is active. After a `Lost`, events may have been missed and Redis may
    /// have restarted empty: re-read the catalog and re-register what this client publishes.
    Subscribed,
    /// A peer event (undecodable messages are skipped).
    Event(PeerEvent),
    /// The subscription broke or could not be made; reported once per outage, retried with
    /// backoff until the next `Subscribed`.
    Lost(StoreError),
}

/// Subscriber of peer events; see the module docs. Obtained from `Store::event_subscriber`.
#[derive(Debug, Clone)]
pub struct EventSubscriber {
    /// Where to subscribe: the server, the master behind sentinels, or the listed nodes of
    /// a cluster in turn.
    target: Target,
    channel: String,
}

impl EventSubscriber {
    pub(crate) fn new(target: Target) -> Self {
        let channel = keys::events_channel(target.db());
        Self { target, channel }
    }

    /// Delivers notes to `on_note` until `stop` is set, which is checked at least every
    /// `poll` (also the granularity of reconnect waits).
    pub fn run(&self, stop: &AtomicBool, poll: Duration, mut on_note: impl FnMut(EventNote)) {
        let mut delay = RECONNECT_DELAY_MIN;
        let mut in_outage = false;
        let mut failures = 0usize;
        while !stop.load(Ordering::Acquire) {
            let mut note = |n: EventNote| {
                if n == EventNote::Subscribed {
                    (delay, in_outage) = (RECONNECT_DELAY_MIN, false);
                }
                on_note(n);
            };
            let Err(err) = self.listen(failures, stop, poll, &mut note) else {
                return;
            };
            failures = failures.wrapping_add(1);
            if !in_outage {
                in_outage = true;
                on_note(EventNote::Lost(err));
            }
            sleep_unless_stopped(stop, delay, poll);
            delay = (delay * 2).min(RECONNECT_DELAY_MAX);
        }
    }

    /// One subscription: `Ok` when stopped, `Err` when it broke or could not be made.
    fn listen(
        &self,
        attempt: usize,
        stop: &AtomicBool,
        poll: Duration,
        on_note: &mut impl FnMut(EventNote),
    ) -> Result<(), StoreError> {
        let node = self.target.primary();
        let lost = |e: redis::RedisError| node.command_error(&e);
        let mut con = self.target.subscriber_connection(attempt)?;
        let mut pubsub = con.as_pubsub();
        pubsub.subscribe(&self.channel).map_err(lost)?;
        on_note(EventNote::Subscribed);
        let mut last_traffic = Instant::now();
        while !stop.load(Ordering::Acquire) {
            pubsub
                .set_read_timeout(Some(non_zero(poll)))
                .map_err(lost)?;
            match pubsub.get_message() {
                Ok(msg) => {
                    last_traffic = Instant::now();
                    if let Some(event) = PeerEvent::decode(msg.get_payload_bytes()) {
                        on_note(EventNote::Event(event));
                    }
                }
                Err(e) if e.is_timeout() => {
                    if last_traffic.elapsed() >= LIVENESS_PING_AFTER {
                        // A ping answer may be slower than `poll`: wait the full I/O timeout.
                        let io = Some(non_zero(node.timeouts().io));
                        pubsub.set_read_timeout(io).map_err(lost)?;
                        pubsub.ping::<Value>().map_err(lost)?;
                        last_traffic = Instant::now();
                    }
                }
                Err(e) => return Err(lost(e)),
            }
        }
        Ok(())
    }
}

fn sleep_unless_stopped(stop: &AtomicBool, total: Duration, slice: Duration) {
    let until = Instant::now() + total;
    let slice = non_zero(slice);
    while !stop.load(Ordering::Acquire) {
        let left = until.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return;
        }
        std::thread::sleep(left.min(slice));
    }
}
