//! The connection store commands run on: one server's, or a Redis Cluster's that routes each
//! command by its first key. Both speak [`redis::ConnectionLike`], so commands and scripts
//! are written once; the few operations that are not about one key (`SCAN`, `WAIT`) say
//! here where they go on a cluster.

use redis::{Connection, ConnectionLike, RedisResult, Value};

/// An open store connection.
pub(crate) enum Conn {
    Server(Connection),
    /// Boxed: it is several times the size of a single connection.
    #[cfg(feature = "cluster")]
    Cluster(Box<redis::cluster::ClusterConnection>),
}

impl Conn {
    /// Runs a command that names no key (`WAIT`, `INFO`) on the master holding `key`: on a
    /// cluster that is the node the writes to `key` went to over this connection.
    pub(crate) fn query_for_key<T: redis::FromRedisValue>(
        &mut self,
        key: &str,
        cmd: &redis::Cmd,
    ) -> RedisResult<T> {
        match self {
            Conn::Server(con) => {
                let _ = key; // one server holds every key
                cmd.query(con)
            }
            #[cfg(feature = "cluster")]
            Conn::Cluster(con) => {
                use redis::cluster_routing::{Route, RoutingInfo, SingleNodeRoutingInfo, SlotAddr};
                let master = Route::with_key(key, SlotAddr::Master);
                let to = RoutingInfo::SingleNode(SingleNodeRoutingInfo::SpecificNode(master));
                Ok(redis::from_redis_value(con.route_command(cmd, to)?)?)
            }
        }
    }

    /// The servers that hold keys: this one, or each master of the cluster.
    pub(crate) fn masters(&mut self) -> RedisResult<Vec<Node>> {
        match self {
            Conn::Server(_) => Ok(vec![Node::This]),
            #[cfg(feature = "cluster")]
            Conn::Cluster(con) => Ok(cluster_masters(con)?
                .into_iter()
                .map(|(host, port)| Node::Master { host, port })
                .collect()),
        }
    }

    /// Runs `cmd` on `node` (one of [`Conn::masters`]).
    pub(crate) fn query_on<T: redis::FromRedisValue>(
        &mut self,
        node: &Node,
        cmd: &redis::Cmd,
    ) -> RedisResult<T> {
        match (self, node) {
            #[cfg(feature = "cluster")]
            (Conn::Cluster(con), Node::Master { host, port }) => {
                use redis::cluster_routing::{RoutingInfo, SingleNodeRoutingInfo};
                let to = SingleNodeRoutingInfo::ByAddress {
                    host: host.clone(),
                    port: *port,
                };
                let reply = con.route_command(cmd, RoutingInfo::SingleNode(to))?;
                Ok(redis::from_redis_value(reply)?)
            }
            (con, _) => cmd.query(con),
        }
    }
}

/// A server holding keys, as [`Conn::masters`] lists them.
pub(crate) enum Node {
    /// The server of a standalone connection.
    This,
    /// A cluster master.
    #[cfg(feature = "cluster")]
    Master { host: String, port: u16 },
}

/// Host and port of each master, from `CLUSTER SLOTS` (`[start, end, [host, port, id], …]`).
#[cfg(feature = "cluster")]
fn cluster_masters(con: &mut redis::cluster::ClusterConnection) -> RedisResult<Vec<(String, u16)>> {
    let ranges: Vec<Value> = redis::cmd("CLUSTER").arg("SLOTS").query(con)?;
    let mut masters = Vec::new();
    for range in ranges {
        let Value::Array(parts) = range else { continue };
        let Some(Value::Array(master)) = parts.get(2) else {
            continue;
        };
        if let (Some(host), Some(port)) = (master.first(), master.get(1)) {
            let host: String = redis::from_redis_value(host.clone())?;
            let port: u16 = redis::from_redis_value(port.clone())?;
            masters.push((host, port));
        }
    }
    masters.sort_unstable();
    masters.dedup();
    Ok(masters)
}

impl ConnectionLike for Conn {
    fn req_packed_command(&mut self, cmd: &[u8]) -> RedisResult<Value> {
        match self {
            Conn::Server(con) => con.req_packed_command(cmd),
            #[cfg(feature = "cluster")]
            Conn::Cluster(con) => con.req_packed_command(cmd),
        }
    }

    fn req_packed_commands(
        &mut self,
        cmd: &[u8],
        offset: usize,
        count: usize,
    ) -> RedisResult<Vec<Value>> {
        match self {
            Conn::Server(con) => con.req_packed_commands(cmd, offset, count),
            #[cfg(feature = "cluster")]
            Conn::Cluster(con) => con.req_packed_commands(cmd, offset, count),
        }
    }

    fn req_command(&mut self, cmd: &redis::Cmd) -> RedisResult<Value> {
        match self {
            Conn::Server(con) => con.req_command(cmd),
            #[cfg(feature = "cluster")]
            Conn::Cluster(con) => con.req_command(cmd),
        }
    }

    fn get_db(&self) -> i64 {
        match self {
            Conn::Server(con) => con.get_db(),
            #[cfg(feature = "cluster")]
            Conn::Cluster(con) => con.get_db(),
        }
    }

    fn check_connection(&mut self) -> bool {
        match self {
            Conn::Server(con) => con.check_connection(),
            #[cfg(feature = "cluster")]
            Conn::Cluster(con) => con.check_connection(),
        }
    }

    fn is_open(&self) -> bool {
        match self {
            Conn::Server(con) => con.is_open(),
            #[cfg(feature = "cluster")]
            Conn::Cluster(con) => con.is_open(),
        }
    }
}
