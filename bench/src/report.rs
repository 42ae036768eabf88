//! The report lines role processes write to stdout, one per line: `<kind> key=value …`, or
//! `error <message>`. Values never contain spaces. Both sides use this module: roles build
//! lines with [`Line`], the driver parses them into [`Report`].

use std::collections::HashMap;
use std::fmt::{Display, Write as _};
use std::io::Write as _;

use crate::error::{BenchError, BenchResult};

/// A report line being built by a role.
pub struct Line {
    text: String,
}

impl Line {
    pub fn new(kind: &str) -> Self {
        Line {
            text: kind.to_string(),
        }
    }

    pub fn field(mut self, key: &str, value: impl Display) -> Self {
        let _ = write!(self.text, " {key}={value}");
        self
    }

    /// Writes the line to stdout and flushes it (the driver waits on it).
    pub fn emit(self) {
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "{}", self.text);
        let _ = out.flush();
    }
}

/// Writes `error <message>` (one line).
pub fn emit_error(message: &str) {
    Line::new(&format!("error {}", message.replace('\n', " | "))).emit();
}

/// A parsed report line.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    pub kind: String,
    fields: HashMap<String, String>,
    /// The text after the kind (the message of an `error` line).
    pub rest: String,
}

impl Report {
    pub fn parse(line: &str) -> Report {
        let line = line.trim();
        let (kind, rest) = line.split_once(' ').unwrap_or((line, ""));
        let fields = rest
            .split_whitespace()
            .filter_map(|pair| pair.split_once('='))
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Report {
            kind: kind.to_string(),
            fields,
            rest: rest.to_string(),
        }
    }

    pub fn text(&self, key: &str) -> BenchResult<&str> {
        self.fields
            .get(key)
            .map(String::as_str)
            .ok_or_else(|| BenchError::Protocol(format!("report '{}' lacks {key}", self.kind)))
    }

    pub fn number(&self, key: &str) -> BenchResult<u64> {
        let text = self.text(key)?;
        text.parse()
            .map_err(|_| BenchError::Protocol(format!("{key}={text} is not a number")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_fields_and_errors() {
        let r = Report::parse("done count=5 sum=77\n");
        assert_eq!(r.kind, "done");
        assert_eq!(r.number("count").unwrap(), 5);
        assert!(r.number("missing").is_err());
        let e = Report::parse("error liner: no address");
        assert_eq!(
            (e.kind.as_str(), e.rest.as_str()),
            ("error", "liner: no address")
        );
    }

    #[test]
    fn line_formats_like_parse_expects() {
        let line = Line::new("sent").field("t0", 12).field("ep", "tcp://x");
        assert_eq!(Report::parse(&line.text).text("ep").unwrap(), "tcp://x");
    }
}
