//! What a store connects to, found out from the URL and the server: one server, a Redis
//! Cluster, or a master watched by Redis Sentinel. A single `redis://` URL may name a server
//! or a cluster node (the server's `redis_mode` decides); a list of URLs separated by commas
//! names the nodes of one cluster; `redis+sentinel://` names sentinels and a master.

use std::path::Path;

use redis::Connection;

use super::conn::Conn;
use super::endpoint::{Endpoint, ServerMode, StoreTimeouts};
use super::error::StoreError;
use super::keys::Layout;
#[cfg(feature = "sentinel")]
use super::sentinel::SentinelEndpoint;

/// A store's deployment; see the module docs.
#[derive(Clone)]
pub(crate) enum Target {
    Server(Endpoint),
    #[cfg(feature = "cluster")]
    Cluster(super::cluster::ClusterEndpoint),
    #[cfg(feature = "sentinel")]
    Sentinel(SentinelEndpoint),
}

impl Target {
    /// Parses `urls` and connects to the first listed server that answers; returns the
    /// deployment it belongs to and an open connection to it.
    pub(crate) fn discover(
        urls: &str,
        timeouts: StoreTimeouts,
        ca_file: Option<&Path>,
    ) -> Result<(Self, Conn), StoreError> {
        if is_sentinel_url(urls) {
            return Self::sentinel(urls, timeouts, ca_file);
        }
        let urls: Vec<&str> = urls.split(',').map(str::trim).collect();
        let nodes = urls
            .iter()
            .map(|url| Endpoint::parse(url, timeouts, ca_file))
            .collect::<Result<Vec<_>, _>>()?;
        let mut unreachable = None;
        for node in &nodes {
            let (con, mode) = match node.connect_reporting_mode() {
                Ok(found) => found,
                Err(e @ (StoreError::Unreachable(_) | StoreError::ConnectionLost(_))) => {
                    unreachable.get_or_insert(e);
                    continue;
                }
                Err(e) => return Err(e),
            };
            return match mode {
                ServerMode::Standalone if nodes.len() == 1 => {
                    Ok((Self::Server(node.clone()), Conn::Server(con)))
                }
                ServerMode::Standalone => Err(StoreError::InvalidUrl(format!(
                    "{} servers are listed, but {} is a standalone server; a list names \
                     the nodes of one Redis Cluster",
                    nodes.len(),
                    node.addr()
                ))),
                ServerMode::Cluster => Self::cluster(&urls, nodes.clone(), timeouts, ca_file),
                ServerMode::Sentinel => Err(StoreError::InvalidUrl(format!(
                    "{} is a Redis Sentinel; name it as redis+sentinel://host:port/master-name",
                    node.addr()
                ))),
            };
        }
        Err(unreachable.expect("a URL list has at least one entry"))
    }

    #[cfg(feature = "sentinel")]
    fn sentinel(
        url: &str,
        timeouts: StoreTimeouts,
        ca_file: Option<&Path>,
    ) -> Result<(Self, Conn), StoreError> {
        let sentinel = SentinelEndpoint::parse(url, timeouts, ca_file)?;
        let con = sentinel.connect()?;
        Ok((Self::Sentinel(sentinel), Conn::Server(con)))
    }

    #[cfg(not(feature = "sentinel"))]
    fn sentinel(
        url: &str,
        _timeouts: StoreTimeouts,
        _ca_file: Option<&Path>,
    ) -> Result<(Self, Conn), StoreError> {
        Err(StoreError::InvalidUrl(format!(
            "{}: liner was built without the `sentinel` feature",
            super::redact::redact_url(url)
        )))
    }

    #[cfg(feature = "cluster")]
    fn cluster(
        urls: &[&str],
        nodes: Vec<Endpoint>,
        timeouts: StoreTimeouts,
        ca_file: Option<&Path>,
    ) -> Result<(Self, Conn), StoreError> {
        let cluster = super::cluster::ClusterEndpoint::new(urls, nodes, timeouts, ca_file)?;
        let con = cluster.connect()?;
        Ok((Self::Cluster(cluster), Conn::Cluster(Box::new(con))))
    }

    #[cfg(not(feature = "cluster"))]
    fn cluster(
        _urls: &[&str],
        nodes: Vec<Endpoint>,
        _timeouts: StoreTimeouts,
        _ca_file: Option<&Path>,
    ) -> Result<(Self, Conn), StoreError> {
        Err(StoreError::InvalidUrl(format!(
            "{} is a Redis Cluster node, but liner was built without the `cluster` feature",
            nodes[0].addr()
        )))
    }

    /// Opens another connection to the same deployment.
    pub(crate) fn connect(&self) -> Result<Conn, StoreError> {
        match self {
            Target::Server(endpoint) => endpoint.connect().map(Conn::Server),
            #[cfg(feature = "cluster")]
            Target::Cluster(cluster) => cluster.connect().map(|con| Conn::Cluster(Box::new(con))),
            #[cfg(feature = "sentinel")]
            Target::Sentinel(sentinel) => sentinel.connect().map(Conn::Server),
        }
    }

    /// How this deployment's keys are named.
    pub(crate) fn layout(&self) -> Layout {
        match self {
            Target::Server(_) => Layout::Standalone,
            #[cfg(feature = "cluster")]
            Target::Cluster(_) => Layout::Cluster,
            #[cfg(feature = "sentinel")]
            Target::Sentinel(_) => Layout::Standalone,
        }
    }

    /// A connection for the events subscription; `attempt` counts the failed ones before.
    /// On a cluster the listed nodes take turns (classic Pub/Sub reaches every node).
    pub(crate) fn subscriber_connection(&self, attempt: usize) -> Result<Connection, StoreError> {
        let _ = attempt; // only a cluster has nodes to take turns
        match self {
            Target::Server(endpoint) => endpoint.connect(),
            #[cfg(feature = "cluster")]
            Target::Cluster(cluster) => cluster.nodes()[attempt % cluster.nodes().len()].connect(),
            #[cfg(feature = "sentinel")]
            Target::Sentinel(sentinel) => sentinel.connect(),
        }
    }

    /// A server whose settings (timeouts) every connection shares, for mapping errors.
    pub(crate) fn primary(&self) -> &Endpoint {
        match self {
            Target::Server(endpoint) => endpoint,
            #[cfg(feature = "cluster")]
            Target::Cluster(cluster) => &cluster.nodes()[0],
            #[cfg(feature = "sentinel")]
            Target::Sentinel(sentinel) => &sentinel.sentinels()[0],
        }
    }

    /// The logical database the URL selects (always 0 on a cluster).
    pub(crate) fn db(&self) -> i64 {
        match self {
            #[cfg(feature = "sentinel")]
            Target::Sentinel(sentinel) => sentinel.db(),
            _ => self.primary().db(),
        }
    }
}

impl std::fmt::Debug for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let kind = match self {
            Target::Server(_) => "server",
            #[cfg(feature = "cluster")]
            Target::Cluster(_) => "cluster",
            #[cfg(feature = "sentinel")]
            Target::Sentinel(_) => "sentinel",
        };
        f.debug_struct("Target")
            .field("kind", &kind)
            .field("first", self.primary())
            .finish()
    }
}

/// Whether `url` names sentinels (`redis+sentinel://`, `rediss+sentinel://`), whether or not
/// this build can follow them.
fn is_sentinel_url(url: &str) -> bool {
    let url = url.trim_start();
    url.starts_with("redis+sentinel://") || url.starts_with("rediss+sentinel://")
}
