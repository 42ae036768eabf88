//! Where and how to connect: URL parsing, timeouts, and the connection handshake (AUTH,
//! SELECT, server version check).
//!
//! The handshake runs here rather than inside the `redis` crate because the crate gives each
//! handshake reply the whole remaining timeout, so a server that accepts but never answers
//! would hold a caller for several connect timeouts. Here every step shares one deadline. With
//! `rediss://` the TLS handshake is part of it: rustls runs it on the first write, which is
//! the first step here, so it shares the same deadline.
//!
//! URLs are only ever shown with their password masked ([`redact_url`]).

use std::fmt;
use std::path::Path;
use std::time::{Duration, Instant};

use redis::{Client, Cmd, Connection, FromRedisValue, IntoConnectionInfo, RedisConnectionInfo};

use super::error::StoreError;
use super::redact::redact_url;
use super::tls;

/// Oldest Redis (major, minor) whose commands liner relies on.
pub(crate) const MIN_SERVER_VERSION: (u32, u32) = (6, 2);

/// Timeouts of every store connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StoreTimeouts {
    /// Longest wait for a new connection to be usable: TCP connect, the TLS handshake of a
    /// `rediss://` URL, AUTH, SELECT and the version check together.
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

/// A parsed Redis URL with its timeouts; opens connections.
#[derive(Clone)]
pub(crate) struct Endpoint {
    /// Knows only the address: credentials and database are applied by [`Endpoint::connect`].
    client: Client,
    username: Option<String>,
    password: Option<String>,
    db: i64,
    timeouts: StoreTimeouts,
}

impl Endpoint {
    /// Parses `redis://[user:password@]host[:port][/db]`, `rediss://…` (TLS, trusting the CA
    /// of `ca_file`, else of `LINER_REDIS_CA_FILE`, else the system's), `redis+unix:///path`
    /// or `unix:///path?db=N`; nothing is connected yet.
    #[inline(never)] // called from several places; one copy keeps the C library small
    pub(crate) fn parse(
        url: &str,
        timeouts: StoreTimeouts,
        ca_file: Option<&Path>,
    ) -> Result<Self, StoreError> {
        if url.trim().is_empty() {
            return Err(StoreError::InvalidUrl("the URL is empty".into()));
        }
        let shown = redact_url(url);
        let use_tls = tls::is_tls_url(url);
        if use_tls {
            tls::check_built_in(&shown)?;
        }
        let invalid = |e: redis::RedisError| StoreError::InvalidUrl(format!("{shown}: {e}"));
        let info = url.into_connection_info().map_err(invalid)?;
        let settings = info.redis_settings();
        let (username, password) = (settings.username(), settings.password());
        // `redis://:pw@host` names no user: AUTH then uses the default one.
        let username = username.filter(|u| !u.is_empty()).map(str::to_owned);
        let password = password.map(str::to_owned);
        let db = settings.db();
        // Small request/reply exchanges: Nagle would only add latency.
        let tcp = info.tcp_settings().clone().set_nodelay(true);
        let bare = RedisConnectionInfo::default().set_skip_set_lib_name();
        let info = info.set_tcp_settings(tcp).set_redis_settings(bare);
        let client = if use_tls {
            tls::client(info, ca_file)?
        } else {
            Client::open(info).map_err(invalid)?
        };
        Ok(Self {
            client,
            username,
            password,
            db,
            timeouts,
        })
    }

    /// The logical database selected by the URL.
    pub(crate) fn db(&self) -> i64 {
        self.db
    }

    pub(crate) fn timeouts(&self) -> StoreTimeouts {
        self.timeouts
    }

    /// Opens a connection, authenticates, selects the database and checks the server version
    /// within `timeouts.connect`, then arms the read/write timeouts for normal use.
    pub(crate) fn connect(&self) -> Result<Connection, StoreError> {
        self.connect_reporting_mode().map(|(con, _)| con)
    }

    /// [`Endpoint::connect`], also saying what the server runs as.
    pub(crate) fn connect_reporting_mode(&self) -> Result<(Connection, ServerMode), StoreError> {
        let deadline = Instant::now() + self.timeouts.connect;
        let failed =
            |e: redis::RedisError| StoreError::from_connect(&e, self.addr(), self.timeouts.connect);
        let mut con = self
            .client
            .get_connection_with_timeout(non_zero(self.timeouts.connect))
            .map_err(failed)?;
        if let Some(password) = &self.password {
            let mut auth = redis::cmd("AUTH");
            auth.arg(self.username.as_deref().unwrap_or("default"))
                .arg(password);
            step::<()>(&mut con, deadline, &auth).map_err(|e| match failed(e) {
                StoreError::Command(refusal) => StoreError::AuthFailed(refusal),
                other => other,
            })?;
        }
        if self.db != 0 {
            let mut select = redis::cmd("SELECT");
            select.arg(self.db);
            step::<()>(&mut con, deadline, &select).map_err(|e| match failed(e) {
                StoreError::Command(refusal) => {
                    StoreError::InvalidUrl(format!("database {}: {refusal}", self.db))
                }
                other => other,
            })?;
        }
        let info: String =
            step(&mut con, deadline, redis::cmd("INFO").arg("server")).map_err(failed)?;
        check_server_version(&info).map_err(|detail| match detail {
            VersionCheck::TooOld(version) => StoreError::ServerTooOld { version },
            VersionCheck::NoVersion => StoreError::NotRedis {
                addr: self.addr().to_string(),
                detail: "INFO server reports no redis_version".into(),
            },
        })?;
        let io = Some(non_zero(self.timeouts.io));
        con.set_read_timeout(io)
            .and_then(|()| con.set_write_timeout(io))
            .map_err(failed)?;
        Ok((con, ServerMode::of_info(&info)))
    }

    /// Where the server is, for diagnostics (never shows the password).
    pub(crate) fn addr(&self) -> &redis::ConnectionAddr {
        self.client.get_connection_info().addr()
    }

    /// Maps an error of a command on an open connection, naming the I/O timeout if it ran out.
    pub(crate) fn command_error(&self, err: &redis::RedisError) -> StoreError {
        StoreError::from_command(err, self.timeouts.io)
    }
}

impl fmt::Debug for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Endpoint")
            // Display: host and port (or socket path) only, not the TLS settings.
            .field("addr", &self.addr().to_string())
            .field("db", &self.db)
            .field("username", &self.username)
            .field("timeouts", &self.timeouts)
            .finish_non_exhaustive()
    }
}

/// What a server runs as, by the `redis_mode` line of `INFO server`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ServerMode {
    Standalone,
    Cluster,
    Sentinel,
}

impl ServerMode {
    fn of_info(info: &str) -> Self {
        let mode = info
            .lines()
            .find_map(|line| line.strip_prefix("redis_mode:"))
            .map(str::trim);
        match mode {
            Some("cluster") => Self::Cluster,
            Some("sentinel") => Self::Sentinel,
            _ => Self::Standalone,
        }
    }
}

/// Runs one handshake command with whatever time is left before `deadline`.
fn step<T: FromRedisValue>(
    con: &mut Connection,
    deadline: Instant,
    cmd: &Cmd,
) -> redis::RedisResult<T> {
    let left = deadline.saturating_duration_since(Instant::now());
    if left.is_zero() {
        let timeout = std::io::Error::new(std::io::ErrorKind::TimedOut, "connect timeout");
        return Err(timeout.into());
    }
    con.set_read_timeout(Some(left))?;
    con.set_write_timeout(Some(left))?;
    cmd.query(con)
}

/// Socket timeouts of zero are rejected by std; treat them as the shortest real timeout.
pub(crate) fn non_zero(d: Duration) -> Duration {
    d.max(Duration::from_millis(1))
}

/// Why `INFO server` did not pass [`check_server_version`].
#[derive(Debug, PartialEq, Eq)]
enum VersionCheck {
    /// Older than [`MIN_SERVER_VERSION`] (or unreadable): the version as reported.
    TooOld(String),
    /// No `redis_version` line: whatever answered is not Redis.
    NoVersion,
}

/// Passes when `INFO server` reports at least [`MIN_SERVER_VERSION`].
fn check_server_version(info: &str) -> Result<(), VersionCheck> {
    let version = info
        .lines()
        .find_map(|line| line.strip_prefix("redis_version:"))
        .map(str::trim)
        .ok_or(VersionCheck::NoVersion)?;
    match parse_major_minor(version) {
        Some(found) if found >= MIN_SERVER_VERSION => Ok(()),
        _ => Err(VersionCheck::TooOld(version.to_string())),
    }
}

fn parse_major_minor(version: &str) -> Option<(u32, u32)> {
    let mut parts = version.split('.');
    let major = parts.next()?.parse().ok()?;
    let minor = parts.next()?.parse().ok()?;
    Some((major, minor))
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
    }

    #[test]
    fn checks_the_version_line_of_info() {
        let info = |v: &str| format!("# Server\r\nredis_version:{v}\r\nredis_mode:standalone\r\n");
        assert!(check_server_version(&info("6.2.0")).is_ok());
        assert!(check_server_version(&info("10.0.1")).is_ok());
        assert_eq!(
            check_server_version(&info("6.0.16")),
            Err(VersionCheck::TooOld("6.0.16".into()))
        );
        assert_eq!(
            check_server_version("# Server\r\n"),
            Err(VersionCheck::NoVersion)
        );
        assert_eq!(ServerMode::of_info(&info("7.0.1")), ServerMode::Standalone);
        let cluster = "redis_version:7.0.1\r\nredis_mode:cluster\r\n";
        assert_eq!(ServerMode::of_info(cluster), ServerMode::Cluster);
    }

    #[test]
    fn parses_urls_without_connecting() {
        let t = StoreTimeouts::default();
        for url in [
            "",
            "   ",
            "http://127.0.0.1/",
            "redis://127.0.0.1:notaport/",
            "nonsense",
        ] {
            assert!(
                matches!(
                    Endpoint::parse(url, t, None),
                    Err(StoreError::InvalidUrl(_))
                ),
                "{url:?} was accepted"
            );
        }
        let e = Endpoint::parse("redis://user:secret@127.0.0.1:7000/3", t, None).unwrap();
        assert_eq!(e.db(), 3);
        assert_eq!(e.username.as_deref(), Some("user"));
        assert_eq!(e.password.as_deref(), Some("secret"));
        assert!(
            !format!("{e:?}").contains("secret"),
            "Debug leaks the password"
        );
        assert_eq!(
            Endpoint::parse("redis+unix:///tmp/r.sock", t, None)
                .unwrap()
                .db(),
            0
        );
        let tls = Endpoint::parse("rediss://127.0.0.1/", t, None);
        assert_eq!(tls.is_ok(), cfg!(feature = "tls"), "{tls:?}");
    }

    #[test]
    fn errors_never_show_the_password() {
        const PASSWORD: &str = "s3cr3t-PW";
        let t = StoreTimeouts {
            connect: Duration::from_millis(500),
            io: Duration::from_millis(500),
        };
        let bad_urls = [
            "redis://user:s3cr3t-PW@127.0.0.1:notaport/",
            "redis://user:s3cr3t-PW@127.0.0.1:99999/",
            "redis://user:s3cr3t-PW@127.0.0.1/notadb",
            "http://user:s3cr3t-PW@127.0.0.1/",
            "redis://user:s3cr3t-PW@0.0.0.0/",
            "redis://:s3cr3t-PW@[::1/",
            "redis://user:s3cr3t-PW/x@127.0.0.1/",
            "redis://:s3cr3t-PW%ff@127.0.0.1/",
            "redis://:s3cr3t-PW@127.0.0.1/?protocol=9",
            "rediss://:s3cr3t-PW@127.0.0.1/#bad",
            "user:s3cr3t-PW@127.0.0.1:6379",
            "redis+unix:///tmp/r.sock?db=x&pass=s3cr3t-PW",
        ];
        let mut errors: Vec<StoreError> = bad_urls
            .iter()
            .map(|url| Endpoint::parse(url, t, None).expect_err(url))
            .collect();
        let missing_ca = Some(Path::new("/nonexistent/liner-ca.pem"));
        if let Err(e) = Endpoint::parse("rediss://:s3cr3t-PW@127.0.0.1/", t, missing_ca) {
            errors.push(e);
        }
        // A URL that parses, to a port where nothing listens.
        let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = closed.local_addr().unwrap().port();
        drop(closed);
        let url = format!("redis://user:{PASSWORD}@127.0.0.1:{port}/");
        let endpoint = Endpoint::parse(&url, t, None).unwrap();
        errors.push(endpoint.connect().err().expect("nothing listens there"));
        for e in errors {
            let (shown, debug) = (e.to_string(), format!("{e:?}"));
            assert!(!shown.contains(PASSWORD), "Display leaks it: {shown}");
            assert!(!debug.contains(PASSWORD), "Debug leaks it: {debug}");
            assert!(!shown.contains('\n'), "more than one line: {shown}");
        }
    }
}
