//! `SCAN` over the whole keyspace for a pattern (never `KEYS`, which blocks the server); on a
//! cluster, over every master.

use redis::RedisResult;

use super::conn::Conn;

/// Keys asked for per `SCAN` step.
const SCAN_COUNT: u64 = 1000;

/// Every key matching `pattern`, sorted and without the repeats `SCAN` may return.
pub(super) fn scan_keys(con: &mut Conn, pattern: &str) -> RedisResult<Vec<String>> {
    let mut found: Vec<String> = Vec::new();
    for node in con.masters()? {
        let mut cursor = 0u64;
        loop {
            let mut scan = redis::cmd("SCAN");
            scan.arg(cursor)
                .arg("MATCH")
                .arg(pattern)
                .arg("COUNT")
                .arg(SCAN_COUNT);
            let (next, batch): (u64, Vec<String>) = con.query_on(&node, &scan)?;
            found.extend(batch);
            if next == 0 {
                break;
            }
            cursor = next;
        }
    }
    found.sort_unstable();
    found.dedup();
    Ok(found)
}
