//! What the sender thread does to a peer's shared state (`PeerState`, under the peer lock)
//! as its connection comes up, gets acknowledgements and goes down. Everything here is
//! short and non-blocking: callers hold no other lock and call no user code meanwhile.

use std::net::{SocketAddr, TcpStream};

use liner_core::ack::TxWindow;
use liner_core::frame::{Frame, parse_frame};

use super::SharedStream;

use crate::jobs::Job;
use crate::log::log;
use crate::peer::{Link, OutPeer, PeerState};
use crate::shared::Shared;
use crate::status::StatusKind;

/// Marks the peer `Connecting` and returns its address when an attempt should start now:
/// the peer is offline with a known address and either `due` (its backoff expired) or a
/// "connect now" hint is set. The flag says whether it was the hint.
pub(super) fn begin_connect(peer: &OutPeer, due: bool) -> Option<(SocketAddr, bool)> {
    let mut st = peer.lock();
    if st.link != Link::Offline {
        return None;
    }
    let addr = st.addr?;
    let hinted = st.connect_now;
    if !due && !hinted {
        return None;
    }
    st.connect_now = false;
    st.link = Link::Connecting;
    Some((addr, hinted))
}

/// Whether a "connect now" hint points at another address than `addr` (the peer restarted
/// elsewhere while we were still trying the old one).
pub(super) fn moved_away(peer: &OutPeer, addr: SocketAddr) -> bool {
    let st = peer.lock();
    st.connect_now && st.addr.is_some_and(|a| a != addr)
}

/// The handshake succeeded and the listener has delivered every seq up to `cursor`;
/// callers may write to `socket` from now on.
pub(super) fn connected(peer: &OutPeer, shared: &Shared, cursor: u64, socket: TcpStream) {
    let mut st = peer.lock();
    st.stream = SharedStream::connected(socket);
    st.window.rewind();
    renumber_collided(peer, &mut st, shared, cursor);
    st.window.ack(cursor);
    let own_tail = st.seq.tail();
    st.seq.resume(own_tail, cursor);
    st.link = Link::Connected;
    st.connect_now = false;
    peer.set_dead(false);
    peer.queue_drain(&mut st, &shared.jobs);
    if !st.window.is_empty() && st.must_spill() {
        peer.queue_spill(&mut st, &shared.jobs);
    }
    OutPeer::shrink_window(&mut st, shared.config.window_bytes);
    peer.notify_room(&st);
}

/// Frames never written to any connection cannot have been delivered, so a Welcome cursor
/// covering one means this sender numbered them below seqs an earlier run of it already
/// used (its seq reservation in Redis was lost or could not be renewed). Acking them
/// would free undelivered frames; instead they get new seqs above the cursor, in order.
/// Unwritten best-effort frames are dropped (and counted) on the way.
fn renumber_collided(peer: &OutPeer, st: &mut PeerState, shared: &Shared, cursor: u64) {
    let written = st.window.written_seq();
    let first_unsent = st
        .window
        .unacked()
        .map(|(seq, _)| seq)
        .find(|&s| s > written);
    if first_unsent.is_none_or(|seq| seq > cursor) {
        return;
    }
    let mut fresh = TxWindow::new(vec![0; st.window.capacity() + st.window.used()]);
    let mut next = cursor + 1;
    let mut renumbered = 0u64;
    for (seq, frame) in st.window.unacked() {
        let pushed = match parse_frame(frame) {
            Ok(Some((Frame::Data(data), _))) if seq > written => {
                renumbered += 1;
                next += 1;
                fresh.push_data(next - 1, data.topic_key, data.flags, data.payload)
            }
            _ => fresh.push_encoded(frame).map(drop),
        };
        // The fresh window is larger than everything it receives.
        debug_assert!(pushed.is_ok(), "renumbering lost a frame: {pushed:?}");
    }
    st.dropped_best_effort += st.window.unwritten_best_effort() as u64;
    st.window = fresh;
    let tail = st.seq.tail();
    st.seq.resume(tail.max(next - 1), cursor);
    let message = format!(
        "{renumbered} message(s) renumbered above the listener's cursor {cursor}: \
         this sender's numbering restarted below seqs it had used before"
    );
    log!("peer {}: {message}", peer.name);
    shared.report(StatusKind::SenderSendError, "", &peer.name, &message);
    if !st.reserve_queued {
        st.reserve_queued = true;
        shared.jobs.push(Job::Reserve(peer.id));
    }
}

/// A cumulative Ack for `seq` arrived.
pub(super) fn acked(peer: &OutPeer, shared: &Shared, seq: u64) {
    let mut st = peer.lock();
    confirm_drain(peer, &mut st, shared, seq);
    st.window.ack(seq);
    OutPeer::shrink_window(&mut st, shared.config.window_bytes);
    peer.notify_room(&st);
}

/// Frees the drain frames the listener already has (`seq <= confirmed`) and asks the
/// worker to trim exactly that many from the head of the Redis list. Called on every Ack
/// and before every write, because the worker may have just read frames the Welcome
/// cursor already covers: those are dropped without being sent.
pub(super) fn confirm_drain(peer: &OutPeer, st: &mut PeerState, shared: &Shared, confirmed: u64) {
    let Some(drain) = st.drain.as_mut() else {
        return;
    };
    let freed = drain.ack(confirmed);
    if freed > 0 {
        let upto = drain.acked_seq();
        shared.jobs.push(Job::Trim(peer.id, freed as u64, upto));
        peer.queue_drain(st, &shared.jobs);
    }
}

/// The connection is gone (or never came up): at-least-once frames go to Redis until the
/// next one, best-effort frames are dropped and counted.
pub(super) fn offline(peer: &OutPeer, shared: &Shared) {
    let mut st = peer.lock();
    st.link = Link::Offline;
    st.wake_pending = false;
    // Callers stop writing; the socket closes once the connection drops its own handle.
    st.stream = SharedStream::default();
    // Backlog frames copied into `drain` but not acked are still in Redis: read them again.
    st.redis_read = 0;
    if let Some(drain) = st.drain.as_mut() {
        drain.clear();
    }
    st.window.rewind();
    if st.window.unacked().next().is_some() {
        peer.queue_spill(&mut st, &shared.jobs);
    } else if !st.window.is_empty() {
        // Only best-effort frames are left (the rewind dropped those already written).
        st.dropped_best_effort += st.window.unwritten_best_effort() as u64;
        st.window.clear();
        OutPeer::shrink_window(&mut st, shared.config.window_bytes);
    }
    peer.notify_room(&st);
}
