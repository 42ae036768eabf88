//! Items 1 and 2: the listener goes away under steady traffic, by SIGKILL or by a graceful
//! stop, and comes back as a new process (new port, same unique name). One sender sends at
//! a steady rate the whole time; its frames wait in its window or park in Redis while the
//! listener is away and drain when it returns.
//!
//! Accounting: the sender is never killed, so every `send_to` that returned `Ok` counts.
//! Duplicates: a SIGKILLed listener may re-deliver what it delivered but had not acked —
//! at most one ack batch per kill; a graceful stop persists the cursor, so none.

use super::{IDLE, STOP, ack_batch, ms};
use crate::world::{ListenerOpts, SenderOpts, World};

/// Sender rate during the restarts (messages per second).
const RATE: u64 = 3000;

pub fn listener_kill(w: &mut World) -> Result<(), String> {
    // A full run does at least 30 kills in its first round, as the issue asks.
    let kills: u64 = match (w.quick, w.round) {
        (true, _) => 6,
        (false, 1) => 30,
        (false, _) => 10,
    };
    w.dup_bound = kills * ack_batch();
    w.notes.push(format!("{kills} listener SIGKILLs"));
    restart_loop(w, kills, true)
}

pub fn listener_restart(w: &mut World) -> Result<(), String> {
    let restarts = if w.quick { 4 } else { 8 };
    w.dup_bound = 0;
    w.notes
        .push(format!("{restarts} graceful listener restarts"));
    restart_loop(w, restarts, false)
}

fn restart_loop(w: &mut World, times: u64, kill: bool) -> Result<(), String> {
    let opts = ListenerOpts::default();
    let mut listener = w.start_listener(&opts)?;
    let mut sender = w.start_sender(&SenderOpts::new(1).rate(RATE))?;
    w.wait_delivered_count(300, ms(20_000))?;
    for _ in 0..times {
        let up = w.rng.ms(150, 500);
        std::thread::sleep(up);
        if kill {
            listener.kill9();
        } else {
            let stopped = listener.stop(STOP)?;
            if stopped.result != "ok" {
                return Err(format!("listener stop reported {}", stopped.line));
            }
        }
        // Away for a while: frames wait in the sender's window or park in Redis.
        let away = w.rng.ms(0, 400);
        std::thread::sleep(away);
        listener = w.start_listener(&opts)?;
    }
    std::thread::sleep(ms(300));
    w.finish(&mut sender)?;
    let all = w.wait_all_delivered(IDLE);
    w.stop_sender(&mut sender, STOP)?;
    listener.stop(STOP)?;
    all
}
