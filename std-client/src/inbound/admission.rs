//! Who may connect: the listener's counts of open connections — in all, in the handshake,
//! per source address — and the limits of `Config` they are checked against
//! (docs/operations.md, "Trust boundary").

use std::collections::HashMap;
use std::net::IpAddr;

use crate::config::Config;

/// Connections from one source address.
#[derive(Debug, Default, Clone, Copy)]
struct SourceCount {
    /// All of them, handshakes included.
    total: usize,
    /// Those still in the handshake.
    handshakes: usize,
}

/// The connection counts of one listener.
#[derive(Debug, Default)]
pub(super) struct Admission {
    /// Connections accepted and not yet closed.
    open: usize,
    /// Of those, the ones still in the handshake.
    handshaking: usize,
    sources: HashMap<IpAddr, SourceCount>,
}

impl Admission {
    /// Why a new connection from `source` must be refused, if it must.
    pub fn refusal(&self, source: IpAddr, config: &Config) -> Option<String> {
        let count = self.sources.get(&source).copied().unwrap_or_default();
        if count.total >= config.max_conns_per_source {
            Some(format!(
                "already {} connections from {source} (max_conns_per_source)",
                count.total
            ))
        } else if count.handshakes >= config.max_handshakes_per_source {
            Some(format!(
                "already {} handshakes from {source} (max_handshakes_per_source)",
                count.handshakes
            ))
        } else {
            None
        }
    }

    /// Whether every handshake slot is taken (the oldest handshake must make room).
    pub fn handshakes_full(&self, config: &Config) -> bool {
        self.handshaking >= config.max_handshakes
    }

    /// Connections past the handshake.
    pub fn established(&self) -> usize {
        self.open - self.handshaking
    }

    /// Counts a new connection from `source` (it starts in the handshake).
    pub fn admit(&mut self, source: IpAddr) {
        self.open += 1;
        self.handshaking += 1;
        let count = self.sources.entry(source).or_default();
        count.total += 1;
        count.handshakes += 1;
    }

    /// A connection from `source` completed its handshake.
    pub fn promote(&mut self, source: IpAddr) {
        self.handshaking -= 1;
        if let Some(count) = self.sources.get_mut(&source) {
            count.handshakes -= 1;
        }
    }

    /// Uncounts a closed connection from `source`.
    pub fn forget(&mut self, source: IpAddr, in_handshake: bool) {
        self.open -= 1;
        self.handshaking -= usize::from(in_handshake);
        if let Some(count) = self.sources.get_mut(&source) {
            count.total -= 1;
            count.handshakes -= usize::from(in_handshake);
            if count.total == 0 {
                self.sources.remove(&source);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_follow_connections_through_the_handshake_and_the_close() {
        let config = Config {
            max_conns_per_source: 2,
            max_handshakes_per_source: 1,
            max_handshakes: 2,
            ..Config::default()
        };
        let (a, b): (IpAddr, IpAddr) = ("127.0.0.2".parse().unwrap(), "127.0.0.3".parse().unwrap());
        let mut admission = Admission::default();
        admission.admit(a);
        let refusal = admission.refusal(a, &config).unwrap();
        assert!(refusal.contains("max_handshakes_per_source"), "{refusal}");
        assert_eq!(admission.refusal(b, &config), None, "counted per source");
        admission.admit(b);
        assert!(admission.handshakes_full(&config));
        admission.promote(a);
        assert_eq!(admission.established(), 1);
        admission.admit(a);
        let refusal = admission.refusal(a, &config).unwrap();
        assert!(refusal.contains("max_conns_per_source"), "{refusal}");
        admission.forget(a, false);
        admission.forget(a, true);
        admission.forget(b, true);
        assert_eq!(admission.established(), 0);
        assert!(
            admission.sources.is_empty(),
            "no entry outlives its connections"
        );
    }
}
