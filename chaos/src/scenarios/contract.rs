//! What the API promises when things go wrong at the edges of a client's life:
//!
//! - `stop-redis-down` (hole 4): Redis is SIGKILLed, then the listener, so the sender's
//!   at-least-once frames can be neither delivered nor parked. The sender is asked to stop.
//!   `stop` must return within `Config::stop_timeout` (2 s here) plus a margin and report
//!   the frames it gives up on (`Error::Abandoned(n)`). Afterwards Redis and the listener
//!   come back and a new sender incarnation drains whatever was parked. Accounting:
//!   delivered + reported-abandoned must cover everything accepted; a stop that does not
//!   return is SIGKILLed and everything it held counts as lost (it was never reported).
//! - `refused-callbacks` (hole 5): the listener's callback (`try_run_fallible`) refuses
//!   message n with `Err(Redeliver)` the first time it sees it when n % 7 == 3, and panics
//!   the first time it sees it when n % 11 == 5. Every message must still be processed
//!   exactly once (a refusal is not a delivery), in order — a refused message comes again
//!   before anything later on its channel.

use super::{IDLE, STOP, ack_batch, ms};
use crate::world::{ListenerOpts, SenderOpts, World};

/// `Config::stop_timeout` of the sender in `stop-redis-down`.
const STOP_TIMEOUT_MS: u64 = 2000;
/// How much longer than `stop_timeout` a stop may take (thread joins, a last Redis try).
const STOP_MARGIN_MS: u64 = 1500;

pub fn stop_redis_down(w: &mut World) -> Result<(), String> {
    // The listener is SIGKILLed once.
    w.dup_bound = ack_batch();
    let opts = ListenerOpts::default();
    let listener = w.start_listener(&opts)?;
    let sender_opts = SenderOpts::new(1)
        .rate(2000)
        .cfg("stop_timeout_ms", STOP_TIMEOUT_MS);
    let mut sender = w.start_sender(&sender_opts)?;
    w.wait_delivered_count(300, ms(20_000))?;
    w.redis.kill9();
    listener.kill9();
    std::thread::sleep(ms(600));
    let accepted = w.finish(&mut sender)?;

    let bound = ms(STOP_TIMEOUT_MS + STOP_MARGIN_MS);
    // Waiting a little longer than the bound tells "slow" from "hung" in the report.
    let stopped = w.stop_sender(&mut sender, bound + ms(3000));
    let verdict = match &stopped {
        Ok(s) if s.elapsed <= bound => {
            w.notes.push(format!(
                "stop with Redis down returned in {:.1} s: {} ({accepted} accepted)",
                s.elapsed.as_secs_f64(),
                s.result
            ));
            Ok(())
        }
        Ok(s) => Err(format!(
            "stop with Redis down took {:.1} s (bound {:.1} s): {}",
            s.elapsed.as_secs_f64(),
            bound.as_secs_f64(),
            s.result
        )),
        Err(e) => Err(format!("stop with Redis down did not return: {e}")),
    };

    // Whatever was parked before Redis died is delivered once everything is back.
    w.redis.restart()?;
    let listener = w.start_listener(&opts)?;
    let mut drainer = w.start_sender(&SenderOpts::new(1).count(0))?;
    w.sent_all(&mut drainer, ms(10_000))?;
    let all = w.wait_all_delivered(ms(8000));
    w.stop_sender(&mut drainer, STOP)?;
    listener.stop(STOP)?;
    verdict.and(all)
}

pub fn refused_callbacks(w: &mut World) -> Result<(), String> {
    w.dup_bound = 0;
    let count = if w.quick { 300 } else { 1000 };
    let listener = w.start_listener(&ListenerOpts {
        refuse_every: 7,
        panic_every: 11,
        ..ListenerOpts::default()
    })?;
    let mut sender = w.start_sender(&SenderOpts::new(1).rate(1500).count(count))?;
    w.sent_all(&mut sender, ms(60_000))?;
    let all = w.wait_all_delivered(IDLE);
    w.stop_sender(&mut sender, STOP)?;
    let stopped = listener.stop(STOP)?;
    let t = w.tally();
    w.notes.push(format!(
        "{} refusals and {} panics on first sight; listener: {}",
        t.refused,
        t.panicked,
        stopped.line.trim_start_matches("stopped ")
    ));
    if t.refused == 0 || t.panicked == 0 {
        w.failures
            .push("the callback never refused or never panicked; nothing tested".into());
    }
    all
}
