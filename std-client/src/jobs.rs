//! The store worker's job queue: what the I/O threads and callers ask of Redis, in order.
//! Jobs are deduplicated by flags in the peer state, so the queue stays short and pushing
//! is allocation-free in steady state (capacity reserved up front).

use std::collections::VecDeque;
use std::sync::{Condvar, Mutex};
use std::time::Duration;

/// Work for the store worker thread.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Job {
    /// Move the at-least-once frames of this peer's window to its Redis list.
    Spill(usize),
    /// Read the next batch of this peer's Redis backlog into its drain window.
    Drain(usize),
    /// Remove the acknowledged frames (this many expected, seqs up to the second number)
    /// from the head of this peer's Redis list.
    Trim(usize, u64, u64),
    /// Persist the listener cursors marked dirty.
    PersistCursors,
    /// Reserve the next block of seqs of this peer in Redis.
    Reserve(usize),
    /// Re-read the length of this peer's Redis list (Redis came back, maybe empty).
    Resync(usize),
}

/// A blocking FIFO of jobs.
pub(crate) struct JobQueue {
    queue: Mutex<VecDeque<Job>>,
    ready: Condvar,
}

impl JobQueue {
    pub fn with_capacity(capacity: usize) -> Self {
        JobQueue {
            queue: Mutex::new(VecDeque::with_capacity(capacity)),
            ready: Condvar::new(),
        }
    }

    pub fn push(&self, job: Job) {
        self.queue
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push_back(job);
        self.ready.notify_one();
    }

    /// Next job, or `None` after `timeout` without one.
    pub fn pop(&self, timeout: Duration) -> Option<Job> {
        let mut queue = self.queue.lock().unwrap_or_else(|p| p.into_inner());
        if queue.is_empty() {
            queue = self
                .ready
                .wait_timeout(queue, timeout)
                .unwrap_or_else(|p| p.into_inner())
                .0;
        }
        queue.pop_front()
    }
}
