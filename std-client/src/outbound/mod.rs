//! The sender I/O thread (`liner-out`): every outbound connection of a client on one
//! `mio::Poll`, edge-triggered.
//!
//! Callers put frames into a peer's window and wake this thread only when the window had
//! nothing unsent (`wake_pending`), so a burst of sends costs one wake. A wake (or a timer)
//! makes the thread look at every peer: connect those that are offline and due (backoff
//! or a "connect now" hint), run handshake/liveness timers, and write what is unsent —
//! drain window first, then the main window, in one `writev`. Socket events drive the rest:
//! connect completion, Welcome, Acks, partial writes resuming.
//!
//! A caller writes a frame itself instead when the connection is idle ([`direct`]).
//!
//! Files: [`slot`] per-peer bookkeeping (backoff, status reports), [`conn`] one connection's
//! state machine, [`writer`] the outgoing stream, [`direct`] callers' writes, [`link`] peer-state transitions under the
//! peer lock, [`backoff`] reconnect delays, [`error`] why a connection ended.

mod backoff;
mod conn;
mod direct;
mod error;
mod link;
mod slot;
mod writer;

#[cfg(test)]
mod tests;

use std::io;
use std::sync::Arc;
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use mio::{Events, Poll};

pub(crate) use direct::{SharedStream, try_write};

use crate::log::log;
use crate::peer::OutPeer;
use crate::shared::{OUT_WAKE, Shared};
use slot::{Ctx, Slot};

/// Longest sleep without looking at the peers: catches peers added or hinted without a
/// wake, and bounds how late a missed wake can be.
const TICK: Duration = Duration::from_millis(100);

/// Events handled per poll round.
const EVENTS: usize = 256;

/// `from + d`, saturating far in the future: a configured `Duration::MAX` (e.g. to turn
/// liveness checks off) must not overflow `Instant`.
fn after(from: Instant, d: Duration) -> Instant {
    const FAR: Duration = Duration::from_secs(100 * 365 * 24 * 3600);
    from.checked_add(d)
        .or_else(|| from.checked_add(FAR))
        .unwrap_or(from)
}

/// Starts the sender thread; it runs while `shared.is_running()` and returns `poll` (on
/// which `shared.out_waker` was created with token `OUT_WAKE`) when it ends.
pub(crate) fn spawn(shared: Arc<Shared>, poll: Poll) -> io::Result<JoinHandle<Poll>> {
    thread::Builder::new()
        .name("liner-out".into())
        .spawn(move || Sender::new(shared, poll).run())
}

struct Sender {
    shared: Arc<Shared>,
    poll: Poll,
    events: Events,
    /// Indexed by peer id (which is also the socket's token).
    slots: Vec<Slot>,
    /// Reused for registry snapshots.
    peers: Vec<Arc<OutPeer>>,
    next_scan: Instant,
}

impl Sender {
    fn new(shared: Arc<Shared>, poll: Poll) -> Self {
        Sender {
            shared,
            poll,
            events: Events::with_capacity(EVENTS),
            slots: Vec::new(),
            peers: Vec::new(),
            next_scan: Instant::now(),
        }
    }

    fn run(mut self) -> Poll {
        let mut woken = true;
        while self.shared.is_running() {
            let now = Instant::now();
            if woken || now >= self.next_scan {
                self.scan(now);
            }
            let timeout = self.next_scan.saturating_duration_since(now);
            if let Err(e) = self.poll.poll(&mut self.events, Some(timeout)) {
                if e.kind() != io::ErrorKind::Interrupted {
                    log!("sender poll failed: {e}");
                    thread::sleep(TICK);
                }
                continue;
            }
            woken = false;
            let now = Instant::now();
            let cx = Ctx {
                shared: &self.shared,
                registry: self.poll.registry(),
            };
            for event in self.events.iter() {
                if event.token() == OUT_WAKE {
                    woken = true;
                    continue;
                }
                let Some(slot) = self.slots.get_mut(event.token().0) else {
                    continue;
                };
                let failed = event.is_error();
                let readable = failed || event.is_readable() || event.is_read_closed();
                let writable = failed || event.is_writable() || event.is_write_closed();
                if let Some(at) = slot.on_event(&cx, readable, writable, now) {
                    self.next_scan = self.next_scan.min(at);
                }
            }
        }
        self.shutdown();
        self.poll
    }

    /// Gives peers added to the registry since the last look a slot.
    fn adopt_new_peers(&mut self) {
        if self.shared.registry.count() > self.slots.len() {
            self.shared.registry.snapshot(&mut self.peers);
            for peer in &self.peers[self.slots.len()..] {
                self.slots.push(Slot::new(peer.clone(), &self.shared));
            }
            self.peers.clear();
        }
    }

    /// Looks at every peer (picking up new ones) and schedules the next scan.
    fn scan(&mut self, now: Instant) {
        self.adopt_new_peers();
        let cx = Ctx {
            shared: &self.shared,
            registry: self.poll.registry(),
        };
        let mut next = now + TICK;
        for slot in &mut self.slots {
            if let Some(at) = slot.tick(&cx, now) {
                next = next.min(at);
            }
        }
        // Never spin: a deadline that is already due is looked at in a millisecond.
        self.next_scan = next.max(now + Duration::from_millis(1));
    }

    /// Leaves every peer offline with its at-least-once frames queued for Redis.
    fn shutdown(&mut self) {
        self.adopt_new_peers();
        let cx = Ctx {
            shared: &self.shared,
            registry: self.poll.registry(),
        };
        for slot in &mut self.slots {
            slot.shutdown(&cx);
        }
    }
}
