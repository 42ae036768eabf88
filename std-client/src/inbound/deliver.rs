//! The hot path of one connection: read as much as the socket has (edge-triggered) straight
//! into the receive buffer, decode every complete frame, hand new Data to the callback,
//! drop duplicates, answer Pings, and end each read burst with one cumulative Ack.
//!
//! A read burst is the frames of one `read` call; with the default 256 KiB buffer that is
//! thousands of small messages per Ack. Within a burst an Ack also goes out every
//! `ack_batch` new frames (or `ack_delay` after the oldest unacked one), so a slow callback
//! does not hold the sender's window for long. Each Ack hands the cursor to the store
//! worker for persisting (latest value wins).

use std::io::{self, Read};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::Instant;

use liner_core::ack::{MAX_SEQ_GAP, RxCursor, SeqCheck};
use liner_core::frame::{Data, DecodeError, Frame};
use mio::net::TcpStream;

use super::conn::{InConn, Phase, Session};
use super::cursors::CursorStore;
use super::large::ReadPlan;
use super::listener::Hub;
use super::outbox::Outbox;
use super::{BurstCounts, FallibleCallback, Redeliver, handshake};
use crate::shared::Shared;
use crate::status::StatusKind;

/// Reads per readiness event before other connections get their turn.
const READ_BUDGET: usize = 16;
/// Frames between clock reads inside a burst (the time only matters for `ack_delay`).
const CLOCK_STRIDE: u32 = 16;

/// The connection must be closed; whatever was worth logging or reporting has been.
#[derive(Debug)]
pub(super) struct Closed;

/// What a readable event left behind.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Drained {
    /// The socket would block: wait for the next event.
    Yes,
    /// The read budget ran out with bytes possibly left: call again soon.
    BudgetSpent,
    /// The next frame waits for large-frame budget: call again once some is returned.
    AwaitBudget,
}

/// Everything a connection's handlers need besides the connection itself.
pub(super) struct Ctx<'a, S> {
    pub shared: &'a Shared,
    pub on_message: &'a mut FallibleCallback,
    /// The other connections and the cursor book (for the handshake).
    pub hub: &'a mut Hub<S>,
    pub counts: BurstCounts,
    /// When the listener started: `RxCursor` works in milliseconds since then.
    pub epoch: Instant,
    pub now: Instant,
    pub now_ms: u64,
}

impl<S> Ctx<'_, S> {
    /// Reads the clock.
    pub fn tick(&mut self) {
        self.now = Instant::now();
        let since = self.now.saturating_duration_since(self.epoch);
        self.now_ms = u64::try_from(since.as_millis()).unwrap_or(u64::MAX);
    }

    /// Publishes the counts gathered so far (before an Ack goes out, so whoever saw the
    /// Ack sees the counts).
    pub fn publish_counts(&mut self) {
        self.shared.listener_stats.add(&self.counts);
        self.counts = BurstCounts::default();
    }

    /// Logs a protocol violation by the peer and reports it as `PeerProtocolError`.
    pub fn protocol_error(&mut self, peer: &str, message: &str) {
        crate::log::log!("inbound {peer}: {message}; closing");
        self.shared
            .report(StatusKind::PeerProtocolError, "", peer, message);
        self.counts.rejected += 1;
    }

    /// Logs and reports a connection refused or closed by a resource limit (`PeerLimited`).
    pub fn limited(&mut self, peer: &str, why: &str) {
        limited(self.shared, peer, why);
        self.counts.rejected += 1;
    }
}

/// Logs and reports (`PeerLimited`) a connection refused or closed by a resource limit.
pub(super) fn limited(shared: &Shared, peer: &str, why: &str) {
    crate::log::log!("inbound {peer}: {why}; closing");
    shared.report(StatusKind::PeerLimited, "", peer, why);
}

/// Reads and handles everything available on `conn`, up to the read budget.
pub(super) fn on_readable<S: CursorStore>(
    conn: &mut InConn,
    ctx: &mut Ctx<'_, S>,
) -> Result<Drained, Closed> {
    for _ in 0..READ_BUDGET {
        let plan = conn.rx.prepare_read(&mut ctx.hub.budget);
        conn.session.awaiting_budget = plan == ReadPlan::AwaitBudget;
        if conn.session.awaiting_budget {
            // Not reading: the peer is not the slow one.
            conn.session.partial_since = None;
            return Ok(Drained::AwaitBudget);
        }
        let read = conn.stream.read(conn.rx.decoder.spare_mut());
        match read {
            Ok(0) => return Err(Closed),
            Ok(n) => {
                conn.rx.decoder.commit(n);
                ctx.tick();
                conn.session.last_rx = ctx.now;
                let handled = handle_frames(conn, ctx);
                ctx.publish_counts();
                let completed = handled?;
                let pending = conn.rx.decoder.buffered();
                conn.session.note_progress(pending, completed, ctx.now);
                conn.rx.settle(&mut ctx.hub.budget);
                end_burst(&mut conn.session, &mut conn.stream, ctx)?;
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(Drained::Yes),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(_) => return Err(Closed),
        }
    }
    Ok(Drained::BudgetSpent)
}

/// Writes what the connection owes after a writable event.
pub(super) fn on_writable(conn: &mut InConn) -> Result<(), Closed> {
    conn.session
        .outbox
        .flush(&mut conn.stream)
        .map(drop)
        .map_err(|_| Closed)
}

/// Handles every complete frame in the receive buffer; says whether there was one.
fn handle_frames<S: CursorStore>(conn: &mut InConn, ctx: &mut Ctx<'_, S>) -> Result<bool, Closed> {
    let InConn {
        stream,
        rx,
        session,
    } = conn;
    let mut since_tick = 0u32;
    let mut any = false;
    loop {
        let frame = match rx.decoder.next_frame() {
            Ok(Some(frame)) => frame,
            Ok(None) => return Ok(any),
            Err(err) => return Err(bad_stream(session, err, ctx)),
        };
        any = true;
        if session.in_handshake() {
            handshake::on_frame(session, frame, ctx)?;
            if !session.in_handshake() {
                let config = &ctx.shared.config;
                rx.open(config.recv_buffer_bytes, config.max_body_len());
            }
            continue;
        }
        match frame {
            Frame::Data(data) => {
                on_data(session, stream, &data, ctx)?;
                since_tick += 1;
                if since_tick == CLOCK_STRIDE {
                    since_tick = 0;
                    ctx.tick();
                }
            }
            Frame::Ping(nonce) => session.outbox.owe_pong(nonce),
            // We never ping, but a stray Pong harms nothing.
            Frame::Pong(_) => {}
            Frame::Bye => return Err(Closed),
            other => {
                let message = format!("unexpected {} after the handshake", kind_name(&other));
                ctx.protocol_error(&session.peer, &message);
                return Err(Closed);
            }
        }
    }
}

/// Dedups one Data frame, delivers it if new, and acks when the policy says so mid-burst.
/// A new frame that cannot be delivered (unknown topic key, callback refused it) closes the
/// connection with the cursor just below it: what came before is acked at the close, the
/// frame itself never is, so the sender keeps it and sends it again on its next connection
/// (after its reconnect backoff), before anything newer.
fn on_data<S>(
    session: &mut Session,
    stream: &mut TcpStream,
    data: &Data<'_>,
    ctx: &mut Ctx<'_, S>,
) -> Result<(), Closed> {
    let Session {
        phase,
        topics,
        from,
        peer,
        outbox,
        farewell,
        ..
    } = session;
    let Phase::Open { ck, rx } = phase else {
        unreachable!("Data is handled only after the handshake");
    };
    let check = rx.check(data.seq);
    if check == SeqCheck::OutOfRange {
        let message = format!(
            "message seq {} is out of range (cursor {}; at most {MAX_SEQ_GAP} above it)",
            data.seq,
            rx.cursor()
        );
        ctx.protocol_error(peer, &message);
        return Err(Closed);
    }
    if check == SeqCheck::Duplicate {
        ctx.counts.duplicates += 1;
    } else {
        let Some(to) = topics.name(data.topic_key, &ctx.shared.own_topics) else {
            ctx.counts.unknown_topic += 1;
            crate::log::log!(
                "inbound {peer}: message {} for unknown topic key {}; not acknowledged, \
                 closing so the sender keeps it",
                data.seq,
                data.topic_key
            );
            *farewell = true;
            return Err(Closed);
        };
        let on_message = &mut *ctx.on_message;
        let call = catch_unwind(AssertUnwindSafe(|| on_message(to, from, data.payload)));
        match call {
            Ok(Ok(())) => {
                rx.accept(data.seq, ctx.now_ms);
                ctx.counts.delivered += 1;
            }
            Ok(Err(Redeliver)) => {
                ctx.counts.refused += 1;
                *farewell = true;
                return Err(Closed);
            }
            Err(_) => {
                ctx.counts.refused += 1;
                ctx.counts.callback_panics += 1;
                crate::log::log!(
                    "receive callback panicked on message {} from {from}; it will be \
                     delivered again",
                    data.seq
                );
                *farewell = true;
                return Err(Closed);
            }
        }
    }
    if let Some(seq) = rx.ack_due(ctx.now_ms) {
        ack(*ck, rx, seq, outbox, ctx.shared);
        outbox.flush(stream).map_err(|_| Closed)?;
    }
    Ok(())
}

/// After a read: acks everything delivered and writes what is owed (Welcome, Pong, Ack).
fn end_burst<S>(
    session: &mut Session,
    stream: &mut TcpStream,
    ctx: &mut Ctx<'_, S>,
) -> Result<(), Closed> {
    if let Phase::Open { ck, rx } = &mut session.phase
        && let Some(seq) = rx.flush()
    {
        ack(*ck, rx, seq, &mut session.outbox, ctx.shared);
    }
    session.outbox.flush(stream).map(drop).map_err(|_| Closed)
}

/// Queues an Ack for `seq`, records it as sent and hands the cursor to the store worker.
pub(super) fn ack(ck: u64, rx: &mut RxCursor, seq: u64, outbox: &mut Outbox, shared: &Shared) {
    outbox.owe_ack(seq);
    rx.on_ack_sent(seq);
    shared.cursors.mark(&shared.jobs, ck, seq);
}

/// The byte stream broke framing: refuse the handshake or drop the connection.
fn bad_stream<S: CursorStore>(
    session: &mut Session,
    err: DecodeError,
    ctx: &mut Ctx<'_, S>,
) -> Closed {
    if session.in_handshake() {
        handshake::refuse_malformed(session, err, ctx)
    } else {
        ctx.protocol_error(&session.peer, &format!("bad frame: {err}"));
        Closed
    }
}

/// A frame kind's name for messages.
pub(super) fn kind_name(frame: &Frame<'_>) -> &'static str {
    match frame {
        Frame::Hello(_) => "Hello",
        Frame::Welcome(_) => "Welcome",
        Frame::Reject(_) => "Reject",
        Frame::Challenge(_) => "Challenge",
        Frame::Proof(_) => "Proof",
        Frame::Data(_) => "Data",
        Frame::Ack(_) => "Ack",
        Frame::Ping(_) => "Ping",
        Frame::Pong(_) => "Pong",
        Frame::Bye => "Bye",
    }
}
