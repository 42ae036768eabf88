//! The listener I/O thread (`liner-in`): accepts senders' connections, runs the handshake,
//! hands every new Data frame to the receive callback and answers with cumulative Acks.
//!
//! One thread serves every inbound connection through one edge-triggered `mio::Poll`. Per
//! connection a receive buffer of `Config::recv_buffer_bytes` is allocated once, when the
//! handshake is done (before, a buffer of one handshake frame);
//! the socket is read straight into it and payloads reach the callback borrowed from it.
//! Steady-state delivery allocates nothing and takes no lock per message: topic names are
//! cached per connection, counters are summed per read burst, and one Ack plus one cursor
//! hand-off to the store worker is made per read burst (or every `ack_batch` frames).
//!
//! Files: [`listener`] the event loop (accept, dispatch, timers, shutdown); [`admission`]
//! the connection counts and limits; [`conn`] one connection; [`deliver`] the read →
//! decode → callback → ack burst; [`handshake`] Hello (→ Challenge → Proof) →
//! Welcome/Reject; [`large`] the slow path for frames bigger than the receive buffer and
//! the budget they share; [`outbox`] the control frames owed to the peer; [`cursors`] last delivered seq per
//! connection key, loaded from and saved to the store.

mod admission;
mod conn;
mod cursors;
mod deliver;
mod handshake;
mod large;
mod listener;
mod outbox;
#[cfg(test)]
mod tests;

use std::io;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};

use crate::shared::Shared;
use crate::store::Store;

use cursors::CursorStore;
use listener::Listener;

/// The receive callback: `(to, from, payload)` — the receiving topic, the sender's topic
/// and the message bytes, all valid only during the call. It runs on the listener thread.
pub type ReceiveCallback = Box<dyn FnMut(&str, &str, &[u8]) + Send>;

/// A receive callback that may refuse a message: `Err(Redeliver)` (or a panic) means the
/// message was not processed; it is not acknowledged and comes again later, before anything
/// newer from the same channel.
pub type FallibleCallback = Box<dyn FnMut(&str, &str, &[u8]) -> Result<(), Redeliver> + Send>;

/// Returned by a [`FallibleCallback`] that could not process a message: deliver it again
/// later (other systems call this a nack).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Redeliver;

/// Adapts a plain callback: every message it returns from counts as processed.
pub(crate) fn infallible(mut on_message: ReceiveCallback) -> FallibleCallback {
    Box::new(move |to, from, payload| {
        on_message(to, from, payload);
        Ok(())
    })
}

/// Counters of the listener thread, summed per read burst (readable from any thread).
#[derive(Debug, Default)]
pub(crate) struct ListenerStats {
    /// Messages handed to the receive callback.
    pub delivered: AtomicU64,
    /// Data frames at or below the cursor, dropped as already delivered.
    pub duplicates: AtomicU64,
    /// Data frames for a topic key this client does not know (not acked: the connection
    /// closes so the sender sends them again).
    pub unknown_topic: AtomicU64,
    /// Connections closed for a protocol error or a refused handshake.
    pub rejected: AtomicU64,
    /// Receive callback invocations that panicked (refusals: the message comes again).
    pub callback_panics: AtomicU64,
    /// Messages the receive callback refused or panicked on (not acked, redelivered).
    pub refused: AtomicU64,
}

/// Counts of one readiness event, added to [`ListenerStats`] in one go.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(crate) struct BurstCounts {
    pub delivered: u64,
    pub duplicates: u64,
    pub unknown_topic: u64,
    pub rejected: u64,
    pub callback_panics: u64,
    pub refused: u64,
}

impl ListenerStats {
    fn add(&self, counts: &BurstCounts) {
        for (counter, n) in [
            (&self.delivered, counts.delivered),
            (&self.duplicates, counts.duplicates),
            (&self.unknown_topic, counts.unknown_topic),
            (&self.rejected, counts.rejected),
            (&self.callback_panics, counts.callback_panics),
            (&self.refused, counts.refused),
        ] {
            if n > 0 {
                counter.fetch_add(n, Ordering::Relaxed);
            }
        }
    }
}

/// Starts the listener thread. It serves `listener` until `shared.is_running()` turns false
/// (the caller then wakes it through `shared.in_waker`), persists every cursor it holds with
/// `store`, closes all connections and returns `poll` for the next run.
pub(crate) fn spawn(
    shared: Arc<Shared>,
    poll: mio::Poll,
    listener: mio::net::TcpListener,
    store: Arc<Mutex<Store>>,
    on_message: FallibleCallback,
) -> io::Result<JoinHandle<mio::Poll>> {
    spawn_with(shared, poll, listener, store, on_message)
}

/// [`spawn`] over any cursor store (tests use an in-memory one).
fn spawn_with<S: CursorStore>(
    shared: Arc<Shared>,
    poll: mio::Poll,
    listener: mio::net::TcpListener,
    store: S,
    on_message: FallibleCallback,
) -> io::Result<JoinHandle<mio::Poll>> {
    let listener = Listener::new(shared, poll, listener, store, on_message)?;
    thread::Builder::new()
        .name("liner-in".into())
        .spawn(move || listener.run())
}
