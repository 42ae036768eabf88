//! The store worker thread: every Redis write and read of the message path runs here, off
//! the I/O threads — spilling window frames to a peer's offline list, reading the backlog
//! back into the drain window, trimming what the listener acknowledged, and persisting
//! listener cursors.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use liner_core::ack::{TxWindow, WindowError};

use crate::jobs::Job;
use crate::log::log;
use crate::peer::{Link, OutPeer};
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
    /// Set when cursors are dirty but were persisted too recently.
    persist_due: Option<Instant>,
}

/// Starts the worker; it runs until `stop` is set and its queue is empty.
pub(crate) fn spawn(
    shared: Arc<Shared>,
    store: Store,
    stop: Arc<AtomicBool>,
) -> std::io::Result<JoinHandle<()>> {
    let mut worker = Worker {
        shared,
        store,
        frames: Vec::new(),
        bounds: Vec::new(),
        backlog: Vec::new(),
        cursors: Vec::new(),
        last_persist: Instant::now(),
        persist_due: None,
    };
    std::thread::Builder::new()
        .name("liner-store".into())
        .spawn(move || {
            loop {
                let wait = worker.persist_due.map_or(IDLE_WAIT, |due| {
                    due.saturating_duration_since(Instant::now())
                });
                match worker.shared.jobs.pop(wait) {
                    Some(job) => worker.run(job),
                    None if stop.load(Ordering::Acquire) && worker.persist_due.is_none() => break,
                    None => {}
                }
                if worker.persist_due.is_some_and(|due| Instant::now() >= due) {
                    worker.persist_cursors();
                }
            }
        })
}

impl Worker {
    fn run(&mut self, job: Job) {
        match job {
            Job::Spill(id) => self.spill(&self.shared.registry.peer(id)),
            Job::Drain(id) => self.drain(&self.shared.registry.peer(id)),
            Job::Trim(id, n) => self.trim(&self.shared.registry.peer(id), n),
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
        if stored > 0 {
            let _ = self.store.save_last_seq(peer.ck, stored_seq);
        }

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
            let message = format!("spilling to {} failed: {error}", peer.name);
            log!("{message}");
            self.shared
                .report(StatusKind::SenderStoreError, "", &peer.name, &message);
            std::thread::sleep(RETRY_PAUSE);
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
        let start = st.redis_read;
        let count = (st.redis_len - start).min(self.shared.config.drain_batch as u64) as usize;
        drop(st);

        let read = self
            .store
            .read_backlog(peer.ck, start as usize, count, &mut self.backlog);
        if let Err(error) = read {
            let message = format!("reading the backlog of {} failed: {error}", peer.name);
            log!("{message}");
            self.shared
                .report(StatusKind::SenderStoreError, "", &peer.name, &message);
            std::thread::sleep(RETRY_PAUSE);
            peer.queue_drain(&mut peer.lock(), &self.shared.jobs);
            return;
        }

        let mut st = peer.lock();
        // A disconnect meanwhile reset the read position: this batch is stale.
        if st.link != Link::Connected || st.redis_read != start {
            return;
        }
        let window_bytes = self.shared.config.window_bytes;
        let drain = st
            .drain
            .get_or_insert_with(|| TxWindow::new(vec![0; window_bytes]));
        let mut taken = 0u64;
        for frame in &self.backlog {
            match drain.push_encoded(frame) {
                Ok(_) => taken += 1,
                Err(WindowError::TooLarge { needed, .. }) if drain.is_empty() => {
                    *drain = TxWindow::new(vec![0; needed]);
                    if drain.push_encoded(frame).is_ok() {
                        taken += 1;
                    }
                    break;
                }
                Err(WindowError::Full { .. } | WindowError::TooLarge { .. }) => break,
                Err(error) => {
                    drop(st);
                    let message = format!("corrupt frame in the backlog of {}: {error}", peer.name);
                    log!("{message}");
                    self.shared
                        .report(StatusKind::SenderStoreError, "", &peer.name, &message);
                    return;
                }
            }
        }
        st.redis_read += taken;
        let drained_all = st.redis_read == st.redis_len;
        if !drained_all && taken as usize == self.backlog.len() {
            peer.queue_drain(&mut st, &self.shared.jobs);
        }
        if !st.wake_pending {
            st.wake_pending = true;
            drop(st);
            self.shared.wake_sender();
        }
    }

    /// Removes `n` acknowledged frames from the head of the peer's Redis list.
    fn trim(&mut self, peer: &OutPeer, n: u64) {
        let expected_before = peer.lock().redis_len;
        let trimmed = match self.store.trim_backlog(peer.ck, n as usize) {
            Ok(()) => true,
            // The LTRIM may or may not have happened; the list length tells.
            Err(error) => match self.store.backlog_len(peer.ck) {
                Ok(len) if len + n == expected_before => true,
                Ok(len) if len == expected_before => {
                    self.shared.jobs.push(Job::Trim(peer.id, n));
                    false
                }
                other => {
                    let message = format!("trimming the backlog of {} failed: {error}", peer.name);
                    log!("{message} ({other:?})");
                    self.shared
                        .report(StatusKind::SenderStoreError, "", &peer.name, &message);
                    std::thread::sleep(RETRY_PAUSE);
                    self.shared.jobs.push(Job::Trim(peer.id, n));
                    false
                }
            },
        };
        if trimmed {
            let mut st = peer.lock();
            st.redis_len = st.redis_len.saturating_sub(n);
            st.redis_read = st.redis_read.saturating_sub(n);
        }
    }

    fn persist_cursors(&mut self) {
        self.persist_due = None;
        self.last_persist = Instant::now();
        self.shared.cursors.take(&mut self.cursors);
        for &(ck, cursor) in &self.cursors {
            if let Err(error) = self.store.save_cursor(ck, cursor) {
                let message = format!("persisting cursor of connection {ck} failed: {error}");
                log!("{message}");
                self.shared
                    .report(StatusKind::ListenerStoreError, "", "", &message);
            }
        }
    }
}

/// Seq of the encoded Data frame at the start of `bytes` (0 if it is not one).
fn seq_of(bytes: &[u8]) -> u64 {
    match liner_core::frame::parse_frame(bytes) {
        Ok(Some((liner_core::frame::Frame::Data(data), _))) => data.seq,
        _ => 0,
    }
}
