//! Items 4 and 5: Redis itself dies. It runs with `appendonly yes` and `appendfsync
//! always`, the setup for at-least-once traffic, so a SIGKILL loses nothing Redis
//! acknowledged and every loss is the library's.
//!
//! - `redis-kill-parking`: the listener is away, the sender parks; Redis is SIGKILLed and
//!   restarted (same port, AOF reloaded) a few times while it does; then the listener
//!   returns and the backlog must drain completely and in order.
//! - `redis-kill-draining`: a parked backlog drains to the returned listener and Redis is
//!   SIGKILLed mid-drain, a few times.
//! - `redis-outage-return` (hole 3): the sender parks at full speed for an absent listener;
//!   Redis goes down for seconds (the sender's window fills, `send_to` reports Busy and the
//!   sender retries); Redis comes back and the listener returns 0.8–1.8 s later, while the
//!   sender's catalog recovery, its spilling of the full window and the drain all run at
//!   once. The backlog counters raced there and stranded the tail of the list.
//!
//! Accounting: no sender is killed, so everything accepted counts. The listener is never
//! killed either (it stops gracefully), so no duplicate may reach the callback.

use super::{IDLE, STOP, ms};
use crate::world::{ListenerOpts, SenderOpts, World};

/// Messages per second of a sender that parks: far more than a 1 MiB window holds during
/// an outage of a second, yet a backlog a quick run drains in seconds.
const PARK_RATE: u64 = 50_000;

pub fn redis_kill_parking(w: &mut World) -> Result<(), String> {
    let kills = if w.quick { 2 } else { 4 };
    w.dup_bound = 0;
    w.notes
        .push(format!("{kills} Redis SIGKILLs while parking"));
    let opts = ListenerOpts::default();
    let mut listener = w.start_listener(&opts)?;
    let mut sender = w.start_sender(&SenderOpts::new(1).rate(3000))?;
    w.wait_delivered_count(300, ms(20_000))?;
    listener.stop(STOP)?;
    for _ in 0..kills {
        let parking = w.rng.ms(400, 900);
        std::thread::sleep(parking);
        w.redis.kill9();
        let down = w.rng.ms(300, 900);
        std::thread::sleep(down);
        w.redis.restart()?;
    }
    std::thread::sleep(ms(500));
    w.finish(&mut sender)?;
    listener = w.start_listener(&opts)?;
    let all = w.wait_all_delivered(IDLE);
    w.stop_sender(&mut sender, STOP)?;
    listener.stop(STOP)?;
    all
}

pub fn redis_kill_draining(w: &mut World) -> Result<(), String> {
    let (backlog, kills): (u64, usize) = if w.quick { (40_000, 2) } else { (100_000, 4) };
    w.dup_bound = 0;
    let opts = ListenerOpts::default();
    let mut listener = w.start_listener(&opts)?;
    let mut sender = w.start_sender(&SenderOpts::new(1).rate(PARK_RATE))?;
    w.wait_delivered_count(200, ms(20_000))?;
    listener.stop(STOP)?;
    w.wait_parked(1, backlog, ms(60_000))?;
    w.finish(&mut sender)?;
    let parked = w.parked_len(1) as usize;

    let base = w.delivered_now();
    listener = w.start_listener(&opts)?;
    // Each kill comes once the backlog advanced by another step since Redis came back
    // (kill 1: since the listener returned). While Redis is down the sender can read
    // nothing more, so what was delivered by the end of the outage is at most what it had
    // read before the kill: less than the backlog means the kill hit mid-drain.
    let step = (parked / (4 * kills)).max(1);
    let mut done_at_kills = Vec::with_capacity(kills);
    let mut done = 0;
    for _ in 0..kills {
        w.wait_delivered_count(base + done + step, ms(60_000))?;
        w.redis.kill9();
        let down = w.rng.ms(300, 900);
        std::thread::sleep(down);
        done = w.delivered_now() - base;
        done_at_kills.push(done);
        w.redis.restart()?;
    }
    for (k, &done) in done_at_kills.iter().enumerate() {
        if done >= parked {
            w.failures.push(format!(
                "the backlog ({parked}) was read before Redis kill {} ({done} delivered); \
                 nothing tested",
                k + 1
            ));
        }
    }
    w.notes.push(format!(
        "{kills} Redis SIGKILLs while draining a {parked}-message backlog, after {} of it \
         had been delivered",
        done_at_kills
            .iter()
            .map(usize::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    ));
    let all = w.wait_all_delivered(IDLE);
    w.stop_sender(&mut sender, STOP)?;
    listener.stop(STOP)?;
    all
}

pub fn redis_outage_return(w: &mut World) -> Result<(), String> {
    let down = if w.quick { ms(3000) } else { ms(8000) };
    w.dup_bound = 0;
    let opts = ListenerOpts::default();
    let mut listener = w.start_listener(&opts)?;
    let mut sender = w.start_sender(&SenderOpts::new(1).rate(PARK_RATE))?;
    w.wait_delivered_count(200, ms(20_000))?;
    listener.stop(STOP)?;
    std::thread::sleep(ms(800));
    w.redis.kill9();
    std::thread::sleep(down);
    w.redis.restart()?;
    let back_after = w.rng.ms(800, 1800);
    std::thread::sleep(back_after);
    listener = w.start_listener(&opts)?;
    std::thread::sleep(ms(1000));
    w.finish(&mut sender)?;
    w.notes.push(format!(
        "Redis down {:.1} s with the listener away; listener back {:.1} s after Redis",
        down.as_secs_f64(),
        back_after.as_secs_f64()
    ));
    let all = w.wait_all_delivered(IDLE);
    w.stop_sender(&mut sender, STOP)?;
    listener.stop(STOP)?;
    all
}
