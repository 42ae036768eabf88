//! Redis Sentinel: a URL `redis+sentinel://[user:password@]host:port[,host:port…]/master-name[/db]`
//! names the sentinels and the master they watch. Each new connection asks the sentinels, in
//! turn, where the master is now (`SENTINEL get-master-addr-by-name`), connects to it with the
//! URL's credentials and database, and checks it calls itself master (right after a failover
//! a sentinel may still name the old one). So after a failover the store's next reconnect
//! finds the promoted replica.
//!
//! This is done here rather than with the `redis` crate's sentinel client because that one
//! opens its discovery connections without timeouts: one hung sentinel would block a client
//! for good. Here every step runs on [`Endpoint`] connections and their deadlines.
//! Credentials apply to the master only; the sentinels are asked without them.

use std::path::Path;

use redis::Connection;

use super::endpoint::{Endpoint, StoreTimeouts};
use super::error::StoreError;
use super::redact::redact_url;

/// URL schemes of a sentinel-watched master, plain and TLS.
const SCHEMES: [(&str, &str); 2] = [
    ("redis+sentinel://", "redis"),
    ("rediss+sentinel://", "rediss"),
];

/// A master found through sentinels; see the module docs.
#[derive(Clone)]
pub(crate) struct SentinelEndpoint {
    sentinels: Vec<Endpoint>,
    master_name: String,
    /// `scheme://userinfo@` for the master's URL (credentials as given, still encoded).
    master_prefix: String,
    db: i64,
    timeouts: StoreTimeouts,
    ca_file: Option<std::path::PathBuf>,
}

impl SentinelEndpoint {
    /// Parses a sentinel URL; nothing is connected yet.
    pub(crate) fn parse(
        url: &str,
        timeouts: StoreTimeouts,
        ca_file: Option<&Path>,
    ) -> Result<Self, StoreError> {
        let url = url.trim();
        let invalid = |why: &str| StoreError::InvalidUrl(format!("{}: {why}", redact_url(url)));
        let (rest, scheme) = SCHEMES
            .iter()
            .find_map(|(prefix, scheme)| Some((url.strip_prefix(prefix)?, *scheme)))
            .ok_or_else(|| invalid("not a redis+sentinel:// URL"))?;
        let (authority, path) = rest.split_once('/').unwrap_or((rest, ""));
        let (userinfo, hosts) = match authority.rsplit_once('@') {
            Some((userinfo, hosts)) => (format!("{userinfo}@"), hosts),
            None => (String::new(), authority),
        };
        let mut path = path.split('/');
        let master_name = path.next().unwrap_or_default();
        if master_name.is_empty() {
            return Err(invalid("the master name is missing (…/master-name)"));
        }
        let db = match path.next() {
            None | Some("") => 0,
            Some(db) => db
                .parse()
                .map_err(|_| invalid("the database is not a number"))?,
        };
        if path.next().is_some() {
            return Err(invalid("expected …/master-name[/db]"));
        }
        let sentinels = hosts
            .split(',')
            .map(|host| Endpoint::parse(&format!("{scheme}://{}", host.trim()), timeouts, ca_file))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self {
            sentinels,
            master_name: master_name.to_string(),
            master_prefix: format!("{scheme}://{userinfo}"),
            db,
            timeouts,
            ca_file: ca_file.map(Path::to_path_buf),
        })
    }

    /// Connects to the current master (see the module docs).
    pub(crate) fn connect(&self) -> Result<Connection, StoreError> {
        let mut last = None;
        for sentinel in &self.sentinels {
            match self.master_via(sentinel) {
                Ok(con) => return Ok(con),
                Err(e) => last = Some(e),
            }
        }
        Err(last.expect("a sentinel URL names at least one sentinel"))
    }

    fn master_via(&self, sentinel: &Endpoint) -> Result<Connection, StoreError> {
        let mut con = sentinel.connect()?;
        let mut ask = redis::cmd("SENTINEL");
        ask.arg("get-master-addr-by-name").arg(&self.master_name);
        let found: Option<(String, u16)> = ask
            .query(&mut con)
            .map_err(|e| sentinel.command_error(&e))?;
        let Some((host, port)) = found else {
            return Err(StoreError::Command(format!(
                "sentinel {} watches no master named '{}'",
                sentinel.addr(),
                self.master_name
            )));
        };
        let url = format!("{}{host}:{port}/{}", self.master_prefix, self.db);
        let master = Endpoint::parse(&url, self.timeouts, self.ca_file.as_deref())?;
        let mut con = master.connect()?;
        let info: String = redis::cmd("INFO")
            .arg("replication")
            .query(&mut con)
            .map_err(|e| master.command_error(&e))?;
        if info.lines().any(|line| line.trim() == "role:master") {
            Ok(con)
        } else {
            Err(StoreError::ConnectionLost(format!(
                "{} is not the master of '{}' (any more); sentinel {} still names it",
                master.addr(),
                self.master_name,
                sentinel.addr()
            )))
        }
    }

    /// The sentinels, as endpoints (for their settings and diagnostics).
    pub(crate) fn sentinels(&self) -> &[Endpoint] {
        &self.sentinels
    }

    /// The database selected on the master.
    pub(crate) fn db(&self) -> i64 {
        self.db
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_sentinel_urls() {
        let t = StoreTimeouts::default();
        let s = SentinelEndpoint::parse(
            "redis+sentinel://:pw@127.0.0.1:26379,127.0.0.1:26380/mymaster/3",
            t,
            None,
        )
        .unwrap();
        assert_eq!(s.sentinels.len(), 2);
        assert_eq!(s.master_name, "mymaster");
        assert_eq!(s.db, 3);
        assert_eq!(s.master_prefix, "redis://:pw@");
        for bad in [
            "redis+sentinel://127.0.0.1:26379",
            "redis+sentinel://127.0.0.1:26379/",
            "redis+sentinel://127.0.0.1:26379/m/x",
            "redis+sentinel://127.0.0.1:26379/m/1/2",
            "redis+sentinel://127.0.0.1:notaport/m",
        ] {
            assert!(
                matches!(
                    SentinelEndpoint::parse(bad, t, None),
                    Err(StoreError::InvalidUrl(_))
                ),
                "{bad} was accepted"
            );
        }
    }
}
