//! `SCAN` over the whole keyspace for a pattern (never `KEYS`, which blocks the server).

use redis::{Connection, RedisResult};

/// Keys asked for per `SCAN` step.
const SCAN_COUNT: u64 = 1000;

/// Every key matching `pattern`, sorted and without the repeats `SCAN` may return.
pub(super) fn scan_keys(con: &mut Connection, pattern: &str) -> RedisResult<Vec<String>> {
    let mut found: Vec<String> = Vec::new();
    let mut cursor = 0u64;
    loop {
        let (next, batch): (u64, Vec<String>) = redis::cmd("SCAN")
            .arg(cursor)
            .arg("MATCH")
            .arg(pattern)
            .arg("COUNT")
            .arg(SCAN_COUNT)
            .query(con)?;
        found.extend(batch);
        if next == 0 {
            break;
        }
        cursor = next;
    }
    found.sort_unstable();
    found.dedup();
    Ok(found)
}
