//! Prometheus text exposition (format 0.0.4) of clients' [`Stats`]: `# HELP` and `# TYPE`
//! once per metric family, then one sample per client, labelled with its unique name and
//! topic:
//!
//! ```text
//! # HELP liner_messages_delivered_total Messages handed to the receive callback.
//! # TYPE liner_messages_delivered_total counter
//! liner_messages_delivered_total{unique_name="orders-1",topic="orders"} 1042
//! ```
//!
//! Counters end in `_total`, gauges do not. Label values are escaped as the format requires
//! (`\` → `\\`, `"` → `\"`, newline → `\n`). Writing goes straight to any `fmt::Write`:
//! for one client nothing is allocated, so the C API formats into the caller's buffer.
//! Several clients of one process go into one exposition with [`Client::write_metrics_of`]
//! (a family's HELP/TYPE may appear only once in a scrape). docs/metrics.md shows the whole
//! output.

use std::fmt::{self, Write};

use crate::client::Client;
use crate::stats::Stats;

/// Prometheus metric type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Counter,
    Gauge,
}

impl Kind {
    fn as_str(self) -> &'static str {
        match self {
            Kind::Counter => "counter",
            Kind::Gauge => "gauge",
        }
    }
}

/// One metric family: a [`Stats`] field under its Prometheus name.
struct Family {
    name: &'static str,
    kind: Kind,
    /// HELP text: one line, no backslash (the format would need them escaped).
    help: &'static str,
    value: fn(&Stats) -> u64,
}

/// Every field of [`Stats`], in its order.
const FAMILIES: [Family; 13] = [
    Family {
        name: "liner_messages_delivered_total",
        kind: Kind::Counter,
        help: "Messages handed to the receive callback.",
        value: |s| s.delivered,
    },
    Family {
        name: "liner_messages_duplicate_total",
        kind: Kind::Counter,
        help: "Messages received again after a reconnect and dropped as already delivered.",
        value: |s| s.duplicates,
    },
    Family {
        name: "liner_messages_unknown_topic_total",
        kind: Kind::Counter,
        help: "Messages for a topic key this client does not know (not acknowledged; sent again).",
        value: |s| s.unknown_topic,
    },
    Family {
        name: "liner_connections_rejected_total",
        kind: Kind::Counter,
        help: "Inbound connections closed for a protocol error or a refused handshake.",
        value: |s| s.rejected_connections,
    },
    Family {
        name: "liner_callback_panics_total",
        kind: Kind::Counter,
        help: "Receive callback calls that panicked (also counted as refused).",
        value: |s| s.callback_panics,
    },
    Family {
        name: "liner_messages_refused_total",
        kind: Kind::Counter,
        help: "Messages the receive callback refused; delivered again later.",
        value: |s| s.refused,
    },
    Family {
        name: "liner_messages_abandoned_total",
        kind: Kind::Counter,
        help: "At-least-once messages stop could neither deliver nor park in Redis (lost).",
        value: |s| s.abandoned,
    },
    Family {
        name: "liner_best_effort_dropped_total",
        kind: Kind::Counter,
        help: "Best-effort messages dropped: peer unreachable or its window full.",
        value: |s| s.best_effort_dropped,
    },
    Family {
        name: "liner_parked_dropped_total",
        kind: Kind::Counter,
        help: "Parked messages dropped on purpose by queue limits or retention sweeps.",
        value: |s| s.parked_dropped,
    },
    Family {
        name: "liner_channels_removed_total",
        kind: Kind::Counter,
        help: "Channels removed by this client's retention sweeps.",
        value: |s| s.channels_removed,
    },
    Family {
        name: "liner_peers_known",
        kind: Kind::Gauge,
        help: "Listeners this client has sent to since it was created.",
        value: |s| s.peers_known,
    },
    Family {
        name: "liner_peers_connected",
        kind: Kind::Gauge,
        help: "Outbound peers with an established connection.",
        value: |s| s.peers_connected,
    },
    Family {
        name: "liner_listening_topics",
        kind: Kind::Gauge,
        help: "Topics this client listens on: its own plus its subscriptions.",
        value: |s| s.listening_topics,
    },
];

/// One client's labels and values.
struct Sample<'a> {
    unique_name: &'a str,
    topic: &'a str,
    stats: Stats,
}

impl<'a> Sample<'a> {
    fn of(client: &'a Client) -> Self {
        Sample {
            unique_name: client.unique_name(),
            topic: client.topic(),
            stats: client.stats(),
        }
    }
}

impl Client {
    /// Writes this client's [`stats`](Client::stats) in the Prometheus text format
    /// (content type `text/plain; version=0.0.4`) to `out`: what a `/metrics` endpoint
    /// serves. Allocation-free; errors only when `out` fails.
    pub fn write_metrics<W: Write + ?Sized>(&self, out: &mut W) -> fmt::Result {
        write_text(out, &[Sample::of(self)])
    }

    /// Like [`write_metrics`](Client::write_metrics) for several clients of one process in
    /// one exposition: each family's HELP and TYPE once, then one sample per client.
    pub fn write_metrics_of<W: Write + ?Sized>(clients: &[&Client], out: &mut W) -> fmt::Result {
        let samples: Vec<Sample<'_>> = clients.iter().map(|client| Sample::of(client)).collect();
        write_text(out, &samples)
    }
}

/// The exposition of `samples`, family by family.
fn write_text<W: Write + ?Sized>(out: &mut W, samples: &[Sample<'_>]) -> fmt::Result {
    for family in &FAMILIES {
        writeln!(out, "# HELP {} {}", family.name, family.help)?;
        writeln!(out, "# TYPE {} {}", family.name, family.kind.as_str())?;
        for sample in samples {
            write!(out, "{}{{unique_name=\"", family.name)?;
            write_label_value(out, sample.unique_name)?;
            out.write_str("\",topic=\"")?;
            write_label_value(out, sample.topic)?;
            writeln!(out, "\"}} {}", (family.value)(&sample.stats))?;
        }
    }
    Ok(())
}

/// `value` escaped for a quoted label value.
fn write_label_value<W: Write + ?Sized>(out: &mut W, value: &str) -> fmt::Result {
    let mut rest = value;
    while let Some(at) = rest.find(['\\', '"', '\n']) {
        out.write_str(&rest[..at])?;
        out.write_str(match rest.as_bytes()[at] {
            b'\\' => "\\\\",
            b'"' => "\\\"",
            _ => "\\n",
        })?;
        rest = &rest[at + 1..];
    }
    out.write_str(rest)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Stats whose fields are 1, 2, 3 … in declaration order.
    fn numbered_stats() -> Stats {
        Stats {
            delivered: 1,
            duplicates: 2,
            unknown_topic: 3,
            rejected_connections: 4,
            callback_panics: 5,
            refused: 6,
            abandoned: 7,
            best_effort_dropped: 8,
            parked_dropped: 9,
            channels_removed: 10,
            peers_known: 11,
            peers_connected: 12,
            listening_topics: 13,
        }
    }

    fn text_of(samples: &[Sample<'_>]) -> String {
        let mut out = String::new();
        write_text(&mut out, samples).unwrap();
        out
    }

    #[test]
    fn every_family_has_help_type_and_one_sample_in_field_order() {
        let sample = Sample {
            unique_name: "n1",
            topic: "t",
            stats: numbered_stats(),
        };
        let text = text_of(&[sample]);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 3 * FAMILIES.len(), "HELP, TYPE, sample each");
        for (i, (family, group)) in FAMILIES.iter().zip(lines.chunks(3)).enumerate() {
            assert_eq!(group[0], format!("# HELP {} {}", family.name, family.help));
            assert_eq!(
                group[1],
                format!("# TYPE {} {}", family.name, family.kind.as_str())
            );
            let want = format!(
                "{}{{unique_name=\"n1\",topic=\"t\"}} {}",
                family.name,
                i + 1
            );
            assert_eq!(
                group[2],
                want,
                "family {} shows field {}",
                family.name,
                i + 1
            );
        }
    }

    #[test]
    fn names_follow_the_prometheus_conventions() {
        for family in &FAMILIES {
            let name = family.name;
            assert!(name.starts_with("liner_"), "{name}");
            assert!(
                name.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'),
                "{name}: only [a-z_]"
            );
            let counter_name = name.ends_with("_total");
            assert_eq!(
                counter_name,
                family.kind == Kind::Counter,
                "{name}: counters, and only counters, end in _total"
            );
            assert!(
                !family.help.contains(['\\', '\n']),
                "{name}: HELP needs no escaping"
            );
        }
        let mut names: Vec<_> = FAMILIES.iter().map(|f| f.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), FAMILIES.len(), "names are unique");
    }

    #[test]
    fn label_values_are_escaped() {
        let mut out = String::new();
        write_label_value(&mut out, "a\"b\\c\nd").unwrap();
        assert_eq!(out, r#"a\"b\\c\nd"#);
        out.clear();
        write_label_value(&mut out, "plain-é").unwrap();
        assert_eq!(out, "plain-é");

        let sample = Sample {
            unique_name: "we\"ird\n",
            topic: "back\\slash",
            stats: Stats::default(),
        };
        let text = text_of(&[sample]);
        assert!(
            text.contains(r#"liner_peers_known{unique_name="we\"ird\n",topic="back\\slash"} 0"#),
            "{text}"
        );
        assert_eq!(
            text.lines().count(),
            3 * FAMILIES.len(),
            "no raw newline leaks"
        );
    }

    #[test]
    fn several_clients_share_one_help_and_type_per_family() {
        let one = Sample {
            unique_name: "a",
            topic: "t",
            stats: numbered_stats(),
        };
        let two = Sample {
            unique_name: "b",
            topic: "t",
            stats: Stats::default(),
        };
        let text = text_of(&[one, two]);
        assert_eq!(
            text.matches("# TYPE liner_messages_delivered_total ")
                .count(),
            1
        );
        assert!(text.contains(
            "liner_messages_delivered_total{unique_name=\"a\",topic=\"t\"} 1\n\
             liner_messages_delivered_total{unique_name=\"b\",topic=\"t\"} 0\n"
        ));
    }

    #[test]
    fn u64_values_are_written_in_full() {
        let sample = Sample {
            unique_name: "n",
            topic: "t",
            stats: Stats {
                delivered: u64::MAX,
                ..Stats::default()
            },
        };
        assert!(text_of(&[sample]).contains(&format!("\"}} {}\n", u64::MAX)));
    }
}
