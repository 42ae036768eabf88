//! Redis replies lost while a sender drains its parked backlog: a proxy in front of the
//! sender's Redis drops an answer after the server executed the command and closes the
//! connection, again and again. A trim whose reply is lost is repeated on a new connection
//! and finds nothing left to remove, so the sender cannot count what it removed; the drain
//! must still continue exactly after the last frame it read, never skip a parked message.

mod common;

use std::time::{Duration, Instant};

use common::{Received, assert_exactly_in_order, client, payload};
use liner_tests::{CutProxy, RedisServer, unique_prefix};
use redis::Commands;

const WAIT: Duration = Duration::from_secs(30);
/// Without a new delivery for this long, the rest is not coming.
const STUCK: Duration = Duration::from_secs(5);
/// How often a reply is lost while the backlog drains: rarely enough that most repeats on
/// a new connection go through (a trim then finds its frames gone and reports 0 removed).
const CUT_EVERY: Duration = Duration::from_millis(10);

#[test]
fn replies_lost_while_a_backlog_drains_neither_skip_nor_lose_a_message() {
    const N: u64 = 30_000;
    let redis = RedisServer::start_local();
    let proxy = CutProxy::start(redis.port());
    let p = unique_prefix();
    let topic = format!("{p}listener");
    let listener = client(redis.url(), &topic, &topic);
    let received = Received::default();
    received.reserve(N as usize);
    assert!(listener.run(received.callback()));
    let sender_name = format!("{p}sender");
    let sender = client(&proxy.url(), &sender_name, &sender_name);
    assert!(sender.run(|_, _, _| {}));
    assert!(sender.refresh_address_topic(&topic));
    assert!(listener.stop());

    for seq in 0..N {
        assert!(
            sender.send_to(&topic, &payload(seq, 64), true),
            "seq {seq}: {}",
            sender.last_error_message()
        );
    }
    let parked = || -> u64 {
        let mut con = redis.connection();
        let keys: Vec<String> = con.keys("lnr_connection:*:messages").unwrap();
        keys.iter().map(|k| con.llen::<_, u64>(k).unwrap()).sum()
    };
    assert!(
        common::wait_until(WAIT, || parked() == N),
        "parked {}",
        parked()
    );

    // The listener returns; while the backlog drains, the sender loses a Redis reply every
    // CUT_EVERY (reads, trims, heartbeats alike). Counting on its index counters instead of
    // the seqs, the drain skipped thousands here.
    assert!(listener.run(received.callback()));
    let mut cuts = 0u32;
    let (mut last, mut last_change) = (0, Instant::now());
    // A new cut only after a delivery since the last one: cutting every reconnect's first
    // reply (a slow, emulated run reconnects slower than CUT_EVERY) would starve the drain
    // instead of testing it.
    let mut at_last_cut = usize::MAX;
    while received.len() < N as usize && last_change.elapsed() < STUCK {
        let delivered = received.len();
        if !proxy.cut_pending() && delivered != at_last_cut {
            proxy.cut_next_reply();
            cuts += 1;
            at_last_cut = delivered;
        }
        std::thread::sleep(CUT_EVERY);
        if received.len() != last {
            (last, last_change) = (received.len(), Instant::now());
        }
    }
    // Let a duplicate, if any, arrive before checking.
    std::thread::sleep(Duration::from_millis(200));
    assert!(cuts >= 5, "only {cuts} replies were lost");
    assert_exactly_in_order(&received.seqs(), 0..N);
    assert!(
        common::wait_until(WAIT, || parked() == 0),
        "still parked {}",
        parked()
    );
    sender.stop();
    listener.stop();
}
