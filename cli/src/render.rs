//! How answers are shown: aligned text tables for people, one JSON document for scripts,
//! and durations and ages in a short human form.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::Serialize;

/// A text table: a header row and left-aligned columns as wide as their longest cell.
pub struct Table {
    rows: Vec<Vec<String>>,
}

impl Table {
    pub fn new(header: &[&str]) -> Self {
        Table {
            rows: vec![header.iter().map(|h| h.to_string()).collect()],
        }
    }

    pub fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }

    pub fn print(&self) {
        let columns = self.rows.iter().map(Vec::len).max().unwrap_or(0);
        let widths: Vec<usize> = (0..columns)
            .map(|c| {
                let cell = |r: &Vec<String>| r.get(c).map_or(0, |s| s.chars().count());
                self.rows.iter().map(cell).max().unwrap_or(0)
            })
            .collect();
        for row in &self.rows {
            let mut line = String::new();
            for (c, cell) in row.iter().enumerate() {
                if c + 1 == row.len() {
                    line.push_str(cell);
                } else {
                    line.push_str(&format!("{cell:<w$}  ", w = widths[c]));
                }
            }
            println!("{}", line.trim_end());
        }
    }
}

/// Prints `value` as pretty JSON on stdout.
pub fn print_json<T: Serialize>(value: &T) {
    let text = serde_json::to_string_pretty(value).expect("CLI answers serialise");
    println!("{text}");
}

/// This host's clock in unix ms.
pub fn now_unix_ms() -> u64 {
    let since = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    u64::try_from(since.as_millis()).unwrap_or(u64::MAX)
}

/// How long ago `then_ms` was at `now_ms` (`12s ago`), or `-` when unknown.
pub fn ago(then_ms: Option<u64>, now_ms: u64) -> String {
    match then_ms {
        Some(then) => format!(
            "{} ago",
            short(Duration::from_millis(now_ms.saturating_sub(then)))
        ),
        None => "-".into(),
    }
}

/// A duration in its two largest units: `850ms`, `12.3s`, `4m07s`, `2h03m`, `3d04h`.
pub fn short(d: Duration) -> String {
    let secs = d.as_secs();
    match secs {
        0 => format!("{}ms", d.as_millis()),
        1..60 => format!("{:.1}s", d.as_secs_f64()),
        60..3600 => format!("{}m{:02}s", secs / 60, secs % 60),
        3600..86400 => format!("{}h{:02}m", secs / 3600, secs % 3600 / 60),
        _ => format!("{}d{:02}h", secs / 86400, secs % 86400 / 3600),
    }
}

/// A round trip in milliseconds with microsecond precision (`0.183ms`).
pub fn millis(d: Duration) -> String {
    format!("{:.3}ms", d.as_secs_f64() * 1000.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_show_their_two_largest_units() {
        assert_eq!(short(Duration::from_millis(850)), "850ms");
        assert_eq!(short(Duration::from_millis(12_345)), "12.3s");
        assert_eq!(short(Duration::from_secs(247)), "4m07s");
        assert_eq!(short(Duration::from_secs(7380)), "2h03m");
        assert_eq!(short(Duration::from_secs(3 * 86400 + 4 * 3600)), "3d04h");
        assert_eq!(ago(None, 5), "-");
        assert_eq!(ago(Some(1000), 3000), "2.0s ago");
    }
}
