//! The store worker thread: every Redis write and read of the message path runs here, off
//! the I/O threads — spilling window frames to a peer's offline list, reading the backlog
//! back into the drain window, trimming what the listener acknowledged, reserving seqs, and
//! persisting listener cursors.
//!
//! The worker is the only thread that changes a peer's Redis list, and it updates the
//! counters mirroring it (`redis_len`, `redis_read`) right after each change, so re-reading
//! the list's length (after Redis came back) is a job in the same queue, never a read from
//! another thread racing with a push or a trim. A change whose reply was lost leaves the
//! counters off until a drain read or a `Resync` corrects them, so no read relies on them:
//! the drain finds its place in the list by seq (the element after the last frame it holds)
//! and only uses `redis_read` as a hint.
//!
//! A failing job is retried after [`RETRY_PAUSE`]; the log gets one line when a kind of
//! failure starts and one when it ends ([`Outage`]). Once `stop` is requested the worker
//! keeps working until its queue is empty or the stop deadline passes; at-least-once frames
//! it could not park by then are counted as abandoned and reported.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use liner_core::ack::{TxWindow, WindowError};

use crate::jobs::Job;
use crate::liveness::Pulse;
use crate::log::log;
use crate::outage::Outage;
use crate::peer::{Link, OutPeer, PeerState, SEQ_BLOCK};
use crate::retention::{self, Housekeeping};
use crate::shared::Shared;
use crate::status::StatusKind;
use crate::store::Store;

/// Pause before retrying a job that failed because Redis is unavailable.
const RETRY_PAUSE: Duration = Duration::from_millis(100);
/// Listener cursors are written at most this often: under load many ack batches share one
/// `SET`, which keeps Redis round trips (and their allocations) off the per-message budget.
/// A crash between writes re-delivers nothing extra: senders only resend unacked frames.
const PERSIST_INTERVAL: Duration = Duration::from_millis(10);
/// How long the worker sleeps when it has nothing to do.
const IDLE_WAIT: Duration = Duration::from_millis(50);

/// Buffers reused across jobs so steady-state spilling and draining do not allocate per frame.
struct Worker {
    shared: Arc<Shared>,
    store: Store,
    frames: Vec<u8>,
    bounds: Vec<(usize, usize)>,
    backlog: Vec<Vec<u8>>,
    cursors: Vec<(u64, u64)>,
    last_persist: Instant,
    /// Set when cursors are dirty but were persisted too recently (or their write failed).
    persist_due: Option<Instant>,
    spill_outage: Outage,
    drain_outage: Outage,
    cursor_outage: Outage,
    reserve_outage: Outage,
    pulse: Pulse,
    housekeeping: Housekeeping,
}

/// When the worker of a stopping client must give up (set by `stop`).
#[derive(Default)]
pub(crate) struct StopSignal {
    deadline: std::sync::Mutex<Option<Instant>>,
}

impl StopSignal {
    /// Asks the worker to finish its queue, or give up at `deadline`.
    pub fn request(&self, deadline: Instant) {
        *self.deadline.lock().unwrap_or_else(|p| p.into_inner()) = Some(deadline);
    }

    fn deadline(&self) -> Option<Instant> {
        *self.deadline.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Starts the worker; it runs until `stop` was requested and its queue is empty, or the
/// stop deadline passed. It returns how many at-least-once frames it had to abandon.
pub(crate) fn spawn(
    shared: Arc<Shared>,
    store: Store,
    stop: Arc<StopSignal>,
) -> std::io::Result<JoinHandle<u64>> {
    let mut worker = Worker {
        store,
        frames: Vec::new(),
        bounds: Vec::new(),
        backlog: Vec::new(),
        cursors: Vec::new(),
        last_persist: Instant::now(),
        persist_due: None,
        spill_outage: Outage::new("parking messages in Redis"),
        drain_outage: Outage::new("reading parked messages from Redis"),
        cursor_outage: Outage::new("persisting listener cursors"),
        reserve_outage: Outage::new("reserving sequence numbers in Redis"),
        pulse: Pulse::new(),
        housekeeping: Housekeeping::new(&shared),
        shared,
    };
    std::thread::Builder::new()
        .name("liner-store".into())
        .spawn(move || {
            loop {
                let deadline = stop.deadline();
                if deadline.is_some_and(|d| Instant::now() >= d) {
                    return worker.abandon();
                }
                let mut wait = worker.persist_due.map_or(IDLE_WAIT, |due| {
                    due.saturating_duration_since(Instant::now())
                });
                wait = wait.min(worker.pulse.due().saturating_duration_since(Instant::now()));
                if let Some(deadline) = deadline {
                    wait = wait.min(deadline.saturating_duration_since(Instant::now()));
                }
                match worker.shared.jobs.pop(wait) {
                    Some(job) => worker.run(job),
                    None if deadline.is_some() && worker.persist_due.is_none() => return 0,
                    None => {}
                }
                if worker.persist_due.is_some_and(|due| Instant::now() >= due) {
                    worker.persist_cursors();
                }
                if deadline.is_none() && Instant::now() >= worker.pulse.due() {
                    worker.pulse.beat(&worker.shared, &mut worker.store);
                    worker.housekeeping.tick(&worker.shared, &mut worker.store);
                }
            }
        })
}

impl Worker {
    fn run(&mut self, job: Job) {
        match job {
            Job::Spill(id) => self.spill(&self.shared.registry.peer(id)),
            Job::Drain(id) => self.drain(&self.shared.registry.peer(id)),
            Job::Trim(id, n, upto) => self.trim(&self.shared.registry.peer(id), n, upto),
            Job::Reserve(id) => self.reserve(&self.shared.registry.peer(id)),
            Job::Resync(id) => self.resync(&self.shared.registry.peer(id)),
            Job::PersistCursors => {
                let due = self.last_persist + PERSIST_INTERVAL;
                if Instant::now() >= due {
                    self.persist_cursors();
                } else {
                    self.persist_due = Some(due);
                }
            }
        }
    }

    /// Moves the unacked at-least-once frames of the peer's window to Redis, then frees them.
    fn spill(&mut self, peer: &OutPeer) {
        let mut st = peer.lock();
        st.spill_queued = false;
        // At stop every unacked frame is parked, even for a peer still being tried.
        if !st.must_spill() && (self.shared.is_running() || st.link == Link::Connected) {
            return;
        }
        self.frames.clear();
        self.bounds.clear();
        let mut last_seq = 0;
        for (seq, frame) in st.window.unacked() {
            let start = self.frames.len();
            self.frames.extend_from_slice(frame);
            self.bounds.push((start, self.frames.len()));
            last_seq = seq;
        }
        if self.bounds.is_empty() {
            return;
        }
        st.spilling = true;
        drop(st);

        let frames = &self.frames;
        let result = self
            .store
            .spill(peer.ck, self.bounds.iter().map(|&(s, e)| &frames[s..e]));
        let (stored, failure) = match result {
            Ok(n) => (n, None),
            Err(e) => (e.stored, Some(e.error)),
        };
        let stored_seq = if stored == self.bounds.len() {
            last_seq
        } else if stored > 0 {
            seq_of(&self.frames[self.bounds[stored - 1].0..])
        } else {
            0
        };

        let mut st = peer.lock();
        st.spilling = false;
        if stored > 0 {
            st.window.ack(stored_seq);
            st.redis_len += stored as u64;
            OutPeer::shrink_window(&mut st, self.shared.config.window_bytes);
            peer.notify_room(&st);
        }
        if let Some(error) = &failure {
            drop(st);
            let message = format!("parking for {}: {error}", peer.name);
            if self.spill_outage.begin(&message) {
                self.shared
                    .report(StatusKind::SenderStoreError, "", &peer.name, &message);
            }
            std::thread::sleep(RETRY_PAUSE);
            st = peer.lock();
        } else {
            self.spill_outage.end();
        }
        if stored > 0 {
            drop(st);
            retention::note_parked(&self.shared, &mut self.store, peer, stored_seq);
            retention::cap(&self.shared, &mut self.store, peer);
            st = peer.lock();
        }
        if st.must_spill() && st.window.unacked().next().is_some() {
            peer.queue_spill(&mut st, &self.shared.jobs);
        }
        peer.queue_drain(&mut st, &self.shared.jobs);
        if st.direct() && !st.window.unsent().is_empty() && !st.wake_pending {
            st.wake_pending = true;
            drop(st);
            self.shared.wake_sender();
        }
    }

    /// Reads the next backlog batch into the drain window and wakes the sender thread.
    fn drain(&mut self, peer: &OutPeer) {
        let mut st = peer.lock();
        st.drain_queued = false;
        if st.link != Link::Connected || st.redis_read >= st.redis_len {
            return;
        }
        // Where to read is told by seq, not by index: the first element after the frames
        // the drain window holds. The counters only hint at its index; they are off after
        // a trim whose reply was lost (it removed frames nobody counted) and reading at
        // such an index would skip as many undelivered frames, which the next trim, by
        // seq, would then delete.
        let hint = st.redis_read;
        let after = read_seq(&st);
        let count = (st.redis_len - hint).min(self.shared.config.drain_batch as u64) as usize;
        drop(st);

        let read = self
            .store
            .read_backlog_after(peer.ck, hint, after, count, &mut self.backlog);
        let at = match read {
            Ok(at) => at,
            Err(error) => {
                let message = format!("reading the backlog of {}: {error}", peer.name);
                if self.drain_outage.begin(&message) {
                    self.shared
                        .report(StatusKind::SenderStoreError, "", &peer.name, &message);
                }
                std::thread::sleep(RETRY_PAUSE);
                peer.queue_drain(&mut peer.lock(), &self.shared.jobs);
                return;
            }
        };
        self.drain_outage.end();

        let mut st = peer.lock();
        // A disconnect meanwhile emptied the drain window: this batch is stale.
        if st.link != Link::Connected || read_seq(&st) != after {
            return;
        }
        if at.start != hint {
            log!(
                "the backlog of {} continues at index {}, not {hint}: frames left its head \
                 uncounted (a trim whose reply was lost); reading on from there",
                peer.name,
                at.start
            );
        }
        // This worker is the only writer of the list: what Redis just said is the truth.
        st.redis_len = at.len;
        st.redis_read = at.start;
        let window_bytes = self.shared.config.window_bytes;
        let drain = st
            .drain
            .get_or_insert_with(|| TxWindow::new(vec![0; window_bytes]));
        let mut taken = 0u64;
        for frame in &self.backlog {
            match drain.push_encoded(frame) {
                Ok(_) => taken += 1,
                // A second copy of a frame (a spill repeated after a lost reply): skipped
                // here, removed from the list with the original.
                Err(WindowError::SeqNotIncreasing { .. }) => taken += 1,
                Err(WindowError::TooLarge { needed, .. }) if drain.is_empty() => {
                    *drain = TxWindow::new(vec![0; needed]);
                    if drain.push_encoded(frame).is_ok() {
                        taken += 1;
                    }
                    break;
                }
                // Room comes back with the listener's Acks, which queue the next drain.
                Err(
                    WindowError::Full { .. } | WindowError::TooLarge { .. } | WindowError::Pinned,
                ) => {
                    break;
                }
                // Not a Data frame: it can never be delivered. Reported, skipped (so the
                // rest of the backlog is not stranded behind it) and trimmed later.
                Err(error) => {
                    taken += 1;
                    let message = format!(
                        "a parked element for {} is not a valid frame ({error}); it is \
                         skipped and lost",
                        peer.name
                    );
                    log!("{message}");
                    self.shared
                        .report(StatusKind::SenderStoreError, "", &peer.name, &message);
                }
            }
        }
        st.redis_read = at.start + taken;
        let drained_all = st.redis_read >= st.redis_len;
        if !drained_all && taken as usize == self.backlog.len() {
            peer.queue_drain(&mut st, &self.shared.jobs);
        }
        if !st.wake_pending {
            st.wake_pending = true;
            drop(st);
            self.shared.wake_sender();
        }
    }

    /// Removes the acknowledged frames (`n` expected, seqs up to `upto`) from the head of
    /// the peer's Redis list. The removal is idempotent, so a failure is simply retried;
    /// since a lost reply leaves the count unknown, the list length is re-read afterwards.
    fn trim(&mut self, peer: &OutPeer, n: u64, upto: u64) {
        match self.store.trim_backlog(peer.ck, n as usize, upto) {
            Ok(removed) => {
                self.drain_outage.end();
                let mut st = peer.lock();
                st.redis_len = st.redis_len.saturating_sub(removed);
                st.redis_read = st.redis_read.saturating_sub(removed);
            }
            Err(error) => {
                let message = format!("trimming the backlog of {}: {error}", peer.name);
                if self.drain_outage.begin(&message) {
                    self.shared
                        .report(StatusKind::SenderStoreError, "", &peer.name, &message);
                }
                std::thread::sleep(RETRY_PAUSE);
                self.shared.jobs.push(Job::Trim(peer.id, n, upto));
                self.shared.jobs.push(Job::Resync(peer.id));
            }
        }
    }

    /// Reserves the next block of seqs, so a successor of this process never reuses one.
    /// While Redis is down numbering goes on past the reservation (nothing waits for it);
    /// the next successful reservation covers what was used meanwhile.
    fn reserve(&mut self, peer: &OutPeer) {
        let target = {
            let st = peer.lock();
            st.seq.tail().saturating_add(SEQ_BLOCK)
        };
        let result = self.store.save_last_seq(peer.ck, target);
        let mut st = peer.lock();
        st.reserve_queued = false;
        match result {
            Ok(()) => {
                st.reserved = st.reserved.max(target);
                self.reserve_outage.end();
            }
            Err(error) => {
                drop(st);
                let message = format!("for {}: {error}", peer.name);
                if self.reserve_outage.begin(&message) {
                    self.shared
                        .report(StatusKind::SenderStoreError, "", &peer.name, &message);
                }
                std::thread::sleep(RETRY_PAUSE);
            }
        }
    }

    /// Re-reads the length of the peer's list (after Redis came back, or after a push or
    /// trim whose reply was lost) and puts back the seq reservation. The counters follow
    /// the list: elements gone from it were acknowledged frames at its head (trims are the
    /// only removals) or were lost with Redis's data; either way the frames read from them
    /// are still in the drain window, so the read position moves back by as many (it is
    /// only a hint for the next drain read, which checks it by seq).
    fn resync(&mut self, peer: &OutPeer) {
        let reserved = peer.lock().reserved;
        if let Err(error) = self.store.save_last_seq(peer.ck, reserved) {
            log!("restoring the seq reservation of {}: {error}", peer.name);
        }
        let len = match self.store.backlog_len(peer.ck) {
            Ok(len) => len,
            Err(error) => {
                log!(
                    "re-reading the backlog length of {}: {error}; retrying",
                    peer.name
                );
                std::thread::sleep(RETRY_PAUSE);
                self.shared.jobs.push(Job::Resync(peer.id));
                return;
            }
        };
        let mut st = peer.lock();
        let gone = st.redis_len.saturating_sub(len);
        st.redis_read = st.redis_read.saturating_sub(gone);
        st.redis_len = len;
        st.redis_read = st.redis_read.min(len);
        peer.queue_drain(&mut st, &self.shared.jobs);
    }

    /// The stop deadline passed: counts the at-least-once frames still only in memory
    /// (neither acknowledged nor parked), reports them and returns the count. They stay in
    /// the windows: a later `run` still sends or parks them.
    fn abandon(&mut self) -> u64 {
        let mut peers = Vec::new();
        self.shared.registry.snapshot(&mut peers);
        let mut total = 0;
        for peer in peers {
            let n = peer.lock().window.unacked().count() as u64;
            if n > 0 {
                log!(
                    "stop timed out with {n} at-least-once message(s) for {} neither \
                     delivered nor parked in Redis",
                    peer.name
                );
                total += n;
            }
        }
        if total > 0 {
            self.shared.abandoned.fetch_add(total, Ordering::Relaxed);
            let message = format!(
                "stop gave up on {total} at-least-once message(s): neither delivered nor \
                 parked in Redis; they are lost if the process exits"
            );
            self.shared
                .report(StatusKind::FramesAbandoned, "", "", &message);
        }
        total
    }

    /// Writes the dirty cursors. One that cannot be written is put back and retried after
    /// [`RETRY_PAUSE`] until it is: a stored cursor that lags behind delivery would make a
    /// restarted sender number below it.
    fn persist_cursors(&mut self) {
        self.persist_due = None;
        self.last_persist = Instant::now();
        self.shared.cursors.take(&mut self.cursors);
        let mut failure = None;
        for &(ck, cursor) in &self.cursors {
            if failure.is_none()
                && let Err(error) = self.store.save_cursor(ck, cursor)
            {
                failure = Some(format!("persisting the cursor of connection {ck}: {error}"));
            }
            if failure.is_some() {
                self.shared.cursors.mark(&self.shared.jobs, ck, cursor);
            }
        }
        match failure {
            Some(message) => {
                if self.cursor_outage.begin(&message) {
                    self.shared
                        .report(StatusKind::ListenerStoreError, "", "", &message);
                }
                self.persist_due = Some(Instant::now() + RETRY_PAUSE);
            }
            None => self.cursor_outage.end(),
        }
    }
}

/// The highest seq read from the Redis backlog into the drain window since the last
/// disconnect (0: none), i.e. where the next backlog read starts.
fn read_seq(st: &PeerState) -> u64 {
    st.drain.as_ref().and_then(TxWindow::last_seq).unwrap_or(0)
}

/// Seq of the encoded Data frame at the start of `bytes` (0 if it is not one).
fn seq_of(bytes: &[u8]) -> u64 {
    match liner_core::frame::parse_frame(bytes) {
        Ok(Some((liner_core::frame::Frame::Data(data), _))) => data.seq,
        _ => 0,
    }
}
