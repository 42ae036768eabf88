//! Resident memory of this process from `/proc/self/status`: current (`VmRSS`) and peak
//! (`VmHWM`), in KiB.

/// `VmRSS` and `VmHWM` of this process.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Resident {
    pub rss_kib: u64,
    pub peak_kib: u64,
}

/// Reads this process's resident memory; zeros when /proc is not there.
pub fn resident() -> Resident {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    Resident {
        rss_kib: field_kib(&status, "VmRSS:"),
        peak_kib: field_kib(&status, "VmHWM:"),
    }
}

fn field_kib(status: &str, name: &str) -> u64 {
    status
        .lines()
        .find_map(|line| line.strip_prefix(name))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|kib| kib.parse().ok())
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_status_fields() {
        let status = "Name:\tx\nVmHWM:\t  2048 kB\nVmRSS:\t  1024 kB\n";
        assert_eq!(field_kib(status, "VmRSS:"), 1024);
        assert_eq!(field_kib(status, "VmHWM:"), 2048);
        assert_eq!(field_kib(status, "VmSwap:"), 0);
    }

    #[test]
    fn reads_own_process() {
        let now = resident();
        assert!(now.rss_kib > 0 && now.peak_kib >= now.rss_kib, "{now:?}");
    }
}
