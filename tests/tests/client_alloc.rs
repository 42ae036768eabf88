//! Heap use of the client, seen by a counting global allocator: no allocation per message
//! on the hot path (`send_to` allocates nothing on the caller's thread in steady state, and
//! the whole process — sender I/O, listener I/O and callback, acks, cursor persistence —
//! stays far below one allocation per message), and a new connection costs what the RAM
//! formula of docs/using-redis.md says.

mod common;

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::Mutex;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::time::Duration;

use common::{Pair, Received, client, payload};
use liner_broker::{Client, Config};
use liner_tests::{RedisServer, unique_prefix};

struct Counting;

static TOTAL: AtomicU64 = AtomicU64::new(0);
/// Bytes currently allocated.
static LIVE: AtomicI64 = AtomicI64::new(0);

thread_local! {
    static ON_THIS_THREAD: Cell<u64> = const { Cell::new(0) };
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        TOTAL.fetch_add(1, Ordering::Relaxed);
        LIVE.fetch_add(layout.size() as i64, Ordering::Relaxed);
        let _ = ON_THIS_THREAD.try_with(|n| n.set(n.get() + 1));
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size() as i64, Ordering::Relaxed);
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        TOTAL.fetch_add(1, Ordering::Relaxed);
        LIVE.fetch_add(new_size as i64 - layout.size() as i64, Ordering::Relaxed);
        let _ = ON_THIS_THREAD.try_with(|n| n.set(n.get() + 1));
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// The tests of this file measure the whole process, so they take turns.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

fn on_this_thread() -> u64 {
    ON_THIS_THREAD.with(Cell::get)
}

#[test]
fn the_message_path_does_not_allocate_per_message() {
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(|p| p.into_inner());
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

#[test]
fn a_new_connection_costs_one_window_and_one_receive_buffer() {
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(|p| p.into_inner());
    let redis = RedisServer::start();
    let p = unique_prefix();
    // Sizes far from any other buffer's, so the measurement cannot mistake one for another.
    let config = Config {
        window_bytes: 3 << 20,
        recv_buffer_bytes: 5 << 20,
        ..Config::default()
    };
    let open = |name: &str| {
        Client::open(name, name, "127.0.0.1:0", redis.url(), config.clone())
            .unwrap_or_else(|e| panic!("{name}: {e}"))
    };
    let (listener, sender) = (open(&format!("{p}listener")), open(&format!("{p}sender")));
    let received = Received::default();
    assert!(listener.run(received.callback()));
    assert!(sender.run(|_, _, _| {}));
    // A first peer pays the one-off costs (Redis replies, route entries, thread-locals).
    let warm_up = client(redis.url(), &format!("{p}warm"), &format!("{p}warm"));
    let warm_seen = Received::default();
    assert!(warm_up.run(warm_seen.callback()));
    assert!(sender.send_to(&format!("{p}warm"), &payload(0, 100), true));
    assert!(warm_seen.wait_for(1, Duration::from_secs(20)));
    std::thread::sleep(Duration::from_millis(200));

    let before = LIVE.load(Ordering::SeqCst);
    assert!(sender.send_to(&format!("{p}listener"), &payload(1, 100), true));
    assert!(received.wait_for(1, Duration::from_secs(20)));
    std::thread::sleep(Duration::from_millis(200));
    let grown = LIVE.load(Ordering::SeqCst) - before;
    // docs/using-redis.md: an outbound peer costs window_bytes + 4.5 KiB, an inbound
    // connection recv_buffer_bytes + 0.7 KiB; allow 64 KiB for names, routes and replies.
    let formula = (config.window_bytes + 4608 + config.recv_buffer_bytes + 717) as i64;
    println!("heap grown by one connection: {grown} bytes; formula {formula}");
    assert!(
        (formula..formula + (64 << 10)).contains(&grown),
        "grew {grown} bytes, formula says {formula}"
    );
    warm_up.stop();
    sender.stop();
    listener.stop();
}
