//! Sending: `try_send_to` (one listener of a topic, round-robin) and `try_send_all` (every
//! listener). The hot path takes two short locks (routes, then the peer) and makes no heap
//! allocation: the frame is encoded straight into the peer's transmit window. A topic name
//! is validated once, when its routes are first loaded (`catalog::refresh_topic`): a topic
//! with routes is a valid one, so the hot path does not scan the name again.

use liner_core::frame::{DataHead, FLAG_AT_LEAST_ONCE};

use crate::catalog::{refresh_topic, route_to_remembered};
use crate::client::Client;
use crate::error::Error;
use crate::peer::OutPeer;
use crate::registry::Registry;
use crate::status::StatusKind;

impl Client {
    /// Sends `payload` to one listener of `topic` (round-robin; listeners known to be dead
    /// are skipped while a live one remains). `Ok` means accepted, not delivered: the frame
    /// is in the peer's transmit window — written at once when connected, waiting there
    /// while the connection to a newly found or returning listener is set up — or, when the
    /// peer is known to be unreachable, parked in Redis (at-least-once) or dropped and
    /// counted (best-effort).
    ///
    /// The first send to a topic reads its catalog rows; with none, an at-least-once send
    /// goes to the listeners this sender remembers for the topic (to park for them), else
    /// it fails with [`Error::NoAddr`]. [`Client::send_to`] is the `bool` form, with an
    /// example.
    pub fn try_send_to(
        &self,
        topic: &str,
        payload: &[u8],
        at_least_once: bool,
    ) -> Result<(), Error> {
        self.check_send(topic, payload)?;
        let (peer, key) =
            self.with_routes(topic, at_least_once, |registry| registry.pick(topic))?;
        let head = data_head(key, at_least_once)?;
        if self.enqueue(peer, topic, &head, payload, true)? {
            self.shared.wake_sender();
        }
        Ok(())
    }

    /// Sends `payload` to every listener registered under `topic`, each as with
    /// [`Client::try_send_to`]; the first error is returned after every listener was tried.
    pub fn try_send_all(
        &self,
        topic: &str,
        payload: &[u8],
        at_least_once: bool,
    ) -> Result<(), Error> {
        self.check_send(topic, payload)?;
        let (peers, key) =
            self.with_routes(topic, at_least_once, |registry| registry.all(topic))?;
        // Encoded once for all listeners: each window only adds its seq and the payload.
        let head = data_head(key, at_least_once)?;
        let mut first_error = None;
        let mut wake = false;
        // One listener: the same latency path as send_to. Several: leave the writing to
        // the sender thread, which batches each peer's frames into few syscalls.
        let may_write_directly = peers.len() == 1;
        for (_, peer) in peers.iter() {
            match self.enqueue(peer, topic, &head, payload, may_write_directly) {
                Ok(woken) => wake |= woken,
                Err(e) => {
                    first_error.get_or_insert(e);
                }
            }
        }
        // One wake for all peers: the sender thread looks at every peer when woken.
        if wake {
            self.shared.wake_sender();
        }
        first_error.map_or(Ok(()), Err)
    }

    /// Runs `lookup` on the routes; when the topic has no address, the catalog is read once
    /// more before giving up (a listener may have registered since the last refresh). This
    /// is also how the first send to a topic loads its routes. An at-least-once send to a
    /// topic with no catalog row goes to the listeners this sender remembers for it, to park
    /// for them while they are away (liner 1.4 does the same).
    fn with_routes<'r, T>(
        &'r self,
        topic: &str,
        at_least_once: bool,
        lookup: impl Fn(&'r Registry) -> Result<T, Error>,
    ) -> Result<T, Error> {
        match lookup(&self.shared.registry) {
            Err(Error::NoAddr(_)) => {
                let mut store = self.store();
                if refresh_topic(&self.shared, &mut store, topic)? == 0 && at_least_once {
                    route_to_remembered(&self.shared, &mut store, topic)?;
                }
                drop(store);
                lookup(&self.shared.registry)
            }
            other => other,
        }
    }

    fn check_send(&self, topic: &str, payload: &[u8]) -> Result<(), Error> {
        if !self.is_running() {
            return Err(Error::NotRunning);
        }
        if topic == self.shared.topic {
            return Err(Error::SelfTopic(topic.to_string()));
        }
        let max = self.shared.config.max_message_size;
        if payload.is_empty() || payload.len() > max {
            return Err(Error::InvalidArg(format!(
                "payload is {} bytes; it must be 1..={max}",
                payload.len()
            )));
        }
        Ok(())
    }

    /// Queues one frame for `peer`; `Ok(true)` when the sender thread must be woken.
    fn enqueue(
        &self,
        peer: &OutPeer,
        topic: &str,
        head: &DataHead,
        payload: &[u8],
        may_write_directly: bool,
    ) -> Result<bool, Error> {
        let shared = &self.shared;
        let timeout = shared.config.send_timeout;
        match peer.enqueue(&shared.jobs, head, payload, timeout, may_write_directly) {
            Ok(wake) => Ok(wake),
            Err(e @ Error::Busy(_)) => {
                shared.report(StatusKind::SenderBusy, topic, &peer.name, &e.to_string());
                Err(e)
            }
            Err(e) => Err(e),
        }
    }
}

/// The head of a message's frames to the topic of key `key`.
fn data_head(key: u64, at_least_once: bool) -> Result<DataHead, Error> {
    let flags = if at_least_once { FLAG_AT_LEAST_ONCE } else { 0 };
    // Only unknown flag bits are refused, and these are known.
    DataHead::new(key, flags).map_err(|e| Error::InvalidArg(e.to_string()))
}
