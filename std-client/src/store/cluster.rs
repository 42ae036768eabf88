//! Redis Cluster: the node list a client was given, and the `redis` crate's cluster
//! connection built from it (it learns the slot map from any node and follows `MOVED`/`ASK`).
//!
//! The crate's blocking connection does not notice on its own that a master died and its
//! replica took over; a command then fails with an I/O or cluster error, which breaks the
//! store's [`super::link::Link`], and the next command opens a fresh cluster connection from
//! the node list, with the new slot map. So a client should be given several nodes: any one
//! of them that answers is enough to find the others.

use std::path::Path;

use redis::cluster::{ClusterClient, ClusterClientBuilder, ClusterConnection};

use super::endpoint::{Endpoint, StoreTimeouts, non_zero};
use super::error::StoreError;
use super::redact::redact_url;

/// Redirections and retries one command may take inside the `redis` crate before it fails
/// (and the store reconnects): enough for a resharding, short enough for a failover.
const RETRIES: u32 = 3;
/// Longest back-off between those retries, in milliseconds.
const MAX_RETRY_WAIT_MS: u64 = 200;

/// A Redis Cluster, by the nodes a client was given.
#[derive(Clone)]
pub(crate) struct ClusterEndpoint {
    /// Each given node as a single server, for the events subscription (Pub/Sub reaches
    /// subscribers on every node) and for diagnostics.
    nodes: Vec<Endpoint>,
    client: ClusterClient,
    timeouts: StoreTimeouts,
}

impl ClusterEndpoint {
    /// The cluster of the nodes at `urls` (already parsed as `nodes`).
    pub(crate) fn new(
        urls: &[&str],
        nodes: Vec<Endpoint>,
        timeouts: StoreTimeouts,
        ca_file: Option<&Path>,
    ) -> Result<Self, StoreError> {
        if let Some(node) = nodes.iter().find(|node| node.db() != 0) {
            return Err(StoreError::InvalidUrl(format!(
                "{}: a Redis Cluster has only database 0, the URL selects {}",
                node.addr(),
                node.db()
            )));
        }
        let builder = ClusterClientBuilder::new(urls.to_vec())
            .connection_timeout(non_zero(timeouts.connect))
            .response_timeout(non_zero(timeouts.io))
            .retries(RETRIES)
            .max_retry_wait(MAX_RETRY_WAIT_MS)
            .min_retry_wait(MAX_RETRY_WAIT_MS / 4);
        // `certs` would turn TLS on for plain nodes too.
        let builder = if urls.iter().any(|url| super::tls::is_tls_url(url)) {
            with_ca_file(builder, ca_file)?
        } else {
            builder
        };
        let shown = urls.iter().map(|u| redact_url(u)).collect::<Vec<_>>();
        let client = builder.build().map_err(|e| {
            StoreError::InvalidUrl(format!("cluster nodes {}: {e}", shown.join(",")))
        })?;
        Ok(Self {
            nodes,
            client,
            timeouts,
        })
    }

    /// Opens a cluster connection (one connection per node, made by the crate).
    pub(crate) fn connect(&self) -> Result<ClusterConnection, StoreError> {
        self.client.get_connection().map_err(|e| {
            let first = self.nodes[0].addr();
            StoreError::from_connect(&e, first, self.timeouts.connect)
        })
    }

    /// The nodes the client was given, in the order given.
    pub(crate) fn nodes(&self) -> &[Endpoint] {
        &self.nodes
    }
}

#[cfg(feature = "tls")]
fn with_ca_file(
    builder: ClusterClientBuilder,
    ca_file: Option<&Path>,
) -> Result<ClusterClientBuilder, StoreError> {
    Ok(match super::tls::certificates(ca_file)? {
        Some(certificates) => builder.certs(certificates),
        None => builder,
    })
}

#[cfg(not(feature = "tls"))]
fn with_ca_file(
    builder: ClusterClientBuilder,
    _ca_file: Option<&Path>,
) -> Result<ClusterClientBuilder, StoreError> {
    Ok(builder)
}
