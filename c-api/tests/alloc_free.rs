//! The C API's message path makes no heap allocation in steady state: after a warm-up,
//! 10 000 `lnr_send_to` and 10 000 `lnr_send_all` calls (at-least-once, 64-byte payloads)
//! and the 30 000 deliveries they cause are counted by a counting global allocator, and the
//! count must be 0.
//!
//! Counted threads (the whole message path): the thread calling `lnr_send_*` while it sends;
//! the sender I/O thread (`liner-out`: socket writes, acks) and the listener threads
//! (`liner-in`: read, decode, receive callback, ack), recognised by liner-p2p's thread
//! names; listener threads are also marked by their receive callback, independently of the
//! names. The warm-up must see allocations on `liner-out` and `liner-in` threads (connection
//! set-up), which proves they are recognised. The store worker (`liner-store`, persisting
//! cursors to Redis) and the events thread are not on the message path; their allocations
//! are printed as "all threads" for information. The extern "C" functions are called
//! directly against a private redis-server.

// The crate is a cdylib + staticlib only (an rlib would collide with liner-p2p's file
// name), so its source is compiled into this test. Its own unit tests come along and run
// here too; the test uses only part of the API.
#[allow(dead_code, unused_imports)]
#[path = "../src/lib.rs"]
mod capi;
mod support;

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::ffi::{CString, c_char, c_void};
use std::sync::atomic::{AtomicU64, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use liner_tests::{RedisServer, unique_prefix};
use support::{cstr, new_client};

/// Counts allocations on message-path threads, and on all threads separately.
struct CountingAlloc;

static MESSAGE_PATH_ALLOCATIONS: AtomicU64 = AtomicU64::new(0);
static IO_THREAD_ALLOCATIONS: AtomicU64 = AtomicU64::new(0);
static ALL_ALLOCATIONS: AtomicU64 = AtomicU64::new(0);

/// Whether a thread is one of liner-p2p's I/O threads.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Role {
    Unknown,
    Io,
    Other,
}

// Const-initialised Cells have no destructor: reading them never fails or allocates.
thread_local! {
    /// Set on the sending thread while it sends, and by the receive callback on its thread.
    static MARKED: Cell<bool> = const { Cell::new(false) };
    static ROLE: Cell<Role> = const { Cell::new(Role::Unknown) };
    /// Guards against counting the allocations `thread::current()` itself might make.
    static CLASSIFYING: Cell<bool> = const { Cell::new(false) };
}

/// Whether the current thread is `liner-in` or `liner-out`, decided on its first allocation.
fn on_io_thread() -> bool {
    match ROLE.try_with(Cell::get).unwrap_or(Role::Other) {
        Role::Io => true,
        Role::Other => false,
        Role::Unknown => {
            if CLASSIFYING.try_with(|c| c.replace(true)).unwrap_or(true) {
                return false;
            }
            let io = matches!(thread::current().name(), Some("liner-in" | "liner-out"));
            ROLE.set(if io { Role::Io } else { Role::Other });
            CLASSIFYING.set(false);
            io
        }
    }
}

fn count_one() {
    ALL_ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
    let io = on_io_thread();
    if io {
        IO_THREAD_ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
    }
    if io || MARKED.try_with(Cell::get).unwrap_or(false) {
        MESSAGE_PATH_ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
    }
}

// SAFETY: forwards every call to the system allocator unchanged.
unsafe impl GlobalAlloc for CountingAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count_one();
        // SAFETY: forwarded contract.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        count_one();
        // SAFETY: forwarded contract.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count_one();
        // SAFETY: forwarded contract.
        unsafe { System.realloc(ptr, layout, new_size) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded contract.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: CountingAlloc = CountingAlloc;

const WARM_UP: u64 = 1_000;
const MEASURED: u64 = 10_000;
const PAYLOAD: [u8; 64] = [0x5a; 64];

/// Messages received by one client, updated from its receive callback.
struct Inbox {
    received: AtomicU64,
}

unsafe extern "C" fn on_message(
    _to: *const c_char,
    _from: *const c_char,
    data: *const c_char,
    size: usize,
    user_data: *mut c_void,
) {
    MARKED.set(true);
    // SAFETY: user_data is the &'static Inbox registered with lnr_run.
    let inbox = unsafe { &*user_data.cast::<Inbox>() };
    // SAFETY: data/size describe the payload for the duration of the call.
    let payload = unsafe { std::slice::from_raw_parts(data.cast::<u8>(), size) };
    assert_eq!(payload, PAYLOAD);
    inbox.received.fetch_add(1, Ordering::Relaxed);
}

fn last_error(h: capi::lnr_hClient) -> String {
    let message = capi::lnr_last_error_message(h);
    assert!(!message.is_null());
    // SAFETY: a NUL-terminated string owned by the slot, read before the next call on h.
    unsafe { std::ffi::CStr::from_ptr(message) }
        .to_string_lossy()
        .into_owned()
}

/// Sends `count` messages: `lnr_send_to(to_one)` and `lnr_send_all(to_all)` each.
fn send_batch(sender: capi::lnr_hClient, to_one: &CString, to_all: &CString, count: u64) {
    for _ in 0..count {
        let data = PAYLOAD.as_ptr().cast::<c_char>();
        // SAFETY: valid topic strings and payload buffer for the call.
        let one = unsafe { capi::lnr_send_to(sender, to_one.as_ptr(), data, PAYLOAD.len(), true) };
        // SAFETY: as above.
        let all = unsafe { capi::lnr_send_all(sender, to_all.as_ptr(), data, PAYLOAD.len(), true) };
        if !(one && all) {
            MARKED.set(false);
            panic!("send failed: {}", last_error(sender));
        }
    }
}

fn wait_for(inbox: &Inbox, expected: u64) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while inbox.received.load(Ordering::Relaxed) < expected {
        if Instant::now() > deadline {
            MARKED.set(false);
            panic!(
                "received {} of {expected}",
                inbox.received.load(Ordering::Relaxed)
            );
        }
        thread::sleep(Duration::from_millis(5));
    }
}

#[test]
fn send_and_receive_paths_do_not_allocate() {
    static FIRST: Inbox = Inbox {
        received: AtomicU64::new(0),
    };
    static SECOND: Inbox = Inbox {
        received: AtomicU64::new(0),
    };
    let redis = RedisServer::start();
    let url = cstr(redis.url());
    let prefix = unique_prefix();
    let (direct, fan) = (
        cstr(&format!("{prefix}direct")),
        cstr(&format!("{prefix}fan")),
    );

    let first = new_client(&format!("{prefix}first"), &format!("{prefix}direct"), &url);
    let second = new_client(&format!("{prefix}second"), &format!("{prefix}other"), &url);
    let sender = new_client(&format!("{prefix}sender"), &format!("{prefix}sender"), &url);
    for (h, inbox) in [(first, &FIRST), (second, &SECOND)] {
        // SAFETY: a valid C string for the call.
        assert!(
            unsafe { capi::lnr_subscribe(h, fan.as_ptr()) },
            "{}",
            last_error(h)
        );
        let user = std::ptr::from_ref(inbox).cast_mut().cast::<c_void>();
        assert!(
            capi::lnr_run(h, Some(on_message), user),
            "{}",
            last_error(h)
        );
    }
    assert!(
        capi::lnr_run(sender, None, std::ptr::null_mut()),
        "{}",
        last_error(sender)
    );

    // Warm-up: routes loaded, connections and buffers set up, listener threads marked.
    send_batch(sender, &direct, &fan, WARM_UP);
    wait_for(&FIRST, 2 * WARM_UP);
    wait_for(&SECOND, WARM_UP);

    // The counter works: an allocation on a marked thread is seen, and the I/O threads were
    // recognised by name (they allocated their buffers while connecting).
    MARKED.set(true);
    drop(std::hint::black_box(Box::new(0u64)));
    MARKED.set(false);
    let seen = MESSAGE_PATH_ALLOCATIONS.load(Ordering::Relaxed);
    assert!(seen > 0, "counting allocator inactive");
    let io_warm_up = IO_THREAD_ALLOCATIONS.load(Ordering::Relaxed);
    assert!(
        io_warm_up > 0,
        "no allocation seen on liner-in/liner-out: renamed threads?"
    );

    let all_before = ALL_ALLOCATIONS.load(Ordering::Relaxed);
    MESSAGE_PATH_ALLOCATIONS.store(0, Ordering::Relaxed);
    MARKED.set(true);
    send_batch(sender, &direct, &fan, MEASURED);
    MARKED.set(false);
    let after_sending = MESSAGE_PATH_ALLOCATIONS.load(Ordering::Relaxed);
    wait_for(&FIRST, 2 * (WARM_UP + MEASURED));
    wait_for(&SECOND, WARM_UP + MEASURED);
    let message_path = MESSAGE_PATH_ALLOCATIONS.load(Ordering::Relaxed);
    let all = ALL_ALLOCATIONS.load(Ordering::Relaxed) - all_before;

    println!(
        "{MEASURED} lnr_send_to + {MEASURED} lnr_send_all, {} deliveries: {message_path} \
         allocations on the message path (caller, liner-out, liner-in; {after_sending} by the \
         end of the sends); {all} on all threads (warm-up: {io_warm_up} on the I/O threads)",
        3 * MEASURED
    );
    for h in [sender, first, second] {
        assert!(capi::lnr_delete_client(h));
    }
    assert_eq!(message_path, 0, "the message path allocated");
}
