//! No heap allocation per message on the hot path: a counting global allocator shows
//! `send_to` allocates nothing on the caller's thread in steady state, and that the whole
//! process (sender I/O, listener I/O and callback, acks, cursor persistence) stays far
//! below one allocation per message.

mod common;

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use common::{Pair, payload};
use liner_tests::{RedisServer, unique_prefix};

struct Counting;

static TOTAL: AtomicU64 = AtomicU64::new(0);

thread_local! {
    static ON_THIS_THREAD: Cell<u64> = const { Cell::new(0) };
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        TOTAL.fetch_add(1, Ordering::Relaxed);
        let _ = ON_THIS_THREAD.try_with(|n| n.set(n.get() + 1));
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        TOTAL.fetch_add(1, Ordering::Relaxed);
        let _ = ON_THIS_THREAD.try_with(|n| n.set(n.get() + 1));
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

fn on_this_thread() -> u64 {
    ON_THIS_THREAD.with(Cell::get)
}

#[test]
fn the_message_path_does_not_allocate_per_message() {
    let redis = RedisServer::start();
    let pair = Pair::start(redis.url(), &unique_prefix());
    // Reserve the collector's storage up front so the test's own bookkeeping does not count.
    pair.received.reserve(60_000);
    let (sender, topic) = (&pair.sender, &pair.topic);
    let message = payload(0, 100);

    // Warm-up: connection, handshake, first routes and buffers.
    for _ in 0..10_000 {
        assert!(sender.send_to(topic, &message, true));
    }
    assert!(pair.received.wait_for(10_000, Duration::from_secs(20)));
    std::thread::sleep(Duration::from_millis(200));

    const N: u64 = 50_000;
    let (total_before, thread_before) = (TOTAL.load(Ordering::SeqCst), on_this_thread());
    for _ in 0..N {
        assert!(sender.send_to(topic, &message, true));
    }
    let send_path = on_this_thread() - thread_before;
    assert!(
        pair.received
            .wait_for(10_000 + N as usize, Duration::from_secs(30))
    );
    let whole = TOTAL.load(Ordering::SeqCst) - total_before;
    println!(
        "allocations for {N} messages: send path (caller thread) {send_path}, whole process {whole} ({:.4}/message)",
        whole as f64 / N as f64
    );
    assert_eq!(send_path, 0, "send_to allocated on the caller's thread");
    assert!(whole * 100 < N, "{whole} allocations for {N} messages");
}
