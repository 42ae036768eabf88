//! CPU time spent by processes: this process's own and the calling thread's (`getrusage`,
//! microsecond resolution), read by role processes around their measured part, and another process's by PID
//! (`/proc/<pid>/stat` utime + stime, clock-tick resolution), read by the driver for the
//! servers it started (redis-server, nats-server).

/// User + system CPU time this process (all its threads) has used so far, in µs.
pub fn own_cpu_us() -> u64 {
    rusage_us(libc::RUSAGE_SELF)
}

/// User + system CPU time the calling thread has used so far, in µs.
pub fn thread_cpu_us() -> u64 {
    rusage_us(libc::RUSAGE_THREAD)
}

fn rusage_us(who: libc::c_int) -> u64 {
    // SAFETY: `usage` is a valid, writable rusage; both `who` values used here exist.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let rc = unsafe { libc::getrusage(who, &mut usage) };
    assert_eq!(rc, 0, "getrusage({who}) failed");
    let micros = |t: libc::timeval| t.tv_sec as u64 * 1_000_000 + t.tv_usec as u64;
    micros(usage.ru_utime) + micros(usage.ru_stime)
}

/// User + system CPU seconds process `pid` has used so far (`None` when it is gone).
pub fn process_cpu_s(pid: u32) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // SAFETY: sysconf with a valid name has no preconditions.
    let ticks_per_s = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    let ticks = stat_cpu_ticks(&stat)?;
    (ticks_per_s > 0).then(|| ticks as f64 / ticks_per_s as f64)
}

/// utime + stime (fields 14 and 15) of a `/proc/<pid>/stat` line. The command name
/// (field 2) is in parentheses and may contain spaces, so fields are counted after its
/// closing parenthesis.
fn stat_cpu_ticks(stat: &str) -> Option<u64> {
    let after_name = &stat[stat.rfind(')')? + 1..];
    let mut fields = after_name.split_whitespace().skip(11);
    let utime: u64 = fields.next()?.parse().ok()?;
    let stime: u64 = fields.next()?.parse().ok()?;
    Some(utime + stime)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_stat_after_the_command_name() {
        let stat = "4242 (redis server) S 1 2 3 4 5 6 7 8 9 10 250 31 0 0 20 0 4 0";
        assert_eq!(stat_cpu_ticks(stat), Some(281));
        assert_eq!(stat_cpu_ticks("garbage"), None);
    }

    #[test]
    fn own_cpu_grows_with_work() {
        let before = own_cpu_us();
        let mut x = 0u64;
        for i in 0..20_000_000u64 {
            x = std::hint::black_box(x.wrapping_mul(31).wrapping_add(i));
        }
        assert!(own_cpu_us() > before, "{x}");
        assert!(thread_cpu_us() > 0);
        let own = process_cpu_s(std::process::id()).expect("own /proc entry");
        assert!(own >= 0.0);
    }
}
