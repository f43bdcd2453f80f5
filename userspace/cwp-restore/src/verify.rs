//! Checks a restored tree from /proc: every process of the description is
//! there with its pids at every level and its parent, and nothing else is.

use std::collections::HashMap;

use anyhow::{bail, Context, Result};
use clone_with_pids::procfs::{self, Status};
use clone_with_pids::{Pid, RawPid};

use crate::plan::Plan;

/// What was found: process count per namespace, keyed by the namespace
/// init's node.
#[derive(Debug)]
pub struct Verified {
    /// Processes found, the top included.
    pub processes: usize,
    /// (init node, processes in that namespace), in plan order.
    pub per_namespace: Vec<(usize, usize)>,
}

/// Reads /proc (which must be our namespace's: see
/// [`procfs::check_proc_is_ours`]) and compares the descendants of `top`
/// with the plan. `NSpid` there starts at our level; the restored levels
/// follow.
pub fn verify(plan: &Plan, top: Pid) -> Result<Verified> {
    let snapshot = procfs::processes().context("cannot read /proc")?;
    let mut children: HashMap<Pid, Vec<Pid>> = HashMap::new();
    for (pid, s) in &snapshot {
        if let Some(ppid) = s.ppid {
            children.entry(ppid).or_default().push(*pid);
        }
    }
    let by_pid: HashMap<Pid, &Status> = snapshot.iter().map(|(p, s)| (*p, s)).collect();
    let wanted: HashMap<&[RawPid], usize> = plan
        .nodes
        .iter()
        .enumerate()
        .map(|(i, n)| (n.pids.as_slice(), i))
        .collect();

    let mut problems = Vec::new();
    let mut found = vec![false; plan.nodes.len()];
    let mut todo = vec![(top, None::<usize>)];
    while let Some((pid, parent_node)) = todo.pop() {
        let Some(status) = by_pid.get(&pid) else {
            problems.push(format!("process {pid} vanished while being checked"));
            continue;
        };
        let restored = status.nspid.get(1..).unwrap_or_default();
        let node = match wanted.get(restored) {
            Some(&n) => n,
            None => {
                problems.push(format!(
                    "process {pid} ({}) has NSpid {:?}, which the description does not have",
                    status.name, status.nspid
                ));
                continue;
            }
        };
        found[node] = true;
        if plan.nodes[node].parent != parent_node {
            let want = plan.nodes[node].parent.map(|p| plan.nodes[p].pids.clone());
            let got = parent_node.map(|p| plan.nodes[p].pids.clone());
            problems.push(format!(
                "process with pids {restored:?} has parent {got:?}, expected {want:?}"
            ));
        }
        for &child in children.get(&pid).into_iter().flatten() {
            todo.push((child, Some(node)));
        }
    }
    for (n, _) in found.iter().enumerate().filter(|(_, &f)| !f) {
        problems.push(format!("no process has pids {:?}", plan.nodes[n].pids));
    }
    if !problems.is_empty() {
        let shown = problems
            .iter()
            .take(10)
            .map(|p| format!("\n  {p}"))
            .collect::<String>();
        let more = problems.len().saturating_sub(10);
        let tail = if more > 0 {
            format!("\n  ... and {more} more")
        } else {
            String::new()
        };
        bail!("the restored tree does not match the description:{shown}{tail}");
    }

    let mut per_namespace: Vec<(usize, usize)> = Vec::new();
    let mut index: HashMap<usize, usize> = HashMap::new();
    for n in 0..plan.nodes.len() {
        let head = plan.namespace_head(n);
        let slot = *index.entry(head).or_insert_with(|| {
            per_namespace.push((head, 0));
            per_namespace.len() - 1
        });
        per_namespace[slot].1 += 1;
    }
    Ok(Verified {
        processes: plan.nodes.len(),
        per_namespace,
    })
}
