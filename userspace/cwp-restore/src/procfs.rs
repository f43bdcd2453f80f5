//! What this tool reads from `/proc`: the processes, their parents and
//! their pids at every pid namespace level.

use std::fs;

use anyhow::{ensure, Context, Result};
use libc::pid_t;

/// The fields of `/proc/PID/status` the tool needs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Status {
    /// `Name:`, the command name.
    pub name: String,
    /// `PPid:`, 0 when the parent is not visible in this /proc.
    pub ppid: pid_t,
    /// `NSpid:`, from this /proc's pid namespace down to the process's own.
    pub nspid: Vec<pid_t>,
}

/// Parses the text of a `status` file.
pub fn parse_status(text: &str) -> Option<Status> {
    let mut name = None;
    let mut ppid = None;
    let mut nspid = None;
    for line in text.lines() {
        let Some((key, value)) = line.split_once(':') else {
            continue;
        };
        let value = value.trim();
        match key {
            "Name" => name = Some(value.to_string()),
            "PPid" => ppid = value.parse().ok(),
            "NSpid" => nspid = value.split_whitespace().map(|p| p.parse().ok()).collect(),
            _ => {}
        }
    }
    Some(Status {
        name: name?,
        ppid: ppid?,
        nspid: nspid?,
    })
}

/// Reads `/proc/PID/status`; `Ok(None)` when the process has gone.
pub fn status(pid: pid_t) -> Result<Option<Status>> {
    let path = format!("/proc/{pid}/status");
    match fs::read_to_string(&path) {
        Ok(text) => parse_status(&text)
            .map(Some)
            .with_context(|| format!("{path} lacks Name, PPid or NSpid")),
        Err(e) if matches!(e.raw_os_error(), Some(libc::ENOENT | libc::ESRCH)) => Ok(None),
        Err(e) => Err(e).with_context(|| format!("cannot read {path}")),
    }
}

/// Every process /proc shows (thread group leaders), in pid order.
pub fn all_pids() -> Result<Vec<pid_t>> {
    let mut pids: Vec<pid_t> = fs::read_dir("/proc")
        .context("cannot list /proc")?
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse().ok())
        .collect();
    pids.sort_unstable();
    Ok(pids)
}

/// Every process with its status, skipping those that exit meanwhile.
pub fn snapshot() -> Result<Vec<(pid_t, Status)>> {
    let mut out = Vec::new();
    for pid in all_pids()? {
        if let Some(s) = status(pid)? {
            out.push((pid, s));
        }
    }
    Ok(out)
}

/// Checks that /proc belongs to our pid namespace: the pids our system
/// calls return are looked up there.
pub fn check_proc_is_ours() -> Result<()> {
    // SAFETY: getpid cannot fail.
    let pid = unsafe { libc::getpid() };
    let text = fs::read_to_string("/proc/self/status").context("cannot read /proc/self/status")?;
    let nspid = parse_status(&text).map(|s| s.nspid).unwrap_or_default();
    ensure!(
        nspid == [pid],
        "/proc is not the proc of this pid namespace (/proc/self shows NSpid {nspid:?}, we are \
         {pid}): mount one with 'mount -t proc proc /proc' in a new mount namespace"
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_fields_are_parsed() {
        let text = "Name:\tsleep\nUmask:\t0022\nState:\tS (sleeping)\nTgid:\t40\nNgid:\t0\n\
                    Pid:\t40\nPPid:\t12\nNSpid:\t40\t7\t1\nNSpgid:\t40\t7\t1\n";
        let s = parse_status(text).unwrap();
        assert_eq!(s.name, "sleep");
        assert_eq!(s.ppid, 12);
        assert_eq!(s.nspid, vec![40, 7, 1]);
    }

    #[test]
    fn incomplete_status_is_none() {
        assert_eq!(parse_status("Name:\tx\nPPid:\t1\n"), None);
    }

    #[test]
    fn we_are_in_our_own_proc() {
        let s = status(std::process::id() as pid_t).unwrap().unwrap();
        assert!(!s.nspid.is_empty());
        assert!(all_pids().unwrap().contains(&(std::process::id() as pid_t)));
    }
}
