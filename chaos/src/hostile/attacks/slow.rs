//! Attacks that hold memory or slots by being slow: insiders trickling large frames (the
//! `min_frame_rate` rule), insiders holding several maximal frames at once (the large-frame
//! budget), and slowloris (many connections trickling a partial Hello: the handshake
//! slots, their eviction and deadline).

use std::time::{Duration, Instant};

use liner_core::frame::{FLAG_AT_LEAST_ONCE, LEN_PREFIX, MAX_DATA_HEADER_LEN, encode_data_header};

use super::{Outcome, Report, any_close};
use crate::hostile::net::{Conn, End};
use crate::hostile::peer::{Peer, hello_bytes, nonce};
use crate::hostile::target::{Ident, Target};
use crate::payload;

/// An insider with its channel open and one message delivered (so the channel is proven
/// to work before it misbehaves); `Err` says why not.
fn open_insider(t: &Target, src: usize, salt: u64) -> Result<(Peer, u32), String> {
    let id = t.insider_id();
    let ident: Ident = t.register(id)?;
    let mut rng = t.rng(salt);
    let mut peer = Peer::insider(t, t.src(src), &ident, nonce(&mut rng))
        .map_err(|end| format!("insider handshake ended {end:?}"))?;
    let seq = peer.last + 1;
    peer.deliver(seq, &payload::insider(id, seq, 64))
        .map_err(|end| format!("insider message ended {end:?}"))?;
    Ok((peer, id))
}

/// The prefix and header of a Data frame of `len` payload bytes after the peer's cursor.
fn large_header(peer: &Peer, len: usize) -> Vec<u8> {
    let mut head = vec![0u8; LEN_PREFIX + MAX_DATA_HEADER_LEN];
    let n = encode_data_header(
        peer.last + 1,
        peer.topic_key,
        FLAG_AT_LEAST_ONCE,
        len,
        &mut head,
    )
    .expect("a Data header encodes");
    head.truncate(n);
    head
}

/// Insiders declaring frames of `max_message_size` and sending one byte per second:
/// each must be closed once its grace (`liveness_timeout`) is over, at the latest after
/// the frames before it in the large-frame budget were closed.
pub fn trickle_large(t: &Target) -> Result<Outcome, String> {
    let mut out = Outcome::default();
    let k = if t.full { 8 } else { 4 };
    let size = t.config.max_message_size;
    let grace = t.config.liveness_timeout;
    let rounds = (k * size as u64).div_ceil(crate::hostile::bound::large_budget(&t.config));
    let limit = (grace + Duration::from_secs(1)) * rounds as u32 + Duration::from_secs(2);
    let results = std::thread::scope(|s| {
        let handles: Vec<_> = (0..k)
            .map(|i| s.spawn(move || trickle_one(t, i as usize, size, limit)))
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or(Err("panicked".into())))
            .collect::<Vec<_>>()
    });
    let mut slowest = Duration::ZERO;
    for (i, result) in results.into_iter().enumerate() {
        match result {
            Ok((end, took, bytes)) => {
                out.insider_acked += 1;
                out.forged_sent += 1;
                out.check(
                    &format!("trickler #{i} ({bytes} bytes sent)"),
                    end,
                    any_close,
                );
                slowest = slowest.max(took);
                if end.closed() && took > limit {
                    out.fail(format!(
                        "trickler #{i} closed only after {took:?} (limit {limit:?})"
                    ));
                }
            }
            Err(e) => out.fail(format!("trickler #{i}: {e}")),
        }
    }
    out.established = k as usize;
    out.large = true;
    out.measure(format!(
        "{k} frames of {size} bytes at 1 B/s: slowest closed {slowest:?} after its first byte (limit {limit:?}, grace {grace:?})"
    ));
    out.expect(Report::Limited, 1);
    Ok(out)
}

/// One trickler: how its connection ended, when (after its first body byte) and how many
/// body bytes it had sent.
fn trickle_one(
    t: &Target,
    i: usize,
    size: usize,
    limit: Duration,
) -> Result<(End, Duration, usize), String> {
    let (mut peer, _) = open_insider(t, i, 10 + i as u64)?;
    let body = payload::forged(i as u64, 4096);
    peer.write(&large_header(&peer, size));
    let started = Instant::now();
    let mut sent = 0;
    while started.elapsed() < limit + Duration::from_secs(5) {
        if !peer.write(&body[sent % body.len()..][..1]) {
            break;
        }
        sent += 1;
        let next_byte = started + Duration::from_secs(sent as u64);
        loop {
            let left = next_byte.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break;
            }
            match peer.conn.next(left) {
                Err(End::Open) | Ok(_) => {}
                Err(end) => return Ok((end, started.elapsed(), sent)),
            }
        }
    }
    let end = peer.conn.await_end(Duration::from_millis(500));
    Ok((end, started.elapsed(), sent))
}

/// Eight insiders each send a frame of `max_message_size` as fast as the listener reads it
/// but never its last KiB, trickling a byte every 500 ms for the hold time. At most the
/// budget may be buffered; afterwards a complete large insider message must pass.
pub fn large_budget(t: &Target) -> Result<Outcome, String> {
    let mut out = Outcome::default();
    let k = 8;
    let hold = Duration::from_secs(if t.full { 8 } else { 4 });
    let size = t.config.max_message_size;
    let results = std::thread::scope(|s| {
        let handles: Vec<_> = (0..k)
            .map(|i| s.spawn(move || hold_one(t, i, size, hold)))
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or(Err("panicked".into())))
            .collect::<Vec<_>>()
    });
    let mut written = Vec::new();
    for (i, result) in results.into_iter().enumerate() {
        match result {
            Ok((bytes, end)) => {
                out.insider_acked += 1;
                out.forged_sent += 1;
                out.end(end);
                written.push(format!(
                    "{}K{}",
                    bytes >> 10,
                    if end.closed() { "(closed)" } else { "" }
                ));
            }
            Err(e) => out.fail(format!("holder #{i}: {e}")),
        }
    }
    out.measure(format!(
        "held {k} frames of {size} bytes for {hold:?}; body bytes written each: {}",
        written.join(" ")
    ));
    // The budget is back: a whole large message passes.
    let (mut peer, id) = open_insider(t, 50, 99)?;
    let seq = peer.last + 1;
    let len = size * 3 / 4;
    let started = Instant::now();
    match peer.deliver(seq, &payload::insider(id, seq, len)) {
        Ok(()) => {
            out.insider_acked += 2;
            out.measure(format!(
                "then a {len}-byte insider message was acknowledged after {:?}",
                started.elapsed()
            ));
        }
        Err(end) => {
            out.insider_acked += 1;
            out.fail(format!(
                "a {len}-byte insider message after the hold ended {end:?}, not acknowledged"
            ));
        }
    }
    out.established = k + 1;
    out.large = true;
    Ok(out)
}

/// One holder: body bytes written and how its connection stood at the end of the hold.
fn hold_one(t: &Target, i: usize, size: usize, hold: Duration) -> Result<(usize, End), String> {
    let (mut peer, _) = open_insider(t, i, 30 + i as u64)?;
    let deadline = Instant::now() + hold;
    peer.write(&large_header(&peer, size));
    let chunk = payload::forged(i as u64, 64 << 10);
    let _ = peer
        .conn
        .stream
        .set_write_timeout(Some(Duration::from_millis(200)));
    // Everything but the last KiB as fast as it is read, then a byte every 500 ms (so the
    // connection stays alive) without ever completing the frame.
    let fast = size - 1024;
    let mut sent = 0;
    while Instant::now() < deadline && sent < size - 1 {
        let step = if sent < fast {
            (fast - sent).min(chunk.len())
        } else {
            1
        };
        match std::io::Write::write(&mut peer.conn.stream, &chunk[..step]) {
            Ok(n) => sent += n,
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) => {}
            Err(_) => break,
        }
        if sent >= fast {
            std::thread::sleep(Duration::from_millis(500));
        }
    }
    while Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    let end = peer.conn.await_end(Duration::from_millis(10));
    Ok((sent, end))
}

/// Slowloris: `n` connection slots (5 per source address, under the per-source handshake
/// limit, so the global limit and the deadline are what bound them) each trickling a
/// partial Hello one byte per second and reopened 500 ms after the listener closed it,
/// for the pressure time; then every connection must be closed within the handshake
/// deadline.
pub fn slowloris(t: &Target) -> Result<Outcome, String> {
    let mut out = Outcome::default();
    let n = if t.full { 1000 } else { 200 };
    let pressure = Duration::from_secs(if t.full { 10 } else { 4 });
    let mut rng = t.rng(4);
    let hello = hello_bytes(t, &t.forger(&mut rng), nonce(&mut rng));
    let mut slots: Vec<Option<(Conn, usize, Instant)>> = (0..n).map(|_| None).collect();
    let mut free_at = vec![Instant::now(); n];
    let (mut opened, mut refused, mut max_hold) = (0u64, 0u64, Duration::ZERO);
    let started = Instant::now();
    let drain_until = started + pressure + t.config.connect_timeout * 2 + Duration::from_secs(3);
    loop {
        let now = Instant::now();
        let pressing = now < started + pressure;
        let mut open = 0;
        for (i, slot) in slots.iter_mut().enumerate() {
            match slot {
                None if pressing && now >= free_at[i] => {
                    match Conn::open(t.src(i / 5), t.addr, Duration::from_millis(100)) {
                        Ok(mut conn) => {
                            let _ = conn.stream.set_nonblocking(true);
                            let _ = std::io::Write::write(&mut conn.stream, &hello[..6]);
                            *slot = Some((conn, 6, now + Duration::from_secs(1)));
                            opened += 1;
                        }
                        Err(_) => {
                            refused += 1;
                            free_at[i] = now + Duration::from_millis(500);
                        }
                    }
                }
                None => {}
                Some((conn, at, next)) => {
                    if let Some(end) = conn.poll_end() {
                        max_hold = max_hold.max(conn.opened.elapsed());
                        out.end(end);
                        *slot = None;
                        free_at[i] = now + Duration::from_millis(500);
                        continue;
                    }
                    open += 1;
                    if now >= *next && *at < hello.len() - 1 {
                        if std::io::Write::write(&mut conn.stream, &hello[*at..*at + 1]).is_ok() {
                            *at += 1;
                        }
                        *next = now + Duration::from_secs(1);
                    }
                }
            }
        }
        if (!pressing && open == 0) || now >= drain_until {
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    for (conn, _, _) in slots.iter_mut().flatten() {
        max_hold = max_hold.max(conn.opened.elapsed());
        out.check("slowloris connection", End::Open, |_| false);
    }
    let hold_limit = t.config.connect_timeout * 2 + Duration::from_secs(1);
    if max_hold > hold_limit {
        out.fail(format!(
            "a partial Hello was held {max_hold:?} (limit {hold_limit:?})"
        ));
    }
    if opened < n as u64 {
        out.fail(format!(
            "only {opened} of {n} slowloris connections opened; nothing tested"
        ));
    }
    out.measure(format!(
        "{n} slots, {opened} connections opened in {pressure:?} ({refused} connects failed), longest held {max_hold:?} (limit {hold_limit:?})"
    ));
    out.expect(Report::Limited, 1);
    Ok(out)
}
