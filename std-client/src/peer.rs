//! One outbound peer (a listener this client sends to): its transmit windows, sequence
//! numbers, Redis backlog bookkeeping and link state, shared by caller threads (`send_to`),
//! the sender I/O thread and the store worker under one mutex.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use liner_core::ack::{SeqCounter, TxWindow, WindowError};
use liner_core::frame::{DataHead, LEN_PREFIX, MAX_DATA_HEADER_LEN};

use crate::error::Error;
use crate::jobs::{Job, JobQueue};
use crate::outbound::{SharedStream, try_write};

/// Seqs reserved in Redis at a time (`lnr_connection:{ck}:last_seq`); a new block is
/// reserved when half of the current one is used. A restarted sender skips what its
/// predecessor reserved but did not use, so seqs jump by up to this much per restart.
pub(crate) const SEQ_BLOCK: u64 = 1 << 20;

/// Where the connection to the peer stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Link {
    /// No connection; frames go to Redis.
    Offline,
    /// Connecting or waiting for Welcome.
    Connecting,
    /// Handshake done; frames flow.
    Connected,
}

/// Mutable state of a peer; always accessed under `OutPeer::state`.
pub(crate) struct PeerState {
    /// Frames of `send_to`, in seq order.
    pub window: TxWindow<Vec<u8>>,
    /// Frames read back from the Redis backlog, written before `window`.
    pub drain: Option<TxWindow<Vec<u8>>>,
    pub seq: SeqCounter,
    pub link: Link,
    pub addr: Option<SocketAddr>,
    /// Frames in `lnr_connection:{ck}:messages`, as far as this client knows.
    pub redis_len: u64,
    /// Frames at the head of that list already copied into `drain`.
    pub redis_read: u64,
    /// The worker has copied frames out of `window` and is pushing them to Redis.
    pub spilling: bool,
    /// A Spill job is queued and not yet started.
    pub spill_queued: bool,
    /// A Drain job is queued and not yet started.
    pub drain_queued: bool,
    /// The sender thread was woken and has not flushed everything yet.
    pub wake_pending: bool,
    /// Callers blocked on `room`.
    pub waiters: u32,
    /// Best-effort frames dropped because the peer was unreachable or the window full.
    pub dropped_best_effort: u64,
    /// Connect at once, skipping the backoff (the peer announced it is back).
    pub connect_now: bool,
    /// Highest seq reserved in Redis (`lnr_connection:{ck}:last_seq`): a restarted sender
    /// numbers above it, so seqs are never reused even after a crash.
    pub reserved: u64,
    /// A Reserve job is queued and not yet done.
    pub reserve_queued: bool,

    /// The connected socket and who is writing to it (callers may write when it is idle).
    pub stream: SharedStream,
}

impl PeerState {
    /// Frames of `window` may be written to the socket: connected and nothing older is
    /// still in Redis unread or on its way there.
    pub fn direct(&self) -> bool {
        self.link == Link::Connected && self.redis_read == self.redis_len && !self.spilling
    }

    /// Best-effort frames are queued while connected or while a connection attempt is due
    /// or under way (so the first messages to a newly found peer are not dropped); they are
    /// dropped (and counted) when the peer is known to be unreachable.
    pub fn accepts_best_effort(&self) -> bool {
        self.link != Link::Offline || self.connect_now
    }

    /// Frames of `window` must go to Redis instead of the socket: the peer is known to be
    /// unreachable (no connection attempt under way or due), or older frames are still in
    /// Redis unread. While a first or renewed attempt is under way frames wait in the
    /// window, so a newly found peer does not cost a Redis round trip per early message.
    pub fn must_spill(&self) -> bool {
        let unreachable = self.link == Link::Offline && !self.connect_now;
        unreachable || self.redis_read < self.redis_len
    }
}

/// A listener this client sends to, identified by its unique name.
pub(crate) struct OutPeer {
    /// Index in the registry; also the mio token of its connection.
    pub id: usize,
    /// The listener's unique name.
    pub name: String,
    /// Connection key of (this client, its topic, this listener).
    pub ck: u64,
    state: Mutex<PeerState>,
    /// Signalled when window room was freed (ack or spill) and someone waits.
    room: Condvar,
    /// Its connection failed and its liveness in Redis expired: `send_to` routes around it
    /// while the topic has a live listener. Read without the lock on the send path.
    dead: AtomicBool,
}

/// What the caller must do after a frame was accepted.
enum Accepted {
    Done,
    Wake,
}

impl OutPeer {
    /// A peer whose next seq is `next_seq`, with seqs up to `reserved` reserved in Redis.
    pub fn new(
        id: usize,
        name: String,
        ck: u64,
        window_bytes: usize,
        next_seq: u64,
        reserved: u64,
    ) -> Self {
        OutPeer {
            id,
            name,
            ck,
            state: Mutex::new(PeerState {
                window: TxWindow::new(vec![0; window_bytes]),
                drain: None,
                seq: SeqCounter::new(next_seq),
                link: Link::Offline,
                addr: None,
                redis_len: 0,
                redis_read: 0,
                spilling: false,
                spill_queued: false,
                drain_queued: false,
                wake_pending: false,
                waiters: 0,
                dropped_best_effort: 0,
                connect_now: true,
                reserved,
                reserve_queued: false,
                stream: SharedStream::default(),
            }),
            room: Condvar::new(),
            dead: AtomicBool::new(false),
        }
    }

    /// See [`OutPeer::set_dead`].
    pub fn is_dead(&self) -> bool {
        self.dead.load(Ordering::Relaxed)
    }

    /// Marks the listener dead (or alive again); see the field.
    pub fn set_dead(&self, dead: bool) {
        self.dead.store(dead, Ordering::Relaxed);
    }

    pub fn lock(&self) -> MutexGuard<'_, PeerState> {
        // A panic while holding the lock cannot leave the window half-written (core
        // operations are all-or-nothing), so a poisoned lock is still usable.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Wakes callers waiting for room; cheap when nobody waits.
    pub fn notify_room(&self, st: &PeerState) {
        if st.waiters > 0 {
            self.room.notify_all();
        }
    }

    /// Queues one frame (`head`: its topic key and flags, encoded once per message).
    /// Best-effort frames are dropped (and counted) when the peer is not
    /// connected or the window is full; at-least-once frames wait up to `timeout` for room.
    /// `may_write_directly`: an idle connection may get the frame from the caller's thread
    /// (see `outbound::direct`); a fan-out passes false, so its frames go out in the sender
    /// thread's batches instead of one syscall per frame and peer. Returns whether the
    /// sender thread must be woken.
    pub fn enqueue(
        &self,
        jobs: &JobQueue,
        head: &DataHead,
        payload: &[u8],
        timeout: Duration,
        may_write_directly: bool,
    ) -> Result<bool, Error> {
        let at_least_once = head.at_least_once();
        // The clock is read only when the frame has to wait (not on the hot path).
        let mut first_wait = None;
        let mut deadline = || *first_wait.get_or_insert_with(|| Instant::now() + timeout);
        let mut st = self.lock();
        loop {
            if !at_least_once && !st.accepts_best_effort() {
                st.dropped_best_effort += 1;
                return Ok(false);
            }
            if st.seq.is_exhausted() {
                return Err(Error::SeqExhausted(self.name.clone()));
            }
            let seq = st.seq.peek();
            let was_idle = st.window.unsent().is_empty();
            match st.window.push_with_head(seq, head, payload) {
                Ok(()) => {
                    // Cannot fail: the counter was checked above under the same lock.
                    let _ = st.seq.allocate();
                    if seq >= st.reserved.saturating_sub(SEQ_BLOCK / 2) && !st.reserve_queued {
                        st.reserve_queued = true;
                        jobs.push(Job::Reserve(self.id));
                    }
                    let accepted = self.after_push(&mut st, jobs, was_idle && may_write_directly);
                    return Ok(matches!(accepted, Accepted::Wake));
                }
                Err(WindowError::Full { .. }) if !at_least_once => {
                    st.dropped_best_effort += 1;
                    return Ok(false);
                }
                Err(WindowError::Full { .. }) => {
                    if st.must_spill() {
                        self.queue_spill(&mut st, jobs);
                    }
                    st = self.wait_for_room(st, deadline())?;
                }
                // The sender thread is writing the unsent bytes in place (see
                // `outbound::writer`); it notifies `room` when done.
                Err(WindowError::Pinned) => {
                    st = self.wait_for_room(st, deadline())?;
                }
                Err(WindowError::TooLarge { .. }) => {
                    st = self.grow_window(st, jobs, payload.len(), deadline())?;
                }
                Err(other) => return Err(Error::InvalidArg(other.to_string())),
            }
        }
    }

    /// `write_now`: the window had nothing unsent before this frame and the caller allows a
    /// direct write.
    fn after_push(&self, st: &mut PeerState, jobs: &JobQueue, write_now: bool) -> Accepted {
        if st.must_spill() {
            self.queue_spill(st, jobs);
            Accepted::Done
        } else if st.direct() && !st.wake_pending {
            if write_now && try_write(st) {
                return Accepted::Done;
            }
            st.wake_pending = true;
            Accepted::Wake
        } else {
            Accepted::Done
        }
    }

    /// Asks the worker to move the window's frames to Redis, once per batch.
    pub fn queue_spill(&self, st: &mut PeerState, jobs: &JobQueue) {
        if !st.spill_queued && !st.spilling {
            st.spill_queued = true;
            jobs.push(Job::Spill(self.id));
        }
    }

    /// Asks the worker to read the next backlog batch into `drain`, once at a time.
    pub fn queue_drain(&self, st: &mut PeerState, jobs: &JobQueue) {
        if !st.drain_queued && st.link == Link::Connected && st.redis_read < st.redis_len {
            st.drain_queued = true;
            jobs.push(Job::Drain(self.id));
        }
    }

    fn wait_for_room<'a>(
        &'a self,
        mut st: MutexGuard<'a, PeerState>,
        deadline: Instant,
    ) -> Result<MutexGuard<'a, PeerState>, Error> {
        let now = Instant::now();
        if now >= deadline {
            return Err(Error::Busy(self.name.clone()));
        }
        st.waiters += 1;
        let (mut st, _) = self
            .room
            .wait_timeout(st, deadline - now)
            .unwrap_or_else(|p| p.into_inner());
        st.waiters -= 1;
        Ok(st)
    }

    /// Slow path for a message bigger than the window: once the window is empty, give it a
    /// one-off buffer big enough for this frame; `shrink_window` returns to the configured
    /// size when the frame is gone.
    fn grow_window<'a>(
        &'a self,
        mut st: MutexGuard<'a, PeerState>,
        jobs: &JobQueue,
        payload_len: usize,
        deadline: Instant,
    ) -> Result<MutexGuard<'a, PeerState>, Error> {
        while !st.window.is_empty() {
            if st.must_spill() {
                self.queue_spill(&mut st, jobs);
            }
            st = self.wait_for_room(st, deadline)?;
        }
        let needed = LEN_PREFIX + MAX_DATA_HEADER_LEN + payload_len;
        st.window = TxWindow::new(vec![0; needed]);
        Ok(st)
    }

    /// Returns a grown window to `window_bytes` once it is empty again.
    pub fn shrink_window(st: &mut PeerState, window_bytes: usize) {
        if st.window.is_empty() && st.window.capacity() > window_bytes {
            st.window = TxWindow::new(vec![0; window_bytes]);
        }
    }
}
