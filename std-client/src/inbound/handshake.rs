//! The listener's half of the handshake (wire protocol v2, `liner_core::handshake`): the
//! first frame must be a Hello naming this listener; with a secret the sender is challenged
//! and must prove it; then the connection key is claimed (a key belongs to its sender) and
//! the answer is a Welcome with the key's cursor. Every refusal is a Reject with the reason
//! before the connection closes, counted, logged with the peer's address and — unless it is
//! a stale catalog row (`WrongListener`) — reported through the status callback.

use liner_core::frame::{DecodeError, Frame, RejectReason};
use liner_core::handshake::{Acceptor, AcceptorStep, HandshakeError};

use super::conn::{Phase, Session};
use super::cursors::CursorStore;
use super::deliver::{Closed, Ctx, kind_name};
use crate::liveness::IDENTITY_PROBE;
use crate::secret::{Secret, fresh_nonce};
use crate::status::StatusKind;

/// Handles a frame of a connection still in the handshake.
pub(super) fn on_frame<S: CursorStore>(
    session: &mut Session,
    frame: Frame<'_>,
    ctx: &mut Ctx<'_, S>,
) -> Result<(), Closed> {
    match session.phase {
        Phase::AwaitHello { .. } => on_hello(session, frame, ctx),
        Phase::AwaitProof { acceptor, ck, .. } => on_proof(session, acceptor, ck, frame, ctx),
        Phase::Open { .. } => unreachable!("the handshake is over"),
    }
}

fn on_hello<S: CursorStore>(
    session: &mut Session,
    frame: Frame<'_>,
    ctx: &mut Ctx<'_, S>,
) -> Result<(), Closed> {
    let Frame::Hello(hello) = frame else {
        let message = format!("expected Hello, got {}", kind_name(&frame));
        ctx.protocol_error(&session.peer, &message);
        return Err(refuse(session, RejectReason::Malformed));
    };
    if hello.listener_name != ctx.shared.unique_name {
        // A stale catalog row (the named listener moved away): the sender's business.
        crate::log::log!(
            "inbound {}: Hello for listener {:?}, this is {:?}; rejected",
            session.peer,
            hello.listener_name,
            ctx.shared.unique_name
        );
        ctx.counts.rejected += 1;
        return Err(refuse(session, RejectReason::WrongListener));
    }
    session.sender.clear();
    session.sender.push_str(hello.sender_name);
    session.from.clear();
    session.from.push_str(hello.sender_topic);
    let secret = secret(ctx);
    let nonce = match secret {
        Some(_) => fresh_nonce().map_err(|err| {
            crate::log::log!(
                "inbound {}: no nonce for the handshake: {err}",
                session.peer
            );
            Closed
        })?,
        // Without a secret the acceptor sends no Challenge and the nonce is never used.
        None => Default::default(),
    };
    let (acceptor, step) = Acceptor::on_hello(secret, &hello, nonce);
    let ck = hello.connection_key;
    match step {
        AcceptorStep::Challenge(nonce) => {
            let deadline = session.handshake_deadline().unwrap_or(ctx.now);
            session.phase = Phase::AwaitProof {
                deadline,
                acceptor,
                ck,
            };
            session.outbox.push(&Frame::Challenge(nonce));
            Ok(())
        }
        AcceptorStep::Welcome => accept(session, acceptor, ck, ctx),
    }
}

fn on_proof<S: CursorStore>(
    session: &mut Session,
    acceptor: Acceptor,
    ck: u64,
    frame: Frame<'_>,
    ctx: &mut Ctx<'_, S>,
) -> Result<(), Closed> {
    let secret = secret(ctx).unwrap_or_default();
    match acceptor.on_proof(secret, &frame) {
        Ok(()) => accept(session, acceptor, ck, ctx),
        Err(HandshakeError::Unexpected) => {
            let message = format!("expected Proof, got {}", kind_name(&frame));
            ctx.protocol_error(&session.peer, &message);
            Err(refuse(session, RejectReason::Malformed))
        }
        Err(_) => {
            let why = format!(
                "sender {:?} did not prove the shared secret (missing or wrong proof)",
                session.sender
            );
            Err(unauthorized(session, &why, ctx))
        }
    }
}

/// The handshake succeeded: answers an identity probe, or admits the connection, claims
/// its key and queues the Welcome (with this side's proof when it challenged).
fn accept<S: CursorStore>(
    session: &mut Session,
    acceptor: Acceptor,
    ck: u64,
    ctx: &mut Ctx<'_, S>,
) -> Result<(), Closed> {
    let secret = secret(ctx);
    let name = ctx.shared.unique_name.as_str();
    if ck == IDENTITY_PROBE {
        // Another process asks whether this unique name is alive here: it is. No channel
        // is opened; the connection closes once the Welcome is written.
        session
            .outbox
            .push(&Frame::Welcome(acceptor.welcome(secret, name, 0)));
        return Err(Closed);
    }
    let max_peers = ctx.shared.config.max_peers;
    if ctx.hub.admission.established() >= max_peers {
        ctx.limited(
            &session.peer,
            &format!("already {max_peers} peers (max_peers)"),
        );
        return Err(refuse(session, RejectReason::Busy));
    }
    let claimed = ctx.hub.claim(
        ck,
        &session.sender,
        &session.from,
        ctx.shared,
        &session.peer,
    );
    let Some(cursor) = claimed else {
        let why = format!(
            "connection key {ck} is in use by another sender; {:?} may not take it over",
            session.sender
        );
        return Err(unauthorized(session, &why, ctx));
    };
    ctx.shared
        .highest_inbound_key
        .fetch_max(ck, std::sync::atomic::Ordering::Relaxed);
    ctx.hub.admission.promote(session.source);
    session.open(ck, cursor, &ctx.shared.config);
    let welcome = acceptor.welcome(secret, name, cursor);
    let queued = session.outbox.push(&Frame::Welcome(welcome));
    debug_assert!(queued, "a Welcome fits the empty outbox");
    Ok(())
}

/// The first bytes did not decode: answer with the fitting Reject and close.
pub(super) fn refuse_malformed<S>(
    session: &mut Session,
    err: DecodeError,
    ctx: &mut Ctx<'_, S>,
) -> Closed {
    let message = match err {
        DecodeError::UnsupportedVersion(1) => "peer speaks wire protocol v1 (a liner-p2p \
             without the authenticated handshake): upgrade it"
            .to_owned(),
        err => format!("bad handshake: {err}"),
    };
    ctx.protocol_error(&session.peer, &message);
    refuse(session, err.reject_reason())
}

/// Refuses an unauthenticated peer: logged with its address, reported, counted.
fn unauthorized<S>(session: &mut Session, why: &str, ctx: &mut Ctx<'_, S>) -> Closed {
    crate::log::log!("inbound {}: {why}; rejected", session.peer);
    ctx.shared
        .report(StatusKind::PeerUnauthorized, "", &session.peer, why);
    ctx.counts.rejected += 1;
    refuse(session, RejectReason::Unauthorized)
}

/// Queues a Reject; the connection closes once it is written (best effort).
fn refuse(session: &mut Session, reason: RejectReason) -> Closed {
    session.outbox.push(&Frame::Reject(reason));
    Closed
}

fn secret<'a, S>(ctx: &Ctx<'a, S>) -> Option<&'a [u8]> {
    ctx.shared.config.secret.as_ref().map(Secret::bytes)
}
