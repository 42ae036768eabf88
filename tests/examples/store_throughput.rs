//! Spill and drain rate of the Redis store: frames per second for 100-byte frames through
//! `Store::spill`, then `read_backlog` + `trim_backlog` in batches, against a private
//! redis-server (or `LINER_TEST_REDIS_URL`).
//!
//! `cargo run --release -p liner-tests --example store_throughput [frames] [batch]`

use std::time::Instant;

use liner_tests::{RedisServer, data_frame, unique_prefix};

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

    // Distinct 100-byte Data frames, handed over as slices like a sender's window would.
    let data: Vec<Vec<u8>> = (1..=frames as u64)
        .map(|seq| data_frame(seq, &[0x5a; 91]))
        .collect();

    let started = Instant::now();
    let stored = store.spill(ck, data.iter().map(Vec::as_slice)).unwrap();
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
        store.trim_backlog(ck, n, drained as u64).unwrap();
    }
    let drain = started.elapsed();
    assert_eq!(drained, frames);

    let rate = |d: std::time::Duration| frames as f64 / d.as_secs_f64();
    println!("frames: {frames} x 100 B, drain batch {batch}");
    println!("spill: {spill:?} ({:.0} frames/s)", rate(spill));
    println!("drain: {drain:?} ({:.0} frames/s)", rate(drain));
}
