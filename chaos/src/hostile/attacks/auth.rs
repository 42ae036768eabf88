//! Attacks on the authenticated handshake: Hellos without the secret (every wrong answer to
//! the Challenge, and frames out of order), replays of an insider's recorded handshake,
//! and Hellos carrying the legitimate sender's connection key. Every refused handshake is
//! followed by a forged Data frame in the same write, so a listener that delivered
//! anything before (or despite) refusing is caught by the delivery log.

use std::time::Instant;

use liner_core::frame::{Frame, LEN_PREFIX};

use super::{Outcome, Report, any_close, unauthorized};
use crate::hostile::net::{Conn, End, Got};
use crate::hostile::peer::{
    Peer, Proof, STEP, data_bytes, frame_bytes, hello_bytes, nonce, random32,
};
use crate::hostile::target::{Ident, Target};
use crate::payload;
use crate::rng::Rng;

/// A handshake that must be refused, and which ends of it are right.
struct Case<'a> {
    what: &'static str,
    ident: &'a Ident,
    /// The answer to the Challenge.
    proof: Proof,
    ok: fn(End) -> bool,
}

/// Runs `case` from source `src`: its proof answers the Challenge and a forged Data frame
/// follows in the same write. A Welcome is a failure; the forged frame is then sent again
/// on the open channel to see whether it gets through.
fn refused(t: &Target, out: &mut Outcome, src: usize, case: Case<'_>, rng: &mut Rng) {
    let forged = forged_data(t, case.ident, out);
    let nonce = nonce(rng);
    match Peer::handshake(t, t.src(src), case.ident, &case.proof, nonce, &forged) {
        Ok(mut peer) => {
            out.check(case.what, End::Welcomed, case.ok);
            let seq = peer.last + 1;
            peer.write(&forged_data_at(t, case.ident, seq, out));
            let _ = peer.wait_ack(seq, STEP);
        }
        Err(end) => out.check(case.what, end, case.ok),
    }
}

/// A forged Data frame for `ident`'s channel: a chaos payload of stream 1 with the forged
/// incarnation when `ident` carries the legitimate key, else a `FORGED` payload.
fn forged_data(t: &Target, ident: &Ident, out: &mut Outcome) -> Vec<u8> {
    forged_data_at(t, ident, 1 << 20, out)
}

fn forged_data_at(t: &Target, ident: &Ident, seq: u64, out: &mut Outcome) -> Vec<u8> {
    out.forged_sent += 1;
    let n = out.forged_sent;
    if ident.key == t.legit.key {
        data_bytes(t.topic_key, seq, &payload::forged_chaos(1, n as u32))
    } else {
        data_bytes(t.topic_key, seq, &payload::forged(n, 64))
    }
}

/// Connects and writes `bytes` at once; how the listener ended it.
fn blind(t: &Target, src: usize, bytes: &[u8]) -> End {
    match Conn::open(t.src(src), t.addr, STEP) {
        Ok(mut conn) => {
            conn.send(bytes);
            conn.await_end(t.end_wait())
        }
        Err(_) => End::Reset,
    }
}

/// Sends a Hello and waits for the Challenge; `Err` when something else came.
fn hello_then_challenge(t: &Target, src: usize, hello: &[u8]) -> Result<Conn, End> {
    let mut conn = Conn::open(t.src(src), t.addr, STEP).map_err(|_| End::Reset)?;
    conn.send(hello);
    match conn.next(STEP)? {
        Got::Challenge(_) => Ok(conn),
        Got::Welcome { .. } => Err(End::Welcomed),
        Got::Reject(reason) => Err(End::Rejected(reason)),
        _ => Err(End::Garbled),
    }
}

/// Hellos without the secret, every way round.
pub fn forged_hello(t: &Target) -> Result<Outcome, String> {
    let mut out = Outcome::default();
    let mut rng = t.rng(6);
    let rounds = if t.full { 5 } else { 1 };
    let wrong_secret = b"not the secret, but long enough".to_vec();
    for r in 0..rounds {
        let src = |case: usize| r * 16 + case;
        let f = t.forger(&mut rng);
        let cases = [
            Case {
                what: "Proof(None)",
                ident: &f,
                proof: Proof::Empty,
                ok: unauthorized,
            },
            Case {
                what: "random proof",
                ident: &f,
                proof: Proof::Bytes(random32(&mut rng)),
                ok: unauthorized,
            },
            Case {
                what: "proof with another secret",
                ident: &f,
                proof: Proof::Secret(wrong_secret.clone()),
                ok: unauthorized,
            },
        ];
        for (i, case) in cases.into_iter().enumerate() {
            refused(t, &mut out, src(i), case, &mut rng);
        }
        // Data pipelined right behind the Hello, before any Challenge.
        let mut bytes = hello_bytes(t, &f, nonce(&mut rng));
        bytes.extend(forged_data(t, &f, &mut out));
        out.check("Hello + Data at once", blind(t, src(3), &bytes), any_close);
        // Data first, no Hello.
        let data = forged_data(t, &f, &mut out);
        out.check("Data without a Hello", blind(t, src(4), &data), any_close);
        // A Proof before the Challenge was sent.
        let mut bytes = hello_bytes(t, &f, nonce(&mut rng));
        bytes.extend(frame_bytes(&Frame::Proof(Some(random32(&mut rng)))));
        bytes.extend(forged_data(t, &f, &mut out));
        out.check(
            "Proof before the Challenge",
            blind(t, src(5), &bytes),
            any_close,
        );
        // Answers to the Challenge that are not a Proof; and no answer at all.
        let hello = hello_bytes(t, &f, nonce(&mut rng));
        let answers: [(&str, Vec<u8>); 3] = [
            ("Data instead of a Proof", forged_data(t, &f, &mut out)),
            (
                "a second Hello instead of a Proof",
                hello_bytes(t, &f, nonce(&mut rng)),
            ),
            ("no Proof ever", Vec::new()),
        ];
        for (case, (what, answer)) in answers.into_iter().enumerate() {
            match hello_then_challenge(t, src(6 + case), &hello) {
                Ok(mut conn) => {
                    let sent = Instant::now();
                    conn.send(&answer);
                    let end = conn.await_end(t.end_wait());
                    out.check(what, end, any_close);
                    let took = sent.elapsed();
                    let deadline = t.config.connect_timeout + std::time::Duration::from_secs(1);
                    if end.closed() && took > deadline {
                        out.fail(format!(
                            "{what}: closed only after {took:?} (deadline {deadline:?})"
                        ));
                    }
                }
                Err(end) => out.check(what, end, |_| false),
            }
        }
    }
    out.expect(Report::Unauthorized, 3 * rounds as u64);
    Ok(out)
}

/// Replays of an insider's recorded Hello and Proof, while its channel is open and after it
/// closed; the live channel must not notice, and a new real handshake resumes it.
pub fn replay(t: &Target) -> Result<Outcome, String> {
    let mut out = Outcome::default();
    let mut rng = t.rng(7);
    let rounds = if t.full { 3 } else { 1 };
    for r in 0..rounds {
        let src = |case: usize| r * 8 + case;
        let id = t.insider_id();
        let ident = t.register(id)?;
        let mut a = Peer::insider(t, t.src(src(0)), &ident, nonce(&mut rng))
            .map_err(|end| format!("insider handshake ended {end:?}"))?;
        out.established = 1;
        let mut seq = a.last + 1;
        a.deliver(seq, &payload::insider(id, seq, 64))
            .map_err(|end| format!("insider message ended {end:?}"))?;
        out.insider_acked += 1;
        let hello_len =
            LEN_PREFIX + u32::from_le_bytes(a.written[..4].try_into().expect("4")) as usize;
        let (hello, proof) = a.written.split_at(hello_len);
        let (hello, proof) = (hello.to_vec(), proof.to_vec());
        let stepwise =
            |out: &mut Outcome, what: &str, src: usize, proof: &[u8]| match hello_then_challenge(
                t, src, &hello,
            ) {
                Ok(mut conn) => {
                    let mut bytes = proof.to_vec();
                    bytes.extend(forged_data(t, &ident, out));
                    conn.send(&bytes);
                    out.check(what, conn.await_end(t.end_wait()), unauthorized);
                }
                Err(end) => out.check(what, end, |_| false),
            };
        stepwise(
            &mut out,
            "replayed Hello + Proof, channel live",
            src(1),
            &proof,
        );
        let mut bytes = [hello.as_slice(), proof.as_slice()].concat();
        bytes.extend(forged_data(t, &ident, &mut out));
        out.check(
            "blind replay, channel live",
            blind(t, src(2), &bytes),
            any_close,
        );
        let reflected = a
            .welcome_proof
            .map_or_else(Vec::new, |p| frame_bytes(&Frame::Proof(Some(p))));
        stepwise(
            &mut out,
            "the listener's own Welcome proof reflected",
            src(3),
            &reflected,
        );
        // The live channel did not notice.
        seq += 1;
        match a.deliver(seq, &payload::insider(id, seq, 64)) {
            Ok(()) => out.insider_acked += 1,
            Err(end) => out.fail(format!(
                "the replays broke the insider's live channel: {end:?}"
            )),
        }
        drop(a);
        std::thread::sleep(std::time::Duration::from_millis(200));
        stepwise(
            &mut out,
            "replayed Hello + Proof, channel closed",
            src(4),
            &proof,
        );
        // A real handshake of the same channel resumes where it was.
        match Peer::insider(t, t.src(src(5)), &ident, nonce(&mut rng)) {
            Ok(mut b) => {
                if b.cursor != seq {
                    out.fail(format!(
                        "the channel resumed at cursor {} after the replays, not {seq}",
                        b.cursor
                    ));
                }
                let next = b.last + 1;
                match b.deliver(next, &payload::insider(id, next, 64)) {
                    Ok(()) => out.insider_acked += 1,
                    Err(end) => out.fail(format!("the resumed channel could not deliver: {end:?}")),
                }
            }
            Err(end) => out.fail(format!("a real handshake after the replays ended {end:?}")),
        }
    }
    out.expect(Report::Unauthorized, 3 * rounds as u64);
    Ok(out)
}

/// Hellos with the legitimate sender's connection key: under another sender's names
/// (without the secret, and with it: an insider must not take a key that is not its own),
/// and under the legitimate names without the secret.
pub fn stolen_key(t: &Target) -> Result<Outcome, String> {
    let mut out = Outcome::default();
    let mut rng = t.rng(8);
    let rounds = if t.full { 3 } else { 1 };
    for r in 0..rounds {
        let src = |case: usize| r * 8 + case;
        let mut thief = t.forger(&mut rng);
        thief.key = t.legit.key;
        let own = t.legit.clone();
        let cases = [
            Case {
                what: "thief, no secret",
                ident: &thief,
                proof: Proof::Empty,
                ok: unauthorized,
            },
            // Knowing the secret does not make the key its own.
            Case {
                what: "thief with the secret",
                ident: &thief,
                proof: Proof::Secret(t.secret.clone()),
                ok: any_close,
            },
            Case {
                what: "legit names, no secret",
                ident: &own,
                proof: Proof::Empty,
                ok: unauthorized,
            },
            Case {
                what: "legit names, random proof",
                ident: &own,
                proof: Proof::Bytes(random32(&mut rng)),
                ok: unauthorized,
            },
            Case {
                what: "legit names, wrong secret",
                ident: &own,
                proof: Proof::Secret(b"a thief's guess at the secret".to_vec()),
                ok: unauthorized,
            },
        ];
        for (i, case) in cases.into_iter().enumerate() {
            refused(t, &mut out, src(i), case, &mut rng);
        }
    }
    out.expect(Report::Unauthorized, 4 * rounds as u64);
    Ok(out)
}
