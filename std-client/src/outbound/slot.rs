//! The sender thread's bookkeeping for one peer: its connection (if any), reconnect
//! backoff and what was last reported to the status callback, so a peer that stays down
//! is reported once and not on every failed retry.

use std::sync::Arc;
use std::time::Instant;

use super::after;
use super::backoff::Backoff;
use super::conn::{Conn, Progress};
use super::error::ConnError;
use super::link;
use crate::log::log;
use crate::peer::OutPeer;
use crate::shared::Shared;
use crate::status::StatusKind;

/// What every slot operation needs from the thread.
pub(super) struct Ctx<'a> {
    pub shared: &'a Shared,
    pub registry: &'a mio::Registry,
}

/// One peer as seen by the sender thread.
pub(super) struct Slot {
    peer: Arc<OutPeer>,
    conn: Option<Conn>,
    backoff: Backoff,
    /// No attempt before this (none: attempt as soon as the peer has an address).
    retry_at: Option<Instant>,
    /// Last link state reported: `Some(true)` connected, `Some(false)` disconnected.
    reported_up: Option<bool>,
}

impl Slot {
    pub fn new(peer: Arc<OutPeer>, shared: &Shared) -> Self {
        let config = &shared.config;
        let backoff = Backoff::new(config.reconnect_min, config.reconnect_max, peer.id);
        Slot {
            peer,
            conn: None,
            backoff,
            retry_at: None,
            reported_up: None,
        }
    }

    /// Timers, connection attempts and writes; returns when this slot needs the next look.
    pub fn tick(&mut self, cx: &Ctx<'_>, now: Instant) -> Option<Instant> {
        if let Some(conn) = self.conn.as_mut() {
            let result = conn.on_timer(cx.shared, now).and_then(|deadline| {
                if conn.is_connected() {
                    conn.flush(cx.shared)?;
                }
                Ok(deadline)
            });
            match result {
                Ok(deadline) => return Some(deadline),
                Err(e) => self.lose(cx, e, now),
            }
        }
        self.maybe_connect(cx, now)
    }

    /// Readiness of this slot's socket; returns a new deadline if one appeared.
    pub fn on_event(
        &mut self,
        cx: &Ctx<'_>,
        readable: bool,
        writable: bool,
        now: Instant,
    ) -> Option<Instant> {
        // An event for a connection closed earlier in the same batch finds no connection.
        let conn = self.conn.as_mut()?;
        let ready = conn.on_ready(cx.shared, readable, writable, now);
        match ready {
            Ok(Progress::Quiet) => None,
            Ok(Progress::Connected) => {
                self.retry_at = None;
                let label = label(&self.peer, conn);
                self.report_up(cx.shared, &label);
                None
            }
            Err(e) => {
                self.lose(cx, e, now);
                self.retry_at
            }
        }
    }

    /// On exit: Bye if connected, close, and leave the peer offline with its at-least-once
    /// frames queued for Redis.
    pub fn shutdown(&mut self, cx: &Ctx<'_>) {
        if let Some(mut conn) = self.conn.take() {
            conn.say_bye(cx.shared);
            conn.close(cx.registry);
        }
        link::offline(&self.peer, cx.shared);
    }

    fn maybe_connect(&mut self, cx: &Ctx<'_>, now: Instant) -> Option<Instant> {
        let due = self.retry_at.is_none_or(|at| now >= at);
        let Some((addr, hinted)) = link::begin_connect(&self.peer, due) else {
            return self.retry_at.filter(|at| *at > now);
        };
        if hinted {
            self.backoff.reset();
        }
        match Conn::start(self.peer.clone(), addr, cx.shared, cx.registry, now) {
            Ok(conn) => {
                self.conn = Some(conn);
                // The connect deadline is checked by the next tick.
                Some(after(now, cx.shared.config.connect_timeout))
            }
            Err(e) => {
                let label = format!("{}@{addr}", self.peer.name);
                self.went_down(cx.shared, e, &label, now);
                self.retry_at
            }
        }
    }

    /// The connection ended: close it, take the peer offline, schedule the next attempt.
    fn lose(&mut self, cx: &Ctx<'_>, err: ConnError, now: Instant) {
        let Some(conn) = self.conn.take() else {
            return;
        };
        let label = label(&self.peer, &conn);
        // Only a connection that delivered something makes the next attempt quick: a
        // listener that accepts but refuses the first frame is retried later and later.
        if conn.delivered() {
            self.backoff.reset();
        }
        conn.close(cx.registry);
        self.went_down(cx.shared, err, &label, now);
    }

    fn went_down(&mut self, shared: &Shared, err: ConnError, label: &str, now: Instant) {
        link::offline(&self.peer, shared);
        self.retry_at = Some(after(now, self.backoff.next_delay()));
        let report_down = self.reported_up != Some(false);
        let refused = err.is_send_error() || err.is_unauthorized();
        if !refused && !report_down {
            return;
        }
        let message = err.to_string();
        let topic = topic_of(shared, &self.peer);
        if refused {
            log!("peer {label}: {message}");
            let kind = match err.is_unauthorized() {
                true => StatusKind::PeerUnauthorized,
                false => StatusKind::SenderSendError,
            };
            shared.report(kind, &topic, label, &message);
        }
        if report_down {
            self.reported_up = Some(false);
            // A peer that said Bye stopped on purpose: the status callback hears of it,
            // stderr only hears of failures.
            if !matches!(err, ConnError::Bye) {
                log!("peer {label} disconnected: {message}");
            }
            shared.report(StatusKind::PeerDisconnected, &topic, label, &message);
        }
    }

    fn report_up(&mut self, shared: &Shared, label: &str) {
        if self.reported_up != Some(true) {
            self.reported_up = Some(true);
            let topic = topic_of(shared, &self.peer);
            shared.report(StatusKind::PeerConnected, &topic, label, "connected");
        }
    }
}

/// `name@addr` of a connection, as status reports name peers.
fn label(peer: &OutPeer, conn: &Conn) -> String {
    format!("{}@{}", peer.name, conn.addr)
}

/// A destination topic routed to `peer` ("" when none): status reports of peer kinds name
/// the topic they concern. Only runs on link transitions, so it may allocate.
fn topic_of(shared: &Shared, peer: &OutPeer) -> String {
    shared.registry.topic_of(peer.id).unwrap_or_default()
}
