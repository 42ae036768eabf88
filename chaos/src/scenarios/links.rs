//! Faults on a link, injected by `liner_tests::FaultProxy` at chosen moments rather than by
//! sleeping and hoping:
//!
//! - `stale-cursor` (hole 2): the listener reaches Redis through a proxy. The proxy severs
//!   that link while the listener delivers a few thousand messages, so its cursor writes
//!   fail and the stored cursor lags what it delivered. The sender is SIGKILLed, the
//!   listener is SIGSTOPped, and a new sender incarnation starts and sends while the
//!   listener is frozen: a sender that numbers from the stale stored cursor queues frames
//!   below the listener's real cursor before any Welcome. On SIGCONT the Welcome carries
//!   the real cursor; frames at or below it must not be taken as delivered. The link heals
//!   only after that (a listener that retries its cursor write cannot hide the case).
//! - `slow-redis-start` (hole 1): the listener (fixed port) reaches Redis through a proxy;
//!   after a graceful stop, while the sender parks for it, the proxy is told to hold the
//!   listener's `lnr_topic:<topic>:key` request for 1.5 s, and the listener starts again.
//!   The sender reconnects (short backoff) during that window. A listener that accepts
//!   connections before it knows its topic keys drops the drained backlog and acks it.
//! - `partition`: the listener advertises a proxy's address (`try_set_advertise_addr`), so
//!   all sender→listener traffic crosses it; the proxy stops forwarding without closing
//!   anything (no RST, no FIN), once for longer than the liveness timeout and once for
//!   less, then heals.
//!
//! Accounting as in the other scenarios; the listener is never killed, so 0 duplicates.

use liner_broker::store::keys::Layout::Standalone;
use liner_tests::FaultProxy;

use super::{IDLE, STOP, ms};
use crate::redis::free_port;
use crate::world::{ListenerOpts, SenderOpts, World};

pub fn stale_cursor(w: &mut World) -> Result<(), String> {
    w.dup_bound = 0;
    let proxy = FaultProxy::to_port(w.redis.port());
    let opts = ListenerOpts {
        url: Some(proxy.url()),
        cfg: vec![("redis_timeout_ms", 1000)],
        ..ListenerOpts::default()
    };
    let listener = w.start_listener(&opts)?;
    let first = w.start_sender(&SenderOpts::new(1).rate(4000))?;
    w.wait_delivered_count(400, ms(20_000))?;
    std::thread::sleep(ms(100));
    // The listener loses Redis; it keeps delivering, but cannot store its cursor.
    proxy.sever();
    let now = w.delivered_now();
    w.wait_delivered_count(now + 3000, ms(20_000))?;
    w.kill_sender(first)?;
    // Frames the dead sender wrote last are still delivered and acked; let that settle
    // while the link is down, so the stored cursor surely lags what was delivered.
    w.wait_quiet(ms(300), ms(10_000))?;
    let delivered = w.delivered_now();
    let stored = w.stored_cursor(1).unwrap_or(0);
    w.notes.push(format!(
        "stored cursor {stored} while the listener had delivered {delivered}"
    ));
    if stored as usize >= delivered {
        w.failures
            .push("the stored cursor did not lag; nothing tested".into());
    }

    // The listener freezes; a new sender incarnation starts (numbering from what Redis
    // says) and queues its messages before any Welcome can come.
    listener.role.sigstop();
    let stall = if w.quick {
        ms(700)
    } else {
        w.rng.ms(700, 2000)
    };
    let started = std::time::Instant::now();
    let mut second = w.start_sender(&SenderOpts::new(1).count(2000));
    if let Ok(sender) = &mut second {
        let _ = w.sent_all(sender, ms(30_000));
    }
    std::thread::sleep(stall.saturating_sub(started.elapsed()));
    listener.role.sigcont();
    let mut second = second?;
    w.notes.push(format!(
        "listener SIGSTOPped {:.1} s while the restarted sender queued 2000",
        started.elapsed().as_secs_f64()
    ));
    std::thread::sleep(ms(300));
    proxy.heal();
    let all = w.wait_all_delivered(IDLE);
    w.stop_sender(&mut second, STOP)?;
    listener.stop(STOP)?;
    all
}

pub fn slow_redis_start(w: &mut World) -> Result<(), String> {
    w.dup_bound = 0;
    let proxy = FaultProxy::to_port(w.redis.port());
    let opts = ListenerOpts {
        url: Some(proxy.url()),
        bind: Some(format!("127.0.0.1:{}", free_port()?)),
        cfg: vec![("redis_timeout_ms", 5000)],
        ..ListenerOpts::default()
    };
    let mut listener = w.start_listener(&opts)?;
    let mut sender = w.start_sender(&SenderOpts::new(1).rate(2000))?;
    w.wait_delivered_count(300, ms(20_000))?;
    listener.stop(STOP)?;
    // The sender keeps the route and parks.
    w.wait_parked(1, 1000, ms(20_000))?;
    let key = Standalone.topic_key(&w.listener_topic());
    proxy.delay_matching(key.as_bytes(), ms(1500));
    listener = w.start_listener(&opts)?;
    let hit = proxy.delayed_chunks();
    proxy.clear_delay();
    if hit == 0 {
        w.failures.push(format!(
            "the listener never asked for {key} through the slow link; nothing tested"
        ));
    }
    w.notes.push(format!(
        "{key} held 1.5 s at listener start ({hit} request(s))"
    ));
    std::thread::sleep(ms(500));
    w.finish(&mut sender)?;
    let all = w.wait_all_delivered(IDLE);
    w.stop_sender(&mut sender, STOP)?;
    listener.stop(STOP)?;
    all
}

pub fn partition(w: &mut World) -> Result<(), String> {
    w.dup_bound = 0;
    let port = free_port()?;
    let proxy = FaultProxy::to_port(port);
    let liveness = 1000;
    let cfg = vec![("liveness_ms", liveness), ("ping_ms", 300)];
    let opts = ListenerOpts {
        bind: Some(format!("127.0.0.1:{port}")),
        advertise: Some(proxy.addr().to_string()),
        cfg: cfg.clone(),
        ..ListenerOpts::default()
    };
    let listener = w.start_listener(&opts)?;
    if listener.addr != proxy.addr().to_string() {
        return Err(format!(
            "the listener published {} instead of the proxy {}",
            listener.addr,
            proxy.addr()
        ));
    }
    let mut sender_opts = SenderOpts::new(1).rate(3000);
    sender_opts.cfg = cfg;
    let mut sender = w.start_sender(&sender_opts)?;
    w.wait_delivered_count(300, ms(20_000))?;
    let mut cuts = vec![ms(2500), ms(600)];
    if !w.quick {
        cuts.push(w.rng.ms(1200, 4000));
        cuts.push(w.rng.ms(100, 900));
    }
    for cut in &cuts {
        let before = w.rng.ms(300, 700);
        std::thread::sleep(before);
        proxy.stall();
        std::thread::sleep(*cut);
        proxy.heal();
    }
    let text: Vec<String> = cuts
        .iter()
        .map(|c| format!("{:.1} s", c.as_secs_f64()))
        .collect();
    w.notes.push(format!(
        "partitions without RST of {} (liveness {liveness} ms)",
        text.join(", ")
    ));
    std::thread::sleep(ms(1000));
    w.finish(&mut sender)?;
    let all = w.wait_all_delivered(IDLE);
    w.stop_sender(&mut sender, STOP)?;
    listener.stop(STOP)?;
    all
}
