//! What a store connects to, found out from the URL and the server: one server, or a Redis
//! Cluster. A single URL may name either (the server's `redis_mode` decides); a list of
//! URLs separated by commas names the nodes of one cluster.

use std::path::Path;

use super::conn::Conn;
use super::endpoint::{Endpoint, ServerMode, StoreTimeouts};
use super::error::StoreError;
use super::keys::Layout;

/// A store's deployment; see the module docs.
#[derive(Clone)]
pub(crate) enum Target {
    Server(Endpoint),
    #[cfg(feature = "cluster")]
    Cluster(super::cluster::ClusterEndpoint),
}

impl Target {
    /// Parses `urls` and connects to the first listed server that answers; returns the
    /// deployment it belongs to and an open connection to it.
    pub(crate) fn discover(
        urls: &str,
        timeouts: StoreTimeouts,
        ca_file: Option<&Path>,
    ) -> Result<(Self, Conn), StoreError> {
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

    #[cfg(feature = "cluster")]
    fn cluster(
        urls: &[&str],
        nodes: Vec<Endpoint>,
        timeouts: StoreTimeouts,
        ca_file: Option<&Path>,
    ) -> Result<(Self, Conn), StoreError> {
        let cluster = super::cluster::ClusterEndpoint::new(urls, nodes, timeouts, ca_file)?;
        let con = cluster.connect()?;
        Ok((Self::Cluster(cluster), Conn::Cluster(con)))
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
            Target::Cluster(cluster) => cluster.connect().map(Conn::Cluster),
        }
    }

    /// How this deployment's keys are named.
    pub(crate) fn layout(&self) -> Layout {
        match self {
            Target::Server(_) => Layout::Standalone,
            #[cfg(feature = "cluster")]
            Target::Cluster(_) => Layout::Cluster,
        }
    }

    /// The servers to subscribe to events on, in order of preference: Pub/Sub messages
    /// reach subscribers on every node of a cluster.
    pub(crate) fn subscribe_nodes(&self) -> &[Endpoint] {
        match self {
            Target::Server(endpoint) => std::slice::from_ref(endpoint),
            #[cfg(feature = "cluster")]
            Target::Cluster(cluster) => cluster.nodes(),
        }
    }

    /// The first server, whose settings (database, timeouts) every node shares.
    pub(crate) fn primary(&self) -> &Endpoint {
        &self.subscribe_nodes()[0]
    }
}
