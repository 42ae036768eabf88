//! The store's connection: URL parsing, connect/read/write timeouts, the server version check,
//! and reconnecting after Redis went away (restart, network break).
//!
//! Commands go through [`Link::idempotent`] (retried once on a fresh connection when the kept
//! one turned out to be broken) or [`Link::once`] (never repeated: the caller gets
//! `ConnectionLost` and decides, because the first attempt may have taken effect).

use std::time::Duration;

use redis::{Client, Connection, IntoConnectionInfo, RedisResult};

use super::error::{StoreError, breaks_connection};

/// Oldest Redis (major, minor) whose commands liner relies on.
pub(crate) const MIN_SERVER_VERSION: (u32, u32) = (6, 2);

/// Timeouts of every store connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StoreTimeouts {
    /// Longest wait for the TCP connect plus the Redis handshake (AUTH, SELECT).
    pub connect: Duration,
    /// Longest wait for one read or write on an open connection.
    pub io: Duration,
}

impl Default for StoreTimeouts {
    /// 1 s to connect (so `Store::connect` on a dead server fails well inside 2 s), 2 s per I/O.
    fn default() -> Self {
        Self {
            connect: Duration::from_secs(1),
            io: Duration::from_secs(2),
        }
    }
}

/// Parses a Redis URL (`redis://[user:password@]host[:port][/db]`, `redis+unix:///path`,
/// `unix:///path?db=N`) into a client handle; nothing is connected yet.
pub(crate) fn open_client(url: &str) -> Result<Client, StoreError> {
    if url.trim().is_empty() {
        return Err(StoreError::InvalidUrl("the URL is empty".into()));
    }
    let invalid = |e: redis::RedisError| StoreError::InvalidUrl(format!("{url}: {e}"));
    let info = url.into_connection_info().map_err(invalid)?;
    // Small request/reply exchanges: Nagle would only add latency.
    let tcp = info.tcp_settings().clone().set_nodelay(true);
    Client::open(info.set_tcp_settings(tcp)).map_err(invalid)
}

/// Opens one connection with the connect timeout, then arms the read/write timeouts.
pub(crate) fn connect(client: &Client, timeouts: StoreTimeouts) -> Result<Connection, StoreError> {
    let con = client
        .get_connection_with_timeout(non_zero(timeouts.connect))
        .map_err(|e| StoreError::from_connect(&e))?;
    let io = Some(non_zero(timeouts.io));
    con.set_read_timeout(io)
        .and_then(|()| con.set_write_timeout(io))
        .map_err(|e| StoreError::from_connect(&e))?;
    Ok(con)
}

/// Socket timeouts of zero are rejected by std; treat them as the shortest real timeout.
pub(crate) fn non_zero(d: Duration) -> Duration {
    d.max(Duration::from_millis(1))
}

/// Fails with `ServerTooOld` unless `INFO server` reports at least [`MIN_SERVER_VERSION`].
fn check_server_version(con: &mut Connection) -> Result<(), StoreError> {
    let info: String = redis::cmd("INFO")
        .arg("server")
        .query(con)
        .map_err(|e| StoreError::from_command(&e))?;
    let version = info
        .lines()
        .find_map(|line| line.strip_prefix("redis_version:"))
        .map(str::trim)
        .ok_or_else(|| StoreError::Command("INFO server reports no redis_version".into()))?;
    match parse_major_minor(version) {
        Some(found) if found >= MIN_SERVER_VERSION => Ok(()),
        _ => Err(StoreError::ServerTooOld {
            version: version.to_string(),
        }),
    }
}

fn parse_major_minor(version: &str) -> Option<(u32, u32)> {
    let mut parts = version.split('.');
    let major = parts.next()?.parse().ok()?;
    let minor = parts.next()?.parse().ok()?;
    Some((major, minor))
}

/// One lazily (re)opened connection to the store.
pub(crate) struct Link {
    client: Client,
    timeouts: StoreTimeouts,
    con: Option<Connection>,
}

impl Link {
    /// Parses `url`, connects and checks the server version.
    pub(crate) fn open(url: &str, timeouts: StoreTimeouts) -> Result<Self, StoreError> {
        let mut link = Self::from_client(open_client(url)?, timeouts);
        let (con, _) = link.connection()?;
        check_server_version(con)?;
        Ok(link)
    }

    /// A link that connects on first use.
    pub(crate) fn from_client(client: Client, timeouts: StoreTimeouts) -> Self {
        Self {
            client,
            timeouts,
            con: None,
        }
    }

    pub(crate) fn client(&self) -> &Client {
        &self.client
    }

    pub(crate) fn timeouts(&self) -> StoreTimeouts {
        self.timeouts
    }

    /// The logical database selected by the URL.
    pub(crate) fn db(&self) -> i64 {
        self.client.get_connection_info().redis_settings().db()
    }

    /// The open connection, connecting first if needed; `true` when it was just opened.
    pub(crate) fn connection(&mut self) -> Result<(&mut Connection, bool), StoreError> {
        let fresh = self.con.is_none();
        if fresh {
            self.con = Some(connect(&self.client, self.timeouts)?);
        }
        let con = self.con.as_mut().expect("connection was just set");
        Ok((con, fresh))
    }

    /// Maps a command error, forgetting the connection when the error broke it.
    pub(crate) fn fail(&mut self, err: &redis::RedisError) -> StoreError {
        if breaks_connection(err) {
            self.con = None;
        }
        StoreError::from_command(err)
    }

    /// Runs an operation that is safe to repeat. When a kept connection turns out to be broken
    /// (typically: Redis restarted since the last call), reconnects and runs it once more.
    pub(crate) fn idempotent<T>(
        &mut self,
        mut op: impl FnMut(&mut Connection) -> RedisResult<T>,
    ) -> Result<T, StoreError> {
        let (con, fresh) = self.connection()?;
        match op(con) {
            Ok(value) => Ok(value),
            Err(err) if breaks_connection(&err) && !fresh => {
                self.con = None;
                let (con, _) = self.connection()?;
                op(con).map_err(|e| self.fail(&e))
            }
            Err(err) => Err(self.fail(&err)),
        }
    }

    /// Runs an operation that must not be repeated blindly: a broken connection is reported
    /// as `ConnectionLost` (the operation may or may not have taken effect).
    pub(crate) fn once<T>(
        &mut self,
        op: impl FnOnce(&mut Connection) -> RedisResult<T>,
    ) -> Result<T, StoreError> {
        let (con, _) = self.connection()?;
        op(con).map_err(|e| self.fail(&e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_versions() {
        assert_eq!(parse_major_minor("7.0.15"), Some((7, 0)));
        assert_eq!(parse_major_minor("6.2"), Some((6, 2)));
        assert_eq!(parse_major_minor("6"), None);
        assert_eq!(parse_major_minor("x.y"), None);
        assert!(parse_major_minor("6.0.9").unwrap() < MIN_SERVER_VERSION);
        assert!(parse_major_minor("10.0.0").unwrap() >= MIN_SERVER_VERSION);
    }

    #[test]
    fn rejects_bad_urls_without_connecting() {
        for url in [
            "",
            "   ",
            "http://127.0.0.1/",
            "redis://127.0.0.1:notaport/",
            "nonsense",
        ] {
            assert!(
                matches!(open_client(url), Err(StoreError::InvalidUrl(_))),
                "{url:?} was accepted"
            );
        }
        assert!(open_client("redis://user:secret@127.0.0.1:7000/3").is_ok());
    }
}
