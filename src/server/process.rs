//! This process as `/proc/self` shows it, for `/metrics`: memory, file descriptors, CPU time
//! and start time, under the names Prometheus' own clients use (`process_*`). A figure that
//! cannot be read (another OS, a restricted `/proc`) is left out, never guessed.

/// One reading.
#[derive(Debug, Default)]
pub struct Reading {
    /// Resident set size, bytes.
    pub resident_bytes: Option<i64>,
    /// Virtual memory size, bytes.
    pub virtual_bytes: Option<i64>,
    /// Open file descriptors.
    pub open_fds: Option<i64>,
    /// The soft limit on open file descriptors.
    pub max_fds: Option<i64>,
    /// When the process started, seconds since the Unix epoch.
    pub start_time_seconds: Option<i64>,
    /// User and system CPU time so far, seconds.
    pub cpu_seconds: Option<f64>,
}

#[cfg(target_os = "linux")]
extern "C" {
    fn sysconf(name: i32) -> i64;
}

/// `sysconf(_SC_PAGESIZE)` and `sysconf(_SC_CLK_TCK)`.
#[cfg(target_os = "linux")]
fn page_size_and_ticks() -> (i64, i64) {
    // SAFETY: sysconf only reads a system constant.
    unsafe { (sysconf(30), sysconf(2)) }
}

/// Reads `/proc/self` now.
#[cfg(target_os = "linux")]
pub fn read() -> Reading {
    let (page, ticks) = page_size_and_ticks();
    let mut r = Reading::default();
    if let Ok(statm) = std::fs::read_to_string("/proc/self/statm") {
        let mut f = statm.split_whitespace().map(|v| v.parse::<i64>().ok());
        r.virtual_bytes = f.next().flatten().map(|p| p * page);
        r.resident_bytes = f.next().flatten().map(|p| p * page);
    }
    r.open_fds = std::fs::read_dir("/proc/self/fd")
        .ok()
        .map(|d| d.count() as i64);
    r.max_fds = std::fs::read_to_string("/proc/self/limits")
        .ok()
        .and_then(|limits| {
            let line = limits.lines().find(|l| l.starts_with("Max open files"))?;
            line.split_whitespace().nth(3)?.parse().ok()
        });
    if let Ok(stat) = std::fs::read_to_string("/proc/self/stat") {
        // Fields after the command name (which may hold spaces), from field 3 (state) on.
        let fields: Vec<&str> = stat
            .rsplit_once(')')
            .map(|(_, rest)| rest.split_whitespace().collect())
            .unwrap_or_default();
        let field = |n: usize| fields.get(n - 3).and_then(|v| v.parse::<i64>().ok());
        if ticks > 0 {
            if let (Some(utime), Some(stime)) = (field(14), field(15)) {
                r.cpu_seconds = Some((utime + stime) as f64 / ticks as f64);
            }
            let boot = std::fs::read_to_string("/proc/stat").ok().and_then(|s| {
                let line = s.lines().find(|l| l.starts_with("btime "))?;
                line[6..].trim().parse::<i64>().ok()
            });
            if let (Some(boot), Some(start)) = (boot, field(22)) {
                r.start_time_seconds = Some(boot + start / ticks);
            }
        }
    }
    r
}

/// Reads nothing: only Linux's `/proc` is known.
#[cfg(not(target_os = "linux"))]
pub fn read() -> Reading {
    Reading::default()
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;

    #[test]
    fn every_figure_is_read_and_plausible() {
        // Other tests open files at the same time: no exact count of descriptors.
        let before = read();
        assert!(
            before.open_fds.unwrap() >= 3,
            "stdin, stdout, stderr at least"
        );
        assert!(before.resident_bytes.unwrap() > 1 << 20);
        assert!(before.virtual_bytes.unwrap() >= before.resident_bytes.unwrap());
        assert!(before.max_fds.unwrap() >= before.open_fds.unwrap());
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs() as i64;
        let started = before.start_time_seconds.unwrap();
        assert!(
            started <= now + 1 && started > now - 86_400 * 365,
            "{started} vs {now}"
        );
        assert!(before.cpu_seconds.unwrap() >= 0.0);
    }
}
