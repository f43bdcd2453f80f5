//! What the users of `clone_with_pids()` read from `/proc`: a process's
//! pids at every pid namespace level (`NSpid`), its parent, the kernel's
//! limits, and a `/proc` of one's own pid namespace to read them from.
//!
//! Pids in `/proc` are those of the pid namespace the proc file system was
//! mounted for, which need not be the reader's own: after `CLONE_NEWPID`
//! or `setns()` a process must mount its own ([`mount_private_proc`]) or
//! check that the one it has is its own ([`check_proc_is_ours`]).

use std::fs;
use std::io;

use rustix::mount::{mount, mount_change, MountFlags, MountPropagationFlags};
use rustix::process::{getpid, Pid, RawPid};
use rustix::thread::{unshare_unsafe, UnshareFlags};

use crate::pid_from_raw;

/// The fields of `/proc/PID/status` a restore tool needs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Status {
    /// `Name:`, the command name.
    pub name: String,
    /// `PPid:`; `None` when the parent is not visible in this /proc.
    pub ppid: Option<Pid>,
    /// `NSpid:`, from this /proc's pid namespace down to the process's own,
    /// oldest first.
    pub nspid: Vec<RawPid>,
}

/// The pids of an `NSpid:` line's value (what follows the colon).
fn parse_pids(value: &str) -> Option<Vec<RawPid>> {
    value.split_whitespace().map(|p| p.parse().ok()).collect()
}

/// The `NSpid:` line of the text of a `status` file: the process's pid at
/// every level from the /proc's pid namespace down, oldest first. `None`
/// when there is no such line, or it does not parse.
///
/// ```
/// let text = "Name:\tsleep\nPid:\t40\nNSpid:\t40\t7\t1\n";
/// assert_eq!(clone_with_pids::procfs::parse_nspid(text), Some(vec![40, 7, 1]));
/// ```
pub fn parse_nspid(status: &str) -> Option<Vec<RawPid>> {
    status
        .lines()
        .find_map(|l| l.strip_prefix("NSpid:"))
        .and_then(parse_pids)
}

/// Parses the text of a `status` file; `None` when `Name`, `PPid` or
/// `NSpid` is missing or does not parse.
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
            "PPid" => ppid = value.parse::<RawPid>().ok().map(pid_from_raw),
            "NSpid" => nspid = parse_pids(value),
            _ => {}
        }
    }
    Some(Status {
        name: name?,
        ppid: ppid?,
        nspid: nspid?,
    })
}

/// Whether an error reading `/proc/PID/...` means the process has gone.
fn gone(e: &io::Error) -> bool {
    matches!(e.raw_os_error(), Some(libc::ENOENT | libc::ESRCH))
}

/// Reads `/proc/PID/status`; `Ok(None)` when the process has gone.
pub fn status(pid: Pid) -> io::Result<Option<Status>> {
    let path = format!("/proc/{pid}/status");
    match fs::read_to_string(&path) {
        Ok(text) => parse_status(&text).map(Some).ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::InvalidData,
                format!("{path} lacks Name, PPid or NSpid"),
            )
        }),
        Err(e) if gone(&e) => Ok(None),
        Err(e) => Err(io::Error::new(e.kind(), format!("cannot read {path}: {e}"))),
    }
}

fn read_nspid(path: &str) -> io::Result<Vec<RawPid>> {
    let text = fs::read_to_string(path)?;
    parse_nspid(&text)
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidData, format!("{path} has no NSpid")))
}

/// `NSpid` of a process (a zombie's too): its pid at every level from this
/// /proc's pid namespace down, oldest first. An error when it has gone
/// (`NotFound`) or /proc cannot be read.
pub fn nspid(pid: Pid) -> io::Result<Vec<RawPid>> {
    read_nspid(&format!("/proc/{pid}/status"))
}

/// Our own `NSpid`, from `/proc/self/status`.
pub fn own_nspid() -> io::Result<Vec<RawPid>> {
    read_nspid("/proc/self/status")
}

/// Every process /proc shows (thread group leaders), in pid order.
pub fn pids() -> io::Result<Vec<Pid>> {
    let mut pids: Vec<Pid> = fs::read_dir("/proc")?
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse().ok())
        .filter_map(pid_from_raw)
        .collect();
    pids.sort_unstable_by_key(|p| p.as_raw_pid());
    Ok(pids)
}

/// Every process with its status, in pid order, leaving out those that
/// exit meanwhile.
pub fn processes() -> io::Result<Vec<(Pid, Status)>> {
    let mut out = Vec::new();
    for pid in pids()? {
        if let Some(s) = status(pid)? {
            out.push((pid, s));
        }
    }
    Ok(out)
}

/// Reads a number from a file of `/proc/sys`.
fn sysctl<T: std::str::FromStr>(path: &str) -> io::Result<T> {
    fs::read_to_string(path)?.trim().parse().map_err(|_| {
        io::Error::new(
            io::ErrorKind::InvalidData,
            format!("{path} does not hold a number"),
        )
    })
}

/// The kernel's `pid_max` (`/proc/sys/kernel/pid_max`): every pid is
/// below it, and the call refuses a wanted pid that is not (EINVAL).
pub fn pid_max() -> io::Result<RawPid> {
    sysctl("/proc/sys/kernel/pid_max")
}

/// The last pid handed out in the pid namespace of this /proc
/// (`/proc/sys/kernel/ns_last_pid`).
pub fn ns_last_pid() -> io::Result<RawPid> {
    sysctl("/proc/sys/kernel/ns_last_pid")
}

/// How many pid namespaces a user may have
/// (`/proc/sys/user/max_pid_namespaces`); creating one more is ENOSPC.
pub fn max_pid_namespaces() -> io::Result<u64> {
    sysctl("/proc/sys/user/max_pid_namespaces")
}

/// `CAP_SYS_ADMIN`: creating a pid namespace, and choosing pids in the
/// namespaces of the user namespace one has it in.
pub const CAP_SYS_ADMIN: u32 = 21;
/// `CAP_CHECKPOINT_RESTORE`: choosing pids, like `CAP_SYS_ADMIN`, without
/// the rest of it.
pub const CAP_CHECKPOINT_RESTORE: u32 = 40;

/// Whether we have capability `cap` (`CAP_*`) in our effective set, in our
/// own user namespace (`CapEff` of `/proc/self/status`).
pub fn has_capability(cap: u32) -> io::Result<bool> {
    let text = fs::read_to_string("/proc/self/status")?;
    let eff = text
        .lines()
        .find_map(|l| l.strip_prefix("CapEff:"))
        .and_then(|v| u64::from_str_radix(v.trim(), 16).ok())
        .ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::InvalidData,
                "/proc/self/status has no CapEff",
            )
        })?;
    Ok(cap < 64 && eff & (1 << cap) != 0)
}

/// Checks that /proc belongs to our pid namespace, as the pids our system
/// calls return are looked up there: our own `NSpid` there must be just
/// our pid. The error (`InvalidInput`) says how to get such a /proc.
pub fn check_proc_is_ours() -> io::Result<()> {
    let pid = getpid().as_raw_pid();
    let nspid = own_nspid().unwrap_or_default();
    if nspid == [pid] {
        return Ok(());
    }
    Err(io::Error::new(
        io::ErrorKind::InvalidInput,
        format!(
            "/proc is not the proc of this pid namespace (/proc/self shows NSpid {nspid:?}, we \
             are {pid}): mount one with 'mount -t proc proc /proc' in a new mount namespace"
        ),
    ))
}

/// Gives the calling process a /proc of its own pid namespace: a new mount
/// namespace (`unshare(CLONE_NEWNS)`), every mount in it made private (so
/// nothing propagates back), and a fresh proc file system on `/proc`.
/// Needs `CAP_SYS_ADMIN`; meant for a namespace's init or a process that
/// has `setns()`-ed, which would otherwise read its parent namespace's
/// /proc.
///
/// Affects the calling thread only: call it in a single-threaded process
/// (the child of a fork-like call, typically).
pub fn mount_private_proc() -> io::Result<()> {
    // SAFETY: only CLONE_NEWNS, which gives this thread its own mount table;
    // rustix marks unshare() unsafe for CLONE_FILES (descriptors that other
    // threads would no longer share), which is not asked for.
    unsafe { unshare_unsafe(UnshareFlags::NEWNS) }?;
    mount_change(
        "/",
        MountPropagationFlags::REC | MountPropagationFlags::PRIVATE,
    )?;
    mount("proc", "/proc", "proc", MountFlags::empty(), None)?;
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
        assert_eq!(s.ppid, pid_from_raw(12));
        assert_eq!(s.nspid, vec![40, 7, 1]);
        assert_eq!(parse_nspid(text), Some(vec![40, 7, 1]));
    }

    #[test]
    fn a_parent_outside_this_proc_is_none() {
        let s = parse_status("Name:\tinit\nPPid:\t0\nNSpid:\t1\n").unwrap();
        assert_eq!(s.ppid, None);
    }

    #[test]
    fn incomplete_status_is_none() {
        assert_eq!(parse_status("Name:\tx\nPPid:\t1\n"), None);
        assert_eq!(parse_nspid("Name:\tx\nNSpid:\t4\tx\n"), None);
    }

    #[test]
    fn we_are_in_our_own_proc() {
        let me = getpid();
        let s = status(me).unwrap().unwrap();
        assert!(!s.nspid.is_empty());
        assert_eq!(nspid(me).unwrap(), s.nspid);
        assert_eq!(own_nspid().unwrap(), s.nspid);
        assert!(pids().unwrap().contains(&me));
        assert!(pid_max().unwrap() > 1);
        has_capability(CAP_SYS_ADMIN).unwrap();
    }
}
