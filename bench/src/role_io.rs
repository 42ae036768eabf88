//! The child side of the driver ↔ role protocol: `key=value` arguments and one-word
//! commands read from stdin (`go`, `end`, `exit`, …) by a forwarding thread. End of stdin
//! (the driver went away) reads as `exit`. Reports go out through `report::Line`.

use std::collections::HashMap;
use std::io::BufRead;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::time::Duration;

use crate::error::{BenchError, BenchResult};

/// A role's `key=value` arguments.
pub struct Args {
    values: HashMap<String, String>,
}

impl Args {
    pub fn parse(args: &[String]) -> BenchResult<Args> {
        let mut values = HashMap::new();
        for arg in args {
            let (k, v) = arg
                .split_once('=')
                .ok_or_else(|| BenchError::Args(format!("'{arg}' is not key=value")))?;
            values.insert(k.to_string(), v.to_string());
        }
        Ok(Args { values })
    }

    pub fn text(&self, key: &str) -> BenchResult<&str> {
        self.values
            .get(key)
            .map(String::as_str)
            .ok_or_else(|| BenchError::Args(format!("missing {key}=")))
    }

    pub fn number(&self, key: &str) -> BenchResult<u64> {
        let text = self.text(key)?;
        text.parse()
            .map_err(|_| BenchError::Args(format!("{key}={text} is not a number")))
    }

    /// `key=1` or `key=0`.
    pub fn flag(&self, key: &str) -> BenchResult<bool> {
        Ok(self.number(key)? != 0)
    }

    /// A comma-separated list (empty items dropped).
    pub fn list(&self, key: &str) -> BenchResult<Vec<&str>> {
        Ok(self
            .text(key)?
            .split(',')
            .filter(|s| !s.is_empty())
            .collect())
    }
}

/// Commands from the driver.
pub struct Commands {
    rx: Receiver<String>,
}

impl Commands {
    /// Starts the stdin forwarding thread.
    pub fn start() -> Commands {
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in std::io::stdin().lock().lines() {
                let Ok(line) = line else { break };
                if tx.send(line.trim().to_string()).is_err() {
                    return;
                }
            }
            let _ = tx.send("exit".to_string());
        });
        Commands { rx }
    }

    /// The next command, waiting at most `timeout`.
    pub fn poll(&self, timeout: Duration) -> Option<String> {
        match self.rx.recv_timeout(timeout) {
            Ok(command) => Some(command),
            Err(RecvTimeoutError::Timeout) => None,
            Err(RecvTimeoutError::Disconnected) => Some("exit".to_string()),
        }
    }

    /// Blocks until `word` arrives; `exit` (or any other word) first is an error.
    pub fn wait_for(&self, word: &str) -> BenchResult<()> {
        let got = self.rx.recv().unwrap_or_else(|_| "exit".to_string());
        if got == word {
            Ok(())
        } else {
            Err(BenchError::Protocol(format!(
                "expected command '{word}', got '{got}'"
            )))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_arguments() {
        let raw: Vec<String> = ["n=10", "alo=1", "eps=a,b,", "name=x=y"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let args = Args::parse(&raw).unwrap();
        assert_eq!(args.number("n").unwrap(), 10);
        assert!(args.flag("alo").unwrap());
        assert_eq!(args.list("eps").unwrap(), ["a", "b"]);
        assert_eq!(args.text("name").unwrap(), "x=y");
        assert!(args.text("nope").is_err());
        assert!(Args::parse(&["bare".to_string()]).is_err());
    }
}
