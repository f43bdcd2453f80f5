//! The tree description (`tree.json`) and the rules a restorable tree obeys.
//!
//! ```json
//! { "format": "cwp-tree/1",
//!   "source": "dump of pid 312",
//!   "processes": [
//!     { "pids": [1],         "parent": null, "ns_init": true },
//!     { "pids": [40],        "parent": 1,    "ns_init": false },
//!     { "pids": [41, 1],     "parent": 40,   "ns_init": true },
//!     { "pids": [42, 300],   "parent": 41,   "ns_init": false } ] }
//! ```
//!
//! `pids` are a process's pids at every pid namespace level, oldest first,
//! **counted from the tree's top namespace** (the one its root process is
//! in), as `NSpid` of `/proc/PID/status` shows them from there. Entry 0 is
//! unique in the tree and names the process: `parent` is the parent's
//! entry 0 (`null` for the root). `ns_init` marks the init (pid 1) of a pid
//! namespace: a process that is not one lives in its parent's namespace.

use std::collections::{HashMap, HashSet};

use std::io::Read;
use std::path::Path;

use anyhow::{bail, ensure, Context, Result};
use clone_with_pids::{RawPid, MAX_PID_NS_LEVEL, PID_MAX_LIMIT};
use rustix::io::Errno;
use serde::{Deserialize, Serialize};

use crate::error::Failure;

/// The `format` every description carries.
pub const FORMAT: &str = "cwp-tree/1";

/// A tree description as stored in JSON.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TreeFile {
    /// Always [`FORMAT`].
    pub format: String,
    /// Where the description came from, for people.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// Every process, parents before children.
    pub processes: Vec<Process>,
}

/// One process of the tree.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Process {
    /// Pid at each level from the tree's top namespace down, oldest first.
    pub pids: Vec<RawPid>,
    /// The parent's `pids[0]`; `None` for the root.
    pub parent: Option<RawPid>,
    /// Whether the process is pid 1 of its own pid namespace.
    pub ns_init: bool,
    /// The command name, when dumped from a live process.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comm: Option<String>,
    /// `NSpid` as the dumping tool's /proc showed it (every level).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dumped_nspid: Option<Vec<RawPid>>,
}

/// The path that stands for standard input or output.
pub const STDIO: &str = "-";

/// How a path is named in messages: `-` is standard input.
pub fn display_name(path: &Path) -> String {
    if path == Path::new(STDIO) {
        "standard input".into()
    } else {
        path.display().to_string()
    }
}

impl TreeFile {
    /// Reads a description from `path` (`-`: standard input) and checks
    /// it: every description the tool reads is checked. A description
    /// that does not parse or breaks the rules is EINVAL.
    pub fn load(path: &Path) -> Result<Tree> {
        let name = display_name(path);
        let text = if path == Path::new(STDIO) {
            let mut text = String::new();
            std::io::stdin()
                .read_to_string(&mut text)
                .with_context(|| format!("cannot read {name}"))?;
            text
        } else {
            std::fs::read_to_string(path).with_context(|| format!("cannot read {name}"))?
        };
        Self::parse(&text, &name)
    }

    /// Parses and checks the text of a description, named `name` in
    /// errors.
    pub fn parse(text: &str, name: &str) -> Result<Tree> {
        let file: TreeFile = serde_json::from_str(text)
            .with_context(|| format!("{name} is not a tree description"))?;
        Tree::new(file).map_err(|e| {
            Failure::new(Errno::INVAL, format!("{name} cannot be restored: {e:#}"))
                .hint(
                    "fix the description: see the format and its rules in 'cwp-restore \
                     --help'; 'cwp-restore gen' and 'cwp-restore dump' write valid ones",
                )
                .into()
        })
    }
}

/// Where a pid namespace of the tree comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Namespace {
    /// The tree's top namespace (headed by the root if it is an init).
    Top,
    /// The namespace whose init is this process (an index).
    HeadedBy(usize),
}

/// A checked description: one root, parents known, namespaces consistent,
/// no pid twice in a namespace.
#[derive(Clone, Debug)]
pub struct Tree {
    /// The description as read.
    pub file: TreeFile,
    /// Index of the root process.
    pub root: usize,
    /// Each process's children, in description order.
    pub children: Vec<Vec<usize>>,
}

impl Tree {
    /// Checks `file` against the rules of a restorable tree.
    pub fn new(file: TreeFile) -> Result<Self> {
        ensure!(
            file.format == FORMAT,
            "format is {:?}, expected {FORMAT:?}",
            file.format
        );
        let procs = &file.processes;
        ensure!(!procs.is_empty(), "the tree has no process");

        let mut by_pid = HashMap::new();
        for (i, p) in procs.iter().enumerate() {
            check_pids(p)?;
            if by_pid.insert(p.pids[0], i).is_some() {
                bail!("two processes have pid {} in the top namespace", p.pids[0]);
            }
        }

        let mut children = vec![Vec::new(); procs.len()];
        let mut roots = Vec::new();
        for (i, p) in procs.iter().enumerate() {
            match p.parent {
                None => roots.push(i),
                Some(pp) => {
                    let &pi = by_pid.get(&pp).with_context(|| {
                        format!("pid {}: parent {pp} is not in the tree", p.pids[0])
                    })?;
                    children[pi].push(i);
                }
            }
        }
        let root = match roots[..] {
            [root] => root,
            [] => bail!("no process is the root (every one has a parent)"),
            _ => bail!(
                "{} processes have no parent; a tree has one root",
                roots.len()
            ),
        };

        let namespaces = assign_namespaces(procs, root, &children)?;
        if let Some(i) = namespaces.iter().position(Vec::is_empty) {
            bail!(
                "pid {} is not connected to the root (a cycle of parents?)",
                procs[i].pids[0]
            );
        }
        check_unique_pids(procs, &namespaces)?;
        Ok(Self {
            file,
            root,
            children,
        })
    }

    /// The processes, as described.
    pub fn processes(&self) -> &[Process] {
        &self.file.processes
    }

    /// Number of namespace levels the tree spans (its longest `pids`).
    pub fn depth(&self) -> usize {
        self.processes()
            .iter()
            .map(|p| p.pids.len())
            .max()
            .unwrap_or(0)
    }

    /// Number of pid namespaces: the top one and one per init below it.
    pub fn namespace_count(&self) -> usize {
        let root_is_init = self.processes()[self.root].ns_init;
        self.processes().iter().filter(|p| p.ns_init).count() + usize::from(!root_is_init)
    }
}

fn check_pids(p: &Process) -> Result<()> {
    ensure!(!p.pids.is_empty(), "a process has an empty pids list");
    ensure!(
        p.pids.len() <= MAX_PID_NS_LEVEL,
        "pid {}: {} levels, but pid namespaces nest at most {MAX_PID_NS_LEVEL} deep",
        p.pids[0],
        p.pids.len()
    );
    if let Some(bad) = p.pids.iter().find(|&&q| !(1..PID_MAX_LIMIT).contains(&q)) {
        bail!("pid {}: {bad} is not a pid (1..{PID_MAX_LIMIT})", p.pids[0]);
    }
    Ok(())
}

/// Walks from the root, checking that each process is either in its
/// parent's namespace or the init of a new namespace just below it, and
/// records the namespace of each level. Unreached processes keep an empty
/// list.
fn assign_namespaces(
    procs: &[Process],
    root: usize,
    children: &[Vec<usize>],
) -> Result<Vec<Vec<Namespace>>> {
    let mut ns = vec![Vec::new(); procs.len()];
    let r = &procs[root];
    ensure!(
        r.pids.len() == 1,
        "the root has {} levels; counted from its own namespace it has one",
        r.pids.len()
    );
    ensure!(
        r.ns_init == (r.pids[0] == 1),
        "the root is pid {} but ns_init is {}: pid 1 is the namespace init and only it",
        r.pids[0],
        r.ns_init
    );
    ns[root] = vec![if r.ns_init {
        Namespace::HeadedBy(root)
    } else {
        Namespace::Top
    }];
    let mut todo = vec![root];
    while let Some(p) = todo.pop() {
        for &c in &children[p] {
            let (pp, cp) = (&procs[p], &procs[c]);
            let mut chain = ns[p].clone();
            if cp.ns_init {
                ensure!(
                    cp.pids.len() == pp.pids.len() + 1 && cp.pids.last() == Some(&1),
                    "pid {} is marked ns_init, so its pids must be its parent's levels plus 1 at the end, got {:?}",
                    cp.pids[0],
                    cp.pids
                );
                chain.push(Namespace::HeadedBy(c));
            } else {
                ensure!(
                    cp.pids.len() == pp.pids.len(),
                    "pid {} has {} levels but its parent {} has {}: only the init of a new namespace \
                     (ns_init) may be deeper, and trees made with setns() are not supported",
                    cp.pids[0],
                    cp.pids.len(),
                    pp.pids[0],
                    pp.pids.len()
                );
                ensure!(
                    cp.pids.last() != Some(&1),
                    "pid {} has pid 1 in its namespace but is not marked ns_init",
                    cp.pids[0]
                );
            }
            ns[c] = chain;
            todo.push(c);
        }
    }
    Ok(ns)
}

fn check_unique_pids(procs: &[Process], namespaces: &[Vec<Namespace>]) -> Result<()> {
    let mut seen: HashSet<(Namespace, RawPid)> = HashSet::new();
    for (p, chain) in procs.iter().zip(namespaces) {
        for (level, (&pid, &n)) in p.pids.iter().zip(chain).enumerate() {
            if !seen.insert((n, pid)) {
                bail!(
                    "pid {pid} is used twice in the namespace at level {level} (seen again for pid {})",
                    p.pids[0]
                );
            }
        }
    }
    Ok(())
}

/// Whether two descriptions describe the same tree: same pids, parents and
/// inits, in any order (names, sources and dumped NSpid aside).
pub fn same_tree(a: &TreeFile, b: &TreeFile) -> Vec<String> {
    let key = |p: &Process| (p.pids.clone(), p.parent, p.ns_init);
    let set_a: HashSet<_> = a.processes.iter().map(key).collect();
    let set_b: HashSet<_> = b.processes.iter().map(key).collect();
    let mut diffs: Vec<String> = set_a
        .difference(&set_b)
        .map(|(pids, parent, init)| {
            format!("only in the first: pids {pids:?} parent {parent:?} ns_init {init}")
        })
        .chain(set_b.difference(&set_a).map(|(pids, parent, init)| {
            format!("only in the second: pids {pids:?} parent {parent:?} ns_init {init}")
        }))
        .collect();
    diffs.sort();
    diffs
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) fn proc(pids: &[RawPid], parent: Option<RawPid>) -> Process {
        Process {
            pids: pids.to_vec(),
            parent,
            ns_init: pids.last() == Some(&1),
            comm: None,
            dumped_nspid: None,
        }
    }

    pub(crate) fn file(procs: Vec<Process>) -> TreeFile {
        TreeFile {
            format: FORMAT.into(),
            source: None,
            processes: procs,
        }
    }

    /// The example of the module docs.
    pub(crate) fn example() -> TreeFile {
        file(vec![
            proc(&[1], None),
            proc(&[40], Some(1)),
            proc(&[41, 1], Some(40)),
            proc(&[42, 300], Some(41)),
        ])
    }

    fn err(f: TreeFile) -> String {
        format!("{:#}", Tree::new(f).unwrap_err())
    }

    #[test]
    fn example_is_valid() {
        let t = Tree::new(example()).unwrap();
        assert_eq!(t.root, 0);
        assert_eq!(t.depth(), 2);
        assert_eq!(t.namespace_count(), 2);
        assert_eq!(t.children[1], vec![2]);
        let ns = assign_namespaces(t.processes(), t.root, &t.children).unwrap();
        assert_eq!(ns[3], vec![Namespace::HeadedBy(0), Namespace::HeadedBy(2)]);
    }

    #[test]
    fn json_round_trip() {
        let text = serde_json::to_string_pretty(&example()).unwrap();
        assert!(!text.contains("comm"), "optional fields are left out");
        let back: TreeFile = serde_json::from_str(&text).unwrap();
        assert_eq!(back, example());
    }

    #[test]
    fn a_root_that_is_no_init_gets_the_top_namespace() {
        let t = Tree::new(file(vec![proc(&[500], None), proc(&[501, 1], Some(500))])).unwrap();
        let ns = assign_namespaces(t.processes(), t.root, &t.children).unwrap();
        assert_eq!(ns[0], vec![Namespace::Top]);
        assert_eq!(t.namespace_count(), 2);
    }

    #[test]
    fn duplicate_pid_in_a_namespace_is_refused() {
        let mut f = example();
        f.processes.push(proc(&[43, 300], Some(41)));
        assert!(err(f).contains("pid 300 is used twice"));
    }

    #[test]
    fn same_pid_in_sibling_namespaces_is_fine() {
        let mut f = example();
        f.processes.push(proc(&[50, 1], Some(40)));
        f.processes.push(proc(&[51, 300], Some(50)));
        Tree::new(f).unwrap();
    }

    #[test]
    fn a_child_deeper_than_a_new_namespace_is_refused() {
        let mut f = example();
        f.processes.push(proc(&[60, 7, 8], Some(40)));
        assert!(err(f).contains("setns"));
    }

    #[test]
    fn pid_1_without_ns_init_is_refused() {
        let mut f = example();
        let mut p = proc(&[61, 1], Some(40));
        p.ns_init = false;
        f.processes.push(p);
        let e = err(f);
        assert!(e.contains("has 2 levels"), "{e}");
    }

    #[test]
    fn missing_parent_root_count_and_cycles_are_refused() {
        let mut f = example();
        f.processes[1].parent = Some(999);
        assert!(err(f).contains("parent 999 is not in the tree"));

        let f = file(vec![proc(&[1], None), proc(&[5], None)]);
        assert!(err(f).contains("one root"));

        let f = file(vec![
            proc(&[1], None),
            proc(&[5], Some(6)),
            proc(&[6], Some(5)),
        ]);
        assert!(err(f).contains("not connected"));
    }

    #[test]
    fn bad_pids_and_format_are_refused() {
        let mut f = example();
        f.processes[1].pids = vec![-4];
        assert!(err(f).contains("-4 is not a pid"));
        let mut f = example();
        f.format = "other".into();
        assert!(err(f).contains("format"));
    }

    #[test]
    fn same_tree_ignores_order_and_names() {
        let a = example();
        let mut b = example();
        b.processes.reverse();
        b.processes[0].comm = Some("sleep".into());
        assert!(same_tree(&a, &b).is_empty());
        b.processes[0].pids[1] = 301;
        assert_eq!(same_tree(&a, &b).len(), 2);
    }
}
