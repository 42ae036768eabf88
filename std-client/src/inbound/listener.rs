//! The listener thread's event loop: admitting connections within the limits, routing
//! readiness events to connections, the periodic sweep for handshake, liveness and frame-
//! rate deadlines, and the shutdown that persists every cursor before the `Poll` goes back
//! to the client.
//!
//! Limits (docs/operations.md, "Trust boundary"): per source address at most
//! `max_conns_per_source` connections and `max_handshakes_per_source` of them in the
//! handshake; at most `max_handshakes` handshakes in all — at that limit the oldest one is
//! closed for the newcomer, so a flood churns through the handshake slots while a real
//! sender's handshake (a round trip or two) gets through; at most `max_peers` past the
//! handshake. Every refusal or close by a limit is logged and reported (`PeerLimited`).
//!
//! Connections live in slots indexed by their mio token. While one connection is being
//! served it is taken out of its slot, so the handshake can close an older connection on
//! the same key without aliasing. A connection whose read budget ran out, or that was
//! waiting for large-frame budget that came free, is served again before the next wait
//! (edge-triggered readiness would not repeat the event).

use std::io::{self, ErrorKind};
use std::net::{Shutdown, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant};

use liner_core::frame::{Frame, RejectReason};
use mio::net::{TcpListener, TcpStream};
use mio::{Events, Interest, Poll, Token};

use super::admission::Admission;
use super::conn::{InConn, Phase};
use super::cursors::{CursorBook, CursorStore};
use super::deliver::{self, Closed, Ctx, Drained, limited};
use super::large::LargeBudget;
use super::outbox::Outbox;
use super::{BurstCounts, FallibleCallback};
use crate::shared::{IN_WAKE, Shared};

/// Token of the listening socket (connections use their slot index).
const LISTENER: Token = Token(usize::MAX - 2);
/// How often handshake deadlines and liveness are checked.
const SWEEP: Duration = Duration::from_millis(50);
/// Readiness events taken per wait.
const EVENTS: usize = 256;

/// The connections of the listener thread and the cursors of every key seen this run.
pub(super) struct Hub<S> {
    registry: mio::Registry,
    slots: Vec<Option<Box<InConn>>>,
    /// Counts of the open connections (including one taken out to be served).
    pub admission: Admission,
    /// Memory for frames larger than the receive buffer, shared by all connections.
    pub budget: LargeBudget,
    book: CursorBook<S>,
}

impl<S: CursorStore> Hub<S> {
    /// Gives connection key `ck` to a connection whose sender (`sender` name, `topic`) just
    /// completed the handshake and returns the cursor to resume at. An older connection on
    /// the same key from the same sender (it reconnected before we noticed the old one
    /// died) is closed first; one from another sender keeps the key (`None`): a key
    /// belongs to its sender.
    pub fn claim(
        &mut self,
        ck: u64,
        sender: &str,
        topic: &str,
        shared: &Shared,
        peer: &str,
    ) -> Option<u64> {
        let holders = (0..self.slots.len()).filter(|&index| {
            self.slots[index]
                .as_ref()
                .is_some_and(|conn| conn.session.ck() == Some(ck))
        });
        let holders: Vec<usize> = holders.collect();
        for &index in &holders {
            let session = &self.slots[index].as_ref()?.session;
            if session.sender != sender || session.from != topic {
                return None;
            }
        }
        for index in holders {
            crate::log::log!("inbound {peer}: replaces an older connection on key {ck}");
            self.close(index, false, shared);
        }
        Some(self.book.resume(ck, shared, peer))
    }

    fn close(&mut self, index: usize, farewell: bool, shared: &Shared) {
        if let Some(conn) = self.slots[index].take() {
            self.retire(conn, farewell, shared);
        }
    }

    /// Closes a connection: acks what it delivered and writes what it still owes (best
    /// effort, never blocking) and, with `farewell`, a Bye; sends FIN; keeps its cursor for
    /// the next connection on its key.
    fn retire(&mut self, mut conn: Box<InConn>, farewell: bool, shared: &Shared) {
        let InConn {
            stream,
            session,
            rx,
        } = &mut *conn;
        rx.release(&mut self.budget);
        self.admission
            .forget(session.source, session.in_handshake());
        if let Phase::Open { ck, rx } = &mut session.phase {
            if let Some(seq) = rx.flush() {
                deliver::ack(*ck, rx, seq, &mut session.outbox, shared);
            }
            self.book.record(*ck, rx.cursor());
        }
        if farewell {
            session.outbox.push_last(&Frame::Bye);
        }
        let _ = session.outbox.flush(stream);
        let _ = stream.shutdown(Shutdown::Write);
        let _ = self.registry.deregister(stream);
    }

    /// The slot of the connection longest in the handshake.
    fn oldest_handshake(&self) -> Option<usize> {
        (0..self.slots.len())
            .filter_map(|index| {
                let deadline = self.slots[index].as_ref()?.session.handshake_deadline()?;
                Some((deadline, index))
            })
            .min()
            .map(|(_, index)| index)
    }
}

/// The listener thread's state.
pub(super) struct Listener<S> {
    shared: Arc<Shared>,
    poll: Poll,
    socket: TcpListener,
    hub: Hub<S>,
    on_message: FallibleCallback,
    /// Connections whose read budget ran out, to serve again before waiting.
    again: Vec<usize>,
    /// Accepting failed (e.g. out of file descriptors): retry at the next sweep.
    accept_retry: bool,
    epoch: Instant,
}

impl<S: CursorStore> Listener<S> {
    pub fn new(
        shared: Arc<Shared>,
        poll: Poll,
        mut socket: TcpListener,
        store: S,
        on_message: FallibleCallback,
    ) -> io::Result<Self> {
        poll.registry()
            .register(&mut socket, LISTENER, Interest::READABLE)?;
        let registry = poll.registry().try_clone()?;
        let max_peers = shared.config.max_peers;
        let budget = LargeBudget::new(shared.config.large_budget());
        Ok(Listener {
            shared,
            poll,
            socket,
            hub: Hub {
                registry,
                slots: Vec::with_capacity(max_peers),
                admission: Admission::default(),
                budget,
                book: CursorBook::new(store),
            },
            on_message,
            again: Vec::with_capacity(max_peers),
            accept_retry: false,
            epoch: Instant::now(),
        })
    }

    /// Serves until the client stops, then shuts down and hands the `Poll` back.
    pub fn run(mut self) -> Poll {
        let mut events = Events::with_capacity(EVENTS);
        let mut again = Vec::with_capacity(self.again.capacity());
        let mut next_sweep = Instant::now() + SWEEP;
        while self.shared.is_running() {
            let timeout = if self.again.is_empty() {
                next_sweep.saturating_duration_since(Instant::now())
            } else {
                Duration::ZERO
            };
            if let Err(err) = self.poll.poll(&mut events, Some(timeout)) {
                if err.kind() != ErrorKind::Interrupted {
                    crate::log::log!("listener poll failed: {err}");
                    std::thread::sleep(SWEEP);
                }
                continue;
            }
            std::mem::swap(&mut again, &mut self.again);
            for index in again.drain(..) {
                self.serve(index, true, false);
            }
            for event in events.iter() {
                match event.token() {
                    LISTENER => self.accept_all(),
                    IN_WAKE => {}
                    Token(index) => {
                        let readable =
                            event.is_readable() || event.is_read_closed() || event.is_error();
                        self.serve(index, readable, event.is_writable());
                    }
                }
            }
            if Instant::now() >= next_sweep {
                self.sweep();
                next_sweep = Instant::now() + SWEEP;
            }
        }
        self.shutdown();
        self.poll
    }

    /// Handles readiness of the connection in slot `index`.
    fn serve(&mut self, index: usize, readable: bool, writable: bool) {
        let Some(mut conn) = self.hub.slots.get_mut(index).and_then(Option::take) else {
            return; // closed earlier in this round
        };
        let mut ctx = Ctx {
            shared: &self.shared,
            on_message: &mut self.on_message,
            hub: &mut self.hub,
            counts: BurstCounts::default(),
            epoch: self.epoch,
            now: self.epoch,
            now_ms: 0,
        };
        let mut outcome = Ok(Drained::Yes);
        if writable {
            outcome = deliver::on_writable(&mut conn).map(|()| Drained::Yes);
        }
        if readable && outcome.is_ok() {
            outcome = deliver::on_readable(&mut conn, &mut ctx);
        }
        ctx.publish_counts();
        match outcome {
            Ok(drained) => {
                match drained {
                    Drained::Yes => {}
                    Drained::BudgetSpent => self.again.push(index),
                    Drained::AwaitBudget => self.hub.budget.wait(index),
                }
                self.hub.slots[index] = Some(conn);
            }
            Err(Closed) => {
                let farewell = conn.session.farewell;
                self.hub.retire(conn, farewell, &self.shared);
            }
        }
        self.again.extend(self.hub.budget.woken());
    }

    /// Accepts every pending connection (edge-triggered: until it would block).
    fn accept_all(&mut self) {
        self.accept_retry = false;
        loop {
            match self.socket.accept() {
                Ok((stream, addr)) => self.admit(stream, addr),
                Err(e) if e.kind() == ErrorKind::WouldBlock => return,
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(e) => {
                    crate::log::log!("listener accept failed: {e}; retrying shortly");
                    self.accept_retry = true;
                    return;
                }
            }
        }
    }

    fn admit(&mut self, mut stream: TcpStream, addr: SocketAddr) {
        let peer = addr.to_string();
        let config = &self.shared.config;
        let source = addr.ip();
        if let Some(why) = self.hub.admission.refusal(source, config) {
            limited(&self.shared, &peer, &why);
            let mut outbox = Outbox::new();
            outbox.push(&Frame::Reject(RejectReason::Busy));
            let _ = outbox.flush(&mut stream);
            let _ = stream.shutdown(Shutdown::Write);
            return;
        }
        if self.hub.admission.handshakes_full(config)
            && let Some(oldest) = self.hub.oldest_handshake()
        {
            if let Some(conn) = &self.hub.slots[oldest] {
                let why = format!(
                    "handshake not done, its slot goes to a newer connection (max_handshakes {})",
                    config.max_handshakes
                );
                limited(&self.shared, &conn.session.peer, &why);
            }
            self.hub.close(oldest, false, &self.shared);
        }
        // Small Acks must not wait for Nagle; a failure only costs latency.
        let _ = stream.set_nodelay(true);
        let index = match self.hub.slots.iter().position(Option::is_none) {
            Some(free) => free,
            None => {
                self.hub.slots.push(None);
                self.hub.slots.len() - 1
            }
        };
        let interest = Interest::READABLE | Interest::WRITABLE;
        if let Err(err) = self
            .hub
            .registry
            .register(&mut stream, Token(index), interest)
        {
            crate::log::log!("inbound {peer}: cannot watch the connection: {err}");
            return;
        }
        let conn = InConn::new(stream, peer, source, &self.shared.config, Instant::now());
        self.hub.slots[index] = Some(Box::new(conn));
        self.hub.admission.admit(source);
    }

    /// Closes connections that missed the handshake deadline or went silent.
    fn sweep(&mut self) {
        if self.accept_retry {
            self.accept_all();
        }
        for index in 0..self.hub.slots.len() {
            if self.overdue(index).is_none() {
                continue;
            }
            // Bytes may be waiting unread (a slow callback held the thread): read them
            // before judging.
            self.serve(index, true, false);
            if let Some(why) = self.overdue(index) {
                if let Some(conn) = &self.hub.slots[index] {
                    limited(&self.shared, &conn.session.peer, why);
                }
                self.hub.close(index, false, &self.shared);
            }
        }
    }

    /// Why the connection in slot `index` should be closed now, if it should.
    fn overdue(&self, index: usize) -> Option<&'static str> {
        let conn = self.hub.slots[index].as_ref()?;
        let session = &conn.session;
        let config = &self.shared.config;
        let now = Instant::now();
        if session.awaiting_budget {
            return None; // this side is not reading, the peer is not to blame
        }
        if session
            .handshake_deadline()
            .is_some_and(|deadline| now >= deadline)
        {
            return Some("handshake not completed within connect_timeout");
        }
        let pending = conn.rx.decoder.buffered();
        if session.too_slow(pending, config.liveness_timeout, config.min_frame_rate, now) {
            return Some("frame arriving slower than min_frame_rate");
        }
        match session.phase {
            Phase::Open { .. } if now.duration_since(session.last_rx) > config.liveness_timeout => {
                Some("silent for longer than the liveness timeout")
            }
            _ => None,
        }
    }

    /// Says Bye to every sender, closes all connections and saves every cursor.
    fn shutdown(&mut self) {
        for index in 0..self.hub.slots.len() {
            self.hub.close(index, true, &self.shared);
        }
        self.hub.book.persist_all(&self.shared);
        let _ = self.poll.registry().deregister(&mut self.socket);
    }
}
