//! Cursor jumps: an insider (it knows the secret; its channel is its own) sends Data with a
//! seq far above its cursor — `cursor + 2^40 + 1`, `u64::MAX`, `2^63 + 1` — which would make
//! the listener drop every later message of the channel as a duplicate. Each must close the
//! connection without a delivery or an Ack and leave the cursor (Welcome and Redis) where
//! it was; the channel then works on, including a jump of exactly 2^40 (the most allowed).

use std::time::{Duration, Instant};

use super::{Outcome, Report, any_close};
use crate::hostile::net::End;
use crate::hostile::peer::{Peer, data_bytes, nonce};
use crate::hostile::target::{Ident, Target};
use crate::payload;
use crate::rng::Rng;

/// Largest allowed step of a seq above the listener's cursor.
const MAX_JUMP: u64 = 1 << 40;

pub fn cursor_jump(t: &Target) -> Result<Outcome, String> {
    let mut out = Outcome::default();
    let mut rng = t.rng(9);
    let rounds = if t.full { 3 } else { 1 };
    out.established = 1;
    for r in 0..rounds {
        let src = |case: usize| r * 8 + case;
        let id = t.insider_id();
        let ident = t.register(id)?;
        let mut peer = connect(t, src(0), &ident, &mut rng)?;
        let mut cursor = peer.cursor + 1;
        deliver(&mut peer, id, cursor, &mut out)?;
        for (case, jump) in [cursor + MAX_JUMP + 1, u64::MAX, (1 << 63) + 1]
            .into_iter()
            .enumerate()
        {
            let mut peer = connect(t, src(1 + case), &ident, &mut rng)?;
            if peer.cursor != cursor {
                out.fail(format!(
                    "Welcome cursor {} before the jump to {jump}, expected {cursor}",
                    peer.cursor
                ));
            }
            out.forged_sent += 1;
            let sent = Instant::now();
            peer.write(&data_bytes(t.topic_key, jump, &payload::forged(jump, 64)));
            match peer.wait_ack(jump, t.end_wait()) {
                Ok(()) => out.check(&format!("seq {jump}: acknowledged"), End::Welcomed, |_| {
                    false
                }),
                Err(end) => {
                    out.check(&format!("seq {jump}"), end, any_close);
                    out.measure(format!(
                        "seq {jump:#x} (cursor {cursor}): {end:?} after {:?}",
                        sent.elapsed()
                    ));
                }
            }
        }
        // The channel works on, from the same cursor; a jump of exactly 2^40 is allowed.
        let mut peer = connect(t, src(5), &ident, &mut rng)?;
        if peer.cursor != cursor {
            out.fail(format!(
                "Welcome cursor {} after the jumps, expected {cursor}",
                peer.cursor
            ));
        }
        cursor += 1;
        deliver(&mut peer, id, cursor, &mut out)?;
        cursor += MAX_JUMP;
        deliver(&mut peer, id, cursor, &mut out)?;
        cursor += 1;
        deliver(&mut peer, id, cursor, &mut out)?;
        // The stored cursor never went past what was delivered.
        let deadline = Instant::now() + Duration::from_secs(3);
        let stored = loop {
            let stored = t.stored_cursor(ident.key)?;
            if stored == cursor || Instant::now() >= deadline {
                break stored;
            }
            std::thread::sleep(Duration::from_millis(50));
        };
        if stored > cursor {
            out.fail(format!(
                "stored cursor {stored} beyond the last delivered seq {cursor}"
            ));
        }
        out.measure(format!(
            "round {r}: channel delivered up to seq {cursor}, stored cursor {stored}"
        ));
    }
    out.expect(Report::Protocol, 3 * rounds as u64);
    Ok(out)
}

fn connect(t: &Target, src: usize, ident: &Ident, rng: &mut Rng) -> Result<Peer, String> {
    Peer::insider(t, t.src(src), ident, nonce(rng))
        .map_err(|end| format!("insider handshake ended {end:?}"))
}

fn deliver(peer: &mut Peer, id: u32, seq: u64, out: &mut Outcome) -> Result<(), String> {
    peer.deliver(seq, &payload::insider(id, seq, 64))
        .map_err(|end| format!("insider message seq {seq} ended {end:?}"))?;
    out.insider_acked += 1;
    Ok(())
}
