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
    let (backlog, kills): (u64, u64) = if w.quick { (40_000, 3) } else { (100_000, 5) };
    w.dup_bound = 0;
    let opts = ListenerOpts::default();
    let mut listener = w.start_listener(&opts)?;
    let mut first = w.start_sender(&SenderOpts::new(1).rate(50_000))?;
    w.wait_delivered_count(200, ms(20_000))?;
    // The listener leaves (gracefully: its cursor is stored); the sender keeps its route and
    // parks everything it sends from now on.
    listener.stop(STOP)?;
    w.wait_parked(1, backlog, ms(60_000))?;
    w.finish(&mut first)?;
    let parked = w.parked_len(1);

    let base = w.delivered_now();
    listener = w.start_listener(&opts)?;
    // Kill the draining sender each time another slice of the backlog went through.
    let slice = (parked / (kills + 2)).max(1) as usize;
    let mut draining = first;
    for k in 1..=kills as usize {
        w.wait_delivered_count(base + k * slice, ms(60_000))?;
        w.kill_sender(draining)?;
        // The next incarnation drains what is left and sends a little of its own.
        draining = w.start_sender(&SenderOpts::new(1).rate(1000).count(200))?;
    }
    let at_last_kill = w.delivered_now() - base;
    if at_last_kill as u64 >= parked {
        w.failures
            .push("the backlog drained before the last kill; nothing tested".into());
    }
    w.notes.push(format!(
        "{kills} sender SIGKILLs while draining a {parked}-message backlog"
    ));
    w.sent_all(&mut draining, ms(60_000))?;
    let all = w.wait_all_delivered(IDLE);
    w.stop_sender(&mut draining, STOP)?;
    listener.stop(STOP)?;
    all
}
