//! The one error type of the CLI: a sentence for stderr. Library errors arrive already
//! free of secrets (the store masks passwords in every URL it shows), and the CLI never
//! prints the Redis URL itself.

use std::fmt;

/// Why a subcommand failed; printed as `liner: <message>` with exit status 1.
#[derive(Debug)]
pub struct Failure(pub String);

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<liner_broker::store::StoreError> for Failure {
    fn from(e: liner_broker::store::StoreError) -> Self {
        Failure(format!("Redis: {e}"))
    }
}

impl From<liner_broker::Error> for Failure {
    fn from(e: liner_broker::Error) -> Self {
        Failure(e.to_string())
    }
}

impl From<std::io::Error> for Failure {
    fn from(e: std::io::Error) -> Self {
        Failure(e.to_string())
    }
}

/// What every subcommand returns.
pub type Outcome = Result<(), Failure>;
