//! Proof that steady-state delivery allocates nothing on the listener thread: a counting
//! global allocator (for this test binary) counts only on threads that opted in, and the
//! receive callback opts the listener thread in once delivery is warmed up.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::AtomicU64;

use super::*;

/// Counts allocations made on threads whose `TRACKED` flag is set; delegates to `System`.
struct Counting;

static ALLOCATIONS: AtomicU64 = AtomicU64::new(0);

thread_local! {
    static TRACKED: Cell<bool> = const { Cell::new(false) };
}

fn count() {
    if TRACKED.try_with(Cell::get).unwrap_or(false) {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
    }
}

// SAFETY: every method forwards to `System` with the caller's arguments unchanged.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count();
        // SAFETY: forwarded contract.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        count();
        // SAFETY: forwarded contract.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count();
        // SAFETY: forwarded contract.
        unsafe { System.realloc(ptr, layout, new_size) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded contract.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Messages delivered before counting starts (first-use allocations happen before).
const WARMUP: u64 = 1_000;
const MESSAGES: u64 = 30_000;
const PER_WRITE: u64 = 600;

#[test]
fn steady_state_delivery_allocates_nothing() {
    let seen = Arc::new(AtomicU64::new(0));
    let counter = seen.clone();
    let on_message: ReceiveCallback = Box::new(move |to, from, payload| {
        assert_eq!((to, from), ("inbox", "src"));
        let n = counter.fetch_add(1, Ordering::Relaxed) + 1;
        if n == WARMUP {
            TRACKED.with(|t| t.set(true));
        }
        if payload == b"probe" {
            // One deliberate allocation shows the counter really watches this thread.
            drop(std::hint::black_box(Vec::<u8>::with_capacity(8)));
        }
    });
    let rig = Rig::start_raw(
        config(),
        MemStore::default(),
        Default::default(),
        infallible(on_message),
    );
    let mut peer = rig.connect();
    peer.handshake(1);
    let payload = [0x5a; 100];
    let mut seq = 0;
    while seq < MESSAGES {
        let frames: Vec<Frame<'_>> = (seq + 1..=seq + PER_WRITE)
            .map(|s| data(s, &payload))
            .collect();
        peer.send(&frames);
        seq += PER_WRITE;
    }
    peer.acks_until(MESSAGES);
    assert_eq!(seen.load(Ordering::Relaxed), MESSAGES);
    assert_eq!(
        ALLOCATIONS.load(Ordering::Relaxed),
        0,
        "allocations on the listener thread while delivering"
    );

    peer.send(&[data(MESSAGES + 1, b"probe")]);
    peer.acks_until(MESSAGES + 1);
    assert_eq!(ALLOCATIONS.load(Ordering::Relaxed), 1);
}
