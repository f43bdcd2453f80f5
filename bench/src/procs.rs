//! Small process helpers: waiting, reaping, looking pids up.

use std::collections::HashSet;
use std::fs;
use std::io;

use libc::pid_t;

/// Waits for SIGKILL; dies with the benchmark.
pub fn idle_forever() -> ! {
    // SAFETY: prctl/pause with plain arguments.
    unsafe {
        libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL, 0, 0, 0);
        loop {
            libc::pause();
        }
    }
}

/// Waits for our child `pid` to end; its wait status.
pub fn reap(pid: pid_t) -> i32 {
    let mut status = 0;
    // SAFETY: waitpid on our own child.
    while unsafe { libc::waitpid(pid, &mut status, 0) } < 0 {
        if io::Error::last_os_error().kind() != io::ErrorKind::Interrupted {
            break;
        }
    }
    status
}

/// `NSpid` of a process (zombies included), oldest level first.
pub fn nspid(pid: pid_t) -> Vec<pid_t> {
    fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("NSpid:"))
        .map(|l| {
            l.split_whitespace()
                .filter_map(|p| p.parse().ok())
                .collect()
        })
        .unwrap_or_default()
}

/// Every pid /proc shows, with its NSpid.
pub fn all_nspids() -> Vec<Vec<pid_t>> {
    fs::read_dir("/proc")
        .map(|dir| {
            dir.filter_map(|e| e.ok()?.file_name().to_str()?.parse().ok())
                .map(nspid)
                .filter(|n| !n.is_empty())
                .collect()
        })
        .unwrap_or_default()
}

/// Pids the kernel is about to hand out in our namespace (just above
/// `ns_last_pid`) and pids in use: to be avoided when choosing pids.
pub fn busy_pids() -> HashSet<pid_t> {
    let mut busy: HashSet<pid_t> = all_nspids()
        .iter()
        .filter_map(|n| n.first().copied())
        .collect();
    let last: pid_t = fs::read_to_string("/proc/sys/kernel/ns_last_pid")
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(0);
    busy.extend(last..last + 200);
    busy.extend(0..300);
    busy
}

/// The kernel's pid_max.
pub fn pid_max() -> pid_t {
    fs::read_to_string("/proc/sys/kernel/pid_max")
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(32768)
}
