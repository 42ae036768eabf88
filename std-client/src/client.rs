//! `Client`: construction and the run/stop lifecycle (binding, registering, starting and
//! joining the client's threads). Sending lives in `client_send.rs`, catalog and store
//! administration in `client_admin.rs`, the seed's bool/Option front end in `compat.rs`.

use std::net::{SocketAddr, TcpListener, ToSocketAddrs};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, RwLock};
use std::thread::JoinHandle;
use std::time::Instant;

use crate::catalog;
use crate::config::Config;
use crate::error::{Error, ErrorCode};
use crate::inbound::{self, FallibleCallback, Redeliver};
use crate::jobs::JobQueue;
use crate::log::log;
use crate::names::check_name;
use crate::outbound;
use crate::registry::Registry;
use crate::secret::Secret;
use crate::shared::{IN_WAKE, OUT_WAKE, Shared};
use crate::status::{StatusCallback, StatusSink};
use crate::store::{Store, StoreTimeouts};
use crate::worker::{self, StopSignal};

/// The threads of a running client.
struct Running {
    sender: JoinHandle<mio::Poll>,
    listener: JoinHandle<mio::Poll>,
    worker: JoinHandle<u64>,
    worker_stop: Arc<StopSignal>,
    /// This client's place in the process's shared events subscription.
    events: crate::event_hub::Membership,
}

/// What is kept between runs: the pollers (their wakers live in `Shared`) or the threads.
enum Lifecycle {
    Stopped {
        sender: mio::Poll,
        listener: mio::Poll,
    },
    Running(Running),
    /// Transient while `run`/`stop` hand the pollers over.
    Moving,
}

/// A liner peer: listens on its topic, sends to others, backed by a Redis store.
pub struct Client {
    pub(crate) shared: Arc<Shared>,
    /// Redis connection of API calls (and the template cloned for the threads).
    /// The client's store connection, shared by API calls, the listener thread (cursors)
    /// and the events thread; the store worker has the only other one.
    pub(crate) store: Arc<Mutex<Store>>,
    /// Which events hub of the process this client joins: clients on the same deployment
    /// (URL and CA file) share one subscription.
    events_key: String,
    lifecycle: Mutex<Lifecycle>,
    bind: String,
    bound: RwLock<Option<SocketAddr>>,
    advertise: RwLock<Option<String>>,
    pub(crate) last_error: Mutex<(ErrorCode, String)>,
}

impl Client {
    /// Creates a client with the default `Config`; see [`Client::open`].
    ///
    /// The arguments: the client's unique name (one per process or role, stable across
    /// restarts: it names the client's channels in Redis), its source topic (the topic it
    /// listens on and sends from), the bind address of its listener (`host:port`, port 0
    /// for any free port) and the Redis URL every peer of the deployment shares. Nothing is
    /// bound or registered until [`Client::run`].
    ///
    /// `None` when a name is invalid, the topic is reserved, or Redis cannot be reached in
    /// time; the reason goes to the log hook (stderr by default: `liner: cannot create
    /// client '…': …`). [`Client::open`] returns it as an [`Error`] instead.
    ///
    /// ```
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
    /// // url: "redis://127.0.0.1:6379/", say.
    /// let client = Client::new_redis("sensor-7", "sensor-7.out", "127.0.0.1:0", url)
    ///     .expect("cannot create the client (the log line says why)");
    /// assert_eq!(client.unique_name(), "sensor-7");
    /// assert!(!client.is_running()); // nothing bound or registered yet
    ///
    /// // `lnr_` topics are reserved; ':' would make Redis key names ambiguous.
    /// assert!(Client::new_redis("sensor-8", "lnr_events", "127.0.0.1:0", url).is_none());
    /// assert!(Client::new_redis("a:b", "sensor-8.out", "127.0.0.1:0", url).is_none());
    /// ```
    pub fn new_redis(
        unique_name: &str,
        topic: &str,
        bind: &str,
        redis_url: &str,
    ) -> Option<Client> {
        match Client::open(unique_name, topic, bind, redis_url, Config::default()) {
            Ok(client) => Some(client),
            Err(e) => {
                log!("cannot create client '{unique_name}': {e}");
                None
            }
        }
    }

    /// Alias of [`Client::new_redis`] (Redis is the default backend).
    pub fn new(unique_name: &str, topic: &str, bind: &str, redis_url: &str) -> Option<Client> {
        Client::new_redis(unique_name, topic, bind, redis_url)
    }

    /// Creates a client: checks the names, connects to Redis (failing within
    /// `config.redis_timeout` when it is down). Nothing is bound or registered until `run`.
    pub fn open(
        unique_name: &str,
        topic: &str,
        bind: &str,
        redis_url: &str,
        config: Config,
    ) -> Result<Client, Error> {
        check_name("unique_name", unique_name)?;
        check_name("topic", topic)?;
        crate::names::check_topic(topic)?;
        if bind.trim().is_empty() {
            return Err(Error::InvalidArg("bind address is empty".into()));
        }
        config.validate().map_err(Error::InvalidArg)?;
        let mut config = config;
        if config.secret.is_none() {
            config.secret = Secret::from_env().map_err(Error::InvalidArg)?;
        }
        let timeouts = StoreTimeouts {
            connect: config.redis_timeout.min(std::time::Duration::from_secs(1)),
            io: config.redis_timeout,
        };
        let ca_file = config.redis_ca_file.as_deref();
        let events_key = format!("{redis_url}\u{0}{ca_file:?}");
        let mut store = Store::connect_with_ca_file(redis_url, timeouts, ca_file)?;
        // WAIT holds the connection: its reply must come well before the read timeout.
        let confirm_timeout = config.park_confirm_timeout.min(config.redis_timeout / 2);
        store.set_park_durability(config.park_durability, confirm_timeout);
        let sender = mio::Poll::new().map_err(|e| Error::Startup(e.to_string()))?;
        let listener = mio::Poll::new().map_err(|e| Error::Startup(e.to_string()))?;
        let out_waker = mio::Waker::new(sender.registry(), OUT_WAKE)
            .map_err(|e| Error::Startup(e.to_string()))?;
        let in_waker = mio::Waker::new(listener.registry(), IN_WAKE)
            .map_err(|e| Error::Startup(e.to_string()))?;
        let shared = Shared {
            jobs: JobQueue::with_capacity(4 * config.max_peers + 16),
            config,
            unique_name: unique_name.to_string(),
            topic: topic.to_string(),
            status: StatusSink::default(),
            registry: Registry::new(),
            own_topics: RwLock::default(),
            cursors: Default::default(),
            out_waker,
            in_waker,
            running: AtomicBool::new(false),
            published: RwLock::new(None),
            listening: Mutex::new(vec![topic.to_string()]),
            listener_stats: Default::default(),
            highest_inbound_key: Default::default(),
            abandoned: Default::default(),
            present: Default::default(),
            parked_dropped: Default::default(),
            channels_removed: Default::default(),
        };
        Ok(Client {
            shared: Arc::new(shared),
            store: Arc::new(Mutex::new(store)),
            events_key,
            lifecycle: Mutex::new(Lifecycle::Stopped { sender, listener }),
            bind: bind.to_string(),
            bound: RwLock::new(None),
            advertise: RwLock::new(None),
            last_error: Mutex::new((ErrorCode::Ok, String::new())),
        })
    }

    pub(crate) fn store(&self) -> MutexGuard<'_, Store> {
        self.store.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// This client's unique name.
    pub fn unique_name(&self) -> &str {
        &self.shared.unique_name
    }

    /// This client's source topic.
    pub fn topic(&self) -> &str {
        &self.shared.topic
    }

    /// The configuration the client was created with.
    pub fn config(&self) -> &Config {
        &self.shared.config
    }

    /// Whether `run` succeeded and `stop` was not called since.
    pub fn is_running(&self) -> bool {
        self.shared.is_running()
    }

    /// Sets (or clears) the status callback; allowed before or after `run`.
    pub fn set_status_callback(&self, callback: Option<StatusCallback>) {
        self.shared.status.set(callback);
    }

    /// The address the listener is bound to (kept after `stop`), once `run` bound it.
    pub fn bound_listen_addr(&self) -> Option<String> {
        self.bound
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .map(|a| a.to_string())
    }

    /// The address published in the catalog, while running.
    pub fn published_addr(&self) -> Option<String> {
        self.shared.published_addr().map(|a| a.to_string())
    }

    /// The address set with `try_set_advertise_addr`, if any.
    pub fn advertise_addr(&self) -> Option<String> {
        self.advertise
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Publishes `addr` instead of the bound address (NAT, containers); port 0 is replaced
    /// by the bound port. Only while stopped. `None` goes back to the bound address.
    pub fn try_set_advertise_addr(&self, addr: Option<&str>) -> Result<(), Error> {
        if self.is_running() {
            return Err(Error::AlreadyRunning);
        }
        if let Some(addr) = addr {
            let valid = addr
                .rsplit_once(':')
                .is_some_and(|(host, port)| !host.is_empty() && port.parse::<u16>().is_ok());
            if !valid {
                return Err(Error::InvalidArg(format!(
                    "advertise address '{addr}' is not host:port"
                )));
            }
        }
        *self.advertise.write().unwrap_or_else(|p| p.into_inner()) = addr.map(str::to_string);
        Ok(())
    }

    /// Binds, registers in the catalog and starts the client's threads; `on_message(to,
    /// from, payload)` runs on the listener thread. Idempotent: `Ok` if already running.
    /// A panic in the callback counts as a refusal: the message is delivered again.
    pub fn try_run<F>(&self, on_message: F) -> Result<(), Error>
    where
        F: FnMut(&str, &str, &[u8]) + Send + 'static,
    {
        self.start(inbound::infallible(Box::new(on_message)))
    }

    /// [`Client::try_run`] with a callback that may refuse a message: `Err(Redeliver)` (or
    /// a panic) leaves it unacknowledged and it is delivered again later — after the
    /// sender's reconnect backoff, before anything newer on the same channel.
    pub fn try_run_fallible<F>(&self, on_message: F) -> Result<(), Error>
    where
        F: FnMut(&str, &str, &[u8]) -> Result<(), Redeliver> + Send + 'static,
    {
        self.start(Box::new(on_message))
    }

    fn start(&self, on_message: FallibleCallback) -> Result<(), Error> {
        let mut lifecycle = self.lifecycle.lock().unwrap_or_else(|p| p.into_inner());
        let Lifecycle::Stopped { .. } = &*lifecycle else {
            return Ok(());
        };
        // The listener must know the key of every topic it serves before it accepts a
        // connection: a frame for a key it does not know yet could not be delivered.
        catalog::load_own_keys(&self.shared, &mut self.store())?;
        let listener = self.bind_listener()?;
        let bound = listener
            .local_addr()
            .map_err(|e| Error::Bind(self.bind.clone(), e))?;
        *self.bound.write().unwrap_or_else(|p| p.into_inner()) = Some(bound);
        let published = self.publish_addr(bound)?;
        // One running process per unique name (a dead predecessor is taken over at once).
        crate::liveness::claim_name(&self.shared, &mut self.store(), published)?;
        let worker_store = self.store().try_clone()?;
        let subscriber = self.store().event_subscriber();
        listener
            .set_nonblocking(true)
            .map_err(|e| Error::Startup(e.to_string()))?;
        let listener = mio::net::TcpListener::from_std(listener);

        let Lifecycle::Stopped {
            sender,
            listener: listener_poll,
        } = std::mem::replace(&mut *lifecycle, Lifecycle::Moving)
        else {
            unreachable!("checked above");
        };
        let shared = &self.shared;
        *shared.published.write().unwrap_or_else(|p| p.into_inner()) = Some(published);
        shared.running.store(true, Ordering::Release);
        crate::liveness::arrive(shared);
        let start = || -> std::io::Result<Running> {
            let worker_stop = Arc::new(StopSignal::default());
            Ok(Running {
                worker: worker::spawn(shared.clone(), worker_store, worker_stop.clone())?,
                sender: outbound::spawn(shared.clone(), sender)?,
                listener: inbound::spawn(
                    shared.clone(),
                    listener_poll,
                    listener,
                    self.store.clone(),
                    on_message,
                )?,
                events: crate::events::join(
                    &self.events_key,
                    shared.clone(),
                    subscriber,
                    self.store.clone(),
                )?,
                worker_stop,
            })
        };
        let running = start().map_err(|e| {
            // The pollers moved into threads that failed to start are lost; the client
            // cannot run again, which the error says.
            shared.running.store(false, Ordering::Release);
            Error::Startup(format!("{e}; this client cannot be restarted"))
        })?;
        *lifecycle = Lifecycle::Running(running);
        drop(lifecycle);

        let mut store = self.store();
        if let Err(e) = catalog::register_all(shared, &mut store) {
            drop(store);
            // Not findable by anyone: running like that would only hide the problem.
            let _ = self.try_stop();
            return Err(e);
        }
        self.follow_remembered_listeners(&mut store);
        Ok(())
    }

    /// Re-creates peers this sender talked to before a restart, so their backlogs drain.
    fn follow_remembered_listeners(&self, store: &mut Store) {
        let hints = match store.listeners_of(&self.shared.unique_name, &self.shared.topic) {
            Ok(hints) => hints,
            Err(e) => {
                log!("reading reconnect hints failed: {e}");
                return;
            }
        };
        let mut topics: Vec<String> = hints.into_iter().map(|hint| hint.topic).collect();
        topics.sort();
        topics.dedup();
        for topic in topics {
            if let Err(e) = catalog::refresh_topic(&self.shared, store, &topic) {
                log!("restoring routes of '{topic}' failed: {e}");
            }
        }
    }

    fn bind_listener(&self) -> Result<TcpListener, Error> {
        // After a stop, bind the same address again so peers find us where they left us.
        let previous = *self.bound.read().unwrap_or_else(|p| p.into_inner());
        let result = match previous {
            Some(addr) => TcpListener::bind(addr).or_else(|_| TcpListener::bind(&*self.bind)),
            None => TcpListener::bind(&*self.bind),
        };
        result.map_err(|e| Error::Bind(self.bind.clone(), e))
    }

    fn publish_addr(&self, bound: SocketAddr) -> Result<SocketAddr, Error> {
        let Some(advertise) = self.advertise_addr() else {
            let mut addr = bound;
            if addr.ip().is_unspecified() {
                addr.set_ip(std::net::Ipv4Addr::LOCALHOST.into());
            }
            return Ok(addr);
        };
        let mut addr = advertise
            .to_socket_addrs()
            .ok()
            .and_then(|mut a| a.next())
            .ok_or_else(|| Error::InvalidArg(format!("cannot resolve '{advertise}'")))?;
        if addr.port() == 0 {
            addr.set_port(bound.port());
        }
        Ok(addr)
    }

    /// Unregisters from the catalog, persists cursors and parks unacked at-least-once
    /// frames in Redis, joins the threads. Idempotent; `run` may be called again.
    ///
    /// Returns within `Config::stop_timeout` plus at most one Redis timeout (a Redis call
    /// in flight is not interrupted). At-least-once frames that could be neither delivered
    /// nor parked by then make it fail with [`Error::Abandoned`] (also reported through
    /// the status callback and counted in `stats().abandoned`); they stay in memory, so a
    /// new `run` still sends them.
    pub fn try_stop(&self) -> Result<(), Error> {
        let mut lifecycle = self.lifecycle.lock().unwrap_or_else(|p| p.into_inner());
        let Lifecycle::Running(_) = &*lifecycle else {
            return Ok(());
        };
        let deadline = Instant::now() + self.shared.config.stop_timeout;
        crate::liveness::leave(&self.shared);
        catalog::unregister_all(&self.shared, &mut self.store());
        let Lifecycle::Running(running) = std::mem::replace(&mut *lifecycle, Lifecycle::Moving)
        else {
            unreachable!("checked above");
        };
        self.shared.running.store(false, Ordering::Release);
        self.shared.wake_sender();
        self.shared.wake_listener();
        let sender = join(running.sender, "sender");
        let listener = join(running.listener, "listener");
        running.worker_stop.request(deadline);
        let abandoned = running.worker.join().unwrap_or_else(|_| {
            log!("the store worker thread panicked");
            0
        });
        drop(running.events);
        self.save_last_seqs();
        *self
            .shared
            .published
            .write()
            .unwrap_or_else(|p| p.into_inner()) = None;
        match (sender, listener) {
            (Some(sender), Some(listener)) => {
                *lifecycle = Lifecycle::Stopped { sender, listener };
                if abandoned > 0 {
                    return Err(Error::Abandoned(abandoned));
                }
                Ok(())
            }
            _ => Err(Error::Startup(
                "a client thread panicked; this client cannot be restarted".into(),
            )),
        }
    }

    /// Records seqs used beyond the reservation (only while Redis was failing), so a
    /// restarted sender never reuses one. Gives up at the first failure: Redis is down.
    fn save_last_seqs(&self) {
        let mut peers = Vec::new();
        self.shared.registry.snapshot(&mut peers);
        let mut store = self.store();
        for peer in peers {
            let (tail, reserved) = {
                let st = peer.lock();
                (st.seq.tail(), st.reserved)
            };
            if tail > reserved
                && let Err(e) = store.save_last_seq(peer.ck, tail)
            {
                log!("saving the last seq for {} failed: {e}", peer.name);
                return;
            }
        }
    }
}

fn join(handle: JoinHandle<mio::Poll>, what: &str) -> Option<mio::Poll> {
    match handle.join() {
        Ok(poll) => Some(poll),
        Err(_) => {
            log!("the {what} thread panicked");
            None
        }
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        let _ = self.try_stop();
    }
}
