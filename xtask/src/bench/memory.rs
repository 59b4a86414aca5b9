//! Peak resident memory of a process, from Linux's `/proc/<pid>/status` (`VmHWM`, the
//! resident set's high-water mark).
//!
//! The measured program reports its own `VmHWM` just before it exits (exact), and the
//! harness samples it from outside while the program runs (a lower bound, and a check
//! that the self-report is honest). The figure is the larger of the two.

/// Parses the `VmHWM:` line of a `/proc/<pid>/status` text into bytes.
///
/// The kernel writes it as `VmHWM:\t   12345 kB` (kibibytes, whatever the unit says).
pub fn parse_vmhwm(status: &str) -> Option<u64> {
    let line = status.lines().find_map(|l| l.strip_prefix("VmHWM:"))?;
    let mut parts = line.split_whitespace();
    let kib: u64 = parts.next()?.parse().ok()?;
    match parts.next() {
        Some("kB") | None => kib.checked_mul(1024),
        Some(_) => None,
    }
}

/// The peak resident memory of process `pid` so far, in bytes, if it can be read.
pub fn vmhwm_of(pid: u32) -> Option<u64> {
    parse_vmhwm(&std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?)
}

/// This process's peak resident memory so far, in bytes.
pub fn own_vmhwm() -> Option<u64> {
    parse_vmhwm(&std::fs::read_to_string("/proc/self/status").ok()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_kernel_format() {
        let status = "Name:\tpython3\nVmPeak:\t  999 kB\nVmHWM:\t   12345 kB\nVmRSS:\t 100 kB\n";
        assert_eq!(parse_vmhwm(status), Some(12345 * 1024));
    }

    #[test]
    fn refuses_missing_or_odd_lines() {
        assert_eq!(parse_vmhwm("VmRSS:\t 100 kB\n"), None);
        assert_eq!(parse_vmhwm("VmHWM:\t lots kB\n"), None);
        assert_eq!(parse_vmhwm("VmHWM:\t 10 MB\n"), None);
        assert_eq!(parse_vmhwm("VmHWM:\t 99999999999999999999 kB\n"), None);
    }

    #[test]
    fn reads_its_own_status() {
        // Linux only, like the benchmark; a running test has some resident memory.
        let own = own_vmhwm().expect("/proc/self/status has VmHWM");
        assert!(own > 1024 * 1024, "{own}");
    }
}
