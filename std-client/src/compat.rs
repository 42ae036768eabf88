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
    ///
    /// Binds the listener, takes the unique name (a second live process with the same name
    /// fails with `DuplicateName`), publishes the client's address under its topics in
    /// Redis and starts its threads. `on_message(to, from, payload)` then runs on the
    /// library's listener thread for every message: `to` is the topic it arrived on,
    /// `from` the sender's source topic; the slices are valid during the call only. Keep it
    /// short (it delays every inbound connection); it may call `send_to`. A panic in it is
    /// caught and the message is delivered again later. Calling `run` on a running client
    /// does nothing and returns true; after [`Client::stop`] it binds the same address again.
    ///
    /// ```
    /// use std::sync::{Arc, Mutex};
    ///
    /// use liner_broker::Client;
    /// # struct Redis(std::process::Child, String);
    /// # impl Drop for Redis { fn drop(&mut self) { let _ = self.0.kill(); let _ = self.0.wait(); } }
    /// # fn private_redis() -> Redis {
    /// #     let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    /// #     let child = std::process::Command::new("redis-server")
    /// #         .args(["--port", &port.to_string(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
    /// #         .stdout(std::process::Stdio::null()).spawn().expect("redis-server must be on PATH");
    /// #     let redis = Redis(child, format!("redis://127.0.0.1:{port}/"));
    /// #     for _ in 0..500 {
    /// #         if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() { break }
    /// #         std::thread::sleep(std::time::Duration::from_millis(10));
    /// #     }
    /// #     redis
    /// # }
    /// # let redis = private_redis();
    /// # let url = redis.1.as_str();
    /// let client = Client::new_redis("orders-1", "orders", "127.0.0.1:0", url).unwrap();
    /// let seen = Arc::new(Mutex::new(Vec::new()));
    /// let log = seen.clone();
    /// assert!(client.run(move |to, from, payload| {
    ///     log.lock().unwrap().push((to.to_string(), from.to_string(), payload.to_vec()));
    /// }), "{}", client.last_error_message());
    ///
    /// // Bound to a free port and published in the catalog under "orders".
    /// let addr = client.published_addr().expect("published while running");
    /// let rows = client.list_addresses("orders").unwrap();
    /// assert_eq!(rows, vec![(addr.clone(), "orders-1".to_string())]);
    ///
    /// assert!(client.stop());
    /// assert!(client.list_addresses("orders").unwrap().is_empty()); // row withdrawn
    /// assert!(client.run(|_, _, _| {})); // again, on the same address
    /// assert_eq!(client.published_addr(), Some(addr));
    /// ```
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

    /// [`Client::try_send_to`]: sends `payload` to one listener of `topic`, taking the
    /// topic's listeners in turn. True means *accepted*, not delivered: see
    /// [`Client::try_send_to`] for where the message goes when the listener is away.
    ///
    /// `at_least_once = true` keeps the message until the listener acknowledges it and
    /// parks it in Redis while the listener is away; `false` is best-effort (never parked,
    /// never resent). False, with [`Client::last_error_code`] saying why, when the client is
    /// not running (`NotRunning`), nobody serves the topic (`NoAddr`), the topic is the
    /// client's own (`SelfTopic`), the payload is empty or too big (`InvalidArg`) or the
    /// listener's window stayed full for `Config::send_timeout` (`Busy`).
    ///
    /// ```
    /// use std::sync::mpsc;
    /// use std::time::Duration;
    ///
    /// use liner_broker::{Client, ErrorCode};
    /// # struct Redis(std::process::Child, String);
    /// # impl Drop for Redis { fn drop(&mut self) { let _ = self.0.kill(); let _ = self.0.wait(); } }
    /// # fn private_redis() -> Redis {
    /// #     let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    /// #     let child = std::process::Command::new("redis-server")
    /// #         .args(["--port", &port.to_string(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
    /// #         .stdout(std::process::Stdio::null()).spawn().expect("redis-server must be on PATH");
    /// #     let redis = Redis(child, format!("redis://127.0.0.1:{port}/"));
    /// #     for _ in 0..500 {
    /// #         if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() { break }
    /// #         std::thread::sleep(Duration::from_millis(10));
    /// #     }
    /// #     redis
    /// # }
    /// # let redis = private_redis();
    /// # let url = redis.1.as_str();
    /// let billing = Client::new_redis("billing-1", "billing", "127.0.0.1:0", url).unwrap();
    /// let shop = Client::new_redis("shop-1", "shop", "127.0.0.1:0", url).unwrap();
    /// let (tx, inbox) = mpsc::channel();
    /// assert!(billing.run(move |_, _, payload| tx.send(payload.to_vec()).unwrap()));
    /// assert!(shop.run(|_, _, _| {}));
    ///
    /// assert!(shop.send_to("billing", b"invoice 42", true), "{}", shop.last_error_message());
    /// assert_eq!(inbox.recv_timeout(Duration::from_secs(10)).unwrap(), b"invoice 42");
    ///
    /// // While the listener is stopped, at-least-once messages are parked in Redis...
    /// assert!(billing.stop());
    /// assert!(shop.send_to("billing", b"invoice 43", true));
    /// // ...and delivered when it runs again.
    /// let (tx, inbox) = mpsc::channel();
    /// assert!(billing.run(move |_, _, payload| tx.send(payload.to_vec()).unwrap()));
    /// assert_eq!(inbox.recv_timeout(Duration::from_secs(10)).unwrap(), b"invoice 43");
    ///
    /// // Nobody serves "audit": refused, and the last error says why.
    /// assert!(!shop.send_to("audit", b"hello", true));
    /// assert_eq!(shop.last_error_code(), ErrorCode::NoAddr);
    /// ```
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
