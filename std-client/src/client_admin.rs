//! Catalog and store administration of a client: subscriptions, route refreshes, catalog
//! listings, pending-message counts and the `clear_*` operations.

use crate::catalog::{self, announce, refresh_topic};
use crate::client::Client;
use crate::error::Error;
use crate::names::check_topic;
use crate::store::{PeerBacklog, PeerEventKind, PeerInfo};

impl Client {
    /// Listens on `topic` too (registers this client's address under it). Allowed before
    /// `run` (registered at `run`) or after.
    pub fn try_subscribe(&self, topic: &str) -> Result<(), Error> {
        check_topic(topic)?;
        {
            let mut listening = self
                .shared
                .listening
                .lock()
                .unwrap_or_else(|p| p.into_inner());
            if listening.iter().any(|t| t == topic) {
                return Ok(());
            }
            listening.push(topic.to_string());
        }
        if self.is_running() {
            let mut store = self.store();
            catalog::register_topic(&self.shared, &mut store, topic)?;
            announce(&self.shared, &mut store, PeerEventKind::Subscribed, topic);
        }
        Ok(())
    }

    /// Stops listening on `topic` and removes this client's rows from its catalog,
    /// announcing each. Allowed whether or not this process subscribed to `topic`, and
    /// while stopped: a restarted process can clear a row its crashed predecessor left
    /// (as liner 1.4 does).
    pub fn try_unsubscribe(&self, topic: &str) -> Result<(), Error> {
        check_topic(topic)?;
        if topic == self.shared.topic {
            return Err(Error::InvalidArg(format!(
                "'{topic}' is this client's own topic, not a subscription"
            )));
        }
        self.shared
            .listening
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .retain(|t| t != topic);
        catalog::unregister_topic(&self.shared, &mut self.store(), topic)
    }

    /// Reloads the addresses of `topic` from the catalog; returns how many there are.
    /// `NoAddr` when there is none, as in liner 1.4, so a loop that waits for `refresh` to
    /// succeed waits for a listener.
    pub fn try_refresh_address_topic(&self, topic: &str) -> Result<usize, Error> {
        check_topic(topic)?;
        match refresh_topic(&self.shared, &mut self.store(), topic)? {
            0 => Err(Error::NoAddr(topic.to_string())),
            found => Ok(found),
        }
    }

    /// The catalog rows of `topic`: (address, unique name), as in liner 1.4. Whether each
    /// client is alive: [`Client::try_peers`].
    pub fn try_list_addresses(&self, topic: &str) -> Result<Vec<(String, String)>, Error> {
        crate::names::check_name("topic", topic)?;
        Ok(self.store().addresses(topic)?)
    }

    /// The catalog rows of `topic` with the liveness of each: whether the client behind it
    /// is alive, since when the row is registered and when that client last sent a
    /// heartbeat (Redis clock), sorted by address. Works whether or not this client runs.
    /// A read: rows of dead clients are reported, not removed.
    pub fn try_peers(&self, topic: &str) -> Result<Vec<PeerInfo>, Error> {
        crate::names::check_name("topic", topic)?;
        Ok(self.store().peers(topic)?)
    }

    /// At-least-once messages of this sender parked in Redis, all listeners together.
    pub fn try_pending_count(&self) -> Result<u64, Error> {
        let shared = &self.shared;
        Ok(self
            .store()
            .pending_count(&shared.unique_name, &shared.topic)?)
    }

    /// The same per listener.
    pub fn try_pending_by_peer(&self) -> Result<Vec<PeerBacklog>, Error> {
        let shared = &self.shared;
        Ok(self
            .store()
            .pending_by_peer(&shared.unique_name, &shared.topic)?)
    }

    /// Deletes this sender's parked messages. Only while stopped.
    pub fn try_clear_stored_messages(&self) -> Result<(), Error> {
        if self.is_running() {
            return Err(Error::ClearWhileRunning);
        }
        let shared = &self.shared;
        self.store()
            .clear_stored_messages(&shared.unique_name, &shared.topic)?;
        let mut peers = Vec::new();
        shared.registry.snapshot(&mut peers);
        for peer in peers {
            let mut st = peer.lock();
            st.redis_len = 0;
            st.redis_read = 0;
        }
        Ok(())
    }

    /// Deletes every catalog row of this client's own topic. Only while stopped.
    pub fn try_clear_addresses_of_topic(&self) -> Result<(), Error> {
        if self.is_running() {
            return Err(Error::ClearWhileRunning);
        }
        Ok(self.store().clear_addresses_of_topic(&self.shared.topic)?)
    }
}
