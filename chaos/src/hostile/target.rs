//! What every attack knows about the listener under attack: its address, names, topic key,
//! the secret (for insiders), its configuration (for limits and bounds), the legitimate
//! channel (for stolen-key attacks) and Redis (to register insider channels the way the
//! library does). Shared read-only between the attack threads.

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use liner_broker::Config;
use liner_broker::store::keys::{self, Layout::Standalone};

use crate::rng::Rng;

/// One channel identity as a Hello carries it.
#[derive(Debug, Clone)]
pub struct Ident {
    pub name: String,
    pub topic: String,
    pub key: u64,
}

/// See the module docs.
pub struct Target {
    pub addr: SocketAddr,
    pub listener_name: String,
    /// Key of the listener's topic: the `topic_key` of Data frames it accepts.
    pub topic_key: u64,
    pub secret: Vec<u8>,
    /// The listener's configuration (the same `cfg.*` overrides the child got).
    pub config: Config,
    /// Stream 1, the legitimate sender streaming all along.
    pub legit: Ident,
    pub redis_url: String,
    /// Names of attacker identities start with this.
    pub prefix: String,
    /// Full-size attacks (1 000 slowloris connections, longer floods, more rounds).
    pub full: bool,
    pub seed: u64,
    /// Which attack is running (picks its source addresses).
    pub slot: u8,
    /// The next insider id (start at 1).
    pub next_id: AtomicU64,
}

impl Target {
    /// Source address `i` of the running attack: 127.<slot>.<i / 250>.<1 + i % 250>, never
    /// 127.0.0.1 (the legitimate peers' source), so per-source limits hit attackers only.
    pub fn src(&self, i: usize) -> Ipv4Addr {
        let hi = u8::try_from(i / 250).unwrap_or(u8::MAX);
        Ipv4Addr::new(127, self.slot, hi, 1 + (i % 250) as u8)
    }

    /// A generator for one attack thread (`salt` tells threads apart).
    pub fn rng(&self, salt: u64) -> Rng {
        Rng::new(self.seed ^ (u64::from(self.slot) << 32) ^ salt)
    }

    /// How long an attacker waits for the listener to end a connection that broke the
    /// protocol: well beyond the handshake deadline and a liveness timeout.
    pub fn end_wait(&self) -> Duration {
        self.config.connect_timeout + self.config.liveness_timeout + Duration::from_secs(2)
    }

    /// A fresh insider id (names its channel and its payloads).
    pub fn insider_id(&self) -> u32 {
        let n = self.next_id.fetch_add(1, Ordering::Relaxed);
        u32::from(self.slot) * 10_000 + u32::try_from(n).unwrap_or(u32::MAX)
    }

    /// A forged identity: names nobody uses and a random key (not registered anywhere).
    pub fn forger(&self, rng: &mut Rng) -> Ident {
        let n = rng.next() % 1_000_000;
        Ident {
            name: format!("{}forger{n}", self.prefix),
            topic: format!("{}forgert{n}", self.prefix),
            key: (1 << 48) | (rng.next() >> 20),
        }
    }

    /// An insider's own channel: names of its own, a connection key allocated in Redis
    /// exactly as a sender allocates one (`GET`, else `INCR lnr_unique_key` + `SET NX`) with
    /// its sender topic recorded, so the listener sees a channel like any other.
    pub fn register(&self, id: u32) -> Result<Ident, String> {
        let name = format!("{}ins{id}", self.prefix);
        let topic = format!("{}inst{id}", self.prefix);
        let mut con = self.redis()?;
        let key_name = Standalone.connection_key(&name, &topic, &self.listener_name);
        let key = loop {
            let existing: Option<u64> = redis::cmd("GET")
                .arg(&key_name)
                .query(&mut con)
                .map_err(|e| format!("GET {key_name}: {e}"))?;
            if let Some(key) = existing {
                break key;
            }
            let candidate: u64 = redis::cmd("INCR")
                .arg(keys::UNIQUE_KEY_COUNTER)
                .query(&mut con)
                .map_err(|e| format!("INCR: {e}"))?;
            let set: bool = redis::cmd("SET")
                .arg(&key_name)
                .arg(candidate)
                .arg("NX")
                .query::<Option<String>>(&mut con)
                .map_err(|e| format!("SET NX {key_name}: {e}"))?
                .is_some();
            if set {
                break candidate;
            }
        };
        redis::cmd("SET")
            .arg(Standalone.connection_sender(key))
            .arg(&topic)
            .query::<()>(&mut con)
            .map_err(|e| format!("SET sender of {key}: {e}"))?;
        Ok(Ident { name, topic, key })
    }

    /// The listener's cursor of connection `key` as stored in Redis (0 when none).
    pub fn stored_cursor(&self, key: u64) -> Result<u64, String> {
        let mut con = self.redis()?;
        let cursor: Option<u64> = redis::cmd("GET")
            .arg(Standalone.cursor(key))
            .query(&mut con)
            .map_err(|e| format!("GET cursor of {key}: {e}"))?;
        Ok(cursor.unwrap_or(0))
    }

    fn redis(&self) -> Result<redis::Connection, String> {
        redis::Client::open(self.redis_url.as_str())
            .and_then(|c| c.get_connection_with_timeout(Duration::from_secs(2)))
            .map_err(|e| format!("connecting to Redis: {e}"))
    }
}
