//! Many connections: a connect/close flood from several sources, and one source going
//! beyond its per-source limits (handshakes in progress, connections past the handshake).

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use liner_core::frame::Frame;

use super::{Outcome, Report, any_close};
use crate::hostile::net::{Conn, End, await_all, set_linger_zero};
use crate::hostile::peer::{Peer, STEP, frame_bytes, hello_bytes, nonce};
use crate::hostile::target::Target;
use crate::payload;

/// Threads of the flood.
const FLOOD_THREADS: usize = 4;
/// Source addresses each flood thread rotates over.
const SOURCES_PER_THREAD: usize = 8;

/// Connect and close as fast as possible from [`FLOOD_THREADS`] × [`SOURCES_PER_THREAD`]
/// sources: every second connection sends a Hello without the secret first, three of four
/// close with an RST (no TIME_WAIT), the rest with a FIN.
pub fn conn_flood(t: &Target) -> Result<Outcome, String> {
    let mut out = Outcome::default();
    let time = Duration::from_secs(if t.full { 10 } else { 3 });
    let floor: u64 = if t.full { 5000 } else { 1000 };
    let made = AtomicU64::new(0);
    let failed = AtomicU64::new(0);
    let started = Instant::now();
    std::thread::scope(|s| {
        for thread in 0..FLOOD_THREADS {
            let (made, failed) = (&made, &failed);
            s.spawn(move || {
                let mut rng = t.rng(100 + thread as u64);
                let hello = hello_bytes(t, &t.forger(&mut rng), nonce(&mut rng));
                let mut n = 0usize;
                while started.elapsed() < time {
                    let src = t.src(thread * SOURCES_PER_THREAD + n % SOURCES_PER_THREAD);
                    n += 1;
                    let Ok(mut conn) = Conn::open(src, t.addr, Duration::from_millis(200)) else {
                        failed.fetch_add(1, Ordering::Relaxed);
                        continue;
                    };
                    made.fetch_add(1, Ordering::Relaxed);
                    if n.is_multiple_of(2) {
                        conn.send(&hello);
                    }
                    if n % 4 != 3 {
                        conn.reset();
                    }
                }
            });
        }
    });
    let made = made.into_inner();
    let failed = failed.into_inner();
    out.conns = made;
    let rate = made as f64 / started.elapsed().as_secs_f64();
    out.measure(format!(
        "{made} connections in {time:?} ({rate:.0}/s) from {} sources, {failed} connects failed",
        FLOOD_THREADS * SOURCES_PER_THREAD
    ));
    if made < floor {
        out.fail(format!(
            "only {made} connections made (floor {floor}); the flood did not flood"
        ));
    }
    Ok(out)
}

/// One source beyond its limits: partial handshakes beyond `max_handshakes_per_source`
/// (the excess must be refused well before the handshake deadline), then insider channels
/// one after the other until one is refused (at most `max_conns_per_source` admitted).
pub fn per_source(t: &Target) -> Result<Outcome, String> {
    let mut out = Outcome::default();
    let mut rng = t.rng(5);
    // Partial handshakes from one source.
    let limit = t.config.max_handshakes_per_source;
    let m = 3 * limit;
    let hello = hello_bytes(t, &t.forger(&mut rng), nonce(&mut rng));
    let mut conns = Vec::new();
    for _ in 0..m {
        match Conn::open(t.src(0), t.addr, STEP) {
            Ok(mut conn) => {
                conn.send(&hello[..6]);
                conns.push(conn);
            }
            Err(e) => out.fail(format!("partial handshake could not connect: {e}")),
        }
    }
    let early = t.config.connect_timeout / 2;
    let ends = await_all(&mut conns, early);
    let refused_early = ends.iter().filter(|(end, _)| end.closed()).count();
    let still_open = ends.iter().filter(|(end, _)| *end == End::Open).count();
    if still_open > limit {
        out.fail(format!(
            "{still_open} handshakes from one source still open after {early:?} (limit {limit})"
        ));
    }
    let ends = await_all(&mut conns, t.end_wait());
    for (end, _) in ends {
        out.check("partial handshake from one source", end, any_close);
    }
    out.measure(format!(
        "{m} partial handshakes from one source: {refused_early} refused within {early:?}, {still_open} open then (limit {limit})"
    ));

    // Channels past the handshake from one source.
    let cap = t.config.max_conns_per_source;
    let mut held: Vec<(Peer, u32)> = Vec::new();
    let mut refusal = None;
    // Registered first, so the handshakes follow each other faster than the liveness
    // timeout closes the idle channels.
    let idents = (0..cap + 2)
        .map(|_| {
            let id = t.insider_id();
            t.register(id).map(|ident| (id, ident))
        })
        .collect::<Result<Vec<_>, String>>()?;
    let mut keepalive = Instant::now();
    for (id, ident) in idents {
        // The listener closes channels silent for its liveness timeout: ping the held ones.
        if keepalive.elapsed() > t.config.liveness_timeout / 4 {
            for (peer, _) in &mut held {
                peer.write(&frame_bytes(&Frame::Ping(0)));
            }
            keepalive = Instant::now();
        }
        match Peer::insider(t, t.src(1), &ident, nonce(&mut rng)) {
            Ok(peer) => held.push((peer, id)),
            Err(end) => {
                out.end(end);
                refusal = Some(end);
                break;
            }
        }
    }
    out.established = held.len();
    // Held a moment, so the driver's 5 ms sampler sees them all at once.
    std::thread::sleep(Duration::from_millis(200));
    match refusal {
        Some(end) if any_close(end) => {}
        Some(end) => out.fail(format!(
            "channel {} from one source ended {end:?}",
            held.len() + 1
        )),
        None => out.fail(format!(
            "{} channels from one source all admitted (limit {cap})",
            held.len()
        )),
    }
    if held.len() > cap {
        out.fail(format!(
            "{} channels admitted from one source (limit {cap})",
            held.len()
        ));
    }
    // The admitted ones still work.
    if let Some((peer, id)) = held.last_mut() {
        let seq = peer.last + 1;
        match peer.deliver(seq, &payload::insider(*id, seq, 64)) {
            Ok(()) => out.insider_acked += 1,
            Err(end) => out.fail(format!(
                "the last admitted channel could not deliver: {end:?}"
            )),
        }
    }
    out.measure(format!(
        "{} channels admitted from one source before a refusal ({refusal:?}; limit {cap})",
        held.len()
    ));
    out.conns += held.len() as u64;
    for (peer, _) in held {
        set_linger_zero(&peer.conn.stream);
    }
    out.expect(Report::Limited, 1);
    Ok(out)
}
