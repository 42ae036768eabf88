//! Issue 9, item 6: who is alive, told from Redis (docs/operations.md, "Who is alive").
//!
//! - `dead-twin`: two listener processes serve the listener topic under different unique
//!   names; one sender sends at-least-once at a steady rate with `send_to` (round-robin, one
//!   channel per listener). One listener is SIGKILLed. Until its liveness (`liveness_ttl`,
//!   1.5 s here) expires it keeps its turn and its messages are parked; then the sender must
//!   route around it and remove its catalog row. Measured per kill: the time from the kill
//!   until its row is gone from `lnr_topic:{t}:addr`, and what is parked for it when the row
//!   disappears against a while later with sending going on — the difference must be 0 and
//!   no message accepted after the removal may be parked for it. The dead one then starts
//!   again under its name (its liveness expired, so it takes the name at once) and must get
//!   everything parked for it. `--quick`: one kill; a full run kills the twins in turn.
//! - `duplicate-name`: a listener runs; a second process with the same unique name must be
//!   refused by `run` with `DuplicateName` (its `duplicate-name` line names the first one's
//!   address, exit code [`EXIT_DUPLICATE_NAME`]) while the first keeps receiving and keeps
//!   its name and row; a full run also tries while the first is SIGSTOPped (shorter than the
//!   TTL: a silent process counts as alive). Then the first is SIGKILLed and a third process
//!   with the name must take it over at once — before the dead one's liveness expired,
//!   measured from the kill to its `ready` — and receive what the sender parked meanwhile.
//!
//! Accounting as everywhere: every accepted message delivered once (by either twin), in
//! order per channel (sender → listener name). Duplicates: one ack batch per SIGKILL.

use std::time::{Duration, Instant};

use liner_broker::{Config, ErrorCode};

use super::{IDLE, STOP, ack_batch, ms};
use crate::payload;
use crate::procs::field;
use crate::roles::EXIT_DUPLICATE_NAME;
use crate::world::{Listener, ListenerOpts, SenderOpts, Started, World};

/// `liveness_ttl` of every client in `dead-twin`.
const TWIN_TTL_MS: u64 = 1500;
/// Sender rate (messages per second).
const RATE: u64 = 2000;
/// How long a SIGSTOPped listener must still count as alive (`PTTL` of its name) when a
/// duplicate is started against it: the start and the identity probe (`connect_timeout`,
/// 1 s) fit well within.
const FROZEN_MIN_PTTL_MS: i64 = 1800;

pub fn dead_twin(w: &mut World) -> Result<(), String> {
    let kills: u64 = match (w.quick, w.round) {
        (true, _) => 1,
        (false, 1) => 4,
        (false, _) => 2,
    };
    w.dup_bound = kills * ack_batch();
    let ttl = Duration::from_millis(TWIN_TTL_MS);
    let names = [w.listener_name(), w.twin_name(1)];
    let opts = |tag: usize| ListenerOpts {
        name: Some(names[tag].clone()),
        tag: tag as u16,
        cfg: vec![("liveness_ttl_ms", TWIN_TTL_MS)],
        ..ListenerOpts::default()
    };
    let mut twins = [w.start_listener(&opts(0))?, w.start_listener(&opts(1))?];
    let sender_opts = SenderOpts::new(1)
        .rate(RATE)
        .cfg("liveness_ttl_ms", TWIN_TTL_MS);
    let mut sender = w.start_sender(&sender_opts)?;
    w.wait_delivered_count(400, ms(20_000))?;
    let by = w.delivered_by();
    if by.len() < 2 || by.contains(&0) {
        return Err(format!(
            "send_to did not round-robin over the twins (deliveries per twin {by:?}); nothing tested"
        ));
    }
    let hold = if w.quick {
        ms(1000)
    } else {
        w.rng.ms(1500, 3000)
    };
    for kill in 0..kills {
        let victim = (kill % 2) as usize;
        let survivor = 1 - victim;
        let name = names[victim].clone();
        std::thread::sleep(w.rng.ms(200, 600));
        let addr = twins[victim].addr.clone();
        twins[victim].role.kill9();
        let killed = Instant::now();

        // Its turn goes on (parked for it) until its liveness expires; then its row goes.
        let limit = ttl * 4 + ms(5000);
        while w.catalog_has(&addr) != Some(false) {
            if killed.elapsed() > limit {
                return Err(format!(
                    "the row of SIGKILLed {name} ({addr}) was still in the catalog {:.1} s \
                     after the kill (liveness_ttl {:.1} s)",
                    limit.as_secs_f64(),
                    ttl.as_secs_f64()
                ));
            }
            std::thread::sleep(ms(10));
        }
        let gone_after = killed.elapsed();
        let parked_at_gone = w.parked_len_for(1, &name);
        // What the sender accepted by now was routed before the removal (a send_to racing
        // the removal has long returned after this grace).
        std::thread::sleep(ms(50));
        let line = w.accepted_now(&sender);
        let survivor_before = w.delivered_by()[survivor];
        std::thread::sleep(hold);
        let later = w.parked_for(1, &name)?;
        let accepted_later = w.accepted_now(&sender);
        let survivor_got = w.delivered_by()[survivor] - survivor_before;
        let grew = later.len() as i64 - parked_at_gone as i64;
        let routed_after = later.iter().filter(|&&s| payload::n_of(s) > line).count();
        w.measured.push(format!(
            "kill {}: row of the dead twin gone {} ms after the SIGKILL (liveness_ttl {} ms); \
             parked for it: {parked_at_gone} when the row went, {} after another {:.1} s \
             (parked after the TTL: {}, of {} messages sent meanwhile)",
            kill + 1,
            gone_after.as_millis(),
            ttl.as_millis(),
            later.len(),
            hold.as_secs_f64(),
            (grew.max(0) as usize).max(routed_after),
            accepted_later - line
        ));
        if grew < 0 {
            w.failures.push(format!(
                "kill {}: the backlog of the dead twin {name} shrank while it was dead: \
                 {parked_at_gone} → {}",
                kill + 1,
                later.len()
            ));
        } else if grew > 0 || routed_after > 0 {
            w.failures.push(format!(
                "kill {}: messages kept being parked for the dead twin {name} after its row was \
                 gone: {parked_at_gone} → {} parked, {routed_after} of them accepted after the removal",
                kill + 1,
                later.len()
            ));
        }
        if survivor_got == 0 {
            w.failures.push(format!(
                "kill {}: the live twin received nothing while the dead one was away",
                kill + 1
            ));
        }
        if parked_at_gone == 0 {
            w.notes.push(format!(
                "kill {}: nothing was parked for the dead twin before its row went",
                kill + 1
            ));
        }

        // The dead one returns under its name: no one holds it any more, so at once.
        let started = Instant::now();
        twins[victim] = w.start_listener(&opts(victim))?;
        let took = started.elapsed();
        let drain_limit = ms(20_000);
        while w.parked_len_for(1, &name) > 0 {
            if started.elapsed() > drain_limit {
                return Err(format!(
                    "{} still parked for {name} {:.0} s after it returned",
                    w.parked_len_for(1, &name),
                    drain_limit.as_secs_f64()
                ));
            }
            std::thread::sleep(ms(20));
        }
        w.measured.push(format!(
            "kill {}: the restarted twin took its name back in {} ms; its {} parked messages \
             were delivered {} ms after its start",
            kill + 1,
            took.as_millis(),
            later.len(),
            started.elapsed().as_millis()
        ));
        if took > ttl {
            w.failures.push(format!(
                "kill {}: the restarted twin needed {:.2} s to run (liveness_ttl {:.1} s)",
                kill + 1,
                took.as_secs_f64(),
                ttl.as_secs_f64()
            ));
        }
    }
    std::thread::sleep(ms(300));
    w.finish(&mut sender)?;
    let all = w.wait_all_delivered(IDLE);
    w.stop_sender(&mut sender, STOP)?;
    for twin in twins {
        twin.stop(STOP)?;
    }
    all
}

pub fn duplicate_name(w: &mut World) -> Result<(), String> {
    // The first listener is SIGKILLed once.
    w.dup_bound = ack_batch();
    let ttl = Config::default().liveness_ttl;
    let name = w.listener_name();
    let opts = ListenerOpts::default();
    let first = w.start_listener(&opts)?;
    let mut sender = w.start_sender(&SenderOpts::new(1).rate(RATE))?;
    w.wait_delivered_count(300, ms(20_000))?;

    let attempts = if w.quick { 1 } else { 2 };
    for _ in 0..attempts {
        refuse_duplicate(w, &first, false)?;
    }
    if !w.quick {
        // A frozen process still holds its name: its address accepts but stays silent.
        let mut tries = 0;
        loop {
            first.role.sigstop();
            let pttl = w.name_owner(&name).map_or(0, |(_, pttl)| pttl);
            if pttl >= FROZEN_MIN_PTTL_MS {
                let refused = refuse_duplicate(w, &first, true);
                first.role.sigcont();
                refused?;
                break;
            }
            // Its name would expire while frozen: let it beat once more and try again.
            first.role.sigcont();
            tries += 1;
            if tries == 10 {
                return Err(format!(
                    "the name of {name} never had {FROZEN_MIN_PTTL_MS} ms left; \
                     the frozen duplicate was not tried"
                ));
            }
            std::thread::sleep(ms(400));
        }
    }
    // The first one keeps its name and its row, and keeps receiving.
    let now = w.delivered_now();
    w.wait_delivered_count(now + 300, ms(10_000))?;
    let owner = w.name_owner(&name).and_then(|(owner, _)| owner);
    if owner.as_deref() != Some(first.addr.as_str()) || w.catalog_has(&first.addr) != Some(true) {
        w.failures.push(format!(
            "after the refused duplicate(s) the name {name} is held by {owner:?} and its row at \
             {} is {}",
            first.addr,
            if w.catalog_has(&first.addr) == Some(true) {
                "there"
            } else {
                "gone"
            }
        ));
    }

    // SIGKILL; the sender parks for the dead one; a third process takes the name over.
    let dead_addr = first.addr.clone();
    first.kill9();
    let killed = Instant::now();
    if let Err(e) = w.wait_parked(1, 1, ms(2000)) {
        w.failures.push(format!(
            "nothing parked for the SIGKILLed listener ({e}); takeover of a backlog not tested"
        ));
    }
    std::thread::sleep(w.rng.ms(100, 400));
    let (holder, pttl) = w.name_owner(&name).unwrap_or((None, -2));
    if holder.as_deref() != Some(dead_addr.as_str()) {
        w.failures.push(format!(
            "the dead listener's name was not held any more before the takeover ({holder:?}); \
             takeover before the TTL not tested"
        ));
    }
    let parked_before = w.parked_len(1);
    let started = Instant::now();
    let third = w.start_listener(&opts)?;
    let took = killed.elapsed();
    let took_start = started.elapsed();
    w.measured.push(format!(
        "takeover: the third process ran {} ms after the SIGKILL ({} ms after its start; \
         the dead one's name still had {pttl} of its liveness_ttl {} ms); {parked_before} \
         parked for it meanwhile",
        took.as_millis(),
        took_start.as_millis(),
        ttl.as_millis()
    ));
    if took > ttl {
        w.failures.push(format!(
            "taking the name over took {:.2} s after the SIGKILL, longer than liveness_ttl {:.1} s",
            took.as_secs_f64(),
            ttl.as_secs_f64()
        ));
    }
    let owner = w.name_owner(&name).and_then(|(owner, _)| owner);
    if owner.as_deref() != Some(third.addr.as_str()) {
        w.failures.push(format!(
            "after the takeover the name {name} is held by {owner:?}, not by {}",
            third.addr
        ));
    }
    std::thread::sleep(ms(500));
    w.finish(&mut sender)?;
    let all = w.wait_all_delivered(IDLE);
    let left = w.parked_len(1);
    if left > 0 {
        w.failures
            .push(format!("{left} messages still parked after the takeover"));
    }
    let by = w.delivered_by();
    if by.get(1).copied().unwrap_or(0) > 0 {
        w.failures
            .push(format!("a refused duplicate received {} messages", by[1]));
    }
    w.stop_sender(&mut sender, STOP)?;
    third.stop(STOP)?;
    all
}

/// Starts a process with `first`'s unique name, which must be refused: `DuplicateName`
/// naming `first`'s address, exit code [`EXIT_DUPLICATE_NAME`].
fn refuse_duplicate(w: &mut World, first: &Listener, frozen: bool) -> Result<(), String> {
    let opts = ListenerOpts {
        tag: 1,
        log: Some("duplicate"),
        ..ListenerOpts::default()
    };
    let started = Instant::now();
    let what = if frozen {
        "while the first was SIGSTOPped"
    } else {
        "while the first runs"
    };
    match w.try_start_listener(&opts)? {
        Started::Ready(dup) => {
            dup.kill9();
            Err(format!(
                "a second process with the unique name of {} ran {what}",
                first.addr
            ))
        }
        Started::Refused { line, exit } => {
            let code = ErrorCode::DuplicateName as i32;
            let owner = field(&line, "owner").unwrap_or("");
            let right_code = field(&line, "code") == Some(code.to_string().as_str());
            if owner != first.addr || !right_code || exit != Some(i32::from(EXIT_DUPLICATE_NAME)) {
                return Err(format!(
                    "duplicate refused {what}, but with '{line}' and exit {exit:?} (expected \
                     owner={} code={code}, exit {EXIT_DUPLICATE_NAME})",
                    first.addr
                ));
            }
            w.measured.push(format!(
                "duplicate refused {what} in {} ms: DuplicateName (code {code}, exit {}) \
                 naming {owner}",
                started.elapsed().as_millis(),
                EXIT_DUPLICATE_NAME
            ));
            Ok(())
        }
    }
}
