//! The pids in use, to be avoided when choosing pids (from the crate's
//! /proc readers).

use std::collections::HashSet;

use clone_with_pids::procfs;
use clone_with_pids::RawPid;

/// Every process /proc shows, with its NSpid (oldest level first).
pub fn all_nspids() -> Vec<Vec<RawPid>> {
    procfs::processes()
        .unwrap_or_default()
        .into_iter()
        .map(|(_, s)| s.nspid)
        .filter(|n| !n.is_empty())
        .collect()
}

/// Pids the kernel is about to hand out in our namespace (just above
/// `ns_last_pid`) and pids in use: to be avoided when choosing pids.
pub fn busy_pids() -> HashSet<RawPid> {
    let mut busy: HashSet<RawPid> = all_nspids()
        .iter()
        .filter_map(|n| n.first().copied())
        .collect();
    let last = procfs::ns_last_pid().unwrap_or(0);
    busy.extend(last..last + 200);
    busy.extend(0..300);
    busy
}

/// The kernel's pid_max (32768, its default, if it cannot be read).
pub fn pid_max() -> RawPid {
    procfs::pid_max().unwrap_or(32768)
}
