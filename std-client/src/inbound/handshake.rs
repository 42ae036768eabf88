//! The listener's half of the handshake: the first frame must be a Hello naming this
//! listener; the answer is a Welcome with the cursor of the connection key, or a Reject
//! with the reason before the connection closes.

use liner_core::frame::{DecodeError, Frame, Hello, RejectReason, Welcome};

use super::conn::Session;
use super::cursors::CursorStore;
use super::deliver::{Closed, Ctx, kind_name};
use crate::liveness::IDENTITY_PROBE;

/// Handles the first frame of a connection.
pub(super) fn on_first_frame<S: CursorStore>(
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
    if hello.connection_key == IDENTITY_PROBE {
        // Another process asks whether this unique name is alive here: it is. No channel
        // is opened; the connection closes once the Welcome is written.
        session.outbox.push(&Frame::Welcome(Welcome {
            listener_name: &ctx.shared.unique_name,
            cursor: 0,
        }));
        return Err(Closed);
    }
    welcome(session, &hello, ctx);
    Ok(())
}

/// The first bytes did not decode: answer with the fitting Reject and close.
pub(super) fn refuse_malformed<S>(
    session: &mut Session,
    err: DecodeError,
    ctx: &mut Ctx<'_, S>,
) -> Closed {
    ctx.protocol_error(&session.peer, &format!("bad handshake: {err}"));
    refuse(session, err.reject_reason())
}

/// Opens the channel: takes over the connection key from an older connection, resumes its
/// cursor and queues the Welcome.
fn welcome<S: CursorStore>(session: &mut Session, hello: &Hello<'_>, ctx: &mut Ctx<'_, S>) {
    let ck = hello.connection_key;
    ctx.shared
        .highest_inbound_key
        .fetch_max(ck, std::sync::atomic::Ordering::Relaxed);
    session.from.clear();
    session.from.push_str(hello.sender_topic);
    let cursor = ctx.hub.claim(ck, ctx.shared, &session.peer);
    session.open(ck, cursor, &ctx.shared.config);
    let queued = session.outbox.push(&Frame::Welcome(Welcome {
        listener_name: &ctx.shared.unique_name,
        cursor,
    }));
    debug_assert!(queued, "a Welcome fits the empty outbox");
}

/// Queues a Reject; the connection closes once it is written (best effort).
fn refuse(session: &mut Session, reason: RejectReason) -> Closed {
    session.outbox.push(&Frame::Reject(reason));
    Closed
}
