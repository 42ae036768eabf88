//! The listener process's memory and descriptors while an attack runs: resident set size
//! (`VmRSS` in `/proc/PID/status`) and open descriptors (`/proc/PID/fd`) before the
//! attack, and their peaks during it. The RSS peak is the larger of a 5 ms sampler and
//! the kernel's own high-water mark `VmHWM`, which [`Watch::start`] resets first by
//! writing `5` to `/proc/PID/clear_refs`, so a spike between two samples is not missed.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

/// What a watch saw.
#[derive(Debug, Clone, Copy, Default)]
pub struct Sample {
    pub rss_before: u64,
    pub rss_peak: u64,
    pub fds_before: u64,
    pub fds_peak: u64,
}

impl Sample {
    pub fn rss_growth(&self) -> u64 {
        self.rss_peak.saturating_sub(self.rss_before)
    }

    pub fn fds_growth(&self) -> u64 {
        self.fds_peak.saturating_sub(self.fds_before)
    }
}

/// A running watch over one process.
pub struct Watch {
    pid: u32,
    stop: Arc<AtomicBool>,
    sampler: JoinHandle<(u64, u64)>,
    before: Sample,
    hwm_reset: bool,
}

impl Watch {
    /// Resets the process's RSS high-water mark, reads the starting values and starts
    /// sampling.
    pub fn start(pid: u32) -> Watch {
        let hwm_reset = std::fs::write(format!("/proc/{pid}/clear_refs"), "5").is_ok();
        let before = Sample {
            rss_before: rss(pid).unwrap_or(0),
            fds_before: fds(pid).unwrap_or(0),
            ..Sample::default()
        };
        let stop = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&stop);
        let sampler = std::thread::spawn(move || {
            let (mut rss_peak, mut fds_peak) = (0, 0);
            while !flag.load(Ordering::Relaxed) {
                rss_peak = rss_peak.max(rss(pid).unwrap_or(0));
                fds_peak = fds_peak.max(fds(pid).unwrap_or(0));
                std::thread::sleep(Duration::from_millis(5));
            }
            (rss_peak, fds_peak)
        });
        Watch {
            pid,
            stop,
            sampler,
            before,
            hwm_reset,
        }
    }

    /// Stops sampling; the peaks since [`Watch::start`].
    pub fn finish(self) -> Sample {
        self.stop.store(true, Ordering::Relaxed);
        let (sampled_rss, sampled_fds) = self.sampler.join().unwrap_or((0, 0));
        let hwm = if self.hwm_reset {
            status_kib(self.pid, "VmHWM:").unwrap_or(0)
        } else {
            0
        };
        Sample {
            rss_peak: sampled_rss.max(hwm).max(self.before.rss_before),
            fds_peak: sampled_fds.max(self.before.fds_before),
            ..self.before
        }
    }
}

/// Resident set size of `pid` in bytes.
pub fn rss(pid: u32) -> Option<u64> {
    status_kib(pid, "VmRSS:")
}

/// Open descriptors of `pid`.
pub fn fds(pid: u32) -> Option<u64> {
    let dir = std::fs::read_dir(format!("/proc/{pid}/fd")).ok()?;
    Some(dir.count() as u64)
}

/// A `kB` line of `/proc/PID/status`, in bytes.
fn status_kib(pid: u32, field: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    let kib: u64 = line[field.len()..]
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()?;
    Some(kib * 1024)
}

/// Bytes as MiB with one decimal.
pub fn mib(bytes: u64) -> String {
    format!("{:.1}", bytes as f64 / f64::from(1u32 << 20))
}
