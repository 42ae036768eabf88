//! The store's connection and its reconnect policy after Redis went away (restart, network
//! break): [`Link::idempotent`] retries once on a fresh connection when the kept one turned
//! out to be broken; [`Link::once`] never repeats, because the first attempt may have taken
//! effect, and reports `ConnectionLost` so the caller decides.

use redis::RedisResult;

use super::conn::Conn;
use super::error::{StoreError, breaks_connection};
use super::target::Target;

/// One lazily (re)opened connection to the store.
pub(crate) struct Link {
    target: Target,
    con: Option<Conn>,
}

impl Link {
    /// A link that connects on first use, or uses `con` first.
    pub(crate) fn new(target: Target, con: Option<Conn>) -> Self {
        Self { target, con }
    }

    pub(crate) fn target(&self) -> &Target {
        &self.target
    }

    /// The open connection, connecting first if needed.
    pub(crate) fn connection(&mut self) -> Result<&mut Conn, StoreError> {
        match &mut self.con {
            Some(con) => Ok(con),
            empty => Ok(empty.insert(self.target.connect()?)),
        }
    }

    /// Maps a command error, forgetting the connection when the error broke it.
    pub(crate) fn fail(&mut self, err: &redis::RedisError) -> StoreError {
        if breaks_connection(err) {
            self.con = None;
        }
        self.target.primary().command_error(err)
    }

    /// Runs an operation that is safe to repeat. When a kept connection turns out to be broken
    /// (typically: Redis restarted since the last call), reconnects and runs it once more.
    pub(crate) fn idempotent<T>(
        &mut self,
        mut op: impl FnMut(&mut Conn) -> RedisResult<T>,
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
