//! Spill and drain rate of the Redis store: frames per second for 100-byte frames through
//! `Store::spill`, then `read_backlog` + `trim_backlog` in batches, against a private
//! redis-server (or `LINER_TEST_REDIS_URL`).
//!
//! `cargo run --release -p liner-tests --example store_throughput [frames] [batch]`

use std::time::Instant;

use liner_tests::{RedisServer, unique_prefix};

fn main() {
    let mut args = std::env::args().skip(1).map(|a| a.parse::<usize>());
    let frames = args
        .next()
        .map_or(100_000, |n| n.expect("frames: a number"));
    let batch = args.next().map_or(1000, |n| n.expect("batch: a number"));

    let server = RedisServer::start();
    let mut store = server.store();
    let ck = store
        .connection_key(&unique_prefix(), "bench", "sink")
        .unwrap();

    // Distinct frames in one buffer, handed over as slices like a sender's window would.
    let mut data = vec![0u8; frames * 100];
    for (seq, frame) in data.chunks_exact_mut(100).enumerate() {
        frame[..8].copy_from_slice(&(seq as u64).to_le_bytes());
    }

    let started = Instant::now();
    let stored = store.spill(ck, data.chunks_exact(100)).unwrap();
    let spill = started.elapsed();
    assert_eq!(stored, frames);

    let started = Instant::now();
    let mut out = Vec::with_capacity(batch);
    let mut drained = 0;
    loop {
        let n = store.read_backlog(ck, 0, batch, &mut out).unwrap();
        if n == 0 {
            break;
        }
        drained += n;
        store.trim_backlog(ck, n).unwrap();
    }
    let drain = started.elapsed();
    assert_eq!(drained, frames);

    let rate = |d: std::time::Duration| frames as f64 / d.as_secs_f64();
    println!("frames: {frames} x 100 B, drain batch {batch}");
    println!("spill: {spill:?} ({:.0} frames/s)", rate(spill));
    println!("drain: {drain:?} ({:.0} frames/s)", rate(drain));
}
