//! `cwp-restore gen`: a synthetic tree with nested pid namespaces and
//! random (seeded, so reproducible) pids.

use std::collections::HashSet;

use anyhow::{ensure, Result};
use clone_with_pids::RawPid;

use crate::tree::{Process, Tree, TreeFile, FORMAT};

/// The shape of a generated tree.
#[derive(Clone, Copy, Debug)]
pub struct Shape {
    /// Pid namespace levels, the top one included.
    pub depth: usize,
    /// Processes in all.
    pub count: usize,
    /// New namespaces under each namespace of the level above.
    pub fanout: usize,
    /// Pids are drawn from 2..=max_pid (keep it below the kernel's pid_max).
    pub max_pid: RawPid,
    /// Seed of the random choices.
    pub seed: u64,
}

/// A namespace while generating: its level and the pids already used.
struct Ns {
    level: usize,
    used: HashSet<RawPid>,
}

struct Gen {
    rng: fastrand::Rng,
    max_pid: RawPid,
    namespaces: Vec<Ns>,
    /// Per process: its description and the namespace of each level.
    procs: Vec<(Process, Vec<usize>)>,
}

impl Gen {
    fn fresh_pid(&mut self, ns: usize) -> RawPid {
        loop {
            let pid = self.rng.i32(2..=self.max_pid);
            if self.namespaces[ns].used.insert(pid) {
                return pid;
            }
        }
    }

    /// Adds a child of process `parent`, as the init of a new namespace or
    /// in the parent's namespace. Returns its index.
    fn add(&mut self, parent: usize, new_ns: bool) -> usize {
        let mut chain = self.procs[parent].1.clone();
        let mut pids: Vec<RawPid> = chain
            .clone()
            .into_iter()
            .map(|ns| self.fresh_pid(ns))
            .collect();
        if new_ns {
            let level = self.namespaces[*chain.last().unwrap_or(&0)].level + 1;
            self.namespaces.push(Ns {
                level,
                used: HashSet::from([1]),
            });
            chain.push(self.namespaces.len() - 1);
            pids.push(1);
        }
        let parent_pid = self.procs[parent].0.pids[0];
        self.procs.push((
            Process {
                pids,
                parent: Some(parent_pid),
                ns_init: new_ns,
                comm: None,
                dumped_nspid: None,
            },
            chain,
        ));
        self.procs.len() - 1
    }
}

/// Generates a tree: a root that is the init of the top namespace,
/// `fanout` nested namespaces under each namespace down to `depth`
/// levels, each created by a random process of the namespace above, and
/// the other processes as children of random processes.
pub fn generate(shape: Shape) -> Result<TreeFile> {
    ensure!((1..=32).contains(&shape.depth), "depth must be 1..=32");
    let inits: usize = (1..shape.depth)
        .map(|l| shape.fanout.pow(l as u32))
        .sum::<usize>()
        + 1;
    ensure!(
        shape.count >= inits,
        "{} processes cannot hold {inits} namespace inits (depth {}, fanout {})",
        shape.count,
        shape.depth,
        shape.fanout
    );
    ensure!(
        (shape.max_pid as usize) > shape.count + 2,
        "max pid {} leaves too few pids for {} processes",
        shape.max_pid,
        shape.count
    );
    let mut g = Gen {
        rng: fastrand::Rng::with_seed(shape.seed),
        max_pid: shape.max_pid,
        namespaces: vec![Ns {
            level: 0,
            used: HashSet::from([1]),
        }],
        procs: Vec::new(),
    };
    g.procs.push((
        Process {
            pids: vec![1],
            parent: None,
            ns_init: true,
            comm: None,
            dumped_nspid: None,
        },
        vec![0],
    ));

    // The namespace skeleton, level by level.
    let mut level_ns = vec![0];
    for _ in 1..shape.depth {
        let mut next = Vec::new();
        for &ns in &level_ns {
            for _ in 0..shape.fanout {
                let members: Vec<usize> = (0..g.procs.len())
                    .filter(|&i| g.procs[i].1.last() == Some(&ns))
                    .collect();
                let parent = members[g.rng.usize(..members.len())];
                let init = g.add(parent, true);
                next.push(*g.procs[init].1.last().unwrap_or(&0));
            }
        }
        level_ns = next;
    }
    while g.procs.len() < shape.count {
        let parent = g.rng.usize(..g.procs.len());
        g.add(parent, false);
    }

    let file = TreeFile {
        format: FORMAT.into(),
        source: Some(format!(
            "gen --depth {} --count {} --fanout {} --seed {}",
            shape.depth, shape.count, shape.fanout, shape.seed
        )),
        processes: g.procs.into_iter().map(|(p, _)| p).collect(),
    };
    // What gen writes, restore must accept.
    Tree::new(file.clone())?;
    Ok(file)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shape(depth: usize, count: usize, seed: u64) -> Shape {
        Shape {
            depth,
            count,
            fanout: 2,
            max_pid: 32767,
            seed,
        }
    }

    #[test]
    fn three_levels_and_a_hundred_processes() {
        let f = generate(shape(3, 100, 7)).unwrap();
        let t = Tree::new(f).unwrap();
        assert_eq!(t.processes().len(), 100);
        assert_eq!(t.depth(), 3);
        assert_eq!(t.namespace_count(), 7);
        for level in 1..=3 {
            assert!(
                t.processes()
                    .iter()
                    .filter(|p| p.pids.len() == level)
                    .count()
                    > 1,
                "level {level} has processes"
            );
        }
    }

    #[test]
    fn same_seed_same_tree_other_seed_other_tree() {
        assert_eq!(
            generate(shape(3, 50, 1)).unwrap(),
            generate(shape(3, 50, 1)).unwrap()
        );
        assert_ne!(
            generate(shape(3, 50, 1)).unwrap(),
            generate(shape(3, 50, 2)).unwrap()
        );
    }

    #[test]
    fn impossible_shapes_are_refused() {
        assert!(generate(shape(0, 10, 1)).is_err());
        assert!(generate(shape(4, 5, 1)).is_err());
        let mut s = shape(2, 100, 1);
        s.max_pid = 50;
        assert!(generate(s).is_err());
    }
}
