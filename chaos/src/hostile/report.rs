//! The hostile suite's per-attack table and its summary line:
//! `hostile: N attacks, M messages, L lost, F forged delivered`.

use std::fmt::Write;
use std::time::Duration;

use super::bound::Bound;
use super::watch::{Sample, mib};

/// One attack's results.
pub struct Row {
    pub name: &'static str,
    pub memory: bool,
    pub conns: u64,
    pub closed: u64,
    pub rejected: u64,
    /// How connections ended, e.g. `rej-unauthorized 4, closed 2`.
    pub ends: String,
    pub sample: Sample,
    pub bound: Bound,
    /// Status reports of the listener during the attack: protocol, unauthorized, limited.
    pub reports: [u64; 3],
    pub forged: u64,
    /// Insider messages acknowledged / found in the delivery log.
    pub insider: (u64, u64),
    /// Legitimate stream messages delivered during the attack.
    pub legit: u64,
    /// Time until an admitted legitimate sender had everything delivered (None: it was not).
    pub admitted: Option<Duration>,
    pub time: Duration,
    pub measured: Vec<String>,
    pub failures: Vec<String>,
}

pub fn table(rows: &[Row]) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:<14} {:>6} {:>6} {:>5} {:>9} {:>9} {:>8} {:>8} {:>5} {:>11} {:>6} {:>7} {:>9} {:>6}  result",
        "attack",
        "conns",
        "closed",
        "rej",
        "rss-MiB",
        "peak-MiB",
        "growth",
        "bound",
        "fds+",
        "prot/un/lim",
        "forged",
        "legit",
        "admitted",
        "time"
    );
    for r in rows {
        let admitted = r
            .admitted
            .map_or_else(|| "NO".to_string(), |d| format!("{} ms", d.as_millis()));
        let result = if r.failures.is_empty() { "ok" } else { "FAIL" };
        let _ = writeln!(
            out,
            "{:<14} {:>6} {:>6} {:>5} {:>9} {:>9} {:>8} {:>8} {:>5} {:>11} {:>6} {:>7} {:>9} {:>5.1}s  {result}",
            format!("{}{}", r.name, if r.memory { "*" } else { "" }),
            r.conns,
            r.closed,
            r.rejected,
            mib(r.sample.rss_before),
            mib(r.sample.rss_peak),
            format!("+{}", mib(r.sample.rss_growth())),
            mib(r.bound.rss),
            format!("+{}", r.sample.fds_growth()),
            format!("{}/{}/{}", r.reports[0], r.reports[1], r.reports[2]),
            r.forged,
            r.legit,
            admitted,
            r.time.as_secs_f64(),
        );
    }
    let _ = writeln!(
        out,
        "(* memory attack; growth = peak - before, MiB; bound from the listener's Config, docs/chaos.md \"Hostile suite\"; \
         prot/un/lim = PeerProtocolError/PeerUnauthorized/PeerLimited reports; legit = stream-1 messages delivered meanwhile)"
    );
    out
}

/// What each attack measured, and how its connections ended, one line each.
pub fn details(rows: &[Row]) -> String {
    let mut out = String::new();
    for r in rows {
        let _ = writeln!(
            out,
            "{}: ends: {}",
            r.name,
            if r.ends.is_empty() { "-" } else { &r.ends }
        );
        let _ = writeln!(
            out,
            "{}: insider messages acked {} / delivered {}; bound {}",
            r.name, r.insider.0, r.insider.1, r.bound.formula
        );
        for m in &r.measured {
            let _ = writeln!(out, "{}: {m}", r.name);
        }
    }
    out
}

pub fn summary(attacks: usize, messages: u64, lost: u64, forged: u64) -> String {
    format!(
        "hostile: {attacks} attacks, {messages} messages, {lost} lost, {forged} forged delivered"
    )
}
