//! `lnr_stats` and `lnr_metrics_text` against a private redis-server: the counters follow
//! real traffic, a smaller (older) `lnr_stats_t` gets only its own fields, the metrics text
//! follows the snprintf contract and parses as Prometheus text, bad arguments are refused
//! with `LNR_ERR_INVALID_ARG`, and neither call allocates (a counting global allocator
//! watches the calling thread).

// The crate is a cdylib + staticlib only, so its source is compiled into this test (see
// alloc_free.rs); its own unit tests come along and run here too.
#[allow(dead_code, unused_imports)]
#[path = "../src/lib.rs"]
mod capi;
mod support;

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::ffi::{c_char, c_void};
use std::mem::size_of;
use std::sync::atomic::{AtomicU64, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use capi::lnr_stats_t;
use liner_tests::{RedisServer, unique_prefix};
use support::{cstr, new_client};

/// Counts allocations made by threads that set `COUNTING`.
struct CountingAlloc;

static ALLOCATIONS: AtomicU64 = AtomicU64::new(0);

thread_local! {
    static COUNTING: Cell<bool> = const { Cell::new(false) };
}

// SAFETY: forwards every call to the system allocator unchanged.
unsafe impl GlobalAlloc for CountingAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if COUNTING.try_with(Cell::get).unwrap_or(false) {
            ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        }
        // SAFETY: forwarded contract.
        unsafe { System.alloc(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if COUNTING.try_with(Cell::get).unwrap_or(false) {
            ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        }
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

/// Allocations `call` makes on this thread.
fn allocations_of<R>(call: impl FnOnce() -> R) -> (R, u64) {
    let before = ALLOCATIONS.load(Ordering::Relaxed);
    COUNTING.set(true);
    let result = call();
    COUNTING.set(false);
    (result, ALLOCATIONS.load(Ordering::Relaxed) - before)
}

const MESSAGES: u64 = 25;

static RECEIVED: AtomicU64 = AtomicU64::new(0);

unsafe extern "C" fn on_message(
    _to: *const c_char,
    _from: *const c_char,
    _data: *const c_char,
    _size: usize,
    _user_data: *mut c_void,
) {
    RECEIVED.fetch_add(1, Ordering::Relaxed);
}

fn stats_of(h: capi::lnr_hClient) -> lnr_stats_t {
    let mut stats = lnr_stats_t {
        size: size_of::<lnr_stats_t>() as u64,
        ..Default::default()
    };
    // SAFETY: a whole lnr_stats_t with its size set.
    assert!(unsafe { capi::lnr_stats(h, &mut stats) });
    stats
}

/// The metrics text of `h` through a measuring call and a call with exactly enough room.
fn metrics_text(h: capi::lnr_hClient) -> String {
    // SAFETY: NULL with cap 0 only measures.
    let needed = unsafe { capi::lnr_metrics_text(h, std::ptr::null_mut(), 0) };
    assert!(needed > 0, "measuring: {needed}");
    let mut buf = vec![0x55u8; needed as usize + 1];
    // SAFETY: buf has buf.len() writable bytes.
    let len = unsafe { capi::lnr_metrics_text(h, buf.as_mut_ptr().cast(), buf.len()) };
    assert_eq!(
        len, needed,
        "the counters did not move between the two calls"
    );
    assert_eq!(buf[len as usize], 0, "NUL-terminated");
    String::from_utf8(buf[..len as usize].to_vec()).expect("UTF-8 text")
}

/// Checks every line of a Prometheus text exposition and returns the samples as
/// (name, labels, value).
fn parse_exposition(text: &str) -> Vec<(String, String, u64)> {
    assert!(text.ends_with('\n'), "the text ends with a newline");
    let mut samples = Vec::new();
    for line in text.lines() {
        if let Some(comment) = line.strip_prefix("# ") {
            assert!(
                comment.starts_with("HELP liner_") || comment.starts_with("TYPE liner_"),
                "{line}"
            );
            continue;
        }
        let (series, value) = line.rsplit_once(' ').expect("`name{labels} value`");
        let (name, labels) = series.split_once('{').expect("labels");
        assert!(labels.ends_with('}'), "{line}");
        assert!(
            name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'),
            "{line}"
        );
        let value = value.parse().unwrap_or_else(|_| panic!("a value: {line}"));
        samples.push((
            name.to_string(),
            labels.trim_end_matches('}').to_string(),
            value,
        ));
    }
    samples
}

fn value_of(samples: &[(String, String, u64)], name: &str) -> u64 {
    samples
        .iter()
        .find(|(n, _, _)| n == name)
        .unwrap_or_else(|| panic!("no sample {name}"))
        .2
}

#[test]
fn stats_and_metrics_follow_real_traffic() {
    let redis = RedisServer::start();
    let url = cstr(redis.url());
    let prefix = unique_prefix();
    let listener_topic = format!("{prefix}listener");
    let listener = new_client(&format!("{prefix}l1"), &listener_topic, &url);
    let sender = new_client(&format!("{prefix}s1"), &format!("{prefix}sender"), &url);

    let fresh = stats_of(listener);
    assert_eq!(fresh.size, size_of::<lnr_stats_t>() as u64);
    assert_eq!(fresh.delivered, 0);
    assert_eq!(fresh.listening_topics, 1, "its own topic");

    assert!(capi::lnr_run(
        listener,
        Some(on_message),
        std::ptr::null_mut()
    ));
    assert!(capi::lnr_run(sender, None, std::ptr::null_mut()));
    let to = cstr(&listener_topic);
    for n in 0..MESSAGES {
        let data = n.to_le_bytes();
        // SAFETY: valid topic and payload for the call.
        let sent = unsafe { capi::lnr_send_to(sender, to.as_ptr(), data.as_ptr().cast(), 8, true) };
        assert!(sent, "send #{n}");
    }
    let deadline = Instant::now() + Duration::from_secs(30);
    while RECEIVED.load(Ordering::Relaxed) < MESSAGES {
        assert!(Instant::now() < deadline, "messages did not arrive");
        thread::sleep(Duration::from_millis(5));
    }

    let (_, counted) = allocations_of(|| std::hint::black_box(Box::new(0u64)));
    assert!(counted > 0, "the counting allocator is inactive");
    let (listener_stats, allocated) = allocations_of(|| stats_of(listener));
    assert_eq!(allocated, 0, "lnr_stats allocated");
    assert_eq!(listener_stats.delivered, MESSAGES);
    assert_eq!(listener_stats.refused, 0);
    let sender_stats = stats_of(sender);
    assert_eq!(sender_stats.peers_known, 1, "the sender met one listener");
    assert_eq!(sender_stats.peers_connected, 1, "and is connected to it");
    assert_eq!(sender_stats.delivered, 0);

    let (text, allocated) = allocations_of(|| {
        let mut buf = [0u8; 16 * 1024];
        // SAFETY: buf has buf.len() writable bytes.
        let len = unsafe { capi::lnr_metrics_text(listener, buf.as_mut_ptr().cast(), buf.len()) };
        (len, buf)
    });
    assert_eq!(allocated, 0, "lnr_metrics_text allocated");
    assert!(text.0 > 0 && (text.0 as usize) < text.1.len());

    let samples = parse_exposition(&metrics_text(listener));
    assert_eq!(
        value_of(&samples, "liner_messages_delivered_total"),
        MESSAGES
    );
    let want_labels = format!("unique_name=\"{prefix}l1\",topic=\"{listener_topic}\"");
    assert!(
        samples.iter().all(|(_, labels, _)| *labels == want_labels),
        "every sample carries the client's labels: {samples:?}"
    );
    let sender_samples = parse_exposition(&metrics_text(sender));
    assert_eq!(value_of(&sender_samples, "liner_peers_connected"), 1);

    for h in [sender, listener] {
        assert!(capi::lnr_delete_client(h));
    }
}

#[test]
fn an_older_smaller_struct_gets_only_its_fields() {
    let redis = RedisServer::start();
    let url = cstr(redis.url());
    let prefix = unique_prefix();
    let h = new_client(&format!("{prefix}c"), &format!("{prefix}t"), &url);

    // An "old" caller knowing size + 2 fields, with a canary right after them.
    let mut words = [u64::MAX; 4];
    words[0] = 3 * 8;
    // SAFETY: words is u64-aligned and holds words[0] = 24 writable bytes (and more).
    assert!(unsafe { capi::lnr_stats(h, words.as_mut_ptr().cast()) });
    assert_eq!(words[0], 24, "the size filled");
    assert_eq!(words[1], 0, "delivered");
    assert_eq!(words[2], 0, "duplicates");
    assert_eq!(words[3], u64::MAX, "nothing written past the caller's size");

    // A "newer" caller with room for more fields than this library has.
    let mut bigger = [u64::MAX; size_of::<lnr_stats_t>() / 8 + 2];
    bigger[0] = (bigger.len() * 8) as u64;
    // SAFETY: as above.
    assert!(unsafe { capi::lnr_stats(h, bigger.as_mut_ptr().cast()) });
    assert_eq!(
        bigger[0],
        size_of::<lnr_stats_t>() as u64,
        "the library's own size"
    );
    assert_eq!(
        bigger[bigger.len() - 1],
        u64::MAX,
        "unknown fields untouched"
    );
    assert!(capi::lnr_delete_client(h));
}

#[test]
fn bad_arguments_are_refused() {
    let redis = RedisServer::start();
    let url = cstr(redis.url());
    let prefix = unique_prefix();
    let h = new_client(&format!("{prefix}c"), &format!("{prefix}t"), &url);

    // SAFETY: NULL is allowed and refused.
    assert!(!unsafe { capi::lnr_stats(h, std::ptr::null_mut()) });
    assert_eq!(capi::lnr_last_error_code(h), capi::LNR_ERR_INVALID_ARG);
    let mut unset = lnr_stats_t::default();
    // SAFETY: a whole struct; its size 0 is refused.
    assert!(!unsafe { capi::lnr_stats(h, &mut unset) });
    assert_eq!(capi::lnr_last_error_code(h), capi::LNR_ERR_INVALID_ARG);
    assert_eq!(unset, lnr_stats_t::default(), "nothing written");

    // SAFETY: NULL with a non-zero cap is refused before anything is written.
    assert_eq!(
        unsafe { capi::lnr_metrics_text(h, std::ptr::null_mut(), 10) },
        -1
    );
    assert_eq!(capi::lnr_last_error_code(h), capi::LNR_ERR_INVALID_ARG);

    // Too small: the needed length, and "" rather than a cut text.
    let mut small = [b'x'; 64];
    // SAFETY: small has 64 writable bytes.
    let needed = unsafe { capi::lnr_metrics_text(h, small.as_mut_ptr().cast(), small.len()) };
    assert!(
        needed >= 64,
        "the whole text is longer than 64 bytes: {needed}"
    );
    assert_eq!(small[0], 0, "an empty string, not a partial text");
    assert_eq!(capi::lnr_last_error_code(h), capi::LNR_OK);

    assert!(capi::lnr_delete_client(h));
    let mut stats = lnr_stats_t {
        size: size_of::<lnr_stats_t>() as u64,
        ..Default::default()
    };
    // SAFETY: a whole struct; the handle is stale.
    assert!(!unsafe { capi::lnr_stats(h, &mut stats) }, "deleted handle");
    // SAFETY: NULL with cap 0 only measures; the handle is stale.
    assert_eq!(
        unsafe { capi::lnr_metrics_text(h, std::ptr::null_mut(), 0) },
        -1
    );
}
