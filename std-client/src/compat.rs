//! The seed's front end: `bool`/`Option` results with the error kept as the client's last
//! error (code + message), as liner's C ABI reports it. Each call wraps its `try_*`
//! counterpart.

use crate::client::Client;
use crate::error::{Error, ErrorCode};
use crate::store::{PeerBacklog, PeerInfo};

impl Client {
    /// Records the outcome of a call as the last error and converts it to an `Option`.
    fn record<T>(&self, result: Result<T, Error>) -> Option<T> {
        let mut last = self.last_error.lock().unwrap_or_else(|p| p.into_inner());
        match result {
            Ok(value) => {
                if last.0 != ErrorCode::Ok {
                    last.0 = ErrorCode::Ok;
                    last.1.clear();
                }
                Some(value)
            }
            Err(e) => {
                last.0 = e.code();
                last.1 = e.to_string();
                None
            }
        }
    }

    /// Code of the last failed call (`Ok` after a successful one).
    pub fn last_error_code(&self) -> ErrorCode {
        self.last_error.lock().unwrap_or_else(|p| p.into_inner()).0
    }

    /// Detail of the last failed call ("" after a successful one).
    pub fn last_error_message(&self) -> String {
        self.last_error
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .1
            .clone()
    }

    /// [`Client::try_run`]; true when running afterwards.
    pub fn run<F>(&self, on_message: F) -> bool
    where
        F: FnMut(&str, &str, &[u8]) + Send + 'static,
    {
        self.record(self.try_run(on_message)).is_some()
    }

    /// [`Client::try_run_fallible`].
    pub fn run_fallible<F>(&self, on_message: F) -> bool
    where
        F: FnMut(&str, &str, &[u8]) -> Result<(), crate::Redeliver> + Send + 'static,
    {
        self.record(self.try_run_fallible(on_message)).is_some()
    }

    /// [`Client::try_stop`].
    pub fn stop(&self) -> bool {
        self.record(self.try_stop()).is_some()
    }

    /// [`Client::try_send_to`].
    pub fn send_to(&self, topic: &str, payload: &[u8], at_least_once: bool) -> bool {
        self.record(self.try_send_to(topic, payload, at_least_once))
            .is_some()
    }

    /// [`Client::try_send_all`].
    pub fn send_all(&self, topic: &str, payload: &[u8], at_least_once: bool) -> bool {
        self.record(self.try_send_all(topic, payload, at_least_once))
            .is_some()
    }

    /// [`Client::try_subscribe`].
    pub fn subscribe(&self, topic: &str) -> bool {
        self.record(self.try_subscribe(topic)).is_some()
    }

    /// [`Client::try_unsubscribe`].
    pub fn unsubscribe(&self, topic: &str) -> bool {
        self.record(self.try_unsubscribe(topic)).is_some()
    }

    /// [`Client::try_refresh_address_topic`].
    pub fn refresh_address_topic(&self, topic: &str) -> bool {
        self.record(self.try_refresh_address_topic(topic)).is_some()
    }

    /// [`Client::try_clear_stored_messages`].
    pub fn clear_stored_messages(&self) -> bool {
        self.record(self.try_clear_stored_messages()).is_some()
    }

    /// [`Client::try_clear_addresses_of_topic`].
    pub fn clear_addresses_of_topic(&self) -> bool {
        self.record(self.try_clear_addresses_of_topic()).is_some()
    }

    /// [`Client::try_list_addresses`].
    pub fn list_addresses(&self, topic: &str) -> Option<Vec<(String, String)>> {
        self.record(self.try_list_addresses(topic))
    }

    /// [`Client::try_peers`].
    pub fn peers(&self, topic: &str) -> Option<Vec<PeerInfo>> {
        self.record(self.try_peers(topic))
    }

    /// [`Client::try_pending_count`]; -1 on error.
    pub fn pending_count(&self) -> i64 {
        self.record(self.try_pending_count())
            .map_or(-1, |n| i64::try_from(n).unwrap_or(i64::MAX))
    }

    /// [`Client::try_pending_by_peer`].
    pub fn pending_by_peer(&self) -> Option<Vec<PeerBacklog>> {
        self.record(self.try_pending_by_peer())
    }

    /// [`Client::try_set_advertise_addr`].
    pub fn set_advertise_addr(&self, addr: Option<&str>) -> bool {
        self.record(self.try_set_advertise_addr(addr)).is_some()
    }
}
