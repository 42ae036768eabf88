//! Crashes of real processes: a listener SIGKILLed mid-stream loses nothing and repeats at
//! most one ack batch; a sender SIGKILLed while draining a 100 000-message backlog loses
//! nothing once restarted.

mod common;

use std::collections::HashSet;
use std::time::Duration;

use common::{Received, client, payload, peer_process};
use liner_broker::Config;
use liner_tests::{ChildProcess, RedisServer, unique_prefix};

const WAIT: Duration = Duration::from_secs(60);

/// Reads `got <seq>` lines until `n` arrived or the child stops printing for `idle`.
fn collect_got(child: &ChildProcess, into: &mut Vec<u64>, n: usize, idle: Duration) {
    while into.len() < n {
        match child.next_line(idle) {
            Some(line) => {
                if let Some(seq) = line.strip_prefix("got ") {
                    into.push(seq.parse().expect("seq"));
                }
            }
            None => return,
        }
    }
}

#[test]
fn a_listener_killed_mid_stream_loses_nothing_and_repeats_at_most_one_batch() {
    let redis = RedisServer::start_local();
    let p = unique_prefix();
    let (name, topic) = (format!("{p}victim"), format!("{p}victim"));
    let first = peer_process("listen", redis.url(), &name, &topic);
    first.wait_for_line(WAIT, |l| l.starts_with("ready"));
    let sender = client(redis.url(), &format!("{p}sender"), &format!("{p}sender"));
    assert!(sender.run(|_, _, _| {}));
    const TOTAL: u64 = 20_000;
    let url = redis.url().to_string();
    let topic_for_sender = topic.clone();
    let sending = std::thread::spawn(move || {
        for seq in 0..TOTAL {
            assert!(
                sender.send_to(&topic_for_sender, &payload(seq, 100), true),
                "{}",
                sender.last_error_message()
            );
            if seq % 1000 == 0 {
                std::thread::sleep(Duration::from_millis(20));
            }
        }
        sender
    });
    let mut got = Vec::new();
    collect_got(&first, &mut got, 5_000, WAIT);
    let mut first = first;
    first.kill9();
    collect_got(&first, &mut got, usize::MAX, Duration::from_millis(200));
    let before_kill = got.len();

    let second = peer_process("listen", &url, &name, &topic);
    second.wait_for_line(WAIT, |l| l.starts_with("ready"));
    let sender = sending.join().unwrap();
    let mut after = Vec::new();
    let distinct =
        |got: &[u64], after: &[u64]| got.iter().chain(after).collect::<HashSet<_>>().len();
    while distinct(&got, &after) < TOTAL as usize {
        let before = after.len();
        collect_got(&second, &mut after, before + 1000, Duration::from_secs(10));
        assert!(
            after.len() > before,
            "listener stalled at {} distinct",
            distinct(&got, &after)
        );
    }
    let all: HashSet<u64> = got.iter().chain(&after).copied().collect();
    assert_eq!(all.len(), TOTAL as usize, "lost messages");
    let duplicates = got.len() + after.len() - all.len();
    println!("listener SIGKILL after {before_kill} deliveries: {duplicates} duplicates");
    assert!(
        duplicates <= Config::default().ack_batch as usize,
        "{duplicates} duplicates exceed one ack batch"
    );
    sender.stop();
}

#[test]
fn a_sender_killed_while_draining_a_large_backlog_loses_nothing() {
    let redis = RedisServer::start_local();
    let p = unique_prefix();
    let topic = format!("{p}sink");
    let (sender_name, sender_topic) = (format!("{p}drainer"), format!("{p}drainer"));
    let listener = client(redis.url(), &format!("{p}sink"), &topic);
    let received = Received::default();
    assert!(listener.run(received.callback()));
    const TOTAL: u64 = 100_000;
    {
        let sender = client(redis.url(), &sender_name, &sender_topic);
        assert!(sender.run(|_, _, _| {}));
        assert!(sender.refresh_address_topic(&topic));
        assert!(listener.stop());
        for seq in 0..TOTAL {
            assert!(
                sender.send_to(&topic, &payload(seq, 100), true),
                "{}",
                sender.last_error_message()
            );
        }
        assert!(sender.stop());
        assert_eq!(sender.pending_count(), TOTAL as i64);
    }
    assert!(listener.run(received.callback()));

    let mut drainer = peer_process("drain", redis.url(), &sender_name, &sender_topic);
    assert!(
        received.wait_for(20_000, WAIT),
        "drain did not start: {}",
        received.len()
    );
    drainer.kill9();
    let at_kill = received.len();
    assert!(
        at_kill < TOTAL as usize,
        "the drain finished before the kill; nothing tested"
    );

    let restarted = peer_process("drain", redis.url(), &sender_name, &sender_topic);
    restarted.wait_for_line(WAIT * 2, |l| l == "drained");
    assert!(
        received.wait_for(TOTAL as usize, WAIT),
        "got {}",
        received.len()
    );
    std::thread::sleep(Duration::from_millis(200));
    let seqs = received.seqs();
    let distinct: HashSet<u64> = seqs.iter().copied().collect();
    assert_eq!(distinct.len(), TOTAL as usize, "messages lost");
    println!(
        "sender SIGKILL after {at_kill} of {TOTAL} drained: {} duplicates",
        seqs.len() - distinct.len()
    );
    assert!(
        seqs.windows(2).all(|w| w[0] < w[1]),
        "order broken across the restart"
    );
    listener.stop();
}
