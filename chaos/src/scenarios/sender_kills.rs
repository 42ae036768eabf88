//! Item 3: the sender is SIGKILLed again and again and restarted under the same unique
//! name (same channel): once while it streams to a listener that keeps up, once while it
//! drains a backlog parked in Redis.
//!
//! Accounting: a killed incarnation answers for every message up to the last one that was
//! delivered or found parked right after the kill (the ledger's module docs explain why
//! that line is exact); what lay beyond it was only in the dead process's memory. Every
//! incarnation that ends by `stop` answers for all it accepted. The listener never dies and
//! dedups by its cursor, so no duplicate may reach the callback.

use super::{IDLE, STOP, ms};
use crate::world::{ListenerOpts, SenderOpts, World};

/// Transmit window of the senders in `sender-kill-drain` (64 KiB, ~800 chaos frames).
const DRAIN_WINDOW: u64 = 64 << 10;

pub fn sender_kill(w: &mut World) -> Result<(), String> {
    let kills = if w.quick { 5 } else { 10 };
    w.dup_bound = 0;
    w.notes
        .push(format!("{kills} sender SIGKILLs while streaming"));
    let listener = w.start_listener(&ListenerOpts::default())?;
    for _ in 0..kills {
        let sender = w.start_sender(&SenderOpts::new(1).rate(2000))?;
        let alive = w.rng.ms(300, 800);
        std::thread::sleep(alive);
        w.kill_sender(sender)?;
    }
    let mut last = w.start_sender(&SenderOpts::new(1).rate(2000).count(1000))?;
    w.sent_all(&mut last, ms(30_000))?;
    let all = w.wait_all_delivered(IDLE);
    w.stop_sender(&mut last, STOP)?;
    listener.stop(STOP)?;
    all
}

pub fn sender_kill_drain(w: &mut World) -> Result<(), String> {
    let (backlog, kills): (u64, usize) = if w.quick { (40_000, 3) } else { (100_000, 5) };
    w.dup_bound = 0;
    let opts = ListenerOpts::default();
    // A small window: a killed sender has at most ~800 frames on their way to the listener,
    // so a kill lands close to where the driver aimed it.
    let sender = || SenderOpts::new(1).cfg("window_bytes", DRAIN_WINDOW);
    let mut listener = w.start_listener(&opts)?;
    let mut first = w.start_sender(&sender().rate(50_000))?;
    w.wait_delivered_count(200, ms(20_000))?;
    // The listener leaves (gracefully: its cursor is stored); the sender keeps its route and
    // parks everything it sends from now on.
    listener.stop(STOP)?;
    w.wait_parked(1, backlog, ms(60_000))?;
    w.finish(&mut first)?;
    let parked = w.parked_len(1) as usize;

    let base = w.delivered_now();
    listener = w.start_listener(&opts)?;
    // Each incarnation is killed once the backlog advanced by another step since its
    // predecessor died (while it starts, connects and drains). The steps add up to a
    // quarter of the backlog, so every kill lands mid-drain however fast draining gets.
    let step = (parked / (4 * kills)).max(1);
    let mut done_at_kills = Vec::with_capacity(kills);
    let mut done = 0;
    let mut draining = first;
    for _ in 0..kills {
        w.wait_delivered_count(base + done + step, ms(60_000))?;
        w.kill_sender(draining)?;
        // What was on its way to the listener arrives; then count what got through. The
        // next incarnation must drain the rest.
        w.wait_quiet(ms(50), ms(5_000))?;
        done = w.delivered_now() - base;
        done_at_kills.push(done);
        // It drains what is left and sends a little of its own.
        draining = w.start_sender(&sender().rate(1000).count(200))?;
    }
    for (k, &done) in done_at_kills.iter().enumerate() {
        if done >= parked {
            w.failures.push(format!(
                "the backlog ({parked}) was delivered before kill {} ({done} delivered); \
                 nothing tested",
                k + 1
            ));
        }
    }
    w.notes.push(format!(
        "{kills} sender SIGKILLs while draining a {parked}-message backlog, after {} of it \
         had been delivered",
        done_at_kills
            .iter()
            .map(usize::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    ));
    w.sent_all(&mut draining, ms(60_000))?;
    let all = w.wait_all_delivered(IDLE);
    w.stop_sender(&mut draining, STOP)?;
    listener.stop(STOP)?;
    all
}
