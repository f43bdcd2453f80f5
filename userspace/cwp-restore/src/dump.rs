//! `cwp-restore dump`: describe a live process tree from /proc.

use std::collections::HashMap;

use anyhow::{Context, Result};
use clone_with_pids::procfs::{self, Status};
use clone_with_pids::Pid;
use rustix::io::Errno;

use crate::error::Failure;
use crate::tree::{Process, Tree, TreeFile, FORMAT};

/// Describes the tree of `root` (a pid as this /proc shows it): every
/// descendant, parents first, with its pids from the root's namespace
/// down. The tree should not change meanwhile (stop it, or dump a restored
/// tree, whose processes only wait); this tool's own process is left out.
pub fn dump(root: Pid) -> Result<TreeFile> {
    let snapshot = procfs::processes().context("cannot read /proc")?;
    let me = rustix::process::getpid();
    let by_pid: HashMap<Pid, &Status> = snapshot.iter().map(|(p, s)| (*p, s)).collect();
    let mut children: HashMap<Pid, Vec<Pid>> = HashMap::new();
    for (pid, s) in &snapshot {
        if let (Some(ppid), true) = (s.ppid, *pid != me) {
            children.entry(ppid).or_default().push(*pid);
        }
    }
    let root_status = by_pid
        .get(&root)
        .ok_or_else(|| Failure::new(Errno::SRCH, format!("no process {root} in /proc")))?;
    // Levels above the root's namespace are not part of the tree.
    let base = root_status.nspid.len().saturating_sub(1);

    let mut processes = Vec::new();
    let mut queue = std::collections::VecDeque::from([(root, None)]);
    while let Some((pid, parent)) = queue.pop_front() {
        let Some(s) = by_pid.get(&pid) else { continue };
        let pids = s.nspid.get(base..).unwrap_or_default().to_vec();
        let top_pid = pids.first().copied();
        processes.push(Process {
            ns_init: pids.last() == Some(&1),
            pids,
            parent,
            comm: Some(s.name.clone()),
            dumped_nspid: Some(s.nspid.clone()),
        });
        for &child in children.get(&pid).into_iter().flatten() {
            queue.push_back((child, top_pid));
        }
    }
    let file = TreeFile {
        format: FORMAT.into(),
        source: Some(format!("dump of pid {root} ({})", root_status.name)),
        processes,
    };
    Tree::new(file.clone())
        .with_context(|| format!("the tree of pid {root} cannot be described for restore"))?;
    Ok(file)
}
