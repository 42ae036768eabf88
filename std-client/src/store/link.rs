//! The store's connection and its reconnect policy after Redis went away (restart, network
//! break): [`Link::idempotent`] retries once on a fresh connection when the kept one turned
//! out to be broken; [`Link::once`] never repeats, because the first attempt may have taken
//! effect, and reports `ConnectionLost` so the caller decides.

use redis::{Connection, RedisResult};

use super::endpoint::Endpoint;
use super::error::{StoreError, breaks_connection};

/// One lazily (re)opened connection to the store.
pub(crate) struct Link {
    endpoint: Endpoint,
    con: Option<Connection>,
}

impl Link {
    /// A link that connects on first use.
    pub(crate) fn new(endpoint: Endpoint) -> Self {
        Self {
            endpoint,
            con: None,
        }
    }

    pub(crate) fn endpoint(&self) -> &Endpoint {
        &self.endpoint
    }

    /// The open connection, connecting first if needed.
    pub(crate) fn connection(&mut self) -> Result<&mut Connection, StoreError> {
        match &mut self.con {
            Some(con) => Ok(con),
            empty => Ok(empty.insert(self.endpoint.connect()?)),
        }
    }

    /// Maps a command error, forgetting the connection when the error broke it.
    pub(crate) fn fail(&mut self, err: &redis::RedisError) -> StoreError {
        if breaks_connection(err) {
            self.con = None;
        }
        self.endpoint.command_error(err)
    }

    /// Runs an operation that is safe to repeat. When a kept connection turns out to be broken
    /// (typically: Redis restarted since the last call), reconnects and runs it once more.
    pub(crate) fn idempotent<T>(
        &mut self,
        mut op: impl FnMut(&mut Connection) -> RedisResult<T>,
    ) -> Result<T, StoreError> {
        let was_open = self.con.is_some();
        match op(self.connection()?) {
            Ok(value) => Ok(value),
            Err(err) if breaks_connection(&err) && was_open => {
                self.con = None;
                let con = self.connection()?;
                op(con).map_err(|e| self.fail(&e))
            }
            Err(err) => Err(self.fail(&err)),
        }
    }
}
