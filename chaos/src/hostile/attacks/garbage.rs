//! Bytes that are not the protocol: random bytes instead of a Hello, garbage after a real
//! handshake, and declared lengths the listener must refuse from the 4-byte prefix alone
//! (above `MAX_HEADER_LEN` before the handshake, above the largest body after it) — without
//! buffering the declared size.

use liner_core::frame::MAX_HEADER_LEN;

use super::{Outcome, Report, any_close};
use crate::hostile::net::{Conn, Got, await_all};
use crate::hostile::peer::{Peer, STEP, data_bytes, hello_bytes, nonce};
use crate::hostile::target::{Ident, Target};
use crate::payload;
use crate::rng::Rng;

/// Random bytes from many sources before any Hello; then insiders that send garbage after
/// their handshake (an unknown kind, Data with unknown flag bits, a second Hello).
pub fn random_bytes(t: &Target) -> Result<Outcome, String> {
    let mut out = Outcome::default();
    let mut rng = t.rng(1);
    let n = if t.full { 200 } else { 40 };
    let mut conns = Vec::new();
    for i in 0..n {
        let Ok(mut conn) = Conn::open(t.src(i % 40), t.addr, STEP) else {
            out.fail(format!("connection {i} could not connect"));
            continue;
        };
        let len = 64 + (rng.next() % 4096) as usize;
        let mut bytes: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
        let at = (rng.next() % (len as u64 - 20)) as usize;
        bytes[at..at + 14].copy_from_slice(&payload::forged(i as u64, 14));
        conn.send(&bytes);
        conns.push(conn);
    }
    let ends = await_all(&mut conns, t.end_wait());
    let slowest = ends.iter().map(|(_, d)| *d).max().unwrap_or_default();
    for (i, (end, _)) in ends.into_iter().enumerate() {
        out.check(&format!("random bytes #{i}"), end, any_close);
    }
    out.measure(format!(
        "{n} random-byte connections, slowest closed after {slowest:?}"
    ));

    let insiders = if t.full { 6 } else { 3 };
    for i in 0..insiders {
        let Some((mut peer, ident)) = insider(t, 100 + i, &mut rng, &mut out)? else {
            continue;
        };
        let garbage = match i % 3 {
            // Unknown kind 0xEE in a well-sized frame.
            0 => {
                let mut body = vec![0xEE];
                body.extend_from_slice(&payload::forged(i as u64, 99));
                let mut frame = (body.len() as u32).to_le_bytes().to_vec();
                frame.extend_from_slice(&body);
                frame
            }
            // A Data frame with flag bits this version does not define.
            1 => {
                let mut frame =
                    data_bytes(t.topic_key, peer.last + 1, &payload::forged(i as u64, 64));
                let flags_at = frame.len() - 64 - 1;
                frame[flags_at] = 0x81;
                out.forged_sent += 1;
                frame
            }
            // A second Hello on an open channel.
            _ => hello_bytes(t, &ident, nonce(&mut rng)),
        };
        peer.write(&garbage);
        let end = peer.conn.await_end(t.end_wait());
        out.check(&format!("insider garbage #{i}"), end, any_close);
    }
    out.expect(Report::Protocol, 1);
    Ok(out)
}

/// Declared lengths above `MAX_HEADER_LEN` before the handshake, each followed by the first
/// bytes of a Hello: refused from the prefix, long before the handshake deadline. A valid
/// Hello must still get its Challenge (the limit does not refuse everything).
pub fn oversize_pre(t: &Target) -> Result<Outcome, String> {
    let mut out = Outcome::default();
    let mut rng = t.rng(2);
    let lens: [u32; 7] = [
        MAX_HEADER_LEN as u32 + 1,
        MAX_HEADER_LEN as u32 + 2,
        4096,
        1 << 20,
        60 << 20,
        0x8000_0000,
        u32::MAX,
    ];
    let reps = if t.full { 10 } else { 2 };
    let mut conns = Vec::new();
    for (i, len) in lens.iter().cycle().take(lens.len() * reps).enumerate() {
        let Ok(mut conn) = Conn::open(t.src(i % 30), t.addr, STEP) else {
            out.fail(format!("connection {i} could not connect"));
            continue;
        };
        let mut bytes = len.to_le_bytes().to_vec();
        bytes.extend_from_slice(b"\x01LNR1\x02");
        bytes.extend_from_slice(&payload::forged(i as u64, 64));
        conn.send(&bytes);
        conns.push(conn);
    }
    let prompt = t.config.connect_timeout / 2;
    let ends = await_all(&mut conns, t.end_wait());
    let slowest = ends.iter().map(|(_, d)| *d).max().unwrap_or_default();
    for ((end, took), len) in ends.into_iter().zip(lens.iter().cycle()) {
        out.check(&format!("declared length {len}"), end, any_close);
        if end.closed() && took > prompt {
            out.fail(format!(
                "declared length {len} closed only after {took:?} (the handshake deadline?), not from its prefix"
            ));
        }
    }
    out.measure(format!(
        "{} oversize prefixes, slowest closed after {slowest:?} (must be < {prompt:?})",
        lens.len() * reps
    ));
    // Control: a Hello of normal size is answered.
    let forger = t.forger(&mut rng);
    let mut conn = Conn::open(t.src(40), t.addr, STEP).map_err(|e| format!("control: {e}"))?;
    conn.send(&hello_bytes(t, &forger, nonce(&mut rng)));
    match conn.next(STEP) {
        Ok(Got::Challenge(_)) => {}
        other => out.fail(format!("control Hello got {other:?}, not a Challenge")),
    }
    out.expect(Report::Protocol, 1);
    Ok(out)
}

/// Insiders declaring bodies above the largest allowed (`max_message_size` +
/// `MAX_HEADER_LEN`) after a real handshake: closed at once, nothing of that size buffered.
pub fn oversize_post(t: &Target) -> Result<Outcome, String> {
    let mut out = Outcome::default();
    let mut rng = t.rng(3);
    let max_body = (t.config.max_message_size + MAX_HEADER_LEN) as u64;
    let lens = [max_body + 1, 60 << 20, u64::from(u32::MAX)];
    let count = if t.full { 6 } else { 3 };
    let prompt = t.config.connect_timeout / 2;
    for i in 0..count {
        let len = lens[i % lens.len()] as u32;
        let Some((mut peer, _)) = insider(t, i, &mut rng, &mut out)? else {
            continue;
        };
        let mut bytes = len.to_le_bytes().to_vec();
        // Data kind, a seq and the topic key, as a real header would start.
        bytes.push(0x04);
        bytes.extend_from_slice(&payload::forged(i as u64, 4096));
        out.forged_sent += 1;
        let sent = std::time::Instant::now();
        peer.write(&bytes);
        let end = peer.conn.await_end(t.end_wait());
        let took = sent.elapsed();
        out.check(
            &format!("declared body {len} after the handshake"),
            end,
            any_close,
        );
        if end.closed() && took > prompt {
            out.fail(format!("declared body {len} closed only after {took:?}"));
        }
        out.measure(format!("declared body {len}: {end:?} after {took:?}"));
    }
    out.expect(Report::Protocol, 1);
    Ok(out)
}

/// An insider from source `src` with its channel open and one message delivered before it
/// misbehaves; `None` (booked as a failure in `out`) when its handshake failed.
fn insider(
    t: &Target,
    src: usize,
    rng: &mut Rng,
    out: &mut Outcome,
) -> Result<Option<(Peer, Ident)>, String> {
    let id = t.insider_id();
    let ident = t.register(id)?;
    let mut peer = match Peer::insider(t, t.src(src), &ident, nonce(rng)) {
        Ok(peer) => peer,
        Err(end) => {
            out.check("insider handshake", end, |_| false);
            return Ok(None);
        }
    };
    out.established = 1;
    let seq = peer.last + 1;
    match peer.deliver(seq, &payload::insider(id, seq, 64)) {
        Ok(()) => out.insider_acked += 1,
        Err(end) => out.check("insider message before the garbage", end, |_| false),
    }
    Ok(Some((peer, ident)))
}
