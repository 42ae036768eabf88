//! Fuzz target `handshake`: the authenticated handshake of protocol v2
//! (`liner_core::handshake`) against an adversary that speaks frames decoded from fuzzer
//! bytes, honest frames, honest frames with a bit flipped, replayed and reflected proofs,
//! with arbitrary names, keys, nonces, cursors and secrets. Three scenarios:
//!
//! - an [`Acceptor`] that receives arbitrary frames where it waits for the Proof: it accepts
//!   one iff it has a secret and the frame is `Proof(Some(p))` with `p` the connector proof
//!   of its transcript, computed here on its own by [`Transcript::connector_proof`]; its
//!   Welcome carries exactly the acceptor proof for its cursor;
//! - a [`Connector`] that receives arbitrary frames: every answer matches a model of the
//!   handshake, and with a secret it reaches `Established` only after a Challenge and a
//!   Welcome whose proof is the acceptor proof for that Challenge's transcript and cursor;
//! - both ends joined by a wire that may flip bits in any frame: a connector with a secret
//!   that reaches `Established` agrees with the acceptor on the Hello and the cursor, and
//!   the acceptor checked a Proof made with an equivalent secret.
//!
//! Nothing may panic.
#![no_main]

use libfuzzer_sys::arbitrary::{Result, Unstructured};
use libfuzzer_sys::fuzz_target;
use liner_core::frame::{
    DecodeError, Frame, Hello, MAX_NAME_LEN, NONCE_LEN, PROOF_LEN, RejectReason, Welcome, encode,
    encoded_len, parse_frame,
};
use liner_core::handshake::{
    Acceptor, AcceptorStep, Connector, ConnectorStep, HandshakeError, Nonce, Transcript,
};

/// Most frames the adversary sends in one handshake.
const MAX_FRAMES: usize = 8;
/// Longest secret tried: past HMAC-SHA256's 64-byte block, where keys are hashed first.
const MAX_SECRET_LEN: usize = 100;

fuzz_target!(|bytes: &[u8]| {
    let mut u = Unstructured::new(bytes);
    // Running out of fuzzer bytes ends a scenario early; that is no failure.
    let _ = match u.int_in_range(0..=2u8) {
        Ok(0) => acceptor_under_attack(&mut u),
        Ok(1) => connector_under_attack(&mut u),
        _ => through_a_tampering_wire(&mut u),
    };
});

/// An acceptor gets a Hello, then arbitrary frames where it waits for the Proof.
fn acceptor_under_attack(u: &mut Unstructured<'_>) -> Result<()> {
    let hello_storage;
    let hello = if u.arbitrary()? {
        hello_storage = bytes(u, 512)?;
        match parse_frame(hello_storage) {
            Ok(Some((Frame::Hello(hello), _))) => hello,
            _ => return Ok(()),
        }
    } else {
        hello_from(u)?
    };
    let secret = secret(u)?;
    let nonce: Nonce = u.arbitrary()?;
    let (acceptor, step) = Acceptor::on_hello(secret, &hello, nonce);
    let expected_step = match secret {
        Some(_) => AcceptorStep::Challenge(nonce),
        None => AcceptorStep::Welcome,
    };
    assert_eq!(step, expected_step);

    let transcript = Transcript::new(&hello, &nonce);
    let genuine = secret.map(|secret| transcript.connector_proof(secret));
    let candidates = proof_candidates(u, &hello, &nonce, secret)?;
    for _ in 0..MAX_FRAMES {
        if u.is_empty() {
            break;
        }
        let mut storage = Vec::new();
        let Some(frame) = adversary_frame(u, &candidates, &mut storage)? else {
            continue;
        };
        // The API takes the secret again; an acceptor without one is handed an arbitrary one.
        let key = match secret {
            Some(secret) => secret,
            None => bytes(u, MAX_SECRET_LEN)?,
        };
        let verdict = acceptor.on_proof(key, &frame);
        let expected = match (secret, frame) {
            (Some(_), Frame::Proof(proof)) if proof.is_some() && proof == genuine => Ok(()),
            (Some(_), Frame::Proof(_)) => Err(HandshakeError::Unauthorized),
            _ => Err(HandshakeError::Unexpected),
        };
        assert_eq!(verdict, expected, "acceptor on {frame:?}");
    }

    let cursor = u.arbitrary()?;
    let welcome = acceptor.welcome(secret, hello.listener_name, cursor);
    assert_eq!(welcome.listener_name, hello.listener_name);
    assert_eq!(welcome.cursor, cursor);
    assert_eq!(
        welcome.proof,
        secret.map(|secret| transcript.acceptor_proof(secret, cursor)),
        "the Welcome must carry exactly the acceptor proof for its cursor"
    );
    Ok(())
}

/// A connector sends its Hello, then gets arbitrary frames until it is established or fails.
fn connector_under_attack(u: &mut Unstructured<'_>) -> Result<()> {
    let names = [name(u)?, name(u)?, name(u)?];
    let key = u.arbitrary()?;
    let mut connector = Connector::new(u.arbitrary()?);
    let hello = connector.hello(names[0], names[1], names[2], key);
    let secret = secret(u)?;

    // The frames of an honest acceptor, with its own secret, nonce and cursor.
    let acceptor_secret = peer_secret(u, secret)?;
    let acceptor_nonce: Nonce = u.arbitrary()?;
    let (acceptor, _) = Acceptor::on_hello(acceptor_secret, &hello, acceptor_nonce);
    let cursor: u64 = u.arbitrary()?;
    let listener = if u.ratio(1, 8)? {
        name(u)?
    } else {
        hello.listener_name
    };
    let mut candidates = vec![
        Frame::Challenge(acceptor_nonce),
        Frame::Welcome(acceptor.welcome(acceptor_secret, listener, cursor)),
        Frame::Reject(RejectReason::Unauthorized),
    ];
    // A Welcome recorded from another handshake of the same channel, and one carrying the
    // connector's own proof reflected back.
    if let Some(secret) = acceptor_secret {
        let old = Transcript::new(
            &Hello {
                nonce: u.arbitrary()?,
                ..hello
            },
            &acceptor_nonce,
        );
        let current = Transcript::new(&hello, &acceptor_nonce);
        for proof in [
            old.acceptor_proof(secret, cursor),
            current.connector_proof(secret),
        ] {
            candidates.push(Frame::Welcome(Welcome {
                listener_name: hello.listener_name,
                cursor,
                proof: Some(proof),
            }));
        }
    }

    let mut challenge: Option<Nonce> = None;
    for _ in 0..MAX_FRAMES {
        let mut storage = Vec::new();
        let Some(frame) = adversary_frame(u, &candidates, &mut storage)? else {
            // The connector could not decode it: it closes.
            return Ok(());
        };
        let step = connector.on_frame(&hello, secret, &frame);
        let expected = match frame {
            Frame::Reject(reason) => Err(HandshakeError::Rejected(reason)),
            Frame::Challenge(nonce) if challenge.is_none() => {
                challenge = Some(nonce);
                let proof = secret.map(|s| Transcript::new(&hello, &nonce).connector_proof(s));
                Ok(ConnectorStep::Send(Frame::Proof(proof)))
            }
            Frame::Welcome(w) if w.listener_name != hello.listener_name => {
                Err(HandshakeError::WrongListener)
            }
            Frame::Welcome(w) if w.cursor > liner_core::ack::MAX_SEQ => {
                Err(HandshakeError::CursorOutOfRange)
            }
            Frame::Welcome(w) => match (secret, challenge) {
                (None, _) => Ok(ConnectorStep::Established { cursor: w.cursor }),
                (Some(_), None) => Err(HandshakeError::Unauthorized),
                (Some(secret), Some(nonce)) => {
                    let genuine = Transcript::new(&hello, &nonce).acceptor_proof(secret, w.cursor);
                    if w.proof == Some(genuine) {
                        Ok(ConnectorStep::Established { cursor: w.cursor })
                    } else {
                        Err(HandshakeError::Unauthorized)
                    }
                }
            },
            _ => Err(HandshakeError::Unexpected),
        };
        assert_eq!(step, expected, "connector on {frame:?}");

        // The security property on its own, whatever the model above says.
        if let (Some(secret), Ok(ConnectorStep::Established { cursor })) = (secret, step) {
            let nonce = challenge.expect("established with a secret but never challenged");
            let Frame::Welcome(welcome) = frame else {
                panic!("established on {frame:?}");
            };
            let genuine = Transcript::new(&hello, &nonce).acceptor_proof(secret, cursor);
            assert_eq!(welcome.proof, Some(genuine), "established on a wrong proof");
        }
        if !matches!(step, Ok(ConnectorStep::Send(_))) {
            return Ok(());
        }
    }
    Ok(())
}

/// An honest connector and an honest acceptor, every frame between them encoded, maybe
/// altered on the way, and decoded.
fn through_a_tampering_wire(u: &mut Unstructured<'_>) -> Result<()> {
    let connector_secret = secret(u)?;
    let acceptor_secret = peer_secret(u, connector_secret)?;
    let names = [name(u)?, name(u)?, name(u)?];
    let key = u.arbitrary()?;
    let acceptor_nonce: Nonce = u.arbitrary()?;
    let cursor: u64 = u.arbitrary()?;
    let mut connector = Connector::new(u.arbitrary()?);
    let hello = connector.hello(names[0], names[1], names[2], key);

    let mut hello_bytes = Vec::new();
    let Some(Frame::Hello(seen_hello)) = wire(u, &Frame::Hello(hello), &mut hello_bytes)? else {
        return Ok(());
    };
    let (acceptor, step) = Acceptor::on_hello(acceptor_secret, &seen_hello, acceptor_nonce);
    let mut proof_accepted = false;
    if let AcceptorStep::Challenge(nonce) = step {
        let mut challenge_bytes = Vec::new();
        let Some(challenge) = wire(u, &Frame::Challenge(nonce), &mut challenge_bytes)? else {
            return Ok(());
        };
        let Ok(ConnectorStep::Send(proof)) =
            connector.on_frame(&hello, connector_secret, &challenge)
        else {
            return Ok(());
        };
        let mut proof_bytes = Vec::new();
        let Some(proof) = wire(u, &proof, &mut proof_bytes)? else {
            return Ok(());
        };
        let secret = acceptor_secret.expect("only an acceptor with a secret challenges");
        if acceptor.on_proof(secret, &proof).is_err() {
            let mut reject_bytes = Vec::new();
            let reject = Frame::Reject(RejectReason::Unauthorized);
            if let Some(reject) = wire(u, &reject, &mut reject_bytes)? {
                let step = connector.on_frame(&hello, connector_secret, &reject);
                assert!(
                    connector_secret.is_none()
                        || !matches!(step, Ok(ConnectorStep::Established { .. })),
                    "established after the acceptor refused the proof: {step:?}"
                );
            }
            return Ok(());
        }
        proof_accepted = true;
        // Accepted: the connector proved a secret equivalent to the acceptor's (HMAC pads
        // short keys with zeros and hashes long ones) for the transcript the acceptor saw.
        let connector_secret = connector_secret.expect("no secret, no accepted proof");
        let transcript = Transcript::new(&seen_hello, &nonce);
        assert_eq!(
            transcript.connector_proof(connector_secret),
            transcript.connector_proof(secret),
            "the acceptor accepted a proof of another secret"
        );
        assert_eq!(seen_hello, hello, "the acceptor accepted a tampered Hello");
    }

    let welcome = acceptor.welcome(acceptor_secret, seen_hello.listener_name, cursor);
    let mut welcome_bytes = Vec::new();
    let Some(welcome) = wire(u, &Frame::Welcome(welcome), &mut welcome_bytes)? else {
        return Ok(());
    };
    let step = connector.on_frame(&hello, connector_secret, &welcome);
    if let (Some(secret), Ok(ConnectorStep::Established { cursor: got })) = (connector_secret, step)
    {
        assert!(
            proof_accepted,
            "established without the acceptor checking a proof"
        );
        assert_eq!(seen_hello, hello, "established on a tampered Hello");
        assert_eq!(got, cursor, "established on a tampered cursor");
        let acceptor_secret = acceptor_secret.expect("a proof was accepted");
        let transcript = Transcript::new(&hello, &acceptor_nonce);
        assert_eq!(
            transcript.acceptor_proof(secret, cursor),
            transcript.acceptor_proof(acceptor_secret, cursor),
            "established against an acceptor with another secret"
        );
    }
    Ok(())
}

/// Up to `max` fuzzer bytes.
fn bytes<'a>(u: &mut Unstructured<'a>, max: usize) -> Result<&'a [u8]> {
    let len = u.int_in_range(0..=max)?;
    u.bytes(len)
}

/// A name of at most `MAX_NAME_LEN` bytes (longer ones never decode).
fn name<'a>(u: &mut Unstructured<'a>) -> Result<&'a str> {
    let name: &'a str = u.arbitrary()?;
    let mut end = name.len().min(MAX_NAME_LEN);
    while !name.is_char_boundary(end) {
        end -= 1;
    }
    Ok(&name[..end])
}

fn hello_from<'a>(u: &mut Unstructured<'a>) -> Result<Hello<'a>> {
    Ok(Hello {
        sender_name: name(u)?,
        sender_topic: name(u)?,
        listener_name: name(u)?,
        connection_key: u.arbitrary()?,
        nonce: u.arbitrary()?,
    })
}

/// No secret, or one of up to `MAX_SECRET_LEN` arbitrary bytes (the empty one included).
fn secret<'a>(u: &mut Unstructured<'a>) -> Result<Option<&'a [u8]>> {
    if u.arbitrary()? {
        Ok(Some(bytes(u, MAX_SECRET_LEN)?))
    } else {
        Ok(None)
    }
}

/// The other end's secret: mostly the same one (else the fuzzer would rarely see a
/// handshake succeed), sometimes none or another one.
fn peer_secret<'a>(u: &mut Unstructured<'a>, mine: Option<&'a [u8]>) -> Result<Option<&'a [u8]>> {
    Ok(match u.int_in_range(0..=3u8)? {
        0 | 1 => mine,
        2 => None,
        _ => Some(bytes(u, MAX_SECRET_LEN)?),
    })
}

/// Proofs an attacker might offer an acceptor: an honest connector's (with a secret that
/// may differ), one recorded from a handshake with another acceptor nonce (replay), and
/// the acceptor's own proof reflected back.
fn proof_candidates<'a>(
    u: &mut Unstructured<'a>,
    hello: &Hello<'_>,
    nonce: &Nonce,
    secret: Option<&'a [u8]>,
) -> Result<Vec<Frame<'static>>> {
    let connector_secret = peer_secret(u, secret)?;
    let transcript = Transcript::new(hello, nonce);
    let mut candidates = vec![Frame::Proof(
        connector_secret.map(|secret| transcript.connector_proof(secret)),
    )];
    if let Some(secret) = secret {
        let other_nonce: Nonce = u.arbitrary()?;
        let replayed = Transcript::new(hello, &other_nonce).connector_proof(secret);
        let reflected = transcript.acceptor_proof(secret, u.arbitrary()?);
        candidates.push(Frame::Proof(Some(replayed)));
        candidates.push(Frame::Proof(Some(reflected)));
    }
    Ok(candidates)
}

/// One frame from the adversary: decoded from raw fuzzer bytes, one of `candidates` as is
/// or with a bit of its encoding flipped, or a handshake frame with arbitrary fields.
/// `None` when the bytes do not decode (the receiver would close).
fn adversary_frame<'a: 'f, 'f>(
    u: &mut Unstructured<'a>,
    candidates: &[Frame<'f>],
    storage: &'f mut Vec<u8>,
) -> Result<Option<Frame<'f>>> {
    Ok(match u.int_in_range(0..=3u8)? {
        0 => {
            let raw = bytes(u, 512)?;
            decoded(parse_frame(raw))
        }
        1 => Some(*u.choose(candidates)?),
        2 => {
            let frame = *u.choose(candidates)?;
            *storage = encoded(&frame);
            flip_bit(u, storage)?;
            decoded(parse_frame(storage))
        }
        _ => Some(match u.int_in_range(0..=3u8)? {
            0 => Frame::Challenge(u.arbitrary::<[u8; NONCE_LEN]>()?),
            1 => Frame::Proof(u.arbitrary::<Option<[u8; PROOF_LEN]>>()?),
            2 => Frame::Welcome(Welcome {
                listener_name: name(u)?,
                cursor: u.arbitrary()?,
                proof: u.arbitrary()?,
            }),
            _ => Frame::Reject(*u.choose(&RejectReason::ALL)?),
        }),
    })
}

/// Sends `frame` over a wire that passes it unchanged, or flips one bit or overwrites one
/// byte of its encoding; returns what the receiver decodes (`None`: it would close).
fn wire<'b>(
    u: &mut Unstructured<'_>,
    frame: &Frame<'_>,
    storage: &'b mut Vec<u8>,
) -> Result<Option<Frame<'b>>> {
    *storage = encoded(frame);
    match u.int_in_range(0..=3u8)? {
        0 | 1 => {}
        2 => flip_bit(u, storage)?,
        _ => {
            let at = u.choose_index(storage.len())?;
            storage[at] = u.arbitrary()?;
        }
    }
    Ok(decoded(parse_frame(storage)))
}

fn flip_bit(u: &mut Unstructured<'_>, bytes: &mut [u8]) -> Result<()> {
    let at = u.choose_index(bytes.len())?;
    bytes[at] ^= 1 << u.int_in_range(0..=7u8)?;
    Ok(())
}

fn encoded(frame: &Frame<'_>) -> Vec<u8> {
    let mut out = vec![0u8; encoded_len(frame)];
    encode(frame, &mut out).expect("honest frames encode");
    out
}

/// A whole frame decoded from the start of the bytes. A stream would read the rest as the
/// next frame; one frame per message is enough here.
fn decoded<'a>(
    result: core::result::Result<Option<(Frame<'a>, usize)>, DecodeError>,
) -> Option<Frame<'a>> {
    match result {
        Ok(Some((frame, _))) => Some(frame),
        _ => None,
    }
}
